//! Querier benchmarks (issue: core engine and querier): handling a response into caches
//! of 1,000 and 100,000 records, and building a query that carries 100 known answers.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use mdns_benches::querier_setup::{browse_with_known_answers, engine, fill, next_query, peer_meta};
use mdns_sansio::Instant;
use std::hint::black_box;
use std::time::Duration;

const RESPONSE: &[u8] = include_bytes!("../../mdns-proto/tests/fixtures/corpus/c_service_resp.bin");

fn response_into_cache(c: &mut Criterion) {
    let mut g = c.benchmark_group("querier/response_into_cache");
    g.measurement_time(Duration::from_secs(3));
    for size in [1_000usize, 100_000] {
        let mut e = engine(size + 100);
        fill(&mut e, size);
        let mut t = Instant::from_millis(10);
        g.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, _| {
            b.iter(|| {
                t += Duration::from_micros(1);
                e.handle_datagram(t, peer_meta(), black_box(RESPONSE));
                while e.poll_event().is_some() {}
            })
        });
    }
    g.finish();
}

fn query_with_known_answers(c: &mut Criterion) {
    let mut g = c.benchmark_group("querier/query_100_known_answers");
    g.measurement_time(Duration::from_secs(3));
    let (mut e, mut now) = browse_with_known_answers();
    let mut buf = [0u8; 9000];
    g.bench_function("build", |b| {
        b.iter(|| black_box(next_query(&mut e, &mut now, &mut buf)))
    });
    g.finish();
}

criterion_group!(benches, response_into_cache, query_with_known_answers);
criterion_main!(benches);
