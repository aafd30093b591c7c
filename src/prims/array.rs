//! Array primitives (the stock `array.c`): creation, checked and unchecked access, sub,
//! append, concat, blit and fill, for the three kinds the stdlib distinguishes.
//!
//! With flat float arrays, a `float array` is a Double_array_tag block of unboxed doubles,
//! so the generic `caml_array_*` primitives dispatch on the tag; `caml_floatarray_*` know
//! they have floats and `caml_uniform_array_*` know they do not. Stores into a major array go
//! through the write barrier (`Domain::modify` / `Domain::initialize`). Offsets and lengths
//! that the stock runtime trusts are checked too, raising "index out of bounds". A result
//! the C allocator refuses raises `Out_of_memory`, as in the stock runtime; sizes beyond the
//! largest block raise `Invalid_argument` first.

use super::str::{bound_error, out_of_bounds};
use super::{arg_array, PrimFn};
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::atoms::atom;
use crate::heap::value::{Value, DOUBLE_ARRAY_TAG, DOUBLE_TAG, MAX_WOSIZE};

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_array_append", array_append),
    ("caml_array_blit", array_blit),
    ("caml_array_concat", array_concat),
    ("caml_array_create_float", floatarray_create),
    ("caml_array_fill", array_fill),
    ("caml_array_get", array_get),
    ("caml_array_get_addr", array_get_addr),
    ("caml_array_make", array_make),
    ("caml_array_of_uniform_array", array_of_uniform_array),
    ("caml_array_set", array_set),
    ("caml_array_set_addr", array_set_addr),
    ("caml_array_sub", array_sub),
    ("caml_array_unsafe_get", array_get),
    ("caml_array_unsafe_set", array_set),
    ("caml_floatarray_append", floatarray_append),
    ("caml_floatarray_blit", floatarray_blit),
    ("caml_floatarray_create", floatarray_create),
    ("caml_floatarray_fill", floatarray_fill),
    ("caml_floatarray_fill_unboxed", floatarray_fill),
    ("caml_floatarray_get", floatarray_get),
    ("caml_floatarray_make", floatarray_make),
    ("caml_floatarray_make_unboxed", floatarray_make),
    ("caml_floatarray_set", floatarray_set),
    ("caml_floatarray_sub", floatarray_sub),
    ("caml_floatarray_unsafe_get", floatarray_get),
    ("caml_floatarray_unsafe_set", floatarray_set),
    ("caml_make_array", array_of_uniform_array),
    ("caml_make_float_vect", floatarray_create),
    ("caml_make_vect", array_make),
    ("caml_uniform_array_append", uniform_array_append),
    ("caml_uniform_array_blit", uniform_array_blit),
    ("caml_uniform_array_fill", uniform_array_fill),
    ("caml_uniform_array_make", uniform_array_make),
    ("caml_uniform_array_sub", uniform_array_sub),
];

// The `_unboxed` variants take raw doubles only in native code; bytecode passes boxed values,
// so they share the boxed implementations. The `unsafe` variants are checked like the safe
// ones: a bound check costs little and turns a wild access into an exception.

/// Number of elements (fields, or doubles for a float array: one word each on 64-bit).
#[inline(always)]
fn length(a: Value) -> usize {
    // SAFETY: arrays are blocks (OCaml type).
    unsafe { a.wosize() }
}

#[inline(always)]
fn is_float_array(a: Value) -> bool {
    // SAFETY: arrays are blocks (OCaml type).
    unsafe { a.tag() == DOUBLE_ARRAY_TAG }
}

/// The double in a boxed float argument.
#[inline(always)]
fn double_arg(v: Value) -> f64 {
    // SAFETY: the argument is a float (OCaml type), so a Double_tag block.
    unsafe { v.double() }
}

/// `idx` as an index of `a`, or the bound error.
#[inline(always)]
fn index(a: Value, idx: Value) -> Result<usize, Exn> {
    // A negative index wraps to beyond any length: one comparison checks both ends.
    let i = idx.int() as usize;
    if i >= length(a) {
        return Err(bound_error());
    }
    Ok(i)
}

