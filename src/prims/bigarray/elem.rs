//! Reading and writing bigarray elements as OCaml values: boxing of floats, complex
//! numbers and `int32`/`int64`/`nativeint`, half-precision conversion, and `fill`.
//!
//! Half-precision floats convert as the stock runtime's portable code does (the x86-64
//! build has no F16C): an OCaml float is first rounded to single precision, then to half
//! precision with round-to-nearest-even; every NaN becomes the quiet NaN `0x7e00` with its
//! sign kept.

use super::repr::{elt_ptr, Bigarray, Kind};
use crate::domain::Domain;
use crate::exn::Exn;
use crate::heap::custom::data_ptr;
use crate::heap::value::{Value, DOUBLE_ARRAY_TAG, DOUBLE_TAG};
use crate::prims::ints::{alloc_int32, alloc_int64, alloc_nativeint};

/// Half-precision bits to single precision (exact).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h & 0x8000) as u32) << 16;
    let exp = ((h >> 10) & 0x1f) as u32;
    let mant = (h & 0x3ff) as u32;
    let bits = match exp {
        0 if mant == 0 => sign,
        0 => {
            // Subnormal: mant * 2^-24, exactly representable in single precision.
            let m = mant as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -m } else { m };
        }
        0x1f => sign | 0x7f80_0000 | (mant << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (mant << 13),
    };
    f32::from_bits(bits)
}

/// Single precision to half-precision bits, rounding to nearest even.
pub fn f32_to_f16(f: f32) -> u16 {
    let x = f.to_bits();
    let sign = ((x >> 16) & 0x8000) as u16;
    let a = x & 0x7fff_ffff;
    let out: u16 = if a >= 0x4780_0000 {
        // At least 2^16: infinity, or NaN (quietened, payload dropped).
        if a > 0x7f80_0000 {
            0x7e00
        } else {
            0x7c00
        }
    } else if a < 0x3880_0000 {
        // Below 2^-14: a half-precision subnormal (or zero). Scale to units of 2^-24 and
        // round half to even; 1024 units is the smallest normal, which is still correct.
        let units = f32::from_bits(a) as f64 * 16_777_216.0;
        units.round_ties_even() as u16
    } else {
        // Normal: rebias the exponent, round the 13 dropped mantissa bits to nearest even
        // (a carry may ripple into the exponent, up to infinity).
        let odd = (a >> 13) & 1;
        let r = a.wrapping_sub((127 - 15) << 23).wrapping_add(0xfff + odd);
        (r >> 13) as u16
    };
    out | sign
}

/// `caml_hash_mix_float16`: NaNs and -0 normalised first.
pub fn mix_float16(h: u32, d: u16) -> u32 {
    let d = if d & 0x7c00 == 0x7c00 && d & 0x03ff != 0 {
        0x7c01
    } else if d == 0x8000 {
        0
    } else {
        d
    };
    crate::prims::hash::mix_u32(h, d as u32)
}

/// The payload word of a boxed integer argument (`int32`, `int64`, `nativeint`).
pub fn boxed_word(v: Value) -> Result<i64, Exn> {
    // SAFETY: the header is read only once `v` is known to be a block; a custom block with
    // at least 2 words has a data word after its ops pointer.
    unsafe {
        if v.is_block() && v.wosize() >= 2 {
            return Ok((data_ptr(v) as *const i64).read());
        }
    }
    Err(Exn::invalid_arg("Bigarray: bad element value"))
}

/// The float in a boxed float argument.
pub fn float_arg(v: Value) -> Result<f64, Exn> {
    // SAFETY: the tag and size are checked before the field is read.
    unsafe {
        if v.is_block() && v.tag() == DOUBLE_TAG && v.wosize() >= 1 {
            return Ok(v.double());
        }
    }
    Err(Exn::invalid_arg("Bigarray: bad element value"))
}

/// The two floats of a `Complex.t` argument (a flat float record).
fn complex_arg(v: Value) -> Result<(f64, f64), Exn> {
    // SAFETY: the tag and size are checked before the fields are read.
    unsafe {
        if v.is_block() && v.tag() == DOUBLE_ARRAY_TAG && v.wosize() >= 2 {
            return Ok((v.double_field(0), v.double_field(1)));
        }
    }
    Err(Exn::invalid_arg("Bigarray: bad element value"))
}

fn alloc_complex(dom: &mut Domain, re: f64, im: f64) -> Value {
    let v = dom.alloc_float_array(2);
    // SAFETY: a fresh float array of 2 elements.
    unsafe {
        v.set_double_field(0, re);
        v.set_double_field(1, im);
    }
    v
}

