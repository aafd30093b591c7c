//! `Obj`, `Lazy` and object-system primitives (the stock `obj.c`), and the block-building
//! primitives of the stock `alloc.c`: dummies for recursive definitions (`let rec`) and
//! their update, and cache-line padded atomics.
//!
//! Tag changes (`Lazy` forcing) compare-and-swap the header word, so they stay correct when
//! several domains force the same lazy value. Sizes that no block can have, and blocks the
//! C allocator refuses, raise `Out_of_memory`, as a failed major allocation does in the
//! stock runtime.

use super::ints::{alloc_nativeint, int32_val, nativeint_val};
use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::atoms::atom;
use crate::heap::value::{
    make_closinfo, Header, Value, CLOSURE_TAG, CUSTOM_TAG, DOUBLE_ARRAY_TAG, FORCING_TAG,
    FORWARD_TAG, INFIX_TAG, LAZY_TAG, MAX_WOSIZE, NO_SCAN_TAG, STRING_TAG, WORD,
};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_alloc_dummy", alloc_dummy),
    ("caml_alloc_dummy_float", alloc_dummy),
    ("caml_alloc_dummy_function", alloc_dummy),
    ("caml_alloc_dummy_infix", alloc_dummy_infix),
    ("caml_atomic_make_contended", atomic_make_contended),
    ("caml_fresh_oo_id", fresh_oo_id_prim),
    ("caml_get_public_method", get_public_method),
    ("caml_int_as_pointer", int_as_pointer),
    ("caml_lazy_make_forward", lazy_make_forward),
    ("caml_lazy_read_result", lazy_read_result),
    ("caml_lazy_reset_to_lazy", lazy_reset_to_lazy),
    ("caml_lazy_update_to_forcing", lazy_update_to_forcing),
    ("caml_lazy_update_to_forward", lazy_update_to_forward),
    ("caml_obj_add_offset", obj_add_offset),
    ("caml_obj_block", obj_block),
    ("caml_obj_compare_and_swap", obj_compare_and_swap),
    ("caml_obj_dup", obj_dup),
    ("caml_obj_is_shared", obj_is_shared),
    ("caml_obj_raw_field", obj_raw_field),
    ("caml_obj_set_raw_field", obj_set_raw_field),
    ("caml_obj_tag", obj_tag_prim),
    ("caml_obj_with_tag", obj_with_tag),
    ("caml_set_oo_id", set_oo_id),
    ("caml_update_dummy", update_dummy),
];

/// What `Obj.tag` answers for an immediate.
const INT_TAG: isize = 1000;
/// What `Obj.tag` answers for a pointer that is not word-aligned.
const UNALIGNED_TAG: isize = 1002;

/// `Obj.tag`: the block's tag, or one of the codes above.
pub fn obj_tag(v: Value) -> isize {
    if v.is_int() {
        INT_TAG
    } else if !v.0.is_multiple_of(WORD) {
        UNALIGNED_TAG
    } else {
        // SAFETY: an aligned pointer value is a block with a header. Acquire pairs with the
        // release of `set_tag`, so a Forward tag comes with its result field.
        let hd = unsafe { AtomicUsize::from_ptr(v.header_ptr()).load(Ordering::Acquire) };
        Header(hd).tag() as isize
    }
}

/// Changes the tag of `v` from `old` to `new`; false when the tag was not `old`.
fn update_tag(v: Value, old: u8, new: u8) -> bool {
    // SAFETY: v is a block, so its header word is readable and writable.
    let hp = unsafe { AtomicUsize::from_ptr(v.header_ptr()) };
    // Acquire/release: another domain's forcing (field write, then tag) must be seen whole.
    let mut hd = hp.load(Ordering::Acquire);
    loop {
        if Header(hd).tag() != old {
            return false;
        }
        let new_hd = (hd & !0xff) | new as usize;
        match hp.compare_exchange_weak(hd, new_hd, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return true,
            Err(cur) => hd = cur,
        }
    }
}

/// Overwrites the tag of a block that no other domain can see yet (a dummy being filled).
fn set_tag(v: Value, tag: u8) {
    // SAFETY: v is a block; its header word is ours to change.
    unsafe { *v.header_ptr() = (*v.header_ptr() & !0xff) | tag as usize };
}

