//! The live table as lines of text for a terminal of a given size: a title, a header,
//! one line per instance (instance, host, address, port, age, TXT), column widths
//! fitted to the width, cells cut with an ellipsis, control characters made harmless.
//! Pure: the same table, time and size give the same lines; nothing here writes to a
//! terminal (`screen` does).

use std::time::Duration;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::table::{Row, Table};

/// What to draw and into how much room.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// The first line, before the instance count (`mdns browse _http._tcp.local.`).
    pub title: &'a str,
    /// Columns available; no line is wider.
    pub width: usize,
    /// Lines available; no more are returned (`usize::MAX`: every row).
    pub height: usize,
    /// Now, as an offset from the start of the view (ages are counted from it).
    pub now: Duration,
}

/// The columns, in order.
const HEADERS: [&str; 6] = ["INSTANCE", "HOST", "ADDRESS", "PORT", "AGE", "TXT"];
const INSTANCE: usize = 0;
const HOST: usize = 1;
const ADDRESS: usize = 2;
const PORT: usize = 3;
const AGE: usize = 4;
const TXT: usize = 5;
/// Spaces between columns.
const GAP: usize = 2;
/// Below these widths a column is dropped rather than cut further.
const MIN_WIDTH: [usize; 6] = [8, 8, 8, 4, 3, 3];
/// The columns shrunk, a column at a time, when the natural widths do not fit: the
/// widest of these, ties going to the first listed. The instance name is cut only when
/// they are all at their minimum.
const SHRINK: [usize; 3] = [TXT, ADDRESS, HOST];
/// Which columns are dropped, in order, when every column is at its minimum.
const DROP: [usize; 5] = [TXT, AGE, ADDRESS, PORT, HOST];

/// Renders `table` into at most `frame.height` lines of at most `frame.width` columns.
pub fn render(table: &Table, frame: &Frame<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    if frame.height == 0 {
        return lines;
    }
    let n = table.len();
    let title = format!(
        "{}: {n} instance{}",
        frame.title,
        if n == 1 { "" } else { "s" }
    );
    lines.push(cell(&title, frame.width, false, false));
    if frame.height == 1 {
        return lines;
    }
    let cells: Vec<[String; 6]> = table.rows().map(|r| cells(r, frame.now)).collect();
    let columns = layout(&cells, frame.width);
    lines.push(line(&HEADERS.map(String::from), &columns));
    let warning = table.warning().map(|w| format!("! {w}"));
    let room = frame
        .height
        .saturating_sub(2 + usize::from(warning.is_some()));
    let shown = if cells.len() > room {
        room.saturating_sub(1)
    } else {
        cells.len()
    };
    for c in &cells[..shown] {
        lines.push(line(c, &columns));
    }
    if shown < cells.len() && room > 0 {
        let more = format!("... {} more", cells.len() - shown);
        lines.push(cell(&more, frame.width, false, false));
    }
    if let Some(w) = warning {
        if lines.len() < frame.height {
            lines.push(cell(&w, frame.width, false, false));
        }
    }
    lines
}

/// The text of each column of a row.
fn cells(row: &Row, now: Duration) -> [String; 6] {
    let age = age(now.saturating_sub(row.since));
    match &row.resolved {
        Some(r) => [
            row.instance.clone(),
            r.host.strip_suffix('.').unwrap_or(&r.host).to_string(),
            r.addresses.join(", "),
            r.port.to_string(),
            age,
            r.txt.join(" "),
        ],
        None => [
            row.instance.clone(),
            String::new(),
            String::new(),
            String::new(),
            age,
            String::new(),
        ],
    }
}

