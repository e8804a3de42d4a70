//! What the command prints: one JSON object per line (`--json`) or text in the style of
//! `avahi-browse` (`+` found, `-` removed, `=` resolved). Pure formatting of plain data;
//! no network code here.

use serde_json::{json, Map, Value};
use std::net::IpAddr;

/// The domain of multicast DNS.
pub const LOCAL: &str = "local.";

/// An address as users connect to it: an IPv6 link-local one with its zone, the name
/// of the interface it was learnt on (`fe80::1%eth0`), any other as it is.
pub fn scoped(addr: IpAddr, interface: &str) -> String {
    match addr {
        IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80 => format!("{a}%{interface}"),
        _ => addr.to_string(),
    }
}

/// A resolved service, in printable form.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// Instance label.
    pub name: String,
    /// Service type, `_http._tcp`.
    pub service_type: String,
    /// Its domain, `local.` or a DNS domain.
    pub domain: String,
    /// Host name, `box.local.`.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Addresses with the interface name they were learnt on, in the order to try
    /// them.
    pub addresses: Vec<(IpAddr, String)>,
    /// TXT entries: key and value (`None` for a boolean attribute).
    pub txt: Vec<(String, Option<Vec<u8>>)>,
}

/// A line of output.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// An instance (or type) appeared.
    Found {
        /// Instance label (or the type for `types`).
        name: String,
        /// Service type.
        service_type: String,
        /// Domain.
        domain: String,
        /// Interface name (`dns` for what a DNS server said).
        interface: String,
    },
    /// An instance went away.
    Removed {
        /// Instance label.
        name: String,
        /// Service type.
        service_type: String,
        /// Domain.
        domain: String,
        /// Interface name.
        interface: String,
    },
    /// An instance resolved (or changed).
    Resolved(Resolved),
    /// Our registration is published under `name`.
    Registered {
        /// Name it got.
        name: String,
        /// Service type.
        service_type: String,
        /// Domain.
        domain: String,
    },
    /// Our registration was renamed after a conflict.
    Renamed {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// A host address.
    Address {
        /// Host name.
        host: String,
        /// Address.
        addr: IpAddr,
        /// Name of the interface it was learnt on.
        interface: String,
    },
    /// The outcome of `resolve --reconfirm` (RFC 6762 §10.4).
    Reconfirmed {
        /// Instance label.
        name: String,
        /// Service type.
        service_type: String,
        /// It answered (else nothing did, and it was flushed).
        present: bool,
    },
    /// Our registration's TXT was replaced (`register --stdin`).
    TxtUpdated {
        /// Instance label.
        name: String,
        /// The new entries.
        txt: Vec<(String, Option<Vec<u8>>)>,
    },
    /// Our registration got (`added`) or lost a subtype (`register --stdin`).
    Subtype {
        /// Instance label.
        name: String,
        /// The subtype label (`_CM`).
        subtype: String,
        /// Added (else removed).
        added: bool,
    },
    /// A record received for `mdns query`.
    Record {
        /// Owner name.
        name: String,
        /// Type.
        rtype: String,
        /// TTL.
        ttl: u32,
        /// Data as text.
        data: String,
        /// Who sent it.
        source: String,
    },
    /// A browse or registration domain listed (RFC 6763 §11), or no longer.
    Domain {
        /// Listed (true) or no longer (false).
        found: bool,
        /// Which list: `browse`, `default browse`, `register`, `default register`,
        /// `automatic browse`.
        kind: String,
        /// The domain.
        domain: String,
    },
    /// Something the command goes on after (a DNS server that does not answer).
    Warning(String),
    /// An error.
    Error(String),
}

