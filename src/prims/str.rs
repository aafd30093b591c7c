//! String and bytes primitives (the stock `str.c`): creation, length, bounds-checked byte
//! access, little-endian 16/32/64-bit access, blit and fill, and ordering.
//!
//! OCaml `string` and `bytes` share one representation (String_tag blocks), so each
//! `caml_bytes_*` primitive is its `caml_string_*` twin. Offsets that the stock runtime trusts
//! (blit and fill are only reached through the checked stdlib wrappers) are still checked
//! here, so that a misuse through `external` raises instead of corrupting memory.

use super::ints::{alloc_int32, alloc_int64, int32_val, int64_val};
use super::{arg_array, PrimFn};
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::{Value, MAX_WOSIZE, WORD};
use std::cmp::Ordering;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_blit_bytes", blit_bytes),
    ("caml_blit_string", blit_bytes),
    ("caml_bytes_compare", string_compare),
    ("caml_bytes_equal", string_equal),
    ("caml_bytes_get", string_get),
    ("caml_bytes_get16", string_get16),
    ("caml_bytes_get32", string_get32),
    ("caml_bytes_get64", string_get64),
    ("caml_bytes_greaterequal", string_greaterequal),
    ("caml_bytes_greaterthan", string_greaterthan),
    ("caml_bytes_lessequal", string_lessequal),
    ("caml_bytes_lessthan", string_lessthan),
    ("caml_bytes_notequal", string_notequal),
    ("caml_bytes_of_string", identity),
    ("caml_bytes_set", bytes_set),
    ("caml_bytes_set16", bytes_set16),
    ("caml_bytes_set32", bytes_set32),
    ("caml_bytes_set64", bytes_set64),
    ("caml_create_bytes", create_bytes),
    ("caml_create_string", create_string),
    ("caml_fill_bytes", fill_bytes),
    ("caml_fill_string", fill_bytes),
    ("caml_ml_bytes_length", string_length),
    ("caml_ml_string_length", string_length),
    ("caml_string_compare", string_compare),
    ("caml_string_equal", string_equal),
    ("caml_string_get", string_get),
    ("caml_string_get16", string_get16),
    ("caml_string_get32", string_get32),
    ("caml_string_get64", string_get64),
    ("caml_string_greaterequal", string_greaterequal),
    ("caml_string_greaterthan", string_greaterthan),
    ("caml_string_lessequal", string_lessequal),
    ("caml_string_lessthan", string_lessthan),
    ("caml_string_notequal", string_notequal),
    ("caml_string_of_bytes", identity),
    ("caml_string_set", bytes_set),
];

/// The exception of every out-of-range access (`caml_array_bound_error` in bytecode).
#[cold]
#[inline(never)]
pub fn bound_error() -> Exn {
    Exn::invalid_arg("index out of bounds")
}

/// [`bound_error`] as a primitive's result: a hot path that ends in `return
/// out_of_bounds()` needs no stack frame for the error it does not raise.
#[cold]
#[inline(never)]
pub fn out_of_bounds() -> PrimResult {
    Err(bound_error())
}

/// The bytes of a string argument.
///
/// # Safety
/// `s` must be a live String_tag block, and the slice must be dropped before anything
/// allocates or runs OCaml code (a collection may move or free the block).
#[inline(always)]
unsafe fn bytes_of<'a>(s: Value) -> &'a [u8] {
    // SAFETY: forwarded to the caller (see above).
    unsafe { s.bytes() }
}

/// The bytes of a bytes argument, writable.
///
/// # Safety
/// As for [`bytes_of`], and no other slice of this block may be alive.
#[inline(always)]
unsafe fn bytes_mut_of<'a>(s: Value) -> &'a mut [u8] {
    // SAFETY: forwarded to the caller (see above).
    unsafe { s.bytes_mut() }
}

/// `idx .. idx + width` as a range inside a string of `len` bytes, or the bound error.
#[inline(always)]
fn range(idx: isize, width: usize, len: usize) -> Result<std::ops::Range<usize>, Exn> {
    if idx < 0 || idx as usize + width > len {
        return Err(bound_error());
    }
    Ok(idx as usize..idx as usize + width)
}

fn identity(_: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(args[0])
}

fn string_length(_: &mut Domain, args: &[Value]) -> PrimResult {
    let [s] = arg_array(args);
    // SAFETY: the argument is a string (OCaml type).
    Ok(Value::of_int(unsafe { s.string_len() } as isize))
}

/// Allocates a string of `len` bytes, or raises `Invalid_argument what` when the size is
/// negative or beyond the largest block, `Out_of_memory` when the C allocator refuses it.
#[inline(always)]
fn create(dom: &mut Domain, len: Value, what: &'static str) -> PrimResult {
    let size = len.int() as usize;
    if size > MAX_WOSIZE * WORD - 1 {
        return too_large(what);
    }
    dom.try_alloc_string_unfilled(size)
}

