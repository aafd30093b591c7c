//! Primitive calls (`C_CALL1`..`C_CALL5`, `C_CALLN`): the call frame `[env, address after
//! the call]` is pushed so that a collection or a backtrace inside the primitive sees it; the
//! heap lock is taken unless the primitive runs without it (`PrimTable::get`'s kind); a C
//! stub whose arguments are in registers is called straight through its trampoline
//! (`domain::c_call`, production builds only); an error is raised as from the call's
//! position, or ends the activation (`exit`, a fatal error).
//!
//! SAFETY (every handler): primitive numbers were checked against the table at load; the
//! arguments are in the current frame; two free words below `sp` hold the call frame.

use crate::check;
use crate::domain::c_call;
use crate::exn::Exn;
use crate::heap::value::Value;
use crate::interp::prim_table::kind;
use crate::interp::regs::{Leave, RaiseKind, Regs, Step};

/// Calls the primitive whose number is at `pc` with `args` (`accu` and the `pop` words on
/// top of the stack), then pops them. `N` is the number of arguments of `C_CALL1`..`C_CALL5`
/// (in registers for a C stub), 0 for `C_CALLN`.
///
/// # Safety
/// Validated code (see the module doc).
#[inline(always)]
unsafe fn call<const N: usize>(
    m: &mut Regs,
    args: &[Value; N],
    slice: &[Value],
    pop: usize,
) -> Step {
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
    let r = if kind == kind::LOCK_FREE || (N == 0 && kind == kind::DIRECT_C) {
        prim(m.dom, slice)
    } else if kind == kind::DIRECT_C {
        // SAFETY: as `get`.
        let addr = unsafe { m.program.prims.c_addr(p) };
        // SAFETY: a DIRECT_C primitive is the C stub at `addr` bound to `prim`, and the
        // program's PRIM section and this C_CALLN agree on its `N` arguments.
        unsafe { c_call::call_direct::<N>(m.dom, prim, args, addr) }
    } else {
        m.dom.lock_heap();
        let r = prim(m.dom, slice);
        m.dom.unlock_heap();
        r
    };
    m.sp = m.dom.stack.sp;
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
        Err(Exn::Unimplemented(_)) => Err(Leave::Fail(Exn::fatal(format!(
            "the primitive {} is not implemented by warden",
            m.program.prims.name(p)
        )))),
        Err(e) => match m.dom.exn_value(&e) {
            Some(v) => {
                m.accu = v;
                // SAFETY: the call frame is on top, with free words below it.
                unsafe { m.actions_before_raise()? };
                Err(Leave::Raise(RaiseKind::FromPrim))
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
        let mut args = [m.accu; N];
        for (i, a) in args.iter_mut().enumerate().skip(1) {
            *a = m.at(i - 1);
        }
        call::<N>(m, &args, &args, N - 1)
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
            call::<0>(m, &[], &small[..nargs], nargs)
        } else {
            let args: Vec<Value> = on_stack.to_vec();
            call::<0>(m, &[], &args, nargs)
        }
    }
}
