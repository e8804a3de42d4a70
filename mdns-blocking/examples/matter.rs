//! A Matter-ready profile: what a Matter device publishes over DNS-SD (Matter Core
//! Specification, "Discovery"), on the blocking adapter.
//!
//! - Five operational instances, one per fabric the node belongs to:
//!   `<compressed fabric id>-<node id>._matter._tcp` (16 upper-case hex digits each),
//!   listed under the subtype `_I<compressed fabric id>`.
//! - A commissionable node, `_matterc._udp`, while a commissioning window is open:
//!   its instance name a random 64-bit number in hex, re-rolled for every window;
//!   subtypes `_L<discriminator>` (12 bits), `_S<short discriminator>` (its upper 4
//!   bits), `_V<vendor id>`, `_T<device type>` and `_CM` while in commissioning mode;
//!   a TXT record of a few hundred bytes (`D`, `VP`, `CM`, `DT`, `DN`, `SII`, `SAI`,
//!   `SAT`, `T`, `RI`, `PH`, `PI`).
//!
//! Each window: the commissionable instance is registered with `_CM` and `CM=1`; when
//! commissioning mode ends, `_CM` is removed from the live registration (a goodbye for
//! that subtype PTR, RFC 6762 §10.1: browsers of `_CM._sub._matterc._udp` see the node
//! go, browsers of `_L<discriminator>` keep it) and the TXT says `CM=0`; after a pause
//! the instance is withdrawn, and the next window registers a new random name.
//!
//! ```text
//! cargo run -p mdns-blocking --example matter -- [--discriminator 3840] [--vendor 65521]
//!     [--product 32769] [--device-type 257] [--fabrics 5] [--windows 2]
//!     [--window SECONDS] [--closed SECONDS]
//! ```
//!
//! It prints one JSON object per line: `registered` (each instance), `window-open`,
//! `window-closed`, `window-withdrawn`, `done`. Run it only where multicast DNS may be
//! sent (a network namespace of its own for tests).

use std::io::Read;
use std::time::Duration;

use mdns_blocking::{Mdns, MdnsConfig, Registration, RegistrationEvent, ServiceInfo, Txt};

/// Matter's operational and commissioning port.
const MATTER_PORT: u16 = 5540;

struct Opts {
    discriminator: u16,
    vendor: u16,
    product: u16,
    device_type: u32,
    fabrics: u64,
    windows: u32,
    window: Duration,
    closed: Duration,
}

