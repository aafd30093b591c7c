//! Production twin of the check hooks: the same API as `enabled`, with no framing words and
//! every function empty or reduced to the production work, inlined away.

// The twin mirrors the hardened module's whole API; production uses only part of it.
#![allow(dead_code)]

use super::{HeapRefs, Phase, RootWalk};
use crate::heap::minor::MinorHeap;
use crate::heap::value::{Header, Value};

/// Whether this build carries the checks (reported as `Sys.runtime_variant () = "d"`).
pub const ENABLED: bool = false;
pub const MINOR_BEFORE: usize = 0;
pub const MINOR_EXTRA: usize = 0;
pub const MAJOR_BEFORE: usize = 0;
pub const MAJOR_EXTRA: usize = 0;
pub const MINOR_HEADROOM: usize = 1;
pub const MINOR_FLIP: bool = false;

/// An allocation site: nothing is recorded in production.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Site;

/// The checker's shared state: nothing in production (a braced struct, so that callers
/// build it with `default()` as they build the hardened one).
#[derive(Default)]
pub struct State {}

/// The checker's per-domain state: nothing in production.
#[derive(Default)]
pub struct Local {}

/// What the marker needs: nothing in production.
pub struct MarkCtx;

#[inline(always)]
pub fn install() {}
/// A report is never in progress in production.
#[inline(always)]
pub fn wait_if_reporting() {}
#[inline(always)]
pub fn heap_access_gained() {}
#[inline(always)]
pub fn heap_access_lost() {}
#[inline(always)]
pub fn assert_heap_access() {}
#[inline(always)]
pub fn site_at(_domain: usize, _pc: usize) -> Site {
    Site
}
#[inline(always)]
pub fn note_site(_domain: usize, _pc: usize) {}
#[inline(always)]
pub fn current_site() -> Site {
    Site
}
/// Writes the header of a fresh young block (production layout: no framing).
///
/// # Safety
/// `frame` must point to `wosize + 1` words just bump-allocated in the arena.
#[inline(always)]
pub unsafe fn frame_minor(
    _st: &mut Local,
    frame: *mut usize,
    wosize: usize,
    tag: u8,
    _site: Site,
) -> Value {
    // SAFETY: the caller's contract: the frame's words are ours.
    unsafe {
        *frame = Header::new(wosize, tag, 0).0;
        Value(frame.add(1) as usize)
    }
}
/// The block in a fresh major slot (production layout: the slot is the block).
///
/// # Safety
/// `slot` must be a slot just handed out by the major heap.
#[inline(always)]
pub unsafe fn frame_major(slot: *mut usize, _wosize: usize, _site: Site) -> Value {
    Value(slot.wrapping_add(1) as usize)
}
#[inline(always)]
pub fn note_alloc(_st: &mut Local) {}
#[inline(always)]
pub fn on_store(_st: &mut Local, _young: (usize, usize), _block: Value, _i: usize, _v: Value) {}
#[inline(always)]
pub fn header_of_slot(slot: *mut usize) -> *mut usize {
    slot
}
#[inline(always)]
pub fn site_of(_v: Value) -> Site {
    Site
}
#[inline(always)]
pub fn on_promote(_young: Value) {}
/// # Safety
/// As the hardened twin's.
#[inline(always)]
pub unsafe fn on_unfilled_bytes(_body: *mut u8, _len: usize) {}
#[inline(always)]
pub fn mark_ctx() -> MarkCtx {
    MarkCtx
}
#[inline(always)]
pub fn on_mark(_ctx: &MarkCtx, _parent: Option<(Value, usize)>, _v: Value) {}
#[inline(always)]
pub fn on_mark_header(_b: Value, _hd: Header, _parent: Option<(Value, usize)>) {}
#[inline(always)]
/// # Safety
/// As the hardened twin's.
pub unsafe fn on_sweep_slot(_st: &mut State, _slot: *mut usize) {}
#[inline(always)]
/// # Safety
/// As the hardened twin's.
pub unsafe fn on_free_large(_st: &mut State, _slot: *mut usize) {}
#[inline(always)]
pub fn on_minor_done(_st: &mut Local, _minor: &mut MinorHeap) {}
/// # Safety
/// None needed: does nothing.
#[inline(always)]
pub unsafe fn on_stack_free(_low: *mut usize, _words: usize) {}
#[inline(always)]
pub fn explain_bad_value(_v: Value, _what: &str) {}
#[inline(always)]
pub fn gc_phase(_phase: Phase, _minor: usize, _major: usize) {}
#[inline(always)]
pub fn wants_safepoint(_st: &Local) -> bool {
    false
}
#[inline(always)]
pub fn take_forced(_st: &mut Local) -> u8 {
    0
}
/// No budget in production.
pub fn set_instruction_budget(_n: u64) {}
#[inline(always)]
pub fn set_access_recovery(_on: bool) {}
#[inline(always)]
pub fn instruction_spent() -> bool {
    false
}
#[inline(always)]
pub fn on_code(_st: &mut State, _base: *const i32, _len: usize, _starts: &dyn Fn() -> Vec<bool>) {}
#[inline(always)]
pub fn before_minor(
    _st: &mut State,
    _locals: &mut [&mut Local],
    _heap: HeapRefs<'_>,
    _roots: RootWalk<'_>,
) {
}
#[inline(always)]
pub fn after_mark(_st: &mut State, _heap: HeapRefs<'_>) {}
#[inline(always)]
pub fn after_sweep(
    _st: &mut State,
    _heap: HeapRefs<'_>,
    _roots: RootWalk<'_>,
    _live_words: usize,
    _live_blocks: usize,
) {
}
#[inline(always)]
pub fn at_poll(_st: &mut State, _local: &mut Local, _heap: HeapRefs<'_>, _roots: RootWalk<'_>) {}

// C stubs (the hardened twin is `c_stubs`).
#[inline(always)]
pub fn c_blocking(_on: bool) {}
#[inline(always)]
pub fn c_finalising(_id: impl FnOnce() -> &'static str) {}
#[inline(always)]
pub fn c_finalised() {}
#[inline(always)]
pub fn c_api_use(_what: &str, _prim: impl FnOnce() -> String) {}
#[inline(always)]
pub fn c_roots_enter(_slot: usize) -> usize {
    0
}
#[inline(always)]
pub fn c_roots_leave(_slot: usize, _before: usize, _prim: impl FnOnce() -> String) {}
/// The running stub's name and OCaml stack (unused in production).
pub type Describer = fn() -> (String, Vec<usize>);
#[inline(always)]
pub fn c_describer(_f: Describer) {}
#[inline(always)]
pub fn c_install(_dir: &std::sync::Arc<crate::heap::major::Directory>) {}
/// Where a stub call started: nothing in production.
#[derive(Copy, Clone)]
pub struct CallMark;
#[inline(always)]
pub fn c_call_enter(_local: &Local) -> CallMark {
    CallMark
}
#[inline(always)]
pub fn c_allocated(_v: Value) {}
#[inline(always)]
pub fn c_call_leave(
    _local: &Local,
    _mark: CallMark,
    _returned: bool,
    _args: &[Value],
    _result: Value,
    _arena: &MinorHeap,
    _remembered: &[*mut Value],
) {
}
#[inline(always)]
pub fn c_value(_v: Value, _what: &str) {}
#[inline(always)]
pub fn c_field(_fp: *mut Value, _what: &str) {}
// The interpreter's access checks (`check/access.rs` in the hardened build): nothing.
#[inline(always)]
pub fn on_field(_v: Value, _i: usize, _write: bool, _at: impl FnOnce() -> super::At) {}
#[inline(always)]
pub fn on_int_ref(_v: Value, _at: impl FnOnce() -> super::At) {}
#[inline(always)]
pub fn on_float_field(_v: Value, _i: usize, _at: impl FnOnce() -> super::At) {}
#[inline(always)]
pub fn on_vect_item(_v: Value, _i: Value, _write: bool, _at: impl FnOnce() -> super::At) {}
#[inline(always)]
pub fn on_bytes_char(_v: Value, _i: Value, _at: impl FnOnce() -> super::At) {}
#[inline(always)]
pub fn on_vect_length(_v: Value, _at: impl FnOnce() -> super::At) {}
#[inline(always)]
pub fn on_env_access(_env: Value, _n: usize, _at: impl FnOnce() -> super::At) {}
#[inline(always)]
pub fn on_offset_closure(_env: Value, _n: isize, _at: impl FnOnce() -> super::At) {}
#[inline(always)]
pub fn on_apply(_f: Value, _at: impl FnOnce() -> super::At) {}
#[inline(always)]
pub fn on_get_method(_obj: Value, _i: Value, _at: impl FnOnce() -> super::At) {}
#[inline(always)]
pub fn on_lookup_method(_obj: Value, _at: impl FnOnce() -> super::At) {}
#[inline(always)]
pub fn on_bad_switch(_v: Value, _at: impl FnOnce() -> super::At) {}
