//! The minor heap: one contiguous arena per domain, allocated downwards by bumping a pointer.
//!
//! Invariants: `start <= ptr <= end`; every word in `[ptr, end)` belongs to a block laid out
//! header first; a block is young iff its address lies in `[start, end)`.

use super::value::{Value, WORD};

pub struct MinorHeap {
    mem: Vec<usize>,
    pub start: *mut usize,
    pub end: *mut usize,
    pub ptr: *mut usize,
}

// SAFETY: the arena is owned by one domain; raw pointers only point into `mem`.
unsafe impl Send for MinorHeap {}

impl MinorHeap {
    /// An arena of `wsize` words (at least 257, as the stock runtime's minimum).
    pub fn new(wsize: usize) -> MinorHeap {
        let wsize = wsize.max(257);
        let mut mem = vec![0usize; wsize];
        let start = mem.as_mut_ptr();
        // SAFETY: `wsize` words were just allocated.
        let end = unsafe { start.add(wsize) };
        MinorHeap { mem, start, end, ptr: end }
    }
    pub fn wsize(&self) -> usize {
        self.mem.len()
    }
    /// Words allocated since the last collection.
    pub fn used_words(&self) -> usize {
        (self.end as usize - self.ptr as usize) / WORD
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
    /// Empties the arena (after a collection moved everything live out).
    pub fn reset(&mut self) {
        self.ptr = self.end;
    }
    /// The whole arena as words, for poisoning and verification.
    pub fn words_mut(&mut self) -> &mut [usize] {
        &mut self.mem
    }
}
