//! The device's heap over a simulated hour, on the host, deterministically: the job of
//! `mdns_embedded` runs among peers on one simulated link, and every allocation the
//! device's engine makes is served from a linked-list heap of the firmware's size
//! (the allocator embedded-alloc's `LlffHeap` wraps), so an hour that needed more
//! would fail here. Prints the high-water mark of the device's live heap bytes and of
//! the arena in use.
//!
//! The link: the device and six peers, each with a host name and an `_http._tcp` and
//! an `_ipp._tcp` service, all browsing `_http._tcp` (their queries carry known
//! answers and reach the device; it answers them, and theirs answer its queries);
//! their records are more than the device's cache holds, so it evicts; every ten
//! minutes a peer leaves (goodbyes) and comes back two minutes later, probing and
//! announcing again. Datagrams arrive 1 ms after they are sent. `EXTRA` more
//! `_http._tcp` instances on one peer make a busier link.
//!
//! Run: `cargo run --release --bin heap` (host target) in `embedded/`.

use core::cell::Cell;
use core::time::Duration;
use linked_list_allocator::Heap;
use mdns_embedded::Device;
use mdns_sansio::engine::{
    responder::{HostRegistration, ServiceRegistration},
    Destination, IfAddr, InterfaceId, RecvMeta, SourcePort,
};
use mdns_sansio::{Config, Engine, InstanceName, Instant, Name, ServiceType};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// The firmware's heap size (`src/bin/firmware.rs`).
const HEAP_SIZE: usize = mdns_embedded::HEAP_SIZE;

static ARENA: Mutex<Option<Heap>> = Mutex::new(None);
static mut ARENA_MEM: [u8; HEAP_SIZE] = [0; HEAP_SIZE];
/// True while the device's code runs: its allocations go to the arena.
static DEVICE: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static LIVE_MAX: AtomicUsize = AtomicUsize::new(0);
static USED_MAX: AtomicUsize = AtomicUsize::new(0);

struct Split;

fn in_arena(p: *mut u8) -> bool {
    let start = core::ptr::addr_of!(ARENA_MEM) as usize;
    (start..start + HEAP_SIZE).contains(&(p as usize))
}

unsafe impl GlobalAlloc for Split {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if !DEVICE.load(Ordering::Relaxed) {
            return unsafe { System.alloc(l) };
        }
        let mut arena = ARENA.lock().unwrap();
        let heap = arena.as_mut().expect("arena set up");
        match heap.allocate_first_fit(l) {
            Ok(p) => {
                let live = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
                LIVE_MAX.fetch_max(live, Ordering::Relaxed);
                USED_MAX.fetch_max(heap.used(), Ordering::Relaxed);
                p.as_ptr()
            }
            Err(()) => core::ptr::null_mut(),
        }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        if in_arena(p) {
            let mut arena = ARENA.lock().unwrap();
            let heap = arena.as_mut().expect("arena set up");
            unsafe { heap.deallocate(core::ptr::NonNull::new_unchecked(p), l) };
            LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        } else {
            unsafe { System.dealloc(p, l) }
        }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // Moved by hand so that a block never crosses from one heap to the other.
        let n = unsafe { self.alloc(Layout::from_size_align_unchecked(new, l.align())) };
        if !n.is_null() {
            unsafe { core::ptr::copy_nonoverlapping(p, n, l.size().min(new)) };
            unsafe { self.dealloc(p, l) };
        }
        n
    }
}

#[global_allocator]
static A: Split = Split;

/// Runs `f` as the device: what it allocates comes from the arena.
fn as_device<R>(f: impl FnOnce() -> R) -> R {
    DEVICE.store(true, Ordering::Relaxed);
    let r = f();
    DEVICE.store(false, Ordering::Relaxed);
    r
}

const IF1: InterfaceId = InterfaceId(1);

fn addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(192, 168, 1, 10 + i as u8)
}

