//! Primitive calls (`C_CALL1`..`C_CALL5`, `C_CALLN`): the call frame `[env, address after
//! the call]` is pushed so that a collection or a backtrace inside the primitive sees it; the
//! heap lock is taken unless the primitive runs without it (`PrimTable::get`'s kind); a C
//! stub whose arguments are in registers is called straight through its trampoline
//! (`call_c` and `domain::c_call`, production builds only, on a thread whose C state is
//! ready), with a path of its own to the next instruction when the stub returns; an error
//! is raised as from the call's position, or ends the activation (`exit`, a fatal error).
//!
//! SAFETY (every handler): primitive numbers were checked against the table at load; the
//! arguments are in the current frame; two free words below `sp` hold the call frame.

use crate::check;
use crate::domain::c_call;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;
use crate::interp::prim_table::kind;
use crate::interp::regs::{Leave, RaiseKind, Regs, Step};

/// Calls the primitive whose number is at `pc` with `args` (`accu` and the `pop` words on
/// top of the stack), then pops them: the generic path (a C stub takes it on a thread not
/// ready for its domain yet, in `C_CALLN`, and in the hardened build).
///
/// # Safety
/// Validated code (see the module doc).
#[inline(always)]
unsafe fn call(m: &mut Regs, slice: &[Value], pop: usize) -> Step {
    // SAFETY: the module doc.
    let p = unsafe { m.peek_operand() } as usize;
    // SAFETY: the module doc (the next instruction follows the operand).
    let after = m.code_value_at(unsafe { m.pc.add(1) });
    // SAFETY: the module doc.
    unsafe {
        m.sp = m.sp.sub(2);
        m.set(0, m.env);
        m.set(1, after);
    }
    m.dom.stack.sp = m.sp;
    check::note_site(m.dom.id, m.pc_index() - 1);
    // SAFETY: the module doc (the number was validated against the table).
    let (prim, kind) = unsafe { m.program.prims.get(p) };
    let r = if kind == kind::LOCKED {
        m.dom.lock_heap();
        let r = prim(m.dom, slice);
        m.dom.unlock_heap();
        r
    } else {
        prim(m.dom, slice)
    };
    m.sp = m.dom.stack.sp;
    // SAFETY: the call frame and the arguments are on the stack.
    unsafe { finish(m, r, pop) }
}

/// Calls the C stub at `addr`, primitive `p` of kind `DIRECT_C`, straight through its
/// trampoline with the `N` arguments in registers (production builds, on a thread ready
/// for its domain): the call frame is pushed as by `call`, and a return is handled here;
/// a stub that left by a jump goes to `fail`.
///
/// # Safety
/// Validated code (see the module doc); `addr` is primitive `p`'s C address, a function of
/// `N` values.
#[inline(always)]
unsafe fn call_c<const N: usize>(m: &mut Regs, addr: usize) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let mut args = [m.accu; N];
        for (i, a) in args.iter_mut().enumerate().skip(1) {
            *a = m.at(i - 1);
        }
        let after = m.code_value_at(m.pc.add(1));
        m.sp = m.sp.sub(2);
        m.set(0, m.env);
        m.set(1, after);
        m.dom.stack.sp = m.sp;
        let mut r = c_call::call_stub::<N>(&args, addr);
        if r.0 == 0 {
            match c_call::left() {
                // The stub returned 0 (a bug, passed on as stock does).
                Ok(v) => r = v,
                Err(e) => {
                    m.sp = m.dom.stack.sp;
                    return fail(m, e);
                }
            }
        }
        // A callback inside the stub may have moved the stack.
        m.sp = m.dom.stack.sp;
        m.env = m.at(0);
        m.pop(1 + N);
        m.pc = m.pc.add(1);
        m.accu = r;
        Ok(())
    }
}

/// Ends a primitive call whose outcome is `r`: pops the call frame and the `pop` argument
/// words and steps over the primitive number, or raises as from the call's position, or
/// ends the activation.
///
/// # Safety
/// `sp` at the call frame, with the `pop` argument words above it and free words below.
#[inline(always)]
unsafe fn finish(m: &mut Regs, r: PrimResult, pop: usize) -> Step {
    match r {
        Ok(v) => {
            // SAFETY: the call frame and the arguments are on the stack.
            unsafe {
                m.env = m.at(0);
                m.pop(2 + pop);
                m.pc = m.pc.add(1);
            }
            m.accu = v;
            Ok(())
        }
        Err(e) => {
            // Rare: unmarked, LLVM weighs it as the return's equal when it places the
            // dispatch loop's registers (marked, every benchmark program runs 0-12% fewer
            // instructions, callgrind).
            std::hint::cold_path();
            // SAFETY: the caller's.
            unsafe { fail(m, e) }
        }
    }
}

/// Raises the exception of a primitive call that failed with `e` as from the call's
/// position, or ends the activation.
///
/// # Safety
/// `sp` at the call frame, with free words below it.
#[inline(always)]
unsafe fn fail(m: &mut Regs, e: Exn) -> Step {
    match e {
        Exn::Unimplemented(_) => {
            // SAFETY: `pc` is at the primitive number (the module doc).
            let p = unsafe { m.peek_operand() } as usize;
            Err(Leave::Fail(Exn::fatal(format!(
                "the primitive {} is not implemented by warden",
                m.program.prims.name(p)
            ))))
        }
        e => match m.dom.exn_value(&e) {
            Some(v) => {
                m.accu = v;
                // SAFETY: the call frame is on top, with free words below it.
                unsafe { m.actions_before_raise()? };
                Err(Leave::raise(RaiseKind::FromPrim))
            }
            None => Err(Leave::Fail(e)),
        },
    }
}

/// C_CALL1..C_CALL5 prim: `accu` and `N - 1` stack words.
///
/// # Safety
/// As `call`.
#[inline(always)]
pub(in crate::interp) unsafe fn c_call<const N: usize>(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let p = m.peek_operand() as usize;
        // 0 unless a DIRECT_C primitive (production builds).
        let addr = m.program.prims.c_addr(p);
        if addr != 0 && c_call::entered(m.dom) {
            return call_c::<N>(m, addr);
        }
        let args: [Value; N] = std::array::from_fn(|i| if i == 0 { m.accu } else { m.at(i - 1) });
        call(m, &args, N - 1)
    }
}

/// C_CALLN n, prim: `accu` pushed, then the `n` stack words.
///
/// # Safety
/// As `call`.
#[inline(always)]
pub(in crate::interp) unsafe fn c_call_n(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let nargs = m.operand() as usize;
        m.push(m.accu);
        // A copy, since a callback inside the primitive may move the stack: on the native
        // stack for the usual arities (the compiler's C_CALLN starts at 6 arguments).
        let on_stack = std::slice::from_raw_parts(m.sp, nargs);
        let mut small = [Value::UNIT; 12];
        if nargs <= small.len() {
            small[..nargs].copy_from_slice(on_stack);
            call(m, &small[..nargs], nargs)
        } else {
            let args: Vec<Value> = on_stack.to_vec();
            call(m, &args, nargs)
        }
    }
}
