//! Which domains multicast DNS answers for ([`is_mdns_name`], [`local_domain`]); every
//! other domain goes to the client's unicast backend. Nothing else lives here.

use alloc::vec::Vec;

use mdns_sansio::Name;

/// `local.`, the domain of multicast DNS (RFC 6762 §3).
pub fn local_domain() -> Name {
    Name::from_labels([b"local".as_slice()]).expect("a valid name")
}

/// True if `name` is in a domain multicast DNS answers for: `local.` (RFC 6762 §3) or
/// one of the link-local reverse-mapping domains `254.169.in-addr.arpa.` and
/// `8.e.f.ip6.arpa.` to `b.e.f.ip6.arpa.` (RFC 6762 §4). Case-insensitive. Every other
/// name goes to unicast DNS.
pub fn is_mdns_name(name: &Name) -> bool {
    let labels: Vec<&[u8]> = name.labels().collect();
    let ends = |suffix: &[&[u8]]| {
        labels.len() >= suffix.len()
            && labels[labels.len() - suffix.len()..]
                .iter()
                .zip(suffix)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    };
    if ends(&[b"local"]) || ends(&[b"254", b"169", b"in-addr", b"arpa"]) {
        return true;
    }
    [b"8", b"9", b"a", b"b"]
        .iter()
        .any(|d| ends(&[d.as_slice(), b"e", b"f", b"ip6", b"arpa"]))
}
