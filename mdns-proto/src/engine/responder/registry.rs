//! All registrations, and the index from owner name to the registrations holding
//! records there, so that answering a question costs one hash lookup, never a scan of
//! every service. Also the service types in use and their type-enumeration records
//! (RFC 6763 §9). The records themselves are `records.rs`'s; one registration's data
//! is `registration.rs`'s.

use super::fold::{Folded, WordState};
use super::label_filter::LabelFilter;
use super::registration::{index_key, Kind, Registration, Service};
use super::regs::Regs;
use crate::engine::event::RegistrationId;
use crate::engine::io::InterfaceId;
use crate::name::Name;
use crate::vecmap::VecMap;
use crate::wire::{NameRef, RecordData};
use alloc::boxed::Box;
use alloc::vec::Vec;
use hashbrown::hash_map::Entry;
use hashbrown::HashMap;

/// Registrations with records at one owner name.
#[derive(Clone, Debug, Default)]
pub(crate) struct Node {
    /// A host registration owns this name (A, AAAA, NSEC).
    pub host: Option<RegistrationId>,
    /// A service registration owns this instance name (SRV, TXT, NSEC).
    pub instance: Option<RegistrationId>,
    /// Services with a PTR here (a type or subtype name), in id order, each with the
    /// index of its PTR (0: the type name, n ≥ 1: subtype n), so that answering needs
    /// no name comparison.
    pub ptr: Vec<(RegistrationId, u8)>,
}

impl Node {
    fn is_empty(&self) -> bool {
        self.host.is_none() && self.instance.is_none() && self.ptr.is_empty()
    }

    /// The registration owning unique records here.
    pub fn owner(&self) -> Option<RegistrationId> {
        self.host.or(self.instance)
    }
}

/// All registrations and the name index.
#[derive(Debug)]
pub(crate) struct Registry {
    /// By id (a slab: see [`Regs`]). Where order matters, callers sort ids.
    pub regs: Regs<Registration>,
    /// Keyed by the name folded to lower case (see [`Folded`]).
    index: HashMap<Box<[u8]>, Node, WordState>,
    /// Counts of the index's names by first label: most names in received messages are
    /// not ours, and this says so without folding them or looking them up.
    first_labels: LabelFilter,
    /// Service type names in use, with how many services have each (RFC 6763 §9).
    pub types: VecMap<Name, u32>,
    /// Per type ever registered: the key its type-enumeration PTR is known by (the
    /// first registration of the type; kept for the engine's life, so that the record
    /// keeps one multicast history however registrations come and go) and the PTR's
    /// data. Types come only from the caller, so this grows only with what it
    /// registers.
    type_tokens: VecMap<Name, (RegistrationId, RecordData)>,
    /// `_services._dns-sd._udp.local.`.
    pub enum_name: Name,
    /// Counts changes of which host names are indexed: a service's cached SRV target
    /// registration (`Service::host_seen`) is good while this has not moved.
    host_epoch: u32,
}

impl Registry {
    pub fn new() -> Self {
        Registry {
            regs: Regs::default(),
            index: HashMap::with_hasher(WordState),
            first_labels: LabelFilter::new(),
            types: VecMap::new(),
            type_tokens: VecMap::new(),
            enum_name: crate::sd::service_enumeration_name(),
            host_epoch: 0,
        }
    }

    pub fn node(&self, name: &NameRef<'_>) -> Option<&Node> {
        self.node_folded(&Folded::of_ref(name))
    }

    /// [`node`](Self::node) for the owner name of another host's record (a response's,
    /// a probe's authority records): on a busy link most are not ours, and the
    /// first-label filter says so for most of those without a fold or a look-up. (Not
    /// for names that are usually ours, such as a known answer's: there the filter
    /// only adds its cost.)
    #[inline]
    pub fn node_of_other(&self, name: &NameRef<'_>) -> Option<&Node> {
        if !self.may_hold(name) {
            return None;
        }
        self.node(name)
    }

    /// False if `name` is certainly not an indexed name (see [`LabelFilter`]).
    #[inline]
    pub fn may_hold(&self, name: &NameRef<'_>) -> bool {
        self.first_labels.may_hold(name)
    }

    /// The node of a name already folded.
    pub fn node_folded(&self, name: &Folded) -> Option<&Node> {
        self.index.get(name.as_bytes())
    }

    /// The host registration a service's SRV points at, if we hold that host name
    /// (answerable or not): looked up once, then cached in the service until a host
    /// name is indexed or unindexed.
    pub fn host_of(&self, s: &Service) -> Option<RegistrationId> {
        if let Some(h) = s.host_seen(self.host_epoch) {
            return h;
        }
        let h = self.node_by_key(s.host_key()).and_then(|n| n.host);
        s.set_host_seen(self.host_epoch, h);
        h
    }

    /// The node of a name already in index-key form (see [`Service::host_key`]).
    pub fn node_by_key(&self, key: &[u8]) -> Option<&Node> {
        self.index.get(key)
    }

    pub fn node_by_name(&self, name: &Name) -> Option<&Node> {
        self.index.get(Folded::of_name(name).as_bytes())
    }

