//! The subcommands, each a loop over the blocking adapter's events that prints lines
//! until its deadline, the end of its answers, or a stop request (SIGINT / SIGTERM;
//! Ctrl-C, Ctrl-Break or a console close on Windows: see `signals`).
//!
//! With `--domain` (other than `local`), browse, resolve, register, lookup, types and
//! domains go to the domain's DNS servers (`--server`, else the system's): the same
//! lines, with the domain and the interface `dns`. A server that does not answer is
//! said (`mdns: <name> <type>: no answer from <servers> ...`) and waited for; a
//! registration refused (a key the server rejects, a zone's policy) ends the command
//! with the server's reason, naming the key, never showing its secret.

use crate::args::{Command, Common, Dns, Prefer};
use crate::control::{self, Control};
use crate::output::{Line, Printer, Resolved, LOCAL};
use mdns_blocking::{
    AnswerRecord, BackendError, BrowseEvent, DomainConfig, DomainEvent, Error, InterfaceId,
    InterfaceSelector, Mdns, MdnsConfig, Name, PreferFamily, Reconfirmation, Registration,
    RegistrationEvent, ResolvedService, ServiceInfo, TsigKey, Txt, TypeEvent, UnicastError,
    UpdateError, UNICAST_DNS,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one-shot commands (resolve, lookup) wait when no `--timeout` is given.
const DEFAULT_ONE_SHOT_TIMEOUT: Duration = Duration::from_secs(5);
/// How often a waiting loop checks for a termination signal.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// Runs a command; the error is the message to print.
pub fn run(command: Command, printer: &Printer) -> Result<(), String> {
    let common = command.common().clone();
    let stop = Arc::new(AtomicBool::new(false));
    crate::signals::install(&stop).map_err(|e| format!("cannot install a signal handler: {e}"))?;
    let key = match &command {
        Command::Register {
            tsig_key: Some(path),
            ..
        } => Some(read_key(path)?),
        _ => None,
    };
    let mut config = config_from(&common, command.dns(), key);
    if let Command::Register {
        lease: Some(secs), ..
    } = &command
    {
        let mut unicast = config.unicast_config();
        unicast.lease = Duration::from_secs(u64::from(*secs));
        config.unicast = Some(unicast);
    }
    let domain = command.dns().and_then(Dns::unicast_domain).cloned();
    if let Command::Register {
        host: Some(host), ..
    } = &command
    {
        if domain.is_none() {
            config.host_name = Some(host.on_link()?);
        }
    }
    let mdns = Mdns::new(config).map_err(|e| e.to_string())?;
    let mut cx = Context {
        mdns: &mdns,
        printer,
        stop: &stop,
        deadline: common
            .timeout
            .map(|s| Instant::now() + Duration::from_secs_f64(s)),
        names: BTreeMap::new(),
        domain: domain.clone(),
        servers: command.dns().map(|d| d.servers.clone()).unwrap_or_default(),
    };
    let result = match command {
        Command::Browse {
            service_type,
            resolve,
            live,
            ..
        } => {
            let live = crate::live::wanted(live, common.json);
            cx.browse(&service_type, resolve || live, live)
        }
        Command::Resolve {
            instance,
            service_type,
            reconfirm,
            ..
        } => {
            let timeout = cx.one_shot_timeout();
            let reply = match &domain {
                None => mdns.resolve(&instance, &service_type, timeout),
                Some(d) => mdns.resolve_in(&instance, &service_type, d, timeout),
            };
            match reply.wait() {
                Ok(s) => {
                    let line = cx.resolved_line(&s);
                    printer.print(&line);
                    if reconfirm {
                        cx.reconfirm(&s)
                    } else {
                        Ok(())
                    }
                }
                Err(Error::Timeout) => Err(format!(
                    "could not resolve \"{instance}\" {service_type} in {} within {} s{}",
                    cx.domain_text(),
                    timeout.as_secs_f64(),
                    cx.asked()
                )),
                Err(e) => Err(format!(
                    "could not resolve \"{instance}\" {service_type} in {}: {e}",
                    cx.domain_text()
                )),
            }
        }
        Command::Register {
            instance,
            service_type,
            port,
            txt,
            subtypes,
            host,
            stdin,
            ..
        } => {
            let mut record = Txt::new();
            for entry in txt {
                record.push(entry).map_err(|e| e.to_string())?;
            }
            let mut builder =
                ServiceInfo::builder(instance.as_str(), &service_type.to_string(), port)
                    .txt_record(record);
            for sub in &subtypes {
                builder = builder.subtype(sub.as_bytes());
            }
            if let Some(d) = &domain {
                builder = builder.domain(d.clone());
                if let Some(h) = &host {
                    builder = builder.host_name(h.in_domain(d)?);
                }
            }
            let info = builder.build().map_err(|e| e.to_string())?;
            cx.register(info, stdin)
        }
        Command::Lookup { host, .. } => {
            let timeout = cx.one_shot_timeout();
            let host = match &domain {
                None => host.on_link()?,
                Some(d) => host.in_domain(d)?,
            };
            match mdns.lookup_host(&host, timeout).wait() {
                Ok(addrs) => {
                    for (addr, i) in addrs.addresses {
                        let line = Line::Address {
                            host: host.to_string(),
                            addr,
                            interface: cx.interface_name(i),
                        };
                        printer.print(&line);
                    }
                    Ok(())
                }
                Err(Error::Timeout) => Err(format!(
                    "no address for {host} within {} s{}",
                    timeout.as_secs_f64(),
                    cx.asked()
                )),
                Err(e) => Err(format!("no address for {host}: {e}")),
            }
        }
        Command::Types { .. } => cx.types(),
        Command::Domains { .. } => cx.domains(),
        Command::Query { name, rtype, .. } => cx.query(&name, rtype),
    };
    // Goodbyes (and DNS deletes) for anything still registered, then the service
    // thread ends.
    let shut = mdns.shutdown().map_err(|e| e.to_string());
    result.and(shut)
}

/// Reads the first key of a BIND key file. The messages name the file and the key,
/// never the secret.
fn read_key(path: &Path) -> Result<TsigKey, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the TSIG key file {}: {e}", path.display()))?;
    let mut keys = TsigKey::parse_bind(&text)
        .map_err(|e| format!("the TSIG key file {}: {e}", path.display()))?;
    Ok(keys.remove(0))
}

