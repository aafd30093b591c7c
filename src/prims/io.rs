//! Primitives of this area (being written).

use super::PrimFn;

pub const PRIMS: &[(&str, PrimFn)] = &[];

use crate::domain::Domain;

/// Creates the standard channels' state.
pub fn init(_dom: &mut Domain) {}

/// Flushes stdout and stderr.
pub fn flush_std_channels(_dom: &mut Domain) {}
