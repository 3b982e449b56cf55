//! `awsmfa credential-process`, as boto3 and the AWS CLI call it from a profile.

use crate::harness::*;

#[test]
fn credential_process_feeds_boto3_and_the_aws_cli() {
    let moto = Moto::shared();
    let role = moto.role();
    let config = format!(
        "[profile team]\nrole_arn = {role}\nsource_profile = identity\n\n\
         [profile via-awsmfa]\ncredential_process = {} credential-process --profile team\n",
        bin()
    );
    let (_, sb, _) = with_config(&config);
    sb.run(&["-c", "123456"]).ok();
    let before = sb.creds();
    let role_name = role.rsplit('/').next().unwrap();

    let run = sb.run(&["credential-process", "--profile", "team"]);
    run.ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["Version"], 1);
    assert!(doc["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(doc["SessionToken"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(doc["Expiration"].as_str().unwrap().ends_with('Z'));
    assert_eq!(sb.creds(), before, "credential-process writes no file");

    let env = |cmd: &mut std::process::Command| {
        cmd.env("AWS_DEFAULT_REGION", "us-east-1");
    };
    let mut boto = sb.program("python3");
    boto.args([
        "-c",
        "import boto3; print(boto3.Session(profile_name='via-awsmfa').client('sts').get_caller_identity()['Arn'])",
    ]);
    env(&mut boto);
    let mut cli = sb.program("aws");
    cli.args([
        "sts",
        "get-caller-identity",
        "--profile",
        "via-awsmfa",
        "--query",
        "Arn",
        "--output",
        "text",
    ]);
    env(&mut cli);
    for mut client in [boto, cli] {
        let out = client.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let arn = String::from_utf8(out.stdout).unwrap();
        assert!(
            arn.contains(&format!(":assumed-role/{role_name}/")),
            "{arn}"
        );
    }
    assert_eq!(sb.creds(), before);
}
