//! The primitives of the stock runtime's smaller files: named values (`callback.c`),
//! signals (`signals.c`), stack capacity and effects (`fiber.c`), memory profiling
//! (`memprof.c`), runtime events (`runtime_events.c`), dynamic loading (`dynlink.c`), the
//! toplevel's code access (`meta.c`), AFL (`afl.c`) and marshal compression (`zstd.c`).
//!
//! What warden does not support (effects, dynamic loading of code or shared libraries)
//! raises a `Failure` that says so. Memory profiling accepts a profile but never samples;
//! runtime events are never active. Signals are real: `Sys.signal` installs an OS handler
//! that records the signal, and `domain::pending` runs the OCaml handlers.
//! Values this file keeps alive (signal handlers, the memprof profile) live in
//! `Domain::named` under keys starting with a NUL byte, which no OCaml name can collide with
//! (`Callback.register` names stop at their first NUL).

use super::PrimFn;
use crate::algo::signal_numbers::{convert_signal_number, NSIG};
use crate::domain::pending::{run_pending_actions, set_signal_action, signal_handlers};
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::{Value, STRING_TAG};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_register_named_value", register_named_value),
    ("caml_install_signal_handler", install_signal_handler),
    ("caml_process_pending_actions_with_root", process_pending_actions_with_root),
    ("caml_ensure_stack_capacity", ensure_stack_capacity),
    ("caml_memprof_start", memprof_start),
    ("caml_memprof_stop", memprof_stop),
    ("caml_memprof_discard", memprof_discard),
    ("caml_ml_runtime_events_start", unit_noop),
    ("caml_ml_runtime_events_pause", unit_noop),
    ("caml_ml_runtime_events_resume", unit_noop),
    ("caml_ml_runtime_events_path", runtime_events_path),
    ("caml_ml_runtime_events_are_active", runtime_events_are_active),
    ("caml_runtime_events_user_register", runtime_events_user_register),
    ("caml_runtime_events_user_write", unit_noop),
    ("caml_reset_afl_instrumentation", unit_noop),
    ("caml_zstd_initialize", zstd_initialize),
    ("caml_dynlink_open_lib", dynlink_open_lib),
    ("caml_dynlink_close_lib", unit_noop),
    ("caml_dynlink_lookup_symbol", dynlink_lookup_symbol),
    ("caml_dynlink_add_primitive", dynlink_unsupported),
    ("caml_dynlink_get_current_libs", dynlink_get_current_libs),
    ("caml_dynlink_get_bytecode_sections", dynlink_unsupported),
    ("caml_get_global_data", get_global_data),
    ("caml_realloc_global", realloc_global),
    ("caml_get_current_environment", get_current_environment),
    ("caml_reify_bytecode", meta_unsupported),
    ("caml_static_release_bytecode", meta_unsupported),
    ("caml_invoke_traced_function", meta_unsupported),
];

/// Key of the current memprof profile in `Domain::named`.
const MEMPROF_KEY: &[u8] = b"\0warden:memprof";

fn unit_noop(_: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::UNIT)
}

/// The bytes of a string argument up to its first NUL, as C sees it.
fn c_string(v: Value) -> Result<Vec<u8>, Exn> {
    // SAFETY: the tag is read from a block; the bytes are copied at once.
    if v.is_block() && unsafe { v.tag() } == STRING_TAG {
        // SAFETY: a String_tag block (checked above); copied before anything allocates.
        let b = unsafe { v.bytes() };
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        Ok(b[..end].to_vec())
    } else {
        Err(Exn::invalid_arg("expected a string"))
    }
}

fn register_named_value(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let name = c_string(args[0])?;
    dom.named.insert(name, args[1]);
    Ok(Value::UNIT)
}

// ---------------------------------------------------------------------------------------
// Signals

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

// ---------------------------------------------------------------------------------------
// Memprof: profiles are accepted and tracked, but no allocation is ever sampled.

const CONFIG_STATUS: usize = 0;
const STATUS_SAMPLING: isize = 0;
const STATUS_STOPPED: isize = 1;
const STATUS_DISCARDED: isize = 2;

fn memprof_start(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let (lv, szv, tracker) = (args[0], args[1], args[2]);
    // SAFETY: the sampling rate is a boxed float.
    let lambda = unsafe { lv.double() };
    if szv.int() < 0 || !(0.0..=1.0).contains(&lambda) {
        return Err(Exn::invalid_arg("Gc.Memprof.start"));
    }
    if let Some(&cfg) = dom.named.get(MEMPROF_KEY) {
        // SAFETY: the profile block made below has a status field.
        if unsafe { cfg.field(CONFIG_STATUS) }.int() == STATUS_SAMPLING {
            return Err(Exn::failure("Gc.Memprof.start: already started."));
        }
    }
    let mut one_log1m = if lambda == 1.0 { 0.0 } else { 1.0 / (-lambda).ln_1p() };
    // NaN, +inf or a positive value (a faulty log1p) would derail sampling: -inf instead.
    if one_log1m.is_nan() || one_log1m > 0.0 {
        one_log1m = f64::NEG_INFINITY;
    }
    let l1 = dom.alloc_float(one_log1m);
    let mut fields = vec![Value::of_int(STATUS_SAMPLING), lv, l1, szv];
    for i in 0..5 {
        // SAFETY: a tracker is a record of five callbacks.
        fields.push(unsafe { tracker.field(i) });
    }
    let cfg = dom.alloc_tuple(0, &fields);
    dom.named.insert(MEMPROF_KEY.to_vec(), cfg);
    Ok(cfg)
}

