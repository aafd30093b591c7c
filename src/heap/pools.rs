//! A set of pools owned by one allocator: each domain owns one (its major allocations take
//! slots from it with no lock), and the major heap owns one (promotion, and the pools of
//! exited domains). Pools come from, and go back to, the heap's [`super::major::Directory`];
//! this module only hands out slots, sweeps and walks.
//!
//! Invariants: every pool of the set is on exactly one list of its class (`avail` if it has
//! a free slot, `full` otherwise); `counters` describe the set's pools and the blocks handed
//! out of them and not yet freed, so occupancy costs no walk.
//!
//! AddressSanitizer builds: a slot freed by the sweep waits in a [`Quarantine`] (one per
//! heap, shared by every set it sweeps) before it is linked again, as ASan's allocator does
//! with `free`d memory; see `pool` for the poisoning of free slots.

use super::pool::{self, PoolHeader, SIZE_CLASSES};
use super::value::Header;
#[cfg(warden_asan)]
use super::value::WORD;

/// What a pool set holds, in words (framing words included: the layer above subtracts them).
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolCounters {
    /// Pools in the set.
    pub pools: usize,
    /// Blocks allocated in them and not freed yet.
    pub blocks: usize,
    /// Their words, headers included.
    pub block_words: usize,
    /// Pool words that hold no block: each pool's header and the waste before its first
    /// slot, and the part of each block's slot beyond the block.
    pub frag_words: usize,
}

impl PoolCounters {
    pub fn add(&mut self, o: &PoolCounters) {
        self.pools += o.pools;
        self.blocks += o.blocks;
        self.block_words += o.block_words;
        self.frag_words += o.frag_words;
    }
}

/// Size-classed pools of one owner.
pub struct PoolSet {
    avail: [*mut PoolHeader; 32],
    full: [*mut PoolHeader; 32],
    pub counters: PoolCounters,
    /// The large-block list where the set's owner records the large blocks it allocates
    /// (`large`: a domain's own, or the heap's).
    pub large_list: usize,
}

// SAFETY: the set owns its pools; its owner (a domain, or the heap under the heap lock)
// serialises access, and a stopped world's leader touches every set while no one else runs.
unsafe impl Send for PoolSet {}

impl Default for PoolSet {
    fn default() -> Self {
        PoolSet {
            avail: [std::ptr::null_mut(); 32],
            full: [std::ptr::null_mut(); 32],
            counters: PoolCounters::default(),
            large_list: super::large::HEAP_LIST,
        }
    }
}

impl PoolSet {
    /// An empty set whose owner records its large blocks in list `large_list`.
    pub fn with_large_list(large_list: usize) -> PoolSet {
        PoolSet { large_list, ..PoolSet::default() }
    }

