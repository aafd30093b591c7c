//! The major heap: size-classed pools for blocks of up to 128 words, and separately
//! allocated large blocks. It only hands out and takes back memory; marking and sweeping
//! policy live in `gc/`.
//!
//! Invariants: every pool is on exactly one list of its class (`avail` if it has a free slot,
//! `full` otherwise); `large` holds every large block exactly once; `pool_count` and
//! `large_words` are the pools and large-block words held by those lists; the occupancy
//! counters (`pool_blocks`, `pool_block_words`, `pool_frag_words`) describe the blocks handed
//! out and not yet freed, so that [`MajorHeap::occupancy`] (what `Gc.quick_stat` reports) costs
//! no walk; `max_words` is the largest `occupancy().heap_words()` seen.
//!
//! AddressSanitizer builds: a pool slot is poisoned for ASan from the moment the sweep frees
//! it until `alloc` hands it out again (see `pool`), and it is not handed out at once: it
//! waits in a quarantine ([`PoolQuarantine`]) until `POOL_QUARANTINE_WORDS` words freed
//! after it are waiting too, as ASan's own allocator does with `free`d memory; so a dangling
//! pointer to a swept block keeps pointing at poison for a while instead of at the next block
//! allocated there. Large blocks go back to the C allocator through the shim when freed,
//! where ASan (or, in hardened builds, the shim's quarantine) poisons them.

use super::pool::{self, PoolHeader, SIZE_CLASSES};
use super::value::{Header, Value, WORD};

/// Extra words before a large block's header: the block's total byte size.
pub const LARGE_PREFIX_WSIZE: usize = 2;

pub struct MajorHeap {
    avail: [*mut PoolHeader; 32],
    full: [*mut PoolHeader; 32],
    #[cfg(warden_asan)]
    quarantine: PoolQuarantine,
    /// Header addresses of large blocks.
    pub large: Vec<*mut usize>,
    pub pool_count: usize,
    /// Words of the large blocks, headers included (as handed out: framing words too).
    pub large_words: usize,
    /// Blocks allocated in pools and not freed yet.
    pool_blocks: usize,
    /// Their words, headers included (as handed out: framing words too).
    pool_block_words: usize,
    /// Pool words that hold no block: each pool's header and the waste before its first
    /// slot, and the part of each block's slot beyond the block.
    pool_frag_words: usize,
    /// Framing words the layer above adds to each block it allocates (the checker's canary
    /// words; 0 in production), left out of [`MajorHeap::occupancy`].
    frame_words: usize,
    /// The largest `occupancy().heap_words()` so far (`Gc.quick_stat`'s `top_heap_words`).
    pub max_words: usize,
}

/// The heap's occupancy as the stock runtime's heap statistics define it, in words, framing
/// words left out (so a hardened build reports production's figures for the same blocks).
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occupancy {
    /// Pool memory.
    pub pool_words: usize,
    pub pool_live_words: usize,
    pub pool_live_blocks: usize,
    /// Pool headers, the waste at the start of each pool, and slot space beyond each block.
    pub pool_frag_words: usize,
    /// Words of large blocks, headers included.
    pub large_words: usize,
    pub large_blocks: usize,
}

impl Occupancy {
    /// The heap's size (`Gc.quick_stat`'s `heap_words`).
    pub fn heap_words(&self) -> usize {
        self.pool_words + self.large_words
    }
}

// SAFETY: the heap owns its pools; access is serialised by the runtime's heap lock.
unsafe impl Send for MajorHeap {}

impl Default for MajorHeap {
    fn default() -> Self {
        Self::new()
    }
}

impl MajorHeap {
    pub fn new() -> MajorHeap {
        MajorHeap::with_frame_words(0)
    }

    /// An empty heap whose every block will carry `frame_words` framing words (see
    /// `frame_words`).
    pub fn with_frame_words(frame_words: usize) -> MajorHeap {
        MajorHeap {
            avail: [std::ptr::null_mut(); 32],
            full: [std::ptr::null_mut(); 32],
            #[cfg(warden_asan)]
            quarantine: PoolQuarantine::default(),
            large: Vec::new(),
            pool_count: 0,
            large_words: 0,
            pool_blocks: 0,
            pool_block_words: 0,
            pool_frag_words: 0,
            frame_words,
            max_words: 0,
        }
    }

    /// The memory the heap holds, in words, framing words included.
    pub fn heap_words(&self) -> usize {
        self.pool_count * pool::POOL_WSIZE + self.large_words
    }

