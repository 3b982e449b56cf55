//! The credentials file is edited, never regenerated: bytes, modes, links, concurrency.

use crate::core::value;
use crate::harness::*;
use std::os::unix::fs::PermissionsExt;

/// Splits `text` around `[section]`: (before, the section, after).
fn around<'a>(text: &'a str, section: &str) -> (&'a str, &'a str, &'a str) {
    let start = text.find(&format!("[{section}]")).expect("section present");
    let rest = &text[start + 1..];
    let end = rest.find("\n[").map_or(text.len(), |i| start + 1 + i + 1);
    (&text[..start], &text[start..end], &text[end..])
}

const ODD: &str = r#"# Managed by hand. Do NOT reorder.
;; semicolon comment

[work]
AWS_ACCESS_KEY_ID=AKIAWORK
# the secret is indented:
    aws_secret_access_key   =   spaced out   
	# indented comment


[default]
region = eu-west-1
aws_access_key_id = OLDKEY
Aws_Session_Token = old-token
  continued-old-token
awsmfa_expiration = 2020-01-01T00:00:00Z
output=json
# trailing comment in default

[ spaced name ]
unknown_key = "quoted value"
"#;

#[test]
fn every_byte_outside_the_target_section_is_kept() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::new(&moto.url);
    let original = format!(
        "{}{}# last line, no newline",
        ODD.replacen('\n', "\r\n", 1),
        user.identity_section()
    );
    sb.write_creds(&original);
    sb.run(&["-c", "123456"]).ok();
    let text = sb.creds();
    let (before, section, after) = around(&text, "default");
    let (o_before, o_section, o_after) = around(&original, "default");
    assert_eq!(before, o_before);
    assert_eq!(after, o_after);
    // Inside the target: the user's own keys and comment stay, in order; ours are replaced.
    let kept: Vec<&str> = section
        .lines()
        .filter(|l| {
            !l.starts_with("aws_")
                && !l.starts_with("expiration")
                && !l.starts_with("awsmfa_expiration")
        })
        .collect();
    assert_eq!(
        kept,
        [
            "[default]",
            "region = eu-west-1",
            "output=json",
            "# trailing comment in default",
            ""
        ]
    );
    assert!(
        !section.contains("old-token")
            && !section.contains("OLDKEY")
            && !section.contains("2020-01-01T00:00:00Z")
    );
    // awsmfa 0.2's key, renewed in its format: Python's isoformat() of the same instant.
    assert_eq!(
        value(&text, "default", "awsmfa_expiration").unwrap(),
        value(&text, "default", "expiration")
            .unwrap()
            .replace('Z', "+00:00")
    );
    assert_ne!(section, o_section);
    assert_eq!(
        value(&text, "default", "aws_access_key_id").unwrap(),
        "AKIAIOSFODNN7EXAMPLE"
    );
    assert!(value(&text, "default", "expiration").is_some());
}

/// Runs a real AWS client with the sandbox's HOME and endpoint and nothing else of ours;
/// returns what it printed.
fn client(sb: &Sandbox, program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", sb.home())
        .env("AWS_ENDPOINT_URL", &sb.endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// awsmfa 0.2 promised that the identity profile's values, "including region or s3", are
/// copied to the target, and wrote `awsmfa_expiration`. Both are there, and boto3 reads the
/// profile with them: its region, its s3 settings, and credentials that work.
#[test]
fn the_identity_settings_follow_into_the_target() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::new(&moto.url);
    let settings = "region = eu-west-1\ns3 =\n    max_concurrent_requests = 20\noutput = json\n";
    let identity = format!("{}{settings}", user.identity_section());
    sb.write_creds(&identity);
    sb.run(&["-c", "123456"]).ok();
    let text = sb.creds();
    assert!(text.starts_with(&identity), "{text}");
    let (_, section, _) = around(&text, "default");
    assert!(section.ends_with(&format!("\n{settings}")), "{section}");
    let expiration = value(&text, "default", "expiration").unwrap();
    assert_eq!(
        value(&text, "default", "awsmfa_expiration").unwrap(),
        expiration.replace('Z', "+00:00")
    );
    let out = client(
        &sb,
        "python3",
        &[
            "-c",
            "import boto3, botocore.session, datetime\n\
         s = boto3.Session(profile_name='default')\n\
         c = botocore.session.Session(profile='default').get_scoped_config()\n\
         same = datetime.datetime.fromisoformat(c['awsmfa_expiration']) == \
             datetime.datetime.fromisoformat(c['expiration'].replace('Z', '+00:00'))\n\
         print(s.region_name, c['s3'], s.get_credentials().access_key, same)\n\
         print(s.client('sts').get_caller_identity()['Arn'])",
        ],
    );
    assert_eq!(
        out,
        format!(
            "eu-west-1 {{'max_concurrent_requests': '20'}} AKIAIOSFODNN7EXAMPLE True\n\
             arn:aws:sts::123456789012:user/moto\n"
        )
    );
}

/// What the target has stays as it is, whatever the case of its name; what it lacks comes
/// once, however often awsmfa runs.
#[test]
fn the_target_keeps_its_own_settings() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::new(&moto.url);
    let identity = format!(
        "{}region = eu-west-1\noutput = json\n",
        user.identity_section()
    );
    sb.write_creds(&format!("{identity}\n[default]\nRegion = us-west-2\n"));
    sb.run(&["-c", "123456"]).ok();
    let first = sb.creds();
    sb.run(&["-c", "123456"]).ok();
    let text = sb.creds();
    assert!(text.starts_with(&identity), "{text}");
    let (_, section, _) = around(&text, "default");
    let keys: Vec<&str> = section
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k))
        .collect();
    assert_eq!(
        keys,
        [
            "Region",
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
            "aws_security_token",
            "expiration",
            "awsmfa_expiration",
            "output"
        ],
        "{section}"
    );
    assert_eq!(value(&text, "default", "Region").unwrap(), "us-west-2");
    assert_eq!(value(&text, "default", "output").unwrap(), "json");
    assert_eq!(text.len(), first.len(), "the second run added nothing");
}

