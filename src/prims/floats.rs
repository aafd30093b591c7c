//! Float primitives (stock `floats.c`): boxed arithmetic, comparisons, conversions, the
//! text forms (glue over `numfmt`), classification and the C math library functions.
//!
//! The stock runtime calls the C math library for every transcendental function. On glibc
//! this file calls the same functions of glibc's libm, never a Rust reimplementation:
//! results then agree bit for bit with `ocamlrun` on the same machine, NaN signs included.
//! On other libcs (musl) it calls `glibc`, which gives glibc's answers where that libm's
//! choices differ (NaNs, domain errors) and the libm's own otherwise. Only sqrt (one
//! instruction either way), sign manipulation and the rounding of small numbers to integers
//! (exact) use Rust.

use super::numfmt;
use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;
use std::ffi::c_int;

/// The C math library functions the stock primitives call.
///
/// With glibc each is linked under its `_Float64` alias (`cbrtf64` ...), the same function
/// as the plain name since glibc 2.27: Rust's `compiler_builtins` defines some plain names
/// itself (`cbrt`, `fma`, `fmod`, `floor` ...), and the linker prefers those to libm's.
/// Its `cbrt` is rounded differently from glibc's, for one.
mod libm {
    use std::ffi::c_int;

    // SAFETY: these are the C99 <math.h> functions of the platform's libm (linked by std
    // on every supported target), declared with their C prototypes; the `safe` ones take
    // and return plain numbers and have no preconditions.
    unsafe extern "C" {
        #[cfg_attr(target_env = "gnu", link_name = "expf64")]
        pub safe fn exp(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "exp2f64")]
        pub safe fn exp2(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "expm1f64")]
        pub safe fn expm1(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "logf64")]
        pub safe fn log(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "log10f64")]
        pub safe fn log10(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "log2f64")]
        pub safe fn log2(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "log1pf64")]
        pub safe fn log1p(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "cbrtf64")]
        pub safe fn cbrt(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "sinf64")]
        pub safe fn sin(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "cosf64")]
        pub safe fn cos(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "tanf64")]
        pub safe fn tan(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "asinf64")]
        pub safe fn asin(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "acosf64")]
        pub safe fn acos(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "atanf64")]
        pub safe fn atan(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "sinhf64")]
        pub safe fn sinh(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "coshf64")]
        pub safe fn cosh(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "tanhf64")]
        pub safe fn tanh(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "asinhf64")]
        pub safe fn asinh(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "acoshf64")]
        pub safe fn acosh(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "atanhf64")]
        pub safe fn atanh(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "erff64")]
        pub safe fn erf(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "erfcf64")]
        pub safe fn erfc(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "roundf64")]
        pub safe fn round(x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "powf64")]
        pub safe fn pow(x: f64, y: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "hypotf64")]
        pub safe fn hypot(x: f64, y: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "atan2f64")]
        pub safe fn atan2(y: f64, x: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "fmodf64")]
        pub safe fn fmod(x: f64, y: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "nextafterf64")]
        pub safe fn nextafter(x: f64, y: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "fmaf64")]
        pub safe fn fma(x: f64, y: f64, z: f64) -> f64;
        #[cfg_attr(target_env = "gnu", link_name = "ldexpf64")]
        pub safe fn ldexp(x: f64, e: c_int) -> f64;
        /// Writes the exponent through `e`.
        #[cfg_attr(target_env = "gnu", link_name = "frexpf64")]
        pub fn frexp(x: f64, e: *mut c_int) -> f64;
        /// Writes the integral part through `i`.
        #[cfg_attr(target_env = "gnu", link_name = "modff64")]
        pub fn modf(x: f64, i: *mut f64) -> f64;
    }
}

/// glibc's results on other libms (musl): see the module.
#[cfg(any(test, not(target_env = "gnu")))]
mod glibc;

#[cfg(not(target_env = "gnu"))]
use glibc as m;
/// The math functions the primitives call: glibc's libm itself, or `glibc` elsewhere.
#[cfg(target_env = "gnu")]
use libm as m;

#[inline]
fn float_arg(v: Value) -> f64 {
    // SAFETY: the primitive's OCaml type says v is a boxed float.
    unsafe { v.double() }
}

// One-argument and two-argument functions returning a boxed float.
macro_rules! unary {
    ($($name:ident => $f:expr;)*) => {$(
        fn $name(dom: &mut Domain, a: &[Value]) -> PrimResult {
            Ok(dom.alloc_float(($f)(float_arg(a[0]))))
        }
    )*};
}
macro_rules! binary {
    ($($name:ident => $f:expr;)*) => {$(
        fn $name(dom: &mut Domain, a: &[Value]) -> PrimResult {
            Ok(dom.alloc_float(($f)(float_arg(a[0]), float_arg(a[1]))))
        }
    )*};
}
macro_rules! comparison {
    ($($name:ident => $op:tt;)*) => {$(
        fn $name(_: &mut Domain, a: &[Value]) -> PrimResult {
            Ok(Value::of_bool(float_arg(a[0]) $op float_arg(a[1])))
        }
    )*};
}

