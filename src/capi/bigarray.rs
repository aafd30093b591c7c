//! The bigarray part of the C API (`caml/bigarray.h`) that stub libraries call: the
//! operations of `_bigarr02` blocks for the custom operations of their own (the unix
//! library's mapped files), with warden's bigarray layout, which is the stock
//! `struct caml_ba_array`. `caml_ba_element_size` and `caml_ba_byte_size` are in
//! native/capi.c.

use crate::heap::value::{Value, WORD};
use crate::prims::bigarray::ops;
use std::os::raw::{c_int, c_void};

/// `caml_ba_compare`.
#[no_mangle]
pub extern "C" fn caml_ba_compare(a: Value, b: Value) -> c_int {
    ops::compare(a, b)
}

/// `caml_ba_hash`.
#[no_mangle]
pub extern "C" fn caml_ba_hash(v: Value) -> isize {
    ops::hash(v)
}

/// `caml_ba_serialize`: writes to the marshalling in progress on this thread.
///
/// # Safety
/// `v` is a bigarray; the two size cells are writable.
#[no_mangle]
pub unsafe extern "C" fn caml_ba_serialize(v: Value, wsize_32: *mut usize, wsize_64: *mut usize) {
    let (s32, s64) = super::custom::with_output(|out| ops::serialize(v, out));
    // SAFETY: the caller's contract.
    unsafe {
        *wsize_32 = s32;
        *wsize_64 = s64;
    }
}

/// `caml_ba_deserialize`: reads from the unmarshalling in progress on this thread into the
/// data words at `dst` (just after the block's operations word).
#[no_mangle]
pub extern "C" fn caml_ba_deserialize(dst: *mut c_void) -> usize {
    let block = Value(dst as usize - WORD);
    super::custom::with_input(|input| ops::deserialize(input, block)).flatten().unwrap_or(0)
}

/// `caml_ba_alloc` (0 with the exception pending): storage owned by the new array when
/// `data` is NULL; the caller's storage otherwise, which warden never frees (an array that
/// asks with `CAML_BA_MANAGED` for its storage to be freed is made external instead, since
/// warden's own storage comes from its allocator shim, not `malloc`).
///
/// # Safety
/// `dim` holds `num_dims` sizes; `data`, when not NULL, holds the elements.
#[no_mangle]
pub unsafe extern "C" fn warden_capi_ba_alloc(
    flags: c_int,
    num_dims: c_int,
    data: *mut c_void,
    dim: *const isize,
) -> Value {
    use crate::prims::bigarray::repr::{self, Kind, MANAGED_MASK, MAX_NUM_DIMS};
    let n = num_dims.max(0) as usize;
    let kind_ok = Kind::from_code(flags as usize & repr::KIND_MASK).is_some();
    if n > MAX_NUM_DIMS || !kind_ok {
        super::call::set_pending(crate::exn::Exn::invalid_arg("Bigarray.create: bad dimensions"));
        return Value(0);
    }
    // SAFETY: the caller's contract.
    let dims = unsafe { std::slice::from_raw_parts(dim, n) }.to_vec();
    if dims.iter().any(|&d| d < 0) {
        super::call::set_pending(crate::exn::Exn::invalid_arg(
            "Bigarray.create: negative dimension",
        ));
        return Value(0);
    }
    super::call::with_domain(|d| {
        if data.is_null() {
            match repr::create(d, flags as usize & !MANAGED_MASK, &dims) {
                Ok(b) => b.0,
                Err(e) => {
                    super::call::set_pending(e);
                    Value(0)
                }
            }
        } else {
            repr::alloc_block(d, flags as usize & !MANAGED_MASK, data.cast(), &dims, 0).0
        }
    })
}

/// `caml_hash_variant`: the value a polymorphic variant tag `name` compiles to.
///
/// # Safety
/// `name` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn caml_hash_variant(name: *const std::os::raw::c_char) -> Value {
    // SAFETY: the caller's contract.
    let s = unsafe { std::ffi::CStr::from_ptr(name) }.to_bytes();
    let mut accu: isize = 0;
    for &b in s {
        accu = accu.wrapping_mul(223).wrapping_add(b as isize);
    }
    accu &= (1 << 31) - 1;
    Value::of_int(if accu > 0x3FFF_FFFF { accu - (1 << 31) } else { accu })
}
