//! Control and exceptions: branches, `SWITCH`, trap frames (`PUSHTRAP`, `POPTRAP`), raises
//! (the raise path itself is `run::raise`), poll points (`CHECK_SIGNALS`), `STOP` and the
//! debugger's instructions.
//!
//! SAFETY (every handler): jump offsets and `SWITCH` tables were validated at load (targets
//! on instruction boundaries); a `SWITCH` slot is bounds-checked against its table; a
//! `POPTRAP` finds the trap frame its `PUSHTRAP` pushed (the compiler nests them).

use crate::check;
use crate::exn::Exn;
use crate::heap::value::Value;
use crate::interp::regs::{opaque, Leave, RaiseKind, Regs, Step};

/// BRANCH ofs.
///
/// # Safety
/// Validated code (see the module doc).
#[inline(always)]
pub(in crate::interp) unsafe fn branch(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe { m.jump() };
    Ok(())
}

/// BRANCHIF ofs (`IF` true) and BRANCHIFNOT ofs (`IF` false).
///
/// # Safety
/// As `branch`.
#[inline(always)]
pub(in crate::interp) unsafe fn branch_if<const IF: bool>(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        if (m.accu != Value::FALSE) == IF {
            m.jump();
        } else {
            m.pc = m.pc.add(1);
        }
    }
    Ok(())
}

/// SWITCH sizes, table: jumps through the slot of `accu`'s integer or (for a block) tag.
///
/// # Safety
/// As `branch`.
#[inline(always)]
pub(in crate::interp) unsafe fn switch(m: &mut Regs) -> Step {
    // SAFETY: the module doc; the slot is below the table's size.
    unsafe {
        let sizes = m.operand() as u32;
        let slot = if m.accu.is_block() {
            (sizes & 0xFFFF) as usize + m.accu.tag() as usize
        } else {
            m.accu.int() as usize
        };
        let nslots = (sizes & 0xFFFF) as usize + (sizes >> 16) as usize;
        if slot >= nslots {
            check::explain_bad_value(m.accu, "the value a SWITCH dispatches on");
            check::on_bad_switch(m.accu, || m.here());
            bad_switch();
        }
        m.pc = m.pc.offset(*m.pc.add(slot) as isize);
    }
    Ok(())
}

/// A `SWITCH` on a value outside its table (after the hardened build's `bad-access`
/// check, which reports it): a fatal error.
#[cold]
#[inline(never)]
fn bad_switch() -> ! {
    crate::fatal("SWITCH on a value outside its table");
}

/// PUSHTRAP ofs: pushes a trap frame whose handler is at `ofs`.
///
/// # Safety
/// As `branch`; four free words below `sp`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_trap(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let target = m.jump_address();
        m.sp = m.sp.sub(4);
        m.set(0, m.code_value_at(target));
        m.set(1, Value::of_int(m.dom.stack.trap_off));
        m.set(2, m.env);
        m.set(3, Value::of_int(m.extra_args));
        m.dom.stack.trap_off = m.sp.offset_from(m.dom.stack.high());
        m.pc = m.pc.add(1);
    }
    Ok(())
}

/// POPTRAP: pops the trap frame on top. It is a poll point, restarting after the pending
/// actions (so that an exception of theirs is caught here).
///
/// # Safety
/// As `branch`.
#[inline(always)]
pub(in crate::interp) unsafe fn pop_trap(m: &mut Regs) -> Step {
    // SAFETY: the module doc; the poll's event frame comes back to this instruction.
    unsafe {
        if m.pending() {
            m.pc = m.pc.sub(1);
            return poll_out_of_line(m);
        }
        m.dom.stack.trap_off = m.at(1).int();
        m.pop(4);
    }
    Ok(())
}

/// RAISE, RERAISE, RAISE_NOTRACE: records the backtrace here (out of line), then `accu`
/// goes to the raise path as `NoTrace`. The handler is never an empty block: an empty one
/// would make the dispatch's indirect jump the direct predecessor of the loop's exit, and
/// LLVM would then set the exit's `Leave` value in every copy of the dispatch.
///
/// # Safety
/// As `branch`; a free word below `sp`.
#[inline(always)]
pub(in crate::interp) unsafe fn raise(m: &mut Regs, kind: RaiseKind) -> Step {
    if kind != RaiseKind::NoTrace && m.dom.backtrace_active {
        // SAFETY: the caller's contract.
        m.out_of_line(|r| unsafe { r.record_raise(kind == RaiseKind::Reraise) });
    }
    m.accu = opaque(m.accu);
    Err(Leave::raise(RaiseKind::NoTrace))
}

/// CHECK_SIGNALS: a poll point.
///
/// # Safety
/// As `branch`.
#[inline(always)]
pub(in crate::interp) unsafe fn check_signals(m: &mut Regs) -> Step {
    if !m.pending() {
        return Ok(());
    }
    // SAFETY: the compiler emits it where the frame has room for an event frame.
    unsafe { poll_out_of_line(m) }
}

/// The pending actions of a poll point (`Regs::poll`), out of line: inlined, the call would
/// take registers from the dispatch loop.
///
/// # Safety
/// As `Regs::poll`.
#[inline(always)]
unsafe fn poll_out_of_line(m: &mut Regs) -> Step {
    /// # Safety
    /// As `Regs::poll`.
    #[cold]
    #[inline(never)]
    unsafe fn slow(m: &mut Regs) -> Step {
        // SAFETY: the caller's contract.
        unsafe { m.poll() }
    }
    // SAFETY: the caller's contract.
    m.out_of_line(|r| unsafe { slow(r) })
}

/// STOP: the activation ends with `accu`.
///
/// # Safety
/// As `branch`.
#[inline(always)]
pub(in crate::interp) unsafe fn stop(m: &mut Regs) -> Step {
    // Not an empty block (see `raise`).
    m.accu = opaque(m.accu);
    Err(Leave::Stop)
}

/// EVENT, BREAK: only a debugger places them.
///
/// # Safety
/// As `branch`.
#[inline(always)]
pub(in crate::interp) unsafe fn debugger(_m: &mut Regs) -> Step {
    Err(Leave::Fail(Exn::fatal("debugger instructions (EVENT, BREAK) are not supported")))
}
