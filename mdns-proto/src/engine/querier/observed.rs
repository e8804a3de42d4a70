//! Other hosts' queries as the querier sees them, kept until their known-answer lists
//! are complete: a query with the TC bit continues in packets from the same source that
//! hold only known answers (RFC 6762 §7.2). Only a whole list can say which cached
//! records the asker already knows (RFC 6762 §10.5 passive observation of failures) and
//! whether it knows nothing we would not list ourselves (RFC 6762 §7.3 duplicate question
//! suppression).
//!
//! What the querier does with a completed query lives in its `handle_query`; answering
//! queries is the responder's business.

use crate::engine::cache::{Cache, EntryId};
use crate::engine::io::InterfaceId;
use crate::name::Name;
use crate::time::Instant;
use crate::wire::{Message, NameRef, RData, Rtype, Section};
use alloc::vec::Vec;
use core::net::SocketAddr;
use core::time::Duration;
use smallvec::SmallVec;

/// How long a query with the TC bit waits for its next packet. Responders wait
/// 400-500 ms (RFC 6762 §7.2); an observer waits as long as the longest of them.
pub const CONTINUATION_WAIT: Duration = Duration::from_millis(500);
/// How long one query may keep being continued in all: a source that keeps sending
/// packets with TC cannot hold its slot for ever.
pub const MAX_OBSERVE: Duration = Duration::from_secs(2);
/// How many multi-packet queries are followed at once. A further one is not
/// followed: it neither counts towards RFC 6762 §10.5 nor suppresses our own question.
pub const MAX_OBSERVED: usize = 32;
/// Questions followed per query; the rest are not (a real query asks a few).
const MAX_QUESTIONS: usize = 8;

/// One question of another host's QM query, with what its known answers said so far.
#[derive(Debug)]
pub(crate) struct ObservedQuestion {
    pub name: Name,
    pub rtype: Rtype,
    /// Cached records (ours) they listed, in the order listed (duplicates possible;
    /// looked through as an [`IdSet`] once the query is complete).
    pub known: Vec<EntryId>,
    /// Every record they listed is one we would list too (RFC 6762 §7.3).
    pub all_ours: bool,
}

/// Another host's query, complete or still waiting for packets.
#[derive(Debug)]
pub(crate) struct ObservedQuery {
    pub source: SocketAddr,
    pub iface: InterfaceId,
    /// When it is taken as complete if no packet without TC came.
    pub until: Instant,
    /// When its first packet came.
    started: Instant,
    pub questions: SmallVec<[ObservedQuestion; 2]>,
}

