//! Fiber primitives (fiber.c): creating a fiber stack for an effect handler, and taking a
//! continuation's fiber exactly once (and putting it back, for a walk of its call stack).
//! The stack switching itself is in the interpreter; who holds a stack when is in
//! `heap::stack`.
//!
//! A fiber is named in OCaml by `Val_ptr(stack)` (its address plus one, an odd word the
//! collector ignores); a continuation is a `Cont_tag` block `[Val_ptr(first); Val_ptr(last)]`
//! whose field 0 becomes `Val_ptr(NULL)` (= 1) once the continuation is used. Any domain may
//! use a continuation, whichever captured it; of two racing, one wins.

use super::PrimFn;
use crate::domain::{Domain, Stack};
use crate::exn::{Exn, PrimResult};
use crate::heap::stack::{fiber_of, fiber_value, replace_fiber, take_fiber, NULL_FIBER};
use crate::heap::value::Value;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_alloc_stack", alloc_stack),
    ("caml_continuation_use_noexc", continuation_use_noexc),
    ("caml_continuation_use", continuation_use_prim),
    ("caml_continuation_use_and_update_handler_noexc", continuation_use_and_update_handler),
];

fn alloc_stack(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let fiber = dom.new_fiber([args[0], args[1], args[2]]);
    // SAFETY: the fiber was just created with FIBER_INIT_WSIZE words; it is not running.
    unsafe {
        let s = &mut *fiber;
        s.sp = s.sp.sub(1);
        *s.sp = Value::of_int(1);
    }
    Ok(fiber_value(fiber))
}

/// Takes the fiber out of continuation `cont` (leaving it used).
fn take(cont: Value) -> Value {
    // SAFETY: the argument of these primitives is a Cont_tag block with two fields.
    unsafe { take_fiber(cont) }
}

fn continuation_use_noexc(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(take(args[0]))
}

/// Takes the fiber out of continuation `cont`, raising `Continuation_already_resumed` when
/// it was used (`caml_continuation_use`).
pub fn continuation_use(dom: &mut Domain, cont: Value) -> PrimResult {
    let v = take(cont);
    if v == NULL_FIBER {
        return Err(Exn::Raise(dom.named_exception("Effect.Continuation_already_resumed")));
    }
    Ok(v)
}

/// Puts fiber `fiber` (a `Val_ptr`) back into continuation `cont`, which
/// [`continuation_use`] emptied (`caml_continuation_replace`).
pub fn continuation_replace(cont: Value, fiber: Value) {
    // SAFETY: `cont` is a Cont_tag block that `continuation_use` emptied of `fiber`.
    unsafe { replace_fiber(cont, fiber) }
}

fn continuation_use_prim(dom: &mut Domain, args: &[Value]) -> PrimResult {
    continuation_use(dom, args[0])
}

fn continuation_use_and_update_handler(_dom: &mut Domain, args: &[Value]) -> PrimResult {
    let v = take(args[0]);
    if v == NULL_FIBER {
        return Ok(v);
    }
    // SAFETY: the chain of a continuation we just took is ours (see `heap::stack`): its
    // fibers are linked by `parent` up to the last one, whose parent is null while suspended.
    unsafe {
        let mut s: *mut Stack = fiber_of(v);
        while !(*s).parent.is_null() {
            s = (*s).parent;
        }
        (*s).handlers = [args[1], args[2], args[3]];
    }
    Ok(v)
}
