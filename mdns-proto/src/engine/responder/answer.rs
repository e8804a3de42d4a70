//! Which of our records answer a question (RFC 6762 §6, RFC 6762 §6.5), the additional records
//! that go with them (RFC 6763 §12, RFC 6762 §6.2), and negative answers (NSEC,
//! RFC 6762 §6.1). Pure functions of the registry and an interface's addresses.
//!
//! Names match case-insensitively and are answered in the case they were registered in
//! (RFC 6762 §16). Only names whose probing is over on the interface are answered.
//! There is no NXDOMAIN: a name we do not own gets no answer at all (RFC 6762 §6).

use super::fold::Folded;
use super::records::{host_types, RecKey};
use super::registry::{Node, Registry};
use crate::engine::event::RegistrationId;
use crate::engine::io::{IfAddr, InterfaceId};
use crate::wire::{Class, NameRef, Rtype};
use alloc::vec::Vec;
use smallvec::SmallVec;

/// A question as answering needs it.
#[derive(Clone, Copy)]
pub(crate) struct Q<'a> {
    pub name: NameRef<'a>,
    pub qtype: Rtype,
    pub qclass: Class,
    pub unicast_response: bool,
}

/// What the registry holds at a question's name: looked up once per name, however
/// many questions of a query ask about it (SRV and TXT, A and AAAA).
#[derive(Clone, Copy)]
pub(crate) struct AtName<'r> {
    /// `_services._dns-sd._udp.local.` (RFC 6763 §9).
    pub enumeration: bool,
    pub node: Option<&'r Node>,
}

impl<'r> AtName<'r> {
    pub fn look_up(registry: &'r Registry, qname: &Folded) -> Self {
        AtName {
            enumeration: registry.is_enum_folded(qname),
            node: registry.node_folded(qname),
        }
    }
}

/// Appends the records of ours answering (the name looked up as `at`, `qtype`,
/// `qclass`) on `iface`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn answer_question(
    registry: &Registry,
    iface: InterfaceId,
    addrs: &[IfAddr],
    at: AtName<'_>,
    qtype: Rtype,
    qclass: Class,
    out: &mut SmallVec<[RecKey; 16]>,
) {
    if !qclass.matches(Class::IN) {
        return;
    }
    // RFC 6763 §9: the type enumeration name lists each type once.
    if qtype.matches(Rtype::PTR) && at.enumeration {
        for ty in registry.types.keys() {
            if let Some(rep) = registry.enum_rep(ty, iface) {
                out.push(RecKey::EnumPtr(rep));
            }
        }
        return;
    }
    let Some(node) = at.node else {
        return;
    };
    // Service type and subtype names (RFC 6763 §4, RFC 6763 §7.1): shared PTRs.
    if qtype.matches(Rtype::PTR) {
        // The node says which PTR of each service is here: no name comparison.
        for &(id, i) in &node.ptr {
            if registry.regs.get(&id).is_some_and(|r| r.answerable(iface)) {
                out.push(RecKey::Ptr(id, i));
            }
        }
    }
    if let Some(id) = node.host {
        if registry.regs.get(&id).is_some_and(|r| r.answerable(iface)) {
            let types = host_types(addrs);
            if qtype == Rtype::ANY {
                Registry::host_addrs(id, addrs, |k| out.push(k));
            } else if types.contains(&qtype) {
                let want_a = qtype == Rtype::A;
                Registry::host_addrs(id, addrs, |k| {
                    if matches!(k, RecKey::A(..)) == want_a {
                        out.push(k);
                    }
                });
            } else {
                // RFC 6762 §6.1: a name we own, a type it lacks: say so with NSEC.
                out.push(RecKey::Nsec(id));
            }
        }
    }
    if let Some(id) = node.instance {
        if registry.regs.get(&id).is_some_and(|r| r.answerable(iface)) {
            match qtype {
                Rtype::ANY => {
                    out.push(RecKey::Srv(id));
                    out.push(RecKey::Txt(id));
                }
                Rtype::SRV => out.push(RecKey::Srv(id)),
                Rtype::TXT => out.push(RecKey::Txt(id)),
                // RFC 6762 §6.1: NSEC for the types the instance name does not have.
                _ => out.push(RecKey::Nsec(id)),
            }
        }
    }
}

