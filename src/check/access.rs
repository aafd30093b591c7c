//! The hardened build's dynamic access checks: what only the types promise about a value an
//! instruction touches (a block and not an integer, a field index below the block's size, a
//! float array exactly where float fields are used, a closure where one is applied, a string
//! where bytes are read, a method table where methods are looked up). Each hook has a cheap
//! inline test; a failed one reports `bad-access` naming the instruction, its code offset,
//! the value, and the OCaml stack's code positions. The production twin (`disabled.rs`) has
//! the same hooks, empty.
//!
//! The tests read only the value's header (a block value points into the heap in any file
//! the loader accepted; a header that is poison is the poison checks' business, and a wild
//! address faults into the fault handler's report).

use super::report::{self, Check, Report};
use super::At;
use crate::heap::code_pointer::code_index;
use crate::heap::value::{
    Header, Value, CLOSURE_TAG, CONT_TAG, DOUBLE_ARRAY_TAG, INFIX_TAG, NO_SCAN_TAG, STRING_TAG,
    WORD,
};

/// Whether `WARDEN_ACCESS=off`: a failed access check then lets the access happen, as in
/// production (for the fail-tests of the other checks, which corrupt the heap through
/// unchecked accesses on purpose). Read only once a check has failed: no cost otherwise.
fn access_checks_off() -> bool {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OFF.get_or_init(|| std::env::var_os("WARDEN_ACCESS").is_some_and(|v| v == "off"))
}

/// Reports a bad access by the instruction at `at` to value `v` (unless `WARDEN_ACCESS=off`,
/// then returns and the access happens).
#[cold]
#[inline(never)]
fn fail(at: At, v: Value, expected: String) {
    if access_checks_off() {
        return;
    }
    if super::enabled::access_recovery() {
        // No panic hook runs: the fuzz target catches this as a stopped run.
        std::panic::resume_unwind(Box::new(super::AccessStop));
    }
    // SAFETY: the interpreter's code array, `code_len` words, lives while it runs.
    let code = unsafe { std::slice::from_raw_parts(at.code, at.code_len) };
    let (start, instr) = (at.decode)(code, at.pc.saturating_sub(1));
    broken_frame_first(v, instr, start);
    let mut pcs = Vec::new();
    let mut p = at.sp;
    while p < at.high {
        // SAFETY: `sp <= p < high`: a live word of the running stack.
        if let Some(i) = code_index(unsafe { *p }) {
            pcs.push(i);
        }
        // SAFETY: p < high.
        p = unsafe { p.add(1) };
    }
    pcs.insert(0, start);
    report::set_stack_pcs(pcs);
    let found = if v.is_int() {
        format!("the integer {} ({:#x})", v.int(), v.0)
    } else {
        // SAFETY: the callers report only values whose header they read already, or
        // integers.
        let hd = unsafe { v.header() };
        format!(
            "{:#x}, a block of {} words with tag {} (header {:#x})",
            v.0,
            hd.wosize(),
            hd.tag(),
            hd.0
        )
    };
    Report::new(Check::BadAccess, format!("{instr} at code offset {start} on a bad value"))
        .expected(expected)
        .found(found)
        .referrer(format!("{instr} at code offset {start}"))
        .fail()
}

/// Before a bad access to a young block is reported: when the block's own frame is broken
/// (a canary changed), that corruption came first (a write past the end of a block too short
/// for what the code does with it) and is reported instead, as the canary check names it.
/// Reads only inside the young space, which is readable whole.
fn broken_frame_first(v: Value, instr: &str, start: usize) {
    use crate::heap::young_space::{is_young, young_range};
    if !is_young(v) {
        return;
    }
    let (lo, hi) = young_range();
    let hp = v.0 - WORD;
    if hp - WORD < lo {
        return;
    }
    // SAFETY: `hp` lies in the young space.
    let hd = Header(unsafe { *(hp as *const usize) });
    if super::poison::is_poison(hd.0 as u64) {
        return;
    }
    let after = hd.wosize().checked_mul(WORD).and_then(|n| v.0.checked_add(n));
    if after.is_none_or(|a| a + WORD > hi) {
        return;
    }
    if let Err(r) = super::verify::frame_site(hp, hd.wosize(), v) {
        r.block(v.0, true)
            .referrer(format!(
                "{instr} at code offset {start}, whose access to the block was bad too"
            ))
            .fail();
    }
}

/// The header of `v` if it is a block.
#[inline(always)]
fn header(v: Value) -> Option<Header> {
    // SAFETY: see the module doc: a block value's header is readable.
    v.is_block().then(|| unsafe { v.header() })
}

/// Whether a block of this tag has fields an instruction may read as values (`write`:
/// and replace): not a no-scan block (raw data), not an infix pointer (its header gives its
/// place in the closure, not its size); and for a write neither a continuation (its fields
/// are its stack and last fiber, tagged pointers the stdlib reads with `%field1` but only
/// the runtime may replace) nor a closure (its code and closure information fields are what
/// the collector and the interpreter trust).
#[inline(always)]
fn value_fields(tag: u8, write: bool) -> bool {
    tag < NO_SCAN_TAG && tag != INFIX_TAG && !(write && (tag == CLOSURE_TAG || tag == CONT_TAG))
}

/// A value field `i` of `v` is read (or, `write`, written).
#[inline(always)]
pub fn on_field(v: Value, i: usize, write: bool, at: impl FnOnce() -> At) {
    match header(v) {
        Some(hd) if i < hd.wosize() && value_fields(hd.tag(), write) => {}
        _ => fail(at(), v, format!("a block with value fields and more than {i} of them")),
    }
}

