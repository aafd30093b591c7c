//! warden: a multicore runtime for OCaml 5.3 bytecode with a hardened debug profile.
//!
//! The modules are floors, bottom first: `algo` → `config` (with `fault_signals`) → `heap` →
//! `check` → `gc` → `domain` (with `exn`) → `interp` → `loader` → `prims` → `startup`; a
//! module uses only its own floor and those below. docs/architecture.md is the authority
//! (scripts/check-layers.py reads its table and fails CI on an upward import).

pub mod algo;
pub mod check;
pub mod config;
pub mod domain;
pub mod exn;
pub mod fault_signals;
pub mod gc;
pub mod heap;
pub mod interp;
pub mod loader;
pub mod prims;
pub mod startup;

/// The OCaml version whose bytecode warden runs.
pub const OCAML_VERSION: &str = "5.3.0";

/// Reports an unrecoverable runtime error and exits with status 2, as ocamlrun's
/// `caml_fatal_error` does.
#[cold]
pub fn fatal(msg: &str) -> ! {
    eprintln!("Fatal error: {msg}");
    std::process::exit(2);
}
