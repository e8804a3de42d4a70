//! [`Tracker`]: registrations and discoveries as the engines report them, and the
//! invariants checked on them (names unique once probing settled, every live service
//! found and resolved within a bound, departures reported within a bound).

use super::collect;
use crate::types::{Departure, HostId};
use core::time::Duration;
use mdns_sansio::engine::{RegistrationFailure, RegistrationId};
use mdns_sansio::name::Name;
use mdns_sansio::{Event, Instant};
use std::collections::{BTreeMap, HashMap};

/// Where a registration stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegState {
    /// Probing (first time or after a rename).
    Probing,
    /// Published under its name.
    Registered,
    /// Gave up.
    Failed(RegistrationFailure),
    /// Withdrawn (goodbyes sent).
    Unregistered,
}

/// One registration as seen from its host's events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    /// The host that made it.
    pub host: HostId,
    /// Its id on that host.
    pub id: RegistrationId,
    /// The name it has (or is probing for).
    pub name: Name,
    /// Where it stands.
    pub state: RegState,
    /// When it got to that state.
    pub since: Instant,
    /// How many times it was renamed.
    pub renames: u32,
    /// When it was registered under its current name.
    pub registered_at: Option<Instant>,
}

/// What one host has seen of one service instance. Times in milliseconds;
/// `u32::MAX` means never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    /// When it was last found (went from unseen to seen).
    pub found_ms: u32,
    /// When it was first found.
    pub first_found_ms: u32,
    /// When it was first resolved.
    pub first_resolved_ms: u32,
    /// When it was first resolved since it was last found or lost.
    pub resolved_ms: u32,
    /// When a resolve last reported an update.
    pub updated_ms: u32,
    /// When it was last removed (went from seen to unseen).
    pub removed_ms: u32,
    /// When a resolve last reported it lost.
    pub lost_ms: u32,
    /// How many (browse, interface) pairs see it now.
    pub seen_by: u16,
}

const NEVER: u32 = u32::MAX;

impl Default for Seen {
    fn default() -> Self {
        Seen {
            found_ms: NEVER,
            first_found_ms: NEVER,
            first_resolved_ms: NEVER,
            resolved_ms: NEVER,
            updated_ms: NEVER,
            removed_ms: NEVER,
            lost_ms: NEVER,
            seen_by: 0,
        }
    }
}

fn ms(t: Instant) -> u32 {
    u32::try_from(t.as_millis()).unwrap_or(NEVER - 1)
}

fn at_ms(m: u32) -> Instant {
    Instant::from_millis(u64::from(m))
}

/// Follows registrations and discoveries through events.
#[derive(Debug, Default)]
pub struct Tracker {
    regs: BTreeMap<(HostId, RegistrationId), Registration>,
    gone: BTreeMap<HostId, (Instant, Departure)>,
    instance_ids: HashMap<Name, u32>,
    instances: Vec<Name>,
    /// Per host, per instance id.
    seen: Vec<Vec<Seen>>,
    /// (host, instance id) → (when, TXT rdata) of the last resolve or update.
    txt: HashMap<(u32, u32), (Instant, Vec<u8>)>,
    /// (host, name) → when the host's registration gave the name up (renamed).
    released: HashMap<(HostId, Name), Instant>,
}

impl Tracker {
    pub(crate) fn add_host(&mut self) {
        self.seen.push(Vec::new());
    }

    pub(crate) fn on_gone(&mut self, now: Instant, host: HostId, how: Departure) {
        self.gone.entry(host).or_insert((now, how));
    }

    fn instance(&mut self, name: &Name) -> u32 {
        if let Some(&i) = self.instance_ids.get(name) {
            return i;
        }
        let i = self.instances.len() as u32;
        self.instances.push(name.clone());
        self.instance_ids.insert(name.clone(), i);
        i
    }

    fn seen_mut(&mut self, host: HostId, name: &Name) -> &mut Seen {
        let i = self.instance(name) as usize;
        let v = &mut self.seen[host.0 as usize];
        if v.len() <= i {
            v.resize(i + 1, Seen::default());
        }
        &mut v[i]
    }

