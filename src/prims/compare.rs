//! Polymorphic comparison (the stock `compare.c`): `compare`, `=`, `<>`, `<`, `<=`, `>`, `>=`
//! on arbitrary values, and `compare_values` for other areas that need the same order.
//!
//! The walk is iterative: an explicit stack of partly compared blocks, capped at the stock
//! runtime's size (beyond which comparison raises `Out_of_memory`), so deep values never use
//! the Rust stack. The total order (`compare`) puts nan below every other float and equal to
//! itself; the other primitives treat any nan as unordered, which makes them all false but
//! `<>`. Comparison never allocates, so values cannot move while it runs.

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::custom::ops_of;
use crate::heap::value::{
    Value, ABSTRACT_TAG, CLOSURE_TAG, CONT_TAG, CUSTOM_TAG, DOUBLE_ARRAY_TAG, DOUBLE_TAG,
    FORWARD_TAG, INFIX_TAG, OBJECT_TAG, STRING_TAG,
};
use std::cell::Cell;
use std::mem::MaybeUninit;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_compare", compare),
    ("caml_equal", equal),
    ("caml_greaterequal", greaterequal),
    ("caml_greaterthan", greaterthan),
    ("caml_lessequal", lessequal),
    ("caml_lessthan", lessthan),
    ("caml_notequal", notequal),
];

/// The result of `compare_values` when a nan made the values incomparable (never returned
/// by the total order).
pub const UNORDERED: isize = isize::MIN;
const LESS: isize = -1;
const GREATER: isize = 1;

/// Most pending blocks the walk keeps: the stock stack starts at 8 items, then 32, and
/// doubles up to this size; the next growth fails with `Out_of_memory`.
const MAX_PENDING: usize = 1 << 19;

thread_local! {
    /// Set by a custom block's compare function when it met incomparable contents (a nan in
    /// a float bigarray): this domain's `compare_unordered` flag.
    static UNORDERED_SEEN: Cell<bool> = const { Cell::new(false) };
}

/// Called by a custom compare function to say its result involved a nan, so that `=` and
/// friends treat the values as unordered (`Caml_state->compare_unordered = 1`).
pub fn note_unordered() {
    UNORDERED_SEEN.with(|c| c.set(true));
}

/// A block whose fields `offset..size` remain to be compared.
struct Pending {
    v1: Value,
    v2: Value,
    offset: usize,
    size: usize,
}

/// Pending blocks kept in place before the walk's stack takes a vector (as the stock
/// runtime's first 8): most compared values (tuples, short lists, records) nest less, and
/// a vector's first push cost a `malloc` and a `free` per comparison, about 200
/// instructions, more than the comparison itself.
const IN_PLACE: usize = 8;

/// The walk's stack of pending blocks: the first [`IN_PLACE`] in place, the deeper ones
/// in `more`.
///
/// Invariant: `inline[..len]` are initialised; `more` is empty unless `len == IN_PLACE`,
/// so the top is `more`'s last when it has one, else `inline[len - 1]`.
struct Pendings {
    inline: [MaybeUninit<Pending>; IN_PLACE],
    len: usize,
    more: Vec<Pending>,
}

impl Pendings {
    #[inline(always)]
    fn new() -> Pendings {
        Pendings { inline: [const { MaybeUninit::uninit() }; IN_PLACE], len: 0, more: Vec::new() }
    }

    /// How many blocks are pending.
    #[inline(always)]
    fn count(&self) -> usize {
        self.len + self.more.len()
    }

    #[inline(always)]
    fn push(&mut self, p: Pending) {
        if self.len < IN_PLACE {
            self.inline[self.len].write(p);
            self.len += 1;
        } else {
            self.more.push(p);
        }
    }

    #[inline(always)]
    fn top(&mut self) -> Option<&mut Pending> {
        if let Some(p) = self.more.last_mut() {
            return Some(p);
        }
        let i = self.len.checked_sub(1)?;
        // SAFETY: `inline[..len]` are initialised (the type's invariant).
        Some(unsafe { self.inline[i].assume_init_mut() })
    }

