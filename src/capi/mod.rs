//! C stubs: the shared libraries a program names, and the OCaml C API they call, binary
//! compatible with the stock OCaml 5.3 headers (docs/stubs.md says what is served and
//! what is not).
//!
//! - `load`: the search for and opening of `DLLS` libraries, and `dlsym`;
//! - `call`: calling a C primitive (the slot table, the trampolines of native/trampoline.c, the
//!   thread's current domain);
//! - `dynlink`: the libraries and primitives of code loaded at run time (`Dynlink`, the
//!   toplevel);
//! - `alloc`, `runtime`, `custom`, `marshal`: the exported API functions written in Rust (the rest,
//!   every function that may leave a stub by a jump, is in native/capi.c).
//!
//! Invariants: a C primitive runs inside the world without the heap lock (as the
//! lock-free built-in primitives: stubs of several domains run in parallel, and the API
//! functions take the lock for shared state, through `Domain::with_heap` or the domain's
//! allocation helpers), on a domain whose thread has a `caml_state` whose `local_roots` list
//! the collector scans (`domain::c_roots`); a `longjmp` never crosses a Rust frame.

pub mod alloc;
pub mod bigarray;
pub mod call;
pub mod custom;
pub mod dynlink;
pub mod load;
pub mod marshal;
pub mod runtime;

use crate::domain::PrimFn;
pub use load::Libraries;

/// Binds primitive `name` as `ocamlrun` does: warden's own implementation first (unless the
/// library it belongs to is switched off with `WARDEN_BUILTIN_OFF`), then the first library
/// that defines the C symbol. `Err(true)` when every C primitive slot is taken.
pub fn resolve(libs: &Libraries, name: &str, off: &[String]) -> Result<Option<PrimFn>, bool> {
    if let Some((_, f)) = dynlink::PRIMS.iter().find(|(n, _)| *n == name) {
        return Ok(Some(*f));
    }
    let switched_off = crate::prims::library_of(name).is_some_and(|l| off.iter().any(|o| o == l));
    if !switched_off {
        if let Some(f) = crate::prims::lookup(name) {
            return Ok(Some(f));
        }
    }
    match libs.lookup(name) {
        Some(addr) => call::bind(addr, name).map(Some).ok_or(true),
        None if !switched_off && crate::prims::is_standard(name) => {
            Ok(Some(crate::prims::unimplemented as PrimFn))
        }
        None => Ok(None),
    }
}

/// The libraries whose built-in primitives `WARDEN_BUILTIN_OFF` (a comma-separated list
/// among `str`, `unix`) switches off, so that their stock stub libraries serve them.
pub fn builtin_off() -> Vec<String> {
    crate::config::warden_vars()
        .builtin_off
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
