//! proptest: the cache against a reference model of RFC 6762 §10 and the eviction
//! rule, step by step: what each received record did and its id, which records an
//! operation wanted went (expired, POOFed, evicted) and when, which refresh points
//! came and in what order, the random numbers drawn, and every record's fields.
//! The model keeps every record in one list in arrival order and decides by
//! scanning it; timers fire when the cache says the next one is due, as the
//! engine drives them. Small capacities make evictions at capacity frequent;
//! renewals with longer and shorter TTLs, goodbyes, TTL 1, cache-flush within and
//! after one second, interest toggled and POOF queries interleave freely.

use super::*;
use crate::rand::Rng;
use proptest::prelude::*;

const SEC: u64 = 1_000_000;
const OWNERS: [&str; 3] = ["box.local", "_http._tcp.local", "other.local"];
/// Owner names as they may arrive: the same names in other cases.
const CASES: [&str; 3] = ["Box.local", "_HTTP._tcp.local", "OTHER.LOCAL"];

/// A record's data: an address, a PTR target (in either case) or TXT bytes.
#[derive(Clone, Copy, Debug)]
enum Kind {
    A(u8),
    Ptr(u8, bool),
    Txt(u8, bool),
}

impl Kind {
    fn rtype(self) -> Rtype {
        match self {
            Kind::A(_) => Rtype::A,
            Kind::Ptr(..) => Rtype::PTR,
            Kind::Txt(..) => Rtype::TXT,
        }
    }
    fn data(self) -> RecordData {
        match self {
            Kind::A(x) => RecordData::A(Ipv4Addr::new(10, 0, 0, x)),
            Kind::Ptr(x, upper) => {
                let s = alloc::format!("{}{x}._http._tcp.local", if upper { "SVC" } else { "svc" });
                RecordData::Ptr(n(&s))
            }
            Kind::Txt(x, upper) => {
                let s = alloc::format!("\x03{}={x}", if upper { 'K' } else { 'k' });
                RecordData::Txt(SmallVec::from_slice(s.as_bytes()))
            }
        }
    }
    /// What makes two records the same (names case-insensitively, TXT exactly).
    fn key(self) -> (u8, u8, bool) {
        match self {
            Kind::A(x) => (0, x, false),
            Kind::Ptr(x, _) => (1, x, false),
            Kind::Txt(x, upper) => (2, x, upper),
        }
    }
}

/// One record of a received message.
#[derive(Clone, Debug)]
struct Rr {
    owner: usize,
    upper: bool,
    kind: Kind,
    ttl: u32,
    flush: bool,
}

#[derive(Clone, Debug)]
enum Op {
    /// A message of one to four records, received on an interface.
    Receive(Vec<Rr>, u32),
    Interest {
        owner: usize,
        rtype: u8,
        on: bool,
    },
    Poof(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let kind = prop_oneof![
        (0u8..7).prop_map(Kind::A),
        (0u8..7, any::<bool>()).prop_map(|(x, u)| Kind::Ptr(x, u)),
        (0u8..2, any::<bool>()).prop_map(|(x, u)| Kind::Txt(x, u)),
    ];
    prop_oneof![
        6 => (
            proptest::collection::vec(
                (
                    0usize..3,
                    any::<bool>(),
                    kind,
                    prop_oneof![Just(0u32), Just(1), Just(2), Just(3), Just(10), Just(120)],
                    any::<bool>(),
                )
                    .prop_map(|(owner, upper, kind, ttl, flush)| Rr {
                        owner,
                        upper,
                        kind,
                        ttl,
                        flush,
                    }),
                1..5,
            ),
            1u32..3,
        )
            .prop_map(|(rrs, iface)| Op::Receive(rrs, iface)),
        1 => (0usize..3, 0u8..3, any::<bool>())
            .prop_map(|(owner, rtype, on)| Op::Interest { owner, rtype, on }),
        2 => (0usize..64).prop_map(Op::Poof),
    ]
}

#[derive(Clone, Debug)]
struct Rec {
    id: EntryId,
    owner: usize,
    /// The owner's wire form as received when added.
    wire: Vec<u8>,
    kind: Kind,
    iface: u32,
    unique: bool,
    interested: bool,
    ttl: u32,
    received: u64,
    expires: u64,
    seq: u64,
    step: u8,
    refresh: Option<u64>,
    /// POOF: (queries, deadline, last).
    poof: Option<(u8, u64, u64)>,
}

struct Model {
    recs: Vec<Rec>,
    free: Vec<EntryId>,
    slots: u32,
    next_seq: u64,
    capacity: usize,
    interest: Vec<(usize, Rtype)>,
    rng: Rng,
}

fn type_of(t: u8) -> Rtype {
    [Rtype::A, Rtype::PTR, Rtype::TXT][usize::from(t)]
}

impl Model {
    fn wants(&self, owner: usize, rtype: Rtype) -> bool {
        self.interest.contains(&(owner, rtype))
    }