impl Line {
    /// The JSON object for `--json`.
    pub fn to_json(&self) -> Value {
        match self {
            Line::Found {
                name,
                service_type,
                domain,
                interface,
            } => json!({"event": "found", "name": name, "type": service_type,
                        "domain": domain, "interface": interface}),
            Line::Removed {
                name,
                service_type,
                domain,
                interface,
            } => json!({"event": "removed", "name": name, "type": service_type,
                        "domain": domain, "interface": interface}),
            Line::Resolved(r) => {
                let txt = txt_json(&r.txt);
                let addrs: Vec<String> = r.addresses.iter().map(|(a, i)| scoped(*a, i)).collect();
                json!({"event": "resolved", "name": r.name, "type": r.service_type,
                       "domain": r.domain, "host": r.host, "port": r.port,
                       "addresses": addrs, "txt": txt})
            }
            Line::Registered {
                name,
                service_type,
                domain,
            } => {
                json!({"event": "registered", "name": name, "type": service_type, "domain": domain})
            }
            Line::Renamed { from, to } => json!({"event": "renamed", "from": from, "to": to}),
            Line::Address {
                host,
                addr,
                interface,
            } => json!({"event": "address", "host": host, "address": scoped(*addr, interface),
                        "interface": interface}),
            Line::Reconfirmed {
                name,
                service_type,
                present,
            } => json!({"event": "reconfirmed", "name": name, "type": service_type,
                        "domain": LOCAL, "present": present}),
            Line::TxtUpdated { name, txt } => {
                json!({"event": "txt-updated", "name": name, "txt": txt_json(txt)})
            }
            Line::Subtype {
                name,
                subtype,
                added,
            } => json!({"event": if *added { "subtype-added" } else { "subtype-removed" },
                        "name": name, "subtype": subtype}),
            Line::Record {
                name,
                rtype,
                ttl,
                data,
                source,
            } => json!({"event": "record", "name": name, "type": rtype, "ttl": ttl,
                        "data": data, "source": source}),
            Line::Domain {
                found,
                kind,
                domain,
            } => json!({"event": if *found { "domain-found" } else { "domain-removed" },
                        "kind": kind, "domain": domain}),
            Line::Warning(message) => json!({"event": "warning", "message": message}),
            Line::Error(message) => json!({"event": "error", "message": message}),
        }
    }

    /// The text form.
    pub fn to_text(&self) -> String {
        match self {
            Line::Found {
                name,
                service_type,
                domain,
                interface,
            } => format!("+ {interface:<8} {name:<32} {service_type:<20} {domain}"),
            Line::Removed {
                name,
                service_type,
                domain,
                interface,
            } => format!("- {interface:<8} {name:<32} {service_type:<20} {domain}"),
            Line::Resolved(r) => {
                let ifaces: Vec<&str> = r.addresses.iter().map(|(_, i)| i.as_str()).collect();
                let iface = ifaces.first().copied().unwrap_or("-");
                let addrs: Vec<String> = r.addresses.iter().map(|(a, i)| scoped(*a, i)).collect();
                let txt = txt_text(&r.txt);
                format!(
                    "= {iface:<8} {:<32} {:<20} {}\n   hostname = [{}]\n   address = [{}]\n   port = [{}]\n   txt = [{}]",
                    r.name,
                    r.service_type,
                    r.domain,
                    r.host,
                    addrs.join(", "),
                    r.port,
                    txt
                )
            }
            Line::Registered {
                name,
                service_type,
                domain,
            } => format!("Registered \"{name}\" {service_type}.{domain}"),
            Line::Renamed { from, to } => {
                format!("Renamed \"{from}\" to \"{to}\" after a name conflict")
            }
            Line::Address {
                host,
                addr,
                interface,
            } => format!("{host}\t{}\t{interface}", scoped(*addr, interface)),
            Line::Reconfirmed {
                name,
                service_type,
                present,
            } => format!(
                "Reconfirmed \"{name}\" {service_type}.{LOCAL}: {}",
                if *present {
                    "present"
                } else {
                    "gone (no answer; flushed)"
                }
            ),
            Line::TxtUpdated { name, txt } => {
                format!("Updated the TXT of \"{name}\": [{}]", txt_text(txt))
            }
            Line::Subtype {
                name,
                subtype,
                added,
            } => format!(
                "{} subtype {subtype} of \"{name}\"",
                if *added { "Added" } else { "Removed" }
            ),
            Line::Record {
                name,
                rtype,
                ttl,
                data,
                source,
            } => format!("{name}\t{ttl}\tIN\t{rtype}\t{data}\t; from {source}"),
            Line::Domain {
                found,
                kind,
                domain,
            } => format!("{} {kind:<17} {domain}", if *found { '+' } else { '-' }),
            Line::Warning(message) => format!("mdns: {message}"),
            Line::Error(message) => format!("mdns: {message}"),
        }
    }
}

/// TXT entries as a JSON object: a flag (no `=`) is `true`.
fn txt_json(txt: &[(String, Option<Vec<u8>>)]) -> Value {
    let mut m = Map::new();
    for (k, v) in txt {
        let value = match v {
            None => Value::Bool(true),
            Some(bytes) => Value::String(String::from_utf8_lossy(bytes).into_owned()),
        };
        m.insert(k.clone(), value);
    }
    Value::Object(m)
}

