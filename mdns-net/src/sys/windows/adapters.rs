//! The adapter list (`GetAdaptersAddresses`) and its change signal (IP Helper
//! notifications plus a periodic re-read; see the module docs of `sys::windows`).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::windows::io::BorrowedSocket;
use std::sync::Arc;
use std::time::Duration;

use windows_sys::Win32::Foundation::{ERROR_BUFFER_OVERFLOW, ERROR_NO_DATA, HANDLE, NO_ERROR};
use windows_sys::Win32::NetworkManagement::IpHelper as ip;
use windows_sys::Win32::Networking::WinSock as ws;

use super::Signal;
use crate::iface::Interface;
use crate::snapshot::{self, AdapterAddress, AdapterRecord};
use crate::watch::{InterfaceSource, SnapshotError};

/// The Windows interface source.
pub(crate) struct Adapters {
    signal: Arc<Signal>,
    /// `NotifyIpInterfaceChange` and `NotifyUnicastIpAddressChange` registrations
    /// (null: not registered).
    handles: [HANDLE; 2],
    every: Duration,
}

// SAFETY: the handles are opaque registration tokens, only passed back to
// CancelMibChangeNotify2 (from whichever thread drops us); the callbacks only touch the
// Signal, which is Sync.
unsafe impl Send for Adapters {}

unsafe extern "system" fn on_interface_change(
    ctx: *const core::ffi::c_void,
    _row: *const ip::MIB_IPINTERFACE_ROW,
    _kind: ip::MIB_NOTIFICATION_TYPE,
) {
    // SAFETY: ctx is the Arc<Signal> kept alive until the registration is cancelled.
    unsafe { (*ctx.cast::<Signal>()).raise() }
}

unsafe extern "system" fn on_address_change(
    ctx: *const core::ffi::c_void,
    _row: *const ip::MIB_UNICASTIPADDRESS_ROW,
    _kind: ip::MIB_NOTIFICATION_TYPE,
) {
    // SAFETY: as above.
    unsafe { (*ctx.cast::<Signal>()).raise() }
}

impl Adapters {
    pub(crate) fn new(every: Duration) -> io::Result<Self> {
        let signal = Arc::new(Signal::new()?);
        let ctx = Arc::as_ptr(&signal).cast::<core::ffi::c_void>();
        let mut handles: [HANDLE; 2] = [std::ptr::null_mut(); 2];
        // SAFETY: ctx outlives the registrations (cancelled in Drop before the Arc
        // goes); the handles are written by the calls.
        let (r1, r2) = unsafe {
            (
                ip::NotifyIpInterfaceChange(
                    ws::AF_UNSPEC,
                    Some(on_interface_change),
                    ctx,
                    false,
                    &mut handles[0],
                ),
                ip::NotifyUnicastIpAddressChange(
                    ws::AF_UNSPEC,
                    Some(on_address_change),
                    ctx,
                    false,
                    &mut handles[1],
                ),
            )
        };
        for (r, what) in [
            (r1, "NotifyIpInterfaceChange"),
            (r2, "NotifyUnicastIpAddressChange"),
        ] {
            if r != NO_ERROR {
                tracing::debug!(error = r, "{what} failed; relying on the periodic re-read");
            }
        }
        if r1 != NO_ERROR {
            handles[0] = std::ptr::null_mut();
        }
        if r2 != NO_ERROR {
            handles[1] = std::ptr::null_mut();
        }
        Ok(Adapters {
            signal,
            handles,
            every,
        })
    }
}

impl Drop for Adapters {
    fn drop(&mut self) {
        for h in self.handles {
            if !h.is_null() {
                // SAFETY: a live registration; after this returns no callback runs.
                unsafe { ip::CancelMibChangeNotify2(h) };
            }
        }
    }
}

impl InterfaceSource for Adapters {
    fn changed(&mut self) -> io::Result<bool> {
        Ok(self.signal.drain())
    }
    fn snapshot(&mut self) -> Result<Vec<Interface>, SnapshotError> {
        Ok(snapshot::from_adapters(read_adapters()?))
    }
    fn readiness(&self) -> Option<BorrowedSocket<'_>> {
        Some(self.signal.source())
    }
    fn poll_interval(&self) -> Option<Duration> {
        Some(self.every)
    }
}

