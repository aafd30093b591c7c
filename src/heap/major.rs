//! The major heap: size-classed pools for blocks of up to 128 words (`pools`: each domain
//! allocates from a [`PoolSet`] of its own, and promotes into the stopped world's leader's;
//! the heap keeps a set for the pools of a domain that exits last), and separately
//! allocated large blocks. It only hands out and takes back memory; marking and sweeping
//! policy live in `gc/`.
//!
//! Two parts, two owners:
//!
//! - [`Directory`], shared (`Arc`) with every domain: behind its own short mutex, the
//!   address of every pool of the heap, whoever owns it; a domain takes it for a fresh pool
//!   (one per 32 KiB of small blocks), and the checker for a snapshot of the heap's regions;
//!   nothing else waits on it. And every large block, in one list per allocator, each with
//!   a lock of its own (`large`: a domain allocating a large block takes only its own).
//! - [`MajorHeap`], under the heap lock (or a stopped world's leader): the heap's own pool
//!   set (the pools of an exiting domain when no other domain can adopt them), the ASan
//!   quarantine, the peak size, and each domain's pool counters as of the last stopped world
//!   (for statistics read while that domain runs).
//!
//! Invariants: every pool is in exactly one set and in the directory's `pools`, or, empty
//! (every slot free and linked), in exactly one of its spare lists and in no set; the large
//! lists hold every large block once (see `large`); occupancy comes from the sets' counters,
//! the directory and the large lists' counts, with no walk; `max_words` is the largest
//! `heap_words` seen (memory is freed only by sweeps, and the peak is recorded before each).
//!
//! AddressSanitizer builds: a pool slot is poisoned for ASan from the moment the sweep frees
//! it until it is handed out again (see `pool`), and waits in a quarantine first (see
//! `pools`). Large blocks go back to the C allocator through the shim when freed, where ASan
//! (or, in hardened builds, the shim's quarantine) poisons them.

use super::large::LargeLists;
use super::pool::{self, PoolHeader};
use super::pools::{PoolCounters, PoolSet, Quarantine};
use super::value::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

/// What the directory's mutex guards.
#[derive(Default)]
pub struct DirState {
    /// Every pool of the heap (its address), whichever set holds it.
    pub pools: HashSet<usize>,
    /// Pools a sweep emptied, kept for reuse by class (at most [`spare_budget`] in all), out
    /// of `pools`: every slot free and linked, so a set takes one in at no cost.
    spare: [Vec<*mut PoolHeader>; pool::SIZE_CLASSES.len()],
    /// How many pools `spare` holds, every class together.
    spares: usize,
}

/// Emptied pools the directory keeps rather than give back to the system: a program whose
/// blocks of some class all die at each cycle would otherwise free pools at each sweep and
/// take them again right after, each costing a `madvise` call and, when touched again, a
/// page fault per page and the linking of its slots (bench/binary_trees: 1021 pools given
/// back and taken again in one run with 4 kept per class). At least `SPARE_MIN` pools (2
/// MiB), and up to a quarter of the heap's pools: the stock runtime keeps every emptied
/// pool for reuse, so this holds less than it would.
const SPARE_MIN: usize = 64;

/// The most spare pools kept while the heap has `pools` pools in its sets.
fn spare_budget(pools: usize) -> usize {
    SPARE_MIN.max(pools / 4)
}

/// The heap's pools, shared by every domain under a short lock, and its large blocks (in
/// lists of their own, each with its own lock: `large`).
pub struct Directory {
    state: Mutex<DirState>,
    pub large: LargeLists,
}

// SAFETY: the raw pointers are the heap's own memory; the mutex serialises every access.
unsafe impl Send for DirState {}

impl Directory {
    /// The directory of an empty heap for `slots` domains.
    pub fn new(slots: usize) -> Directory {
        Directory { state: Mutex::default(), large: LargeLists::new(slots) }
    }

    /// The directory's state, for the time of a short operation. Never held across a call
    /// that may take it again (an allocation, a checker hook).
    pub fn lock(&self) -> MutexGuard<'_, DirState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The memory the heap holds, in words, framing words included: pools and large blocks.
    pub fn heap_words(&self) -> usize {
        let pools = self.lock().pools.len();
        pools * pool::POOL_WSIZE + self.large.words()
    }