    /// The occupancy now, from the counters (no walk).
    pub fn occupancy(&self) -> Occupancy {
        let pool_framing = self.pool_blocks * self.frame_words;
        Occupancy {
            pool_words: self.pool_count * pool::POOL_WSIZE - pool_framing,
            pool_live_words: self.pool_block_words - pool_framing,
            pool_live_blocks: self.pool_blocks,
            pool_frag_words: self.pool_frag_words,
            large_words: self.large_words - self.large.len() * self.frame_words,
            large_blocks: self.large.len(),
        }
    }

    /// Records the heap's size in `max_words`. Called where it may grow: a new pool or large
    /// block, and after a sweep (freeing blocks gives their framing words back to
    /// `pool_words` in hardened builds).
    fn note_size(&mut self) {
        let w = self.occupancy().heap_words();
        if w > self.max_words {
            self.max_words = w;
        }
    }

    /// Allocates a block of `wosize` fields (wosize >= 1) and writes its header with
    /// `color`. Fields are not initialised. The runtime's own blocks come here: when the C
    /// allocator refuses a large block, the runtime dies as the stock one does.
    #[inline]
    pub fn alloc(&mut self, wosize: usize, tag: u8, color: usize) -> Value {
        self.try_alloc(wosize, tag, color).unwrap_or_else(|| crate::fatal("out of memory"))
    }

    /// As [`MajorHeap::alloc`], but `None` when the C allocator refuses a large block (or
    /// its byte size overflows), for primitives that raise `Out_of_memory` then. Small
    /// blocks never fail here (a pool that cannot be had is fatal).
    #[inline]
    pub fn try_alloc(&mut self, wosize: usize, tag: u8, color: usize) -> Option<Value> {
        let whsize = wosize + 1;
        let hp = if whsize <= pool::SIZECLASS_MAX {
            let class = pool::sizeclass_of(whsize);
            let slot = self.alloc_small_slot(class);
            self.pool_blocks += 1;
            self.pool_block_words += whsize;
            self.pool_frag_words += SIZE_CLASSES[class] - whsize;
            slot
        } else {
            self.alloc_large(whsize)?
        };
        // SAFETY: hp points to at least whsize writable words.
        unsafe {
            *hp = Header::new(wosize, tag, color).0;
            Some(Value(hp.add(1) as usize))
        }
    }

    fn alloc_small_slot(&mut self, class: usize) -> *mut usize {
        let mut p = self.avail[class];
        if p.is_null() {
            p = pool::new_pool(class);
            self.pool_count += 1;
            self.pool_frag_words += pool::overhead_words(class);
            self.avail[class] = p;
            self.note_size();
        }
        // SAFETY: pools on the avail list have a non-empty free list.
        unsafe {
            let slot = (*p).free;
            (*p).free = *slot.add(1) as *mut usize;
            (*p).live += 1;
            if (*p).free.is_null() {
                self.avail[class] = (*p).next;
                (*p).next = self.full[class];
                self.full[class] = p;
            }
            pool::unpoison_slot(slot, SIZE_CLASSES[class]);
            slot
        }
    }

    /// A large block of `whsize` words (header included), or `None` when its size
    /// overflows or the C allocator refuses it; nothing is recorded then.
    #[cold]
    fn alloc_large(&mut self, whsize: usize) -> Option<*mut usize> {
        let bytes = whsize.checked_add(LARGE_PREFIX_WSIZE)?.checked_mul(WORD)?;
        let mem =
            super::shim::alloc(bytes, 16, super::shim::Kind::Large, super::shim::Init::Uninit)?
                .as_ptr() as *mut usize;
        // SAFETY: mem holds whsize + prefix words.
        unsafe {
            *mem = whsize;
            *mem.add(1) = 0;
            let hp = mem.add(LARGE_PREFIX_WSIZE);
            self.large.push(hp);
            self.large_words += whsize;
            self.note_size();
            Some(hp)
        }
    }

    /// Frees a large block given its header address.
    ///
    /// # Safety
    /// `hp` must be a large block header from this heap, already removed from `large`.
    pub unsafe fn free_large(&mut self, hp: *mut usize) {
        // SAFETY: the prefix holds the whsize written at allocation; `mem` is the address
        // `alloc_large` got from the shim, freed once (the caller's contract).
        unsafe {
            let mem = hp.sub(LARGE_PREFIX_WSIZE);
            let whsize = *mem;
            self.large_words -= whsize;
            super::shim::free(std::ptr::NonNull::new_unchecked(mem as *mut u8));
        }
    }

