//! Command-line arguments: parsed and validated by clap, so that a malformed service
//! type, a port out of range or an oversized TXT entry is refused with a message that
//! names the argument, and exit status 2.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mdns_sansio::sd::{InstanceName, ServiceType, TxtEntry};
use mdns_sansio::wire::Rtype;
use mdns_sansio::Name;

/// Multicast DNS service discovery: browse, resolve and publish services on the local
/// network.
#[derive(Debug, Parser)]
#[command(name = "mdns", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Use only this interface: a name (`eth0`), an index, or a pattern (`en*`);
    /// repeat for several. Default: every interface that is up and multicast capable,
    /// except loopback, point-to-point links (most VPNs) and container / VM interfaces
    /// (`docker*`, `br-*`, `veth*`, `virbr*`, `vnet*`, `cni*`, `podman*`, `lxcbr*`,
    /// `lxdbr*`, `vboxnet*`, `vmnet*`, `awdl*`, `llw*`). An interface named here is
    /// used even if it is one of those.
    #[arg(long = "interface", short = 'i', value_name = "NAME")]
    pub interfaces: Vec<String>,
    /// Never use this interface: a name, an index or a pattern (`docker0`, `veth*`,
    /// `tun*`, `wg*`, `zt*`); repeat for several. Wins over `--interface`. Interfaces
    /// that come up later obey it too.
    #[arg(long = "exclude", short = 'x', value_name = "NAME")]
    pub exclude: Vec<String>,
    /// Also use container and VM interfaces (`docker*`, `veth*`, `virbr*`, …), which
    /// are skipped by default.
    #[arg(long)]
    pub include_virtual: bool,
    /// IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6_only")]
    pub ipv4_only: bool,
    /// IPv6 only.
    #[arg(short = '6')]
    pub ipv6_only: bool,
    /// Which address family to list first among addresses otherwise as good (the
    /// order is: same subnet, then other routable addresses, then link-local ones;
    /// IPv6 link-local addresses are printed with their zone, `fe80::1%eth0`).
    #[arg(long, value_enum, default_value_t = Prefer::Ipv4, value_name = "FAMILY")]
    pub prefer: Prefer,
    /// Print one JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit after this many seconds (default: run until interrupted, or a
    /// command-specific default for one-shot commands).
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<f64>,
}

/// Where a request goes: `local.` (multicast DNS), or a DNS domain and its servers.
#[derive(Debug, Clone, Args)]
pub struct Dns {
    /// The domain: `local` (multicast DNS on the link, the default) or a DNS domain
    /// (`example.com`), whose DNS servers are asked (unicast DNS-SD).
    #[arg(long, value_name = "DOMAIN", value_parser = parse_domain)]
    pub domain: Option<Name>,
    /// A DNS server for the domain, `ADDR[:PORT]` or `NAME[:PORT]` (port 53 by
    /// default); repeatable. Default: the system resolver's (/etc/resolv.conf).
    #[arg(long = "server", value_name = "ADDR[:PORT]", value_parser = parse_server, requires = "domain")]
    pub servers: Vec<SocketAddr>,
}

impl Dns {
    /// The unicast domain asked for, if any (`None`: `local.`).
    pub fn unicast_domain(&self) -> Option<&Name> {
        self.domain.as_ref().filter(|d| !is_local(d))
    }
}

