mod common;
use common::*;

#[test]
fn smoke() {
    let mut net = Net::new(1);
    net.register_host_and_service();
    net.run_ms(5000);
    for s in &net.sent {
        println!("[{:>5} ms] {:?}\n{}", s.at.as_millis(), s.dest, s.text());
    }
    println!("{:?}", net.events);
}
