//! Replies to legacy unicast queries (RFC 6762 §6.7): one-shot resolvers asking from a
//! port other than 5353. The reply goes by unicast to the source address and port, with
//! the query ID and questions echoed, no cache-flush bits, TTLs of at most ten seconds,
//! SRV records without name compression (RFC 6762 §18.14), and TC when it does not fit (the
//! writing rules are in [`write`](super::write)). The question list and the answer list
//! of a reply sent are kept for the next one: later replies allocate nothing for them.
//!
//! Bound on amplification: a reply is at most `LEGACY_MAX_REPLY` (512) bytes, what a
//! resolver without EDNS0 accepts (RFC 1035 §4.2.1). The smallest query carrying a
//! question is 17 bytes, so a reply is never more than ~30× its query, whatever it asks.

use super::answer::{is_strictly_sorted, Q};
use super::job::{Job, LegacyQuery, ResponseJob};
use super::records::RecKey;
use crate::engine::io::{Destination, InterfaceId};
use crate::name::Name;
use crate::wire::{Class, Rtype};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::net::SocketAddr;

/// The reply job to a legacy query with ID `id` from `source`: `answers` (sorted,
/// without duplicates, put in `list`, an empty list), then their additional records.
/// `spare`: the question list of an earlier reply, to reuse.
#[allow(clippy::too_many_arguments)]
pub(crate) fn reply(
    iface: InterfaceId,
    source: SocketAddr,
    id: u16,
    questions: &[Q<'_>],
    answers: &[RecKey],
    mut list: Vec<RecKey>,
    spare: Option<Box<LegacyQuery>>,
) -> Job {
    list.extend_from_slice(answers);
    let mut answers = list;
    if !is_strictly_sorted(&answers) {
        crate::util::heap_sort(&mut answers);
        answers.dedup();
    }
    let mut legacy = spare.unwrap_or_else(|| {
        Box::new(LegacyQuery {
            id,
            questions: Vec::new(),
        })
    });
    legacy.id = id;
    owned_questions(questions, &mut legacy.questions);
    Job::Response(ResponseJob {
        iface,
        dest: Destination::Unicast(source),
        answers,
        additionals: Vec::new(),
        auto_additionals: true,
        gap: None,
        legacy: Some(legacy),
    })
}

/// Questions echoed by a legacy reply.
fn owned_questions(questions: &[Q<'_>], owned: &mut Vec<(Name, Rtype, Class)>) {
    owned.clear();
    for (i, q) in questions.iter().enumerate() {
        // A name asked about again (SRV and TXT of one instance: the second question's
        // name a pointer to the first's) is copied, not built again.
        let same = |p: &Q<'_>| p.name.offset() == q.name.offset();
        let name = match questions[..i].iter().position(same) {
            Some(j) => owned[j].0.clone(),
            None => q.name.to_name(),
        };
        owned.push((name, q.qtype, q.qclass));
    }
}