/// The additional records for `answers` (RFC 6763 §12): PTR → SRV, TXT and the target
/// host's addresses; SRV → addresses; A ↔ AAAA; the host's NSEC when it lacks one
/// family on this interface (RFC 6762 §6.2). Sorted, without duplicates and without
/// anything already among the answers.
///
/// Built in `RecKey` order (all SRVs, all TXTs, then each host's addresses and NSEC),
/// so that for answers in order (as responses hold them) no sort is needed.
pub(crate) fn additionals(
    registry: &Registry,
    iface: InterfaceId,
    answers: &[RecKey],
    addrs: &[IfAddr],
    out: &mut SmallVec<[RecKey; 16]>,
) {
    // The host of the last service looked up: ten services on one host cost one
    // lookup of its name.
    let host_of = |id| {
        let s = registry.regs.get(&id)?.service()?;
        registry
            .host_of(s)
            .filter(|h| registry.regs.get(h).is_some_and(|r| r.answerable(iface)))
    };
    // Hosts are collected first: ten services on one host add its records once. The
    // first in place, any other (services on several hosts, rare) in a vector.
    let mut host: Option<RegistrationId> = None;
    let mut more_hosts: Vec<RegistrationId> = Vec::new();
    let mut add_host = |h: Option<RegistrationId>| {
        if let Some(h) = h {
            if host.is_none() {
                host = Some(h);
            } else if host != Some(h) && !more_hosts.contains(&h) {
                more_hosts.push(h);
            }
        }
    };
    for &k in answers {
        match k {
            RecKey::Ptr(id, _) => {
                out.push(RecKey::Srv(id));
                add_host(host_of(id));
            }
            RecKey::Srv(id) => add_host(host_of(id)),
            RecKey::A(h, _) | RecKey::Aaaa(h, _) => add_host(Some(h)),
            RecKey::EnumPtr(_) | RecKey::Txt(_) | RecKey::Nsec(_) => {}
        }
    }
    for &k in answers {
        if let RecKey::Ptr(id, _) = k {
            out.push(RecKey::Txt(id));
        }
    }
    let one_family = host_types(addrs).len() == 1;
    for h in host.into_iter().chain(more_hosts) {
        Registry::host_addrs(h, addrs, |k| out.push(k));
        if one_family {
            out.push(RecKey::Nsec(h));
        }
    }
    // Usually in strictly ascending order already: neither sorted nor deduplicated.
    if !is_strictly_sorted(out) {
        crate::util::heap_sort(out);
        out.dedup();
    }
    if is_sorted(answers) {
        // Answers of other kinds, all before the first additional (PTRs then SRV,
        // TXT…, the usual case): none to take out.
        if !matches!((answers.last(), out.first()), (Some(a), Some(o)) if a >= o) {
            return;
        }
        out.retain(|k| answers.binary_search(k).is_err());
    } else {
        out.retain(|k| !answers.contains(k));
    }
}

/// True if `keys` is in ascending order.
fn is_sorted(keys: &[RecKey]) -> bool {
    keys.windows(2).all(|w| w[0] <= w[1])
}

/// True if `keys` is in ascending order without duplicates: a list that needs neither
/// sorting nor deduplicating.
pub(crate) fn is_strictly_sorted(keys: &[RecKey]) -> bool {
    keys.windows(2).all(|w| w[0] < w[1])
}

/// True if any record is shared (a PTR): its answer must wait 20–120 ms (RFC 6762 §6).
pub(crate) fn any_shared(keys: &[RecKey]) -> bool {
    keys.iter()
        .any(|k| matches!(k, RecKey::Ptr(..) | RecKey::EnumPtr(_)))
}
