//! Instrumentation primitives: the memory profiler's (`Gc.Memprof`: start, stop, discard;
//! sampling and callbacks are `domain::memprof` and `gc::memprof`), AFL instrumentation
//! (`afl.c`: nothing to reset) and marshal compression (`zstd.c`: not available, as in the
//! stock build used as the oracle). Runtime events are `prims::runtime_events`.

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::gc::memprof::config;
use crate::heap::value::Value;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_memprof_start", memprof_start),
    ("caml_memprof_stop", memprof_stop),
    ("caml_memprof_discard", memprof_discard),
    ("caml_reset_afl_instrumentation", unit_noop),
    ("caml_zstd_initialize", zstd_initialize),
];

fn unit_noop(_: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::UNIT)
}

/// `Gc.Memprof.start rate callstack_size tracker`: a new profile for the calling domain
/// (and the domains it spawns from now on); the entries of the previous one become orphans,
/// whose callbacks still run.
fn memprof_start(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let (lv, szv, tracker) = (args[0], args[1], args[2]);
    // SAFETY: the sampling rate is a boxed float.
    let lambda = unsafe { lv.double() };
    if szv.int() < 0 || !(0.0..=1.0).contains(&lambda) {
        return Err(Exn::invalid_arg("Gc.Memprof.start"));
    }
    let current = dom.young.memprof.current_thread().entries.validated_config();
    if current != Value::UNIT && config::status(current) == config::SAMPLING {
        return Err(Exn::failure("Gc.Memprof.start: already started."));
    }
    crate::domain::memprof::set_callstack_capture(super::backtrace::memprof_callstack);
    dom.young.memprof.orphan_all();
    let mut one_log1m = if lambda == 1.0 { 0.0 } else { 1.0 / (-lambda).ln_1p() };
    // NaN, +inf or a positive value (a faulty log1p) would derail sampling: -inf instead.
    if one_log1m.is_nan() || one_log1m > 0.0 {
        one_log1m = f64::NEG_INFINITY;
    }
    let l1 = dom.alloc_float(one_log1m);
    let mut fields = vec![Value::of_int(config::SAMPLING), lv, l1, szv];
    for i in 0..5 {
        // SAFETY: a tracker is a record of five callbacks.
        fields.push(unsafe { tracker.field(i) });
    }
    let cfg = dom.alloc_major_untracked(config::FIELDS, 0);
    for (i, &f) in fields.iter().enumerate() {
        dom.initialize(cfg, i, f);
    }
    let mp = &mut dom.young.memprof;
    mp.set_config(cfg);
    mp.reset_draws();
    mp.tidy_orphans();
    dom.young.memprof_arm();
    dom.young.memprof.update_pending();
    Ok(cfg)
}

/// `Gc.Memprof.stop ()`: the allocation callbacks due in this thread run first; the
/// profile stops sampling (its tracking callbacks go on until it is discarded).
fn memprof_stop(dom: &mut Domain, _: &[Value]) -> PrimResult {
    if !dom.young.memprof.current_thread().suspended {
        dom.memprof_suspend(true);
        let key = dom.young.memprof.current_thread().entries.key;
        let r = dom.memprof_run_table(key);
        dom.memprof_suspend(false);
        r?;
    }
    let cfg = dom.young.memprof.current_thread().entries.validated_config();
    if cfg == Value::UNIT || config::status(cfg) != config::SAMPLING {
        return Err(Exn::failure("Gc.Memprof.stop: no profile running."));
    }
    config::set_status(cfg, config::STOPPED);
    dom.young.memprof_arm();
    Ok(Value::UNIT)
}

/// `Gc.Memprof.discard t`: a stopped profile's tracking ends (its entries are forgotten).
fn memprof_discard(_: &mut Domain, args: &[Value]) -> PrimResult {
    let cfg = args[0];
    match config::status(cfg) {
        config::SAMPLING => Err(Exn::failure("Gc.Memprof.discard: profile not stopped.")),
        config::DISCARDED => Err(Exn::failure("Gc.Memprof.discard: profile already discarded.")),
        _ => {
            config::set_status(cfg, config::DISCARDED);
            Ok(Value::UNIT)
        }
    }
}

fn zstd_initialize(_: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::FALSE)
}
