//! Zero heap allocations: parsing every corpus packet (every question and record
//! decoded, every name walked through its labels, names inside rdata too), and building
//! packets c and d with compression into a caller's buffer. A counting global allocator
//! (one per test binary, hence this file of its own) counts allocations made by the
//! current thread.

#[path = "wire_common.rs"]
mod common;

use common::{decode_all, CAPTURED, CORPUS};
use mdns_sansio::wire::{Class, Message, MessageWriter, RecordData, Rtype, Section};
use mdns_sansio::Name;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn bump() {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by this thread while running `f`.
fn allocations<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCS.with(Cell::get);
    let out = f();
    (ALLOCS.with(Cell::get) - before, out)
}

#[test]
fn the_counter_counts() {
    let (n, v) = allocations(|| vec![1u8; 100]);
    assert_eq!(n, 1);
    drop(v);
}

#[test]
fn parsing_every_corpus_and_captured_packet_allocates_nothing() {
    for (name, p) in CORPUS.iter().chain(CAPTURED) {
        let (n, d) = allocations(|| decode_all(p));
        assert_eq!(d.errors, 0, "{name}");
        assert!(d.labels > 0, "{name}");
        assert_eq!(n, 0, "{name}: {n} allocations while parsing");
    }
}

#[test]
fn hostile_input_allocates_nothing_either() {
    // a pointer loop, a header pointer, a truncated record
    let mut m = vec![0, 0, 0x84, 0, 0, 2, 0, 2, 0, 0, 0, 0];
    m.extend_from_slice(b"\xc0\x0e\xc0\x0c\x00\x01\xc0\x02\x00\x01\x00\x01\x01a\x00\x00\x01");
    let (n, _) = allocations(|| decode_all(&m));
    assert_eq!(n, 0);
}

type Item = (Section, Name, Rtype, Class, bool, u32, RecordData);
type Owned = (u16, u16, Vec<(Name, Rtype, Class, bool)>, Vec<Item>);

/// Owned content of a packet, made before the counted region.
fn owned(p: &[u8]) -> Owned {
    let msg = Message::parse(p).unwrap();
    let qs = msg
        .questions()
        .map(|q| {
            let q = q.unwrap();
            (q.name.to_name(), q.qtype, q.qclass, q.unicast_response)
        })
        .collect();
    let rs = msg
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r.section,
                r.name.to_name(),
                r.rtype,
                r.class,
                r.cache_flush,
                r.ttl,
                r.rdata.to_owned(),
            )
        })
        .collect();
    (msg.header().id, msg.header().flags, qs, rs)
}

#[test]
fn building_c_and_d_with_compression_allocates_nothing() {
    for (name, want) in [("c_service_resp", 287), ("d_large_resp", 7199)] {
        let p = CORPUS.iter().find(|(n, _)| *n == name).unwrap().1;
        let (id, flags, qs, rs) = owned(p);
        let mut buf = vec![0u8; 9000];
        let (n, len) = allocations(|| {
            let mut w = MessageWriter::new(&mut buf, id, flags).unwrap();
            for (name, t, c, qu) in &qs {
                w.push_question(name, *t, *c, *qu).unwrap();
            }
            for (s, name, t, c, f, ttl, d) in &rs {
                w.push_record_typed(*s, name, *t, *c, *f, *ttl, d).unwrap();
            }
            w.finish()
        });
        assert_eq!(len, want, "{name}");
        assert_eq!(n, 0, "{name}: {n} allocations while building");
    }
}