fn config_from(common: &Common, dns: Option<&Dns>, key: Option<TsigKey>) -> MdnsConfig {
    let selectors = |list: &[String]| list.iter().map(|s| InterfaceSelector::parse(s)).collect();
    let config = MdnsConfig {
        interfaces: selectors(&common.interfaces),
        exclude_interfaces: selectors(&common.exclude),
        skip_virtual_interfaces: !common.include_virtual,
        ipv4: !common.ipv6_only,
        ipv6: !common.ipv4_only,
        prefer_family: match common.prefer {
            Prefer::Ipv4 => PreferFamily::Ipv4,
            Prefer::Ipv6 => PreferFamily::Ipv6,
        },
        ..MdnsConfig::default()
    };
    match dns.and_then(|d| d.unicast_domain().map(|n| (d, n))) {
        Some((dns, domain)) if !dns.servers.is_empty() || key.is_some() => {
            let mut dc = DomainConfig::new(domain.clone(), dns.servers.clone());
            dc.key = key;
            config.with_unicast_domain(dc)
        }
        _ => config,
    }
}

/// What every loop needs.
struct Context<'a> {
    mdns: &'a Mdns,
    printer: &'a Printer,
    stop: &'a AtomicBool,
    deadline: Option<Instant>,
    names: BTreeMap<InterfaceId, String>,
    /// The DNS domain asked, if not `local.`.
    domain: Option<Name>,
    /// Its servers, if given (else the system's).
    servers: Vec<std::net::SocketAddr>,
}

/// What waiting for the next event gave.
enum Wait<E> {
    Event(E),
    /// Deadline passed or a signal came: finish normally.
    Done,
    /// The stream ended (the service shut down or the query finished).
    Ended,
    /// Nothing yet (only from `wait_once`).
    Idle,
}

