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
