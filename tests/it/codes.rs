//! Where the MFA code comes from, across boundaries: the prompt on the terminal whoever holds
//! stderr.

use crate::core::value;
use crate::harness::*;
use crate::profiles::with_config;

#[test]
fn the_prompt_reaches_the_terminal_when_a_client_captures_stderr() {
    // botocore runs a credential_process with stdout and stderr captured.
    let (_, sb, _) = with_config(&format!(
        "[profile via-awsmfa]\ncredential_process = {} credential-process\n",
        bin()
    ));
    let boto3 = "python3 -c 'import boto3; \
        c = boto3.Session(profile_name=\"via-awsmfa\").get_credentials(); \
        print(\"key:\", c.get_frozen_credentials().access_key)'";
    let screen = sb.on_terminal(boto3, &[("MFA Token Code: ", "123456")]);
    assert_eq!(screen.status, 0, "{}", screen.text);
    assert!(
        screen.text.contains("key: AKIAIOSFODNN7EXAMPLE"),
        "{}",
        screen.text
    );
}

#[test]
fn the_dialogue_stays_on_the_terminal_when_stderr_is_discarded() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let sb = Sandbox::with_user(moto, &user);
    let typo = [
        ("MFA Token Code: ", "12"),
        ("6 digits your MFA device shows", "123456"),
    ];
    let screen = sb.on_terminal(&format!("{} --no-cache 2>/dev/null", bin()), &typo);
    assert_eq!(screen.status, 0, "{}", screen.text);
    // Only the dialogue is on the terminal: the report stays on stderr.
    assert!(
        !screen.text.contains("Temporary credentials"),
        "{}",
        screen.text
    );
    let reused = [
        ("MFA Token Code: ", "123456"),
        ("used a moment ago", "654321"),
    ];
    let line = format!("{} --no-cache -t again 2>/dev/null", bin());
    let screen = sb.on_terminal(&line, &reused);
    assert_eq!(screen.status, 0, "{}", screen.text);
    assert!(value(&sb.creds(), "again", "aws_session_token").is_some());
}
