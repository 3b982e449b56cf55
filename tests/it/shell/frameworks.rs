//! Prompt frameworks: starship's `aws` module (the real binary, which scripts/install-starship
//! builds into a cache of this machine) over credentials in the shell and in [default], and
//! the powerlevel10k segment `prompt_awsmfa` with `p10k` stubbed to record its arguments.

use super::kit::*;
use crate::harness::*;
use std::path::PathBuf;

/// The starship scripts/install-starship builds, where it builds it.
fn starship() -> String {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache"));
    let bin = cache.join("awsmfa-ci/starship/bin/starship");
    assert!(
        bin.is_file(),
        "{} is missing: scripts/install-starship builds it (scripts/install-deps runs it)",
        bin.display()
    );
    bin.display().to_string()
}

/// starship drawing its `aws` module alone, each field tagged and shown only when known.
const STARSHIP_TOML: &str = r#"format = "$aws"
add_newline = false
[aws]
format = "<(profile=$profile )(region=$region )(duration=$duration)>"
"#;

/// A sandbox with `user`, its identity profile holding `extra` lines, and starship's
/// configuration in STARSHIP_CONFIG.
fn sandbox(moto: &Moto, user: &User, extra: &str) -> Sandbox {
    let mut sb = Sandbox::new(&moto.url);
    sb.write_creds(&format!("{}{extra}", user.identity_section()));
    let config = sb.home().join("starship.toml");
    std::fs::write(&config, STARSHIP_TOML).unwrap();
    sb.set("STARSHIP_CONFIG", config.to_str().unwrap());
    sb
}

/// What the aws module showed: profile, region and seconds left, each when shown.
#[derive(Debug, PartialEq)]
struct Aws {
    profile: Option<String>,
    region: Option<String>,
    left: Option<i64>,
}

/// starship's duration (`5h59m58s`, `1d2h`) in seconds.
fn seconds(duration: &str) -> i64 {
    let (mut total, mut n) = (0, 0);
    for c in duration.chars() {
        match c {
            '0'..='9' => n = n * 10 + i64::from(c.to_digit(10).unwrap()),
            'd' | 'h' | 'm' | 's' => {
                let unit = match c {
                    'd' => 86_400,
                    'h' => 3_600,
                    'm' => 60,
                    _ => 1,
                };
                total += n * unit;
                n = 0;
            }
            _ => panic!("not a starship duration: {duration:?}"),
        }
    }
    total
}

/// The module in a drawn prompt (`<profile=… region=… duration=…>`), None when it is hidden.
fn parse(prompt: &str) -> Option<Aws> {
    let (_, rest) = prompt.split_once('<')?;
    let (inner, _) = rest.split_once('>')?;
    let field = |name: &str| {
        inner
            .split(' ')
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .map(str::to_string)
    };
    Some(Aws {
        profile: field("profile"),
        region: field("region"),
        left: field("duration").map(|d| seconds(&d)),
    })
}

/// starship's aws module shows the countdown, a profile and the region.
#[track_caller]
fn assert_shown(prompt: &str, profile: Option<&str>, region: Option<&str>, what: &str) {
    let shown = parse(prompt).unwrap_or_else(|| {
        panic!(
            "{what}: starship's aws module is hidden (no profile variable, no region): {prompt:?}"
        )
    });
    let left = shown
        .left
        .unwrap_or_else(|| panic!("{what}: no countdown: {prompt:?}"));
    assert!(
        (21_500..=21_600).contains(&left),
        "{what}: the countdown is not the 6 h session's: {prompt:?}"
    );
    assert_eq!(
        (shown.profile.as_deref(), shown.region.as_deref()),
        (profile, region),
        "{what}: {prompt:?}"
    );
}

/// The statement that prints `KEY:` and the prompt starship draws for the shell's environment.
/// zsh draws it through starship's own init, as a user's zshrc loads it.
fn show_prompt(sh: Sh, key: &str) -> String {
    let ship = starship();
    match sh {
        Sh::Zsh => format!("printf '%s:%s\\n' {key} \"${{(%%)PROMPT}}\""),
        Sh::Fish => format!("printf '%s:%s\\n' {key} ('{ship}' prompt)"),
        Sh::Bash => format!("printf '%s:%s\\n' {key} \"$('{ship}' prompt)\""),
    }
}

/// The shell's rc file: awsmfa's init, and starship's in zsh (`show_prompt`).
fn rc(sh: Sh, s: &mut Script) {
    s.line(sh.init());
    if sh == Sh::Zsh {
        s.line(&format!("eval \"$('{}' init zsh)\"", starship()));
    }
}

#[test]
fn starship_shows_the_credentials_the_function_put_in_the_shell() {
    let moto = Moto::shared();
    let user = moto.user(1);
    for sh in SHELLS {
        let what = sh.name();
        let shells = Shells::new(sandbox(moto, &user, "region = eu-west-2\n"));
        let mut s = Script::strict(sh);
        rc(sh, &mut s);
        s.status("get", "awsmfa -c 123456")
            .line(&show_prompt(sh, "prompt"))
            .show("region", &sh.var("AWS_REGION"))
            .show("default_region", &sh.var("AWS_DEFAULT_REGION"))
            .show("session_exp", &sh.var("AWS_SESSION_EXPIRATION"))
            .show("credential_exp", &sh.var("AWS_CREDENTIAL_EXPIRATION"))
            // The profile's name changes nothing botocore uses: the exported keys.
            .line(
                "python3 -c 'import boto3; s = boto3.Session(); c = s.get_credentials(); \
                 print(\"boto3:\" + s.profile_name + \" \" + c.method + \" \" + c.access_key)'",
            );
        let out = shells.run(&s);
        assert_eq!(out.get("get"), "0", "{out}");
        assert_shown(out.get("prompt"), Some("default"), Some("eu-west-2"), what);
        assert_eq!(out.get("region"), "eu-west-2", "{what}\n{out}");
        assert_eq!(out.get("default_region"), "eu-west-2", "{what}\n{out}");
        let expiration = value(&shells.sb.creds(), "default", "expiration").unwrap();
        assert_eq!(out.get("credential_exp"), expiration, "{what}\n{out}");
        assert_eq!(out.get("session_exp"), expiration, "{what}\n{out}");
        assert_eq!(
            out.get("boto3"),
            "default env AKIAIOSFODNN7EXAMPLE",
            "{what}\n{out}"
        );
    }
}