/// # Safety
/// `sa` is null or points at a socket address of `len` bytes.
unsafe fn sockaddr_ip(sa: *const ws::SOCKADDR, len: i32) -> Option<IpAddr> {
    if sa.is_null() {
        return None;
    }
    let len = usize::try_from(len).ok()?;
    // SAFETY: non-null; the family is the first field of every socket address.
    match unsafe { (*sa).sa_family } {
        ws::AF_INET if len >= std::mem::size_of::<ws::SOCKADDR_IN>() => {
            // SAFETY: the family says SOCKADDR_IN, and it is that long.
            let a = unsafe { &*sa.cast::<ws::SOCKADDR_IN>() };
            // SAFETY: every bit pattern of the union is a valid u32.
            let raw = unsafe { a.sin_addr.S_un.S_addr };
            Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(raw))))
        }
        ws::AF_INET6 if len >= std::mem::size_of::<ws::SOCKADDR_IN6>() => {
            // SAFETY: the family says SOCKADDR_IN6, and it is that long.
            let a = unsafe { &*sa.cast::<ws::SOCKADDR_IN6>() };
            // SAFETY: every bit pattern of the union is a valid byte array.
            let b = unsafe { a.sin6_addr.u.Byte };
            Some(IpAddr::V6(Ipv6Addr::from(b)))
        }
        _ => None,
    }
}

/// # Safety
/// `p` is null or a NUL-terminated UTF-16 string.
unsafe fn wide(p: *const u16) -> String {
    if p.is_null() {
        return String::new();
    }
    let mut n = 0;
    // SAFETY: reads up to the terminating NUL.
    while unsafe { *p.add(n) } != 0 && n < 1024 {
        n += 1;
    }
    // SAFETY: `n` units were just read.
    String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(p, n) })
}

/// Every adapter, read out of `GetAdaptersAddresses` into plain records.
pub(crate) fn read_adapters() -> io::Result<Vec<AdapterRecord>> {
    let flags = ip::GAA_FLAG_SKIP_ANYCAST
        | ip::GAA_FLAG_SKIP_MULTICAST
        | ip::GAA_FLAG_SKIP_DNS_SERVER
        | ip::GAA_FLAG_INCLUDE_ALL_INTERFACES;
    Ok(match get_adapters(flags)? {
        Some(buf) => walk(buf.as_ptr().cast()),
        None => Vec::new(),
    })
}

/// The DNS servers and DNS suffixes of the adapters that are up, in the adapters'
/// order, without repeats: what Windows' own resolver asks. IPv6 site-local servers
/// (`fec0::/10`, the placeholders Windows lists when none is configured) are left out.
pub(crate) fn dns_config() -> io::Result<(Vec<IpAddr>, Vec<String>)> {
    let flags = ip::GAA_FLAG_SKIP_ANYCAST | ip::GAA_FLAG_SKIP_MULTICAST | ip::GAA_FLAG_SKIP_UNICAST;
    let Some(buf) = get_adapters(flags)? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let (mut servers, mut suffixes) = (Vec::new(), Vec::new());
    let mut p: *const ip::IP_ADAPTER_ADDRESSES_LH = buf.as_ptr().cast();
    while !p.is_null() {
        // SAFETY: a node of the list GetAdaptersAddresses wrote into our live buffer.
        let a = unsafe { &*p };
        if a.OperStatus == snapshot::OPER_UP {
            let mut d = a.FirstDnsServerAddress;
            while !d.is_null() {
                // SAFETY: a node of the same list.
                let da = unsafe { &*d };
                // SAFETY: the address is as long as its length field says.
                let ip = unsafe { sockaddr_ip(da.Address.lpSockaddr, da.Address.iSockaddrLength) };
                let placeholder =
                    matches!(ip, Some(IpAddr::V6(v6)) if (v6.segments()[0] & 0xffc0) == 0xfec0);
                if let Some(ip) = ip.filter(|_| !placeholder) {
                    if !servers.contains(&ip) {
                        servers.push(ip);
                    }
                }
                d = da.Next;
            }
            // SAFETY: a NUL-terminated string in the same buffer.
            let suffix = unsafe { wide(a.DnsSuffix) };
            if !suffix.is_empty() && !suffixes.contains(&suffix) {
                suffixes.push(suffix);
            }
        }
        p = a.Next;
    }
    Ok((servers, suffixes))
}

