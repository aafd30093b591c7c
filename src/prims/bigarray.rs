//! The 28 `Bigarray` primitives of the stock `bigarray.c`, the `_bigarr02` custom block kind,
//! and access to a bigarray's storage for other areas (channel I/O, `Random`'s state).
//!
//! Layout, storage ownership and sharing are in [`repr`]; element conversion in [`elem`];
//! the custom operations (compare, hash, marshal format) in [`ops`].

mod elem;
pub mod ops;
pub mod repr;

/// The storage-ownership flag of mapped-file arrays (`Unix.map_file`), which the finaliser unmaps.
pub use repr::MAPPED_FILE;

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;
use repr::{
    bound_error, offset, share_storage, Bigarray, Kind, FORTRAN_LAYOUT, KIND_MASK, LAYOUT_MASK,
    MANAGED_MASK, MAX_NUM_DIMS, SUBARRAY,
};

use crate::prims::ints::{alloc_int32, alloc_int64};

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_ba_blit", ba_blit),
    ("caml_ba_change_layout", ba_change_layout),
    ("caml_ba_create", ba_create),
    ("caml_ba_dim", ba_dim),
    ("caml_ba_dim_1", ba_dim_1),
    ("caml_ba_dim_2", ba_dim_2),
    ("caml_ba_dim_3", ba_dim_3),
    ("caml_ba_fill", ba_fill),
    ("caml_ba_get_1", ba_get_1),
    ("caml_ba_get_2", ba_get_2),
    ("caml_ba_get_3", ba_get_3),
    ("caml_ba_get_generic", ba_get_generic),
    ("caml_ba_kind", ba_kind),
    ("caml_ba_layout", ba_layout),
    ("caml_ba_num_dims", ba_num_dims),
    ("caml_ba_reshape", ba_reshape),
    ("caml_ba_set_1", ba_set_1),
    ("caml_ba_set_2", ba_set_2),
    ("caml_ba_set_3", ba_set_3),
    ("caml_ba_set_generic", ba_set_generic),
    ("caml_ba_slice", ba_slice),
    ("caml_ba_sub", ba_sub),
    ("caml_ba_uint8_get16", ba_uint8_get16),
    ("caml_ba_uint8_get32", ba_uint8_get32),
    ("caml_ba_uint8_get64", ba_uint8_get64),
    ("caml_ba_uint8_set16", ba_uint8_set16),
    ("caml_ba_uint8_set32", ba_uint8_set32),
    ("caml_ba_uint8_set64", ba_uint8_set64),
];

/// Registers the `_bigarr02` custom operations.
pub fn register_custom_ops() {
    crate::heap::custom::register(&ops::OPS);
}

/// Runs `f` on the storage of bigarray `v` as bytes; `None` if `v` is not a bigarray.
pub fn with_data<R>(v: Value, f: impl FnOnce(&mut [u8]) -> R) -> Option<R> {
    let b = Bigarray::check(v)?;
    // SAFETY: the slice lives only during `f`, which cannot reach OCaml code through it.
    Some(f(unsafe { b.bytes() }))
}

/// The storage of a `Random.State.t` (an `int64` bigarray of at least 4 elements) as the
/// four state words of `lxm`; `None` if `v` is not such a bigarray.
pub fn with_int64x4<R>(v: Value, f: impl FnOnce(&mut [u64; 4]) -> R) -> Option<R> {
    let b = Bigarray::check(v)?;
    if b.kind() != Kind::Int64 || b.num_elts() < 4 {
        return None;
    }
    // SAFETY: at least 4 aligned 8-byte elements of live storage; the reference lives only
    // during `f`.
    Some(f(unsafe { &mut *(b.data() as *mut [u64; 4]) }))
}

/// The layout argument (`c_layout` = 0, `fortran_layout` = 1) as flag bits.
fn layout_flag(v: Value) -> Result<usize, Exn> {
    match v.int() {
        0 => Ok(0),
        1 => Ok(FORTRAN_LAYOUT),
        _ => Err(Exn::invalid_arg("Bigarray: bad layout")),
    }
}

