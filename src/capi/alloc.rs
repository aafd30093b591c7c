//! The C API's allocation and value functions (`caml/alloc.h`, `caml/memory.h`,
//! `caml/mlvalues.h`): blocks, strings, boxed numbers, the write barrier.
//!
//! Warden's allocation never collects, so a stub's unrooted values stay valid across these
//! calls (only callbacks and blocking sections may move them). A small block that a full
//! arena sent to the major heap has every field remembered: stubs fill a `caml_alloc_small`
//! block with plain stores, which would otherwise miss the write barrier.
//!
//! Functions that may raise are called through the C wrappers of native/capi.c (the
//! `warden_capi_*` ones here answer 0 with the exception left pending).

use super::call::{set_pending, with_domain};
use crate::domain::Domain;
use crate::exn::Exn;
use crate::heap::atoms::atom;
use crate::heap::value::{
    Value, DOUBLE_ARRAY_TAG, DOUBLE_TAG, MAX_WOSIZE, MAX_YOUNG_WOSIZE, NO_SCAN_TAG, WORD,
};
use crate::heap::young_space::is_young;
use std::os::raw::{c_char, c_int};

/// A small block of `wosize >= 1` fields for a stub to fill with plain stores: young, or
/// (a full arena) spilled to the major heap.
#[inline(always)]
fn small_for_c(dom: &mut Domain, wosize: usize, tag: u8) -> Value {
    let v = match dom.young.try_alloc(wosize, tag, crate::check::current_site()) {
        Some(v) => v,
        None => spilled_for_c(dom, wosize, tag),
    };
    crate::check::c_allocated(v);
    v
}

/// A small block for a stub when the arena is full: its fields start as unit and are
/// remembered, so that the stub's plain stores of young values are seen by the next minor
/// collection.
#[cold]
#[inline(never)]
fn spilled_for_c(dom: &mut Domain, wosize: usize, tag: u8) -> Value {
    let v = dom.alloc_small(wosize, tag);
    if !is_young(v) && tag < NO_SCAN_TAG {
        for i in 0..wosize {
            // SAFETY: v has wosize fields.
            unsafe { v.set_raw(i, Value::UNIT.0) };
            dom.young.remember_slot(v.field_ptr(i));
        }
    }
    v
}

/// The result of a fallible allocation (noted as the running stub's, for the hardened
/// checks), or 0 with the exception pending.
fn or_pending(r: Result<Value, Exn>) -> Value {
    match r {
        Ok(v) => {
            crate::check::c_allocated(v);
            v
        }
        Err(e) => {
            set_pending(e);
            Value(0)
        }
    }
}

/// `caml_alloc`: fields are unit below `No_scan_tag`; 0 when out of memory (pending).
#[no_mangle]
pub extern "C" fn warden_capi_alloc(wosize: usize, tag: usize) -> Value {
    with_domain(|d| alloc_any(d, wosize, tag as u8))
}

fn alloc_any(d: &mut Domain, wosize: usize, tag: u8) -> Value {
    if wosize == 0 {
        return atom(tag);
    }
    if wosize > MAX_WOSIZE {
        return or_pending(Err(Exn::out_of_memory()));
    }
    if wosize <= MAX_YOUNG_WOSIZE {
        let v = small_for_c(d, wosize, tag);
        if tag < NO_SCAN_TAG {
            for i in 0..wosize {
                // SAFETY: v has wosize fields.
                unsafe { v.set_raw(i, Value::UNIT.0) };
            }
        }
        return v;
    }
    let r =
        if tag < NO_SCAN_TAG { d.try_alloc_block(tag, wosize) } else { d.try_alloc(wosize, tag) };
    or_pending(r)
}

/// `caml_alloc_shr`: a major block (fields unit below `No_scan_tag`, so the collector never
/// sees garbage in it).
#[no_mangle]
pub extern "C" fn warden_capi_alloc_shr(wosize: usize, tag: usize) -> Value {
    with_domain(|d| {
        if wosize == 0 {
            return atom(tag as u8);
        }
        if wosize > MAX_WOSIZE {
            return or_pending(Err(Exn::out_of_memory()));
        }
        match d.try_alloc_major(wosize, tag as u8) {
            Ok(v) => {
                if (tag as u8) < NO_SCAN_TAG {
                    for i in 0..wosize {
                        // SAFETY: v has wosize fields.
                        unsafe { v.set_raw(i, Value::UNIT.0) };
                    }
                }
                crate::check::c_allocated(v);
                v
            }
            Err(e) => or_pending(Err(e)),
        }
    })
}

