//! Our records, named by a key rather than stored one by one: a [`RecKey`] names a
//! record by its registration and kind, and [`Registry::rec`] materialises it from the
//! registration's prebuilt data. Host address records are read from the engine's
//! interface table at that moment, so only the addresses valid on the interface an
//! answer goes out on are used (RFC 6762 §6.2). Also here: the records proposed in a
//! probe, and finding which of ours a received record is.

use super::registration::Kind;
use super::registry::{Node, Registry};
use crate::engine::config::Config;
use crate::engine::event::RegistrationId;
use crate::engine::io::{IfAddr, InterfaceId};
use crate::name::Name;
use crate::wire::{NameRef, RData, RecordData, Rtype};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use smallvec::SmallVec;

/// Most services with a PTR at one name whose instance names a PTR known answer is
/// compared with one by one (RFC 6762 §7.1); with more, its target is looked up in the
/// name index.
const PTR_SCAN_MAX: usize = 4;

/// One record we own, named by its registration and kind. `Ord` gives the order records
/// go out in: PTRs first, then SRV, TXT, addresses, NSEC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum RecKey {
    /// PTR from the type name (0) or subtype name `n` (n ≥ 1) to the instance.
    Ptr(RegistrationId, u8),
    /// `_services._dns-sd._udp.local.` PTR to a type, by the type's token.
    EnumPtr(RegistrationId),
    Srv(RegistrationId),
    Txt(RegistrationId),
    A(RegistrationId, Ipv4Addr),
    Aaaa(RegistrationId, Ipv6Addr),
    Nsec(RegistrationId),
}

impl RecKey {
    pub fn reg(self) -> RegistrationId {
        match self {
            RecKey::Ptr(r, _)
            | RecKey::EnumPtr(r)
            | RecKey::Srv(r)
            | RecKey::Txt(r)
            | RecKey::A(r, _)
            | RecKey::Aaaa(r, _)
            | RecKey::Nsec(r) => r,
        }
    }
}

/// Record data: borrowed from a registration, or an address of the interface (built
/// as `RecordData` only where it is used, so a `Rec` stays small and needs no drop).
#[derive(Clone, Copy)]
pub(crate) enum Data<'a> {
    Borrowed(&'a RecordData),
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
}

impl Data<'_> {
    /// Runs `f` on the data.
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(&RecordData) -> R) -> R {
        match *self {
            Data::Borrowed(d) => f(d),
            Data::A(a) => f(&RecordData::A(a)),
            Data::Aaaa(a) => f(&RecordData::Aaaa(a)),
        }
    }
}

/// A materialised record.
pub(crate) struct Rec<'a> {
    pub name: &'a Name,
    pub data: Data<'a>,
    /// Unique (cache-flush bit in responses) or shared (PTR).
    pub unique: bool,
    pub ttl: u32,
}

