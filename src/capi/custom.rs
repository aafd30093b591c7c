//! Custom blocks of C stubs (`caml/custom.h`): a stub's `struct custom_operations` gets a
//! shadow `CustomOps` (see `heap::custom`) whose functions call the C ones, so the
//! collector, `compare`, `Hashtbl.hash` and `Marshal` treat the block like any other; the
//! block's field 0 holds the C structure's address, as stubs expect. Also the
//! `caml_serialize_*`/`caml_deserialize_*` functions the C operations call, which write to
//! and read from the marshalling in progress on this thread, and the `caml_hash_mix_*`
//! helpers.
//!
//! Finalisers are called directly (they must neither allocate nor raise, as in the stock
//! runtime); compare, compare_ext, hash, serialize and deserialize run under a frame of
//! their own, so an exception they raise comes back to Rust: `compare` and `Hashtbl.hash`
//! raise it as the stock runtime does, Marshal drops it.

use super::call::{call_ops, with_domain, OpsShape};
use crate::heap::custom::{self, data_ptr, CustomOps, DeserializeInput};
use crate::heap::value::Value;
use std::cell::Cell;
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};

/// `struct custom_operations` of the stock `caml/custom.h`.
#[repr(C)]
pub struct COps {
    identifier: *const c_char,
    finalize: Option<unsafe extern "C" fn(Value)>,
    compare: Option<unsafe extern "C" fn(Value, Value) -> c_int>,
    hash: Option<unsafe extern "C" fn(Value) -> isize>,
    serialize: Option<unsafe extern "C" fn(Value, *mut usize, *mut usize)>,
    deserialize: Option<unsafe extern "C" fn(*mut c_void) -> usize>,
    compare_ext: Option<unsafe extern "C" fn(Value, Value) -> c_int>,
    fixed_length: *const [isize; 2],
}

/// The shadow of the C operations at `c` (created and registered on first use).
///
/// # Safety
/// `c` points to a `struct custom_operations` that lives as long as the process (stubs
/// declare them static).
unsafe fn shadow(c: *const COps) -> &'static CustomOps {
    if let Some(s) = custom::foreign_shadow(c as usize) {
        return s;
    }
    // SAFETY: the caller's contract.
    let ops = unsafe { &*c };
    let id = if ops.identifier.is_null() {
        String::new()
    } else {
        // SAFETY: the identifier is a NUL-terminated static string.
        unsafe { CStr::from_ptr(ops.identifier) }.to_string_lossy().into_owned()
    };
    let fixed_length = if ops.fixed_length.is_null() {
        None
    } else {
        // SAFETY: a non-null fixed_length points to two intnats.
        let [b32, b64] = unsafe { *ops.fixed_length };
        Some((b32.max(0) as usize, b64.max(0) as usize))
    };
    let s = CustomOps {
        id: Box::leak(id.into_boxed_str()),
        finalize: ops.finalize.map(|_| c_finalize as fn(Value)),
        compare: ops.compare.map(|_| c_compare as fn(Value, Value) -> i32),
        hash: ops.hash.map(|_| c_hash as fn(Value) -> isize),
        serialize: ops.serialize.map(|_| c_serialize as custom::SerializeFn),
        deserialize: ops.deserialize.map(|_| c_deserialize as custom::DeserializeFn),
        fixed_length,
    };
    custom::set_compare_ext(c_compare_ext);
    custom::register_foreign(c as usize, Box::leak(Box::new(s)))
}

/// The C operations of a block with foreign operations.
fn c_ops(v: Value) -> &'static COps {
    // SAFETY: only the shadow's functions call this, on blocks whose field 0 is the C
    // structure's address (that is how `ops_of` found the shadow).
    unsafe { &*(v.raw(0) as *const COps) }
}

fn c_finalize(v: Value) {
    if let Some(f) = c_ops(v).finalize {
        crate::check::c_finalising(|| shadow_id(v));
        // SAFETY: the stub's finaliser, on its own dead block.
        super::call::outside_domain(|| unsafe { f(v) });
        crate::check::c_finalised();
    }
}

