//! Key rotation against moto, and under faults injected in front of it: at every step the
//! file holds a key AWS has, and the user never ends with no key.

use crate::harness::*;
use std::time::{Duration, Instant};

fn keys_of(moto: &Moto, user: &User) -> Vec<String> {
    let out = moto
        .run(moto.iam().list_access_keys().user_name(&user.name).send())
        .unwrap();
    let mut keys: Vec<String> = out
        .access_key_metadata()
        .iter()
        .map(|k| k.access_key_id().unwrap().to_string())
        .collect();
    keys.sort();
    keys
}

fn file_key(sb: &Sandbox) -> String {
    value(&sb.creds(), "identity", "aws_access_key_id").unwrap()
}

#[test]
fn the_new_key_works_and_the_old_one_is_gone() {
    let moto = Moto::start();
    let user = moto.user(1);
    moto.allow_all(&user);
    let sb = Sandbox::with_user(&moto, &user);
    let original = format!(
        "# keep me\n{}region = eu-west-1\n\n[other]\nk = v\n",
        user.identity_section()
    );
    sb.write_creds(&original);
    let run = sb.run(&["rotate", "-c", "123456"]);
    run.ok();
    let new = file_key(&sb);
    assert_ne!(new, user.key_id);
    assert_eq!(
        run.stderr,
        format!(
            "Rotating from {} to {new}.\nidentity profile updated.\n",
            user.key_id
        )
    );
    assert_eq!(keys_of(&moto, &user), vec![new.clone()]);
    let secret = value(&sb.creds(), "identity", "aws_secret_access_key").unwrap();
    assert_eq!(
        sb.creds(),
        original
            .replace(&user.key_id, &new)
            .replace(&user.secret, &secret)
    );

    moto.auth_on();
    let sts = moto.sts_as(&new, &secret, None);
    let who = moto
        .run(sts.get_caller_identity().send())
        .expect("the new key authenticates");
    assert!(
        who.arn()
            .unwrap()
            .ends_with(&format!(":user/{}", user.name))
    );
    let old = moto.sts_as(&user.key_id, &user.secret, None);
    let err = moto
        .run(old.get_caller_identity().send())
        .expect_err("the old key is rejected");
    assert!(
        format!("{err:?}").contains("InvalidClientTokenId"),
        "{err:?}"
    );
}

#[test]
fn the_flag_rotates_after_getting_credentials() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let run = sb.run(&["-c", "123456", "--rotate-identity-keys"]);
    run.ok();
    let new = file_key(&sb);
    assert!(run.stderr.contains(&format!(
        "Rotating from {} to {new}.\nidentity profile updated.\n",
        user.key_id
    )));
    assert!(value(&sb.creds(), "default", "aws_session_token").is_some());
    assert_eq!(keys_of(moto, &user), [new]);
    // The cached MFA session moved to the new key: no code needed for a role now.
    sb.run(&[&moto.role(), "-t", "r"]).ok();
}

/// Gives `user` a second access key; returns its id.
fn second_key(moto: &Moto, user: &User) -> String {
    let out = moto
        .run(moto.iam().create_access_key().user_name(&user.name).send())
        .unwrap();
    out.access_key().unwrap().access_key_id().to_string()
}

#[test]
fn two_keys_stop_before_anything_changes() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let other = second_key(moto, &user);
    let sb = Sandbox::with_user(moto, &user);
    sb.run(&["rotate", "-c", "123456"])
        .fails(
            1,
            &format!(
                "already has two access keys ({} in [identity] and {other})",
                user.key_id
            ),
        )
        .fails(
            1,
            &format!(
                "aws iam delete-access-key --user-name {} --access-key-id {other}",
                user.name
            ),
        );
    assert_eq!(sb.creds(), user.identity_section());
    assert_eq!(keys_of(moto, &user).len(), 2);
}

/// The flag rotates after the credentials are written: a rotation AWS would refuse is found
/// out before that, and the run changes no file.
#[test]
fn the_flag_refuses_two_keys_before_writing_anything() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let other = second_key(moto, &user);
    let sb = Sandbox::new(&moto.url);
    let original = format!(
        "{}\n[default]\n# mine\nregion = eu-west-1\naws_access_key_id = ASIAOLD\n",
        user.identity_section()
    );
    sb.write_creds(&original);
    sb.run(&["-c", "123456", "--rotate-identity-keys"]).fails(
        1,
        &format!(
            "already has two access keys ({} in [identity] and {other})",
            user.key_id
        ),
    );
    assert_eq!(sb.creds(), original);
    assert_eq!(keys_of(moto, &user).len(), 2);
}

