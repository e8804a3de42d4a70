//! The commands `mdns register --stdin` reads while registered, one per line: parsing
//! only (pure, tested here); `commands` applies them.
//!
//! ```text
//! txt path=/ ver=2 "note=two words"   replace the TXT record (`txt` alone: empty it)
//! subtype +_CM -_L840                  add and remove subtypes
//! quit                                 unregister and exit
//! ```
//!
//! Words are separated by blanks; a word in double quotes may hold blanks, and `\`
//! escapes the next character. Empty lines and lines starting with `#` are ignored.

use mdns_sansio::sd::Txt;

use crate::args::parse_txt;

/// One command.
#[derive(Debug, PartialEq, Eq)]
pub enum Control {
    /// Replace the TXT record with this.
    Txt(Txt),
    /// Add (`true`) or remove (`false`) these subtypes, in order.
    Subtypes(Vec<(bool, String)>),
    /// Unregister and exit.
    Quit,
}

/// Reads one line: `Ok(None)` for nothing to do (empty, comment), else the command or
/// what is wrong with it.
pub fn parse(line: &str) -> Result<Option<Control>, String> {
    let words = split(line)?;
    let Some((verb, args)) = words.split_first() else {
        return Ok(None);
    };
    if verb.starts_with('#') {
        return Ok(None);
    }
    match verb.as_str() {
        "txt" => {
            let mut txt = Txt::new();
            for a in args {
                txt.push(parse_txt(a)?).map_err(|e| format!("`{a}`: {e}"))?;
            }
            Ok(Some(Control::Txt(txt)))
        }
        "subtype" | "subtypes" => {
            if args.is_empty() {
                return Err("subtype: say +SUB to add one, -SUB to remove one".into());
            }
            let changes = args
                .iter()
                .map(|a| match a.split_at_checked(1) {
                    Some(("+", s)) if !s.is_empty() => Ok((true, s.to_string())),
                    Some(("-", s)) if !s.is_empty() => Ok((false, s.to_string())),
                    _ => Err(format!(
                        "subtype: `{a}` is neither +SUB (add) nor -SUB (remove)"
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Some(Control::Subtypes(changes)))
        }
        "quit" | "exit" if args.is_empty() => Ok(Some(Control::Quit)),
        other => Err(format!(
            "unknown command `{other}` (commands: txt KEY=VALUE..., subtype +SUB|-SUB..., quit)"
        )),
    }
}

/// Splits a line into words: blanks separate, double quotes group, `\` escapes.
fn split(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let n = chars.next().ok_or("a `\\` ends the line")?;
                cur.push(n);
                in_word = true;
            }
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quoted {
        return Err("a `\"` is not closed".into());
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_subtype_and_quit_lines() {
        let Some(Control::Txt(t)) = parse(r#"txt path=/ flag "note=two words" e\=x="#).unwrap()
        else {
            panic!()
        };
        let entries: Vec<(String, Option<Vec<u8>>)> = t
            .iter()
            .map(|e| (e.key().to_string(), e.value().map(<[u8]>::to_vec)))
            .collect();
        assert_eq!(
            entries,
            [
                ("path".into(), Some(b"/".to_vec())),
                ("flag".into(), None),
                ("note".into(), Some(b"two words".to_vec())),
                ("e".into(), Some(b"x=".to_vec())),
            ]
        );
        assert_eq!(parse("txt").unwrap(), Some(Control::Txt(Txt::new())));
        assert_eq!(
            parse("  subtype +_CM   -_L840 ").unwrap(),
            Some(Control::Subtypes(vec![
                (true, "_CM".into()),
                (false, "_L840".into())
            ]))
        );
        assert_eq!(parse("quit").unwrap(), Some(Control::Quit));
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("   # a comment").unwrap(), None);
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        for (line, needle) in [
            ("frobnicate", "unknown command `frobnicate`"),
            ("subtype", "+SUB"),
            ("subtype _CM", "`_CM` is neither"),
            ("subtype +", "`+` is neither"),
            ("txt =v", "`=v`"),
            ("txt \"k=v", "not closed"),
            ("quit now", "unknown command `quit`"),
        ] {
            let e = parse(line).unwrap_err();
            assert!(e.contains(needle), "{line}: {e}");
        }
        let long = format!("txt k={}", "v".repeat(300));
        assert!(parse(&long).is_err());
    }
}