/// Checks that `[ofs, ofs + len)` lies inside `a`; returns them as usize.
#[inline(always)]
fn span(a: Value, ofs: isize, len: isize) -> Result<(usize, usize), Exn> {
    if ofs < 0 || len < 0 || ofs as usize + len as usize > length(a) {
        return Err(bound_error());
    }
    Ok((ofs as usize, len as usize))
}

// Access.

fn array_get(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [a, i] = arg_array(args);
    if is_float_array(a) {
        return floatarray_get(dom, args);
    }
    let i = i.int() as usize;
    if i >= length(a) {
        return out_of_bounds();
    }
    // SAFETY: i < wosize.
    Ok(unsafe { a.field(i) })
}

fn array_get_addr(_: &mut Domain, args: &[Value]) -> PrimResult {
    let [a, i] = arg_array(args);
    let i = i.int() as usize;
    if i >= length(a) {
        return out_of_bounds();
    }
    // SAFETY: i < wosize.
    Ok(unsafe { a.field(i) })
}

#[inline(never)]
fn floatarray_get(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [a, i] = arg_array(args);
    let i = index(a, i)?;
    // SAFETY: a float array with more than i elements.
    let d = unsafe { a.double_field(i) };
    Ok(dom.alloc_float(d))
}

fn array_set(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [a, i, v] = arg_array(args);
    if is_float_array(a) {
        return floatarray_set(dom, args);
    }
    let i = index(a, i)?;
    dom.modify(a, i, v);
    Ok(Value::UNIT)
}

fn array_set_addr(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [a, i, v] = arg_array(args);
    let i = i.int() as usize;
    if i >= length(a) {
        return out_of_bounds();
    }
    dom.modify(a, i, v);
    Ok(Value::UNIT)
}

#[inline(never)]
fn floatarray_set(_: &mut Domain, args: &[Value]) -> PrimResult {
    let [a, i, v] = arg_array(args);
    let i = index(a, i)?;
    // SAFETY: a float array with more than i elements.
    unsafe { a.set_double_field(i, double_arg(v)) };
    Ok(Value::UNIT)
}

// Creation.

/// `Float.Array.create n` / `Array.create_float n`: contents unspecified (zero here).
fn floatarray_create(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let n = args[0].int() as usize;
    if n > MAX_WOSIZE {
        return Err(Exn::invalid_arg("Float.Array.create"));
    }
    dom.try_alloc_float_array(n)
}

/// A float array of `size` copies of `init` ("Array.make" on a bad size).
fn make_floats(dom: &mut Domain, size: isize, init: f64) -> PrimResult {
    if size == 0 {
        return Ok(atom(0));
    }
    let n = size as usize;
    if n > MAX_WOSIZE {
        return Err(Exn::invalid_arg("Array.make"));
    }
    let a = dom.try_alloc(n, DOUBLE_ARRAY_TAG)?;
    for i in 0..n {
        // SAFETY: a has n double fields.
        unsafe { a.set_double_field(i, init) };
    }
    Ok(a)
}

fn floatarray_make(dom: &mut Domain, args: &[Value]) -> PrimResult {
    make_floats(dom, args[0].int(), double_arg(args[1]))
}

fn uniform_array_make(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let (n, init) = (args[0].int() as usize, args[1]);
    if n == 0 {
        return Ok(atom(0));
    }
    if n > MAX_WOSIZE {
        return Err(Exn::invalid_arg("Array.make"));
    }
    // A major array filled with a young value needs one remembered slot per field, which
    // `initialize` records; the stock runtime promotes `init` first instead, which a
    // primitive cannot do here (allocation never collects).
    let a = dom.try_alloc(n, 0)?;
    dom.initialize_fill(a, n, init);
    Ok(a)
}

/// `Array.make`: a flat float array when the initial value is a float.
fn array_make(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let init = args[1];
    // SAFETY: a block argument has a header.
    if init.is_block() && unsafe { init.tag() } == DOUBLE_TAG {
        return floatarray_make(dom, args);
    }
    uniform_array_make(dom, args)
}

