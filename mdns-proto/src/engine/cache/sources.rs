//! Who sent the cached records: per source address, how many records the cache
//! holds, so that one host cannot take the cache from the others.
//!
//! A source holding more than half of the cache's capacity while others hold records
//! too is *dominant*; when the cache is full, a dominant source's records are evicted
//! before anyone else's ([`super`]'s eviction). Without this, a host announcing
//! thousands of instances fills the cache, and the records other hosts send (a
//! service announced with all its records, whose short TTLs make them the
//! soonest-expiring) are the ones evicted, before anyone can read them. Sources are
//! counted by address: a flood sent from many forged addresses is not caught.
//!
//! Records received without a source (the cache's own tests) are not counted.

use crate::util::FixedState;
use alloc::vec::Vec;
use core::net::IpAddr;
use hashbrown::HashMap;

/// A source's index; [`NONE`] for records of no known source.
pub(super) type SourceId = u16;
/// The source of records received without one.
pub(super) const NONE: SourceId = SourceId::MAX;

/// The sources and their record counts.
#[derive(Debug, Default)]
pub(super) struct Sources {
    ids: HashMap<IpAddr, SourceId, FixedState>,
    /// By id: the address and how many records it has in the cache (0: a free id).
    counts: Vec<(IpAddr, u32)>,
    free: Vec<SourceId>,
    /// Sources with records.
    live: usize,
    /// The source of the records being received now.
    current: Option<(IpAddr, SourceId)>,
    dominant: Option<SourceId>,
}

impl Sources {
    /// The records received from now on come from `addr`.
    #[inline]
    pub fn set_current(&mut self, addr: IpAddr) {
        if self.current.is_some_and(|(a, _)| a == addr) {
            return;
        }
        self.release_current();
        let id = match self.ids.get(&addr) {
            Some(&id) => id,
            None => {
                let id = match self.free.pop() {
                    Some(id) => id,
                    // Out of ids (65,535 sources): the rest go uncounted.
                    None if self.counts.len() >= usize::from(NONE) => NONE,
                    None => {
                        self.counts.push((addr, 0));
                        (self.counts.len() - 1) as SourceId
                    }
                };
                if id != NONE {
                    self.counts[usize::from(id)] = (addr, 0);
                    self.ids.insert(addr, id);
                }
                id
            }
        };
        self.current = Some((addr, id));
    }

    /// Frees the current source's id if it has no record.
    fn release_current(&mut self) {
        if let Some((addr, id)) = self.current.take() {
            if id != NONE && self.counts[usize::from(id)].1 == 0 {
                self.ids.remove(&addr);
                self.free.push(id);
            }
        }
    }

    /// A record from the current source was added; returns its source.
    pub fn added(&mut self, capacity: usize) -> SourceId {
        let Some((_, id)) = self.current else {
            return NONE;
        };
        if id == NONE {
            return NONE;
        }
        let c = &mut self.counts[usize::from(id)].1;
        *c += 1;
        if *c == 1 {
            self.live += 1;
        }
        if *c as usize > capacity / 2 {
            self.dominant = Some(id);
        }
        id
    }

    /// A record of `id` was removed.
    pub fn removed(&mut self, id: SourceId, capacity: usize) {
        if id == NONE {
            return;
        }
        let (addr, c) = &mut self.counts[usize::from(id)];
        *c = c.saturating_sub(1);
        let (addr, c) = (*addr, *c);
        if self.dominant == Some(id) && c as usize <= capacity / 2 {
            self.dominant = None;
        }
        if c == 0 {
            self.live -= 1;
            // The current source keeps its id until it changes.
            if self.current.is_none_or(|(_, cur)| cur != id) {
                self.ids.remove(&addr);
                self.free.push(id);
            }
        }
    }

    /// The dominant source, if another source has records too.
    pub fn dominant(&self) -> Option<SourceId> {
        self.dominant.filter(|_| self.live > 1)
    }
}
