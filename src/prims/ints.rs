//! Integer primitives (stock `ints.c`): tagged `int` helpers (`caml_int_compare`,
//! `caml_int_of_string`, `caml_format_int`, `caml_bswap16`) and the boxed `int32`, `int64`
//! and `nativeint` families, with their custom block kinds `_i`, `_j` and `_n` (compare,
//! hash, marshal payload). The text forms are in `numfmt`; this file is the glue.
//!
//! The three boxed kinds share one generic implementation: each value is read
//! sign-extended into an `i64`, computed on with wrapping arithmetic, and cut back to the
//! kind's width when boxed. Shift counts are masked to the width, as the x86-64 and
//! AArch64 instructions the stock C compiles to do (`Int32.shift_left 1l 33` is `2l`).
//! Float-to-integer conversions give the kind's minimum for NaN and out-of-range inputs,
//! as `cvttsd2si` does for the stock C casts.

use super::numfmt::{self, IntKind};
use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::custom::{self, data_ptr, CustomOps, DeserializeInput};
use crate::heap::value::Value;

// ---------------------------------------------------------------------------------------
// Boxing and unboxing, for this file and the other areas (bigarray, marshal ...)
// ---------------------------------------------------------------------------------------

/// A boxed `int32`.
pub fn alloc_int32(dom: &mut Domain, n: i32) -> Value {
    let v = dom.alloc_custom(&INT32_OPS, 4);
    // SAFETY: v is a fresh custom block with at least 4 data bytes, word-aligned.
    unsafe { (data_ptr(v) as *mut i32).write(n) };
    v
}

/// A boxed `int64`.
pub fn alloc_int64(dom: &mut Domain, n: i64) -> Value {
    let v = dom.alloc_custom(&INT64_OPS, 8);
    // SAFETY: v is a fresh custom block with 8 data bytes, word-aligned.
    unsafe { (data_ptr(v) as *mut i64).write(n) };
    v
}

/// A boxed `nativeint`.
pub fn alloc_nativeint(dom: &mut Domain, n: isize) -> Value {
    let v = dom.alloc_custom(&NATIVEINT_OPS, std::mem::size_of::<isize>());
    // SAFETY: v is a fresh custom block with one word of data.
    unsafe { (data_ptr(v) as *mut isize).write(n) };
    v
}

/// The contents of a boxed `int32` (an `_i` custom block, as OCaml's types guarantee).
#[inline]
pub fn int32_val(v: Value) -> i32 {
    // SAFETY: v is a live `_i` block, whose data starts with the i32.
    unsafe { (data_ptr(v) as *const i32).read() }
}

/// The contents of a boxed `int64` (a `_j` custom block).
#[inline]
pub fn int64_val(v: Value) -> i64 {
    // SAFETY: v is a live `_j` block, whose data is one aligned i64.
    unsafe { (data_ptr(v) as *const i64).read() }
}

/// The contents of a boxed `nativeint` (an `_n` custom block).
#[inline]
pub fn nativeint_val(v: Value) -> isize {
    // SAFETY: v is a live `_n` block, whose data is one word.
    unsafe { (data_ptr(v) as *const isize).read() }
}

#[inline]
fn float_arg(v: Value) -> f64 {
    // SAFETY: the primitive's OCaml type says v is a boxed float.
    unsafe { v.double() }
}

// ---------------------------------------------------------------------------------------
// Custom operations
// ---------------------------------------------------------------------------------------

/// Registers the `_i`, `_j`, `_n` custom operations.
pub fn register_custom_ops() {
    custom::register(&INT32_OPS);
    custom::register(&INT64_OPS);
    custom::register(&NATIVEINT_OPS);
}