unary! {
    neg_float => |x: f64| -x;
    abs_float => f64::abs;
    sqrt_float => f64::sqrt;
    ceil_float => |x| small_only(x, f64::ceil);
    floor_float => |x| small_only(x, f64::floor);
    trunc_float => |x| small_only(x, f64::trunc);
    // Half-way cases away from zero.
    round_float => m::round;
    exp_float => m::exp;
    exp2_float => m::exp2;
    expm1_float => m::expm1;
    log_float => m::log;
    log10_float => m::log10;
    log2_float => m::log2;
    log1p_float => m::log1p;
    cbrt_float => m::cbrt;
    sin_float => m::sin;
    cos_float => m::cos;
    tan_float => m::tan;
    asin_float => m::asin;
    acos_float => m::acos;
    atan_float => m::atan;
    sinh_float => m::sinh;
    cosh_float => m::cosh;
    tanh_float => m::tanh;
    asinh_float => m::asinh;
    acosh_float => m::acosh;
    atanh_float => m::atanh;
    erf_float => m::erf;
    erfc_float => m::erfc;
}

binary! {
    add_float => |x: f64, y: f64| x + y;
    sub_float => |x: f64, y: f64| x - y;
    mul_float => |x: f64, y: f64| x * y;
    div_float => |x: f64, y: f64| x / y;
    power_float => m::pow;
    atan2_float => m::atan2;
    hypot_float => m::hypot;
    fmod_float => m::fmod;
    copysign_float => f64::copysign;
    nextafter_float => m::nextafter;
}

comparison! {
    eq_float => ==;
    neq_float => !=;
    lt_float => <;
    le_float => <=;
    gt_float => >;
    ge_float => >=;
}

/// Rounds `x` to an integral value with `round` when that can change it: NaNs,
/// infinities and numbers of magnitude 2^52 or more come back as they are, bit for bit
/// (signalling NaNs stay signalling), as in the stock runtime, where the C compiler
/// inlines `floor`, `ceil` and `trunc` that way.
fn small_only(x: f64, round: fn(f64) -> f64) -> f64 {
    if x.abs() < 4503599627370496.0 {
        round(x)
    } else {
        x
    }
}

fn fma_float(dom: &mut Domain, a: &[Value]) -> PrimResult {
    // The stock runtime's C compiler swaps the two factors (fma is commutative in them);
    // the order decides which NaN comes out when both are NaN.
    let r = m::fma(float_arg(a[1]), float_arg(a[0]), float_arg(a[2]));
    Ok(dom.alloc_float(r))
}

/// `compare` on floats: NaN equals NaN and is below every other float.
fn float_compare(_: &mut Domain, a: &[Value]) -> PrimResult {
    let (f, g) = (float_arg(a[0]), float_arg(a[1]));
    let r = (f > g) as isize - (f < g) as isize + !f.is_nan() as isize - !g.is_nan() as isize;
    Ok(Value::of_int(r))
}

fn float_of_int(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(dom.alloc_float(a[0].int() as f64))
}

/// `int_of_float` as the stock C cast then tagging: truncation toward zero; NaN and
/// numbers out of the 64-bit range give the 64-bit minimum, whose tagging leaves 0; a
/// number beyond 63 bits wraps.
fn int_of_float(_: &mut Domain, a: &[Value]) -> PrimResult {
    let x = float_arg(a[0]);
    Ok(Value::of_int(super::ints::f64_to_i64_like_c(x) as isize))
}

fn float_of_string(dom: &mut Domain, a: &[Value]) -> PrimResult {
    // SAFETY: the argument is an OCaml string.
    let s = unsafe { a[0].bytes() };
    match numfmt::parse_float(s) {
        Ok(x) => Ok(dom.alloc_float(x)),
        Err(()) => Err(Exn::failure("float_of_string")),
    }
}

fn format_float(dom: &mut Domain, a: &[Value]) -> PrimResult {
    // SAFETY: the format argument is an OCaml string.
    let fmt = unsafe { a[0].bytes() };
    let formatted = numfmt::with_scratch(|out| {
        numfmt::format_float_into(fmt, float_arg(a[1]), out).map(|()| dom.alloc_bytes_from(out))
    });
    match formatted {
        Ok(v) => Ok(v),
        // Printf never builds such a format; C printf would misbehave or fail here.
        Err(()) => Err(Exn::invalid_arg("format_float: bad format")),
    }
}

/// Largest precision accepted by `caml_hexstring_of_float`; the stock runtime allocates
/// `prec + 12` bytes and raises Out_of_memory when it cannot.
const MAX_HEX_PREC: isize = 1 << 32;

