//! The public face of the responder: what to register ([`ServiceRegistration`],
//! [`HostRegistration`], built and validated by [`ServiceBuilder`] / [`HostBuilder`]),
//! the commands on [`Engine`], and their typed errors.
//!
//! ```
//! use mdns_sansio::engine::responder::{InterfaceSelection, ServiceRegistration};
//! use mdns_sansio::{Config, Engine, InstanceName, Instant, Name, ServiceType, Txt};
//!
//! let mut engine = Engine::new(Config::default());
//! let txt = Txt::builder().entry("path", "/").build().unwrap();
//! let reg = ServiceRegistration::builder(
//!     InstanceName::new("Kitchen").unwrap(),
//!     ServiceType::new("_http._tcp").unwrap(),
//! )
//! .port(8080)
//! .host(Name::parse("myhost.local.").unwrap())
//! .txt(txt)
//! .subtype("_printer")
//! .interfaces(InterfaceSelection::All)
//! .build()
//! .unwrap();
//! let id = engine.register_service(Instant::ZERO, reg).unwrap();
//! # let _ = id;
//! ```

use super::registration::{HostRecords, InterfaceSelection, Kind, Registration, Service};
use super::Responder;
use crate::engine::event::{Event, RegistrationId};
use crate::engine::io::InterfaceId;
use crate::engine::{Ctx, Engine};
use crate::name::{label_eq, Name};
use crate::sd::{InstanceName, ServiceType, ServiceTypeError, Txt};
use crate::time::Instant;
use crate::wire::RecordData;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use smallvec::SmallVec;

/// Most subtypes of one service (each adds a PTR to every announcement).
pub const MAX_SUBTYPES: usize = 32;

/// Why a registration was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegisterError {
    /// The builder was not given a port.
    MissingPort,
    /// The builder was not given a host name for the SRV target.
    MissingHost,
    /// The SRV target is not a name in `local.` (RFC 6762 §3).
    HostNotLocal {
        /// The target given.
        host: Name,
    },
    /// A host name must be one label followed by `local.`, like `myhost.local.`.
    HostNameShape {
        /// The name given.
        name: Name,
    },
    /// A subtype label was rejected.
    Subtype(ServiceTypeError),
    /// More subtypes than [`MAX_SUBTYPES`].
    TooManySubtypes {
        /// How many were given.
        count: usize,
    },
    /// `InterfaceSelection::Only` with an empty list would publish nowhere.
    NoInterfaces,
    /// Another registration of this engine already holds the name.
    NameInUse {
        /// The name.
        name: Name,
    },
    /// The engine already holds [`MAX_REGISTRATIONS`](super::MAX_REGISTRATIONS)
    /// registrations.
    TooManyRegistrations {
        /// The limit.
        limit: usize,
    },
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::MissingPort => f.write_str("no port given for the service"),
            RegisterError::MissingHost => f.write_str("no host name given for the SRV target"),
            RegisterError::HostNotLocal { host } => {
                write!(f, "SRV target {host} is not in the local. domain")
            }
            RegisterError::HostNameShape { name } => write!(
                f,
                "host name {name} must be a single label followed by local. (like myhost.local.)"
            ),
            RegisterError::Subtype(e) => write!(f, "bad subtype: {e}"),
            RegisterError::TooManySubtypes { count } => {
                write!(f, "{count} subtypes given, at most {MAX_SUBTYPES} allowed")
            }
            RegisterError::NoInterfaces => f.write_str("the interface list is empty"),
            RegisterError::NameInUse { name } => {
                write!(f, "{name} is already registered by this engine")
            }
            RegisterError::TooManyRegistrations { limit } => {
                write!(
                    f,
                    "this engine already holds {limit} registrations, the most it can"
                )
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RegisterError {}

/// Why a command on an existing registration was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistrationError {
    /// No such registration (never made, or already unregistered or failed).
    Unknown(RegistrationId),
    /// The registration is a host name; TXT and port belong to services.
    NotAService(RegistrationId),
    /// The host name still has services whose SRV records point at it: unregister them
    /// first (or shut the engine down, which does so in that order).
    HostInUse {
        /// The host registration.
        id: RegistrationId,
        /// How many registered services point at it.
        services: usize,
    },
    /// A subtype label was rejected (RFC 6763 §7.1).
    Subtype(ServiceTypeError),
    /// The service already has [`MAX_SUBTYPES`] subtypes.
    TooManySubtypes(RegistrationId),
}

