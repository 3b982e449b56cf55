//! The AWS SDKs for JavaScript v3 and Go v2 as real clients: each calls STS GetCallerIdentity
//! through its own default credential chain, and the identity it reports is the one awsmfa
//! meant to deliver — after a write to `[default]`, under `exec --server`, and through
//! `credential_process` in one profile.
//!
//! scripts/install-deps puts @aws-sdk/client-sts into the tools' cache (npm) and Debian's
//! golang-go with golang-github-aws-aws-sdk-go-v2-dev on the machine; the Go probe is built
//! once into the cache, keyed by its source. This Go SDK (Debian's 1.17) does not read
//! AWS_ENDPOINT_URL (the JavaScript one does): both probes read it and pass the endpoint in
//! code. Instance metadata is
//! off (AWS_EC2_METADATA_DISABLED, which both honour, from the sandbox) and its endpoint is a
//! closed loopback port besides, so a probe that finds no credentials fails on the machine.

use crate::harness::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Prints the access key id and the caller ARN that the client's default chain gives.
const JS_PROBE: &str = r#"const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
(async () => {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error("AWS_ENDPOINT_URL is empty");
  const client = new STSClient({ region: "us-east-1", endpoint });
  const creds = await client.config.credentials();
  const { Arn } = await client.send(new GetCallerIdentityCommand({}));
  console.log(creds.accessKeyId, Arn);
})().catch((e) => { console.error("probe:", e.name, e.message); process.exit(1); });
"#;

/// The same for Go: LoadDefaultConfig's chain. The endpoint goes into the config, so that
/// the chain's own STS calls (AssumeRole for a role profile) reach moto too.
const GO_PROBE: &str = r#"package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "probe:", err)
	os.Exit(1)
}

func main() {
	url := os.Getenv("AWS_ENDPOINT_URL")
	if url == "" {
		fail(fmt.Errorf("AWS_ENDPOINT_URL is empty"))
	}
	endpoint := aws.EndpointResolverWithOptionsFunc(
		func(service, region string, options ...interface{}) (aws.Endpoint, error) {
			return aws.Endpoint{URL: url}, nil
		})
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithEndpointResolverWithOptions(endpoint))
	if err != nil {
		fail(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		fail(err)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fail(err)
	}
	fmt.Println(creds.AccessKeyID, *out.Arn)
}
"#;

#[derive(Clone, Copy, Debug)]
enum Sdk {
    Js,
    Go,
}

fn cache() -> PathBuf {
    let base = std::env::var("XDG_CACHE_HOME")
        .unwrap_or_else(|_| format!("{}/.cache", std::env::var("HOME").unwrap()));
    Path::new(&base).join("awsmfa-ci")
}

/// The npm tree holding @aws-sdk/client-sts.
fn js_modules() -> PathBuf {
    let modules = cache().join("js-sdk/node_modules");
    assert!(
        modules.join("@aws-sdk/client-sts").is_dir(),
        "{} lacks @aws-sdk/client-sts: scripts/install-deps installs it",
        modules.display()
    );
    modules
}

/// The Go probe, built once per source text (a few seconds with the SDK's packages in the
/// build cache, which install-deps fills).
fn go_probe() -> &'static Path {
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    PROBE.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        GO_PROBE.hash(&mut hasher);
        let dir = cache().join(format!("go-probe/{:016x}", hasher.finish()));
        let binary = dir.join("probe");
        if binary.is_file() {
            return binary;
        }
        std::fs::create_dir_all(&dir).unwrap();
        let source = dir.join("probe.go");
        std::fs::write(&source, GO_PROBE).unwrap();
        // Other test processes (other checkouts) share the cache.
        let part = dir.join(format!("probe.{}.part", std::process::id()));
        let home = std::env::var("HOME").unwrap();
        let out = Command::new("go")
            .args(["build", "-o"])
            .arg(&part)
            .arg(&source)
            .env("GO111MODULE", "off")
            .env("GOPATH", format!("{home}/go:/usr/share/gocode"))
            .env("GOCACHE", cache().join("go-build"))
            .env("GOFLAGS", "")
            .env("CGO_ENABLED", "0")
            .output()
            .unwrap_or_else(|e| panic!("go: {e}: scripts/install-deps installs golang-go"));
        assert!(
            out.status.success(),
            "go build (scripts/install-deps installs golang-github-aws-aws-sdk-go-v2-dev): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::rename(&part, &binary).unwrap();
        binary
    })
}