/// `GetAdaptersAddresses` into a buffer of its own (`None`: no adapter).
fn get_adapters(flags: u32) -> io::Result<Option<Vec<u64>>> {
    // u64 elements: the records need 8-byte alignment.
    let mut buf: Vec<u64> = vec![0; 16 * 1024 / 8];
    for _ in 0..4 {
        let mut size = (buf.len() * 8) as u32;
        // SAFETY: the buffer is `size` bytes, aligned for the records.
        let r = unsafe {
            ip::GetAdaptersAddresses(
                u32::from(ws::AF_UNSPEC),
                flags,
                std::ptr::null(),
                buf.as_mut_ptr().cast(),
                &mut size,
            )
        };
        match r {
            NO_ERROR => return Ok(Some(buf)),
            ERROR_NO_DATA => return Ok(None),
            ERROR_BUFFER_OVERFLOW => buf.resize((size as usize).div_ceil(8) + 64, 0),
            e => return Err(io::Error::from_raw_os_error(e as i32)),
        }
    }
    Err(io::Error::other(
        "GetAdaptersAddresses: the adapter list kept growing",
    ))
}

fn walk(mut p: *const ip::IP_ADAPTER_ADDRESSES_LH) -> Vec<AdapterRecord> {
    let mut out = Vec::new();
    while !p.is_null() {
        // SAFETY: a node of the list GetAdaptersAddresses wrote into our live buffer.
        let a = unsafe { &*p };
        let mut addrs = Vec::new();
        let mut u = a.FirstUnicastAddress;
        while !u.is_null() {
            // SAFETY: a node of the same list.
            let ua = unsafe { &*u };
            // SAFETY: the address is as long as its length field says.
            if let Some(addr) =
                unsafe { sockaddr_ip(ua.Address.lpSockaddr, ua.Address.iSockaddrLength) }
            {
                addrs.push(AdapterAddress {
                    addr,
                    prefix_len: ua.OnLinkPrefixLength,
                    dad_state: ua.DadState,
                });
            }
            u = ua.Next;
        }
        out.push(AdapterRecord {
            // SAFETY: every bit pattern of these unions is a valid integer.
            if_index: unsafe { a.Anonymous1.Anonymous.IfIndex },
            ipv6_if_index: a.Ipv6IfIndex,
            // SAFETY: a NUL-terminated string in the same buffer.
            friendly_name: unsafe { wide(a.FriendlyName) },
            if_type: a.IfType,
            oper_status: a.OperStatus,
            // SAFETY: as above.
            flags: unsafe { a.Anonymous2.Flags },
            addrs,
        });
        p = a.Next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host's own list: loopback is always there (Wine and Windows alike), with
    /// its index, and reading it sends nothing.
    #[test]
    fn reads_the_adapter_list_with_loopback() {
        let recs = read_adapters().unwrap();
        let snap = snapshot::from_adapters(recs.clone());
        assert!(snap.iter().any(|i| i.loopback), "{recs:?}");
        assert!(snap.iter().all(|i| i.id.0 != 0));
    }

    /// The DNS configuration reads without failing (under Wine: whatever the prefix
    /// says), with no placeholder and no repeat.
    #[test]
    fn reads_the_dns_servers() {
        let (servers, suffixes) = dns_config().unwrap();
        let mut s = servers.clone();
        s.dedup();
        assert_eq!(s.len(), servers.len());
        assert!(servers
            .iter()
            .all(|a| !matches!(a, IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfec0)));
        assert!(suffixes.iter().all(|x| !x.is_empty()));
    }

    #[test]
    fn a_raised_signal_is_a_change() {
        let mut a = Adapters::new(Duration::from_secs(5)).unwrap();
        assert!(!a.changed().unwrap());
        a.signal.raise();
        assert!(a.changed().unwrap());
        assert!(!a.changed().unwrap());
    }
}