    /// A block of `wosize` fields (wosize >= 1) with its header written (`color`), taken from
    /// `set` (which gets a fresh pool when it has no free slot of the class) or, when large,
    /// from the C allocator. Fields are not initialised. `None` when the C allocator refuses
    /// a large block (or its byte size overflows); a pool that cannot be had is fatal.
    #[inline]
    pub fn try_alloc(
        &self,
        set: &mut PoolSet,
        wosize: usize,
        tag: u8,
        color: usize,
    ) -> Option<Value> {
        let whsize = wosize + 1;
        let hp = if whsize <= pool::SIZECLASS_MAX {
            let class = pool::sizeclass_of(whsize);
            match set.try_alloc(class, wosize, tag, color) {
                Some(hp) => hp,
                None => self.alloc_with_new_pool(set, class, wosize, tag, color),
            }
        } else {
            let hp = self.large.alloc(set.large_list, whsize)?;
            // SAFETY: hp points to whsize writable words.
            unsafe { *hp = super::value::Header::new(wosize, tag, color).0 };
            hp
        };
        // SAFETY: the block's header is at hp.
        Some(Value(unsafe { hp.add(1) } as usize))
    }

    #[cold]
    #[inline(never)]
    fn alloc_with_new_pool(
        &self,
        set: &mut PoolSet,
        class: usize,
        wosize: usize,
        tag: u8,
        color: usize,
    ) -> *mut usize {
        let mut d = self.lock();
        let p = match d.take_spare(class) {
            Some(p) => p,
            None => {
                // Not under the lock: the system may take a while.
                drop(d);
                let p = pool::new_pool(class);
                d = self.lock();
                p
            }
        };
        d.pools.insert(p as usize);
        drop(d);
        // SAFETY: a fresh pool, in no set yet.
        unsafe { set.add_pool(p) };
        set.try_alloc(class, wosize, tag, color)
            .unwrap_or_else(|| crate::fatal("a fresh pool has no free slot"))
    }

    /// Gives back pools that a sweep emptied: kept as spares of their class up to the
    /// [`spare_budget`], the others freed.
    ///
    /// # Safety
    /// Each pool must come from this directory, hold no live block, have every slot on its
    /// free list and belong to no set.
    pub unsafe fn release_pools(&self, pools: &[*mut PoolHeader]) {
        if pools.is_empty() {
            return;
        }
        let mut freed = Vec::new();
        let mut d = self.lock();
        for &p in pools {
            d.pools.remove(&(p as usize));
            // SAFETY: a pool of this directory: its header is readable.
            let class = unsafe { (*p).class };
            if d.spares < spare_budget(d.pools.len()) {
                d.spare[class].push(p);
                d.spares += 1;
            } else {
                freed.push(p);
            }
        }
        drop(d);
        for p in freed {
            // SAFETY: the caller's contract.
            unsafe { pool::free_pool(p) };
        }
    }
}

impl Drop for DirState {
    fn drop(&mut self) {
        for p in self.spare.iter_mut().flat_map(std::mem::take) {
            // SAFETY: a spare pool holds no block and belongs to no set.
            unsafe { pool::free_pool(p) };
        }
    }
}

impl DirState {
    /// A spare pool for class `class`: one of that class as it is, else one of another
    /// class made over (every slot free and linked either way).
    fn take_spare(&mut self, class: usize) -> Option<*mut PoolHeader> {
        let p = match self.spare[class].pop() {
            Some(p) => p,
            None => {
                let other = self.spare.iter_mut().find(|s| !s.is_empty())?;
                let p = other.pop()?;
                // SAFETY: a spare pool: no block, in no set, ours under the directory's lock.
                unsafe { pool::reformat(p, class) };
                p
            }
        };
        self.spares -= 1;
        Some(p)
    }
}