fn memprof_stop(dom: &mut Domain, _: &[Value]) -> PrimResult {
    match dom.named.get(MEMPROF_KEY).copied() {
        // SAFETY: the profile block has a status field.
        Some(cfg) if unsafe { cfg.field(CONFIG_STATUS) }.int() == STATUS_SAMPLING => {
            // SAFETY: as above; an immediate needs no barrier.
            unsafe { cfg.set_field_raw(CONFIG_STATUS, Value::of_int(STATUS_STOPPED)) };
            Ok(Value::UNIT)
        }
        _ => Err(Exn::failure("Gc.Memprof.stop: no profile running.")),
    }
}

fn memprof_discard(_: &mut Domain, args: &[Value]) -> PrimResult {
    let cfg = args[0];
    // SAFETY: a profile (`Gc.Memprof.t`) is the block made by `memprof_start`.
    match unsafe { cfg.field(CONFIG_STATUS) }.int() {
        STATUS_SAMPLING => Err(Exn::failure("Gc.Memprof.discard: profile not stopped.")),
        STATUS_DISCARDED => Err(Exn::failure("Gc.Memprof.discard: profile already discarded.")),
        _ => {
            // SAFETY: as above.
            unsafe { cfg.set_field_raw(CONFIG_STATUS, Value::of_int(STATUS_DISCARDED)) };
            Ok(Value::UNIT)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Runtime events: never active, so there is no ring to name or write to.

const MAX_CUSTOM_EVENTS: usize = 1 << 13;
const CUSTOM_EVENT_ID_LENGTH: usize = 128;

/// Custom event ids handed out so far (process-wide; relaxed: only the count matters).
static CUSTOM_EVENT_INDEX: AtomicUsize = AtomicUsize::new(0);

fn runtime_events_path(_: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::NONE)
}

fn runtime_events_are_active(_: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::FALSE)
}

fn runtime_events_user_register(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let (name, tag, typ) = (args[0], args[1], args[2]);
    let index = CUSTOM_EVENT_INDEX.fetch_add(1, Ordering::Relaxed);
    if index > MAX_CUSTOM_EVENTS {
        return Err(Exn::invalid_arg(
            "Runtime_events.User.register: maximum number of custom events exceeded",
        ));
    }
    // SAFETY: the event name is an OCaml string.
    let bytes = unsafe { name.bytes() };
    if bytes.len() > CUSTOM_EVENT_ID_LENGTH - 1 {
        return Err(Exn::invalid_arg(
            "Runtime_events.User.register: maximum length for event name exceeded",
        ));
    }
    if bytes.contains(&0) {
        return Err(Exn::invalid_arg(
            "Runtime_events.User.register: event name has null characters",
        ));
    }
    Ok(dom.alloc_tuple(0, &[Value::of_int(index as isize), name, typ, tag]))
}

fn zstd_initialize(_: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::FALSE)
}

// ---------------------------------------------------------------------------------------
// Dynamic loading and the toplevel's code access

fn dynlink_open_lib(_: &mut Domain, args: &[Value]) -> PrimResult {
    let name = String::from_utf8_lossy(&c_string(args[0])?).into_owned();
    Err(Exn::failure(format!("{name}: loading shared libraries is not supported by warden")))
}

fn dynlink_lookup_symbol(_: &mut Domain, _: &[Value]) -> PrimResult {
    // No library is ever open, so no symbol is ever found.
    Ok(Value::UNIT)
}

fn dynlink_get_current_libs(_: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(crate::heap::atoms::atom(0))
}

fn dynlink_unsupported(_: &mut Domain, _: &[Value]) -> PrimResult {
    Err(Exn::failure("Dynlink: dynamic loading of bytecode is not supported by warden"))
}

fn meta_unsupported(_: &mut Domain, _: &[Value]) -> PrimResult {
    Err(Exn::failure("loading or tracing bytecode at run time is not supported by warden"))
}

fn get_global_data(dom: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(dom.globals.get())
}

fn realloc_global(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let old = dom.globals.get();
    // SAFETY: the global table is a block.
    let actual = unsafe { old.wosize() };
    let requested = args[0].int();
    if requested < 0 || (requested as usize) < actual {
        return Ok(Value::UNIT);
    }
    let size = (requested as usize + 0x100) & 0xFFFF_FF00;
    super::gc_prims::gc_message(
        dom.gc.params.verbose,
        0x08,
        format_args!("Growing global data to {size} entries\n"),
    );
    let new = dom.alloc_shr(size, 0);
    for i in 0..actual {
        // SAFETY: i < actual <= size.
        let v = unsafe { old.field(i) };
        dom.initialize(new, i, v);
    }
    for i in actual..size {
        // SAFETY: i < size; an immediate needs no barrier.
        unsafe { new.set_field_raw(i, Value::of_int(0)) };
    }
    dom.globals.set(new);
    Ok(Value::UNIT)
}

fn get_current_environment(dom: &mut Domain, _: &[Value]) -> PrimResult {
    // The primitive call frame is `[env, return address]` at the stack pointer.
    if dom.stack.used() == 0 {
        return Ok(Value::UNIT);
    }
    // SAFETY: the stack holds at least one word at sp.
    Ok(unsafe { *dom.stack.sp })
}
