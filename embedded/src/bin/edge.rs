//! For comparison: the nearest job edge-mdns (the `no_std`, no-alloc responder used
//! with embassy) can do, built as `firmware` is (same profile, same stand-in
//! network): it answers for one host name and two services, sends a PTR question for
//! `_http._tcp` every minute and counts the PTR answers it sees. It has no querier:
//! no cache, no continuous-query schedule, no known answers, no probing or conflict
//! handling, no announcements on its own; so this is less than the job, not the job.
//! Build: `cargo build --release --target thumbv7em-none-eabihf --features edge --bin edge`.
#![no_std]
#![no_main]

use core::cell::Cell;
use core::hint::black_box;
use core::net::{Ipv4Addr, Ipv6Addr};
use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m_rt::{entry, exception};
use edge_mdns::domain::base::{iana::Class, Question, Rtype, Ttl};
use edge_mdns::host::{Host, Service, ServiceAnswers};
use edge_mdns::{
    HostAnswers, HostAnswersMdnsHandler, HostQuestion, HostQuestions, MdnsError, MdnsHandler,
    MdnsRequest, MdnsResponse, NameSlice, NoHandler, PeerAnswer, PeerAnswers,
    PeerAnswersMdnsHandler,
};
use panic_halt as _;

static MILLIS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    MILLIS.fetch_add(1, Ordering::Relaxed);
}

/// The browse's question.
struct Browse;

impl HostQuestions for Browse {
    fn visit<F, E>(&self, mut f: F) -> Result<(), E>
    where
        F: FnMut(HostQuestion) -> Result<(), E>,
        E: From<MdnsError>,
    {
        f(Question::new(
            NameSlice::new(&["_http", "_tcp", "local"]),
            Rtype::PTR,
            Class::IN,
        ))
    }
}

/// Counts the PTR answers seen (edge-mdns keeps nothing).
struct Seen(Cell<u32>);

impl PeerAnswers for Seen {
    fn answers<'a, T, A>(&self, answers: T, additional: A) -> Result<(), MdnsError>
    where
        T: IntoIterator<Item = Result<PeerAnswer<'a>, MdnsError>> + Clone + 'a,
        A: IntoIterator<Item = Result<PeerAnswer<'a>, MdnsError>> + Clone + 'a,
    {
        for a in answers.into_iter().chain(additional) {
            if a?.rtype() == Rtype::PTR {
                self.0.set(self.0.get() + 1);
            }
        }
        Ok(())
    }
}

/// Answers of the host and both services.
struct Answers<'a> {
    http: ServiceAnswers<'a>,
    coap: ServiceAnswers<'a>,
    host: &'a Host<'a>,
}

impl HostAnswers for Answers<'_> {
    fn visit<F, E>(&self, mut f: F) -> Result<(), E>
    where
        F: FnMut(edge_mdns::HostAnswer) -> Result<(), E>,
        E: From<MdnsError>,
    {
        self.host.visit(&mut f)?;
        self.http.visit(&mut f)?;
        self.coap.visit(&mut f)
    }
}

#[entry]
fn main() -> ! {
    let mut cp = cortex_m::Peripherals::take().expect("peripherals");
    cp.SYST.set_reload(64_000 - 1);
    cp.SYST.clear_current();
    cp.SYST.enable_interrupt();
    cp.SYST.enable_counter();

    let host = Host {
        hostname: "sensor",
        ipv4: Ipv4Addr::new(192, 168, 1, 50),
        ipv6: Ipv6Addr::UNSPECIFIED,
        ttl: Ttl::from_secs(120),
    };
    let txt = [("path", "/")];
    let http = Service {
        name: "sensor",
        priority: 0,
        weight: 0,
        service: "_http",
        protocol: "_tcp",
        port: 80,
        service_subtypes: &[],
        txt_kvs: &txt,
    };
    let coap = Service {
        service: "_coap",
        protocol: "_udp",
        port: 5683,
        ..http.clone()
    };
    let answers = Answers {
        http: ServiceAnswers::new(&host, &http),
        coap: ServiceAnswers::new(&host, &coap),
        host: &host,
    };
    let seen = Seen(Cell::new(0));
    let mut handler = NoHandler
        .chain(HostAnswersMdnsHandler::new(&answers))
        .chain(PeerAnswersMdnsHandler::new(&seen));
    let mut rx = [0u8; 1500];
    let mut tx = [0u8; 1500];
    let mut last_query = u32::MAX;
    loop {
        let now = MILLIS.load(Ordering::Relaxed);
        let len = black_box(0usize).min(rx.len());
        let request = if len > 0 {
            MdnsRequest::Request {
                legacy: black_box(false),
                multicast: black_box(true),
                data: black_box(&rx[..len]),
            }
        } else {
            // Nothing received: the announcement edge-mdns sends on its own request.
            black_box(MdnsRequest::None)
        };
        if let Ok(MdnsResponse::Reply { data, delay }) = handler.handle(request, &mut tx) {
            black_box((data, delay));
        }
        black_box(&mut rx);
        if now.wrapping_sub(last_query) >= 60_000 {
            last_query = now;
            if let Ok(n) = Browse.query(black_box(0), &mut tx) {
                black_box(&tx[..n]);
            }
        }
        black_box(seen.0.get());
        cortex_m::asm::wfi();
    }
}