/// A peer: host `peer<i>.local`, `Peer <i>` as `_http._tcp` and `_ipp._tcp` (and
/// `extra` more `_http._tcp` instances), browsing `_http._tcp`.
fn peer(now: Instant, i: usize, extra: usize) -> Engine {
    let mut e = Engine::new(Config {
        seed: 100 + i as u64,
        ..Config::default()
    });
    e.interface_up(
        now,
        IF1,
        &[IfAddr {
            addr: IpAddr::V4(addr(i)),
            prefix_len: 24,
        }],
    );
    let host = Name::parse(&format!("peer{i}.local")).unwrap();
    e.register_host(
        now,
        HostRegistration::builder(host.clone()).build().unwrap(),
    )
    .unwrap();
    let mut services = vec![
        (format!("Peer {i}"), "_http._tcp"),
        (format!("Peer {i}"), "_ipp._tcp"),
    ];
    services.extend((0..extra).map(|k| (format!("Peer {i} extra {k}"), "_http._tcp")));
    for (instance, ty) in services {
        let reg = ServiceRegistration::builder(
            InstanceName::new(&instance).unwrap(),
            ServiceType::new(ty).unwrap(),
        )
        .port(80)
        .host(host.clone())
        .build()
        .unwrap();
        e.register_service(now, reg).unwrap();
    }
    e.browse(now, &ServiceType::new("_http._tcp").unwrap())
        .unwrap();
    e
}

/// A datagram on its way: to the device (`None`) or a peer.
struct Delivery {
    to: Option<usize>,
    from: SocketAddr,
    multicast: bool,
    data: Vec<u8>,
}

const PEERS: usize = 6;
const EXTRA: usize = 0;
const DEVICE_ADDR: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 50);

