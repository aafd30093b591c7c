//! Loading bytecode at run time and the toplevel's access to the program (the stock
//! `meta.c` and the bytecode half of `dynlink.c`): a fragment handed to
//! `caml_reify_bytecode` is validated and verified as the program was, then appended to the
//! code area (`interp::CodeArea`), where running code never moves; its debug events go to
//! the backtrace tables and its digest identifies it to `Marshal`. The global table's access
//! and growth, and the sections `Dynlink` reads back from the executable, are here too. The
//! shared-library half (`caml_dynlink_open_lib`, `_lookup_symbol`, `_add_primitive`,
//! `_get_current_libs`) is `capi::dynlink`, above.
//!
//! Invariant: no fragment runs before it passed `loader::validate` (against the primitive
//! and global tables as they are when it is loaded) and `loader::verify::verify_fragment`.

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::code_pointer::code_value;
use crate::heap::value::{
    make_closinfo, Value, ABSTRACT_TAG, CLOSURE_TAG, NO_SCAN_TAG, STRING_TAG,
};
use crate::interp::opcodes::Op;
use crate::loader::debuginfo::{DebugEvent, DebugInfo};
use std::sync::OnceLock;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_dynlink_get_bytecode_sections", dynlink_get_bytecode_sections),
    ("caml_get_global_data", get_global_data),
    ("caml_realloc_global", realloc_global),
    ("caml_get_current_environment", get_current_environment),
    ("caml_reify_bytecode", reify_bytecode),
    ("caml_static_release_bytecode", static_release_bytecode),
    ("caml_invoke_traced_function", invoke_traced_function),
];

/// The shared-library search path of the run (ocamlrun's `caml_shared_libs_path`: `-I`
/// directories, `CAML_LD_LIBRARY_PATH`, the program's DLPT, `ld.conf`), set at start-up.
static SHARED_LIBS_PATH: OnceLock<Vec<Vec<u8>>> = OnceLock::new();

/// Records the shared-library search path (start-up).
pub fn set_shared_libs_path(path: Vec<Vec<u8>>) {
    let _ = SHARED_LIBS_PATH.set(path);
}

/// The shared-library search path of the run.
pub fn shared_libs_path() -> &'static [Vec<u8>] {
    SHARED_LIBS_PATH.get().map_or(&[], Vec::as_slice)
}

// ---------------------------------------------------------------------------------------
// The executable's sections

/// `{symb; crcs; prim; dlpt}`: the program's SYMB and CRCS sections (unmarshalled), the
/// names of its primitives and the library search path, for `Dynlink`'s and the toplevel's
/// symbol tables.
fn dynlink_get_bytecode_sections(dom: &mut Domain, _: &[Value]) -> PrimResult {
    let path = std::path::PathBuf::from(
        <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&dom.exe_name),
    );
    let sections = crate::loader::exec::read_sections(&path, &["SYMB", "CRCS"])
        .map_err(|_| Exn::failure("Dynlink: Failed to re-read bytecode trailer"))?;
    let mut read = |bytes: &Option<Vec<u8>>, what: &str| -> PrimResult {
        match bytes {
            None => Ok(Value::UNIT),
            Some(b) => crate::loader::intern::intern(dom, b, None)
                .map(|(v, _)| v)
                .map_err(|_| Exn::failure(format!("Dynlink: error reading {what}"))),
        }
    };
    if sections[0].is_none() {
        return Err(Exn::failure("Dynlink: error reading SYMB"));
    }
    let symb = read(&sections[0], "SYMB")?;
    let crcs = read(&sections[1], "CRCS")?;
    let program = crate::interp::current_program();
    let names: Vec<Value> =
        program.prims.initial_names().iter().map(|n| dom.alloc_str(n)).collect();
    let prim = dom.alloc_list(&names);
    let dirs: Vec<Value> = shared_libs_path().iter().map(|d| dom.alloc_bytes_from(d)).collect();
    let dlpt = dom.alloc_list(&dirs);
    Ok(dom.alloc_tuple(0, &[symb, crcs, prim, dlpt]))
}

// ---------------------------------------------------------------------------------------
// Fragments

