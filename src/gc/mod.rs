//! The garbage collector: allocation paths, the write barrier, minor collection (copying
//! promotion into the major heap), major collection (mark and sweep), finalisers and
//! ephemerons, and the statistics behind `Gc.stat`.
//!
//! ## Protocol: who touches what, when
//!
//! Domains run in parallel (see `domain::lock` for the world and the heap lock). The state
//! is split in two:
//!
//! - **`DomainGc`, one per domain**: its minor arena (a slot of the young space), its
//!   remembered set, its allocation counters, the checker's per-domain record. Only its
//!   domain touches it while the world runs; the leader of a stopped world touches every
//!   domain's. No atomics: the world's mutex orders the hand-over both ways.
//! - **`Gc`, shared**: the young space, the major heap, finalisers, ephemerons, parameters,
//!   global counters, the checker's shared state. Touched under the heap lock, or by the
//!   leader of a stopped world (which also holds the heap lock).
//!
//! What a running domain does without any lock, and why it is safe:
//!
//! 1. *Allocates young* by bumping its own arena's pointer: no one else allocates there.
//! 2. *Reads and writes fields* of any block, young or old, of any domain: blocks do not
//!    move or die while the world runs, since collections happen only while it is stopped.
//!    Word-sized aligned accesses cannot tear; what two domains' racing plain accesses see
//!    is the OCaml memory model's business (atomics use `Atomic*` operations, SeqCst).
//! 3. *Runs the write barrier*: a store of a young value (any domain's arena: the young
//!    space is one range, `young_space::is_young`, published only while the world is
//!    stopped) into a major block records the field in the storing domain's own remembered
//!    set. A minor collection scans every domain's set, so a domain may store another
//!    domain's young value anywhere.
//!
//! 4. *Allocates major blocks* (a block too large for the minor heap, a primitive's block
//!    when its arena is full) from its own pool set (`DomainGc::pools`), taking only the
//!    directory's short mutex for a fresh pool (`heap::major::Directory`), and for a large
//!    block the mutex of its own large list (`heap::large`, which no one else takes while
//!    it runs but the checker and the statistics);
//!    a minor collection promotes what each domain's roots reach into that domain's pools
//!    (`minor`: the parked domains promote their own in production builds), and an exiting
//!    domain's pools go
//!    to another domain (`Gc::adopt_pools`).
//!    Its words are counted in `DomainGc::unflushed`, which only the domain reads, and join
//!    its shared counters and the major-GC pacing at the next flush (`Gc::flush_alloc`):
//!    under the heap lock once a fifth of the minor heap was allocated directly
//!    (`slice_wanted`, as the stock `caml_alloc_shr` asks for a major slice), and at every
//!    stopped world.
//!
//! What needs the heap lock: custom-block memory accounting, finaliser and ephemeron
//! registration, statistics, parameters, flushing a domain's counters; in practice the
//! primitives not in `prims::is_lock_free`.
//!
//! What needs the world stopped: every collection (minor collections empty every domain's
//! arena at once; a major cycle marks and sweeps the whole heap right after one), resizing
//! the minor heaps, and a domain's exit (its arena is emptied, its counters join the exited
//! total and it leaves the registry in one stopped world, so statistics never count it twice
//! or not at all, and `Gc.compact` — a major cycle — cannot race with a domain starting or
//! exiting: both wait for the world, issue 13739's race has no window). Collections happen
//! only at safepoints, where every root is visible through the `Roots` callback: the leader
//! at the safepoint that asked, the others parked at a poll point or outside the world in a
//! blocking section, with their roots published.
//!
//! Allocation from a primitive never collects: when the arena is full the block goes
//! straight to the major heap and a minor collection is wanted at the next poll. So a
//! primitive may hold values in Rust locals across its own allocations; only a callback into
//! OCaml (or a blocking section) may move them (primitives that call back root their values
//! in the domain's local roots).
//!
//! Statistics: a domain's own counters (`Gc.counters`, `Gc.minor_words`) are exact; the
//! global ones (`Gc.quick_stat`, `Gc.stat`) add the exited domains' counters and every other
//! domain's as of its last collection (its arena's current use is unknown to the others
//! until then), so every figure only grows between two calls of one domain. The heap's
//! occupancy likewise: a domain sees its own pools exactly and the others' as of the last
//! stopped world (`Gc::occupancy_seen_by`); the checker, in a stopped world, sees every one.
//!
//! Major blocks are white (unmarked) between cycles; a cycle marks everything reachable
//! black, then sweeps: white blocks are freed, black ones turn white again. The leader
//! marks alone; in production builds the parked domains help it: in a minor collection each
//! promotes its own roots and remembered set (`minor`), and they sweep the pools with it, taking them
//! one at a time off a shared cursor whichever set they belong to, while it sweeps the large
//! blocks first (`helpers`), so a cycle's sweep shrinks with the number of domains.
//!
//! The checker (`crate::check`, empty in production) is called at fixed points, in this
//! order: every young and major allocation frames its block (`frame_minor`, `frame_major`:
//! the layout is the checker's, so the heap is always reached through `check::header_of_slot`
//! and the `MINOR_*`/`MAJOR_*` constants); every barrier store (`on_store`); a minor
//! collection starts with `before_minor` (verification), checks each block it promotes
//! (`on_promote`) and ends with `on_minor_done` (poison) before the arena flips; a major
//! cycle checks each pointer it marks (`on_mark`, `on_mark_header`), verifies after marking
//! (`after_mark`), checks and poisons each block it frees (`on_sweep_slot`, `on_free_large`)
//! and verifies after sweeping (`after_sweep`). `DomainGc::work_pending` also answers true when
//! the checker wants a safepoint (`WARDEN_GC_EVERY`, `WARDEN_VERIFY=every`), which the
//! domain's safepoint turns into a forced collection or `at_poll` (the domain's own roots
//! and arena, under the heap lock). `gc_phase` keeps reports informed. See docs/hardened.md.

