//! Publishing a service with DNS UPDATE (RFC 2136), the unicast counterpart of probing
//! and announcing (RFC 6763 §4, RFC 6762 §8):
//!
//! 1. **Claim**: one update adds the PTR (and a PTR per subtype), SRV and TXT records
//!    (and the host's A / AAAA if asked), on the prerequisite that the instance name
//!    is not in use (RFC 2136 §2.4.5). Accepted: registered.
//! 2. On YXDOMAIN, **reclaim**: the same records again, on the prerequisite that the
//!    name's SRV RRset is exactly ours (same target, same port: RFC 2136 §2.4.2), so a
//!    publisher that restarts with its records still in the zone replaces them (the
//!    TXT RRset deleted and re-added) instead of renaming. Accepted: registered.
//! 3. On NXRRSET, the name is someone else's: **rename** as on the link (`Name (2)`,
//!    `mdns_sansio::sd::next_service_name`) and claim again.
//! 4. **Refresh** before the lease runs out (RFC 9664 §4: at 80% of what the server
//!    granted, or of what was asked if it says nothing), and after a TXT or address
//!    change: the reclaim update, with the Update Lease option. On NXRRSET (the records
//!    are gone), claim again.
//! 5. **Delete** on unregister and shutdown: the instance's PTRs (that record only, as
//!    other instances share the RRset, RFC 2136 §2.5.4), every RRset at the instance
//!    name, and the host's addresses when no other registration publishes them.
//!
//! Every update carries the Update Lease option and is signed with the zone's key if
//! there is one. A refused update or a server that does not answer is reported once
//! per failing stretch and sent again with backoff: nothing registered is dropped.

use super::error::UpdateError;
use super::event::{Event, RegId};
use super::transport::{Attempts, Failure, Outcome, Owner, Request, TxId, UpdateOp};
use super::Client;
use crate::key::TsigKey;
use crate::names::{instance_name, service_type_name, subtype_name};
use crate::wire::edns::Opt;
use crate::wire::types::Rcode;
use alloc::vec::Vec;
use core::fmt;
use core::net::{IpAddr, SocketAddr};
use core::time::Duration;
use mdns_sansio::sd::{next_service_name, InstanceName, ServiceType};
use mdns_sansio::wire::{RecordData, Rtype};
use mdns_sansio::{Instant, Name, NameError};

/// A service to publish in a unicast domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRegistration {
    /// The instance label (`Web Server`).
    pub instance: InstanceName,
    /// The service type (`_http._tcp`); a subtype on it is ignored, see `subtypes`.
    pub service_type: ServiceType,
    /// Subtype labels (`_printer`), each published as a PTR (RFC 6763 §7.1).
    pub subtypes: Vec<Vec<u8>>,
    /// The domain (`example.com.`).
    pub domain: Name,
    /// The SRV target, a host name in DNS (`host.example.com.`).
    pub host: Name,
    /// Port.
    pub port: u16,
    /// TXT rdata as on the wire (`mdns_sansio::Txt::encode`); empty is sent as one
    /// empty string (RFC 6763 §6.1).
    pub txt: Vec<u8>,
    /// Also publish the host's A / AAAA records, from
    /// [`Client::set_host_addresses`], and keep them current.
    pub publish_addresses: bool,
    /// Rename when the name is taken (else the registration fails).
    pub allow_rename: bool,
}

impl ServiceRegistration {
    /// A registration with no subtypes, an empty TXT, no address records, renaming
    /// allowed.
    pub fn new(
        instance: InstanceName,
        service_type: ServiceType,
        domain: Name,
        host: Name,
        port: u16,
    ) -> Self {
        ServiceRegistration {
            instance,
            service_type,
            subtypes: Vec::new(),
            domain,
            host,
            port,
            txt: Vec::new(),
            publish_addresses: false,
            allow_rename: true,
        }
    }
}