    #[inline(always)]
    fn pop(&mut self) {
        if self.more.pop().is_none() {
            // `Pending` needs no drop: forgetting the slot is enough.
            self.len = self.len.saturating_sub(1);
        }
    }
}

/// Order of two doubles: None when equal (or both nan under the total order).
#[inline]
fn compare_doubles(d1: f64, d2: f64, total: bool) -> Option<isize> {
    if d1 < d2 {
        return Some(LESS);
    }
    if d1 > d2 {
        return Some(GREATER);
    }
    if d1 != d2 {
        if !total {
            return Some(UNORDERED);
        }
        // nan equals nan and is below every other float.
        if !d1.is_nan() {
            return Some(GREATER);
        }
        if !d2.is_nan() {
            return Some(LESS);
        }
    }
    None
}

/// Two custom blocks: their kind's compare function, or the kinds' identifiers when the
/// kinds differ. None when equal.
///
/// # Safety
/// `v1` and `v2` must be live Custom_tag blocks.
unsafe fn compare_customs(
    dom: usize,
    v1: Value,
    v2: Value,
    total: bool,
) -> Result<Option<isize>, Exn> {
    // SAFETY: the caller passes custom blocks.
    let (o1, o2) = unsafe { (ops_of(v1), ops_of(v2)) };
    let f1 = o1.compare.map(|f| f as usize);
    if f1 != o2.compare.map(|f| f as usize) {
        return Ok(Some(if o1.id < o2.id { LESS } else { GREATER }));
    }
    let Some(cmp) = o1.compare else {
        return Err(Exn::invalid_arg("compare: abstract value"));
    };
    UNORDERED_SEEN.with(|c| c.set(false));
    let res = crate::heap::custom::with_ops_domain(dom, || cmp(v1, v2));
    if let Some(e) = crate::heap::custom::take_raised() {
        return Err(Exn::Raise(e));
    }
    if !total && UNORDERED_SEEN.with(|c| c.get()) {
        return Ok(Some(UNORDERED));
    }
    Ok((res != 0).then_some(res as isize))
}

/// A custom block `custom` and an immediate, `(v1, v2)` in order: through the foreign
/// operations' `compare_ext` (`Some(0)`: equal), `Ok(None)` when there is none (the
/// immediate is then below, as for any block).
///
/// # Safety
/// `custom` must be a live Custom_tag block.
unsafe fn compare_ext(
    dom: usize,
    custom: Value,
    v1: Value,
    v2: Value,
    total: bool,
) -> Result<Option<isize>, Exn> {
    UNORDERED_SEEN.with(|c| c.set(false));
    let ext = crate::heap::custom::with_ops_domain(dom, || {
        // SAFETY: the caller's contract.
        unsafe { crate::heap::custom::compare_ext(custom, v1, v2) }
    });
    let Some(res) = ext else {
        return Ok(None);
    };
    if let Some(e) = crate::heap::custom::take_raised() {
        return Err(Exn::Raise(e));
    }
    if !total && UNORDERED_SEEN.with(|c| c.get()) {
        return Ok(Some(UNORDERED));
    }
    Ok(Some(res as isize))
}

