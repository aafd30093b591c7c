//! The young space: one contiguous reservation of virtual memory holding every domain's minor
//! arena, so that "is this value young?" is one range test, whichever domain allocated it.
//!
//! Layout: `halves` (1, or 2 when arenas flip: hardened and ASan builds) halves of `slots` slots each; a
//! slot is `slot_words` words, and the arena of the domain in slot `i` is slot `i` of the
//! current half, or its top part (each domain has its own minor heap size; slots fit the
//! largest). Only the current half is young: after a flip, pointers into the other half
//! are stale (they point at poison), not young.
//!
//! Invariants: the space and the current half change only while the world is stopped (at a
//! minor collection or a resize), and the published range (`RANGE`) is updated
//! there; running domains only read it. The memory is mapped with `MAP_NORESERVE`, so slots
//! that no domain touches cost nothing.

use super::value::{Value, WORD};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The published bounds, read by every domain at every `is_young`, written only while the
/// world is stopped: on a cache line of their own (aligned and padded to 64 bytes), so that
/// no lock or counter the linker puts beside them takes the line away from the readers (in
/// one build the low bound shared its line with the pools' memory lock, taken for each fresh
/// pool).
#[repr(C, align(64))]
struct Published {
    /// The current half's bounds `[lo, hi)`: a block value is young iff its address lies
    /// in `(lo, hi]` (a block's address is its first field, one word past its header).
    lo: AtomicUsize,
    hi: AtomicUsize,
    /// The other half's bounds (empty without flipping): the arenas the last minor
    /// collection evacuated, where no live value points.
    spare_lo: AtomicUsize,
    spare_hi: AtomicUsize,
}

// `#[used]`: kept whole. Without it LLVM splits the static into one global per field,
// which drops the alignment and the padding.
#[used]
static RANGE: Published = Published {
    lo: AtomicUsize::new(usize::MAX),
    hi: AtomicUsize::new(0),
    spare_lo: AtomicUsize::new(0),
    spare_hi: AtomicUsize::new(0),
};

/// The same range under the names C stubs read (`Is_young` of the stock `address_class.h`
/// compares with these two exported words; see docs/stubs.md).
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static caml_minor_heaps_start: AtomicUsize = AtomicUsize::new(0);
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static caml_minor_heaps_end: AtomicUsize = AtomicUsize::new(0);

/// Whether `v` is a block in some domain's minor arena.
#[inline(always)]
pub fn is_young(v: Value) -> bool {
    // Relaxed: the range changes only while every domain is stopped, and the world's mutex
    // orders that change before any domain runs again.
    let lo = RANGE.lo.load(Ordering::Relaxed);
    let hi = RANGE.hi.load(Ordering::Relaxed);
    v.is_block() && v.0 > lo && v.0 <= hi
}

/// The young range `[lo, hi)` as published (for the checker).
pub fn young_range() -> (usize, usize) {
    // Relaxed: as in `is_young`.
    (RANGE.lo.load(Ordering::Relaxed), RANGE.hi.load(Ordering::Relaxed))
}

/// The evacuated half `[lo, hi)` as published (empty without flipping).
#[cfg(any(feature = "hardened", debug_assertions))]
pub fn spare_range() -> (usize, usize) {
    // Relaxed: as in `is_young`.
    (RANGE.spare_lo.load(Ordering::Relaxed), RANGE.spare_hi.load(Ordering::Relaxed))
}

/// The reservation.
pub struct YoungSpace {
    base: *mut usize,
    bytes: usize,
    pub slot_words: usize,
    pub slots: usize,
    halves: usize,
    /// The current half (0 or 1).
    current: usize,
}

// SAFETY: the mapping is owned by the space; which thread touches which slot is the
// protocol's business (see the module docs and `gc` docs).
unsafe impl Send for YoungSpace {}
// SAFETY: as above; `&YoungSpace` only exposes addresses.
unsafe impl Sync for YoungSpace {}

