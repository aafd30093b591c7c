//! The interpreter's registers and its frame protocol. `Regs` holds the virtual registers
//! (`pc`, `sp`, `accu`, `env`, `extra_args`) and what one activation of `run::interpret`
//! needs beside them; every opcode handler (`ops/`) works through it. Its methods are
//! `#[inline(always)]`, so a `Regs` never leaves the dispatch loop's frame and LLVM keeps its
//! fields in machine registers: no method may pass `&mut Regs` (or a field's address) to a
//! function that is not inlined. A slow path that is out of line (`#[cold]`, taking
//! `&mut self`) is called through `out_of_line`, on a copy whose registers are taken back:
//! the escaping address is the copy's, and one escape of `self` puts every register of the
//! loop in memory (a load and a store around each instruction). OCaml's frame layouts:
//!
//! * return frame (3 words): `[return address, env, extra_args]`;
//! * trap frame (4 words): `[handler address, previous trap offset, env, extra_args]`,
//!   `Stack::trap_off` = trap frame position relative to the stack top (1 = none);
//! * around a primitive call: `[env, address after the call]`;
//! * around a collection: `[accu, env, address]`; around pending actions, an event frame
//!   `[accu, (), (), address, env, extra_args]`.
//!
//! Invariant: every value the collector must see is on the stack whenever it can run, and
//! `sp` is reloaded from the domain after anything that can run the collector or OCaml code.

mod alloc;

use super::Program;
use crate::check;
use crate::domain::{Domain, Stack};
use crate::exn::Exn;
use crate::heap::code_pointer::code_index_below;
use crate::heap::value::{Value, WORD};

/// `v`, through an identity the optimiser cannot see through. A handler that only sets a
/// register to a value the dispatch already has (a constant, `env`) would otherwise compile
/// to no instruction at all, its jump-table entry would point at the dispatch block itself,
/// and LLVM does not tail-duplicate a block that is its own successor: every handler would
/// then share one indirect jump, about 20% slower. Emits no instruction.
#[inline(always)]
pub(super) fn opaque(v: Value) -> Value {
    let mut w = v.0;
    // SAFETY: an empty assembly template: it reads and writes only the register holding `w`.
    unsafe {
        std::arch::asm!("/* {0} */", inout(reg) w, options(pure, nomem, nostack, preserves_flags))
    };
    Value(w)
}

/// `p`, through an identity the optimiser cannot see through (as `opaque`). The dispatch
/// steps `pc` through it: LLVM then cannot address a handler's operands from the opcode's
/// address, so only the stepped `pc` is live into the handler and the dispatch needs no
/// register copy to keep the old one. Emits no instruction.
#[inline(always)]
// The template is empty: the pointer passes through a register and is never dereferenced.
#[allow(clippy::pointers_in_nomem_asm_block)]
pub(super) fn opaque_pc(p: *const i32) -> *const i32 {
    let mut w = p;
    // SAFETY: an empty assembly template: it reads and writes only the register holding `w`.
    unsafe {
        std::arch::asm!("/* {0} */", inout(reg) w, options(pure, nomem, nostack, preserves_flags))
    };
    w
}

/// How an exception is raised. The RAISE and RERAISE handlers (`ops::control::raise`) record
/// the backtrace themselves and reach the raise path as `NoTrace`; the raise path records it
/// for `FromPrim`, and for `Raise` from another handler (PERFORM with no effect handler).
#[derive(Copy, Clone, PartialEq, Eq)]
pub(super) enum RaiseKind {
    /// RAISE: push the raise address, restart the backtrace.
    Raise,
    /// RERAISE: push the address, keep the backtrace if the exception is the same.
    Reraise,
    /// RAISE_NOTRACE, or a backtrace already recorded: no backtrace work.
    NoTrace,
    /// From a primitive: the call frame already holds the address after the call.
    FromPrim,
}

