//! When each of our records was last multicast, per interface and family: the one store
//! behind RFC 6762 §6's rate limit (a record is multicast on an interface at most once a
//! second, or every 250 ms when defending a name) and RFC 6762 §5.4's rule (a QU question
//! gets a unicast answer only if the record was multicast on the interface within a quarter
//! of its TTL).
//!
//! A registration's records (SRV, TXT, NSEC, its PTRs and, for a host, one entry per
//! address) are kept by its slot number, found by an index and one comparison, without
//! hashing: every record written is checked and noted here. Type-enumeration PTRs are kept
//! by their type's token, which outlives the registrations of the type (RFC 6763 §9).
//! Everything is bounded: a registration's entries go with it (or with its name, on a
//! rename), an interface's with the interface, and an address's when the interface no
//! longer has it.

use super::records::RecKey;
use super::regs::slot_of;
use crate::engine::event::RegistrationId;
use crate::engine::io::{Family, InterfaceId};
use crate::time::Instant;
use crate::vecmap::{grow, VecMap};
use alloc::vec::Vec;
use core::net::IpAddr;

/// Last multicast times of all our records.
#[derive(Debug, Default)]
pub(crate) struct MulticastTimes {
    /// Slot `n` of the registration table at index `n - 1`.
    regs: Vec<RegTimes>,
    /// Type-enumeration PTRs, by the type's token.
    types: VecMap<(RegistrationId, InterfaceId, Family), Option<Instant>>,
}

/// The times of one registration's records.
#[derive(Debug)]
struct RegTimes {
    /// The registration they belong to (`RegistrationId(0)`: none).
    id: RegistrationId,
    links: Vec<LinkTimes>,
}

impl Default for RegTimes {
    fn default() -> Self {
        RegTimes {
            id: RegistrationId(0),
            links: Vec::new(),
        }
    }
}

/// The times of one registration's records on one interface.
#[derive(Debug)]
struct LinkTimes {
    iface: InterfaceId,
    /// SRV, TXT, NSEC, then the PTRs, two families each (see `place`).
    own: Vec<Option<Instant>>,
    /// A host's address records (`None`: checked, never multicast).
    addrs: Vec<(IpAddr, Family, Option<Instant>)>,
}

/// Where a registration's record is kept in its link's times.
#[derive(Clone, Copy)]
enum Place {
    /// `own[i]`.
    Own(usize),
    /// The entry of an address record.
    Addr(IpAddr),
}

/// Where `key`'s time in `family` is kept in its registration's link: SRV, TXT, NSEC
/// and the PTRs by index, addresses by address. `None` for a type-enumeration PTR.
#[inline]
fn place(key: RecKey, family: Family) -> Option<Place> {
    let slot = match key {
        RecKey::Srv(_) => 0,
        RecKey::Txt(_) => 1,
        RecKey::Nsec(_) => 2,
        RecKey::Ptr(_, i) => 3 + usize::from(i),
        RecKey::A(_, a) => return Some(Place::Addr(IpAddr::V4(a))),
        RecKey::Aaaa(_, a) => return Some(Place::Addr(IpAddr::V6(a))),
        RecKey::EnumPtr(_) => return None,
    };
    Some(Place::Own(slot * 2 + family as usize))
}

impl MulticastTimes {
    /// The times of registration `id` on `iface`, if any were noted.
    #[inline]
    fn link(&self, id: RegistrationId, iface: InterfaceId) -> Option<&LinkTimes> {
        let r = self.regs.get(slot_of(id).wrapping_sub(1))?;
        if r.id != id {
            return None;
        }
        r.links.iter().find(|l| l.iface == iface)
    }

    /// When `key` was last multicast on `iface` in `family`, if it was.
    #[inline]
    pub fn get(&self, key: RecKey, iface: InterfaceId, family: Family) -> Option<Instant> {
        match place(key, family) {
            Some(Place::Own(i)) => self.link(key.reg(), iface)?.own.get(i).copied().flatten(),
            Some(Place::Addr(addr)) => self
                .link(key.reg(), iface)?
                .addrs
                .iter()
                .find(|e| e.0 == addr && e.1 == family)
                .and_then(|e| e.2),
            None => self
                .types
                .get(&(key.reg(), iface, family))
                .copied()
                .flatten(),
        }
    }

