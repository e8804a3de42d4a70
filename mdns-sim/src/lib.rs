//! `mdns-sim`: a deterministic simulator for [`mdns_sansio::Engine`], in the spirit of
//! turmoil and madsim, with a link emulator after str0m's netem.
//!
//! A [`Sim`] is a set of LANs ([links](LinkId)) with hosts on them; every host runs
//! the client layer applications run ([`mdns_sansio_client::Client`], through which the
//! runtime adapters work too) over its own [`Engine`](mdns_sansio::Engine), with its own
//! seed, interface ids and addresses (IPv4 `10.L.0.0/16`, IPv6 `fe80::/64` and `fd00::/64`). Multicast reaches
//! every host on the link that has an address of its family, the sender included (its
//! own copy loops back at once, never lost); unicast reaches the one host owning the
//! address, if it listens on that port (5353, or the host's ephemeral port).
//! [`RecvMeta`](mdns_sansio::engine::RecvMeta) carries the sender's address and port,
//! the receiving interface, the multicast flag and a TTL of 255.
//!
//! Time is simulated and jumps from event to event: the earliest host
//! `poll_timeout` (its engine's timers and its client layer's: one-shot lingers and
//! timeouts, the shutdown bound), the next datagram arrival, or a scheduled fault.
//! After every input to a host, its transmits, engine events and client events are
//! drained. Everything random (link loss,
//! delay, engine seeds) derives from one seed, so a run replays exactly; the
//! [`Transcript`] keeps every datagram and a digest of the whole run to prove it.
//!
//! # Applications
//! [`Sim::subscribe`] (browse, browse-and-resolve, resolve, lookups, …) and
//! [`Sim::register`] go through the host's client layer, exactly as an application's
//! calls do; their events are in [`Sim::client_events`], and [`Reported`] checks them.
//! [`Sim::with_client`] gives the client itself, [`Sim::with_engine`] the engine.
//!
//! # Publishing on the engine
//! [`Sim::register_host_name`] and [`Sim::register_service`] publish straight through
//! the host's engine (its responder: probing, announcing, renaming on conflicts) with
//! host names of one's choosing; [`Sim::update_txt`] changes a service's TXT;
//! [`Sim::leave`] shuts the host's client down (goodbyes) and removes the host;
//! [`Sim::check_names`] checks that probing settled on unique names every host knows.
//!
//! # Faults
//! [`LinkModel`]: loss, Gilbert–Elliott burst loss, delay and jitter, duplication,
//! reordering. [`Sim::partition`] / [`Sim::heal`]; [`Sim::add_host`] at any time;
//! [`Sim::leave`] / [`Sim::leave_with`] (shutdown, goodbyes, gone); [`Sim::crash`] (gone without a
//! word); [`Sim::interface_down`], [`Sim::interface_up`], [`Sim::bounce`];
//! [`Sim::at`] schedules any of these.
//!
//! # Checks
//! The simulator flags engine panics (each engine call runs under `catch_unwind`),
//! busy loops, sends on a down interface, caches over capacity and records multicast
//! twice within a second ([`Sim::check`]). The [`Tracker`] tests name uniqueness,
//! discovery and departure bounds from the engines' events; [`Reported`] tests what
//! the client layers reported to their subscriptions.
//!
//! # Modules
//! `types` (ids and public types), `sim` (the core: hosts, queue, running), `drive`
//! (one host's input and output), `publish`, `faults`, `routing` (links), [`check`],
//! [`transcript`], [`pcap`], [`link`], [`seeds`](mod@seeds).
//!
//! # Seeds
//! [`sweep`] runs a scenario over seeds from the environment: `MDNS_SIM_SEED=N` replays
//! one, `MDNS_SIM_SEEDS=K` sweeps `K` (default per test, small for CI),
//! `MDNS_SIM_SEED_BASE=B` starts the sweep at `B`. A failure prints the command that
//! replays it. [`assert_deterministic`] runs a scenario twice and compares transcripts.
//!
//! A large sweep (release build, thousands of seeds per scenario):
//!
//! ```text
//! MDNS_SIM_SEEDS=5000 cargo test --release -p mdns-sim --test scenarios -- --include-ignored
//! ```
//!
//! # pcap
//! [`Sim::write_pcap`] writes the recorded datagrams as a classic pcap file with IPv4 /
//! IPv6 and UDP headers that Wireshark and tshark decode as mDNS.
//!
//! # Example
//!
//! ```
//! use core::time::Duration;
//! use mdns_sim::{LinkModel, Sim, SimConfig};
//!
//! let mut sim = Sim::new(SimConfig::seeded(7).with_link(LinkModel::lossy(10)));
//! let hosts = sim.add_hosts(3);
//! sim.run_for(Duration::from_secs(10));
//! assert!(sim.check().is_ok());
//! assert_eq!(sim.live_hosts(), hosts);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
mod drive;
mod faults;
pub mod link;
pub mod pcap;
mod publish;
mod routing;
pub mod seeds;
mod sim;
pub mod transcript;
mod types;

pub use check::{RateMonitor, RegState, Registration, Reported, ReportedInstance, Seen, Tracker};
pub use link::{GilbertElliott, LinkModel, Prob};
pub use seeds::{assert_deterministic, repro_command, seeds, sweep};
pub use sim::Sim;
pub use transcript::{DeliveryRecord, DisplayPacket, Fate, PacketRecord, Transcript};
pub use types::{
    derive_seed, App, ClientEventRecord, Departure, EventRecord, HostId, HostSpec, IfaceSpec,
    LinkId, SimConfig, SimStats, Tap, Violation, ViolationKind, LEAVE_GRACE,
};