    /// Visits every allocated small slot (header address) of every pool, and lets the
    /// visitor free it by returning true. Pools left empty are released.
    pub fn sweep_pools(&mut self, mut visit: impl FnMut(*mut usize) -> bool) {
        // ASan builds: the oldest quarantined slots beyond the budget become free slots like
        // any other, linked below.
        #[cfg(warden_asan)]
        self.quarantine.release_beyond(POOL_QUARANTINE_WORDS);
        for (class, &sz) in SIZE_CLASSES.iter().enumerate().skip(1) {
            let n = pool::slots_per_pool(class);
            let mut pools = Vec::new();
            for list in [self.avail[class], self.full[class]] {
                let mut p = list;
                while !p.is_null() {
                    pools.push(p);
                    // SAFETY: p is a live pool on one of our lists.
                    p = unsafe { (*p).next };
                }
            }
            self.avail[class] = std::ptr::null_mut();
            self.full[class] = std::ptr::null_mut();
            for p in pools {
                let first = pool::first_slot(p, class);
                let mut free: *mut usize = std::ptr::null_mut();
                let mut live = 0;
                // Free slots kept off the free list (quarantined, ASan builds only).
                let mut held = 0;
                for i in (0..n).rev() {
                    let slot = first.wrapping_add(i * sz);
                    if self.is_quarantined(slot) {
                        // Its words are all poisoned, header included.
                        held += 1;
                        continue;
                    }
                    // SAFETY: slot is inside pool p.
                    unsafe {
                        // The block's size as handed out: its header before the visitor
                        // (which may poison the block) sees it.
                        let whsize = Header(*slot).wosize() + 1;
                        if *slot != 0 && visit(slot) {
                            *slot = 0;
                            self.pool_blocks -= 1;
                            self.pool_block_words -= whsize;
                            self.pool_frag_words -= sz - whsize;
                            // ASan builds: the freed block's words become inaccessible (the
                            // visitor has done with them).
                            pool::poison_free_slot(slot, sz);
                            #[cfg(warden_asan)]
                            {
                                self.quarantine.hold(slot, sz);
                                held += 1;
                                continue;
                            }
                        }
                        if *slot != 0 {
                            live += 1;
                        } else {
                            *slot.add(1) = free as usize;
                            free = slot;
                        }
                    }
                }
                if live == 0 && held == 0 {
                    // SAFETY: no live block remains in p.
                    unsafe { pool::free_pool(p) };
                    self.pool_count -= 1;
                    self.pool_frag_words -= pool::overhead_words(class);
                    continue;
                }
                // SAFETY: p is a live pool.
                unsafe {
                    (*p).free = free;
                    (*p).live = live;
                    if free.is_null() {
                        (*p).next = self.full[class];
                        self.full[class] = p;
                    } else {
                        (*p).next = self.avail[class];
                        self.avail[class] = p;
                    }
                }
            }
        }
        self.note_size();
    }

    /// The pools holding quarantined slots, by address, with repeats (ASan builds; none
    /// otherwise). With the pools holding blocks they are every pool of the heap.
    pub fn quarantined_pools(&self) -> Vec<usize> {
        #[cfg(warden_asan)]
        return self
            .quarantine
            .order
            .iter()
            .map(|&(slot, _)| pool::pool_of(slot as usize) as usize)
            .collect();
        #[cfg(not(warden_asan))]
        Vec::new()
    }

    /// Whether free slot `slot` is in the quarantine (never, without ASan).
    #[inline(always)]
    fn is_quarantined(&self, _slot: *mut usize) -> bool {
        #[cfg(warden_asan)]
        return self.quarantine.holds(_slot);
        #[cfg(not(warden_asan))]
        false
    }

    /// Visits every live block's header address (pools and large blocks).
    pub fn for_each_block(&self, mut visit: impl FnMut(*mut usize)) {
        for (class, &sz) in SIZE_CLASSES.iter().enumerate().skip(1) {
            let n = pool::slots_per_pool(class);
            for list in [self.avail[class], self.full[class]] {
                let mut p = list;
                while !p.is_null() {
                    let first = pool::first_slot(p, class);
                    for i in 0..n {
                        let slot = first.wrapping_add(i * sz);
                        // SAFETY: slot is inside pool p (a quarantined one is not read).
                        if !self.is_quarantined(slot) && unsafe { *slot } != 0 {
                            visit(slot);
                        }
                    }
                    // SAFETY: p is a live pool.
                    p = unsafe { (*p).next };
                }
            }
        }
        for &hp in &self.large {
            visit(hp);
        }
    }
}

