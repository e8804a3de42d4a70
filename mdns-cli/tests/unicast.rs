//! The `mdns` command against real DNS servers, BIND 9 and Knot DNS, cross-checked with
//! their own tools (`dig`, `nsupdate`): what `mdns register --domain` publishes is in
//! the zone and gone after SIGTERM, its lease is refreshed; what `nsupdate` adds is
//! browsed, resolved and looked up; a taken name renames; a wrong key is refused with
//! the server's reason, naming the key and never showing its secret; `mdns domains`
//! lists the zone's enumeration records; a silent server is said.
//!
//! Each test makes a network namespace (the command opens mDNS sockets, which never
//! run in the root namespace), starts the server inside it on 127.0.0.1 port 53 in a
//! temporary directory (`mdns_testnet::dns`), runs `mdns` there with
//! `ip netns exec`, and stops everything by PID. Without root, or without the servers
//! (`bash scripts/dns-servers-setup.sh`), a test prints a `skipped:` line.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use mdns_testnet::dns::{self, Kind, Server, KEY_NAME, KEY_SECRET};
use mdns_testnet::Netns;
use serde_json::Value;

const MDNS: &str = env!("CARGO_BIN_EXE_mdns");
/// Longest wait for anything a test expects.
const WAIT: Duration = Duration::from_secs(15);

/// A namespace with a veth pair of its own (`d0` 192.0.2.10/24 and its peer `d1`; no
/// dummy driver in the CI kernel), so the command has a host address to publish, and a
/// server in it.
fn lab(kind: Kind, test: &str) -> Option<(Netns, Server)> {
    if !mdns_testnet::capable(test) {
        return None;
    }
    let ns = Netns::new("dns");
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&["link", "set", "d1", "up"]);
    ns.ip(&["link", "set", "d0", "multicast", "on", "up"]);
    ns.ip(&["addr", "add", "192.0.2.10/24", "dev", "d0"]);
    let s = dns::start_in(&ns, kind, test)?;
    Some((ns, s))
}

/// A running `mdns` in a namespace: its JSON lines as they come, its stderr.
struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    stderr: Receiver<String>,
}