/// `create`'s error, out of line: building its message would give the hot path a stack
/// frame.
#[cold]
#[inline(never)]
fn too_large(what: &'static str) -> PrimResult {
    Err(Exn::invalid_arg(what))
}

fn create_bytes(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [len] = arg_array(args);
    create(dom, len, "Bytes.create")
}

fn create_string(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [len] = arg_array(args);
    create(dom, len, "String.create")
}

fn string_get(_: &mut Domain, args: &[Value]) -> PrimResult {
    let [s, i] = arg_array(args);
    // SAFETY: the primitive's OCaml type makes `s` a string; nothing allocates below.
    let s = unsafe { bytes_of(s) };
    match s.get(i.int() as usize) {
        Some(&b) => Ok(Value::of_int(b as isize)),
        None => out_of_bounds(),
    }
}

fn bytes_set(_: &mut Domain, args: &[Value]) -> PrimResult {
    let [s, i, c] = arg_array(args);
    // SAFETY: `s` is a bytes (OCaml type), the only slice of it; nothing allocates below.
    let s = unsafe { bytes_mut_of(s) };
    match s.get_mut(i.int() as usize) {
        Some(b) => *b = c.int() as u8,
        None => return out_of_bounds(),
    }
    Ok(Value::UNIT)
}

/// `N` bytes at `idx`, little-endian, as the low bytes of a u64.
///
/// # Safety
/// `args[0]` must be a live string block.
#[inline(always)]
unsafe fn load_le<const N: usize>(args: &[Value]) -> Result<u64, Exn> {
    // SAFETY: args[0] is a string (the caller's contract); nothing allocates below.
    let s = unsafe { bytes_of(args[0]) };
    let r = range(args[1].int(), N, s.len())?;
    let mut word = [0u8; 8];
    word[..N].copy_from_slice(&s[r]);
    Ok(u64::from_le_bytes(word))
}

/// Stores the low `N` bytes of `bits` at `idx`, little-endian.
///
/// # Safety
/// `args[0]` must be a live bytes block.
#[inline(always)]
unsafe fn store_le<const N: usize>(args: &[Value], bits: u64) -> PrimResult {
    // SAFETY: args[0] is a bytes (the caller's contract), the only slice of it; nothing
    // allocates below.
    let s = unsafe { bytes_mut_of(args[0]) };
    let r = range(args[1].int(), N, s.len())?;
    s[r].copy_from_slice(&bits.to_le_bytes()[..N]);
    Ok(Value::UNIT)
}

fn string_get16(_: &mut Domain, args: &[Value]) -> PrimResult {
    // SAFETY: the primitive's OCaml type makes args[0] a string.
    Ok(Value::of_int(unsafe { load_le::<2>(args) }? as isize))
}

fn string_get32(dom: &mut Domain, args: &[Value]) -> PrimResult {
    // SAFETY: the primitive's OCaml type makes args[0] a string.
    let bits = unsafe { load_le::<4>(args) }? as u32 as i32;
    Ok(alloc_int32(dom, bits))
}

fn string_get64(dom: &mut Domain, args: &[Value]) -> PrimResult {
    // SAFETY: the primitive's OCaml type makes args[0] a string.
    let bits = unsafe { load_le::<8>(args) }? as i64;
    Ok(alloc_int64(dom, bits))
}

fn bytes_set16(_: &mut Domain, args: &[Value]) -> PrimResult {
    // SAFETY: the primitive's OCaml type makes args[0] a bytes.
    unsafe { store_le::<2>(args, args[2].int() as u64) }
}

fn bytes_set32(_: &mut Domain, args: &[Value]) -> PrimResult {
    // SAFETY: the primitive's OCaml type makes args[0] a bytes.
    unsafe { store_le::<4>(args, int32_val(args[2]) as u32 as u64) }
}

fn bytes_set64(_: &mut Domain, args: &[Value]) -> PrimResult {
    // SAFETY: the primitive's OCaml type makes args[0] a bytes.
    unsafe { store_le::<8>(args, int64_val(args[2]) as u64) }
}

