//! What calling a C stub needs below the interpreter: the thread's current domain for C
//! (`CURRENT`), the outcome the Rust side leaves for the C side to unwind with (`PENDING`),
//! and the trampolines of native/trampoline.c that call a stub and come back from a raise.
//!
//! `capi::call` owns binding and the checked call path; this module lets the interpreter
//! call a bound stub straight through a trampoline in production builds (`call_stub`),
//! without the `PrimFn` indirection, as `domain::c_roots` lets the collector see the stubs'
//! roots. Both paths share these thread-locals, so either may serve a thread.
//!
//! Invariants: `CURRENT` is null until the thread's first C call through `capi::call`
//! (which readies the thread's `caml_state`), then stays the thread's domain (nulled only
//! around a custom block's C finaliser and when a thread created in C unregisters); a
//! trampoline answers 0 exactly when its stub left by a jump (or returned 0, a stub's bug),
//! the outcome then waiting in native/trampoline.c until `left` takes it.

use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;
use std::cell::{Cell, RefCell};
use std::os::raw::{c_int, c_void};

thread_local! {
    /// The domain whose C code runs on this thread (null before its first C call).
    pub static CURRENT: Cell<*mut Domain> = const { Cell::new(std::ptr::null_mut()) };
    /// An outcome that the Rust side left for the C side to unwind with.
    pub static PENDING: RefCell<Option<Exn>> = const { RefCell::new(None) };
}

extern "C" {
    pub fn warden_c_call0(f: *mut c_void) -> Value;
    pub fn warden_c_call1(a: Value, f: *mut c_void) -> Value;
    pub fn warden_c_call2(a: Value, b: Value, f: *mut c_void) -> Value;
    pub fn warden_c_call3(a: Value, b: Value, c: Value, f: *mut c_void) -> Value;
    pub fn warden_c_call4(a: Value, b: Value, c: Value, d: Value, f: *mut c_void) -> Value;
    pub fn warden_c_call5(
        a: Value,
        b: Value,
        c: Value,
        d: Value,
        e: Value,
        f: *mut c_void,
    ) -> Value;
    pub fn warden_c_calln(args: *mut Value, n: isize, f: *mut c_void) -> Value;
    // The lean trampolines: called only through `call_stub`'s inline assembly (they may
    // change r12 to r15), never as Rust functions.
    #[cfg(target_arch = "x86_64")]
    fn warden_c_lean1(a: Value, f: *mut c_void) -> Value;
    #[cfg(target_arch = "x86_64")]
    fn warden_c_lean2(a: Value, b: Value, f: *mut c_void) -> Value;
    #[cfg(target_arch = "x86_64")]
    fn warden_c_lean3(a: Value, b: Value, c: Value, f: *mut c_void) -> Value;
    #[cfg(target_arch = "x86_64")]
    fn warden_c_lean4(a: Value, b: Value, c: Value, d: Value, f: *mut c_void) -> Value;
    #[cfg(target_arch = "x86_64")]
    fn warden_c_lean5(a: Value, b: Value, c: Value, d: Value, e: Value, f: *mut c_void) -> Value;
    fn warden_c_outcome(exn: *mut Value) -> c_int;
}

/// Outcomes of a trampoline (native/capi.h).
pub const RETURN: c_int = 0;
pub const RAISE_VALUE: c_int = 1;

/// Whether this thread's C state is ready for `dom` (it made a C call on `dom`).
#[inline(always)]
pub fn entered(dom: &Domain) -> bool {
    std::ptr::eq(CURRENT.with(Cell::get), dom)
}

/// Calls the C stub at `addr` with the `N` (1 to 5) `args` through its lean trampoline
/// (`warden_c_leanN`), minus the hardened build's checks (this path is bound only in
/// production); answers as the trampolines do (0: see [`left`]). The caller made this
/// thread ready for its domain ([`entered`]).
///
/// On x86-64 the call is inline assembly that lets the trampoline change r12 to r15 when
/// the stub leaves by a jump, so that the trampoline saves only rbx and rbp (native/
/// trampoline.c): the interpreter keeps in those four registers what it can reload, and
/// what it keeps there across this call it saves on the paths that make it.
///
/// # Safety
/// `addr` is a C function taking `N` values (the program's `PRIM` section binds it to the
/// `C_CALLN` that calls it).
#[inline(always)]
pub unsafe fn call_stub<const N: usize>(args: &[Value; N], addr: usize) -> Value {
    #[cfg(target_arch = "x86_64")]
    {
        let r: usize;
        // One arm per arity: the trampoline's symbol and the registers of the C convention
        // that carry the arguments, then the function's address in the next one.
        macro_rules! lean_call {
            ($t:ident, [$($reg:tt = $i:tt),*], $f:tt) => {
                std::arch::asm!(
                    "call {t}",
                    t = sym $t,
                    $(in($reg) args[$i].0,)*
                    in($f) addr,
                    lateout("rax") r,
                    out("r12") _, out("r13") _, out("r14") _, out("r15") _,
                    clobber_abi("C"),
                )
            };
        }
        // SAFETY: the caller's; each `warden_c_leanN` takes the `N` values and the function
        // in the C convention's registers and keeps what a C function keeps except r12 to
        // r15, which the clobbers name. The stack is aligned for the call on entry to the
        // block (Rust's inline assembly contract without `nostack`).
        unsafe {
            match N {
                1 => lean_call!(warden_c_lean1, ["rdi" = 0], "rsi"),
                2 => lean_call!(warden_c_lean2, ["rdi" = 0, "rsi" = 1], "rdx"),
                3 => lean_call!(warden_c_lean3, ["rdi" = 0, "rsi" = 1, "rdx" = 2], "rcx"),
                4 => lean_call!(warden_c_lean4, ["rdi" = 0, "rsi" = 1, "rdx" = 2, "rcx" = 3], "r8"),
                _ => lean_call!(
                    warden_c_lean5,
                    ["rdi" = 0, "rsi" = 1, "rdx" = 2, "rcx" = 3, "r8" = 4],
                    "r9"
                ),
            }
        }
        Value(r)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let p = addr as *mut c_void;
        // SAFETY: the caller's; the arguments are passed in registers.
        unsafe {
            match N {
                1 => warden_c_call1(args[0], p),
                2 => warden_c_call2(args[0], args[1], p),
                3 => warden_c_call3(args[0], args[1], args[2], p),
                4 => warden_c_call4(args[0], args[1], args[2], args[3], p),
                _ => warden_c_call5(args[0], args[1], args[2], args[3], args[4], p),
            }
        }
    }
}

/// How a trampoline that answered 0 ended: the stub's 0 (a bug, passed on), the exception
/// it raised, or the outcome the Rust side left pending (an exit, a fatal error, an
/// exception made on the Rust side).
#[cold]
#[inline(never)]
pub fn left() -> PrimResult {
    let mut exn = Value(0);
    // SAFETY: writes the thread's last outcome into `exn`.
    let kind = unsafe { warden_c_outcome(&mut exn) };
    match kind {
        RETURN => Ok(exn),
        RAISE_VALUE => Err(Exn::Raise(exn)),
        _ => Err(take_pending()),
    }
}

/// Takes the outcome left pending, which a jump of kind "pending" promises.
pub fn take_pending() -> Exn {
    PENDING
        .with(|p| p.borrow_mut().take())
        .unwrap_or_else(|| Exn::fatal("a C primitive unwound with no exception pending"))
}