impl fmt::Display for RegistrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistrationError::Unknown(id) => write!(f, "no registration {}", id.0),
            RegistrationError::NotAService(id) => {
                write!(f, "registration {} is a host name, not a service", id.0)
            }
            RegistrationError::HostInUse { id, services } => write!(
                f,
                "host registration {} is the SRV target of {services} registered service(s); \
                 unregister them first",
                id.0
            ),
            RegistrationError::Subtype(e) => write!(f, "bad subtype: {e}"),
            RegistrationError::TooManySubtypes(id) => write!(
                f,
                "service registration {} already has {MAX_SUBTYPES} subtypes, the most it can",
                id.0
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RegistrationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RegistrationError::Subtype(e) => Some(e),
            _ => None,
        }
    }
}

/// A service to publish: `<instance>.<type>.local.` with SRV, TXT and PTR records
/// (RFC 6763 §4 to RFC 6763 §7), validated by [`ServiceBuilder::build`].
#[derive(Clone, Debug)]
pub struct ServiceRegistration {
    instance: InstanceName,
    service_type: ServiceType,
    subtypes: Vec<Name>,
    port: u16,
    txt: Txt,
    host: Name,
    interfaces: InterfaceSelection,
    allow_rename: bool,
}

impl ServiceRegistration {
    /// Starts building a registration of `instance` of `service_type`. A subtype on
    /// `service_type` counts as one of the subtypes.
    pub fn builder(instance: InstanceName, service_type: ServiceType) -> ServiceBuilder {
        ServiceBuilder {
            instance,
            service_type,
            subtypes: Vec::new(),
            port: None,
            txt: Txt::new(),
            host: None,
            interfaces: InterfaceSelection::All,
            allow_rename: true,
        }
    }

    /// The instance name asked for.
    pub fn instance(&self) -> &InstanceName {
        &self.instance
    }

    /// The full service instance name asked for.
    pub fn full_name(&self) -> Name {
        self.instance.full_name(&self.service_type)
    }
}

/// Builds a [`ServiceRegistration`]; [`build`](Self::build) checks it.
#[derive(Clone, Debug)]
#[must_use]
pub struct ServiceBuilder {
    instance: InstanceName,
    service_type: ServiceType,
    subtypes: Vec<Vec<u8>>,
    port: Option<u16>,
    txt: Txt,
    host: Option<Name>,
    interfaces: InterfaceSelection,
    allow_rename: bool,
}

impl ServiceBuilder {
    /// The port (SRV). Required.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// The host the SRV record points at, such as `myhost.local.`. Required. Register
    /// that host name too (with [`Engine::register_host`]) to have this engine answer
    /// its addresses, and to have the target follow the host if it is renamed.
    pub fn host(mut self, host: Name) -> Self {
        self.host = Some(host);
        self
    }

    /// The TXT data (RFC 6763 §6); default: none (sent as one empty string, RFC 6763 §6.1).
    pub fn txt(mut self, txt: Txt) -> Self {
        self.txt = txt;
        self
    }

    /// Adds a subtype (RFC 6763 §7.1), such as `_printer`.
    pub fn subtype(mut self, subtype: impl AsRef<[u8]>) -> Self {
        self.subtypes.push(subtype.as_ref().to_vec());
        self
    }

    /// The interfaces to publish on; default: all.
    pub fn interfaces(mut self, interfaces: InterfaceSelection) -> Self {
        self.interfaces = interfaces;
        self
    }

    /// Whether a conflict may rename the service (`Name (2)`, RFC 6762 §9); default:
    /// true. When false, a conflict ends the registration with
    /// [`RegistrationFailure::Conflict`](crate::engine::RegistrationFailure).
    pub fn allow_rename(mut self, allow: bool) -> Self {
        self.allow_rename = allow;
        self
    }

    /// Checks everything and returns the registration.
    pub fn build(self) -> Result<ServiceRegistration, RegisterError> {
        let port = self.port.ok_or(RegisterError::MissingPort)?;
        let host = self.host.ok_or(RegisterError::MissingHost)?;
        if !in_local(&host) || host.label_count() < 2 {
            return Err(RegisterError::HostNotLocal { host });
        }
        if self.interfaces == InterfaceSelection::Only(Vec::new()) {
            return Err(RegisterError::NoInterfaces);
        }
        let base = self.service_type.without_subtype();
        let mut subs: Vec<Vec<u8>> = self
            .service_type
            .subtype()
            .map(<[u8]>::to_vec)
            .into_iter()
            .collect();
        subs.extend(self.subtypes);
        let mut subtypes: Vec<Name> = Vec::new();
        for s in subs {
            let name = base
                .clone()
                .with_subtype(&s)
                .map_err(RegisterError::Subtype)?
                .subtype_name()
                .expect("a subtype was just set");
            if !subtypes.contains(&name) {
                subtypes.push(name);
            }
        }
        if subtypes.len() > MAX_SUBTYPES {
            return Err(RegisterError::TooManySubtypes {
                count: subtypes.len(),
            });
        }
        Ok(ServiceRegistration {
            instance: self.instance,
            service_type: base,
            subtypes,
            port,
            txt: self.txt,
            host,
            interfaces: self.interfaces,
            allow_rename: self.allow_rename,
        })
    }
}

