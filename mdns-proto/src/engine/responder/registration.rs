//! One registration: a service or a host name, its records prebuilt so that answering
//! never encodes, and its state on each interface it is published on. What is not here:
//! the table of registrations (`regs.rs`), the name index (`registry.rs`), when records
//! were last multicast (`multicast.rs`).

use super::fold::Folded;
use crate::engine::event::RegistrationId;
use crate::engine::io::InterfaceId;
use crate::name::Name;
use crate::sd::InstanceName;
use crate::time::Instant;
use crate::wire::{NsecBitmap, RecordData, Rtype};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::Cell;

/// The interfaces a registration is published on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum InterfaceSelection {
    /// Every interface the engine runs on, present and future.
    #[default]
    All,
    /// Only these.
    Only(Vec<InterfaceId>),
}

impl InterfaceSelection {
    /// True if the registration is published on `id`.
    pub fn includes(&self, id: InterfaceId) -> bool {
        match self {
            InterfaceSelection::All => true,
            InterfaceSelection::Only(list) => list.contains(&id),
        }
    }
}

/// Where a registration stands on one interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Probing (RFC 6762 §8.1): `sent` probes are out; the next step is due at the
    /// link's `at`.
    Probing { sent: u8 },
    /// Announcing (RFC 6762 §8.3): `sent` announcements are out.
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
}

impl Link {
    /// A link where probing starts.
    pub fn new(iface: InterfaceId) -> Self {
        Link {
            iface,
            phase: Phase::Probing { sent: 0 },
            at: None,
            announced: false,
        }
    }

    /// True once the name is ours on this link: its records are answered.
    pub fn answerable(&self) -> bool {
        !matches!(self.phase, Phase::Probing { .. })
    }
}

/// A registered service and its records. Built whole by [`Service::new`] and changed
/// only through its methods, which rebuild what depends on what changed: its SRV always
/// names its host and port, its PTR and NSEC its instance name.
#[derive(Clone, Debug)]
pub(crate) struct Service {
    instance: InstanceName,
    /// `_http._tcp.local.`.
    type_name: Name,
    /// Subtype names, `_printer._sub._http._tcp.local.` (RFC 6763 §7.1).
    subtypes: Vec<Name>,
    /// `host` (the SRV's target) as the name index's key (folded): finding the target's registration for
    /// the additional records costs a lookup, no fold.
    host_key: Box<[u8]>,
    /// The registration found at `host_key`, and the registry's host epoch when it was
    /// looked up (see `Registry::host_of`).
    host_seen: Cell<Option<(u32, Option<RegistrationId>)>>,
    port: u16,
    /// PTR rdata: the instance name.
    ptr: RecordData,
    /// SRV rdata; its target is the service's host (no copy kept beside it).
    srv: RecordData,
    txt: RecordData,
    /// NSEC rdata: SRV and TXT exist (RFC 6762 §6.1).
    nsec: RecordData,
}

impl Service {
    /// A service `instance` of `type_name` (and `subtypes`) on `host`:`port`, whose full
    /// name is `full_name`, with TXT rdata `txt`.
    pub fn new(
        instance: InstanceName,
        type_name: Name,
        subtypes: Vec<Name>,
        host: Name,
        port: u16,
        txt: RecordData,
        full_name: &Name,
    ) -> Self {
        Service {
            instance,
            type_name,
            subtypes,
            host_key: index_key(&host),
            host_seen: Cell::new(None),
            srv: srv(&host, port),
            port,
            ptr: RecordData::Ptr(full_name.clone()),
            txt,
            nsec: nsec(full_name),
        }
    }

    pub fn instance(&self) -> &InstanceName {
        &self.instance
    }

    pub fn type_name(&self) -> &Name {
        &self.type_name
    }

    pub fn subtypes(&self) -> &[Name] {
        &self.subtypes
    }

    /// The SRV target.
    pub fn host(&self) -> &Name {
        match &self.srv {
            RecordData::Srv { target, .. } => target,
            // `srv` is only ever set by `srv()`.
            _ => unreachable!(),
        }
    }

    /// `host` as the name index's key.
    pub fn host_key(&self) -> &[u8] {
        &self.host_key
    }

    /// The registration of `host` found when the registry's host epoch was `epoch`.
    pub fn host_seen(&self, epoch: u32) -> Option<Option<RegistrationId>> {
        match self.host_seen.get() {
            Some((e, h)) if e == epoch => Some(h),
            _ => None,
        }
    }

