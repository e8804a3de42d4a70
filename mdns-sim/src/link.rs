//! The seeded link model: what happens to one datagram on its way to one receiver.
//!
//! Modelled on str0m's `netem`: independent loss, burst loss (a Gilbert–Elliott
//! channel per receiving interface), a base delay with uniform jitter, duplication and
//! reordering. Every random draw comes from the simulator's seeded generator, so a run
//! replays exactly.
//!
//! The medium is a shared LAN segment: each receiving interface has its own channel
//! (its own burst state and its own FIFO queue), so one multicast can reach some hosts
//! and miss others, as on Wi-Fi. A host always receives its own multicast (the loopback
//! of a real IP stack): that copy is never lost, delayed or duplicated.

use core::time::Duration;
use mdns_sansio::rand::Rng;
use mdns_sansio::Instant;

/// A probability, stored as a threshold on a 64-bit random draw (no floating point in
/// the hot path, identical on every platform).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Prob(u64);

impl Prob {
    /// Never.
    pub const NEVER: Prob = Prob(0);
    /// Always.
    pub const ALWAYS: Prob = Prob(u64::MAX);

    /// From a fraction in `0.0..=1.0` (clamped).
    pub fn new(p: f64) -> Prob {
        if p.is_nan() || p <= 0.0 {
            Prob::NEVER
        } else if p >= 1.0 {
            Prob::ALWAYS
        } else {
            // 2^64 * p, exact enough for a simulation.
            Prob((p * 18_446_744_073_709_551_616.0) as u64)
        }
    }

    /// From a percentage in `0..=100`.
    pub fn percent(p: u32) -> Prob {
        Prob::new(f64::from(p) / 100.0)
    }

    /// The fraction this stands for.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 18_446_744_073_709_551_616.0
    }

    /// Draws once: true with this probability.
    pub fn sample(self, rng: &mut Rng) -> bool {
        match self.0 {
            0 => false,
            u64::MAX => true,
            t => rng.next_u64() < t,
        }
    }
}

/// A two-state burst-loss channel (Gilbert–Elliott). In the good state packets are
/// lost with `loss_good`, in the bad state with `loss_bad`; before each packet the
/// channel moves good→bad with `enter_bad` and bad→good with `leave_bad`. The mean
/// burst length is `1 / leave_bad` packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GilbertElliott {
    /// Probability of moving from good to bad before a packet.
    pub enter_bad: Prob,
    /// Probability of moving from bad to good before a packet.
    pub leave_bad: Prob,
    /// Loss probability in the good state.
    pub loss_good: Prob,
    /// Loss probability in the bad state.
    pub loss_bad: Prob,
}

impl GilbertElliott {
    /// Bursts that start with probability `enter_bad`, last `mean_burst` packets on
    /// average and lose everything while they last; nothing is lost between bursts.
    pub fn bursts(enter_bad: f64, mean_burst: f64) -> Self {
        GilbertElliott {
            enter_bad: Prob::new(enter_bad),
            leave_bad: Prob::new(1.0 / mean_burst.max(1.0)),
            loss_good: Prob::NEVER,
            loss_bad: Prob::ALWAYS,
        }
    }
}

/// How a link treats datagrams. [`LinkModel::default`] is a perfect LAN with 1 ms delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkModel {
    /// Independent loss probability per datagram per receiver.
    pub loss: Prob,
    /// Burst loss on top of `loss`, if any.
    pub burst: Option<GilbertElliott>,
    /// Fixed one-way delay.
    pub delay: Duration,
    /// Extra delay drawn uniformly from `0..=jitter`. Delivery order per receiving
    /// interface is still first-in first-out unless `reorder` picks a datagram.
    pub jitter: Duration,
    /// Probability that a delivered datagram arrives twice.
    pub duplicate: Prob,
    /// Probability that a datagram is held back by `reorder_delay` (and so overtaken).
    pub reorder: Prob,
    /// How long a reordered datagram is held back.
    pub reorder_delay: Duration,
}

impl Default for LinkModel {
    fn default() -> Self {
        LinkModel {
            loss: Prob::NEVER,
            burst: None,
            delay: Duration::from_millis(1),
            jitter: Duration::ZERO,
            duplicate: Prob::NEVER,
            reorder: Prob::NEVER,
            reorder_delay: Duration::from_millis(20),
        }
    }
}

impl LinkModel {
    /// A perfect link: 1 ms delay, nothing lost.
    pub fn perfect() -> Self {
        Self::default()
    }

    /// A link losing `percent` % of datagrams independently, with 1–5 ms delay.
    pub fn lossy(percent: u32) -> Self {
        LinkModel {
            loss: Prob::percent(percent),
            jitter: Duration::from_millis(4),
            ..Self::default()
        }
    }

