//! `awsmfa console`: role credentials from moto traded at a stand-in for AWS's federation
//! sign-in endpoint (nothing emulates it), which checks the request the IAM User Guide
//! documents; the login URL printed with --print, or handed to a fake `xdg-open`.

use crate::harness::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const TOKEN: &str = "sign+in/token=1";

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// The decoded query parameter `name` of `url` (or of a request line's target).
fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1.split(' ').next()?;
    query
        .split('&')
        .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
        .map(decode)
}

/// A stand-in for the federation endpoint answering `status` and `body`, and the sandbox
/// pointed at it.
fn standin(sb: &mut Sandbox, status: u16, body: &str) -> Fake {
    let body = body.to_string();
    let fake = Fake::start(move |_| Reply::Http(status, body.clone()));
    sb.set(
        "AWSMFA_SIGNIN_ENDPOINT",
        &format!("{}/federation", fake.url),
    );
    fake
}

fn ok_standin(sb: &mut Sandbox) -> Fake {
    standin(sb, 200, &format!(r#"{{"SigninToken":"{TOKEN}"}}"#))
}

/// The one getSigninToken request the stand-in saw: its request line.
fn token_request(fake: &Fake) -> String {
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "one request expected");
    let line = requests[0].head.lines().next().unwrap().to_string();
    assert!(line.starts_with("GET /federation?"), "{line}");
    assert_eq!(param(&line, "Action").as_deref(), Some("getSigninToken"));
    line
}

/// The Session document of the request: its three fields, checked against moto — they are
/// the credentials of `role`, and of nothing else.
fn session_of(moto: &Moto, line: &str, role: &str) -> serde_json::Value {
    let session: serde_json::Value =
        serde_json::from_str(&param(line, "Session").expect("a Session")).unwrap();
    let fields: Vec<&String> = session.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["sessionId", "sessionKey", "sessionToken"]);
    let field = |name: &str| session[name].as_str().unwrap().to_string();
    let sts = moto.sts_as(
        &field("sessionId"),
        &field("sessionKey"),
        Some(&field("sessionToken")),
    );
    let me = moto.run(sts.get_caller_identity().send()).unwrap();
    let role_name = role.rsplit('/').next().unwrap();
    assert!(
        me.arn()
            .unwrap()
            .contains(&format!(":assumed-role/{role_name}/")),
        "{:?}",
        me.arn()
    );
    session
}

/// The login URL: on the stand-in, with the token and the destination.
#[track_caller]
fn assert_login(url: &str, fake: &Fake, destination: &str) {
    assert!(
        url.starts_with(&format!("{}/federation?Action=login&", fake.url)),
        "{url}"
    );
    assert_eq!(param(url, "SigninToken").as_deref(), Some(TOKEN));
    assert_eq!(param(url, "Destination").as_deref(), Some(destination));
}

#[test]
fn print_gives_a_login_url_for_the_role_assumed_with_mfa() {
    // Authentication on, so that moto checks the secret and token the stand-in receives; it
    // then refuses its own session keys, so the role is assumed directly (--no-cache), which
    // is also when the console session is asked to last as long as the credentials.
    let moto = Moto::start();
    let user = moto.user(1);
    moto.allow_all(&user);
    let role = moto.role();
    moto.auth_on();
    let mut sb = Sandbox::with_user(&moto, &user);
    let fake = ok_standin(&mut sb);
    let run = sb.run(&[
        "console",
        &role,
        "-c",
        "123456",
        "--no-cache",
        "--region",
        "eu-west-3",
        "--destination",
        "/ec2/home#Instances:",
        "--print",
    ]);
    run.ok();
    let line = token_request(&fake);
    assert_eq!(param(&line, "SessionDuration").as_deref(), Some("3600"));
    let session = session_of(&moto, &line, &role);
    let url = run.stdout.strip_suffix('\n').unwrap();
    assert!(!url.contains('\n'));
    assert_login(
        url,
        &fake,
        "https://console.aws.amazon.com/ec2/home?region=eu-west-3#Instances:",
    );
    // The secrets, the token and the URL stay off stderr.
    for secret in [&session["sessionKey"], &session["sessionToken"]] {
        assert!(!run.stderr.contains(secret.as_str().unwrap()));
    }
    assert!(!run.stderr.contains(TOKEN) && !run.stderr.contains("SigninToken"));
    assert!(
        run.stderr.contains("Anyone who has this URL"),
        "{}",
        run.stderr
    );
}

/// A directory holding an `xdg-open` that records its arguments in `record`, the page it is
/// given in `record`.page, and exits `exit`; the page is read again after, as by a browser.
fn fake_opener(dir: &Path, record: &Path, exit: i32) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("xdg-open");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{r}'\ncat \"$1\" > '{r}.page'\n\
             (sleep 0.2; cat \"$1\") </dev/null >/dev/null 2>&1 &\necho opener-noise\n\
             exit {exit}\n",
            r = record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

