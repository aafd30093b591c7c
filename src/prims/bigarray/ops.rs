//! The `_bigarr02` custom operations: finalisation, comparison, hashing and the marshal
//! format (identical to the stock runtime's, so files and strings exchange with it).
//!
//! Marshalled form, all big-endian: the number of dimensions (u32), the kind and layout
//! bits (u32), each dimension (u16, or `0xffff` then u64), then the elements: 1-, 2-, 4- or
//! 8-byte units byte-swapped to big-endian (complex numbers as two units); OCaml `int` and
//! `nativeint` elements as a flag byte then either 32-bit values (when all fit) or 64-bit
//! ones.

use super::elem::{f16_to_f32, mix_float16};
use super::repr::{
    alloc_storage, finalize, free_storage, Bigarray, Kind, HEADER_WORDS, KIND_MASK, LAYOUT_MASK,
    MANAGED, MAX_NUM_DIMS,
};
use crate::heap::custom::{data_ptr, CustomOps, DeserializeInput};
use crate::heap::value::{Value, WORD};
use crate::prims::hash::{mix_double, mix_float, mix_i64, mix_intnat, mix_u32};

/// The operations shared by every bigarray block.
pub static OPS: CustomOps = CustomOps {
    id: "_bigarr02",
    finalize: Some(finalize),
    compare: Some(compare),
    hash: Some(hash),
    serialize: Some(serialize),
    deserialize: Some(deserialize),
    fixed_length: None,
};

/// Typed view of `n` elements at `p`.
///
/// # Safety
/// `p` must point to `n` live, aligned elements of type `T`.
unsafe fn elems<'a, T>(p: *const u8, n: usize) -> &'a [T] {
    if n == 0 {
        return &[];
    }
    // SAFETY: by the caller's guarantee.
    unsafe { std::slice::from_raw_parts(p as *const T, n) }
}

fn cmp_ints<T: Ord>(a: &[T], b: &[T]) -> i32 {
    for (x, y) in a.iter().zip(b) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => return -1,
            std::cmp::Ordering::Greater => return 1,
            std::cmp::Ordering::Equal => {}
        }
    }
    0
}

fn cmp_floats<T: Copy, F: Fn(T) -> f64>(a: &[T], b: &[T], conv: F) -> i32 {
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (conv(x), conv(y));
        if x < y {
            return -1;
        }
        if x > y {
            return 1;
        }
        if x != y {
            crate::prims::compare::note_unordered();
            if !x.is_nan() {
                return 1;
            }
            if !y.is_nan() {
                return -1;
            }
        }
    }
    0
}

/// `caml_ba_compare`: kind and layout, then number of dimensions, then dimensions, then
/// the elements in storage order.
pub fn compare(v1: Value, v2: Value) -> i32 {
    let (Some(b1), Some(b2)) = (Bigarray::check(v1), Bigarray::check(v2)) else { return 0 };
    let f1 = (b1.flags() & (KIND_MASK | LAYOUT_MASK)) as i64;
    let f2 = (b2.flags() & (KIND_MASK | LAYOUT_MASK)) as i64;
    if f1 != f2 {
        return (f2 - f1) as i32;
    }
    if b1.num_dims() != b2.num_dims() {
        return (b2.num_dims() as i64 - b1.num_dims() as i64) as i32;
    }
    for i in 0..b1.num_dims() {
        let (d1, d2) = (b1.dim(i), b2.dim(i));
        if d1 != d2 {
            return if d1 < d2 { -1 } else { 1 };
        }
    }
    let n = b1.num_elts();
    let (p1, p2) = (b1.data() as *const u8, b2.data() as *const u8);
    // SAFETY: both arrays have the same kind and dimensions, so `n` elements (or `2n` halves
    // of complex elements) of the kind's type are live in each storage.
    unsafe {
        match b1.kind() {
            Kind::Float16 => {
                cmp_floats(elems::<u16>(p1, n), elems::<u16>(p2, n), |h| f16_to_f32(h) as f64)
            }
            Kind::Complex32 => {
                cmp_floats(elems::<f32>(p1, 2 * n), elems::<f32>(p2, 2 * n), |x| x as f64)
            }
            Kind::Float32 => cmp_floats(elems::<f32>(p1, n), elems::<f32>(p2, n), |x| x as f64),
            Kind::Complex64 => cmp_floats(elems::<f64>(p1, 2 * n), elems::<f64>(p2, 2 * n), |x| x),
            Kind::Float64 => cmp_floats(elems::<f64>(p1, n), elems::<f64>(p2, n), |x| x),
            Kind::Char | Kind::Uint8 => cmp_ints(elems::<u8>(p1, n), elems::<u8>(p2, n)),
            Kind::Sint8 => cmp_ints(elems::<i8>(p1, n), elems::<i8>(p2, n)),
            Kind::Sint16 => cmp_ints(elems::<i16>(p1, n), elems::<i16>(p2, n)),
            Kind::Uint16 => cmp_ints(elems::<u16>(p1, n), elems::<u16>(p2, n)),
            Kind::Int32 => cmp_ints(elems::<i32>(p1, n), elems::<i32>(p2, n)),
            Kind::Int64 => cmp_ints(elems::<i64>(p1, n), elems::<i64>(p2, n)),
            Kind::CamlInt | Kind::NativeInt => {
                cmp_ints(elems::<isize>(p1, n), elems::<isize>(p2, n))
            }
        }
    }
}