impl Context<'_> {
    fn domain_text(&self) -> String {
        self.domain
            .as_ref()
            .map_or_else(|| LOCAL.to_string(), |d| d.to_string())
    }

    /// Who a unicast request waited for, for a message: ` (asked 192.0.2.53:53)`.
    fn asked(&self) -> String {
        if self.domain.is_none() {
            return String::new();
        }
        if self.servers.is_empty() {
            return " (asked the system's DNS servers)".into();
        }
        let list: Vec<String> = self.servers.iter().map(|s| s.to_string()).collect();
        format!(" (asked {})", list.join(", "))
    }

    fn one_shot_timeout(&self) -> Duration {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
            .unwrap_or(DEFAULT_ONE_SHOT_TIMEOUT)
    }

    /// Waits for the next event, checking for signals and the deadline.
    fn wait<E>(
        &self,
        mut recv: impl FnMut(Duration) -> Result<E, Error>,
    ) -> Result<Wait<E>, String> {
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Ok(Wait::Done);
            }
            let slice = match self.deadline {
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left.min(SIGNAL_CHECK),
                    _ => return Ok(Wait::Done),
                },
                None => SIGNAL_CHECK,
            };
            match recv(slice) {
                Ok(e) => return Ok(Wait::Event(e)),
                Err(Error::Timeout) => {}
                Err(Error::Shutdown) => return Ok(Wait::Ended),
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    fn interface_name(&mut self, id: InterfaceId) -> String {
        if id == UNICAST_DNS {
            return "dns".into();
        }
        if !self.names.contains_key(&id) {
            if let Ok(list) = self.mdns.interfaces().wait() {
                for i in list {
                    self.names.insert(i.id, i.interface.name.clone());
                }
            }
        }
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.0.to_string())
    }

    fn resolved_line(&mut self, s: &ResolvedService) -> Line {
        let addresses = s
            .addresses
            .iter()
            .map(|(a, i)| (*a, self.interface_name(*i)))
            .collect();
        Line::Resolved(Resolved {
            name: s.instance.as_str().to_string(),
            service_type: s.service_type.to_string(),
            domain: self.domain_text(),
            host: s.host.to_string(),
            port: s.port,
            addresses,
            txt: txt_entries(&s.txt),
        })
    }

    fn browse(
        &mut self,
        ty: &mdns_blocking::ServiceType,
        resolve: bool,
        live: bool,
    ) -> Result<(), String> {
        let browser = match (&self.domain, resolve) {
            (None, false) => self.mdns.browse(ty),
            (None, true) => self.mdns.browse_resolving(ty),
            (Some(d), false) => self.mdns.browse_in(ty, d),
            (Some(d), true) => self.mdns.browse_resolving_in(ty, d),
        }
        .wait()
        .map_err(|e| e.to_string())?;
        if live {
            let title = format!("mdns browse {ty} in {}", self.domain_text());
            let (stop, deadline) = (self.stop, self.deadline);
            return crate::live::browse(&browser, &title, stop, deadline, |i| {
                self.interface_name(i)
            });
        }
        while let Wait::Event(ev) = self.wait(|t| browser.recv_timeout(t))? {
            let line = match ev {
                BrowseEvent::Found {
                    instance,
                    service_type,
                    interface,
                } => Line::Found {
                    name: instance.as_str().to_string(),
                    service_type: service_type.to_string(),
                    domain: self.domain_text(),
                    interface: self.interface_name(interface),
                },
                BrowseEvent::Removed {
                    instance,
                    service_type,
                    interface,
                } => Line::Removed {
                    name: instance.as_str().to_string(),
                    service_type: service_type.to_string(),
                    domain: self.domain_text(),
                    interface: self.interface_name(interface),
                },
                BrowseEvent::Resolved(s) | BrowseEvent::Updated(s) => self.resolved_line(&s),
                BrowseEvent::ServerError(e) => Line::Warning(e.to_string()),
                BrowseEvent::EventsDropped { count } => {
                    // A flood of instances outran the output: say so, go on.
                    eprintln!("mdns: {count} browse events dropped (output fell behind)");
                    continue;
                }
                _ => continue,
            };
            self.printer.print(&line);
        }
        Ok(())
    }

    /// `resolve --reconfirm`: RFC 6762 §10.4 for what was just resolved.
    fn reconfirm(&mut self, s: &ResolvedService) -> Result<(), String> {
        let r = self
            .mdns
            .reconfirm(&s.instance, &s.service_type)
            .wait()
            .map_err(|e| e.to_string())?;
        let present = r == Reconfirmation::Present;
        self.printer.print(&Line::Reconfirmed {
            name: s.instance.as_str().to_string(),
            service_type: s.service_type.to_string(),
            present,
        });
        if present {
            Ok(())
        } else {
            Err(format!(
                "\"{}\" {} did not answer: gone",
                s.instance, s.service_type
            ))
        }
    }

    fn register(&mut self, info: ServiceInfo, stdin: bool) -> Result<(), String> {
        let service_type = info.service_type.to_string();
        let registration = self.mdns.register(info).wait().map_err(|e| e.to_string())?;
        let mut registered = false;
        let commands = stdin.then(read_stdin);
        loop {
            let next = match &commands {
                // Commands are read between waits of at most SIGNAL_CHECK.
                Some(rx) => {
                    if self.apply_commands(rx, &registration) {
                        break;
                    }
                    self.wait_once(|t| registration.recv_timeout(t))?
                }
                None => self.wait(|t| registration.recv_timeout(t))?,
            };
            match next {
                Wait::Event(RegistrationEvent::Registered { name }) => {
                    registered = true;
                    self.printer.print(&Line::Registered {
                        name: name.as_str().to_string(),
                        service_type: service_type.clone(),
                        domain: self.domain_text(),
                    })
                }
                Wait::Event(RegistrationEvent::Renamed { from, to }) => {
                    self.printer.print(&Line::Renamed {
                        from: from.as_str().to_string(),
                        to: to.as_str().to_string(),
                    })
                }
                Wait::Event(RegistrationEvent::Failed(why)) => {
                    return Err(format!("registration failed: {why}"));
                }
                Wait::Event(RegistrationEvent::Rejected(e)) => {
                    return Err(format!("registration failed: {e}"));
                }
                Wait::Event(RegistrationEvent::ServerError(e)) => {
                    // A server that does not answer is waited for (the update is sent
                    // again); a refusal before anything was published ends the command.
                    if registered || is_no_response(&e) {
                        self.printer.print(&Line::Warning(e.to_string()));
                    } else {
                        return Err(e.to_string());
                    }
                }
                Wait::Event(_) | Wait::Idle => {}
                Wait::Done | Wait::Ended => break,
            }
        }
        // RFC 6762 §10.1: goodbyes before we go; in a DNS domain, the records deleted.
        registration.unregister().wait().map_err(|e| e.to_string())
    }

    /// Applies the commands read so far; true on `quit`.
    fn apply_commands(
        &mut self,
        rx: &std::sync::mpsc::Receiver<String>,
        registration: &Registration,
    ) -> bool {
        while let Ok(line) = rx.try_recv() {
            let name = registration.name().as_str().to_string();
            let done = match control::parse(&line) {
                Ok(None) => Ok(()),
                Ok(Some(Control::Quit)) => return true,
                Ok(Some(Control::Txt(txt))) => {
                    let entries = txt_entries(&txt);
                    registration.update_txt(txt).wait().map(|()| {
                        self.printer.print(&Line::TxtUpdated { name, txt: entries });
                    })
                }
                Ok(Some(Control::Subtypes(changes))) => {
                    changes.into_iter().try_for_each(|(add, sub)| {
                        let r = if add {
                            registration.add_subtype(sub.as_bytes())
                        } else {
                            registration.remove_subtype(sub.as_bytes())
                        };
                        r.wait().map(|()| {
                            self.printer.print(&Line::Subtype {
                                name: name.clone(),
                                subtype: sub,
                                added: add,
                            })
                        })
                    })
                }
                Err(e) => {
                    self.printer.print(&Line::Error(e));
                    Ok(())
                }
            };
            if let Err(e) = done {
                self.printer
                    .print(&Line::Error(format!("{}: {e}", line.trim())));
            }
        }
        false
    }

    /// Waits for the next event once, for at most SIGNAL_CHECK (and not past the
    /// deadline), checking for signals.
    fn wait_once<E>(
        &self,
        mut recv: impl FnMut(Duration) -> Result<E, Error>,
    ) -> Result<Wait<E>, String> {
        if self.stop.load(Ordering::Relaxed) {
            return Ok(Wait::Done);
        }
        let slice = match self.deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => left.min(SIGNAL_CHECK),
                _ => return Ok(Wait::Done),
            },
            None => SIGNAL_CHECK,
        };
        match recv(slice) {
            Ok(e) => Ok(Wait::Event(e)),
            Err(Error::Timeout) => Ok(Wait::Idle),
            Err(Error::Shutdown) => Ok(Wait::Ended),
            Err(e) => Err(e.to_string()),
        }
    }

    fn types(&mut self) -> Result<(), String> {
        let types = match &self.domain {
            None => self.mdns.service_types(),
            Some(d) => self.mdns.service_types_in(d),
        }
        .wait()
        .map_err(|e| e.to_string())?;
        while let Wait::Event(ev) = self.wait(|t| types.recv_timeout(t))? {
            let line = match ev {
                TypeEvent::Found(ty, i) => Line::Found {
                    name: ty.to_string(),
                    service_type: "_services._dns-sd._udp".into(),
                    domain: self.domain_text(),
                    interface: self.interface_name(i),
                },
                TypeEvent::Removed(ty, i) => Line::Removed {
                    name: ty.to_string(),
                    service_type: "_services._dns-sd._udp".into(),
                    domain: self.domain_text(),
                    interface: self.interface_name(i),
                },
                TypeEvent::ServerError(e) => Line::Warning(e.to_string()),
                _ => continue,
            };
            self.printer.print(&line);
        }
        Ok(())
    }

    fn domains(&mut self) -> Result<(), String> {
        let domains = self
            .mdns
            .browse_domains(self.domain.as_ref())
            .wait()
            .map_err(|e| e.to_string())?;
        while let Wait::Event(ev) = self.wait(|t| domains.recv_timeout(t))? {
            let line = match ev {
                DomainEvent::Found { kind, domain } => Line::Domain {
                    found: true,
                    kind: kind.to_string(),
                    domain: domain.to_string(),
                },
                DomainEvent::Removed { kind, domain } => Line::Domain {
                    found: false,
                    kind: kind.to_string(),
                    domain: domain.to_string(),
                },
                DomainEvent::ServerError(e) => Line::Warning(e.to_string()),
                _ => continue,
            };
            self.printer.print(&line);
        }
        Ok(())
    }

    fn query(
        &mut self,
        name: &mdns_sansio::Name,
        rtype: mdns_sansio::wire::Rtype,
    ) -> Result<(), String> {
        let answers = self
            .mdns
            .query(name, rtype)
            .wait()
            .map_err(|e| e.to_string())?;
        while let Wait::Event(r) = self.wait(|t| answers.recv_timeout(t))? {
            self.printer.print(&record_line(&r));
        }
        Ok(())
    }
}