fn opts() -> Result<Opts, String> {
    let mut o = Opts {
        discriminator: 3840,
        vendor: 0xFFF1,
        product: 0x8001,
        device_type: 257,
        fabrics: 5,
        windows: 2,
        window: Duration::from_secs(15),
        closed: Duration::from_secs(5),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |e: std::num::ParseIntError| format!("{flag} {value}: {e}");
        let secs = |v: &str| -> Result<Duration, String> {
            v.parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64)
                .ok_or(format!("{flag} {v}: not a number of seconds"))
        };
        match flag.as_str() {
            "--discriminator" => o.discriminator = value.parse().map_err(bad)?,
            "--vendor" => o.vendor = value.parse().map_err(bad)?,
            "--product" => o.product = value.parse().map_err(bad)?,
            "--device-type" => o.device_type = value.parse().map_err(bad)?,
            "--fabrics" => o.fabrics = value.parse().map_err(bad)?,
            "--windows" => o.windows = value.parse().map_err(bad)?,
            "--window" => o.window = secs(&value)?,
            "--closed" => o.closed = secs(&value)?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.discriminator > 0xFFF {
        return Err("--discriminator is 12 bits (0 to 4095)".into());
    }
    Ok(o)
}

/// 64 random bits from the OS.
fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .is_ok()
    {
        return u64::from_ne_bytes(b);
    }
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

/// The commissionable node's service: subtypes and TXT as the Matter specification
/// lists them; `_CM` and `CM=1` in commissioning mode.
fn commissionable(o: &Opts, instance: &str) -> Result<ServiceInfo, mdns_blocking::Error> {
    let d = o.discriminator;
    let mut b = ServiceInfo::builder(instance, "_matterc._udp", MATTER_PORT)
        .subtype(format!("_L{d}"))
        .subtype(format!("_S{}", d >> 8))
        .subtype(format!("_V{}", o.vendor))
        .subtype(format!("_T{}", o.device_type))
        .subtype("_CM");
    b = b.txt_record(commissionable_txt(o, true));
    Ok(b.build()?)
}

/// A commissionable node's TXT record: a few hundred bytes, as real devices publish
/// (the rotating id and the pairing instruction are the long ones).
fn commissionable_txt(o: &Opts, commissioning: bool) -> Txt {
    let rotating: String = (0..50)
        .map(|i| format!("{:02X}", (i * 37 + 11) % 256))
        .collect();
    Txt::builder()
        .entry("D", o.discriminator.to_string())
        .entry("VP", format!("{}+{}", o.vendor, o.product))
        .entry("CM", if commissioning { "1" } else { "0" })
        .entry("DT", o.device_type.to_string())
        .entry("DN", "Kitchen Light (mdns example)")
        .entry("SII", "5000")
        .entry("SAI", "300")
        .entry("SAT", "4000")
        .entry("T", "1")
        .entry("RI", rotating)
        .entry("PH", "33")
        .entry(
            "PI",
            "Press the button on the side of the light for three seconds, then scan the \
             QR code on its base with your controller",
        )
        .build()
        .expect("every entry fits")
}

/// One operational instance: `<fabric>-<node>._matter._tcp`, subtype `_I<fabric>`.
fn operational(fabric: u64, node: u64) -> Result<ServiceInfo, mdns_blocking::Error> {
    Ok(ServiceInfo::builder(
        &format!("{fabric:016X}-{node:016X}"),
        "_matter._tcp",
        MATTER_PORT,
    )
    .subtype(format!("_I{fabric:016X}"))
    .txt("SII", "5000")
    .txt("SAI", "300")
    .txt("SAT", "4000")
    .txt("T", "1")
    .build()?)
}

/// Waits until `reg` is registered; prints it. Its final name may differ after a
/// conflict (RFC 6762 §9).
fn registered(reg: &Registration, ty: &str) -> Result<String, Box<dyn std::error::Error>> {
    loop {
        match reg.recv_timeout(Duration::from_secs(10))? {
            RegistrationEvent::Registered { name } => {
                println!(r#"{{"event":"registered","name":"{name}","type":"{ty}"}}"#);
                return Ok(name.as_str().to_string());
            }
            RegistrationEvent::Failed(why) => return Err(format!("{ty}: {why}").into()),
            _ => {}
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = opts()?;
    let mdns = Mdns::new(MdnsConfig::default())?;

    // The node on its fabrics (kept for the whole run).
    let node = random_u64();
    let mut fabrics = Vec::new();
    for _ in 0..o.fabrics {
        let fabric = random_u64();
        let reg = mdns.register(operational(fabric, node)?).wait()?;
        registered(&reg, "_matter._tcp")?;
        fabrics.push(reg);
    }

    for window in 0..o.windows {
        // A new window, a new random instance name.
        let instance = format!("{:016X}", random_u64());
        let reg = mdns.register(commissionable(&o, &instance)?).wait()?;
        let name = registered(&reg, "_matterc._udp")?;
        println!(r#"{{"event":"window-open","window":{window},"name":"{name}"}}"#);
        std::thread::sleep(o.window);
        // Commissioning mode ends: `_CM` goes (a goodbye for its PTR), CM=0.
        reg.remove_subtype("_CM").wait()?;
        reg.update_txt(commissionable_txt(&o, false)).wait()?;
        println!(r#"{{"event":"window-closed","window":{window},"name":"{name}"}}"#);
        std::thread::sleep(o.closed);
        reg.unregister().wait()?;
        println!(r#"{{"event":"window-withdrawn","window":{window},"name":"{name}"}}"#);
    }

    for reg in fabrics {
        reg.unregister().wait()?;
    }
    mdns.shutdown()?;
    println!(r#"{{"event":"done"}}"#);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o() -> Opts {
        Opts {
            discriminator: 3840,
            vendor: 65521,
            product: 32769,
            device_type: 257,
            fabrics: 5,
            windows: 1,
            window: Duration::ZERO,
            closed: Duration::ZERO,
        }
    }

    #[test]
    fn the_profile_matches_the_specification() {
        let s = commissionable(&o(), "0123456789ABCDEF").unwrap();
        let subs: Vec<String> = s
            .subtypes
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect();
        assert_eq!(subs, ["_L3840", "_S15", "_V65521", "_T257", "_CM"]);
        let mut wire = Vec::new();
        s.txt.encode(&mut wire);
        assert!((250..=400).contains(&wire.len()), "{} bytes", wire.len());
        let op = operational(0x2906_C908_D115_D362, 0x8FC7_7724_01CD_0696).unwrap();
        assert_eq!(op.instance.as_str(), "2906C908D115D362-8FC7772401CD0696");
        assert_eq!(op.subtypes, [b"_I2906C908D115D362".to_vec()]);
    }
}