/// `caml_ba_hash`: mixes a bounded prefix of the elements (256 bytes' worth at most).
pub fn hash(v: Value) -> isize {
    let Some(b) = Bigarray::check(v) else { return 0 };
    let n = b.num_elts();
    let p = b.data() as *const u8;
    let mut h: u32 = 0;
    // SAFETY: each arm reads at most the array's own element count (complex kinds have two
    // halves per element).
    unsafe {
        match b.kind() {
            Kind::Char | Kind::Sint8 | Kind::Uint8 => {
                let s = elems::<u8>(p, n.min(256));
                let mut words = s.chunks_exact(4);
                for w in &mut words {
                    h = mix_u32(h, u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
                }
                let rest = words.remainder();
                if !rest.is_empty() {
                    let w = rest.iter().rev().fold(0u32, |acc, &x| (acc << 8) | x as u32);
                    h = mix_u32(h, w);
                }
            }
            Kind::Sint16 | Kind::Uint16 => {
                let s = elems::<u16>(p, n.min(128));
                let mut pairs = s.chunks_exact(2);
                for w in &mut pairs {
                    h = mix_u32(h, w[0] as u32 | ((w[1] as u32) << 16));
                }
                if let [x] = pairs.remainder() {
                    h = mix_u32(h, *x as u32);
                }
            }
            Kind::Int32 => {
                for &x in elems::<u32>(p, n.min(64)) {
                    h = mix_u32(h, x);
                }
            }
            Kind::CamlInt | Kind::NativeInt => {
                for &x in elems::<isize>(p, n.min(64)) {
                    h = mix_intnat(h, x as i64);
                }
            }
            Kind::Int64 => {
                for &x in elems::<i64>(p, n.min(32)) {
                    h = mix_i64(h, x);
                }
            }
            Kind::Float16 => {
                for &x in elems::<u16>(p, n.min(128)) {
                    h = mix_float16(h, x);
                }
            }
            Kind::Complex32 | Kind::Float32 => {
                let n = if b.kind() == Kind::Complex32 { 2 * n } else { n };
                for &x in elems::<f32>(p, n.min(64)) {
                    h = mix_float(h, x);
                }
            }
            Kind::Complex64 | Kind::Float64 => {
                let n = if b.kind() == Kind::Complex64 { 2 * n } else { n };
                for &x in elems::<f64>(p, n.min(32)) {
                    h = mix_double(h, x);
                }
            }
        }
    }
    h as isize
}

/// Appends the storage in big-endian units of `unit` bytes.
fn put_units(out: &mut Vec<u8>, bytes: &[u8], unit: usize) {
    if unit == 1 || cfg!(target_endian = "big") {
        out.extend_from_slice(bytes);
    } else {
        out.reserve(bytes.len());
        for u in bytes.chunks_exact(unit) {
            out.extend(u.iter().rev());
        }
    }
}

/// `int`/`nativeint` elements: 32-bit when all lie in `[lo, hi]`, else 64-bit.
fn put_longs(out: &mut Vec<u8>, xs: &[isize], lo: isize, hi: isize) {
    if xs.iter().all(|&x| x >= lo && x <= hi) {
        out.push(0);
        for &x in xs {
            out.extend_from_slice(&(x as i32).to_be_bytes());
        }
    } else {
        out.push(1);
        for &x in xs {
            out.extend_from_slice(&(x as i64).to_be_bytes());
        }
    }
}

/// `caml_ba_serialize`.
pub fn serialize(v: Value, out: &mut Vec<u8>) -> (usize, usize) {
    let Some(b) = Bigarray::check(v) else { return (0, 0) };
    let nd = b.num_dims();
    out.extend_from_slice(&(nd as u32).to_be_bytes());
    out.extend_from_slice(&((b.flags() & (KIND_MASK | LAYOUT_MASK)) as u32).to_be_bytes());
    for i in 0..nd {
        let d = b.dim(i);
        if d < 0xffff {
            out.extend_from_slice(&(d as u16).to_be_bytes());
        } else {
            out.extend_from_slice(&0xffffu16.to_be_bytes());
            out.extend_from_slice(&(d as u64).to_be_bytes());
        }
    }
    // SAFETY: the block is alive for the duration of the call and nothing else writes its
    // storage meanwhile (marshalling runs no OCaml code).
    let bytes: &[u8] = unsafe { b.bytes() };
    match b.kind() {
        Kind::Char | Kind::Sint8 | Kind::Uint8 => out.extend_from_slice(bytes),
        Kind::Sint16 | Kind::Uint16 | Kind::Float16 => put_units(out, bytes, 2),
        Kind::Float32 | Kind::Int32 | Kind::Complex32 => put_units(out, bytes, 4),
        Kind::Float64 | Kind::Int64 | Kind::Complex64 => put_units(out, bytes, 8),
        Kind::CamlInt | Kind::NativeInt => {
            // SAFETY: word-sized elements, `num_elts` of them in the storage.
            let xs = unsafe { elems::<isize>(b.data(), b.num_elts()) };
            let (lo, hi) = if b.kind() == Kind::CamlInt {
                (i32::MIN as isize / 2, i32::MAX as isize / 2)
            } else {
                (i32::MIN as isize, i32::MAX as isize)
            };
            put_longs(out, xs, lo, hi);
        }
    }
    ((HEADER_WORDS + nd) * 4, (HEADER_WORDS + nd) * 8)
}

fn read_be<const N: usize>(input: &mut dyn DeserializeInput) -> Option<[u8; N]> {
    let s = input.read_bytes(N)?;
    let mut a = [0u8; N];
    a.copy_from_slice(s);
    Some(a)
}

/// Reads `dst.len()` bytes of big-endian `unit`-byte units into native order.
fn get_units(input: &mut dyn DeserializeInput, dst: &mut [u8], unit: usize) -> Option<()> {
    let src = input.read_bytes(dst.len())?;
    if unit == 1 || cfg!(target_endian = "big") {
        dst.copy_from_slice(src);
    } else {
        for (d, s) in dst.chunks_exact_mut(unit).zip(src.chunks_exact(unit)) {
            for (x, y) in d.iter_mut().zip(s.iter().rev()) {
                *x = *y;
            }
        }
    }
    Some(())
}

fn get_longs(input: &mut dyn DeserializeInput, dst: &mut [u8]) -> Option<()> {
    let wide = input.read_u8()?;
    let n = dst.len() / WORD;
    if wide != 0 {
        get_units(input, dst, 8)
    } else {
        let src = input.read_bytes(4 * n)?;
        for (d, s) in dst.chunks_exact_mut(WORD).zip(src.chunks_exact(4)) {
            let x = i32::from_be_bytes([s[0], s[1], s[2], s[3]]) as isize;
            d.copy_from_slice(&x.to_ne_bytes());
        }
        Some(())
    }
}

/// `caml_ba_deserialize`: rebuilds the array in `dst` (a custom block with room for the
/// data words), with fresh storage owned by it. `None` on malformed input.
pub fn deserialize(input: &mut dyn DeserializeInput, dst: Value) -> Option<usize> {
    let nd = u32::from_be_bytes(read_be::<4>(input)?) as usize;
    if nd > MAX_NUM_DIMS {
        return None;
    }
    let flags = u32::from_be_bytes(read_be::<4>(input)?) as usize;
    // Only kind and layout bits are ever written; anything else is a forged block.
    if flags & !(KIND_MASK | LAYOUT_MASK) != 0 {
        return None;
    }
    let kind = Kind::from_code(flags & KIND_MASK)?;
    let mut dims = [0isize; MAX_NUM_DIMS];
    for d in dims.iter_mut().take(nd) {
        let mut len = u16::from_be_bytes(read_be::<2>(input)?) as u64;
        if len == 0xffff {
            len = u64::from_be_bytes(read_be::<8>(input)?);
        }
        if len > isize::MAX as u64 {
            return None;
        }
        *d = len as isize;
    }
    let dims = &dims[..nd];
    let n = super::repr::checked_num_elts(dims)?;
    let size = n.checked_mul(kind.elt_size())?;
    let words = HEADER_WORDS + nd;
    // SAFETY: `dst` is the custom block the unmarshaller allocated for this payload.
    if !dst.is_block() || unsafe { dst.wosize() } < 1 + words {
        return None;
    }
    let data = alloc_storage(size)?;
    let filled = {
        let buf: &mut [u8] = if size == 0 {
            &mut []
        } else {
            // SAFETY: fresh storage of `size` bytes, referenced by nothing else yet.
            unsafe { std::slice::from_raw_parts_mut(data, size) }
        };
        match kind {
            Kind::Char | Kind::Sint8 | Kind::Uint8 => get_units(input, buf, 1),
            Kind::Sint16 | Kind::Uint16 | Kind::Float16 => get_units(input, buf, 2),
            Kind::Float32 | Kind::Int32 | Kind::Complex32 => get_units(input, buf, 4),
            Kind::Float64 | Kind::Int64 | Kind::Complex64 => get_units(input, buf, 8),
            Kind::CamlInt | Kind::NativeInt => get_longs(input, buf),
        }
    };
    if filled.is_none() {
        // SAFETY: allocated just above with this size and never shared.
        unsafe { free_storage(data, size) };
        return None;
    }
    let p = data_ptr(dst) as *mut usize;
    // SAFETY: `dst` has at least `words` data words (checked above).
    unsafe {
        p.write(data as usize);
        p.add(1).write(nd);
        p.add(2).write(flags | MANAGED);
        p.add(3).write(0);
        for (i, &d) in dims.iter().enumerate() {
            p.add(HEADER_WORDS + i).write(d as usize);
        }
    }
    Some(words * WORD)
}