    fn pos(&self, id: EntryId) -> usize {
        self.recs.iter().position(|r| r.id == id).unwrap()
    }

    fn refresh_point(&mut self, i: usize, now: u64, expires: u64) -> Option<u64> {
        let r = &self.recs[i];
        let pct = *REFRESH_PERCENTS.get(usize::from(r.step))?;
        if r.ttl == 0 {
            return None;
        }
        let ttl_us = u64::from(r.ttl) * SEC;
        let jitter = self
            .rng
            .range_inclusive(0, ttl_us * REFRESH_JITTER_PERCENT / 100);
        let at = r.received + ttl_us * pct / 100 + jitter;
        (at > now && at < expires).then_some(at)
    }

    /// The first refresh point of record `i` after `now` from its next step on, and
    /// that step: for a record someone has just come to want.
    fn first_refresh(&mut self, i: usize, now: u64) -> Option<(u8, u64)> {
        let r = &self.recs[i];
        if r.ttl == 0 {
            return None;
        }
        let (ttl_us, received, expires, from) =
            (u64::from(r.ttl) * SEC, r.received, r.expires, r.step);
        for step in from..REFRESH_PERCENTS.len() as u8 {
            let jitter = self
                .rng
                .range_inclusive(0, ttl_us * REFRESH_JITTER_PERCENT / 100);
            let at = received + ttl_us * REFRESH_PERCENTS[usize::from(step)] / 100 + jitter;
            if at >= expires {
                return None;
            }
            if at > now {
                return Some((step, at));
            }
        }
        None
    }

    /// Removes record `i`; its (owner, type) if someone wanted it.
    fn remove(&mut self, i: usize) -> Option<(Vec<u8>, Rtype)> {
        let r = self.recs.remove(i);
        self.free.push(r.id);
        r.interested.then(|| (r.wire, r.kind.rtype()))
    }

    #[allow(clippy::too_many_arguments)]
    fn receive(
        &mut self,
        now: u64,
        owner: usize,
        wire: &[u8],
        kind: Kind,
        ttl: u32,
        flush: bool,
        iface: u32,
        evicted: &mut Vec<(Vec<u8>, Rtype)>,
    ) -> (Change, Option<EntryId>) {
        let rtype = kind.rtype();
        let same = |r: &Rec| {
            r.owner == owner
                && r.kind.rtype() == rtype
                && r.iface == iface
                && r.kind.key() == kind.key()
        };
        let existing = self.recs.iter().position(same);
        if ttl == 0 {
            let Some(i) = existing else {
                return (Change::None, None);
            };
            let r = &mut self.recs[i];
            r.ttl = 0;
            r.expires = r.expires.min(now + SEC);
            r.refresh = None;
            return (Change::Goodbye, Some(r.id));
        }
        let expires = now + u64::from(ttl) * SEC;
        let (change, i) = match existing {
            Some(i) => {
                let r = &mut self.recs[i];
                r.ttl = ttl;
                r.received = now;
                r.unique = flush;
                r.step = 0;
                r.poof = None;
                (Change::Renewed, i)
            }
            None => {
                if self.recs.len() >= self.capacity {
                    let pick = |only_unwanted: bool| {
                        (0..self.recs.len())
                            .filter(|&i| !only_unwanted || !self.recs[i].interested)
                            .min_by_key(|&i| (self.recs[i].expires, self.recs[i].seq))
                    };
                    let victim = pick(true).or_else(|| pick(false)).unwrap();
                    if let Some(g) = self.remove(victim) {
                        evicted.push(g);
                    }
                }
                let id = self.free.pop().unwrap_or_else(|| {
                    self.slots += 1;
                    self.slots - 1
                });
                self.recs.push(Rec {
                    id,
                    owner,
                    wire: wire.to_vec(),
                    kind,
                    iface,
                    unique: flush,
                    interested: self.wants(owner, rtype),
                    ttl,
                    received: now,
                    expires,
                    seq: self.next_seq,
                    step: 0,
                    refresh: None,
                    poof: None,
                });
                self.next_seq += 1;
                (Change::Added, self.recs.len() - 1)
            }
        };
        let refresh = if self.recs[i].interested {
            self.refresh_point(i, now, expires)
        } else {
            None
        };
        let r = &mut self.recs[i];
        r.expires = expires;
        r.refresh = refresh;
        let id = r.id;
        if flush {
            // RFC 6762 §10.2: the others of this name, type and interface received
            // over a second ago go in one second.
            for r in self.recs.iter_mut() {
                if r.id != id
                    && r.owner == owner
                    && r.kind.rtype() == rtype
                    && r.iface == iface
                    && r.received + SEC < now
                {
                    r.expires = r.expires.min(now + SEC);
                    r.refresh = r.refresh.filter(|&t| t < r.expires);
                }
            }
        }
        (change, Some(id))
    }

