//! Primitives of this area (being written).

use super::PrimFn;

pub const PRIMS: &[(&str, PrimFn)] = &[];
