//! Subtypes of a live service (RFC 6763 §7.1): added and removed while it is
//! registered, as a Matter device does with `_CM` when its commissioning window opens
//! and closes.
//!
//! - Adding one lists the service under the new subtype name and announces it
//!   (RFC 6762 §8.3, as after an update, RFC 6762 §8.4: no probe, the PTR is shared)
//!   where the service is established; where it is still probing, the announcement
//!   that ends probing carries it.
//! - Removing one sends a goodbye for that PTR (TTL 0, RFC 6762 §10.1) on every
//!   interface it was announced on, and stops answering for it. The PTRs of the other
//!   subtypes are known by their index: the pending answers and multicast times of the
//!   later ones move down with them, and those of the removed one are dropped.
//!
//! Neither touches the unique records (SRV, TXT): no probing, no rename.

use super::job::{GoodbyeJob, Job, OwnedRec};
use super::registration::Kind;
use super::schedule::shift_ptr;
use super::{families, Responder, MAX_SUBTYPES};
use crate::engine::event::RegistrationId;
use crate::engine::responder::RegistrationError;
use crate::engine::{Ctx, Engine};
use crate::name::Name;
use crate::sd::ServiceType;
use crate::time::Instant;

impl Engine {
    /// Lists registered service `id` under one more subtype (`_printer`, RFC 6763 §7.1)
    /// and announces it (RFC 6762 §8.3). Adding a subtype it has already is a no-op.
    /// Errors: no such service, a bad subtype label, or [`MAX_SUBTYPES`] reached.
    pub fn add_subtype(
        &mut self,
        now: Instant,
        id: RegistrationId,
        subtype: impl AsRef<[u8]>,
    ) -> Result<(), RegistrationError> {
        let (mut ctx, _, responder) = self.split(now);
        responder.add_subtype(&mut ctx, id, subtype.as_ref())
    }

    /// Stops listing registered service `id` under a subtype: a goodbye for its PTR
    /// (RFC 6762 §10.1) goes out wherever it was announced. Removing a subtype it does
    /// not have is a no-op. Errors: no such service, a bad subtype label.
    pub fn remove_subtype(
        &mut self,
        now: Instant,
        id: RegistrationId,
        subtype: impl AsRef<[u8]>,
    ) -> Result<(), RegistrationError> {
        let (mut ctx, _, responder) = self.split(now);
        responder.remove_subtype(&mut ctx, id, subtype.as_ref())
    }

    /// The subtype names (`_printer._sub._http._tcp.local.`) service `id` is listed
    /// under now; `None` if it is not a registered service.
    pub fn subtypes(&self, id: RegistrationId) -> Option<&[Name]> {
        self.responder
            .registry
            .regs
            .get(&id)?
            .service()
            .map(|s| s.subtypes())
    }
}

impl Responder {
    /// The subtype name of `subtype` for service `id`, and its index in the service's
    /// list if it has it.
    fn subtype_name(
        &self,
        id: RegistrationId,
        subtype: &[u8],
    ) -> Result<(Name, Option<usize>), RegistrationError> {
        let reg = self
            .registry
            .regs
            .get(&id)
            .ok_or(RegistrationError::Unknown(id))?;
        let Kind::Service(s) = &reg.kind else {
            return Err(RegistrationError::NotAService(id));
        };
        let name = ServiceType::from_name(s.type_name())
            .and_then(|t| t.with_subtype(subtype))
            .map_err(RegistrationError::Subtype)?
            .subtype_name()
            .expect("a subtype was just set");
        let at = s.subtypes().iter().position(|n| *n == name);
        Ok((name, at))
    }

    fn add_subtype(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RegistrationId,
        subtype: &[u8],
    ) -> Result<(), RegistrationError> {
        let (name, at) = self.subtype_name(id, subtype)?;
        if at.is_some() {
            return Ok(());
        }
        self.edit_service(id, |s| {
            if s.subtypes().len() >= MAX_SUBTYPES {
                return Err(RegistrationError::TooManySubtypes(id));
            }
            s.push_subtype(name);
            Ok(())
        })?;
        // Announced with the service's other records, twice, where it is established.
        self.reannounce(ctx, id);
        Ok(())
    }

    fn remove_subtype(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RegistrationId,
        subtype: &[u8],
    ) -> Result<(), RegistrationError> {
        let (name, at) = self.subtype_name(id, subtype)?;
        let Some(at) = at else {
            return Ok(());
        };
        // Goodbyes first, where the PTR was announced (RFC 6762 §10.1).
        let reg = &self.registry.regs[&id];
        let ptr = reg.service().map(|s| s.ptr().clone());
        let announced: alloc::vec::Vec<_> = reg
            .links
            .iter()
            .filter(|l| l.announced)
            .map(|l| l.iface)
            .collect();
        if let Some(data) = ptr {
            for iface in announced {
                for family in families(ctx, iface) {
                    self.outbox.push_back(Job::Goodbye(GoodbyeJob {
                        iface,
                        family,
                        records: alloc::vec![OwnedRec {
                            name: name.clone(),
                            data: data.clone(),
                            unique: false,
                        }],
                        notify: alloc::vec::Vec::new(),
                    }));
                }
            }
        }
        self.edit_service(id, |s| {
            s.remove_subtype(at);
            Ok(())
        })?;
        // PTR index 0 is the type's; subtype `at` is PTR `at + 1`.
        let index = u8::try_from(at + 1).expect("at most MAX_SUBTYPES subtypes");
        self.sched.remove_ptr(id, index);
        for job in &mut self.outbox {
            if let Job::Response(r) = job {
                r.answers.retain_mut(|k| shift_ptr(k, id, index));
                r.additionals.retain_mut(|k| shift_ptr(k, id, index));
            }
        }
        Ok(())
    }

    /// Changes service `id` with it out of the name index, then indexes it again (its
    /// subtype names are index entries).
    fn edit_service(
        &mut self,
        id: RegistrationId,
        f: impl FnOnce(&mut super::registration::Service) -> Result<(), RegistrationError>,
    ) -> Result<(), RegistrationError> {
        self.registry.unindex(id);
        let r = match self.registry.regs.get_mut(&id).map(|r| &mut r.kind) {
            Some(Kind::Service(s)) => f(s),
            _ => Err(RegistrationError::NotAService(id)),
        };
        self.registry.reindex(id);
        r
    }
}
