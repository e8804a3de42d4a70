//! Pure conversions between the client layer's types (`mdns_sansio_client`) and the client's
//! here: a service to publish, instance and type names read back from a zone, a
//! resolved service, domain kinds, a registration given up.

use crate::client::publish::ServiceRegistration;
use crate::client::{ResolvedService, UpdateError};
use crate::names::DomainKind;
use alloc::vec::Vec;
use mdns_sansio::engine::RegistrationFailure;
use mdns_sansio::sd::{InstanceName, ServiceType, Txt};
use mdns_sansio::{Name, NameError};
use mdns_sansio_client::{RegistrationEvent, ServiceInfo, UNICAST_DNS};

use super::UnicastError;

/// The registration of `info` in its (unicast) domain. A service that names no host
/// points at `<host_label>.<domain>` and publishes the host's addresses there; one that
/// names its host points at it and publishes none.
pub(crate) fn registration(
    info: &ServiceInfo,
    host_label: &[u8],
) -> Result<ServiceRegistration, NameError> {
    let (host, publish_addresses) = match &info.host {
        Some(h) => (h.clone(), false),
        None => (Name::from_labels([host_label])?.concat(&info.domain)?, true),
    };
    let mut txt = Vec::new();
    info.txt.encode(&mut txt);
    Ok(ServiceRegistration {
        instance: info.instance.clone(),
        service_type: info.service_type.without_subtype(),
        subtypes: info.subtypes.clone(),
        domain: info.domain.clone(),
        host,
        port: info.port,
        txt,
        publish_addresses,
        allow_rename: info.allow_rename,
    })
}

/// `<instance>.<_service>.<_proto>.<domain>` split into its instance label and type
/// (read leniently, as received data is); `None` for any other name.
pub(crate) fn split_instance(full: &Name) -> Option<(InstanceName, ServiceType)> {
    let mut labels = full.labels();
    let instance = InstanceName::from_label(labels.next()?).ok()?;
    Some((instance, service_type_at(labels)?))
}

/// The service type `_service._proto` that starts `labels` (`_http._tcp.example.com.`
/// read from a `_services._dns-sd._udp` PTR, RFC 6763 §9).
pub(crate) fn service_type_at<'a>(
    mut labels: impl Iterator<Item = &'a [u8]>,
) -> Option<ServiceType> {
    let service = labels.next()?;
    let proto = labels.next()?;
    labels.next()?; // a domain follows
    let local = Name::from_labels([service, proto, b"local".as_slice()]).ok()?;
    ServiceType::from_name(&local).ok()
}

/// The layer's form of a resolved service.
pub(crate) fn resolved(
    s: ResolvedService,
    instance: InstanceName,
    service_type: ServiceType,
) -> mdns_sansio_client::ResolvedService {
    let mut addresses: Vec<_> = s.addresses.into_iter().map(|a| (a, UNICAST_DNS)).collect();
    addresses.sort();
    mdns_sansio_client::ResolvedService {
        instance,
        service_type,
        host: s.host,
        port: s.port,
        txt: Txt::decode(&s.txt),
        addresses,
    }
}

/// The layer's form of a domain kind.
pub(crate) fn domain_kind(k: DomainKind) -> mdns_sansio_client::DomainKind {
    match k {
        DomainKind::Browse => mdns_sansio_client::DomainKind::Browse,
        DomainKind::DefaultBrowse => mdns_sansio_client::DomainKind::DefaultBrowse,
        DomainKind::Register => mdns_sansio_client::DomainKind::Register,
        DomainKind::DefaultRegister => mdns_sansio_client::DomainKind::DefaultRegister,
        DomainKind::Automatic => mdns_sansio_client::DomainKind::Automatic,
    }
}

/// A registration given up: as on the link when it is a naming failure, else
/// rejected with the update's error.
pub(crate) fn given_up(error: UpdateError) -> RegistrationEvent {
    match error {
        UpdateError::NameTaken { .. } => RegistrationEvent::Failed(RegistrationFailure::Conflict),
        UpdateError::NoFreeName { .. } => {
            RegistrationEvent::Failed(RegistrationFailure::NoFreeName)
        }
        other => RegistrationEvent::Rejected(mdns_sansio_client::BackendError::new(
            UnicastError::Update(other),
        )),
    }
}

/// The instance label of a registered name.
pub(crate) fn label(name: &Name) -> Option<InstanceName> {
    InstanceName::from_label(name.first_label()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn n(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    #[test]
    fn rfc6763_4_1_instance_names_split_in_any_domain() {
        let (i, t) = split_instance(&n("Web\\032Server._http._tcp.example.com.")).unwrap();
        assert_eq!(i.as_str(), "Web Server");
        assert_eq!(t.to_string(), "_http._tcp");
        assert!(split_instance(&n("host.example.com.")).is_none());
        assert!(split_instance(&n("a._http._tcp.")).is_none());
    }

    #[test]
    fn rfc6763_9_types_read_back_from_the_enumeration() {
        let t = service_type_at(n("_ipp._tcp.example.com.").labels()).unwrap();
        assert_eq!(t.to_string(), "_ipp._tcp");
        assert!(service_type_at(n("_ipp._tcp.").labels()).is_none());
        assert!(service_type_at(n("www.example.com.").labels()).is_none());
    }

    #[test]
    fn a_service_without_a_host_points_at_the_host_label_in_its_domain() {
        let info = ServiceInfo::builder("Web", "_http._tcp", 80)
            .txt("a", "1")
            .subtype("_printer")
            .domain(n("example.com."))
            .build()
            .unwrap();
        let r = registration(&info, b"box-mdns").unwrap();
        assert_eq!(r.host, n("box-mdns.example.com."));
        assert!(r.publish_addresses);
        assert_eq!(r.txt, b"\x03a=1");
        assert_eq!(r.subtypes, [b"_printer".to_vec()]);
        let info = ServiceInfo::builder("Web", "_http._tcp", 80)
            .host("printer.example.com")
            .domain(n("example.com."))
            .build()
            .unwrap();
        let r = registration(&info, b"box-mdns").unwrap();
        assert_eq!(r.host, n("printer.example.com."));
        assert!(!r.publish_addresses);
    }
}
