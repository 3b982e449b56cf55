//! Item 5 of the hostile review: the sign-in endpoint carries the role's keys (`Session=`), so
//! awsmfa sends it only over https or to this machine. The check must read the URL as the HTTP
//! client does: `http://localhost:1@elsewhere/` names the host `elsewhere`, not `localhost`. And
//! a request to this machine never goes through HTTP_PROXY.

use super::Listener;
use crate::harness::*;

const ANSWER: &str = r#"{"SigninToken":"tok"}"#;

fn console(sb: &Sandbox, role: &str) -> Run {
    sb.run(&["console", role, "-c", "123456", "--print"])
}

#[test]
fn userinfo_cannot_smuggle_another_host_past_the_check() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    // 127.0.0.2 stands in for the host elsewhere, which the text before `@` hides.
    let elsewhere = Listener::start("127.0.0.2", 200, ANSWER);
    let mut sb = Sandbox::with_user(moto, &user);
    let before = sb.creds();
    sb.set(
        "AWSMFA_SIGNIN_ENDPOINT",
        &format!("http://localhost:1@{}/federation", elsewhere.addr),
    );
    console(&sb, &role).fails(2, "AWSMFA_SIGNIN_ENDPOINT");
    assert_eq!(
        elsewhere.heads(),
        Vec::<String>::new(),
        "keys sent elsewhere"
    );

    // A host that is not this machine at all, reached through the proxy the environment names:
    // the proxy would be asked for it, with the keys in the request line.
    let proxy = Listener::start("127.0.0.1", 502, "");
    sb.set("HTTP_PROXY", &format!("http://{}", proxy.addr))
        .set("http_proxy", &format!("http://{}", proxy.addr))
        .set(
            "AWSMFA_SIGNIN_ENDPOINT",
            "http://localhost:1@signin.example.com/federation",
        );
    console(&sb, &role).fails(2, "AWSMFA_SIGNIN_ENDPOINT");
    assert_eq!(
        proxy.heads(),
        Vec::<String>::new(),
        "keys sent to the proxy"
    );
    assert_eq!(sb.creds(), before);
}

#[test]
fn a_loopback_endpoint_is_reached_directly_never_through_the_proxy() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let standin = Listener::start("127.0.0.2", 200, ANSWER);
    let proxy = Listener::start("127.0.0.1", 502, "");
    let mut sb = Sandbox::with_user(moto, &user);
    // Only moto (127.0.0.1) is exempt from the proxy, as a user's NO_PROXY would not list a
    // test's stand-in.
    sb.set("HTTP_PROXY", &format!("http://{}", proxy.addr))
        .set("http_proxy", &format!("http://{}", proxy.addr))
        .set(
            "AWSMFA_SIGNIN_ENDPOINT",
            &format!("http://{}/federation", standin.addr),
        );
    let run = console(&sb, &role);
    run.ok();
    assert!(run.stdout.contains("SigninToken=tok"), "{}", run.stdout);
    assert_eq!(
        proxy.heads(),
        Vec::<String>::new(),
        "keys sent to the proxy"
    );
    let heads = standin.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(heads[0].starts_with("GET /federation?Action=getSigninToken"));
}
