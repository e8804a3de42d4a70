//! Real DNS servers for the tests: BIND 9 (`named`) and Knot DNS (`knotd`), each with a
//! generated zone, a TSIG key and an update policy, in a temporary directory, stopped by
//! PID when dropped (no system service touched). [`start`] runs one on 127.0.0.1 on a
//! free high port of this namespace (for the unicast client's own tests, which send
//! nothing multicast); [`start_in`] runs one inside a [`Netns`] on 127.0.0.1 port 53
//! (for tests that run the `mdns` command, which must never run in the root
//! namespace). `dig` and `nsupdate` (Debian `dnsutils`) cross-check what the client did,
//! in the server's namespace.
//!
//! A test whose server or tools are missing prints `skipped: <test>: <why>` to the
//! process's stderr (not the captured output) and returns (`scripts/test-all.sh` counts
//! those lines). Install them with `bash scripts/dns-servers-setup.sh`.

use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::Netns;

/// The key every test server trusts for updates.
pub const KEY_NAME: &str = "update.key.";
/// Its secret (base64): test material only.
pub const KEY_SECRET: &str = "dGVzdC1rZXktZm9yLWRuc3NkLXVuaWNhc3QtdGVzdHMhIQ==";
/// A key the servers know but whose policy allows nothing.
pub const IDLE_KEY_NAME: &str = "idle.key.";
/// Its secret.
pub const IDLE_KEY_SECRET: &str = "aWRsZS1rZXktdGhhdC1tYXktbm90LXVwZGF0ZS1hbnl0aGluZw==";

impl Kind {
    /// The server's program.
    pub fn binary(self) -> &'static str {
        match self {
            Kind::Bind => "named",
            Kind::Knot => "knotd",
        }
    }
}

/// Which server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// BIND 9, `named`.
    Bind,
    /// Knot DNS, `knotd`.
    Knot,
}

/// A running server.
#[derive(Debug)]
pub struct Server {
    /// Which server.
    pub kind: Kind,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its zone (`<test>.test.`), absolute.
    pub zone: String,
    /// Its temporary directory (configuration, zone file, log).
    pub dir: PathBuf,
    /// The namespace it runs in (`None`: this process's).
    netns: Option<String>,
    child: Child,
}

fn which(bin: &str) -> bool {
    [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ]
    .iter()
    .any(|d| Path::new(d).join(bin).exists())
}

/// True if the server and the tools are installed; else prints the skip line.
fn installed(kind: Kind, test: &str) -> bool {
    for bin in [kind.binary(), "dig", "nsupdate"] {
        if !which(bin) {
            let line = format!(
                "skipped: {test}: `{bin}` is not installed (bash scripts/dns-servers-setup.sh)\n"
            );
            let _ = std::io::stderr().write_all(line.as_bytes());
            return false;
        }
    }
    true
}

/// A server on 127.0.0.1 on a free high port; `None` (after printing the skip line) if
/// this test cannot run here.
pub fn start(kind: Kind, test: &str) -> Option<Server> {
    if !installed(kind, test) {
        return None;
    }
    Some(
        Server::start(kind, test, None, free_port())
            .unwrap_or_else(|e| panic!("{test}: starting {kind:?}: {e}")),
    )
}

/// A server inside `ns` on 127.0.0.1 port 53 (the namespace's own loopback, which
/// [`Netns::new`] brings up); `None` (after printing the skip line) if this test
/// cannot run here.
pub fn start_in(ns: &Netns, kind: Kind, test: &str) -> Option<Server> {
    if !installed(kind, test) {
        return None;
    }
    Some(
        Server::start(kind, test, Some(ns.name().to_string()), 53)
            .unwrap_or_else(|e| panic!("{test}: starting {kind:?} in {}: {e}", ns.name())),
    )
}

static SEQ: AtomicU32 = AtomicU32::new(0);

