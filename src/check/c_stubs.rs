//! The hardened checks of C stubs (see docs/stubs.md): a stub that returns with its local
//! roots unbalanced (a `CAMLparam` without `CAMLreturn`), a stub that uses the runtime
//! (allocates, calls back, touches the domain) inside a blocking section, and a custom
//! block's C finaliser that uses it. Each report names the C primitive or the custom
//! operations, and carries the OCaml stack of the stub's caller. Per-thread state: whether
//! the thread is in a blocking section, and the identifier of the custom operations whose
//! finaliser runs; per process, the describer of the running stub that `capi` installs.

use super::report::{self, Check, Report};
use std::cell::Cell;
use std::sync::OnceLock;

/// The running C primitive's name and its caller's OCaml stack (code positions, innermost
/// first), as `capi` finds them (installed at the first stub call).
pub type Describer = fn() -> (String, Vec<usize>);

static DESCRIBE: OnceLock<Describer> = OnceLock::new();

/// Installs the describer of the running stub (the first one is kept).
pub fn c_describer(f: Describer) {
    let _ = DESCRIBE.get_or_init(|| f);
}

/// The running C primitive's name.
pub(super) fn stub_name() -> String {
    DESCRIBE.get().map_or_else(|| "?".into(), |f| f().0)
}

/// Ends the process with report `r` about the running stub, with its caller's OCaml stack.
pub(super) fn stub_failure(r: Report) -> ! {
    if let Some(f) = DESCRIBE.get() {
        report::set_stack_pcs(f().1);
    }
    r.fail()
}

thread_local! {
    /// Whether this thread is between `caml_enter_blocking_section` and
    /// `caml_leave_blocking_section`.
    static BLOCKING: Cell<bool> = const { Cell::new(false) };
    /// The identifier of the custom operations whose C finaliser runs on this thread.
    static FINALISING: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// A C finaliser of the custom operations named by `id` starts on this thread.
pub fn c_finalising(id: impl FnOnce() -> &'static str) {
    FINALISING.with(|f| f.set(Some(id())));
}

/// The C finaliser that started on this thread ended.
pub fn c_finalised() {
    FINALISING.with(|f| f.set(None));
}

/// The thread enters (`true`) or leaves a stub's blocking section.
pub fn c_blocking(on: bool) {
    BLOCKING.with(|b| b.set(on));
}

/// A C API function `what` is about to use the runtime for C primitive `prim`.
pub fn c_api_use(what: &str, prim: impl FnOnce() -> String) {
    if let Some(id) = FINALISING.with(Cell::get) {
        Report::new(
            Check::CustomFinalizer,
            format!("the C finaliser of custom blocks {id:?} called {what}"),
        )
        .expected(
            "a finaliser that neither allocates nor calls back (it runs inside the collector)",
        )
        .found(format!("{what} from the finaliser"))
        .fail();
    }
    if BLOCKING.with(Cell::get) {
        stub_failure(Report::new(
            Check::BlockingSection,
            format!("the C primitive {} called {what} inside a blocking section", prim()),
        )
        .expected("no allocation, callback or other runtime use between caml_enter_blocking_section and caml_leave_blocking_section")
        .found(format!("{what} with the runtime released")));
    }
}

/// The head of the local-root list at address `slot` (0 when none), before a C call.
pub fn c_roots_enter(slot: usize) -> usize {
    if slot == 0 {
        0
    } else {
        // SAFETY: `slot` is the thread's `caml_state->local_roots`, which lives for ever.
        unsafe { *(slot as *const usize) }
    }
}

/// After C primitive `prim` returned: its local roots must be as they were.
pub fn c_roots_leave(slot: usize, before: usize, prim: impl FnOnce() -> String) {
    let after = c_roots_enter(slot);
    if after != before {
        stub_failure(Report::new(
            Check::LocalRoots,
            format!("the C primitive {} returned with its local roots unbalanced", prim()),
        )
        .expected(format!("caml_state->local_roots = {before:#x} (as at the call: every CAMLparam ends with CAMLreturn)"))
        .found(format!("{after:#x} (a root block of a returned C frame is still on the list)")));
    }
}