/// A host name to publish: its A and AAAA records come from the engine's interface
/// table, per interface (RFC 6762 §6.2), and follow `interface_up` / `interface_down`.
#[derive(Clone, Debug)]
pub struct HostRegistration {
    name: Name,
    interfaces: InterfaceSelection,
    allow_rename: bool,
}

impl HostRegistration {
    /// Starts building a registration of host `name` (`myhost.local.`).
    pub fn builder(name: Name) -> HostBuilder {
        HostBuilder {
            name,
            interfaces: InterfaceSelection::All,
            allow_rename: true,
        }
    }
}

/// Builds a [`HostRegistration`].
#[derive(Clone, Debug)]
#[must_use]
pub struct HostBuilder {
    name: Name,
    interfaces: InterfaceSelection,
    allow_rename: bool,
}

impl HostBuilder {
    /// The interfaces to publish on; default: all.
    pub fn interfaces(mut self, interfaces: InterfaceSelection) -> Self {
        self.interfaces = interfaces;
        self
    }

    /// Whether a conflict may rename the host (`name-2`, RFC 6762 §9); default: true.
    pub fn allow_rename(mut self, allow: bool) -> Self {
        self.allow_rename = allow;
        self
    }

    /// Checks the name: one label, then `local.`.
    pub fn build(self) -> Result<HostRegistration, RegisterError> {
        if self.name.label_count() != 2 || !in_local(&self.name) {
            return Err(RegisterError::HostNameShape { name: self.name });
        }
        if self.interfaces == InterfaceSelection::Only(Vec::new()) {
            return Err(RegisterError::NoInterfaces);
        }
        Ok(HostRegistration {
            name: self.name,
            interfaces: self.interfaces,
            allow_rename: self.allow_rename,
        })
    }
}

fn in_local(name: &Name) -> bool {
    name.labels().last().is_some_and(|l| label_eq(l, b"local"))
}

impl Engine {
    /// Publishes a service: probing starts on every selected interface that is up
    /// (RFC 6762 §8.1), then the records are announced (RFC 6762 §8.3) and answered. Events:
    /// `ProbingStarted`, then `Registered` (with the name finally used), or `Renamed` /
    /// `RegistrationFailed` on conflicts.
    pub fn register_service(
        &mut self,
        now: Instant,
        registration: ServiceRegistration,
    ) -> Result<RegistrationId, RegisterError> {
        let (mut ctx, _, responder) = self.split(now);
        responder.register_service(&mut ctx, registration)
    }

    /// Publishes a host name with the addresses of each interface (RFC 6762 §6.2).
    pub fn register_host(
        &mut self,
        now: Instant,
        registration: HostRegistration,
    ) -> Result<RegistrationId, RegisterError> {
        let (mut ctx, _, responder) = self.split(now);
        responder.register_host(&mut ctx, registration)
    }

    /// Replaces a service's TXT data and announces it again, without probing
    /// (RFC 6762 §8.4).
    pub fn update_txt(
        &mut self,
        now: Instant,
        id: RegistrationId,
        txt: Txt,
    ) -> Result<(), RegistrationError> {
        let (mut ctx, _, responder) = self.split(now);
        responder.update(&mut ctx, id, |s| s.set_txt(txt_data(&txt)))
    }

    /// Changes a service's port and announces the new SRV, without probing (RFC 6762 §8.4).
    pub fn update_port(
        &mut self,
        now: Instant,
        id: RegistrationId,
        port: u16,
    ) -> Result<(), RegistrationError> {
        let (mut ctx, _, responder) = self.split(now);
        responder.update(&mut ctx, id, |s| s.set_port(port))
    }

