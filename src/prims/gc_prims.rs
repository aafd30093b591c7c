//! `Gc` and `Gc.finalise` primitives (stock `gc_ctrl.c` and `finalise.c`): statistics,
//! parameters, explicit collections, finaliser registration, and the runner of due
//! finalisers ("pending actions") that every explicit collection ends with.
//!
//! Collection counts follow the stock runtime's model so that programs printing them see the
//! same numbers: finishing a major cycle also empties the minor heap twice, and `Gc.major`
//! empties it once more first (the extra empty minor collections are only counted).

use super::PrimFn;
use crate::domain::{Domain, STACK_THRESHOLD};
use crate::events::{self, Counter, Phase};
use crate::exn::{Exn, PrimResult};
use crate::gc::norm_minor_heap_size;
use crate::gc::AllocStats;
use crate::heap::value::{Value, DOUBLE_TAG, FORCING_TAG, FORWARD_TAG, LAZY_TAG};
use std::io::Write;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_gc_stat", gc_stat),
    ("caml_gc_quick_stat", gc_quick_stat),
    ("caml_gc_counters", gc_counters),
    ("caml_gc_minor_words", gc_minor_words),
    ("caml_gc_get", gc_get),
    ("caml_gc_set", gc_set),
    ("caml_gc_minor", gc_minor),
    ("caml_gc_major", gc_major),
    ("caml_gc_full_major", gc_full_major),
    ("caml_gc_major_slice", gc_major_slice),
    ("caml_gc_compaction", gc_compaction),
    ("caml_get_minor_free", get_minor_free),
    ("caml_runtime_variant", runtime_variant),
    ("caml_runtime_parameters", runtime_parameters),
    ("caml_ml_enable_runtime_warnings", enable_runtime_warnings),
    ("caml_ml_runtime_warnings_enabled", runtime_warnings_enabled_prim),
    ("caml_final_register", final_register),
    ("caml_final_register_called_without_value", final_register_last),
    ("caml_final_release", final_release),
];

/// What the stock runtime does after an explicit collection: signal handlers and due
/// finalisers.
fn pending_actions(dom: &mut Domain) -> Result<(), Exn> {
    crate::domain::pending::run_pending_actions(dom)
}

/// Prints a `caml_gc_message` line on stderr when `level` is among the verbosity bits.
pub fn gc_message(verbose: usize, level: usize, msg: std::fmt::Arguments<'_>) {
    if verbose & level != 0 {
        let mut err = std::io::stderr().lock();
        // Diagnostics only: a failing stderr is ignored, as fprintf's result is.
        let _ = err.write_fmt(msg);
        let _ = err.flush();
    }
}

/// The verbosity bit that asks for the statistics printed at exit.
const VERBOSE_EXIT_STATS: usize = 0x400;

/// The statistics the stock runtime prints on stderr when a program ends normally or calls
/// `exit` with verbosity bit 0x400 (`OCAMLRUNPARAM=v=0x400`, or `Gc.set`), in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitStats {
    pub minor_words: usize,
    pub promoted_words: usize,
    pub major_words: usize,
    pub minor_collections: usize,
    pub major_collections: usize,
    pub forced_major_collections: usize,
    pub heap_words: usize,
    pub top_heap_words: usize,
}

impl ExitStats {
    /// The figures now: every domain's allocations, and this domain's arena. Heap lock held.
    pub fn now(dom: &Domain) -> ExitStats {
        let a = alloc_totals(dom);
        let heap_words = dom.gc.occupancy_seen_by(&dom.young).heap_words();
        let st = &dom.gc.stats;
        let top = dom.gc.major.max_words.max(heap_words);
        ExitStats {
            minor_words: a.minor_words,
            promoted_words: a.promoted_words,
            major_words: a.major_words_direct + a.promoted_words,
            minor_collections: st.minor_collections,
            major_collections: st.major_collections,
            forced_major_collections: st.forced_major_collections,
            heap_words,
            // The stock runtime falls back on the heap's own size when its peak is unknown.
            top_heap_words: if top == 0 { heap_words } else { top },
        }
    }

    /// The report, one `name: value` line each, in the stock runtime's order.
    pub fn render(&self) -> String {
        let allocated = (self.minor_words + self.major_words).saturating_sub(self.promoted_words);
        let lines: [(&str, usize); 9] = [
            ("allocated_words", allocated),
            ("minor_words", self.minor_words),
            ("promoted_words", self.promoted_words),
            ("major_words", self.major_words),
            ("minor_collections", self.minor_collections),
            ("major_collections", self.major_collections),
            ("forced_major_collections", self.forced_major_collections),
            ("heap_words", self.heap_words),
            ("top_heap_words", self.top_heap_words),
        ];
        lines.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
    }
}

