//! Built-in primitives run inline: a `C_CALL1`..`C_CALL3` of a hot primitive of the
//! runtime's own that neither calls back nor collects (float arithmetic and comparison,
//! bounds-checked array and string access, integer and polymorphic comparison of two
//! integers, taking a continuation's fiber) is given an internal opcode of its own at load
//! (`interp::translate`, from the primitive table's `Builtin` of its number), whose handler
//! here does the primitive's work with no call frame, no table call and no result to unpack,
//! behind a dispatch of its own. The operand word (the primitive number) stays.
//!
//! Invariant: an inline body does exactly what the primitive does on its common inputs, and
//! hands every other case to the primitive itself (`prim::c_call`), so behaviour is the
//! primitive's by construction: an index out of bounds (the primitive raises), a float array
//! read through the generic array primitives (a boxed result), a comparison of anything but
//! two integers, an arena with no room for a boxed result (the primitive collects, or samples
//! for the memory profiler). The fallback runs from the instruction's state untouched: an
//! inline body changes nothing before it decides.
//!
//! SAFETY (every handler): as `prim`'s (validated primitive numbers, arguments in the current
//! frame), and the primitive's OCaml type gives its arguments' shapes (a boxed float, an
//! array, a string). The hardened build checks that an array or string argument is a block
//! before its header is read (`check::on_vect_length`), and no more than the primitive would:
//! the generic array primitives take any block (`Obj.field`, `Obj.set_field` are
//! `caml_array_unsafe_get`/`set` on closures and objects too).

use super::prim;
use crate::check;
use crate::heap::stack::take_fiber;
use crate::heap::value::{Value, DOUBLE_ARRAY_TAG, DOUBLE_TAG};
use crate::interp::regs::{Regs, Step};
use std::cmp::Ordering;

/// The instruction is done: `accu` is its result, the `pop` argument words go, `pc` steps
/// over the primitive number.
///
/// # Safety
/// `pc` at the primitive number; `pop` words in the frame.
#[inline(always)]
unsafe fn done(m: &mut Regs, v: Value, pop: usize) -> Step {
    // SAFETY: the caller's contract.
    unsafe {
        m.pop(pop);
        m.pc = m.pc.add(1);
    }
    m.accu = v;
    Ok(())
}

/// Lets the primitive do the whole call (`C_CALLn`, `N` arguments), out of line: inlined
/// into every built-in's handler, the call path would take registers from the dispatch loop.
///
/// # Safety
/// As `prim::c_call`: the instruction's state untouched.
#[inline(always)]
unsafe fn fallback<const N: usize>(m: &mut Regs) -> Step {
    /// # Safety
    /// As `fallback`.
    #[inline(never)]
    #[cold]
    unsafe fn call<const N: usize>(m: &mut Regs) -> Step {
        // SAFETY: the caller's contract.
        unsafe { prim::c_call::<N>(m) }
    }
    // SAFETY: the caller's contract.
    m.out_of_line(|r| unsafe { call::<N>(r) })
}

/// Boxes `f` as the result of a `C_CALLn` (`N` arguments), or, with no room in the arena,
/// lets the primitive do the whole call (it collects, or samples the block).
///
/// # Safety
/// As `done`, with `N - 1` argument words on the stack.
#[inline(always)]
unsafe fn float_result<const N: usize>(m: &mut Regs, f: f64) -> Step {
    let site = check::site_at(m.dom.id, m.pc_index() - 1);
    match m.dom.young.try_alloc(1, DOUBLE_TAG, site) {
        // SAFETY: a fresh one-word Double_tag block; the caller's contract.
        Some(b) => unsafe {
            *(b.0 as *mut f64) = f;
            done(m, b, N - 1)
        },
        // SAFETY: the caller's contract.
        None => unsafe { fallback::<N>(m) },
    }
}

/// The index of `i` in array `a` if it is inside (a block the hardened build checks first).
///
/// # Safety
/// `a` an array (the primitive's type).
#[inline(always)]
unsafe fn array_index(m: &Regs, a: Value, i: Value) -> Option<usize> {
    check::on_vect_length(a, || m.here());
    let i = i.int() as usize;
    // SAFETY: the caller's contract.
    (i < unsafe { a.wosize() }).then_some(i)
}

/// The index of `i` in string `s` if it is inside.
///
/// # Safety
/// `s` a string or bytes (the primitive's type).
#[inline(always)]
unsafe fn string_index(m: &Regs, s: Value, i: Value) -> Option<usize> {
    check::on_vect_length(s, || m.here());
    let i = i.int() as usize;
    // SAFETY: the caller's contract.
    (i < unsafe { s.string_len() }).then_some(i)
}

/// Whether strings `a` and `b` are equal: the same size in words and the same words (the
/// last word's padding encodes the length). Out of line: a loop, kept out of the dispatch
/// loop's function (its registers are the handlers').
///
/// # Safety
/// `a` and `b` must be strings (the primitive's type).
#[inline(never)]
unsafe fn strings_equal(a: Value, b: Value) -> bool {
    if a == b {
        return true;
    }
    // SAFETY: the caller's contract: two string blocks, read below their sizes.
    unsafe {
        let n = a.wosize();
        n == b.wosize() && (0..n).all(|i| a.field(i) == b.field(i))
    }
}

