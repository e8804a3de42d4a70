//! Registers a service, reports how probing goes, and withdraws it after thirty
//! seconds (or at once if registration fails).
//!
//! `cargo run -p mdns-tokio --example tokio-register -- "My Web" _http._tcp 8080`

use std::time::Duration;

use futures_lite::StreamExt;
use mdns_tokio::{Mdns, MdnsConfig, RegistrationEvent, ServiceInfo};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "Example".into());
    let ty = args.next().unwrap_or_else(|| "_http._tcp".into());
    let port: u16 = args.next().map_or(Ok(8080), |p| p.parse())?;
    let info = ServiceInfo::builder(&name, &ty, port)
        .txt("path", "/")
        .build()?;

    let mdns = Mdns::new(MdnsConfig::default())?;
    let mut reg = mdns.register(info).await?;
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(ev) = reg.next().await {
            println!("{ev:?} (name now {})", reg.name());
            if matches!(ev, RegistrationEvent::Failed(_)) {
                break;
            }
        }
    })
    .await;
    reg.unregister().await?;
    mdns.shutdown().await?;
    Ok(())
}
