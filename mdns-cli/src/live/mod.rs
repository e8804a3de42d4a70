//! `mdns browse --live`: a table of the instances a browse sees (instance, host,
//! address, port, age, TXT), redrawn in place as they come, change and go, like
//! avahi-discover's list. Only on a terminal: piped, redirected or with `--json`, the
//! browse prints lines as it does without the flag. When the command ends (Ctrl-C,
//! `--timeout`), the screen is restored and the last table is printed once.
//!
//! - `table`: the model, rows from browse changes (pure);
//! - `render`: the rows as lines of a given width and height (pure);
//! - `screen`: the terminal (crossterm);
//! - here: turning browse events into changes, and the loop that feeds the table and
//!   redraws it (on news, on a resize, and every second for the ages).

mod render;
mod screen;
mod table;

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mdns_blocking::{BrowseEvent, Browser, Error, InterfaceId, ResolvedService};

use render::Frame;
use table::{Change, Resolution, Table};

/// How long one wait for news lasts (signals and resizes are seen this often).
const SLICE: Duration = Duration::from_millis(100);
/// The table is redrawn at least this often, for the ages.
const REDRAW: Duration = Duration::from_secs(1);

/// True if `--live` can be honoured: asked for, no `--json`, and standard output is a
/// terminal.
pub fn wanted(live: bool, json: bool) -> bool {
    live && !json && screen::is_terminal()
}

/// Shows `browser`'s instances as a live table until `stop` is set, `deadline` passes
/// or the service ends. `title` heads the table; `interface_name` names the interfaces
/// events come from.
pub fn browse(
    browser: &Browser,
    title: &str,
    stop: &AtomicBool,
    deadline: Option<Instant>,
    mut interface_name: impl FnMut(InterfaceId) -> String,
) -> Result<(), String> {
    let start = Instant::now();
    let mut table = Table::new();
    let mut screen = screen::Screen::enter().map_err(|e| format!("terminal: {e}"))?;
    let mut drawn: Option<(Instant, (usize, usize))> = None;
    let result = loop {
        if stop.load(Ordering::Relaxed) || deadline.is_some_and(|d| Instant::now() >= d) {
            break Ok(());
        }
        let slice = deadline.map_or(SLICE, |d| {
            d.saturating_duration_since(Instant::now()).min(SLICE)
        });
        let mut news = false;
        match browser.recv_timeout(slice) {
            Ok(event) => {
                let mut next = Some(event);
                while let Some(event) = next {
                    if let Some(c) = change(event, &mut interface_name) {
                        table.apply(start.elapsed(), c);
                        news = true;
                    }
                    next = browser.try_recv();
                }
            }
            Err(Error::Timeout) => {}
            Err(Error::Shutdown) => break Ok(()),
            Err(e) => break Err(e.to_string()),
        }
        let size = screen::size();
        let due = drawn.is_none_or(|(at, s)| s != size || at.elapsed() >= REDRAW);
        if news || due {
            let lines = render::render(&table, &frame(title, size, start.elapsed()));
            screen.draw(&lines).map_err(|e| format!("terminal: {e}"))?;
            drawn = Some((Instant::now(), size));
        }
    };
    drop(screen);
    // What was on screen last, kept in the terminal's scrollback.
    let (width, _) = screen::size();
    let last = Frame {
        height: usize::MAX,
        ..frame(title, (width, 0), start.elapsed())
    };
    for line in render::render(&table, &last) {
        println!("{line}");
    }
    result
}

/// The frame for a terminal of `size`: one column is left free, so that no line ends
/// in the last column (where some terminals wrap, or erase the last character).
fn frame(title: &str, (cols, rows): (usize, usize), now: Duration) -> Frame<'_> {
    Frame {
        title,
        width: cols.saturating_sub(1),
        height: rows,
        now,
    }
}

