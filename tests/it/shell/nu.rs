//! nushell: `awsmfa init nu` in a real nu — the function against moto, the segment held to
//! `awsmfa prompt`, the hook renewing near expiry. nu runs a script with `-c`, where its REPL's
//! hooks do not fire: `PRE_PROMPT` and `PRE_EXECUTION` run them as the REPL does before drawing a prompt.

use super::kit::*;
use crate::harness::*;
use std::path::PathBuf;

/// The nu that scripts/install-deps puts in the CI cache (npm's `nushell` package).
pub(super) fn nu() -> String {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache"));
    let nu = cache.join("awsmfa-ci/nushell/node_modules/@nushell/linux-x64/bin/nu");
    assert!(
        nu.is_file(),
        "{} is needed by the nushell tests; scripts/test installs it (see scripts/install-deps)",
        nu.display()
    );
    nu.display().to_string()
}

/// What nu's REPL runs before drawing a prompt.
const PRE_PROMPT: &str = "for hook in $env.config.hooks.pre_prompt { do --env $hook }";
/// What it runs before a command line.
const PRE_EXECUTION: &str = "for hook in $env.config.hooks.pre_execution { do --env $hook }";

/// `script` in nu after sourcing `awsmfa init nu` (saved to a file first, as nu sources files
/// only). An error (a failing external too) ends the script with its status.
fn run_nu(shells: &Shells, script: &str) -> Out {
    let init = shells.exec(bin(), &["init", "nu"]);
    assert_eq!((init.code, init.stderr.as_str()), (0, ""), "{init}");
    let file = shells.home().join("awsmfa.nu");
    std::fs::write(&file, &init.stdout).unwrap();
    let text = format!("source '{}'\n{script}", file.display());
    output_within(shells.command(&nu(), &["-n", "-c", &text]), "", 120, "nu")
}

#[test]
fn nu_init_is_silent_and_registers_its_hooks_once() {
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    let file = shells.home().join("awsmfa.nu");
    let out = run_nu(
        &shells,
        &format!(
            "source '{}'\n\
             print $\"pre_prompt:($env.config.hooks.pre_prompt | length)\"\n\
             print $\"pre_execution:($env.config.hooks.pre_execution | length)\"\n\
             {PRE_PROMPT}\n{PRE_EXECUTION}\n\
             print $\"segment:(awsmfa_prompt)\"",
            file.display()
        ),
    );
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.stderr, "", "{out}");
    assert_eq!(out.get("pre_prompt"), "1", "{out}");
    assert_eq!(out.get("pre_execution"), "1", "{out}");
    assert_eq!(out.get("segment"), "", "{out}");
}

#[test]
fn nu_function_loads_credentials_from_moto() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let shells = Shells::new(Sandbox::with_user(moto, &user));
    let out = run_nu(
        &shells,
        "$env.AWS_ACCESS_KEY_ID = 'sentinel'\n\
         $env.AWS_PROFILE = 'p'\n\
         $env.AWS_DEFAULT_PROFILE = 'dp'\n\
         try { awsmfa -c 12 }\n\
         print $\"bad:($env.LAST_EXIT_CODE)\"\n\
         print $\"bad.key:($env.AWS_ACCESS_KEY_ID)\"\n\
         print $\"bad.profile:($env.AWS_PROFILE)\"\n\
         awsmfa -c 123456\n\
         print $\"good.key:($env.AWS_ACCESS_KEY_ID)\"\n\
         print $\"good.exp:($env.AWSMFA_EXPIRATION)\"\n\
         print $\"good.profile:($env.AWS_PROFILE? | default unset)\"\n\
         print $\"good.dprofile:($env.AWS_DEFAULT_PROFILE? | default unset)\"\n\
         print $\"segment:(awsmfa_prompt)\"\n\
         print $\"version:(awsmfa --version)\"\n\
         print $\"child:(^awsmfa prompt)\"",
    );
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.get("bad"), "2", "{out}");
    assert_eq!(out.get("bad.key"), "sentinel", "{out}");
    assert_eq!(out.get("bad.profile"), "p", "{out}");
    assert!(
        out.stderr
            .contains("awsmfa: error: the MFA token code must be 6 digits"),
        "{out}"
    );
    assert_eq!(out.get("good.key"), "AKIAIOSFODNN7EXAMPLE", "{out}");
    let exp: i64 = out.get("good.exp").parse().unwrap();
    assert!((21500..=21600).contains(&(exp - now())), "{exp}\n{out}");
    assert_eq!(out.get("good.profile"), "unset", "{out}");
    assert_eq!(out.get("good.dprofile"), "unset", "{out}");
    // 6 h left, to within the second that passes while it is drawn.
    let (colour, text) = parse_segment(out.get("segment"));
    assert_eq!(colour, Some(Colour::Green), "{out}");
    assert!(["aws 6h0m", "aws 5h59m"].contains(&text.as_str()), "{out}");
    assert_eq!(
        out.get("version"),
        format!("awsmfa {}", env!("CARGO_PKG_VERSION"))
    );
    // The loaded variables reach child processes: the binary reads AWS_CREDENTIAL_EXPIRATION.
    assert_eq!(out.get("child"), "aws 5h59m", "{out}");
    assert!(shells.sb.creds().contains("AKIAIOSFODNN7EXAMPLE"), "{out}");
}

