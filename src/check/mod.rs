//! The hardened profile's hook points. `gc` and `interp` call these functions at fixed
//! places; in production (`--release` without `hardened`) the twin module `disabled` is
//! chosen here, whose functions are empty and inline to nothing, so no check code exists.
//! The checker reads the heap layout only (`heap/`), never the collector's algorithm.

#[cfg(any(feature = "hardened", debug_assertions))]
mod enabled;
#[cfg(any(feature = "hardened", debug_assertions))]
pub use enabled::*;

#[cfg(not(any(feature = "hardened", debug_assertions)))]
mod disabled;
#[cfg(not(any(feature = "hardened", debug_assertions)))]
pub use disabled::*;

pub mod poison;
