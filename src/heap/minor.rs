//! The minor heap: one contiguous arena per heap, allocated downwards by bumping a pointer.
//!
//! Invariants: `start <= ptr <= end`; every word in `[ptr, end)` belongs to an allocated
//! frame (a block, header first, plus whatever framing words the checker adds around it); a
//! block is young iff its address lies in `(start, end]`.
//!
//! The checker (hardened builds) may ask for a roomier layout with `with_layout`: an arena
//! `headroom` times the nominal size, so that its framing words do not make collections more
//! frequent than in production (`limit` counts block words only, `overhead` the framing
//! words), and optionally a second, spare arena that the collector flips to after each minor
//! collection, so that a pointer left into the evacuated arena keeps pointing at poison for a
//! whole cycle instead of at a new block. `new` is the production layout: no headroom, no
//! spare, and `try_alloc` ignores `limit`.

use super::value::{Value, WORD};

pub struct MinorHeap {
    mem: Vec<usize>,
    /// The other arena when flipping (empty otherwise).
    spare: Vec<usize>,
    pub start: *mut usize,
    pub end: *mut usize,
    pub ptr: *mut usize,
    /// Framing words (canaries) inside `[ptr, end)`; not counted as allocation.
    pub overhead: usize,
    /// Block words (headers included, framing excluded) the arena takes before it is full.
    pub limit: usize,
}

// SAFETY: the arena is owned by one heap; raw pointers only point into `mem`.
unsafe impl Send for MinorHeap {}

impl MinorHeap {
    /// An arena of `wsize` words (at least 257, as the stock runtime's minimum).
    pub fn new(wsize: usize) -> MinorHeap {
        MinorHeap::with_layout(wsize, 1, false)
    }

    /// An arena for `wsize` words of blocks, `headroom` times larger for framing words, with a
    /// spare arena of the same size when `flip`.
    pub fn with_layout(wsize: usize, headroom: usize, flip: bool) -> MinorHeap {
        let wsize = wsize.max(257);
        let raw = wsize * headroom.max(1);
        let mut mem = vec![0usize; raw];
        let spare = if flip { vec![0usize; raw] } else { Vec::new() };
        let start = mem.as_mut_ptr();
        // SAFETY: `raw` words were just allocated.
        let end = unsafe { start.add(raw) };
        MinorHeap { mem, spare, start, end, ptr: end, overhead: 0, limit: wsize }
    }

    /// The nominal size in words (what `Gc.get` reports).
    pub fn wsize(&self) -> usize {
        self.limit
    }
    /// Words allocated since the last collection, framing words excluded.
    pub fn used_words(&self) -> usize {
        (self.end as usize - self.ptr as usize) / WORD - self.overhead
    }
    #[inline(always)]
    pub fn is_young(&self, v: Value) -> bool {
        let a = v.0;
        v.is_block() && a > self.start as usize && a <= self.end as usize
    }
    /// Bump-allocates `whsize` words (header included); returns the header address or None
    /// when the arena is full.
    #[inline(always)]
    pub fn try_alloc(&mut self, whsize: usize) -> Option<*mut usize> {
        let avail = (self.ptr as usize - self.start as usize) / WORD;
        if whsize <= avail {
            // SAFETY: `whsize <= avail` keeps the result inside the arena.
            self.ptr = unsafe { self.ptr.sub(whsize) };
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
        let avail = (self.ptr as usize - self.start as usize) / WORD;
        if raw_used - self.overhead + whsize <= self.limit && whsize + extra <= avail {
            // SAFETY: `whsize + extra <= avail` keeps the result inside the arena.
            self.ptr = unsafe { self.ptr.sub(whsize + extra) };
            self.overhead += extra;
            Some(self.ptr)
        } else {
            None
        }
    }
    /// Empties the arena (after a collection moved everything live out).
    pub fn reset(&mut self) {
        self.ptr = self.end;
        self.overhead = 0;
    }
    /// Empties the arena and, when there is a spare one, makes the spare the arena.
    pub fn flip(&mut self) {
        if !self.spare.is_empty() {
            std::mem::swap(&mut self.mem, &mut self.spare);
            self.start = self.mem.as_mut_ptr();
            // SAFETY: one past the end of the allocation.
            self.end = unsafe { self.start.add(self.mem.len()) };
        }
        self.reset();
    }
    /// The allocated words `[ptr, end)`, for poisoning and verification.
    pub fn used_mut(&mut self) -> &mut [usize] {
        let used = (self.end as usize - self.ptr as usize) / WORD;
        let len = self.mem.len();
        &mut self.mem[len - used..]
    }
    /// The whole arena as words, for poisoning and verification.
    pub fn words_mut(&mut self) -> &mut [usize] {
        &mut self.mem
    }
    /// The spare arena's word range `[lo, hi)` (empty when there is none): any pointer into
    /// it refers to a block that the last minor collection evacuated.
    pub fn spare_range(&self) -> (usize, usize) {
        let lo = self.spare.as_ptr() as usize;
        (lo, lo + self.spare.len() * WORD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framed_allocation_counts_block_words_only() {
        let mut m = MinorHeap::with_layout(1000, 3, true);
        assert_eq!(m.wsize(), 1000);
        let p = m.try_alloc_framed(3, 2).expect("room");
        assert_eq!(m.used_words(), 3);
        assert_eq!(m.overhead, 2);
        assert_eq!((m.end as usize - p as usize) / WORD, 5);
        // 999 more block words do not fit under the limit, 997 do.
        assert!(m.try_alloc_framed(999, 2).is_none());
        assert!(m.try_alloc_framed(997, 2).is_some());
        assert_eq!(m.used_words(), 1000);
        let (lo, hi) = m.spare_range();
        m.flip();
        assert_eq!(m.used_words(), 0);
        assert_eq!(m.start as usize, lo);
        assert_eq!(m.end as usize, hi);
    }
}
