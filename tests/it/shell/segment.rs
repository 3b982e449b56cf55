//! The prompt segment, held to `awsmfa prompt`.

use super::kit::*;
use crate::harness::*;

/// A segment case: seconds left (none: no credentials), extra environment, what is drawn.
struct Case {
    name: &'static str,
    left: Option<i64>,
    env: Vec<(&'static str, String)>,
    colour: Option<Colour>,
    text: String,
}

#[test]
fn segment_text_and_colour_match_the_binary() {
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    let t0 = now();
    let format = "⏳ {remaining} until {expiration} 100%";
    let case = |name, left, env: &[(&'static str, &str)], colour, text: &str| Case {
        name,
        left,
        env: env.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        colour,
        text: text.to_string(),
    };
    use Colour::*;
    // Seconds left keep 30 s of margin inside the minute shown.
    let cases = [
        case("3h", Some(10830), &[], Some(Green), "aws 3h0m"),
        case("30m", Some(1830), &[], Some(Yellow), "aws 30m"),
        case("5m", Some(330), &[], Some(Red), "aws 5m"),
        case("expired", Some(-30), &[], Some(Red), "aws expired"),
        case("none", None, &[], None, ""),
        case(
            "nocolor",
            Some(10830),
            &[("NO_COLOR", "1")],
            None,
            "aws 3h0m",
        ),
        case(
            "format",
            Some(10830),
            &[("AWSMFA_PROMPT_FORMAT", format)],
            Some(Green),
            &format!("⏳ 3h0m until {} 100%", rfc3339(t0 + 10830)),
        ),
        case(
            "levels",
            Some(10830),
            &[
                ("AWSMFA_PROMPT_WARN", "20000"),
                ("AWSMFA_PROMPT_CRIT", "600"),
            ],
            Some(Yellow),
            "aws 3h0m",
        ),
        case(
            "gone",
            Some(-30),
            &[("AWSMFA_PROMPT_EXPIRED", "creds gone")],
            Some(Red),
            "creds gone",
        ),
    ];
    let vars = [
        "NO_COLOR",
        "AWSMFA_PROMPT_FORMAT",
        "AWSMFA_PROMPT_WARN",
        "AWSMFA_PROMPT_CRIT",
        "AWSMFA_PROMPT_EXPIRED",
        "AWS_CREDENTIAL_EXPIRATION",
    ];
    for sh in SHELLS {
        let mut s = Script::strict(sh);
        s.line(sh.init());
        for Case {
            name, left, env, ..
        } in &cases
        {
            let mut set: Vec<String> = vars.iter().map(|v| sh.unset(v)).collect();
            match left {
                Some(o) => {
                    let exp = t0 + o;
                    set.push(sh.export("AWSMFA_EXPIRATION", &exp.to_string()));
                    set.push(sh.export("AWS_CREDENTIAL_EXPIRATION", &rfc3339(exp)));
                    if sh == Sh::Fish {
                        let file = stamp(shells.home(), exp);
                        set.push(sh.export("AWSMFA_EXPIRATION_STAMP", &file.to_string_lossy()));
                    }
                }
                None => set.push(sh.unset("AWSMFA_EXPIRATION")),
            }
            set.extend(env.iter().map(|(k, v)| sh.export(k, v)));
            s.line(&set.join("; "))
                .show(&format!("seg.{name}"), sh.rendered_segment())
                .show(&format!("raw.{name}"), &sh.var("AWSMFA_PROMPT"));
        }
        // fish without a stamp, or with the stamp of other credentials: the clock of `/`.
        if sh == Sh::Fish {
            let exp = t0 + 10830;
            let other = stamp(shells.home(), t0 + 99);
            s.line(&format!(
                "set -e NO_COLOR; set -e AWSMFA_PROMPT_WARN; set -e AWSMFA_PROMPT_EXPIRED; \
                 set -gx AWSMFA_EXPIRATION {exp}; set -e AWSMFA_EXPIRATION_STAMP"
            ))
            .show("seg.nostamp", sh.rendered_segment())
            .line(&sh.export("AWSMFA_EXPIRATION_STAMP", &other.to_string_lossy()))
            .show("seg.otherstamp", sh.rendered_segment());
        }
        let out = shells.run(&s);
        let what = sh.name();
        for Case {
            name,
            left,
            env,
            colour,
            text,
        } in &cases
        {
            let got = out.get(&format!("seg.{name}"));
            assert_eq!(
                parse_segment(got),
                (*colour, text.clone()),
                "{what} {name}: {got:?}\n{out}"
            );
            if colour.is_none() {
                assert_eq!(got, text, "{what} {name}: no escapes without colour");
            }
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let binary = shells.binary_segment(left.map(|o| t0 + o), &env);
            assert_eq!(
                parse_segment(got),
                parse_segment(&binary),
                "{what} {name}: the shell and `awsmfa prompt` disagree: {got:?} vs {binary:?}"
            );
            // Byte for byte where the shell adds nothing of its own: bash's readline markers
            // around the escapes, zsh's drawn prompt, fish's `set_color normal`.
            match sh {
                Sh::Bash => assert_eq!(got.replace(['\x01', '\x02'], ""), binary, "{name}"),
                Sh::Zsh => assert_eq!(got, binary, "{name}"),
                Sh::Fish => assert_eq!(got.replace("\x1b(B\x1b[m", "\x1b[39m"), binary, "{name}"),
            }
        }
        let raw = out.get("raw.3h");
        match sh {
            Sh::Bash => assert_eq!(raw, "\x01\x1b[32m\x02aws 3h0m\x01\x1b[39m\x02"),
            Sh::Zsh => {
                assert_eq!(raw, "%F{green}aws 3h0m%f");
                // The prompt decodes %-escapes: a literal % in the text is doubled.
                assert!(out.get("raw.format").ends_with(" 100%%%f"), "{out}");
            }
            Sh::Fish => assert_eq!(raw, "\x1b[32maws 3h0m\x1b(B\x1b[m"),
        }
        if sh == Sh::Fish {
            for name in ["seg.nostamp", "seg.otherstamp"] {
                assert_eq!(
                    parse_segment(out.get(name)),
                    (Some(Colour::Green), "aws 3h0m".to_string()),
                    "{name}\n{out}"
                );
            }
        }
    }
}

#[test]
fn seconds_field_counts_down_by_the_shell_clock() {
    let shells = Shells::new(Sandbox::new("http://127.0.0.1:9"));
    for sh in SHELLS {
        let t0 = now();
        let mut s = Script::strict(sh);
        s.line(sh.init())
            .line(&format!(
                "{}; {}",
                sh.export("NO_COLOR", "1"),
                sh.export("AWSMFA_PROMPT_FORMAT", "{seconds}")
            ))
            .line(&sh.export("AWSMFA_EXPIRATION", &(t0 + 5000).to_string()))
            .show("secs", &sh.var("AWSMFA_PROMPT"));
        let out = shells.run(&s);
        let secs: i64 = out.get("secs").parse().unwrap();
        let elapsed = now() - t0;
        assert!(
            (5000 - elapsed - 1..=5000).contains(&secs),
            "{}: {secs} after {elapsed} s\n{out}",
            sh.name()
        );
    }
}
