//! Weak arrays and ephemerons (stock `weak.c`; `Weak` and `Obj.Ephemeron` are built on them).
//!
//! An ephemeron is an Abstract_tag block of the major heap, `[link; data; key0; key1 ...]`,
//! registered in `Gc::ephemerons`; an empty slot holds `ephe_none`. Major cycles run whole,
//! so the stock runtime's "clean on access during the sweep phase" has nothing to do here:
//! a dead key or its data is already `ephe_none` when the program can look. Stores go
//! through the write barrier, so a young key or data is remembered until promoted.

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::gc::major::{EPHE_DATA, EPHE_FIRST_KEY};
use crate::heap::atoms::ephe_none;
use crate::heap::value::{
    closinfo_startenv, Value, ABSTRACT_TAG, CLOSURE_TAG, CUSTOM_TAG, INFIX_TAG, MAX_WOSIZE,
    NO_SCAN_TAG, WORD,
};

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_weak_create", ephe_create),
    ("caml_weak_set", weak_set),
    ("caml_weak_get", ephe_get_key),
    ("caml_weak_get_copy", ephe_get_key_copy),
    ("caml_weak_check", ephe_check_key),
    ("caml_weak_blit", ephe_blit_key),
    ("caml_ephe_create", ephe_create),
    ("caml_ephe_set_key", ephe_set_key),
    ("caml_ephe_unset_key", ephe_unset_key),
    ("caml_ephe_get_key", ephe_get_key),
    ("caml_ephe_get_key_copy", ephe_get_key_copy),
    ("caml_ephe_check_key", ephe_check_key),
    ("caml_ephe_blit_key", ephe_blit_key),
    ("caml_ephe_set_data", ephe_set_data),
    ("caml_ephe_unset_data", ephe_unset_data),
    ("caml_ephe_get_data", ephe_get_data),
    ("caml_ephe_get_data_copy", ephe_get_data_copy),
    ("caml_ephe_check_data", ephe_check_data),
    ("caml_ephe_blit_data", ephe_blit_data),
];

/// The size of ephemeron `e` in words, or `Invalid_argument msg` if `e` is not a block.
fn ephe_size(e: Value, msg: &str) -> Result<usize, Exn> {
    if e.is_block() {
        // SAFETY: e is a block.
        Ok(unsafe { e.wosize() })
    } else {
        Err(Exn::invalid_arg(msg))
    }
}

/// The field offset of key `n` of `e`, checked as the stock runtime does.
fn key_offset(e: Value, n: Value, msg: &str) -> Result<usize, Exn> {
    let size = ephe_size(e, msg)?;
    let off = (n.int() as usize).wrapping_add(EPHE_FIRST_KEY);
    if off < EPHE_FIRST_KEY || off >= size {
        return Err(Exn::invalid_arg(msg));
    }
    Ok(off)
}

fn ephe_create(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let len = args[0].int();
    let size = (len as usize).wrapping_add(EPHE_FIRST_KEY);
    if !(EPHE_FIRST_KEY..=MAX_WOSIZE).contains(&size) {
        return Err(Exn::invalid_arg("Weak.create"));
    }
    let e = dom.try_alloc_major(size, ABSTRACT_TAG)?;
    let none = ephe_none();
    // SAFETY: e has `size` words; ephemerons are never scanned, so raw stores are fine.
    unsafe {
        e.set_field_raw(0, Value::UNIT);
        for i in EPHE_DATA..size {
            e.set_field_raw(i, none);
        }
    }
    dom.gc.ephemerons.push(e);
    Ok(e)
}

fn set_field(dom: &mut Domain, e: Value, off: usize, v: Value) {
    dom.modify(e, off, v);
}

fn ephe_set_key(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let off = key_offset(args[0], args[1], "Weak.set")?;
    set_field(dom, args[0], off, args[2]);
    Ok(Value::UNIT)
}

fn ephe_unset_key(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let off = key_offset(args[0], args[1], "Weak.set")?;
    set_field(dom, args[0], off, ephe_none());
    Ok(Value::UNIT)
}

fn weak_set(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let off = key_offset(args[0], args[1], "Weak.set")?;
    let el = args[2];
    let v = if el.is_block() {
        // SAFETY: `Some x` is a block with one field.
        unsafe { el.field(0) }
    } else {
        ephe_none()
    };
    set_field(dom, args[0], off, v);
    Ok(Value::UNIT)
}

fn ephe_set_data(dom: &mut Domain, args: &[Value]) -> PrimResult {
    ephe_size(args[0], "Weak.set")?;
    set_field(dom, args[0], EPHE_DATA, args[1]);
    Ok(Value::UNIT)
}

fn ephe_unset_data(dom: &mut Domain, args: &[Value]) -> PrimResult {
    ephe_size(args[0], "Weak.set")?;
    set_field(dom, args[0], EPHE_DATA, ephe_none());
    Ok(Value::UNIT)
}

/// `Some field` or `None`.
fn get_field(dom: &mut Domain, e: Value, off: usize) -> PrimResult {
    // SAFETY: off was checked against e's size.
    let v = unsafe { e.field(off) };
    if v == ephe_none() {
        Ok(Value::NONE)
    } else {
        Ok(dom.alloc_some(v))
    }
}