/// The identifier of a block's foreign operations (for reports).
fn shadow_id(v: Value) -> &'static str {
    // SAFETY: field 0 of a block with foreign operations is their C structure's address.
    custom::foreign_shadow(unsafe { v.raw(0) }).map_or("?", |s| s.id)
}

fn c_compare(a: Value, b: Value) -> i32 {
    let f = c_ops(a).compare.map_or(0, |f| f as usize);
    call_ops(f, OpsShape::Compare, a, b, std::ptr::null_mut()).unwrap_or(0) as i32
}

/// `compare_ext` of the C operations of `custom` on `(v1, v2)`, one of them `custom` and
/// the other an immediate (installed in `heap::custom` at the first shadow).
fn c_compare_ext(custom: Value, v1: Value, v2: Value) -> Option<i32> {
    let f = c_ops(custom).compare_ext? as usize;
    Some(call_ops(f, OpsShape::Compare, v1, v2, std::ptr::null_mut()).unwrap_or(0) as i32)
}

fn c_hash(v: Value) -> isize {
    let f = c_ops(v).hash.map_or(0, |f| f as usize);
    call_ops(f, OpsShape::Hash, v, v, std::ptr::null_mut()).unwrap_or(0)
}

thread_local! {
    /// The output of the serialisation in progress on this thread.
    static SER_OUT: Cell<*mut Vec<u8>> = const { Cell::new(std::ptr::null_mut()) };
    /// The input of the deserialisation in progress on this thread (a `dyn` pointer's two
    /// words, with its lifetime erased: it is cleared before the borrow ends).
    static DE_IN: Cell<Option<[usize; 2]>> = const { Cell::new(None) };
}

fn c_serialize(v: Value, out: &mut Vec<u8>) -> (usize, usize) {
    let f = c_ops(v).serialize.map_or(0, |f| f as usize);
    let prev = SER_OUT.with(|s| s.replace(out as *mut Vec<u8>));
    let mut sizes = [0usize; 2];
    call_ops(f, OpsShape::Serialize, v, v, sizes.as_mut_ptr().cast());
    SER_OUT.with(|s| s.set(prev));
    (sizes[0], sizes[1])
}

fn c_deserialize(input: &mut dyn DeserializeInput, dst: Value) -> Option<usize> {
    let f = c_ops(dst).deserialize.map_or(0, |f| f as usize);
    let raw: *mut dyn DeserializeInput = input;
    // SAFETY: a fat pointer is two words; it is turned back only while `input` is borrowed.
    let words: [usize; 2] = unsafe { std::mem::transmute(raw) };
    let prev = DE_IN.with(|d| d.replace(Some(words)));
    let r = call_ops(f, OpsShape::Deserialize, dst, dst, data_ptr(dst).cast());
    DE_IN.with(|d| d.set(prev));
    r.map(|n| n as usize)
}

/// Runs `f` on the output of the serialisation in progress on this thread (a scratch
/// buffer when there is none).
pub(super) fn with_output<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    let p = SER_OUT.with(Cell::get);
    if p.is_null() {
        f(&mut Vec::new())
    } else {
        // SAFETY: set by c_serialize for the time of the C call, on this thread.
        f(unsafe { &mut *p })
    }
}

/// Runs `f` on the input of the deserialisation in progress on this thread, if any.
pub(super) fn with_input<R>(f: impl FnOnce(&mut dyn DeserializeInput) -> R) -> Option<R> {
    let w = DE_IN.with(Cell::get)?;
    // SAFETY: set by c_deserialize from a live `&mut dyn DeserializeInput`, for the time of
    // the C call that calls this.
    let input: *mut dyn DeserializeInput = unsafe { std::mem::transmute(w) };
    // SAFETY: as above.
    Some(f(unsafe { &mut *input }))
}

fn out_bytes(b: &[u8]) {
    SER_OUT.with(|s| {
        let p = s.get();
        if !p.is_null() {
            // SAFETY: set by c_serialize for the time of the C call, on this thread.
            unsafe { (*p).extend_from_slice(b) };
        }
    });
}

