//! A domain's minor arena: the top `span` words of its slot of the young space
//! (`young_space`), allocated downwards by bumping a pointer. Each domain has its own size
//! (`Gc.set` changes the caller's only), so an arena may use less than its slot, which is
//! sized for the largest.
//!
//! The bump test compares with `trigger`, not `start`: `start <= trigger <= ptr`. It is
//! `start` unless the memory profiler (`gc::memprof`) samples this domain's allocations;
//! then it marks the word whose allocation is the next sample, so the allocation that
//! reaches it takes the slow path (which tells the full arena from a sample by `fits`).
//! The fast path has no other test for it.
//!
//! Invariants: `start <= ptr <= end`; every word in `[ptr, end)` belongs to an allocated
//! frame (a block, header first, plus whatever framing words the checker adds around it).
//! The arena is only touched by its domain, except while the world is stopped (collection).
//!
//! The checker (hardened builds) asks for a roomier layout: slots `headroom` times the
//! nominal size, so that its framing words do not make collections more frequent than in
//! production (`limit` counts block words only, `overhead` the framing words), and a young
//! space in two halves that the collector flips between after each minor collection, so that
//! a pointer left into the evacuated arena keeps pointing at poison for a whole cycle instead
//! of at a new block. In production `try_alloc` ignores `limit` (the slot is the nominal size).
//!
//! In AddressSanitizer builds (`cfg(warden_asan)`, as for the pools' free slots) the free part
//! of the slot, `[start, ptr)`, is poisoned for ASan: an arena is poisoned whole when it is
//! bound to its slot (`new`, `rebind`), the words of each allocation are unpoisoned as they
//! are handed out, and `reset` poisons again what the collection evacuated. So a dangling
//! pointer into the arena (a young block the collection moved, or memory not allocated yet)
//! is an ASan report when it is used, until the words are handed out again; the young space
//! flips halves in these builds too (`gc::FLIP_ARENAS`), so that is a whole cycle. Other builds
//! have none of this: `asan_poison` and `asan_unpoison` are empty inline functions there.

use super::shim::{asan_poison, asan_unpoison};
use super::value::WORD;
use super::young_space::YoungSpace;

pub struct MinorHeap {
    /// The slot of the young space this arena lives in.
    pub slot: usize,
    pub start: *mut usize,
    pub end: *mut usize,
    pub ptr: *mut usize,
    /// The lowest address the fast path hands out (`start`, or the profiler's next sample).
    pub trigger: *mut usize,
    /// Framing words (canaries) inside `[ptr, end)`; not counted as allocation.
    pub overhead: usize,
    /// Block words (headers included, framing excluded) the arena takes before it is full.
    pub limit: usize,
    /// The slot in the other half (empty when not flipping): pointers into it are stale.
    spare: (usize, usize),
}

// SAFETY: the arena belongs to one domain; raw pointers only point into its slot.
unsafe impl Send for MinorHeap {}

impl MinorHeap {
    /// The (empty) arena of slot `slot` of `space`, taking `limit` block words in the top
    /// `span` words of the slot (the whole slot if it is smaller). Those words are free
    /// (poisoned for ASan).
    pub fn new(space: &YoungSpace, slot: usize, limit: usize, span: usize) -> MinorHeap {
        let (start, end) = Self::bounds(space, slot, span);
        // SAFETY: the words are this arena's and empty: no live block lies in them, and only
        // this arena hands them out (unpoisoning them first).
        unsafe { asan_poison(start as *const u8, end as usize - start as usize) };
        MinorHeap {
            slot,
            start,
            end,
            ptr: end,
            trigger: start,
            overhead: 0,
            limit,
            spare: space.spare_slot(slot),
        }
    }

    /// The top `span` words of slot `slot` (all of it if it is smaller).
    fn bounds(space: &YoungSpace, slot: usize, span: usize) -> (*mut usize, *mut usize) {
        let (lo, end) = space.slot(slot);
        (end.wrapping_sub(span.min(space.slot_words)).max(lo), end)
    }

    /// Points the (empty) arena at its slot of `space` again, after a flip, a new space or a
    /// new size (`limit` block words in `span` words).
    pub fn rebind(&mut self, space: &YoungSpace, limit: usize, span: usize) {
        debug_assert_eq!(self.ptr, self.end);
        if Self::bounds(space, self.slot, span) == (self.start, self.end) {
            // The same words (no flip, no new space or span): `reset` already poisoned what
            // was used.
            self.limit = limit;
            self.spare = space.spare_slot(self.slot);
        } else {
            *self = MinorHeap::new(space, self.slot, limit, span);
        }
    }