/// A browse event as a change of the table (`None`: nothing to show).
fn change(
    event: BrowseEvent,
    interface_name: &mut impl FnMut(InterfaceId) -> String,
) -> Option<Change> {
    Some(match event {
        BrowseEvent::Found {
            instance,
            service_type,
            interface,
        } => Change::Found {
            instance: instance.as_str().to_string(),
            service_type: service_type.to_string(),
            interface: interface_name(interface),
        },
        BrowseEvent::Removed {
            instance,
            service_type,
            interface,
        } => Change::Removed {
            instance: instance.as_str().to_string(),
            service_type: service_type.to_string(),
            interface: interface_name(interface),
        },
        BrowseEvent::Resolved(s) | BrowseEvent::Updated(s) => {
            Change::Resolved(resolution(&s, interface_name))
        }
        BrowseEvent::ServerError(e) => Change::Warning(e.to_string()),
        _ => return None,
    })
}

/// A resolved service in printable form: IPv6 link-local addresses carry their
/// interface (`fe80::1%eth0`, what `connect` needs), each address once.
fn resolution(
    s: &ResolvedService,
    interface_name: &mut impl FnMut(InterfaceId) -> String,
) -> Resolution {
    let mut addresses: Vec<String> = Vec::new();
    for (ip, interface) in &s.addresses {
        let text = match ip {
            IpAddr::V6(v6) if v6.is_unicast_link_local() => {
                format!("{ip}%{}", interface_name(*interface))
            }
            _ => ip.to_string(),
        };
        if !addresses.contains(&text) {
            addresses.push(text);
        }
    }
    Resolution {
        instance: s.instance.as_str().to_string(),
        service_type: s.service_type.to_string(),
        host: s.host.to_string(),
        port: s.port,
        addresses,
        txt: s
            .txt
            .iter()
            .map(|e| match e.value() {
                Some(v) => format!("{}={}", e.key(), String::from_utf8_lossy(v)),
                None => e.key().to_string(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdns_blocking::{InstanceName, Name, ServiceType, Txt};

    fn names(id: InterfaceId) -> String {
        match id.0 {
            2 => "eth0".into(),
            3 => "wlan0".into(),
            n => n.to_string(),
        }
    }

    #[test]
    fn link_local_addresses_carry_their_interface_and_each_address_shows_once() {
        let s = ResolvedService {
            instance: InstanceName::new("Kitchen").unwrap(),
            service_type: ServiceType::new("_http._tcp").unwrap(),
            host: Name::parse("kitchen.local.").unwrap(),
            port: 8080,
            txt: Txt::builder()
                .entry("path", "/")
                .flag("color")
                .build()
                .unwrap(),
            addresses: vec![
                ("10.0.0.2".parse().unwrap(), InterfaceId(2)),
                ("10.0.0.2".parse().unwrap(), InterfaceId(3)),
                ("fd00::2".parse().unwrap(), InterfaceId(2)),
                ("fe80::2".parse().unwrap(), InterfaceId(2)),
                ("fe80::2".parse().unwrap(), InterfaceId(3)),
            ],
        };
        let r = resolution(&s, &mut names);
        assert_eq!(
            r.addresses,
            ["10.0.0.2", "fd00::2", "fe80::2%eth0", "fe80::2%wlan0"]
        );
        assert_eq!(r.txt, ["path=/", "color"]);
        assert_eq!(r.host, "kitchen.local.");
        assert_eq!((r.instance.as_str(), r.port), ("Kitchen", 8080));
    }

    #[test]
    fn browse_events_become_changes_with_interface_names() {
        let found = BrowseEvent::Found {
            instance: InstanceName::new("Kitchen").unwrap(),
            service_type: ServiceType::new("_http._tcp").unwrap(),
            interface: InterfaceId(3),
        };
        assert_eq!(
            change(found, &mut names),
            Some(Change::Found {
                instance: "Kitchen".into(),
                service_type: "_http._tcp".into(),
                interface: "wlan0".into(),
            })
        );
    }

    #[test]
    fn the_frame_leaves_the_last_column_free() {
        let f = frame("t", (80, 24), Duration::ZERO);
        assert_eq!((f.width, f.height), (79, 24));
        assert_eq!(frame("t", (0, 0), Duration::ZERO).width, 0);
    }
}
