//! Callbacks and signals (the stock `callback.c`, `signals.c` and a part of `fiber.c`):
//! `Callback.register`, `Sys.signal`, the pending-action poll OCaml code asks for, and stack
//! capacity. Signals are real: `Sys.signal` installs an OS handler that records the signal,
//! and `domain::pending` runs the OCaml handlers at the next poll. The handler table lives in
//! `Domain::named` under a key starting with a NUL byte, which no OCaml name can collide with
//! (`Callback.register` names stop at their first NUL).

use super::PrimFn;
use crate::algo::signal_numbers::{convert_signal_number, NSIG};
use crate::domain::pending::{run_pending_actions, set_signal_action, signal_handlers};
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_register_named_value", register_named_value),
    ("caml_install_signal_handler", install_signal_handler),
    ("caml_process_pending_actions_with_root", process_pending_actions_with_root),
    ("caml_ensure_stack_capacity", ensure_stack_capacity),
];

fn register_named_value(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let name = super::c_string_arg(args[0])?;
    dom.named.insert(name, args[1]);
    Ok(Value::UNIT)
}

fn install_signal_handler(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let sig = convert_signal_number(args[0].int());
    if sig <= 0 || sig >= NSIG as isize {
        return Err(Exn::invalid_arg("Sys.signal: unavailable signal"));
    }
    let sig = sig as i32;
    let action = args[1];
    let act = if action == Value::of_int(0) {
        0
    } else if action == Value::of_int(1) {
        1
    } else {
        2
    };
    let old = set_signal_action(sig, act).map_err(|e| Exn::sys_error_os(None, &e))?;
    let table = signal_handlers(dom);
    let res = match old {
        0 => Value::of_int(0),
        1 => Value::of_int(1),
        _ => {
            // SAFETY: the table has NSIG fields and sig < NSIG.
            let h = unsafe { table.field(sig as usize) };
            dom.alloc_tuple(0, &[h])
        }
    };
    if action.is_block() {
        // SAFETY: Signal_handle f is a block with one field.
        let f = unsafe { action.field(0) };
        dom.modify(table, sig as usize, f);
    }
    Ok(res)
}

fn process_pending_actions_with_root(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let n = dom.local_roots.len();
    dom.local_roots.push(args[0]);
    let r = run_pending_actions(dom);
    let root = dom.local_roots[n];
    dom.local_roots.truncate(n);
    r.map(|()| root)
}

fn ensure_stack_capacity(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let req = args[0].int();
    if req > 0 && !dom.stack.grow(req as usize) {
        return Err(Exn::stack_overflow());
    }
    Ok(Value::UNIT)
}
