//! The C API's runtime services (`caml/callback.h`, `caml/memory.h`'s roots,
//! `caml/signals.h`, `caml/threads.h`): callbacks, global roots, named values, blocking
//! sections, pending actions, signal numbers, channels from descriptors.

use super::call::{set_pending, with_domain};
use crate::domain::c_roots;
use crate::domain::Domain;
use crate::exn::Exn;
use crate::heap::value::Value;
use std::os::raw::{c_char, c_int};
use std::sync::Mutex;

/// `warden_capi_callback`'s outcomes (native/capi.h).
const RETURN: c_int = 0;
const RAISE_VALUE: c_int = 1;
const RAISE_PENDING: c_int = 2;

/// Applies `closure` to `args`: 0 and the result, 1 and the exception, or 2 with an exit
/// or fatal error left pending for the C side to unwind with.
///
/// # Safety
/// `args` holds `narg` values; `result` is writable.
#[no_mangle]
pub unsafe extern "C" fn warden_capi_callback(
    closure: Value,
    narg: c_int,
    args: *const Value,
    result: *mut Value,
) -> c_int {
    // SAFETY: the caller's contract; copied before anything runs.
    let args = unsafe { std::slice::from_raw_parts(args, narg.max(0) as usize) }.to_vec();
    crate::check::c_value(closure, "the closure of caml_callback");
    for a in &args {
        crate::check::c_value(*a, "an argument of caml_callback");
    }
    let (status, v) = with_domain(|d| match d.call(closure, &args) {
        Ok(v) => (RETURN, v),
        Err(e) => match d.exn_value(&e) {
            Some(v) => (RAISE_VALUE, v),
            None => {
                set_pending(e);
                (RAISE_PENDING, Value::UNIT)
            }
        },
    });
    // SAFETY: the caller's contract.
    unsafe { *result = v };
    status
}

/// `caml_register_global_root` (and the generational one: the collector scans both alike).
#[no_mangle]
pub extern "C" fn caml_register_global_root(p: *mut Value) {
    c_roots::register_global(p);
}
#[no_mangle]
pub extern "C" fn caml_remove_global_root(p: *mut Value) {
    c_roots::remove_global(p);
}
#[no_mangle]
pub extern "C" fn caml_register_generational_global_root(p: *mut Value) {
    c_roots::register_global(p);
}
#[no_mangle]
pub extern "C" fn caml_remove_generational_global_root(p: *mut Value) {
    c_roots::remove_global(p);
}
/// `caml_modify_generational_global_root`: the cell is a root, so a plain store will do.
///
/// # Safety
/// `p` is a registered root cell.
#[no_mangle]
pub unsafe extern "C" fn caml_modify_generational_global_root(p: *mut Value, v: Value) {
    crate::check::c_value(v, "the value caml_modify_generational_global_root stores");
    // SAFETY: the caller's contract.
    unsafe { *p = v };
}

/// The cells `caml_named_value` hands out: one per name, never freed (stubs keep the
/// pointer), registered as global roots, refreshed from `Callback.register`'s table at each
/// lookup.
static NAMED_CELLS: Mutex<Vec<(Vec<u8>, usize)>> = Mutex::new(Vec::new());

/// `caml_named_value`: a pointer to the value registered as `name`, or NULL.
///
/// # Safety
/// `name` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn caml_named_value(name: *const c_char) -> *const Value {
    // SAFETY: the caller's contract.
    let name = unsafe { std::ffi::CStr::from_ptr(name) }.to_bytes().to_vec();
    let Some(v) = with_domain(|d| d.with_heap(|d| d.named.get(&name).copied())) else {
        return std::ptr::null();
    };
    let mut cells = NAMED_CELLS.lock().unwrap_or_else(|e| e.into_inner());
    let cell = match cells.iter().find(|(n, _)| *n == name) {
        Some(&(_, c)) => c as *mut Value,
        None => {
            let c = Box::into_raw(Box::new(v));
            c_roots::register_global(c);
            cells.push((name, c as usize));
            c
        }
    };
    // SAFETY: the cell is live for ever; the collector does not run while this domain runs.
    unsafe { *cell = v };
    cell
}

