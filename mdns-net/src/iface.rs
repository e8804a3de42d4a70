//! Interfaces: what the host has, which of them mDNS runs on, and how that changes.
//! Pure: no OS calls here (the OS side is [`crate::watch`] over `sys`).
//!
//! - [`Interface`]: one link with its flags and addresses, as the OS reports it.
//! - [`InterfaceConfig`]: which interfaces and families to use, and
//!   [`InterfaceConfig::check`]: why an interface is skipped ([`Skip`]).
//! - [`InterfaceSet`]: the interfaces in use; fed a fresh snapshot, it returns the
//!   difference as [`InterfaceEvent`]s (`Up`, `Down`, `AddrsChanged`), and says once, through
//!   `tracing`, why an interface it does not use is skipped.

use std::collections::BTreeMap;
use std::net::IpAddr;

use mdns_sansio::engine::{IfAddr, InterfaceId};

/// One network interface as the OS reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// OS interface index.
    pub id: InterfaceId,
    /// Name (`eth0`; on Windows the friendly name, `Ethernet`).
    pub name: String,
    /// Administratively up (`IFF_UP`; on Windows `OperStatus` up).
    pub up: bool,
    /// Operationally up, carrier present (`IFF_RUNNING`; on Windows `OperStatus` up).
    pub running: bool,
    /// Multicast capable (`IFF_MULTICAST`; on Windows no `IP_ADAPTER_NO_MULTICAST`).
    pub multicast: bool,
    /// The loopback interface (`IFF_LOOPBACK`; `IF_TYPE_SOFTWARE_LOOPBACK`).
    pub loopback: bool,
    /// A point-to-point link, which is what most VPN adapters are (`IFF_POINTOPOINT`;
    /// on Windows `IF_TYPE_PPP` and `IF_TYPE_TUNNEL`).
    pub point_to_point: bool,
    /// Addresses with prefix lengths (tentative and DAD-failed IPv6 ones left out).
    pub addrs: Vec<IfAddr>,
}

/// Names an interface in [`InterfaceConfig::only`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InterfaceSelector {
    /// By name.
    Name(String),
    /// By index.
    Index(u32),
}

/// Which interfaces and families mDNS runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceConfig {
    /// If not empty, only these interfaces (still subject to the flags below).
    pub only: Vec<InterfaceSelector>,
    /// Use IPv4.
    pub ipv4: bool,
    /// Use IPv6.
    pub ipv6: bool,
    /// Use the loopback interface too (it must have `IFF_MULTICAST` set, which `lo`
    /// does not by default).
    pub include_loopback: bool,
}

impl Default for InterfaceConfig {
    /// Every multicast interface but loopback, both families.
    fn default() -> Self {
        InterfaceConfig {
            only: Vec::new(),
            ipv4: true,
            ipv6: true,
            include_loopback: false,
        }
    }
}

/// Why mDNS does not run on an interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Skip {
    /// Not named in [`InterfaceConfig::only`].
    NotSelected,
    /// Administratively down, or no carrier.
    Down,
    /// Not multicast capable (many VPN and tunnel adapters).
    NoMulticast,
    /// The loopback interface, and [`InterfaceConfig::include_loopback`] is off.
    Loopback,
    /// A point-to-point link (most VPN adapters) not named in [`InterfaceConfig::only`]:
    /// a query there reaches one peer, usually a VPN server that answers none (Avahi's
    /// default, `allow-point-to-point=no`).
    PointToPoint,
    /// No address of an enabled family.
    NoAddress,
}

impl Skip {
    /// Why, in words, for log lines.
    pub fn reason(self) -> &'static str {
        match self {
            Skip::NotSelected => "not selected in the configuration",
            Skip::Down => "down or without carrier",
            Skip::NoMulticast => "not multicast capable",
            Skip::Loopback => "loopback (not enabled)",
            Skip::PointToPoint => "point-to-point link (a VPN?); name it to use it",
            Skip::NoAddress => "no address of an enabled family",
        }
    }
}

impl InterfaceConfig {
    /// The addresses mDNS uses on `iface`, sorted, or None if mDNS doesn't run on it.
    pub fn usable_addrs(&self, iface: &Interface) -> Option<Vec<IfAddr>> {
        self.check(iface).ok()
    }

