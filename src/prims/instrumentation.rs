//! Instrumentation the stock runtime offers and warden does not run yet: memory profiling
//! (`memprof.c`: a profile is accepted and tracked, but no allocation is ever sampled), AFL
//! instrumentation (`afl.c`) and marshal compression (`zstd.c`: not available, as in the
//! stock build used as the oracle). Runtime events are `prims::runtime_events`.
//! The memprof profile lives in `Domain::named` under a NUL-prefixed key.

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_memprof_start", memprof_start),
    ("caml_memprof_stop", memprof_stop),
    ("caml_memprof_discard", memprof_discard),
    ("caml_reset_afl_instrumentation", unit_noop),
    ("caml_zstd_initialize", zstd_initialize),
];

/// Key of the current memprof profile in `Domain::named`.
const MEMPROF_KEY: &[u8] = b"\0warden:memprof";

fn unit_noop(_: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::UNIT)
}

// ---------------------------------------------------------------------------------------
// Memprof: profiles are accepted and tracked, but no allocation is ever sampled.

const CONFIG_STATUS: usize = 0;
const STATUS_SAMPLING: isize = 0;
const STATUS_STOPPED: isize = 1;
const STATUS_DISCARDED: isize = 2;

fn memprof_start(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let (lv, szv, tracker) = (args[0], args[1], args[2]);
    // SAFETY: the sampling rate is a boxed float.
    let lambda = unsafe { lv.double() };
    if szv.int() < 0 || !(0.0..=1.0).contains(&lambda) {
        return Err(Exn::invalid_arg("Gc.Memprof.start"));
    }
    if let Some(&cfg) = dom.named.get(MEMPROF_KEY) {
        // SAFETY: the profile block made below has a status field.
        if unsafe { cfg.field(CONFIG_STATUS) }.int() == STATUS_SAMPLING {
            return Err(Exn::failure("Gc.Memprof.start: already started."));
        }
    }
    let mut one_log1m = if lambda == 1.0 { 0.0 } else { 1.0 / (-lambda).ln_1p() };
    // NaN, +inf or a positive value (a faulty log1p) would derail sampling: -inf instead.
    if one_log1m.is_nan() || one_log1m > 0.0 {
        one_log1m = f64::NEG_INFINITY;
    }
    let l1 = dom.alloc_float(one_log1m);
    let mut fields = vec![Value::of_int(STATUS_SAMPLING), lv, l1, szv];
    for i in 0..5 {
        // SAFETY: a tracker is a record of five callbacks.
        fields.push(unsafe { tracker.field(i) });
    }
    let cfg = dom.alloc_tuple(0, &fields);
    dom.named.insert(MEMPROF_KEY.to_vec(), cfg);
    Ok(cfg)
}

fn memprof_stop(dom: &mut Domain, _: &[Value]) -> PrimResult {
    match dom.named.get(MEMPROF_KEY).copied() {
        // SAFETY: the profile block has a status field.
        Some(cfg) if unsafe { cfg.field(CONFIG_STATUS) }.int() == STATUS_SAMPLING => {
            // SAFETY: as above; an immediate needs no barrier.
            unsafe { cfg.set_field_raw(CONFIG_STATUS, Value::of_int(STATUS_STOPPED)) };
            Ok(Value::UNIT)
        }
        _ => Err(Exn::failure("Gc.Memprof.stop: no profile running.")),
    }
}

fn memprof_discard(_: &mut Domain, args: &[Value]) -> PrimResult {
    let cfg = args[0];
    // SAFETY: a profile (`Gc.Memprof.t`) is the block made by `memprof_start`.
    match unsafe { cfg.field(CONFIG_STATUS) }.int() {
        STATUS_SAMPLING => Err(Exn::failure("Gc.Memprof.discard: profile not stopped.")),
        STATUS_DISCARDED => Err(Exn::failure("Gc.Memprof.discard: profile already discarded.")),
        _ => {
            // SAFETY: as above.
            unsafe { cfg.set_field_raw(CONFIG_STATUS, Value::of_int(STATUS_DISCARDED)) };
            Ok(Value::UNIT)
        }
    }
}

fn zstd_initialize(_: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::FALSE)
}
