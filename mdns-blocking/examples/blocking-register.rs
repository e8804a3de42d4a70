//! Registers a service, reports how probing goes, and withdraws it once thirty
//! seconds pass without news (or at once if registration fails).
//!
//! `cargo run -p mdns-blocking --example blocking-register -- "My Web" _http._tcp 8080`

use std::time::Duration;

use mdns_blocking::{Error, Mdns, MdnsConfig, RegistrationEvent, ServiceInfo};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "Example".into());
    let ty = args.next().unwrap_or_else(|| "_http._tcp".into());
    let port: u16 = args.next().map_or(Ok(8080), |p| p.parse())?;
    let info = ServiceInfo::builder(&name, &ty, port)
        .txt("path", "/")
        .build()?;

    let mdns = Mdns::new(MdnsConfig::default())?;
    let reg = mdns.register(info).wait()?;
    loop {
        match reg.recv_timeout(Duration::from_secs(30)) {
            Ok(RegistrationEvent::Failed(why)) => {
                eprintln!("registration failed: {why:?}");
                break;
            }
            Ok(ev) => println!("{ev:?} (name now {})", reg.name()),
            Err(Error::Timeout) => break,
            Err(e) => return Err(e.into()),
        }
    }
    reg.unregister().wait()?;
    mdns.shutdown()?;
    Ok(())
}
