//! The table of registrations by id: a slab. An id is a slot number (low 16 bits,
//! from 1) and that slot's generation (high 16 bits), so finding a registration is an
//! index and one comparison, however many there are; every record written looks its
//! registration up, and a hash lookup cost several times that.
//!
//! A slot freed by a removal is reused oldest-freed first, under the next generation:
//! an id comes back only after its slot has been reused 65,536 times. What lives here
//! is the table only, generic over what it holds; a registration's content is
//! `registration.rs`'s.

use crate::engine::event::RegistrationId;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::ops::Index;

/// Most registrations held at once (slot numbers are 16 bits, 0 unused).
pub const MAX_REGISTRATIONS: usize = 0xFFFF;

/// Registrations (or anything kept per registration) by id.
#[derive(Debug)]
pub(crate) struct Regs<T> {
    /// Slot `n` (from 1) at index `n - 1`.
    slots: Vec<Slot<T>>,
    /// Free slot numbers, oldest freed first.
    free: VecDeque<u16>,
}

impl<T> Default for Regs<T> {
    fn default() -> Self {
        Regs {
            slots: Vec::new(),
            free: VecDeque::new(),
        }
    }
}

#[derive(Debug)]
struct Slot<T> {
    /// The generation of the id the slot holds or held last.
    generation: u16,
    reg: Option<T>,
}

/// The slot number of `id` (from 1; 0 is no slot).
pub(crate) fn slot_of(id: RegistrationId) -> usize {
    (id.0 & 0xFFFF) as usize
}

impl<T> Regs<T> {
    /// A new id, its slot reserved until [`remove`](Self::remove). `None` when
    /// [`MAX_REGISTRATIONS`] are held.
    pub fn allocate(&mut self) -> Option<RegistrationId> {
        if let Some(n) = self.free.pop_front() {
            let slot = &mut self.slots[usize::from(n) - 1];
            slot.generation = slot.generation.wrapping_add(1);
            slot.reg = None;
            return Some(RegistrationId(
                u32::from(slot.generation) << 16 | u32::from(n),
            ));
        }
        if self.slots.len() >= MAX_REGISTRATIONS {
            return None;
        }
        // Grown by half, not doubled: a slot is the size of a registration.
        crate::vecmap::grow(&mut self.slots);
        self.slots.push(Slot {
            generation: 0,
            reg: None,
        });
        Some(RegistrationId(self.slots.len() as u32))
    }

    #[inline]
    fn slot(&self, id: RegistrationId) -> Option<&Slot<T>> {
        let n = slot_of(id);
        self.slots
            .get(n.wrapping_sub(1))
            .filter(|s| u32::from(s.generation) == id.0 >> 16)
    }

    #[inline]
    pub fn get(&self, id: &RegistrationId) -> Option<&T> {
        self.slot(*id)?.reg.as_ref()
    }

    #[inline]
    pub fn get_mut(&mut self, id: &RegistrationId) -> Option<&mut T> {
        let n = slot_of(*id);
        self.slots
            .get_mut(n.wrapping_sub(1))
            .filter(|s| u32::from(s.generation) == id.0 >> 16)?
            .reg
            .as_mut()
    }

    pub fn contains_key(&self, id: &RegistrationId) -> bool {
        self.get(id).is_some()
    }

    /// Puts `reg` in the slot of `id` (allocated by [`allocate`](Self::allocate) and
    /// not removed since), replacing what is there.
    pub fn insert(&mut self, id: RegistrationId, reg: T) {
        let n = slot_of(id);
        if let Some(s) = self
            .slots
            .get_mut(n.wrapping_sub(1))
            .filter(|s| u32::from(s.generation) == id.0 >> 16)
        {
            s.reg = Some(reg);
        }
    }

    /// Takes the registration out, keeping its slot for [`insert`](Self::insert).
    pub fn take(&mut self, id: &RegistrationId) -> Option<T> {
        self.get_mut(id)?;
        let n = slot_of(*id);
        self.slots[n - 1].reg.take()
    }

    /// Removes the registration for good: its slot is free for reuse.
    pub fn remove(&mut self, id: &RegistrationId) -> Option<T> {
        let reg = self.take(id)?;
        self.free.push_back(slot_of(*id) as u16);
        Some(reg)
    }

    /// True if no slot holds or is reserved for a registration.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.free.len() == self.slots.len()
    }

    /// Every registration, in slot order (callers that need id order sort).
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().filter_map(|s| s.reg.as_ref())
    }

    /// Every registration, mutably, in slot order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().filter_map(|s| s.reg.as_mut())
    }
}

impl<T> Index<&RegistrationId> for Regs<T> {
    type Output = T;

    fn index(&self, id: &RegistrationId) -> &T {
        self.get(id).expect("a registration of this id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_start_at_one_and_a_freed_slot_comes_back_under_a_new_generation() {
        let mut r = Regs::<u8>::default();
        let a = r.allocate().unwrap();
        let b = r.allocate().unwrap();
        assert_eq!((a, b), (RegistrationId(1), RegistrationId(2)));
        assert!(r.get(&a).is_none(), "allocated, not yet inserted");
        // The slot of `a`, freed, is reused under generation 1: the old id finds
        // nothing, the new one is different.
        r.free.push_back(1);
        let c = r.allocate().unwrap();
        assert_eq!(c, RegistrationId(1 << 16 | 1));
        assert!(!r.contains_key(&a));
        assert!(r.get(&RegistrationId(0)).is_none());
        assert!(r.get(&RegistrationId(7)).is_none());
    }

    #[test]
    fn empty_only_when_every_slot_is_free() {
        let mut r = Regs::<u8>::default();
        assert!(r.is_empty());
        let a = r.allocate().unwrap();
        let b = r.allocate().unwrap();
        assert!(!r.is_empty(), "slots reserved");
        r.free.push_back(a.0 as u16);
        assert!(!r.is_empty(), "one still reserved");
        r.free.push_back(b.0 as u16);
        assert!(r.is_empty());
        r.allocate().unwrap();
        assert!(!r.is_empty());
    }

    #[test]
    fn the_table_is_bounded() {
        let mut r = Regs::<u8>::default();
        for _ in 0..MAX_REGISTRATIONS {
            assert!(r.allocate().is_some());
        }
        assert_eq!(r.allocate(), None);
    }
}
