//! The public items users of `dnssd-unicast` rely on (the crate docs' layout, the
//! README's browse), named with their signatures: removing, renaming or changing one
//! fails this build. Until a released version exists for `cargo-semver-checks` to
//! compare with (`.ci/run` runs it once a `v*` tag does), this is the guard of the
//! public API.

use std::net::SocketAddr;

use dnssd_unicast::blocking::BlockingDriver;
use dnssd_unicast::client::{
    ConnId, DomainConfig, QueryError, RegId, RegisterError, ResolvedService, ServiceRegistration,
    Stats, SubId, SubscribeError, Transmit, UpdateError,
};
use dnssd_unicast::resolv::ResolvConf;
use dnssd_unicast::{Algorithm, Client, ClientConfig, Event, Instant, KeyFileError, TsigKey};
use mdns_sansio::{Name, ServiceType};

#[test]
fn client_inputs_commands_and_outputs_keep_their_signatures() {
    let _: fn(ClientConfig, u64) -> Client = Client::new;
    let _: fn(&Client) -> &Stats = Client::stats;
    let _: fn(&mut Client, Instant, SubId, &ServiceType, &Name) -> Result<(), SubscribeError> =
        Client::browse;
    let _: fn(&mut Client, Instant, SubId, &Name) -> Result<(), SubscribeError> = Client::resolve;
    let _: fn(&mut Client, Instant, SubId, &Name) -> Result<(), SubscribeError> =
        Client::lookup_host;
    let _: fn(&mut Client, Instant, SubId, &[Name]) -> Result<(), SubscribeError> =
        Client::enumerate_domains;
    let _: fn(&mut Client, SubId) -> bool = Client::stop;
    let _: fn(&mut Client, Instant, RegId, ServiceRegistration) -> Result<(), RegisterError> =
        Client::register;
    let _: fn(&mut Client, Instant, RegId) -> bool = Client::unregister;
    let _: fn(&mut Client, Instant) = Client::shutdown;
    let _: fn(&mut Client, Instant, SocketAddr, &[u8]) = Client::handle_datagram;
    let _: fn(&mut Client, Instant, ConnId, &[u8]) = Client::handle_tcp;
    let _: fn(&mut Client, Instant, ConnId) = Client::handle_tcp_closed;
    let _: fn(&mut Client, Instant) = Client::handle_timeout;
    let _: fn(&mut Client) -> Option<Transmit> = Client::poll_transmit;
    let _: fn(&Client) -> Option<Instant> = Client::poll_timeout;
    let _: fn(&mut Client) -> Option<Event> = Client::poll_event;
    let _: fn(ClientConfig) -> BlockingDriver = BlockingDriver::new;
    let _ = (
        core::mem::size_of::<QueryError>(),
        core::mem::size_of::<UpdateError>(),
        core::mem::size_of::<ResolvedService>(),
    );
}

#[test]
fn keys_and_configuration_parse_as_documented() {
    let text = "key \"update.key\" {\n\talgorithm hmac-sha256;\n\tsecret \"c2VjcmV0LXNlY3JldC1zZWNyZXQ=\";\n};\n";
    let keys: Result<Vec<TsigKey>, KeyFileError> = TsigKey::parse_bind(text);
    let key = keys.unwrap().remove(0);
    assert_eq!(key.name().to_string(), "update.key.");
    assert_eq!(key.algorithm(), Algorithm::HmacSha256);
    let conf = ResolvConf::parse("nameserver 192.0.2.53\nsearch example.com\n");
    assert_eq!(conf.nameservers.len(), 1);
    let mut config = ClientConfig::from_resolv_conf(&conf);
    let zone = Name::parse("example.com.").unwrap();
    config
        .domains
        .push(DomainConfig::new(zone, vec!["192.0.2.53:53".parse().unwrap()]).with_key(key, false));
    let client = Client::new(config, 1);
    assert_eq!(client.config().domains.len(), 1);
}
