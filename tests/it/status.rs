//! `awsmfa status`, and a skewed clock: the countdown uses AWS's time.

use crate::harness::*;
use crate::sessions::exported;

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