    pub(crate) fn on_event(&mut self, now: Instant, host: HostId, event: &Event) {
        let t = ms(now);
        match event {
            Event::ProbingStarted { id, name } => {
                let r = self
                    .regs
                    .entry((host, *id))
                    .or_insert_with(|| Registration {
                        host,
                        id: *id,
                        name: name.clone(),
                        state: RegState::Probing,
                        since: now,
                        renames: 0,
                        registered_at: None,
                    });
                r.name = name.clone();
                r.state = RegState::Probing;
                r.since = now;
            }
            Event::Registered { id, name } => {
                let r = self.reg(host, *id, name, now);
                r.name = name.clone();
                r.state = RegState::Registered;
                r.since = now;
                r.registered_at = Some(now);
            }
            Event::Renamed { id, from, to } => {
                self.released.insert((host, from.clone()), now);
                let r = self.reg(host, *id, to, now);
                r.name = to.clone();
                r.state = RegState::Probing;
                r.since = now;
                r.renames += 1;
                r.registered_at = None;
            }
            Event::RegistrationFailed { id, reason } => {
                if let Some(r) = self.regs.get_mut(&(host, *id)) {
                    r.state = RegState::Failed(reason.clone());
                    r.since = now;
                }
            }
            Event::Unregistered { id } => {
                if let Some(r) = self.regs.get_mut(&(host, *id)) {
                    r.state = RegState::Unregistered;
                    r.since = now;
                }
            }
            Event::ServiceFound { instance, .. } => {
                let s = self.seen_mut(host, instance);
                if s.seen_by == 0 {
                    s.found_ms = t;
                }
                if s.first_found_ms == NEVER {
                    s.first_found_ms = t;
                }
                s.seen_by = s.seen_by.saturating_add(1);
            }
            Event::ServiceRemoved { instance, .. } => {
                let s = self.seen_mut(host, instance);
                if s.seen_by > 0 {
                    s.seen_by -= 1;
                    if s.seen_by == 0 {
                        s.removed_ms = t;
                    }
                }
            }
            Event::ServiceResolved { service, .. } => {
                let i = self.instance(&service.instance);
                self.txt.insert((host.0, i), (now, service.txt.clone()));
                let s = self.seen_mut(host, &service.instance);
                if s.resolved_ms == NEVER {
                    s.resolved_ms = t;
                }
                if s.first_resolved_ms == NEVER {
                    s.first_resolved_ms = t;
                }
            }
            Event::ServiceUpdated { service, .. } => {
                let i = self.instance(&service.instance);
                self.txt.insert((host.0, i), (now, service.txt.clone()));
                self.seen_mut(host, &service.instance).updated_ms = t;
            }
            Event::ServiceLost { instance, .. } => {
                let s = self.seen_mut(host, instance);
                s.lost_ms = t;
                s.resolved_ms = NEVER;
            }
            _ => {}
        }
    }

    fn reg(
        &mut self,
        host: HostId,
        id: RegistrationId,
        name: &Name,
        now: Instant,
    ) -> &mut Registration {
        self.regs.entry((host, id)).or_insert_with(|| Registration {
            host,
            id,
            name: name.clone(),
            state: RegState::Probing,
            since: now,
            renames: 0,
            registered_at: None,
        })
    }