/// Words of swept pool slots that the ASan quarantine holds back before the oldest are handed
/// out again (32 MiB, as the shim's default quarantine for large blocks).
#[cfg(warden_asan)]
pub const POOL_QUARANTINE_WORDS: usize = (32 << 20) / WORD;

/// ASan builds: swept pool slots not yet back on their pools' free lists, oldest first. A
/// quarantined slot has header 0 like any free slot, and all its words are poisoned, header
/// included, so that even reading a dangling block's header is a report: the heap's walkers
/// and the sweep ask `holds` before they read a slot's header. The sweep leaves a
/// quarantined slot off the free list and keeps its pool, until `release_beyond` lets it go.
#[cfg(warden_asan)]
#[derive(Default)]
struct PoolQuarantine {
    order: std::collections::VecDeque<(*mut usize, usize)>,
    members: std::collections::HashSet<usize>,
    words: usize,
}

#[cfg(warden_asan)]
impl PoolQuarantine {
    /// Takes in a slot of `sz` words the sweep just freed (header 0 written, words 2..
    /// already poisoned).
    fn hold(&mut self, slot: *mut usize, sz: usize) {
        // SAFETY: the slot is free and ours; while held nobody reads its header (`holds` is
        // asked first) and its word 1 is not a free-list link.
        unsafe { super::shim::asan_poison(slot as *const u8, 2 * WORD) };
        self.order.push_back((slot, sz));
        self.members.insert(slot as usize);
        self.words += sz;
    }

    fn holds(&self, slot: *mut usize) -> bool {
        self.members.contains(&(slot as usize))
    }

    /// Lets the oldest slots go until at most `budget` words are held; the next free-list
    /// rebuild links them (their header and link words are made accessible again).
    fn release_beyond(&mut self, budget: usize) {
        while self.words > budget {
            let Some((slot, sz)) = self.order.pop_front() else { break };
            self.members.remove(&(slot as usize));
            self.words -= sz;
            // SAFETY: the slot is still a free slot of a live pool (a pool holding a
            // quarantined slot is never released); its header (0) and link word become
            // accessible, as in any free slot.
            unsafe { super::shim::asan_unpoison(slot as *const u8, 2 * WORD) };
        }
    }
}

/// Run by `sanitizers/asan.sh` (the library's tests built with AddressSanitizer).
#[cfg(all(test, warden_asan))]
mod asan_tests {
    use super::*;
    use crate::heap::shim::asan_is_poisoned;

    fn word(hp: *mut usize, i: usize) -> *const u8 {
        hp.wrapping_add(i) as *const u8
    }

    #[test]
    fn swept_slots_are_poisoned_until_handed_out_again() {
        let mut heap = MajorHeap::new();
        // Two blocks of 5 fields in one pool (slots of 6 words): the first dies, the second
        // keeps the pool alive.
        let dead = heap.alloc(5, 0, 0).header_ptr();
        let live = heap.alloc(5, 0, 0).header_ptr();
        for i in 0..6 {
            assert!(!asan_is_poisoned(word(dead, i)), "word {i} of a live block");
        }
        // A slot never handed out is poisoned from word 2 on.
        let fresh = live.wrapping_add(6);
        assert!(!asan_is_poisoned(word(fresh, 0)) && !asan_is_poisoned(word(fresh, 1)));
        assert!(asan_is_poisoned(word(fresh, 2)) && asan_is_poisoned(word(fresh, 5)));
        heap.sweep_pools(|slot| slot == dead);
        // The freed block, quarantined: every word poisoned, header included.
        for i in 0..6 {
            assert!(asan_is_poisoned(word(dead, i)), "word {i} of a swept block");
        }
        assert!(!asan_is_poisoned(word(live, 3)));
        // While quarantined it is not handed out, even by later sweeps.
        heap.sweep_pools(|_| false);
        let next = heap.alloc(5, 0, 0).header_ptr();
        assert_eq!(next, fresh);
        assert!(asan_is_poisoned(word(dead, 1)));
        // Once released, the next sweep links it and the free list hands the lowest slot
        // out first: the swept one, readable again.
        heap.quarantine.release_beyond(0);
        assert!(!asan_is_poisoned(word(dead, 0)) && !asan_is_poisoned(word(dead, 1)));
        assert!(asan_is_poisoned(word(dead, 2)));
        heap.sweep_pools(|_| false);
        let again = heap.alloc(5, 0, 0).header_ptr();
        assert_eq!(again, dead);
        for i in 0..6 {
            assert!(!asan_is_poisoned(word(again, i)), "word {i} of a reused slot");
        }
    }