    /// Notes `key` as multicast on `iface` in `family` at `now`.
    #[inline]
    pub fn set(&mut self, key: RecKey, iface: InterfaceId, family: Family, now: Instant) {
        self.with(key, iface, family, |t| *t = Some(now));
    }

    /// Runs `f` on where `key`'s time on `iface` in `family` is kept (`None`: never
    /// multicast), made if it was not there: a record checked and then, if it goes
    /// out, noted costs one look-up.
    #[inline]
    pub fn with<R>(
        &mut self,
        key: RecKey,
        iface: InterfaceId,
        family: Family,
        f: impl FnOnce(&mut Option<Instant>) -> R,
    ) -> R {
        // The usual case: a registration's own record, its times on the link made.
        if let Some(Place::Own(i)) = place(key, family) {
            let id = key.reg();
            if let Some(r) = self.regs.get_mut(slot_of(id).wrapping_sub(1)) {
                if r.id == id {
                    if let Some(t) = r
                        .links
                        .iter_mut()
                        .find(|l| l.iface == iface)
                        .and_then(|l| l.own.get_mut(i))
                    {
                        return f(t);
                    }
                }
            }
        }
        f(self.slot(key, iface, family))
    }

    /// Where `key`'s time is kept, made if it was not there.
    #[inline(never)]
    fn slot(&mut self, key: RecKey, iface: InterfaceId, family: Family) -> &mut Option<Instant> {
        let id = key.reg();
        let Some(place) = place(key, family) else {
            return self.types.get_or_insert_with((id, iface, family), || None);
        };
        let i = slot_of(id).wrapping_sub(1);
        // The vectors here are sized to what they hold (most hold one to eight
        // entries; the amortized growth of `push` and `resize` would double them).
        if i >= self.regs.len() {
            self.regs.reserve_exact(i + 1 - self.regs.len());
            self.regs.resize_with(i + 1, RegTimes::default);
        }
        let r = &mut self.regs[i];
        if r.id != id {
            // A slot reused by a new registration: nothing of the old one's is kept.
            r.id = id;
            r.links.clear();
        }
        let at = match r.links.iter().position(|l| l.iface == iface) {
            Some(at) => at,
            None => {
                grow(&mut r.links);
                r.links.push(LinkTimes {
                    iface,
                    own: Vec::new(),
                    addrs: Vec::new(),
                });
                r.links.len() - 1
            }
        };
        let l = &mut r.links[at];
        match place {
            Place::Own(k) => {
                if k >= l.own.len() {
                    l.own.reserve_exact(k + 1 - l.own.len());
                    l.own.resize(k + 1, None);
                }
                &mut l.own[k]
            }
            Place::Addr(addr) => {
                let at = match l.addrs.iter().position(|e| e.0 == addr && e.1 == family) {
                    Some(at) => at,
                    None => {
                        grow(&mut l.addrs);
                        l.addrs.push((addr, family, None));
                        l.addrs.len() - 1
                    }
                };
                &mut l.addrs[at].2
            }
        }
    }

    /// Forgets a registration's records (unregistered, or renamed: new name, new
    /// records). Its type's enumeration PTR is the type's, not the registration's: it
    /// stays.
    pub fn forget(&mut self, reg: RegistrationId) {
        if let Some(r) = self.regs.get_mut(slot_of(reg).wrapping_sub(1)) {
            if r.id == reg {
                *r = RegTimes::default();
            }
        }
    }

    /// Forgets the times of PTR `index` of `reg` (a subtype it no longer has): the
    /// times of its later PTRs move down one place, as their indexes do.
    pub fn remove_ptr(&mut self, reg: RegistrationId, index: u8) {
        let Some(r) = self.regs.get_mut(slot_of(reg).wrapping_sub(1)) else {
            return;
        };
        if r.id != reg {
            return;
        }
        let Some(Place::Own(first)) = place(RecKey::Ptr(reg, index), Family::V4) else {
            return;
        };
        for l in &mut r.links {
            // Both families' entries of that PTR, if they were ever made.
            let end = (first + 2).min(l.own.len());
            if first < end {
                l.own.drain(first..end);
            }
        }
    }

