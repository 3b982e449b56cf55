//! ~/.aws/config profiles, mfa_process, credential-process, exec, status and clock skew.

use crate::core::value;
use crate::harness::*;
use crate::sessions::exported;
use std::time::{Duration, Instant};

/// A sandbox for a new user with `config` as ~/.aws/config, behind a counting proxy.
pub fn with_config(config: &str) -> (Fake, Sandbox, User) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let proxy = Fake::proxy(&moto.url);
    let sb = Sandbox::new(&proxy.url);
    sb.write_creds(&user.identity_section());
    std::fs::write(
        sb.home().join(".aws/config"),
        config.replace("SERIAL", &user.serials[0]),
    )
    .unwrap();
    (proxy, sb, user)
}

fn caller_arn(sb: &Sandbox, profile: &str) -> String {
    let text = sb.creds();
    let moto = Moto::shared();
    let sts = moto.sts_as(
        &value(&text, profile, "aws_access_key_id").unwrap(),
        &value(&text, profile, "aws_secret_access_key").unwrap(),
        value(&text, profile, "aws_session_token").as_deref(),
    );
    moto.run(sts.get_caller_identity().send())
        .unwrap()
        .arn()
        .unwrap()
        .to_string()
}

#[test]
fn a_profile_chain_is_followed_with_every_key() {
    let moto = Moto::shared();
    let (base, top) = (moto.role(), moto.role());
    let config = format!(
        "[profile base]\nrole_arn = {base}\nsource_profile = identity\nexternal_id = ext-1\n\n\
         [profile top]\nrole_arn = {top}\nsource_profile = base\nrole_session_name = me-top\n\
         mfa_serial = SERIAL\nduration_seconds = 1800\nregion = eu-west-2\n"
    );
    let (proxy, sb, _) = with_config(&config);
    let run = sb.run(&["--profile", "top", "-c", "123456"]);
    run.ok();
    assert_expires_in(&run.stderr, 1799);
    assert_eq!(
        proxy.count("GetUser"),
        0,
        "mfa_serial came from the profile"
    );
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (1, 2)
    );
    let assumed = proxy.bodies("AssumeRole");
    let base_name = base.rsplit('/').next().unwrap();
    assert!(
        assumed[0].contains(base_name) && assumed[0].contains("ExternalId=ext-1"),
        "{}",
        assumed[0]
    );
    assert!(assumed[1].contains("RoleSessionName=me-top") && !assumed[1].contains("ExternalId"));
    let arn = caller_arn(&sb, "default");
    assert!(
        arn.ends_with(&format!("{}/me-top", top.rsplit('/').next().unwrap())),
        "{arn}"
    );

    // Flags override the profile.
    sb.run(&["--profile", "top", "--role-session-name", "mine", "-t", "o"])
        .ok();
    assert!(caller_arn(&sb, "o").ends_with("/mine"));
    // Through the environment too.
    let mut env = Sandbox {
        env: vec![],
        ..Sandbox::new(&sb.endpoint)
    };
    env.dir = sb.dir;
    env.set("AWS_MFA_PROFILE", "base")
        .set("AWS_MFA_TARGET_PROFILE", "b");
    env.run(&[]).ok();
    assert!(caller_arn(&env, "b").contains(&format!(":assumed-role/{base_name}/awsmfa_")));
}

/// `--profile` reads ~/.aws/config as botocore does, as the endpoint settings already were: a
/// comment after the header and `key: value` mean what they mean to the AWS CLI.
#[test]
fn a_config_profile_is_read_as_botocore_reads_it() {
    let role = Moto::shared().role();
    let config = format!(
        "[profile team] # shared with the team\nrole_arn: {role}\nsource_profile = identity\n\
         Role_Session_Name: me-team\n"
    );
    let (proxy, sb, _) = with_config(&config);
    sb.run(&["--profile", "team", "-c", "123456"]).ok();
    assert_eq!(proxy.count("AssumeRole"), 1);
    let assumed = &proxy.bodies("AssumeRole")[0];
    assert!(assumed.contains("RoleSessionName=me-team"), "{assumed}");
    // A file botocore refuses is refused with its line, not half read.
    std::fs::write(
        sb.home().join(".aws/config"),
        format!("[profile team]\nrole_arn = {role}\nrole_arn = {role}\n"),
    )
    .unwrap();
    sb.run(&["--profile", "team", "-c", "123456"])
        .fails(1, "line 3: duplicate key");
}

