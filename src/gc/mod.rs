//! The garbage collector: allocation paths, the write barrier, minor collection (copying
//! promotion into the major heap), major collection (mark and sweep), finalisers and
//! ephemerons, and the statistics behind `Gc.stat`.
//!
//! Protocol (single domain for now): collections happen only at safepoints chosen by the
//! interpreter, where every root is visible through the `Roots` callback. Allocation from a
//! primitive never collects: when the minor arena is full the block goes straight to the
//! major heap and a minor collection is requested for the next safepoint. So a primitive may
//! hold values in Rust locals across its own allocations; only a callback into OCaml may move
//! them (primitives that call back root their values in the domain's local roots).
//!
//! Major blocks are white (unmarked) between cycles; a cycle marks everything reachable
//! black, then sweeps: white blocks are freed, black ones turn white again.
//!
//! The checker (`crate::check`, empty in production) is called at fixed points, in this
//! order: every young and major allocation frames its block (`frame_minor`, `frame_major`:
//! the layout is the checker's, so the heap is always reached through `check::header_of_slot`
//! and the `MINOR_*`/`MAJOR_*` constants); every barrier store (`on_store`); a minor
//! collection starts with `before_minor` (verification), checks each block it promotes
//! (`on_promote`) and ends with `on_minor_done` (poison) before the arena flips; a major
//! cycle checks each pointer it marks (`on_mark`, `on_mark_header`), verifies after marking
//! (`after_mark`), checks and poisons each block it frees (`on_sweep_slot`, `on_free_large`)
//! and verifies after sweeping (`after_sweep`). `work_pending` also answers true when the
//! checker wants a safepoint (`WARDEN_GC_EVERY`, `WARDEN_VERIFY=every`), which
//! `do_pending_work` turns into a forced collection or `at_poll`. `gc_phase` keeps reports
//! informed. See docs/hardened.md.

pub mod alloc;
pub mod finalise;
pub mod major;
pub mod minor;
pub mod stats;

use crate::check;
use crate::heap::major::MajorHeap;
use crate::heap::minor::MinorHeap;
use crate::heap::value::Value;

pub use stats::GcStats;

/// Colour of an unmarked (white) major block.
pub const WHITE: usize = crate::heap::value::COLOR_WHITE;
/// Colour of a marked (black) major block.
pub const BLACK: usize = crate::heap::value::COLOR_BLACK;

/// A visitor over root slots: called with each slot, which it may update.
pub type RootVisitor<'a> = &'a mut dyn FnMut(&mut Value);

/// Something that can enumerate the roots it holds (stack, globals, local roots ...).
pub trait Roots {
    fn visit_roots(&mut self, f: RootVisitor<'_>);
}

/// GC parameters, as `Gc.get` exposes them.
#[derive(Clone, Debug)]
pub struct GcParams {
    pub minor_heap_wsz: usize,
    pub space_overhead: usize,
    pub verbose: usize,
    pub max_stack_wsz: usize,
    pub custom_major_ratio: usize,
    pub custom_minor_ratio: usize,
    pub custom_minor_max_bsz: usize,
    pub allocation_policy: usize,
    pub window_size: usize,
}

/// The per-domain collector state.
pub struct Gc {
    pub minor: MinorHeap,
    pub major: MajorHeap,
    /// Addresses of major-heap fields that may point into the minor heap.
    pub remembered: Vec<*mut Value>,
    /// Weak arrays and ephemerons (all in the major heap).
    pub ephemerons: Vec<Value>,
    pub finalisers: finalise::Finalisers,
    pub params: GcParams,
    pub stats: GcStats,
    /// A minor collection is wanted at the next safepoint.
    pub minor_requested: bool,
    /// A major cycle is wanted at the next safepoint.
    pub major_requested: bool,
    /// Words allocated in the major heap (direct or promoted) since the last cycle.
    pub allocated_since_major: usize,
    /// Live words after the last cycle, the base of the pacing.
    pub live_after_major: usize,
    /// Out-of-heap bytes held by custom blocks since the last cycle (bigarrays, channels).
    pub extra_bytes: usize,
    /// The checker's state (empty in production).
    pub check: check::State,
}

// SAFETY: remembered-set pointers refer to this domain's own major blocks.
unsafe impl Send for Gc {}

impl Gc {
    pub fn new(params: GcParams) -> Gc {
        check::install();
        Gc {
            minor: Self::new_minor_heap(params.minor_heap_wsz),
            major: MajorHeap::new(),
            remembered: Vec::new(),
            ephemerons: Vec::new(),
            finalisers: finalise::Finalisers::default(),
            params,
            stats: GcStats::default(),
            minor_requested: false,
            major_requested: false,
            allocated_since_major: 0,
            live_after_major: 0,
            extra_bytes: 0,
            check: check::State::default(),
        }
    }

    /// A minor arena of `wsize` words, laid out for the checker's framing (production: just
    /// the arena).
    fn new_minor_heap(wsize: usize) -> MinorHeap {
        MinorHeap::with_layout(wsize, check::MINOR_HEADROOM, check::MINOR_FLIP)
    }

    /// Replaces the (empty) minor arena by one of `wsize` words. Call right after a minor
    /// collection.
    pub fn resize_minor(&mut self, wsize: usize) {
        debug_assert_eq!(self.minor.used_words(), 0);
        self.minor = Self::new_minor_heap(wsize);
    }

    /// Words allocated so far, minor and major (framing words excluded).
    pub fn allocated_words(&self) -> usize {
        self.stats.minor_words + self.minor.used_words() + self.stats.major_words_direct
    }

    #[inline(always)]
    pub fn is_young(&self, v: Value) -> bool {
        self.minor.is_young(v)
    }

    /// Whether any collection (or, in hardened builds, a forced collection or a verification)
    /// is wanted at the next safepoint.
    #[inline(always)]
    pub fn work_pending(&self) -> bool {
        self.minor_requested || self.major_requested || check::wants_safepoint(&self.check)
    }

    /// Does the collection work that is due, with `roots` describing every root.
    pub fn do_pending_work(&mut self, roots: &mut dyn Roots) {
        match check::take_forced(&mut self.check) {
            1 => self.minor_requested = true,
            2 => self.major_requested = true,
            _ => {}
        }
        if !(self.minor_requested || self.major_requested) {
            let allocated = self.allocated_words();
            check::at_poll(
                &mut self.check,
                check::HeapRefs {
                    minor: &self.minor,
                    major: &self.major,
                    remembered: &self.remembered,
                    allocated,
                },
                &mut |f| roots.visit_roots(f),
            );
        }
        if self.minor_requested || self.major_requested {
            self.minor_collection(roots);
        }
        if self.major_requested {
            self.major_cycle(roots);
        }
    }

    /// A minor collection followed by a full major cycle.
    pub fn full_major(&mut self, roots: &mut dyn Roots) {
        self.minor_collection(roots);
        self.major_cycle(roots);
    }

    /// Checks the major-heap pacing after major allocation: requests a cycle once the heap
    /// grew by `space_overhead` percent over the live words of the last cycle.
    #[inline]
    pub fn note_major_alloc(&mut self, words: usize) {
        self.allocated_since_major += words;
        let base = self.live_after_major.max(self.params.minor_heap_wsz);
        let budget = base * self.params.space_overhead / 100;
        let extra_budget = base * crate::heap::value::WORD * self.params.custom_major_ratio / 100;
        if self.allocated_since_major > budget || self.extra_bytes > extra_budget {
            self.major_requested = true;
        }
    }
}
