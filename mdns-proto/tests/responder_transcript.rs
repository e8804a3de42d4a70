//! Transcript of a whole registration, rustls style: every datagram the engine sends,
//! with its time and destination, as one readable constant. Start-up (three probes of
//! the host and the service together, two announcements), a browse answered after its
//! random delay, a legacy query, and the goodbye on unregistering.

mod common;
use common::*;
use mdns_proto::wire::Rtype;

fn transcript(net: &Net) -> String {
    let mut out = String::new();
    for s in &net.sent {
        out.push_str(&format!(
            "[{:>5} ms] {:?}\n{}\n",
            s.at.as_millis(),
            s.dest,
            s.text()
        ));
    }
    out
}

const REGISTRATION: &str = "\
[   20 ms] MulticastV4
query
  Q  myhost.local. ANY QU
  Q  Kitchen._http._tcp.local. ANY QU
  NS myhost.local. 120 A 10.0.0.1
  NS Kitchen._http._tcp.local. 120 SRV 0 0 8080 myhost.local.
  NS Kitchen._http._tcp.local. 4500 TXT \"path=/\"
[  270 ms] MulticastV4
query
  Q  myhost.local. ANY
  Q  Kitchen._http._tcp.local. ANY
  NS myhost.local. 120 A 10.0.0.1
  NS Kitchen._http._tcp.local. 120 SRV 0 0 8080 myhost.local.
  NS Kitchen._http._tcp.local. 4500 TXT \"path=/\"
[  520 ms] MulticastV4
query
  Q  myhost.local. ANY
  Q  Kitchen._http._tcp.local. ANY
  NS myhost.local. 120 A 10.0.0.1
  NS Kitchen._http._tcp.local. 120 SRV 0 0 8080 myhost.local.
  NS Kitchen._http._tcp.local. 4500 TXT \"path=/\"
[  770 ms] MulticastV4
response
  AN _http._tcp.local. 4500 PTR Kitchen._http._tcp.local.
  AN _services._dns-sd._udp.local. 4500 PTR _http._tcp.local.
  AN Kitchen._http._tcp.local. 120 SRV flush 0 0 8080 myhost.local.
  AN Kitchen._http._tcp.local. 4500 TXT flush \"path=/\"
  AN myhost.local. 120 A flush 10.0.0.1
  AR myhost.local. 120 NSEC flush myhost.local. A
  AR Kitchen._http._tcp.local. 4500 NSEC flush Kitchen._http._tcp.local. TXT SRV
[ 1770 ms] MulticastV4
response
  AN _http._tcp.local. 4500 PTR Kitchen._http._tcp.local.
  AN _services._dns-sd._udp.local. 4500 PTR _http._tcp.local.
  AN Kitchen._http._tcp.local. 120 SRV flush 0 0 8080 myhost.local.
  AN Kitchen._http._tcp.local. 4500 TXT flush \"path=/\"
  AN myhost.local. 120 A flush 10.0.0.1
  AR myhost.local. 120 NSEC flush myhost.local. A
  AR Kitchen._http._tcp.local. 4500 NSEC flush Kitchen._http._tcp.local. TXT SRV
[ 4057 ms] MulticastV4
response
  AN _http._tcp.local. 4500 PTR Kitchen._http._tcp.local.
  AR Kitchen._http._tcp.local. 120 SRV flush 0 0 8080 myhost.local.
  AR Kitchen._http._tcp.local. 4500 TXT flush \"path=/\"
  AR myhost.local. 120 A flush 10.0.0.1
  AR myhost.local. 120 NSEC flush myhost.local. A
[ 5000 ms] Unicast(10.0.0.2:51000)
response id=48879
  Q  myhost.local. A
  AN myhost.local. 10 A 10.0.0.1
  AR myhost.local. 10 NSEC myhost.local. A
[ 6000 ms] MulticastV4
response
  AN _http._tcp.local. 0 PTR Kitchen._http._tcp.local.
  AN _services._dns-sd._udp.local. 0 PTR _http._tcp.local.
  AN Kitchen._http._tcp.local. 0 SRV flush 0 0 8080 myhost.local.
  AN Kitchen._http._tcp.local. 0 TXT flush \"path=/\"
";

#[test]
fn transcript_of_a_registration() {
    let mut net = Net::new(42);
    let (_, s) = net.register_host_and_service();
    net.run_ms(4000);
    net.recv(&query(
        &[("_http._tcp.local.", Rtype::PTR, false)],
        &[],
        &[],
    ));
    net.run_ms(1000);
    let q = query_id(
        0xbeef,
        false,
        &[("myhost.local.", Rtype::A, false)],
        &[],
        &[],
    );
    net.recv_from(&q, peer(51000), true);
    net.run_ms(1000);
    net.engine.unregister(net.now, s).unwrap();
    net.drain();
    let got = transcript(&net);
    println!("{got}");
    assert_eq!(got, REGISTRATION);
}
