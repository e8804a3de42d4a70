//! Byte strings of the cache kept inline when short ([`Data`]): a record's data and a
//! name's wire form. Up to [`INLINE`] bytes live in place, so reading them reads the
//! slot that holds them and no second place in memory; longer ones are one allocation.
//! What the bytes mean is the holder's business ([`super::record`], [`super::names`]).

use alloc::boxed::Box;

/// Most bytes kept in place.
pub(super) const INLINE: usize = 38;

/// Bytes: up to [`INLINE`] in place, longer in one allocation. 40 bytes.
#[derive(Clone, Debug)]
pub(super) enum Data {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Default for Data {
    fn default() -> Self {
        Data::Inline {
            len: 0,
            bytes: [0; INLINE],
        }
    }
}

impl Data {
    #[inline]
    pub fn from_slice(d: &[u8]) -> Self {
        if d.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..d.len()].copy_from_slice(d);
            Data::Inline {
                len: d.len() as u8,
                bytes,
            }
        } else {
            Data::Heap(d.into())
        }
    }

    /// [`from_slice`](Self::from_slice) of an allocation, kept if it is long.
    pub fn from_box(d: Box<[u8]>) -> Self {
        if d.len() <= INLINE {
            Self::from_slice(&d)
        } else {
            Data::Heap(d)
        }
    }

    #[inline(always)]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Data::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Data::Heap(b) => b,
        }
    }
}

impl core::ops::Deref for Data {
    type Target = [u8];

    #[inline(always)]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}
