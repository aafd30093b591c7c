//! The hardened checks of the values a C stub hands back to the runtime (docs/stubs.md):
//!
//! - `unrooted-value`: a value held in a plain C local across a callback (or anything else
//!   that collects) is stale afterwards; its copy points into the minor arena the collection
//!   evacuated (poisoned and kept aside until the next collection, `MINOR_FLIP`) or at a
//!   major block the sweeper freed (poisoned header). Every value a stub passes to the C
//!   API functions, stores with `caml_modify`, raises or returns is checked here;
//! - at each return of a stub, when no minor collection ran during the call: the blocks the
//!   stub allocated have intact canaries (`canary`, naming the stub), and the major blocks
//!   among its arguments and result hold no young value outside the remembered set (a store
//!   without `caml_modify`: `remembered-set`, naming the stub).
//!
//! State: the heap's directory (to tell a major pool's address, installed at the first stub
//! call), the describer of the running stub (its name and OCaml stack, from `capi`), and per
//! thread the blocks allocated by the stubs running on it (innermost last).

use super::c_stubs::{stub_failure, stub_name};
use super::canary::Site;
use super::poison::{self, PoisonKind};
use super::report::{Check, Report};
use super::state::Local;
use super::verify;
use super::{MAJOR_BEFORE, MAJOR_EXTRA};
use crate::heap::major::Directory;
use crate::heap::minor::MinorHeap;
use crate::heap::pool::{self, POOL_BSIZE};
use crate::heap::value::{Header, Value, NO_SCAN_TAG, WORD};
use crate::heap::young_space::{is_young, spare_range, young_range};
use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

/// The heap's directory, for telling whether an address lies in a major pool.
static DIR: OnceLock<Arc<Directory>> = OnceLock::new();

/// At most this many blocks allocated by the running stubs of a thread are remembered for
/// the canary check at their return (older ones are not checked).
const MAX_TRACKED: usize = 4096;
/// At most this many fields of a major argument or result are scanned at a stub's return.
const MAX_SCANNED: usize = 4096;

