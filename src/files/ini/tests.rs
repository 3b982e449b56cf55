//! Unit tests of the reader and the editor.

use super::*;

const CREDS: &[&str] = &["aws_access_key_id", "aws_secret_access_key"];

fn upsert(text: &str, section: &str) -> String {
    Doc::parse(text)
        .unwrap()
        .upsert(
            section,
            CREDS,
            &[("aws_access_key_id", "NEW"), ("aws_secret_access_key", "S")],
        )
        .to_string()
}

#[test]
fn replaces_keys_in_place_and_keeps_everything_else() {
    let text = "# top\n[identity]\nAWS_Access_Key_Id=A\n\n; c\n[default]\nregion = eu-west-1\naws_access_key_id = OLD\n  aws_secret_access_key=X\noutput=json\n\n# tail";
    let out = upsert(text, "default");
    assert_eq!(
        out,
        "# top\n[identity]\nAWS_Access_Key_Id=A\n\n; c\n[default]\nregion = eu-west-1\naws_access_key_id = NEW\naws_secret_access_key = S\noutput=json\n\n# tail"
    );
}

#[test]
fn appends_missing_section_after_a_blank_line() {
    assert_eq!(
        upsert("[a]\nk=v", "b"),
        "[a]\nk=v\n\n[b]\naws_access_key_id = NEW\naws_secret_access_key = S\n"
    );
    assert_eq!(
        upsert("", "b"),
        "[b]\naws_access_key_id = NEW\naws_secret_access_key = S\n"
    );
    assert_eq!(
        upsert("[a]\n\n", "b"),
        "[a]\n\n[b]\naws_access_key_id = NEW\naws_secret_access_key = S\n"
    );
}

#[test]
fn inserts_after_the_last_key_when_section_has_no_credentials() {
    assert_eq!(
        upsert("[b]\nregion=x\n  more\n\n# about c\n[c]\n", "b"),
        "[b]\nregion=x\n  more\naws_access_key_id = NEW\naws_secret_access_key = S\n\n# about c\n[c]\n"
    );
    assert_eq!(
        upsert("[b]", "b"),
        "[b]\naws_access_key_id = NEW\naws_secret_access_key = S\n"
    );
}

#[test]
fn keeps_crlf() {
    assert_eq!(
        upsert("[a]\r\nx=1\r\n", "a"),
        "[a]\r\nx=1\r\naws_access_key_id = NEW\r\naws_secret_access_key = S\r\n"
    );
}

#[test]
fn drops_continuation_lines_of_removed_keys() {
    assert_eq!(
        upsert(
            "[a]\naws_secret_access_key = x\n  more\nk = v\n  nested = 1\n",
            "a"
        ),
        "[a]\naws_access_key_id = NEW\naws_secret_access_key = S\nk = v\n  nested = 1\n"
    );
    // Past blank and comment lines too, which stay.
    assert_eq!(
        upsert(
            "[a]\naws_secret_access_key = x\n\n# c\n  more\nk = v\n",
            "a"
        ),
        "[a]\naws_access_key_id = NEW\naws_secret_access_key = S\n\n# c\nk = v\n"
    );
}

#[test]
fn reads_values_case_insensitively() {
    let doc = Doc::parse("[p]\nAWS_ACCESS_KEY_ID = AK \nregion=us-west-2\n").unwrap();
    assert_eq!(doc.get("p", "aws_access_key_id"), Some("AK"));
    assert_eq!(doc.get("p", "missing"), None);
    assert_eq!(doc.get("q", "region"), None);
    assert_eq!(doc.sections().collect::<Vec<_>>(), ["p"]);
}

