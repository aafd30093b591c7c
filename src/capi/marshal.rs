//! Marshal from C (`caml/intext.h`): `caml_output_value_to_malloc`/`_to_block` and
//! `caml_input_value_from_block`/`_from_malloc` (their C halves, which copy the bytes and
//! raise, are in native/capi.c). They go through warden's built-in `Marshal` primitives,
//! so the bytes are those of `Marshal.to_bytes` and the checks those of
//! `Marshal.from_bytes`.
//!
//! Warden's allocation never collects, so the string these functions allocate for the
//! primitives needs no root while the primitive runs.

use super::call::{set_pending, with_domain};
use super::runtime::builtin;
use crate::algo::marshal_format::{MAGIC_BIG, MAGIC_COMPRESSED, MAGIC_SMALL};
use crate::exn::Exn;
use crate::heap::value::Value;
use std::os::raw::c_char;

/// The value, or 0 with the exception left pending for the C side.
fn or_pending(r: Result<Value, Exn>) -> Value {
    r.unwrap_or_else(|e| {
        set_pending(e);
        Value(0)
    })
}

/// The bytes of `Marshal.to_bytes v flags`, as an OCaml string (0: an exception pending).
#[no_mangle]
pub extern "C" fn warden_capi_output_value(v: Value, flags: Value) -> Value {
    crate::check::c_value(v, "the value caml_output_value_to_* marshals");
    or_pending(builtin("caml_output_value_to_bytes", &[v, flags]))
}

/// `caml_input_value_from_block`: the value marshalled in the `len` bytes at `data`
/// (0: an exception pending). As the stock runtime, a bad magic number and a message longer
/// than `len` are named after this function.
///
/// # Safety
/// `data` holds `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn warden_capi_input_value(data: *const c_char, len: isize) -> Value {
    let len = len.max(0) as usize;
    // SAFETY: the caller's contract (a message shorter than its magic number is read as
    // the stock runtime reads it, past `len`).
    match unsafe { message_len(data.cast()) } {
        None => or_pending(Err(Exn::failure("input_value_from_block: bad object"))),
        Some(n) if n > len => or_pending(Err(Exn::failure("input_val_from_block: bad length"))),
        // SAFETY: the caller's contract.
        Some(n) => unsafe { input(data.cast(), n) },
    }
}

/// The value marshalled in the `n` bytes at `data` (0: an exception pending).
///
/// # Safety
/// `data` holds `n` readable bytes.
unsafe fn input(data: *const u8, n: usize) -> Value {
    // SAFETY: the caller's contract.
    let bytes = unsafe { std::slice::from_raw_parts(data, n) };
    let s = with_domain(|d| d.alloc_bytes_from(bytes));
    or_pending(builtin("caml_input_value_from_bytes", &[s, Value::of_int(0)]))
}

/// The length of the marshalled value at `data` (header and data), read from its header,
/// or None when the magic number is not Marshal's.
///
/// # Safety
/// `data` holds a marshalled value's header (at least its first 5 bytes, and the whole
/// header when the magic number is valid).
unsafe fn message_len(data: *const u8) -> Option<usize> {
    // SAFETY: the caller's contract: the first 5 bytes are readable.
    let head = unsafe { std::slice::from_raw_parts(data, 5) };
    let magic = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    let header_len = match magic {
        MAGIC_SMALL => 20,
        MAGIC_BIG => 32,
        MAGIC_COMPRESSED => usize::from(head[4] & 0x3F),
        _ => return None,
    };
    // SAFETY: the caller's contract: the whole header is readable.
    let header = unsafe { std::slice::from_raw_parts(data, header_len.max(16)) };
    let s = with_domain(|d| d.alloc_bytes_from(header));
    // Marshal.total_size: Marshal.header_size (16) + Marshal.data_size.
    let size = builtin("caml_marshal_data_size", &[s, Value::of_int(0)]).ok()?;
    Some(16 + size.int().max(0) as usize)
}

/// `caml_input_value_from_malloc`: the value marshalled at `data + ofs`, whose length its
/// header gives (0: an exception pending). The C side frees `data`.
///
/// # Safety
/// `data + ofs` holds a whole marshalled value.
#[no_mangle]
pub unsafe extern "C" fn warden_capi_input_value_malloc(data: *const c_char, ofs: isize) -> Value {
    // SAFETY: the caller's contract.
    let start = unsafe { data.cast::<u8>().offset(ofs) };
    // SAFETY: as above: the header is readable.
    match unsafe { message_len(start) } {
        // SAFETY: as above: the whole message is readable.
        Some(n) => unsafe { input(start, n) },
        None => or_pending(Err(Exn::failure("input_value_from_malloc: bad object"))),
    }
}
