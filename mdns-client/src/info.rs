//! [`ServiceInfo`]: a service to register, built and validated in one go, and
//! [`host_name`], the parser of host names as users type them.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use mdns_sansio::sd::{InstanceName, ServiceType, Txt, TxtEntry, TxtError};
use mdns_sansio::Name;

use crate::domain::local_domain;
use crate::error::Error;

/// A service instance to register: `<instance>.<service type>.<domain>` on `port`, with
/// TXT attributes, optional subtypes, and optionally a host other than the client's
/// own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInfo {
    /// The instance name (`Kitchen`).
    pub instance: InstanceName,
    /// The service type, without subtype (`_http._tcp`).
    pub service_type: ServiceType,
    /// Subtypes it is also listed under (`_printer`, RFC 6763 §7.1).
    pub subtypes: Vec<Vec<u8>>,
    /// Port.
    pub port: u16,
    /// TXT attributes.
    pub txt: Txt,
    /// Target host (SRV); `None`: the client's host name
    /// ([`Config::host_name`](crate::Config)).
    pub host: Option<Name>,
    /// The domain it is published in: `local.` (multicast DNS) unless set otherwise;
    /// another domain needs a unicast [`Backend`](crate::Backend).
    pub domain: Name,
    /// On a name conflict, pick a new name (`Kitchen (2)`, RFC 6762 §9) rather than
    /// fail with [`RegistrationFailure::Conflict`](mdns_sansio::engine::RegistrationFailure).
    /// True unless set otherwise.
    pub allow_rename: bool,
}

impl ServiceInfo {
    /// Starts a builder: `ServiceInfo::builder("Kitchen", "_http._tcp", 8080)`.
    /// Nothing is checked until [`ServiceInfoBuilder::build`].
    pub fn builder(instance: &str, service_type: &str, port: u16) -> ServiceInfoBuilder {
        ServiceInfoBuilder {
            instance: Err(instance.to_string()),
            service_type: Err(service_type.to_string()),
            port,
            txt: Ok(Vec::new()),
            txt_record: None,
            subtypes: Vec::new(),
            host: None,
            domain: None,
            allow_rename: true,
        }
    }

    /// The full instance name in `local.`, `Kitchen._http._tcp.local.`.
    pub fn full_name(&self) -> Name {
        self.instance.full_name(&self.service_type)
    }
}

/// Builds a [`ServiceInfo`]; every input is validated by [`build`](Self::build), which
/// reports the first problem.
#[derive(Clone, Debug)]
#[must_use]
pub struct ServiceInfoBuilder {
    // Ok: typed; Err: text still to parse.
    instance: Result<InstanceName, String>,
    service_type: Result<ServiceType, String>,
    port: u16,
    txt: Result<Vec<TxtEntry>, TxtError>,
    txt_record: Option<Txt>,
    subtypes: Vec<Vec<u8>>,
    host: Option<Result<Name, String>>,
    domain: Option<Name>,
    allow_rename: bool,
}

impl ServiceInfoBuilder {
    /// Adds `key=value`.
    pub fn txt(mut self, key: &str, value: impl AsRef<[u8]>) -> Self {
        self.push_txt(TxtEntry::new(key, value));
        self
    }

    /// Adds a boolean attribute `key` (no `=`).
    pub fn txt_flag(mut self, key: &str) -> Self {
        self.push_txt(TxtEntry::flag(key));
        self
    }

    fn push_txt(&mut self, e: Result<TxtEntry, TxtError>) {
        if let Ok(v) = &mut self.txt {
            match e {
                Ok(e) => v.push(e),
                Err(e) => self.txt = Err(e),
            }
        }
    }

    /// Also lists the service under subtype `sub` (`_printer`).
    pub fn subtype(mut self, sub: impl AsRef<[u8]>) -> Self {
        self.subtypes.push(sub.as_ref().to_vec());
        self
    }

    /// Points the SRV record at `host` (`box` means `box.local.`) instead of the
    /// client's host name.
    pub fn host(mut self, host: &str) -> Self {
        self.host = Some(Err(host.to_string()));
        self
    }

    /// Sets the instance name, already validated.
    pub fn instance_name(mut self, name: InstanceName) -> Self {
        self.instance = Ok(name);
        self
    }

    /// Sets the service type, already validated (a subtype on it is added to the
    /// subtypes).
    pub fn service_type(mut self, ty: ServiceType) -> Self {
        if let Some(sub) = ty.subtype() {
            self.subtypes.push(sub.to_vec());
        }
        self.service_type = Ok(ty.without_subtype());
        self
    }