/// Custom operations of boxed `int32` values.
pub static INT32_OPS: CustomOps = CustomOps {
    id: "_i",
    finalize: None,
    compare: Some(|a, b| ordering(int32_val(a).cmp(&int32_val(b)))),
    hash: Some(|v| int32_val(v) as isize),
    serialize: Some(|v, out| {
        out.extend_from_slice(&int32_val(v).to_be_bytes());
        (4, 4)
    }),
    deserialize: Some(|input, dst| {
        let n = read_be::<4>(input)?;
        // SAFETY: dst is a fresh `_i` block with 4 data bytes.
        unsafe { (data_ptr(dst) as *mut i32).write(i32::from_be_bytes(n)) };
        Some(4)
    }),
    fixed_length: Some((4, 4)),
};

/// Custom operations of boxed `int64` values.
pub static INT64_OPS: CustomOps = CustomOps {
    id: "_j",
    finalize: None,
    compare: Some(|a, b| ordering(int64_val(a).cmp(&int64_val(b)))),
    // The two 32-bit halves xor-ed, as an unsigned 32-bit number.
    hash: Some(|v| {
        let x = int64_val(v) as u64;
        ((x as u32) ^ ((x >> 32) as u32)) as isize
    }),
    serialize: Some(|v, out| {
        out.extend_from_slice(&int64_val(v).to_be_bytes());
        (8, 8)
    }),
    deserialize: Some(|input, dst| {
        let n = read_be::<8>(input)?;
        // SAFETY: dst is a fresh `_j` block with 8 data bytes.
        unsafe { (data_ptr(dst) as *mut i64).write(i64::from_be_bytes(n)) };
        Some(8)
    }),
    fixed_length: Some((8, 8)),
};

/// Custom operations of boxed `nativeint` values. The marshalled form is a size byte (1 or
/// 2) then a 4- or 8-byte big-endian number, so that 32-bit runtimes can read small ones.
pub static NATIVEINT_OPS: CustomOps = CustomOps {
    id: "_n",
    finalize: None,
    compare: Some(|a, b| ordering(nativeint_val(a).cmp(&nativeint_val(b)))),
    // Folds the high half in so that 32-bit and 64-bit runtimes agree on small values.
    hash: Some(|v| {
        let n = nativeint_val(v) as i64;
        ((n >> 32) ^ (n >> 63) ^ n) as isize
    }),
    serialize: Some(|v, out| {
        let n = nativeint_val(v) as i64;
        match i32::try_from(n) {
            Ok(small) => {
                out.push(1);
                out.extend_from_slice(&small.to_be_bytes());
            }
            Err(_) => {
                out.push(2);
                out.extend_from_slice(&n.to_be_bytes());
            }
        }
        (4, 8)
    }),
    deserialize: Some(|input, dst| {
        let n = match input.read_u8()? {
            1 => i32::from_be_bytes(read_be::<4>(input)?) as i64,
            2 => i64::from_be_bytes(read_be::<8>(input)?),
            _ => return None,
        };
        // SAFETY: dst is a fresh `_n` block with one word of data.
        unsafe { (data_ptr(dst) as *mut isize).write(n as isize) };
        Some(std::mem::size_of::<isize>())
    }),
    fixed_length: Some((4, 8)),
};

fn ordering(o: std::cmp::Ordering) -> i32 {
    o as i32
}

fn read_be<const N: usize>(input: &mut dyn DeserializeInput) -> Option<[u8; N]> {
    input.read_bytes(N)?.try_into().ok()
}

// ---------------------------------------------------------------------------------------
// Tagged ints
// ---------------------------------------------------------------------------------------

fn cmp_value<T: Ord>(a: T, b: T) -> Value {
    Value::of_int(a.cmp(&b) as isize)
}

fn int_compare(_: &mut Domain, a: &[Value]) -> PrimResult {
    // Tagging (2n + 1) keeps the order, so the tagged words compare as the integers do.
    let [x, y] = super::arg_array(a);
    Ok(cmp_value(x.0 as isize, y.0 as isize))
}

fn int_of_string(_: &mut Domain, a: &[Value]) -> PrimResult {
    // SAFETY: the argument is an OCaml string.
    let s = unsafe { a[0].bytes() };
    match numfmt::parse_int(s, 63) {
        Ok(n) => Ok(Value::of_int(n as isize)),
        Err(()) => Err(Exn::failure("int_of_string")),
    }
}

