//! The leaf floor: algorithms and fixed tables with no runtime state. Nothing here imports
//! another floor of the crate, and every floor may import from here.
//!
//! * `md5`, `blake2`: the digests behind `Digest` (and the code digest Marshal writes);
//! * `lxm`: one step of the `Random` generator;
//! * `errtext`: glibc's `strerror` texts, so `Sys_error` messages read the same on every libc;
//! * `signal_numbers`: OCaml's signal numbering (`Sys.sigint` ...) to the system's and back;
//! * `marshal_format`: the Marshal wire format's magic numbers and codes, read by
//!   `loader::intern` and written by `prims::marshal`.

pub mod blake2;
pub mod errtext;
pub mod lxm;
pub mod marshal_format;
pub mod md5;
pub mod signal_numbers;
