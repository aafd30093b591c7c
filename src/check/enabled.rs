//! Hardened twin of the check hooks. So far: the minor arena is poisoned after each minor
//! collection, and the marker refuses poisoned or header-less blocks.

use super::poison;
use crate::heap::value::{Header, Value};

#[inline]
pub fn on_alloc(_v: Value) {}
#[inline]
pub fn on_promote(_old: Value, _new: Value) {}
#[inline]
pub fn on_mark(b: Value, hd: Header) {
    if poison::is_poison(hd.0 as u64) {
        crate::fatal(&format!(
            "hardened check failed: use after free: block {:#x} has a {} header while marking",
            b.0,
            poison::category(hd.0 as u64)
        ));
    }
}
#[inline]
pub fn on_sweep(_v: Value) {}
pub fn on_minor_done(arena: &mut [usize]) {
    arena.fill(poison::FREE_MINOR as usize);
}
/// Whether this build carries the checks (reported as `Sys.runtime_variant () = "d"`).
pub const ENABLED: bool = true;
