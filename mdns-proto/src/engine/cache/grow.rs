//! How the cache's arrays grow: by half, up to the cache's capacity. A full cache's
//! arrays (an entry per record or name) are then its size exactly, nothing unused; on
//! the way there each element is copied about three times (growing by an eighth, as
//! before, copied it nine times: on a big LAN those copies were a third of all cache
//! misses while the caches filled).

use alloc::vec::Vec;

/// Makes room for one more element in `v`, which never needs more than `cap` (the
/// cache's capacity): grows it by half, at least 16, at most to `cap`.
#[inline]
pub(super) fn reserve_one<T>(v: &mut Vec<T>, cap: usize) {
    if v.len() == v.capacity() {
        let room = cap.saturating_sub(v.len()).max(1);
        v.reserve_exact((v.len() / 2).max(16).min(room));
    }
}