#[test]
fn nu_segment_matches_the_binary() {
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    let t0 = now();
    let format = "⏳ {remaining} until {expiration} 100%";
    // (name, seconds left, extra variables); 30 s of margin inside the minute shown.
    type Case<'a> = (&'a str, Option<i64>, &'a [(&'a str, &'a str)]);
    let cases: [Case; 8] = [
        ("3h", Some(10830), &[]),
        ("30m", Some(1830), &[]),
        ("5m", Some(330), &[]),
        ("expired", Some(-30), &[]),
        ("none", None, &[]),
        ("nocolor", Some(10830), &[("NO_COLOR", "1")]),
        ("format", Some(10830), &[("AWSMFA_PROMPT_FORMAT", format)]),
        (
            "gone",
            Some(-30),
            &[("AWSMFA_PROMPT_EXPIRED", "creds gone")],
        ),
    ];
    let mut script = String::new();
    for (name, left, env) in &cases {
        script.push_str("hide-env -i NO_COLOR AWSMFA_PROMPT_FORMAT AWSMFA_PROMPT_EXPIRED AWSMFA_EXPIRATION AWS_CREDENTIAL_EXPIRATION\n");
        if let Some(o) = left {
            script.push_str(&format!(
                "$env.AWSMFA_EXPIRATION = '{}'\n$env.AWS_CREDENTIAL_EXPIRATION = '{}'\n",
                t0 + o,
                rfc3339(t0 + o)
            ));
        }
        for (k, v) in *env {
            script.push_str(&format!("$env.{k} = '{v}'\n"));
        }
        script.push_str(&format!(
            "_awsmfa_segment\nprint $\"seg.{name}:(awsmfa_prompt)\"\n"
        ));
    }
    let out = run_nu(&shells, &script);
    assert_eq!(out.code, 0, "{out}");
    for (name, left, env) in &cases {
        let got = out.get(&format!("seg.{name}"));
        let binary = shells.binary_segment(left.map(|o| t0 + o), env);
        assert_eq!(
            got, binary,
            "{name}: nu and `awsmfa prompt` disagree\n{out}"
        );
    }
    assert_eq!(out.get("seg.3h"), "\x1b[32maws 3h0m\x1b[39m");
}