/// What botocore reads and the previous parser did not: `key: value`, a comment after a
/// header, headers up to their last `]`, continuation lines after blank and comment lines,
/// inline `#` as part of the value, spaces inside the brackets as part of the name.
#[test]
fn reads_as_configparser_does() {
    let doc = Doc::parse(
        "[x] # note\nregion: eu-west-1\nk = v # not a comment\n  more\n\n# c\n  last\n\
         [ spaced ]\na=b:c\nc:d=e\n[p]q]\n[y]junk]\ns3 =\n  addressing_style = path\n\n  \
         max = 1\n  max = 2\n",
    )
    .unwrap();
    assert_eq!(
        doc.sections().collect::<Vec<_>>(),
        ["x", " spaced ", "p]q", "y]junk"]
    );
    assert_eq!(doc.get("x", "region"), Some("eu-west-1"));
    assert_eq!(doc.get("x", "k"), Some("v # not a comment\nmore\n\nlast"));
    assert!(!doc.has_section("spaced"));
    assert_eq!(doc.get(" spaced ", "a"), Some("b:c"));
    assert_eq!(doc.get(" spaced ", "c"), Some("d=e"));
    assert_eq!(doc.get("y]junk", "s3"), None);
    assert_eq!(doc.nested("y]junk", "s3", "addressing_style"), Some("path"));
    assert_eq!(doc.nested("y]junk", "s3", "max"), Some("2"));
    assert_eq!(doc.nested("x", "region", "max"), None);
}

#[test]
fn refuses_what_it_cannot_edit_safely() {
    let err = |t: &str| Doc::parse(t).unwrap_err();
    assert_eq!(err("[a]\nk=v\n[a]\n").line, 3);
    assert!(
        err("[a]\nk=v\n[a]\n")
            .what
            .contains("duplicate section [a]")
    );
    assert_eq!(err("[a]\njunk\n").line, 2);
    assert_eq!(err("k=v\n[a]\n").line, 1);
    assert_eq!(err("[a\n").line, 1);
    assert_eq!(err("[]\n").line, 1);
    assert_eq!(err("[a]\n  indented junk\n").line, 2);
    for (text, line, what) in [
        ("[a]\nK=1\nk:2\n", 3, "duplicate key k"),
        ("[a]\n= v\n", 2, "no key name"),
        ("[a]\nk =\n  no equals\n", 3, "has no `=`"),
        ("[DEFAULT]\nk=v\n", 1, "[DEFAULT] is no profile"),
        ("\u{feff}[a]\n", 1, "byte-order mark"),
        ("[a]\nk = v\rw\n", 2, "carriage return"),
        ("[a]\nk = v\u{1c}\n", 2, "U+001C"),
    ] {
        let e = err(text);
        assert_eq!(
            (e.line, e.what.contains(what)),
            (line, true),
            "{text:?}: {e}"
        );
    }
}

/// Past the few names compared one by one, names are hashed: duplicates are found either way,
/// and each section's keys are its own.
#[test]
fn duplicates_are_found_among_many_names() {
    let keys: String = (0..40).map(|i| format!("k{i} = v\n")).collect();
    let e = Doc::parse(&format!("[a]\n{keys}K7 = again\n")).unwrap_err();
    assert_eq!((e.line, e.what.as_str()), (42, "duplicate key k7"));
    let sections: String = (0..40).map(|i| format!("[s{i}]\n")).collect();
    let e = Doc::parse(&format!("{sections}[s30]\n")).unwrap_err();
    assert_eq!((e.line, e.what.as_str()), (41, "duplicate section [s30]"));
    let text = format!("[a]\n{keys}[b]\n{keys}");
    assert_eq!(Doc::parse(&text).unwrap().keys("b").len(), 40);
}