/// The ints of an `int array` argument.
fn int_array(v: Value) -> Result<Vec<isize>, Exn> {
    if v.is_int() {
        return Err(Exn::invalid_arg("Bigarray: bad index array"));
    }
    // SAFETY: `v` is a block; its fields are read below its size.
    unsafe {
        if v.tag() >= crate::heap::value::NO_SCAN_TAG {
            return Err(Exn::invalid_arg("Bigarray: bad index array"));
        }
        Ok((0..v.wosize()).map(|i| v.field(i).int()).collect())
    }
}

fn ba_create(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let dims = int_array(a[2])?;
    if dims.len() > MAX_NUM_DIMS {
        return Err(Exn::invalid_arg("Bigarray.create: bad number of dimensions"));
    }
    if dims.iter().any(|&d| d < 0) {
        return Err(Exn::invalid_arg("Bigarray.create: negative dimension"));
    }
    let kind = a[0].int();
    if !(0..14).contains(&kind) {
        return Err(Exn::invalid_arg("Bigarray.create: bad kind"));
    }
    let flags = kind as usize | layout_flag(a[1])?;
    Ok(repr::create(dom, flags, &dims)?.0)
}

fn get_n(dom: &mut Domain, vb: Value, idx: &[isize]) -> PrimResult {
    let b = Bigarray::of(vb)?;
    if idx.len() != b.num_dims() {
        return Err(Exn::invalid_arg("Bigarray.get: wrong number of indices"));
    }
    let ofs = offset(b, idx)?;
    elem::get(dom, b, ofs)
}

fn set_n(vb: Value, idx: &[isize], v: Value) -> PrimResult {
    let b = Bigarray::of(vb)?;
    if idx.len() != b.num_dims() {
        return Err(Exn::invalid_arg("Bigarray.set: wrong number of indices"));
    }
    let ofs = offset(b, idx)?;
    elem::set(b, ofs, v)?;
    Ok(Value::UNIT)
}

fn ba_get_1(dom: &mut Domain, a: &[Value]) -> PrimResult {
    get_n(dom, a[0], &[a[1].int()])
}
fn ba_get_2(dom: &mut Domain, a: &[Value]) -> PrimResult {
    get_n(dom, a[0], &[a[1].int(), a[2].int()])
}
fn ba_get_3(dom: &mut Domain, a: &[Value]) -> PrimResult {
    get_n(dom, a[0], &[a[1].int(), a[2].int(), a[3].int()])
}
fn ba_get_generic(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let idx = int_array(a[1])?;
    get_n(dom, a[0], &idx)
}
fn ba_set_1(_: &mut Domain, a: &[Value]) -> PrimResult {
    set_n(a[0], &[a[1].int()], a[2])
}
fn ba_set_2(_: &mut Domain, a: &[Value]) -> PrimResult {
    set_n(a[0], &[a[1].int(), a[2].int()], a[3])
}
fn ba_set_3(_: &mut Domain, a: &[Value]) -> PrimResult {
    set_n(a[0], &[a[1].int(), a[2].int(), a[3].int()], a[4])
}
fn ba_set_generic(_: &mut Domain, a: &[Value]) -> PrimResult {
    let idx = int_array(a[1])?;
    set_n(a[0], &idx, a[2])
}

/// The storage bytes `[idx, idx + n)` for the `uint8_get/set` family, bounds-checked
/// against the first dimension as the stock runtime does.
fn byte_window(vb: Value, vidx: Value, n: usize) -> Result<*mut u8, Exn> {
    let b = Bigarray::of(vb)?;
    let idx = vidx.int();
    if b.num_dims() == 0 {
        return Err(bound_error());
    }
    // The first dimension never exceeds the storage size in bytes.
    let d0 = b.dim(0);
    if idx < 0 || idx >= d0 - (n as isize - 1) {
        return Err(bound_error());
    }
    Ok(b.data().wrapping_add(idx as usize))
}

fn read_le(p: *const u8, n: usize) -> u64 {
    // SAFETY: `byte_window` checked that `n` bytes from `p` lie in the storage.
    (0..n).fold(0u64, |acc, i| acc | (unsafe { *p.add(i) } as u64) << (8 * i))
}

fn write_le(p: *mut u8, n: usize, x: u64) {
    for i in 0..n {
        // SAFETY: `byte_window` checked that `n` bytes from `p` lie in the storage.
        unsafe { *p.add(i) = (x >> (8 * i)) as u8 };
    }
}

