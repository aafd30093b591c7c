//! warden: a multicore runtime for OCaml 5.3 bytecode with a hardened debug profile.
//!
//! Floors, top first (a module uses only the floors below it): `startup` → `loader` →
//! `interp` → `prims` → `domain` → `gc` → `check` → `heap`. See ../shared/DESIGN.md.

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