#[test]
fn nu_hook_renews_near_expiry_and_backs_off_after_a_failure() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let role = moto.role();
    let shells = Shells::logged(Sandbox::with_user(moto, &user));
    let near = now() + 240;
    let calls = shells.calls_path().display().to_string();
    let mark = |name: &str| format!("'--{name}' | save -a '{calls}'\n\"\\n\" | save -a '{calls}'");
    let out = run_nu(
        &shells,
        &format!(
            "awsmfa {role} -c 123456\n{PRE_PROMPT}\n\
             let key1 = $env.AWS_ACCESS_KEY_ID\n\
             {far}\n{PRE_EXECUTION}\n{PRE_PROMPT}\n{PRE_EXECUTION}\n{PRE_PROMPT}\n\
             $env.AWS_PROFILE = 'p'\n\
             {near_mark}\n\
             $env.AWSMFA_EXPIRATION = '{near}'\n{PRE_EXECUTION}\n\
             print $\"renewed:($env.AWS_ACCESS_KEY_ID != $key1)\"\n\
             print $\"key2:($env.AWS_ACCESS_KEY_ID)\"\n\
             print $\"exp2:($env.AWSMFA_EXPIRATION)\"\n\
             print $\"profile2:($env.AWS_PROFILE? | default unset)\"\n\
             {PRE_PROMPT}\n\
             {forget}\n\
             ^awsmfa forget\n\
             $env.AWSMFA_EXPIRATION = '{later}'\n{PRE_EXECUTION}\n{PRE_PROMPT}\n{PRE_EXECUTION}\n{PRE_PROMPT}\n\
             {end}",
            far = mark("far"),
            near_mark = mark("near"),
            forget = mark("forget"),
            later = near - 10,
            end = mark("end"),
        ),
    );
    let calls = shells.calls();
    let ctx = format!("{out}\n--- calls\n{calls}");
    assert_eq!(out.code, 0, "{ctx}");
    let refreshes = |from: &str, to: &str| refreshes_between(&calls, from, to);
    // Far from expiry: no process; near it, one refresh that renews from the cached session.
    assert_eq!(refreshes("far", "near"), 0, "{ctx}");
    assert_eq!(refreshes("near", "forget"), 1, "{ctx}");
    assert_eq!(out.get("renewed"), "true", "{ctx}");
    assert!(out.get("key2").starts_with("ASIA"), "{ctx}");
    let exp2: i64 = out.get("exp2").parse().unwrap();
    assert!(exp2 > near + 3000, "{ctx}");
    assert_eq!(out.get("profile2"), "unset", "{ctx}");
    // Without the session a code is needed (exit 3): one attempt, one notice, then back-off.
    assert_eq!(refreshes("forget", "end"), 1, "{ctx}");
    assert_eq!(
        out.count("awsmfa: AWS credentials expire in 3m — run awsmfa to renew"),
        1,
        "{ctx}"
    );
}

/// The README's setup in nu's own REPL, in a terminal: the script autoloaded, the segment in
/// `PROMPT_COMMAND_RIGHT` from config.nu, the hooks firing as the REPL fires them.
#[test]
fn nu_repl_with_the_readme_setup_draws_the_segment_and_warns_near_expiry() {
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    let nu = nu();
    let home = shells.home().display().to_string();
    let env = [
        ("XDG_CONFIG_HOME", format!("{home}/.config")),
        ("XDG_DATA_HOME", format!("{home}/.local/share")),
        ("LC_ALL", "C.UTF-8".to_string()),
    ];
    let mut setup = shells.command(
        &nu,
        &[
            "-n",
            "-c",
            "mkdir ($nu.data-dir | path join vendor/autoload)\n\
             awsmfa init nu | save -f ($nu.data-dir | path join vendor/autoload/awsmfa.nu)",
        ],
    );
    setup.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let out = output_within(setup, "", 60, "nu setup");
    assert_eq!(out.code, 0, "{out}");
    let config = shells.home().join(".config/nushell/config.nu");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        format!(
            "$env.config.show_banner = false\n\
             $env.PROMPT_COMMAND = {{|| '{PROMPT}' }}\n\
             $env.PROMPT_INDICATOR = ''\n\
             $env.PROMPT_COMMAND_RIGHT = {{|| $env.AWSMFA_PROMPT? | default \"\" }}\n"
        ),
    )
    .unwrap();
    let t = Tmux::start(&shells, &env, &nu, PROMPT.trim_end());
    let far = now() + 9030;
    t.run(&format!("$env.AWSMFA_EXPIRATION = '{far}'"));
    t.wait_for(|p| p.contains("aws 2h30m"), "the segment at the right");
    // Within the refresh window: the hook's refresh finds nothing to renew (exit 3) and says so,
    // once, before the next prompt.
    let printed = t.run(&format!("$env.AWSMFA_EXPIRATION = '{}'", now() + 230));
    assert!(
        printed
            .iter()
            .any(|l| l.contains("awsmfa: AWS credentials expire in 3m — run awsmfa to renew")),
        "{printed:?}\n{}",
        t.history()
    );
    t.run("print 'again'");
    assert_eq!(
        t.history().matches("AWS credentials expire in").count(),
        1,
        "{}",
        t.history()
    );
}

