//! DNS over TCP framing (RFC 1035 §4.2.2): each message behind a two-byte length.
//! [`frame`] prefixes one; [`Deframer`] collects a byte stream, however it is cut, into
//! messages.

use alloc::vec::Vec;

/// Prefixes `msg` with its length. `None` if it is longer than 65,535 bytes.
pub fn frame(msg: &[u8]) -> Option<Vec<u8>> {
    let len = u16::try_from(msg.len()).ok()?;
    let mut out = Vec::with_capacity(msg.len() + 2);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(msg);
    Some(out)
}

/// Reassembles length-prefixed messages from a TCP byte stream. Holds at most one
/// partial message (at most 65,537 bytes).
#[derive(Clone, Debug, Default)]
pub struct Deframer {
    buf: Vec<u8>,
}

impl Deframer {
    /// An empty deframer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next bytes of the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole message, if one has arrived.
    pub fn next_message(&mut self) -> Option<Vec<u8>> {
        let &[a, b] = self.buf.first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes([a, b]));
        if self.buf.len() < 2 + len {
            return None;
        }
        let msg = self.buf[2..2 + len].to_vec();
        self.buf.drain(..2 + len);
        Some(msg)
    }

    /// Bytes held that are not a whole message yet.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    #[test]
    fn rfc1035_4_2_2_messages_come_back_whole_however_the_stream_is_cut() {
        let a = frame(b"first").unwrap();
        let b = frame(&[7u8; 300]).unwrap();
        let stream: Vec<u8> = a.iter().chain(&b).copied().collect();
        for cut in 1..stream.len() {
            let mut d = Deframer::new();
            let mut got = Vec::new();
            for chunk in stream.chunks(cut) {
                d.push(chunk);
                while let Some(m) = d.next_message() {
                    got.push(m);
                }
            }
            assert_eq!(got, vec![b"first".to_vec(), vec![7u8; 300]], "cut {cut}");
            assert_eq!(d.pending(), 0);
        }
        assert!(frame(&vec![0; 65_536]).is_none());
    }
}