/// Prints the exit statistics when the verbosity asks for them (stock `caml_do_exit`):
/// called when the program ends normally and by `exit`, not for an uncaught exception.
/// Heap lock held.
pub fn print_exit_stats(dom: &Domain) {
    let verbose = dom.gc.params.verbose;
    if verbose & VERBOSE_EXIT_STATS != 0 {
        let report = ExitStats::now(dom).render();
        gc_message(verbose, VERBOSE_EXIT_STATS, format_args!("{report}"));
    }
}

/// One major cycle as `caml_finish_major_cycle` counts it (two minor collections, the
/// second of which finds the minor heap empty).
fn finish_major_cycle(dom: &mut Domain, compact: bool) {
    events::begin(Phase::MajorFinishCycle);
    dom.full_major();
    empty_minor_collection(dom);
    if compact {
        // Pools are released as soon as they empty, so a compaction has nothing left to
        // move: its three steps, recorded as the stock runtime records them, are empty.
        events::begin(Phase::Compact);
        for step in [Phase::CompactEvacuate, Phase::CompactForward, Phase::CompactRelease] {
            events::begin(step);
            events::end(step);
        }
        events::end(Phase::Compact);
        dom.gc.stats.compactions += 1;
    }
    events::end(Phase::MajorFinishCycle);
}

/// A minor collection that finds the minor heap empty (right after one): counted, and
/// recorded as runtime events, with nothing to do.
fn empty_minor_collection(dom: &mut Domain) {
    events::begin(Phase::Minor);
    dom.gc.stats.minor_collections += 1;
    events::end(Phase::Minor);
}

/// Three major cycles with pending actions after each, so that a value kept alive by a
/// `Gc.finalise` function is freed (and its `finalise_last` run) within the same call. As
/// in the stock runtime, an exception from a pending action skips the phase's end event.
fn full_major_res(dom: &mut Domain) -> Result<(), Exn> {
    events::begin(Phase::ExplicitGcFullMajor);
    for _ in 0..3 {
        finish_major_cycle(dom, false);
        pending_actions(dom)?;
    }
    dom.gc.stats.forced_major_collections += 1;
    events::end(Phase::ExplicitGcFullMajor);
    Ok(())
}

/// Runs a `Gc` primitive's work, pending actions included, between the begin and end
/// events of its explicit phase (the end is recorded whatever the outcome).
fn explicit<R>(
    phase: Phase,
    dom: &mut Domain,
    work: impl FnOnce(&mut Domain) -> Result<R, Exn>,
) -> Result<R, Exn> {
    events::begin(phase);
    let r = work(dom);
    events::end(phase);
    r
}

fn gc_minor(dom: &mut Domain, _: &[Value]) -> PrimResult {
    explicit(Phase::ExplicitGcMinor, dom, |dom| {
        dom.minor_collection();
        pending_actions(dom)
    })?;
    Ok(Value::UNIT)
}

fn gc_major(dom: &mut Domain, _: &[Value]) -> PrimResult {
    explicit(Phase::ExplicitGcMajor, dom, |dom| {
        empty_minor_collection(dom);
        finish_major_cycle(dom, false);
        pending_actions(dom)
    })?;
    Ok(Value::UNIT)
}

fn gc_full_major(dom: &mut Domain, _: &[Value]) -> PrimResult {
    full_major_res(dom)?;
    Ok(Value::UNIT)
}

fn gc_major_slice(dom: &mut Domain, _: &[Value]) -> PrimResult {
    // Cycles run whole at safepoints, so there is no slice of work to do here.
    explicit(Phase::ExplicitGcMajorSlice, dom, pending_actions)?;
    Ok(Value::of_int(0))
}

fn gc_compaction(dom: &mut Domain, _: &[Value]) -> PrimResult {
    explicit(Phase::ExplicitGcCompact, dom, |dom| {
        // Counted as a forced major collection even when a pending action raises.
        let mut result = Ok(());
        for i in 0..3 {
            finish_major_cycle(dom, i == 2);
            result = pending_actions(dom);
            if result.is_err() {
                break;
            }
        }
        dom.gc.stats.forced_major_collections += 1;
        result
    })?;
    Ok(Value::UNIT)
}

fn gc_stat(dom: &mut Domain, _: &[Value]) -> PrimResult {
    explicit(Phase::ExplicitGcStat, dom, full_major_res)?;
    gc_quick_stat(dom, &[])
}

