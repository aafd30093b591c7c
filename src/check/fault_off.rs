//! Twin of `fault` for builds without the `fault-injection` feature: no fault ever fires, and
//! every function inlines to a constant.

// The twin mirrors the hardened module's whole API; production uses only part of it.
#![allow(dead_code)]

use crate::heap::value::Value;
use std::time::Instant;

#[inline(always)]
pub fn fired() -> Option<(&'static str, Instant)> {
    None
}
#[inline(always)]
pub fn short_alloc(wosize: usize) -> usize {
    wosize
}
#[inline(always)]
pub fn lost_root(_young_accu: bool) -> bool {
    false
}
#[inline(always)]
pub fn skip_barrier() -> bool {
    false
}
#[inline(always)]
pub fn racy_publish(_v: Value) -> bool {
    false
}
#[inline(always)]
pub fn early_sweep(_scannable: bool) -> bool {
    false
}
#[inline(always)]
pub fn on_interpret() {}
#[inline(always)]
pub fn taken_for_code(_v: Value) -> bool {
    false
}
#[inline(always)]
pub fn for_each_fragment(_f: &mut dyn FnMut(usize, usize, bool)) {}
