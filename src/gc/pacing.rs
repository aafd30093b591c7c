//! Major-GC pacing: when the next major cycle is due, following the stock runtime's model
//! (`major_gc.c`) so that programs see about as many cycles, and finalisers run about as
//! soon, as under `ocamlrun`.
//!
//! The model counts GC *work* in words: a cycle sweeps the whole heap (one unit per word of
//! heap) and marks the live blocks (one unit per word marked). Allocation in the major heap
//! (promotion or direct) earns work credit, `3 (200 + o) / 2o` units per word (`o` =
//! `space_overhead`), the rate at which the stock runtime's slices work; out-of-heap
//! resources held by custom blocks earn their share of a whole cycle (`extra`). Credit is
//! turned into work at *slices*: after every minor collection, and when direct allocation or
//! extra resources pile up between two (the stock runtime's thresholds). Warden runs a cycle
//! whole at a safepoint instead of in slices, so it runs it when the credit covers the
//! cycle's estimated cost (the heap's words plus the words the last cycle found live), the
//! moment the stock runtime would complete it; every cycle, forced ones included, is paid
//! from the credit (which may go negative: after `Gc.full_major` the automatic cycles wait
//! for allocation to catch up, as in the stock runtime). The first cycle costs nothing: the
//! stock runtime starts it at start-up, allocates every block marked while it runs and so
//! completes it at the first slice.
//!
//! How this compares with the stock runtime (`OCAMLRUNPARAM=v=0x400`, bench/ programs): a
//! program whose major allocation is direct (`parallel_major`: arrays and bytes too large for
//! the minor heap) gets a slice per `minor_heap_wsz / 5` words allocated so, whose credit
//! (4 units a word) pays for a whole cycle of its small heap: one cycle per slice under both
//! runtimes on one domain (3871 cycles under warden, 4398 under stock for the default size).
//! On two domains the stock runtime completes far fewer (111 to 288 on that program, with a
//! peak heap of 2.9M words against warden's 0.17M): its slices are interruptible, a
//! domain's slice stops when another domain's request is queued, and each cycle needs every
//! domain through three phase barriers; warden's cycles run whole, so it keeps the one-domain
//! rate, as the model above says. Programs whose blocks are promoted (`hashtbl_map`) run a
//! few more cycles than under stock (15 against 11 at n = 20000) on a smaller heap (0.56x):
//! a stock cycle keeps the blocks allocated while it marks (allocated marked) until the next
//! one, warden's frees them at once, so its heap, and with it each cycle's cost, is smaller.
//!
//! State of the shared collector (`Gc`): touched under the heap lock or by the leader of a
//! stopped world.

use super::Gc;
use crate::heap::value::WORD;

/// The pacing state.
#[derive(Default, Debug)]
pub struct Pacing {
    /// Work credit earned by allocation, less the work of the cycles run, in words.
    credit: f64,
    /// Words allocated in the major heap since the last slice, promoted or direct.
    pending_words: usize,
    /// Of those, the words allocated directly.
    pending_direct: usize,
    /// Out-of-heap resources since the last slice, as a fraction of the amount that calls
    /// for a whole cycle.
    pending_extra: f64,
    /// Words the last cycle found live.
    live_after_major: usize,
    /// A cycle has run (the first one is free).
    started: bool,
}

/// A slice is due when the extra resources since the last one pass this fraction of a cycle
/// (as in the stock `caml_adjust_gc_speed`).
const EXTRA_SLICE_FRACTION: f64 = 0.2;

impl Gc {
    /// Records `words` allocated in the major heap by a promotion (the minor collection's
    /// slice turns them into credit).
    pub fn note_promoted(&mut self, words: usize) {
        self.pacing.pending_words += words;
    }

    /// Records a direct major allocation of `words` by a domain whose minor heap has
    /// `minor_wsize` words: a slice once a fifth of that was allocated directly since the
    /// last one (the stock `caml_alloc_shr`'s threshold).
    pub fn note_direct_alloc(&mut self, words: usize, minor_wsize: usize) {
        self.pacing.pending_words += words;
        self.pacing.pending_direct += words;
        if self.pacing.pending_direct > minor_wsize / 5 {
            self.major_slice();
        }
    }

    /// Records `bytes` of out-of-heap memory now held by a custom block in the major heap
    /// (bigarray storage): `custom_major_ratio` percent of two thirds of the heap's size
    /// calls for a whole cycle (the stock `caml_custom_get_max_major`).
    pub fn note_extra_memory(&mut self, bytes: usize) {
        let heap_bytes = self.heap_words_seen() * WORD;
        let max = (heap_bytes / 150) as f64 * self.params.custom_major_ratio as f64;
        let share = if max > 0.0 { (bytes as f64 / max).min(1.0) } else { 1.0 };
        self.pacing.pending_extra += share;
        if self.pacing.pending_extra > EXTRA_SLICE_FRACTION {
            self.major_slice();
        }
    }

    /// The work the next cycle is expected to take: sweeping the heap, marking what the
    /// last cycle found live.
    fn cycle_cost(&self) -> f64 {
        if !self.pacing.started {
            return 0.0;
        }
        (self.heap_words_seen() + self.pacing.live_after_major) as f64
    }

