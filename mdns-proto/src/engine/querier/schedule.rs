//! Which questions go out now: every due question of an application's operations,
//! and the due questions only background resolves ask (and those due within
//! [`BACKGROUND_LOOKAHEAD`], to share packets) as far as their byte budget allows (see [`super::background`]: resolves still asking first, newest first, then
//! the rest by due time). A background question the budget cannot pay for yet waits
//! until the bucket holds its cost; one the cache answers on every interface
//! (RFC 6762 §7.1, see `send::answered`) costs nothing, since nothing of it goes out.
//!
//! Timing of each question is `send`'s; the packets are written by `send::SendJob`.

use super::background::Rank;
use super::send::{self, Asked, Question};
use super::{Key, Querier, UNICAST_REPLY_WINDOW};
use crate::engine::cache::Cache;
use crate::engine::io::{Family, InterfaceId, SourcePort};
use crate::engine::Ctx;
use crate::name::Name;
use crate::time::Instant;
use crate::util::KeyRef;
use crate::wire::Rtype;
use alloc::vec::Vec;
use core::time::Duration;

/// Bytes a question costs on the wire beyond its name: type and class, and a header
/// counted for each (a packet of several questions costs less).
const QUESTION_OVERHEAD: usize = 4 + 12;
/// Background questions due this soon go out with the questions due now, so that the
/// questions of several background resolves share packets (sending one of them half a
/// second early changes nothing for anyone).
pub const BACKGROUND_LOOKAHEAD: Duration = Duration::from_millis(500);

impl Querier {
    /// Turns the questions due now into a send job. False if none goes out.
    pub(super) fn schedule_due(&mut self, ctx: &mut Ctx<'_>) -> bool {
        let now = ctx.now;
        if self.questions.is_empty() || self.next_due.is_some_and(|d| now < d) {
            return false;
        }
        let mut asked = Vec::new();
        let mut any_qu = false;
        let mut background: Vec<Key> = Vec::new();
        let soon = now + BACKGROUND_LOOKAHEAD;
        for ((name, rtype), q) in self.questions.iter_mut() {
            if q.fg_refs == 0 {
                if q.next_send <= soon {
                    background.push((name.clone(), *rtype));
                }
                continue;
            }
            if q.next_send <= now {
                take(ctx, &self.cache, name, *rtype, q, &mut asked, &mut any_qu);
            }
        }
        let targets: Vec<(InterfaceId, Family)> = ctx.ifaces.multicast_targets().collect();
        if !background.is_empty() {
            self.schedule_background(ctx, &targets, background, &mut asked, &mut any_qu);
        }
        self.next_due = self.questions.values().map(|q| q.next_send).min();
        if asked.is_empty() {
            return false;
        }
        if any_qu {
            self.expect_unicast(now + UNICAST_REPLY_WINDOW);
        }
        if targets.is_empty() {
            return false;
        }
        self.jobs
            .push_back(send::SendJob::new(asked, targets, SourcePort::Mdns, true));
        true
    }

    /// The due questions only background resolves ask, in the order of their
    /// [`Rank`], each sent if the budget pays for it and put off until it can if not.
    fn schedule_background(
        &mut self,
        ctx: &mut Ctx<'_>,
        targets: &[(InterfaceId, Family)],
        keys: Vec<Key>,
        asked: &mut Vec<Asked>,
        any_qu: &mut bool,
    ) {
        let now = ctx.now;
        let mut ranked: Vec<(Rank, Instant, Key)> = keys
            .into_iter()
            .filter_map(|key| {
                let due = self.questions.get(&key)?.next_send;
                Some((self.rank_of(&key.0, key.1), due, key))
            })
            .collect();
        crate::util::heap_sort(&mut ranked);
        for (_, _, (name, rtype)) in ranked {
            let Some(q) = self.questions.get_mut(&(name.clone(), rtype)) else {
                continue;
            };
            let cache = &self.cache;
            let unanswered = targets
                .iter()
                .filter(|(iface, _)| !send::answered(cache, now, *iface, &name, rtype))
                .count();
            if unanswered == 0 || send::denied_by_nsec(cache, &name, rtype) {
                // Nothing of it would go out.
                q.sent(now);
                continue;
            }
            let cost = (name.wire_len() + QUESTION_OVERHEAD) * unanswered;
            let bg = &mut self.background;
            match bg.budget.spend(now, cost as u64, ctx.config) {
                Ok(()) => {
                    bg.stats.bytes += cost as u64;
                    take(ctx, cache, &name, rtype, q, asked, any_qu);
                }
                Err(wait) => {
                    bg.stats.deferred += 1;
                    q.next_send = now + wait;
                }
            }
        }
    }

    /// The best [`Rank`] among the background resolves asking (name, type).
    fn rank_of(&self, name: &Name, rtype: Rtype) -> Rank {
        self.interest
            .get(&KeyRef(name, rtype))
            .into_iter()
            .flatten()
            .filter_map(|id| self.background.rank(*id))
            .min()
            .unwrap_or(Rank::Upkeep)
    }
}

/// Question `q` (`name`, `rtype`) goes out now, unless an NSEC record says there is no
/// such record (RFC 6762 §6.1); either way its next query is scheduled (RFC 6762 §5.2).
fn take(
    ctx: &Ctx<'_>,
    cache: &Cache,
    name: &Name,
    rtype: Rtype,
    q: &mut Question,
    asked: &mut Vec<Asked>,
    any_qu: &mut bool,
) {
    let unicast = q.unicast_next && ctx.config.request_unicast_responses;
    q.sent(ctx.now);
    if send::denied_by_nsec(cache, name, rtype) {
        return;
    }
    *any_qu |= unicast;
    asked.push(Asked {
        name: name.clone(),
        rtype,
        unicast,
    });
}
