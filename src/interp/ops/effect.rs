//! Effects: `PERFORM` suspends the running fiber into a continuation and runs its handler
//! in the parent; `RESUME`/`RESUMETERM` switch to a continuation's fiber; `REPERFORMTERM`
//! passes an effect a handler did not take on to the next handler out. A fiber's bottom
//! holds the resume frame `[trap offset, extra_args]`-style words its parent left.
//!
//! SAFETY (every handler): the stacks switched to are live fibers of this domain (a
//! continuation holds its fiber until taken, once); the frames read and written are the ones
//! the compiler's effect instructions lay out (the function, argument and continuation
//! tail on top); no safepoint runs between taking a fiber chain and switching to it.

use crate::domain::{Domain, Stack};
use crate::heap::stack::{fiber_of, fiber_value, replace_fiber, take_fiber};
use crate::heap::value::{make_closinfo, Value, CLOSURE_TAG, CONT_TAG};
use crate::interp::regs::{Leave, RaiseKind, Regs, Step};

/// Switches to fiber `accu` (a `Val_ptr`), whose chain ends at `tail` (null: the fiber
/// itself), and applies `f` to `arg` there. The resume frame is already on the current
/// stack.
///
/// # Safety
/// The module doc.
#[inline(always)]
unsafe fn do_resume(m: &mut Regs, f: Value, arg: Value, tail: *mut Stack) -> Step {
    let stk = fiber_of(m.accu);
    if stk.is_null() {
        let e = m.dom.named_exception("Effect.Continuation_already_resumed");
        // SAFETY: the resume frame left free words below `sp`.
        return Err(unsafe { m.raise_here(e) });
    }
    let tail = if tail.is_null() { stk } else { tail };
    // SAFETY: the module doc. `stk` is read and written through its pointer, which stores
    // to the stack words cannot change (the domain's box would be reloaded after each).
    unsafe {
        let me: *mut Stack = &mut *m.dom.stack;
        (*tail).parent = me;
        (*me).sp = m.sp;
        m.dom.switch_stack(stk);
        m.sp = (*stk).sp;
        (*stk).trap_off = m.at(0).int();
        m.set(0, arg);
        m.accu = f;
        m.jump_to_closure();
        m.extra_args = 0;
        m.check_stacks()
    }
}

/// RESUME: `[f, arg, tail]` on top, the continuation's fiber in `accu`.
///
/// # Safety
/// The module doc.
#[inline(always)]
pub(in crate::interp) unsafe fn resume(m: &mut Regs) -> Step {
    let here = m.code_value_at(m.pc);
    // SAFETY: the module doc.
    unsafe {
        let f = m.at(0);
        let arg = m.at(1);
        let tail = fiber_of(m.at(2));
        m.sp = m.sp.sub(2);
        m.set(0, Value::of_int(m.dom.stack.trap_off));
        m.set(1, Value::of_int(0));
        m.set(2, here);
        m.set(3, m.env);
        m.set(4, Value::of_int(m.extra_args));
        do_resume(m, f, arg, tail)
    }
}

/// RESUMETERM n: as RESUME in tail position (the caller's `n`-word frame goes).
///
/// # Safety
/// The module doc.
#[inline(always)]
pub(in crate::interp) unsafe fn resume_term(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let n = m.peek_operand() as usize;
        let f = m.at(0);
        let arg = m.at(1);
        let tail = fiber_of(m.at(2));
        m.sp = m.sp.add(n - 2);
        m.set(0, Value::of_int(m.dom.stack.trap_off));
        m.set(1, Value::of_int(m.extra_args));
        do_resume(m, f, arg, tail)
    }
}

/// Applies the effect handler of fiber `old` (just left) to `[eff, cont, fiber]` on the
/// parent stack, whose top holds the resume frame.
///
/// # Safety
/// The module doc; the running stack is `parent`, `old`'s parent until it was just left.
#[inline(always)]
unsafe fn run_effect_handler(
    m: &mut Regs,
    old: *mut Stack,
    parent: *mut Stack,
    eff: Value,
    cont: Value,
) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.sp = (*parent).sp;
        (*parent).trap_off = m.at(0).int();
        m.extra_args = m.at(1).int();
        m.sp = m.sp.sub(1);
        m.set(0, eff);
        m.set(1, cont);
        m.set(2, fiber_value(old));
        m.accu = (*old).handlers[2];
        m.jump_to_closure();
        m.extra_args += 2;
        m.check_stacks()
    }
}

/// PERFORM: `accu` is the effect.
///
/// # Safety
/// The module doc.
#[inline(always)]
pub(in crate::interp) unsafe fn perform(m: &mut Regs) -> Step {
    if m.dom.stack.parent.is_null() {
        m.accu = unhandled_effect(m.dom, m.accu);
        return Err(Leave::raise(RaiseKind::Raise));
    }
    // SAFETY: the module doc; the frame of four words is below `sp`'s threshold. The
    // stacks are reached through their pointers (see `do_resume`).
    unsafe {
        let (cont, major) = m.alloc_small_flagged(2, CONT_TAG)?;
        let here = m.code_value_at(m.pc);
        let old: *mut Stack = &mut *m.dom.stack;
        let parent = (*old).parent;
        m.sp = m.sp.sub(4);
        m.set(0, Value::of_int((*old).trap_off));
        m.set(1, here);
        m.set(2, m.env);
        m.set(3, Value::of_int(m.extra_args));
        (*old).sp = m.sp;
        (*old).parent = std::ptr::null_mut();
        m.dom.switch_stack(parent);
        cont.set_field_raw(1, fiber_value(old));
        replace_fiber(cont, fiber_value(old));
        // Only a major continuation is remembered (the slow path's spill).
        if major {
            m.dom.young.note_suspended(cont);
        }
        run_effect_handler(m, old, parent, m.accu, cont)
    }
}

/// REPERFORMTERM n: `accu` the effect, `[cont, tail]` on top; the caller's `n`-word frame
/// goes.
///
/// # Safety
/// The module doc.
#[inline(always)]
pub(in crate::interp) unsafe fn reperform_term(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let n = m.peek_operand() as usize;
        let eff = m.accu;
        let cont = m.at(0);
        let cont_tail = fiber_of(m.at(1));
        let parent = m.dom.stack.parent;
        m.sp = m.sp.add(n - 2);
        m.set(0, Value::of_int(m.dom.stack.trap_off));
        m.set(1, Value::of_int(m.extra_args));
        if parent.is_null() {
            let arg = unhandled_effect(m.dom, eff);
            let raiser = m.dom.alloc_tuple(
                CLOSURE_TAG,
                &[m.code_value_at(m.code(m.program.raise_arg_pc)), make_closinfo(0, 2)],
            );
            // No safepoint from here to the resume: the taken chain is ours.
            m.accu = take_fiber(cont);
            do_resume(m, raiser, arg, cont_tail)
        } else {
            let me: *mut Stack = &mut *m.dom.stack;
            (*me).sp = m.sp;
            m.dom.switch_stack(parent);
            (*me).parent = std::ptr::null_mut();
            (*cont_tail).parent = me;
            cont.set_field_raw(1, fiber_value(me));
            m.dom.young.note_suspended(cont);
            run_effect_handler(m, me, parent, eff, cont)
        }
    }
}

/// The exception `Effect.Unhandled eff`.
fn unhandled_effect(dom: &mut Domain, eff: Value) -> Value {
    // `Callback.register_exception` registers the constructor of an exception with
    // arguments.
    let ctor = dom.named_exception("Effect.Unhandled");
    dom.alloc_tuple(0, &[ctor, eff])
}
