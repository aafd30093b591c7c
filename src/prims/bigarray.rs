//! Primitives of this area (being written).

use super::PrimFn;

pub const PRIMS: &[(&str, PrimFn)] = &[];

/// Registers the `_bigarr02` custom operations.
pub fn register_custom_ops() {}