/// Array literals: an array of boxed floats becomes a flat float array; anything else is
/// returned as it is.
fn array_of_uniform_array(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let init = args[0];
    let n = length(init);
    if n == 0 {
        return Ok(init);
    }
    // SAFETY: init has n >= 1 fields.
    let first = unsafe { init.field(0) };
    // SAFETY: a block has a header.
    if first.is_int() || unsafe { first.tag() } != DOUBLE_TAG {
        return Ok(init);
    }
    let a = dom.try_alloc(n, DOUBLE_ARRAY_TAG)?;
    for i in 0..n {
        // SAFETY: i < n; the elements of a float array literal are boxed floats.
        unsafe { a.set_double_field(i, init.field(i).double()) };
    }
    Ok(a)
}

// Sub, append, concat: copy pieces `(array, offset, length)` into a fresh array.

type Piece = (Value, usize, usize);

/// Total length of the pieces, "Array.concat" if it does not fit in a block.
fn total_len(pieces: &[Piece]) -> Result<usize, Exn> {
    let mut size: usize = 0;
    for &(_, _, len) in pieces {
        size = size.checked_add(len).ok_or_else(|| Exn::invalid_arg("Array.concat"))?;
    }
    if size > MAX_WOSIZE {
        return Err(Exn::invalid_arg("Array.concat"));
    }
    Ok(size)
}

/// Concatenates float arrays. The empty result is the Double_array_tag atom, as in the
/// stock runtime (observable through `Obj.tag` and polymorphic comparison).
fn gather_floats(dom: &mut Domain, pieces: &[Piece]) -> PrimResult {
    let size = total_len(pieces)?;
    let res = dom.try_alloc(size, DOUBLE_ARRAY_TAG)?;
    let mut pos = 0;
    for &(a, ofs, len) in pieces {
        // SAFETY: each piece lies inside its array (checked by the callers) and the result
        // has room for all of them; a fresh block cannot overlap a source.
        unsafe {
            std::ptr::copy_nonoverlapping(
                (a.0 as *const f64).add(ofs),
                (res.0 as *mut f64).add(pos),
                len,
            )
        };
        pos += len;
    }
    Ok(res)
}

/// Concatenates arrays of values.
fn gather_values(dom: &mut Domain, pieces: &[Piece]) -> PrimResult {
    let size = total_len(pieces)?;
    if size == 0 {
        return Ok(atom(0));
    }
    let res = dom.try_alloc(size, 0)?;
    let mut pos = 0;
    for &(a, ofs, len) in pieces {
        for i in ofs..ofs + len {
            // SAFETY: i < length(a) (checked by the callers).
            let v = unsafe { a.field(i) };
            dom.initialize(res, pos, v);
            pos += 1;
        }
    }
    Ok(res)
}

/// Concatenates arrays of either kind: the first non-empty array says which.
fn gather(dom: &mut Domain, pieces: &[Piece]) -> PrimResult {
    match pieces.iter().find(|p| length(p.0) != 0) {
        Some(p) if is_float_array(p.0) => gather_floats(dom, pieces),
        _ => gather_values(dom, pieces),
    }
}

fn sub_piece(args: &[Value]) -> Result<Piece, Exn> {
    let (ofs, len) = span(args[0], args[1].int(), args[2].int())?;
    Ok((args[0], ofs, len))
}

fn array_sub(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let p = sub_piece(args)?;
    gather(dom, &[p])
}

fn floatarray_sub(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let p = sub_piece(args)?;
    gather_floats(dom, &[p])
}

fn uniform_array_sub(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let p = sub_piece(args)?;
    gather_values(dom, &[p])
}

fn whole(a: Value) -> Piece {
    (a, 0, length(a))
}

fn array_append(dom: &mut Domain, args: &[Value]) -> PrimResult {
    gather(dom, &[whole(args[0]), whole(args[1])])
}

fn floatarray_append(dom: &mut Domain, args: &[Value]) -> PrimResult {
    gather_floats(dom, &[whole(args[0]), whole(args[1])])
}