#[test]
fn profile_mistakes_are_named() {
    let (_, sb, _) = with_config(
        "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n\
         [profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n\
         [profile lone]\nrole_arn = arn:aws:iam::123456789012:role/l\n\
         [profile long]\nrole_arn = arn:aws:iam::123456789012:role/l\nsource_profile = a2\n\
         [profile a2]\nrole_arn = arn:aws:iam::123456789012:role/a2\nsource_profile = identity\n",
    );
    sb.run(&["--profile", "a", "-c", "123456"])
        .fails(2, "form a cycle: a -> b -> a");
    sb.run(&["--profile", "lone", "-c", "123456"])
        .fails(2, "has role_arn but no source_profile");
    sb.run(&["--profile", "nope", "-c", "123456"])
        .fails(2, "no profile \"nope\"");
    sb.run(&["--profile", "long", "-c", "123456", "-d", "7200"])
        .fails(2, "caps each role of a chain at 3600 s");
}

#[test]
fn a_long_profile_duration_assumes_directly() {
    let role = Moto::shared().role();
    let (proxy, sb, _) = with_config(&format!(
        "[profile long]\nrole_arn = {role}\nsource_profile = identity\nduration_seconds = 7200\n"
    ));
    let run = sb.run(&["--profile", "long", "-c", "123456"]);
    run.ok();
    assert!(
        run.stderr.contains("AWS caps chained role sessions at 1 h"),
        "{}",
        run.stderr
    );
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (0, 1)
    );
    assert!(proxy.bodies("AssumeRole")[0].contains("TokenCode=123456"));
}

#[test]
fn mfa_process_from_config_flag_and_environment() {
    for how in ["config", "flag", "env"] {
        // The identity's own config section holds its device settings, as for the AWS CLI.
        let config = if how == "config" {
            "[profile identity]\nmfa_process = printf '%s\\n' 246810\n"
        } else {
            ""
        };
        let (proxy, mut sb, _) = with_config(config);
        let args: Vec<&str> = match how {
            "config" => vec!["--profile", "identity"],
            "flag" => vec!["--mfa-process", "echo 246810"],
            _ => {
                sb.set("AWS_MFA_PROCESS", "echo 246810");
                vec![]
            }
        };
        sb.run(&args).ok();
        let sent = proxy.bodies("GetSessionToken");
        assert!(sent[0].contains("TokenCode=246810"), "{how}: {}", sent[0]);
    }
}

