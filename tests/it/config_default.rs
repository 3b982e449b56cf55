//! A source of credentials in the config file's `[default]` under the credential server: the
//! SDKs would take it over the server, so the programs pointed at the server read a private
//! copy of the file without it (0600, in a fresh 0700 folder, gone when awsmfa ends), while
//! the user's file stays byte for byte. A `[default]` without one changes nothing.

use crate::harness::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A config file whose `[default]` holds static keys and a `credential_process` between
/// settings that must stay, with another profile and an sso-session that must stay too.
const CONFIG: &str = "# my settings\n[default]\nregion = eu-west-1\n\
    aws_access_key_id = AKIACONFIGSTALE0\naws_secret_access_key = s3cr3tStale\n\
    credential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"AKIACONFIGPROCESS\", \"SecretAccessKey\": \"s\"}'\n\
    s3 =\n  addressing_style = path\n\n\
    [profile other]\naws_access_key_id = AKIAOTHER0000000\naws_secret_access_key = o\n\
    [sso-session corp]\nsso_start_url = https://example.com/start\n";

/// CONFIG as the programs under the server must read it.
const COPY: &str = "# my settings\n[default]\nregion = eu-west-1\n\
    s3 =\n  addressing_style = path\n\n\
    [profile other]\naws_access_key_id = AKIAOTHER0000000\naws_secret_access_key = o\n\
    [sso-session corp]\nsso_start_url = https://example.com/start\n";

/// A sandbox with `config` as ~/.aws/config and a runtime folder of its own (returned), where
/// awsmfa makes its private folders, so that what it leaves there can be seen.
fn sandbox(moto: &Moto, config: &str) -> (Sandbox, PathBuf) {
    let user = moto.user(1);
    let mut sb = Sandbox::with_user(moto, &user);
    sb.write_config(config);
    let run = sb.home().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    let value = run.display().to_string();
    sb.set("XDG_RUNTIME_DIR", &value);
    (sb, run)
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Prints AWS_CONFIG_FILE (or `unset`), then the modes of the file and its folder and the file.
const SHOW: &str = "if [ -z \"${AWS_CONFIG_FILE+x}\" ]; then echo unset; exit; fi\n\
    echo \"$AWS_CONFIG_FILE\"\n\
    echo $(stat -c %a \"$AWS_CONFIG_FILE\" \"$(dirname \"$AWS_CONFIG_FILE\")\")\n\
    cat \"$AWS_CONFIG_FILE\"";

#[test]
fn exec_server_gives_cmd_a_private_copy_without_the_default_s_credentials() {
    let moto = Moto::shared();
    let role = moto.role();
    let (sb, run_dir) = sandbox(moto, CONFIG);
    let run = sb.run(&[
        "exec", "--server", &role, "-c", "123456", "--", "sh", "-c", SHOW,
    ]);
    run.ok();
    assert_ne!(run.stdout, "unset\n", "CMD reads the user's config file");
    let (path, rest) = run.stdout.split_once('\n').unwrap();
    let (modes, text) = rest.split_once('\n').unwrap();
    assert!(
        path.starts_with(&format!("{}/awsmfa-", run_dir.display())),
        "{path}"
    );
    assert_eq!(modes, "600 700");
    assert_eq!(text, COPY);
    assert!(
        run.stderr.contains("[default]")
            && run
                .stderr
                .contains("aws_access_key_id, aws_secret_access_key, credential_process"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("s3cr3tStale"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(sb.home().join(".aws/config")).unwrap(),
        CONFIG
    );
    assert_eq!(entries(&run_dir), Vec::<PathBuf>::new(), "left behind");
}

/// boto3 itself: with the `credential_process` and keys of CONFIG's `[default]`, it takes the
/// server's role credentials.
#[test]
fn boto3_takes_the_server_s_credentials_over_a_config_default() {
    let moto = Moto::shared();
    let role = moto.role();
    let (sb, _) = sandbox(moto, CONFIG);
    let script = "import boto3\n\
        s = boto3.Session()\n\
        print(s.get_credentials().access_key, s.region_name,\n\
              s.client('sts').get_caller_identity()['Arn'])";
    let run = sb.run(&[
        "exec", "--server", &role, "-c", "123456", "--", "python3", "-c", script,
    ]);
    run.ok();
    let name = role.rsplit('/').next().unwrap();
    let out: Vec<&str> = run.stdout.split_whitespace().collect();
    assert!(out[0].starts_with("ASIA"), "{}", run.stdout);
    // The region of `[default]` still reaches it.
    assert_eq!(out[1], "eu-west-1");
    assert!(
        out[2].contains(&format!(":assumed-role/{name}/")),
        "{}",
        run.stdout
    );
}

#[test]
fn a_default_without_credentials_leaves_aws_config_file_as_it_was() {
    let moto = Moto::shared();
    let role = moto.role();
    let clean = "[default]\nregion = eu-west-1\n[profile other]\nrole_arn = arn:aws:iam::123456789012:role/r\n\
                 source_profile = default\n";
    let (mut sb, run_dir) = sandbox(moto, clean);
    let args = [
        "exec", "--server", &role, "-c", "123456", "--", "sh", "-c", SHOW,
    ];
    let run = sb.run(&args);
    run.ok();
    assert_eq!(run.stdout, "unset\n");
    assert!(!run.stderr.contains("copy"), "{}", run.stderr);
    // Named by the user, it is passed on as it is.
    let path = sb.home().join(".aws/config").display().to_string();
    sb.set("AWS_CONFIG_FILE", &path);
    let run = sb.run(&args);
    run.ok();
    assert!(
        run.stdout.starts_with(&format!("{path}\n")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with(clean), "{}", run.stdout);
    assert_eq!(entries(&run_dir), Vec::<PathBuf>::new());
}

/// serve prints AWS_CONFIG_FILE naming the copy, which lasts as long as serve.
#[test]
fn serve_points_at_a_private_copy_while_it_serves() {
    let moto = Moto::shared();
    let role = moto.role();
    let (sb, run_dir) = sandbox(moto, CONFIG);
    let serve = sb.serve(&[&role, "-c", "123456"]);
    let mut path = None;
    while let Some(line) = serve.line() {
        if let Some(p) = line.strip_prefix("export AWS_CONFIG_FILE='") {
            path = p.strip_suffix("';").map(str::to_string);
        }
        if line.starts_with("unset ") {
            break;
        }
    }
    let copy = std::fs::read_to_string(path.as_deref().unwrap_or("/no/AWS_CONFIG_FILE"));
    let modes = path
        .as_deref()
        .map(Path::new)
        .map(|p| (mode(p), mode(p.parent().unwrap())));
    drop(serve);
    assert_eq!(copy.unwrap(), COPY);
    assert_eq!(modes, Some((0o600, 0o700)));
    assert!(path.unwrap().starts_with(&run_dir.display().to_string()));
    assert_eq!(entries(&run_dir), Vec::<PathBuf>::new(), "left behind");
    assert_eq!(
        std::fs::read_to_string(sb.home().join(".aws/config")).unwrap(),
        CONFIG
    );
}
