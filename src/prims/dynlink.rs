//! Dynamic loading and the toplevel's access to code (the stock `dynlink.c` and `meta.c`):
//! warden loads no shared library and cannot yet register new code, so those primitives
//! raise a `Failure` that says so; the global table's access and growth are real.

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;

pub const PRIMS: &[(&str, PrimFn)] = &[
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

fn unit_noop(_: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::UNIT)
}

// ---------------------------------------------------------------------------------------
// Dynamic loading and the toplevel's code access

fn dynlink_open_lib(_: &mut Domain, args: &[Value]) -> PrimResult {
    let name = String::from_utf8_lossy(&super::c_string_arg(args[0])?).into_owned();
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
    let new = dom.alloc_major(size, 0);
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