/// Why a registration could not even start.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegisterError {
    /// The id is in use.
    DuplicateId(RegId),
    /// A name built from the registration is not valid (too long).
    Name(NameError),
    /// No server is configured for the domain.
    NoServer {
        /// The domain.
        domain: Name,
    },
    /// The client is shutting down.
    ShuttingDown,
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::DuplicateId(id) => write!(f, "registration id {} is in use", id.0),
            RegisterError::Name(e) => write!(f, "the service's name does not fit: {e}"),
            RegisterError::NoServer { domain } => {
                write!(f, "no DNS server is configured for domain {domain}")
            }
            RegisterError::ShuttingDown => f.write_str("the client is shutting down"),
        }
    }
}

impl core::error::Error for RegisterError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Claim,
    Reclaim,
    Published,
    Refresh,
    Delete,
}

/// A registration's state.
#[derive(Debug)]
pub(crate) struct Reg {
    spec: ServiceRegistration,
    /// The instance label now (after renames).
    name: InstanceName,
    full: Name,
    zone: Name,
    servers: Vec<SocketAddr>,
    key: Option<TsigKey>,
    phase: Phase,
    tx: Option<TxId>,
    /// TXT or addresses changed: refresh when no update is in flight.
    dirty: bool,
    renames: u32,
    refresh_at: Option<Instant>,
    retry_at: Option<Instant>,
    failures: u32,
    reported: Option<UpdateError>,
    /// The name last reported registered.
    announced: Option<Name>,
}

impl Reg {
    fn srv(&self) -> RecordData {
        RecordData::Srv {
            priority: 0,
            weight: 0,
            port: self.spec.port,
            target: self.spec.host.clone(),
        }
    }

    fn txt(&self) -> RecordData {
        let t: &[u8] = if self.spec.txt.is_empty() {
            &[0]
        } else {
            &self.spec.txt
        };
        RecordData::Txt(t.into())
    }

    fn ptr_owners(&self) -> Vec<Name> {
        let d = &self.spec.domain;
        let ty = &self.spec.service_type;
        let mut v: Vec<Name> = service_type_name(ty, d).into_iter().collect();
        v.extend(
            self.spec
                .subtypes
                .iter()
                .filter_map(|s| subtype_name(s, ty, d).ok()),
        );
        v
    }

    fn adds(&self, ttl: u32, addrs: &[IpAddr], ops: &mut Vec<UpdateOp>) {
        for owner in self.ptr_owners() {
            ops.push(UpdateOp::Add(
                owner,
                ttl,
                RecordData::Ptr(self.full.clone()),
            ));
        }
        ops.push(UpdateOp::Add(self.full.clone(), ttl, self.srv()));
        ops.push(UpdateOp::Add(self.full.clone(), ttl, self.txt()));
        if self.spec.publish_addresses {
            let host = &self.spec.host;
            ops.push(UpdateOp::DeleteRrset(host.clone(), Rtype::A));
            ops.push(UpdateOp::DeleteRrset(host.clone(), Rtype::AAAA));
            for a in addrs {
                ops.push(UpdateOp::Add(host.clone(), ttl, address_record(*a)));
            }
        }
    }
}

fn address_record(a: IpAddr) -> RecordData {
    match a {
        IpAddr::V4(v4) => RecordData::A(v4),
        IpAddr::V6(v6) => RecordData::Aaaa(v6),
    }
}

impl Client {
    /// Starts publishing `service` under the caller's id `id`.
    pub fn register(
        &mut self,
        now: Instant,
        id: RegId,
        service: ServiceRegistration,
    ) -> Result<(), RegisterError> {
        if self.shutting_down {
            return Err(RegisterError::ShuttingDown);
        }
        if self.regs.contains_key(&id) {
            return Err(RegisterError::DuplicateId(id));
        }
        let full = instance_name(&service.instance, &service.service_type, &service.domain)
            .map_err(RegisterError::Name)?;
        for s in &service.subtypes {
            subtype_name(s, &service.service_type, &service.domain).map_err(RegisterError::Name)?;
        }
        let servers = self.config.servers_for(&service.domain);
        if servers.is_empty() {
            return Err(RegisterError::NoServer {
                domain: service.domain.clone(),
            });
        }
        let dc = self.config.domain_for(&service.domain);
        let zone = dc
            .and_then(|d| d.zone.clone())
            .unwrap_or_else(|| service.domain.clone());
        let key = dc.and_then(|d| d.key.clone());
        let reg = Reg {
            name: service.instance.clone(),
            spec: service,
            full,
            zone,
            servers,
            key,
            phase: Phase::Claim,
            tx: None,
            dirty: false,
            renames: 0,
            refresh_at: None,
            retry_at: None,
            failures: 0,
            reported: None,
            announced: None,
        };
        self.regs.insert(id, reg);
        self.send_update(now, id);
        Ok(())
    }