/// "00" "01" .. "99": two digits per division by 100.
const DIGIT_PAIRS: &[u8; 200] = &{
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// `n` in decimal (`%d`) as a new string: its length is known first, so the digits are
/// written straight into the block, two per division.
fn decimal(dom: &mut Domain, n: i64) -> PrimResult {
    let mut m = n.unsigned_abs();
    let len = m.max(1).ilog10() as usize + 1 + usize::from(n < 0);
    let v = dom.try_alloc_string_unfilled(len)?;
    let p = v.0 as *mut u8;
    let mut i = len;
    // SAFETY: `v` is a fresh string of `len` bytes, `m` has `len` digits (one fewer with a
    // sign in front), so every write below lands in `p[0..len]`; pair indices are < 200.
    unsafe {
        while m >= 100 {
            let r = (m % 100) as usize * 2;
            m /= 100;
            i -= 2;
            std::ptr::copy_nonoverlapping(DIGIT_PAIRS.as_ptr().add(r), p.add(i), 2);
        }
        if m >= 10 {
            i -= 2;
            std::ptr::copy_nonoverlapping(DIGIT_PAIRS.as_ptr().add(m as usize * 2), p.add(i), 2);
        } else {
            i -= 1;
            *p.add(i) = b'0' + m as u8;
        }
        if n < 0 {
            *p = b'-';
        }
    }
    debug_assert_eq!(i, usize::from(n < 0));
    Ok(v)
}

/// Runs a `%d`-style format through `numfmt`, with the stock errors.
fn format_with(dom: &mut Domain, fmt: Value, n: i64, kind: IntKind) -> PrimResult {
    // SAFETY: the format argument is an OCaml string.
    let f = unsafe { fmt.bytes() };
    if f == b"%d" {
        // `string_of_int` and `Printf "%d"`: the common case, without the general formatter.
        return decimal(dom, n);
    }
    let formatted = numfmt::with_scratch(|out| {
        numfmt::format_int_into(f, n, kind, out).map(|()| dom.alloc_bytes_from(out))
    });
    match formatted {
        Ok(v) => Ok(v),
        // The stock runtime copies the format into a 32-byte buffer with the size letter.
        Err(()) if f.len() + usize::from(kind != IntKind::Int32) + 1 >= 32 => {
            Err(Exn::invalid_arg("format_int: format too long"))
        }
        // Printf never builds such a format; C would print garbage or crash here.
        Err(()) => Err(Exn::invalid_arg("format_int: bad format")),
    }
}

fn format_int(dom: &mut Domain, a: &[Value]) -> PrimResult {
    format_with(dom, a[0], a[1].int() as i64, IntKind::Int)
}

fn bswap16(_: &mut Domain, a: &[Value]) -> PrimResult {
    let x = a[0].int();
    Ok(Value::of_int(((x & 0xFF) << 8) | ((x & 0xFF00) >> 8)))
}

// ---------------------------------------------------------------------------------------
// The boxed kinds
// ---------------------------------------------------------------------------------------

/// What distinguishes `int32`, `int64` and `nativeint` for the shared primitives.
trait Boxed {
    /// Width in bits.
    const BITS: u32;
    /// `Failure` message of `of_string`.
    const OF_STRING: &'static str;
    const KIND: IntKind;
    /// The value, sign-extended.
    fn get(v: Value) -> i64;
    /// Boxes `n` cut to `BITS` bits.
    fn boxed(dom: &mut Domain, n: i64) -> Value;
    /// Converts as the stock C cast does on x86-64 (`cvttsd2si`): truncation toward zero,
    /// and the minimum of the kind for NaN and numbers out of range.
    fn of_float(x: f64) -> i64;
}

struct I32;
struct I64;
struct Native;

impl Boxed for I32 {
    const BITS: u32 = 32;
    const OF_STRING: &'static str = "Int32.of_string";
    const KIND: IntKind = IntKind::Int32;
    fn get(v: Value) -> i64 {
        int32_val(v) as i64
    }
    fn boxed(dom: &mut Domain, n: i64) -> Value {
        alloc_int32(dom, n as i32)
    }
    fn of_float(x: f64) -> i64 {
        if (-2147483648.0..2147483648.0).contains(&x.trunc()) {
            x as i64
        } else {
            i32::MIN as i64
        }
    }
}

/// The C cast `(int64_t) x` on x86-64: `x` truncated toward zero, or i64::MIN when NaN or
/// out of range (the hardware's answer).
pub fn f64_to_i64_like_c(x: f64) -> i64 {
    if (-9223372036854775808.0..9223372036854775808.0).contains(&x) {
        x as i64
    } else {
        i64::MIN
    }
}

impl Boxed for I64 {
    const BITS: u32 = 64;
    const OF_STRING: &'static str = "Int64.of_string";
    const KIND: IntKind = IntKind::Int64;
    fn get(v: Value) -> i64 {
        int64_val(v)
    }
    fn boxed(dom: &mut Domain, n: i64) -> Value {
        alloc_int64(dom, n)
    }
    fn of_float(x: f64) -> i64 {
        f64_to_i64_like_c(x)
    }
}

impl Boxed for Native {
    const BITS: u32 = isize::BITS;
    const OF_STRING: &'static str = "Nativeint.of_string";
    const KIND: IntKind = IntKind::Nativeint;
    fn get(v: Value) -> i64 {
        nativeint_val(v) as i64
    }
    fn boxed(dom: &mut Domain, n: i64) -> Value {
        alloc_nativeint(dom, n as isize)
    }
    fn of_float(x: f64) -> i64 {
        f64_to_i64_like_c(x)
    }
}

fn min_of<T: Boxed>() -> i64 {
    i64::MIN >> (64 - T::BITS)
}

fn neg<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(T::boxed(dom, T::get(a[0]).wrapping_neg()))
}
fn add<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(T::boxed(dom, T::get(a[0]).wrapping_add(T::get(a[1]))))
}
fn sub<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(T::boxed(dom, T::get(a[0]).wrapping_sub(T::get(a[1]))))
}
fn mul<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(T::boxed(dom, T::get(a[0]).wrapping_mul(T::get(a[1]))))
}
fn div<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let (x, y) = (T::get(a[0]), T::get(a[1]));
    if y == 0 {
        return Err(Exn::zero_divide());
    }
    // min / -1 overflows; the stock runtime answers with the dividend itself.
    if x == min_of::<T>() && y == -1 {
        return Ok(a[0]);
    }
    Ok(T::boxed(dom, x / y))
}
fn rem<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let (x, y) = (T::get(a[0]), T::get(a[1]));
    if y == 0 {
        return Err(Exn::zero_divide());
    }
    // wrapping_rem gives 0 for min mod -1, as the stock runtime does.
    Ok(T::boxed(dom, x.wrapping_rem(y)))
}
fn and<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(T::boxed(dom, T::get(a[0]) & T::get(a[1])))
}
fn or<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(T::boxed(dom, T::get(a[0]) | T::get(a[1])))
}
fn xor<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(T::boxed(dom, T::get(a[0]) ^ T::get(a[1])))
}

