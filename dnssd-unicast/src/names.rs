//! The DNS-SD names of a unicast domain (RFC 6763): a service type's name
//! (`_http._tcp.example.com.`, RFC 6763 §4.1), a subtype's
//! (`_printer._sub._http._tcp...`, RFC 6763 §7.1), an instance's
//! (`Web Server._http._tcp.example.com.`, RFC 6763 §4.1), and the domain enumeration
//! names (`b._dns-sd._udp.<domain>` and its four siblings, RFC 6763 §11), with the
//! reverse-mapping domains derived from the host's own addresses (RFC 6763 §11).
//!
//! `mdns_sansio::sd` validates service types and instance labels and builds their
//! names in `local.`; here the same labels go under any domain.

use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;
use mdns_sansio::sd::{InstanceName, ServiceType};
use mdns_sansio::{Name, NameError};

/// `_service._proto.<domain>` (RFC 6763 §4.1), any subtype ignored.
pub fn service_type_name(ty: &ServiceType, domain: &Name) -> Result<Name, NameError> {
    Name::from_labels([ty.service().as_bytes(), ty.protocol().label().as_bytes()])?.concat(domain)
}

/// The name to browse for: the subtype name `<sub>._sub._service._proto.<domain>` if
/// `ty` has a subtype (RFC 6763 §7.1), else the service type name.
pub fn browse_name(ty: &ServiceType, domain: &Name) -> Result<Name, NameError> {
    match ty.subtype() {
        Some(sub) => subtype_name(sub, ty, domain),
        None => service_type_name(ty, domain),
    }
}

/// `<sub>._sub._service._proto.<domain>` (RFC 6763 §7.1).
pub fn subtype_name(sub: &[u8], ty: &ServiceType, domain: &Name) -> Result<Name, NameError> {
    Name::from_labels([sub, b"_sub".as_slice()])?.concat(&service_type_name(ty, domain)?)
}

/// `<Instance>._service._proto.<domain>` (RFC 6763 §4.1).
pub fn instance_name(
    instance: &InstanceName,
    ty: &ServiceType,
    domain: &Name,
) -> Result<Name, NameError> {
    service_type_name(ty, domain)?.prepend(instance.as_str().as_bytes())
}

/// The five domain enumeration queries (RFC 6763 §11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DomainKind {
    /// `b`: domains recommended for browsing.
    Browse,
    /// `db`: the default browsing domain.
    DefaultBrowse,
    /// `r`: domains recommended for registering.
    Register,
    /// `dr`: the default registration domain.
    DefaultRegister,
    /// `lb`: the "automatic browsing" domains.
    Automatic,
}

impl DomainKind {
    /// All five, in the order above.
    pub const ALL: [DomainKind; 5] = [
        DomainKind::Browse,
        DomainKind::DefaultBrowse,
        DomainKind::Register,
        DomainKind::DefaultRegister,
        DomainKind::Automatic,
    ];

    /// The first label of the query name.
    pub fn label(self) -> &'static str {
        match self {
            DomainKind::Browse => "b",
            DomainKind::DefaultBrowse => "db",
            DomainKind::Register => "r",
            DomainKind::DefaultRegister => "dr",
            DomainKind::Automatic => "lb",
        }
    }
}

impl fmt::Display for DomainKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DomainKind::Browse => "browse",
            DomainKind::DefaultBrowse => "default browse",
            DomainKind::Register => "register",
            DomainKind::DefaultRegister => "default register",
            DomainKind::Automatic => "automatic browse",
        })
    }
}

/// `<kind>._dns-sd._udp.<base>` (RFC 6763 §11).
pub fn enumeration_name(kind: DomainKind, base: &Name) -> Result<Name, NameError> {
    Name::from_labels([kind.label().as_bytes(), b"_dns-sd", b"_udp"])?.concat(base)
}

