//! Primitives of this area (being written).

use super::PrimFn;
use crate::domain::Domain;
use crate::heap::value::Value;

pub const PRIMS: &[(&str, PrimFn)] = &[];

#[derive(Default)]
pub struct BacktraceState {}

pub fn set_debug_info(_dom: &mut Domain, _dbug: Option<Vec<u8>>, _code: &[i32]) {}

pub fn fatal_uncaught_exception(_dom: &mut Domain, _exn: Value) -> i32 {
    eprintln!("Fatal error: exception (unprinted)");
    2
}
