//! What waits in the responder's outbox, in order: probes, responses (answers,
//! announcements, legacy replies) and goodbyes, each turned into datagrams by
//! `write.rs` when its turn comes.

use super::records::RecKey;
use crate::engine::event::RegistrationId;
use crate::engine::io::{Destination, Family, InterfaceId};
use crate::name::Name;
use crate::wire::{Class, RecordData, Rtype};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::time::Duration;

/// A probe datagram to write: these registrations' names, on one interface and family.
#[derive(Clone, Debug)]
pub(crate) struct ProbeJob {
    pub iface: InterfaceId,
    pub family: Family,
    /// (registration, QU bit) still to go.
    pub regs: Vec<(RegistrationId, bool)>,
}

/// A response to write: answers, then additionals.
#[derive(Clone, Debug)]
pub(crate) struct ResponseJob {
    pub iface: InterfaceId,
    pub dest: Destination,
    /// Answers still to go, in order.
    pub answers: Vec<RecKey>,
    /// Fixed additionals (announcements), sent with the last datagram.
    pub additionals: Vec<RecKey>,
    /// Work out additional records per datagram (RFC 6763 §12).
    pub auto_additionals: bool,
    /// For answers to queries sent by multicast: an answer multicast on the interface
    /// within this long is left out, and one written is noted as multicast (RFC 6762 §6:
    /// once a second, or 250 ms when defending a name). Checked when the datagram is
    /// written, where the record is looked up anyway.
    pub gap: Option<Duration>,
    /// Set for legacy unicast replies (RFC 6762 §6.7).
    pub legacy: Option<Box<LegacyQuery>>,
}

/// What a legacy reply echoes (RFC 6762 §6.7).
#[derive(Clone, Debug)]
pub(crate) struct LegacyQuery {
    pub id: u16,
    /// Usually one or two: kept inline.
    pub questions: Vec<(Name, Rtype, Class)>,
}

/// An owned record for a goodbye: its registration may be gone by the time it is sent.
#[derive(Clone, Debug)]
pub(crate) struct OwnedRec {
    pub name: Name,
    pub data: RecordData,
    pub unique: bool,
}

/// Goodbye records (TTL 0, RFC 6762 §10.1).
#[derive(Clone, Debug)]
pub(crate) struct GoodbyeJob {
    pub iface: InterfaceId,
    pub family: Family,
    pub records: Vec<OwnedRec>,
    /// Registrations to report `Unregistered` for once this job is out.
    pub notify: Vec<RegistrationId>,
}

/// Something to send.
#[derive(Clone, Debug)]
pub(crate) enum Job {
    Probe(ProbeJob),
    Response(ResponseJob),
    Goodbye(GoodbyeJob),
}

impl Job {
    pub fn iface(&self) -> InterfaceId {
        match self {
            Job::Probe(p) => p.iface,
            Job::Response(r) => r.iface,
            Job::Goodbye(g) => g.iface,
        }
    }
}