thread_local! {
    /// Blocks allocated by the stubs running on this thread, innermost stub's last.
    static ALLOCATED: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Where a stub call started: the tracked allocations then, the domain's minor epoch.
#[derive(Copy, Clone)]
pub struct CallMark {
    allocs: usize,
    epoch: u64,
}

/// Notes the heap's directory (at each thread's first stub call; the first one is kept).
pub fn c_install(dir: &Arc<Directory>) {
    let _ = DIR.get_or_init(|| dir.clone());
}

/// A stub call starts on the domain whose checker state is `local`.
pub fn c_call_enter(local: &Local) -> CallMark {
    CallMark { allocs: ALLOCATED.with(|a| a.borrow().len()), epoch: local.minor_epoch }
}

/// The running stub allocated block `v` through the C API.
pub fn c_allocated(v: Value) {
    ALLOCATED.with(|a| {
        let mut a = a.borrow_mut();
        if a.len() < MAX_TRACKED {
            a.push(v.0);
        }
    });
}

/// The stub call marked `mark` ended (`returned`: normally, with `result`). When no minor
/// collection ran meanwhile, the blocks it allocated and the major blocks among `args` and
/// `result` are checked; `arena` is the calling domain's minor arena and `remembered` its
/// remembered set (a young value of another domain's arena was stored by that domain, and
/// is in its set).
pub fn c_call_leave(
    local: &Local,
    mark: CallMark,
    returned: bool,
    args: &[Value],
    result: Value,
    arena: &MinorHeap,
    remembered: &[*mut Value],
) {
    let mine: Vec<usize> = ALLOCATED.with(|a| {
        let mut a = a.borrow_mut();
        let start = mark.allocs.min(a.len());
        a.split_off(start)
    });
    if !returned {
        return;
    }
    c_value(result, "the value it returned");
    if local.minor_epoch != mark.epoch {
        // The blocks may have moved and the arguments be stale copies: nothing to compare.
        return;
    }
    for a in mine {
        if let Err(r) = frame_of(Value(a)) {
            let name = stub_name();
            let mut r = r.referrer(format!(
                "a block that the C primitive {name} allocated, checked when it returned"
            ));
            r.summary = format!("{} (in a block allocated by the C primitive {name})", r.summary);
            stub_failure(r);
        }
    }
    let own = (arena.start as usize, arena.end as usize);
    for (k, &v) in args.iter().enumerate() {
        unremembered(v, own, remembered, &format!("argument {}", k + 1));
    }
    unremembered(result, own, remembered, "its result");
}

/// Checks the frame (canaries) of a block allocated during the current call.
// A report is built only when a check fails (the cold path): its size does not matter.
#[allow(clippy::result_large_err)]
fn frame_of(v: Value) -> Result<Site, Report> {
    if is_young(v) {
        let hp = v.0 - WORD;
        // SAFETY: v is a young block allocated during this call with no minor collection
        // since: its frame lies in the arena.
        let h = Header(unsafe { *(hp as *const usize) });
        return verify::frame_site(hp, h.wosize(), v).map_err(|r| r.block(v.0, true));
    }
    match major_slot(v.0) {
        Some(slot) => verify::major_frame(slot, v, None),
        None => Ok(Site::UNKNOWN),
    }
}

/// The slot of the major block `a` when it lies in a pool or is a large block of the heap.
fn major_slot(a: usize) -> Option<usize> {
    let dir = DIR.get()?;
    let slot = a.checked_sub((MAJOR_BEFORE + 1) * WORD)?;
    let p = pool::pool_of(a) as usize;
    let in_pool = dir.lock().pools.contains(&p) && slot >= p;
    let large = !in_pool && dir.large.contains(slot as *mut usize);
    (in_pool || large).then_some(slot)
}

/// A major block among a stub's arguments or result (`which`) must hold no young value that
/// the remembered set lacks.
fn unremembered(v: Value, own: (usize, usize), remembered: &[*mut Value], which: &str) {
    if !v.is_block() || is_young(v) || major_slot(v.0).is_none() {
        return;
    }
    // SAFETY: v is a block of a major pool or a large block (checked above).
    let h = Header(unsafe { *((v.0 - WORD) as *const usize) });
    if poison::is_poison(h.0 as u64) || h.tag() >= NO_SCAN_TAG {
        return;
    }
    for i in 0..h.wosize().min(MAX_SCANNED) {
        // SAFETY: i < wosize.
        let f = unsafe { v.field(i) };
        let fp = v.field_ptr(i);
        let mine = f.is_block() && f.0 > own.0 && f.0 <= own.1;
        if mine && !remembered.contains(&fp) {
            stub_failure(
                Report::new(
                    Check::RememberedSet,
                    format!("the C primitive {} stored a young value into a major block without caml_modify", stub_name()),
                )
                .expected("the field in the remembered set (a store of a young value into a major block goes through caml_modify or Store_field)")
                .found(format!("field {i} of major block {:#x} holds young {:#x}, not remembered", v.0, f.0))
                .block(v.0, true)
                .referrer(format!("field {i} of {which} of the C primitive, when it returned")),
            );
        }
    }
}

/// Why `v` cannot be a live value (a stale copy of one), and whether the words around it
/// may be read for the report.
fn stale(v: Value) -> Option<(String, bool)> {
    if !v.is_block() {
        return None;
    }
    let a = v.0;
    if poison::is_poison(a as u64) || poison::looks_derived(a as u64) {
        return Some((
            format!("a {} poison word, read from freed memory", poison::category(a as u64)),
            false,
        ));
    }
    let near = |lo: usize, hi: usize| a >= lo + 4 * WORD && a + 7 * WORD <= hi;
    let (lo, hi) = spare_range();
    if a > lo && a <= hi {
        return Some((
            "a pointer into the minor arena that the last minor collection evacuated (free-minor)"
                .into(),
            near(lo, hi),
        ));
    }
    if is_young(v) {
        // SAFETY: the word before a young value lies in the mapped young space.
        let hd = unsafe { *((a - WORD) as *const usize) };
        let (lo, hi) = young_range();
        return free_header(hd).map(|why| (why, near(lo, hi)));
    }
    let p = pool::pool_of(a) as usize;
    let in_pool = DIR.get().is_some_and(|d| d.lock().pools.contains(&p));
    if in_pool && a >= p + 4 * WORD {
        // SAFETY: the pool is live (in the directory) and a - 1 word lies inside it.
        let hd = unsafe { *((a - WORD) as *const usize) };
        return free_header(hd).map(|why| (why, near(p, p + POOL_BSIZE)));
    }
    None
}

/// Why header `hd` is that of a freed block, if it is.
fn free_header(hd: usize) -> Option<String> {
    (poison::is_poison(hd as u64) && poison::kind_of(hd as u64) == Some(PoisonKind::Free)).then(
        || format!("a block that a collection freed ({} header)", poison::category(hd as u64)),
    )
}

/// A value that the running stub hands to the runtime (`what`: as which argument of which
/// function) must not be a stale copy.
pub fn c_value(v: Value, what: &str) {
    if let Some((why, readable)) = stale(v) {
        stub_failure(
            Report::new(Check::UnrootedValue, format!("the C primitive {} used a stale value: {why}", stub_name()))
                .expected("a live value (a value kept across an allocation or callback must be registered with CAMLparam/CAMLlocal)")
                .found(format!("{:#x} as {what}", v.0))
                .block(v.0, readable)
                .referrer(format!("{what}, in the C primitive")),
        );
    }
}

/// A field address `fp` that the running stub stores into (`caml_modify` ...) must not lie
/// in a freed block.
pub fn c_field(fp: *mut Value, what: &str) {
    let a = fp as usize;
    if a & (WORD - 1) != 0 {
        return;
    }
    let (lo, hi) = spare_range();
    let fresh = is_young(Value(a)) || {
        let p = pool::pool_of(a) as usize;
        DIR.get().is_some_and(|d| d.lock().pools.contains(&p))
    };
    let freed = (a > lo && a <= hi)
        || (fresh && {
            // SAFETY: a lies in the young space or in a live pool.
            let w = unsafe { *(a as *const usize) };
            poison::is_poison(w as u64) && poison::kind_of(w as u64) == Some(PoisonKind::Free)
        });
    if freed {
        stub_failure(
            Report::new(
                Check::UnrootedValue,
                format!("the C primitive {} stored into a field of a block that a collection freed or moved", stub_name()),
            )
            .expected("a field of a live block (a value kept across an allocation or callback must be registered with CAMLparam/CAMLlocal)")
            .found(format!("field address {a:#x} as {what}"))
            .referrer(format!("{what}, in the C primitive")),
        );
    }
}

/// Frame words that the checks above assume (the hardened major layout).
const _: () = assert!(MAJOR_EXTRA == 3);