/// An edit is the text before the section, the section as it is now and the text after it:
/// a big file is written from its parts, the untouched ones as they were read.
#[test]
fn an_edit_is_the_section_between_the_untouched_text() {
    let text = "[a]\nk=v\n[t]\nregion = x\naws_access_key_id = OLD\n[z]\nk=v";
    let doc = Doc::parse(text).unwrap();
    let new = [("aws_access_key_id", "NEW")];
    let edited = doc.upsert("t", CREDS, &new);
    assert!(edited.changed());
    assert_eq!(
        edited.parts(),
        [
            "[a]\nk=v\n",
            "[t]\nregion = x\naws_access_key_id = NEW\n",
            "[z]\nk=v"
        ]
    );
    assert!(
        !doc.upsert("t", CREDS, &[("aws_access_key_id", "OLD")])
            .changed()
    );
    let added = doc.upsert("new", CREDS, &new);
    assert!(added.changed());
    assert_eq!(
        added.parts(),
        [text, "\n\n[new]\naws_access_key_id = NEW\n", ""]
    );
    // A parse kept with its text reads and edits alike.
    let kept = Parsed::parse(text.to_string()).unwrap();
    assert_eq!(kept.doc().upsert("t", CREDS, &new).parts(), edited.parts());
}

#[test]
fn section_names_are_kept_verbatim() {
    let doc = Doc::parse("[ my prof ]\nk=v\n[prod ünï]\n").unwrap();
    assert!(doc.has_section(" my prof "));
    assert!(!doc.has_section("my prof"));
    assert!(doc.has_section("prod ünï"));
}

/// botocore (configparser) reads an indented line after a key as that key's continuation.
/// New keys inserted right after a header that is followed by an indented key turn that key
/// into part of the last new value: `[t]\n  region = x` becomes `expiration = …\n  region = x`,
/// which botocore reads as expiration "…\nregion = x" and no region.
#[test]
fn an_indented_first_line_stays_a_key_of_its_own() {
    let out = upsert("[t]\n  region = x\n", "t");
    let doc = Doc::parse(&out).unwrap();
    assert_eq!(doc.get("t", "region"), Some("x"), "{out:?}");
    assert_eq!(doc.get("t", "aws_secret_access_key"), Some("S"), "{out:?}");
    let again = upsert(&out, "t");
    assert!(
        again.contains("region = x"),
        "lost on the next edit: {again:?}"
    );
}

/// awsmfa 0.2 copied the identity's settings ("including region or s3") to the target.
#[test]
fn inherits_the_keys_the_target_lacks_with_their_nested_lines() {
    const OWNED: &[&str] = crate::files::credfile::OWNED_KEYS;
    let set = &[("aws_access_key_id", "NEW"), ("expiration", "E")];
    let identity = "[identity]\n  region = eu-west-1\naws_access_key_id = AK\ns3 =\n    max_concurrent_requests = 20\n\tmultipart_threshold = 64MB\nexpiration = old\n  old-continued\noutput=json\n# c\n";
    let doc = Doc::parse(identity).unwrap();
    assert_eq!(
        doc.upsert_inheriting("new", OWNED, set, "identity")
            .to_string(),
        format!(
            "{identity}\n[new]\naws_access_key_id = NEW\nexpiration = E\nregion = eu-west-1\ns3 =\n    max_concurrent_requests = 20\n\tmultipart_threshold = 64MB\noutput=json\n"
        )
    );
    // The target's own keys win, whatever their case; the rest follows ours.
    let text = format!("{identity}[t]\nRegion = us-east-2\naws_access_key_id = OLD\nk = v\n");
    assert_eq!(
        Doc::parse(&text)
            .unwrap()
            .upsert_inheriting("t", OWNED, set, "identity")
            .to_string(),
        format!(
            "{identity}[t]\nRegion = us-east-2\naws_access_key_id = NEW\nexpiration = E\ns3 =\n    max_concurrent_requests = 20\n\tmultipart_threshold = 64MB\noutput=json\nk = v\n"
        )
    );
    let crlf = "[i]\r\nregion = x\r\n";
    assert_eq!(
        Doc::parse(crlf)
            .unwrap()
            .upsert_inheriting("t", OWNED, set, "i")
            .to_string(),
        format!("{crlf}\r\n[t]\r\naws_access_key_id = NEW\r\nexpiration = E\r\nregion = x\r\n")
    );
    // A value continued past a blank line comes whole, indented with the new keys.
    let text = "[i]\nk = a\n\n# c\n  b\n[t]\n  aws_access_key_id = OLD\n  region = x\n";
    let out = Doc::parse(text)
        .unwrap()
        .upsert_inheriting("t", OWNED, set, "i")
        .to_string();
    assert_eq!(
        out,
        "[i]\nk = a\n\n# c\n  b\n[t]\n  aws_access_key_id = NEW\n  expiration = E\n  k = a\n\n    b\n  region = x\n"
    );
    let doc = Doc::parse(&out).unwrap();
    assert_eq!(
        (doc.get("t", "k"), doc.get("t", "region")),
        (Some("a\n\nb"), Some("x"))
    );
}