pub mod alloc;
pub mod finalise;
pub mod helpers;
pub mod major;
pub mod memprof;
pub mod minor;
pub mod pacing;
pub mod stats;

use crate::check;
use crate::config::GcParams;
use crate::heap::major::{Directory, MajorHeap, Occupancy};
use crate::heap::minor::MinorHeap;
use crate::heap::pools::{PoolCounters, PoolSet};
use crate::heap::value::Value;
use crate::heap::young_space::YoungSpace;
use std::sync::Arc;

pub use stats::GcStats;

/// Every domain's young state and pools, as verification reads them.
///
/// # Safety
/// The world must be stopped (each `DomainGc` is the leader's), and none of the fields
/// borrowed here may be changed while the result lives.
unsafe fn young_refs<'a>(youngs: &[*mut DomainGc]) -> Vec<check::YoungRefs<'a>> {
    youngs
        .iter()
        // SAFETY: the caller's contract.
        .map(|&y| unsafe {
            check::YoungRefs {
                minor: &(*y).minor,
                remembered: &(*y).remembered,
                conts: &(*y).remembered_conts,
                pools: &(*y).pools,
            }
        })
        .collect()
}

/// Colour of an unmarked (white) major block.
pub const WHITE: usize = crate::heap::value::COLOR_WHITE;
/// Colour of a marked (black) major block.
pub const BLACK: usize = crate::heap::value::COLOR_BLACK;

/// Unit tests that build a heap publish the process-wide young range, so each `Gc` holds
/// this while it lives: heaps of concurrent tests exist one at a time.
#[cfg(test)]
pub struct TestHeapGuard;

#[cfg(test)]
static TEST_HEAP: (std::sync::Mutex<bool>, std::sync::Condvar) =
    (std::sync::Mutex::new(false), std::sync::Condvar::new());

