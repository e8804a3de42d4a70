//! The records we own: registrations, their state on each interface, and an index from
//! owner name to the registrations holding records there, so that answering a question
//! costs one hash lookup, never a scan of every service.
//!
//! Records are not stored one by one: a `RecKey` names a record by its registration
//! and kind, and `Registry::rec` materialises it. Host address records are read from
//! the engine's interface table at that moment, so only the addresses valid on the
//! interface an answer goes out on are used (RFC 6762 §6.2).

use super::api::InterfaceSelection;
use super::fold::{Folded, WordState};
use super::regs::Regs;
use crate::engine::config::Config;
use crate::engine::event::RegistrationId;
use crate::engine::io::{Family, IfAddr, InterfaceId};
use crate::name::Name;
use crate::sd::InstanceName;
use crate::time::Instant;
use crate::wire::{NameRef, NsecBitmap, RData, RecordData, Rtype};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::cell::Cell;
use core::hash::Hash;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use hashbrown::HashMap;
use smallvec::SmallVec;

/// Where a registration stands on one interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Probing (RFC 6762 §8.1): `sent` probes are out; the next step is due at the
    /// link's `at`.
    Probing { sent: u8 },
    /// Announcing (§8.3): `sent` announcements are out.
    Announcing { sent: u8 },
    /// Done: the records are answered and defended, and sent only when asked for.
    Established,
}

/// A registration's state on one interface.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    pub iface: InterfaceId,
    pub phase: Phase,
    /// When the next step of `phase` is due.
    pub at: Option<Instant>,
    /// At least one announcement of the current name went out here (so a goodbye is
    /// owed on unregistering or renaming, RFC 6762 §10.1).
    pub announced: bool,
    /// When the registration's own records were last multicast here.
    pub multicast: McTimes,
}

/// When each of a registration's records was last multicast on one link, per family
/// (RFC 6762 §6 allows once a second): SRV, TXT and NSEC, then the PTRs (type name,
/// then each subtype), and for a host its address records, each slot holding the
/// address it was claimed for. Kept here, next to the registration, so that checking
/// the rate limit of a record being written costs no table lookup. The type-enumeration
/// PTR, and the addresses of a host with more than [`ADDR_SLOTS`] per family on one
/// interface, are kept in the schedule's table instead. `Cell`s: a record is noted as
/// sent while the registry is only borrowed for writing it.
#[derive(Clone, Debug, Default)]
pub(crate) struct McTimes {
    /// `slot * 2 + family` (0 for IPv4, 1 for IPv6).
    slots: SmallVec<[Cell<Option<Instant>>; 8]>,
    /// A host's address records: [`ADDR_SLOTS`] for IPv4 multicast, then as many for
    /// IPv6; a slot is claimed by the first address noted in it and kept until
    /// [`clear`](Self::clear). Empty for a service.
    addrs: Box<[AddrSlot]>,
}

/// Address records of a host whose multicast times are kept in its link, per family of
/// the datagrams they go out in (an interface has a few addresses: more go to the
/// schedule's table).
pub const ADDR_SLOTS: usize = 4;

/// An address record's slot: the address that claimed it and its last multicast.
pub(crate) type AddrSlot = Cell<Option<(IpAddr, Instant)>>;

/// Where one record's last multicast time is kept in its registration's link.
#[derive(Clone, Copy, Debug)]
pub(crate) enum McCell<'a> {
    /// One of the registration's own records (SRV, TXT, NSEC, a PTR).
    Own(&'a Cell<Option<Instant>>),
    /// A host's address record: the slot it holds, or a free one it will claim.
    Addr(&'a AddrSlot, IpAddr),
}

impl McCell<'_> {
    /// When the record was last multicast, if it was.
    #[inline]
    pub fn get(self) -> Option<Instant> {
        match self {
            McCell::Own(c) => c.get(),
            McCell::Addr(c, addr) => c.get().and_then(|(a, t)| (a == addr).then_some(t)),
        }
    }

    /// Notes the record as multicast at `now`.
    #[inline]
    pub fn set(self, now: Instant) {
        match self {
            McCell::Own(c) => c.set(Some(now)),
            McCell::Addr(c, addr) => c.set(Some((addr, now))),
        }
    }
}

