//! warden: a multicore runtime for OCaml 5.3 bytecode with a hardened debug profile.
//!
//! The modules are floors, bottom first: `algo` → `config` (with `fault_signals`) → `events` →
//! `heap` → `check` → `gc` → `domain` (with `exn`) → `interp` → `loader` → `prims` → `capi` →
//! `startup`; a
//! module uses only its own floor and those below. docs/architecture.md is the authority
//! (scripts/check-layers.py reads its table and fails CI on an upward import).

pub(crate) mod algo;
pub(crate) mod capi;
pub(crate) mod check;
pub(crate) mod config;
pub(crate) mod domain;
pub(crate) mod events;
pub(crate) mod exn;
pub(crate) mod fault_signals;
pub(crate) mod gc;
pub(crate) mod heap;
pub(crate) mod interp;
pub(crate) mod loader;
pub(crate) mod prims;
pub mod startup;

/// What code outside the crate uses: the binary (`startup`), the integration tests (the
/// check names, `check::report`) and the fuzz targets (a domain, the loader's entry points). Everything else
/// is crate-private, so rustc reports what nothing uses.
pub mod api {
    pub use crate::algo::md5::md5;
    #[cfg(any(feature = "hardened", debug_assertions))]
    pub use crate::check::report::Check;
    pub use crate::config::Config;
    pub use crate::domain::Domain;
    pub use crate::heap::code_pointer::{code_index, code_value};
    pub use crate::heap::value::Value;
    pub use crate::interp::opcodes::{Op, NAMES as OPCODE_NAMES};
    pub use crate::loader::verify;
    pub use crate::loader::{debuginfo::DebugInfo, exec, intern, validate};
    pub use crate::prims::init as init_prims;
    pub use crate::startup::{run_image, ImageOutcome};
}

/// The OCaml version whose bytecode warden runs.
pub const OCAML_VERSION: &str = "5.3.0";

/// Reports an unrecoverable runtime error and exits with status 2, as ocamlrun's
/// `caml_fatal_error` does.
#[cold]
pub fn fatal(msg: &str) -> ! {
    eprintln!("Fatal error: {msg}");
    std::process::exit(2);
}