/// Keys indented alike are all keys; new keys replacing the first must be indented alike,
/// or the keys after them would continue the last new value.
#[test]
fn new_keys_take_the_indentation_of_the_next_key() {
    let out = upsert("[t]\n  aws_access_key_id = OLD\n  region = x\n[u]\n", "t");
    assert_eq!(
        out,
        "[t]\n  aws_access_key_id = NEW\n  aws_secret_access_key = S\n  region = x\n[u]\n"
    );
    let doc = Doc::parse(&out).unwrap();
    assert_eq!(doc.get("t", "region"), Some("x"));
    assert_eq!(doc.get("t", "aws_secret_access_key"), Some("S"));
}

#[test]
fn unwritable_names_and_values() {
    assert_eq!(unwritable("x] # y", &[("k", "v = w # z")]), None);
    assert_eq!(unwritable(" spaced ", &[("k", "")]), None);
    for (section, value) in [
        ("", "v"),
        ("a\nb", "v"),
        ("DEFAULT", "v"),
        ("a", " v"),
        ("a", "v\n"),
        ("a", "v\u{2028}w"),
    ] {
        assert!(
            unwritable(section, &[("k", "ok"), ("k2", value)]).is_some(),
            "{section:?} {value:?}"
        );
    }
}

#[test]
fn the_byte_filter_lets_every_misread_character_through() {
    let mut buf = [0; 4];
    for c in (0..=0x10ffff)
        .filter_map(char::from_u32)
        .filter(|&c| misread(c))
    {
        let first = c.encode_utf8(&mut buf).as_bytes()[0];
        assert!(may_misread(first), "U+{:04X}", c as u32);
    }
}

/// The searches eight bytes at a time find what a search byte by byte finds, wherever the
/// bytes they look for fall in a word.
#[test]
fn word_searches_find_what_byte_searches_find() {
    let bytes = [
        b'a', b'\n', b'\t', b'\r', 0x1f, b' ', b'~', 0x7f, 0x80, 0xc2, 0xe2, 0xff, b'=', b':', 0,
        b'A', b'Z', b'@', b'[', b'z',
    ];
    for len in 0..19 {
        for (i, j) in (0..len).flat_map(|i| (0..len).map(move |j| (i, j))) {
            for (&x, &y) in bytes.iter().flat_map(|x| bytes.iter().map(move |y| (x, y))) {
                let mut t = vec![b'a'; len];
                t[i] = x;
                t[j] = y;
                for start in 0..len.min(2) {
                    let end = t[start..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(len, |p| start + p);
                    let odd = t[start..end].iter().any(|&b| may_misread(b));
                    assert_eq!(line_end(&t, start), (end, odd), "{t:?} from {start}");
                }
                let sep = t.iter().position(|&b| b == b'=' || b == b':');
                assert_eq!(separator(&t), sep, "{t:?}");
                if let Ok(name) = std::str::from_utf8(&t) {
                    let plain = !t.iter().any(|b| !b.is_ascii() || b.is_ascii_uppercase());
                    assert_eq!(matches!(lowercase(name), Cow::Borrowed(_)), plain, "{t:?}");
                }
            }
        }
    }
}
