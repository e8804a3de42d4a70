//! Finding many records of one name and type at once ([`Cache::find_many`]): the known
//! answers of another host's query, looked up step by step for all of them together
//! (every fingerprint, then every index entry, then every record's slot, then the
//! comparisons), so that their cache misses overlap instead of following one another
//! (on a big LAN no cache fits a CPU cache). What is found is what one
//! [`Cache::find_in`] each finds. How records are filed is [`super`]'s.

use super::*;

/// Records looked up together at most; more are looked up in groups of this many.
const BATCH: usize = 32;

impl Cache {
    /// The records of `owner`, `rtype` and `iface` with data `data`, each as
    /// [`find_in`](Self::find_in) would find it, pushed to `out` in order.
    pub fn find_many(
        &mut self,
        owner: Owner,
        rtype: Rtype,
        iface: InterfaceId,
        data: &[RData<'_>],
        out: &mut Vec<Option<EntryId>>,
    ) {
        let list = self.names.list(owner.0, rtype);
        if list.is_none_or(|l| l.len <= SCAN_MAX) || data.len() < 2 {
            // Nothing to find, or a short list read through: no index look-ups.
            for d in data {
                let found = list.and_then(|_| self.find_in(owner, rtype, iface, d));
                out.push(found);
            }
            return;
        }
        let mut buf = core::mem::take(&mut self.data);
        for group in data.chunks(BATCH) {
            // The data in canonical form, one after another, and their fingerprints.
            buf.clear();
            let mut keys: SmallVec<[(u64, u32, u32); BATCH]> = SmallVec::new();
            for d in group {
                let start = buf.len();
                d.write_canonical(&mut buf);
                let fp = fingerprint(owner.0, rtype, iface, &buf[start..]);
                keys.push((fp, start as u32, buf.len() as u32));
            }
            // Each one's first candidate in the index (loads independent of each
            // other), then its slot read (its data is compared next).
            let candidates: SmallVec<[u32; BATCH]> = keys
                .iter()
                .map(|k| self.by_data.first_candidate(k.0))
                .collect();
            let mut touched = 0u32;
            for &id in &candidates {
                if let Some(s) = self.slots.get(id as usize) {
                    touched ^= s.owner;
                }
            }
            core::hint::black_box(touched);
            let slots = &self.slots;
            for &(fp, start, end) in &keys {
                let want = &buf[start as usize..end as usize];
                out.push(self.by_data.find(fp, |id| {
                    let s = &slots[id as usize];
                    s.owner == owner.0
                        && s.rtype == rtype
                        && s.interface == iface
                        && same_data(&s.data, want, rtype)
                }));
            }
        }
        self.data = buf;
    }
}
