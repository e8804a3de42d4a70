//! DNS-SD names and data (RFC 6763): service types, instance names, TXT records, and the
//! renaming rules used after a conflict (RFC 6762 §9).
//!
//! - [`ServiceType`]: `_http._tcp` (+ optional subtype), always in `local.`.
//! - [`InstanceName`]: the free-text `<Instance>` label, and splitting
//!   `<Instance>.<Service>.local.` back apart.
//! - [`Txt`] / [`TxtEntry`]: `key=value` attributes, validated when built, read
//!   leniently when received.
//! - [`next_service_name`] / [`next_host_label`]: `Name (2)` and `name-2`.
//!
//! Each type has its own error enum ([`ServiceTypeError`], [`InstanceNameError`],
//! [`TxtError`]) with a `Display` message naming what is wrong and where.

mod instance;
mod rename;
mod service_type;
mod txt;

pub use instance::{InstanceName, InstanceNameError};
pub use rename::{next_host_label, next_service_name};
pub use service_type::{
    service_enumeration_name, Protocol, ServiceType, ServiceTypeError, MAX_STRICT_SERVICE_LEN,
};
pub use txt::{Txt, TxtBuilder, TxtEntry, TxtError, MAX_ENTRY_LEN, MAX_RDATA_LEN};