/// `size` as a block size, `Out_of_memory` when no block can be that large.
fn block_size(size: Value) -> Result<usize, Exn> {
    let n = size.int() as usize;
    if n > MAX_WOSIZE {
        return Err(Exn::out_of_memory());
    }
    Ok(n)
}

#[inline(always)]
fn wosize(v: Value) -> usize {
    // SAFETY: callers pass blocks (OCaml type of the primitive).
    unsafe { v.wosize() }
}

fn obj_tag_prim(_: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(Value::of_int(obj_tag(args[0])))
}

/// Field index `pos` of block `v`, or the bound error.
fn field_index(v: Value, pos: Value) -> Result<usize, Exn> {
    let i = pos.int();
    if v.is_int() || i < 0 || i as usize >= wosize(v) {
        return Err(super::str::bound_error());
    }
    Ok(i as usize)
}

fn obj_raw_field(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let i = field_index(args[0], args[1])?;
    // SAFETY: i < wosize.
    let w = unsafe { args[0].raw(i) };
    Ok(alloc_nativeint(dom, w as isize))
}

fn obj_set_raw_field(_: &mut Domain, args: &[Value]) -> PrimResult {
    let i = field_index(args[0], args[1])?;
    // SAFETY: i < wosize; raw bits are stored without barrier, as the stock runtime does.
    unsafe { args[0].set_raw(i, nativeint_val(args[2]) as usize) };
    Ok(Value::UNIT)
}

/// `Obj.new_block tag size`: scannable fields hold `()`, a closure gets an empty
/// environment, a string a sane length; custom blocks cannot be made this way.
fn obj_block(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let tag = args[0].int();
    let size = block_size(args[1])?;
    if !(0..=255).contains(&tag) || tag as u8 == INFIX_TAG || tag as u8 == CUSTOM_TAG {
        return Err(Exn::invalid_arg("Obj.new_block"));
    }
    let tag = tag as u8;
    if (tag == CLOSURE_TAG && size < 2) || (tag == STRING_TAG && size == 0) {
        return Err(Exn::invalid_arg("Obj.new_block"));
    }
    let b = dom.try_alloc_block(tag, size)?;
    if tag == CLOSURE_TAG {
        // SAFETY: a closure of at least 2 fields.
        unsafe { b.set_field_raw(1, make_closinfo(0, 2)) };
    }
    Ok(b)
}

/// A copy of block `v` with tag `tag`.
fn copy_with_tag(dom: &mut Domain, tag: u8, v: Value) -> Value {
    let n = wosize(v);
    if n == 0 {
        return atom(tag);
    }
    let res = dom.alloc(n, tag);
    if tag >= NO_SCAN_TAG {
        // SAFETY: both blocks have n words; the fresh one cannot overlap v.
        unsafe { std::ptr::copy_nonoverlapping(v.0 as *const usize, res.0 as *mut usize, n) };
    } else {
        for i in 0..n {
            // SAFETY: i < n. Code pointers and infix headers are odd words, harmless here.
            let f = unsafe { v.field(i) };
            dom.initialize(res, i, f);
        }
    }
    res
}

fn obj_with_tag(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let tag = args[0].int();
    if !(0..=255).contains(&tag) || tag as u8 == INFIX_TAG {
        return Err(Exn::invalid_arg("Obj.with_tag"));
    }
    Ok(copy_with_tag(dom, tag as u8, args[1]))
}

fn obj_dup(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let v = args[0];
    if v.is_int() {
        return Ok(v);
    }
    // SAFETY: v is a block.
    let tag = unsafe { v.tag() };
    Ok(copy_with_tag(dom, tag, v))
}

fn obj_add_offset(_: &mut Domain, args: &[Value]) -> PrimResult {
    let off = int32_val(args[1]) as isize;
    Ok(Value(args[0].0.wrapping_add_signed(off)))
}

