//! How interfaces are named in a configuration ([`InterfaceSelector`]: by name, by
//! index, or by a shell-style pattern) and the default policy's list of container and
//! virtual-machine plumbing ([`VIRTUAL_INTERFACES`]). Pure: matching is on the name and
//! index the OS reported; nothing here asks the OS anything.

use std::fmt;

/// Names interfaces in [`InterfaceConfig::only`](super::InterfaceConfig::only) and
/// [`InterfaceConfig::exclude`](super::InterfaceConfig::exclude).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InterfaceSelector {
    /// By exact name (`eth0`; on Windows the friendly name, `Ethernet`).
    Name(String),
    /// By OS index.
    Index(u32),
    /// By a shell-style pattern over the name: `*` matches any run of characters
    /// (none included), `?` any one character, anything else itself (`veth*`,
    /// `br-*`, `tun?`). Case-sensitive, as interface names are on Linux and BSD.
    Glob(String),
}

impl InterfaceSelector {
    /// Reads a selector as a user types it: digits only is an index, a name with `*`
    /// or `?` is a pattern, anything else a name.
    pub fn parse(text: &str) -> Self {
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(i) = text.parse() {
                return InterfaceSelector::Index(i);
            }
        }
        if text.contains(['*', '?']) {
            InterfaceSelector::Glob(text.to_string())
        } else {
            InterfaceSelector::Name(text.to_string())
        }
    }

    /// True if this selects the interface with index `index` and name `name`.
    pub fn matches(&self, index: u32, name: &str) -> bool {
        match self {
            InterfaceSelector::Name(n) => n == name,
            InterfaceSelector::Index(i) => *i == index,
            InterfaceSelector::Glob(p) => glob_match(p.as_bytes(), name.as_bytes()),
        }
    }
}

impl fmt::Display for InterfaceSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterfaceSelector::Name(n) | InterfaceSelector::Glob(n) => f.write_str(n),
            InterfaceSelector::Index(i) => write!(f, "{i}"),
        }
    }
}

impl std::str::FromStr for InterfaceSelector {
    type Err = std::convert::Infallible;
    /// As [`InterfaceSelector::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(InterfaceSelector::parse(s))
    }
}

/// Interfaces the default policy leaves out (see
/// [`InterfaceConfig::skip_virtual`](super::InterfaceConfig::skip_virtual)), as
/// patterns over the name: the plumbing of containers and virtual machines, and
/// Apple's peer-to-peer Wi-Fi links.
///
/// - `docker*` (Docker's default bridge), `br-*` (Docker's user-defined networks),
///   `veth*` (a container's end of its virtual cable, seen from the host), `cni*`,
///   `podman*`, `lxcbr*`, `lxdbr*` (Kubernetes, Podman and LXC/LXD bridges);
/// - `virbr*` (libvirt's NAT network), `vnet*` (libvirt's per-VM taps), `vboxnet*`
///   (VirtualBox host-only), `vmnet*` (VMware host-only and NAT);
/// - `awdl*`, `llw*` (Apple Wireless Direct Link and its low-latency companion:
///   mDNSResponder uses them only for browses that ask for peer-to-peer).
///
/// The bridges are NAT networks private to this host: every host on them is a
/// container or guest of this one, the LAN cannot reach the addresses we would
/// publish there, and Avahi's and python-zeroconf's users' most frequent complaint is
/// their services showing up (or their host name conflicting with itself) through
/// them. The `veth*` and `vnet*` ends are bridge ports: an mDNS socket on each of them
/// (they have an IPv6 link-local address) would repeat every query once per container.
/// A host bridge to the LAN is usually `br0` or `bridge0`, which `br-*` does not
/// match. VPN links are not in the list: the point-to-point and non-multicast ones
/// (`tun*`, `wg*`, `utun*`) are skipped by their flags, as Avahi does, and the
/// Ethernet-like ones (`tap*`, ZeroTier's `zt*`) carry multicast on purpose; exclude
/// them by name if they should not. Naming an interface in
/// [`InterfaceConfig::only`](super::InterfaceConfig::only) (by name, index or a
/// pattern that matches it) uses it even if it is in this list.
pub const VIRTUAL_INTERFACES: &[&str] = &[
    "docker*", "br-*", "veth*", "cni*", "podman*", "lxcbr*", "lxdbr*", "virbr*", "vnet*",
    "vboxnet*", "vmnet*", "awdl*", "llw*",
];

