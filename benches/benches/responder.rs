//! Responder cost per query: handle_datagram + poll_transmit until the answer is out,
//! for 10, 100, 1,000 and 10,000 services. See benches/README.md (## Responder).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

#[path = "../src/responder_setup.rs"]
mod setup;
use setup::{Bench, Query};

fn responder(c: &mut Criterion) {
    let mut group = c.benchmark_group("responder");
    for types in [1, 10, 100, 1000] {
        let mut bench = Bench::new(types);
        for q in Query::ALL {
            let bytes = q.bytes();
            group.bench_with_input(
                BenchmarkId::new(q.label(), types * 10),
                &bytes,
                |b, bytes| b.iter(|| bench.answer(bytes)),
            );
        }
    }
    group.finish();
}

/// The same queries as legacy unicast ones (from port 40000, answered at once by
/// unicast), as the peers' figures in shared/corpus/README.md were taken; 100 services.
fn legacy(c: &mut Criterion) {
    let mut group = c.benchmark_group("responder_legacy");
    let mut bench = Bench::new(10);
    bench.legacy();
    for q in Query::ALL {
        let mut bytes = q.bytes();
        bytes[..2].copy_from_slice(&0x1234u16.to_be_bytes());
        group.bench_with_input(BenchmarkId::new(q.label(), 100), &bytes, |b, bytes| {
            b.iter(|| bench.answer(bytes))
        });
    }
    group.finish();
}

/// 1,000 queries of a 20,000-a-second flood (the five queries in turn) per iteration.
fn flood(c: &mut Criterion) {
    let queries: Vec<Vec<u8>> = Query::ALL.iter().map(|q| q.bytes()).collect();
    let mut bench = Bench::new(10);
    c.bench_function("responder/flood_1000_queries", |b| {
        b.iter(|| bench.flood(&queries, 1000))
    });
}

criterion_group!(benches, responder, legacy, flood);
criterion_main!(benches);