impl Running {
    fn spawn(ns: &Netns, args: &[&str]) -> Running {
        let mut child = Command::new("ip")
            .args(["netns", "exec", ns.name(), MDNS])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ip netns exec mdns");
        let (tx, lines) = channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        let (etx, stderr) = channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = etx.send(l);
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
            stderr,
        }
    }

    /// Reads lines until one satisfies `want` (returned), or panics after WAIT with
    /// everything it printed.
    fn until(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        let end = Instant::now() + WAIT;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    let v: Value =
                        serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
                    if want(&v) {
                        return v;
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "no {what} within {WAIT:?}; stdout: {:?}; stderr: {:?}",
                        self.seen,
                        self.stderr.try_iter().collect::<Vec<_>>()
                    )
                }
            }
        }
    }

    /// SIGTERM by PID (`ip netns exec` execs the command: the child is `mdns`), then
    /// its exit status and the rest of its output.
    fn terminate(&mut self) -> (ExitStatus, Vec<String>) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        self.finish()
    }

    /// Waits (WAIT at most) for it to exit by itself.
    fn finish(&mut self) -> (ExitStatus, Vec<String>) {
        let end = Instant::now() + WAIT;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(50));
                let mut rest: Vec<String> = self.lines.try_iter().collect();
                rest.extend(self.stderr.try_iter());
                return (st, rest);
            }
            assert!(Instant::now() < end, "mdns did not exit within {WAIT:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a command to its end (one-shot commands end by themselves); (status, stdout,
/// stderr).
fn run(ns: &Netns, args: &[&str]) -> (ExitStatus, String, String) {
    let out = Command::new("ip")
        .args(["netns", "exec", ns.name(), MDNS])
        .args(args)
        .output()
        .expect("ip netns exec mdns");
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn unicast_args<'a>(s: &'a Server, key: Option<&'a str>) -> Vec<&'a str> {
    let mut v = vec!["--domain", s.domain(), "--server", "127.0.0.1"];
    if let Some(k) = key {
        v.extend(["--tsig-key", k]);
    }
    v
}

fn rfc2136_register_publishes_refreshes_and_deletes_on_sigterm(kind: Kind, test: &str) {
    let Some((ns, s)) = lab(kind, test) else {
        return;
    };
    let z = s.zone.clone();
    let key = s.key_file(None);
    let key = key.to_str().unwrap();
    let mut args = vec!["register", "Web Server", "_http._tcp", "8080", "path=/x"];
    args.extend(unicast_args(&s, Some(key)));
    args.extend(["--lease", "2", "--json"]);
    let mut m = Running::spawn(&ns, &args);
    let reg = m.until("registered", |v| v["event"] == "registered");
    assert_eq!(reg["name"], "Web Server");
    assert_eq!(reg["domain"], z.as_str());
    // The servers' own tools see it. Knot keeps names in rdata in lower case.
    let ptr = s.dig(&format!("_http._tcp.{z}"), "PTR").to_lowercase();
    assert!(
        ptr.contains(&format!("web\\032server._http._tcp.{z}")),
        "{ptr}"
    );
    let srv = s.dig(&format!("Web\\032Server._http._tcp.{z}"), "SRV");
    let fields: Vec<&str> = srv.split_whitespace().collect();
    assert_eq!(fields[..3], ["0", "0", "8080"], "{srv}");
    let target = fields[3];
    assert!(
        target.to_lowercase().ends_with(&format!("-mdns.{z}")),
        "the default host is <host>-mdns.<zone>: {target}"
    );
    assert_eq!(s.dig(target, "A").trim(), "192.0.2.10");
    assert_eq!(
        s.dig(&format!("Web\\032Server._http._tcp.{z}"), "TXT")
            .trim(),
        "\"path=/x\""
    );
    // The lease (2 s) is refreshed at 80 %: the server logs another update of the
    // zone signed with our key.
    let updates = |log: &str| {
        log.lines()
            .filter(|l| match kind {
                Kind::Bind => {
                    l.contains(&format!("/key {}", KEY_NAME.trim_end_matches('.')))
                        && l.contains("updating zone")
                }
                Kind::Knot => l.contains("DDNS") && l.contains("processing"),
            })
            .count()
    };
    let before = updates(&s.log());
    assert!(before >= 1, "{}", s.log());
    let end = Instant::now() + WAIT;
    while updates(&s.log()) <= before {
        assert!(
            Instant::now() < end,
            "no lease refresh in {WAIT:?}: {}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (st, rest) = m.terminate();
    assert!(st.success(), "{st:?} {rest:?}");
    assert_eq!(s.dig(&format!("_http._tcp.{z}"), "PTR").trim(), "");
    assert_eq!(
        s.dig(&format!("Web\\032Server._http._tcp.{z}"), "SRV")
            .trim(),
        ""
    );
    assert_eq!(s.dig(target, "A").trim(), "");
    let all = format!("{:?}{rest:?}", m.seen);
    assert!(!all.contains(KEY_SECRET), "the secret was printed: {all}");
}

fn rfc6763_4_a_service_added_with_nsupdate_is_browsed_resolved_and_looked_up(
    kind: Kind,
    test: &str,
) {
    let Some((ns, s)) = lab(kind, test) else {
        return;
    };
    let z = s.zone.clone();
    s.nsupdate(&format!(
        "update add _ipp._tcp.{z} 60 PTR Office\\032Printer._ipp._tcp.{z}\n\
         update add Office\\032Printer._ipp._tcp.{z} 60 SRV 0 0 631 printer.{z}\n\
         update add Office\\032Printer._ipp._tcp.{z} 60 TXT \"rp=queue\" \"color=T\"\n\
         update add printer.{z} 60 A 192.0.2.7\n\
         update add printer.{z} 60 AAAA 2001:db8::7"
    ));
    let mut args = vec!["browse", "_ipp._tcp", "--resolve", "--json"];
    args.extend(unicast_args(&s, None));
    let mut m = Running::spawn(&ns, &args);
    let found = m.until("found", |v| v["event"] == "found");
    // Knot keeps names in rdata (the PTR's) in lower case.
    assert_eq!(
        found["name"].as_str().unwrap().to_lowercase(),
        "office printer"
    );
    assert_eq!(found["type"], "_ipp._tcp");
    assert_eq!(found["domain"], z.as_str());
    assert_eq!(found["interface"], "dns");
    let r = m.until("resolved", |v| v["event"] == "resolved");
    assert_eq!(r["port"], 631);
    assert_eq!(
        r["host"].as_str().unwrap().to_lowercase(),
        format!("printer.{z}")
    );
    assert_eq!(
        r["addresses"],
        serde_json::json!(["192.0.2.7", "2001:db8::7"])
    );
    assert_eq!(r["txt"], serde_json::json!({"rp": "queue", "color": "T"}));
    // Deleted from the zone: removed (the browse asks again within a minute at most;
    // BIND's and Knot's TTL of 60 s bounds it).
    drop(m);

    let mut args = vec!["resolve", "Office Printer", "_ipp._tcp", "--json"];
    args.extend(unicast_args(&s, None));
    let (st, out, err) = run(&ns, &args);
    assert!(st.success(), "{out}{err}");
    let v: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(v["event"], "resolved");
    assert_eq!(v["port"], 631);

    let mut args = vec!["lookup", "printer"];
    args.extend(unicast_args(&s, None));
    let (st, out, err) = run(&ns, &args);
    assert!(st.success(), "{out}{err}");
    assert!(
        out.contains("192.0.2.7") && out.contains("2001:db8::7"),
        "{out}"
    );

    // An instance the zone does not have: said at once, exit 1.
    let mut args = vec!["resolve", "Nobody", "_ipp._tcp"];
    args.extend(unicast_args(&s, None));
    let (st, out, err) = run(&ns, &args);
    assert_eq!(st.code(), Some(1), "{out}{err}");
    assert!(err.contains("the zone has no SRV record"), "{err}");
}

fn rfc2136_2_4_5_a_name_taken_in_the_zone_renames(kind: Kind, test: &str) {
    let Some((ns, s)) = lab(kind, test) else {
        return;
    };
    let z = s.zone.clone();
    s.nsupdate(&format!(
        "update add _http._tcp.{z} 60 PTR Web._http._tcp.{z}\n\
         update add Web._http._tcp.{z} 60 SRV 0 0 80 other.{z}\n\
         update add Web._http._tcp.{z} 60 TXT \"\""
    ));
    let key = s.key_file(None);
    let mut args = vec!["register", "Web", "_http._tcp", "9090", "--json"];
    args.extend(unicast_args(&s, Some(key.to_str().unwrap())));
    let mut m = Running::spawn(&ns, &args);
    let renamed = m.until("renamed", |v| v["event"] == "renamed");
    assert_eq!(renamed["from"], "Web");
    assert_eq!(renamed["to"], "Web (2)");
    let reg = m.until("registered", |v| v["event"] == "registered");
    assert_eq!(reg["name"], "Web (2)");
    assert_eq!(
        s.dig(&format!("Web\\032(2)._http._tcp.{z}"), "SRV")
            .split_whitespace()
            .nth(2),
        Some("9090")
    );
    // The other publisher's records are untouched.
    assert_eq!(
        s.dig(&format!("Web._http._tcp.{z}"), "SRV")
            .trim()
            .to_lowercase(),
        format!("0 0 80 other.{z}")
    );
    let (st, _) = m.terminate();
    assert!(st.success());
}

fn rfc8945_5_3_2_a_wrong_key_is_refused_naming_the_key_never_its_secret(kind: Kind, test: &str) {
    let Some((ns, s)) = lab(kind, test) else {
        return;
    };
    let wrong_secret = "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE=";
    let key = s.key_file(Some(wrong_secret));
    for json in [false, true] {
        let mut args = vec!["register", "Denied", "_http._tcp", "80"];
        args.extend(unicast_args(&s, Some(key.to_str().unwrap())));
        if json {
            args.push("--json");
        }
        let (st, out, err) = run(&ns, &args);
        assert_eq!(st.code(), Some(1), "{out}{err}");
        let said = if json { &out } else { &err };
        assert!(
            said.contains("the server rejected the signature (BADSIG)") && said.contains(KEY_NAME),
            "{kind:?}: {said}"
        );
        assert!(
            !out.contains(wrong_secret) && !err.contains(wrong_secret),
            "the secret was printed: {out}{err}"
        );
    }
    assert_eq!(
        s.dig(&format!("Denied._http._tcp.{}", s.zone), "SRV")
            .trim(),
        ""
    );
}

fn rfc6763_11_domains_lists_the_zone_s_enumeration_records(kind: Kind, test: &str) {
    let Some((ns, s)) = lab(kind, test) else {
        return;
    };
    let z = s.zone.clone();
    s.nsupdate(&format!(
        "update add b._dns-sd._udp.{z} 60 PTR {z}\n\
         update add b._dns-sd._udp.{z} 60 PTR lab.{z}\n\
         update add db._dns-sd._udp.{z} 60 PTR {z}\n\
         update add r._dns-sd._udp.{z} 60 PTR lab.{z}\n\
         update add dr._dns-sd._udp.{z} 60 PTR lab.{z}\n\
         update add lb._dns-sd._udp.{z} 60 PTR {z}"
    ));
    let mut args = vec!["domains", "--json", "--timeout", "3"];
    args.extend(unicast_args(&s, None));
    let (st, out, err) = run(&ns, &args);
    assert!(st.success(), "{out}{err}");
    let mut got: Vec<(String, String)> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["event"] == "domain-found")
        .map(|v| {
            (
                v["kind"].as_str().unwrap().to_string(),
                v["domain"].as_str().unwrap().to_lowercase(),
            )
        })
        .collect();
    got.sort();
    let lab = format!("lab.{z}");
    let mut want = vec![
        ("browse".to_string(), z.clone()),
        ("browse".to_string(), lab.clone()),
        ("default browse".to_string(), z.clone()),
        ("register".to_string(), lab.clone()),
        ("default register".to_string(), lab),
        ("automatic browse".to_string(), z),
    ];
    want.sort();
    assert_eq!(got, want, "{out}{err}");
}

/// A server that does not answer: the browse says what it waits for, and goes on.
#[test]
fn a_silent_server_is_said_and_waited_for() {
    let test = "a_silent_server_is_said_and_waited_for";
    if !mdns_testnet::capable(test) {
        return;
    }
    let ns = Netns::new("dns");
    let mut m = Running::spawn(
        &ns,
        &[
            "browse",
            "_http._tcp",
            "--domain",
            "silent.test",
            "--server",
            "127.0.0.1:5999",
            "--json",
        ],
    );
    let w = m.until("warning", |v| v["event"] == "warning");
    let text = w["message"].as_str().unwrap();
    assert!(
        text.starts_with("_http._tcp.silent.test. PTR: no answer from 127.0.0.1:5999"),
        "{text}"
    );
    assert!(text.ends_with("still trying"), "{text}");
    assert!(m.child.try_wait().unwrap().is_none(), "still browsing");
}

macro_rules! both {
    ($($f:ident),* $(,)?) => {
        mod bind {
            $(#[test] fn $f() { super::$f(super::Kind::Bind, concat!("bind-", stringify!($f))) })*
        }
        mod knot {
            $(#[test] fn $f() { super::$f(super::Kind::Knot, concat!("knot-", stringify!($f))) })*
        }
    };
}

both!(
    rfc2136_register_publishes_refreshes_and_deletes_on_sigterm,
    rfc6763_4_a_service_added_with_nsupdate_is_browsed_resolved_and_looked_up,
    rfc2136_2_4_5_a_name_taken_in_the_zone_renames,
    rfc8945_5_3_2_a_wrong_key_is_refused_naming_the_key_never_its_secret,
    rfc6763_11_domains_lists_the_zone_s_enumeration_records,
);
