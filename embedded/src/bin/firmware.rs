//! The firmware: the job of `mdns_embedded` on a Cortex-M4F, with a fixed heap of
//! [`HEAP_SIZE`] bytes.
//! The network is a stand-in (`core::hint::black_box` on a receive buffer and on each
//! datagram sent): what is measured is the code the job links (`size`), not a radio.
//! Build: `cargo build --release --target thumbv7em-none-eabihf --bin firmware`.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::mem::MaybeUninit;
use core::net::{Ipv4Addr, SocketAddr};
use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m_rt::{entry, exception};
use embedded_alloc::LlffHeap as Heap;
use mdns_embedded::{Device, HEAP_SIZE};
use mdns_sansio::Instant;
use panic_halt as _;

#[global_allocator]
static HEAP: Heap = Heap::empty();

/// Milliseconds since boot, counted by SysTick.
static MILLIS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    MILLIS.fetch_add(1, Ordering::Relaxed);
}

fn now() -> Instant {
    Instant::from_millis(u64::from(MILLIS.load(Ordering::Relaxed)))
}

#[entry]
fn main() -> ! {
    {
        static mut HEAP_MEM: [MaybeUninit<u8>; HEAP_SIZE] = [MaybeUninit::uninit(); HEAP_SIZE];
        // SAFETY: called once, before anything allocates; the memory is only the heap's.
        unsafe { HEAP.init(core::ptr::addr_of_mut!(HEAP_MEM) as usize, HEAP_SIZE) }
    }
    let mut cp = cortex_m::Peripherals::take().expect("peripherals");
    cp.SYST.set_reload(64_000 - 1); // 1 ms at 64 MHz
    cp.SYST.clear_current();
    cp.SYST.enable_interrupt();
    cp.SYST.enable_counter();

    let mut dev = Device::start(now(), 0x5eed, Ipv4Addr::new(192, 168, 1, 50), "sensor");
    let mut rx = [0u8; 1500];
    let mut tx = [0u8; 1500];
    loop {
        // A datagram from the network stand-in, if any.
        let len = black_box(0usize).min(rx.len());
        if len > 0 {
            let src = black_box(SocketAddr::new(Ipv4Addr::new(192, 168, 1, 7).into(), 5353));
            let multicast = black_box(true);
            dev.receive(now(), src, multicast, black_box(&rx[..len]));
            black_box(&mut rx);
        }
        let t = now();
        if dev.next_timeout().is_some_and(|due| due <= t) {
            dev.timeout(t);
        }
        while let Some(out) = dev.transmit(t, &mut tx) {
            black_box((&tx[..out.size], out.destination, out.source_port));
        }
        black_box(dev.found);
        cortex_m::asm::wfi();
    }
}