    /// Every registration seen, by host and id.
    pub fn registrations(&self) -> impl Iterator<Item = &Registration> + '_ {
        self.regs.values()
    }

    /// When and how a host went away.
    pub fn departure(&self, host: HostId) -> Option<(Instant, Departure)> {
        self.gone.get(&host).copied()
    }

    /// What `host` has seen of `instance`.
    pub fn seen(&self, host: HostId, instance: &Name) -> Seen {
        self.instance_ids
            .get(instance)
            .and_then(|&i| self.seen.get(host.0 as usize)?.get(i as usize).copied())
            .unwrap_or_default()
    }

    /// The TXT rdata `host` last got for `instance` from a resolve (resolved or
    /// updated), and when.
    pub fn last_txt(&self, host: HostId, instance: &Name) -> Option<(Instant, &[u8])> {
        let i = *self.instance_ids.get(instance)?;
        self.txt.get(&(host.0, i)).map(|(t, d)| (*t, d.as_slice()))
    }

    /// Every running browser in `browsers` (other than the publisher) has been told
    /// `txt` (TXT rdata as on the wire) for `instance` by a resolve by `deadline`, and
    /// nothing since. Not judged before `deadline`.
    pub fn check_txt(
        &self,
        browsers: &[HostId],
        instance: &Name,
        txt: &[u8],
        deadline: Instant,
        now: Instant,
    ) -> Result<(), String> {
        if deadline > now {
            return Ok(());
        }
        let mut errors = Vec::new();
        for &b in browsers.iter().filter(|&&b| self.live(b)) {
            match self.last_txt(b, instance) {
                Some((t, d)) if d == txt && t <= deadline => {}
                Some((t, d)) => errors.push(format!(
                    "{b}: last TXT of {instance} is {d:?} (at {t:?}), want {txt:?} by {deadline:?}"
                )),
                None => errors.push(format!("{b}: never resolved {instance}")),
            }
        }
        collect(errors)
    }

    fn live(&self, host: HostId) -> bool {
        !self.gone.contains_key(&host)
    }

    /// Registrations of running hosts that are published now.
    pub fn live_registered(&self) -> impl Iterator<Item = &Registration> + '_ {
        self.regs
            .values()
            .filter(|r| self.live(r.host) && r.state == RegState::Registered)
    }

    /// Once probing has settled: every registration of a running host is registered
    /// (none still probing, none failed), and no two of them have the same name
    /// (names compare case-insensitively).
    pub fn check_names(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        let mut owners: BTreeMap<String, Vec<&Registration>> = BTreeMap::new();
        for r in self.regs.values().filter(|r| self.live(r.host)) {
            match &r.state {
                RegState::Registered => owners
                    .entry(r.name.to_string().to_ascii_lowercase())
                    .or_default()
                    .push(r),
                RegState::Probing => errors.push(format!(
                    "{} registration {:?} still probing for {} (since {:?})",
                    r.host, r.id, r.name, r.since
                )),
                RegState::Failed(why) => errors.push(format!(
                    "{} registration {:?} failed: {why:?} (last name {})",
                    r.host, r.id, r.name
                )),
                RegState::Unregistered => {}
            }
        }
        for (name, rs) in owners {
            if rs.len() > 1 {
                let who: Vec<String> = rs.iter().map(|r| r.host.to_string()).collect();
                errors.push(format!("{name} is owned by {}", who.join(", ")));
            }
        }
        collect(errors)
    }

    /// Every registered service of type `service_type` (its name's parent) on a
    /// running host has been found by every browser in `browsers` — and resolved, if
    /// `resolved`, by every browser but its publisher — within `bound` of the later of `since` (when browsing began) and
    /// its registration, and is still seen now. Services whose deadline is after `now`
    /// are not judged yet.
    pub fn check_discovery(
        &self,
        browsers: &[HostId],
        service_type: &Name,
        since: Instant,
        bound: Duration,
        resolved: bool,
        now: Instant,
    ) -> Result<(), String> {
        self.check_discovery_ext(browsers, service_type, since, bound, resolved, true, now)
    }

    /// [`check_discovery`](Self::check_discovery) with `steady` chosen (see
    /// [`check_found`](Self::check_found): on a lossy link, a browser may rightly drop
    /// a live service for a while).
    #[allow(clippy::too_many_arguments)]
    pub fn check_discovery_ext(
        &self,
        browsers: &[HostId],
        service_type: &Name,
        since: Instant,
        bound: Duration,
        resolved: bool,
        steady: bool,
        now: Instant,
    ) -> Result<(), String> {
        // The publisher itself must find its service but need not resolve it.
        let mut errors = Vec::new();
        for r in self
            .live_registered()
            .filter(|r| r.name.parent() == *service_type)
        {
            let start = since.max(r.registered_at.unwrap_or(r.since));
            let live = [(r.name.clone(), start)];
            let (mut plain, mut renamed) = (Vec::new(), Vec::new());
            for &b in browsers.iter().filter(|&&b| b != r.host) {
                // A browser that held the name itself only looks for it once it let
                // it go.
                match self.released.get(&(b, r.name.clone())) {
                    Some(&t) if t > start => renamed.push((b, t)),
                    _ => plain.push(b),
                }
            }
            if let Err(e) = self.check_found_ext(&plain, &live, bound, resolved, steady, now) {
                errors.push(e);
            }
            for (b, t) in renamed {
                let live = [(r.name.clone(), t)];
                if let Err(e) = self.check_found_ext(&[b], &live, bound, resolved, steady, now) {
                    errors.push(e);
                }
            }
            if browsers.contains(&r.host) {
                if let Err(e) = self.check_found_ext(&[r.host], &live, bound, false, steady, now) {
                    errors.push(e);
                }
            }
        }
        collect(errors)
    }

    /// Every instance in `live` (name, and when it could first be found) has been
    /// found by every running browser in `browsers` — and resolved, if `resolved` —
    /// within `bound` of that time. With `steady`, it must also be seen (and, with
    /// `resolved`, resolved) now: on a lossy link that is too strong, since passive
    /// observation of failures (RFC 6762 §10.5) rightly drops records whose answers
    /// were lost. Instances whose deadline is after `now` are not judged yet. (For
    /// services published by something other than an engine's responder.)
    pub fn check_found(
        &self,
        browsers: &[HostId],
        live: &[(Name, Instant)],
        bound: Duration,
        resolved: bool,
        now: Instant,
    ) -> Result<(), String> {
        self.check_found_ext(browsers, live, bound, resolved, true, now)
    }

    /// [`check_found`](Self::check_found) with `steady` chosen.
    pub fn check_found_ext(
        &self,
        browsers: &[HostId],
        live: &[(Name, Instant)],
        bound: Duration,
        resolved: bool,
        steady: bool,
        now: Instant,
    ) -> Result<(), String> {
        let mut errors = Vec::new();
        for (name, start) in live {
            let deadline = *start + bound;
            if deadline > now {
                continue;
            }
            for &b in browsers.iter().filter(|&&b| self.live(b)) {
                let s = self.seen(b, name);
                if s.first_found_ms == NEVER || at_ms(s.first_found_ms) > deadline {
                    errors.push(format!(
                        "{b} had not found {name} (available from {start:?}) by {deadline:?}{}",
                        if s.first_found_ms == NEVER {
                            String::new()
                        } else {
                            format!(", found at {} ms", s.first_found_ms)
                        }
                    ));
                } else if resolved
                    && (s.first_resolved_ms == NEVER || at_ms(s.first_resolved_ms) > deadline)
                {
                    errors.push(format!("{b} had not resolved {name} by {deadline:?}"));
                } else if steady && s.seen_by == 0 {
                    errors.push(format!(
                        "{b} found {name} but then removed it at {} ms although it is live",
                        s.removed_ms
                    ));
                } else if steady && resolved && s.resolved_ms == NEVER {
                    errors.push(format!(
                        "{b} resolved {name} but then lost it at {} ms although it is live",
                        s.lost_ms
                    ));
                }
            }
        }
        collect(errors)
    }

    /// Every instance in `gone` (name, when it went away, and the bound) that a
    /// running browser in `browsers` had found has been reported removed by it within
    /// the bound. Departures whose deadline is after `now` are not judged yet.
    pub fn check_removed(
        &self,
        browsers: &[HostId],
        gone: &[(Name, Instant, Duration)],
        now: Instant,
    ) -> Result<(), String> {
        let mut errors = Vec::new();
        for (name, left, bound) in gone {
            let deadline = *left + *bound;
            if deadline > now {
                continue;
            }
            for &b in browsers.iter().filter(|&&b| self.live(b)) {
                let s = self.seen(b, name);
                if s.found_ms == NEVER {
                    continue;
                }
                if s.seen_by > 0 {
                    errors.push(format!(
                        "{b} still sees {name} (gone at {left:?}, deadline {deadline:?})"
                    ));
                } else if at_ms(s.removed_ms) > deadline {
                    errors.push(format!(
                        "{b} removed {name} only at {} ms (gone at {left:?}, deadline {deadline:?})",
                        s.removed_ms
                    ));
                }
            }
        }
        collect(errors)
    }

    /// Every service of type `service_type` whose host crashed or left, or that was
    /// unregistered, and that a browser in `browsers` had found, has been reported
    /// removed by that browser within `goodbye_bound` of a graceful departure or
    /// `crash_bound` of a crash. Departures whose deadline is after `now` are not
    /// judged yet.
    pub fn check_departures(
        &self,
        browsers: &[HostId],
        service_type: &Name,
        goodbye_bound: Duration,
        crash_bound: Duration,
        now: Instant,
    ) -> Result<(), String> {
        let mut errors = Vec::new();
        for r in self.regs.values() {
            if r.name.parent() != *service_type
                || r.registered_at.is_none() && r.state != RegState::Unregistered
            {
                continue;
            }
            let (left, bound, how) = match (self.gone.get(&r.host), &r.state) {
                (Some(&(t, Departure::Crash)), _) => (t, crash_bound, "crashed"),
                (Some(&(t, Departure::Leave)), _) => (t, goodbye_bound, "left"),
                (None, RegState::Unregistered) => (r.since, goodbye_bound, "unregistered"),
                _ => continue,
            };
            let deadline = left + bound;
            if deadline > now {
                continue;
            }
            for &b in browsers.iter().filter(|&&b| self.live(b) && b != r.host) {
                let s = self.seen(b, &r.name);
                if s.found_ms == NEVER {
                    continue;
                }
                if s.seen_by > 0 {
                    errors.push(format!(
                        "{b} still sees {} ({} {how} at {left:?}, deadline {deadline:?})",
                        r.name, r.host
                    ));
                } else if at_ms(s.removed_ms) > deadline {
                    errors.push(format!(
                        "{b} removed {} only at {} ms ({} {how} at {left:?}, deadline {deadline:?})",
                        r.name, s.removed_ms, r.host
                    ));
                }
            }
        }
        collect(errors)
    }
}

