//! Shared set-up for the benchmarks in `benches/benches/` and the callgrind drivers in
//! `src/bin/`.

pub mod querier_setup;