impl McTimes {
    /// Slots for a registration of `kind`.
    pub fn for_kind(kind: &Kind) -> Self {
        let (ptrs, addrs) = match kind {
            Kind::Service(s) => (1 + s.subtypes.len(), 0),
            Kind::Host(_) => (0, 2 * ADDR_SLOTS),
        };
        McTimes {
            slots: (0..(3 + ptrs) * 2).map(|_| Cell::new(None)).collect(),
            addrs: (0..addrs).map(|_| Cell::new(None)).collect(),
        }
    }

    /// The slot of `key` for `family`, if it is one kept here. An address record gets
    /// the slot holding its address, else the first free one; `None` once all are
    /// taken by other addresses. (Slots are only freed all together, by `clear`, so an
    /// address sent to the table while they were full is never looked for here.)
    pub fn get(&self, key: RecKey, family: Family) -> Option<McCell<'_>> {
        let f = match family {
            Family::V4 => 0,
            Family::V6 => 1,
        };
        let slot = match key {
            RecKey::Srv(_) => 0,
            RecKey::Txt(_) => 1,
            RecKey::Nsec(_) => 2,
            RecKey::Ptr(_, i) => 3 + usize::from(i),
            RecKey::A(_, a) => return self.addr_cell(IpAddr::V4(a), f),
            RecKey::Aaaa(_, a) => return self.addr_cell(IpAddr::V6(a), f),
            RecKey::EnumPtr(_) => return None,
        };
        self.slots.get(slot * 2 + f).map(McCell::Own)
    }

    fn addr_cell(&self, addr: IpAddr, f: usize) -> Option<McCell<'_>> {
        let slots = self.addrs.get(f * ADDR_SLOTS..(f + 1) * ADDR_SLOTS)?;
        slots
            .iter()
            .find(|c| match c.get() {
                None => true,
                Some((a, _)) => a == addr,
            })
            .map(|c| McCell::Addr(c, addr))
    }

    /// Forgets every time (the records are new: a new name).
    pub fn clear(&self) {
        for c in &self.slots {
            c.set(None);
        }
        for c in &self.addrs {
            c.set(None);
        }
    }
}

impl Link {
    /// True once the name is ours on this link: its records are answered.
    pub fn answerable(&self) -> bool {
        !matches!(self.phase, Phase::Probing { .. })
    }
}

/// The data of a registered service, its records prebuilt so answering never encodes.
#[derive(Clone, Debug)]
pub(crate) struct Service {
    pub instance: InstanceName,
    /// `_http._tcp.local.`.
    pub type_name: Name,
    /// Subtype names, `_printer._sub._http._tcp.local.` (RFC 6763 §7.1).
    pub subtypes: Vec<Name>,
    /// SRV target.
    pub host: Name,
    /// `host` as the name index's key (folded), kept by [`Service::set_srv`]: finding
    /// the target's registration for the additional records costs a lookup, no fold.
    pub host_key: Box<[u8]>,
    /// The registration found at `host_key`, and the registry's host epoch when it
    /// was looked up (see [`Registry::host_of`]).
    pub host_seen: Cell<Option<(u32, Option<RegistrationId>)>>,
    pub port: u16,
    /// PTR rdata: the instance name.
    pub ptr: RecordData,
    /// PTR rdata of the type enumeration record: the type name (RFC 6763 §9).
    pub type_ptr: RecordData,
    pub srv: RecordData,
    pub txt: RecordData,
    /// NSEC rdata: SRV and TXT exist (RFC 6762 §6.1).
    pub nsec: RecordData,
}