/// Every domain's allocation counters: the exited domains', each other domain's as of its
/// last collection (its arena's current use is its own business until then), and the
/// caller's exact ones, its arena included. Each part only grows, so the sum never
/// decreases between two calls of one domain. Heap lock held.
fn alloc_totals(dom: &Domain) -> AllocStats {
    let mut t = dom.gc.stats.exited;
    let me = dom as *const Domain;
    // SAFETY: primitives run with the heap lock held, under which the registry is stable.
    for &d in unsafe { &dom.shared.heap().domains } {
        if !std::ptr::eq(d, me) {
            // SAFETY: registered domains are alive; their `alloc` counters change only under
            // the heap lock (`Gc::flush_alloc`) or while the world is stopped.
            t.add(&unsafe { (*d).young.alloc });
        }
    }
    let mut own = dom.young.alloc;
    own.add(&dom.young.unflushed);
    own.minor_words += dom.young.minor.used_words();
    t.add(&own);
    t
}

fn gc_quick_stat(dom: &mut Domain, _: &[Value]) -> PrimResult {
    let st = dom.gc.stats.clone();
    let h = dom.gc.occupancy_seen_by(&dom.young);
    let top = dom.gc.major.note_size(h.heap_words());
    let a = alloc_totals(dom);
    let minor_words = dom.alloc_float(a.minor_words as f64);
    let promoted = dom.alloc_float(a.promoted_words as f64);
    let major_words = dom.alloc_float((a.major_words_direct + a.promoted_words) as f64);
    let int = |n: usize| Value::of_int(n as isize);
    let fields = [
        minor_words,
        promoted,
        major_words,
        int(st.minor_collections),
        int(st.major_collections),
        int(h.pool_words + h.large_words),
        int(0),
        int(h.pool_live_words + h.large_words),
        int(h.pool_live_blocks + h.large_blocks),
        int(h.pool_words.saturating_sub(h.pool_live_words + h.pool_frag_words)),
        int(0),
        int(0),
        int(h.pool_frag_words),
        int(st.compactions),
        int(top),
        int(0),
        int(st.forced_major_collections),
    ];
    Ok(dom.alloc_tuple(0, &fields))
}

/// The calling domain's minor words, including the current use of its arena (exact).
fn minor_words_now(dom: &Domain) -> f64 {
    let y = &dom.young;
    (y.alloc.minor_words + y.unflushed.minor_words + y.minor.used_words()) as f64
}

fn gc_minor_words(dom: &mut Domain, _: &[Value]) -> PrimResult {
    let w = minor_words_now(dom);
    Ok(dom.alloc_float(w))
}

/// The calling domain's counters, as the stock runtime's `Gc.counters` (exact).
fn gc_counters(dom: &mut Domain, _: &[Value]) -> PrimResult {
    let minor = minor_words_now(dom);
    let mut st = dom.young.alloc;
    st.add(&dom.young.unflushed);
    let promoted = st.promoted_words as f64;
    let major = (st.major_words_direct + st.promoted_words) as f64;
    let a = dom.alloc_float(minor);
    let b = dom.alloc_float(promoted);
    let c = dom.alloc_float(major);
    Ok(dom.alloc_tuple(0, &[a, b, c]))
}

fn gc_get(dom: &mut Domain, _: &[Value]) -> PrimResult {
    let p = &dom.gc.params;
    let int = |n: usize| Value::of_int(n as isize);
    let fields = [
        // The calling domain's own size (`Gc.set` changes only the caller's).
        int(dom.young.minor.wsize()),
        int(0),
        int(p.space_overhead),
        int(p.verbose),
        int(0),
        int(dom.stack.max_wsize),
        int(0),
        int(0),
        int(p.custom_major_ratio),
        int(p.custom_minor_ratio),
        int(p.custom_minor_max_bsz),
    ];
    Ok(dom.alloc_tuple(0, &fields))
}

/// Largest minor heap warden agrees to allocate, in words (2^33 words = 64 GiB).
const MINOR_HEAP_LIMIT: usize = 1 << 33;

fn gc_set(dom: &mut Domain, args: &[Value]) -> PrimResult {
    explicit(Phase::ExplicitGcSet, dom, |dom| set(dom, args[0]))
}

