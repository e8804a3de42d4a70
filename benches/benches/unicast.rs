//! Time of the unicast DNS-SD client's work (criterion): a browse answer with 1 and 10
//! PTRs taken in, a signed registration sent, its signed answer taken in. Instruction
//! counts, stable on a loaded machine: `benches/unicast_table.sh`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use mdns_benches::unicast_setup as u;

fn bench(c: &mut Criterion) {
    for k in [1, 10] {
        c.bench_function(&format!("unicast/browse_answer_{k}"), |b| {
            b.iter_batched(
                || u::browse(k),
                |(mut cl, a)| u::take_answer(&mut cl, &a),
                BatchSize::SmallInput,
            )
        });
    }
    c.bench_function("unicast/update_send", |b| {
        b.iter_batched(
            u::update_client,
            |mut cl| u::send_update(&mut cl),
            BatchSize::SmallInput,
        )
    });
    c.bench_function("unicast/update_answer", |b| {
        b.iter_batched(
            || {
                let mut cl = u::update_client();
                let req = u::send_update(&mut cl);
                (cl, u::update_answer(&req))
            },
            |(mut cl, a)| u::take_update_answer(&mut cl, &a),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