    /// A slot of class `class` for a block of `whsize` words (header included), its header
    /// written with `wosize`, `tag` and `color`; None when no pool of the set has a free slot
    /// of that class (the caller adds one with [`PoolSet::add_pool`] and asks again).
    #[inline]
    pub fn try_alloc(
        &mut self,
        class: usize,
        wosize: usize,
        tag: u8,
        color: usize,
    ) -> Option<*mut usize> {
        let p = self.avail[class];
        if p.is_null() {
            return None;
        }
        let whsize = wosize + 1;
        // SAFETY: pools on the avail list have a non-empty free list; the slot is ours.
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
            *slot = Header::new(wosize, tag, color).0;
            self.counters.blocks += 1;
            self.counters.block_words += whsize;
            self.counters.frag_words += SIZE_CLASSES[class] - whsize;
            Some(slot)
        }
    }

    /// Takes in fresh pool `p` (every slot free) of its class.
    ///
    /// # Safety
    /// `p` must come from `pool::new_pool` and belong to no set.
    pub unsafe fn add_pool(&mut self, p: *mut PoolHeader) {
        // SAFETY: the caller hands the pool over; its header is initialised.
        unsafe {
            let class = (*p).class;
            (*p).next = self.avail[class];
            self.avail[class] = p;
            self.counters.pools += 1;
            self.counters.frag_words += pool::overhead_words(class);
        }
    }

    /// Takes over every pool of `other` (an exited domain's), which is left empty.
    pub fn adopt(&mut self, other: &mut PoolSet) {
        for class in 0..SIZE_CLASSES.len() {
            for (mine, theirs) in [
                (&mut self.avail[class], &mut other.avail[class]),
                (&mut self.full[class], &mut other.full[class]),
            ] {
                let head = std::mem::replace(theirs, std::ptr::null_mut());
                if head.is_null() {
                    continue;
                }
                let mut last = head;
                // SAFETY: the pools on `other`'s list are live and now ours.
                unsafe {
                    while !(*last).next.is_null() {
                        last = (*last).next;
                    }
                    (*last).next = *mine;
                }
                *mine = head;
            }
        }
        self.counters.add(&std::mem::take(&mut other.counters));
    }

    /// Takes every pool off the set's lists, class by class (each class's pools with a free
    /// slot first), for a sweep that puts each back with [`PoolSet::put_back`]. The counters
    /// still describe them meanwhile.
    pub fn take_pools(&mut self) -> Vec<*mut PoolHeader> {
        let mut pools = Vec::new();
        for class in 1..SIZE_CLASSES.len() {
            for list in [&mut self.avail[class], &mut self.full[class]] {
                let mut p = std::mem::replace(list, std::ptr::null_mut());
                while !p.is_null() {
                    pools.push(p);
                    // SAFETY: p is a live pool that was on one of our lists.
                    p = unsafe { (*p).next };
                }
            }
        }
        pools
    }

    /// Puts pool `p`, taken off the set by [`PoolSet::take_pools`] and since swept by
    /// [`sweep_pool`] with result `swept`, back on its class's list, or returns it when the
    /// sweep emptied it (it leaves the set: the caller gives it back to the directory).
    ///
    /// # Safety
    /// `p` must come from this set's `take_pools`, swept once since, and be put back once.
    pub unsafe fn put_back(
        &mut self,
        p: *mut PoolHeader,
        swept: &PoolSwept,
    ) -> Option<*mut PoolHeader> {
        self.counters.blocks -= swept.freed_blocks;
        self.counters.block_words -= swept.freed_words;
        self.counters.frag_words -= swept.freed_frag;
        // SAFETY: the caller's contract: p is a live pool of this set, off every list.
        unsafe {
            let class = (*p).class;
            if swept.empty {
                self.counters.pools -= 1;
                self.counters.frag_words -= pool::overhead_words(class);
                return Some(p);
            }
            if (*p).free.is_null() {
                (*p).next = self.full[class];
                self.full[class] = p;
            } else {
                (*p).next = self.avail[class];
                self.avail[class] = p;
            }
        }
        None
    }

    /// Visits every allocated slot (header address) of every pool, and lets the visitor free
    /// it by returning true. Pools left empty leave the set, every slot on their free list,
    /// and are returned (the caller gives them back to the directory).
    pub fn sweep(
        &mut self,
        quarantine: &mut Quarantine,
        mut visit: impl FnMut(*mut usize) -> bool,
    ) -> Vec<*mut PoolHeader> {
        let mut released = Vec::new();
        for p in self.take_pools() {
            // SAFETY: p was just taken off this set; it is swept and put back once.
            unsafe {
                let swept = sweep_pool(p, quarantine, &mut visit);
                released.extend(self.put_back(p, &swept));
            }
        }
        released
    }

    /// Visits every live block's header address in the set's pools (quarantined slots, whose
    /// headers are poisoned for ASan, are not read).
    pub fn for_each_block(&self, quarantine: &Quarantine, mut visit: impl FnMut(*mut usize)) {
        for (class, &sz) in SIZE_CLASSES.iter().enumerate().skip(1) {
            let n = pool::slots_per_pool(class);
            for list in [self.avail[class], self.full[class]] {
                let mut p = list;
                while !p.is_null() {
                    let first = pool::first_slot(p, class);
                    for i in 0..n {
                        let slot = first.wrapping_add(i * sz);
                        // SAFETY: slot is inside pool p (a quarantined one is not read).
                        if !quarantine.holds(slot) && unsafe { *slot } != 0 {
                            visit(slot);
                        }
                    }
                    // SAFETY: p is a live pool.
                    p = unsafe { (*p).next };
                }
            }
        }
    }
}