/// Reads `n` bytes of the deserialisation input (zeros past its end, as a short read).
fn in_bytes(n: usize, f: impl FnOnce(&[u8])) {
    let words = DE_IN.with(Cell::get);
    let zeros = [0u8; 8];
    match words {
        Some(w) => {
            // SAFETY: set by c_deserialize from a live `&mut dyn DeserializeInput`.
            let input: *mut dyn DeserializeInput = unsafe { std::mem::transmute(w) };
            // SAFETY: as above, the borrow is live for the C call that calls this.
            match unsafe { (*input).read_bytes(n) } {
                Some(b) => f(b),
                None => f(&zeros[..n.min(8)]),
            }
        }
        None => f(&zeros[..n.min(8)]),
    }
}

#[no_mangle]
pub extern "C" fn caml_serialize_int_1(i: c_int) {
    out_bytes(&[i as u8]);
}
#[no_mangle]
pub extern "C" fn caml_serialize_int_2(i: c_int) {
    out_bytes(&(i as i16).to_be_bytes());
}
#[no_mangle]
pub extern "C" fn caml_serialize_int_4(i: i32) {
    out_bytes(&i.to_be_bytes());
}
#[no_mangle]
pub extern "C" fn caml_serialize_int_8(i: i64) {
    out_bytes(&i.to_be_bytes());
}
#[no_mangle]
pub extern "C" fn caml_serialize_float_4(f: f32) {
    out_bytes(&f.to_be_bytes());
}
#[no_mangle]
pub extern "C" fn caml_serialize_float_8(f: f64) {
    out_bytes(&f.to_be_bytes());
}

/// Writes `len` items of `size` bytes from `data`, each big-endian.
///
/// # Safety
/// `data` holds `len * size` bytes.
unsafe fn out_block(data: *const c_void, len: usize, size: usize) {
    // SAFETY: the caller's contract.
    let b = unsafe { std::slice::from_raw_parts(data as *const u8, len * size) };
    for item in b.chunks(size) {
        let mut v = item.to_vec();
        v.reverse();
        out_bytes(&v);
    }
}

/// # Safety
/// `data` holds `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn caml_serialize_block_1(data: *const c_void, len: usize) {
    // SAFETY: the caller's contract.
    out_bytes(unsafe { std::slice::from_raw_parts(data as *const u8, len) });
}
/// # Safety
/// `data` holds `len` 2-byte items.
#[no_mangle]
pub unsafe extern "C" fn caml_serialize_block_2(data: *const c_void, len: usize) {
    // SAFETY: the caller's contract.
    unsafe { out_block(data, len, 2) };
}
/// # Safety
/// `data` holds `len` 4-byte items.
#[no_mangle]
pub unsafe extern "C" fn caml_serialize_block_4(data: *const c_void, len: usize) {
    // SAFETY: the caller's contract.
    unsafe { out_block(data, len, 4) };
}
/// # Safety
/// `data` holds `len` 8-byte items.
#[no_mangle]
pub unsafe extern "C" fn caml_serialize_block_8(data: *const c_void, len: usize) {
    // SAFETY: the caller's contract.
    unsafe { out_block(data, len, 8) };
}
/// # Safety
/// `data` holds `len` doubles.
#[no_mangle]
pub unsafe extern "C" fn caml_serialize_block_float_8(data: *const c_void, len: usize) {
    // SAFETY: the caller's contract.
    unsafe { out_block(data, len, 8) };
}

fn read_be<const N: usize>() -> [u8; N] {
    let mut a = [0u8; N];
    in_bytes(N, |b| a[..b.len().min(N)].copy_from_slice(&b[..b.len().min(N)]));
    a
}