/// `caml_alloc_string`.
#[no_mangle]
pub extern "C" fn warden_capi_alloc_string(len: usize) -> Value {
    with_domain(|d| {
        if len > MAX_WOSIZE * WORD - 1 {
            return or_pending(Err(Exn::out_of_memory()));
        }
        or_pending(d.try_alloc_string(len))
    })
}

/// `caml_alloc_float_array`.
#[no_mangle]
pub extern "C" fn warden_capi_alloc_float_array(len: usize) -> Value {
    with_domain(|d| {
        if len > MAX_WOSIZE {
            return or_pending(Err(Exn::out_of_memory()));
        }
        or_pending(d.try_alloc_float_array(len))
    })
}

/// A block for `caml_alloc_small_dispatch` (its caller writes the header).
#[no_mangle]
pub extern "C" fn warden_capi_alloc_small_block(wosize: isize) -> Value {
    let wosize = (wosize.max(1) as usize).min(MAX_YOUNG_WOSIZE);
    with_domain(|d| small_for_c(d, wosize, 0))
}

/// `caml_alloc_small`: fields uninitialised, filled by the stub with plain stores.
#[no_mangle]
pub extern "C" fn caml_alloc_small(wosize: usize, tag: usize) -> Value {
    if wosize == 0 {
        return atom(tag as u8);
    }
    with_domain(|d| small_for_c(d, wosize.min(MAX_YOUNG_WOSIZE), tag as u8))
}

/// `caml_alloc_tuple`.
#[no_mangle]
pub extern "C" fn caml_alloc_tuple(n: usize) -> Value {
    with_domain(|d| alloc_any(d, n, 0))
}

/// A block of `tag` holding `fields` (the `caml_alloc_N` family).
#[inline(always)]
fn block_of(tag: usize, fields: &[Value]) -> Value {
    for f in fields {
        crate::check::c_value(*f, "a field of caml_alloc_N");
    }
    with_domain(|d| {
        let v = small_for_c(d, fields.len(), tag as u8);
        for (i, &f) in fields.iter().enumerate() {
            // SAFETY: v has fields.len() fields; remembered if it is not young.
            unsafe { v.set_field_raw(i, f) };
        }
        v
    })
}

/// Defines the `caml_alloc_N` family: each makes a block of `tag` with its N fields.
macro_rules! alloc_n {
    ($($name:ident($($field:ident),+);)*) => {$(
        #[doc = concat!("`", stringify!($name), "`: a block of `tag` with these fields.")]
        #[no_mangle]
        #[allow(clippy::too_many_arguments)]
        pub extern "C" fn $name(tag: usize, $($field: Value),+) -> Value {
            block_of(tag, &[$($field),+])
        }
    )*};
}

alloc_n! {
    caml_alloc_1(a);
    caml_alloc_2(a, b);
    caml_alloc_3(a, b, c);
    caml_alloc_4(a, b, c, d);
    caml_alloc_5(a, b, c, d, e);
    caml_alloc_6(a, b, c, d, e, f);
    caml_alloc_7(a, b, c, d, e, f, g);
    caml_alloc_8(a, b, c, d, e, f, g, h);
    caml_alloc_9(a, b, c, d, e, f, g, h, i);
}

/// `caml_alloc_some`: `Some v`.
#[no_mangle]
pub extern "C" fn caml_alloc_some(v: Value) -> Value {
    block_of(0, &[v])
}

/// `caml_copy_double`.
#[no_mangle]
pub extern "C" fn caml_copy_double(f: f64) -> Value {
    with_domain(|d| {
        let v = small_for_c(d, 1, DOUBLE_TAG);
        // SAFETY: a one-word Double_tag block.
        unsafe { *(v.0 as *mut f64) = f };
        v
    })
}

/// `caml_copy_int32`.
#[no_mangle]
pub extern "C" fn caml_copy_int32(n: i32) -> Value {
    with_domain(|d| crate::prims::ints::alloc_int32(d, n))
}

/// `caml_copy_int64`.
#[no_mangle]
pub extern "C" fn caml_copy_int64(n: i64) -> Value {
    with_domain(|d| crate::prims::ints::alloc_int64(d, n))
}

/// `caml_copy_nativeint`.
#[no_mangle]
pub extern "C" fn caml_copy_nativeint(n: isize) -> Value {
    with_domain(|d| crate::prims::ints::alloc_nativeint(d, n))
}

/// `caml_atom`: the zero-size block of `tag`.
#[no_mangle]
pub extern "C" fn caml_atom(tag: u8) -> Value {
    atom(tag)
}

/// `caml_string_length`.
///
/// # Safety
/// `s` is a live string block.
#[no_mangle]
pub unsafe extern "C" fn caml_string_length(s: Value) -> usize {
    crate::check::c_value(s, "the argument of caml_string_length");
    // SAFETY: the caller's contract.
    unsafe { s.string_len() }
}