    /// Forgets everything about an interface that went down.
    pub fn interface_down(&mut self, iface: InterfaceId) {
        for r in &mut self.regs {
            r.links.retain(|l| l.iface != iface);
        }
        self.types.retain(|k, _| k.1 != iface);
    }

    /// Forgets the address records on `iface` whose address it no longer has (`has`
    /// says which it has). Without this a host whose addresses change, as IPv6
    /// temporary addresses rotate (RFC 8981), would keep an entry for every address it
    /// ever had, until the interface or the registration went.
    pub fn forget_addresses(&mut self, iface: InterfaceId, has: impl Fn(&IpAddr) -> bool) {
        for r in &mut self.regs {
            for l in r.links.iter_mut().filter(|l| l.iface == iface) {
                l.addrs.retain(|e| has(&e.0));
            }
        }
    }

    /// Address entries kept (for tests of what is kept).
    #[cfg(test)]
    pub fn address_entries(&self) -> usize {
        self.regs
            .iter()
            .flat_map(|r| &r.links)
            .map(|l| l.addrs.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn each_record_has_one_time_per_interface_and_family() {
        let mut t = MulticastTimes::default();
        let (eth, wlan) = (InterfaceId(1), InterfaceId(2));
        let reg = RegistrationId(7);
        let at = Instant::from_secs(10);
        let v4 = Ipv4Addr::new(192, 0, 2, 1);
        let keys = [
            RecKey::Srv(reg),
            RecKey::Ptr(reg, 3),
            RecKey::A(reg, v4),
            RecKey::EnumPtr(reg),
        ];
        for k in keys {
            t.set(k, eth, Family::V4, at);
            assert_eq!(t.get(k, eth, Family::V4), Some(at), "{k:?}");
            assert_eq!(t.get(k, eth, Family::V6), None, "{k:?}");
            assert_eq!(t.get(k, wlan, Family::V4), None, "{k:?}");
        }
        assert_eq!(t.get(RecKey::Txt(reg), eth, Family::V4), None);
        // A new registration in the same slot knows nothing of the old one's.
        let next = RegistrationId(1 << 16 | 7);
        assert_eq!(t.get(RecKey::Srv(next), eth, Family::V4), None);
        t.set(RecKey::Srv(next), eth, Family::V4, at);
        assert_eq!(t.get(RecKey::Srv(reg), eth, Family::V4), None);
        // The type's PTR outlives the registration that gave its token.
        t.forget(next);
        assert_eq!(t.get(RecKey::Srv(next), eth, Family::V4), None);
        assert_eq!(t.get(RecKey::EnumPtr(reg), eth, Family::V4), Some(at));
        t.interface_down(eth);
        assert_eq!(t.get(RecKey::EnumPtr(reg), eth, Family::V4), None);
    }

    #[test]
    fn forget_addresses_drops_only_gone_addresses_of_that_interface() {
        let mut t = MulticastTimes::default();
        let (eth, wlan) = (InterfaceId(1), InterfaceId(2));
        let reg = RegistrationId(7);
        let now = Instant::from_secs(10);
        let old6 = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
        let new6 = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);
        let v4 = Ipv4Addr::new(192, 0, 2, 1);
        let keys = [
            (RecKey::Aaaa(reg, old6), eth, Family::V6),
            (RecKey::Aaaa(reg, new6), eth, Family::V6),
            (RecKey::A(reg, v4), eth, Family::V4),
            (RecKey::Srv(reg), eth, Family::V4),
            (RecKey::Aaaa(reg, old6), wlan, Family::V6),
        ];
        for (k, i, f) in keys {
            t.set(k, i, f, now);
        }
        assert_eq!(t.address_entries(), 4);
        // eth now has new6 and v4: only its entry for old6 goes.
        t.forget_addresses(eth, |a| *a == IpAddr::V6(new6) || *a == IpAddr::V4(v4));
        assert_eq!(t.address_entries(), 3);
        assert_eq!(t.get(keys[0].0, keys[0].1, keys[0].2), None);
        for (k, i, f) in &keys[1..] {
            assert_eq!(t.get(*k, *i, *f), Some(now), "{k:?}");
        }
    }
}
