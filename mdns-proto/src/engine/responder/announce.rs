//! Unsolicited responses: announcements after probing (RFC 6762 §8.3), after an update
//! (RFC 6762 §8.4) and after a conflict or goodbye from elsewhere (RFC 6762 §6.6); goodbyes on
//! unregistering or renaming (RFC 6762 §10.1).
//!
//! An announcement carries every record of the name: unique ones (SRV, TXT, A, AAAA) with
//! the cache-flush bit and as whole RRsets (RFC 6762 §10.2), shared ones (the service PTR,
//! subtype PTRs, the type enumeration PTR, RFC 6763 §7.1, RFC 6763 §9) without; the NSEC
//! goes in Additional. Nothing is announced periodically.

use super::job::{GoodbyeJob, Job, OwnedRec, ResponseJob};
use super::records::RecKey;
use super::registration::{Kind, Phase};
use super::registry::Registry;
use super::schedule::MULTICAST_MIN_GAP;
use super::{families, multicast, Responder};
use crate::engine::event::{Event, RegistrationId};
use crate::engine::io::InterfaceId;
use crate::engine::Ctx;
use crate::name::Name;
use crate::wire::RecordData;
use alloc::vec::Vec;
use core::net::IpAddr;

impl Responder {
    /// Queues one announcement of every registration in `regs` on `iface`, together in
    /// as few datagrams as fit, on each family the interface has.
    pub(super) fn announce(
        &mut self,
        ctx: &mut Ctx<'_>,
        iface: InterfaceId,
        regs: &[RegistrationId],
    ) {
        let Some(addrs) = ctx.ifaces.get(iface).map(|i| i.addrs.clone()) else {
            return;
        };
        let mut answers: Vec<RecKey> = Vec::new();
        let mut additionals: Vec<RecKey> = Vec::new();
        for &id in regs {
            let Some(reg) = self.registry.regs.get(&id) else {
                continue;
            };
            match &reg.kind {
                Kind::Service(s) => {
                    answers.push(RecKey::Ptr(id, 0));
                    for i in 0..s.subtypes().len() {
                        answers.push(RecKey::Ptr(id, (i + 1) as u8));
                    }
                    if let Some(rep) = self.registry.enum_rep(s.type_name(), iface) {
                        answers.push(RecKey::EnumPtr(rep));
                    }
                    answers.push(RecKey::Srv(id));
                    answers.push(RecKey::Txt(id));
                }
                Kind::Host(_) => Registry::host_addrs(id, &addrs, |k| answers.push(k)),
            }
            additionals.push(RecKey::Nsec(id));
        }
        crate::util::heap_sort(&mut answers);
        answers.dedup();
        crate::util::heap_sort(&mut additionals);
        for family in families(ctx, iface) {
            // RFC 6762 §6: no record is multicast twice within a second on an interface. What
            // went out too recently (an update right after an announcement, records
            // shared by several registrations) waits until it may go again.
            let (recent, fresh): (Vec<RecKey>, Vec<RecKey>) = answers.iter().partition(|k| {
                self.sched
                    .multicast_within(ctx.now, **k, iface, family, MULTICAST_MIN_GAP)
            });
            if !recent.is_empty() {
                let at = self
                    .sched
                    .ready_at(ctx.now, &recent, iface, family, MULTICAST_MIN_GAP);
                self.sched
                    .add(ctx.now, iface, multicast(family), at, &recent, false);
            }
            if fresh.is_empty() {
                continue;
            }
            self.sched.note_multicast(ctx.now, &fresh, iface, family);
            self.outbox.push_back(Job::Response(ResponseJob {
                iface,
                dest: multicast(family),
                answers: fresh,
                additionals: additionals.clone(),
                auto_additionals: false,
                gap: None,
                legacy: None,
            }));
        }
    }

    /// Announces `id` again wherever it is established, without probing (RFC 6762 §8.4).
    pub(super) fn reannounce(&mut self, ctx: &mut Ctx<'_>, id: RegistrationId) {
        let Some(reg) = self.registry.regs.get_mut(&id) else {
            return;
        };
        let mut ifaces: Vec<InterfaceId> = Vec::new();
        for l in reg.links.iter_mut().filter(|l| l.answerable()) {
            l.phase = Phase::Announcing { sent: 0 };
            ifaces.push(l.iface);
        }
        for iface in ifaces {
            self.set_timer(id, iface, ctx.now);
        }
    }