impl ObservedQuery {
    /// The QM questions of a query's first packet (QU and ANY questions do not take
    /// part in RFC 6762 §7.3 or RFC 6762 §10.5) for which `relevant` (records we cache or
    /// ask for) holds.
    pub fn new(
        source: SocketAddr,
        iface: InterfaceId,
        now: Instant,
        msg: &Message<'_>,
        relevant: impl Fn(&NameRef<'_>, Rtype) -> bool,
    ) -> Self {
        let questions = msg
            .questions()
            .flatten()
            .filter(|q| !q.unicast_response && q.qtype != Rtype::ANY)
            .filter(|q| relevant(&q.name, q.qtype))
            .take(MAX_QUESTIONS)
            .map(|q| ObservedQuestion {
                name: q.name.to_name(),
                rtype: q.qtype,
                known: Vec::new(),
                all_ours: true,
            })
            .collect();
        ObservedQuery {
            source,
            iface,
            until: now + CONTINUATION_WAIT,
            started: now,
            questions,
        }
    }

    /// Adds the known answers of one packet of this query.
    ///
    /// Each listed record is looked up once, under its question's name looked up once
    /// per packet, all of a question's together ([`Cache::find_many`]): every host on
    /// a busy link does this for every query it hears.
    pub fn add_known_answers(&mut self, cache: &mut Cache, now: Instant, msg: &Message<'_>) {
        // Where in the message a name was last found to be, and not to be, each
        // question's: known answers share their owner name through a pointer, and a
        // name read from the same place is the same name (compared once, not per record).
        let mut seen: SmallVec<[SeenAt; 2]> = self.questions.iter().map(|_| SeenAt::NONE).collect();
        // The data of the known answers of this packet, by question.
        let mut listed: SmallVec<[(usize, RData<'_>); 32]> = SmallVec::new();
        for r in msg.records().flatten() {
            if r.section != Section::Answer {
                continue;
            }
            for (i, (q, seen)) in self.questions.iter().zip(&mut seen).enumerate() {
                if r.rtype == q.rtype && seen.is(&r.name, &q.name) {
                    listed.push((i, r.rdata));
                }
            }
        }
        let mut data: SmallVec<[RData<'_>; 32]> = SmallVec::new();
        let mut found: Vec<Option<EntryId>> = Vec::new();
        for (i, q) in self.questions.iter_mut().enumerate() {
            data.clear();
            data.extend(listed.iter().filter(|l| l.0 == i).map(|l| l.1));
            if data.is_empty() {
                continue;
            }
            found.clear();
            // One allocation for the packet's answers to this question, not a doubling
            // per few records.
            found.reserve(data.len());
            match cache.owner(&q.name) {
                Some(owner) => cache.find_many(owner, q.rtype, self.iface, &data, &mut found),
                None => found.extend(data.iter().map(|_| None)),
            }
            for &f in &found {
                if let Some(id) = f {
                    q.known.push(id);
                }
                // RFC 6762 §7.3: a record we would not list ourselves (not cached here,
                // unique, or past half its TTL) means their query is not ours.
                if q.all_ours
                    && !f
                        .and_then(|id| cache.entry(id))
                        .is_some_and(|e| e.is_known_answer(now))
                {
                    q.all_ours = false;
                }
            }
            // A source repeating known answers in packet after packet must not grow
            // the list past the records it can name: once it holds twice as many ids
            // as the cache has records, it is sorted and its duplicates dropped.
            if q.known.len() > 2 * cache.len().max(KNOWN_MIN) {
                compact(&mut q.known);
            }
        }
    }

    /// A packet with TC came: wait for the next one, within [`MAX_OBSERVE`] in all.
    pub fn extend(&mut self, now: Instant) {
        self.until = (now + CONTINUATION_WAIT).min(self.started + MAX_OBSERVE);
    }
}

/// Known records a question collects before duplicates are looked for, however small
/// the cache.
const KNOWN_MIN: usize = 32;

/// Sorts `ids` and drops their duplicates.
fn compact(ids: &mut Vec<EntryId>) {
    crate::util::heap_sort(ids);
    ids.dedup();
}

/// A set of record ids, a bit each (the ids of a cache are below its capacity): a
/// completed query's known answers, tested for every cached record of its question.
pub(crate) struct IdSet(SmallVec<[u64; 16]>);

impl IdSet {
    /// The set of `ids`.
    pub fn of(ids: &[EntryId]) -> Self {
        let words = ids.iter().max().map_or(0, |&m| m as usize / 64 + 1);
        let mut bits: SmallVec<[u64; 16]> = smallvec::smallvec![0; words];
        for &id in ids {
            bits[id as usize / 64] |= 1 << (id % 64);
        }
        IdSet(bits)
    }

    /// The ids in the set, in increasing order, each once.
    pub fn iter(&self) -> impl Iterator<Item = EntryId> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| {
            let base = w as EntryId * 64;
            let mut left = bits;
            core::iter::from_fn(move || {
                if left == 0 {
                    return None;
                }
                let bit = left.trailing_zeros();
                left &= left - 1;
                Some(base + bit)
            })
        })
    }

    /// True if `id` is in the set.
    #[inline]
    pub fn contains(&self, id: EntryId) -> bool {
        self.0
            .get(id as usize / 64)
            .is_some_and(|w| w >> (id % 64) & 1 != 0)
    }
}

/// Where in one message a name was last found to be a question's name, and where
/// last not to be (`usize::MAX`: nowhere yet).
#[derive(Clone, Copy)]
struct SeenAt {
    equal: usize,
    unequal: usize,
}

impl SeenAt {
    const NONE: SeenAt = SeenAt {
        equal: usize::MAX,
        unequal: usize::MAX,
    };

    /// True if `name` (read from the message) is `question`'s name: known at once if
    /// read from a place compared already, else compared and remembered.
    #[inline]
    fn is(&mut self, name: &NameRef<'_>, question: &Name) -> bool {
        let at = name.offset();
        if at == self.equal {
            return true;
        }
        if at == self.unequal {
            return false;
        }
        let equal = name.eq_name(question);
        if equal {
            self.equal = at;
        } else {
            self.unequal = at;
        }
        equal
    }
}

/// The multi-packet queries being followed.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    waiting: Vec<ObservedQuery>,
}

impl Observed {
    /// Follows a query whose last packet so far had TC (callers first
    /// [`take`](Self::take) the one from the same source). `false` when
    /// [`MAX_OBSERVED`] are followed already: this one is then dropped.
    pub fn wait(&mut self, q: ObservedQuery) -> bool {
        if self.waiting.len() >= MAX_OBSERVED {
            return false;
        }
        self.waiting.push(q);
        true
    }