/// `compare_and_swap_field v i old new`: 1 if field `i` held `old` and now holds `new`.
fn obj_compare_and_swap(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let (v, old, new) = (args[0], args[2], args[3]);
    let i = field_index(v, args[1])?;
    // Another domain may race on the field (this primitive runs without the heap lock): an
    // atomic compare-and-swap, then the write barrier's bookkeeping for the store it made.
    let fp = v.field_ptr(i);
    // SAFETY: i < wosize: an aligned word of a live block (an argument, so a root while the
    // primitive runs); concurrent accesses are this primitive's, the atomics', or plain
    // aligned word accesses.
    let cell = unsafe { AtomicUsize::from_ptr(fp as *mut usize) };
    // SeqCst: `Atomic.Loc.compare_and_set` is sequentially consistent, as OCaml atomics are.
    match cell.compare_exchange(old.0, new.0, Ordering::SeqCst, Ordering::SeqCst) {
        Ok(prev) => {
            let young = crate::heap::young_space::is_young;
            crate::check::on_store(
                &mut dom.young.check,
                crate::heap::young_space::young_range(),
                v,
                i,
                new,
            );
            if !young(v) && young(new) && !young(Value(prev)) {
                dom.young.remember_slot(fp);
            }
            Ok(Value::of_int(1))
        }
        Err(_) => Ok(Value::of_int(0)),
    }
}

fn obj_is_shared(_: &mut Domain, args: &[Value]) -> PrimResult {
    let v = args[0];
    Ok(Value::of_bool(v.is_int() || !crate::heap::young_space::is_young(v)))
}

// Lazy values: Lazy_tag (a thunk), Forcing_tag (being forced), Forward_tag (the result).

fn lazy_make_forward(dom: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(dom.alloc_tuple(FORWARD_TAG, &[args[0]]))
}

fn lazy_read_result(_: &mut Domain, args: &[Value]) -> PrimResult {
    let v = args[0];
    if obj_tag(v) == FORWARD_TAG as isize {
        // SAFETY: a Forward_tag block has its result in field 0.
        return Ok(unsafe { v.field(0) });
    }
    Ok(v)
}

fn lazy_update_to_forcing(_: &mut Domain, args: &[Value]) -> PrimResult {
    let v = args[0];
    let ok = v.is_block() && update_tag(v, LAZY_TAG, FORCING_TAG);
    Ok(Value::of_int(if ok { 0 } else { 1 }))
}

fn lazy_reset_to_lazy(_: &mut Domain, args: &[Value]) -> PrimResult {
    if args[0].is_block() {
        update_tag(args[0], FORCING_TAG, LAZY_TAG);
    }
    Ok(Value::UNIT)
}

fn lazy_update_to_forward(_: &mut Domain, args: &[Value]) -> PrimResult {
    if args[0].is_block() {
        update_tag(args[0], FORCING_TAG, FORWARD_TAG);
    }
    Ok(Value::UNIT)
}

// Objects.

/// The method of `obj` whose label is `tag`, by binary search in its method table
/// `[n; _; m1; l1; m2; l2 ...]` sorted by label (as GETPUBMET). An absent label gives 0.
fn get_public_method(_: &mut Domain, args: &[Value]) -> PrimResult {
    let (obj, tag) = (args[0], args[1].0 as isize);
    // SAFETY: an object's field 0 is its method table, a block whose field 0 is the number
    // of methods; indices are kept below the table's size.
    unsafe {
        let meths = obj.field(0);
        let last = wosize(meths).saturating_sub(1);
        let mut lo: usize = 3;
        let mut hi: usize = (meths.field(0).0).min(last);
        while lo < hi {
            let mid = ((lo + hi) >> 1) | 1;
            if tag < meths.field(mid).0 as isize {
                hi = mid - 2;
            } else {
                lo = mid;
            }
        }
        if lo <= last && meths.field(lo).0 as isize == tag {
            Ok(meths.field(lo - 1))
        } else {
            Ok(Value::of_int(0))
        }
    }
}

/// Object ids are handed out to domains in chunks, so that domains rarely touch the
/// shared counter.
const ID_CHUNK: isize = 1024;
/// The next unclaimed chunk of object ids.
static NEXT_ID_CHUNK: AtomicIsize = AtomicIsize::new(0);

/// A fresh object (or exception) id.
pub fn fresh_oo_id(dom: &mut Domain) -> isize {
    if dom.oo_id % ID_CHUNK == 0 {
        // Relaxed: the counter only has to hand out disjoint chunks; it publishes no data.
        dom.oo_id = NEXT_ID_CHUNK.fetch_add(ID_CHUNK, Ordering::Relaxed);
    }
    let id = dom.oo_id;
    dom.oo_id += 1;
    id
}

fn fresh_oo_id_prim(dom: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::of_int(fresh_oo_id(dom)))
}

