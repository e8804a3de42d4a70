//! `mdns browse --live` on a real terminal, in a namespace LAN: on a pseudo-terminal
//! (made by util-linux's `script`), the table shows a service another host publishes,
//! with its host, port, addresses and TXT, drops it when that host's registration ends
//! (its goodbyes), and when the command ends the screen is restored and the last table
//! printed once. Piped, the same command prints lines, without an escape sequence.
//!
//! Each test makes its own LAN (`mdns_testnet::Lan`), runs `mdns` in its hosts with
//! `ip netns exec`, and stops them by PID. Without root a test prints a `skipped:`
//! line.
#![cfg(target_os = "linux")]

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use mdns_testnet::{Lan, Netns};

const MDNS: &str = env!("CARGO_BIN_EXE_mdns");
/// Longest wait for anything a test expects.
const WAIT: Duration = Duration::from_secs(15);
/// The terminal's switch to the alternate screen, and back.
const ENTER: &str = "\x1b[?1049h";
const LEAVE: &str = "\x1b[?1049l";

/// A process whose stdout is collected as it comes.
struct Watched {
    child: Child,
    chunks: Receiver<Vec<u8>>,
    out: String,
}

impl Watched {
    fn spawn(mut command: Command) -> Watched {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn");
        let mut stdout = child.stdout.take().unwrap();
        let (tx, chunks) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                let _ = tx.send(buf[..n].to_vec());
            }
        });
        Watched {
            child,
            chunks,
            out: String::new(),
        }
    }

    /// Waits until the output from byte `from` on contains `what`; returns where it
    /// ends.
    fn until(&mut self, from: usize, what: &str) -> usize {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(at) = self.out.get(from..).and_then(|s| s.find(what)) {
                return from + at + what.len();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(c) => self.out.push_str(&String::from_utf8_lossy(&c)),
                Err(_) => panic!("no {what:?} in {WAIT:?}; output:\n{:?}", self.out),
            }
        }
    }

    /// Waits for the end and returns the whole output and whether it exited with 0.
    fn finish(mut self) -> (String, bool) {
        let ok = self.child.wait().expect("wait").success();
        while let Ok(c) = self.chunks.recv_timeout(WAIT) {
            self.out.push_str(&String::from_utf8_lossy(&c));
        }
        (std::mem::take(&mut self.out), ok)
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn in_ns(ns: &Netns, args: &[&str]) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", ns.name()]).args(args);
    c
}

/// SIGINT to the `mdns` processes of a namespace (found by `ip netns pids`, named by
/// their /proc comm): the command ends as after Ctrl-C.
fn interrupt_mdns(ns: &Netns) {
    let pids = mdns_testnet::run(&["ip", "netns", "pids", ns.name()]);
    let mut sent = 0;
    for pid in pids.split_whitespace() {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "mdns" {
            mdns_testnet::run(&["kill", "-INT", pid]);
            sent += 1;
        }
    }
    assert!(sent > 0, "no mdns process in {}", ns.name());
}

/// `mdns register Kitchen` on host 1 (stopped by SIGINT: goodbyes).
fn publish(lan: &Lan) -> Watched {
    Watched::spawn(in_ns(
        lan.host(1),
        &[
            MDNS,
            "register",
            "Kitchen",
            "_http._tcp",
            "8080",
            "path=/",
            "--host",
            "kitchen",
        ],
    ))
}

#[test]
fn live_table_on_a_terminal_follows_a_service_and_restores_the_screen() {
    let test = "live_table_on_a_terminal_follows_a_service_and_restores_the_screen";
    if !mdns_testnet::capable(test) {
        return;
    }
    if Command::new("script").arg("--version").output().is_err() {
        // Straight to fd 2 in one write, like mdns_testnet::capable's skips.
        let line = format!("skipped: mdns-cli/live::{test}: needs util-linux `script`\n");
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        return;
    }
    let lan = Lan::new(2);
    let register = publish(&lan);
    let command = format!("{MDNS} browse _http._tcp --live");
    let mut live = Watched::spawn(in_ns(
        lan.host(2),
        &[
            "script",
            "--quiet",
            "--return",
            "--command",
            &command,
            "/dev/null",
        ],
    ));
    let entered = live.until(0, ENTER);
    // A frame with the resolved row: host, address, port, TXT.
    let row = live.until(entered, "Kitchen");
    for what in ["kitchen.local", "10.77.0.1", "8080", "path=/"] {
        live.until(row, what);
    }
    // The publisher goes: its goodbyes remove the row.
    interrupt_mdns(lan.host(1));
    let gone = live.until(row, ": 0 instances");
    interrupt_mdns(lan.host(2));
    let (out, ok) = live.finish();
    assert!(ok, "mdns browse --live did not exit with 0:\n{out:?}");
    let left = out[gone..].find(LEAVE).expect("the screen is restored") + gone;
    // After the screen is restored: the last table, plain text.
    let last = &out[left + LEAVE.len()..];
    assert!(
        !last.contains('\x1b'),
        "escape sequences after the end: {last:?}"
    );
    assert!(last.contains(": 0 instances"), "{last:?}");
    assert!(last.contains("INSTANCE"), "{last:?}");
    drop(register);
}

#[test]
fn live_when_piped_prints_lines() {
    if !mdns_testnet::capable("live_when_piped_prints_lines") {
        return;
    }
    let lan = Lan::new(2);
    let _register = publish(&lan);
    let mut piped = Watched::spawn(in_ns(
        lan.host(2),
        &[MDNS, "browse", "_http._tcp", "--live"],
    ));
    piped.until(0, "Kitchen");
    interrupt_mdns(lan.host(2));
    let (out, ok) = piped.finish();
    assert!(ok);
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("+ ") && l.contains("Kitchen")),
        "{out}"
    );
}
