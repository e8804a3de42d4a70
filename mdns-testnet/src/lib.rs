//! Test-only helpers: throwaway Linux network namespaces wired into a private LAN, so
//! that socket tests (multicast, port 5353) never touch the host's own interfaces.
//!
//! - [`capable`]: whether this process may create namespaces (root + `ip`); prints a
//!   `skipped:` line naming the test when not, so a skip is never a silent pass.
//! - [`Netns`]: one named namespace (`ip netns add`), deleted on drop, also when the
//!   test panics. [`Netns::run_in`] runs a closure on a fresh thread that has entered
//!   the namespace (`setns(2)` affects only the calling thread) after checking that it
//!   really is in it and not in the process's original namespace; sockets opened there
//!   stay in that namespace whichever thread uses them later.
//! - [`Lan`]: a bridge in its own namespace plus N host namespaces, each with an `eth0`
//!   veth whose other end is a bridge port. The veth pairs are created inside the
//!   bridge namespace with the peer placed straight into the host namespace, so no
//!   interface ever exists in the root namespace (the recipe of the project's lab).
//!   Host i (from 1) has 10.77.0.i/24 and fd77::i/64, IPv6 DAD off.
//!
//! - [`dns`]: real DNS servers (BIND 9, Knot DNS) with a zone, a TSIG key and an update
//!   policy, in a temporary directory, on loopback in this namespace or in a [`Netns`],
//!   with `dig` and `nsupdate` to cross-check.
//!
//! Namespaces are named `mdnst<pid>x<n>…`; ones left by a killed test process (whose pid
//! is gone) are removed the next time a namespace is made.

use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

pub mod dns;

const PREFIX: &str = "mdnst";

/// True if namespace tests can run here (root, `ip` present). Otherwise prints
/// `skipped: <test binary>::<test>: <why>` on stderr and returns false;
/// `scripts/test-all.sh` collects those lines and counts them. `<test>` is the test
/// harness's name for the running test (its thread name) when there is one, else `test`.
pub fn capable(test: &str) -> bool {
    // SAFETY: plain getter.
    let root = unsafe { libc::geteuid() } == 0;
    let why = if !root {
        Some("needs root to create network namespaces".to_string())
    } else {
        match Command::new("ip").arg("-V").output() {
            Ok(o) if o.status.success() => None,
            _ => Some("needs iproute2 `ip`".to_string()),
        }
    };
    match why {
        None => true,
        Some(w) => {
            let thread = std::thread::current();
            let name = thread.name().filter(|n| *n != "main").unwrap_or(test);
            let bin = std::env::current_exe()
                .ok()
                .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .map(|s| s.rsplit_once('-').map_or(s.clone(), |(b, _)| b.to_string()))
                .unwrap_or_default();
            // `cargo test` says which package the binary belongs to.
            let bin = match std::env::var("CARGO_PKG_NAME") {
                Ok(pkg) => format!("{pkg}/{bin}"),
                Err(_) => bin,
            };
            // Straight to fd 2 (the test harness captures print!/eprint! of passing
            // tests, and a skip must be seen), in one write so that no other output
            // lands inside the line.
            let line = format!("skipped: {bin}::{name}: {w}\n");
            let _ = io::stderr().write_all(line.as_bytes());
            false
        }
    }
}

