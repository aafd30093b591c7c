//! glibc's results where another libm (musl's) gives different ones.
//!
//! The oracle is the stock `ocamlrun` on glibc, so a warden linked with musl must answer as
//! glibc does. This module is what the float primitives call on every libm but glibc's (on
//! glibc they call the libm directly). It covers what a libm's choices decide rather than
//! its accuracy, measured against glibc 2.36 with `sanitizers/libm/` and pinned by the tests
//! below, which compare it with glibc on glibc hosts:
//!
//! - a NaN argument comes back quieted, sign and payload kept (musl returns a signalling NaN
//!   as it is, and clears the sign in `sinh` and `cosh`);
//! - domain errors give glibc's NaN: positive for `asin` and `acos` (|x| > 1) and `log10`
//!   (x < 0), negative for `atanh` (|x| > 1) and `acosh` (x < 1), where musl's sign differs
//!   (and musl's `acosh` of some negative numbers is a number);
//! - `hypot`, `pow`, `nextafter`, `fma`, `frexp` and `modf` pick the NaN that glibc picks;
//!   `fma` uses the processor's fused multiply-add when it has one, as glibc does (musl's
//!   software `fma` gets the sign of some results that underflow to zero wrong).
//!
//! What remains different is accuracy: glibc's transcendental functions are other
//! algorithms than musl's (IBM's for the trigonometric ones), and on processors with FMA
//! glibc switches `exp`, `log`, `pow`, `sin`, `atan` ... to variants that use it. Their
//! results differ from musl's in the last bit for a fraction of arguments (measured in
//! docs/sanitizers.md); matching those would take glibc's implementations themselves, which
//! are LGPL and not ours to copy into an MIT runtime. `cbrt` is one of them: glibc's is not
//! correctly rounded (`cbrt 27. = 3.0000000000000004`), musl's gives `3.` and differs from
//! glibc's for about half of all arguments; a musl build gives the libm's own result.

use super::libm;
use std::ffi::c_int;

/// Where musl and glibc agree.
#[cfg(not(target_env = "gnu"))]
pub use libm::{atan2, fmod, ldexp};

const QUIET_BIT: u64 = 1 << 51;
/// glibc's NaNs for domain errors.
const NAN_POSITIVE: f64 = f64::from_bits(0x7ff8_0000_0000_0000);
const NAN_NEGATIVE: f64 = f64::from_bits(0xfff8_0000_0000_0000);

/// `x` (a NaN) made quiet, with its sign and payload.
#[inline]
fn quiet(x: f64) -> f64 {
    f64::from_bits(x.to_bits() | QUIET_BIT)
}

#[inline]
fn is_signalling(x: f64) -> bool {
    x.is_nan() && x.to_bits() & QUIET_BIT == 0
}

/// Functions of one argument: a NaN comes back quieted; `domain` gives the NaN glibc returns
/// for an argument outside the function's domain.
macro_rules! unary {
    ($($name:ident $(if $dom:expr => $nan:expr)?;)*) => {$(
        pub fn $name(x: f64) -> f64 {
            if x.is_nan() {
                return quiet(x);
            }
            $(if ($dom)(x) {
                return $nan;
            })?
            libm::$name(x)
        }
    )*};
}

unary! {
    exp; exp2; expm1; log; log2; log1p; cbrt; sin; cos; tan; atan; sinh; cosh; tanh; asinh;
    erf; erfc; round;
    log10 if |x: f64| x < 0.0 => NAN_POSITIVE;
    asin if |x: f64| x.abs() > 1.0 => NAN_POSITIVE;
    acos if |x: f64| x.abs() > 1.0 => NAN_POSITIVE;
    atanh if |x: f64| x.abs() > 1.0 => NAN_NEGATIVE;
    acosh if |x: f64| x < 1.0 => NAN_NEGATIVE;
}

pub fn hypot(x: f64, y: f64) -> f64 {
    if (x.is_infinite() || y.is_infinite()) && !is_signalling(x) && !is_signalling(y) {
        return f64::INFINITY;
    }
    if x.is_nan() {
        return quiet(x);
    }
    if y.is_nan() {
        return quiet(y);
    }
    libm::hypot(x, y)
}

pub fn pow(x: f64, y: f64) -> f64 {
    // pow(1, y) and pow(x, 0) are 1 even for a quiet NaN, but not for a signalling one.
    if x == 1.0 && is_signalling(y) {
        return quiet(y);
    }
    if y == 0.0 && is_signalling(x) {
        return quiet(x);
    }
    libm::pow(x, y)
}

pub fn nextafter(x: f64, y: f64) -> f64 {
    if y.is_nan() {
        return quiet(y);
    }
    if x.is_nan() {
        return quiet(x);
    }
    libm::nextafter(x, y)
}

/// `x * y + z` rounded once.
pub fn fma(x: f64, y: f64, z: f64) -> f64 {
    // The first NaN in the order y, x, z, as glibc's fused multiply-add gives it.
    if let Some(nan) = [y, x, z].into_iter().find(|v| v.is_nan()) {
        return quiet(nan);
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the processor has the FMA instructions (checked just above).
        return unsafe { fma_instruction(x, y, z) };
    }
    libm::fma(x, y, z)
}

/// # Safety
/// The processor must support FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn fma_instruction(x: f64, y: f64, z: f64) -> f64 {
    // With the feature enabled this is one vfmadd instruction, exact like glibc's.
    x.mul_add(y, z)
}