/// A port free for UDP and TCP on 127.0.0.1 right now.
fn free_port() -> u16 {
    loop {
        let u = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = u.local_addr().unwrap().port();
        if port > 20000 && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl Server {
    fn start(kind: Kind, test: &str, netns: Option<String>, port: u16) -> Result<Server, String> {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "dnssd-unicast-{}-{}-{n}",
            std::process::id(),
            kind.binary()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        // A zone per test: names never collide between tests running at once.
        let zone = format!("{}.test.", test.replace('_', "-"));
        let zone = if zone.len() > 60 {
            format!("t{n}-{}.test.", std::process::id())
        } else {
            zone
        };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        std::fs::write(
            dir.join("zone.db"),
            format!(
                "$ORIGIN {zone}\n$TTL 60\n@ IN SOA ns.{zone} admin.{zone} 1 60 60 600 30\n\
                 @ IN NS ns.{zone}\nns IN A 127.0.0.1\n"
            ),
        )
        .map_err(|e| e.to_string())?;
        let d = dir.display();
        let child = match kind {
            Kind::Bind => {
                std::fs::write(
                    dir.join("named.conf"),
                    format!(
                        r#"options {{
    directory "{d}";
    pid-file "{d}/named.pid";
    session-keyfile "{d}/session.key";
    managed-keys-directory "{d}";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    notify no;
    allow-query {{ any; }};
}};
controls {{ }};
key "{KEY_NAME}" {{ algorithm hmac-sha256; secret "{KEY_SECRET}"; }};
key "{IDLE_KEY_NAME}" {{ algorithm hmac-sha256; secret "{IDLE_KEY_SECRET}"; }};
zone "{zone}" {{
    type primary;
    file "{d}/zone.db";
    update-policy {{ grant {KEY_NAME} zonesub ANY; }};
}};
"#
                    ),
                )
                .map_err(|e| e.to_string())?;
                command(&netns, "named")
                    .args(["-g", "-n", "1", "-c"])
                    .arg(dir.join("named.conf"))
                    .stdout(Stdio::null())
                    .stderr(
                        std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?,
                    )
                    .spawn()
                    .map_err(|e| e.to_string())?
            }
            Kind::Knot => {
                std::fs::write(
                    dir.join("knot.conf"),
                    format!(
                        r#"server:
    rundir: "{d}"
    listen: 127.0.0.1@{port}
    background-workers: 1
    udp-workers: 1
    tcp-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: "{d}"
control:
    listen: "{d}/knot.sock"
key:
  - id: {KEY_NAME}
    algorithm: hmac-sha256
    secret: {KEY_SECRET}
  - id: {IDLE_KEY_NAME}
    algorithm: hmac-sha256
    secret: {IDLE_KEY_SECRET}
acl:
  - id: update_acl
    key: {KEY_NAME}
    action: update
  - id: idle_acl
    key: {IDLE_KEY_NAME}
    action: update
    update-type: [AAAA]
template:
  - id: default
    storage: "{d}"
    file: "{d}/zone.db"
zone:
  - domain: {zone}
    acl: [update_acl, idle_acl]
"#
                    ),
                )
                .map_err(|e| e.to_string())?;
                command(&netns, "knotd")
                    .arg("-c")
                    .arg(dir.join("knot.conf"))
                    .stdout(Stdio::null())
                    .stderr(
                        std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?,
                    )
                    .spawn()
                    .map_err(|e| e.to_string())?
            }
        };
        let mut s = Server {
            kind,
            addr,
            zone,
            dir,
            netns,
            child,
        };
        s.wait_ready()?;
        Ok(s)
    }

    /// Polls with `dig` until the zone's SOA comes back over UDP and over TCP (a
    /// server may answer on one before it listens on the other), 10 s at most.
    fn wait_ready(&mut self) -> Result<(), String> {
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{:?} exited with {status}: {}",
                    self.kind,
                    self.log()
                ));
            }
            let zone = self.zone.clone();
            if !self.dig(&zone, "SOA").trim().is_empty()
                && !self.dig_args(&["+tcp"], &zone, "SOA").trim().is_empty()
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "{:?} did not answer in 10 s: {}",
            self.kind,
            self.log()
        ))
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// The zone without its final dot (`x.test`), as a user types it.
    pub fn domain(&self) -> &str {
        self.zone.trim_end_matches('.')
    }

    /// `dig +short` output lines for `name`/`rtype`.
    pub fn dig(&self, name: &str, rtype: &str) -> String {
        self.dig_args(&[], name, rtype)
    }

    /// `dig +short` with more options (`+tcp`).
    pub fn dig_args(&self, extra: &[&str], name: &str, rtype: &str) -> String {
        let out = command(&self.netns, "dig")
            .args([
                "@127.0.0.1",
                "-p",
                &self.addr.port().to_string(),
                "+short",
                "+time=2",
                "+tries=2",
            ])
            .args(extra)
            .args([name, rtype])
            .output()
            .expect("dig");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Writes a BIND key file with the update key (or, with `secret`, that secret
    /// under the same name) in the server's directory, and returns its path.
    pub fn key_file(&self, secret: Option<&str>) -> PathBuf {
        let path = self.dir.join(if secret.is_some() {
            "wrong.key"
        } else {
            "update.key"
        });
        let secret = secret.unwrap_or(KEY_SECRET);
        std::fs::write(
            &path,
            format!(
                "key \"{KEY_NAME}\" {{\n\talgorithm hmac-sha256;\n\tsecret \"{secret}\";\n}};\n"
            ),
        )
        .expect("writing the key file");
        path
    }

    /// Runs `nsupdate` with the update key on `commands` (without `server`/`send`).
    pub fn nsupdate(&self, commands: &str) {
        let script = format!(
            "server 127.0.0.1 {}\nzone {}\n{commands}\nsend\n",
            self.addr.port(),
            self.zone
        );
        let mut child = command(&self.netns, "nsupdate")
            .args(["-y", &format!("hmac-sha256:{KEY_NAME}:{KEY_SECRET}")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nsupdate");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "nsupdate failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
    }
}

/// `program`, inside namespace `netns` if given (`ip netns exec`, which execs the
/// program: the child's PID is the program's).
fn command(netns: &Option<String>, program: &str) -> Command {
    match netns {
        None => Command::new(program),
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, program]);
            c
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Stopped by its PID, never by name.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let end = Instant::now() + Duration::from_secs(5);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                _ if Instant::now() > end => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
