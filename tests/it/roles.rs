//! How long a role lasts: AWS_MFA_DURATION, set for sessions, fitted to roles; a role whose
//! MaxSessionDuration is lower than asked is asked once more, for what it allows.

use crate::harness::*;
use crate::sessions::exported;

const TOO_LONG: &str =
    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.";

/// The DurationSeconds a request asks for.
fn asked(body: &str) -> Option<u32> {
    body.split('&')
        .find_map(|p| p.strip_prefix("DurationSeconds="))
        .and_then(|d| d.parse().ok())
}

/// moto, which does not enforce MaxSessionDuration, behind an endpoint that does as AWS does
/// for roles allowing `max` seconds, and that refuses iam:GetRole unless `get_role`.
fn enforcing(max: u32, get_role: bool) -> (Fake, Sandbox) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let url = moto.url.clone();
    let fake = Fake::start(move |req| match req.action() {
        "AssumeRole" if asked(&req.body).is_some_and(|d| d > max) => {
            Reply::Http(400, sts_error("ValidationError", TOO_LONG))
        }
        "GetRole" if !get_role => Reply::Http(
            403,
            sts_error("AccessDenied", "not authorized to perform: iam:GetRole"),
        ),
        _ => Reply::Forward(url.clone()),
    });
    let sb = Sandbox::new(&fake.url);
    sb.write_creds(&user.identity_section());
    (fake, sb)
}

#[test]
fn a_duration_set_for_sessions_is_fitted_to_a_role() {
    let moto = Moto::shared();
    let role = moto.role_lasting(Some(43200));
    let user = moto.user(1);
    let proxy = Fake::proxy(&moto.url);
    let mut sb = Sandbox::new(&proxy.url);
    sb.write_creds(&user.identity_section());
    sb.set("AWS_MFA_DURATION", "129600");
    let run = sb.run(&[&role, "-c", "123456", "--env", "--shell", "bash"]);
    run.ok();
    assert!(
        run.stderr.starts_with(
            "AWS_MFA_DURATION asks for 129600 s, more than AWS allows a role; asking for 43200 s.\n"
        ),
        "{}",
        run.stderr
    );
    // Longer than a chained session may last: assumed directly with the code, as before.
    assert!(
        run.stderr.contains("assumed directly with MFA for 43200 s"),
        "{}",
        run.stderr
    );
    assert_expires_in(&run.stderr, 43199);
    let assumed = proxy.bodies("AssumeRole");
    assert_eq!(assumed.len(), 1);
    assert_eq!(asked(&assumed[0]), Some(43200));
    assert!(assumed[0].contains("TokenCode=123456"));
    // The shell's renewal fits it the same way: only a new code can renew a direct role.
    let refresh: Run = sb
        .command(&["refresh", "--shell", "bash"])
        .env(
            "AWSMFA_SOURCE",
            exported(&run.stdout, "AWSMFA_SOURCE").unwrap(),
        )
        .env("AWSMFA_EXPIRATION", "0")
        .output()
        .unwrap()
        .into();
    refresh.fails(3, "a new MFA code is needed");
    // The variable still gives sessions their 36 hours.
    sb.run(&["-c", "654321", "-t", "session"]).ok();
    let left = expiration_in(&sb.creds(), "session");
    assert!((129_590..=129_600).contains(&left), "{left} s left");
    // -d comes first, and a role of an hour rides on that session without a code.
    let run = sb.run(&[&role, "-d", "3600", "-t", "hour"]);
    run.ok();
    assert!(!run.stderr.contains("AWS_MFA_DURATION"), "{}", run.stderr);
    assert_eq!(proxy.count("AssumeRole"), 2);
    assert!(!proxy.bodies("AssumeRole")[1].contains("TokenCode"));
}

#[test]
fn a_role_allowing_less_is_asked_again_for_its_maximum() {
    let (fake, sb) = enforcing(7200, true);
    let role = Moto::shared().role_lasting(Some(7200));
    let run = sb.run(&[&role, "-c", "123456", "-d", "43200"]);
    run.ok();
    assert!(
        run.stderr.contains(&format!(
            "{role} allows less than 43200 s (its MaxSessionDuration); asking for 7200 s, its \
             maximum.\n"
        )),
        "{}",
        run.stderr
    );
    assert_expires_in(&run.stderr, 7199);
    let assumed = fake.bodies("AssumeRole");
    let durations: Vec<_> = assumed.iter().map(|b| asked(b)).collect();
    assert_eq!(durations, [Some(43200), Some(7200)]);
    assert!(assumed.iter().all(|b| b.contains("TokenCode=123456")));
    assert_eq!(fake.count("GetRole"), 1);
}

#[test]
fn without_get_role_a_role_is_asked_again_for_an_hour() {
    let (fake, mut sb) = enforcing(7200, false);
    let role = Moto::shared().role_lasting(Some(7200));
    sb.set("AWS_MFA_DURATION", "129600");
    let run = sb.run(&[&role, "-c", "123456"]);
    run.ok();
    assert!(
        run.stderr.contains(&format!(
            "{role} allows less than 43200 s (its MaxSessionDuration); asking for 3600 s, \
             AWS's default maximum"
        )),
        "{}",
        run.stderr
    );
    assert_expires_in(&run.stderr, 3599);
    assert_eq!(fake.count("GetRole"), 1);
    assert_eq!(fake.count("AssumeRole"), 2);
}

#[test]
fn a_namesake_in_the_own_account_does_not_set_another_accounts_role() {
    let (fake, sb) = enforcing(7200, true);
    // The identity's account has a role of that name allowing 4 h; the role asked for is
    // elsewhere, where iam:GetRole cannot look.
    let own = Moto::shared().role_lasting(Some(14400));
    let name = own.rsplit('/').next().unwrap();
    let elsewhere = format!("arn:aws:iam::999999999999:role/{name}");
    let run = sb.run(&[&elsewhere, "-c", "123456", "-d", "43200"]);
    run.ok();
    assert_expires_in(&run.stderr, 3599);
    assert_eq!(fake.count("GetRole"), 0);
}