    /// The addresses mDNS uses on `iface`, sorted, or why it doesn't run there: it must
    /// be selected, up, running, multicast capable, not loopback unless asked, not
    /// point-to-point unless named, and have an address of an enabled family.
    pub fn check(&self, iface: &Interface) -> Result<Vec<IfAddr>, Skip> {
        let named = self.only.iter().any(|s| match s {
            InterfaceSelector::Name(n) => *n == iface.name,
            InterfaceSelector::Index(i) => *i == iface.id.0,
        });
        if !self.only.is_empty() && !named {
            return Err(Skip::NotSelected);
        }
        if iface.loopback && !self.include_loopback {
            return Err(Skip::Loopback);
        }
        if !iface.up || !iface.running {
            return Err(Skip::Down);
        }
        if !iface.multicast {
            return Err(Skip::NoMulticast);
        }
        if iface.point_to_point && !named {
            return Err(Skip::PointToPoint);
        }
        let mut addrs: Vec<IfAddr> = iface
            .addrs
            .iter()
            .filter(|a| match a.addr {
                IpAddr::V4(_) => self.ipv4,
                IpAddr::V6(_) => self.ipv6,
            })
            .copied()
            .collect();
        if addrs.is_empty() {
            return Err(Skip::NoAddress);
        }
        addrs.sort();
        addrs.dedup();
        Ok(addrs)
    }
}

/// A change in the set of interfaces mDNS runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InterfaceEvent {
    /// mDNS starts on this interface.
    Up {
        /// Index.
        id: InterfaceId,
        /// Name.
        name: String,
        /// Its usable addresses, sorted.
        addrs: Vec<IfAddr>,
    },
    /// mDNS stops on this interface (gone, down, or no usable address left).
    Down {
        /// Index.
        id: InterfaceId,
    },
    /// The usable addresses of an interface in use changed (never to none: that is
    /// `Down`).
    AddrsChanged {
        /// Index.
        id: InterfaceId,
        /// The new address list, sorted.
        addrs: Vec<IfAddr>,
    },
}

/// An interface mDNS runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveInterface {
    /// Name.
    pub name: String,
    /// Usable addresses, sorted.
    pub addrs: Vec<IfAddr>,
}

/// The interfaces mDNS runs on, kept up to date from snapshots.
#[derive(Clone, Debug, Default)]
pub struct InterfaceSet {
    active: BTreeMap<InterfaceId, ActiveInterface>,
    skipped: BTreeMap<InterfaceId, (String, Skip)>,
}

impl InterfaceSet {
    /// No interfaces.
    pub fn new() -> Self {
        Self::default()
    }

    /// The interfaces in use, by index.
    pub fn active(&self) -> &BTreeMap<InterfaceId, ActiveInterface> {
        &self.active
    }

    /// The interfaces of the last snapshot that are not in use, with their name and why.
    pub fn skipped(&self) -> &BTreeMap<InterfaceId, (String, Skip)> {
        &self.skipped
    }

    /// Takes a full snapshot and returns what changed: all `Down`s first, then
    /// `AddrsChanged`, then `Up`s, each in index order. An interface renamed in place
    /// goes down and comes up again.
    pub fn update(
        &mut self,
        config: &InterfaceConfig,
        snapshot: &[Interface],
    ) -> Vec<InterfaceEvent> {
        let mut new = BTreeMap::new();
        let mut skipped = BTreeMap::new();
        for i in snapshot {
            match config.check(i) {
                Ok(addrs) => {
                    new.insert(
                        i.id,
                        ActiveInterface {
                            name: i.name.clone(),
                            addrs,
                        },
                    );
                }
                Err(why) => {
                    // Said once per interface and reason, not at every re-read.
                    if self.skipped.get(&i.id) != Some(&(i.name.clone(), why)) {
                        match why {
                            Skip::NoMulticast | Skip::PointToPoint => tracing::info!(
                                id = i.id.0,
                                name = %i.name,
                                "interface skipped: {}",
                                why.reason()
                            ),
                            _ => tracing::debug!(
                                id = i.id.0,
                                name = %i.name,
                                "interface skipped: {}",
                                why.reason()
                            ),
                        }
                    }
                    skipped.insert(i.id, (i.name.clone(), why));
                }
            }
        }
        self.skipped = skipped;
        let mut down = Vec::new();
        let mut changed = Vec::new();
        let mut up = Vec::new();
        for (id, old) in &self.active {
            match new.get(id) {
                None => down.push(InterfaceEvent::Down { id: *id }),
                Some(n) if n.name != old.name => {
                    down.push(InterfaceEvent::Down { id: *id });
                    up.push(InterfaceEvent::Up {
                        id: *id,
                        name: n.name.clone(),
                        addrs: n.addrs.clone(),
                    });
                }
                Some(n) if n.addrs != old.addrs => changed.push(InterfaceEvent::AddrsChanged {
                    id: *id,
                    addrs: n.addrs.clone(),
                }),
                Some(_) => {}
            }
        }
        for (id, n) in &new {
            if !self.active.contains_key(id) {
                up.push(InterfaceEvent::Up {
                    id: *id,
                    name: n.name.clone(),
                    addrs: n.addrs.clone(),
                });
            }
        }
        up.sort_by_key(|e| match e {
            InterfaceEvent::Up { id, .. } => *id,
            _ => unreachable!(),
        });
        self.active = new;
        down.extend(changed);
        down.extend(up);
        down
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str, p: u8) -> IfAddr {
        IfAddr {
            addr: s.parse().unwrap(),
            prefix_len: p,
        }
    }

