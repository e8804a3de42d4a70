//! How the cache's arrays grow: by an eighth (at least 16 elements), never past the
//! cache's capacity. A full cache's arrays (an entry per record or name) are then its
//! size exactly; a cache that fills part way keeps at most an eighth unused.
//!
//! Growing by half copies each element about twice on the way to a full cache, not
//! eight times, and on a LAN of 200 hosts ran about 5 % faster with 30 MB less
//! resident; but a cache of 1,100 records holding 1,000 then keeps 259 bytes per record
//! live, not 248 (benches/README.md, issue 22's ≤ 256 B).

use alloc::vec::Vec;

/// Makes room for one more element in `v`, which never needs more than `cap` (the
/// cache's capacity): grows it by an eighth, at least 16, at most to `cap`.
#[inline]
pub(super) fn reserve_one<T>(v: &mut Vec<T>, cap: usize) {
    if v.len() == v.capacity() {
        let room = cap.saturating_sub(v.len()).max(1);
        v.reserve_exact((v.len() / 8).max(16).min(room));
    }
}
