//! Seeds from the environment, sweeps, reproduction commands and the determinism
//! check.
//!
//! - `MDNS_SIM_SEED=N`: run only seed `N` (replay a failure).
//! - `MDNS_SIM_SEEDS=K`: sweep `K` seeds (default: what the test asks for, a modest
//!   number for CI).
//! - `MDNS_SIM_SEED_BASE=B`: sweep seeds `B, B+1, …` (default 0), to spread big sweeps
//!   over machines.
//!
//! On failure, the exact command that replays the failing seed is printed.

use crate::sim::Sim;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The seeds to run: `MDNS_SIM_SEED` if set, else `MDNS_SIM_SEEDS` (or `default_count`)
/// seeds from `MDNS_SIM_SEED_BASE` (or 0).
pub fn seeds(default_count: u64) -> Vec<u64> {
    if let Some(seed) = env_u64("MDNS_SIM_SEED") {
        return vec![seed];
    }
    let count = env_u64("MDNS_SIM_SEEDS").unwrap_or(default_count);
    let base = env_u64("MDNS_SIM_SEED_BASE").unwrap_or(0);
    (base..base.saturating_add(count)).collect()
}

fn env_u64(var: &str) -> Option<u64> {
    let v = std::env::var(var).ok()?;
    match v.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{var}={v:?} is not a number"),
    }
}

/// The name of the running test target (`scenarios` for `tests/scenarios.rs`), read
/// from the executable name with cargo's hash suffix removed.
pub fn test_target() -> String {
    let exe = std::env::args().next().unwrap_or_default();
    let file = std::path::Path::new(&exe)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenarios")
        .to_string();
    match file.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            name.to_string()
        }
        _ => file,
    }
}

/// The command that replays `test` with `seed`.
pub fn repro_command(test: &str, seed: u64) -> String {
    let target = test_target();
    let kind = if target == "mdns_sim" {
        "--lib"
    } else {
        "--test"
    };
    let target_arg = if kind == "--lib" {
        String::new()
    } else {
        format!(" {target}")
    };
    format!(
        "MDNS_SIM_SEED={seed} cargo test -p mdns-sim {kind}{target_arg} {test} -- --exact --nocapture"
    )
}

/// Runs `scenario` once per seed (see [`seeds`]). A scenario fails by returning
/// `Err` or panicking; the first failure stops the sweep and panics with the failure
/// and the command that replays it.
pub fn sweep(test: &str, default_count: u64, mut scenario: impl FnMut(u64) -> Result<(), String>) {
    let seeds = seeds(default_count);
    for &seed in &seeds {
        let result = catch_unwind(AssertUnwindSafe(|| scenario(seed)));
        let failure = match result {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => e,
            Err(p) => {
                if let Some(s) = p.downcast_ref::<&str>() {
                    format!("panicked: {s}")
                } else if let Some(s) = p.downcast_ref::<String>() {
                    format!("panicked: {s}")
                } else {
                    "panicked".to_string()
                }
            }
        };
        let cmd = repro_command(test, seed);
        eprintln!("\n=== {test} failed with seed {seed}\n{failure}\n=== reproduce with:\n{cmd}\n");
        panic!("{test} failed with seed {seed}; reproduce with: {cmd}");
    }
    eprintln!("{test}: {} seed(s) passed", seeds.len());
}

/// Runs `scenario` twice with `seed` and compares the two runs' transcripts (every
/// datagram byte for byte, every recorded delivery, and the digest over all datagrams,
/// deliveries and events). Returns the first run's simulator.
pub fn assert_deterministic(
    seed: u64,
    mut scenario: impl FnMut(u64) -> Sim,
) -> Result<Sim, String> {
    let a = scenario(seed);
    let b = scenario(seed);
    match a.transcript().diff(b.transcript()) {
        None => Ok(a),
        Some(d) => Err(format!("seed {seed} is not deterministic: {d}")),
    }
}
