//! The major heap's small blocks: 32 KiB pools, each holding slots of one size class.
//!
//! A pool is `POOL_WSIZE` words aligned to its size, so the pool of any interior address is
//! found by masking. A slot is free iff its header word is 0; a free slot's word 1 links to
//! the next free slot of the same pool. Block headers of live slots carry the block's real
//! wosize (which may be smaller than the slot).
//!
//! In AddressSanitizer builds (`cfg(warden_asan)`) the rest of a free slot (words 2..) and
//! the pool's unused words are poisoned for ASan, so that a read or write through a dangling
//! pointer into a freed block is an ASan report at once; a slot is unpoisoned when it is
//! handed out ([`unpoison_slot`]). Words 0 and 1 stay readable: the sweep reads every
//! slot's header and the free list runs through word 1 (a slot the sweep has just freed
//! waits in `major`'s quarantine first, word 1 poisoned too). Other builds have no such code.

use super::value::WORD;

pub const POOL_WSIZE: usize = 4096;
pub const POOL_BSIZE: usize = POOL_WSIZE * WORD;
/// Words of pool header: next, free list head, size class, live slot count.
pub const POOL_HEADER_WSIZE: usize = 4;

/// Slot sizes in words, header included (the stock runtime's classes).
pub const SIZE_CLASSES: [usize; 32] = [
    1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 17, 19, 22, 25, 28, 32, 33, 37, 42, 47, 53, 59, 65, 73,
    81, 89, 99, 108, 118, 128,
];
/// Largest slot in words, header included.
pub const SIZECLASS_MAX: usize = 128;

/// Size class index for a block of `whsize` words (header included), `whsize <= 128`.
pub fn sizeclass_of(whsize: usize) -> usize {
    SIZE_CLASS_TABLE.with_whsize(whsize)
}

struct ClassTable([u8; SIZECLASS_MAX + 1]);
impl ClassTable {
    const fn build() -> ClassTable {
        let mut t = [0u8; SIZECLASS_MAX + 1];
        let mut w = 0;
        let mut c = 0;
        while w <= SIZECLASS_MAX {
            while SIZE_CLASSES[c] < w {
                c += 1;
            }
            t[w] = c as u8;
            w += 1;
        }
        ClassTable(t)
    }
    fn with_whsize(&self, whsize: usize) -> usize {
        self.0[whsize] as usize
    }
}
static SIZE_CLASS_TABLE: ClassTable = ClassTable::build();

/// The header of a pool (its first `POOL_HEADER_WSIZE` words).
#[repr(C)]
pub struct PoolHeader {
    pub next: *mut PoolHeader,
    pub free: *mut usize,
    pub class: usize,
    pub live: usize,
}

/// First slot address of a pool of class `class` (wastage is put at the start).
pub fn first_slot(pool: *mut PoolHeader, class: usize) -> *mut usize {
    let sz = SIZE_CLASSES[class];
    let avail = POOL_WSIZE - POOL_HEADER_WSIZE;
    let waste = avail % sz;
    (pool as *mut usize).wrapping_add(POOL_HEADER_WSIZE + waste)
}
/// Words of a pool of class `class` that no slot holds: its header and the waste before its
/// first slot.
pub fn overhead_words(class: usize) -> usize {
    POOL_HEADER_WSIZE + (POOL_WSIZE - POOL_HEADER_WSIZE) % SIZE_CLASSES[class]
}
pub fn slots_per_pool(class: usize) -> usize {
    (POOL_WSIZE - POOL_HEADER_WSIZE) / SIZE_CLASSES[class]
}

/// Allocates a fresh pool of class `class` with all slots free and linked.
pub fn new_pool(class: usize) -> *mut PoolHeader {
    let mem = memory::take() as *mut PoolHeader;
    // SAFETY: fresh pool memory, reading as zeros, ours.
    unsafe { format(mem, class) };
    mem
}

/// Makes empty pool `p` (of any class) a pool of class `class` with every slot free and
/// linked, as a fresh one.
///
/// # Safety
/// `p` must come from `new_pool`, hold no block and belong to no set: no one else touches it.
pub unsafe fn reformat(p: *mut PoolHeader, class: usize) {
    // SAFETY: the caller's contract: the pool's memory is ours. Zeroed as fresh memory reads
    // (the checker tells a reused slot by its words, which the old class's slots laid out
    // differently).
    unsafe {
        super::shim::asan_unpoison(p as *const u8, POOL_BSIZE);
        std::ptr::write_bytes(p as *mut u8, 0, POOL_BSIZE);
        format(p, class);
    }
}

/// Lays out pool memory `mem` as a pool of class `class`, every slot free and linked.
///
/// # Safety
/// `mem` must be `POOL_BSIZE` bytes of pool memory reading as zeros, accessible, ours.
unsafe fn format(mem: *mut PoolHeader, class: usize) {
    let sz = SIZE_CLASSES[class];
    let n = slots_per_pool(class);
    let first = first_slot(mem, class);
    let mut free: *mut usize = std::ptr::null_mut();
    // Link so that allocation proceeds from the start of the pool upwards.
    for i in (0..n).rev() {
        let slot = first.wrapping_add(i * sz);
        // SAFETY: slot lies inside the zeroed pool; word 0 = header 0 (free), word 1 = link.
        unsafe {
            *slot = 0;
            if sz > 1 {
                *slot.add(1) = free as usize;
            }
        }
        free = slot;
    }
    // SAFETY: mem is a suitably aligned pool of POOL_BSIZE bytes, ours (the caller's
    // contract).
    unsafe {
        (*mem).next = std::ptr::null_mut();
        (*mem).free = if sz > 1 { free } else { std::ptr::null_mut() };
        (*mem).class = class;
        (*mem).live = 0;
    }
    #[cfg(warden_asan)]
    {
        let waste = first as usize - mem as usize - POOL_HEADER_WSIZE * WORD;
        // SAFETY: the pool is ours and nothing holds a pointer into it yet; the unused words
        // between its header and its first slot are never read.
        unsafe {
            super::shim::asan_poison((mem as *const u8).add(POOL_HEADER_WSIZE * WORD), waste)
        };
        for i in 0..n {
            // SAFETY: every slot of the fresh pool is free.
            unsafe { poison_free_slot(first.wrapping_add(i * sz), sz) };
        }
    }
}