/// Writes the exponent through `e`.
///
/// # Safety
/// `e` must be valid for a write.
pub unsafe fn frexp(x: f64, e: *mut c_int) -> f64 {
    if x.is_nan() {
        // SAFETY: the caller's contract.
        unsafe { *e = 0 };
        return quiet(x);
    }
    // SAFETY: the caller's contract.
    unsafe { libm::frexp(x, e) }
}

/// Writes the integral part through `i`.
///
/// # Safety
/// `i` must be valid for a write.
pub unsafe fn modf(x: f64, i: *mut f64) -> f64 {
    if x.is_nan() {
        // SAFETY: the caller's contract.
        unsafe { *i = quiet(x) };
        return quiet(x);
    }
    // SAFETY: the caller's contract.
    unsafe { libm::modf(x, i) }
}

/// Run on glibc, where `libm` is glibc's: each function here must give glibc's answer for
/// every argument it decides itself (the others fall through to `libm` anyway), and `fma`
/// for every argument.
#[cfg(all(test, target_env = "gnu"))]
mod tests {
    use super::*;

    fn specials() -> Vec<f64> {
        let mut v = vec![
            0.0,
            1.0,
            2.0,
            0.5,
            1.5,
            3.0,
            27.0,
            8.0,
            1e-20,
            1e20,
            1e300,
            710.0,
            745.0,
            0.999999,
            1.000001,
            f64::INFINITY,
            f64::NAN,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            1e-310,
            9.313225746154785e-10,
            1073741824.0,
        ];
        v.extend(
            [
                0x7ff0_0000_0000_0001u64,
                0x7ff0_0000_0000_1234,
                0x7ff8_0000_00ab_cdef,
                0x7ff4_0000_0000_0000,
            ]
            .map(f64::from_bits),
        );
        let neg: Vec<f64> = v.iter().map(|x| -x).collect();
        v.extend(neg);
        v
    }

    /// A reproducible spread of doubles: random bit patterns, and numbers near the domain
    /// edges.
    fn sample(n: usize) -> Vec<f64> {
        let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..n)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let unit = (s >> 11) as f64 / (1u64 << 53) as f64;
                match i % 4 {
                    0 => f64::from_bits(s),
                    1 => (unit - 0.5) * 8.0,
                    2 => (unit - 0.5) * 2e6,
                    _ => (unit - 0.5) * 2.5,
                }
            })
            .collect()
    }

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits()
    }

    #[test]
    fn unary_nans_and_domain_errors_are_glibcs() {
        type F = fn(f64) -> f64;
        type C = extern "C" fn(f64) -> f64;
        let pairs: [(&str, F, C); 23] = [
            ("exp", exp, libm::exp),
            ("exp2", exp2, libm::exp2),
            ("expm1", expm1, libm::expm1),
            ("log", log, libm::log),
            ("log2", log2, libm::log2),
            ("log1p", log1p, libm::log1p),
            ("log10", log10, libm::log10),
            ("sin", sin, libm::sin),
            ("cos", cos, libm::cos),
            ("tan", tan, libm::tan),
            ("asin", asin, libm::asin),
            ("acos", acos, libm::acos),
            ("atan", atan, libm::atan),
            ("sinh", sinh, libm::sinh),
            ("cosh", cosh, libm::cosh),
            ("tanh", tanh, libm::tanh),
            ("asinh", asinh, libm::asinh),
            ("acosh", acosh, libm::acosh),
            ("atanh", atanh, libm::atanh),
            ("erf", erf, libm::erf),
            ("erfc", erfc, libm::erfc),
            ("round", round, libm::round),
            ("cbrt", cbrt, libm::cbrt),
        ];
        let args: Vec<f64> = specials().into_iter().chain(sample(20_000)).collect();
        for (name, ours, theirs) in pairs {
            for &x in &args {
                assert!(
                    same(ours(x), theirs(x)),
                    "{name}({x:e} = {:#x}): {:#x}, glibc {:#x}",
                    x.to_bits(),
                    ours(x).to_bits(),
                    theirs(x).to_bits()
                );
            }
        }
    }

    #[test]
    fn binary_nans_are_glibcs() {
        let sp = specials();
        for &x in &sp {
            for &y in &sp {
                assert!(same(hypot(x, y), libm::hypot(x, y)), "hypot({x:e}, {y:e})");
                assert!(same(pow(x, y), libm::pow(x, y)), "pow({x:e}, {y:e})");
                assert!(same(nextafter(x, y), libm::nextafter(x, y)), "nextafter({x:e}, {y:e})");
                for &z in &sp {
                    assert!(same(fma(x, y, z), libm::fma(x, y, z)), "fma({x:e}, {y:e}, {z:e})");
                }
            }
            let (mut e1, mut e2) = (7, 7);
            let (mut i1, mut i2) = (0.0, 0.0);
            // SAFETY: the out-parameters are locals.
            unsafe {
                assert!(
                    same(frexp(x, &mut e1), libm::frexp(x, &mut e2)) && e1 == e2,
                    "frexp({x:e})"
                );
                assert!(
                    same(modf(x, &mut i1), libm::modf(x, &mut i2)) && same(i1, i2),
                    "modf({x:e})"
                );
            }
        }
        let s = sample(300_000);
        for w in s.chunks(3) {
            if let [x, y, z] = *w {
                assert!(same(fma(x, y, z), libm::fma(x, y, z)), "fma({x:e}, {y:e}, {z:e})");
            }
        }
    }
}