#[test]
fn a_new_target_section_is_appended() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let original = format!("{}; no newline at the end", user.identity_section());
    sb.write_creds(&original);
    sb.run(&["-c", "123456", "-t", "new one"]).ok();
    let text = sb.creds();
    assert!(
        text.starts_with(&format!(
            "{original}\n\n[new one]\naws_access_key_id = AKIA"
        )),
        "{text}"
    );
}

#[test]
fn crlf_files_stay_crlf() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::new(&moto.url);
    let original = user.identity_section().replace('\n', "\r\n") + "[default]\r\nregion = x\r\n";
    sb.write_creds(&original);
    sb.run(&["-c", "123456"]).ok();
    let text = sb.creds();
    assert!(text.starts_with(&user.identity_section().replace('\n', "\r\n")));
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "{text:?}"
    );
    assert!(text.contains("region = x\r\n"));
}

#[test]
fn modes_are_kept_never_widened() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    for mode in [0o600, 0o640, 0o400] {
        std::fs::set_permissions(sb.creds_path(), std::fs::Permissions::from_mode(mode)).unwrap();
        // A permissive umask must not widen the file either.
        let mut cmd = sb.command(&["-c", "123456"]);
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                libc::umask(0);
                Ok(())
            });
        }
        Run::from(cmd.output().unwrap()).ok();
        let now = std::fs::metadata(sb.creds_path())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(now, mode);
    }
}

#[test]
fn a_symlink_stays_a_symlink() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::new(&moto.url);
    let dotfiles = sb.home().join("dotfiles");
    std::fs::create_dir(&dotfiles).unwrap();
    std::fs::write(dotfiles.join("creds"), user.identity_section()).unwrap();
    std::os::unix::fs::symlink("../dotfiles/creds", sb.creds_path()).unwrap();
    sb.run(&["-c", "123456"]).ok();
    let link = std::fs::symlink_metadata(sb.creds_path()).unwrap();
    assert!(link.file_type().is_symlink());
    let text = std::fs::read_to_string(dotfiles.join("creds")).unwrap();
    assert!(value(&text, "default", "aws_session_token").is_some());
    let leftovers: Vec<_> = std::fs::read_dir(&dotfiles).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temp file left behind");
}

#[test]
fn a_dangling_symlink_is_reported() {
    let sb = Sandbox::new("http://127.0.0.1:9");
    std::os::unix::fs::symlink("nowhere", sb.creds_path()).unwrap();
    sb.run(&["-c", "123456"])
        .fails(1, "a symlink to the missing nowhere");
}

#[test]
fn twenty_concurrent_runs_all_land() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let children: Vec<_> = (0..20)
        .map(|i| {
            let target = format!("t{i}");
            sb.command(&["-c", "123456", "-t", &target])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        Run::from(child.wait_with_output().unwrap()).ok();
    }
    let text = sb.creds();
    assert!(text.starts_with(&user.identity_section()));
    for i in 0..20 {
        assert!(
            value(&text, &format!("t{i}"), "aws_session_token").is_some(),
            "t{i} lost"
        );
    }
    let entries = std::fs::read_dir(sb.home().join(".aws")).unwrap().count();
    assert_eq!(entries, 1, "no temp file left behind");
}

#[test]
fn the_aws_cli_accepts_the_role_credentials() {
    let moto = Moto::start();
    let user = moto.user(1);
    moto.allow_all(&user);
    let role = moto.role();
    moto.auth_on();
    let sb = Sandbox::with_user(&moto, &user);
    // Direct assumption: with authentication on, moto rejects the session keys it issues
    // itself, so a role chained on an MFA session cannot be checked here.
    sb.run(&[&role, "-c", "123456", "--no-cache"]).ok();
    let arn = client(
        &sb,
        "aws",
        &[
            "sts",
            "get-caller-identity",
            "--profile",
            "default",
            "--region",
            "us-east-1",
            "--output",
            "text",
            "--query",
            "Arn",
        ],
    );
    let role_name = role.rsplit('/').next().unwrap();
    assert!(
        arn.contains(&format!(":assumed-role/{role_name}/awsmfa_")),
        "{arn}"
    );
}