/// No region anywhere: awsmfa signs for us-east-1 but tells the shell nothing, and the profile
/// variable alone lights the module. A region the shell has stays the shell's, and a name
/// another tool left (which prompts show before ours) goes.
#[test]
fn starship_shows_the_countdown_without_a_region_and_keeps_the_shell_s() {
    let moto = Moto::shared();
    let user = moto.user(1);
    for sh in SHELLS {
        let what = sh.name();
        let shells = Shells::new(sandbox(moto, &user, ""));
        let mut s = Script::strict(sh);
        rc(sh, &mut s);
        s.status("get", "awsmfa -c 123456")
            .line(&show_prompt(sh, "bare"))
            .show("bare.region", &sh.is_set("AWS_REGION"))
            .show("bare.default_region", &sh.is_set("AWS_DEFAULT_REGION"))
            .line(&sh.export("AWS_DEFAULT_REGION", "ap-south-1"))
            .line(&sh.export("AWS_VAULT", "stale"))
            .status("work.get", "awsmfa -c 123456 -t work")
            .line(&show_prompt(sh, "work"))
            .show("work.region", &sh.is_set("AWS_REGION"))
            .show("work.vault", &sh.is_set("AWS_VAULT"));
        let out = shells.run(&s);
        assert_eq!(out.get("get"), "0", "{out}");
        assert_shown(out.get("bare"), Some("default"), None, what);
        assert_eq!(
            out.get("bare.region"),
            "",
            "{what}: the fallback went out\n{out}"
        );
        assert_eq!(out.get("bare.default_region"), "", "{what}\n{out}");
        assert_eq!(out.get("work.get"), "0", "{out}");
        assert_shown(out.get("work"), Some("work"), Some("ap-south-1"), what);
        assert_eq!(out.get("work.region"), "", "{what}\n{out}");
        assert_eq!(out.get("work.vault"), "", "{what}\n{out}");
    }
}

/// A terminal that never ran the function: starship reads the expiry awsmfa wrote to
/// [default], the profile it uses without AWS_PROFILE, and the region of [default] in
/// ~/.aws/config.
#[test]
fn starship_shows_the_countdown_of_default_in_another_terminal() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let shells = Shells::new(sandbox(moto, &user, ""));
    std::fs::write(
        shells.home().join(".aws/config"),
        "[default]\nregion = eu-central-1\n",
    )
    .unwrap();
    shells.sb.run(&["-c", "123456"]).ok();
    let out = shells.exec(&starship(), &["prompt"]);
    assert_eq!(out.code, 0, "{out}");
    assert_shown(&out.stdout, None, Some("eu-central-1"), "[default]");
}

#[test]
fn the_p10k_segment_counts_down_without_a_process() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let shells = Shells::new(Sandbox::with_user(moto, &user));
    let mut s = Script::strict(Sh::Zsh);
    s.line(Sh::Zsh.init())
        // p10k's API, stubbed: each call's arguments, joined by `|`.
        .line("p10k() { print -r -- \"p10k:${(j:|:)@}\" }")
        .line("prompt_awsmfa; print -r -- none:$?")
        .status("get", "awsmfa -c 123456")
        // No PATH: a segment that started a process would fail.
        .line("path=(); prompt_awsmfa")
        .line("AWSMFA_EXPIRATION=$(( EPOCHSECONDS + 1830 )) prompt_awsmfa")
        .line("AWSMFA_EXPIRATION=$(( EPOCHSECONDS - 30 )) prompt_awsmfa")
        .line("AWSMFA_PROMPT_FORMAT='100% {remaining}' AWSMFA_EXPIRATION=$(( EPOCHSECONDS + 330 )) prompt_awsmfa");
    let out = shells.run(&s);
    assert_eq!(out.get("none"), "0", "{out}");
    assert_eq!(out.get("get"), "0", "{out}");
    let calls = out.all("p10k");
    assert_eq!(calls.len(), 4, "{out}");
    let live = calls[0];
    assert!(
        ["aws 5h59m", "aws 6h0m"]
            .iter()
            .any(|t| live == format!("segment|-s|GREEN|-f|green|-t|{t}")),
        "{out}"
    );
    assert_eq!(calls[1], "segment|-s|YELLOW|-f|yellow|-t|aws 30m", "{out}");
    assert_eq!(calls[2], "segment|-s|RED|-f|red|-t|aws expired", "{out}");
    // p10k expands the text as a prompt: a literal % is doubled.
    assert_eq!(calls[3], "segment|-s|RED|-f|red|-t|100%% 5m", "{out}");
    assert!(!out.stderr.contains("not found"), "{out}");
}