impl Tracker {
    /// Every service of type `service_type` whose host crashed, and that a browser in
    /// `browsers` had resolved, has been reported lost (its SRV record expired,
    /// `ServiceLost`) or removed by that browser within `bound` of the crash
    /// (the SRV's TTL plus a second). Not judged before the deadline.
    pub fn check_crash_lost(
        &self,
        browsers: &[HostId],
        service_type: &Name,
        bound: Duration,
        now: Instant,
    ) -> Result<(), String> {
        let mut errors = Vec::new();
        for r in self.regs.values() {
            if r.name.parent() != *service_type || r.registered_at.is_none() {
                continue;
            }
            let Some(&(left, Departure::Crash)) = self.gone.get(&r.host) else {
                continue;
            };
            let deadline = left + bound;
            if deadline > now {
                continue;
            }
            for &b in browsers.iter().filter(|&&b| self.live(b) && b != r.host) {
                let s = self.seen(b, &r.name);
                if s.first_resolved_ms == NEVER {
                    continue;
                }
                // Lost (and not resolved since), or removed; a loss before the
                // crash counts (the browser had already dropped it).
                let lost = (s.resolved_ms == NEVER && s.lost_ms != NEVER).then_some(s.lost_ms);
                let removed = (s.seen_by == 0 && s.removed_ms != NEVER).then_some(s.removed_ms);
                let dropped = [lost, removed].into_iter().flatten().min();
                match dropped {
                    Some(m) if at_ms(m) <= deadline => {}
                    Some(m) => errors.push(format!(
                        "{b} dropped {} only at {m} ms ({} crashed at {left:?}, deadline {deadline:?})",
                        r.name, r.host
                    )),
                    None => errors.push(format!(
                        "{b} still has {} ({} crashed at {left:?}, deadline {deadline:?})",
                        r.name, r.host
                    )),
                }
            }
        }
        collect(errors)
    }
}