#[test]
fn the_console_opens_for_a_profile_s_role_chained_on_the_mfa_session() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let mut sb = Sandbox::with_user(moto, &user);
    sb.write_config(&format!(
        "[profile admin]\nrole_arn = {role}\nsource_profile = identity\nregion = ap-south-1\n"
    ));
    let record = sb.home().join("opened");
    let path = fake_opener(sb.home(), &record, 0);
    sb.set("PATH", &path);
    let fake = ok_standin(&mut sb);
    let run = sb.run(&["console", "--profile", "admin", "-c", "123456"]);
    run.ok();
    assert_eq!(run.stdout, "", "the URL is opened, not printed");
    let opened = std::fs::read_to_string(&record).expect("xdg-open ran");
    assert_eq!(opened.lines().count(), 1, "one argument: {opened:?}");
    // The opener gets a page that redirects to the login URL (hostile/opener.rs).
    let page = std::fs::read_to_string(record.with_extension("page")).unwrap();
    let url = page
        .split("content=\"0;url=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a redirecting page")
        .replace("&amp;", "&");
    let url = url.as_str();
    assert_login(
        url,
        &fake,
        "https://console.aws.amazon.com/console/home?region=ap-south-1",
    );
    assert!(!run.stderr.contains(TOKEN));
    assert!(
        run.stderr
            .contains(&format!("Opened the AWS console as {role}"))
    );
    // Chained on the MFA session: no SessionDuration (see aws/signin.rs).
    let line = token_request(&fake);
    assert_eq!(param(&line, "SessionDuration"), None);
    session_of(moto, &line, &role);

    // The session is cached: the next console asks no code, and an opener that fails is one
    // line with the way out.
    let path = fake_opener(sb.home(), &record, 3);
    sb.set("PATH", &path);
    sb.run(&["console", "--profile", "admin"])
        .fails(1, "xdg-open could not open the console")
        .fails(1, "--print");
}

#[test]
fn an_mfa_session_cannot_sign_in() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let proxy = Fake::proxy(&moto.url);
    let mut sb = Sandbox::new(&proxy.url);
    sb.write_creds(&user.identity_section());
    let fake = ok_standin(&mut sb);
    sb.run(&["console", "-c", "123456", "--print"]).fails(
        2,
        "pass a ROLE_ARN, or --profile NAME of a profile with role_arn",
    );
    assert_eq!(proxy.requests.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert!(fake.requests().is_empty());
}

#[test]
fn a_refusing_or_odd_sign_in_endpoint_is_one_line() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    for (status, body, needle) in [
        (
            400,
            "<html>Bad Request</html>",
            "refused the credentials of",
        ),
        (
            200,
            "<html>not json</html>",
            "answered without a SigninToken",
        ),
        (
            200,
            r#"{"SigninToken":""}"#,
            "answered without a SigninToken",
        ),
    ] {
        let mut sb = Sandbox::with_user(moto, &user);
        let fake = standin(&mut sb, status, body);
        let run = sb.run(&["console", &role, "-c", "123456", "--print"]);
        run.fails(1, needle);
        assert!(run.stderr.contains(&fake.url), "{}", run.stderr);
        assert!(!run.stderr.contains("Session="), "{}", run.stderr);
    }
    // Nothing listening.
    let mut sb = Sandbox::with_user(moto, &user);
    let closed = format!("http://127.0.0.1:{}/federation", free_port());
    sb.set("AWSMFA_SIGNIN_ENDPOINT", &closed);
    let run = sb.run(&["console", &role, "-c", "123456", "--print"]);
    run.fails(
        1,
        &format!("cannot get a console sign-in token from {closed}: "),
    );
    assert!(!run.stderr.contains("Session="), "{}", run.stderr);
    assert!(run.stderr.contains("Connection refused"), "{}", run.stderr);
    // TLS to something that does not speak it: the https path fails in one line, too.
    let plain = Fake::start(|_| Reply::Http(200, String::new()));
    let tls = format!("{}/federation", plain.url.replace("http://", "https://"));
    sb.set("AWSMFA_SIGNIN_ENDPOINT", &tls);
    let run = sb.run(&["console", &role, "-c", "123456", "--print"]);
    run.fails(
        1,
        &format!("cannot get a console sign-in token from {tls}: "),
    );
    assert!(run.stderr.contains("tls"), "{}", run.stderr);
}

#[test]
fn credentials_are_never_sent_in_clear_off_this_machine() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let proxy = Fake::proxy(&moto.url);
    let mut sb = Sandbox::new(&proxy.url);
    sb.write_creds(&user.identity_section());
    for planted in [
        "http://signin.example.com/federation",
        "http://127.0.0.1.example.com/federation",
        "https://signin.aws.amazon.com/federation?x=",
    ] {
        sb.set("AWSMFA_SIGNIN_ENDPOINT", planted);
        sb.run(&["console", &role, "-c", "123456", "--print"])
            .fails(2, "AWSMFA_SIGNIN_ENDPOINT");
    }
    // Refused before any AWS call: no role was assumed for it.
    assert_eq!(proxy.requests.load(std::sync::atomic::Ordering::SeqCst), 0);
    sb.set("AWSMFA_SIGNIN_ENDPOINT", "");
    sb.run(&[
        "console",
        &role,
        "-c",
        "123456",
        "--destination",
        "//evil.example/x",
    ])
    .fails(2, "--destination");
}
