//! Registers a service, reports how probing goes, and withdraws it after thirty
//! seconds (or at once if registration fails).
//!
//! `cargo run -p mdns-smol --example smol-register -- "My Web" _http._tcp 8080`

use std::time::Duration;

use futures_lite::StreamExt;
use mdns_smol::{Mdns, MdnsConfig, RegistrationEvent, ServiceInfo};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    smol::block_on(async {
        let mut args = std::env::args().skip(1);
        let name = args.next().unwrap_or_else(|| "Example".into());
        let ty = args.next().unwrap_or_else(|| "_http._tcp".into());
        let port: u16 = args.next().map_or(Ok(8080), |p| p.parse())?;
        let info = ServiceInfo::builder(&name, &ty, port)
            .txt("path", "/")
            .build()?;

        let mdns = Mdns::new(MdnsConfig::default())?;
        let mut reg = mdns.register(info).await?;
        let events = async {
            while let Some(ev) = reg.next().await {
                println!("{ev:?} (name now {})", reg.name());
                if matches!(ev, RegistrationEvent::Failed(_)) {
                    break;
                }
            }
        };
        futures_lite::future::or(events, async {
            smol::Timer::after(Duration::from_secs(30)).await;
        })
        .await;
        reg.unregister().await?;
        mdns.shutdown().await?;
        Ok(())
    })
}
