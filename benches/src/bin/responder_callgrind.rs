//! Callgrind driver for the responder: builds an engine with `SERVICES` services, then
//! answers one query kind `RUNS` times inside `measured`, so that
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='*measured*' \
//!     target/release/responder_callgrind ptr_10_answers 100 1000
//! ```
//!
//! counts only the query handling (divide the total by RUNS).

#[path = "../responder_setup.rs"]
mod setup;
use setup::{Bench, Query};

#[inline(never)]
fn measured(bench: &mut Bench, query: &[u8], runs: usize) -> usize {
    let mut sent = 0;
    for _ in 0..runs {
        sent += bench.answer(query);
    }
    sent
}

/// The query flood (label `flood`): the five queries in turn, 20,000 a second.
#[inline(never)]
fn measured_flood(bench: &mut Bench, queries: &[Vec<u8>], runs: usize) -> (usize, usize) {
    bench.flood(queries, runs)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let label = args.get(1).map_or("ptr_10_answers", String::as_str);
    let services: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    let runs: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
    if label == "flood" {
        let queries: Vec<Vec<u8>> = Query::ALL.iter().map(|q| q.bytes()).collect();
        let mut bench = Bench::new(services.div_ceil(10));
        let (datagrams, bytes) = measured_flood(&mut bench, &queries, runs);
        println!("flood services={services} queries={runs} datagrams_sent={datagrams} bytes_sent={bytes}");
        return;
    }
    // `legacy_<query>`: the same query as a legacy unicast one (from port 40000).
    let (legacy, name) = match label.strip_prefix("legacy_") {
        Some(rest) => (true, rest),
        None => (false, label),
    };
    let q = Query::ALL.into_iter().find(|q| q.label() == name).expect(
        "query: [legacy_]ptr_10_answers | srv_txt | host_a | unknown_type | ptr_10_known_answers",
    );
    let mut bench = Bench::new(services.div_ceil(10));
    if legacy {
        bench.legacy();
    }
    let mut bytes = q.bytes();
    if legacy {
        // A legacy resolver's query carries a non-zero ID, echoed in the reply.
        bytes[..2].copy_from_slice(&0x1234u16.to_be_bytes());
    }
    // Warm up once outside the measured function.
    let first = bench.answer(&bytes);
    let sent = measured(&mut bench, &bytes, runs);
    println!("{label} services={services} runs={runs} bytes_first={first} bytes_total={sent}");
}