/// Why a handler leaves the straight line of execution. The ways to raise are variants of
/// their own (made by `Leave::raise`), not a `Raise(RaiseKind)` payload byte, which LLVM
/// carried around the dispatch loop (`interp::run`'s module doc). `Reraise` is never made
/// (RERAISE records its backtrace in its handler and leaves as `RaiseNoTrace`); without it,
/// or without the `raise` mapping, the dispatch ran 1-2% more instructions (callgrind,
/// December 2026): the loop's register allocation shifts with `Leave`'s layout.
pub(super) enum Leave {
    /// `accu` is an exception to raise as RAISE does.
    Raise,
    /// `accu` is an exception to raise as RERAISE does.
    Reraise,
    /// `accu` is an exception to raise with no backtrace work.
    RaiseNoTrace,
    /// `accu` is an exception raised from a primitive call.
    RaiseFromPrim,
    /// STOP: the activation returns `accu`.
    Stop,
    /// A runtime error that is not an OCaml exception (`exit`, a fatal error).
    Fail(Exn),
}

impl Leave {
    /// Raise `accu` as `kind` says.
    #[inline(always)]
    pub const fn raise(kind: RaiseKind) -> Leave {
        match kind {
            RaiseKind::Raise => Leave::Raise,
            RaiseKind::Reraise => Leave::Reraise,
            RaiseKind::NoTrace => Leave::RaiseNoTrace,
            RaiseKind::FromPrim => Leave::RaiseFromPrim,
        }
    }
}

/// What a handler returns: `Ok` to go on with the instruction at `pc`.
pub(super) type Step = Result<(), Leave>;

/// The registers of one activation of the interpreter, and its fixed context.
pub(super) struct Regs<'a> {
    /// The next code word to read.
    pub pc: *const i32,
    /// The stack top (lowest used word).
    pub sp: *mut Value,
    pub accu: Value,
    /// The current closure.
    pub env: Value,
    /// Arguments beyond the ones the running function takes, still on the stack.
    pub extra_args: isize,
    pub dom: &'a mut Domain,
    pub program: &'a Program,
}