    /// The nominal size in words (what `Gc.get` reports).
    pub fn wsize(&self) -> usize {
        self.limit
    }
    /// Words allocated since the last collection, framing words excluded.
    pub fn used_words(&self) -> usize {
        (self.end as usize - self.ptr as usize) / WORD - self.overhead
    }
    /// The arena's share of its slot, in words.
    pub fn slot_words(&self) -> usize {
        (self.end as usize - self.start as usize) / WORD
    }
    /// Whether `a` lies in this arena's allocated part `[ptr, end)`.
    pub fn holds(&self, a: usize) -> bool {
        a >= self.ptr as usize && a < self.end as usize
    }
    /// Whether `a` lies in this arena's share of its slot.
    pub fn in_slot(&self, a: usize) -> bool {
        a >= self.start as usize && a < self.end as usize
    }
    /// Bump-allocates `whsize` words (header included); returns the header address or None
    /// when the arena is full.
    #[inline(always)]
    pub fn try_alloc(&mut self, whsize: usize) -> Option<*mut usize> {
        let new = (self.ptr as usize).wrapping_sub(whsize * WORD);
        // The second test catches a wrap-around (`whsize` beyond the address space).
        if new >= self.trigger as usize && new <= self.ptr as usize {
            // SAFETY: `[new, ptr)` lies in the free part of this arena's slot, now handed out.
            unsafe { asan_unpoison(new as *const u8, self.ptr as usize - new) };
            self.ptr = new as *mut usize;
            Some(self.ptr)
        } else {
            None
        }
    }
    /// Bump-allocates a frame of `whsize + extra` words, of which `extra` are framing words;
    /// returns the frame's first word, or None when the block words would pass `limit` or the
    /// arena is full.
    #[inline(always)]
    pub fn try_alloc_framed(&mut self, whsize: usize, extra: usize) -> Option<*mut usize> {
        let raw_used = (self.end as usize - self.ptr as usize) / WORD;
        let avail = (self.ptr as usize - self.trigger as usize) / WORD;
        if raw_used - self.overhead + whsize <= self.limit && whsize + extra <= avail {
            // SAFETY: `whsize + extra <= avail` keeps the result inside the arena.
            let new = unsafe { self.ptr.sub(whsize + extra) };
            // SAFETY: `[new, ptr)` lies in the free part of this arena's slot, now handed out.
            unsafe { asan_unpoison(new as *const u8, (whsize + extra) * WORD) };
            self.ptr = new;
            self.overhead += extra;
            Some(self.ptr)
        } else {
            None
        }
    }
    /// Whether a frame of `whsize + extra` words (`extra` framing words) fits in the arena,
    /// whatever the trigger says.
    pub fn fits(&self, whsize: usize, extra: usize) -> bool {
        let raw_used = (self.end as usize - self.ptr as usize) / WORD;
        let avail = (self.ptr as usize - self.start as usize) / WORD;
        let limit_ok = extra == 0 || raw_used - self.overhead + whsize <= self.limit;
        limit_ok && whsize.checked_add(extra).is_some_and(|n| n <= avail)
    }

    /// Bump-allocates as `try_alloc_framed` (or `try_alloc` when `extra` is 0) below the
    /// trigger: the slow path's allocation once the profiler has seen it. None when the
    /// arena is full.
    pub fn alloc_past_trigger(&mut self, whsize: usize, extra: usize) -> Option<*mut usize> {
        let trigger = self.trigger;
        self.trigger = self.start;
        let r =
            if extra == 0 { self.try_alloc(whsize) } else { self.try_alloc_framed(whsize, extra) };
        self.trigger = trigger.max(self.start).min(self.ptr);
        r
    }

    /// Sets the trigger `words` words below the allocation pointer (`None`, or no room for
    /// them: at `start`, so only a full arena leaves the fast path).
    pub fn set_trigger(&mut self, words: Option<usize>) {
        let free = (self.ptr as usize - self.start as usize) / WORD;
        self.trigger = match words {
            // SAFETY: `n < free`, so the result lies in `(start, ptr]`.
            Some(n) if n < free => unsafe { self.ptr.sub(n) },
            _ => self.start,
        };
    }