/// The command line that runs `sdk`'s probe; the JS probe's file goes into the sandbox.
fn probe_argv(sdk: Sdk, sb: &Sandbox) -> Vec<String> {
    match sdk {
        Sdk::Js => {
            let script = sb.home().join("probe.js");
            std::fs::write(&script, JS_PROBE).unwrap();
            vec!["node".into(), script.display().to_string()]
        }
        Sdk::Go => vec![go_probe().display().to_string()],
    }
}

/// What a probe needs besides the sandbox's clean environment: an instance-metadata endpoint
/// and a proxy (which Go's HTTP client honours for all but loopback) that refuse at once, so
/// that nothing a chain tries leaves the machine; and node's module path.
fn probe_env(sdk: Sdk, cmd: &mut Command) -> &mut Command {
    cmd.env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1")
        .env("HTTPS_PROXY", "http://127.0.0.1:1")
        .env("HTTP_PROXY", "http://127.0.0.1:1");
    if let Sdk::Js = sdk {
        cmd.env("NODE_PATH", js_modules());
    }
    cmd
}

/// The access key id and caller ARN a probe printed.
fn identity(sdk: Sdk, stdout: &str, stderr: &str) -> (String, String) {
    let line = stdout.trim();
    let (key, arn) = line
        .split_once(' ')
        .unwrap_or_else(|| panic!("{sdk:?} probe printed {line:?}; stderr: {stderr}"));
    (key.to_string(), arn.to_string())
}

/// The probe run directly in the sandbox, with `env` added.
fn probe(sdk: Sdk, sb: &Sandbox, env: &[(&str, &str)]) -> (String, String) {
    let argv = probe_argv(sdk, sb);
    let mut cmd = sb.program(&argv[0]);
    cmd.args(&argv[1..]).envs(env.iter().copied());
    let out = probe_env(sdk, &mut cmd).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{sdk:?} probe failed: {stderr}");
    identity(sdk, &String::from_utf8_lossy(&out.stdout), &stderr)
}

/// Scenario 1: `[default]` held a leftover role (role_arn + source_profile, which outrank
/// static keys in every SDK); after `awsmfa -c`, the SDK uses the MFA session written there.
fn leftover_role_in_default(sdk: Sdk) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    sb.write_creds(&format!(
        "{}\n[default]\nrole_arn = arn:aws:iam::123456789012:role/old-role\n\
         source_profile = identity\n",
        user.identity_section()
    ));
    sb.run(&["-c", "123456"]).ok();
    let written = value(&sb.creds(), "default", "aws_access_key_id").unwrap();
    let (key, arn) = probe(sdk, &sb, &[]);
    assert!(!arn.contains("assumed-role"), "{sdk:?}: {arn}");
    assert_eq!(key, written, "{sdk:?}: {arn}");
}

#[test]
fn js_sdk_v3_uses_the_mfa_session_written_over_a_leftover_role() {
    leftover_role_in_default(Sdk::Js);
}

#[test]
fn go_sdk_v2_uses_the_mfa_session_written_over_a_leftover_role() {
    leftover_role_in_default(Sdk::Go);
}

/// Keys a user's shell may still hold, under every name some SDK reads (the Go SDK v2 reads
/// AWS_ACCESS_KEY and AWS_SECRET_KEY too), each with a key id of its own.
const STALE_ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIASTALEENV00001"),
    ("AWS_SECRET_ACCESS_KEY", "s"),
    ("AWS_ACCESS_KEY", "AKIASTALEENV00002"),
    ("AWS_SECRET_KEY", "s"),
    ("AMAZON_ACCESS_KEY_ID", "AKIASTALEENV00003"),
    ("AMAZON_SECRET_ACCESS_KEY", "s"),
];

