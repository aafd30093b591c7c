//! Primitives of this area (being written).

use super::PrimFn;

pub const PRIMS: &[(&str, PrimFn)] = &[];

/// Registers the `_i`, `_j`, `_n` custom operations.
pub fn register_custom_ops() {}
