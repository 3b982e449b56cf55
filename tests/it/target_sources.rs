//! A target profile that names another source of credentials (a role, SSO, a process): awsmfa
//! writes it so that every SDK reads exactly the keys written there, as boto3's own chain
//! shows.

use crate::harness::*;

/// What python3 `script` prints with the sandbox's files and moto (as a user's shell would
/// have them), trimmed; it must succeed.
fn python(sb: &Sandbox, script: &str) -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", sb.home())
        .env("AWS_ENDPOINT_URL", &sb.endpoint)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The caller ARN and access key boto3's chain gives `[default]`, with the method it used.
fn boto3_default(sb: &Sandbox) -> String {
    python(
        sb,
        "import boto3\n\
         s = boto3.Session(profile_name='default')\n\
         c = s.get_credentials()\n\
         print(c.method, c.access_key, s.client('sts').get_caller_identity()['Arn'])",
    )
}

fn value<'a>(text: &'a str, section: &str, key: &str) -> Option<&'a str> {
    let mut inside = false;
    for line in text.lines() {
        if let Some(name) = line
            .trim()
            .strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
        {
            inside = name == section;
        } else if inside
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim());
        }
    }
    None
}

/// A leftover role profile in `[default]` (as the aws CLI's role profiles or aws-vault leave
/// it) outranks static keys in botocore: after awsmfa, boto3 must use the MFA session awsmfa
/// wrote, not assume the old role.
#[test]
fn a_leftover_role_in_the_target_is_removed_and_boto3_uses_the_mfa_session() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let head = format!("{}region = eu-west-1\n\n", user.identity_section());
    let tail =
        "\n[other]\nrole_arn = arn:aws:iam::123456789012:role/kept\nsource_profile = identity\n";
    let original = format!(
        "{head}[default]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/old-role\n\
         source_profile = identity\noutput = json\nx_unknown = kept\n{tail}"
    );
    sb.write_creds(&original);
    let run = sb.run(&["-c", "123456"]);
    run.ok();
    let text = sb.creds();
    let key = value(&text, "default", "aws_access_key_id")
        .unwrap()
        .to_string();
    let seen = boto3_default(&sb);
    assert!(!seen.contains("assumed-role"), "{seen}");
    assert!(
        seen.starts_with(&format!("shared-credentials-file {key} ")),
        "{seen}"
    );
    let notices: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("role_arn"))
        .collect();
    assert_eq!(notices.len(), 1, "{}", run.stderr);
    assert!(
        notices[0].contains("role_arn, source_profile") && notices[0].contains("[default]"),
        "{}",
        run.stderr
    );
    // Byte for byte outside [default]; inside it, the role is gone and the rest stays.
    assert!(text.starts_with(&head), "{text}");
    assert!(text.ends_with(tail), "{text}");
    for gone in ["role_arn", "source_profile"] {
        assert_eq!(value(&text, "default", gone), None, "{text}");
    }
    for (k, v) in [
        ("region", "us-east-1"),
        ("output", "json"),
        ("x_unknown", "kept"),
    ] {
        assert_eq!(value(&text, "default", k), Some(v), "{text}");
    }
}

/// Every other kind of source in the target goes (one notice names them all), and none is
/// copied from the identity, whose other keys are still copied as awsmfa 0.2 did.
#[test]
fn sso_process_and_web_identity_keys_are_neither_kept_nor_copied() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let identity = format!(
        "{}credential_process = /bin/false\nSSO_Session = corp\nregion = eu-west-1\n\n",
        user.identity_section()
    );
    let original = format!(
        "{identity}[default]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n\
         sso_account_id = 123456789012\nsso_role_name = Admin\noutput = text\n\
         web_identity_token_file = /tmp/token\ncredential_source = Environment\n\
         login_session = arn:aws:iam::123456789012:user/x\n"
    );
    sb.write_creds(&original);
    let run = sb.run(&["-c", "123456"]);
    run.ok();
    let notices: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("sso_start_url"))
        .collect();
    assert_eq!(notices.len(), 1, "{}", run.stderr);
    for key in [
        "sso_region",
        "sso_account_id",
        "sso_role_name",
        "web_identity_token_file",
        "credential_source",
        "login_session",
    ] {
        assert!(notices[0].contains(key), "{key}: {}", run.stderr);
    }
    let text = sb.creds();
    assert!(text.starts_with(&identity), "{text}");
    let default = &text[identity.len()..];
    for gone in [
        "sso_",
        "SSO_",
        "web_identity",
        "credential_",
        "login_session",
    ] {
        assert!(!default.contains(gone), "{gone}: {default}");
    }
    // The identity's other keys are still inherited; the target's own stay.
    assert_eq!(
        value(&text, "default", "region"),
        Some("eu-west-1"),
        "{text}"
    );
    assert_eq!(value(&text, "default", "output"), Some("text"), "{text}");
    let key = value(&text, "default", "aws_access_key_id")
        .unwrap()
        .to_string();
    let seen = boto3_default(&sb);
    assert!(
        seen.starts_with(&format!("shared-credentials-file {key} ")),
        "{seen}"
    );
    // A second run has nothing left to remove, and says nothing about it.
    let again = sb.run(&["-c", "123456"]);
    again.ok();
    assert!(!again.stderr.contains("Removed"), "{}", again.stderr);
}