/// The heap's shared part (heap lock or stopped world); see the module docs.
pub struct MajorHeap {
    /// The heap's own pools: those of a domain that exited when no other domain was left to
    /// adopt them (and the unit tests' blocks).
    pub pools: PoolSet,
    pub dir: Arc<Directory>,
    pub quarantine: Quarantine,
    /// Framing words the layer above adds to each block it allocates (the checker's canary
    /// words; 0 in production), left out of [`MajorHeap::occupancy`].
    frame_words: usize,
    /// The largest `occupancy().heap_words()` so far (`Gc.quick_stat`'s `top_heap_words`).
    pub max_words: usize,
    /// Each domain's pool counters (by young-space slot) as of the last stopped world.
    snaps: Vec<PoolCounters>,
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

impl MajorHeap {
    /// An empty heap for `slots` domains, whose every block will carry `frame_words`
    /// framing words (see `frame_words`).
    pub fn new(frame_words: usize, slots: usize) -> MajorHeap {
        MajorHeap {
            pools: PoolSet::default(),
            dir: Arc::new(Directory::new(slots.max(1))),
            quarantine: Quarantine::default(),
            frame_words,
            max_words: 0,
            snaps: vec![PoolCounters::default(); slots.max(1)],
        }
    }

    /// Allocates a block of `wosize` fields (wosize >= 1) in the heap's own pools and
    /// writes its header with `color`. Fields are not initialised. When the C allocator
    /// refuses a large block, the runtime dies as the stock one does.
    #[inline]
    pub fn alloc(&mut self, wosize: usize, tag: u8, color: usize) -> Value {
        self.try_alloc(wosize, tag, color).unwrap_or_else(|| crate::fatal("out of memory"))
    }

    /// As [`MajorHeap::alloc`], but `None` when the C allocator refuses a large block.
    #[inline]
    pub fn try_alloc(&mut self, wosize: usize, tag: u8, color: usize) -> Option<Value> {
        self.dir.try_alloc(&mut self.pools, wosize, tag, color)
    }

    /// The occupancy, with `domains` the sum of every domain's pool counters (exact, or as
    /// of the last stopped world for the domains running meanwhile).
    pub fn occupancy(&self, domains: &PoolCounters) -> Occupancy {
        let mut c = self.pools.counters;
        c.add(domains);
        let (large_words, large_blocks) = self.dir.large.totals();
        let pool_framing = c.blocks * self.frame_words;
        Occupancy {
            pool_words: c.pools * pool::POOL_WSIZE - pool_framing,
            pool_live_words: c.block_words - pool_framing,
            pool_live_blocks: c.blocks,
            pool_frag_words: c.frag_words,
            large_words: large_words - large_blocks * self.frame_words,
            large_blocks,
        }
    }

    /// Records `words` (an occupancy's `heap_words`) in `max_words`; returns the peak.
    pub fn note_size(&mut self, words: usize) -> usize {
        self.max_words = self.max_words.max(words);
        self.max_words
    }

    /// Records domain slot `slot`'s pool counters (world stopped).
    pub fn set_snapshot(&mut self, slot: usize, c: PoolCounters) {
        if slot >= self.snaps.len() {
            self.snaps.resize(slot + 1, PoolCounters::default());
        }
        self.snaps[slot] = c;
    }

    /// Every domain's pool counters as of the last stopped world, but slot `except`'s.
    pub fn snapshots_except(&self, except: usize) -> PoolCounters {
        let mut c = PoolCounters::default();
        for (i, s) in self.snaps.iter().enumerate() {
            if i != except {
                c.add(s);
            }
        }
        c
    }

    /// Sweeps the pools of every set in `sets` and of the heap's own set (world stopped):
    /// `visit` frees a slot by returning true; emptied pools go back to the directory.
    pub fn sweep_pools(
        &mut self,
        sets: &mut [&mut PoolSet],
        mut visit: impl FnMut(*mut usize) -> bool,
    ) {
        // ASan builds: the oldest quarantined slots beyond the budget become free slots like
        // any other, linked below.
        #[cfg(warden_asan)]
        self.quarantine.release_beyond(super::pools::POOL_QUARANTINE_WORDS);
        let mut released = self.pools.sweep(&mut self.quarantine, &mut visit);
        for set in sets.iter_mut() {
            released.extend(set.sweep(&mut self.quarantine, &mut visit));
        }
        // SAFETY: the sweep emptied these pools and took them out of their sets.
        unsafe { self.dir.release_pools(&released) };
    }

