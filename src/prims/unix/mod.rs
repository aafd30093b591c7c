//! The primitives of OCaml's `unix` library (`caml_unix_*`), built in: a program linked with
//! `unix.cma` names `dllunix.so` in its DLLS section, and warden, which loads no shared
//! library, resolves those names here instead.
//!
//! This file owns what every area shares: raising `Unix.Unix_error` (the exception the
//! library registers under the name "Unix.Unix_error" when it starts; before that, as in the
//! stock library, `Invalid_argument`), the mapping between `errno` values and the
//! constructors of `Unix.error`, and argument decoding. The areas: `files` (descriptors,
//! channels, terminals, `select`, mapped files), `fs` (the file system: names, metadata,
//! directories), `process` (processes, signals, time, users, the environment), `sockets`.
//!
//! Invariants: every primitive that may block (reading, writing, waiting, sleeping,
//! connecting ...) runs the blocking call inside `Domain::blocking_section`, with no OCaml
//! value touched in between; strings it needs are copied out first.

pub mod files;
pub mod fs;
pub mod process;
pub mod sockets;

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::{Value, STRING_TAG};
use std::ffi::CString;

pub const PRIMS: &[(&str, PrimFn)] = &[("caml_unix_error_message", error_message)];

/// The `errno` value of each constant constructor of `Unix.error`, in declaration order
/// (`E2BIG` is 0 ... `EOVERFLOW` is 67); any other code becomes `EUNKNOWNERR code`.
const ERROR_CODES: [i32; 68] = [
    libc::E2BIG,
    libc::EACCES,
    libc::EAGAIN,
    libc::EBADF,
    libc::EBUSY,
    libc::ECHILD,
    libc::EDEADLK,
    libc::EDOM,
    libc::EEXIST,
    libc::EFAULT,
    libc::EFBIG,
    libc::EINTR,
    libc::EINVAL,
    libc::EIO,
    libc::EISDIR,
    libc::EMFILE,
    libc::EMLINK,
    libc::ENAMETOOLONG,
    libc::ENFILE,
    libc::ENODEV,
    libc::ENOENT,
    libc::ENOEXEC,
    libc::ENOLCK,
    libc::ENOMEM,
    libc::ENOSPC,
    libc::ENOSYS,
    libc::ENOTDIR,
    libc::ENOTEMPTY,
    libc::ENOTTY,
    libc::ENXIO,
    libc::EPERM,
    libc::EPIPE,
    libc::ERANGE,
    libc::EROFS,
    libc::ESPIPE,
    libc::ESRCH,
    libc::EXDEV,
    libc::EWOULDBLOCK,
    libc::EINPROGRESS,
    libc::EALREADY,
    libc::ENOTSOCK,
    libc::EDESTADDRREQ,
    libc::EMSGSIZE,
    libc::EPROTOTYPE,
    libc::ENOPROTOOPT,
    libc::EPROTONOSUPPORT,
    libc::ESOCKTNOSUPPORT,
    libc::EOPNOTSUPP,
    libc::EPFNOSUPPORT,
    libc::EAFNOSUPPORT,
    libc::EADDRINUSE,
    libc::EADDRNOTAVAIL,
    libc::ENETDOWN,
    libc::ENETUNREACH,
    libc::ENETRESET,
    libc::ECONNABORTED,
    libc::ECONNRESET,
    libc::ENOBUFS,
    libc::EISCONN,
    libc::ENOTCONN,
    libc::ESHUTDOWN,
    libc::ETOOMANYREFS,
    libc::ETIMEDOUT,
    libc::ECONNREFUSED,
    libc::EHOSTDOWN,
    libc::EHOSTUNREACH,
    libc::ELOOP,
    libc::EOVERFLOW,
];

/// The `Unix.error` value for `errno` value `code` (the first constructor with that code:
/// `EAGAIN` rather than `EWOULDBLOCK`; `ENOTSUP` is `EOPNOTSUPP`).
pub fn error_of_code(dom: &mut Domain, code: i32) -> Value {
    let code = if code == libc::ENOTSUP { libc::EOPNOTSUPP } else { code };
    match ERROR_CODES.iter().position(|&c| c == code) {
        Some(i) => Value::of_int(i as isize),
        None => dom.alloc_tuple(0, &[Value::of_int(code as isize)]),
    }
}

/// The `errno` value of a `Unix.error` value.
pub fn code_of_error(err: Value) -> i32 {
    if err.is_block() {
        // SAFETY: `EUNKNOWNERR of int`: a block of one field.
        unsafe { err.field(0) }.int() as i32
    } else {
        usize::try_from(err.int()).ok().and_then(|i| ERROR_CODES.get(i)).copied().unwrap_or(0)
    }
}

