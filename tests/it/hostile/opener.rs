//! Item 6 of the hostile review: the console's sign-in URL is a bearer secret, and a program's
//! arguments are readable by every local user. The opener gets a private page that redirects
//! to the URL, removed once read; `--print` still prints the URL.

use super::Listener;
use crate::harness::*;
use std::os::unix::fs::PermissionsExt;

const TOKEN: &str = "SECRETSIGNINTOKEN42";

#[test]
fn the_sign_in_token_never_reaches_the_openers_arguments() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let standin = Listener::start("127.0.0.1", 200, &format!(r#"{{"SigninToken":"{TOKEN}"}}"#));
    let mut sb = Sandbox::with_user(moto, &user);
    let rec = sb.home().join("rec");
    std::fs::create_dir(&rec).unwrap();
    let bin = sb.home().join("bin");
    std::fs::create_dir(&bin).unwrap();
    // What a browser does: reads the page it is given, here once while the opener runs and
    // once a second after it has ended, as a browser that was already running would.
    let opener = bin.join("xdg-open");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nr='{rec}'\nprintf '%s\\n' \"$@\" > \"$r/argv\"\n\
             stat -c %a \"$1\" > \"$r/mode\"; stat -c %a \"$(dirname \"$1\")\" > \"$r/dirmode\"\n\
             cat \"$1\" > \"$r/page\"\n\
             (sleep 1; cat \"$1\" > \"$r/late\") </dev/null >/dev/null 2>&1 &\nexit 0\n",
            rec = rec.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    sb.set(
        "PATH",
        &format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
    )
    .set(
        "AWSMFA_SIGNIN_ENDPOINT",
        &format!("http://{}/federation", standin.addr),
    );
    let before = sb.creds();
    let run = sb.run(&["console", &role, "-c", "123456"]);
    run.ok();
    let read = |name: &str| std::fs::read_to_string(rec.join(name)).unwrap_or_default();
    let argv = read("argv");
    assert!(!argv.is_empty(), "the opener ran");
    assert!(
        !argv.contains(TOKEN) && !argv.contains("SigninToken"),
        "the token is in the opener's arguments: {argv}"
    );
    assert_eq!(argv.lines().count(), 1, "{argv:?}");
    assert_eq!(read("mode").trim(), "600");
    assert_eq!(read("dirmode").trim(), "700");
    let page = read("page");
    let login = format!(
        "http://{}/federation?Action=login&amp;Issuer=awsmfa&amp;",
        standin.addr
    );
    assert!(page.contains(&format!("url={login}")), "{page}");
    assert!(page.contains(&format!("SigninToken={TOKEN}\"")), "{page}");
    // The page was still there for the late reader, and is gone now.
    assert_eq!(
        read("late"),
        page,
        "the page was gone before the browser read it"
    );
    let path = std::path::PathBuf::from(argv.trim());
    assert!(!path.exists(), "{} is left behind", path.display());
    assert!(!run.stderr.contains(TOKEN));
    assert_eq!(sb.creds(), before);

    // --print is unchanged: the URL on stdout.
    let run = sb.run(&["console", &role, "--print"]);
    run.ok();
    assert!(
        run.stdout
            .trim_end()
            .ends_with(&format!("SigninToken={TOKEN}")),
        "{}",
        run.stdout
    );
}
