//! An http:// endpoint (a local emulator, a test server) is called without TLS: the trust
//! roots, which the TLS connector loads from every file in SSL_CERT_DIR at each start, are
//! never read. An https:// endpoint still loads them.

use crate::harness::*;
use std::path::Path;

/// The files `awsmfa args` (with `endpoint`) opens or looks at, one line per system call, and
/// whether it succeeded.
fn file_calls(sb: &Sandbox, endpoint: &str, args: &[&str]) -> (String, bool) {
    let trace = sb.home().join("trace");
    let out = sb
        .program("strace")
        .args(["-f", "-qq", "-e", "trace=%file", "-o"])
        .arg(&trace)
        .arg(bin())
        .args(args)
        .env("AWS_ENDPOINT_URL", endpoint)
        .output()
        .unwrap();
    (
        std::fs::read_to_string(&trace).unwrap(),
        out.status.success(),
    )
}

#[test]
fn an_http_endpoint_reads_no_trust_roots() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let mut sb = Sandbox::with_user(moto, &user);
    let certs = tempfile::tempdir().unwrap();
    std::fs::write(certs.path().join("root.pem"), "not a certificate\n").unwrap();
    let dir = certs.path().to_str().unwrap().to_string();
    sb.set("SSL_CERT_DIR", &dir);
    let args = ["-c", "skip", "--no-cache", "-t", "plain"];
    let in_trace = |trace: &str, p: &Path| trace.contains(p.to_str().unwrap());

    let (trace, ok) = file_calls(&sb, &moto.url, &args);
    assert!(ok, "{trace}");
    assert!(
        in_trace(&trace, &sb.creds_path()),
        "the trace is blind: {trace}"
    );
    assert!(
        !trace.contains(&dir),
        "an http:// call read the trust roots:\n{trace}"
    );
    assert!(sb.creds().contains("[plain]"));

    // The same run against https:// builds the TLS connector, which reads them (and then finds
    // nobody listening).
    let https = format!("https://127.0.0.1:{}", free_port());
    let (trace, ok) = file_calls(&sb, &https, &args);
    assert!(!ok);
    assert!(
        trace.contains(&dir),
        "https:// did not read {dir}:\n{trace}"
    );
}
