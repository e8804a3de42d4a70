//! Parse and build the six corpus packets, ours side by side with the peers.
//! `cargo bench -p mdns-benches --bench wire` (see ../README.md).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mdns_benches::{parse, BuildInputs, BUILDERS, CORPUS, PARSERS};
use std::hint::black_box;
use std::time::Duration;

fn parse_benches(c: &mut Criterion) {
    for (name, p) in CORPUS {
        let mut g = c.benchmark_group(format!("parse/{name}"));
        g.throughput(Throughput::Bytes(p.len() as u64));
        for lib in PARSERS {
            g.bench_function(*lib, |b| b.iter(|| parse(lib, black_box(p))));
        }
        g.finish();
    }
}

fn build_benches(c: &mut Criterion) {
    let mut buf = vec![0u8; 9000];
    for (name, p) in CORPUS {
        let inputs = BuildInputs::new(p);
        let mut g = c.benchmark_group(format!("build/{name}"));
        for lib in BUILDERS {
            g.bench_function(*lib, |b| b.iter(|| inputs.build(lib, black_box(&mut buf))));
        }
        g.finish();
    }
}

fn config() -> Criterion {
    // Two cores shared with other work: short runs, and callgrind for stable numbers.
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = parse_benches, build_benches
}
criterion_main!(benches);