impl Registry {
    /// Materialises a record as sent on an interface with addresses `addrs`. `None` if
    /// it no longer exists (registration gone, address removed).
    pub fn rec<'a>(&'a self, key: RecKey, addrs: &[IfAddr], config: &Config) -> Option<Rec<'a>> {
        if let RecKey::EnumPtr(token) = key {
            let data = self.type_ptr(token)?;
            return Some(Rec {
                name: &self.enum_name,
                data: Data::Borrowed(data),
                unique: false,
                ttl: config.other_ttl,
            });
        }
        let reg = self.regs.get(&key.reg())?;
        let host_ttl = config.host_ttl;
        let other_ttl = config.other_ttl;
        let svc = reg.service();
        Some(match key {
            RecKey::Ptr(_, i) => {
                let s = svc?;
                let name = if i == 0 {
                    s.type_name()
                } else {
                    s.subtypes().get(usize::from(i) - 1)?
                };
                Rec {
                    name,
                    data: Data::Borrowed(s.ptr()),
                    unique: false,
                    ttl: other_ttl,
                }
            }
            RecKey::EnumPtr(_) => return None, // handled above
            RecKey::Srv(_) => Rec {
                name: &reg.name,
                data: Data::Borrowed(svc?.srv()),
                unique: true,
                ttl: host_ttl,
            },
            RecKey::Txt(_) => Rec {
                name: &reg.name,
                data: Data::Borrowed(svc?.txt()),
                unique: true,
                ttl: other_ttl,
            },
            RecKey::A(_, a) => {
                if !reg.is_host() || !addrs.iter().any(|x| x.addr == IpAddr::V4(a)) {
                    return None;
                }
                Rec {
                    name: &reg.name,
                    data: Data::A(a),
                    unique: true,
                    ttl: host_ttl,
                }
            }
            RecKey::Aaaa(_, a) => {
                if !reg.is_host() || !addrs.iter().any(|x| x.addr == IpAddr::V6(a)) {
                    return None;
                }
                Rec {
                    name: &reg.name,
                    data: Data::Aaaa(a),
                    unique: true,
                    ttl: host_ttl,
                }
            }
            RecKey::Nsec(_) => match &reg.kind {
                Kind::Service(s) => Rec {
                    name: &reg.name,
                    data: Data::Borrowed(s.nsec()),
                    unique: true,
                    ttl: other_ttl,
                },
                Kind::Host(h) => {
                    let v4 = addrs.iter().any(|a| a.addr.is_ipv4());
                    let v6 = addrs.iter().any(|a| a.addr.is_ipv6());
                    let data = match (v4, v6) {
                        (true, true) => &h.nsec_both,
                        (true, false) => &h.nsec_v4,
                        (false, true) => &h.nsec_v6,
                        (false, false) => return None,
                    };
                    Rec {
                        name: &reg.name,
                        data: Data::Borrowed(data),
                        unique: true,
                        ttl: host_ttl,
                    }
                }
            },
        })
    }

    /// The address records of host `id` on an interface with `addrs`, A before AAAA.
    pub fn host_addrs(id: RegistrationId, addrs: &[IfAddr], mut push: impl FnMut(RecKey)) {
        // One record at a time: `extend` (with a filtering iterator, or even one
        // element) cost several times as much for the one or two addresses an
        // interface has.
        for a in addrs {
            if let IpAddr::V4(v4) = a.addr {
                push(RecKey::A(id, v4));
            }
        }
        for a in addrs {
            if let IpAddr::V6(v6) = a.addr {
                push(RecKey::Aaaa(id, v6));
            }
        }
    }

    /// The unique records proposed for `id`'s name on an interface (probe Authority,
    /// RFC 6762 §8.1): SRV and TXT of a service, the addresses of a host.
    pub fn proposed(&self, id: RegistrationId, addrs: &[IfAddr]) -> SmallVec<[RecKey; 16]> {
        let mut out = SmallVec::new();
        match self.regs.get(&id).map(|r| &r.kind) {
            Some(Kind::Service(_)) => {
                out.push(RecKey::Srv(id));
                out.push(RecKey::Txt(id));
            }
            Some(Kind::Host(_)) => Self::host_addrs(id, addrs, |k| out.push(k)),
            None => {}
        }
        out
    }

    /// Finds the record of ours that a received record (name, type, data) is a copy of,
    /// given `node`, the record name's node (`node(name)`), which callers look up once
    /// for a run of records of one name. Costs a few hash lookups whatever the number
    /// of services.
    pub fn find_at(
        &self,
        node: Option<&Node>,
        name: &NameRef<'_>,
        rtype: Rtype,
        rdata: &RData<'_>,
        iface: InterfaceId,
        addrs: &[IfAddr],
    ) -> Option<RecKey> {
        match (rtype, rdata) {
            (Rtype::PTR, RData::Ptr(target)) => {
                if self.is_enum_name(name) {
                    let ty = self.types.get_key_value(&target.to_name())?.0;
                    return self.enum_rep(ty, iface).map(RecKey::EnumPtr);
                }
                let node = node?;
                if node.ptr.len() <= PTR_SCAN_MAX {
                    // Our instances here are indexed names: a target whose first label
                    // no indexed name has is another host's (most known answers of a
                    // browse on a busy link), with no comparison.
                    if !self.may_hold(target) {
                        return None;
                    }
                    // Our few services here, each compared with the target: cheaper
                    // than hashing it, and most known answers of a browse on a busy
                    // link are other hosts' instances (lengths or first labels differ).
                    let &(inst, ix) = node
                        .ptr
                        .iter()
                        .find(|p| self.regs.get(&p.0).is_some_and(|r| target.eq_name(&r.name)))?;
                    return Some(RecKey::Ptr(inst, ix));
                }
                let inst = self.node(target)?.instance?;
                let at = node.ptr.binary_search_by_key(&inst, |p| p.0).ok()?;
                Some(RecKey::Ptr(inst, node.ptr[at].1))
            }
            (Rtype::SRV | Rtype::TXT, _) => {
                let id = node?.instance?;
                let s = self.regs.get(&id)?.service()?;
                if rtype == Rtype::SRV && s.srv().matches(rdata) {
                    Some(RecKey::Srv(id))
                } else if rtype == Rtype::TXT && s.txt().matches(rdata) {
                    Some(RecKey::Txt(id))
                } else {
                    None
                }
            }
            (Rtype::A, RData::A(a)) => {
                let id = node?.host?;
                addrs
                    .iter()
                    .any(|x| x.addr == IpAddr::V4(*a))
                    .then_some(RecKey::A(id, *a))
            }
            (Rtype::AAAA, RData::Aaaa(a)) => {
                let id = node?.host?;
                addrs
                    .iter()
                    .any(|x| x.addr == IpAddr::V6(*a))
                    .then_some(RecKey::Aaaa(id, *a))
            }
            _ => None,
        }
    }
}

/// The address types a host has on an interface with `addrs`.
pub(crate) fn host_types(addrs: &[IfAddr]) -> &'static [Rtype] {
    let v4 = addrs.iter().any(|a| a.addr.is_ipv4());
    let v6 = addrs.iter().any(|a| a.addr.is_ipv6());
    match (v4, v6) {
        (true, true) => &[Rtype::A, Rtype::AAAA],
        (true, false) => &[Rtype::A],
        (false, true) => &[Rtype::AAAA],
        (false, false) => &[],
    }
}
