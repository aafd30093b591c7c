//! Small helpers shared by the primitive areas: argument decoding.

use crate::heap::value::Value;

/// An OCaml int argument as isize.
#[inline(always)]
pub fn int_arg(v: Value) -> isize {
    v.int()
}

/// The bytes of an OCaml string argument.
///
/// # Safety
/// `v` must be a live String_tag block, not modified while the slice is used.
#[inline]
pub unsafe fn str_arg<'a>(v: Value) -> &'a [u8] {
    // SAFETY: forwarded to the caller.
    unsafe { v.bytes() }
}