/// Poisons for ASan the words 2.. of a free slot of `sz` words (ASan builds only).
///
/// # Safety
/// `slot` must be a free slot of `sz` words: nothing may read or write its words 2.. until
/// [`unpoison_slot`].
#[cfg(warden_asan)]
pub unsafe fn poison_free_slot(slot: *mut usize, sz: usize) {
    if sz > 2 {
        // SAFETY: the caller's contract; the words lie inside the slot.
        unsafe { super::shim::asan_poison(slot.add(2) as *const u8, (sz - 2) * WORD) };
    }
}

/// Without ASan: nothing.
///
/// # Safety
/// None needed; the ASan version's contract, for the callers' sake.
#[cfg(not(warden_asan))]
#[inline(always)]
pub unsafe fn poison_free_slot(_slot: *mut usize, _sz: usize) {}

/// Makes a slot of `sz` words accessible again for ASan as it is handed out (ASan builds
/// only; elsewhere an empty inline function).
///
/// # Safety
/// `slot` must be a slot of `sz` words that the caller just took off a free list.
#[inline(always)]
pub unsafe fn unpoison_slot(slot: *mut usize, sz: usize) {
    // SAFETY: the caller's contract: the slot is the caller's.
    unsafe { super::shim::asan_unpoison(slot as *const u8, sz * WORD) };
}

/// Returns a pool's memory.
///
/// # Safety
/// `pool` must come from `new_pool` and hold no live block.
pub unsafe fn free_pool(pool: *mut PoolHeader) {
    // SAFETY: the pool's memory is ours until it is given back just below.
    unsafe { super::shim::asan_unpoison(pool as *const u8, POOL_BSIZE) };
    // SAFETY: the caller's contract: nothing uses the pool any more.
    unsafe { memory::give_back(pool as usize) };
}

/// Where pools' memory comes from: chunks of `POOLS_PER_CHUNK` pools mapped at once (and
/// aligned by trimming the mapping), rather than the C allocator, whose aligned allocations
/// leave a hole of up to a pool's size before each pool (measured on bench/sort: 16 MB of
/// brk heap for 9.5 MB of major heap). A pool given back has its pages returned to the
/// system (`MADV_DONTNEED`, so it reads as zeros again) and waits in `free` for reuse; the
/// mappings themselves are never unmapped. Process-wide, behind its own mutex, taken only
/// when a pool set needs a fresh pool and the directory has no spare one, and when a sweep
/// frees pools beyond the directory's spares.
mod memory {
    use super::POOL_BSIZE;
    use std::sync::Mutex;

    const POOLS_PER_CHUNK: usize = 16;

    struct State {
        /// The next pool of the current chunk, and the chunk's end.
        next: usize,
        end: usize,
        /// Pools given back, zero-filled on their next touch.
        free: Vec<usize>,
    }

    static STATE: Mutex<State> = Mutex::new(State { next: 0, end: 0, free: Vec::new() });

    /// The memory of a pool: `POOL_BSIZE` bytes aligned to their size, reading as zeros.
    /// Fatal when the system refuses it.
    pub fn take() -> usize {
        let mut st = STATE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = st.free.pop() {
            return p;
        }
        if st.next == st.end {
            let (start, end) =
                map_chunk().unwrap_or_else(|| crate::fatal("out of memory (major heap pool)"));
            st.next = start;
            st.end = end;
        }
        let p = st.next;
        st.next += POOL_BSIZE;
        p
    }

    /// Takes back pool memory from `take`.
    ///
    /// # Safety
    /// Nothing may use the pool's memory any more.
    pub unsafe fn give_back(p: usize) {
        // SAFETY: the pool's pages are ours and unused (the caller's contract); DONTNEED on a
        // private anonymous mapping makes them read as zeros on their next touch.
        unsafe { libc::madvise(p as *mut libc::c_void, POOL_BSIZE, libc::MADV_DONTNEED) };
        STATE.lock().unwrap_or_else(|e| e.into_inner()).free.push(p);
    }

    /// Maps a chunk of `POOLS_PER_CHUNK` pools aligned to `POOL_BSIZE`: its start and end.
    fn map_chunk() -> Option<(usize, usize)> {
        let bytes = POOLS_PER_CHUNK * POOL_BSIZE;
        let start = crate::heap::anon::map_aligned(bytes, POOL_BSIZE)?.as_ptr() as usize;
        Some((start, start + bytes))
    }
}

/// The pool containing address `a` (valid only if `a` is inside some pool).
#[inline(always)]
#[cfg(any(test, warden_asan, feature = "hardened", debug_assertions))]
pub fn pool_of(a: usize) -> *mut PoolHeader {
    (a & !(POOL_BSIZE - 1)) as *mut PoolHeader
}
