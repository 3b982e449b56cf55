//! `awsmfa exec`: the command gets the credentials and the region, and none of the names other
//! tools left.

use crate::harness::*;

#[test]
fn exec_runs_the_command_with_the_credentials() {
    let (_, mut sb, _) = with_config("");
    sb.set("AWS_PROFILE", "elsewhere");
    let run = sb.run(&[
        "exec",
        "-c",
        "123456",
        "--",
        "sh",
        "-c",
        "echo \"$AWS_ACCESS_KEY_ID|${AWS_PROFILE-unset}|$AWS_CREDENTIAL_EXPIRATION|$AWS_SESSION_TOKEN\"; exit 7",
    ]);
    assert_eq!(run.code, 7, "{}", run.stderr);
    let fields: Vec<&str> = run.stdout.trim().split('|').collect();
    assert_eq!(fields[0], "AKIAIOSFODNN7EXAMPLE");
    assert_eq!(fields[1], "unset");
    assert!(fields[2].ends_with('Z'));
    assert!(!fields[3].is_empty());
    assert!(!sb.creds().contains("[default]"), "exec writes no profile");
    sb.run(&["exec", "--", "no-such-command-here"])
        .fails(1, "cannot run no-such-command-here");
    sb.run(&["exec"]).fails(2, "CMD");
}

/// exec hands CMD the region a profile names, and none of the names other tools left; no
/// profile name either, since exec writes none.
#[test]
fn exec_gives_the_profile_s_region_and_drops_other_tools_names() {
    let (_, mut sb, _) = with_config("[profile identity]\nregion = eu-north-1\n");
    sb.set("AWS_VAULT", "stale").set("AWSUME_PROFILE", "stale");
    let run = sb.run(&[
        "exec",
        "--profile",
        "identity",
        "-c",
        "123456",
        "--",
        "sh",
        "-c",
        "echo \"$AWS_REGION|$AWS_DEFAULT_REGION|${AWS_VAULT-unset}|${AWSUME_PROFILE-unset}|${AWS_SSO_PROFILE-unset}|$AWS_SESSION_EXPIRATION\"",
    ]);
    run.ok();
    let fields: Vec<&str> = run.stdout.trim().split('|').collect();
    assert_eq!(
        fields[..5],
        ["eu-north-1", "eu-north-1", "unset", "unset", "unset"]
    );
    assert!(fields[5].ends_with('Z'), "{}", run.stdout);
}
