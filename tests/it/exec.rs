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

/// The record of the code sent (so that it is not sent twice) is on disk before CMD starts,
/// both for an MFA session and for a role assumed directly with MFA: exec replaces awsmfa, so
/// a write still under way would never finish. The test holds the cache folder's lock for a
/// while, so that the write is still waiting when the AWS call is done.
#[test]
fn the_code_exec_sent_is_on_record_before_the_command_runs() {
    use std::os::unix::fs::DirBuilderExt;
    let (_, sb, _) = with_config("");
    let role = Moto::shared().role();
    let cache = sb.home().join(".cache/awsmfa");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&cache)
        .unwrap();
    let show = "cat \"$HOME/.cache/awsmfa/last-codes\"";
    for (code, role) in [("123456", None), ("654321", Some(role.as_str()))] {
        let lock = std::fs::File::open(&cache).unwrap();
        lock.lock().unwrap();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            drop(lock);
        });
        let mut args = vec!["exec", "-c", code, "--no-cache"];
        args.extend(role);
        args.extend(["--", "sh", "-c", show]);
        let run = sb.run(&args);
        holder.join().unwrap();
        run.ok();
        assert!(
            run.stdout.contains(&format!(" {code} ")),
            "{code} not on record when CMD ran: {:?}",
            run.stdout
        );
    }
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