    fn iface(id: u32, name: &str, addrs: Vec<IfAddr>) -> Interface {
        Interface {
            id: InterfaceId(id),
            name: name.into(),
            up: true,
            running: true,
            multicast: true,
            loopback: false,
            point_to_point: false,
            addrs,
        }
    }

    #[test]
    fn filter_flags_and_families() {
        let cfg = InterfaceConfig::default();
        let mut lo = iface(1, "lo", vec![a("127.0.0.1", 8)]);
        lo.loopback = true;
        assert_eq!(cfg.usable_addrs(&lo), None);
        let with_lo = InterfaceConfig {
            include_loopback: true,
            ..InterfaceConfig::default()
        };
        assert_eq!(with_lo.usable_addrs(&lo), Some(vec![a("127.0.0.1", 8)]));
        lo.multicast = false;
        assert_eq!(with_lo.usable_addrs(&lo), None);

        let e = iface(2, "eth0", vec![a("fe80::1", 64), a("10.0.0.1", 24)]);
        assert_eq!(
            cfg.usable_addrs(&e),
            Some(vec![a("10.0.0.1", 24), a("fe80::1", 64)])
        );
        let v6 = InterfaceConfig {
            ipv4: false,
            ..InterfaceConfig::default()
        };
        assert_eq!(v6.usable_addrs(&e), Some(vec![a("fe80::1", 64)]));
        let v4 = InterfaceConfig {
            ipv6: false,
            ..InterfaceConfig::default()
        };
        assert_eq!(v4.usable_addrs(&e), Some(vec![a("10.0.0.1", 24)]));
        assert_eq!(
            v4.usable_addrs(&iface(3, "x", vec![a("fe80::2", 64)])),
            None
        );

        let mut down = e.clone();
        down.running = false;
        assert_eq!(cfg.usable_addrs(&down), None);
        let mut admin_down = e.clone();
        admin_down.up = false;
        assert_eq!(cfg.usable_addrs(&admin_down), None);
    }

    #[test]
    fn filter_selection_by_name_or_index() {
        let e0 = iface(2, "eth0", vec![a("10.0.0.1", 24)]);
        let e1 = iface(3, "eth1", vec![a("10.0.1.1", 24)]);
        let by_name = InterfaceConfig {
            only: vec![InterfaceSelector::Name("eth1".into())],
            ..InterfaceConfig::default()
        };
        assert!(by_name.usable_addrs(&e0).is_none());
        assert!(by_name.usable_addrs(&e1).is_some());
        let by_index = InterfaceConfig {
            only: vec![InterfaceSelector::Index(2)],
            ..InterfaceConfig::default()
        };
        assert!(by_index.usable_addrs(&e0).is_some());
        assert!(by_index.usable_addrs(&e1).is_none());
    }

    #[test]
    fn diff_up_change_down() {
        let cfg = InterfaceConfig::default();
        let mut set = InterfaceSet::new();
        assert_eq!(set.update(&cfg, &[]), vec![]);

        let e0 = iface(2, "eth0", vec![a("10.0.0.1", 24)]);
        let e1 = iface(3, "eth1", vec![a("fe80::1", 64)]);
        let ev = set.update(&cfg, &[e1.clone(), e0.clone()]);
        assert_eq!(
            ev,
            vec![
                InterfaceEvent::Up {
                    id: InterfaceId(2),
                    name: "eth0".into(),
                    addrs: vec![a("10.0.0.1", 24)]
                },
                InterfaceEvent::Up {
                    id: InterfaceId(3),
                    name: "eth1".into(),
                    addrs: vec![a("fe80::1", 64)]
                },
            ]
        );
        // Same snapshot, in another order and with addresses reordered: no events.
        let mut e0b = e0.clone();
        e0b.addrs.reverse();
        assert_eq!(set.update(&cfg, &[e0b, e1.clone()]), vec![]);

        // An address added to eth0, eth1 loses carrier.
        let mut e0c = e0.clone();
        e0c.addrs.push(a("fe80::2", 64));
        let mut e1d = e1.clone();
        e1d.running = false;
        assert_eq!(
            set.update(&cfg, &[e0c.clone(), e1d]),
            vec![
                InterfaceEvent::Down { id: InterfaceId(3) },
                InterfaceEvent::AddrsChanged {
                    id: InterfaceId(2),
                    addrs: vec![a("10.0.0.1", 24), a("fe80::2", 64)]
                },
            ]
        );
        assert_eq!(set.active().len(), 1);

        // Last usable address goes: Down, not AddrsChanged to nothing.
        let mut e0e = e0c.clone();
        e0e.addrs.clear();
        assert_eq!(
            set.update(&cfg, &[e0e]),
            vec![InterfaceEvent::Down { id: InterfaceId(2) }]
        );
        assert!(set.active().is_empty());
    }

