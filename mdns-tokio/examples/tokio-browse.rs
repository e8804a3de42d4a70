//! Browses a service type and resolves each instance, for ten seconds.
//!
//! `cargo run -p mdns-tokio --example tokio-browse -- _http._tcp`

use std::time::Duration;

use futures_lite::StreamExt;
use mdns_tokio::{BrowseEvent, Mdns, MdnsConfig, ServiceType};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ty = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "_http._tcp".into());
    let ty = ServiceType::parse_lenient(&ty)?;
    let mdns = Mdns::new(MdnsConfig::default())?;
    let mut browser = mdns.browse_resolving(&ty).await?;
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = browser.next().await {
            match ev {
                BrowseEvent::Found {
                    instance,
                    interface,
                    ..
                } => {
                    println!("+ {instance} (interface {})", interface.0)
                }
                BrowseEvent::Removed {
                    instance,
                    interface,
                    ..
                } => {
                    println!("- {instance} (interface {})", interface.0)
                }
                BrowseEvent::Resolved(s) | BrowseEvent::Updated(s) => {
                    let txt: Vec<String> = s.txt.iter().map(|e| e.to_string()).collect();
                    println!(
                        "= {} -> {}:{} {:?} {txt:?}",
                        s.instance,
                        s.host,
                        s.port,
                        s.ips()
                    );
                }
                other => println!("{other:?}"),
            }
        }
    })
    .await;
    mdns.shutdown().await?;
    Ok(())
}