    /// Replaces the TXT record of a registration, in place (sent at once, or when
    /// the update in flight is answered).
    pub fn update_txt(&mut self, now: Instant, id: RegId, txt: Vec<u8>) -> bool {
        let Some(r) = self.regs.get_mut(&id) else {
            return false;
        };
        if r.phase == Phase::Delete {
            return false;
        }
        r.spec.txt = txt;
        r.dirty = true;
        self.reg_timers(now);
        true
    }

    /// The host's addresses, for registrations that publish them: a change updates
    /// their A / AAAA records.
    pub fn set_host_addresses(&mut self, now: Instant, addrs: &[IpAddr]) {
        let mut v = addrs.to_vec();
        v.sort();
        v.dedup();
        if v == self.host_addrs {
            return;
        }
        self.host_addrs = v;
        for r in self.regs.values_mut() {
            if r.spec.publish_addresses && r.phase != Phase::Delete {
                r.dirty = true;
            }
        }
        self.reg_timers(now);
    }

    /// Deletes a registration's records from the zone; [`Event::Unregistered`] follows.
    pub fn unregister(&mut self, now: Instant, id: RegId) -> bool {
        let Some(r) = self.regs.get_mut(&id) else {
            return false;
        };
        if r.phase == Phase::Delete {
            return true;
        }
        if let Some(tx) = r.tx.take() {
            self.transport.cancel(tx);
        }
        r.phase = Phase::Delete;
        r.failures = 0;
        r.reported = None;
        self.send_update(now, id);
        true
    }

    /// Sends the update of the registration's phase.
    fn send_update(&mut self, now: Instant, id: RegId) {
        let ttl = self.config.record_ttl;
        let lease = u32::try_from(self.config.lease.as_secs()).unwrap_or(u32::MAX);
        let delete_attempts = self.config.delete_attempts;
        let update_rounds = self.config.update_rounds.max(1);
        let addrs = self.host_addrs.clone();
        // Whether another live registration still publishes this one's host.
        let host_shared = |me: RegId, regs: &alloc::collections::BTreeMap<RegId, Reg>| {
            let r = &regs[&me];
            regs.iter().any(|(i, o)| {
                *i != me
                    && o.phase != Phase::Delete
                    && o.spec.publish_addresses
                    && o.spec.host == r.spec.host
            })
        };
        let shared = self.regs.contains_key(&id) && host_shared(id, &self.regs);
        let unix = self.unix(now);
        let Some(r) = self.regs.get_mut(&id) else {
            return;
        };
        let mut ops = Vec::new();
        match r.phase {
            Phase::Claim => {
                ops.push(UpdateOp::NotInUse(r.full.clone()));
                r.adds(ttl, &addrs, &mut ops);
            }
            Phase::Reclaim | Phase::Refresh | Phase::Published => {
                ops.push(UpdateOp::RecordEquals(r.full.clone(), r.srv()));
                ops.push(UpdateOp::DeleteRrset(r.full.clone(), Rtype::TXT));
                r.adds(ttl, &addrs, &mut ops);
                if r.phase == Phase::Published {
                    r.phase = Phase::Refresh;
                }
                r.dirty = false;
            }
            Phase::Delete => {
                for owner in r.ptr_owners() {
                    ops.push(UpdateOp::DeleteRecord(
                        owner,
                        RecordData::Ptr(r.full.clone()),
                    ));
                }
                ops.push(UpdateOp::DeleteName(r.full.clone()));
                if r.spec.publish_addresses && !shared {
                    for a in &addrs {
                        ops.push(UpdateOp::DeleteRecord(
                            r.spec.host.clone(),
                            address_record(*a),
                        ));
                    }
                }
            }
        }
        let attempts = if r.phase == Phase::Delete {
            Attempts {
                report_after: delete_attempts,
                give_up_after: Some(delete_attempts.max(1)),
            }
        } else {
            Attempts {
                report_after: update_rounds * r.servers.len() as u32,
                give_up_after: None,
            }
        };
        let request = Request::Update {
            zone: r.zone.clone(),
            ops,
            lease: Some(lease),
        };
        r.retry_at = None;
        let tx = self.transport.start(
            now,
            unix,
            Owner::Registration(id),
            request,
            r.servers.clone(),
            r.key.clone(),
            attempts,
        );
        if let Some(r) = self.regs.get_mut(&id) {
            r.tx = self.transport.is_active(tx).then_some(tx);
        }
    }