    /// Visits every live block's header address: the pools of `sets` and of the heap's own
    /// set, then the large blocks.
    pub fn for_each_block(&self, sets: &[&PoolSet], mut visit: impl FnMut(*mut usize)) {
        self.pools.for_each_block(&self.quarantine, &mut visit);
        for set in sets {
            set.for_each_block(&self.quarantine, &mut visit);
        }
        for hp in self.dir.large.all() {
            visit(hp);
        }
    }

    /// Takes large block `hp` out of the list (world stopped, the block dead) and frees it.
    ///
    /// # Safety
    /// `hp` must be a large block header of this heap that nothing will use again.
    pub unsafe fn free_large(&self, hp: *mut usize) {
        // SAFETY: the caller's contract.
        unsafe { self.dir.large.free(hp) };
    }

    /// The pools holding quarantined slots, by address, with repeats (ASan builds; none
    /// otherwise). With the pools holding blocks they are every pool of the heap.
    pub fn quarantined_pools(&self) -> Vec<usize> {
        self.quarantine.pools()
    }
}

impl Default for MajorHeap {
    fn default() -> Self {
        MajorHeap::new(0, 1)
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
        let mut heap = MajorHeap::default();
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
        heap.sweep_pools(&mut [], |slot| slot == dead);
        // The freed block, quarantined: every word poisoned, header included.
        for i in 0..6 {
            assert!(asan_is_poisoned(word(dead, i)), "word {i} of a swept block");
        }
        assert!(!asan_is_poisoned(word(live, 3)));
        // While quarantined it is not handed out, even by later sweeps.
        heap.sweep_pools(&mut [], |_| false);
        let next = heap.alloc(5, 0, 0).header_ptr();
        assert_eq!(next, fresh);
        assert!(asan_is_poisoned(word(dead, 1)));
        // Once released, the next sweep links it and the free list hands the lowest slot
        // out first: the swept one, readable again.
        heap.quarantine.release_beyond(0);
        assert!(!asan_is_poisoned(word(dead, 0)) && !asan_is_poisoned(word(dead, 1)));
        assert!(asan_is_poisoned(word(dead, 2)));
        heap.sweep_pools(&mut [], |_| false);
        let again = heap.alloc(5, 0, 0).header_ptr();
        assert_eq!(again, dead);
        for i in 0..6 {
            assert!(!asan_is_poisoned(word(again, i)), "word {i} of a reused slot");
        }
    }

    #[test]
    fn a_pool_holding_quarantined_slots_is_kept() {
        let mut heap = MajorHeap::default();
        let only = heap.alloc(5, 0, 0).header_ptr();
        heap.sweep_pools(&mut [], |_| true);
        assert_eq!(heap.dir.lock().pools.len(), 1, "the pool of a quarantined slot was released");
        assert!(asan_is_poisoned(word(only, 0)));
        // The walkers skip it without reading its header.
        let mut seen = 0;
        heap.for_each_block(&[], |_| seen += 1);
        assert_eq!(seen, 0);
        heap.quarantine.release_beyond(0);
        heap.sweep_pools(&mut [], |_| false);
        assert_eq!(heap.dir.lock().pools.len(), 0, "an empty pool was kept");
    }

    #[test]
    fn freed_large_blocks_are_poisoned() {
        let mut heap = MajorHeap::default();
        let hp = heap.alloc(300, 0, 0).header_ptr();
        assert!(!asan_is_poisoned(word(hp, 100)));
        // SAFETY: hp is a large block of this heap, used no more.
        unsafe { heap.free_large(hp) };
        assert!(asan_is_poisoned(word(hp, 0)) && asan_is_poisoned(word(hp, 100)));
    }
}

/// (Not in ASan builds, whose quarantine keeps swept slots' pools.)
#[cfg(all(test, not(warden_asan)))]
mod tests {
    use super::*;
    use crate::heap::pool::{overhead_words, POOL_WSIZE, SIZE_CLASSES};
    use crate::heap::value::Header;