/// Compares two values structurally. The result is negative, zero or positive as `a` is
/// below, equal to or above `b`, or `UNORDERED` (only when `total` is false) if a nan was
/// met. `total` selects `compare`'s order, where physically equal values are equal and nan
/// equals itself. Raises `Invalid_argument` on functional, abstract and continuation values.
pub fn compare_values(dom: &mut Domain, a: Value, b: Value, total: bool) -> Result<isize, Exn> {
    // For foreign custom operations that call the C API (they may raise).
    let dom = dom as *mut Domain as usize;
    let mut stack = Pendings::new();
    let (mut v1, mut v2) = (a, b);
    // SAFETY: (the whole loop) block values reached from the arguments are live blocks, and
    // field reads stay below the sizes read from their headers. Nothing allocates or runs
    // OCaml code, so no value moves.
    unsafe {
        'walk: loop {
            // Compare v1 and v2 themselves; `break 'same` when they are equal.
            'same: {
                if v1 == v2 && total {
                    break 'same;
                }
                if v1.is_int() {
                    if v1 == v2 {
                        break 'same;
                    }
                    if v2.is_int() {
                        return Ok(v1.int() - v2.int());
                    }
                    if v2.tag() == FORWARD_TAG {
                        v2 = v2.field(0);
                        continue 'walk;
                    }
                    if v2.tag() == CUSTOM_TAG {
                        match compare_ext(dom, v2, v1, v2, total)? {
                            Some(0) => break 'same,
                            Some(r) => return Ok(r),
                            None => {}
                        }
                    }
                    return Ok(LESS);
                }
                if v2.is_int() {
                    if v1.tag() == FORWARD_TAG {
                        v1 = v1.field(0);
                        continue 'walk;
                    }
                    if v1.tag() == CUSTOM_TAG {
                        match compare_ext(dom, v1, v1, v2, total)? {
                            Some(0) => break 'same,
                            Some(r) => return Ok(r),
                            None => {}
                        }
                    }
                    return Ok(GREATER);
                }
                let (mut t1, mut t2) = (v1.tag(), v2.tag());
                if t1 != t2 {
                    if t1 == FORWARD_TAG {
                        v1 = v1.field(0);
                        continue 'walk;
                    }
                    if t2 == FORWARD_TAG {
                        v2 = v2.field(0);
                        continue 'walk;
                    }
                    // A closure and an infix pointer are both functions.
                    if t1 == INFIX_TAG {
                        t1 = CLOSURE_TAG;
                    }
                    if t2 == INFIX_TAG {
                        t2 = CLOSURE_TAG;
                    }
                    if t1 != t2 {
                        return Ok(t1 as isize - t2 as isize);
                    }
                }
                match t1 {
                    FORWARD_TAG => {
                        v1 = v1.field(0);
                        v2 = v2.field(0);
                        continue 'walk;
                    }
                    STRING_TAG => {
                        if v1 == v2 {
                            break 'same;
                        }
                        let (s1, s2) = (v1.bytes(), v2.bytes());
                        let n = s1.len().min(s2.len());
                        match s1[..n].cmp(&s2[..n]) {
                            std::cmp::Ordering::Less => return Ok(LESS),
                            std::cmp::Ordering::Greater => return Ok(GREATER),
                            std::cmp::Ordering::Equal => {}
                        }
                        if s1.len() != s2.len() {
                            return Ok(s1.len() as isize - s2.len() as isize);
                        }
                    }
                    DOUBLE_TAG => {
                        if let Some(r) = compare_doubles(v1.double(), v2.double(), total) {
                            return Ok(r);
                        }
                    }
                    DOUBLE_ARRAY_TAG => {
                        let (n1, n2) = (v1.wosize(), v2.wosize());
                        if n1 != n2 {
                            return Ok(n1 as isize - n2 as isize);
                        }
                        for i in 0..n1 {
                            if let Some(r) =
                                compare_doubles(v1.double_field(i), v2.double_field(i), total)
                            {
                                return Ok(r);
                            }
                        }
                    }
                    ABSTRACT_TAG => return Err(Exn::invalid_arg("compare: abstract value")),
                    CLOSURE_TAG | INFIX_TAG => {
                        return Err(Exn::invalid_arg("compare: functional value"))
                    }
                    CONT_TAG => return Err(Exn::invalid_arg("compare: continuation value")),
                    OBJECT_TAG => {
                        let (id1, id2) = (v1.field(1).int(), v2.field(1).int());
                        if id1 != id2 {
                            return Ok(id1 - id2);
                        }
                    }
                    CUSTOM_TAG => {
                        if let Some(r) = compare_customs(dom, v1, v2, total)? {
                            return Ok(r);
                        }
                    }
                    _ => {
                        let (n1, n2) = (v1.wosize(), v2.wosize());
                        if n1 != n2 {
                            return Ok(n1 as isize - n2 as isize);
                        }
                        if n1 == 0 {
                            break 'same;
                        }
                        if n1 > 1 {
                            if stack.count() >= MAX_PENDING {
                                return Err(Exn::out_of_memory());
                            }
                            stack.push(Pending { v1, v2, offset: 1, size: n1 });
                        }
                        v1 = v1.field(0);
                        v2 = v2.field(0);
                        continue 'walk;
                    }
                }
            }
            // Equal so far: go on with the next pending field, if any.
            let Some(top) = stack.top() else { return Ok(0) };
            v1 = top.v1.field(top.offset);
            v2 = top.v2.field(top.offset);
            top.offset += 1;
            if top.offset == top.size {
                stack.pop();
            }
        }
    }
}