    /// Refreshes and retries whose time has come, and changes waiting to be sent.
    pub(crate) fn reg_timers(&mut self, now: Instant) {
        let due: Vec<(RegId, bool)> = self
            .regs
            .iter()
            .filter(|(_, r)| r.tx.is_none())
            .filter_map(|(id, r)| {
                let retry = r.retry_at.is_some_and(|t| t <= now);
                let refresh = r.phase == Phase::Published
                    && (r.dirty || r.refresh_at.is_some_and(|t| t <= now));
                (retry || refresh).then_some((*id, refresh && !r.dirty))
            })
            .collect();
        for (id, lease_refresh) in due {
            if lease_refresh {
                self.transport.stats.lease_refreshes += 1;
            }
            self.send_update(now, id);
        }
    }

    pub(crate) fn reg_timeout(&self) -> Option<Instant> {
        self.regs
            .values()
            .filter(|r| r.tx.is_none())
            .flat_map(|r| {
                let refresh = (r.phase == Phase::Published)
                    .then_some(r.refresh_at)
                    .flatten();
                [r.retry_at, refresh]
            })
            .flatten()
            .min()
    }

    /// Reports an error unless it is the one already reported in this stretch.
    fn reg_error(&mut self, id: RegId, error: UpdateError) {
        let Some(r) = self.regs.get_mut(&id) else {
            return;
        };
        if r.reported.as_ref() != Some(&error) {
            r.reported = Some(error.clone());
            self.events
                .push_back(Event::RegistrationError { id, error });
        }
    }

    /// Waits before sending the phase's update again: 1 s, doubling, up to `max_rto`.
    fn reg_retry_later(&mut self, now: Instant, id: RegId) {
        let max = self.config.max_rto;
        if let Some(r) = self.regs.get_mut(&id) {
            r.failures = r.failures.saturating_add(1);
            r.retry_at = Some(now + Duration::from_secs(1u64 << r.failures.min(16)).min(max));
        }
    }

