//! `credential_process` in a single config profile that also holds awsmfa's settings
//! (`mfa_serial`, `mfa_process`): the profile names settings, the identity is the usual one,
//! and boto3 gets the role through it.

use crate::harness::*;

/// `[profile p]`: awsmfa as its `credential_process` for `role`, with awsmfa's settings
/// (the user's device, a code from `mfa_process`) beside it.
pub fn config(user: &User, role: &str) -> String {
    format!(
        "[profile p]\ncredential_process = {} credential-process --profile p {role}\n\
         mfa_serial = {}\nmfa_process = echo 123456\nregion = us-east-1\n",
        bin(),
        user.serials[0]
    )
}

#[test]
fn one_profile_runs_awsmfa_as_its_own_credential_process() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let sb = Sandbox::with_user(moto, &user);
    sb.write_config(&config(&user, &role));
    let before = sb.creds();
    // boto3 runs the process with its own environment: the endpoint comes from there.
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import boto3; print(boto3.Session(profile_name='p').client('sts').get_caller_identity()['Arn'])",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", sb.home())
        .env("AWS_ENDPOINT_URL", &sb.endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let arn = String::from_utf8_lossy(&out.stdout);
    let name = role.rsplit('/').next().unwrap();
    assert!(arn.contains(&format!(":assumed-role/{name}/")), "{arn}");
    assert_eq!(sb.creds(), before, "credential-process writes no file");
}