    /// True if a registration of ours owns unique records at `name`.
    pub fn name_taken(&self, name: &Name) -> bool {
        self.node_by_name(name).is_some_and(|n| n.owner().is_some())
    }

    /// True if `name` is `_services._dns-sd._udp.local.`.
    pub fn is_enum_name(&self, name: &NameRef<'_>) -> bool {
        name.eq_name(&self.enum_name)
    }

    /// True if `name` (folded) is `_services._dns-sd._udp.local.`.
    pub fn is_enum_folded(&self, name: &Folded) -> bool {
        // The enumeration name is all lower case already.
        name.as_bytes() == self.enum_name.as_wire()
    }

    /// Adds `reg` and indexes its names.
    pub fn insert(&mut self, reg: Registration) {
        let id = reg.id;
        self.index_reg(&reg);
        self.regs.insert(id, reg);
    }

    /// Removes a registration from the name index (it stays in `regs`).
    pub fn unindex(&mut self, id: RegistrationId) {
        let Some(reg) = self.regs.get(&id) else {
            return;
        };
        let name = reg.name.clone();
        let service = reg
            .service()
            .map(|s| (s.type_name().clone(), s.subtypes().to_vec()));
        let host = reg.is_host();
        if host {
            self.host_epoch = self.host_epoch.wrapping_add(1);
        }
        self.edit(&name, |n| {
            if host {
                n.host = None;
            } else {
                n.instance = None;
            }
        });
        if let Some((ty, subs)) = service {
            for ptr_name in core::iter::once(&ty).chain(subs.iter()) {
                self.edit(ptr_name, |n| {
                    n.ptr.retain(|r| r.0 != id);
                });
            }
            if let Some(c) = self.types.get_mut(&ty) {
                *c -= 1;
                if *c == 0 {
                    // The token stays: a service of this type registered again later
                    // inherits the record's multicast history (RFC 6762 §6).
                    self.types.remove(&ty);
                }
            }
        }
    }

    /// Indexes a registration (after a rename).
    pub fn reindex(&mut self, id: RegistrationId) {
        if let Some(reg) = self.regs.take(&id) {
            self.index_reg(&reg);
            self.regs.insert(id, reg);
        }
    }

    fn index_reg(&mut self, reg: &Registration) {
        let id = reg.id;
        let node = node_entry(&mut self.index, &mut self.first_labels, &reg.name);
        match &reg.kind {
            Kind::Host(_) => {
                node.host = Some(id);
                self.host_epoch = self.host_epoch.wrapping_add(1);
            }
            Kind::Service(s) => {
                node.instance = Some(id);
                for (i, ptr_name) in core::iter::once(s.type_name())
                    .chain(s.subtypes())
                    .enumerate()
                {
                    let n = node_entry(&mut self.index, &mut self.first_labels, ptr_name);
                    if let Err(at) = n.ptr.binary_search_by_key(&id, |p| p.0) {
                        // At most `MAX_SUBTYPES` (32) subtypes: the index fits.
                        let Ok(i) = u8::try_from(i) else { break };
                        n.ptr.insert(at, (id, i));
                    }
                }
                *self.types.get_or_insert_with(s.type_name().clone(), || 0) += 1;
                if !self.type_tokens.contains_key(s.type_name()) {
                    self.type_tokens
                        .insert(s.type_name().clone(), (id, s.type_ptr()));
                }
            }
        }
    }

    fn edit(&mut self, name: &Name, f: impl FnOnce(&mut Node)) {
        let key = Folded::of_name(name);
        if let Some(n) = self.index.get_mut(key.as_bytes()) {
            f(n);
            if n.is_empty() {
                self.index.remove(key.as_bytes());
                self.first_labels.removed(name);
            }
        }
    }

    /// The key of the type-enumeration PTR of `type_name` on `iface` (RFC 6763 §9), if
    /// a service of that type answers there: one record per type, whatever the number
    /// of services, known by the type's token (see `type_tokens`).
    pub fn enum_rep(&self, type_name: &Name, iface: InterfaceId) -> Option<RegistrationId> {
        let node = self.node_by_name(type_name)?;
        let answered = node.ptr.iter().any(|(id, _)| {
            self.regs.get(id).is_some_and(|r| {
                r.answerable(iface) && r.service().is_some_and(|s| s.type_name() == type_name)
            })
        });
        answered
            .then(|| self.type_tokens.get(type_name).map(|t| t.0))
            .flatten()
    }

    /// The data of the type-enumeration PTR known by `token` (see `type_tokens`).
    pub fn type_ptr(&self, token: RegistrationId) -> Option<&RecordData> {
        self.type_tokens
            .values()
            .find(|t| t.0 == token)
            .map(|t| &t.1)
    }
}

/// The index's node for `name`, made (and counted in `filter`) if new.
fn node_entry<'a>(
    index: &'a mut HashMap<Box<[u8]>, Node, WordState>,
    filter: &mut LabelFilter,
    name: &Name,
) -> &'a mut Node {
    match index.entry(index_key(name)) {
        Entry::Occupied(o) => o.into_mut(),
        Entry::Vacant(v) => {
            filter.added(name);
            v.insert(Node::default())
        }
    }
}