/// The address family listed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Prefer {
    /// IPv4 first.
    Ipv4,
    /// IPv6 first.
    Ipv6,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Browse for instances of a service type (`_http._tcp`).
    Browse {
        /// Service type, e.g. `_http._tcp` (a trailing `.local` is accepted), or a
        /// subtype `_printer._sub._http._tcp`.
        #[arg(value_name = "TYPE", value_parser = parse_browse_type)]
        service_type: ServiceType,
        /// Also resolve every instance found (host, port, addresses, TXT).
        #[arg(long)]
        resolve: bool,
        /// On a terminal, a table of the instances (host, address, port, age, TXT)
        /// kept up to date in place instead of lines; resolves them. Piped, or with
        /// --json, lines are printed as without it.
        #[arg(long)]
        live: bool,
        #[command(flatten)]
        dns: Dns,
        #[command(flatten)]
        common: Common,
    },
    /// Resolve one instance to host, port, addresses and TXT.
    Resolve {
        /// Instance name, e.g. "Kitchen Printer".
        #[arg(value_name = "INSTANCE", value_parser = parse_instance)]
        instance: InstanceName,
        /// Service type, e.g. `_ipp._tcp`.
        #[arg(value_name = "TYPE", value_parser = parse_browse_type)]
        service_type: ServiceType,
        /// Then check that it is still there (RFC 6762 §10.4, what to do when
        /// connecting to it failed): its records are asked for again; if nothing
        /// answers within 10 s they are flushed, so every browser on this host (and,
        /// seeing no answer, other caches) drops it. Prints `present` or `gone`; exit
        /// status 1 if gone.
        #[arg(long)]
        reconfirm: bool,
        #[command(flatten)]
        dns: Dns,
        #[command(flatten)]
        common: Common,
    },
    /// Publish a service until interrupted (SIGINT / SIGTERM), then send goodbyes (in
    /// a DNS domain: delete its records).
    Register {
        /// Instance name, any UTF-8 up to 63 bytes.
        #[arg(value_name = "INSTANCE", value_parser = parse_instance)]
        instance: InstanceName,
        /// Service type, e.g. `_http._tcp`.
        #[arg(value_name = "TYPE", value_parser = parse_register_type)]
        service_type: ServiceType,
        /// Port, 1 to 65535.
        #[arg(value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
        /// TXT entries: `key=value`, `key=` (empty value) or `key` (boolean).
        #[arg(value_name = "KEY=VALUE", value_parser = parse_txt)]
        txt: Vec<TxtEntry>,
        /// Host name to point the service at. On the link (`name` or `name.local`) it
        /// is published too; default: `<machine name>-mdns.local`. In a DNS domain
        /// (`name` meaning `name.<domain>`, or a full name) it is taken as it is, its
        /// addresses its owner's to publish; default: `<machine name>-mdns.<domain>`,
        /// published with the host's routable addresses.
        #[arg(long, value_name = "NAME", value_parser = parse_host_arg)]
        host: Option<HostArg>,
        /// A subtype to register the service under too (`_printer`); repeatable.
        #[arg(long = "subtype", value_name = "SUB")]
        subtypes: Vec<String>,
        /// The TSIG key that signs the DNS updates (a BIND key file:
        /// `key "name" { algorithm hmac-sha256; secret "..."; };`).
        #[arg(long = "tsig-key", value_name = "FILE", requires = "domain")]
        tsig_key: Option<PathBuf>,
        /// How long the DNS server should keep the records should this command vanish
        /// without deleting them (RFC 9664 Update Lease); they are refreshed well
        /// before. Default: 7200.
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..), requires = "domain")]
        lease: Option<u32>,
        #[command(flatten)]
        dns: Dns,
        /// Read commands from standard input while registered, one per line:
        /// `txt KEY=VALUE...` replaces the TXT record (announced at once,
        /// RFC 6762 §8.4; `txt` alone empties it); `subtype +SUB` adds a subtype
        /// (announced), `subtype -SUB` removes one (goodbye, RFC 6762 §10.1), several per
        /// line allowed (`subtype +_CM -_L840`); `quit` unregisters and exits. Each
        /// change is printed once applied; a bad command prints an error and changes
        /// nothing. End of input stops reading (the service stays registered).
        #[arg(long)]
        stdin: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Look up a host name's addresses.
    Lookup {
        /// Host name, e.g. `printer.local`; with `--domain`, `printer` or a full name.
        #[arg(value_name = "HOST", value_parser = parse_host_arg)]
        host: HostArg,
        #[command(flatten)]
        dns: Dns,
        #[command(flatten)]
        common: Common,
    },
    /// List the service types on the network, or in a domain (RFC 6763 §9).
    Types {
        #[command(flatten)]
        dns: Dns,
        #[command(flatten)]
        common: Common,
    },
    /// List the browse and registration domains (RFC 6763 §11) a domain's DNS servers
    /// give (`--domain`), or those of the search domains and the host's networks.
    Domains {
        #[command(flatten)]
        dns: Dns,
        #[command(flatten)]
        common: Common,
    },
    /// Send one query and print every record received, like dig.
    Query {
        /// Name to ask about.
        #[arg(value_name = "NAME", value_parser = parse_name)]
        name: Name,
        /// Record type: A, AAAA, PTR, SRV, TXT, HINFO, NSEC, ANY, or a number.
        #[arg(value_name = "TYPE", value_parser = parse_rtype)]
        rtype: Rtype,
        #[command(flatten)]
        common: Common,
    },
}

impl Command {
    /// The options shared by every subcommand.
    pub fn common(&self) -> &Common {
        match self {
            Command::Browse { common, .. }
            | Command::Resolve { common, .. }
            | Command::Register { common, .. }
            | Command::Lookup { common, .. }
            | Command::Types { common, .. }
            | Command::Domains { common, .. }
            | Command::Query { common, .. } => common,
        }
    }

    /// Where the request goes (`None`: `local.` only).
    pub fn dns(&self) -> Option<&Dns> {
        match self {
            Command::Browse { dns, .. }
            | Command::Resolve { dns, .. }
            | Command::Register { dns, .. }
            | Command::Lookup { dns, .. }
            | Command::Types { dns, .. }
            | Command::Domains { dns, .. } => Some(dns),
            Command::Query { .. } => None,
        }
    }
}

