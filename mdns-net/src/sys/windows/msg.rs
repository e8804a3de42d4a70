//! `WSARecvMsg` and `WSASendMsg`.

use std::io;
use std::net::SocketAddr;
use std::os::windows::io::AsRawSocket;
use std::sync::OnceLock;

use socket2::{SockAddr, Socket};
use windows_sys::Win32::Networking::WinSock as ws;

use super::last_error;
use crate::cmsg::{self, CmsgBuf};
use crate::socket::Received;

/// `WSARecvMsg` is an extension function: its address comes from `WSAIoctl`, once per
/// process (it is the same for every UDP socket of the default provider).
fn wsarecvmsg(sock: ws::SOCKET) -> io::Result<RecvMsgFn> {
    static PTR: OnceLock<RecvMsgFn> = OnceLock::new();
    if let Some(p) = PTR.get() {
        return Ok(*p);
    }
    let guid = ws::WSAID_WSARECVMSG;
    let mut f: ws::LPFN_WSARECVMSG = None;
    let mut returned = 0u32;
    // SAFETY: in: a live GUID; out: a live function-pointer slot of its size.
    let r = unsafe {
        ws::WSAIoctl(
            sock,
            ws::SIO_GET_EXTENSION_FUNCTION_POINTER,
            (&guid as *const windows_sys::core::GUID).cast(),
            std::mem::size_of_val(&guid) as u32,
            (&mut f as *mut ws::LPFN_WSARECVMSG).cast(),
            std::mem::size_of::<ws::LPFN_WSARECVMSG>() as u32,
            &mut returned,
            std::ptr::null_mut(),
            None,
        )
    };
    if r != 0 {
        return Err(last_error());
    }
    let Some(func) = f else {
        return Err(io::Error::other("WSARecvMsg unavailable"));
    };
    let _ = PTR.set(func);
    Ok(func)
}

type RecvMsgFn = unsafe extern "system" fn(
    ws::SOCKET,
    *mut ws::WSAMSG,
    *mut u32,
    *mut windows_sys::Win32::System::IO::OVERLAPPED,
    ws::LPWSAOVERLAPPED_COMPLETION_ROUTINE,
) -> i32;

/// Receives one datagram with `WSARecvMsg`. `WouldBlock` when there is none.
pub(crate) fn recv(sock: &Socket, buf: &mut [u8]) -> io::Result<Received> {
    let s = sock.as_raw_socket() as ws::SOCKET;
    let recvmsg = wsarecvmsg(s)?;
    let mut ctrl = CmsgBuf::new();
    let mut data = ws::WSABUF {
        len: buf.len().min(u32::MAX as usize) as u32,
        buf: buf.as_mut_ptr(),
    };
    // SAFETY: try_init hands out a zeroed storage and its length; WSARecvMsg writes at
    // most that many bytes of address, and reads/writes only the live buffers below.
    let ((n, flags, clen, truncated), source) = unsafe {
        SockAddr::try_init(|storage, len| {
            let mut msg = ws::WSAMSG {
                name: storage.cast(),
                namelen: *len,
                lpBuffers: &mut data,
                dwBufferCount: 1,
                Control: ws::WSABUF {
                    len: ctrl.0.len() as u32,
                    buf: ctrl.0.as_mut_ptr(),
                },
                dwFlags: 0,
            };
            let mut n = 0u32;
            loop {
                let r = recvmsg(s, &mut msg, &mut n, std::ptr::null_mut(), None);
                *len = msg.namelen;
                if r == 0 {
                    return Ok((n as usize, msg.dwFlags, msg.Control.len as usize, false));
                }
                let e = last_error();
                match e.raw_os_error() {
                    // Longer than the buffer: cut (Wine sets no MSG_TRUNC flag).
                    Some(ws::WSAEMSGSIZE) => {
                        return Ok((buf.len(), msg.dwFlags, msg.Control.len as usize, true))
                    }
                    // An ICMP error from an earlier send: not about this datagram.
                    Some(ws::WSAECONNRESET | ws::WSAENETRESET | ws::WSAEINTR) => continue,
                    _ => return Err(e),
                }
            }
        })?
    };
    let source = source
        .as_socket()
        .ok_or_else(|| io::Error::other("datagram from a non-IP address"))?;
    let clen = clen.min(ctrl.0.len());
    Ok(Received {
        len: n.min(buf.len()),
        source,
        info: cmsg::parse(&cmsg::WINDOWS, &ctrl.0[..clen]),
        truncated: truncated || flags & ws::MSG_TRUNC != 0,
    })
}

/// Sends `data` to `dest` with `WSASendMsg` and an `IN_PKTINFO` / `IN6_PKTINFO` naming
/// interface `ifindex`.
pub(crate) fn send(
    sock: &Socket,
    v6: bool,
    dest: SocketAddr,
    ifindex: u32,
    data: &[u8],
) -> io::Result<usize> {
    let name = SockAddr::from(dest);
    let mut ctrl = CmsgBuf::new();
    let clen = cmsg::encode_pktinfo(&cmsg::WINDOWS, &mut ctrl.0, v6, ifindex);
    let mut buf = ws::WSABUF {
        len: data.len().min(u32::MAX as usize) as u32,
        buf: data.as_ptr() as *mut u8,
    };
    let msg = ws::WSAMSG {
        name: name.as_ptr() as *mut ws::SOCKADDR,
        namelen: name.len(),
        lpBuffers: &mut buf,
        dwBufferCount: 1,
        Control: ws::WSABUF {
            len: clen as u32,
            buf: if clen > 0 {
                ctrl.0.as_mut_ptr()
            } else {
                std::ptr::null_mut()
            },
        },
        dwFlags: 0,
    };
    let mut sent = 0u32;
    loop {
        // SAFETY: msg points at live buffers of the stated lengths; WSASendMsg only
        // reads through them.
        let r = unsafe {
            ws::WSASendMsg(
                sock.as_raw_socket() as ws::SOCKET,
                &msg,
                0,
                &mut sent,
                std::ptr::null_mut(),
                None,
            )
        };
        if r == 0 {
            return Ok(sent as usize);
        }
        let e = last_error();
        if e.raw_os_error() != Some(ws::WSAEINTR) {
            return Err(e);
        }
    }
}
