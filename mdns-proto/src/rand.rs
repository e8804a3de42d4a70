//! Seeded pseudo-random numbers for protocol jitter (RFC 6762 delays, probe start,
//! refresh jitter). A tiny xoshiro256** generator seeded through splitmix64: no OS
//! randomness, no global state, so a run replays exactly from its seed. Not for
//! anything cryptographic.

use core::time::Duration;

/// A deterministic random number generator (xoshiro256**).
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole output is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let mut next = || {
            sm = sm.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = sm;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `lo..=hi` (returns `lo` if `hi < lo`).
    pub fn range_inclusive(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        let span = hi - lo;
        if span == u64::MAX {
            return self.next_u64();
        }
        // Multiply-shift: bias below 2^-64 per value, fine for protocol jitter.
        let r = ((self.next_u64() as u128 * (span as u128 + 1)) >> 64) as u64;
        lo + r
    }

    /// A uniform duration in `lo..=hi`, at microsecond resolution.
    pub fn duration_between(&mut self, lo: Duration, hi: Duration) -> Duration {
        let lo_us = u64::try_from(lo.as_micros()).unwrap_or(u64::MAX);
        let hi_us = u64::try_from(hi.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(self.range_inclusive(lo_us, hi_us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_ranges_hold() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let mut c = Rng::new(8);
        let xs: [u64; 4] = core::array::from_fn(|_| a.next_u64());
        let ys: [u64; 4] = core::array::from_fn(|_| b.next_u64());
        let zs: [u64; 4] = core::array::from_fn(|_| c.next_u64());
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        let (mut saw_lo, mut saw_hi) = (false, false);
        for _ in 0..10_000 {
            let v = a.range_inclusive(20, 25);
            assert!((20..=25).contains(&v));
            saw_lo |= v == 20;
            saw_hi |= v == 25;
        }
        assert!(saw_lo && saw_hi, "both ends of the range are reachable");
        assert_eq!(a.range_inclusive(5, 5), 5);
        assert_eq!(a.range_inclusive(9, 3), 9);
    }
}