    /// The occupancy by walking the heap and the sets: what the counters must always equal.
    fn walked(heap: &MajorHeap, sets: &[&PoolSet]) -> Occupancy {
        let large: HashSet<usize> = heap.dir.large.all().iter().map(|&hp| hp as usize).collect();
        let mut o = Occupancy { large_blocks: large.len(), ..Occupancy::default() };
        let mut pools = HashSet::new();
        heap.for_each_block(sets, |hp| {
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
        o.pool_words =
            heap.dir.lock().pools.len() * POOL_WSIZE - o.pool_live_blocks * heap.frame_words;
        o
    }

    fn counters(sets: &[&PoolSet]) -> PoolCounters {
        let mut c = PoolCounters::default();
        for s in sets {
            c.add(&s.counters);
        }
        c
    }

    /// A freed large block comes back for the next block of its size (production builds),
    /// not for another size, and is out of the heap's large-block count meanwhile.
    #[test]
    fn freed_large_blocks_are_reused_for_their_size() {
        let mut heap = MajorHeap::default();
        let a = heap.alloc(300, 0, 0).header_ptr();
        let b = heap.alloc(500, 0, 0).header_ptr();
        // SAFETY: a and b are large blocks of this heap, used no more.
        unsafe {
            heap.free_large(a);
            heap.free_large(b);
        }
        let o = heap.occupancy(&PoolCounters::default());
        assert_eq!((o.large_words, o.large_blocks), (0, 0));
        let c = heap.alloc(500, 0, 0).header_ptr();
        let d = heap.alloc(400, 0, 0).header_ptr();
        if super::super::large::KEEP_LARGE {
            assert_eq!(c, b, "a kept block of the same size is reused");
            assert_ne!(d, a, "a kept block is not handed out for another size");
        }
        let o = heap.occupancy(&PoolCounters::default());
        assert_eq!((o.large_words, o.large_blocks), (501 + 401, 2));
    }

    #[test]
    fn occupancy_counters_follow_allocation_and_sweep() {
        for frame in [0, 3] {
            let mut heap = MajorHeap::new(frame, 1);
            // A domain's own set besides the heap's.
            let mut own = PoolSet::default();
            let dir = heap.dir.clone();
            let mut blocks = Vec::new();
            for i in 0..3000usize {
                let wosize = 1 + (i * 7) % 120 + frame;
                let v = if i % 2 == 0 {
                    heap.alloc(wosize, 0, 0)
                } else {
                    dir.try_alloc(&mut own, wosize, 0, 0).unwrap()
                };
                blocks.push(v.header_ptr() as usize);
            }
            for i in 0..3 {
                let v = dir.try_alloc(&mut own, 300 + i + frame, 0, 0).unwrap();
                blocks.push(v.header_ptr() as usize);
            }
            let o = heap.occupancy(&own.counters);
            assert_eq!(o, walked(&heap, &[&own]));
            assert_eq!((o.pool_live_blocks, o.large_blocks), (3000, 3));
            assert_eq!(heap.note_size(o.heap_words()), o.heap_words());
            // Free every third block (and its large twins), then everything.
            let dead: HashSet<usize> = blocks.iter().copied().step_by(3).collect();
            heap.sweep_pools(&mut [&mut own], |slot| dead.contains(&(slot as usize)));
            let gone: Vec<*mut usize> = heap
                .dir
                .large
                .all()
                .into_iter()
                .filter(|&hp| dead.contains(&(hp as usize)))
                .collect();
            for hp in gone {
                // SAFETY: hp is a large block of this heap, used no more.
                unsafe { heap.free_large(hp) };
            }
            assert_eq!(heap.occupancy(&own.counters), walked(&heap, &[&own]));
            // An exiting domain's pools join the heap's.
            heap.pools.adopt(&mut own);
            assert_eq!(own.counters, PoolCounters::default());
            assert_eq!(heap.occupancy(&PoolCounters::default()), walked(&heap, &[]));
            assert_eq!(counters(&[&heap.pools]).pools, heap.dir.lock().pools.len());
            heap.sweep_pools(&mut [], |_| true);
            let o = heap.occupancy(&PoolCounters::default());
            assert_eq!(o, walked(&heap, &[]));
            assert_eq!((o.pool_words, o.pool_live_words, o.pool_frag_words), (0, 0, 0));
            assert!(heap.dir.lock().pools.is_empty());
        }
    }
}