    /// A bad Wi-Fi: independent loss, loss bursts, 2–30 ms delay, 1 % duplicates and
    /// 2 % reordering.
    pub fn hostile(percent: u32) -> Self {
        LinkModel {
            loss: Prob::percent(percent),
            burst: Some(GilbertElliott::bursts(0.01, 5.0)),
            delay: Duration::from_millis(2),
            jitter: Duration::from_millis(28),
            duplicate: Prob::percent(1),
            reorder: Prob::percent(2),
            reorder_delay: Duration::from_millis(40),
        }
    }

    /// The same with `loss` replaced.
    pub fn with_loss(mut self, p: f64) -> Self {
        self.loss = Prob::new(p);
        self
    }

    /// The same with delay and jitter replaced.
    pub fn with_delay(mut self, delay: Duration, jitter: Duration) -> Self {
        self.delay = delay;
        self.jitter = jitter;
        self
    }

    /// The same with burst loss.
    pub fn with_bursts(mut self, ge: GilbertElliott) -> Self {
        self.burst = Some(ge);
        self
    }

    /// The same with duplication.
    pub fn with_duplicates(mut self, p: f64) -> Self {
        self.duplicate = Prob::new(p);
        self
    }

    /// The same with reordering.
    pub fn with_reordering(mut self, p: f64, hold: Duration) -> Self {
        self.reorder = Prob::new(p);
        self.reorder_delay = hold;
        self
    }

    /// The rough fraction of datagrams lost (independent loss plus the steady-state
    /// burst loss); scenario bounds scale with it.
    pub fn loss_rate(&self) -> f64 {
        let indep = self.loss.as_f64();
        let burst = self.burst.map_or(0.0, |ge| {
            let (e, l) = (ge.enter_bad.as_f64(), ge.leave_bad.as_f64());
            let bad = if e + l == 0.0 { 0.0 } else { e / (e + l) };
            bad * ge.loss_bad.as_f64() + (1.0 - bad) * ge.loss_good.as_f64()
        });
        1.0 - (1.0 - indep) * (1.0 - burst)
    }
}

/// The state of one receiving interface's channel.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Channel {
    bad: bool,
    /// Latest in-order delivery time handed out (FIFO).
    last: Instant,
}

/// What the link does with one datagram for one receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Lost on the way.
    Lost,
    /// Arrives at the first time, and again at the second if duplicated.
    Arrives(Instant, Option<Instant>),
}

impl Channel {
    pub(crate) fn send(&mut self, model: &LinkModel, now: Instant, rng: &mut Rng) -> Fate {
        let mut lost = model.loss.sample(rng);
        if let Some(ge) = model.burst {
            self.bad = if self.bad {
                !ge.leave_bad.sample(rng)
            } else {
                ge.enter_bad.sample(rng)
            };
            let p = if self.bad { ge.loss_bad } else { ge.loss_good };
            lost |= p.sample(rng);
        }
        if lost {
            return Fate::Lost;
        }
        let mut at = now + model.delay + rng.duration_between(Duration::ZERO, model.jitter);
        if model.reorder.sample(rng) {
            at += model.reorder_delay;
        } else {
            at = at.max(self.last);
            self.last = at;
        }
        let dup = model.duplicate.sample(rng).then(|| {
            at + Duration::from_micros(1) + rng.duration_between(Duration::ZERO, model.jitter)
        });
        Fate::Arrives(at, dup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_hold_roughly() {
        let mut rng = Rng::new(1);
        let p = Prob::percent(30);
        let hits = (0..100_000).filter(|_| p.sample(&mut rng)).count();
        assert!((28_000..32_000).contains(&hits), "{hits}");
        assert!(!Prob::NEVER.sample(&mut rng));
        assert!(Prob::ALWAYS.sample(&mut rng));
    }

    #[test]
    fn bursts_cluster_and_fifo_holds() {
        let model = LinkModel::perfect()
            .with_bursts(GilbertElliott::bursts(0.05, 10.0))
            .with_delay(Duration::from_millis(1), Duration::from_millis(10));
        let mut rng = Rng::new(9);
        let mut ch = Channel::default();
        let mut fates = Vec::new();
        let mut last = Instant::ZERO;
        for i in 0..10_000u64 {
            let f = ch.send(&model, Instant::from_millis(i), &mut rng);
            if let Fate::Arrives(at, _) = f {
                assert!(at >= last, "FIFO without reordering");
                last = at;
            }
            fates.push(f == Fate::Lost);
        }
        let lost = fates.iter().filter(|&&l| l).count();
        let runs = fates.windows(2).filter(|w| !w[0] && w[1]).count();
        // Steady state: 0.05 / (0.05 + 0.1) = 1/3 lost, in runs of about 10.
        assert!((2_500..4_200).contains(&lost), "{lost}");
        assert!(lost / runs.max(1) >= 5, "lost {lost} in {runs} runs");
        assert!((model.loss_rate() - 1.0 / 3.0).abs() < 0.01);
    }
}