/// The shift count as the machine's shift instruction sees it.
fn shift_count<T: Boxed>(v: Value) -> u32 {
    (v.int() as u32) & (T::BITS - 1)
}
fn shift_left<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(T::boxed(dom, T::get(a[0]) << shift_count::<T>(a[1])))
}
fn shift_right<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(T::boxed(dom, T::get(a[0]) >> shift_count::<T>(a[1])))
}
fn shift_right_unsigned<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let unsigned = (T::get(a[0]) as u64) & (u64::MAX >> (64 - T::BITS));
    Ok(T::boxed(dom, (unsigned >> shift_count::<T>(a[1])) as i64))
}

fn bswap<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let x = T::get(a[0]);
    let swapped = match T::BITS {
        32 => (x as i32).swap_bytes() as i64,
        _ => x.swap_bytes(),
    };
    Ok(T::boxed(dom, swapped))
}

fn of_int<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(T::boxed(dom, a[0].int() as i64))
}
fn to_int<T: Boxed>(_: &mut Domain, a: &[Value]) -> PrimResult {
    // Tagging drops the top bit, as Val_long does.
    Ok(Value::of_int(T::get(a[0]) as isize))
}
fn of_float<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(T::boxed(dom, T::of_float(float_arg(a[0]))))
}
fn to_float<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(dom.alloc_float(T::get(a[0]) as f64))
}
fn compare<T: Boxed>(_: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(cmp_value(T::get(a[0]), T::get(a[1])))
}
fn format<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    format_with(dom, a[0], T::get(a[1]), T::KIND)
}
fn of_string<T: Boxed>(dom: &mut Domain, a: &[Value]) -> PrimResult {
    // SAFETY: the argument is an OCaml string.
    let s = unsafe { a[0].bytes() };
    match numfmt::parse_int(s, T::BITS) {
        Ok(n) => Ok(T::boxed(dom, n)),
        Err(()) => Err(Exn::failure(T::OF_STRING)),
    }
}