fn set(dom: &mut Domain, v: Value) -> PrimResult {
    if !v.is_block() {
        return Err(Exn::invalid_arg("Gc.set"));
    }
    // SAFETY: v is a block; fields are read only below its size.
    let n = unsafe { v.wosize() };
    // SAFETY: i < n.
    let field = |i: usize| if i < n { Some(unsafe { v.field(i) }.int()) } else { None };
    let as_u = |x: isize| x as usize;
    let old = dom.gc.params.clone();
    let new_minor = field(0).map(norm_minor_heap_size);
    let new_pf = field(2).map(|x| as_u(x).max(1));
    let new_verbose = field(3).map(as_u);
    let new_stack = field(5).map(as_u);

    if let Some(limit) = new_stack {
        let floor = dom.stack.used() + STACK_THRESHOLD;
        dom.stack.max_wsize = limit.max(floor);
        dom.gc.params.max_stack_wsz = dom.stack.max_wsize;
    }
    if let Some(pf) = new_pf {
        if pf != old.space_overhead {
            dom.gc.params.space_overhead = pf;
            gc_message(dom.gc.params.verbose, 0x20, format_args!("New space overhead: {pf}%\n"));
        }
    }
    if let Some(vb) = new_verbose {
        dom.gc.params.verbose = vb;
    }
    if n >= 11 {
        let verbose = dom.gc.params.verbose;
        let maj = as_u(field(8).unwrap_or(0)).max(1);
        let min = as_u(field(9).unwrap_or(0)).max(1);
        let sz = as_u(field(10).unwrap_or(0));
        if maj != old.custom_major_ratio {
            dom.gc.params.custom_major_ratio = maj;
            gc_message(verbose, 0x20, format_args!("New custom major ratio: {maj}%\n"));
        }
        if min != old.custom_minor_ratio {
            dom.gc.params.custom_minor_ratio = min;
            gc_message(verbose, 0x20, format_args!("New custom minor ratio: {min}%\n"));
        }
        if sz != old.custom_minor_max_bsz {
            dom.gc.params.custom_minor_max_bsz = sz;
            gc_message(verbose, 0x20, format_args!("New custom minor size limit: {sz}%\n"));
        }
    }
    // The minor heap comes last: resizing it empties it first, which moves `v`.
    if let Some(wsz) = new_minor {
        let current = dom.young.minor.wsize();
        if wsz != current {
            gc_message(
                dom.gc.params.verbose,
                0x20,
                format_args!("New minor heap size: {}k words\n", wsz / 1024),
            );
            if wsz > MINOR_HEAP_LIMIT {
                return Err(Exn::out_of_memory());
            }
            events::counter(Counter::ForceMinorSetMinorHeapSize, 1);
            if !dom.resize_minor(wsz) {
                return Err(Exn::out_of_memory());
            }
        }
    }
    Ok(Value::UNIT)
}

fn get_minor_free(dom: &mut Domain, _: &[Value]) -> PrimResult {
    let m = &dom.young.minor;
    Ok(Value::of_int((m.ptr as usize - m.start as usize) as isize))
}

fn runtime_variant(dom: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(dom.alloc_str(if crate::check::ENABLED { "d" } else { "" }))
}

fn runtime_parameters(dom: &mut Domain, _: &[Value]) -> PrimResult {
    let c = dom.config.clone();
    let p = &dom.gc.params;
    let s = format!(
        "b={},c={},e={},l={},M={},m={},n={},o={},p={},s={},t={},v={},V={},W={}",
        dom.backtrace_active as u8,
        c.cleanup_on_exit,
        c.runtime_events_log_wsize,
        dom.stack.max_wsize,
        p.custom_major_ratio,
        p.custom_minor_ratio,
        p.custom_minor_max_bsz,
        p.space_overhead,
        super::parsing::trace_flag() as u8,
        dom.young.minor.wsize(),
        c.trace_level,
        p.verbose,
        c.verify_heap,
        super::io::runtime_warnings_enabled() as u8,
    );
    Ok(dom.alloc_str(&s))
}

fn enable_runtime_warnings(_: &mut Domain, args: &[Value]) -> PrimResult {
    super::io::set_runtime_warnings(args[0] != Value::FALSE);
    Ok(Value::UNIT)
}

fn runtime_warnings_enabled_prim(_: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::of_bool(super::io::runtime_warnings_enabled()))
}

/// Checks that `v` may carry a finaliser (a heap block that is not a float or a lazy).
fn finalisable(v: Value) -> Result<(), Exn> {
    if v.is_block() {
        // SAFETY: v is a block.
        let tag = unsafe { v.tag() };
        if !matches!(tag, LAZY_TAG | DOUBLE_TAG | FORCING_TAG | FORWARD_TAG) {
            return Ok(());
        }
    }
    Err(Exn::invalid_arg("Gc.finalise"))
}

fn final_register(dom: &mut Domain, args: &[Value]) -> PrimResult {
    finalisable(args[1])?;
    dom.gc.finalisers.register(args[1], args[0], false);
    Ok(Value::UNIT)
}

fn final_register_last(dom: &mut Domain, args: &[Value]) -> PrimResult {
    finalisable(args[1])?;
    dom.gc.finalisers.register(args[1], args[0], true);
    Ok(Value::UNIT)
}

fn final_release(dom: &mut Domain, _: &[Value]) -> PrimResult {
    crate::domain::pending::release_finaliser(dom);
    Ok(Value::UNIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_heap_sizes_round_to_pages() {
        assert_eq!(norm_minor_heap_size(1000), 1024);
        assert_eq!(norm_minor_heap_size(100), 512);
        assert_eq!(norm_minor_heap_size(-5), 512);
        assert_eq!(norm_minor_heap_size(262144), 262144);
        assert_eq!(norm_minor_heap_size(0x7fff_ffff), 2147483648);
    }
}
