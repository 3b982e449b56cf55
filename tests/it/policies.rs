//! The policy starter kit: linted by cfn-lint, deployed into moto's CloudFormation with the
//! README's command, and the MFA conditions found on exactly the right statements.

use crate::harness::*;
use serde_json::Value;

const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/awsmfa-policies.yaml");

#[test]
fn awsmfa_policies_prints_the_template() {
    let run = Sandbox::new("http://127.0.0.1:9").run(&["policies"]);
    run.ok();
    assert_eq!(run.stdout, std::fs::read_to_string(TEMPLATE).unwrap());
}

#[test]
fn cfn_lint_is_clean() {
    let out = std::process::Command::new("cfn-lint")
        .arg(TEMPLATE)
        .output()
        .expect("cfn-lint installed");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().unwrap().to_string())
            .collect(),
        other => vec![other.as_str().unwrap().to_string()],
    }
}

#[test]
fn the_stack_deploys_and_requires_mfa_where_it_should() {
    // moto has no CloudFormation model for AWS::IAM::Group; this launcher registers one on top
    // of moto's own IAM backend and then runs moto_server.
    let shim = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/moto_server_iam_group.py"
    );
    let moto = Moto::spawn("python3", &[shim]);
    let out = std::process::Command::new("aws")
        .args([
            "cloudformation",
            "deploy",
            "--template-file",
            TEMPLATE,
            "--stack-name",
            "awsmfa-policies",
        ])
        .args([
            "--capabilities",
            "CAPABILITY_NAMED_IAM",
            "--region",
            "us-east-1",
        ])
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let iam = moto.iam();
    let expected = [
        ("AwsMfaUsers", vec!["AwsMfaUsersPolicy"]),
        (
            "AwsMfaAllowAssumeAllRoles",
            vec!["AwsMfaAllowAssumeAllRolesPolicy", "AwsMfaUsersPolicy"],
        ),
        (
            "AwsMfaPowerUsers",
            vec!["AwsMfaPowerUsersPolicy", "AwsMfaUsersPolicy"],
        ),
        (
            "AwsMfaAdministrators",
            vec!["AwsMfaAdministratorsPolicy", "AwsMfaUsersPolicy"],
        ),
    ];
    let mut statements = std::collections::HashMap::new();
    for (group, policies) in expected {
        let attached = moto
            .run(iam.list_attached_group_policies().group_name(group).send())
            .unwrap();
        let mut names: Vec<String> = attached
            .attached_policies()
            .iter()
            .map(|p| p.policy_name().unwrap().to_string())
            .collect();
        names.sort();
        assert_eq!(names, policies, "{group}");
        for p in attached.attached_policies() {
            let arn = p.policy_arn().unwrap();
            let policy = moto.run(iam.get_policy().policy_arn(arn).send()).unwrap();
            let version = policy.policy().unwrap().default_version_id().unwrap();
            let doc = moto
                .run(
                    iam.get_policy_version()
                        .policy_arn(arn)
                        .version_id(version)
                        .send(),
                )
                .unwrap();
            let text = doc
                .policy_version()
                .unwrap()
                .document()
                .unwrap()
                .to_string();
            // IAM URL-encodes documents; moto does not. The template holds no `%`.
            let text = text
                .replace("%22", "\"")
                .replace("%7B", "{")
                .replace("%7D", "}");
            let doc: Value = serde_json::from_str(&text).unwrap();
            for s in doc["Statement"].as_array().unwrap() {
                statements.insert(s["Sid"].as_str().unwrap().to_string(), s.clone());
            }
        }
    }
    let mfa = serde_json::json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}});
    for (sid, needs_mfa) in [
        ("AllowIdentifySelfWithoutMfa", false),
        ("AllowManageOwnMfaDeviceWithoutMfa", false),
        ("AllowGetSessionToken", false),
        ("AllowManageOwnAccessKeysWithMfa", true),
        ("AllowAssumeAnyRoleWithMfa", true),
        ("AllowAllButIamOrganizationsAccountWithMfa", true),
        ("AllowPowerUserIamReadsWithMfa", true),
        ("AllowEverythingWithMfa", true),
    ] {
        let s = &statements[sid];
        assert_eq!(s["Effect"], "Allow", "{sid}");
        if needs_mfa {
            assert_eq!(s["Condition"], mfa, "{sid}");
        } else {
            assert!(!s.to_string().contains("MultiFactorAuthPresent"), "{sid}");
        }
    }
    assert_eq!(statements.len(), 8, "no statement beyond the ones checked");
    let own = [
        "arn:aws:iam::123456789012:mfa/${aws:username}",
        "arn:aws:iam::123456789012:user/${aws:username}",
    ];
    for sid in [
        "AllowIdentifySelfWithoutMfa",
        "AllowManageOwnMfaDeviceWithoutMfa",
    ] {
        let mut resources = as_list(&statements[sid]["Resource"]);
        resources.sort();
        assert_eq!(
            resources, own,
            "{sid}: only the user's own user and MFA ARNs"
        );
    }
    let mut no_mfa_actions: Vec<String> = [
        "AllowIdentifySelfWithoutMfa",
        "AllowManageOwnMfaDeviceWithoutMfa",
        "AllowGetSessionToken",
    ]
    .iter()
    .flat_map(|sid| as_list(&statements[*sid]["Action"]))
    .collect();
    no_mfa_actions.sort();
    assert_eq!(
        no_mfa_actions,
        [
            "iam:CreateVirtualMFADevice",
            "iam:EnableMFADevice",
            "iam:GetUser",
            "iam:ListMFADevices",
            "iam:ResyncMFADevice",
            "sts:GetSessionToken"
        ]
    );
    assert_eq!(
        as_list(&statements["AllowManageOwnAccessKeysWithMfa"]["Resource"]),
        [own[1]]
    );
    assert_eq!(
        as_list(&statements["AllowEverythingWithMfa"]["Action"]),
        ["*"]
    );
    let mut not_actions =
        as_list(&statements["AllowAllButIamOrganizationsAccountWithMfa"]["NotAction"]);
    not_actions.sort();
    assert_eq!(not_actions, ["account:*", "iam:*", "organizations:*"]);
}