/// A sandbox whose requests pass through `fault` before reaching moto.
fn faulty(
    fault: impl Fn(&Request) -> Option<Reply> + Send + Sync + 'static,
) -> (&'static Moto, User, Sandbox, Fake) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let url = moto.url.clone();
    let fake = Fake::start(move |req| fault(req).unwrap_or_else(|| Reply::Forward(url.clone())));
    let sb = Sandbox::new(&fake.url);
    sb.write_creds(&user.identity_section());
    (moto, user, sb, fake)
}

fn iam_error(code: &str) -> Reply {
    Reply::Http(500, sts_error(code, "injected"))
}

#[test]
fn create_access_key_failing_changes_nothing() {
    let (moto, user, sb, _) =
        faulty(|r| (r.action() == "CreateAccessKey").then(|| iam_error("ServiceFailure")));
    sb.run(&["rotate", "-c", "123456"])
        .fails(1, "iam:CreateAccessKey failed: ServiceFailure: injected");
    assert_eq!(sb.creds(), user.identity_section());
    assert_eq!(keys_of(moto, &user), vec![user.key_id.clone()]);
}

#[test]
fn delete_access_key_failing_keeps_the_new_key_and_names_the_old() {
    let (moto, user, sb, _) =
        faulty(|r| (r.action() == "DeleteAccessKey").then(|| iam_error("ServiceFailure")));
    sb.run(&["rotate", "-c", "123456"])
        .fails(1, &format!("deleting the old key {} failed", user.key_id))
        .fails(1, &format!("--access-key-id {}", user.key_id));
    let new = file_key(&sb);
    assert_ne!(new, user.key_id);
    let mut both = vec![new, user.key_id.clone()];
    both.sort();
    assert_eq!(keys_of(moto, &user), both);
}

#[test]
fn a_new_key_that_never_works_keeps_the_old_one_active() {
    // Only the new key is ever proven with GetCallerIdentity: refuse every proof.
    let (moto, user, sb, fake) = faulty(|r| {
        (r.action() == "GetCallerIdentity")
            .then(|| Reply::Http(403, sts_error("InvalidClientTokenId", "not yet")))
    });
    let start = Instant::now();
    sb.run(&["rotate", "-c", "123456"])
        .fails(1, "but AWS did not accept it within 30 s (sts:GetCallerIdentity failed: InvalidClientTokenId: not yet)")
        .fails(1, &format!("the old key {} is still active", user.key_id));
    assert!(
        start.elapsed() < Duration::from_secs(45),
        "{:?}",
        start.elapsed()
    );
    assert!(fake.count("GetCallerIdentity") >= 4, "retried with backoff");
    assert_eq!(keys_of(moto, &user).len(), 2, "neither key deleted");
    assert_ne!(
        file_key(&sb),
        user.key_id,
        "the file holds the new key, which AWS has"
    );
}

#[test]
fn an_unwritable_file_takes_the_new_key_back() {
    let (moto, user, sb, _) = faulty(|_| None);
    // Larger than the file-size limit below once rewritten; the session cache stays under it.
    let original = format!("{}#{}\n", user.identity_section(), "x".repeat(1100));
    sb.write_creds(&original);
    let mut cmd = sb.command(&["rotate", "-c", "123456"]);
    limit_file_size(&mut cmd, 1024);
    Run::from(cmd.output().unwrap())
        .fails(1, "cannot write")
        .fails(1, "the new key")
        .fails(1, "was deleted again")
        .fails(
            1,
            &format!("[identity] still holds {}, which still works", user.key_id),
        );
    assert_eq!(sb.creds(), original);
    assert_eq!(keys_of(moto, &user), vec![user.key_id.clone()]);
    let leftovers = std::fs::read_dir(sb.home().join(".aws")).unwrap().count();
    assert_eq!(leftovers, 1, "no temp file left behind");
}

#[test]
fn rotate_takes_no_role() {
    let sb = Sandbox::new("http://127.0.0.1:9");
    sb.write_creds("[identity]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n");
    sb.run(&["rotate", "arn:aws:iam::123456789012:role/r", "-c", "123456"])
        .fails(2, "assumes no role; drop ROLE_ARN");
}
