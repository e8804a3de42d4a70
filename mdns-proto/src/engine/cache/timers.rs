//! What time and a full cache take away: when the cache is next due
//! ([`Cache::next_timeout`]), expiry and POOF flushes ([`Cache::expire`]), refresh
//! points ([`Cache::due_refreshes`]), records of an interface gone, and eviction when
//! full (a dominant source's records first, see `sources`; else the soonest-expiring
//! record nobody wants, else the soonest-expiring of all). How records are filed is
//! [`super`]'s.

use super::*;

impl Cache {
    /// The next time something in the cache is due.
    pub fn next_timeout(&self) -> Option<Instant> {
        [
            self.first_expiry().map(|x| x.0 .0),
            self.refresh.first().map(|x| x.0),
            self.poof_due.first().map(|x| x.0),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The first record filed for expiry, wanted or not.
    fn first_expiry(&self) -> Option<(ExpiryKey, EntryId)> {
        match (self.evictable.first(), self.wanted.first()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Removes what has expired or been POOFed by `now`; the records that someone
    /// wanted are reported in `out`.
    pub fn expire(&mut self, now: Instant, out: &mut Vec<Gone>) {
        while let Some(&(d, id)) = self.poof_due.first() {
            if d > now {
                break;
            }
            self.poof_due.remove(&(d, id));
            let Some(p) = self.poof.remove(&id) else {
                continue;
            };
            if p.queries >= POOF_QUERIES {
                self.remove(id, Some(out));
            }
        }
        while let Some(((t, _), id)) = self.first_expiry() {
            if t > now {
                break;
            }
            if self.refile_if_later(id, now) {
                continue;
            }
            self.remove(id, Some(out));
        }
    }

    /// Records whose refresh point has come (RFC 6762 §5.2); each is rescheduled to its
    /// next point. The querier decides whether anyone wants them refreshed.
    pub fn due_refreshes(&mut self, now: Instant, rng: &mut Rng, out: &mut Vec<EntryId>) {
        while let Some((t, id)) = self.refresh.first() {
            if t > now {
                break;
            }
            self.refresh.remove(id);
            let s = &mut self.slots[id as usize];
            match s.refresh() {
                // Filed before a renewal moved it: file it where it is now.
                Some(r) if r > now => {
                    self.refresh.set(id, r);
                    continue;
                }
                Some(_) => {}
                // No refresh point any more (renewed past its last one).
                None => continue,
            }
            s.next_refresh = NEVER;
            s.refresh_step += 1;
            out.push(id);
            let expires = s.expires;
            if let Some(next) = self.refresh_point(rng, id, now, expires) {
                self.slots[id as usize].next_refresh = next;
                self.refresh.set(id, next);
            }
        }
    }

    /// Removes every record learnt on an interface (it went down); the records that
    /// someone wanted are reported in `out`.
    pub fn remove_interface(&mut self, interface: InterfaceId, out: &mut Vec<Gone>) {
        for id in 0..self.slots.len() as EntryId {
            let s = &self.slots[id as usize];
            if s.is(LIVE) && s.interface == interface {
                self.remove(id, Some(out));
            }
        }
    }

    /// Evicts one record: the soonest-expiring that nobody wants, else the
    /// soonest-expiring of all; ties go to the one that arrived first. Records filed
    /// early are re-filed first, so the choice is made on true expiry times.
    pub(super) fn evict_one(&mut self) {
        if let Some(d) = self.sources.dominant() {
            if let Some(id) = self.one_of(d) {
                let mut gone = core::mem::take(&mut self.evicted);
                if self.remove(id, Some(&mut gone)) {
                    self.evictions += 1;
                }
                self.evicted = gone;
                return;
            }
        }
        let victim = loop {
            let first = self.evictable.first().or_else(|| self.wanted.first());
            let Some(((filed, _), id)) = first else {
                break None;
            };
            // The first filed time is before every true expiry: re-filing this record
            // at its true, later time cannot skip another.
            if self.slots[id as usize].expires > filed {
                self.refile(id);
                continue;
            }
            break Some(id);
        };
        if let Some(id) = victim {
            let mut gone = core::mem::take(&mut self.evicted);
            if self.remove(id, Some(&mut gone)) {
                self.evictions += 1;
            }
            self.evicted = gone;
        }
    }

    /// A record of source `d`, nearly the soonest-expiring of those nobody wants, else
    /// of those someone wants: the first found near the top of either expiry heap
    /// (`d` holds more than half the records, so a few looks find one).
    fn one_of(&self, d: SourceId) -> Option<EntryId> {
        const LOOKS: usize = 64;
        let of = |id: &u32| self.source_of.get(*id as usize) == Some(&d);
        let unwanted = self.evictable.ids().take(LOOKS).find(of);
        unwanted.or_else(|| self.wanted.ids().take(LOOKS).find(of))
    }

    /// Hands out the (name, type) of the records someone wanted that were evicted
    /// since the last call, so that whoever reported them can report them gone.
    pub fn take_evicted(&mut self, out: &mut Vec<Gone>) {
        out.append(&mut self.evicted);
    }
}