/// The common cases of every polymorphic comparison, without the general walk: two
/// immediates (tagging keeps their order) or two strings (no nan, so the total and partial
/// orders agree). `None` for anything else.
#[inline(always)]
fn quick_order(a: Value, b: Value) -> Option<isize> {
    if a.is_int() && b.is_int() {
        let (x, y) = (a.0 as isize, b.0 as isize);
        return Some((x > y) as isize - (x < y) as isize);
    }
    // SAFETY: both are blocks of the running program, so they have headers.
    if a.is_block() && b.is_block() && unsafe { a.tag() == STRING_TAG && b.tag() == STRING_TAG } {
        // SAFETY: both are string blocks.
        return Some(unsafe { super::str::compare_bytes(a, b) } as isize);
    }
    None
}

/// `compare_values` with the quick cases first.
#[inline(always)]
fn order(dom: &mut Domain, args: &[Value], total: bool) -> Result<isize, Exn> {
    let [a, b] = super::arg_array(args);
    match quick_order(a, b) {
        Some(r) => Ok(r),
        None => compare_values(dom, a, b, total),
    }
}

fn compare(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let r = order(dom, args, true)?;
    Ok(Value::of_int(r.signum()))
}

fn equal(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [a, b] = super::arg_array(args);
    // SAFETY: both are blocks of the running program, so they have headers.
    if a.is_block() && b.is_block() && unsafe { a.tag() == STRING_TAG && b.tag() == STRING_TAG } {
        // SAFETY: both are string blocks.
        return Ok(Value::of_bool(unsafe { super::str::equal_bytes(a, b) }));
    }
    Ok(Value::of_bool(order(dom, args, false)? == 0))
}

fn notequal(dom: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(Value::of_bool(order(dom, args, false)? != 0))
}

fn lessthan(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let r = order(dom, args, false)?;
    Ok(Value::of_bool(r < 0 && r != UNORDERED))
}

fn lessequal(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let r = order(dom, args, false)?;
    Ok(Value::of_bool(r <= 0 && r != UNORDERED))
}

fn greaterthan(dom: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(Value::of_bool(order(dom, args, false)? > 0))
}

fn greaterequal(dom: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(Value::of_bool(order(dom, args, false)? >= 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_order() {
        assert_eq!(compare_doubles(1.0, 2.0, false), Some(LESS));
        assert_eq!(compare_doubles(2.0, 2.0, false), None);
        assert_eq!(compare_doubles(f64::NAN, f64::NAN, false), Some(UNORDERED));
        assert_eq!(compare_doubles(f64::NAN, f64::NAN, true), None);
        assert_eq!(compare_doubles(f64::NAN, 0.0, true), Some(LESS));
        assert_eq!(compare_doubles(0.0, f64::NAN, true), Some(GREATER));
        assert_eq!(compare_doubles(0.0, -0.0, true), None);
    }
}
