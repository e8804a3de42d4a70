//! How the cache's arrays grow: doubling while they are small (at least 16 elements),
//! then by an eighth of the cache's capacity at a time, never past the capacity. A full
//! cache's arrays (an entry per record or name) are then its size exactly; a cache that
//! fills part way keeps at most an eighth of its capacity unused, and a small one at
//! most as much as it uses.
//!
//! Filling a cache copies each element about four times on the way, not eight times as
//! growing by an eighth of the length did (and the reallocations touch half the pages):
//! on a LAN of 200 hosts, every cache fills to 4,096 records in the first seconds.
//! Growing by half copied less still, but a cache of 1,100 records holding 1,000 then
//! kept 259 bytes per record live, over issue 22's 256 (benches/README.md).

use alloc::vec::Vec;

/// Makes room for one more element in `v`, which never needs more than `cap` (the
/// cache's capacity): doubles it while it is under an eighth of `cap`, else grows it
/// by an eighth of `cap`; at least 16, at most to `cap`.
#[inline]
pub(super) fn reserve_one<T>(v: &mut Vec<T>, cap: usize) {
    if v.len() == v.capacity() {
        let room = cap.saturating_sub(v.len()).max(1);
        let step = v.len().min(cap / 8).max(16);
        v.reserve_exact(step.min(room));
    }
}