impl Service {
    pub fn set_srv(&mut self, instance_name: &Name) {
        self.srv = RecordData::Srv {
            priority: 0,
            weight: 0,
            port: self.port,
            target: self.host.clone(),
        };
        self.host_key = index_key(&self.host);
        self.host_seen.set(None);
        self.ptr = RecordData::Ptr(instance_name.clone());
        self.nsec = RecordData::Nsec {
            next: instance_name.clone(),
            types: NsecBitmap::build(&[Rtype::TXT, Rtype::SRV]),
        };
    }
}

/// A host name's NSEC records, prebuilt for the current name (RFC 6762 §6.1, §6.2):
/// the one an interface gets depends on the address families it has there.
#[derive(Clone, Debug)]
pub(crate) struct HostRecords {
    /// Only IPv4 addresses on the interface: NSEC says A.
    pub nsec_v4: RecordData,
    /// Only IPv6: AAAA.
    pub nsec_v6: RecordData,
    /// Both: A and AAAA.
    pub nsec_both: RecordData,
}

impl HostRecords {
    pub fn new(name: &Name) -> Box<Self> {
        let nsec = |types: &[Rtype]| RecordData::Nsec {
            next: name.clone(),
            types: NsecBitmap::build(types),
        };
        Box::new(HostRecords {
            nsec_v4: nsec(&[Rtype::A]),
            nsec_v6: nsec(&[Rtype::AAAA]),
            nsec_both: nsec(&[Rtype::A, Rtype::AAAA]),
        })
    }
}

/// A service or a host name.
#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Service(Box<Service>),
    Host(Box<HostRecords>),
}

/// One registration.
#[derive(Clone, Debug)]
pub(crate) struct Registration {
    pub id: RegistrationId,
    /// The full name probed and owned: the instance name or the host name.
    pub name: Name,
    pub kind: Kind,
    pub allow_rename: bool,
    pub interfaces: InterfaceSelection,
    pub links: SmallVec<[Link; 2]>,
    /// `Registered` was reported for the current name.
    pub registered: bool,
    /// Renames so far (bounded, see `MAX_RENAMES`).
    pub renames: u32,
}

impl Registration {
    pub fn link(&self, iface: InterfaceId) -> Option<&Link> {
        self.links.iter().find(|l| l.iface == iface)
    }

    pub fn link_mut(&mut self, iface: InterfaceId) -> Option<&mut Link> {
        self.links.iter_mut().find(|l| l.iface == iface)
    }

    /// Where `key` (one of this registration's records) keeps its last multicast on
    /// `iface` in `family`, if in its link (see [`McTimes`]).
    #[inline]
    pub fn multicast_cell(
        &self,
        key: RecKey,
        iface: InterfaceId,
        family: Family,
    ) -> Option<McCell<'_>> {
        self.link(iface)?.multicast.get(key, family)
    }

    pub fn answerable(&self, iface: InterfaceId) -> bool {
        self.link(iface).is_some_and(Link::answerable)
    }

    pub fn service(&self) -> Option<&Service> {
        match &self.kind {
            Kind::Service(s) => Some(s),
            Kind::Host(_) => None,
        }
    }

    pub fn is_host(&self) -> bool {
        matches!(self.kind, Kind::Host(_))
    }
}

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
    /// The registration it belongs to (`None` for a type-enumeration PTR).
    pub reg: Option<&'a Registration>,
    pub name: &'a Name,
    pub data: Data<'a>,
    /// Unique (cache-flush bit in responses) or shared (PTR).
    pub unique: bool,
    pub ttl: u32,
}