/// True if `name` is in [`VIRTUAL_INTERFACES`].
pub fn is_virtual(name: &str) -> bool {
    VIRTUAL_INTERFACES
        .iter()
        .any(|p| glob_match(p.as_bytes(), name.as_bytes()))
}

/// Shell-style matching of `name` against `pattern` (`*`, `?`, anything else
/// literally), byte by byte. Linear in practice: on a mismatch after a `*`, the star
/// absorbs one more byte and matching resumes (the classic backtrack to the last star
/// only), so no input makes it exponential.
pub(crate) fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    // Where to resume after the last `*`: (pattern index after it, name index).
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p + 1, n));
                p += 1;
            }
            Some(b'?') => {
                p += 1;
                n += 1;
            }
            Some(&c) if c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_stars_and_questions() {
        let m = |p: &str, n: &str| glob_match(p.as_bytes(), n.as_bytes());
        assert!(m("veth*", "veth"));
        assert!(m("veth*", "veth1a2b3c"));
        assert!(!m("veth*", "eth0"));
        assert!(m("br-*", "br-0123456789ab"));
        assert!(!m("br-*", "br0"));
        assert!(m("tun?", "tun0"));
        assert!(!m("tun?", "tun10"));
        assert!(!m("tun?", "tun"));
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("*0", "eth0"));
        assert!(!m("*0", "eth1"));
        assert!(m("e*h*0", "eth0"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("eth0", "eth0"));
        assert!(!m("eth0", "eth00"));
        assert!(!m("", "x"));
        assert!(m("", ""));
        // Many stars against a long name: no blow-up.
        let long = "a".repeat(200);
        assert!(!m(&format!("{}b", "*a".repeat(30)), &long));
    }

    #[test]
    fn selectors_parse_as_users_type_them() {
        assert_eq!(InterfaceSelector::parse("3"), InterfaceSelector::Index(3));
        assert_eq!(
            InterfaceSelector::parse("eth0"),
            InterfaceSelector::Name("eth0".into())
        );
        assert_eq!(
            InterfaceSelector::parse("veth*"),
            InterfaceSelector::Glob("veth*".into())
        );
        // Too big for an index: a name (which matches nothing real).
        assert_eq!(
            InterfaceSelector::parse("99999999999"),
            InterfaceSelector::Name("99999999999".into())
        );
        assert_eq!(InterfaceSelector::parse("wg?").to_string(), "wg?");
        let g = InterfaceSelector::Glob("zt*".into());
        assert!(g.matches(9, "ztabcdef"));
        assert!(!g.matches(9, "eth0"));
        assert!(InterfaceSelector::Index(9).matches(9, "whatever"));
    }

    #[test]
    fn the_default_list_names_container_and_vm_plumbing_not_lans() {
        for v in [
            "docker0",
            "br-3f2a9c1d0e4b",
            "veth1234abc",
            "virbr0",
            "vnet3",
            "cni0",
            "podman0",
            "lxcbr0",
            "lxdbr0",
            "vboxnet0",
            "vmnet8",
            "awdl0",
            "llw0",
        ] {
            assert!(is_virtual(v), "{v}");
        }
        for real in [
            "eth0",
            "enp3s0",
            "wlan0",
            "wlp2s0",
            "en0",
            "br0",
            "bridge0",
            "bond0",
            "tap0",
            "zt7nnig26",
            "wg0",
            "tun0",
            "utun3",
            "Ethernet",
        ] {
            assert!(!is_virtual(real), "{real}");
        }
    }
}