impl<'a> Regs<'a> {
    /// Registers for running `program` from instruction `start`.
    ///
    /// # Safety
    /// `start` must be an instruction boundary of the program's validated code.
    #[inline(always)]
    pub unsafe fn new(
        dom: &'a mut Domain,
        program: &'a Program,
        start: usize,
        env: Value,
        extra_args: isize,
    ) -> Regs<'a> {
        Regs {
            // SAFETY: `start` is inside the code (the caller's contract).
            pc: unsafe { program.code.as_ptr().add(start) },
            sp: dom.stack.sp,
            accu: Value::of_int(0),
            env,
            extra_args,
            dom,
            program,
        }
    }

    /// Runs `f`, which calls a function that is not inlined (a slow path), on a copy of the
    /// registers, and takes the copy's registers back after it. The copy's address is the
    /// one that escapes: were it `self`'s, LLVM would keep every register of the dispatch
    /// loop in memory (a load and a store around each instruction).
    #[inline(always)]
    pub(super) fn out_of_line<R>(&mut self, f: impl FnOnce(&mut Regs) -> R) -> R {
        let mut copy = Regs {
            pc: self.pc,
            sp: self.sp,
            accu: self.accu,
            env: self.env,
            extra_args: self.extra_args,
            dom: &mut *self.dom,
            program: self.program,
        };
        let r = f(&mut copy);
        let (pc, sp, accu, env, extra_args) =
            (copy.pc, copy.sp, copy.accu, copy.env, copy.extra_args);
        self.pc = pc;
        self.sp = sp;
        self.accu = accu;
        self.env = env;
        self.extra_args = extra_args;
        r
    }

    /// Start of the program's code (code indices are offsets from it). Read from the
    /// program, not kept in a register: the dispatch loop has more live values than
    /// machine registers, and a spilled copy costs the same load.
    #[inline(always)]
    pub fn base(&self) -> *const i32 {
        self.program.code.as_ptr()
    }

    /// The code value of code address `p`: as `code_value` of its index, since the code's
    /// base is 4-aligned (`(p >> 1) - (base >> 1)` is twice the index), with no division.
    #[inline(always)]
    pub fn code_value_at(&self, p: *const i32) -> Value {
        Value(((p as usize) >> 1).wrapping_add(self.program.code_bias))
    }

    /// The code address that the relative offset at `pc` designates.
    ///
    /// # Safety
    /// `pc` must be at a validated jump operand.
    #[inline(always)]
    pub unsafe fn jump_address(&self) -> *const i32 {
        // SAFETY: validated jump offsets land on instruction boundaries.
        unsafe { self.pc.offset(*self.pc as isize) }
    }

    /// The code index of `pc`.
    #[inline(always)]
    pub fn pc_index(&self) -> usize {
        // SAFETY: `pc` always points into the program's code array (validated jumps and
        // code values), so both pointers are in one allocation.
        unsafe { self.pc.offset_from(self.base()) as usize }
    }

    /// Where the running instruction is, for the hardened build's access checks (dead code
    /// in production, whose hooks ignore it). Only `pc` is kept: the instruction it is in is
    /// found again if a check fails (no register holds the instruction's start).
    #[inline(always)]
    pub fn here(&self) -> check::At {
        check::At {
            pc: self.pc_index(),
            code: self.base(),
            code_len: self.program.code.len(),
            decode: super::opcodes::instruction_named,
            sp: self.sp,
            high: self.dom.stack.high(),
        }
    }

    /// The address of code index `i`.
    ///
    /// # Safety
    /// `i` must be at most the code's length.
    #[inline(always)]
    pub unsafe fn code(&self, i: usize) -> *const i32 {
        // SAFETY: the caller's contract.
        unsafe { self.base().add(i) }
    }

    /// Reads the operand at `pc` and steps over it.
    ///
    /// # Safety
    /// The instruction must have an operand there (validated code).
    #[inline(always)]
    pub unsafe fn operand(&mut self) -> i32 {
        // SAFETY: the caller's contract.
        unsafe {
            let o = *self.pc;
            self.pc = self.pc.add(1);
            o
        }
    }

    /// The operand at `pc`, not stepped over.
    ///
    /// # Safety
    /// As `operand`.
    #[inline(always)]
    pub unsafe fn peek_operand(&self) -> i32 {
        // SAFETY: the caller's contract.
        unsafe { *self.pc }
    }

    /// Jumps by the relative offset at `pc` (relative to the offset's own position).
    ///
    /// # Safety
    /// `pc` must be at a validated jump operand.
    #[inline(always)]
    pub unsafe fn jump(&mut self) {
        // SAFETY: validated jump offsets land on instruction boundaries.
        unsafe { self.pc = self.pc.offset(*self.pc as isize) }
    }

    /// Pushes `v`.
    ///
    /// # Safety
    /// There must be a free word below `sp` (the compiler's frame sizes and `check_stacks`'
    /// threshold guarantee it for compiled code).
    #[inline(always)]
    pub unsafe fn push(&mut self, v: Value) {
        // SAFETY: the caller's contract.
        unsafe {
            self.sp = self.sp.sub(1);
            *self.sp = v;
        }
    }

    /// Stack word `n` (0 = top).
    ///
    /// # Safety
    /// Word `n` must be inside the current frame.
    #[inline(always)]
    pub unsafe fn at(&self, n: usize) -> Value {
        // SAFETY: the caller's contract.
        unsafe { *self.sp.add(n) }
    }

    /// Writes stack word `n`.
    ///
    /// # Safety
    /// As `at`.
    #[inline(always)]
    pub unsafe fn set(&mut self, n: usize, v: Value) {
        // SAFETY: the caller's contract.
        unsafe { *self.sp.add(n) = v }
    }

    /// Drops `n` stack words.
    ///
    /// # Safety
    /// The `n` words must be inside the current frame.
    #[inline(always)]
    pub unsafe fn pop(&mut self, n: usize) {
        // SAFETY: the caller's contract.
        unsafe { self.sp = self.sp.add(n) }
    }

    /// Decodes code value `v` into an address; a value that is not one ends the program
    /// (after the checker's explanation in the hardened build).
    #[inline(always)]
    pub fn code_at(&self, v: Value, what: &'static str) -> *const i32 {
        // The code's current length: fragments loaded since this activation began (`Dynlink`,
        // a toplevel phrase) are code too.
        let Some(i) = code_index_below(v, self.program.code.len()) else {
            check::explain_bad_value(v, what);
            crate::fatal(what);
        };
        // SAFETY: `i` is below the code's length.
        unsafe { self.code(i) }
    }

    /// Decodes the code value of a return frame. The interpreter and the runtime alone write
    /// return frames (`APPLY`, `PUSH_RETADDR`, callbacks, fibers; the verifier keeps OCaml's
    /// stores inside its frames), always with a code value of this program, so production
    /// inverts `code_value_at` with no range test (two instructions instead of eight); the
    /// hardened build tests it as `code_at` does.
    #[inline(always)]
    pub fn frame_code(&self, v: Value) -> *const i32 {
        self.trusted_code_at(v, "a return frame without its code address")
    }

    /// Enters closure `accu`: `env` becomes it and `pc` its code.
    ///
    /// # Safety
    /// `accu` must be a closure (well-typed code).
    #[inline(always)]
    pub unsafe fn jump_to_closure(&mut self) {
        check::on_apply(self.accu, || self.here());
        // SAFETY: the caller's contract; field 0 of a closure is its code value. A fault on
        // the read (production: not a closure) names this instruction (`pc`).
        let code = unsafe { crate::fault_signals::read_applied_code(self.accu.0, self.pc) };
        self.pc = self.closure_code(Value(code));
        self.env = self.accu;
    }

    /// Decodes the code field of a closure. A closure's code field is written by `CLOSURE`,
    /// `CLOSUREREC` and `GRAB` from validated code, and one read from the DATA section or by
    /// `Marshal` is checked at load to be a function entry (README, "Checked before it runs"),
    /// so only type-unsafe code (`Obj`) can apply anything else; production trusts the types
    /// here as at every field access (and as the stock runtime does) and inverts
    /// `code_value_at` with no test (two instructions instead of seven); the hardened build
    /// checked the closure in `check::on_apply` and tests the code value as `code_at` does.
    #[inline(always)]
    pub fn closure_code(&self, v: Value) -> *const i32 {
        self.trusted_code_at(v, "applying a value that is not a closure")
    }

    /// `code_at` for a code value that only the runtime or validated code wrote (a return
    /// frame's, a closure's): production inverts `code_value_at` with no test, the hardened
    /// build tests it as `code_at` does (`what`: the report's words).
    #[inline(always)]
    fn trusted_code_at(&self, v: Value, what: &'static str) -> *const i32 {
        if check::ENABLED {
            return self.code_at(v, what);
        }
        // `code_value_at(p)` is `(p >> 1) + code_bias`, `p` 4-aligned.
        (v.0.wrapping_sub(self.program.code_bias) << 1) as *const i32
    }

    /// Whether a poll point must stop: this domain's own collection or checker work, or a
    /// flag another thread raised (a world stopping, shared work, a thread switch, a signal:
    /// one generation word for them all, `domain::pending::attention_pending`).
    #[inline(always)]
    pub fn pending(&self) -> bool {
        let dom = &*self.dom;
        // `|`, not `||`: every flag is read and one branch tests them all (the loads are
        // cheap, the branches were not). The domain's own flags are those of
        // `DomainGc::work_pending`, read one by one so that they join the same branch.
        dom.young.minor_wanted
            | dom.young.memprof.pending
            | check::wants_safepoint(&dom.young.check)
            | crate::domain::pending::attention_pending()
    }

    /// Pushes a primitive-call frame `[env, address after the call]` and makes `exn` the
    /// exception raised from it: the `Leave` to return.
    ///
    /// # Safety
    /// Two free words below `sp`; `pc` at the call's last operand.
    #[inline(always)]
    pub unsafe fn raise_here(&mut self, exn: Value) -> Leave {
        // SAFETY: the caller's contract: `pc + 1` ends the call instruction.
        let after = self.code_value_at(unsafe { self.pc.add(1) });
        // SAFETY: the caller's contract.
        unsafe {
            self.sp = self.sp.sub(2);
            *self.sp = self.env;
            *self.sp.add(1) = after;
        }
        self.accu = exn;
        Leave::raise(RaiseKind::FromPrim)
    }

    /// As the stock `caml_raise`: before exception `accu` leaves a primitive (or the
    /// pending actions of a poll point), the actions still pending run once, with it rooted
    /// on the stack below the frame at `sp`; an exception of theirs replaces it.
    ///
    /// # Safety
    /// `sp` must have a free word below it, every word from `sp` up a well-formed frame word.
    #[inline(always)]
    pub unsafe fn actions_before_raise(&mut self) -> Step {
        if self.pending() {
            // SAFETY: the caller's contract.
            let r = unsafe { actions_before_raise(self.dom, self.sp, self.accu) };
            self.sp = self.dom.stack.sp;
            match r {
                Ok(v) => self.accu = v,
                Err(e) => return Err(Leave::Fail(e)),
            }
        }
        Ok(())
    }

    /// A poll point: runs pending collections and actions with an event frame on the stack.
    ///
    /// # Safety
    /// Six free words below `sp`.
    #[inline(always)]
    pub unsafe fn poll(&mut self) -> Step {
        if !self.pending() {
            return Ok(());
        }
        let here = self.code_value_at(self.pc);
        // SAFETY: the caller's contract; the actions leave the stack as they found it (a
        // reallocation keeps the frame's offset from the top).
        unsafe {
            self.sp = self.sp.sub(6);
            let sp = self.sp;
            *sp = self.accu;
            *sp.add(1) = Value::UNIT;
            *sp.add(2) = Value::UNIT;
            *sp.add(3) = here;
            *sp.add(4) = self.env;
            *sp.add(5) = Value::of_int(self.extra_args);
            self.dom.stack.sp = sp;
            let r = crate::domain::pending::poll_actions(self.dom);
            self.sp = self.dom.stack.sp;
            if let Err(e) = r {
                return match self.dom.exn_value(&e) {
                    // Raised as by a primitive called here: the backtrace restarts at the
                    // event frame, whose address is the poll point.
                    Some(v) => {
                        self.accu = v;
                        self.actions_before_raise()?;
                        Err(Leave::raise(RaiseKind::FromPrim))
                    }
                    None => Err(Leave::Fail(e)),
                };
            }
            let sp = self.sp;
            self.accu = *sp;
            self.pc = self.code_at(*sp.add(3), "a poll frame without its code address");
            self.env = *sp.add(4);
            self.extra_args = (*sp.add(5)).int();
            self.sp = sp.add(6);
        }
        Ok(())
    }

    /// After entering a function: grows the stack below its threshold (or raises
    /// `Stack_overflow`), then polls, as the stock interpreter's `check_stacks` and
    /// `CHECK_SIGNALS`.
    ///
    /// # Safety
    /// `sp` inside the running stack.
    #[inline(always)]
    pub unsafe fn check_stacks(&mut self) -> Step {
        // One test on the straight line; both slow paths out of line, so the handlers that
        // end here go to the next instruction with no merge. `sp - threshold < low` rather
        // than `sp < low + threshold`: the constant goes into an address, not an `add`.
        let short = (self.sp as usize).wrapping_sub(crate::domain::STACK_THRESHOLD * WORD)
            < self.dom.stack.low() as usize;
        if short | self.pending() {
            // SAFETY: the caller's contract.
            return self.out_of_line(|r| unsafe { r.check_stacks_slow() });
        }
        Ok(())
    }

    /// Makes room for `words` more words below `sp` above the threshold (`RESTART`, which
    /// pushes a partial application's arguments: up to the function's arity, beyond what
    /// `check_stacks` guaranteed), or raises `Stack_overflow`.
    ///
    /// # Safety
    /// `sp` inside the running stack, with two free words below it.
    #[inline(always)]
    pub unsafe fn reserve(&mut self, words: usize) -> Step {
        if self.sp.wrapping_sub(words) < self.dom.stack.threshold() {
            // SAFETY: the caller's contract.
            unsafe { self.out_of_line(|r| r.grow_stack(words))? };
        }
        Ok(())
    }

    /// Returns from a function: pops the return frame, or, at the bottom of a fiber, goes
    /// back to the parent stack and applies the fiber's value handler.
    ///
    /// # Safety
    /// `sp` must be at a return frame, or at the bottom of a fiber.
    #[inline(always)]
    pub unsafe fn do_return(&mut self) -> Step {
        // The parent first: on the main stack (no effect handler) one load decides.
        if !self.dom.stack.parent.is_null() && self.sp == self.dom.stack.high() {
            // SAFETY: the caller's contract.
            unsafe {
                self.leave_fiber(0);
                self.check_stacks()
            }
        } else {
            // SAFETY: a return frame is three words at `sp`.
            unsafe {
                let sp = self.sp;
                self.pc = self.frame_code(*sp);
                self.env = *sp.add(1);
                self.extra_args = (*sp.add(2)).int();
                self.sp = sp.add(3);
            }
            Ok(())
        }
    }

    /// The running fiber is finished (returned, or raised with no handler in it): frees it,
    /// goes back to the parent stack, and applies the fiber's handler number `h`
    /// (0 = value, 1 = exception) to `accu`.
    ///
    /// # Safety
    /// The running stack must be a fiber (its parent not null) with nothing left on it.
    #[inline(always)]
    pub unsafe fn leave_fiber(&mut self, h: usize) {
        let finished: *mut Stack = &mut *self.dom.stack;
        let parent = self.dom.stack.parent;
        let handler = self.dom.stack.handlers[h];
        self.dom.stack.sp = self.sp;
        // SAFETY: `parent` is the live stack that resumed this fiber; `finished`, running,
        // is referred to by no continuation. The parent's top holds the resume frame
        // `[trap offset, extra_args, ...]`.
        unsafe {
            self.dom.switch_stack(parent);
            check::on_stack_free((*finished).low() as *mut usize, (*finished).wsize());
            self.dom.free_fiber(finished);
            let sp = self.dom.stack.sp;
            self.dom.stack.trap_off = (*sp).int();
            self.extra_args = (*sp.add(1)).int();
            self.sp = sp.add(1);
            *self.sp = self.accu;
            self.accu = handler;
            self.jump_to_closure();
        }
    }
}