/// True if a registration's server error is only that no server answered.
fn is_no_response(e: &BackendError) -> bool {
    matches!(
        e.downcast_ref::<UnicastError>(),
        Some(UnicastError::Update(UpdateError::NoResponse { .. }))
    )
}

/// Lines of standard input, read on a thread of their own until its end.
fn read_stdin() -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// TXT entries in printable form.
fn txt_entries(txt: &Txt) -> Vec<(String, Option<Vec<u8>>)> {
    txt.iter()
        .map(|e| (e.key().to_string(), e.value().map(<[u8]>::to_vec)))
        .collect()
}

fn record_line(r: &AnswerRecord) -> Line {
    Line::Record {
        name: r.name.to_string(),
        rtype: r.rtype.to_string(),
        ttl: r.ttl,
        // The core's presentation form, as dig prints record data.
        data: r.data.to_string(),
        source: r.source.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdns_sansio::wire::RecordData;

    #[test]
    fn interface_flags_become_the_selection() {
        use crate::args::Cli;
        use clap::Parser;
        let cli = Cli::try_parse_from([
            "mdns",
            "browse",
            "_http._tcp",
            "-i",
            "eth0",
            "-i",
            "3",
            "-i",
            "en*",
            "--exclude",
            "veth*",
            "-x",
            "wg0",
        ])
        .unwrap();
        let c = config_from(cli.command.common(), None, None);
        assert_eq!(
            c.interfaces,
            [
                InterfaceSelector::Name("eth0".into()),
                InterfaceSelector::Index(3),
                InterfaceSelector::Glob("en*".into())
            ]
        );
        assert_eq!(
            c.exclude_interfaces,
            [
                InterfaceSelector::Glob("veth*".into()),
                InterfaceSelector::Name("wg0".into())
            ]
        );
        assert!(c.skip_virtual_interfaces);
        let cli = Cli::try_parse_from(["mdns", "types", "--include-virtual"]).unwrap();
        assert!(!config_from(cli.command.common(), None, None).skip_virtual_interfaces);
    }

    #[test]
    fn record_lines_carry_data_as_dig_prints_it() {
        let record = |data: RecordData| AnswerRecord {
            name: mdns_sansio::Name::parse("box.local").unwrap(),
            rtype: data.rtype().unwrap_or(mdns_sansio::wire::Rtype(99)),
            ttl: 120,
            cache_flush: true,
            data,
            source: "10.0.0.2:5353".parse().unwrap(),
            interface: InterfaceId(1),
        };
        let data = |r: AnswerRecord| match record_line(&r) {
            Line::Record { data, .. } => data,
            other => panic!("{other:?}"),
        };
        let srv = RecordData::Srv {
            priority: 0,
            weight: 5,
            port: 80,
            target: mdns_sansio::Name::parse("box.local").unwrap(),
        };
        assert_eq!(data(record(srv)), "0 5 80 box.local.");
        let txt = RecordData::Txt(b"\x03a=b\x01c".as_slice().into());
        assert_eq!(data(record(txt)), "\"a=b\" \"c\"");
        let nsec = RecordData::Nsec {
            next: mdns_sansio::Name::parse("box.local").unwrap(),
            types: mdns_sansio::wire::NsecBitmap::build(&[
                mdns_sansio::wire::Rtype::A,
                mdns_sansio::wire::Rtype::TXT,
            ]),
        };
        assert_eq!(data(record(nsec)), "box.local. A TXT");
        let other = RecordData::Other([1, 2].as_slice().into());
        assert_eq!(data(record(other)), "\\# 2 0102");
    }
}