fn ephe_get_key(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let off = key_offset(args[0], args[1], "Weak.get")?;
    get_field(dom, args[0], off)
}

fn ephe_get_data(dom: &mut Domain, args: &[Value]) -> PrimResult {
    if ephe_size(args[0], "Weak.get")? <= EPHE_DATA {
        return Err(Exn::invalid_arg("Weak.get"));
    }
    get_field(dom, args[0], EPHE_DATA)
}

/// A shallow copy of the block `v` (immediates and custom blocks are shared).
fn shallow_copy(dom: &mut Domain, v: Value) -> Value {
    if !v.is_block() {
        return v;
    }
    // SAFETY: v is a live block (held by an ephemeron slot).
    let (tag, wosize) = unsafe { (v.tag(), v.wosize()) };
    if tag == CUSTOM_TAG || wosize == 0 {
        return v;
    }
    if tag == INFIX_TAG {
        let offset = wosize * WORD;
        let start = Value(v.0 - offset);
        let copy = shallow_copy(dom, start);
        return Value(copy.0 + offset);
    }
    let copy = dom.alloc(wosize, tag);
    // Words before `scan_from` are not values (or need no barrier); the rest are values.
    let scan_from = if tag >= NO_SCAN_TAG {
        wosize
    } else if tag == CLOSURE_TAG {
        // SAFETY: closures have a closinfo field.
        closinfo_startenv(unsafe { v.field(1) }).min(wosize)
    } else {
        0
    };
    for i in 0..wosize {
        // SAFETY: both blocks have wosize words.
        unsafe {
            if i < scan_from {
                copy.set_raw(i, v.raw(i));
            } else {
                dom.initialize(copy, i, v.field(i));
            }
        }
    }
    copy
}

fn get_field_copy(dom: &mut Domain, e: Value, off: usize) -> PrimResult {
    // SAFETY: off was checked against e's size.
    let v = unsafe { e.field(off) };
    if v == ephe_none() {
        return Ok(Value::NONE);
    }
    let copy = shallow_copy(dom, v);
    Ok(dom.alloc_some(copy))
}

fn ephe_get_key_copy(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let off = key_offset(args[0], args[1], "Weak.get")?;
    get_field_copy(dom, args[0], off)
}

fn ephe_get_data_copy(dom: &mut Domain, args: &[Value]) -> PrimResult {
    if ephe_size(args[0], "Weak.get")? <= EPHE_DATA {
        return Err(Exn::invalid_arg("Weak.get"));
    }
    get_field_copy(dom, args[0], EPHE_DATA)
}

fn ephe_check_key(_: &mut Domain, args: &[Value]) -> PrimResult {
    let off = key_offset(args[0], args[1], "Weak.check")?;
    // SAFETY: off was checked against the size.
    Ok(Value::of_bool(unsafe { args[0].field(off) } != ephe_none()))
}

fn ephe_check_data(_: &mut Domain, args: &[Value]) -> PrimResult {
    if ephe_size(args[0], "Weak.check")? <= EPHE_DATA {
        return Err(Exn::invalid_arg("Weak.check"));
    }
    // SAFETY: the data field exists.
    Ok(Value::of_bool(unsafe { args[0].field(EPHE_DATA) } != ephe_none()))
}

/// Copies `len` slots from `es` at `os` to `ed` at `od`, in the order that handles overlap.
fn blit_fields(dom: &mut Domain, es: Value, os: usize, ed: Value, od: usize, len: usize) {
    let copy = |dom: &mut Domain, i: usize| {
        // SAFETY: the caller checked both ranges.
        let v = unsafe { es.field(os + i) };
        dom.modify(ed, od + i, v);
    };
    if od < os {
        (0..len).for_each(|i| copy(dom, i));
    } else {
        (0..len).rev().for_each(|i| copy(dom, i));
    }
}

fn ephe_blit_key(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let (es, ed) = (args[0], args[2]);
    let size_s = ephe_size(es, "Weak.blit")?;
    let size_d = ephe_size(ed, "Weak.blit")?;
    let os = (args[1].int() as usize).wrapping_add(EPHE_FIRST_KEY);
    let od = (args[3].int() as usize).wrapping_add(EPHE_FIRST_KEY);
    let len = args[4].int();
    // The stock bounds checks, in the same unsigned arithmetic.
    if os < EPHE_FIRST_KEY || os.wrapping_add(len as usize) > size_s {
        return Err(Exn::invalid_arg("Weak.blit"));
    }
    if od < EPHE_FIRST_KEY || od.wrapping_add(len as usize) > size_d {
        return Err(Exn::invalid_arg("Weak.blit"));
    }
    // A negative length that slipped through the wrapped checks copies nothing.
    if len <= 0 {
        return Ok(Value::UNIT);
    }
    blit_fields(dom, es, os, ed, od, len as usize);
    Ok(Value::UNIT)
}

fn ephe_blit_data(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let (es, ed) = (args[0], args[1]);
    if ephe_size(es, "Weak.blit")? <= EPHE_DATA || ephe_size(ed, "Weak.blit")? <= EPHE_DATA {
        return Err(Exn::invalid_arg("Weak.blit"));
    }
    blit_fields(dom, es, EPHE_DATA, ed, EPHE_DATA, 1);
    Ok(Value::UNIT)
}