    /// Withdraws a registration: goodbyes (TTL 0, RFC 6762 §10.1) go out on every
    /// interface it was announced on; `Unregistered` follows once `poll_transmit` has
    /// handed them all out. A host name that registered services still point at is
    /// refused with [`RegistrationError::HostInUse`]: withdrawing its addresses would
    /// leave their SRV records pointing at a name nobody answers.
    pub fn unregister(
        &mut self,
        now: Instant,
        id: RegistrationId,
    ) -> Result<(), RegistrationError> {
        let (mut ctx, _, responder) = self.split(now);
        responder.unregister(&mut ctx, id)
    }

    /// Unregisters everything (see [`unregister`](Self::unregister)): services first,
    /// then host names.
    pub fn shutdown(&mut self, now: Instant) {
        let (mut ctx, _, responder) = self.split(now);
        let mut ids: Vec<(bool, RegistrationId)> = responder
            .registry
            .regs
            .values()
            .map(|r| (r.is_host(), r.id))
            .collect();
        crate::util::heap_sort(&mut ids);
        for (_, id) in ids {
            let _ = responder.unregister(&mut ctx, id);
        }
    }

    /// The name a registration currently holds (or is probing for).
    pub fn registered_name(&self, id: RegistrationId) -> Option<&Name> {
        self.responder.registry.regs.get(&id).map(|r| &r.name)
    }
}

fn txt_data(txt: &Txt) -> RecordData {
    let mut bytes = Vec::with_capacity(txt.encoded_len());
    txt.encode(&mut bytes);
    RecordData::Txt(SmallVec::from_vec(bytes))
}

impl Responder {
    fn register_service(
        &mut self,
        ctx: &mut Ctx<'_>,
        r: ServiceRegistration,
    ) -> Result<RegistrationId, RegisterError> {
        let full = r.full_name();
        if self.registry.name_taken(&full) {
            return Err(RegisterError::NameInUse { name: full });
        }
        let service = Service::new(
            r.instance,
            r.service_type.to_name(),
            r.subtypes,
            r.host,
            r.port,
            txt_data(&r.txt),
            &full,
        );
        self.add(
            ctx,
            full,
            Kind::Service(Box::new(service)),
            r.interfaces,
            r.allow_rename,
        )
    }

    fn register_host(
        &mut self,
        ctx: &mut Ctx<'_>,
        r: HostRegistration,
    ) -> Result<RegistrationId, RegisterError> {
        if self.registry.name_taken(&r.name) {
            return Err(RegisterError::NameInUse { name: r.name });
        }
        let kind = Kind::Host(HostRecords::new(&r.name));
        self.add(ctx, r.name, kind, r.interfaces, r.allow_rename)
    }

    fn add(
        &mut self,
        ctx: &mut Ctx<'_>,
        name: Name,
        kind: Kind,
        interfaces: InterfaceSelection,
        allow_rename: bool,
    ) -> Result<RegistrationId, RegisterError> {
        let id = self
            .registry
            .regs
            .allocate()
            .ok_or(RegisterError::TooManyRegistrations {
                limit: super::regs::MAX_REGISTRATIONS,
            })?;
        let ifaces: Vec<InterfaceId> = ctx
            .ifaces
            .iter()
            .map(|(i, _)| i)
            .filter(|i| interfaces.includes(*i))
            .collect();
        self.registry.insert(Registration {
            id,
            name: name.clone(),
            kind,
            allow_rename,
            interfaces,
            links: Vec::new(),
            registered: false,
            renames: 0,
        });
        ctx.events.push(Event::ProbingStarted { id, name });
        for iface in ifaces {
            self.start_probing(ctx, id, iface);
        }
        Ok(id)
    }

    fn update(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RegistrationId,
        f: impl FnOnce(&mut Service),
    ) -> Result<(), RegistrationError> {
        let reg = self
            .registry
            .regs
            .get_mut(&id)
            .ok_or(RegistrationError::Unknown(id))?;
        let Kind::Service(s) = &mut reg.kind else {
            return Err(RegistrationError::NotAService(id));
        };
        f(s);
        self.reannounce(ctx, id);
        Ok(())
    }

    fn unregister(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RegistrationId,
    ) -> Result<(), RegistrationError> {
        let reg = self
            .registry
            .regs
            .get(&id)
            .ok_or(RegistrationError::Unknown(id))?;
        if reg.is_host() {
            let services = self
                .registry
                .regs
                .values()
                .filter_map(Registration::service)
                .filter(|s| *s.host() == reg.name)
                .count();
            if services > 0 {
                return Err(RegistrationError::HostInUse { id, services });
            }
        }
        self.send_goodbyes(ctx, id, true);
        self.remove(id);
        Ok(())
    }
}