    #[test]
    fn a_pool_holding_quarantined_slots_is_kept() {
        let mut heap = MajorHeap::new();
        let only = heap.alloc(5, 0, 0).header_ptr();
        heap.sweep_pools(|_| true);
        assert_eq!(heap.pool_count, 1, "the pool of a quarantined slot was released");
        assert!(asan_is_poisoned(word(only, 0)));
        // The walkers skip it without reading its header.
        let mut seen = 0;
        heap.for_each_block(|_| seen += 1);
        assert_eq!(seen, 0);
        heap.quarantine.release_beyond(0);
        heap.sweep_pools(|_| false);
        assert_eq!(heap.pool_count, 0, "an empty pool was kept");
    }

    #[test]
    fn freed_large_blocks_are_poisoned() {
        let mut heap = MajorHeap::new();
        let hp = heap.alloc(300, 0, 0).header_ptr();
        assert!(!asan_is_poisoned(word(hp, 100)));
        heap.large.retain(|&b| b != hp);
        // SAFETY: hp is a large block of this heap, just removed from `large`.
        unsafe { heap.free_large(hp) };
        assert!(asan_is_poisoned(word(hp, 0)) && asan_is_poisoned(word(hp, 100)));
    }
}

/// (Not in ASan builds, whose quarantine keeps swept slots' pools.)
#[cfg(all(test, not(warden_asan)))]
mod tests {
    use super::*;
    use crate::heap::pool::{overhead_words, POOL_WSIZE};

    /// The occupancy by walking the heap: what the counters must always equal.
    fn walked(heap: &MajorHeap) -> Occupancy {
        let large: std::collections::HashSet<usize> =
            heap.large.iter().map(|&hp| hp as usize).collect();
        let mut o = Occupancy { large_blocks: heap.large.len(), ..Occupancy::default() };
        let mut pools = std::collections::HashSet::new();
        heap.for_each_block(|hp| {
            // SAFETY: hp is the header of a block of the heap.
            let whsize = unsafe { Header(*hp) }.wosize() + 1 - heap.frame_words;
            if large.contains(&(hp as usize)) {
                o.large_words += whsize;
                return;
            }
            let p = pool::pool_of(hp as usize);
            // SAFETY: hp lies in a live pool, whose header holds its size class.
            let class = unsafe { (*p).class };
            if pools.insert(p as usize) {
                o.pool_frag_words += overhead_words(class);
            }
            o.pool_live_words += whsize;
            o.pool_live_blocks += 1;
            o.pool_frag_words += SIZE_CLASSES[class] - whsize - heap.frame_words;
        });
        o.pool_words = heap.pool_count * POOL_WSIZE - o.pool_live_blocks * heap.frame_words;
        o
    }

    #[test]
    fn occupancy_counters_follow_allocation_and_sweep() {
        for frame in [0, 3] {
            let mut heap = MajorHeap::with_frame_words(frame);
            let mut blocks = Vec::new();
            for i in 0..3000usize {
                let wosize = 1 + (i * 7) % 120 + frame;
                blocks.push(heap.alloc(wosize, 0, 0).header_ptr() as usize);
            }
            for i in 0..3 {
                blocks.push(heap.alloc(300 + i + frame, 0, 0).header_ptr() as usize);
            }
            let o = heap.occupancy();
            assert_eq!(o, walked(&heap));
            assert_eq!((o.pool_live_blocks, o.large_blocks), (3000, 3));
            assert_eq!(heap.max_words, o.heap_words());
            // Free every third block (and its large twins), then everything.
            let dead: std::collections::HashSet<usize> =
                blocks.iter().copied().step_by(3).collect();
            heap.sweep_pools(|slot| dead.contains(&(slot as usize)));
            let gone: Vec<*mut usize> =
                heap.large.iter().copied().filter(|&hp| dead.contains(&(hp as usize))).collect();
            heap.large.retain(|hp| !dead.contains(&(*hp as usize)));
            for hp in gone {
                // SAFETY: hp is a large block of this heap, just removed from `large`.
                unsafe { heap.free_large(hp) };
            }
            assert_eq!(heap.occupancy(), walked(&heap));
            assert!(heap.max_words >= heap.occupancy().heap_words());
            heap.sweep_pools(|_| true);
            let o = heap.occupancy();
            assert_eq!(o, walked(&heap));
            assert_eq!((o.pool_words, o.pool_live_words, o.pool_frag_words), (0, 0, 0));
        }
    }
}