thread_local! {
    /// The blocking section this thread's stub is in (what to take back on leaving it).
    static SECTION: std::cell::RefCell<Option<crate::domain::BlockingSection>> =
        const { std::cell::RefCell::new(None) };
}

/// `caml_enter_blocking_section`: leaves the world (and gives up the heap lock and the
/// thread's turn on its domain), so other domains and threads run and collect while the stub
/// works on C data.
#[no_mangle]
pub extern "C" fn caml_enter_blocking_section() {
    with_domain(|d| {
        let section = d.enter_blocking_section();
        SECTION.with(|s| *s.borrow_mut() = Some(section));
    });
    crate::check::c_blocking(true);
}

/// `caml_leave_blocking_section`: waits for the thread's turn, enters the world again
/// (waiting while it is stopped) and takes back what entering gave up.
#[no_mangle]
pub extern "C" fn caml_leave_blocking_section() {
    // The stub reads `errno` of its blocking call after this returns: waiting for the turn
    // and the world must not change it (as in the stock runtime).
    // SAFETY: `__errno_location` gives this thread's errno cell.
    let saved_errno = unsafe { *libc::__errno_location() };
    crate::check::c_blocking(false);
    super::call::with_domain_unchecked(|d| {
        // A leave without an enter (a stub's mistake) has nothing to take back.
        if let Some(section) = SECTION.with(|s| s.borrow_mut().take()) {
            d.leave_blocking_section(section);
        }
    });
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = saved_errno };
}

/// `caml_release_runtime_system`, the same as entering a blocking section.
#[no_mangle]
pub extern "C" fn caml_release_runtime_system() {
    caml_enter_blocking_section();
}

/// `caml_acquire_runtime_system`.
#[no_mangle]
pub extern "C" fn caml_acquire_runtime_system() {
    caml_leave_blocking_section();
}

/// Runs what is pending (signal handlers, finalisers): 0, or 1 with the exception pending
/// (native/capi.c's `caml_process_pending_actions` then unwinds, its `_exn` twin returns it).
#[no_mangle]
pub extern "C" fn warden_capi_pending_actions(exn: *mut Value) -> c_int {
    with_domain(|d| match d.with_heap(run_pending) {
        Ok(()) => 0,
        Err(e) => match d.exn_value(&e) {
            Some(v) => {
                // SAFETY: the C caller passes a writable cell.
                unsafe { *exn = v };
                1
            }
            None => {
                set_pending(e);
                2
            }
        },
    })
}

/// As the built-in `Unix.sigprocmask` does: signals recorded while blocked are looked at
/// again, then every pending action runs.
fn run_pending(d: &mut Domain) -> Result<(), Exn> {
    crate::domain::pending::recheck_pending_signals();
    crate::domain::pending::run_pending_actions(d)
}

/// `caml_convert_signal_number`: OCaml's signal number to the system's.
#[no_mangle]
pub extern "C" fn caml_convert_signal_number(n: c_int) -> c_int {
    crate::algo::signal_numbers::convert_signal_number(n as isize) as c_int
}

/// `caml_rev_convert_signal_number`: the system's signal number to OCaml's.
#[no_mangle]
pub extern "C" fn caml_rev_convert_signal_number(sig: c_int) -> c_int {
    crate::algo::signal_numbers::rev_convert_signal_number(sig) as c_int
}

/// `caml_domain_is_multicore`: whether a domain other than the first was ever spawned (as
/// `Unix.fork` decides it).
#[no_mangle]
pub extern "C" fn caml_domain_is_multicore() -> c_int {
    // SAFETY: the heap lock is held for the read of a counter.
    with_domain(|d| d.with_heap(|d| c_int::from(unsafe { d.shared.heap() }.next_id > 1)))
}

/// Calls built-in primitive `name` for the C API (it exists: the names are warden's own).
pub(super) fn builtin(name: &str, args: &[Value]) -> Result<Value, Exn> {
    let f = crate::prims::lookup(name).unwrap_or_else(|| crate::fatal(name));
    with_domain(|d| d.with_heap(|d| f(d, args)))
}