/// An age in one unit: `42s`, `5m`, `3h`, `2d`.
pub fn age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// The visible columns and their widths: the natural widths if they fit; else the
/// widest of TXT, address and host shrinks, a column at a time, down to their
/// minimums, then the instance; then columns are dropped (TXT first, the instance
/// never), and a lone instance column takes whatever width there is.
fn layout(rows: &[[String; 6]], width: usize) -> Vec<(usize, usize)> {
    let mut w: [usize; 6] = std::array::from_fn(|c| {
        rows.iter()
            .map(|r| display_width(&r[c]))
            .chain([HEADERS[c].len()])
            .max()
            .unwrap_or(0)
    });
    let mut shown: Vec<usize> = (0..6).collect();
    let total = |shown: &[usize], w: &[usize; 6]| {
        shown.iter().map(|&c| w[c]).sum::<usize>() + GAP * shown.len().saturating_sub(1)
    };
    let mut dropped = DROP.iter();
    while total(&shown, &w) > width {
        let widest = SHRINK
            .iter()
            .enumerate()
            .filter(|(_, &c)| shown.contains(&c) && w[c] > MIN_WIDTH[c])
            .max_by_key(|&(rank, &c)| (w[c], std::cmp::Reverse(rank)));
        if let Some((_, &c)) = widest {
            w[c] -= 1;
            continue;
        }
        if w[INSTANCE] > MIN_WIDTH[INSTANCE] {
            w[INSTANCE] -= 1;
            continue;
        }
        match dropped.next() {
            Some(c) => shown.retain(|s| s != c),
            None => {
                w[INSTANCE] = width;
                break;
            }
        }
    }
    shown.into_iter().map(|c| (c, w[c])).collect()
}

/// One line of the table: each visible column's cell, cut or padded to its width.
fn line(cells: &[String; 6], columns: &[(usize, usize)]) -> String {
    let mut out = String::new();
    for (i, &(c, width)) in columns.iter().enumerate() {
        if i > 0 {
            out.push_str(&" ".repeat(GAP));
        }
        let last = i + 1 == columns.len();
        out.push_str(&cell(&cells[c], width, c == PORT || c == AGE, !last));
    }
    // Empty cells at the end leave no trailing blanks.
    out.truncate(out.trim_end_matches(' ').len());
    out
}