fn ba_uint8_get16(_: &mut Domain, a: &[Value]) -> PrimResult {
    let p = byte_window(a[0], a[1], 2)?;
    Ok(Value::of_int(read_le(p, 2) as isize))
}
fn ba_uint8_get32(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let p = byte_window(a[0], a[1], 4)?;
    Ok(alloc_int32(dom, read_le(p, 4) as u32 as i32))
}
fn ba_uint8_get64(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let p = byte_window(a[0], a[1], 8)?;
    Ok(alloc_int64(dom, read_le(p, 8) as i64))
}

fn ba_uint8_set16(_: &mut Domain, a: &[Value]) -> PrimResult {
    let p = byte_window(a[0], a[1], 2)?;
    write_le(p, 2, a[2].int() as u64);
    Ok(Value::UNIT)
}
fn ba_uint8_set32(_: &mut Domain, a: &[Value]) -> PrimResult {
    let p = byte_window(a[0], a[1], 4)?;
    write_le(p, 4, elem::boxed_word(a[2])? as i32 as u64);
    Ok(Value::UNIT)
}
fn ba_uint8_set64(_: &mut Domain, a: &[Value]) -> PrimResult {
    let p = byte_window(a[0], a[1], 8)?;
    write_le(p, 8, elem::boxed_word(a[2])? as u64);
    Ok(Value::UNIT)
}

fn ba_num_dims(_: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(Value::of_int(Bigarray::of(a[0])?.num_dims() as isize))
}

fn dim_n(vb: Value, n: isize) -> PrimResult {
    let b = Bigarray::of(vb)?;
    if n < 0 || n as usize >= b.num_dims() {
        return Err(Exn::invalid_arg("Bigarray.dim"));
    }
    Ok(Value::of_int(b.dim(n as usize)))
}
fn ba_dim(_: &mut Domain, a: &[Value]) -> PrimResult {
    dim_n(a[0], a[1].int())
}
fn ba_dim_1(_: &mut Domain, a: &[Value]) -> PrimResult {
    dim_n(a[0], 0)
}
fn ba_dim_2(_: &mut Domain, a: &[Value]) -> PrimResult {
    dim_n(a[0], 1)
}
fn ba_dim_3(_: &mut Domain, a: &[Value]) -> PrimResult {
    dim_n(a[0], 2)
}

fn ba_kind(_: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(Value::of_int((Bigarray::of(a[0])?.flags() & KIND_MASK) as isize))
}
fn ba_layout(_: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(Value::of_int(((Bigarray::of(a[0])?.flags() & LAYOUT_MASK) >> 8) as isize))
}

/// A new block over `data` sharing `parent`'s storage.
fn derived(
    dom: &mut Domain,
    parent: Bigarray,
    flags: usize,
    data: *mut u8,
    dims: &[isize],
) -> Value {
    let sub = repr::alloc_block(dom, flags | SUBARRAY, data, dims, 0);
    share_storage(parent, sub);
    sub.0
}

fn ba_slice(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let b = Bigarray::of(a[0])?;
    let inds = int_array(a[1])?;
    let nd = b.num_dims();
    if inds.len() > nd {
        return Err(Exn::invalid_arg("Bigarray.slice: too many indices"));
    }
    let k = inds.len();
    let dims = b.dims();
    let (index, sub_dims): (Vec<isize>, &[isize]) = if b.is_fortran() {
        // Fortran layout slices from the right.
        let mut index = vec![1; nd - k];
        index.extend_from_slice(&inds);
        (index, &dims[..nd - k])
    } else {
        let mut index = inds.clone();
        index.resize(nd, 0);
        (index, &dims[k..])
    };
    let ofs = offset(b, &index)?;
    let data = repr::elt_ptr(b, ofs);
    Ok(derived(dom, b, b.flags(), data, sub_dims))
}

fn ba_change_layout(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let b = Bigarray::of(a[0])?;
    let layout = layout_flag(a[1])?;
    if layout == b.flags() & LAYOUT_MASK {
        return Ok(a[0]);
    }
    let flags = (b.flags() & (KIND_MASK | MANAGED_MASK)) | layout;
    let mut dims = b.dims();
    dims.reverse();
    Ok(derived(dom, b, flags, b.data(), &dims))
}