    #[test]
    fn skip_reasons_vpn_no_multicast_and_named_point_to_point() {
        let cfg = InterfaceConfig::default();
        let mut wg = iface(5, "wg0", vec![a("10.9.0.2", 32)]);
        wg.point_to_point = true;
        wg.multicast = false;
        assert_eq!(cfg.check(&wg), Err(Skip::NoMulticast));
        wg.multicast = true;
        assert_eq!(cfg.check(&wg), Err(Skip::PointToPoint));
        // Named, a point-to-point link is used.
        let named = InterfaceConfig {
            only: vec![InterfaceSelector::Name("wg0".into())],
            ..InterfaceConfig::default()
        };
        assert_eq!(named.check(&wg), Ok(vec![a("10.9.0.2", 32)]));
        let e = iface(2, "eth0", vec![]);
        assert_eq!(cfg.check(&e), Err(Skip::NoAddress));
        assert_eq!(named.check(&e), Err(Skip::NotSelected));
    }

    #[test]
    fn skipped_interfaces_are_kept_with_their_reason_and_the_others_served() {
        let cfg = InterfaceConfig::default();
        let mut set = InterfaceSet::new();
        let e0 = iface(2, "eth0", vec![a("10.0.0.1", 24)]);
        let mut tun = iface(3, "tun0", vec![a("10.8.0.6", 24)]);
        tun.point_to_point = true;
        let mut nomc = iface(4, "sit0", vec![a("fd00::1", 64)]);
        nomc.multicast = false;
        let ev = set.update(&cfg, &[e0.clone(), tun.clone(), nomc.clone()]);
        assert_eq!(ev.len(), 1);
        assert!(matches!(
            ev[0],
            InterfaceEvent::Up {
                id: InterfaceId(2),
                ..
            }
        ));
        assert_eq!(
            set.skipped().get(&InterfaceId(3)),
            Some(&("tun0".to_string(), Skip::PointToPoint))
        );
        assert_eq!(
            set.skipped().get(&InterfaceId(4)),
            Some(&("sit0".to_string(), Skip::NoMulticast))
        );
        // The VPN adapter goes away: nothing changes for the others, and it is forgotten.
        assert_eq!(set.update(&cfg, &[e0.clone(), nomc]), vec![]);
        assert!(!set.skipped().contains_key(&InterfaceId(3)));
        // An adapter that appears and disappears between two snapshots is Up then Down.
        let e5 = iface(5, "usb0", vec![a("10.1.0.1", 24)]);
        let ev = set.update(&cfg, &[e0.clone(), e5]);
        assert!(matches!(
            ev[..],
            [InterfaceEvent::Up {
                id: InterfaceId(5),
                ..
            }]
        ));
        assert_eq!(
            set.update(&cfg, std::slice::from_ref(&e0)),
            vec![InterfaceEvent::Down { id: InterfaceId(5) }]
        );
        assert_eq!(
            set.active().keys().copied().collect::<Vec<_>>(),
            [InterfaceId(2)]
        );
    }

    #[test]
    fn diff_rename_is_down_then_up() {
        let cfg = InterfaceConfig::default();
        let mut set = InterfaceSet::new();
        let e0 = iface(2, "eth0", vec![a("10.0.0.1", 24)]);
        set.update(&cfg, std::slice::from_ref(&e0));
        let mut r = e0.clone();
        r.name = "lan0".into();
        assert_eq!(
            set.update(&cfg, &[r]),
            vec![
                InterfaceEvent::Down { id: InterfaceId(2) },
                InterfaceEvent::Up {
                    id: InterfaceId(2),
                    name: "lan0".into(),
                    addrs: vec![a("10.0.0.1", 24)]
                },
            ]
        );
    }
}