/// `text` made harmless, cut to `width` columns (the cut marked with `…`), and padded
/// to `width` if `pad` (on the left if `right`).
fn cell(text: &str, width: usize, right: bool, pad: bool) -> String {
    let text = harmless(text);
    let mut out = String::new();
    let mut used = 0;
    if display_width(&text) <= width {
        out.push_str(&text);
        used = display_width(&text);
    } else if width > 0 {
        for ch in text.chars() {
            let w = ch.width().unwrap_or(0);
            if used + w > width - 1 {
                break;
            }
            out.push(ch);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    if pad && used < width {
        let fill = " ".repeat(width - used);
        if right {
            out.insert_str(0, &fill);
        } else {
            out.push_str(&fill);
        }
    }
    out
}

/// Control characters (an escape sequence in a hostile instance name would drive the
/// terminal) and bidirectional overrides (which reorder what follows them on screen)
/// become U+FFFD.
fn harmless(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

fn display_width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

#[cfg(test)]
mod tests {
    use super::super::table::{Change, Resolution};
    use super::*;

    const HTTP: &str = "_http._tcp";

    fn table() -> Table {
        let mut t = Table::new();
        for (at, name) in [(0, "Kitchen"), (30, "Attic printer"), (100, "Büro")] {
            t.apply(
                Duration::from_secs(at),
                Change::Found {
                    instance: name.into(),
                    service_type: HTTP.into(),
                    interface: "eth0".into(),
                },
            );
        }
        t.apply(
            Duration::from_secs(1),
            Change::Resolved(Resolution {
                instance: "Kitchen".into(),
                service_type: HTTP.into(),
                host: "kitchen.local.".into(),
                port: 8080,
                addresses: vec!["10.0.0.2".into(), "fe80::1%eth0".into()],
                txt: vec!["path=/".into(), "color".into()],
            }),
        );
        t.apply(
            Duration::from_secs(31),
            Change::Resolved(Resolution {
                instance: "Attic printer".into(),
                service_type: HTTP.into(),
                host: "attic.local.".into(),
                port: 631,
                addresses: vec!["10.0.0.3".into()],
                txt: vec![],
            }),
        );
        t
    }

    fn frame(width: usize, height: usize) -> Frame<'static> {
        Frame {
            title: "mdns browse _http._tcp.local.",
            width,
            height,
            now: Duration::from_secs(3700),
        }
    }

    fn lines(width: usize, height: usize) -> Vec<String> {
        render(&table(), &frame(width, height))
    }

    #[test]
    fn a_wide_terminal_shows_every_column_at_its_natural_width() {
        assert_eq!(
            lines(100, 24),
            [
                "mdns browse _http._tcp.local.: 3 instances",
                "INSTANCE       HOST           ADDRESS                 PORT  AGE  TXT",
                "Attic printer  attic.local    10.0.0.3                 631   1h",
                "Büro                                                         1h",
                "Kitchen        kitchen.local  10.0.0.2, fe80::1%eth0  8080   1h  path=/ color",
            ]
        );
    }

    #[test]
    fn a_narrower_terminal_cuts_the_widest_column_first() {
        assert_eq!(
            lines(60, 24)[1..],
            [
                "INSTANCE       HOST        ADDRESS     PORT  AGE  TXT",
                "Attic printer  attic.loc…  10.0.0.3     631   1h",
                "Büro                                          1h",
                "Kitchen        kitchen.l…  10.0.0.2,…  8080   1h  path=/ co…",
            ]
        );
    }

    #[test]
    fn a_narrow_terminal_drops_columns_txt_first_and_keeps_the_instance() {
        assert_eq!(
            lines(40, 24),
            [
                "mdns browse _http._tcp.local.: 3 instan…",
                "INSTANCE  HOST      ADDRESS   PORT  AGE",
                "Attic p…  attic.l…  10.0.0.3   631  1h",
                "Büro                                1h",
                "Kitchen   kitchen…  10.0.0.…  8080  1h",
            ]
        );
        assert_eq!(
            lines(20, 24),
            [
                "mdns browse _http._…",
                "INSTANCE  HOST",
                "Attic p…  attic.l…",
                "Büro",
                "Kitchen   kitchen…",
            ]
        );
        assert_eq!(lines(5, 24)[2], "Atti…");
    }

    #[test]
    fn rows_beyond_the_height_are_counted_and_the_warning_keeps_its_line() {
        assert_eq!(
            lines(60, 4)[2..],
            [
                "Attic printer  attic.loc…  10.0.0.3     631   1h",
                "... 2 more"
            ]
        );
        let mut t = table();
        t.apply(
            Duration::ZERO,
            Change::Warning("no answer from 192.0.2.53".into()),
        );
        let l = render(&t, &frame(60, 5));
        assert_eq!(l.len(), 5);
        assert_eq!(l[3], "... 2 more");
        assert_eq!(l[4], "! no answer from 192.0.2.53");
    }

    #[test]
    fn no_line_is_wider_than_the_terminal_or_more_lines_than_it_has() {
        let mut t = table();
        t.apply(
            Duration::ZERO,
            Change::Found {
                instance: "会議室のプリンター 二階".into(),
                service_type: HTTP.into(),
                interface: "eth0".into(),
            },
        );
        for width in 0..=120 {
            for height in [0, 1, 2, 3, 4, 6, 24] {
                let l = render(&t, &frame(width, height));
                assert!(l.len() <= height, "{width}x{height}: {l:?}");
                for line in &l {
                    assert!(display_width(line) <= width, "{width}x{height}: {line:?}");
                }
            }
        }
    }

    #[test]
    fn wide_characters_are_cut_on_their_boundary() {
        // Each ideograph takes two columns: five columns hold two of them and the
        // ellipsis, and a blank pads the odd column.
        assert_eq!(cell("会議室のプリンター", 6, false, true), "会議… ");
        assert_eq!(cell("会議室", 6, false, true), "会議室");
        assert_eq!(cell("abc", 1, false, true), "…");
        assert_eq!(cell("abc", 0, false, true), "");
        assert_eq!(cell("42", 4, true, true), "  42");
    }

    #[test]
    fn control_characters_and_bidi_overrides_cannot_reach_the_terminal() {
        let hostile = "evil\u{1b}[2J\u{7}\u{202e}gnp.exe\u{9b}31m";
        assert_eq!(
            harmless(hostile),
            "evil\u{fffd}[2J\u{fffd}\u{fffd}gnp.exe\u{fffd}31m"
        );
        let mut t = Table::new();
        t.apply(
            Duration::ZERO,
            Change::Found {
                instance: hostile.into(),
                service_type: HTTP.into(),
                interface: "eth0".into(),
            },
        );
        for line in render(&t, &frame(80, 24)) {
            assert!(!line.chars().any(char::is_control), "{line:?}");
        }
    }

    #[test]
    fn ages_are_in_one_unit() {
        let cases = [
            (0, "0s"),
            (59, "59s"),
            (60, "1m"),
            (3599, "59m"),
            (3600, "1h"),
        ];
        for (secs, text) in cases {
            assert_eq!(age(Duration::from_secs(secs)), text);
        }
        assert_eq!(age(Duration::from_secs(86_400 * 3 + 5)), "3d");
    }
}