impl Rec<'_> {
    /// Where the record's last multicast on `iface` in `family` is kept in its
    /// registration, if it is (see [`McTimes`]), as [`Registry::multicast_cell`].
    pub fn multicast_cell(
        &self,
        key: RecKey,
        iface: InterfaceId,
        family: Family,
    ) -> Option<McCell<'_>> {
        self.reg?.multicast_cell(key, iface, family)
    }
}

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
    pub regs: Regs,
    /// Keyed by the name folded to lower case (see [`Folded`]).
    index: HashMap<Box<[u8]>, Node, WordState>,
    /// Service type names in use, with how many services have each (RFC 6763 §9).
    pub types: BTreeMap<Name, u32>,
    /// Per type ever registered: the key its type-enumeration PTR is known by (the
    /// first registration of the type; kept for the engine's life, so that the record
    /// keeps one multicast history however registrations come and go) and the PTR's
    /// data. Types come only from the caller, so this grows only with what it
    /// registers.
    type_tokens: BTreeMap<Name, (RegistrationId, RecordData)>,
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
            types: BTreeMap::new(),
            type_tokens: BTreeMap::new(),
            enum_name: crate::sd::service_enumeration_name(),
            host_epoch: 0,
        }
    }

    pub fn node(&self, name: &NameRef<'_>) -> Option<&Node> {
        self.node_folded(&Folded::of_ref(name))
    }

    /// The node of a name already folded.
    pub fn node_folded(&self, name: &Folded) -> Option<&Node> {
        self.index.get(name.as_bytes())
    }

    /// The host registration a service's SRV points at, if we hold that host name
    /// (answerable or not): looked up once, then cached in the service until a host
    /// name is indexed or unindexed.
    pub fn host_of(&self, s: &Service) -> Option<RegistrationId> {
        if let Some((epoch, h)) = s.host_seen.get() {
            if epoch == self.host_epoch {
                return h;
            }
        }
        let h = self.node_by_key(&s.host_key).and_then(|n| n.host);
        s.host_seen.set(Some((self.host_epoch, h)));
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
            .map(|s| (s.type_name.clone(), s.subtypes.clone()));
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
        let node = self.index.entry(index_key(&reg.name)).or_default();
        match &reg.kind {
            Kind::Host(_) => {
                node.host = Some(id);
                self.host_epoch = self.host_epoch.wrapping_add(1);
            }
            Kind::Service(s) => {
                node.instance = Some(id);
                for (i, ptr_name) in core::iter::once(&s.type_name)
                    .chain(s.subtypes.iter())
                    .enumerate()
                {
                    let n = self.index.entry(index_key(ptr_name)).or_default();
                    if let Err(at) = n.ptr.binary_search_by_key(&id, |p| p.0) {
                        // At most `MAX_SUBTYPES` (32) subtypes: the index fits.
                        let Ok(i) = u8::try_from(i) else { break };
                        n.ptr.insert(at, (id, i));
                    }
                }
                *self.types.entry(s.type_name.clone()).or_insert(0) += 1;
                self.type_tokens
                    .entry(s.type_name.clone())
                    .or_insert_with(|| (id, s.type_ptr.clone()));
            }
        }
    }

    fn edit(&mut self, name: &Name, f: impl FnOnce(&mut Node)) {
        let key = Folded::of_name(name);
        if let Some(n) = self.index.get_mut(key.as_bytes()) {
            f(n);
            if n.is_empty() {
                self.index.remove(key.as_bytes());
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
                r.answerable(iface) && r.service().is_some_and(|s| s.type_name == *type_name)
            })
        });
        answered
            .then(|| self.type_tokens.get(type_name).map(|t| t.0))
            .flatten()
    }

    /// Where `key`'s last multicast on `iface` in `family` is kept in its
    /// registration, if it is (see [`McTimes`]). Costs a lookup of the registration;
    /// [`Rec::multicast_cell`] does not.
    pub fn multicast_cell(
        &self,
        key: RecKey,
        iface: InterfaceId,
        family: Family,
    ) -> Option<McCell<'_>> {
        if matches!(key, RecKey::EnumPtr(_)) {
            // Kept in the schedule's table: no need to look the registration up.
            return None;
        }
        self.regs
            .get(&key.reg())?
            .multicast_cell(key, iface, family)
    }

    /// Materialises a record as sent on an interface with addresses `addrs`. `None` if
    /// it no longer exists (registration gone, address removed).
    pub fn rec<'a>(&'a self, key: RecKey, addrs: &[IfAddr], config: &Config) -> Option<Rec<'a>> {
        if let RecKey::EnumPtr(token) = key {
            let (_, data) = self.type_tokens.values().find(|t| t.0 == token)?;
            return Some(Rec {
                reg: None,
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
                    &s.type_name
                } else {
                    s.subtypes.get(usize::from(i) - 1)?
                };
                Rec {
                    reg: Some(reg),
                    name,
                    data: Data::Borrowed(&s.ptr),
                    unique: false,
                    ttl: other_ttl,
                }
            }
            RecKey::EnumPtr(_) => return None, // handled above
            RecKey::Srv(_) => Rec {
                reg: Some(reg),
                name: &reg.name,
                data: Data::Borrowed(&svc?.srv),
                unique: true,
                ttl: host_ttl,
            },
            RecKey::Txt(_) => Rec {
                reg: Some(reg),
                name: &reg.name,
                data: Data::Borrowed(&svc?.txt),
                unique: true,
                ttl: other_ttl,
            },
            RecKey::A(_, a) => {
                if !reg.is_host() || !addrs.iter().any(|x| x.addr == IpAddr::V4(a)) {
                    return None;
                }
                Rec {
                    reg: Some(reg),
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
                    reg: Some(reg),
                    name: &reg.name,
                    data: Data::Aaaa(a),
                    unique: true,
                    ttl: host_ttl,
                }
            }
            RecKey::Nsec(_) => match &reg.kind {
                Kind::Service(s) => Rec {
                    reg: Some(reg),
                    name: &reg.name,
                    data: Data::Borrowed(&s.nsec),
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
                        reg: Some(reg),
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
    pub fn proposed(&self, id: RegistrationId, addrs: &[IfAddr]) -> SmallVec<[RecKey; 4]> {
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

    /// Finds the record of ours that a received record (name, type, data) is a copy of.
    /// Costs a few hash lookups whatever the number of services.
    pub fn find(
        &self,
        name: &NameRef<'_>,
        rtype: Rtype,
        rdata: &RData<'_>,
        iface: InterfaceId,
        addrs: &[IfAddr],
    ) -> Option<RecKey> {
        let node = self.node(name);
        match (rtype, rdata) {
            (Rtype::PTR, RData::Ptr(target)) => {
                if self.is_enum_name(name) {
                    let ty = self.types.get_key_value(&target.to_name())?.0;
                    return self.enum_rep(ty, iface).map(RecKey::EnumPtr);
                }
                let node = node?;
                let inst = self.node(target)?.instance?;
                let at = node.ptr.binary_search_by_key(&inst, |p| p.0).ok()?;
                Some(RecKey::Ptr(inst, node.ptr[at].1))
            }
            (Rtype::SRV | Rtype::TXT, _) => {
                let id = node?.instance?;
                let s = self.regs.get(&id)?.service()?;
                if rtype == Rtype::SRV && s.srv.matches(rdata) {
                    Some(RecKey::Srv(id))
                } else if rtype == Rtype::TXT && s.txt.matches(rdata) {
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

/// The name index's key for `name`.
fn index_key(name: &Name) -> Box<[u8]> {
    Box::from(Folded::of_name(name).as_bytes())
}

/// The address types a host has on an interface with `addrs`.
pub(crate) fn host_types(addrs: &[IfAddr]) -> SmallVec<[Rtype; 2]> {
    let mut t = SmallVec::new();
    if addrs.iter().any(|a| a.addr.is_ipv4()) {
        t.push(Rtype::A);
    }
    if addrs.iter().any(|a| a.addr.is_ipv6()) {
        t.push(Rtype::AAAA);
    }
    t
}