#[test]
fn mfa_process_failures_are_clear_and_bounded() {
    let (_, mut sb, _) = with_config("");
    // The command line is not shown (it may hold a TOTP seed); where it was set is.
    sb.run(&["--mfa-process", "echo oops >&2; exit 4"]).fails(
        1,
        "the mfa_process from --mfa-process failed (exit status: 4)",
    );
    sb.run(&["--mfa-process", "echo not-a-code"])
        .fails(1, "printed no 6-digit code");
    sb.set("AWSMFA_MFA_PROCESS_TIMEOUT", "1");
    let start = Instant::now();
    sb.run(&["--mfa-process", "sleep 30; echo 123456"])
        .fails(1, "gave no code within 1 s");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_code_just_used_is_not_sent_again() {
    // A stand-in authenticator: one code per 30-second window, like TOTP.
    let totp = "echo $(( $(date +%s) / 30 % 900000 + 100000 ))";
    let (proxy, sb, _) = with_config("");
    sb.run(&["--mfa-process", totp, "--no-cache"]).ok();
    let start = Instant::now();
    let run = sb.run(&["--mfa-process", totp, "--no-cache", "-t", "again"]);
    run.ok();
    let sent = proxy.bodies("GetSessionToken");
    let code = |b: &str| b.split("TokenCode=").nth(1).unwrap()[..6].to_string();
    if code(&sent[0]) != code(&sent[1]) || run.stderr.contains("waiting") {
        // Either the window turned between the runs, or awsmfa waited for it to.
        assert_ne!(code(&sent[0]), code(&sent[1]));
    }
    if run.stderr.contains("waiting") {
        assert!(run.stderr.contains("was used"), "{}", run.stderr);
        assert!(start.elapsed() <= Duration::from_secs(32));
    }
    // A code given on the command line is sent as given.
    sb.run(&["-c", "111111", "--no-cache", "-t", "x"]).ok();
    sb.run(&["-c", "111111", "--no-cache", "-t", "y"]).ok();
    assert_eq!(proxy.count("GetSessionToken"), 4);
}

#[test]
fn credential_process_feeds_boto3_and_the_aws_cli() {
    let moto = Moto::shared();
    let role = moto.role();
    let config = format!(
        "[profile team]\nrole_arn = {role}\nsource_profile = identity\n\n\
         [profile via-awsmfa]\ncredential_process = {} credential-process --profile team\n",
        bin()
    );
    let (_, sb, _) = with_config(&config);
    sb.run(&["-c", "123456"]).ok();
    let before = sb.creds();
    let role_name = role.rsplit('/').next().unwrap();

    let run = sb.run(&["credential-process", "--profile", "team"]);
    run.ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["Version"], 1);
    assert!(doc["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(doc["SessionToken"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(doc["Expiration"].as_str().unwrap().ends_with('Z'));
    assert_eq!(sb.creds(), before, "credential-process writes no file");

    let env = |cmd: &mut std::process::Command| {
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap())
            .env("HOME", sb.home())
            .env("AWS_ENDPOINT_URL", &sb.endpoint)
            .env("AWS_DEFAULT_REGION", "us-east-1");
    };
    let mut boto = std::process::Command::new("python3");
    boto.args([
        "-c",
        "import boto3; print(boto3.Session(profile_name='via-awsmfa').client('sts').get_caller_identity()['Arn'])",
    ]);
    env(&mut boto);
    let mut cli = std::process::Command::new("aws");
    cli.args([
        "sts",
        "get-caller-identity",
        "--profile",
        "via-awsmfa",
        "--query",
        "Arn",
        "--output",
        "text",
    ]);
    env(&mut cli);
    for mut client in [boto, cli] {
        let out = client.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let arn = String::from_utf8(out.stdout).unwrap();
        assert!(
            arn.contains(&format!(":assumed-role/{role_name}/")),
            "{arn}"
        );
    }
    assert_eq!(sb.creds(), before);
}

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

#[test]
fn status_shows_kinds_and_time_left_but_no_secret() {
    let role = Moto::shared().role();
    let (_, sb, user) = with_config(&format!(
        "[profile team]\nrole_arn = {role}\nsource_profile = identity\n"
    ));
    let run = sb.run(&["-c", "123456", "--env", "--shell", "bash"]);
    run.ok();
    let status = sb.run(&["status", "--json"]);
    status.ok();
    let doc: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let find = |profile: &str, source: &str| {
        doc.as_array()
            .unwrap()
            .iter()
            .find(|e| e["profile"] == profile && e["source"] == source)
            .unwrap_or_else(|| panic!("{profile} from {source} in {doc}"))
            .clone()
    };
    let identity = find("identity", "credentials");
    assert_eq!(identity["kind"], "long-lived keys");
    assert_eq!(
        identity["key_id"],
        format!(
            "{}…{}",
            &user.key_id[..4],
            &user.key_id[user.key_id.len() - 4..]
        )
    );
    let default = find("default", "credentials");
    assert_eq!(default["kind"], "temporary");
    assert!(
        (21500..=21600).contains(&default["seconds_left"].as_i64().unwrap()),
        "{default}"
    );
    assert_eq!(find("team", "config")["kind"], "config role profile");
    assert_eq!(find("identity", "cache")["kind"], "cached MFA session");

    let table = sb.run(&["status"]);
    table.ok();
    assert!(table.stdout.starts_with("PROFILE"));
    let secret = value(&sb.creds(), "default", "aws_secret_access_key").unwrap();
    let token = value(&sb.creds(), "default", "aws_session_token").unwrap();
    for out in [&status.stdout, &status.stderr, &table.stdout, &table.stderr] {
        for s in [&user.secret, &secret, &token, &user.key_id] {
            assert!(
                !out.contains(s.as_str()),
                "a secret or a full key id leaked"
            );
        }
    }
    assert!(exported(&run.stdout, "AWS_SECRET_ACCESS_KEY").is_some());
}

#[test]
fn a_skewed_clock_is_reported_and_the_countdown_uses_aws_time() {
    // STS's clock is an hour ahead of ours; its credentials last 6 h by its clock.
    let fake = Fake::start(|_| {
        let server = now() + 3600;
        let date = std::process::Command::new("date")
            .args([
                "-u",
                "-d",
                &format!("@{server}"),
                "+%a, %d %b %Y %H:%M:%S GMT",
            ])
            .output()
            .unwrap();
        let date = String::from_utf8(date.stdout).unwrap();
        let exp = std::process::Command::new("date")
            .args([
                "-u",
                "-d",
                &format!("@{}", server + 21600),
                "+%Y-%m-%dT%H:%M:%SZ",
            ])
            .output()
            .unwrap();
        let exp = String::from_utf8(exp.stdout).unwrap();
        Reply::WithHeaders(
            200,
            format!("Date: {}\r\n", date.trim()),
            sts_credentials("GetSessionToken", "ASIASKEW", "s", "t", exp.trim()),
        )
    });
    let sb = Sandbox::new(&fake.url);
    sb.write_creds("[identity]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n");
    let run = sb.run(&["-c", "skip", "--env", "--shell", "bash"]);
    run.ok();
    assert!(
        run.stderr
            .contains("this machine's clock is about 1h0m behind AWS's"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches("clock is").count(), 1, "warned once");
    assert_expires_in(&run.stderr, 21599);
    let local: i64 = exported(&run.stdout, "AWSMFA_EXPIRATION")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (21590..=21600).contains(&(local - now())),
        "the shell counts down by its own clock"
    );
}

#[test]
fn the_region_comes_from_the_environment_the_profile_or_the_identity() {
    let fake = Fake::start(|_| {
        Reply::Http(
            200,
            sts_credentials(
                "GetSessionToken",
                "ASIAR",
                "s",
                "t",
                crate::sts_answers::far(),
            ),
        )
    });
    let identity = "[identity]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n";
    let mut sb = Sandbox::new(&fake.url);
    // No region anywhere: STS's global endpoint's region.
    sb.write_creds(identity);
    sb.run(&["-c", "skip"]).ok();
    // The identity profile's region, then a config profile's, then the environment's.
    sb.write_creds(&format!("{identity}region = ap-south-1\n"));
    sb.run(&["-c", "skip"]).ok();
    std::fs::write(
        sb.home().join(".aws/config"),
        "[profile identity]\nregion = eu-west-2\n",
    )
    .unwrap();
    sb.run(&["-c", "skip", "--profile", "identity"]).ok();
    sb.set("AWS_DEFAULT_REGION", "us-west-1");
    sb.run(&["-c", "skip", "--profile", "identity"]).ok();
    sb.set("AWS_REGION", "ca-central-1");
    sb.run(&["-c", "skip", "--profile", "identity"]).ok();
    assert_eq!(
        fake.regions(),
        [
            "us-east-1",
            "ap-south-1",
            "eu-west-2",
            "us-west-1",
            "ca-central-1"
        ]
    );
}

#[test]
fn aws_mfa_duration_yields_to_a_profile_and_is_fitted_to_a_chain() {
    let moto = Moto::shared();
    let (base, top, own) = (moto.role(), moto.role(), moto.role());
    let (proxy, mut sb, _) = with_config(&format!(
        "[profile base]\nrole_arn = {base}\nsource_profile = identity\n\n\
         [profile top]\nrole_arn = {top}\nsource_profile = base\n\n\
         [profile own]\nrole_arn = {own}\nsource_profile = identity\nduration_seconds = 1800\n"
    ));
    sb.set("AWS_MFA_DURATION", "129600");
    let run = sb.run(&["--profile", "top", "-c", "123456", "-t", "top"]);
    run.ok();
    assert!(
        run.stderr.starts_with(
            "AWS_MFA_DURATION asks for 129600 s, more than AWS allows a chain of roles; asking \
             for 3600 s.\n"
        ),
        "{}",
        run.stderr
    );
    assert_expires_in(&run.stderr, 3599);
    // The profile's own duration_seconds comes before the variable: chained, no notice.
    let run = sb.run(&["--profile", "own", "-t", "own"]);
    run.ok();
    assert!(!run.stderr.contains("AWS_MFA_DURATION"), "{}", run.stderr);
    assert_expires_in(&run.stderr, 1799);
    assert_eq!(
        (proxy.count("GetSessionToken"), proxy.count("AssumeRole")),
        (1, 3)
    );
}

/// AWS_PROFILE and AWS_DEFAULT_PROFILE name a profile for the user's other tools: its
/// endpoint_url never receives the identity's keys and MFA code. The endpoint is the
/// identity's: AWS_ENDPOINT_URL, its config profile, its credentials-file section, or the
/// `--profile` it is used through.
#[test]
fn aws_profile_never_chooses_the_endpoint() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    // The hostile endpoint passes requests on to moto, so that only this count tells.
    let evil = Fake::proxy(&moto.url);
    let leaked = || evil.requests.load(std::sync::atomic::Ordering::SeqCst);
    let mut sb = Sandbox::new(&moto.url);
    sb.set("AWS_PROFILE", "evil")
        .set("AWS_DEFAULT_PROFILE", "evil");
    let hostile = format!(
        "[profile evil]\nendpoint_url = {0}\n[default]\nendpoint_url = {0}\n",
        evil.url
    );
    let config = sb.home().join(".aws/config");
    let identity = user.identity_section();
    let run = ["-c", "123456", "--no-cache"];
    let cases = [
        ("AWS_ENDPOINT_URL", identity.clone(), String::new()),
        (
            "[profile identity]",
            identity.clone(),
            format!("[profile identity]\nendpoint_url = {}\n", moto.url),
        ),
        (
            "the credentials file's [identity]",
            format!("{identity}endpoint_url = {}\n", moto.url),
            String::new(),
        ),
        (
            "--profile team",
            identity.clone(),
            format!(
                "[profile team]\nrole_arn = {role}\nsource_profile = identity\nendpoint_url = {}\n",
                moto.url
            ),
        ),
    ];
    for (case, creds, own) in cases {
        sb.write_creds(&creds);
        std::fs::write(&config, format!("{hostile}{own}")).unwrap();
        // Past the first case, the endpoint comes from the files alone.
        let args = match case {
            "--profile team" => [&run[..], &["--profile", "team"]].concat(),
            _ => run.to_vec(),
        };
        let result = sb.run(&args);
        sb.endpoint = String::new();
        assert_eq!(
            leaked(),
            0,
            "{case}: the identity's requests went to {}",
            evil.url
        );
        result.ok();
    }
}