#[no_mangle]
pub extern "C" fn caml_deserialize_uint_1() -> c_int {
    c_int::from(read_be::<1>()[0])
}
#[no_mangle]
pub extern "C" fn caml_deserialize_sint_1() -> c_int {
    c_int::from(read_be::<1>()[0] as i8)
}
#[no_mangle]
pub extern "C" fn caml_deserialize_uint_2() -> c_int {
    c_int::from(u16::from_be_bytes(read_be::<2>()))
}
#[no_mangle]
pub extern "C" fn caml_deserialize_sint_2() -> c_int {
    c_int::from(i16::from_be_bytes(read_be::<2>()))
}
#[no_mangle]
pub extern "C" fn caml_deserialize_uint_4() -> u32 {
    u32::from_be_bytes(read_be::<4>())
}
#[no_mangle]
pub extern "C" fn caml_deserialize_sint_4() -> i32 {
    i32::from_be_bytes(read_be::<4>())
}
#[no_mangle]
pub extern "C" fn caml_deserialize_uint_8() -> u64 {
    u64::from_be_bytes(read_be::<8>())
}
#[no_mangle]
pub extern "C" fn caml_deserialize_sint_8() -> i64 {
    i64::from_be_bytes(read_be::<8>())
}
#[no_mangle]
pub extern "C" fn caml_deserialize_float_4() -> f32 {
    f32::from_be_bytes(read_be::<4>())
}
#[no_mangle]
pub extern "C" fn caml_deserialize_float_8() -> f64 {
    f64::from_be_bytes(read_be::<8>())
}

/// Reads `len` items of `size` bytes into `data`, each from big-endian.
///
/// # Safety
/// `data` has room for `len * size` bytes.
unsafe fn in_block(data: *mut c_void, len: usize, size: usize) {
    // SAFETY: the caller's contract.
    let out = unsafe { std::slice::from_raw_parts_mut(data as *mut u8, len * size) };
    for item in out.chunks_mut(size) {
        in_bytes(size, |b| {
            for (i, &x) in b.iter().enumerate().take(size) {
                item[size - 1 - i] = x;
            }
        });
    }
}

/// # Safety
/// `data` has room for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn caml_deserialize_block_1(data: *mut c_void, len: usize) {
    // SAFETY: the caller's contract.
    let out = unsafe { std::slice::from_raw_parts_mut(data as *mut u8, len) };
    in_bytes(len, |b| out[..b.len().min(len)].copy_from_slice(&b[..b.len().min(len)]));
}
/// # Safety
/// `data` has room for `len` 2-byte items.
#[no_mangle]
pub unsafe extern "C" fn caml_deserialize_block_2(data: *mut c_void, len: usize) {
    // SAFETY: the caller's contract.
    unsafe { in_block(data, len, 2) };
}
/// # Safety
/// `data` has room for `len` 4-byte items.
#[no_mangle]
pub unsafe extern "C" fn caml_deserialize_block_4(data: *mut c_void, len: usize) {
    // SAFETY: the caller's contract.
    unsafe { in_block(data, len, 4) };
}
/// # Safety
/// `data` has room for `len` 8-byte items.
#[no_mangle]
pub unsafe extern "C" fn caml_deserialize_block_8(data: *mut c_void, len: usize) {
    // SAFETY: the caller's contract.
    unsafe { in_block(data, len, 8) };
}
/// # Safety
/// `data` has room for `len` doubles.
#[no_mangle]
pub unsafe extern "C" fn caml_deserialize_block_float_8(data: *mut c_void, len: usize) {
    // SAFETY: the caller's contract.
    unsafe { in_block(data, len, 8) };
}

/// `caml_alloc_custom_mem`: a block with C operations `ops` and `bsz` bytes of data,
/// holding `mem` bytes outside the heap (which the memory profiler samples too).
///
/// # Safety
/// `ops` points to a `struct custom_operations` that lives as long as the process.
#[no_mangle]
pub unsafe extern "C" fn caml_alloc_custom_mem(ops: *const COps, bsz: usize, mem: usize) -> Value {
    // SAFETY: the caller's contract.
    unsafe { alloc_custom(ops, bsz, mem, true) }
}

/// `caml_alloc_custom`: as `caml_alloc_custom_mem`, the ratio `mem/max` standing for the
/// out-of-heap memory, which the memory profiler does not sample (as in the stock runtime).
///
/// # Safety
/// As [`caml_alloc_custom_mem`].
#[no_mangle]
pub unsafe extern "C" fn caml_alloc_custom(
    ops: *const COps,
    bsz: usize,
    mem: usize,
    max: usize,
) -> Value {
    let _ = max;
    // SAFETY: the caller's contract.
    unsafe { alloc_custom(ops, bsz, mem, false) }
}