/// Byte-wise order, then the shorter first (as `memcmp` then lengths).
///
/// # Safety
/// `a` and `b` must be live string blocks.
///
/// Word by word, read big-endian so that integer order is byte order: the common short
/// strings take a few comparisons instead of a `memcmp` call. The word holding the last
/// common byte lies inside both blocks (they are padded to whole words), and bytes past
/// the common length are shifted out before comparing.
pub unsafe fn compare_bytes(a: Value, b: Value) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    // SAFETY: both are strings (the caller's contract).
    let (la, lb) = unsafe { (a.string_len(), b.string_len()) };
    let n = la.min(lb);
    let (pa, pb) = (a.0 as *const u64, b.0 as *const u64);
    let whole = n / 8;
    for i in 0..whole {
        // SAFETY: word i < n / 8 lies inside both blocks' bytes.
        let (x, y) = unsafe { (*pa.add(i), *pb.add(i)) };
        if x != y {
            return u64::from_be(x).cmp(&u64::from_be(y));
        }
    }
    let rest = n % 8;
    if rest != 0 {
        // SAFETY: word `whole` holds byte n - 1 < both lengths, so it is inside both blocks.
        let (x, y) = unsafe { (*pa.add(whole), *pb.add(whole)) };
        let drop = 64 - 8 * rest as u32;
        let (x, y) = (u64::from_be(x) >> drop, u64::from_be(y) >> drop);
        if x != y {
            return x.cmp(&y);
        }
    }
    la.cmp(&lb)
}

/// The order of two string arguments.
fn compare_args(args: &[Value]) -> Ordering {
    let [a, b] = arg_array(args);
    // SAFETY: the string comparison primitives' OCaml types make both arguments strings.
    unsafe { compare_bytes(a, b) }
}

/// Whether two strings hold the same bytes. A string's padding (zeros, then the padding
/// count in the last byte) is a function of its length, so equal word counts and equal
/// words mean equal lengths and bytes: no length decoding, no `memcmp` call.
///
/// # Safety
/// `a` and `b` must be live string blocks.
#[inline(always)]
pub unsafe fn equal_bytes(a: Value, b: Value) -> bool {
    if a == b {
        return true;
    }
    // SAFETY: both are string blocks (the caller's contract).
    let n = unsafe { a.wosize() };
    // SAFETY: as above.
    if n != unsafe { b.wosize() } {
        return false;
    }
    let (pa, pb) = (a.0 as *const usize, b.0 as *const usize);
    // SAFETY: both blocks have `n` words.
    (0..n).all(|i| unsafe { *pa.add(i) == *pb.add(i) })
}

fn string_equal(_: &mut Domain, args: &[Value]) -> PrimResult {
    let [a, b] = arg_array(args);
    // SAFETY: the primitive's OCaml type makes both arguments strings.
    Ok(Value::of_bool(unsafe { equal_bytes(a, b) }))
}

fn string_notequal(_: &mut Domain, args: &[Value]) -> PrimResult {
    let [a, b] = arg_array(args);
    // SAFETY: the primitive's OCaml type makes both arguments strings.
    Ok(Value::of_bool(!unsafe { equal_bytes(a, b) }))
}

fn string_compare(_: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(Value::of_int(compare_args(args) as isize))
}

fn string_lessthan(_: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(Value::of_bool(compare_args(args).is_lt()))
}

fn string_lessequal(_: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(Value::of_bool(compare_args(args).is_le()))
}

fn string_greaterthan(_: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(Value::of_bool(compare_args(args).is_gt()))
}

fn string_greaterequal(_: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(Value::of_bool(compare_args(args).is_ge()))
}

/// `blit src srcoff dst dstoff len`; the two ranges may overlap (same block).
fn blit_bytes(_: &mut Domain, args: &[Value]) -> PrimResult {
    let [src, soff, dst, doff, n] = arg_array(args);
    let (soff, doff, n) = (soff.int(), doff.int(), n.int());
    if n <= 0 {
        return Ok(Value::UNIT);
    }
    // SAFETY: both are string blocks (OCaml type).
    let (slen, dlen) = unsafe { (src.string_len(), dst.string_len()) };
    // Each sum is of two non-negative isizes: no overflow.
    let n = n as usize;
    if soff < 0 || doff < 0 || soff as usize + n > slen || doff as usize + n > dlen {
        return out_of_bounds();
    }
    // SAFETY: both ranges were checked against their blocks' lengths.
    unsafe {
        copy_bytes(
            (src.0 as *const u8).add(soff as usize),
            (dst.0 as *mut u8).add(doff as usize),
            n,
        )
    };
    Ok(Value::UNIT)
}