/// `caml_reify_bytecode code debug_info digest_opt`: loads the fragment `code` (a char
/// bigarray of little-endian words) followed by `RETURN 1`; returns `(handle, closure)`,
/// the closure running the fragment when applied to `()`.
fn reify_bytecode(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let bytes = super::bigarray::with_data(args[0], |b| b.to_vec())
        .ok_or_else(|| Exn::invalid_arg("Meta.reify_bytecode"))?;
    if bytes.len() % 4 != 0 {
        return Err(Exn::failure("reify_bytecode: the code is not a whole number of words"));
    }
    let mut code: Vec<i32> =
        bytes.chunks_exact(4).map(|w| i32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
    code.extend([Op::RETURN as i32, 1]);
    let program = crate::interp::current_program();
    let globals = dom.globals.get();
    // SAFETY: the global table is a block.
    let nglobals = if globals.is_block() { unsafe { globals.wosize() } } else { 0 };
    let verified = program
        .prims
        .with_names(super::reads, |names, reads| {
            let prims = crate::loader::verify::Prims { names, reads };
            crate::loader::verify::verify_fragment(&code, prims)
        })
        .and_then(|v| v.check_globals(&code, nglobals).map(|()| v))
        .map_err(|e| Exn::failure(format!("reify_bytecode: {e}")))?;
    let digest = match some_string(args[2]) {
        Some(d) if d.len() == 16 => d.try_into().unwrap_or([0; 16]),
        _ => crate::loader::intern::code_digest(&code),
    };
    let events = fragment_events(args[1]);
    let start = program.add_fragment(&code, digest, verified.entries).map_err(Exn::failure)?;
    if !events.is_empty() {
        super::backtrace::add_fragment_debug(start, code.len(), DebugInfo::from_events(events));
    }
    if crate::check::ENABLED {
        let (base, len) = (program.code.as_ptr(), program.code.len());
        dom.with_heap(|d| {
            crate::check::on_code(&mut d.gc.check, base, len, &|| {
                crate::interp::run::instruction_starts(&program.code)
            })
        });
    }
    crate::fault_signals::note_interpreter_code(
        program.code.as_ptr(),
        program.code.len(),
        crate::interp::opcodes::fault_site,
    );
    let clos = dom.alloc_small(2, CLOSURE_TAG);
    // SAFETY: a fresh block of two fields, filled with immediates before any allocation.
    unsafe {
        clos.set_field_raw(0, code_value(start));
        clos.set_field_raw(1, make_closinfo(0, 2));
    }
    let handle = dom.alloc_small(2, ABSTRACT_TAG);
    // SAFETY: a fresh abstract block of two words (not scanned): the fragment's start and
    // length.
    unsafe {
        handle.set_raw(0, start);
        handle.set_raw(1, code.len());
    }
    Ok(dom.alloc_tuple(0, &[handle, clos]))
}

/// `caml_static_release_bytecode handle`: the fragment is forgotten (no more marshalling of
/// its closures nor debug info). Its words stay in the code area, so a closure still
/// pointing there runs the same code, where the stock runtime would run freed memory.
fn static_release_bytecode(_: &mut Domain, args: &[Value]) -> PrimResult {
    let h = args[0];
    // SAFETY: the tag and size are read from a block before its words.
    let ok = h.is_block() && unsafe { h.tag() == ABSTRACT_TAG && h.wosize() == 2 };
    if !ok {
        return Err(Exn::invalid_arg("Meta.static_release_bytecode"));
    }
    // SAFETY: an abstract block of two words (checked above).
    let start = unsafe { h.raw(0) };
    let program = crate::interp::current_program();
    if start >= program.stubs_end && program.release_fragment(start) {
        super::backtrace::remove_fragment_debug(start);
    }
    Ok(Value::UNIT)
}

/// The string of `Some s`, if `v` is one.
fn some_string(v: Value) -> Option<Vec<u8>> {
    let s = field_of(v, 0)?;
    string_of(s).map(String::into_bytes)
}

/// Field `i` of `v` if `v` is a scannable block that has one.
fn field_of(v: Value, i: usize) -> Option<Value> {
    // SAFETY: the tag and size are read from a block; the field only when in range.
    unsafe { (v.is_block() && v.tag() < NO_SCAN_TAG && i < v.wosize()).then(|| v.field(i)) }
}

/// The text of `v` if it is a string.
fn string_of(v: Value) -> Option<String> {
    // SAFETY: the bytes are read from a block whose tag says string.
    unsafe {
        (v.is_block() && v.tag() == STRING_TAG)
            .then(|| String::from_utf8_lossy(v.bytes()).into_owned())
    }
}

/// The debug events of a fragment (an array of `Instruct.debug_event list`), positions
/// relative to the fragment; malformed events are skipped.
fn fragment_events(lists: Value) -> Vec<DebugEvent> {
    let mut out = Vec::new();
    // SAFETY: the size is read from a block.
    let n = if lists.is_block() { unsafe { lists.wosize() } } else { 0 };
    for k in 0..n {
        let mut l = field_of(lists, k).unwrap_or(Value::EMPTY_LIST);
        // Bounded: a list of the heap is finite, but a cycle must not hang the load.
        let mut budget = 1usize << 26;
        while let Some(ev) = field_of(l, 0) {
            if let Some(e) = debug_event(ev) {
                out.push(e);
            }
            l = field_of(l, 1).unwrap_or(Value::EMPTY_LIST);
            budget -= 1;
            if budget == 0 {
                break;
            }
        }
    }
    out
}

/// One `Instruct.debug_event` (fields `ev_pos`, `ev_loc`, `ev_defname`; a `Location.t` is
/// `{loc_start; loc_end; _}`, a position `{pos_fname; pos_lnum; pos_bol; pos_cnum}`).
fn debug_event(ev: Value) -> Option<DebugEvent> {
    let int = |v: Value| v.is_int().then(|| v.int());
    let pos = int(field_of(ev, 0)?)?;
    let loc = field_of(ev, 2)?;
    let (start, end) = (field_of(loc, 0)?, field_of(loc, 1)?);
    // Positions are read as C ints, as the stock runtime does.
    let get = |p: Value, i: usize| field_of(p, i).and_then(int).map(|n| n as i32);
    let (start_lnum, start_bol, start_cnum) = (get(start, 1)?, get(start, 2)?, get(start, 3)?);
    let (end_lnum, end_bol, end_cnum) = (get(end, 1)?, get(end, 2)?, get(end, 3)?);
    Some(DebugEvent {
        pos: usize::try_from(pos).ok()?,
        filename: string_of(field_of(start, 0)?)?,
        defname: field_of(ev, 4).and_then(string_of).unwrap_or_else(|| "<old bytecode>".into()),
        start_lnum,
        start_chr: start_cnum.wrapping_sub(start_bol),
        end_lnum,
        end_chr: end_cnum.wrapping_sub(end_bol),
        end_offset: end_cnum.wrapping_sub(start_bol),
    })
}

/// `caml_invoke_traced_function codeptr env arg` (the toplevel's `#trace`): called from a
/// one-line OCaml wrapper, it slides the seven words on top of the stack (the call frame,
/// the wrapper's arguments and its return frame's first words) four words down and puts
/// under them a return frame into `codeptr` (a closure's raw code field: a code value here)
/// with `env`, and `arg` below it; the wrapper's `RETURN` then enters `codeptr` with `arg`,
/// whose own return goes back to the wrapper's caller. A `codeptr` that is not a code value
/// stops the program when it is returned to (`Regs::code_at`).
fn invoke_traced_function(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let codeptr = args[0];
    // SAFETY: the tag is read from a block.
    if !(codeptr.is_block() && unsafe { codeptr.tag() } == crate::heap::value::CUSTOM_TAG) {
        return Err(Exn::invalid_arg("Meta.invoke_traced_function"));
    }
    let code = Value(super::ints::nativeint_val(codeptr) as usize);
    if dom.stack.used() < 7 {
        return Err(Exn::invalid_arg("Meta.invoke_traced_function"));
    }
    if !dom.stack.grow(4) {
        return Err(Exn::stack_overflow());
    }
    // SAFETY: seven used words at sp (checked), and four free words below it (grown).
    unsafe {
        let osp = dom.stack.sp;
        let nsp = osp.sub(4);
        std::ptr::copy(osp, nsp, 7);
        *nsp.add(7) = code;
        *nsp.add(8) = args[1];
        *nsp.add(9) = Value::of_int(0);
        *nsp.add(10) = args[2];
        dom.stack.sp = nsp;
    }
    Ok(Value::UNIT)
}

// ---------------------------------------------------------------------------------------
// The global table and the environment

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