/// Runs a command, panicking with its output if it fails. Returns stdout.
pub fn run(cmd: &[&str]) -> String {
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    if !out.status.success() {
        panic!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A named network namespace, deleted on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Netns {
    /// Creates `mdnst<pid>x<n><tag>` with `lo` up.
    pub fn new(tag: &str) -> Netns {
        reap_stale();
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("{PREFIX}{}x{n}{tag}", std::process::id());
        run(&["ip", "netns", "add", &name]);
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `ip -n <name> ARGS…`.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut cmd = vec!["ip", "-n", &self.name];
        cmd.extend_from_slice(args);
        run(&cmd)
    }

    /// `ip netns exec <name> CMD…` (a child process inside the namespace).
    pub fn exec(&self, cmd: &[&str]) -> String {
        let mut c = vec!["ip", "netns", "exec", &self.name];
        c.extend_from_slice(cmd);
        run(&c)
    }

    /// Sets sysctls inside the namespace.
    pub fn sysctl(&self, settings: &[&str]) {
        let mut c = vec!["sysctl", "-qw"];
        c.extend_from_slice(settings);
        self.exec(&c);
    }

    /// Runs `f` on a new thread that has entered this namespace, and returns its result.
    /// Panics (before running `f`) if the thread did not end up in this namespace.
    pub fn run_in<R: Send, F: FnOnce() -> R + Send>(&self, f: F) -> R {
        let path = format!("/var/run/netns/{}", self.name);
        std::thread::scope(|s| {
            s.spawn(|| {
                let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
                // SAFETY: a valid namespace fd; affects only this thread.
                let r = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
                assert_eq!(r, 0, "setns {path}: {}", io::Error::last_os_error());
                let want = std::fs::metadata(&path).unwrap().ino();
                let here = std::fs::metadata("/proc/thread-self/ns/net").unwrap().ino();
                let original = std::fs::metadata("/proc/self/ns/net").unwrap().ino();
                assert_eq!(here, want, "thread is not in namespace {}", self.name);
                assert_ne!(here, original, "refusing to run in the original namespace");
                f()
            })
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
        })
    }

    /// Index of interface `dev` in this namespace.
    pub fn ifindex(&self, dev: &str) -> u32 {
        let c = std::ffi::CString::new(dev).unwrap();
        // SAFETY: a valid C string; the lookup runs in the namespace's thread.
        let i = self.run_in(|| unsafe { libc::if_nametoindex(c.as_ptr()) });
        assert_ne!(i, 0, "no interface {dev} in {}", self.name);
        i
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// Deletes namespaces of this crate left by test processes that no longer exist.
fn reap_stale() {
    let Ok(dir) = std::fs::read_dir("/var/run/netns") else {
        return;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let Some(pid) = rest.split('x').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("ip").args(["netns", "del", &name]).output();
        }
    }
}

/// A bridged LAN of host namespaces. See the crate docs.
#[derive(Debug)]
pub struct Lan {
    /// Host namespaces; `hosts[0]` is host 1. Dropped before the bridge.
    pub hosts: Vec<Netns>,
    /// The namespace holding the bridge `br0`.
    pub bridge: Netns,
}

impl Lan {
    /// A bridge and `n` hosts, each with `eth0` up: 10.77.0.i/24, fd77::i/64 and a
    /// link-local address, all usable at once (no DAD).
    pub fn new(n: usize) -> Lan {
        let bridge = Netns::new("br");
        bridge.sysctl(&[
            "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1",
        ]);
        bridge.ip(&[
            "link",
            "add",
            "br0",
            "type",
            "bridge",
            "mcast_snooping",
            "0",
            "stp_state",
            "0",
            "forward_delay",
            "0",
        ]);
        bridge.ip(&["link", "set", "br0", "up"]);
        let mut lan = Lan {
            hosts: Vec::new(),
            bridge,
        };
        for i in 1..=n {
            let h = Netns::new(&format!("h{i}"));
            h.sysctl(&[
                "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0",
                "net.ipv6.conf.default.accept_ra=0",
                "net.ipv6.conf.default.router_solicitations=0",
            ]);
            lan.hosts.push(h);
            lan.add_port(
                i,
                "eth0",
                &format!("10.77.0.{i}/24"),
                &format!("fd77::{i}/64"),
            );
        }
        lan
    }

    /// Host `i` (from 1).
    pub fn host(&self, i: usize) -> &Netns {
        &self.hosts[i - 1]
    }

    fn port_name(i: usize, dev: &str) -> String {
        format!("h{i}{dev}")
    }

    /// Adds interface `dev` to host `i`: a veth into the bridge, up, with the given
    /// addresses (CIDR), and waits until its IPv6 link-local address exists.
    pub fn add_port(&self, i: usize, dev: &str, v4: &str, v6: &str) {
        let h = self.host(i);
        let port = Self::port_name(i, dev);
        assert!(port.len() <= 15, "interface name too long: {port}");
        self.bridge.ip(&[
            "link",
            "add",
            &port,
            "type",
            "veth",
            "peer",
            "name",
            dev,
            "netns",
            h.name(),
        ]);
        self.bridge.ip(&["link", "set", &port, "master", "br0"]);
        self.bridge.ip(&["link", "set", &port, "up"]);
        h.ip(&["link", "set", dev, "multicast", "on", "up"]);
        h.ip(&["addr", "add", v4, "dev", dev]);
        h.ip(&["-6", "addr", "add", v6, "dev", dev, "nodad"]);
        for _ in 0..100 {
            let out = h.ip(&["-6", "addr", "show", "dev", dev, "scope", "link"]);
            if out.contains("fe80") && !out.contains("tentative") {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("no usable link-local address on {dev} in {}", h.name());
    }

    /// Removes interface `dev` from host `i` (deletes the veth pair).
    pub fn del_port(&self, i: usize, dev: &str) {
        self.bridge.ip(&["link", "del", &Self::port_name(i, dev)]);
    }
}