/// Runs the pending actions before exception `exn` is raised with the stack at `sp` (see
/// `Regs::actions_before_raise`); returns the exception to raise, or the runtime error that
/// ends the program. `dom.stack.sp` is `sp` again on return, possibly moved by a
/// reallocation of the stack. Out of line: it runs only on the raise paths.
///
/// # Safety
/// `sp` must be the domain's current stack pointer position with at least one free word
/// below it, every word from `sp` up being a well-formed frame word.
#[cold]
#[inline(never)]
unsafe fn actions_before_raise(dom: &mut Domain, sp: *mut Value, exn: Value) -> Result<Value, Exn> {
    // SAFETY: one free word below `sp` (the caller's contract); the exception stays rooted
    // there while OCaml code runs.
    unsafe {
        let sp = sp.sub(1);
        *sp = exn;
        dom.stack.sp = sp;
    }
    let r = crate::domain::pending::poll_actions(dom);
    // SAFETY: the callbacks left the stack as they found it (a reallocation keeps the offset
    // from its top), so the rooted exception is at `dom.stack.sp`.
    let exn = unsafe {
        let sp = dom.stack.sp;
        dom.stack.sp = sp.add(1);
        *sp
    };
    match r {
        Ok(()) => Ok(exn),
        Err(e) => dom.exn_value(&e).ok_or(e),
    }
}