    fn poof_query(&mut self, now: u64, id: EntryId) {
        let i = self.pos(id);
        let r = &mut self.recs[i];
        let recent = |t: u64| now.saturating_sub(t) < SEC;
        if recent(r.received) || r.poof.is_some_and(|p| recent(p.2)) {
            return;
        }
        r.poof = Some(match r.poof {
            Some((q, d, _)) => (q.saturating_add(1), d, now),
            None => (1, now + 10 * SEC, now),
        });
    }

    fn expire(&mut self, now: u64, out: &mut Vec<(Vec<u8>, Rtype)>) {
        loop {
            let due = (0..self.recs.len())
                .filter_map(|i| Some((self.recs[i].poof?.1, self.recs[i].id, i)))
                .filter(|p| p.0 <= now)
                .min();
            let Some((_, _, i)) = due else { break };
            if self.recs[i].poof.unwrap().0 >= POOF_QUERIES {
                out.extend(self.remove(i));
            } else {
                self.recs[i].poof = None;
            }
        }
        loop {
            let due = (0..self.recs.len())
                .filter(|&i| self.recs[i].expires <= now)
                .min_by_key(|&i| (self.recs[i].expires, self.recs[i].seq));
            let Some(i) = due else { break };
            out.extend(self.remove(i));
        }
    }

