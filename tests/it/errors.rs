//! Every failure is one `awsmfa: error:` line with the right exit status, and changes no file.

use crate::harness::*;
use std::time::{Duration, Instant};

const IDENTITY: &str = "[identity]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n";

/// A sandbox whose endpoint is a port nobody listens on: any request would fail.
fn offline() -> Sandbox {
    let sb = Sandbox::new(&format!("http://127.0.0.1:{}", free_port()));
    sb.write_creds(IDENTITY);
    sb
}

#[test]
fn usage_errors_exit_2_before_touching_anything() {
    let sb = offline();
    for (args, needle) in [
        (&["-c", "12345"][..], "6 digits or `skip`"),
        (&["-c", "123456", "-d", "100"], "between 900 and 129600"),
        (&["-c", "123456", "-d", "129601"], "between 900 and 129600"),
        (
            &[
                "arn:aws:iam::123456789012:role/r",
                "-c",
                "123456",
                "-d",
                "43201",
            ],
            "between 900 and 43200",
        ),
        (
            &["arn:aws:iam::12345:role/r", "-c", "123456"],
            "is not a role ARN",
        ),
        (&["-c", "123456", "-t", "identity"], "would destroy"),
        (
            &["-c", "123456", "--role-session-name", "x y"],
            "role session name",
        ),
        (&["-d", "soon"], "invalid value 'soon'"),
        (&["--no-such-flag"], "--no-such-flag"),
        (&["--shell", "tcsh", "--env"], "tcsh"),
    ] {
        sb.run(args).fails(2, needle);
        assert_eq!(sb.creds(), IDENTITY);
    }
}

#[test]
fn no_code_and_no_terminal() {
    offline().run(&[]).fails(
        2,
        "no terminal to ask on; pass -c CODE or set AWS_MFA_TOKEN_CODE",
    );
}

#[test]
fn missing_file_and_missing_profile_say_how_to_fix_them() {
    let sb = Sandbox::new("http://127.0.0.1:9");
    sb.run(&["-c", "123456"])
        .fails(1, "no credentials file at")
        .fails(1, "aws configure --profile identity");
    sb.write_creds("[a]\nk = v\n[b]\n");
    sb.run(&["-c", "123456"])
        .fails(1, "no profile [identity] in")
        .fails(1, "profiles there: a, b");
    sb.write_creds("[identity]\nregion = x\n");
    sb.run(&["-c", "123456"])
        .fails(1, "lacks aws_access_key_id or aws_secret_access_key");
    std::fs::remove_file(sb.creds_path()).unwrap();
    std::fs::create_dir(sb.creds_path()).unwrap();
    sb.run(&["-c", "123456"]).fails(1, "is a directory");
}

#[test]
fn malformed_files_are_refused_with_the_line_number_and_left_alone() {
    let sb = offline();
    for (text, needle) in [
        (
            format!("{IDENTITY}[default]\nthis is not ini\n"),
            "line 5: expected",
        ),
        (
            format!("{IDENTITY}[default]\n[identity]\n"),
            "line 5: duplicate section [identity]",
        ),
        (
            format!("orphan = 1\n{IDENTITY}"),
            "line 1: key outside any [section]",
        ),
        // botocore refuses these too (DuplicateOptionError, a nested value without `=`).
        (
            format!("{IDENTITY}AWS_Access_Key_Id = AKIAOTHER\n"),
            "line 4: duplicate key aws_access_key_id",
        ),
        (
            format!("{IDENTITY}s3 =\n  path style\n"),
            "line 5: botocore reads the lines indented under `s3 =`",
        ),
    ] {
        sb.write_creds(&text);
        let before = std::fs::metadata(sb.creds_path())
            .unwrap()
            .modified()
            .unwrap();
        sb.run(&["-c", "123456"])
            .fails(1, needle)
            .fails(1, "the file was not changed");
        assert_eq!(sb.creds(), text);
        assert_eq!(
            std::fs::metadata(sb.creds_path())
                .unwrap()
                .modified()
                .unwrap(),
            before
        );
    }
}

#[test]
fn unreachable_endpoints_fail_fast_with_their_name() {
    let sb = offline();
    let t = Instant::now();
    sb.run(&[
        "-c",
        "123456",
        "--serial-number",
        "arn:aws:iam::123456789012:mfa/x",
    ])
    .fails(1, &format!("cannot reach {}", sb.endpoint));
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert_eq!(sb.creds(), IDENTITY);

    let silent = Fake::start(|_| Reply::Hang);
    let sb = Sandbox::new(&silent.url);
    sb.write_creds(IDENTITY);
    let t = Instant::now();
    sb.run(&["-c", "skip"])
        .fails(1, &format!("no answer from {} in time", silent.url));
    assert!(t.elapsed() < Duration::from_secs(15), "{:?}", t.elapsed());
    assert_eq!(sb.creds(), IDENTITY);
}