/// `caml_string_is_c_safe`: no NUL byte inside.
///
/// # Safety
/// `s` is a live string block.
#[no_mangle]
pub unsafe extern "C" fn caml_string_is_c_safe(s: Value) -> c_int {
    crate::check::c_value(s, "the argument of caml_string_is_c_safe");
    // SAFETY: the caller's contract.
    c_int::from(!unsafe { s.bytes() }.contains(&0))
}

/// `caml_array_length`: the element count (a flat float array's too).
///
/// # Safety
/// `a` is a live array block.
#[no_mangle]
pub unsafe extern "C" fn caml_array_length(a: Value) -> usize {
    crate::check::c_value(a, "the argument of caml_array_length");
    // SAFETY: the caller's contract; an empty array is an atom (size 0).
    unsafe { a.wosize() }
}

/// `caml_is_double_array`.
///
/// # Safety
/// `a` is a live array block.
#[no_mangle]
pub unsafe extern "C" fn caml_is_double_array(a: Value) -> c_int {
    crate::check::c_value(a, "the argument of caml_is_double_array");
    // SAFETY: the caller's contract.
    c_int::from(unsafe { a.tag() } == DOUBLE_ARRAY_TAG)
}

/// `caml_modify`: stores `v` in the heap field at `fp` with the write barrier.
///
/// # Safety
/// `fp` is a field of a live block (or a registered root cell).
#[no_mangle]
pub unsafe extern "C" fn caml_modify(fp: *mut Value, v: Value) {
    // The barrier reads only the field's address: a one-field "block" at `fp` says whether
    // the field is in a young block and where it is.
    let at = Value(fp as usize);
    crate::check::c_field(fp, "the field caml_modify stores into");
    crate::check::c_value(v, "the value caml_modify stores");
    if super::call::in_c() {
        with_domain(|d| d.modify(at, 0, v));
    } else {
        // SAFETY: the caller's contract; outside any domain nothing can be remembered.
        unsafe { *fp = v };
    }
}

/// `caml_initialize`: the first store into a field of a fresh block.
///
/// # Safety
/// As [`caml_modify`].
#[no_mangle]
pub unsafe extern "C" fn caml_initialize(fp: *mut Value, v: Value) {
    let at = Value(fp as usize);
    crate::check::c_field(fp, "the field caml_initialize stores into");
    crate::check::c_value(v, "the value caml_initialize stores");
    if super::call::in_c() {
        with_domain(|d| d.initialize(at, 0, v));
    } else {
        // SAFETY: the caller's contract.
        unsafe { *fp = v };
    }
}

/// The exception constructor in predefined slot `slot`.
#[no_mangle]
pub extern "C" fn warden_capi_predef(slot: c_int) -> Value {
    with_domain(|d| d.global(slot as usize))
}

/// The exception `tag(args...)`.
///
/// # Safety
/// `args` holds `n` values.
#[no_mangle]
pub unsafe extern "C" fn warden_capi_make_exn(tag: Value, n: c_int, args: *const Value) -> Value {
    let n = n.max(0) as usize;
    // SAFETY: the caller's contract.
    let args = unsafe { std::slice::from_raw_parts(args, n) };
    let mut fields = Vec::with_capacity(n + 1);
    fields.push(tag);
    fields.extend_from_slice(args);
    with_domain(|d| d.alloc_tuple(0, &fields))
}

/// A string with the bytes of the C string `s`.
///
/// # Safety
/// `s` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn warden_capi_copy_string(s: *const c_char) -> Value {
    // SAFETY: the caller's contract.
    let b = unsafe { std::ffi::CStr::from_ptr(s) }.to_bytes();
    with_domain(|d| d.alloc_bytes_from(b))
}

/// Forgets the pending exception (for the `_noexc` functions, which answer NULL instead).
#[no_mangle]
pub extern "C" fn warden_capi_drop_pending() {
    drop(super::call::take_pending_exn());
}

/// `caml_alloc_dependent_memory`: `bytes` held outside the heap, which paces the major GC.
#[no_mangle]
pub extern "C" fn caml_alloc_dependent_memory(_v: Value, bytes: usize) {
    with_domain(|d| d.note_extra_memory(bytes));
}

/// `caml_free_dependent_memory`: nothing to undo (the pacing counts allocation only).
#[no_mangle]
pub extern "C" fn caml_free_dependent_memory(_v: Value, _bytes: usize) {}

/// `caml_adjust_gc_speed`: `res` out of `max` of a resource held outside the heap.
#[no_mangle]
pub extern "C" fn caml_adjust_gc_speed(res: usize, max: usize) {
    let _ = max;
    with_domain(|d| d.note_extra_memory(res));
}