/// The reverse-mapping name of the network an address belongs to (RFC 6763 §11: the
/// address ANDed with its subnet mask, as an `in-addr.arpa.` or `ip6.arpa.` name).
/// `None` for link-local, loopback, unspecified and multicast addresses (RFC 6763 §11:
/// not for link-local), and for a prefix longer than the address.
pub fn reverse_base(addr: IpAddr, prefix_len: u8) -> Option<Name> {
    match addr {
        IpAddr::V4(a) => {
            if a.is_link_local()
                || a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || prefix_len > 32
            {
                return None;
            }
            let mask = u32::MAX
                .checked_shl(32 - u32::from(prefix_len))
                .unwrap_or(0);
            let base = (u32::from(a) & mask).to_be_bytes();
            let mut labels: Vec<alloc::string::String> =
                base.iter().rev().map(|b| alloc::format!("{b}")).collect();
            labels.push("in-addr".into());
            labels.push("arpa".into());
            Name::from_labels(labels.iter().map(|l| l.as_bytes())).ok()
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            if (s[0] & 0xffc0) == 0xfe80
                || a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || prefix_len > 128
            {
                return None;
            }
            let mask = u128::MAX
                .checked_shl(128 - u32::from(prefix_len))
                .unwrap_or(0);
            let base = u128::from(a) & mask;
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let labels: Vec<[u8; 1]> = (0..32)
                .map(|i| [HEX[((base >> (4 * i)) & 0xF) as usize]])
                .collect();
            let tail: [&[u8]; 2] = [b"ip6", b"arpa"];
            Name::from_labels(labels.iter().map(|l| l.as_slice()).chain(tail)).ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn ty(s: &str) -> ServiceType {
        ServiceType::new(s).unwrap()
    }

    #[test]
    fn rfc6763_4_1_names_in_a_unicast_domain() {
        let d = Name::parse("example.com.").unwrap();
        assert_eq!(
            service_type_name(&ty("_http._tcp"), &d)
                .unwrap()
                .to_string(),
            "_http._tcp.example.com."
        );
        let sub = ty("_printer._sub._http._tcp");
        assert_eq!(
            browse_name(&sub, &d).unwrap().to_string(),
            "_printer._sub._http._tcp.example.com."
        );
        let inst = InstanceName::new("Web. Server").unwrap();
        let full = instance_name(&inst, &ty("_http._tcp"), &d).unwrap();
        assert_eq!(full.label_count(), 5);
        assert_eq!(full.first_label(), b"Web. Server");
    }

    #[test]
    fn rfc6763_11_enumeration_and_reverse_mapping_names() {
        let d = Name::parse("example.com").unwrap();
        assert_eq!(
            enumeration_name(DomainKind::Automatic, &d)
                .unwrap()
                .to_string(),
            "lb._dns-sd._udp.example.com."
        );
        // The RFC's own example: 192.168.12.34 with mask 255.255.0.0.
        let r = reverse_base("192.168.12.34".parse().unwrap(), 16).unwrap();
        assert_eq!(r.to_string(), "0.0.168.192.in-addr.arpa.");
        assert_eq!(
            enumeration_name(DomainKind::Automatic, &r)
                .unwrap()
                .to_string(),
            "lb._dns-sd._udp.0.0.168.192.in-addr.arpa."
        );
        let r6 = reverse_base("2001:db8:1:2:aaaa:bbbb:cccc:dddd".parse().unwrap(), 64).unwrap();
        assert_eq!(
            r6.to_string(),
            "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
        );
        for skip in ["169.254.1.2", "127.0.0.1", "fe80::1", "::1", "0.0.0.0"] {
            assert!(reverse_base(skip.parse().unwrap(), 16).is_none(), "{skip}");
        }
        assert!(reverse_base("10.0.0.1".parse().unwrap(), 33).is_none());
        assert_eq!(
            reverse_base("10.1.2.3".parse().unwrap(), 0)
                .unwrap()
                .to_string(),
            "0.0.0.0.in-addr.arpa."
        );
    }
}