#[test]
fn aws_errors_show_code_and_message() {
    for (code, message) in [
        (
            "ExpiredToken",
            "The security token included in the request is expired",
        ),
        (
            "AccessDenied",
            "User is not authorized to perform sts:GetSessionToken",
        ),
        ("ValidationError", "1 validation error detected"),
    ] {
        let fake = Fake::start(move |_| Reply::Http(400, sts_error(code, message)));
        let sb = Sandbox::new(&fake.url);
        sb.write_creds(IDENTITY);
        sb.run(&["-c", "skip"])
            .fails(1, &format!("sts:GetSessionToken failed: {code}: {message}"));
        assert_eq!(sb.creds(), IDENTITY);
    }
}

#[test]
fn a_role_duration_above_its_maximum_names_the_fix() {
    let fake = Fake::start(|_| {
        Reply::Http(
            400,
            sts_error(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ),
        )
    });
    let sb = Sandbox::new(&fake.url);
    sb.write_creds(IDENTITY);
    sb.run(&[
        "arn:aws:iam::123456789012:role/r",
        "-c",
        "skip",
        "-d",
        "43200",
    ])
    .fails(1, "does not allow sessions of 43200 s")
    .fails(1, "-d 3600");
}

#[test]
fn wrong_keys_are_rejected_by_aws_with_authentication_on() {
    let moto = Moto::start();
    let user = moto.user(1);
    moto.allow_all(&user);
    let bare = moto.user(1);
    moto.auth_on();
    let sb = Sandbox::new(&moto.url);
    let wrong_secret = user.identity_section().replace(&user.secret, "wrong");
    sb.write_creds(&wrong_secret);
    sb.run(&["-c", "123456"])
        .fails(1, "iam:GetUser failed: SignatureDoesNotMatch");
    let unknown = "[identity]\naws_access_key_id = AKIAUNKNOWN0000000\naws_secret_access_key = x\n";
    sb.write_creds(unknown);
    sb.run(&["-c", "123456"]).fails(1, "InvalidClientTokenId");
    assert_eq!(sb.creds(), unknown);
    // A user without a policy may not even ask who it is.
    sb.write_creds(&bare.identity_section());
    sb.run(&["-c", "123456"]).fails(1, "AccessDenied");
}

#[test]
fn no_secret_reaches_stderr() {
    let moto = Moto::shared();
    let user = moto.user(2);
    let sb = Sandbox::with_user(moto, &user);
    let run = sb.run(&["-c", "123456", "--env", "--shell", "bash"]);
    run.ok();
    let text = sb.creds();
    for key in ["aws_secret_access_key", "aws_session_token"] {
        let secret = value(&text, "default", key).unwrap();
        assert!(!run.stderr.contains(&secret));
    }
    assert!(!run.stderr.contains(&user.secret));
}

#[test]
fn throttling_is_retried_then_reported() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Throttled once, then an answer: the retry makes the run succeed.
    let calls = AtomicUsize::new(0);
    let fake = Fake::start(move |_| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::Http(400, sts_error("Throttling", "Rate exceeded"))
        } else {
            Reply::Http(
                200,
                sts_credentials(
                    "GetSessionToken",
                    "ASIAOK",
                    "s",
                    "t",
                    crate::sts_answers::far(),
                ),
            )
        }
    });
    let sb = Sandbox::new(&fake.url);
    sb.write_creds(IDENTITY);
    sb.run(&["-c", "skip"]).ok();
    assert_eq!(fake.requests.load(Ordering::SeqCst), 2);
    assert_eq!(
        value(&sb.creds(), "default", "aws_access_key_id").unwrap(),
        "ASIAOK"
    );

    // Throttled every time: a bounded number of attempts, then the error.
    let fake = Fake::start(|_| Reply::Http(400, sts_error("Throttling", "Rate exceeded")));
    let sb = Sandbox::new(&fake.url);
    sb.write_creds(IDENTITY);
    sb.run(&["-c", "skip"])
        .fails(1, "sts:GetSessionToken failed: Throttling: Rate exceeded");
    assert_eq!(fake.requests.load(Ordering::SeqCst), 3);
    assert_eq!(sb.creds(), IDENTITY);
}

/// A server's error text, and a name from the command line, reach the terminal with their
/// control characters escaped: no clearing the screen, retitling the window or rewriting the line.
#[test]
fn control_characters_from_a_server_or_the_command_line_are_shown_not_obeyed() {
    let hostile = "Denied\u{1b}[2J\u{1b}]0;pwned\u{7}\rawsmfa: all good\u{9b}31m";
    let fake = Fake::start(move |_| Reply::Http(403, sts_error("AccessDenied", hostile)));
    let sb = Sandbox::new(&fake.url);
    sb.write_creds(IDENTITY);
    let run = sb.run(&["-c", "skip"]);
    run.fails(1, "sts:GetSessionToken failed: AccessDenied: Denied\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{d}awsmfa: all good\\u{9b}31m");
    let run = sb.run(&["-c", "skip", "-i", "x\u{1b}[2Jy"]);
    run.fails(1, "no profile [x\\u{1b}[2Jy]");
    for text in [&run.stderr, &sb.run(&["-c", "skip"]).stderr] {
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\r', '\u{9b}']),
            "{text:?}"
        );
    }
}