/// What the sweep of one pool freed, and whether it left the pool empty.
#[derive(Default, Clone, Copy, Debug)]
pub struct PoolSwept {
    /// Blocks freed.
    pub freed_blocks: usize,
    /// Their words, headers included.
    pub freed_words: usize,
    /// The words of their slots beyond them.
    pub freed_frag: usize,
    /// No block is left in the pool (and no slot in the quarantine).
    pub empty: bool,
}

/// Whether a sweep rebuilds each pool's free list from every free slot (ASan builds, where
/// slots released from the quarantine join the list at the next sweep) rather than putting
/// only the slots it frees in front of the list the pool already has (other builds). Without
/// the rebuild a sweep stops at the pool's last block: the pool's `live` count says how many
/// slots hold one, and since a list is handed out lowest slot first its blocks gather at the
/// pool's start, so a mostly empty pool costs little more than its blocks.
const REBUILD_FREE_LISTS: bool = cfg!(warden_asan);

/// Sweeps pool `p`: visits each allocated slot (header address), lowest first, frees those
/// for which `visit` returns true (they go to the front of the pool's free list, lowest
/// first), and counts the live ones. An emptied pool is unlinked (`next` null). Touches the
/// pool only: sweeps of distinct pools may run at once on different threads (with no
/// quarantine: ASan builds sweep on one thread).
///
/// # Safety
/// `p` must be a live pool on no set's list, touched by no one else meanwhile, whose `live`
/// is the number of its slots that hold a block (as `PoolSet::try_alloc` and the sweep keep
/// it).
pub unsafe fn sweep_pool(
    p: *mut PoolHeader,
    quarantine: &mut Quarantine,
    visit: &mut impl FnMut(*mut usize) -> bool,
) -> PoolSwept {
    let mut swept = PoolSwept::default();
    // SAFETY: the caller's contract: p is a live pool, ours for now.
    let (class, old_free, allocated) = unsafe { ((*p).class, (*p).free, (*p).live) };
    let sz = SIZE_CLASSES[class];
    let n = pool::slots_per_pool(class);
    let mut slot = pool::first_slot(p, class);
    // The slots this sweep links, lowest first: `head` .. `tail`, then the rest of the list.
    let mut head: *mut usize = std::ptr::null_mut();
    let mut tail: *mut usize = std::ptr::null_mut();
    let mut link = |s: *mut usize| {
        if tail.is_null() {
            head = s;
        } else {
            // SAFETY: `tail` is a free slot of the pool, its word 1 the link.
            unsafe { *tail.add(1) = s as usize };
        }
        tail = s;
    };
    let mut live = 0;
    // Slots holding a block seen so far.
    let mut seen = 0;
    // Free slots kept off the free list (quarantined, ASan builds only).
    let mut held = 0;
    let mut i = 0;
    while i < n && (REBUILD_FREE_LISTS || seen < allocated) {
        let this = slot;
        i += 1;
        slot = slot.wrapping_add(sz);
        if quarantine.holds(this) {
            // Its words are all poisoned, header included.
            held += 1;
            continue;
        }
        // SAFETY: `this` is a slot inside pool p.
        let hd = unsafe { *this };
        if hd == 0 {
            // Free already: on the pool's list, unless the list is rebuilt.
            if REBUILD_FREE_LISTS {
                link(this);
            }
            continue;
        }
        seen += 1;
        // The block's size as handed out: its header before the visitor (which may poison
        // the block) sees it.
        let whsize = Header(hd).wosize() + 1;
        if !visit(this) {
            live += 1;
            continue;
        }
        // SAFETY: `this` is the slot of a block the visitor let go: free from now on.
        unsafe { *this = 0 };
        swept.freed_blocks += 1;
        swept.freed_words += whsize;
        swept.freed_frag += sz - whsize;
        // ASan builds: the freed block's words become inaccessible (the visitor has done
        // with them).
        // SAFETY: the slot is free; its words 2.. are read by no one until handed out.
        unsafe { pool::poison_free_slot(this, sz) };
        if quarantine.hold(this, sz) {
            held += 1;
            continue;
        }
        link(this);
    }
    #[cfg(debug_assertions)]
    for k in i..n {
        let s = pool::first_slot(p, class).wrapping_add(k * sz);
        // SAFETY: a slot inside pool p, ours (its header readable unless quarantined).
        let free = quarantine.holds(s) || unsafe { *s } == 0;
        debug_assert!(free, "a block beyond the pool's `live` count was not swept");
    }
    let rest = if REBUILD_FREE_LISTS { std::ptr::null_mut() } else { old_free };
    let free = if tail.is_null() {
        rest
    } else {
        // SAFETY: `tail` is a free slot of the pool, its word 1 the link.
        unsafe { *tail.add(1) = rest as usize };
        head
    };
    swept.empty = live == 0 && held == 0;
    // SAFETY: p is a live pool, ours (see above).
    unsafe {
        (*p).free = free;
        (*p).live = live;
        if swept.empty {
            (*p).next = std::ptr::null_mut();
        }
    }
    swept
}

