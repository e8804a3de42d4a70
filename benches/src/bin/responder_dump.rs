//! Prints every datagram the responder benchmark's queries produce (hex), for
//! checking that the packets stay byte-identical: `responder_dump > before.txt`.

#[path = "../responder_setup.rs"]
#[allow(dead_code)]
mod setup;
use setup::{Bench, Query};

fn main() {
    for services in [10, 100, 1000] {
        for legacy in [false, true] {
            for q in Query::ALL {
                let mut bench = Bench::new(services / 10);
                if legacy {
                    bench.legacy();
                }
                let mut bytes = q.bytes();
                if legacy {
                    bytes[..2].copy_from_slice(&0x1234u16.to_be_bytes());
                }
                for run in 0..3 {
                    for (dest, p) in bench.answer_packets(&bytes) {
                        let hex: String = p.iter().map(|b| format!("{b:02x}")).collect();
                        println!(
                            "{services} legacy={legacy} {} run{run} {dest} {hex}",
                            q.label()
                        );
                    }
                }
            }
        }
    }
}