/// Gives object `obj` (a fresh copy) a new id in field 1.
fn set_oo_id(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let obj = args[0];
    let id = Value::of_int(fresh_oo_id(dom));
    if obj.is_block() && wosize(obj) >= 2 {
        // SAFETY: field 1 exists; an immediate needs no barrier.
        unsafe { obj.set_field_raw(1, id) };
    }
    Ok(obj)
}

fn int_as_pointer(_: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(Value(args[0].0.wrapping_sub(1)))
}

// Recursive definitions: `let rec` allocates dummies of the right size, builds the values,
// then copies each value into its dummy.

/// `caml_alloc_dummy n` (also the `_function` and `_float` variants): a tag-0 block of `n`
/// unit fields. A float-record dummy also starts with tag 0; `update_dummy` retags it.
fn alloc_dummy(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let n = block_size(args[0])?;
    dom.try_alloc_block(0, n)
}

/// A dummy closure of `size` fields for a function defined at word `offset` of a mutually
/// recursive set: the result is the infix pointer when `offset > 0`. Its closinfo puts the
/// environment at the end, so the collector scans none of its fields.
fn alloc_dummy_infix(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let n = block_size(args[0])?;
    let offset = args[1].int();
    if n < 2 || offset < 0 || offset as usize >= n {
        return Err(Exn::invalid_arg("caml_alloc_dummy_infix"));
    }
    let offset = offset as usize;
    let v = dom.try_alloc_block(CLOSURE_TAG, n)?;
    // SAFETY: the block has n >= 2 fields and 0 < offset < n, so field offset - 1 (the
    // infix header's word) is inside it.
    unsafe {
        v.set_field_raw(1, make_closinfo(0, n));
        if offset > 0 {
            let inner = Value(v.0 + offset * WORD);
            *inner.header_ptr() = Header::new(offset, INFIX_TAG, 0).0;
            return Ok(inner);
        }
    }
    Ok(v)
}

/// Copies `newval` into the dummy allocated for it (tag and fields).
fn update_dummy(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let (mut dummy, newval) = (args[0], args[1]);
    if wosize(dummy) == 0 || newval.is_int() {
        // Atoms are shared and need no update (the dummy already has tag 0).
        return Ok(Value::UNIT);
    }
    // SAFETY: newval is a block.
    let tag = unsafe { newval.tag() };
    if tag == DOUBLE_ARRAY_TAG {
        set_tag(dummy, DOUBLE_ARRAY_TAG);
        let n = wosize(newval).min(wosize(dummy));
        for i in 0..n {
            // SAFETY: i is below both sizes.
            unsafe { dummy.set_double_field(i, newval.double_field(i)) };
        }
        return Ok(Value::UNIT);
    }
    let mut src = newval;
    if tag == INFIX_TAG {
        // Both are infix pointers at the same offset: copy the whole enclosing closure.
        // SAFETY: infix pointers have an infix header giving their offset, and the dummy
        // passed with one is an infix pointer too.
        unsafe {
            src = Value(newval.0 - newval.wosize() * WORD);
            if dummy.tag() == INFIX_TAG {
                dummy = Value(dummy.0 - dummy.wosize() * WORD);
            }
        }
    } else {
        set_tag(dummy, tag);
    }
    let n = wosize(src).min(wosize(dummy));
    if tag >= NO_SCAN_TAG {
        // SAFETY: n words fit in both blocks; raw data needs no barrier.
        unsafe { std::ptr::copy_nonoverlapping(src.0 as *const usize, dummy.0 as *mut usize, n) };
        return Ok(Value::UNIT);
    }
    for i in 0..n {
        // SAFETY: i < n. Code pointers and infix headers are odd words, safe to store.
        let f = unsafe { src.field(i) };
        dom.modify(dummy, i, f);
    }
    Ok(Value::UNIT)
}

/// Words of an atomic padded to a cache line (64 bytes, header included).
const CONTENDED_WOSIZE: usize = 64 / WORD - 1;

/// `Atomic.make_contended v`: a major block alone on its cache line.
fn atomic_make_contended(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let b = dom.alloc_major(CONTENDED_WOSIZE, 0);
    dom.initialize(b, 0, args[0]);
    for i in 1..CONTENDED_WOSIZE {
        // SAFETY: i < CONTENDED_WOSIZE; an immediate needs no barrier.
        unsafe { b.set_field_raw(i, Value::UNIT) };
    }
    Ok(b)
}