/// Words of swept pool slots that the ASan quarantine holds back before the oldest are handed
/// out again (32 MiB, as the shim's default quarantine for large blocks).
#[cfg(warden_asan)]
pub const POOL_QUARANTINE_WORDS: usize = (32 << 20) / WORD;

/// ASan builds: swept pool slots not yet back on their pools' free lists, oldest first. A
/// quarantined slot has header 0 like any free slot, and all its words are poisoned, header
/// included, so that even reading a dangling block's header is a report: the walkers and the
/// sweep ask `holds` before they read a slot's header. The sweep leaves a quarantined slot
/// off the free list and keeps its pool, until `release_beyond` lets it go. Other builds:
/// an empty struct whose methods do nothing.
#[derive(Default)]
pub struct Quarantine {
    #[cfg(warden_asan)]
    order: std::collections::VecDeque<(*mut usize, usize)>,
    #[cfg(warden_asan)]
    members: std::collections::HashSet<usize>,
    #[cfg(warden_asan)]
    words: usize,
}

// SAFETY: the quarantine's pointers are free slots of the heap's pools, touched only by the
// sweep (a stopped world's leader).
unsafe impl Send for Quarantine {}

impl Quarantine {
    /// Takes in a slot of `sz` words the sweep just freed (header 0 written, words 2..
    /// already poisoned); false (not held) without ASan.
    #[inline(always)]
    fn hold(&mut self, _slot: *mut usize, _sz: usize) -> bool {
        #[cfg(warden_asan)]
        {
            // SAFETY: the slot is free and ours; while held nobody reads its header (`holds`
            // is asked first) and its word 1 is not a free-list link.
            unsafe { super::shim::asan_poison(_slot as *const u8, 2 * WORD) };
            self.order.push_back((_slot, _sz));
            self.members.insert(_slot as usize);
            self.words += _sz;
            true
        }
        #[cfg(not(warden_asan))]
        false
    }

    /// Whether free slot `slot` is in the quarantine (never, without ASan).
    #[inline(always)]
    pub fn holds(&self, _slot: *mut usize) -> bool {
        #[cfg(warden_asan)]
        return self.members.contains(&(_slot as usize));
        #[cfg(not(warden_asan))]
        false
    }

    /// Lets the oldest slots go until at most `budget` words are held; the next free-list
    /// rebuild links them (their header and link words are made accessible again).
    #[cfg(warden_asan)]
    pub fn release_beyond(&mut self, budget: usize) {
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

    /// The pools holding quarantined slots, by address, with repeats (ASan builds; none
    /// otherwise).
    pub fn pools(&self) -> Vec<usize> {
        #[cfg(warden_asan)]
        return self.order.iter().map(|&(slot, _)| pool::pool_of(slot as usize) as usize).collect();
        #[cfg(not(warden_asan))]
        Vec::new()
    }
}