    /// Queues goodbyes (TTL 0, RFC 6762 §10.1) for the address records of `gone`, the
    /// addresses `iface` no longer has, of every host name announced there, in
    /// registration order. Without the cache-flush bit: each withdraws one address,
    /// and must not make caches flush the host's other addresses (RFC 6762 §10.2).
    pub(super) fn address_goodbyes(
        &mut self,
        ctx: &mut Ctx<'_>,
        iface: InterfaceId,
        gone: &[IpAddr],
    ) {
        let mut hosts: Vec<(RegistrationId, Name)> = self
            .registry
            .regs
            .values()
            .filter(|r| r.is_host() && r.link(iface).is_some_and(|l| l.announced))
            .map(|r| (r.id, r.name.clone()))
            .collect();
        crate::util::heap_sort_by(&mut hosts, |a, b| a.0 < b.0);
        let mut records = Vec::new();
        for (_, name) in hosts {
            for &a in gone {
                let data = match a {
                    IpAddr::V4(v4) => RecordData::A(v4),
                    IpAddr::V6(v6) => RecordData::Aaaa(v6),
                };
                records.push(OwnedRec {
                    name: name.clone(),
                    data,
                    unique: false,
                });
            }
        }
        if records.is_empty() {
            return;
        }
        for family in families(ctx, iface) {
            self.outbox.push_back(Job::Goodbye(GoodbyeJob {
                iface,
                family,
                records: records.clone(),
                notify: Vec::new(),
            }));
        }
    }

    /// Queues goodbyes (TTL 0, RFC 6762 §10.1) for `id`'s records on every interface it was
    /// announced on. With `notify`, `Unregistered` is reported once they are all out
    /// (at once if none is owed).
    pub(super) fn send_goodbyes(&mut self, ctx: &mut Ctx<'_>, id: RegistrationId, notify: bool) {
        let Some(reg) = self.registry.regs.get(&id) else {
            return;
        };
        let mut jobs = 0;
        for link in reg.links.iter().filter(|l| l.announced) {
            let Some(addrs) = ctx.ifaces.get(link.iface).map(|i| i.addrs.clone()) else {
                continue;
            };
            let mut records = Vec::new();
            match &reg.kind {
                Kind::Service(s) => {
                    for name in core::iter::once(s.type_name()).chain(s.subtypes()) {
                        records.push(OwnedRec {
                            name: name.clone(),
                            data: s.ptr().clone(),
                            unique: false,
                        });
                    }
                    // RFC 6763 §9: the type stays listed while another service has it.
                    if self.registry.types.get(s.type_name()) == Some(&1) {
                        records.push(OwnedRec {
                            name: self.registry.enum_name.clone(),
                            data: s.type_ptr(),
                            unique: false,
                        });
                    }
                    for data in [s.srv(), s.txt()] {
                        records.push(OwnedRec {
                            name: reg.name.clone(),
                            data: data.clone(),
                            unique: true,
                        });
                    }
                }
                Kind::Host(_) => {
                    for a in &addrs {
                        let data = match a.addr {
                            IpAddr::V4(v4) => RecordData::A(v4),
                            IpAddr::V6(v6) => RecordData::Aaaa(v6),
                        };
                        records.push(OwnedRec {
                            name: reg.name.clone(),
                            data,
                            unique: true,
                        });
                    }
                }
            }
            for family in families(ctx, link.iface) {
                jobs += 1;
                self.outbox.push_back(Job::Goodbye(GoodbyeJob {
                    iface: link.iface,
                    family,
                    records: records.clone(),
                    notify: if notify { alloc::vec![id] } else { Vec::new() },
                }));
            }
        }
        if notify {
            if jobs == 0 {
                ctx.events.push(Event::Unregistered { id });
            } else {
                self.goodbyes_left.insert(id, jobs);
            }
        }
    }
}
