//! Runs one parser or builder on one corpus packet N times, for callgrind:
//!
//!     wirebench parse ours c 1000
//!     wirebench build simple-dns d 1000
//!     wirebench sizes          (output size of every builder on every packet)
//!     wirebench allocs         (heap allocations per packet, every parser and builder)
//!
//! Instructions per packet = (Ir of a run with N) - (Ir of a run with 0)) / N, or read
//! the inclusive cost of `mdns_benches::run` in callgrind_annotate.

use mdns_benches::{packet, parse, BuildInputs, BUILDERS, CORPUS, PARSERS};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[inline(never)]
fn run_parse(lib: &str, p: &[u8], n: usize) -> usize {
    let mut acc = 0usize;
    for _ in 0..n {
        acc = acc.wrapping_add(parse(lib, black_box(p)));
    }
    acc
}

#[inline(never)]
fn run_build(lib: &str, inputs: &BuildInputs, buf: &mut [u8], n: usize) -> usize {
    let mut acc = 0usize;
    for _ in 0..n {
        acc = acc.wrapping_add(inputs.build(lib, black_box(&mut *buf)));
    }
    acc
}

fn allocs_of(f: impl FnOnce() -> usize) -> usize {
    let before = ALLOCS.load(Ordering::Relaxed);
    black_box(f());
    ALLOCS.load(Ordering::Relaxed) - before
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    match arg(0) {
        "parse" | "build" => {
            let (lib, pkt) = (arg(1), packet(arg(2)));
            let n: usize = arg(3).parse().unwrap_or(1000);
            let mut buf = vec![0u8; 9000];
            let out = if arg(0) == "parse" {
                run_parse(lib, pkt, n)
            } else {
                let inputs = BuildInputs::new(pkt);
                run_build(lib, &inputs, &mut buf, n)
            };
            println!("{} {lib} {} x{n}: {out}", arg(0), arg(2));
        }
        "sizes" => print!("{}", mdns_benches::sizes_report()),
        "allocs" => {
            let mut buf = vec![0u8; 9000];
            for (name, p) in CORPUS {
                print!("{name}: parse");
                for lib in PARSERS {
                    print!(" {lib}={}", allocs_of(|| parse(lib, p)));
                }
                let inputs = BuildInputs::new(p);
                print!(" | build");
                for lib in BUILDERS {
                    print!(" {lib}={}", allocs_of(|| inputs.build(lib, &mut buf)));
                }
                println!();
            }
        }
        _ => {
            eprintln!("usage: wirebench parse|build LIB PACKET [N] | sizes | allocs");
            std::process::exit(2);
        }
    }
}