    /// An update's transaction ended (or reported a failure while going on).
    pub(crate) fn update_outcome(&mut self, now: Instant, id: RegId, outcome: Outcome) {
        let Some(r) = self.regs.get_mut(&id) else {
            return;
        };
        let zone = r.zone.clone();
        let key_name = r.key.as_ref().map(|k| k.name().clone());
        match outcome {
            Outcome::Failed { failure, final_ } => {
                let error = match failure {
                    Failure::NoResponse { servers, attempts } => {
                        UpdateError::NoResponse { servers, attempts }
                    }
                    Failure::Tsig { key, error } => UpdateError::Tsig { key, error, zone },
                    Failure::TooLarge => UpdateError::TooLarge,
                };
                if !final_ {
                    self.reg_error(id, error);
                    return;
                }
                r.tx = None;
                if r.phase == Phase::Delete {
                    self.reg_error(id, error);
                    self.regs.remove(&id);
                    self.events.push_back(Event::Unregistered { id });
                } else {
                    self.regs.remove(&id);
                    self.events
                        .push_back(Event::RegistrationFailed { id, error });
                }
            }
            Outcome::Response {
                msg,
                rcode,
                tsig_error,
                ..
            } => {
                r.tx = None;
                if tsig_error != Rcode::NOERROR {
                    let error = UpdateError::Tsig {
                        key: key_name.unwrap_or_else(Name::root),
                        error: tsig_error,
                        zone,
                    };
                    return self.update_refused(now, id, error);
                }
                match (r.phase, rcode) {
                    (Phase::Delete, Rcode::NOERROR | Rcode::NXRRSET | Rcode::NXDOMAIN) => {
                        self.transport.stats.updates_accepted += 1;
                        self.regs.remove(&id);
                        self.events.push_back(Event::Unregistered { id });
                    }
                    (_, Rcode::NOERROR) => {
                        self.transport.stats.updates_accepted += 1;
                        // RFC 9664 §4: refresh at 80% of the lease granted.
                        let granted = Opt::find(&msg)
                            .ok()
                            .flatten()
                            .and_then(|o| o.lease())
                            .map_or(self.config.lease, |l| {
                                Duration::from_secs(u64::from(l.lease))
                            });
                        let r = self.regs.get_mut(&id).expect("present");
                        r.phase = Phase::Published;
                        r.failures = 0;
                        r.reported = None;
                        r.refresh_at = Some(now + granted * 4 / 5);
                        if r.announced.as_ref() != Some(&r.full) {
                            r.announced = Some(r.full.clone());
                            let name = r.full.clone();
                            self.events.push_back(Event::Registered { id, name });
                        }
                        self.reg_timers(now);
                    }
                    (Phase::Claim, Rcode::YXDOMAIN) => {
                        // The name is in use: ours from an earlier run?
                        r.phase = Phase::Reclaim;
                        self.send_update(now, id);
                    }
                    (Phase::Reclaim, Rcode::NXRRSET) => self.rename(now, id),
                    (Phase::Refresh, Rcode::NXRRSET) => {
                        // Our records are gone from the zone: claim the name again.
                        r.phase = Phase::Claim;
                        self.send_update(now, id);
                    }
                    (_, Rcode::REFUSED | Rcode::NOTAUTH) => {
                        let error = UpdateError::Refused {
                            zone,
                            rcode,
                            key: key_name,
                        };
                        self.update_refused(now, id, error);
                    }
                    (_, rcode) => {
                        self.update_refused(now, id, UpdateError::Rejected { zone, rcode })
                    }
                }
            }
        }
    }

    /// The server refused: report it and try again later (a delete is given up).
    fn update_refused(&mut self, now: Instant, id: RegId, error: UpdateError) {
        let deleting = self.regs.get(&id).is_some_and(|r| r.phase == Phase::Delete);
        self.reg_error(id, error);
        if deleting {
            self.regs.remove(&id);
            self.events.push_back(Event::Unregistered { id });
        } else {
            self.reg_retry_later(now, id);
        }
    }

    /// The name is someone else's: the next name, or failure.
    fn rename(&mut self, now: Instant, id: RegId) {
        let max = self.config.max_renames;
        let Some(r) = self.regs.get_mut(&id) else {
            return;
        };
        let from = r.full.clone();
        if !r.spec.allow_rename || r.renames >= max {
            let error = if r.spec.allow_rename {
                UpdateError::NoFreeName { last: from }
            } else {
                UpdateError::NameTaken { name: from }
            };
            self.regs.remove(&id);
            self.events
                .push_back(Event::RegistrationFailed { id, error });
            return;
        }
        let next = next_service_name(&r.name);
        match instance_name(&next, &r.spec.service_type, &r.spec.domain) {
            Ok(full) => {
                r.renames += 1;
                r.name = next;
                r.full = full.clone();
                r.phase = Phase::Claim;
                self.events.push_back(Event::Renamed { id, from, to: full });
                self.send_update(now, id);
            }
            Err(_) => {
                self.regs.remove(&id);
                self.events.push_back(Event::RegistrationFailed {
                    id,
                    error: UpdateError::TooLarge,
                });
            }
        }
    }
}