/// The identity the SDK's probe reports when run under `awsmfa exec --server ROLE`.
fn under_server(sdk: Sdk, sb: &Sandbox, role: &str) -> (String, String) {
    let mut args = vec!["exec", "--server", role, "-c", "123456", "--"];
    let argv = probe_argv(sdk, sb);
    args.extend(argv.iter().map(String::as_str));
    let mut cmd = sb.command(&args);
    let run: Run = probe_env(sdk, &mut cmd).output().unwrap().into();
    run.ok();
    identity(sdk, &run.stdout, &run.stderr)
}

/// The key and ARN are an assumed session of `role`.
fn assert_role(sdk: Sdk, role: &str, key: &str, arn: &str) {
    let name = role.rsplit('/').next().unwrap();
    assert!(key.starts_with("ASIA"), "{sdk:?}: {key} {arn}");
    assert!(
        arn.contains(&format!(":assumed-role/{name}/")),
        "{sdk:?}: {arn}"
    );
}

/// Scenario 2: under `exec --server`, with a stale static `[default]` in the credentials
/// file and stale keys in the environment, the SDK takes the server's role credentials.
fn server_beats_stale_keys(sdk: Sdk) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let mut sb = Sandbox::with_user(moto, &user);
    for (name, value) in STALE_ENV {
        sb.set(name, value);
    }
    let stale = "[default]\naws_access_key_id = AKIASTALESTALE00\naws_secret_access_key = s\n";
    sb.write_creds(&format!("{}\n{stale}", user.identity_section()));
    let (key, arn) = under_server(sdk, &sb, &role);
    assert_role(sdk, &role, &key, &arn);
}

#[test]
fn js_sdk_v3_takes_the_server_s_credentials_over_stale_keys() {
    server_beats_stale_keys(Sdk::Js);
}

#[test]
fn go_sdk_v2_takes_the_server_s_credentials_over_stale_keys() {
    server_beats_stale_keys(Sdk::Go);
}

/// Scenario 3: one config profile whose only credential source is awsmfa as its
/// `credential_process`, with awsmfa's settings beside it; AWS_PROFILE names it.
fn one_profile_credential_process(sdk: Sdk) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let sb = Sandbox::with_user(moto, &user);
    sb.write_config(&crate::one_profile::config(&user, &role));
    let before = sb.creds();
    let (key, arn) = probe(sdk, &sb, &[("AWS_PROFILE", "p")]);
    assert_role(sdk, &role, &key, &arn);
    assert_eq!(sb.creds(), before, "credential-process writes no file");
}

#[test]
fn js_sdk_v3_gets_the_role_through_credential_process_in_one_profile() {
    one_profile_credential_process(Sdk::Js);
}

#[test]
fn go_sdk_v2_gets_the_role_through_credential_process_in_one_profile() {
    one_profile_credential_process(Sdk::Go);
}

/// Under `exec --server`, a `[default]` in the config file that holds a credential source
/// (static keys here; role_arn, credential_process, sso_* act alike) outranks the server in
/// every SDK, as one in the credentials file would.
fn server_beats_a_config_default(sdk: Sdk) {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let sb = Sandbox::with_user(moto, &user);
    sb.write_config(
        "[default]\nregion = us-east-1\naws_access_key_id = AKIACONFIGSTALE0\n\
         aws_secret_access_key = s\n",
    );
    let (key, arn) = under_server(sdk, &sb, &role);
    assert_role(sdk, &role, &key, &arn);
}

#[test]
fn js_sdk_v3_takes_the_server_s_credentials_over_a_config_default() {
    server_beats_a_config_default(Sdk::Js);
}

#[test]
fn go_sdk_v2_takes_the_server_s_credentials_over_a_config_default() {
    server_beats_a_config_default(Sdk::Go);
}