/// The block of `caml_alloc_custom(_mem)`.
///
/// # Safety
/// As [`caml_alloc_custom_mem`].
unsafe fn alloc_custom(ops: *const COps, bsz: usize, mem: usize, sample_mem: bool) -> Value {
    // SAFETY: the caller's contract.
    let s = unsafe { shadow(ops) };
    with_domain(|d| {
        let v = d.alloc_custom_held(s, bsz, mem, sample_mem);
        if mem > 0 {
            d.note_extra_memory(mem);
        }
        v
    })
}

/// The custom operations `caml_alloc_final` made, one per finaliser (C addresses of the
/// finaliser and of the leaked operations).
static FINAL_OPS: std::sync::Mutex<Vec<(usize, usize)>> = std::sync::Mutex::new(Vec::new());

/// `caml_alloc_final`: a custom block of `len` words whose operations (identifier
/// `_final`, the default compare, hash and serialisation) have `fun` as finaliser, one set
/// per finaliser as in the stock runtime.
///
/// # Safety
/// `fun` is a finaliser (it neither allocates nor calls back).
#[no_mangle]
pub unsafe extern "C" fn caml_alloc_final(
    len: usize,
    fun: Option<unsafe extern "C" fn(Value)>,
    mem: usize,
    max: usize,
) -> Value {
    let key = fun.map_or(0, |f| f as usize);
    let ops = {
        let mut table = FINAL_OPS.lock().unwrap_or_else(|e| e.into_inner());
        match table.iter().find(|e| e.0 == key) {
            Some(&(_, ops)) => ops,
            None => {
                let ops = Box::leak(Box::new(COps {
                    identifier: c"_final".as_ptr(),
                    finalize: fun,
                    compare: None,
                    hash: None,
                    serialize: None,
                    deserialize: None,
                    compare_ext: None,
                    fixed_length: std::ptr::null(),
                })) as *const COps as usize;
                table.push((key, ops));
                ops
            }
        }
    };
    // SAFETY: the operations are leaked, so they live as long as the process.
    unsafe { caml_alloc_custom(ops as *const COps, len.saturating_mul(8), mem, max) }
}

/// `caml_register_custom_operations`: makes `ops` known to `Marshal` by its identifier.
///
/// # Safety
/// As [`caml_alloc_custom_mem`].
#[no_mangle]
pub unsafe extern "C" fn caml_register_custom_operations(ops: *const COps) {
    // SAFETY: the caller's contract.
    let s = unsafe { shadow(ops) };
    custom::register(s);
}

/// `caml_hash_mix_uint32`.
#[no_mangle]
pub extern "C" fn caml_hash_mix_uint32(h: u32, d: u32) -> u32 {
    crate::prims::hash::mix_u32(h, d)
}
/// `caml_hash_mix_intnat`.
#[no_mangle]
pub extern "C" fn caml_hash_mix_intnat(h: u32, d: isize) -> u32 {
    crate::prims::hash::mix_intnat(h, d as i64)
}
/// `caml_hash_mix_int64`.
#[no_mangle]
pub extern "C" fn caml_hash_mix_int64(h: u32, d: i64) -> u32 {
    crate::prims::hash::mix_i64(h, d)
}
/// `caml_hash_mix_double`.
#[no_mangle]
pub extern "C" fn caml_hash_mix_double(h: u32, d: f64) -> u32 {
    crate::prims::hash::mix_double(h, d)
}
/// `caml_hash_mix_float`.
#[no_mangle]
pub extern "C" fn caml_hash_mix_float(h: u32, d: f32) -> u32 {
    crate::prims::hash::mix_float(h, d)
}
/// `caml_hash_mix_string`.
///
/// # Safety
/// `s` is a live string block.
#[no_mangle]
pub unsafe extern "C" fn caml_hash_mix_string(h: u32, s: Value) -> u32 {
    // SAFETY: the caller's contract.
    crate::prims::hash::mix_string(h, unsafe { s.bytes() })
}