    /// Replaces all TXT attributes with `txt` (entries added with [`txt`](Self::txt)
    /// afterwards are appended to it).
    pub fn txt_record(mut self, txt: Txt) -> Self {
        self.txt_record = Some(txt);
        self.txt = Ok(Vec::new());
        self
    }

    /// Sets the target host, already validated.
    pub fn host_name(mut self, host: Name) -> Self {
        self.host = Some(Ok(host));
        self
    }

    /// Publishes in `domain` instead of `local.` (needs a unicast backend).
    pub fn domain(mut self, domain: Name) -> Self {
        self.domain = Some(domain);
        self
    }

    /// With `false`, a name conflict fails the registration instead of renaming it
    /// (Bonjour's `NoAutoRename`).
    pub fn allow_rename(mut self, allow: bool) -> Self {
        self.allow_rename = allow;
        self
    }

    /// Checks everything and returns the service.
    pub fn build(self) -> Result<ServiceInfo, Error> {
        let instance = match self.instance {
            Ok(i) => i,
            Err(text) => InstanceName::new(&text)?,
        };
        let mut subtypes = self.subtypes;
        let service_type = match self.service_type {
            Ok(t) => t,
            Err(text) => {
                let t = ServiceType::new(&text)?;
                if let Some(sub) = t.subtype() {
                    subtypes.insert(0, sub.to_vec());
                }
                t.without_subtype()
            }
        };
        for sub in &subtypes {
            // Validates the subtype label.
            service_type.clone().with_subtype(sub)?;
        }
        subtypes.dedup();
        let mut txt = self.txt_record.unwrap_or_default();
        for e in self.txt? {
            txt.push(e)?;
        }
        let host = match self.host {
            None => None,
            Some(Ok(h)) => Some(h),
            Some(Err(text)) => Some(host_name(&text)?),
        };
        Ok(ServiceInfo {
            instance,
            service_type,
            subtypes,
            port: self.port,
            txt,
            host,
            domain: self.domain.unwrap_or_else(local_domain),
            allow_rename: self.allow_rename,
        })
    }
}

/// Parses a host name as given by a user: `box` means `box.local.`; a name of more
/// labels is taken as it is.
pub fn host_name(text: &str) -> Result<Name, Error> {
    let n = Name::parse(text).map_err(Error::InvalidHostName)?;
    with_local(n)
}

/// `n` itself, or `n.local.` if it is a single label.
pub(crate) fn with_local(n: Name) -> Result<Name, Error> {
    if n.label_count() == 1 {
        n.concat(&local_domain()).map_err(Error::InvalidHostName)
    } else {
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_validates() {
        let s = ServiceInfo::builder("Kitchen", "_http._tcp", 8080)
            .txt("k", "v")
            .txt_flag("f")
            .subtype("_printer")
            .host("box")
            .build()
            .unwrap();
        assert_eq!(s.instance.as_str(), "Kitchen");
        assert_eq!(s.service_type.to_string(), "_http._tcp");
        assert_eq!(s.subtypes, alloc::vec![b"_printer".to_vec()]);
        assert_eq!(s.txt.len(), 2);
        assert_eq!(s.host.unwrap().to_string(), "box.local.");
        assert_eq!(s.port, 8080);
        assert_eq!(s.domain.to_string(), "local.");

        let e = ServiceInfo::builder("", "_http._tcp", 1)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::InvalidInstanceName(_)), "{e}");
        let e = ServiceInfo::builder("A", "http", 1).build().unwrap_err();
        assert!(matches!(e, Error::InvalidServiceType(_)), "{e}");
        let e = ServiceInfo::builder("A", "_http._tcp", 1)
            .txt("a=b", "c")
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::InvalidTxt(_)), "{e}");
        let e = ServiceInfo::builder("A", "_http._tcp", 1)
            .txt("a", "1")
            .txt("A", "2")
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::InvalidTxt(_)), "{e}");
        let e = ServiceInfo::builder("A", "_http._tcp", 1)
            .host("bad..name")
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::InvalidHostName(_)), "{e}");
    }

    #[test]
    fn single_label_host_gets_local() {
        assert_eq!(host_name("box").unwrap().to_string(), "box.local.");
        assert_eq!(host_name("box.local").unwrap().to_string(), "box.local.");
        assert_eq!(
            host_name("box.example.com").unwrap().to_string(),
            "box.example.com."
        );
    }
}