/// Every spelling the binary reads as `--shell`, `--env`, `--help` or `--version` (an
/// abbreviation clap accepts, `-hV`) goes to it as the full spelling does: printed, never
/// loaded with `--env --shell nu` added, and nothing in the shell changes.
#[test]
fn nu_function_passes_every_spelling_of_help_version_env_and_shell_through() {
    let moto = Moto::shared();
    let user = moto.user(1);
    let shells = Shells::new(Sandbox::with_user(moto, &user));
    let cases = [
        // Without --env the binary prints no code: nothing to load, nothing printed.
        ("sh", "--sh fish -t sh -c 123456"),
        ("shel", "-t shel -c 123456 --shel=bash"),
        ("en", "--en -t en -c 123456"),
        ("e", "-t e -c 123456 --e"),
        ("ensh", "--en -t ensh -c 123456 --sh=fish"),
        ("hel", "--hel"),
        ("h", "--h"),
        ("cluster", "-hV"),
        ("vers", "--vers"),
    ];
    let mut script = String::new();
    for (name, args) in cases {
        let file = shells.home().join(format!("{name}.out"));
        script.push_str(&format!(
            "$env.AWS_ACCESS_KEY_ID = 'sentinel'\n\
             $env.AWS_PROFILE = 'p'\n\
             hide-env -i AWSMFA_EXPIRATION\n\
             try {{ awsmfa {args} | save -f '{}'; print '{name}:ok' }} \
             catch {{|e| print $\"{name}:($e.msg)\" }}\n\
             print $\"{name}.key:($env.AWS_ACCESS_KEY_ID)\"\n\
             print $\"{name}.profile:($env.AWS_PROFILE? | default unset)\"\n\
             print $\"{name}.exp:($env.AWSMFA_EXPIRATION? | default unset)\"\n",
            file.display()
        ));
    }
    let out = run_nu(&shells, &script);
    assert_eq!(out.code, 0, "{out}");
    let printed =
        |name: &str| std::fs::read_to_string(shells.home().join(format!("{name}.out"))).unwrap();
    for (name, args) in cases {
        let what = format!("awsmfa {args}");
        assert_eq!(out.get(name), "ok", "{what}\n{out}");
        assert_eq!(out.get(&format!("{name}.key")), "sentinel", "{what}\n{out}");
        assert_eq!(out.get(&format!("{name}.profile")), "p", "{what}\n{out}");
        assert_eq!(out.get(&format!("{name}.exp")), "unset", "{what}\n{out}");
    }
    for name in ["sh", "shel"] {
        assert_eq!(printed(name), "", "{name}\n{out}");
    }
    for (name, line) in [
        (
            "en",
            "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE; export AWS_ACCESS_KEY_ID;",
        ),
        (
            "e",
            "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE; export AWS_ACCESS_KEY_ID;",
        ),
        ("ensh", "set -gx AWS_ACCESS_KEY_ID 'AKIAIOSFODNN7EXAMPLE';"),
    ] {
        assert!(
            printed(name).lines().any(|l| l == line),
            "{name}: the code must be printed\n{}\n{out}",
            printed(name)
        );
    }
    for name in ["hel", "h", "cluster"] {
        assert!(
            printed(name).contains("Usage: awsmfa [OPTIONS] [ROLE_ARN]"),
            "{name}: help must be printed\n{}\n{out}",
            printed(name)
        );
    }
    assert_eq!(
        printed("vers"),
        format!("awsmfa {}\n", env!("CARGO_PKG_VERSION"))
    );
    for profile in ["sh", "shel", "en", "e", "ensh"] {
        assert!(
            value(&shells.sb.creds(), profile, "aws_session_token").is_some(),
            "[{profile}] was not written\n{}",
            shells.sb.creds()
        );
    }
}