/// Product of dimensions, wrapping: only a product with a zero factor can overflow (the
/// creation checks refuse others), and then no element is ever addressed through it.
fn wrapping_product(dims: &[isize]) -> usize {
    dims.iter().fold(1usize, |n, &d| n.wrapping_mul(d as usize))
}

fn ba_sub(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let b = Bigarray::of(a[0])?;
    let mut ofs = a[1].int();
    let len = a[2].int();
    let nd = b.num_dims();
    let dims = b.dims();
    let (changed, mul) = if b.is_fortran() {
        ofs = ofs.wrapping_sub(1);
        (nd.wrapping_sub(1), wrapping_product(&dims[..nd.saturating_sub(1)]))
    } else {
        (0, wrapping_product(dims.get(1..).unwrap_or(&[])))
    };
    let bad = || Exn::invalid_arg("Bigarray.sub: bad sub-array");
    // A zero-dimensional array has no dimension to cut.
    let dim = *dims.get(changed).ok_or_else(bad)?;
    if ofs < 0 || len < 0 || ofs.checked_add(len).is_none_or(|e| e > dim) {
        return Err(bad());
    }
    let data =
        b.data().wrapping_add((ofs as usize).wrapping_mul(mul).wrapping_mul(b.kind().elt_size()));
    let mut sub_dims = dims;
    sub_dims[changed] = len;
    Ok(derived(dom, b, b.flags(), data, &sub_dims))
}

fn ba_blit(_: &mut Domain, a: &[Value]) -> PrimResult {
    let src = Bigarray::of(a[0])?;
    let dst = Bigarray::of(a[1])?;
    if src.num_dims() != dst.num_dims() || (0..src.num_dims()).any(|i| src.dim(i) != dst.dim(i)) {
        return Err(Exn::invalid_arg("Bigarray.blit: dimension mismatch"));
    }
    // Same dimensions; the kinds agree for well-typed programs, and copying the smaller
    // size keeps a forged mix in bounds.
    let n = src.byte_size().min(dst.byte_size());
    if n > 0 {
        // SAFETY: `n` bytes are live in both storages; `copy` allows overlap (a blit
        // between a sub-array and its parent).
        unsafe { std::ptr::copy(src.data() as *const u8, dst.data(), n) };
    }
    Ok(Value::UNIT)
}

fn ba_fill(_: &mut Domain, a: &[Value]) -> PrimResult {
    elem::fill(Bigarray::of(a[0])?, a[1])?;
    Ok(Value::UNIT)
}

fn ba_reshape(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let b = Bigarray::of(a[0])?;
    let dims = int_array(a[1])?;
    if dims.len() > MAX_NUM_DIMS {
        return Err(Exn::invalid_arg("Bigarray.reshape: bad number of dimensions"));
    }
    if dims.iter().any(|&d| d < 0) {
        return Err(Exn::invalid_arg("Bigarray.reshape: negative dimension"));
    }
    // A product that overflows (with no zero dimension) cannot equal a real size.
    let n = if dims.contains(&0) { Some(0) } else { repr::checked_num_elts(&dims) };
    if n != Some(b.num_elts()) {
        return Err(Exn::invalid_arg("Bigarray.reshape: size mismatch"));
    }
    Ok(derived(dom, b, b.flags(), b.data(), &dims))
}

#[cfg(test)]
mod tests {
    use super::elem::{f16_to_f32, f32_to_f16};

    #[test]
    fn float16_round_trip_and_rounding() {
        for h in 0..=0xffffu16 {
            let f = f16_to_f32(h);
            if f.is_nan() {
                assert_eq!(f32_to_f16(f) & 0x7fff, 0x7e00);
            } else {
                assert_eq!(f32_to_f16(f), h, "{h:#x}");
            }
        }
        assert_eq!(f32_to_f16(1.0), 0x3c00);
        assert_eq!(f32_to_f16(65504.0), 0x7bff);
        assert_eq!(f32_to_f16(65520.0), 0x7c00);
        assert_eq!(f32_to_f16(-0.0), 0x8000);
        // Halfway between 1 and the next half (1 + 2^-11): ties to even.
        assert_eq!(f32_to_f16(1.0 + f32::powi(2.0, -11)), 0x3c00);
        assert_eq!(f32_to_f16(5.960_464_5e-8), 0x0001);
        assert_eq!(f32_to_f16(2.980_232_2e-8), 0x0000);
    }
}