    /// Empties the arena (after a collection moved everything live out, and after the
    /// checker poisoned it); in ASan builds its used words are poisoned again.
    pub fn reset(&mut self) {
        // SAFETY: the collection evacuated `[ptr, end)`: nothing live is left there, and the
        // words are handed out again only through `try_alloc*`, which unpoison them.
        unsafe { asan_poison(self.ptr as *const u8, self.end as usize - self.ptr as usize) };
        self.ptr = self.end;
        self.trigger = self.start;
        self.overhead = 0;
    }
    /// The allocated words `[ptr, end)`, for poisoning and verification.
    pub fn used_mut(&mut self) -> &mut [usize] {
        let used = (self.end as usize - self.ptr as usize) / WORD;
        // SAFETY: `[ptr, end)` lies in this arena's slot, owned by its domain (or by the
        // collector while the world is stopped).
        unsafe { std::slice::from_raw_parts_mut(self.ptr, used) }
    }
    /// The spare slot's word range `[lo, hi)` (empty when not flipping): any pointer into it
    /// refers to a block that the last minor collection evacuated.
    pub fn spare_range(&self) -> (usize, usize) {
        self.spare
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framed_allocation_counts_block_words_only() {
        let space = YoungSpace::new(3000, 2, true).expect("reserve");
        let mut m = MinorHeap::new(&space, 1, 1000, space.slot_words);
        assert_eq!(m.wsize(), 1000);
        let p = m.try_alloc_framed(3, 2).expect("room");
        assert_eq!(m.used_words(), 3);
        assert_eq!(m.overhead, 2);
        assert_eq!((m.end as usize - p as usize) / WORD, 5);
        // 999 more block words do not fit under the limit, 997 do.
        assert!(m.try_alloc_framed(999, 2).is_none());
        assert!(m.try_alloc_framed(997, 2).is_some());
        assert_eq!(m.used_words(), 1000);
        assert!(m.holds(p as usize));
        let (lo, _) = m.spare_range();
        m.reset();
        assert_eq!(m.used_words(), 0);
        assert_ne!(m.start as usize, lo);
    }

    #[test]
    fn an_arena_uses_the_top_of_its_slot() {
        let space = YoungSpace::new(4096, 2, false).expect("reserve");
        let (lo, end) = space.slot(1);
        let mut m = MinorHeap::new(&space, 1, 1024, 1024);
        assert_eq!((m.start, m.end), (end.wrapping_sub(1024), end));
        assert_eq!(m.slot_words(), 1024);
        assert!(m.try_alloc(1000).is_some() && m.try_alloc(25).is_none());
        assert!(!m.in_slot(lo as usize));
        // Growing within the slot, then asking for more than the slot: all of it.
        m.reset();
        m.rebind(&space, 2048, 2048);
        assert_eq!((m.start, m.end, m.wsize()), (end.wrapping_sub(2048), end, 2048));
        m.rebind(&space, 8192, 8192);
        assert_eq!((m.start, m.end), (lo, end));
    }
}

/// Run by `sanitizers/asan.sh` (the library's tests built with AddressSanitizer).
#[cfg(all(test, warden_asan))]
mod asan_tests {
    use super::*;
    use crate::heap::shim::asan_is_poisoned;

    fn poisoned(a: *mut usize, words: usize) -> Vec<bool> {
        (0..words).map(|i| asan_is_poisoned(a.wrapping_add(i) as *const u8)).collect()
    }

    #[test]
    fn minor_arena_is_poisoned_beyond_the_allocation_pointer() {
        let mut space = YoungSpace::new(1000, 2, true).expect("reserve");
        let mut m = MinorHeap::new(&space, 1, 1000, space.slot_words);
        // A fresh arena: its whole slot is free.
        assert!(poisoned(m.start, m.slot_words()).iter().all(|&p| p), "a fresh arena is readable");
        // Each allocation unpoisons exactly its words.
        let a = m.try_alloc(4).expect("room");
        let b = m.try_alloc_framed(3, 2).expect("room");
        assert_eq!(b.wrapping_add(5), a);
        assert!(poisoned(b, 9).iter().all(|&p| !p), "handed-out words are poisoned");
        assert!(
            asan_is_poisoned(b.wrapping_sub(1) as *const u8),
            "the word below the allocation pointer"
        );
        assert!(poisoned(m.start, m.slot_words() - 9).iter().all(|&p| p));
        // After the collection the evacuated words are poisoned again.
        m.reset();
        assert!(poisoned(b, 9).iter().all(|&p| p), "evacuated words are readable");
        // Rebinding to the same slot keeps it poisoned; after a flip the other half's slot is
        // poisoned whole, and the evacuated one stays poisoned.
        m.rebind(&space, 1000, space.slot_words);
        assert!(asan_is_poisoned(a as *const u8));
        let old = m.start;
        space.flip();
        m.rebind(&space, 1000, space.slot_words);
        assert_ne!(m.start, old);
        assert!(poisoned(m.start, m.slot_words()).iter().all(|&p| p));
        assert!(poisoned(old, m.slot_words()).iter().all(|&p| p));
        // Reuse from the top unpoisons the words handed out again.
        let c = m.try_alloc(4).expect("room");
        assert!(poisoned(c, 4).iter().all(|&p| !p));
        drop(m);
        // The space's addresses are unpoisoned before they go back to the system.
        let base = space.slot(0).0;
        drop(space);
        assert!(!asan_is_poisoned(base as *const u8));
    }
}