/// The integer in field 0 of `v` is incremented in place (`OFFSETREF`, an `int ref`).
#[inline(always)]
pub fn on_int_ref(v: Value, at: impl FnOnce() -> At) {
    let ok = match header(v) {
        Some(hd) if hd.wosize() > 0 && value_fields(hd.tag(), true) => {
            // SAFETY: the block has a field 0.
            unsafe { v.field(0) }.is_int()
        }
        _ => false,
    };
    if !ok {
        fail(at(), v, "a block whose field 0 is an integer".into())
    }
}

/// Float field `i` of `v` is read or written.
#[inline(always)]
pub fn on_float_field(v: Value, i: usize, at: impl FnOnce() -> At) {
    match header(v) {
        Some(hd) if i < hd.wosize() && hd.tag() == DOUBLE_ARRAY_TAG => {}
        _ => fail(at(), v, format!("a float array or float record of more than {i} floats")),
    }
}

/// Element `i` (a value) of array `v` is read (or, `write`, written).
#[inline(always)]
pub fn on_vect_item(v: Value, i: Value, write: bool, at: impl FnOnce() -> At) {
    match header(v) {
        Some(hd)
            if i.is_int() && (i.int() as usize) < hd.wosize() && value_fields(hd.tag(), write) => {}
        _ => {
            fail(at(), v, format!("an array (not of floats) with an element at index {}", i.int()))
        }
    }
}

/// Byte `i` (a value) of string `v` is read or written.
#[inline(always)]
pub fn on_bytes_char(v: Value, i: Value, at: impl FnOnce() -> At) {
    let ok = match header(v) {
        Some(hd) if hd.tag() == STRING_TAG && hd.wosize() > 0 => {
            // SAFETY: a non-empty string block's last byte gives its length.
            i.is_int() && (i.int() as usize) < unsafe { v.string_len() }
        }
        _ => false,
    };
    if !ok {
        fail(at(), v, format!("a string or bytes with a byte at index {}", i.int()))
    }
}

/// The length of array `v` is read.
#[inline(always)]
pub fn on_vect_length(v: Value, at: impl FnOnce() -> At) {
    if !v.is_block() {
        fail(at(), v, "an array".into())
    }
}

/// The position of `v` (a closure or an infix pointer into one) in its closure block: the
/// field index it starts at, and the block's size.
#[inline(always)]
fn closure_extent(v: Value) -> Option<(usize, usize)> {
    let hd = header(v)?;
    match hd.tag() {
        CLOSURE_TAG => Some((0, hd.wosize())),
        INFIX_TAG => {
            let start = Value(v.0 - hd.wosize() * WORD);
            let whole = header(start)?;
            (whole.tag() == CLOSURE_TAG).then_some((hd.wosize(), whole.wosize()))
        }
        _ => None,
    }
}

/// Field `n` of the environment (closure) `env` is read.
#[inline(always)]
pub fn on_env_access(env: Value, n: usize, at: impl FnOnce() -> At) {
    match closure_extent(env) {
        Some((ofs, size)) if ofs + n < size => {}
        _ => fail(at(), env, format!("a closure with an environment field {n}")),
    }
}

/// The closure `n` words from `env` is taken.
#[inline(always)]
pub fn on_offset_closure(env: Value, n: isize, at: impl FnOnce() -> At) {
    let ok = match closure_extent(env) {
        Some((ofs, size)) => {
            let target = ofs as isize + n;
            target == 0
                || (target > 0 && (target as usize) < size && {
                    // SAFETY: the word before field `target` is inside the closure block.
                    let w =
                        unsafe { *((env.0 as isize + (n - 1) * WORD as isize) as *const usize) };
                    let hd = Header(w);
                    hd.tag() == INFIX_TAG && hd.wosize() == target as usize
                })
        }
        None => false,
    };
    if !ok {
        fail(at(), env, format!("a closure with a sibling function {n} words away"))
    }
}

/// Value `f` is applied.
#[inline(always)]
pub fn on_apply(f: Value, at: impl FnOnce() -> At) {
    if !header(f).is_some_and(|hd| hd.tag() == CLOSURE_TAG || hd.tag() == INFIX_TAG) {
        fail(at(), f, "a closure".into())
    }
}

/// Method `i` (a value) of object `obj` is taken from its method table.
#[inline(always)]
pub fn on_get_method(obj: Value, i: Value, at: impl FnOnce() -> At) {
    let ok = match header(obj) {
        // SAFETY: the object has a field 0.
        Some(hd) if hd.wosize() > 0 => match header(unsafe { obj.field(0) }) {
            Some(meths) => {
                value_fields(meths.tag(), false)
                    && i.is_int()
                    && (i.int() as usize) < meths.wosize()
            }
            None => false,
        },
        _ => false,
    };
    if !ok {
        fail(at(), obj, format!("an object with a method table of more than {} entries", i.int()))
    }
}

/// A method of object `obj` is looked up by label (a binary search of its table).
#[inline(always)]
pub fn on_lookup_method(obj: Value, at: impl FnOnce() -> At) {
    let ok = match header(obj) {
        // SAFETY: the object has a field 0; the table its field 0.
        Some(hd) if hd.wosize() > 0 => match header(unsafe { obj.field(0) }) {
            Some(meths) if meths.wosize() >= 3 && value_fields(meths.tag(), false) => {
                // SAFETY: the table has at least three fields.
                let last = unsafe { obj.field(0).field(0) }.0;
                last < meths.wosize()
            }
            _ => false,
        },
        _ => false,
    };
    if !ok {
        fail(at(), obj, "an object whose field 0 is a method table".into())
    }
}

/// A `SWITCH` on a value outside its table (the interpreter's fatal error follows when the
/// checks are off).
pub fn on_bad_switch(v: Value, at: impl FnOnce() -> At) {
    fail(at(), v, "an integer or a block tag within the SWITCH's table".into())
}