#[cfg(test)]
impl TestHeapGuard {
    fn take() -> TestHeapGuard {
        let mut busy = TEST_HEAP.0.lock().unwrap_or_else(|e| e.into_inner());
        while *busy {
            busy = TEST_HEAP.1.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy = true;
        TestHeapGuard
    }
}

#[cfg(test)]
impl Drop for TestHeapGuard {
    fn drop(&mut self) {
        *TEST_HEAP.0.lock().unwrap_or_else(|e| e.into_inner()) = false;
        TEST_HEAP.1.notify_one();
    }
}

/// A visitor over root slots: called with each slot, which it may update.
pub type RootVisitor<'a> = &'a mut dyn FnMut(&mut Value);

/// Something that can enumerate the roots it holds (stack, globals, local roots ...): all at
/// once, or split for a minor collection's units (`minor`) into the roots that belong to no
/// domain and those of each domain. `visit_roots` visits exactly the union of the two.
pub trait Roots {
    fn visit_roots(&mut self, f: RootVisitor<'_>);
    /// The roots that belong to no domain (named values, globals, C global roots).
    fn visit_shared_roots(&self, f: RootVisitor<'_>);
    /// The roots of domain `i` (in the order of the collection's young states). May be
    /// called from several threads at once for distinct `i` (a stopped world's parked
    /// domains), so it must touch only domain `i`'s state.
    fn visit_domain_roots(&self, i: usize, f: RootVisitor<'_>);
}

/// Allocation counters of one domain (or of every exited domain), in words.
#[derive(Default, Clone, Copy, Debug)]
pub struct AllocStats {
    /// Words allocated in the minor heap, in arenas already collected.
    pub minor_words: usize,
    /// Words promoted from this domain's arena.
    pub promoted_words: usize,
    /// Words allocated directly in the major heap.
    pub major_words_direct: usize,
}

impl AllocStats {
    pub fn add(&mut self, o: &AllocStats) {
        self.minor_words += o.minor_words;
        self.promoted_words += o.promoted_words;
        self.major_words_direct += o.major_words_direct;
    }
}

/// A domain's own collector state: its minor arena, its remembered set, its allocation
/// counters and the checker's per-domain record. Touched by its domain only, except while
/// the world is stopped (a collection reads and resets every domain's `DomainGc`).
pub struct DomainGc {
    pub minor: MinorHeap,
    /// Addresses of major-heap fields that this domain's stores made point into the young
    /// space (any domain's arena).
    pub remembered: Vec<*mut Value>,
    /// Old continuations whose fiber chain this domain suspended (a perform whose
    /// continuation block was allocated old, a reperform into an old continuation): the
    /// chain's words may point into the young space, and no promotion will scan them.
    pub remembered_conts: Vec<Value>,
    /// Counters as the other domains see them: changed only under the heap lock or in a
    /// stopped world (`Gc::flush_alloc`).
    pub alloc: AllocStats,
    /// Words allocated since the last flush with no lock (major blocks, spilled young ones):
    /// read and written by this domain only (and by a stopped world's leader).
    pub unflushed: AllocStats,
    /// This domain's own major pools (slots handed out with no lock).
    pub pools: PoolSet,
    /// The heap's directory of pools and large blocks (its own short locks; this domain's
    /// large list is `pools.large_list`).
    pub dir: Arc<Directory>,
    /// The arena filled up under a primitive: a minor collection is wanted at the next poll.
    pub minor_wanted: bool,
    /// A fifth of the minor heap was allocated directly in the major heap since the last
    /// flush: the pacing wants to hear of it (a major slice) now; the domain's allocation
    /// functions flush right after the allocation that set it (`domain::alloc`).
    pub slice_wanted: bool,
    /// The checker's per-domain state (empty in production).
    pub check: check::Local,
    /// The memory profiler's tables and sampling state (`memprof`).
    pub memprof: memprof::DomainMemprof,
}

// SAFETY: remembered-set pointers refer to major blocks, shared by all domains; the arena is
// this domain's slot of the young space.
unsafe impl Send for DomainGc {}

impl DomainGc {
    pub fn new(minor: MinorHeap, dir: Arc<Directory>) -> DomainGc {
        let large_list = crate::heap::large::domain_list(minor.slot);
        DomainGc {
            minor,
            remembered: Vec::new(),
            remembered_conts: Vec::new(),
            alloc: AllocStats::default(),
            unflushed: AllocStats::default(),
            pools: PoolSet::with_large_list(large_list),
            dir,
            minor_wanted: false,
            slice_wanted: false,
            check: check::Local::default(),
            memprof: memprof::DomainMemprof::default(),
        }
    }

    /// Sets the arena's trigger for the profiler's next sample (at the arena's start when
    /// the current thread does not sample).
    pub fn memprof_arm(&mut self) {
        let used = self.minor.used_words();
        let words = self.memprof.arm_young(used);
        self.minor.set_trigger(words);
    }

    /// Words this domain allocated so far, minor and major (framing words excluded).
    pub fn allocated_words(&self) -> usize {
        let (a, u) = (&self.alloc, &self.unflushed);
        a.minor_words
            + u.minor_words
            + self.minor.used_words()
            + a.major_words_direct
            + u.major_words_direct
    }

    /// Notes that continuation `cont` now holds a fiber chain suspended by this domain (whose
    /// words may point into the young space): a young continuation's chain is scanned when
    /// the block is promoted, an old one's at the next minor collection.
    #[inline(always)]
    pub fn note_suspended(&mut self, cont: Value) {
        if !crate::heap::young_space::is_young(cont) {
            self.remembered_conts.push(cont);
        }
    }

    /// Whether this domain wants a safepoint for itself (a minor collection, profiler
    /// callbacks, or the checker's forced collection or poll-point verification).
    #[inline(always)]
    pub fn work_pending(&self) -> bool {
        self.minor_wanted || self.memprof.pending || check::wants_safepoint(&self.check)
    }
}

/// The collector state that every domain shares: the young space, the major heap, the
/// finaliser and ephemeron tables, parameters and global statistics. Touched under the heap
/// lock, or by the leader of a stopped world.
pub struct Gc {
    /// Every domain's minor arena lives in a slot of this space.
    pub space: YoungSpace,
    pub major: MajorHeap,
    /// Weak arrays and ephemerons (all in the major heap).
    pub ephemerons: Vec<Value>,
    pub finalisers: finalise::Finalisers,
    pub params: GcParams,
    /// Global counters; `stats.exited` holds the allocation counters of exited domains.
    pub stats: GcStats,
    /// A major cycle is wanted at the next safepoint.
    pub major_requested: bool,
    /// When the next major cycle is due (see `pacing`).
    pub pacing: pacing::Pacing,
    /// The checker's shared state (empty in production).
    pub check: check::State,
    /// Where a stopped world's leader publishes work for the parked domains (a minor
    /// collection's units, a sweep's pools: `helpers`); the domains hold a reference to it
    /// for their parks.
    pub board: Arc<helpers::Board>,
    /// The pools filled while one domain ran alone were handed to the heap's own set
    /// (`minor::retire_solo_pools`), at the first minor collection with two domains.
    pub solo_pools_retired: bool,
    #[cfg(test)]
    _test_guard: TestHeapGuard,
}

// SAFETY: the heap's raw pointers refer to memory the heap owns; access is serialised by the
// heap lock and stop-the-world sections (see the module docs).
unsafe impl Send for Gc {}

/// Whether the young space has two halves that minor collections flip between: when the
/// checker asks for it, and in AddressSanitizer builds, where the evacuated half stays
/// poisoned for a whole cycle (`heap/minor.rs`) instead of being reused at once.
const FLIP_ARENAS: bool = check::MINOR_FLIP || cfg!(warden_asan);

/// Words of the young space an arena of `wsize` words (normalised) takes.
fn slot_words(wsize: usize) -> usize {
    wsize * check::MINOR_HEADROOM
}

/// The minor heap size the stock runtime uses for a request of `wsize` words: at least 257
/// words, rounded up to whole 4 KiB pages.
pub fn norm_minor_heap_size(wsize: isize) -> usize {
    const MINOR_HEAP_MIN: usize = 257;
    const PAGE_WORDS: usize = 4096 / crate::heap::value::WORD;
    let w = if wsize < MINOR_HEAP_MIN as isize { MINOR_HEAP_MIN } else { wsize as usize };
    w.div_ceil(PAGE_WORDS).saturating_mul(PAGE_WORDS)
}

impl Gc {
    /// The shared collector for up to `max_domains` domains. Fatal when the young space
    /// cannot be reserved.
    pub fn new(params: GcParams, max_domains: usize) -> Gc {
        #[cfg(test)]
        let guard = TestHeapGuard::take();
        check::install();
        let wsize = norm_minor_heap_size(params.minor_heap_wsz as isize);
        let space = YoungSpace::new(slot_words(wsize), max_domains.max(1), FLIP_ARENAS)
            .unwrap_or_else(|| crate::fatal("cannot reserve the minor heaps"));
        space.publish();
        Gc {
            space,
            major: MajorHeap::new(check::MAJOR_EXTRA, max_domains),
            ephemerons: Vec::new(),
            finalisers: finalise::Finalisers::default(),
            params,
            stats: GcStats::default(),
            major_requested: false,
            pacing: pacing::Pacing::default(),
            check: check::State::default(),
            board: Arc::default(),
            solo_pools_retired: false,
            #[cfg(test)]
            _test_guard: guard,
        }
    }

    /// The young state of a new domain in slot `slot`: a minor heap of the start-up size,
    /// whatever size other domains chose.
    pub fn new_young(&self, slot: usize) -> DomainGc {
        let wsize = norm_minor_heap_size(self.params.minor_heap_wsz as isize);
        DomainGc::new(
            MinorHeap::new(&self.space, slot, wsize, slot_words(wsize)),
            self.major.dir.clone(),
        )
    }

    /// Points the (empty) arena `m` at the young space again, with `wsize` (normalised)
    /// words.
    pub(super) fn rebind_arena(&self, m: &mut MinorHeap, wsize: usize) {
        m.rebind(&self.space, wsize, slot_words(wsize));
    }

    /// Gives the arena of `youngs[me]` (the calling domain's young state) `wsize` words
    /// (normalised), reserving a new young space when the slots are too small, in which every
    /// other arena keeps its size; false (nothing changed) when that space cannot be
    /// reserved. World stopped, right after a minor collection (every arena empty).
    pub fn resize_minor(&mut self, wsize: usize, youngs: &[*mut DomainGc], me: usize) -> bool {
        if slot_words(wsize) > self.space.slot_words {
            let Some(space) = YoungSpace::new(slot_words(wsize), self.space.slots, FLIP_ARENAS)
            else {
                return false;
            };
            self.space = space;
            self.space.publish();
            for &y in youngs {
                // SAFETY: the world is stopped: every registered domain's DomainGc is ours.
                let m = unsafe { &mut (*y).minor };
                let own = m.wsize();
                self.rebind_arena(m, own);
            }
        }
        // SAFETY: as above.
        self.rebind_arena(unsafe { &mut (*youngs[me]).minor }, wsize);
        true
    }

    /// Words allocated so far by every domain, minor and major (framing words excluded).
    pub fn allocated_words(&self, youngs: &[*mut DomainGc]) -> usize {
        let e = &self.stats.exited;
        let mut n = e.minor_words + e.major_words_direct;
        for &y in youngs {
            // SAFETY: called by the heap-lock holder or the world's leader, while the other
            // domains' arenas do not move (their counters change only when stopped).
            n += unsafe { (*y).allocated_words() };
        }
        n
    }

    /// The heap's occupancy, exact (world stopped: `youngs` are every domain's).
    pub fn occupancy_all(&self, youngs: &[*mut DomainGc]) -> Occupancy {
        let mut c = PoolCounters::default();
        for &y in youngs {
            // SAFETY: world stopped: every domain's DomainGc is the leader's to read.
            c.add(unsafe { &(*y).pools.counters });
        }
        self.major.occupancy(&c)
    }

    /// The heap's occupancy as domain `own` sees it (heap lock held): its own pools exactly,
    /// the other domains' as of the last stopped world (they allocate meanwhile).
    pub fn occupancy_seen_by(&self, own: &DomainGc) -> Occupancy {
        let mut c = self.major.snapshots_except(own.minor.slot);
        c.add(&own.pools.counters);
        self.major.occupancy(&c)
    }

    /// The heap's size in words as of the last stopped world's counters (for pacing).
    pub fn heap_words_seen(&self) -> usize {
        self.major.occupancy(&self.major.snapshots_except(usize::MAX)).heap_words()
    }

    /// Records every domain's pool counters for the statistics read while they run (world
    /// stopped).
    pub(super) fn snapshot_pools(&mut self, youngs: &[*mut DomainGc]) {
        for &y in youngs {
            // SAFETY: world stopped (see `occupancy_all`).
            let y = unsafe { &*y };
            self.major.set_snapshot(y.minor.slot, y.pools.counters);
        }
    }

    /// Hands the pools of the domain that exits, `youngs[0]` (world stopped, its arena
    /// empty, its counters flushed), to another domain (`youngs[1]`), or to the heap's own
    /// set when it was the last.
    pub fn adopt_pools(&mut self, youngs: &[*mut DomainGc]) {
        // SAFETY: world stopped: every domain's DomainGc is the leader's; the two differ.
        let from = unsafe { &mut *youngs[0] };
        match youngs.get(1) {
            Some(&to) => {
                // SAFETY: as above.
                let to = unsafe { &mut *to };
                to.pools.adopt(&mut from.pools);
                self.major.set_snapshot(to.minor.slot, to.pools.counters);
            }
            None => self.major.pools.adopt(&mut from.pools),
        }
        // The profiler's entries of the domain that ends: orphans of the one that takes its
        // pools (dropped with the last domain: no thread is left to run their callbacks).
        if let Some(&to) = youngs.get(1) {
            // SAFETY: as above.
            unsafe { (*to).memprof.adopt(&mut from.memprof) };
        }
        self.major.set_snapshot(from.minor.slot, PoolCounters::default());
    }

    /// Whether shared collection work is wanted at the next safepoint.
    #[inline(always)]
    pub fn work_pending(&self) -> bool {
        self.major_requested
    }
}
