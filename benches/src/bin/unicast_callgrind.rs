//! Callgrind driver for the unicast DNS-SD client: RUNS times, one browse answer taken
//! in (`browse_1`, `browse_10`: with 1 or 10 PTRs, ServiceFound events included) or one
//! signed registration sent and its signed answer taken in (`update`); setup and the
//! server's side stay outside the `measured*` functions, so that
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='*measured*' \
//!     target/release/unicast_callgrind update 1000
//! ```
//!
//! counts only the client's work (divide the total by RUNS).

use mdns_benches::unicast_setup as u;

#[inline(never)]
fn measured_answer(c: &mut dnssd_unicast::Client, answer: &[u8]) -> usize {
    u::take_answer(c, answer)
}

#[inline(never)]
fn measured_send(c: &mut dnssd_unicast::Client) -> Vec<u8> {
    u::send_update(c)
}

#[inline(never)]
fn measured_update_answer(c: &mut dnssd_unicast::Client, answer: &[u8]) -> bool {
    u::take_update_answer(c, answer)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map_or("browse_1", String::as_str);
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let mut total = 0usize;
    for _ in 0..runs {
        match what {
            "browse_1" | "browse_10" => {
                let (mut c, answer) = u::browse(if what == "browse_1" { 1 } else { 10 });
                total += measured_answer(&mut c, &answer);
            }
            "update" => {
                let mut c = u::update_client();
                let req = measured_send(&mut c);
                let answer = u::update_answer(&req);
                total += measured_update_answer(&mut c, &answer) as usize;
            }
            other => panic!("unknown workload {other}"),
        }
    }
    println!("{what}: {runs} runs, {total} events");
}
