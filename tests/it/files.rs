//! The credentials file is edited, never regenerated: bytes, modes, links, concurrency. What
//! awsmfa writes stays its owner's, and awsmfa's own folders trust only what it made.

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

/// Runs a real AWS client in the sandbox's clean environment (its HOME and endpoint, nothing
/// else of ours); returns what it printed.
fn client(sb: &Sandbox, program: &str, args: &[&str]) -> String {
    let out = sb.program(program).args(args).output().unwrap();
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

/// A run reads the credentials file at its start and edits it at its end: what changed in
/// between (here while the mfa_process runs) is what it edits, not the text it read first; a
/// change of the same size too, which only the bytes tell apart.
#[test]
fn changes_made_while_the_code_is_awaited_are_kept() {
    let moto = Moto::shared();
    let user = moto.user(1);
    for (change, want) in [
        (
            "sed -i s/eu-west-1/eu-west-2/",
            "[other]\nregion = eu-west-2\n",
        ),
        ("printf '[more]\\nregion = x\\n' >>", "[more]\nregion = x\n"),
    ] {
        let sb = Sandbox::with_user(moto, &user);
        sb.write_creds(&format!(
            "{}\n[other]\nregion = eu-west-1\n",
            user.identity_section()
        ));
        let cmd = format!("{change} '{}'; echo 123456", sb.creds_path().display());
        sb.run(&["--mfa-process", &cmd, "-t", "t"]).ok();
        let text = sb.creds();
        assert!(text.contains(want), "{change}: {text}");
        assert!(value(&text, "t", "aws_session_token").is_some(), "{text}");
    }
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

/// The uid and gid of `nobody`: another user, for tests that need files that are not root's.
/// They chown, which takes root (CI runs as root).
pub fn nobody() -> (u32, u32) {
    assert_eq!(
        // SAFETY: geteuid touches no memory.
        unsafe { libc::geteuid() },
        0,
        "this test plays another user's files and needs root, as CI runs it: run the suite as \
         root"
    );
    let id = |flag: &str| -> u32 {
        let out = std::process::Command::new("id")
            .args([flag, "nobody"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    (id("-u"), id("-g"))
}

pub fn chown(path: &std::path::Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).unwrap();
}

fn owner(path: &std::path::Path) -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path).unwrap();
    (m.uid(), m.gid())
}

pub fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Runs `cmd` as `nobody`.
fn as_nobody(mut cmd: std::process::Command) -> Run {
    use std::os::unix::process::CommandExt;
    let (uid, gid) = nobody();
    cmd.uid(uid).gid(gid).stdin(std::process::Stdio::null());
    cmd.output().unwrap().into()
}

#[test]
fn run_as_root_on_a_users_home_every_file_stays_the_users() {
    let (uid, gid) = nobody();
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    std::fs::set_permissions(sb.creds_path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    for p in [sb.home(), &sb.home().join(".aws"), &sb.creds_path()] {
        chown(p, uid, gid);
    }
    // As `sudo awsmfa …` without -H would: root, in the user's HOME. A role for the history,
    // fish for the expiry stamps.
    let role = moto.role();
    sb.run(&[&role, "-c", "123456", "--env", "--shell", "fish"])
        .ok();
    let home = sb.home();
    let cache = home.join(".cache/awsmfa");
    let mut made: Vec<std::path::PathBuf> = [
        ".aws/credentials",
        ".cache",
        ".cache/awsmfa",
        ".cache/awsmfa/last-codes",
        ".cache/awsmfa/stamps",
        ".local",
        ".local/share",
        ".local/share/awsmfa",
        ".local/share/awsmfa/roles",
    ]
    .iter()
    .map(|p| home.join(p))
    .collect();
    made.push(cache.join(format!("session-{}", user.key_id)));
    made.extend(
        std::fs::read_dir(cache.join("stamps"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    assert_eq!(made.len(), 11, "one stamp expected: {made:?}");
    for path in &made {
        assert_eq!(
            owner(path),
            (uid, gid),
            "{} is not the user's (nobody's)",
            path.display()
        );
    }
    assert_eq!(mode(&sb.creds_path()), 0o600);
    // The user can read them and go on without sudo: the MFA session is theirs to reuse.
    let mut cat = std::process::Command::new("cat");
    cat.arg(sb.creds_path())
        .arg(home.join(".local/share/awsmfa/roles"));
    let read = as_nobody(cat);
    read.ok();
    assert!(read.stdout.contains(&role), "{}", read.stdout);
    let run = as_nobody(sb.command(&["-t", "mine"]));
    run.ok();
    assert!(
        run.stderr.starts_with("Reusing the MFA session"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_planted_stamp_link_truncates_nothing() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let victim = sb.home().join(".bashrc");
    std::fs::write(&victim, "keep me\n").unwrap();
    let stamps = sb.home().join(".cache/awsmfa/stamps");
    std::fs::create_dir_all(&stamps).unwrap();
    // The stamp is named after the expiry, which a one-hour session makes predictable.
    let expiry = now() + 3600;
    for t in expiry - 10..=expiry + 30 {
        std::os::unix::fs::symlink(&victim, stamps.join(t.to_string())).unwrap();
    }
    sb.run(&["-c", "123456", "-d", "3600", "--env", "--shell", "fish"])
        .ok();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");
}

#[test]
fn private_folders_open_to_others_are_closed_and_a_planted_history_is_dropped() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let home = sb.home();
    let folders = [
        home.join(".cache/awsmfa"),
        home.join(".cache/awsmfa/stamps"),
        home.join(".local/share/awsmfa"),
    ];
    for dir in &folders {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    // Completion offers these: a planted entry would land on the user's command line.
    let history = home.join(".local/share/awsmfa/roles");
    std::fs::write(&history, "arn:aws:iam::123456789012:role/planted\n").unwrap();
    std::fs::set_permissions(&history, std::fs::Permissions::from_mode(0o666)).unwrap();
    let role = moto.role();
    sb.run(&[&role, "-c", "123456", "--env", "--shell", "fish"])
        .ok();
    for dir in &folders {
        assert_eq!(mode(dir), 0o700, "{} is still open", dir.display());
    }
    assert_eq!(mode(&history), 0o600);
    assert_eq!(
        std::fs::read_to_string(&history).unwrap(),
        format!("{role}\n")
    );
}

#[test]
fn a_file_that_cannot_keep_its_owner_is_not_replaced() {
    let (uid, gid) = nobody();
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    // root's file, readable by all, in folders of nobody's: nobody can replace it, but the
    // replacement would be nobody's, with the same mode.
    std::fs::set_permissions(sb.creds_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    chown(sb.home(), uid, gid);
    chown(&sb.home().join(".aws"), uid, gid);
    let before = sb.creds();
    as_nobody(sb.command(&["-c", "123456"])).fails(
        1,
        "cannot give it its owner and group 0:0 (Operation not permitted",
    );
    assert_eq!(owner(&sb.creds_path()), (0, 0));
    assert_eq!(sb.creds(), before);
}

/// What botocore's own parser reads from the sandbox's credentials file (section → key →
/// value), as the aws CLI and boto3 read it.
fn botocore_reads(sb: &Sandbox) -> serde_json::Value {
    let script = "import json, sys, botocore.configloader as c\n\
                  print(json.dumps(c.raw_config_parse(sys.argv[1])))";
    let path = sb.creds_path();
    serde_json::from_str(&client(
        sb,
        "python3",
        &["-c", script, path.to_str().unwrap()],
    ))
    .unwrap()
}

/// The access key id boto3 finds for `profile` in the sandbox.
fn boto3_key(sb: &Sandbox, profile: &str) -> String {
    let script = "import sys, boto3\n\
                  print(boto3.Session(profile_name=sys.argv[1]).get_credentials().access_key)";
    client(sb, "python3", &["-c", script, profile])
        .trim()
        .to_string()
}

/// `[ default ]` is the profile " default " to botocore: awsmfa leaves it alone and writes
/// `[default]`, which boto3 then finds.
#[test]
fn a_spaced_header_is_another_profile_as_botocore_reads_it() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::new(&moto.url);
    let original = format!(
        "{}[ default ]\nregion = eu-west-1\n",
        user.identity_section()
    );
    sb.write_creds(&original);
    sb.run(&["-c", "123456"]).ok();
    let text = sb.creds();
    assert!(text.starts_with(&original), "{text}");
    let read = botocore_reads(&sb);
    assert_eq!(
        read[" default "],
        serde_json::json!({"region": "eu-west-1"})
    );
    let key = read["default"]["aws_access_key_id"].as_str().unwrap();
    assert_eq!(boto3_key(&sb, "default"), key);
}

/// `[x] # note` is profile x and `key: value` a key to botocore: awsmfa reads both, and writes
/// where botocore looks.
#[test]
fn comments_after_headers_and_colon_keys_are_read_as_botocore_reads_them() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::new(&moto.url);
    let identity = format!(
        "[identity] # long-lived keys\naws_access_key_id: {}\naws_secret_access_key = {}\n",
        user.key_id, user.secret
    );
    let original = format!("{identity}\n[default] ; temporary\nregion: eu-west-1\noutput: json\n");
    sb.write_creds(&original);
    sb.run(&["-c", "123456"]).ok();
    let text = sb.creds();
    assert!(text.starts_with(&format!("{identity}\n[default] ; temporary\n")));
    let read = botocore_reads(&sb);
    assert_eq!(read["identity"]["aws_access_key_id"], user.key_id.as_str());
    let default = &read["default"];
    assert_eq!(default["region"], "eu-west-1");
    assert_eq!(default["output"], "json");
    let key = default["aws_access_key_id"].as_str().unwrap();
    assert!(
        key.starts_with("AKIA") || key.starts_with("ASIA"),
        "{default}"
    );
    assert_eq!(boto3_key(&sb, "default"), key);
}

/// Keys indented alike are all keys to botocore; the new keys must not turn the ones after them
/// into continuation lines of their last value.
#[test]
fn keys_indented_alike_stay_keys_after_the_edit() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::new(&moto.url);
    let original = format!(
        "{}[default]\n  aws_access_key_id = OLD\n  region = eu-west-1\n",
        user.identity_section()
    );
    sb.write_creds(&original);
    sb.run(&["-c", "123456"]).ok();
    let text = sb.creds();
    let default = &botocore_reads(&sb)["default"];
    assert_eq!(default["region"], "eu-west-1", "{text}");
    assert_eq!(
        default["expiration"].as_str(),
        value(&text, "default", "expiration").as_deref(),
        "{text}"
    );
    assert_ne!(default["aws_access_key_id"], "OLD");
}
