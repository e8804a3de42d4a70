//! Which mDNS groups are joined on which interface, and what the core is told.
//!
//! Given the interfaces in use ([`InterfaceSet`](crate::InterfaceSet)), [`Membership::sync`]
//! joins the group of each family an interface has an address of, leaves the rest, and
//! works out the address list the core gets for each interface. A join that fails (a
//! permission error, an interface that vanished, an adapter the OS won't join on) is a
//! `warn` line the first time; that family is left out of the interface's addresses
//! (the interface is skipped entirely if nothing is left), every other interface is
//! served as usual, and the join is retried with the interface watcher's backoff
//! (20 ms doubling to 30 s) at a deadline the driver folds into its own. Pure: the
//! joins go through [`Groups`], time comes in as an argument.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::net::{IpAddr, Ipv4Addr};

use mdns_sansio::engine::{Family, IfAddr, InterfaceId};
use mdns_sansio::Instant;

use crate::iface::ActiveInterface;
use crate::watch::backoff;

/// Group joins and leaves, done by the sockets.
pub(crate) trait Groups {
    /// Whether there is a socket of this family to join with.
    fn has(&self, fam: Family) -> bool;
    /// Joins the group of `fam` on the interface (`v4`: one of its IPv4 addresses).
    fn join(&mut self, id: InterfaceId, fam: Family, v4: Option<Ipv4Addr>) -> io::Result<()>;
    /// Leaves it.
    fn leave(&mut self, id: InterfaceId, fam: Family, v4: Option<Ipv4Addr>) -> io::Result<()>;
}

/// A change the core must hear about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CoreUpdate {
    /// `interface_up` with this full address list.
    Up(InterfaceId, Vec<IfAddr>),
    /// `interface_down`.
    Down(InterfaceId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Failure {
    attempts: u32,
    retry_at: Instant,
}

/// See the module docs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Membership {
    joined: BTreeSet<(InterfaceId, Family)>,
    /// The IPv4 address each IPv4 join used (leaving by address needs it).
    v4_of: BTreeMap<InterfaceId, Ipv4Addr>,
    failed: BTreeMap<(InterfaceId, Family), Failure>,
    told: BTreeMap<InterfaceId, Vec<IfAddr>>,
}

/// The first IPv4 address of a sorted list.
pub(crate) fn first_v4(addrs: &[IfAddr]) -> Option<Ipv4Addr> {
    addrs.iter().find_map(|a| match a.addr {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(_) => None,
    })
}

impl Membership {
    pub(crate) fn joined(&self) -> &BTreeSet<(InterfaceId, Family)> {
        &self.joined
    }

    /// The interfaces the core has been told are up, with their address lists.
    pub(crate) fn told(&self) -> &BTreeMap<InterfaceId, Vec<IfAddr>> {
        &self.told
    }

    /// When a failed join is next retried.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.failed.values().map(|f| f.retry_at).min()
    }

    /// Brings joins and the core in line with `active`. `reset` names interfaces to take
    /// down first whatever their state (renamed: the OS may have replaced the link).
    pub(crate) fn sync(
        &mut self,
        now: Instant,
        active: &BTreeMap<InterfaceId, ActiveInterface>,
        reset: &[InterfaceId],
        groups: &mut impl Groups,
    ) -> Vec<CoreUpdate> {
        let mut out = Vec::new();
        for id in reset {
            self.leave_all(*id, |_| true, groups);
            if self.told.remove(id).is_some() {
                out.push(CoreUpdate::Down(*id));
            }
        }
        // Leave what is no longer wanted, forget failures of it.
        let wants = |id: &InterfaceId, fam: Family| {
            active
                .get(id)
                .is_some_and(|a| a.addrs.iter().any(|x| Family::of(&x.addr) == fam))
        };
        let stale: Vec<(InterfaceId, Family)> = self
            .joined
            .iter()
            .filter(|(id, fam)| !wants(id, *fam))
            .copied()
            .collect();
        for (id, fam) in stale {
            self.leave_all(id, |f| f == fam, groups);
        }
        self.failed.retain(|(id, fam), _| wants(id, *fam));

        // Join what is wanted and not joined (failed ones only when their retry is due).
        for (id, a) in active {
            for fam in [Family::V4, Family::V6] {
                if !wants(id, fam) || !groups.has(fam) || self.joined.contains(&(*id, fam)) {
                    continue;
                }
                if self
                    .failed
                    .get(&(*id, fam))
                    .is_some_and(|f| now < f.retry_at)
                {
                    continue;
                }
                let v4 = first_v4(&a.addrs);
                match groups.join(*id, fam, v4) {
                    Ok(()) => {
                        self.joined.insert((*id, fam));
                        if fam == Family::V4 {
                            if let Some(v4) = v4 {
                                self.v4_of.insert(*id, v4);
                            }
                        }
                        if let Some(f) = self.failed.remove(&(*id, fam)) {
                            tracing::info!(id = id.0, name = %a.name, ?fam, attempts = f.attempts, "joined the mDNS group after all");
                        }
                    }
                    Err(e) => {
                        let attempts = self.failed.get(&(*id, fam)).map_or(0, |f| f.attempts) + 1;
                        let wait = backoff(attempts);
                        if attempts == 1 {
                            tracing::warn!(id = id.0, name = %a.name, ?fam, error = %e, "joining the mDNS group failed; this interface is skipped for this family, the others are served; retrying");
                        } else {
                            tracing::debug!(id = id.0, name = %a.name, ?fam, error = %e, attempts, "joining the mDNS group failed again");
                        }
                        self.failed.insert(
                            (*id, fam),
                            Failure {
                                attempts,
                                retry_at: now.saturating_add(wait),
                            },
                        );
                    }
                }
            }
        }

        // What the core should know: the addresses of families that are not failing.
        let mut want: BTreeMap<InterfaceId, Vec<IfAddr>> = BTreeMap::new();
        for (id, a) in active {
            let addrs: Vec<IfAddr> = a
                .addrs
                .iter()
                .filter(|x| !self.failed.contains_key(&(*id, Family::of(&x.addr))))
                .copied()
                .collect();
            if !addrs.is_empty() {
                want.insert(*id, addrs);
            }
        }
        for id in self.told.keys() {
            if !want.contains_key(id) {
                out.push(CoreUpdate::Down(*id));
            }
        }
        for (id, addrs) in &want {
            if self.told.get(id) != Some(addrs) {
                out.push(CoreUpdate::Up(*id, addrs.clone()));
            }
        }
        self.told = want;
        out
    }

    fn leave_all(
        &mut self,
        id: InterfaceId,
        which: impl Fn(Family) -> bool,
        groups: &mut impl Groups,
    ) {
        for fam in [Family::V4, Family::V6] {
            if which(fam) && self.joined.remove(&(id, fam)) {
                let v4 = if fam == Family::V4 {
                    self.v4_of.remove(&id)
                } else {
                    None
                };
                if let Err(e) = groups.leave(id, fam, v4) {
                    tracing::debug!(id = id.0, ?fam, error = %e, "leaving the mDNS group failed");
                }
            }
            if which(fam) {
                self.failed.remove(&(id, fam));
            }
        }
    }
}

#[cfg(test)]
mod tests;