/// Element `ofs` of `b` as an OCaml value (`ofs` already bounds-checked).
pub fn get(dom: &mut Domain, b: Bigarray, ofs: usize) -> Result<Value, Exn> {
    let p = elt_ptr(b, ofs);
    // SAFETY: `ofs` is below the element count, so `p` points to a whole, aligned element
    // of the array's live storage.
    unsafe {
        Ok(match b.kind() {
            Kind::Float16 => dom.alloc_float(f16_to_f32((p as *const u16).read()) as f64),
            Kind::Float32 => dom.alloc_float((p as *const f32).read() as f64),
            Kind::Float64 => dom.alloc_float((p as *const f64).read()),
            Kind::Sint8 => Value::of_int((p as *const i8).read() as isize),
            Kind::Uint8 | Kind::Char => Value::of_int(p.read() as isize),
            Kind::Sint16 => Value::of_int((p as *const i16).read() as isize),
            Kind::Uint16 => Value::of_int((p as *const u16).read() as isize),
            Kind::Int32 => alloc_int32(dom, (p as *const i32).read()),
            Kind::Int64 => alloc_int64(dom, (p as *const i64).read()),
            Kind::NativeInt => alloc_nativeint(dom, (p as *const isize).read()),
            Kind::CamlInt => Value::of_int((p as *const isize).read()),
            Kind::Complex32 => {
                let q = p as *const f32;
                alloc_complex(dom, q.read() as f64, q.add(1).read() as f64)
            }
            Kind::Complex64 => {
                let q = p as *const f64;
                alloc_complex(dom, q.read(), q.add(1).read())
            }
        })
    }
}

/// An element value converted to its storage bytes (native order), ready to be written
/// once or many times.
#[derive(Copy, Clone)]
enum Raw {
    B1(u8),
    B2(u16),
    B4(u32),
    B8(u64),
    /// Two single-precision halves of a complex number.
    C32(u32, u32),
    B16(u64, u64),
}

fn encode(kind: Kind, v: Value) -> Result<Raw, Exn> {
    Ok(match kind {
        Kind::Float16 => Raw::B2(f32_to_f16(float_arg(v)? as f32)),
        Kind::Float32 => Raw::B4((float_arg(v)? as f32).to_bits()),
        Kind::Float64 => Raw::B8(float_arg(v)?.to_bits()),
        Kind::Sint8 | Kind::Uint8 | Kind::Char => Raw::B1(v.int() as u8),
        Kind::Sint16 | Kind::Uint16 => Raw::B2(v.int() as u16),
        Kind::Int32 => Raw::B4(boxed_word(v)? as u32),
        Kind::Int64 | Kind::NativeInt => Raw::B8(boxed_word(v)? as u64),
        Kind::CamlInt => Raw::B8(v.int() as u64),
        Kind::Complex32 => {
            let (re, im) = complex_arg(v)?;
            Raw::C32((re as f32).to_bits(), (im as f32).to_bits())
        }
        Kind::Complex64 => {
            let (re, im) = complex_arg(v)?;
            Raw::B16(re.to_bits(), im.to_bits())
        }
    })
}

/// Writes `raw` at element pointer `p`.
///
/// # Safety
/// `p` must point to a whole, aligned element of live storage of the matching size.
unsafe fn store(p: *mut u8, raw: Raw) {
    // SAFETY: by the caller's guarantee.
    unsafe {
        match raw {
            Raw::B1(x) => p.write(x),
            Raw::B2(x) => (p as *mut u16).write(x),
            Raw::B4(x) => (p as *mut u32).write(x),
            Raw::B8(x) => (p as *mut u64).write(x),
            Raw::C32(a, b) => {
                (p as *mut u32).write(a);
                (p as *mut u32).add(1).write(b);
            }
            Raw::B16(a, b) => {
                (p as *mut u64).write(a);
                (p as *mut u64).add(1).write(b);
            }
        }
    }
}

/// Stores `v` as element `ofs` of `b` (`ofs` already bounds-checked).
pub fn set(b: Bigarray, ofs: usize, v: Value) -> Result<(), Exn> {
    let raw = encode(b.kind(), v)?;
    // SAFETY: `ofs` is below the element count, and `encode` produced the element size of
    // this kind.
    unsafe { store(elt_ptr(b, ofs), raw) };
    Ok(())
}

/// `caml_ba_fill`: stores `v` in every element.
pub fn fill(b: Bigarray, v: Value) -> Result<(), Exn> {
    let raw = encode(b.kind(), v)?;
    let n = b.num_elts();
    let size = b.kind().elt_size();
    let base = b.data();
    for i in 0..n {
        // SAFETY: `i` is below the element count, so the element lies in live storage.
        unsafe { store(base.add(i * size), raw) };
    }
    Ok(())
}
