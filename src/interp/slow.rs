//! The interpreter's slow paths, out of line (`#[cold]`, never inlined into the dispatch
//! loop): an allocation that finds the arena full or the memory profiler's trigger, a stack
//! that must grow, a poll point with something pending, a `RAISE`'s backtrace.
//! `Regs`' inline fast paths call the methods through `Regs::out_of_line`, so the escaping
//! address is a copy's and the loop's registers stay in machine registers (`regs`' doc).

use super::regs::{Leave, RaiseKind, Regs, Step};
use crate::check;
use crate::exn::Exn;
use crate::heap::code_pointer::code_value;
use crate::heap::value::Value;
use crate::heap::young_space::is_young;

impl Regs<'_> {
    /// The slow path of `alloc_small`: the arena is full (a collection first), or the
    /// memory profiler's trigger stopped the allocation (it samples the block, and may run
    /// callbacks before the block is allocated).
    ///
    /// # Safety
    /// As `alloc_small`.
    #[cold]
    #[inline(never)]
    pub(super) unsafe fn alloc_slow(
        &mut self,
        wosize: usize,
        tag: u8,
        accu_live: bool,
    ) -> Result<Value, Leave> {
        // `lost-root` (fault injection only): a live accumulator is left out of a collection
        // (the slow path also runs without one: a memory-profiler sample, a raised limit).
        let collects = !self.dom.young.young_fits(wosize);
        let lost = collects && accu_live && check::fault::lost_root(is_young(self.accu));
        let here = code_value(self.pc_index());
        // SAFETY: three free words below `sp` (the caller's contract); the collection and
        // the callbacks keep the frame's offset from the stack top.
        let r = unsafe {
            let sp = self.sp.sub(3);
            *sp = if lost { Value::UNIT } else { self.accu };
            *sp.add(1) = self.env;
            *sp.add(2) = here;
            self.dom.stack.sp = sp;
            if collects {
                self.dom.young.minor_wanted = true;
                self.dom.safepoint();
            }
            check::note_site(self.dom.id, self.pc_index());
            let r = match self.dom.young.try_alloc(wosize, tag, check::current_site()) {
                Some(v) => Ok(v),
                None if self.dom.young.young_fits(wosize) => {
                    self.dom.sample_young_from_bytecode(wosize, tag)
                }
                None => Ok(self.dom.alloc_small(wosize, tag)),
            };
            let sp = self.dom.stack.sp;
            if !lost {
                self.accu = *sp;
            }
            self.env = *sp.add(1);
            self.sp = sp.add(3);
            r
        };
        match r {
            Ok(v) => Ok(v),
            Err(e) => match self.dom.exn_value(&e) {
                Some(v) => {
                    // Raised as by a primitive called here: a frame `[env, here]` (`pc` is
                    // past the allocating instruction's operands, as in the frame above).
                    // SAFETY: three free words below `sp`: the frame takes two, one is
                    // left below it.
                    unsafe {
                        self.sp = self.sp.sub(2);
                        *self.sp = self.env;
                        *self.sp.add(1) = here;
                        self.accu = v;
                        self.actions_before_raise()?;
                    }
                    Err(Leave::raise(RaiseKind::FromPrim))
                }
                None => Err(Leave::Fail(e)),
            },
        }
    }

    /// The backtrace work of RAISE and RERAISE (`reraise`), when backtraces are on: pushes
    /// the raising instruction's address and records the backtrace from there.
    ///
    /// # Safety
    /// `pc` past the raising opcode; a free word below `sp`.
    #[cold]
    #[inline(never)]
    pub(super) unsafe fn record_raise(&mut self, reraise: bool) {
        // SAFETY: the caller's contract; `sp` stays inside the running stack.
        unsafe {
            self.push(code_value(self.pc_index() - 1));
            super::run::stash_backtrace(self.dom, self.program, self.accu, self.sp, reraise);
        }
    }

    /// The slow path of `check_stacks`: the stack is short, or something is pending.
    ///
    /// # Safety
    /// As `check_stacks`.
    #[cold]
    #[inline(never)]
    pub(super) unsafe fn check_stacks_slow(&mut self) -> Step {
        if self.sp < self.dom.stack.threshold() {
            // SAFETY: the caller's contract.
            unsafe { self.grow_stack(crate::domain::STACK_THRESHOLD)? };
        }
        // SAFETY: at least the threshold's words are free below `sp`.
        unsafe { self.poll() }
    }

    /// Grows the stack by `extra` words plus the threshold, or raises `Stack_overflow`.
    ///
    /// # Safety
    /// `sp` inside the running stack, with two free words below it.
    #[cold]
    #[inline(never)]
    pub(super) unsafe fn grow_stack(&mut self, extra: usize) -> Step {
        self.dom.stack.sp = self.sp;
        if !self.dom.stack.grow(extra) {
            let e = self.dom.exn_value(&Exn::stack_overflow()).expect("predefined");
            // SAFETY: the caller's contract.
            let leave = unsafe { self.raise_here(e) };
            // SAFETY: as above.
            unsafe { self.actions_before_raise()? };
            return Err(leave);
        }
        self.sp = self.dom.stack.sp;
        Ok(())
    }
}