/// A host name as typed: one label, or a full name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostArg(Name);

impl HostArg {
    /// The name on the link: `name.local.` (a name that does not end in `.local`
    /// gets it appended).
    pub fn on_link(&self) -> Result<Name, String> {
        parse_host(&self.0.to_string())
    }

    /// The name in DNS domain `domain`: `label.<domain>` for a single label, else the
    /// name as given.
    pub fn in_domain(&self, domain: &Name) -> Result<Name, String> {
        if self.0.label_count() == 1 {
            self.0
                .concat(domain)
                .map_err(|e| format!("`{}` in {domain} is not a valid host name: {e}", self.0))
        } else {
            Ok(self.0.clone())
        }
    }
}

/// True for `local.` (any case).
pub fn is_local(n: &Name) -> bool {
    n.label_count() == 1 && n.first_label().eq_ignore_ascii_case(b"local")
}

fn parse_domain(s: &str) -> Result<Name, String> {
    let n = Name::parse(s).map_err(|e| format!("`{s}` is not a valid domain: {e}"))?;
    if n.is_root() {
        return Err(format!("`{s}` is not a domain to browse or register in"));
    }
    Ok(n)
}

/// `ADDR`, `ADDR:PORT`, `[V6]:PORT`, `NAME` or `NAME:PORT` (port 53 by default; a name
/// is looked up with the system resolver).
fn parse_server(s: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let bare = s.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("`{s}`: `{p}` is not a port"))?,
        ),
        None => (s, 53),
    };
    (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("`{s}` is not an address and could not be looked up: {e}"))?
        .next()
        .ok_or_else(|| format!("`{s}` has no address"))
}

fn parse_host_arg(s: &str) -> Result<HostArg, String> {
    let n = Name::parse(s.trim_end_matches('.'))
        .map_err(|e| format!("`{s}` is not a valid host name: {e}"))?;
    if n.is_root() {
        return Err(format!("`{s}` is not a valid host name"));
    }
    Ok(HostArg(n))
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("`{s}` must be a positive number of seconds"))
    }
}

fn parse_browse_type(s: &str) -> Result<ServiceType, String> {
    ServiceType::parse_lenient(s).map_err(|e| format!("`{s}` is not a service type: {e}"))
}

fn parse_register_type(s: &str) -> Result<ServiceType, String> {
    ServiceType::new(s).map_err(|e| format!("`{s}` is not a valid service type to register: {e}"))
}

fn parse_instance(s: &str) -> Result<InstanceName, String> {
    InstanceName::new(s).map_err(|e| format!("`{s}` is not a valid instance name: {e}"))
}

pub(crate) fn parse_txt(s: &str) -> Result<TxtEntry, String> {
    let entry = match s.split_once('=') {
        Some((k, v)) => TxtEntry::new(k, v.as_bytes()),
        None => TxtEntry::flag(s),
    };
    entry.map_err(|e| format!("`{s}` is not a valid TXT entry: {e}"))
}

/// A host name: `name` or `name.local[.]`, made absolute under `local.`.
pub fn parse_host(s: &str) -> Result<Name, String> {
    let trimmed = s.trim_end_matches('.');
    let lower = trimmed.to_ascii_lowercase();
    let full = if lower.ends_with(".local") || lower == "local" {
        trimmed.to_string()
    } else {
        format!("{trimmed}.local")
    };
    let name = Name::parse(&full).map_err(|e| format!("`{s}` is not a valid host name: {e}"))?;
    if name.label_count() < 2 {
        return Err(format!(
            "`{s}` is not a valid host name: it needs a label before .local"
        ));
    }
    Ok(name)
}

fn parse_name(s: &str) -> Result<Name, String> {
    Name::parse(s).map_err(|e| format!("`{s}` is not a valid name: {e}"))
}