fn uniform_array_append(dom: &mut Domain, args: &[Value]) -> PrimResult {
    gather_values(dom, &[whole(args[0]), whole(args[1])])
}

/// `Array.concat`: the argument is a list of arrays.
fn array_concat(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let mut pieces = Vec::new();
    let mut l = args[0];
    while l.is_block() {
        // SAFETY: a cons cell has two fields.
        let (a, next) = unsafe { (l.field(0), l.field(1)) };
        pieces.push(whole(a));
        l = next;
    }
    gather(dom, &pieces)
}

// Blit and fill.

fn array_blit(dom: &mut Domain, args: &[Value]) -> PrimResult {
    if is_float_array(args[2]) {
        return floatarray_blit(dom, args);
    }
    uniform_array_blit(dom, args)
}

/// Checks both ranges of `blit a1 o1 a2 o2 n`; None when there is nothing to copy.
fn blit_spans(args: &[Value]) -> Result<Option<(usize, usize, usize)>, Exn> {
    let n = args[4].int();
    if n == 0 {
        return Ok(None);
    }
    let (o1, n1) = span(args[0], args[1].int(), n)?;
    let (o2, _) = span(args[2], args[3].int(), n)?;
    Ok(Some((o1, o2, n1)))
}

fn floatarray_blit(_: &mut Domain, args: &[Value]) -> PrimResult {
    let Some((o1, o2, n)) = blit_spans(args)? else { return Ok(Value::UNIT) };
    // SAFETY: both ranges were checked; `copy` allows overlap (same array).
    unsafe {
        std::ptr::copy((args[0].0 as *const f64).add(o1), (args[2].0 as *mut f64).add(o2), n)
    };
    Ok(Value::UNIT)
}

fn uniform_array_blit(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let Some((o1, o2, n)) = blit_spans(args)? else { return Ok(Value::UNIT) };
    let (a1, a2) = (args[0], args[2]);
    if crate::heap::young_space::is_young(a2) {
        // A young destination creates no old-to-young pointer: a plain (overlap-safe) copy.
        // SAFETY: both ranges were checked.
        unsafe { std::ptr::copy(a1.field_ptr(o1) as *const Value, a2.field_ptr(o2), n) };
        return Ok(Value::UNIT);
    }
    // Overlapping ranges of one array are copied from the end when moving right.
    if a1 == a2 && o1 < o2 {
        for i in (0..n).rev() {
            // SAFETY: o1 + i is inside a1 (checked above).
            let v = unsafe { a1.field(o1 + i) };
            dom.modify(a2, o2 + i, v);
        }
    } else {
        for i in 0..n {
            // SAFETY: o1 + i is inside a1 (checked above).
            let v = unsafe { a1.field(o1 + i) };
            dom.modify(a2, o2 + i, v);
        }
    }
    Ok(Value::UNIT)
}

fn array_fill(dom: &mut Domain, args: &[Value]) -> PrimResult {
    if is_float_array(args[0]) {
        return floatarray_fill(dom, args);
    }
    uniform_array_fill(dom, args)
}

fn floatarray_fill(_: &mut Domain, args: &[Value]) -> PrimResult {
    if args[2].int() <= 0 {
        return Ok(Value::UNIT);
    }
    let (ofs, len) = span(args[0], args[1].int(), args[2].int())?;
    let d = double_arg(args[3]);
    for i in ofs..ofs + len {
        // SAFETY: i is inside the array (checked above).
        unsafe { args[0].set_double_field(i, d) };
    }
    Ok(Value::UNIT)
}

fn uniform_array_fill(dom: &mut Domain, args: &[Value]) -> PrimResult {
    if args[2].int() <= 0 {
        return Ok(Value::UNIT);
    }
    let (ofs, len) = span(args[0], args[1].int(), args[2].int())?;
    let (a, v) = (args[0], args[3]);
    let young = crate::heap::young_space::is_young(a);
    for i in ofs..ofs + len {
        if young {
            // SAFETY: i is inside the array; a young array needs no barrier.
            unsafe { a.set_field_raw(i, v) };
        } else {
            dom.modify(a, i, v);
        }
    }
    Ok(Value::UNIT)
}