impl YoungSpace {
    /// Reserves `slots` slots of `slot_words` words, in two halves when `flip` (the caller
    /// publishes it). None when the address space is exhausted.
    pub fn new(slot_words: usize, slots: usize, flip: bool) -> Option<YoungSpace> {
        let page_words = 4096 / WORD;
        let slot_words = slot_words.div_ceil(page_words) * page_words;
        let halves = if flip { 2 } else { 1 };
        let bytes = slot_words.checked_mul(slots)?.checked_mul(halves)?.checked_mul(WORD)?;
        // SAFETY: an anonymous private mapping with no address hint; the result is checked.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return None;
        }
        Some(YoungSpace { base: p as *mut usize, bytes, slot_words, slots, halves, current: 0 })
    }

    fn half_base(&self, half: usize) -> *mut usize {
        self.base.wrapping_add(half * self.slots * self.slot_words)
    }

    /// Publishes the current half as the young range (world stopped, or before any domain
    /// runs).
    pub fn publish(&self) {
        let lo = self.half_base(self.current) as usize;
        // Relaxed: see `is_young`.
        RANGE.lo.store(lo, Ordering::Relaxed);
        RANGE.hi.store(lo + self.slots * self.slot_words * WORD, Ordering::Relaxed);
        // Relaxed: as above.
        caml_minor_heaps_start.store(lo, Ordering::Relaxed);
        caml_minor_heaps_end.store(lo + self.slots * self.slot_words * WORD, Ordering::Relaxed);
        let (slo, shi) = if self.halves == 2 {
            let s = self.half_base(1 - self.current) as usize;
            (s, s + self.slots * self.slot_words * WORD)
        } else {
            (0, 0)
        };
        // Relaxed: as above.
        RANGE.spare_lo.store(slo, Ordering::Relaxed);
        RANGE.spare_hi.store(shi, Ordering::Relaxed);
    }

    /// Slot `i`'s words `[start, end)` in the current half.
    pub fn slot(&self, i: usize) -> (*mut usize, *mut usize) {
        assert!(i < self.slots, "young slot out of range");
        let start = self.half_base(self.current).wrapping_add(i * self.slot_words);
        (start, start.wrapping_add(self.slot_words))
    }

    /// Slot `i`'s words in the other half (empty without flipping).
    pub fn spare_slot(&self, i: usize) -> (usize, usize) {
        if self.halves < 2 {
            return (0, 0);
        }
        let start = self.half_base(1 - self.current).wrapping_add(i * self.slot_words) as usize;
        (start, start + self.slot_words * WORD)
    }

    /// Makes the other half current (when flipping); the caller publishes it. World stopped.
    pub fn flip(&mut self) {
        if self.halves == 2 {
            self.current = 1 - self.current;
        }
    }

    /// The slot index holding address `a` in the current half, if any.
    pub fn slot_of(&self, a: usize) -> Option<usize> {
        let lo = self.half_base(self.current) as usize;
        let i = a.checked_sub(lo)? / (self.slot_words * WORD);
        (i < self.slots).then_some(i)
    }

    /// Gives slot `i`'s memory (both halves) back to the system; it reads as zeroes after.
    pub fn release_slot(&self, i: usize) {
        for half in 0..self.halves {
            let start = self.half_base(half).wrapping_add(i * self.slot_words);
            // SAFETY: the range is a whole slot inside the mapping (page-aligned: the mapping
            // is, and slot_words is a multiple of the page size); no domain uses the slot.
            unsafe {
                libc::madvise(
                    start as *mut libc::c_void,
                    self.slot_words * WORD,
                    libc::MADV_DONTNEED,
                )
            };
        }
    }
}

impl Drop for YoungSpace {
    fn drop(&mut self) {
        // SAFETY: the mapping was made in `new` with this size and nothing refers to it any
        // more (the space is replaced only while the world is stopped and every arena empty).
        // In ASan builds the arenas poisoned their slots (`minor`): the addresses are made
        // accessible again first, for whatever the system maps there next.
        unsafe {
            super::shim::asan_unpoison(self.base as *const u8, self.bytes);
            libc::munmap(self.base as *mut libc::c_void, self.bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_flip() {
        let mut s = YoungSpace::new(1000, 4, true).expect("reserve");
        assert_eq!(s.slot_words % 512, 0);
        let (a0, e0) = s.slot(0);
        let (a3, _) = s.slot(3);
        assert_eq!(a3 as usize - a0 as usize, 3 * s.slot_words * WORD);
        assert_eq!(e0 as usize - a0 as usize, s.slot_words * WORD);
        assert_eq!(s.slot_of(a3 as usize + 8), Some(3));
        let spare = s.spare_slot(0);
        s.flip();
        assert_eq!(s.slot(0).0 as usize, spare.0);
        assert_eq!(s.slot_of(a0 as usize), None);
    }
}