/// Copies `n` bytes from `src` to `dst`, which may overlap. Most blits (Buffer's, Printf's,
/// `String.sub`'s) move a few bytes: up to 32 are copied inline, every load before any store
/// (so overlap is harmless), instead of a call into the C library's `memmove` (which costs
/// about 15 instructions more on a 20-byte blit, callgrind).
///
/// # Safety
/// `src` must be readable and `dst` writable for `n` bytes.
#[inline(always)]
unsafe fn copy_bytes(src: *const u8, dst: *mut u8, n: usize) {
    // SAFETY: the reads stay within src[0..n] and the writes within dst[0..n] (the
    // caller's contract); the unaligned accesses are of plain bytes.
    unsafe {
        if n > 16 {
            if n > 32 {
                return std::ptr::copy(src, dst, n);
            }
            let head = (src as *const u128).read_unaligned();
            let tail = (src.add(n - 16) as *const u128).read_unaligned();
            (dst as *mut u128).write_unaligned(head);
            (dst.add(n - 16) as *mut u128).write_unaligned(tail);
        } else if n >= 8 {
            let head = (src as *const u64).read_unaligned();
            let tail = (src.add(n - 8) as *const u64).read_unaligned();
            (dst as *mut u64).write_unaligned(head);
            (dst.add(n - 8) as *mut u64).write_unaligned(tail);
        } else if n >= 4 {
            let head = (src as *const u32).read_unaligned();
            let tail = (src.add(n - 4) as *const u32).read_unaligned();
            (dst as *mut u32).write_unaligned(head);
            (dst.add(n - 4) as *mut u32).write_unaligned(tail);
        } else {
            // 1 to 3 bytes: the first, the middle and the last (some the same byte).
            let (first, mid, last) = (*src, *src.add(n / 2), *src.add(n - 1));
            *dst = first;
            *dst.add(n / 2) = mid;
            *dst.add(n - 1) = last;
        }
    }
}

/// `fill s off len c`.
fn fill_bytes(_: &mut Domain, args: &[Value]) -> PrimResult {
    let [s, off, n, c] = arg_array(args);
    let (off, n) = (off.int(), n.int());
    if n <= 0 {
        return Ok(Value::UNIT);
    }
    // SAFETY: `s` is a bytes (OCaml type).
    let len = unsafe { s.string_len() };
    // A sum of two non-negative isizes: no overflow.
    let n = n as usize;
    if off < 0 || off as usize + n > len {
        return out_of_bounds();
    }
    // SAFETY: the range was checked against the block's length.
    unsafe { fill(s.as_ptr().cast::<u8>().add(off as usize), c.int() as u8, n) };
    Ok(Value::UNIT)
}

/// Writes `c` into `n` (at least 1) bytes at `dst`. Most fills (Printf's padding) are short:
/// up to 32 bytes are written inline, as two overlapping words (or 16-byte words), instead
/// of a call into the C library's `memset`.
///
/// # Safety
/// `dst` must be writable for `n` bytes, `n` >= 1.
#[inline(always)]
unsafe fn fill(dst: *mut u8, c: u8, n: usize) {
    let word = u64::from(c) * 0x0101_0101_0101_0101;
    // SAFETY: the writes stay within dst[0..n] (the caller's contract).
    unsafe {
        if n > 16 {
            if n > 32 {
                return std::ptr::write_bytes(dst, c, n);
            }
            let wide = u128::from(word) * ((1 << 64) + 1);
            (dst as *mut u128).write_unaligned(wide);
            (dst.add(n - 16) as *mut u128).write_unaligned(wide);
        } else if n >= 8 {
            (dst as *mut u64).write_unaligned(word);
            (dst.add(n - 8) as *mut u64).write_unaligned(word);
        } else if n >= 4 {
            (dst as *mut u32).write_unaligned(word as u32);
            (dst.add(n - 4) as *mut u32).write_unaligned(word as u32);
        } else {
            // 1 to 3 bytes: the first, the middle and the last (some the same byte).
            *dst = c;
            *dst.add(n / 2) = c;
            *dst.add(n - 1) = c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{copy_bytes, fill, range};

    #[test]
    fn short_copies_and_fills_match_the_library() {
        let init: Vec<u8> = (0..96u8).collect();
        for n in 1..=40 {
            // Overlapping both ways and apart.
            for (from, to) in [(10, 10 + n / 2), (10 + n / 2, 10), (0, 50)] {
                let (mut got, mut want) = (init.clone(), init.clone());
                want.copy_within(from..from + n, to);
                // SAFETY: both ranges lie inside `got`.
                unsafe { copy_bytes(got.as_ptr().add(from), got.as_mut_ptr().add(to), n) };
                assert_eq!(got, want, "copy of {n} bytes from {from} to {to}");
            }
            let (mut got, mut want) = (init.clone(), init.clone());
            want[7..7 + n].fill(0xa5);
            // SAFETY: the range lies inside `got`.
            unsafe { fill(got.as_mut_ptr().add(7), 0xa5, n) };
            assert_eq!(got, want, "fill of {n} bytes");
        }
    }

    #[test]
    fn ranges_are_checked() {
        assert_eq!(range(0, 1, 1).ok(), Some(0..1));
        assert!(range(-1, 1, 4).is_err());
        assert!(range(3, 2, 4).is_err());
        assert_eq!(range(2, 2, 4).ok(), Some(2..4));
        assert!(range(isize::MAX >> 1, 8, 4).is_err());
    }
}
