//! Browses a service type and resolves each instance, until ten seconds pass without
//! news.
//!
//! `cargo run -p mdns-blocking --example blocking-browse -- _http._tcp`

use std::time::Duration;

use mdns_blocking::{BrowseEvent, Error, Mdns, MdnsConfig, ServiceType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ty = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "_http._tcp".into());
    let ty = ServiceType::parse_lenient(&ty)?;
    let mdns = Mdns::new(MdnsConfig::default())?;
    let browser = mdns.browse_resolving(&ty).wait()?;
    loop {
        match browser.recv_timeout(Duration::from_secs(10)) {
            Ok(BrowseEvent::Found {
                instance,
                interface,
                ..
            }) => {
                println!("+ {instance} (interface {})", interface.0)
            }
            Ok(BrowseEvent::Removed {
                instance,
                interface,
                ..
            }) => {
                println!("- {instance} (interface {})", interface.0)
            }
            Ok(BrowseEvent::Resolved(s)) | Ok(BrowseEvent::Updated(s)) => {
                let txt: Vec<String> = s.txt.iter().map(|e| e.to_string()).collect();
                println!(
                    "= {} -> {}:{} {:?} {txt:?}",
                    s.instance,
                    s.host,
                    s.port,
                    s.ips()
                );
            }
            Ok(other) => println!("{other:?}"),
            Err(Error::Timeout) => break,
            Err(e) => return Err(e.into()),
        }
    }
    mdns.shutdown()?;
    Ok(())
}