/// An empty value given on the command line is a mistake to name, not something to send to
/// AWS; nor is a second role ARN (clap took it for a misplaced subcommand).
#[test]
fn empty_flags_and_a_second_role_are_usage_errors() {
    let sb = offline();
    for (args, needles) in [
        (
            &["-c", "123456", "--serial-number", ""][..],
            &[
                "invalid value '' for '--serial-number <ARN>'",
                "leave --serial-number out to have it discovered",
            ][..],
        ),
        (
            &["-c", "123456", "-i", ""],
            &[
                "invalid value '' for '--identity-profile <NAME>'",
                "name the profile with your long-lived keys",
            ],
        ),
        (
            &["rotate", "-c", "123456", "--serial-number="],
            &["invalid value '' for '--serial-number <ARN>'"],
        ),
        (
            &["forget", "-i", ""],
            &["leave -i out to forget every session"],
        ),
        (
            &[
                "arn:aws:iam::123456789012:role/a",
                "arn:aws:iam::123456789012:role/b",
                "-c",
                "123456",
            ],
            &[
                "awsmfa takes one ROLE_ARN, but arn:aws:iam::123456789012:role/b came after another",
                "to chain roles, define them in ~/.aws/config (role_arn with source_profile) and pass --profile NAME",
            ],
        ),
    ] {
        let run = sb.run(args);
        for needle in needles {
            run.fails(2, needle);
        }
        assert_eq!(sb.creds(), IDENTITY);
    }
}

/// botocore reads an indented line after a key as part of its value, even past a blank line:
/// here the secret is "s", a blank line and "region = eu-west-1". awsmfa reads it so too, and
/// says so instead of signing with another secret than the aws CLI would.
#[test]
fn a_key_continued_past_a_blank_line_is_read_as_botocore_reads_it() {
    let fake = Fake::granting(crate::sts_answers::far());
    let sb = Sandbox::new(&fake.url);
    let text = format!("{IDENTITY}\n  region = eu-west-1\n");
    sb.write_creds(&text);
    sb.run(&["-c", "skip"])
        .fails(1, "aws_secret_access_key of [identity]")
        .fails(1, "runs over several lines");
    assert_eq!(fake.requests.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(sb.creds(), text);
}

/// configparser gives the keys of `[DEFAULT]` to every profile and lists no such profile:
/// temporary credentials written there would reach profiles that never asked for them.
#[test]
fn a_default_section_is_never_written() {
    let fake = Fake::granting(crate::sts_answers::far());
    let sb = Sandbox::new(&fake.url);
    sb.write_creds(IDENTITY);
    sb.run(&["-c", "skip", "-t", "DEFAULT"])
        .fails(2, "[DEFAULT] is no profile");
    assert_eq!(fake.requests.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(sb.creds(), IDENTITY);
}

/// An endpoint the identity's profile sets is the one called, and the error names it and
/// where it was set — not an endpoint guessed from the environment, not AWS_PROFILE's.
#[test]
fn an_unreachable_endpoint_of_the_identity_is_named_with_its_origin() {
    let dead = || format!("http://127.0.0.1:{}", free_port());
    let (theirs, ours) = (dead(), dead());
    let mut sb = Sandbox::new("");
    sb.write_creds(IDENTITY);
    sb.write_config(&format!(
        "[profile local]\nendpoint_url = {theirs}\n[profile identity]\nendpoint_url = {ours}\n"
    ));
    sb.set("AWS_PROFILE", "local");
    sb.run(&["-c", "123456"])
        .fails(1, &format!("iam:GetUser failed: cannot reach {ours} ("))
        .fails(
            1,
            "check the network, a proxy or endpoint_url of [profile identity] in ",
        );
    sb.run(&[
        "-c",
        "123456",
        "--serial-number",
        "arn:aws:iam::123456789012:mfa/me",
    ])
    .fails(
        1,
        &format!("sts:GetSessionToken failed: cannot reach {ours} ("),
    );
    assert_eq!(sb.creds(), IDENTITY);
}

/// The config file, where the identity's endpoint may be set, is read as botocore reads it:
/// a file botocore refuses is named with its line, before any request.
#[test]
fn a_config_file_botocore_cannot_read_is_named() {
    let sb = offline();
    sb.write_config("[profile identity]\nendpoint_url = http://127.0.0.1:9\nEndpoint_URL = http://127.0.0.1:9\n");
    sb.run(&["-c", "123456"])
        .fails(1, "config: line 3: duplicate key endpoint_url");
    assert_eq!(sb.creds(), IDENTITY);
}