/// NEGFLOAT, ABSFLOAT, SQRTFLOAT: `C_CALL1` of a float operation.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn float_unary(m: &mut Regs, f: impl Fn(f64) -> f64) -> Step {
    // SAFETY: the module doc.
    unsafe { float_result::<1>(m, f(m.accu.double())) }
}

/// FLOATOFINT: `caml_float_of_int`.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn float_of_int(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe { float_result::<1>(m, m.accu.int() as f64) }
}

/// STRINGLENGTH: `caml_ml_string_length`, `caml_ml_bytes_length`.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn string_length(m: &mut Regs) -> Step {
    let a = m.accu;
    check::on_vect_length(a, || m.here());
    // SAFETY: the module doc.
    unsafe { done(m, Value::of_int(a.string_len() as isize), 0) }
}

/// CONTINUATIONUSE: `caml_continuation_use_noexc`, the primitive's whole work
/// (`prims::fiber`): its argument is a continuation.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn continuation_use(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe { done(m, take_fiber(m.accu), 0) }
}

/// ADDFLOAT, SUBFLOAT, MULFLOAT, DIVFLOAT.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn float_binary(m: &mut Regs, f: impl Fn(f64, f64) -> f64) -> Step {
    // SAFETY: the module doc.
    unsafe { float_result::<2>(m, f(m.accu.double(), m.at(0).double())) }
}

/// EQFLOAT ... GEFLOAT: a float comparison, as an OCaml boolean.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn float_test(m: &mut Regs, f: impl Fn(f64, f64) -> bool) -> Step {
    // SAFETY: the module doc.
    unsafe { done(m, Value::of_bool(f(m.accu.double(), m.at(0).double())), 1) }
}

/// ARRAYGETADDR (`GENERIC` false: `caml_array_get_addr`, never a float array) and ARRAYGET
/// (`GENERIC`: `caml_array_get`, `caml_array_unsafe_get`, which box a float array's element).
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn array_get<const GENERIC: bool>(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let (a, b) = (m.accu, m.at(0));
        match array_index(m, a, b) {
            Some(i) if a.tag() != DOUBLE_ARRAY_TAG => done(m, a.field(i), 1),
            Some(i) if GENERIC => float_result::<2>(m, a.double_field(i)),
            _ => fallback::<2>(m),
        }
    }
}

/// STRINGGET: `caml_string_get`, `caml_bytes_get`.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn string_get(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let (a, b) = (m.accu, m.at(0));
        match string_index(m, a, b) {
            Some(i) => done(m, Value::of_int(*(a.0 as *const u8).add(i) as isize), 1),
            None => fallback::<2>(m),
        }
    }
}

/// INTCOMPARE: `caml_int_compare`.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn int_compare(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let o = m.accu.int().cmp(&m.at(0).int());
        done(m, Value::of_int(o as isize), 1)
    }
}

/// FLOATCOMPARE: `caml_float_compare` (a nan is equal to itself and below every other
/// float).
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn float_compare(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let (f, g) = (m.accu.double(), m.at(0).double());
        let r = (f > g) as isize - (f < g) as isize + !f.is_nan() as isize - !g.is_nan() as isize;
        done(m, Value::of_int(r), 1)
    }
}

/// STRINGEQUAL (`EQ`) and STRINGNOTEQUAL.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn string_equal<const EQ: bool>(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let same = strings_equal(m.accu, m.at(0));
        done(m, Value::of_bool(same == EQ), 1)
    }
}

/// COMPARE, EQUAL ... GREATEREQUAL: polymorphic comparison, inline for two integers (their
/// order, which `f` turns into the result), by the primitive for anything else.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn poly_compare(m: &mut Regs, f: impl Fn(Ordering) -> Value) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let (a, b) = (m.accu, m.at(0));
        if a.is_int() & b.is_int() {
            done(m, f(a.int().cmp(&b.int())), 1)
        } else {
            fallback::<2>(m)
        }
    }
}

/// ARRAYSETADDR (`GENERIC` false: `caml_array_set_addr`, never a float array) and ARRAYSET
/// (`GENERIC`: `caml_array_set`, `caml_array_unsafe_set`, which unbox into a float array).
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn array_set<const GENERIC: bool>(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let (a, b, c) = (m.accu, m.at(0), m.at(1));
        match array_index(m, a, b) {
            Some(i) if a.tag() != DOUBLE_ARRAY_TAG => {
                m.dom.young.modify(a, i, c);
                done(m, Value::UNIT, 2)
            }
            Some(i) if GENERIC => {
                a.set_double_field(i, c.double());
                done(m, Value::UNIT, 2)
            }
            _ => fallback::<3>(m),
        }
    }
}

/// BYTESSET: `caml_bytes_set`.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn bytes_set(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let (a, b, c) = (m.accu, m.at(0), m.at(1));
        match string_index(m, a, b) {
            Some(i) => {
                *(a.0 as *mut u8).add(i) = c.int() as u8;
                done(m, Value::UNIT, 2)
            }
            None => fallback::<3>(m),
        }
    }
}
