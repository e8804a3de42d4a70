//! A stand-in responder on a raw mDNS socket: answers every query with one service's
//! full record set (PTR, SRV, TXT, A/AAAA) and can say goodbye (TTL 0).

use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mdns_net::{wait_fds, MdnsSocket, Waker};
use mdns_sansio::engine::Family;
use mdns_sansio::engine::{MDNS_GROUP_V4, MDNS_GROUP_V6, MDNS_PORT};
use mdns_sansio::wire::{Class, Message, MessageWriter, RecordData, Section};
use mdns_sansio::Name;
use mdns_testnet::Netns;

/// The service the fake publishes.
#[derive(Clone, Debug)]
pub struct FakeService {
    pub instance: Name,
    pub service_type: Name,
    pub host: Name,
    pub port: u16,
    pub txt: Vec<u8>,
    pub addrs: Vec<IpAddr>,
}

impl FakeService {
    /// `Kitchen._http._tcp.local.` on hosta.local.:8080, k=v, 10.77.0.1 / fd77::1.
    pub fn kitchen(v4: bool, v6: bool) -> Self {
        let mut addrs = Vec::new();
        if v4 {
            addrs.push("10.77.0.1".parse().unwrap());
        }
        if v6 {
            addrs.push("fd77::1".parse().unwrap());
        }
        FakeService {
            instance: Name::parse("Kitchen._http._tcp.local.").unwrap(),
            service_type: Name::parse("_http._tcp.local.").unwrap(),
            host: Name::parse("hosta.local.").unwrap(),
            port: 8080,
            txt: b"\x03k=v".to_vec(),
            addrs,
        }
    }

    fn response(&self, ttl_scale: u32) -> Vec<u8> {
        let mut buf = vec![0u8; 1500];
        let mut w = MessageWriter::response(&mut buf, 0).unwrap();
        let push =
            |w: &mut MessageWriter<'_>, name: &Name, flush: bool, ttl: u32, d: RecordData| {
                w.push_record(Section::Answer, name, Class::IN, flush, ttl * ttl_scale, &d)
                    .unwrap()
            };
        push(
            &mut w,
            &self.service_type,
            false,
            4500,
            RecordData::Ptr(self.instance.clone()),
        );
        // Service type enumeration (RFC 6763 §9).
        push(
            &mut w,
            &Name::parse("_services._dns-sd._udp.local.").unwrap(),
            false,
            4500,
            RecordData::Ptr(self.service_type.clone()),
        );
        push(
            &mut w,
            &self.instance,
            true,
            120,
            RecordData::Srv {
                priority: 0,
                weight: 0,
                port: self.port,
                target: self.host.clone(),
            },
        );
        push(
            &mut w,
            &self.instance,
            true,
            4500,
            RecordData::Txt(self.txt.iter().copied().collect()),
        );
        for a in &self.addrs {
            let d = match a {
                IpAddr::V4(v) => RecordData::A(*v),
                IpAddr::V6(v) => RecordData::Aaaa(*v),
            };
            push(&mut w, &self.host, true, 120, d);
        }
        let n = w.finish();
        buf.truncate(n);
        buf
    }
}

/// The running fake; stops (without goodbyes) on drop.
pub struct FakeResponder {
    sockets: Arc<Vec<MdnsSocket>>,
    ifindex: u32,
    svc: FakeService,
    stop: Arc<AtomicBool>,
    waker: Waker,
    thread: Option<JoinHandle<()>>,
}

impl FakeResponder {
    /// Opens sockets in `ns` for the families of the service's addresses, joins the
    /// group on `dev`, and answers every query from then on.
    pub fn start(ns: &Netns, dev: &str, svc: &FakeService) -> Self {
        let ifindex = ns.ifindex(dev);
        let v4 = svc.addrs.iter().any(IpAddr::is_ipv4);
        let v6 = svc.addrs.iter().any(IpAddr::is_ipv6);
        let sockets = ns.run_in(|| {
            let mut v = Vec::new();
            for (on, fam) in [(v4, Family::V4), (v6, Family::V6)] {
                if on {
                    let s = MdnsSocket::bind_mdns(fam).unwrap();
                    s.join(ifindex).unwrap();
                    v.push(s);
                }
            }
            v
        });
        let sockets = Arc::new(sockets);
        let stop = Arc::new(AtomicBool::new(false));
        let waker = Waker::new().unwrap();
        let thread = {
            let (sockets, stop, waker, svc) =
                (sockets.clone(), stop.clone(), waker.clone(), svc.clone());
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 9000];
                let answer = svc.response(1);
                // Bounded: a test never runs this long.
                let end = Instant::now() + Duration::from_secs(60);
                while !stop.load(Ordering::Acquire) && Instant::now() < end {
                    let fds: Vec<_> = sockets
                        .iter()
                        .map(|s| s.as_fd())
                        .chain(std::iter::once(waker.as_fd()))
                        .collect();
                    wait_fds(&fds, &[], Some(end)).unwrap();
                    waker.reset();
                    for s in sockets.iter() {
                        while let Ok(r) = s.recv(&mut buf) {
                            let is_query = Message::parse(&buf[..r.len])
                                .is_ok_and(|m| !m.header().is_response());
                            if is_query {
                                send(s, ifindex, &answer);
                            }
                        }
                    }
                }
            })
        };
        FakeResponder {
            sockets,
            ifindex,
            svc: svc.clone(),
            stop,
            waker,
            thread: Some(thread),
        }
    }

    /// Stops answering and sends the records with TTL 0 (RFC 6762 §10.1).
    /// Stops answering, then sends the goodbye: an answer still being written when the
    /// goodbye went out used to follow it and renew the records it withdrew.
    pub fn goodbye(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.waker.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let bye = self.svc.response(0);
        for s in self.sockets.iter() {
            send(s, self.ifindex, &bye);
        }
    }
}

fn send(s: &MdnsSocket, ifindex: u32, data: &[u8]) {
    let group = match s.family() {
        Family::V4 => IpAddr::V4(MDNS_GROUP_V4),
        Family::V6 => IpAddr::V6(MDNS_GROUP_V6),
    };
    let _ = s.send(SocketAddr::new(group, MDNS_PORT), ifindex, data);
}

impl Drop for FakeResponder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.waker.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
