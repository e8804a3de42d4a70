//! Turning queued jobs (probes, responses, goodbyes) into datagrams within the payload
//! limit (RFC 6762 §17). What does not fit goes in the next datagram; a record too big even
//! alone is dropped; a legacy reply that does not fit is cut and marked TC (RFC 6762 §6.7).

use super::answer;
use super::job::{GoodbyeJob, Job, ProbeJob, ResponseJob};
use super::records::{Rec, RecKey};
use super::registry::Registry;
use super::schedule::{multicast_family, Schedule, MULTICAST_MIN_GAP};
use crate::engine::io::{Destination, IfAddr, InterfaceId, SourcePort, Transmit};
use crate::engine::Ctx;
use crate::wire::{
    Class, CompressionTable, Header, MessageWriter, RecordData, Rtype, Section, TableStore,
    WriteError,
};
use smallvec::SmallVec;

/// Largest legacy unicast reply, in bytes. A one-shot resolver that sent no EDNS0 OPT
/// accepts 512 bytes over UDP (RFC 1035 §4.2.1); the cap also bounds amplification: a
/// query has at least 17 bytes (header and a one-label question), so a reply is at most
/// ~30× its query, whatever the number of records matched.
pub const LEGACY_MAX_REPLY: usize = 512;
/// TTL cap in legacy unicast replies (RFC 6762 §6.7: "no greater than ten seconds").
pub const LEGACY_MAX_TTL: u32 = 10;

/// Most names tried in one probe datagram before halving (a 1440-byte datagram holds
/// about a dozen service probes).
const PROBE_BATCH: usize = 16;

/// Writes the next datagram of `job`. Returns it (if any) and whether the job is done.
pub(crate) fn write_job(
    registry: &Registry,
    sched: &mut Schedule,
    ctx: &mut Ctx<'_>,
    job: &mut Job,
    buf: &mut [u8],
    table: &mut CompressionTable,
) -> (Option<Transmit>, bool) {
    // The interface table outlives `ctx`'s borrow: its addresses need no copy.
    let ifaces = ctx.ifaces;
    let Some(iface) = ifaces.get(job.iface()) else {
        return (None, true);
    };
    let addrs: &[IfAddr] = &iface.addrs;
    match job {
        Job::Probe(p) => write_probe(registry, ctx, p, addrs, buf, table),
        Job::Response(r) => write_response(registry, sched, ctx, r, addrs, buf, table),
        Job::Goodbye(g) => write_goodbye(g, buf, table),
    }
}

fn transmit(iface: InterfaceId, destination: Destination, size: usize) -> Transmit {
    Transmit {
        destination,
        interface: iface,
        // All responder traffic leaves from port 5353 (RFC 6762 §5.2, RFC 6762 §6,
        // RFC 6762 §6.7).
        source_port: SourcePort::Mdns,
        size,
    }
}

/// Pushes one record. Legacy replies carry no cache-flush bits, TTLs of at most ten
/// seconds (RFC 6762 §6.7) and SRV records without compression, owner name and target
/// both: "name compression MUST NOT be performed on SRV records" (RFC 6762 §18.14).
pub(crate) fn push(
    w: &mut MessageWriter<'_, impl TableStore>,
    section: Section,
    rec: &Rec<'_>,
    ttl: Option<u32>,
    legacy: bool,
) -> Result<(), WriteError> {
    let mut ttl = ttl.unwrap_or(rec.ttl);
    if legacy {
        ttl = ttl.min(LEGACY_MAX_TTL);
    }
    rec.data.with(|data| {
        let srv = matches!(data, RecordData::Srv { .. });
        if legacy && srv {
            w.set_compression(false);
        }
        let r = w.push_record(
            section,
            rec.name,
            Class::IN,
            rec.unique && !legacy,
            ttl,
            data,
        );
        if legacy && srv {
            w.set_compression(true);
        }
        r
    })
}

fn write_probe(
    registry: &Registry,
    ctx: &mut Ctx<'_>,
    p: &mut ProbeJob,
    addrs: &[IfAddr],
    buf: &mut [u8],
    table: &mut CompressionTable,
) -> (Option<Transmit>, bool) {
    p.regs.retain(|(id, _)| registry.regs.contains_key(id));
    // Try a batch of names that usually fits, halving until it does.
    let mut k = p.regs.len().min(PROBE_BATCH);
    while k > 0 {
        // RFC 6762 §8.1: questions for every name (qtype ANY, QU on the first probe),
        // then all proposed records in Authority, no cache-flush bit (RFC 6762 §8.2).
        let Some(mut w) = MessageWriter::with_table(buf, 0, 0, table) else {
            return (None, true);
        };
        let mut ok = true;
        for (id, qu) in &p.regs[..k] {
            let name = &registry.regs[id].name;
            ok &= w.push_question(name, Rtype::ANY, Class::IN, *qu).is_ok();
        }
        for (id, _) in &p.regs[..k] {
            for key in registry.proposed(*id, addrs) {
                if let Some(rec) = registry.rec(key, addrs, ctx.config) {
                    ok &= rec.data.with(|data| {
                        w.push_record(
                            Section::Authority,
                            rec.name,
                            Class::IN,
                            false,
                            rec.ttl,
                            data,
                        )
                        .is_ok()
                    });
                }
            }
        }
        if ok || k == 1 {
            let size = w.finish();
            p.regs.drain(..k);
            let dest = super::multicast(p.family);
            return (Some(transmit(p.iface, dest, size)), p.regs.is_empty());
        }
        k /= 2;
    }
    (None, true)
}