    /// A slice: turns what was allocated since the last one into work credit (the larger of
    /// the allocation's and the extra resources' shares, as the stock runtime takes), and
    /// asks for a cycle at the next safepoint when the credit covers the next cycle's cost.
    pub fn major_slice(&mut self) {
        let o = self.params.space_overhead.max(1) as f64;
        let p = &mut self.pacing;
        let alloc_work = p.pending_words as f64 * 3.0 * (200.0 + o) / (2.0 * o);
        let extra = p.pending_extra.min(1.0);
        p.pending_words = 0;
        p.pending_direct = 0;
        p.pending_extra = 0.0;
        let cost = self.cycle_cost();
        self.pacing.credit += alloc_work.max(extra * cost);
        if self.pacing.credit >= cost {
            self.major_requested = true;
        }
    }

    /// Pays for a cycle that swept `heap_words` words and marked `marked_words`.
    pub(super) fn pay_cycle(&mut self, heap_words: usize, marked_words: usize) {
        if self.pacing.started {
            self.pacing.credit -= (heap_words + marked_words) as f64;
        }
        self.pacing.started = true;
        self.pacing.live_after_major = marked_words;
        self.major_requested = false;
    }
}

#[cfg(test)]
mod tests {
    use super::super::Gc;

    /// A collector with one pool (4096 words) in its heap, past its first cycle, nothing
    /// live, no credit.
    fn gc() -> Gc {
        let mut gc = Gc::new(crate::config::Config::default().gc_params(), 1);
        let mut y = gc.new_young(0);
        y.alloc_major(3, 0);
        gc.snapshot_pools(&[&mut y as *mut _]);
        gc.pacing = super::Pacing { started: true, ..super::Pacing::default() };
        // The heap's words leave out the checker's framing of the one block (hardened builds).
        let framing = crate::check::MAJOR_EXTRA;
        assert_eq!(gc.heap_words_seen() + framing, crate::heap::pool::POOL_WSIZE);
        gc
    }

    #[test]
    fn the_first_cycle_is_due_at_the_first_slice_and_free() {
        let mut gc = Gc::new(crate::config::Config::default().gc_params(), 1);
        let mut y = gc.new_young(0);
        y.alloc_major(3, 0);
        gc.flush_alloc(&mut y);
        assert!(!gc.major_requested);
        gc.major_slice();
        assert!(gc.major_requested);
        gc.pay_cycle(4096, 4);
        assert!(!gc.major_requested);
        assert_eq!(gc.pacing.credit, 16.0, "4 words allocated, nothing paid");
    }

    #[test]
    fn a_cycle_is_due_once_promotion_pays_for_it() {
        let mut gc = gc();
        // The next cycle costs 4096 units (sweeping the pool); with o = 120 a promoted word
        // earns 4.
        let cost = crate::heap::pool::POOL_WSIZE;
        gc.note_promoted(cost / 4 - 1);
        gc.major_slice();
        assert!(!gc.major_requested);
        gc.note_promoted(1);
        gc.major_slice();
        assert!(gc.major_requested);
        // Paying for it and for a forced one leaves a debt that allocation must repay first.
        gc.pay_cycle(cost, 0);
        gc.pay_cycle(cost, 0);
        assert!(!gc.major_requested);
        gc.note_promoted(cost / 4);
        gc.major_slice();
        assert!(!gc.major_requested);
        gc.note_promoted(cost / 2);
        gc.major_slice();
        assert!(gc.major_requested);
    }

    #[test]
    fn the_live_words_of_the_last_cycle_add_to_the_cost() {
        let mut gc = gc();
        gc.pay_cycle(0, 400);
        gc.pacing.credit = 0.0;
        gc.note_promoted(1123);
        gc.major_slice();
        assert!(!gc.major_requested, "4492 units < 4096 + 400");
        gc.note_promoted(1);
        gc.major_slice();
        assert!(gc.major_requested);
    }

    #[test]
    fn direct_allocation_slices_after_a_fifth_of_the_minor_heap() {
        let mut gc = gc();
        gc.note_direct_alloc(100, 1000);
        assert_eq!(gc.pacing.pending_words, 100);
        gc.note_direct_alloc(101, 1000);
        assert_eq!(gc.pacing.pending_words, 0, "a slice after 201 > 200 words");
        assert_eq!(gc.pacing.credit, 201.0 * 4.0);
    }

    #[test]
    fn extra_resources_earn_their_share_of_a_cycle() {
        let mut gc = gc();
        // custom_major_ratio 44: a whole cycle's worth is 44% of 2/3 of the heap's bytes.
        let whole = gc.heap_words_seen() * crate::heap::value::WORD / 150 * 44;
        gc.note_extra_memory(whole / 10);
        assert!(!gc.major_requested, "a tenth of a cycle, no slice yet");
        gc.note_extra_memory(whole / 2);
        assert!(!gc.major_requested, "six tenths of a cycle");
        assert!(gc.pacing.credit > 0.0);
        gc.note_extra_memory(whole / 2);
        assert!(gc.major_requested, "another half");
    }
}