    fn due_refreshes(&mut self, now: u64, out: &mut Vec<EntryId>) {
        loop {
            let due = (0..self.recs.len())
                .filter_map(|i| Some((self.recs[i].refresh?, self.recs[i].id, i)))
                .filter(|p| p.0 <= now)
                .min();
            let Some((_, id, i)) = due else { break };
            let r = &mut self.recs[i];
            r.refresh = None;
            r.step += 1;
            out.push(id);
            let expires = r.expires;
            self.recs[i].refresh = self.refresh_point(i, now, expires);
        }
    }
}

fn wire_of(owner: usize, upper: bool) -> Vec<u8> {
    n(if upper { CASES[owner] } else { OWNERS[owner] })
        .as_wire()
        .to_vec()
}

/// Every live record of the model is in the cache with the same fields, and the
/// records of each name and type come in the same (arrival) order.
fn same_records(cache: &Cache, m: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(cache.len(), m.recs.len());
    for r in &m.recs {
        let e = cache.entry(r.id);
        prop_assert!(e.is_some(), "{} missing", r.id);
        let e = e.unwrap();
        let name = e.name();
        prop_assert_eq!(name.as_wire(), &r.wire[..]);
        prop_assert_eq!(e.rtype(), r.kind.rtype());
        prop_assert_eq!(e.interface(), InterfaceId(r.iface));
        prop_assert_eq!(e.unique(), r.unique);
        prop_assert_eq!(e.ttl(), r.ttl);
        prop_assert_eq!(e.received().as_micros(), r.received);
        prop_assert_eq!(e.expires().as_micros(), r.expires);
        let want = canonical(&r.kind.data());
        prop_assert_eq!(canonical(&e.data().unwrap().to_owned()), want);
    }
    for (owner, name) in OWNERS.iter().enumerate() {
        for t in 0..3 {
            let rtype = type_of(t);
            let got: Vec<EntryId> = cache.ids(&n(name), rtype).collect();
            let want: Vec<EntryId> = m
                .recs
                .iter()
                .filter(|r| r.owner == owner && r.kind.rtype() == rtype)
                .map(|r| r.id)
                .collect();
            prop_assert_eq!(got, want);
        }
    }
    Ok(())
}

fn gone(v: &[Gone]) -> Vec<(Vec<u8>, Rtype)> {
    v.iter()
        .map(|g| (g.name.as_wire().to_vec(), g.rtype))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn the_cache_follows_the_model(
        // Up to 9: more records of one name and type than are looked through one
        // by one ([`SCAN_MAX`]), so the fingerprint index finds some.
        capacity in 1usize..10,
        steps in proptest::collection::vec(
            (prop_oneof![Just(0u64), 1..1500u64, 1500..12_000u64], op()),
            1..80,
        )
    ) {
        let seed = 7;
        let mut cache = Cache::new(capacity);
        let mut rng = Rng::new(seed);
        let mut m = Model {
            recs: Vec::new(),
            free: Vec::new(),
            slots: 0,
            next_seq: 0,
            capacity,
            interest: Vec::new(),
            rng: Rng::new(seed),
        };
        // Far from the epoch: "received over a second ago" never underflows.
        let mut now = 100 * SEC;
        for (advance_ms, op) in steps {
            let until = now + advance_ms * 1000;
            // Timers fire when the cache says one is due, as the engine runs them.
            while let Some(t) = cache.next_timeout() {
                let t = t.as_micros().max(now);
                if t > until {
                    break;
                }
                now = t;
                let (mut a, mut b) = (Vec::new(), Vec::new());
                cache.expire(Instant::from_micros(now), &mut a);
                m.expire(now, &mut b);
                prop_assert_eq!(gone(&a), b, "expired at {}", now);
                let (mut a, mut b) = (Vec::new(), Vec::new());
                cache.due_refreshes(Instant::from_micros(now), &mut rng, &mut a);
                m.due_refreshes(now, &mut b);
                prop_assert_eq!(a, b, "refreshes at {}", now);
            }
            now = until;
            let at = Instant::from_micros(now);
            match op {
                Op::Receive(rrs, iface) => {
                    // One message, names compressed (owners of a name share their
                    // place in it), its records taken in with one memo, as the
                    // querier does; an eviction may drop a name in the middle.
                    let mut packet = vec![0u8; 1500];
                    let mut w = wire::MessageWriter::response(&mut packet, 0).unwrap();
                    for rr in &rrs {
                        let owner = Name::from_wire(&wire_of(rr.owner, rr.upper)).unwrap();
                        w.push_record(
                            wire::Section::Answer,
                            &owner,
                            wire::Class::IN,
                            rr.flush,
                            rr.ttl,
                            &rr.kind.data(),
                        )
                        .unwrap();
                    }
                    let len = w.finish();
                    let msg = wire::Message::parse(&packet[..len]).unwrap();
                    let mut memo = OwnerMemo::default();
                    for (record, rr) in msg.records().zip(&rrs) {
                        let record = record.unwrap();
                        let interested = m.wants(rr.owner, rr.kind.rtype());
                        let got = cache.receive(
                            at,
                            &mut rng,
                            &record,
                            InterfaceId(iface),
                            interested,
                            &mut memo,
                        );
                        if let Some(id) = got.1.filter(|_| rr.flush && rr.ttl > 0) {
                            cache.flush_others(at, id);
                        }
                        let mut evicted = Vec::new();
                        let wire = wire_of(rr.owner, rr.upper);
                        let want = m.receive(
                            now, rr.owner, &wire, rr.kind, rr.ttl, rr.flush, iface, &mut evicted,
                        );
                        prop_assert_eq!(got, want);
                        let mut ev = Vec::new();
                        cache.take_evicted(&mut ev);
                        prop_assert_eq!(gone(&ev), evicted);
                    }
                }
                Op::Interest { owner, rtype, on } => {
                    let rtype = type_of(rtype);
                    if on {
                        cache.want(at, &mut rng, &n(OWNERS[owner]), rtype);
                    } else {
                        cache.unwant(&n(OWNERS[owner]), rtype);
                    }
                    m.interest.retain(|k| *k != (owner, rtype));
                    if on {
                        m.interest.push((owner, rtype));
                    }
                    for i in 0..m.recs.len() {
                        let r = &m.recs[i];
                        if r.owner != owner || r.kind.rtype() != rtype || r.interested == on {
                            continue;
                        }
                        // Only records someone wants have refresh points.
                        let first = if on { m.first_refresh(i, now) } else { None };
                        let r = &mut m.recs[i];
                        r.interested = on;
                        r.refresh = first.map(|(_, at)| at);
                        if let Some((step, _)) = first {
                            r.step = step;
                        }
                    }
                }
                Op::Poof(i) => {
                    if !m.recs.is_empty() {
                        let id = m.recs[i % m.recs.len()].id;
                        cache.poof_query(at, id);
                        m.poof_query(now, id);
                    }
                }
            }
            same_records(&cache, &m)?;
        }
        // The same random numbers were drawn.
        prop_assert_eq!(rng.next_u64(), m.rng.next_u64());
    }
}