fn write_response(
    registry: &Registry,
    sched: &mut Schedule,
    ctx: &mut Ctx<'_>,
    r: &mut ResponseJob,
    addrs: &[IfAddr],
    buf: &mut [u8],
    table: &mut CompressionTable,
) -> (Option<Transmit>, bool) {
    let legacy = r.legacy.is_some();
    let limit = if legacy {
        buf.len().min(LEGACY_MAX_REPLY)
    } else {
        buf.len()
    };
    let id = r.legacy.as_ref().map_or(0, |l| l.id);
    let flags = Header::QR | Header::AA;
    let Some(mut w) = MessageWriter::with_table(&mut buf[..limit], id, flags, table) else {
        return (None, true);
    };
    if let Some(l) = &r.legacy {
        // RFC 6762 §6.7: the question is repeated in a legacy reply.
        for (name, qtype, qclass) in &l.questions {
            let _ = w.push_question(name, *qtype, *qclass, false);
        }
    }
    let family = multicast_family(r.dest);
    let now = ctx.now;
    let limit = r.gap.zip(family);
    let mut written: SmallVec<[RecKey; 16]> = SmallVec::new();
    let mut i = 0;
    while i < r.answers.len() {
        let key = r.answers[i];
        let Some(rec) = registry.rec(key, addrs, ctx.config) else {
            i += 1;
            continue;
        };
        let pushed = match limit {
            // Left out if multicast on the interface within `gap`, noted if written.
            Some((gap, f)) => sched.times.with(key, r.iface, f, |last| {
                if last.is_some_and(|t| now - t < gap) {
                    return None;
                }
                let pushed = push(&mut w, Section::Answer, &rec, None, legacy);
                if pushed.is_ok() {
                    *last = Some(now);
                }
                Some(pushed)
            }),
            None => Some(push(&mut w, Section::Answer, &rec, None, legacy)),
        };
        let Some(pushed) = pushed else {
            i += 1;
            continue;
        };
        match pushed {
            Ok(()) => {
                written.push(key);
                i += 1;
            }
            Err(WriteError::NoSpace) if !written.is_empty() || legacy => break,
            // Too big even alone (or unwritable): drop it (RFC 6762 §17).
            Err(_) => i += 1,
        }
    }
    let mut done = i >= r.answers.len();
    if legacy && !done {
        // RFC 6762 §6.7 / RFC 1035 §4.1.1: the rest does not fit: say so with TC.
        w.set_truncated(true);
        done = true;
    }
    r.answers.drain(..i);
    let mut extra: SmallVec<[RecKey; 16]> = SmallVec::new();
    if r.auto_additionals {
        answer::additionals(registry, r.iface, &written, addrs, &mut extra);
    } else if done {
        extra.extend_from_slice(&r.additionals);
    }
    for &key in &extra {
        let Some(rec) = registry.rec(key, addrs, ctx.config) else {
            continue;
        };
        let Some(f) = family else {
            // Additionals are optional: one that does not fit is left out.
            let _ = push(&mut w, Section::Additional, &rec, None, legacy);
            continue;
        };
        // RFC 6762 §6: the one-second rule holds for additional records too; being optional,
        // one multicast too recently is left out.
        sched.times.with(key, r.iface, f, |last| {
            let recent = last.is_some_and(|t| now - t < MULTICAST_MIN_GAP);
            if !recent && push(&mut w, Section::Additional, &rec, None, legacy).is_ok() {
                *last = Some(now);
            }
        });
    }
    let header = w.header();
    if header.ancount == 0 && header.arcount == 0 {
        return (None, done);
    }
    let size = w.finish();
    (Some(transmit(r.iface, r.dest, size)), done)
}

fn write_goodbye(
    g: &mut GoodbyeJob,
    buf: &mut [u8],
    table: &mut CompressionTable,
) -> (Option<Transmit>, bool) {
    let Some(mut w) = MessageWriter::with_table(buf, 0, Header::QR | Header::AA, table) else {
        return (None, true);
    };
    let mut i = 0;
    while i < g.records.len() {
        let r = &g.records[i];
        // RFC 6762 §10.1: a goodbye is the record with TTL zero.
        match w.push_record(Section::Answer, &r.name, Class::IN, r.unique, 0, &r.data) {
            Ok(()) => i += 1,
            Err(WriteError::NoSpace) if i > 0 => break,
            Err(_) => i += 1,
        }
    }
    g.records.drain(..i);
    let done = g.records.is_empty();
    if w.header().ancount == 0 {
        return (None, done);
    }
    let size = w.finish();
    (
        Some(transmit(g.iface, super::multicast(g.family), size)),
        done,
    )
}