// Conversions between the kinds.

fn int64_of_int32(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(alloc_int64(dom, int32_val(a[0]) as i64))
}
fn int64_to_int32(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(alloc_int32(dom, int64_val(a[0]) as i32))
}
fn int64_of_nativeint(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(alloc_int64(dom, nativeint_val(a[0]) as i64))
}
fn int64_to_nativeint(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(alloc_nativeint(dom, int64_val(a[0]) as isize))
}
fn nativeint_of_int32(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(alloc_nativeint(dom, int32_val(a[0]) as isize))
}
fn nativeint_to_int32(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(alloc_int32(dom, nativeint_val(a[0]) as i32))
}

// Float bit patterns.

fn int32_bits_of_float(dom: &mut Domain, a: &[Value]) -> PrimResult {
    // Rounded to single precision first, as the C union with a float does.
    Ok(alloc_int32(dom, (float_arg(a[0]) as f32).to_bits() as i32))
}
fn int32_float_of_bits(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(dom.alloc_float(f32::from_bits(int32_val(a[0]) as u32) as f64))
}
fn int64_bits_of_float(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(alloc_int64(dom, float_arg(a[0]).to_bits() as i64))
}
fn int64_float_of_bits(dom: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(dom.alloc_float(f64::from_bits(int64_val(a[0]) as u64)))
}

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_bswap16", bswap16),
    ("caml_format_int", format_int),
    ("caml_int_compare", int_compare),
    ("caml_int_of_string", int_of_string),
    // int32
    ("caml_int32_add", add::<I32>),
    ("caml_int32_and", and::<I32>),
    ("caml_int32_bits_of_float", int32_bits_of_float),
    ("caml_int32_bswap", bswap::<I32>),
    ("caml_int32_compare", compare::<I32>),
    ("caml_int32_div", div::<I32>),
    ("caml_int32_float_of_bits", int32_float_of_bits),
    ("caml_int32_format", format::<I32>),
    ("caml_int32_mod", rem::<I32>),
    ("caml_int32_mul", mul::<I32>),
    ("caml_int32_neg", neg::<I32>),
    ("caml_int32_of_float", of_float::<I32>),
    ("caml_int32_of_int", of_int::<I32>),
    ("caml_int32_of_string", of_string::<I32>),
    ("caml_int32_or", or::<I32>),
    ("caml_int32_shift_left", shift_left::<I32>),
    ("caml_int32_shift_right", shift_right::<I32>),
    ("caml_int32_shift_right_unsigned", shift_right_unsigned::<I32>),
    ("caml_int32_sub", sub::<I32>),
    ("caml_int32_to_float", to_float::<I32>),
    ("caml_int32_to_int", to_int::<I32>),
    ("caml_int32_xor", xor::<I32>),
    // int64
    ("caml_int64_add", add::<I64>),
    ("caml_int64_and", and::<I64>),
    ("caml_int64_bits_of_float", int64_bits_of_float),
    ("caml_int64_bswap", bswap::<I64>),
    ("caml_int64_compare", compare::<I64>),
    ("caml_int64_div", div::<I64>),
    ("caml_int64_float_of_bits", int64_float_of_bits),
    ("caml_int64_format", format::<I64>),
    ("caml_int64_mod", rem::<I64>),
    ("caml_int64_mul", mul::<I64>),
    ("caml_int64_neg", neg::<I64>),
    ("caml_int64_of_float", of_float::<I64>),
    ("caml_int64_of_int", of_int::<I64>),
    ("caml_int64_of_int32", int64_of_int32),
    ("caml_int64_of_nativeint", int64_of_nativeint),
    ("caml_int64_of_string", of_string::<I64>),
    ("caml_int64_or", or::<I64>),
    ("caml_int64_shift_left", shift_left::<I64>),
    ("caml_int64_shift_right", shift_right::<I64>),
    ("caml_int64_shift_right_unsigned", shift_right_unsigned::<I64>),
    ("caml_int64_sub", sub::<I64>),
    ("caml_int64_to_float", to_float::<I64>),
    ("caml_int64_to_int", to_int::<I64>),
    ("caml_int64_to_int32", int64_to_int32),
    ("caml_int64_to_nativeint", int64_to_nativeint),
    ("caml_int64_xor", xor::<I64>),
    // nativeint
    ("caml_nativeint_add", add::<Native>),
    ("caml_nativeint_and", and::<Native>),
    ("caml_nativeint_bswap", bswap::<Native>),
    ("caml_nativeint_compare", compare::<Native>),
    ("caml_nativeint_div", div::<Native>),
    ("caml_nativeint_format", format::<Native>),
    ("caml_nativeint_mod", rem::<Native>),
    ("caml_nativeint_mul", mul::<Native>),
    ("caml_nativeint_neg", neg::<Native>),
    ("caml_nativeint_of_float", of_float::<Native>),
    ("caml_nativeint_of_int", of_int::<Native>),
    ("caml_nativeint_of_int32", nativeint_of_int32),
    ("caml_nativeint_of_string", of_string::<Native>),
    ("caml_nativeint_or", or::<Native>),
    ("caml_nativeint_shift_left", shift_left::<Native>),
    ("caml_nativeint_shift_right", shift_right::<Native>),
    ("caml_nativeint_shift_right_unsigned", shift_right_unsigned::<Native>),
    ("caml_nativeint_sub", sub::<Native>),
    ("caml_nativeint_to_float", to_float::<Native>),
    ("caml_nativeint_to_int", to_int::<Native>),
    ("caml_nativeint_to_int32", nativeint_to_int32),
    ("caml_nativeint_xor", xor::<Native>),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_conversions_match_cvttsd2si() {
        assert_eq!(I32::of_float(2147483647.9), 2147483647);
        assert_eq!(I32::of_float(-2147483648.9), -2147483648);
        assert_eq!(I32::of_float(2147483648.0), i32::MIN as i64);
        assert_eq!(I32::of_float(3e9), i32::MIN as i64);
        assert_eq!(I32::of_float(f64::NAN), i32::MIN as i64);
        assert_eq!(I64::of_float(1e20), i64::MIN);
        assert_eq!(I64::of_float(-9223372036854775808.0), i64::MIN);
        assert_eq!(I64::of_float(f64::INFINITY), i64::MIN);
        assert_eq!(I64::of_float(-1.5), -1);
    }

    #[test]
    fn minimums() {
        assert_eq!(min_of::<I32>(), i32::MIN as i64);
        assert_eq!(min_of::<I64>(), i64::MIN);
    }

    #[test]
    fn table_is_complete() {
        assert_eq!(PRIMS.len(), 74);
    }
}
