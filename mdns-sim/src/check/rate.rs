//! [`RateMonitor`]: RFC 6762 §6, a record is not multicast on an interface (per
//! family) more than once a second, except to defend a name against a probe.

use crate::types::{HostId, LinkId};
use core::time::Duration;
use mdns_sansio::engine::{Family, InterfaceId};
use mdns_sansio::wire::{Message, NameRef, Section};
use mdns_sansio::Instant;
use std::collections::HashMap;
use std::hash::Hasher;

/// How long after a probe a multicast of the probed name counts as its defence.
const DEFENCE_WINDOW: Duration = Duration::from_millis(300);

/// Checks RFC 6762 §6: a record is not multicast on an interface (per family) more
/// than once a second, except to defend a name against a probe.
#[derive(Debug, Default)]
pub struct RateMonitor {
    /// Per host: record key → last multicast.
    last: Vec<HashMap<u64, Instant>>,
    /// (link, name key) → last probe seen for that name.
    probes: HashMap<(LinkId, u64), Instant>,
    /// Per host: record key → the probe its last defence answered.
    defended: Vec<HashMap<u64, Instant>>,
    scratch: Vec<u8>,
}

/// FNV-1a, 64 bit: the monitor's keys are the same in every run.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

fn name_key(h: &mut Fnv, name: &NameRef<'_>) {
    for label in name.labels() {
        h.write_u8(label.len() as u8);
        for b in label {
            h.write_u8(b.to_ascii_lowercase());
        }
    }
    h.write_u8(0);
}

impl RateMonitor {
    pub(crate) fn add_host(&mut self) {
        self.last.push(HashMap::new());
        self.defended.push(HashMap::new());
    }

    /// An interface went down or came up: announcing afresh is allowed.
    pub(crate) fn reset_host(&mut self, host: HostId) {
        self.last[host.0 as usize].clear();
    }

    /// Looks at one multicast datagram; describes a violation if there is one.
    pub(crate) fn on_multicast(
        &mut self,
        now: Instant,
        host: HostId,
        link: LinkId,
        interface: InterfaceId,
        family: Family,
        data: &[u8],
    ) -> Option<String> {
        let msg = Message::parse(data).ok()?;
        let response = msg.header().is_response();
        let mut bad = Vec::new();
        for r in msg.records().flatten() {
            let mut nk = Fnv::default();
            name_key(&mut nk, &r.name);
            let nkey = nk.finish();
            if !response {
                if r.section == Section::Authority {
                    self.probes.insert((link, nkey), now);
                }
                continue;
            }
            if r.section != Section::Answer || r.ttl == 0 {
                continue;
            }
            let mut k = Fnv::default();
            k.write_u64(nkey);
            k.write_u32(interface.0);
            k.write_u8(family as u8);
            k.write_u16(r.rtype.0);
            k.write_u16(r.class.0);
            self.scratch.clear();
            r.rdata.write_canonical(&mut self.scratch);
            k.write(&self.scratch);
            let key = k.finish();
            // The first multicast of a record within 300 ms of a probe for its name
            // (RFC 6762 §6: defences go within 250 ms; plus link delay) is a defence
            // (RFC 6762 §6, RFC 6762 §8.1): allowed at any time, and not counted as the
            // record's last multicast, so that the responder's own schedule (the second
            // announcement one second after the first) is judged against its own
            // previous multicasts, not against the defence.
            let last = &mut self.last[host.0 as usize];
            let prev = last.get(&key).copied();
            let defended = &mut self.defended[host.0 as usize];
            let probe = self
                .probes
                .get(&(link, nkey))
                .copied()
                .filter(|&p| now - p <= DEFENCE_WINDOW && defended.get(&key) != Some(&p));
            if let Some(p) = probe {
                defended.insert(key, p);
                continue;
            }
            last.insert(key, now);
            if let Some(prev) = prev {
                let gap = now - prev;
                if gap < Duration::from_secs(1) {
                    bad.push(format!(
                        "{} {} multicast again after {} ms",
                        r.name,
                        r.rtype,
                        gap.as_millis()
                    ));
                }
            }
        }
        (!bad.is_empty()).then(|| format!("{:?}/{:?}: {}", interface, family, bad.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdns_sansio::name::Name;
    use mdns_sansio::wire::{Class, MessageWriter, RecordData, Rtype};
    use std::net::Ipv4Addr;

    const IF: InterfaceId = InterfaceId(2);

    fn a_record() -> (Name, RecordData) {
        (
            Name::parse("box.local.").unwrap(),
            RecordData::A(Ipv4Addr::new(10, 0, 0, 1)),
        )
    }

    fn response(ttl: u32) -> Vec<u8> {
        let (name, data) = a_record();
        let mut buf = vec![0; 512];
        let mut w = MessageWriter::response(&mut buf, 0).unwrap();
        w.push_record(Section::Answer, &name, Class::IN, true, ttl, &data)
            .unwrap();
        let n = w.finish();
        buf.truncate(n);
        buf
    }

    fn probe() -> Vec<u8> {
        let (name, data) = a_record();
        let mut buf = vec![0; 512];
        let mut w = MessageWriter::query(&mut buf).unwrap();
        w.push_question(&name, Rtype::ANY, Class::IN, true).unwrap();
        w.push_record(Section::Authority, &name, Class::IN, false, 120, &data)
            .unwrap();
        let n = w.finish();
        buf.truncate(n);
        buf
    }

    fn monitor() -> RateMonitor {
        let mut m = RateMonitor::default();
        m.add_host();
        m.add_host();
        m
    }

    fn send(m: &mut RateMonitor, ms: u64, host: u32, data: &[u8]) -> Option<String> {
        m.on_multicast(
            Instant::from_millis(ms),
            HostId(host),
            LinkId(0),
            IF,
            Family::V4,
            data,
        )
    }

    #[test]
    fn twice_within_a_second_is_flagged() {
        let mut m = monitor();
        assert_eq!(send(&mut m, 0, 0, &response(120)), None);
        assert!(send(&mut m, 999, 0, &response(120)).is_some());
        assert_eq!(send(&mut m, 2000, 0, &response(120)), None);
        // Goodbyes and other hosts are not counted.
        assert_eq!(send(&mut m, 2100, 0, &response(0)), None);
        assert_eq!(send(&mut m, 2200, 1, &response(120)), None);
    }

    /// A probe defence may come at any time, and the responder's next scheduled
    /// multicast (its second announcement) is judged against the multicast before the
    /// defence, not against the defence (found with real responders: the second
    /// announcement came 244 ms after a defence, one second after the first).
    #[test]
    fn probe_defence_is_exempt_and_not_counted() {
        let mut m = monitor();
        assert_eq!(send(&mut m, 0, 0, &response(120)), None); // first announcement
        assert_eq!(send(&mut m, 750, 1, &probe()), None); // someone probes
        assert_eq!(send(&mut m, 752, 0, &response(120)), None); // defence
        assert_eq!(send(&mut m, 1000, 0, &response(120)), None); // second announcement
                                                                 // Without a new probe, another multicast within a second is flagged.
        assert!(send(&mut m, 1300, 0, &response(120)).is_some());
        // A probe seen before the last counted multicast does not excuse a later one.
        assert_eq!(send(&mut m, 2350, 1, &probe()), None);
        assert_eq!(send(&mut m, 2400, 0, &response(120)), None); // defence
        assert_eq!(send(&mut m, 3400, 0, &response(120)), None);
        assert!(send(&mut m, 3500, 0, &response(120)).is_some());
    }
}