/// `Unix_error (error_of_code code, cmd, arg)` (`arg` "" when `None`), or
/// `Invalid_argument` when the library has not registered its exception.
pub fn unix_error(dom: &mut Domain, code: i32, cmd: &str, arg: Option<Value>) -> Exn {
    let Some(exn) = dom.named_value("Unix.Unix_error") else {
        return Exn::invalid_arg("Exception Unix.Unix_error not initialized, please link unix.cma");
    };
    // Allocation never collects (see `prims`), so the fresh values stay valid.
    let arg = match arg {
        Some(a) => a,
        None => dom.alloc_bytes_from(b""),
    };
    let name = dom.alloc_bytes_from(cmd.as_bytes());
    let err = error_of_code(dom, code);
    Exn::Raise(dom.alloc_tuple(0, &[exn, err, name, arg]))
}

/// [`unix_error`] for the calling thread's `errno`.
pub fn uerror(dom: &mut Domain, cmd: &str, arg: Option<Value>) -> Exn {
    unix_error(dom, last_errno(), cmd, arg)
}

/// The calling thread's `errno`.
pub fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The first `N` arguments.
pub fn take<const N: usize>(args: &[Value]) -> Result<[Value; N], Exn> {
    args.get(..N)
        .and_then(|s| <[Value; N]>::try_from(s).ok())
        .ok_or_else(|| Exn::fatal("Unix primitive called with too few arguments"))
}

/// The bytes of an OCaml string, copied.
pub fn string_bytes(v: Value) -> Result<Vec<u8>, Exn> {
    // SAFETY: the tag is read from a block; its bytes only when it is a string.
    unsafe {
        if v.is_block() && v.tag() == STRING_TAG {
            Ok(v.bytes().to_vec())
        } else {
            Err(Exn::invalid_arg("Unix: string expected"))
        }
    }
}

/// A path argument as a C string; one with a NUL byte fails as the stock library's
/// `caml_unix_check_path` does: `Unix_error (ENOENT, cmd, path)`.
pub fn c_path(dom: &mut Domain, path: Value, cmd: &str) -> Result<CString, Exn> {
    CString::new(string_bytes(path)?).map_err(|_| unix_error(dom, libc::ENOENT, cmd, Some(path)))
}

/// The elements of an OCaml list.
pub fn list_items(mut l: Value) -> Vec<Value> {
    let mut items = Vec::new();
    while l.is_block() {
        // SAFETY: a cons cell has two fields, the head and the tail.
        unsafe {
            items.push(l.field(0));
            l = l.field(1);
        }
    }
    items
}

/// The C `time_t` and `suseconds_t` of the target. The `libc` crate marks its musl aliases
/// deprecated (it plans to widen them, as musl 1.2 did); the areas name them through these.
#[allow(deprecated)]
pub type TimeT = libc::time_t;
#[allow(deprecated)]
pub type SusecondsT = libc::suseconds_t;

/// Runs `f` in a blocking section with `v` rooted in the domain's local roots; returns `f`'s
/// result and `v` as it is afterwards (another domain's collection may have moved it).
pub fn blocking_keep<R>(dom: &mut Domain, v: Value, f: impl FnOnce() -> R) -> (R, Value) {
    let slot = dom.local_roots.len();
    dom.local_roots.push(v);
    let r = dom.blocking_section(f);
    let v = dom.local_roots[slot];
    dom.local_roots.truncate(slot);
    (r, v)
}

/// Whether descriptors are close-on-exec when `?cloexec` is absent (the stock library's
/// default, `caml_unix_cloexec_default`, is off).
pub const CLOEXEC_DEFAULT: bool = false;

/// The `?cloexec` argument: `Some b` is `b`, `None` the default.
pub fn cloexec_p(v: Value) -> bool {
    if v.is_block() {
        // SAFETY: `Some b`: a block of one field.
        unsafe { v.field(0) }.int() != 0
    } else {
        CLOEXEC_DEFAULT
    }
}

/// A file descriptor argument (`Unix.file_descr` is an int).
#[inline]
pub fn fd_arg(v: Value) -> libc::c_int {
    v.int() as libc::c_int
}

/// `caml_unix_error_message`: the text of a `Unix.error` (glibc's `strerror` text, on every
/// libc, as for `Sys_error`).
fn error_message(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [err] = take(args)?;
    let text = crate::algo::errtext::message(code_of_error(err));
    Ok(dom.alloc_bytes_from(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_the_libc_values_of_the_constructors() {
        // Spot checks of the declaration order of `Unix.error`.
        assert_eq!(ERROR_CODES[0], libc::E2BIG);
        assert_eq!(ERROR_CODES[20], libc::ENOENT);
        assert_eq!(ERROR_CODES[37], libc::EWOULDBLOCK);
        assert_eq!(ERROR_CODES[67], libc::EOVERFLOW);
        assert_eq!(code_of_error(Value::of_int(20)), libc::ENOENT);
    }
}