fn hexstring_of_float(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let prec = a[1].int();
    if prec > MAX_HEX_PREC {
        return Err(Exn::out_of_memory());
    }
    // The style is compared as a C int with '+' and ' '; anything else means no sign.
    let style = u8::try_from(a[2].int()).unwrap_or(0);
    let s = numfmt::hexstring_of_float(float_arg(a[0]), prec as i64, style);
    Ok(dom.alloc_str(&s))
}

/// FP_normal 0, FP_subnormal 1, FP_zero 2, FP_infinite 3, FP_nan 4.
fn classify_float(_: &mut Domain, a: &[Value]) -> PrimResult {
    use std::num::FpCategory::*;
    let class = match float_arg(a[0]).classify() {
        Normal => 0,
        Subnormal => 1,
        Zero => 2,
        Infinite => 3,
        Nan => 4,
    };
    Ok(Value::of_int(class))
}

fn frexp_float(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let mut e: c_int = 0;
    // SAFETY: `e` is a valid place for frexp to write the exponent.
    let fraction = unsafe { m::frexp(float_arg(a[0]), &mut e) };
    let mantissa = dom.alloc_float(fraction);
    Ok(dom.alloc_tuple(0, &[mantissa, Value::of_int(e as isize)]))
}

fn ldexp_float(dom: &mut Domain, a: &[Value]) -> PrimResult {
    // The stock C passes the OCaml int to an `int` parameter: it keeps the low 32 bits.
    let e = a[1].int() as c_int;
    Ok(dom.alloc_float(m::ldexp(float_arg(a[0]), e)))
}

/// `(fractional part, integral part)`.
fn modf_float(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let mut int_part = 0.0f64;
    // SAFETY: `int_part` is a valid place for modf to write the integral part.
    let frac = unsafe { m::modf(float_arg(a[0]), &mut int_part) };
    let frac = dom.alloc_float(frac);
    let int_part = dom.alloc_float(int_part);
    Ok(dom.alloc_tuple(0, &[frac, int_part]))
}

fn signbit_float(_: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(Value::of_bool(float_arg(a[0]).is_sign_negative()))
}

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_abs_float", abs_float),
    ("caml_acos_float", acos_float),
    ("caml_acosh_float", acosh_float),
    ("caml_add_float", add_float),
    ("caml_asin_float", asin_float),
    ("caml_asinh_float", asinh_float),
    ("caml_atan2_float", atan2_float),
    ("caml_atan_float", atan_float),
    ("caml_atanh_float", atanh_float),
    ("caml_cbrt_float", cbrt_float),
    ("caml_ceil_float", ceil_float),
    ("caml_classify_float", classify_float),
    ("caml_copysign_float", copysign_float),
    ("caml_cos_float", cos_float),
    ("caml_cosh_float", cosh_float),
    ("caml_div_float", div_float),
    ("caml_eq_float", eq_float),
    ("caml_erf_float", erf_float),
    ("caml_erfc_float", erfc_float),
    ("caml_exp2_float", exp2_float),
    ("caml_exp_float", exp_float),
    ("caml_expm1_float", expm1_float),
    ("caml_float_compare", float_compare),
    ("caml_float_of_int", float_of_int),
    ("caml_float_of_string", float_of_string),
    ("caml_floor_float", floor_float),
    ("caml_fma_float", fma_float),
    ("caml_fmod_float", fmod_float),
    ("caml_format_float", format_float),
    ("caml_frexp_float", frexp_float),
    ("caml_ge_float", ge_float),
    ("caml_gt_float", gt_float),
    ("caml_hexstring_of_float", hexstring_of_float),
    ("caml_hypot_float", hypot_float),
    ("caml_int_of_float", int_of_float),
    ("caml_ldexp_float", ldexp_float),
    ("caml_le_float", le_float),
    ("caml_log10_float", log10_float),
    ("caml_log1p_float", log1p_float),
    ("caml_log2_float", log2_float),
    ("caml_log_float", log_float),
    ("caml_lt_float", lt_float),
    ("caml_modf_float", modf_float),
    ("caml_mul_float", mul_float),
    ("caml_neg_float", neg_float),
    ("caml_neq_float", neq_float),
    ("caml_nextafter_float", nextafter_float),
    ("caml_power_float", power_float),
    ("caml_round_float", round_float),
    // Native code calls `caml_signbit` with an unboxed double; bytecode never does, and
    // here it takes the boxed float like `caml_signbit_float`.
    ("caml_signbit", signbit_float),
    ("caml_signbit_float", signbit_float),
    ("caml_sin_float", sin_float),
    ("caml_sinh_float", sinh_float),
    ("caml_sqrt_float", sqrt_float),
    ("caml_sub_float", sub_float),
    ("caml_tan_float", tan_float),
    ("caml_tanh_float", tanh_float),
    ("caml_trunc_float", trunc_float),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete() {
        assert_eq!(PRIMS.len(), 58);
    }

    #[test]
    fn libm_links() {
        assert_eq!(libm::erf(0.0), 0.0);
        assert_eq!(libm::ldexp(1.0, 3), 8.0);
        assert!(libm::erfc(0.0) == 1.0);
    }
}