fn main() {
    *ARENA.lock().unwrap() =
        Some(unsafe { Heap::new(core::ptr::addr_of_mut!(ARENA_MEM) as *mut u8, HEAP_SIZE) });
    let hour = Instant::from_secs(3600);
    let mut now = Instant::ZERO;
    let mut dev = as_device(|| Device::start(now, 0x5eed, DEVICE_ADDR, "sensor"));
    let after_start = LIVE.load(Ordering::Relaxed);
    let mut peers: Vec<Option<Engine>> = (0..PEERS)
        .map(|i| Some(peer(now, i, if i == 0 { EXTRA } else { 0 })))
        .collect();
    // Churn: (time, peer, leaves) in time order.
    let mut churn: BTreeMap<Instant, (usize, bool)> = BTreeMap::new();
    for k in 0..6u64 {
        let p = (k as usize % (PEERS - 1)) + 1;
        churn.insert(Instant::from_secs(300 + 600 * k), (p, true));
        churn.insert(Instant::from_secs(420 + 600 * k), (p, false));
    }
    let mut queue: BTreeMap<(Instant, u64), Delivery> = BTreeMap::new();
    let mut seq = 0u64;
    let mut buf = vec![0u8; 9000];
    let mut sent = (0u64, 0u64);
    let found = Cell::new(0u32);
    loop {
        // Send what everyone has to send now.
        let mut all: Vec<(Option<usize>, SocketAddr, Destination, Vec<u8>)> = Vec::new();
        // The device writes into the driver's buffer; the driver copies it out.
        while let Some(t) = as_device(|| dev.transmit(now, &mut buf)) {
            let port = if t.source_port == SourcePort::Mdns {
                5353
            } else {
                49152
            };
            all.push((
                None,
                SocketAddr::new(DEVICE_ADDR.into(), port),
                t.destination,
                buf[..t.size].to_vec(),
            ));
        }
        sent.0 += all.len() as u64;
        for (i, p) in peers.iter_mut().enumerate() {
            let Some(p) = p else { continue };
            while let Some(t) = p.poll_transmit(now, &mut buf) {
                let port = if t.source_port == SourcePort::Mdns {
                    5353
                } else {
                    49152
                };
                all.push((
                    Some(i),
                    SocketAddr::new(addr(i).into(), port),
                    t.destination,
                    buf[..t.size].to_vec(),
                ));
            }
            while p.poll_event().is_some() {}
        }
        sent.1 += all.len() as u64;
        for (from_ix, from, dest, data) in all {
            let at = now + Duration::from_millis(1);
            let targets: Vec<Option<usize>> = match dest {
                Destination::MulticastV4 | Destination::MulticastV6 => std::iter::once(None)
                    .chain((0..PEERS).map(Some))
                    .filter(|t| *t != from_ix)
                    .collect(),
                Destination::Unicast(a) if a.ip() == IpAddr::V4(DEVICE_ADDR) => vec![None],
                Destination::Unicast(a) => (0..PEERS)
                    .filter(|&i| a.ip() == IpAddr::V4(addr(i)))
                    .map(Some)
                    .collect(),
            };
            let multicast = !matches!(dest, Destination::Unicast(_));
            for to in targets {
                queue.insert(
                    (at, seq),
                    Delivery {
                        to,
                        from,
                        multicast,
                        data: data.clone(),
                    },
                );
                seq += 1;
            }
        }
        // The next thing to happen.
        let next = [
            queue.keys().next().map(|k| k.0),
            dev.next_timeout(),
            peers
                .iter()
                .flatten()
                .filter_map(Engine::poll_timeout)
                .min(),
            churn.keys().next().copied(),
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(t) = next else { break };
        if t > hour {
            break;
        }
        now = t.max(now);
        while let Some((&(t, s), _)) = queue.iter().next() {
            if t > now {
                break;
            }
            let d = queue.remove(&(t, s)).unwrap();
            match d.to {
                None => as_device(|| {
                    dev.receive(now, d.from, d.multicast, &d.data);
                    found.set(dev.found);
                }),
                Some(i) => {
                    if let Some(p) = peers[i].as_mut() {
                        let meta = RecvMeta {
                            source: d.from,
                            interface: IF1,
                            multicast: d.multicast,
                            ttl: Some(255),
                        };
                        p.handle_datagram(now, meta, &d.data);
                    }
                }
            }
        }
        while let Some((&t, &(i, leaves))) = churn.iter().next() {
            if t > now {
                break;
            }
            churn.remove(&t);
            if leaves {
                if let Some(p) = peers[i].as_mut() {
                    p.shutdown(now);
                    // Its goodbyes go out now; the peer is gone after them.
                    while let Some(tx) = p.poll_transmit(now, &mut buf) {
                        let data = buf[..tx.size].to_vec();
                        let from = SocketAddr::new(addr(i).into(), 5353);
                        for to in
                            std::iter::once(None).chain((0..PEERS).filter(|&j| j != i).map(Some))
                        {
                            queue.insert(
                                (now + Duration::from_millis(1), seq),
                                Delivery {
                                    to,
                                    from,
                                    multicast: true,
                                    data: data.clone(),
                                },
                            );
                            seq += 1;
                        }
                    }
                }
                peers[i] = None;
            } else {
                peers[i] = Some(peer(now, i, 0));
            }
        }
        if dev.next_timeout().is_some_and(|d| d <= now) {
            as_device(|| {
                dev.timeout(now);
                found.set(dev.found);
            });
        }
        for p in peers.iter_mut().flatten() {
            if p.poll_timeout().is_some_and(|d| d <= now) {
                p.handle_timeout(now);
            }
        }
    }
    let cached = as_device(|| dev.engine.cache_len());
    println!(
        "one simulated hour: device sent {} datagrams, the link {}; browse reports {} instances, cache {} records, {} evictions",
        sent.0,
        sent.1,
        found.get(),
        cached,
        dev.engine.stats().cache_evictions
    );
    println!(
        "device heap: {after_start} bytes live after start; high-water {} bytes live (allocations' sizes)",
        LIVE_MAX.load(Ordering::Relaxed),
    );
    // Read by check.sh.
    println!(
        "heap_high_water {} (bytes of the {HEAP_SIZE} byte arena in use at most)",
        USED_MAX.load(Ordering::Relaxed)
    );
}
