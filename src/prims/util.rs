//! Small helpers shared by the primitive areas: argument decoding and error text.

use crate::heap::value::Value;

/// The OS error text as the stock runtime prints it: glibc's `strerror` text, whatever the
/// libc (see `errtext`).
pub fn strerror(err: &std::io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => super::errtext::message(code).into_owned(),
        None => err.to_string(),
    }
}

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