/// `caml_ml_open_descriptor_in`/`_out`: a channel on a descriptor (0 with the exception
/// pending on failure).
#[no_mangle]
pub extern "C" fn warden_capi_open_descriptor(fd: Value, out: c_int) -> Value {
    let name = if out != 0 { "caml_ml_open_descriptor_out" } else { "caml_ml_open_descriptor_in" };
    builtin(name, &[fd]).unwrap_or_else(|e| {
        set_pending(e);
        Value(0)
    })
}

thread_local! {
    /// This thread was created in C and registered (`caml_c_thread_register`).
    static FOREIGN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `caml_c_thread_register`: a thread created in C becomes a thread of the first domain, as
/// in the stock runtime: 1, and the thread is then outside the runtime (as in a blocking
/// section) until `caml_acquire_runtime_system`/`caml_leave_blocking_section`. 0 without the
/// threads library (`Thread` not initialised) or on a thread that runs OCaml already.
#[no_mangle]
pub extern "C" fn caml_c_thread_register() -> c_int {
    let known = super::call::in_c()
        || FOREIGN.with(std::cell::Cell::get)
        || crate::domain::threads::current_id() != usize::MAX;
    if !crate::domain::threads::enabled() || known {
        return 0;
    }
    let Some((shared, program)) = super::call::runtime() else { return 0 };
    let Some(first) = first_domain(shared) else { return 0 };
    // SAFETY: a registered domain lives until the process ends (the first domain's end ends
    // it); this thread touches it only in its turns, as the domain's other threads do.
    let dom = unsafe { &mut *first };
    if crate::prims::threads::attach_foreign(dom).is_err() {
        // The thread has its turn: it leaves again, unregistered.
        crate::prims::threads::detach_foreign(dom);
        return 0;
    }
    crate::events::set_ring(dom.index);
    crate::interp::install(dom, program.clone());
    super::call::attach(dom);
    FOREIGN.with(|f| f.set(true));
    caml_enter_blocking_section();
    1
}

/// A raise of kind `kind` (`v` the exception, or the outcome left pending) with no C
/// primitive to go back to: an exception that `caml_callback` re-raises on a thread created
/// in C. As the stock `caml_raise` without a handler: the uncaught exception is reported
/// (at-exit functions, `Fatal error: exception ...`) and the process ends with status 2 (or
/// the status of an `exit`).
#[no_mangle]
pub extern "C" fn warden_capi_uncaught(kind: c_int, v: Value) -> ! {
    if !super::call::in_c() {
        crate::fatal("an exception was raised from C outside any C primitive");
    }
    let e = if kind == RAISE_VALUE {
        Exn::Raise(v)
    } else {
        super::call::take_pending_exn().unwrap_or_else(|| Exn::fatal("no exception pending"))
    };
    let code = super::call::with_domain_unchecked(|d| crate::prims::sys::finish(d, Err(e)));
    std::process::exit(code)
}

/// The first domain (identifier 0), which threads created in C join (as the stock
/// runtime's `Dom_c_threads`).
fn first_domain(shared: &crate::domain::lock::Shared) -> Option<*mut Domain> {
    shared.lock_heap();
    // SAFETY: the heap lock is held for the copy of the registry.
    let domains = unsafe { shared.heap() }.domains.clone();
    shared.unlock_heap();
    // SAFETY: registered domains are live; their identifiers never change.
    domains.into_iter().find(|&d| unsafe { (*d).id } == 0)
}

/// `caml_c_thread_unregister`: a thread that `caml_c_thread_register` registered, outside
/// the runtime, leaves it for good (1); any other thread is refused (0).
#[no_mangle]
pub extern "C" fn caml_c_thread_unregister() -> c_int {
    if !FOREIGN.with(std::cell::Cell::get) {
        return 0;
    }
    caml_leave_blocking_section();
    super::call::with_domain_unchecked(crate::prims::threads::detach_foreign);
    super::call::detach();
    FOREIGN.with(|f| f.set(false));
    1
}
