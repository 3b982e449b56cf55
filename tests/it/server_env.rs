//! What a program under `exec --server` or pointed at `serve` finds in its environment: every
//! SDK's way to the credentials file made empty (the Java SDK v1 reads
//! AWS_CREDENTIAL_PROFILES_FILE, not AWS_SHARED_CREDENTIALS_FILE), and no variable that would
//! outrank the server, older names included.

use crate::harness::*;

/// Variables that would outrank the server, set in awsmfa's environment.
const PLANTED: &[&str] = &[
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "AMAZON_ACCESS_KEY_ID",
    "AMAZON_SECRET_ACCESS_KEY",
    "AMAZON_SESSION_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
];

fn planted(moto: &Moto) -> (Sandbox, String) {
    let user = moto.user(1);
    let role = moto.role();
    let mut sb = Sandbox::with_user(moto, &user);
    for name in PLANTED {
        sb.set(name, "STALE");
    }
    sb.set("AWS_CREDENTIAL_PROFILES_FILE", "/somewhere/credentials");
    (sb, role)
}

#[test]
fn exec_server_points_every_sdk_away_from_the_credentials_file() {
    let (sb, role) = planted(Moto::shared());
    let run = sb.run(&["exec", "--server", &role, "-c", "123456", "--", "env"]);
    run.ok();
    let env: Vec<&str> = run.stdout.lines().collect();
    for file in [
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_CREDENTIAL_PROFILES_FILE",
    ] {
        assert!(
            env.contains(&format!("{file}=/dev/null").as_str()),
            "{file}: {env:?}"
        );
    }
    for name in PLANTED {
        assert!(
            !env.iter().any(|l| l.starts_with(&format!("{name}="))),
            "{name}: {env:?}"
        );
    }
    assert!(
        env.iter()
            .any(|l| l.starts_with("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:"))
    );
}

/// serve's output, evaluated in a shell holding stale keys, leaves only the server's way in.
#[test]
fn serve_output_sets_the_java_variable_and_clears_what_outranks_the_server() {
    let (sb, role) = planted(Moto::shared());
    // Every line it prints before serving; it prints nothing more until interrupted.
    let serve = sb.serve(&[&role, "-c", "123456"]);
    let mut code = String::new();
    while let Some(line) = serve.line() {
        code.push_str(&line);
        code.push('\n');
    }
    drop(serve);
    assert!(
        code.contains("export AWS_CREDENTIAL_PROFILES_FILE='/dev/null';"),
        "{code}"
    );
    let script = format!("{code}\nenv");
    let mut shell = std::process::Command::new("bash");
    shell.args(["--norc", "-c", &script]);
    for name in PLANTED {
        shell.env(name, "STALE");
    }
    let out = shell.output().unwrap();
    let env = String::from_utf8_lossy(&out.stdout);
    for name in PLANTED {
        assert!(!env.contains(&format!("\n{name}=")), "{name}: {env}");
    }
    assert!(
        env.contains("AWS_CREDENTIAL_PROFILES_FILE=/dev/null"),
        "{env}"
    );
}

/// The AWS SDK for Java v1 itself under `exec --server`, with a stale `[default]` in the
/// credentials file: it must take the server's credentials. scripts/install-deps puts the
/// SDK's jar (aws-java-sdk-bundle-1.11.901.jar, in the sdist of PyPI's sagemaker-pyspark 1.4.5)
/// into the tools' cache; AWSMFA_JAVA_SDK_JAR names another.
#[test]
fn the_java_sdk_v1_takes_the_server_s_credentials() {
    let jar = std::env::var("AWSMFA_JAVA_SDK_JAR").unwrap_or_else(|_| {
        let cache = std::env::var("XDG_CACHE_HOME")
            .unwrap_or_else(|_| format!("{}/.cache", std::env::var("HOME").unwrap()));
        format!("{cache}/awsmfa-ci/java/aws-java-sdk-bundle-1.11.901.jar")
    });
    assert!(
        std::path::Path::new(&jar).is_file(),
        "{jar} is missing: scripts/install-deps installs it"
    );
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let sb = Sandbox::with_user(moto, &user);
    let stale = "[default]\naws_access_key_id = AKIASTALESTALE00\naws_secret_access_key = s\n";
    sb.write_creds(&format!("{}\n{stale}", user.identity_section()));
    let probe = sb.home().join("Probe.java");
    std::fs::write(
        &probe,
        "import com.amazonaws.auth.DefaultAWSCredentialsProviderChain;\n\
         public class Probe { public static void main(String[] a) { System.out.println(\n\
         DefaultAWSCredentialsProviderChain.getInstance().getCredentials().getAWSAccessKeyId()); } }\n",
    )
    .unwrap();
    // The JVM finds ~/.aws through user.home, not HOME.
    let java = format!(
        "java -Duser.home=\"$HOME\" -cp '{jar}' '{}' 2>/dev/null",
        probe.display()
    );
    let run = sb.run(&[
        "exec", "--server", &role, "-c", "123456", "--", "sh", "-c", &java,
    ]);
    run.ok();
    let key = run.stdout.trim();
    assert!(key.starts_with("ASIA"), "{key:?}: {}", run.stderr);
}