    /// Takes the query waiting for packets from `source` on `iface`.
    pub fn take(&mut self, source: SocketAddr, iface: InterfaceId) -> Option<ObservedQuery> {
        let i = self
            .waiting
            .iter()
            .position(|w| w.source == source && w.iface == iface)?;
        Some(self.waiting.swap_remove(i))
    }

    /// Takes every query whose wait is over, in the order they were due.
    pub fn take_due(&mut self, now: Instant, out: &mut Vec<ObservedQuery>) {
        let mut i = 0;
        let start = out.len();
        while i < self.waiting.len() {
            if self.waiting[i].until <= now {
                out.push(self.waiting.swap_remove(i));
            } else {
                i += 1;
            }
        }
        crate::util::sort_small_by_key(&mut out[start..], |q| q.until);
    }

    /// True if no query is being followed.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// When the next wait is over.
    pub fn next_due(&self) -> Option<Instant> {
        self.waiting.iter().map(|q| q.until).min()
    }

    /// Forgets the queries seen on an interface that went down.
    pub fn interface_down(&mut self, iface: InterfaceId) {
        self.waiting.retain(|q| q.iface != iface);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::cache::OwnerMemo;
    use crate::rand::Rng;
    use crate::wire::{Class, MessageWriter, RecordData};

    const IF: InterfaceId = InterfaceId(1);

    fn n(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    /// Writes a shared PTR from `ty` to each of `targets` as an answer.
    fn push_ptrs(w: &mut MessageWriter<'_>, ty: &Name, targets: &[Name]) {
        for t in targets {
            let data = RecordData::Ptr(t.clone());
            w.push_record(Section::Answer, ty, Class::IN, false, 4500, &data)
                .unwrap();
        }
    }

    #[test]
    fn an_id_set_lists_each_id_once_in_order() {
        let set = IdSet::of(&[200, 3, 64, 3, 0, 63, 127]);
        let ids: Vec<EntryId> = set.iter().collect();
        assert_eq!(ids, [0, 3, 63, 64, 127, 200]);
        assert!(ids.iter().all(|&id| set.contains(id)));
        assert!(!set.contains(1) && !set.contains(201));
        assert_eq!(IdSet::of(&[]).iter().count(), 0);
    }

    /// A source sending the same known answers in packet after packet (each with TC)
    /// leaves a list no longer than twice the records it can name, holding each once.
    #[test]
    fn repeated_known_answers_do_not_grow_the_list_without_bound() {
        let ty = n("_http._tcp.local");
        let targets: Vec<Name> = (0..3)
            .map(|i| n(&alloc::format!("Svc {i}._http._tcp.local")))
            .collect();
        let mut cache = Cache::new(64);
        let mut rng = Rng::new(1);
        let now = Instant::from_millis(0);
        // Our cache: the three PTRs.
        let mut buf = [0u8; 1500];
        let mut w = MessageWriter::response(&mut buf, 0).unwrap();
        push_ptrs(&mut w, &ty, &targets);
        let len = w.finish();
        let msg = Message::parse(&buf[..len]).unwrap();
        let mut ids = Vec::new();
        for r in msg.records().flatten() {
            let (_, id) = cache.receive(now, &mut rng, &r, IF, true, &mut OwnerMemo::default());
            ids.push(id.unwrap());
        }
        crate::util::heap_sort(&mut ids);
        // Their query, then continuation packets listing the same three records.
        let mut qbuf = [0u8; 1500];
        let mut w = MessageWriter::query(&mut qbuf).unwrap();
        w.push_question(&ty, Rtype::PTR, Class::IN, false).unwrap();
        let qlen = w.finish();
        let query = Message::parse(&qbuf[..qlen]).unwrap();
        let source: SocketAddr = "10.0.0.9:5353".parse().unwrap();
        let mut q = ObservedQuery::new(source, IF, now, &query, |_, _| true);
        let mut kbuf = [0u8; 1500];
        let mut w = MessageWriter::query(&mut kbuf).unwrap();
        push_ptrs(&mut w, &ty, &targets);
        let klen = w.finish();
        let known = Message::parse(&kbuf[..klen]).unwrap();
        for _ in 0..1000 {
            q.add_known_answers(&mut cache, now, &known);
            assert!(q.questions[0].known.len() <= 2 * KNOWN_MIN + targets.len());
        }
        let mut listed = q.questions[0].known.clone();
        compact(&mut listed);
        assert_eq!(listed, ids);
        assert!(q.questions[0].all_ours);
    }
}