fn parse_rtype(s: &str) -> Result<Rtype, String> {
    let t = match s.to_ascii_uppercase().as_str() {
        "A" => Rtype::A,
        "AAAA" => Rtype::AAAA,
        "PTR" => Rtype::PTR,
        "SRV" => Rtype::SRV,
        "TXT" => Rtype::TXT,
        "HINFO" => Rtype::HINFO,
        "NSEC" => Rtype::NSEC,
        "CNAME" => Rtype::CNAME,
        "ANY" => Rtype::ANY,
        other => Rtype(
            other
                .trim_start_matches("TYPE")
                .parse()
                .map_err(|_| format!("`{s}` is not a record type"))?,
        ),
    };
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("mdns").chain(args.iter().copied()))
    }

    #[test]
    fn register_parses_txt_host_and_subtypes() {
        let cli = parse(&[
            "register",
            "Kitchen Printer",
            "_ipp._tcp.local.",
            "631",
            "rp=ipp/print",
            "color",
            "note=",
            "--host",
            "printer",
            "--subtype",
            "_universal",
        ])
        .unwrap();
        let Command::Register {
            instance,
            service_type,
            port,
            txt,
            host,
            subtypes,
            ..
        } = cli.command
        else {
            panic!("not register");
        };
        assert_eq!(instance.as_str(), "Kitchen Printer");
        assert_eq!(service_type.to_string(), "_ipp._tcp");
        assert_eq!(port, 631);
        assert_eq!(txt.len(), 3);
        assert!(txt[1].is_flag());
        assert_eq!(txt[2].value(), Some(&b""[..]));
        assert_eq!(
            host.unwrap().on_link().unwrap(),
            Name::parse("printer.local").unwrap()
        );
        assert_eq!(subtypes, ["_universal"]);
    }

    #[test]
    fn resolve_reconfirm_register_stdin_and_prefer() {
        let cli = parse(&[
            "resolve",
            "K",
            "_http._tcp",
            "--reconfirm",
            "--prefer",
            "ipv6",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Resolve {
                reconfirm: true,
                ..
            }
        ));
        assert_eq!(cli.command.common().prefer, Prefer::Ipv6);
        let cli = parse(&["register", "K", "_http._tcp", "80", "--stdin"]).unwrap();
        assert!(matches!(cli.command, Command::Register { stdin: true, .. }));
        assert_eq!(cli.command.common().prefer, Prefer::Ipv4);
        let err = parse(&["lookup", "box", "--prefer", "ipx"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn bad_arguments_are_named_and_exit_2() {
        for (args, needle) in [
            (&["browse", "http"][..], "TYPE"),
            (&["register", "x", "_http._tcp", "70000"][..], "PORT"),
            (&["register", "x", "_http._tcp", "0"][..], "PORT"),
            (
                &["register", "x", "_toolongservicename._tcp", "80"][..],
                "TYPE",
            ),
            (&["browse", "_http._tcp", "--timeout", "0"][..], "timeout"),
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
            assert_eq!(err.kind(), ErrorKind::ValueValidation, "{args:?}");
            assert!(err.to_string().contains(needle), "{args:?}: {err}");
        }
        let long_value = format!("k={}", "v".repeat(300));
        let err = parse(&["register", "x", "_http._tcp", "80", &long_value]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("KEY=VALUE"), "{err}");
        let long_instance = "é".repeat(32);
        let err = parse(&["resolve", &long_instance, "_http._tcp"]).unwrap_err();
        assert!(err.to_string().contains("INSTANCE"), "{err}");
    }

    #[test]
    fn unicast_options_name_a_domain_its_servers_and_a_key() {
        let cli = parse(&[
            "register",
            "Web",
            "_http._tcp",
            "80",
            "--domain",
            "example.com",
            "--server",
            "127.0.0.1:5300",
            "--server",
            "[::1]",
            "--tsig-key",
            "k.key",
            "--host",
            "web",
        ])
        .unwrap();
        let Command::Register {
            dns,
            tsig_key,
            host,
            ..
        } = &cli.command
        else {
            panic!("not register");
        };
        let d = dns.unicast_domain().unwrap();
        assert_eq!(*d, Name::parse("example.com.").unwrap());
        assert_eq!(
            dns.servers,
            [
                "127.0.0.1:5300".parse::<SocketAddr>().unwrap(),
                "[::1]:53".parse().unwrap()
            ]
        );
        assert_eq!(tsig_key.as_deref(), Some(std::path::Path::new("k.key")));
        assert_eq!(
            host.as_ref().unwrap().in_domain(d).unwrap(),
            Name::parse("web.example.com.").unwrap()
        );
        // `local` is the link.
        let cli = parse(&["browse", "_http._tcp", "--domain", "local"]).unwrap();
        assert!(cli.command.dns().unwrap().unicast_domain().is_none());
        // A key or a server without a domain means nothing: refused.
        for args in [
            &["register", "W", "_http._tcp", "80", "--tsig-key", "k"][..],
            &["browse", "_http._tcp", "--server", "127.0.0.1"][..],
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
        let err = parse(&["browse", "_http._tcp", "--domain", "ex..com"]).unwrap_err();
        assert!(err.to_string().contains("DOMAIN"), "{err}");
    }

    #[test]
    fn host_names_get_local_appended_once() {
        assert_eq!(parse_host("box").unwrap().to_string(), "box.local.");
        assert_eq!(parse_host("Box.local.").unwrap().to_string(), "Box.local.");
        assert!(parse_host("local").is_err());
    }
}
