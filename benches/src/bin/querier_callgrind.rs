//! Runs one querier workload N times, for `valgrind --tool=callgrind` (instructions are
//! stable where nanoseconds are not), and prints memory per cached record.
//!
//! Usage: querier_callgrind (cache1k | cache100k | ka100 | memory) `[N]`

use mdns_benches::querier_setup::{browse_with_known_answers, engine, fill, next_query, peer_meta};
use mdns_sansio::Instant;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

const RESPONSE: &[u8] =
    include_bytes!("../../../mdns-proto/tests/fixtures/corpus/c_service_resp.bin");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map(String::as_str).unwrap_or("cache1k");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    match what {
        "cache1k" | "cache100k" => {
            let size = if what == "cache1k" { 1_000 } else { 100_000 };
            let mut e = engine(size + 100);
            fill(&mut e, size);
            let mut t = Instant::from_millis(10);
            let meta = peer_meta();
            for _ in 0..n {
                t += Duration::from_micros(1);
                measured_response(&mut e, t, meta);
            }
        }
        "ka100" => {
            let (mut e, mut now) = browse_with_known_answers();
            let mut buf = [0u8; 9000];
            let (p, b) = next_query(&mut e, &mut now, &mut buf);
            eprintln!("one query with 100 known answers: {p} packets, {b} bytes");
            for _ in 1..n {
                measured_query(&mut e, &mut now, &mut buf);
            }
        }
        "memory" => {
            for size in [1_000usize, 100_000] {
                let before = LIVE.load(Ordering::Relaxed);
                let mut e = engine(size + 100);
                fill(&mut e, size);
                let after = LIVE.load(Ordering::Relaxed);
                println!(
                    "{size} records: {} bytes live, {} bytes per record",
                    after - before,
                    (after - before) / size as isize
                );
                drop(e);
            }
        }
        other => eprintln!("unknown workload {other}"),
    }
}

/// The next query of a browse, all its packets (for `--toggle-collect='*measured*'`).
#[inline(never)]
fn measured_query(e: &mut mdns_sansio::Engine, now: &mut Instant, buf: &mut [u8]) {
    next_query(e, now, buf);
}

/// One response handled (for `--toggle-collect='*measured*'`).
#[inline(never)]
fn measured_response(e: &mut mdns_sansio::Engine, t: Instant, meta: mdns_sansio::engine::RecvMeta) {
    e.handle_datagram(t, meta, RESPONSE);
    while e.poll_event().is_some() {}
}
