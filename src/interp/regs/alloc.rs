//! The interpreter's young allocation (`Regs::alloc_small` and its variants): the arena's
//! bump on the fast path, the collection and the memory profiler out of line (`slow`).
//! Invariant: a block from here is initialised by its handler before the next allocation or
//! poll point; one that may be in the major heap (the slow path's spill) is flagged, so its
//! fields are stored with the write barrier.

use super::{Leave, Regs};
use crate::check;
use crate::heap::value::Value;
use crate::heap::young_space::is_young;

impl Regs<'_> {
    /// Allocates a young block of `wosize` words, collecting first when the arena is full
    /// (`accu` and `env` are saved on the stack across the collection). An exception comes
    /// out of the memory profiler's allocation callbacks, raised from here. The block may be
    /// a major one (the slow path's spill when the arena cannot hold it): for a block that
    /// will hold values, use `alloc_small_flagged`.
    ///
    /// # Safety
    /// `sp` must have three free words below it; `wosize` at most `MAX_YOUNG_WOSIZE`.
    #[inline(always)]
    pub unsafe fn alloc_small(&mut self, wosize: usize, tag: u8) -> Result<Value, Leave> {
        // SAFETY: the caller's contract.
        unsafe { self.alloc_small_in::<true>(wosize, tag).map(|(v, _)| v) }
    }

    /// As `alloc_small`, and whether the block may be in the major heap, where its fields
    /// must be stored with `initialize` (the write barrier's remembered set): a constant
    /// `false` on the fast path, so that the handler's test of it folds away there (where a
    /// test of the block's address would cost two loads and four instructions).
    ///
    /// # Safety
    /// As `alloc_small`.
    #[inline(always)]
    pub unsafe fn alloc_small_flagged(
        &mut self,
        wosize: usize,
        tag: u8,
    ) -> Result<(Value, bool), Leave> {
        // SAFETY: the caller's contract.
        unsafe { self.alloc_small_in::<true>(wosize, tag) }
    }

    /// As `alloc_small_flagged`, for an instruction that does not read the accumulator after
    /// allocating (a closure's: its free variables are on the stack by then). The two differ
    /// only under fault injection, where `lost-root` fires only on a live accumulator.
    ///
    /// # Safety
    /// As `alloc_small`.
    #[inline(always)]
    pub unsafe fn alloc_small_dead_accu(
        &mut self,
        wosize: usize,
        tag: u8,
    ) -> Result<(Value, bool), Leave> {
        // SAFETY: the caller's contract.
        unsafe { self.alloc_small_in::<false>(wosize, tag) }
    }

    /// # Safety
    /// As `alloc_small`.
    #[inline(always)]
    unsafe fn alloc_small_in<const ACCU_LIVE: bool>(
        &mut self,
        wosize: usize,
        tag: u8,
    ) -> Result<(Value, bool), Leave> {
        let site = check::site_at(self.dom.id, self.pc_index());
        match self.dom.young.try_alloc(wosize, tag, site) {
            Some(v) => Ok((v, false)),
            // SAFETY: the caller's contract.
            None => unsafe { self.out_of_line(|r| r.alloc_slow(wosize, tag, ACCU_LIVE)) }
                .map(|v| (v, !is_young(v))),
        }
    }
}
