//! The tokio adapter in a DNS domain, against BIND 9 in a network namespace: a service
//! whose records are too large for UDP is published over TCP, and resolved over TCP
//! after a truncated answer; those connections are descriptors the async loop
//! registers with tokio after it started (and drops when they close). Unregistering
//! deletes the records.
#![cfg(target_os = "linux")]

use std::time::Duration;

use mdns_testnet::dns::{self, Kind};
use mdns_testnet::Netns;
use mdns_tokio::{
    BrowseEvent, DomainConfig, Error, Mdns, MdnsConfig, Name, RegistrationEvent, ServiceInfo,
    ServiceType, TsigKey, UNICAST_DNS,
};

/// Eight TXT entries of 200 bytes: over 1,600 bytes, more than the 1,232 of UDP
/// payload the client offers (RFC 6891 §6.2.5), so both the update and the answer go
/// over TCP.
fn big_txt(b: mdns_tokio::ServiceInfoBuilder) -> mdns_tokio::ServiceInfoBuilder {
    (0..8).fold(b, |b, i| b.txt(&format!("k{i}"), "x".repeat(200)))
}

#[test]
fn rfc1035_4_2_2_a_large_service_is_published_and_resolved_over_tcp_through_the_async_loop() {
    let test =
        "rfc1035_4_2_2_a_large_service_is_published_and_resolved_over_tcp_through_the_async_loop";
    if !mdns_testnet::capable(test) {
        return;
    }
    let ns = Netns::new("tk");
    let Some(s) = dns::start_in(&ns, Kind::Bind, test) else {
        return;
    };
    let zone = Name::parse(&s.zone).unwrap();
    let key = TsigKey::parse_bind(&std::fs::read_to_string(s.key_file(None)).unwrap())
        .unwrap()
        .remove(0);
    let ty = ServiceType::new("_http._tcp").unwrap();
    // The runtime is made on the namespace's thread: its loop opens the TCP
    // connections, which must be in the namespace.
    let r: Result<(), Error> = ns.run_in(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let config = MdnsConfig::default().with_unicast_domain(
                    DomainConfig::new(zone.clone(), vec![s.addr]).with_key(key, false),
                );
                let mdns = Mdns::new(config)?;
                let info = big_txt(ServiceInfo::builder("Big", "_http._tcp", 8080))
                    .domain(zone.clone())
                    .build()?;
                let reg = mdns.register(info).await?;
                let ev = tokio::time::timeout(Duration::from_secs(15), reg.recv_async())
                    .await
                    .map_err(|_| Error::Timeout)??;
                assert_eq!(
                    ev,
                    RegistrationEvent::Registered {
                        name: mdns_tokio::InstanceName::new("Big").unwrap()
                    }
                );
                let txt = s.dig(&format!("Big._http._tcp.{}", s.zone), "TXT");
                assert_eq!(txt.matches("xxxxxxxxxx").count(), 8 * 20, "{txt}");

                let browser = mdns.browse_resolving_in(&ty, &zone).await?;
                let resolved = tokio::time::timeout(Duration::from_secs(15), async {
                    loop {
                        match browser.recv_async().await? {
                            BrowseEvent::Resolved(r) => return Ok::<_, Error>(r),
                            BrowseEvent::ServerError(e) => panic!("{e}"),
                            _ => {}
                        }
                    }
                })
                .await
                .map_err(|_| Error::Timeout)??;
                assert_eq!(resolved.port, 8080);
                assert_eq!(resolved.txt.len(), 8);
                assert!(resolved.addresses.iter().all(|(_, i)| *i == UNICAST_DNS));

                reg.unregister().await?;
                assert_eq!(
                    s.dig(&format!("Big._http._tcp.{}", s.zone), "SRV").trim(),
                    ""
                );
                mdns.shutdown().await
            })
    });
    r.unwrap();
}