/// TXT entries as avahi-browse prints them: `"k=v" "flag"`.
fn txt_text(txt: &[(String, Option<Vec<u8>>)]) -> String {
    txt.iter()
        .map(|(k, v)| match v {
            None => format!("\"{k}\""),
            Some(v) => format!("\"{k}={}\"", String::from_utf8_lossy(v)),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Prints lines in the chosen format, flushing after each.
pub struct Printer {
    json: bool,
}

impl Printer {
    /// A printer for `--json` or text.
    pub fn new(json: bool) -> Self {
        Printer { json }
    }

    /// Prints one line (errors to stderr in text mode, to stdout as JSON).
    pub fn print(&self, line: &Line) {
        use std::io::Write;
        let text = if self.json {
            line.to_json().to_string()
        } else {
            line.to_text()
        };
        if matches!(line, Line::Error(_) | Line::Warning(_)) && !self.json {
            eprintln!("{text}");
        } else {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
            let _ = out.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_have_the_documented_fields() {
        let found = Line::Found {
            name: "Kitchen".into(),
            service_type: "_http._tcp".into(),
            domain: LOCAL.into(),
            interface: "eth0".into(),
        };
        assert_eq!(
            found.to_json(),
            json!({"event":"found","name":"Kitchen","type":"_http._tcp","domain":"local.","interface":"eth0"})
        );
        let resolved = Line::Resolved(Resolved {
            name: "Kitchen".into(),
            service_type: "_http._tcp".into(),
            domain: LOCAL.into(),
            host: "box.local.".into(),
            port: 8080,
            addresses: vec![("10.0.0.1".parse().unwrap(), "eth0".into())],
            txt: vec![("path".into(), Some(b"/".to_vec())), ("flag".into(), None)],
        });
        assert_eq!(
            resolved.to_json(),
            json!({"event":"resolved","name":"Kitchen","type":"_http._tcp","domain":"local.",
                   "host":"box.local.","port":8080,"addresses":["10.0.0.1"],
                   "txt":{"path":"/","flag":true}})
        );
        assert_eq!(
            Line::Renamed {
                from: "A".into(),
                to: "A (2)".into()
            }
            .to_json(),
            json!({"event":"renamed","from":"A","to":"A (2)"})
        );
        assert_eq!(
            Line::Error("boom".into()).to_json(),
            json!({"event":"error","message":"boom"})
        );
        let unicast = Line::Found {
            name: "Web".into(),
            service_type: "_http._tcp".into(),
            domain: "example.com.".into(),
            interface: "dns".into(),
        };
        assert_eq!(
            unicast.to_json(),
            json!({"event":"found","name":"Web","type":"_http._tcp","domain":"example.com.","interface":"dns"})
        );
        assert_eq!(
            Line::Domain {
                found: true,
                kind: "browse".into(),
                domain: "sub.example.com.".into()
            }
            .to_json(),
            json!({"event":"domain-found","kind":"browse","domain":"sub.example.com."})
        );
        assert_eq!(
            Line::Warning("no answer".into()).to_json(),
            json!({"event":"warning","message":"no answer"})
        );
    }

    #[test]
    fn link_local_ipv6_addresses_carry_their_zone() {
        assert_eq!(scoped("fe80::1".parse().unwrap(), "eth0"), "fe80::1%eth0");
        assert_eq!(scoped("fd00::1".parse().unwrap(), "eth0"), "fd00::1");
        assert_eq!(scoped("10.0.0.1".parse().unwrap(), "eth0"), "10.0.0.1");
        let line = Line::Address {
            host: "box.local.".into(),
            addr: "fe80::2".parse().unwrap(),
            interface: "wlan0".into(),
        };
        assert_eq!(line.to_text(), "box.local.\tfe80::2%wlan0\twlan0");
        assert_eq!(line.to_json()["address"], "fe80::2%wlan0");
        let resolved = Line::Resolved(Resolved {
            name: "K".into(),
            service_type: "_http._tcp".into(),
            host: "box.local.".into(),
            domain: LOCAL.into(),
            port: 80,
            addresses: vec![
                ("10.0.0.2".parse().unwrap(), "eth0".into()),
                ("fe80::2".parse().unwrap(), "eth0".into()),
            ],
            txt: vec![],
        });
        assert!(resolved
            .to_text()
            .contains("address = [10.0.0.2, fe80::2%eth0]"));
        assert_eq!(
            resolved.to_json()["addresses"],
            json!(["10.0.0.2", "fe80::2%eth0"])
        );
    }

    #[test]
    fn text_looks_like_avahi_browse() {
        let line = Line::Removed {
            name: "Kitchen".into(),
            service_type: "_http._tcp".into(),
            domain: LOCAL.into(),
            interface: "eth0".into(),
        };
        assert!(line.to_text().starts_with("- eth0     Kitchen"));
        assert!(line.to_text().ends_with("local."));
    }
}