    /// Remembers the registration of `host` found at host epoch `epoch`.
    pub fn set_host_seen(&self, epoch: u32, host: Option<RegistrationId>) {
        self.host_seen.set(Some((epoch, host)));
    }

    pub fn ptr(&self) -> &RecordData {
        &self.ptr
    }

    /// PTR rdata of the type enumeration record: the type name (RFC 6763 §9).
    pub fn type_ptr(&self) -> RecordData {
        RecordData::Ptr(self.type_name.clone())
    }

    pub fn srv(&self) -> &RecordData {
        &self.srv
    }

    pub fn txt(&self) -> &RecordData {
        &self.txt
    }

    pub fn nsec(&self) -> &RecordData {
        &self.nsec
    }

    /// Lists it under one more subtype name (RFC 6763 §7.1), as the last one.
    pub fn push_subtype(&mut self, name: Name) {
        self.subtypes.push(name);
    }

    /// Stops listing it under subtype `i` (0-based); the ones after move down by one.
    pub fn remove_subtype(&mut self, i: usize) -> Name {
        self.subtypes.remove(i)
    }

    /// New TXT rdata (RFC 6762 §8.4).
    pub fn set_txt(&mut self, txt: RecordData) {
        self.txt = txt;
    }

    /// A new port: the SRV follows (RFC 6762 §8.4).
    pub fn set_port(&mut self, port: u16) {
        self.port = port;
        self.srv = srv(self.host(), port);
    }

    /// A new SRV target (the host was renamed, RFC 6762 §9).
    pub fn set_host(&mut self, host: Name) {
        self.host_key = index_key(&host);
        self.host_seen.set(None);
        self.srv = srv(&host, self.port);
    }

    /// A new instance label (after a conflict, RFC 6762 §9), whose full name is
    /// `full_name`: the PTR and NSEC follow.
    pub fn rename(&mut self, instance: InstanceName, full_name: &Name) {
        self.instance = instance;
        self.ptr = RecordData::Ptr(full_name.clone());
        self.nsec = nsec(full_name);
    }
}

/// SRV rdata pointing at `host`:`port`.
fn srv(host: &Name, port: u16) -> RecordData {
    RecordData::Srv {
        priority: 0,
        weight: 0,
        port,
        target: host.clone(),
    }
}

/// A service's NSEC rdata: SRV and TXT exist at `name` (RFC 6762 §6.1).
fn nsec(name: &Name) -> RecordData {
    RecordData::Nsec {
        next: name.clone(),
        types: NsecBitmap::build(&[Rtype::TXT, Rtype::SRV]),
    }
}

/// The name index's key for `name`.
pub(crate) fn index_key(name: &Name) -> Box<[u8]> {
    Box::from(Folded::of_name(name).as_bytes())
}

/// A host name's NSEC records, prebuilt for the current name (RFC 6762 §6.1, RFC 6762 §6.2):
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
    pub links: Vec<Link>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    fn srv_of(s: &Service) -> (u16, Name) {
        match s.srv() {
            RecordData::Srv { port, target, .. } => (*port, target.clone()),
            other => panic!("not an SRV: {other:?}"),
        }
    }

    /// A service's records are built with it and follow every change: its SRV names
    /// its host and port, its PTR and NSEC its instance name (no placeholder, ever).
    #[test]
    fn a_service_s_records_follow_its_host_port_and_name() {
        let full = name("Kitchen._http._tcp.local");
        let txt = RecordData::Txt(smallvec::SmallVec::from_slice(b"\x06path=/"));
        let mut s = Service::new(
            InstanceName::new("Kitchen").unwrap(),
            name("_http._tcp.local"),
            Vec::new(),
            name("box.local"),
            80,
            txt,
            &full,
        );
        assert_eq!(srv_of(&s), (80, name("box.local")));
        assert_eq!(s.ptr(), &RecordData::Ptr(full.clone()));
        assert!(matches!(s.nsec(), RecordData::Nsec { next, .. } if *next == full));
        s.set_port(8080);
        s.set_host(name("box-2.local"));
        assert_eq!(srv_of(&s), (8080, name("box-2.local")));
        assert_eq!(s.host_key(), &*index_key(&name("BOX-2.local")));
        let renamed = name("Kitchen (2)._http._tcp.local");
        s.rename(InstanceName::new("Kitchen (2)").unwrap(), &renamed);
        assert_eq!(s.ptr(), &RecordData::Ptr(renamed.clone()));
        assert!(matches!(s.nsec(), RecordData::Nsec { next, .. } if *next == renamed));
        assert_eq!(srv_of(&s), (8080, name("box-2.local")));
    }
}
