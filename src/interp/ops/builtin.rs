//! Built-in primitives run inline: `C_CALL1`..`C_CALL3` of a hot primitive of the runtime's
//! own that neither calls back nor collects (float arithmetic and comparison, bounds-checked
//! array and string access, integer and polymorphic comparison of two integers, taking a
//! continuation's fiber) do the primitive's work in the handler, with no call frame, no
//! table call and no result to unpack. The program's code is not rewritten: the primitive
//! table says, per number, which built-in a primitive is
//! (`Builtin`, from its name, when the table binds it), so code pointers, backtraces, debug
//! events and `Marshal` see the code the compiler wrote.
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
use crate::interp::builtin_kind::Builtin;
use crate::interp::regs::{Regs, Step};

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
        None => unsafe { prim::c_call::<N>(m) },
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

/// C_CALL1 prim.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn c_call1(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let a = m.accu;
        match m.program.prims.builtin(m.peek_operand() as usize) {
            Builtin::NegFloat => float_result::<1>(m, -a.double()),
            Builtin::AbsFloat => float_result::<1>(m, a.double().abs()),
            Builtin::SqrtFloat => float_result::<1>(m, a.double().sqrt()),
            Builtin::FloatOfInt => float_result::<1>(m, a.int() as f64),
            Builtin::StringLength => {
                check::on_vect_length(a, || m.here());
                done(m, Value::of_int(a.string_len() as isize), 0)
            }
            // The primitive's whole work (`prims::fiber`): its argument is a continuation.
            Builtin::ContinuationUseNoexc => done(m, take_fiber(a), 0),
            _ => prim::c_call::<1>(m),
        }
    }
}

/// C_CALL2 prim.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn c_call2(m: &mut Regs) -> Step {
    use std::cmp::Ordering::*;
    // SAFETY: the module doc.
    unsafe {
        let (a, b) = (m.accu, m.at(0));
        let kind = m.program.prims.builtin(m.peek_operand() as usize);
        match kind {
            Builtin::AddFloat => float_result::<2>(m, a.double() + b.double()),
            Builtin::SubFloat => float_result::<2>(m, a.double() - b.double()),
            Builtin::MulFloat => float_result::<2>(m, a.double() * b.double()),
            Builtin::DivFloat => float_result::<2>(m, a.double() / b.double()),
            Builtin::EqFloat => done(m, Value::of_bool(a.double() == b.double()), 1),
            Builtin::NeqFloat => done(m, Value::of_bool(a.double() != b.double()), 1),
            Builtin::LtFloat => done(m, Value::of_bool(a.double() < b.double()), 1),
            Builtin::LeFloat => done(m, Value::of_bool(a.double() <= b.double()), 1),
            Builtin::GtFloat => done(m, Value::of_bool(a.double() > b.double()), 1),
            Builtin::GeFloat => done(m, Value::of_bool(a.double() >= b.double()), 1),
            Builtin::ArrayGetAddr | Builtin::ArrayGet => match array_index(m, a, b) {
                Some(i) if a.tag() != DOUBLE_ARRAY_TAG => done(m, a.field(i), 1),
                // The generic get of a float array boxes the element.
                Some(i) if kind == Builtin::ArrayGet => float_result::<2>(m, a.double_field(i)),
                _ => prim::c_call::<2>(m),
            },
            Builtin::StringGet => match string_index(m, a, b) {
                Some(i) => done(m, Value::of_int(*(a.0 as *const u8).add(i) as isize), 1),
                None => prim::c_call::<2>(m),
            },
            Builtin::IntCompare => done(m, Value::of_int(a.int().cmp(&b.int()) as isize), 1),
            Builtin::FloatCompare => {
                // A nan is equal to itself and below every other float.
                let (f, g) = (a.double(), b.double());
                let r = (f > g) as isize - (f < g) as isize + !f.is_nan() as isize
                    - !g.is_nan() as isize;
                done(m, Value::of_int(r), 1)
            }
            Builtin::StringEqual => done(m, Value::of_bool(strings_equal(a, b)), 1),
            Builtin::StringNotEqual => done(m, Value::of_bool(!strings_equal(a, b)), 1),
            Builtin::Compare
            | Builtin::Equal
            | Builtin::NotEqual
            | Builtin::LessThan
            | Builtin::LessEqual
            | Builtin::GreaterThan
            | Builtin::GreaterEqual
                if a.is_int() & b.is_int() =>
            {
                let o = a.int().cmp(&b.int());
                // Polymorphic comparison of two integers is their order.
                let r = match kind {
                    Builtin::Compare => Value::of_int(o as isize),
                    Builtin::Equal => Value::of_bool(o == Equal),
                    Builtin::NotEqual => Value::of_bool(o != Equal),
                    Builtin::LessThan => Value::of_bool(o == Less),
                    Builtin::LessEqual => Value::of_bool(o != Greater),
                    Builtin::GreaterThan => Value::of_bool(o == Greater),
                    _ => Value::of_bool(o != Less),
                };
                done(m, r, 1)
            }
            _ => prim::c_call::<2>(m),
        }
    }
}

/// C_CALL3 prim.
///
/// # Safety
/// As `prim::c_call`.
#[inline(always)]
pub(in crate::interp) unsafe fn c_call3(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let (a, b, c) = (m.accu, m.at(0), m.at(1));
        let kind = m.program.prims.builtin(m.peek_operand() as usize);
        match kind {
            Builtin::ArraySetAddr | Builtin::ArraySet => match array_index(m, a, b) {
                Some(i) if a.tag() != DOUBLE_ARRAY_TAG => {
                    m.dom.young.modify(a, i, c);
                    done(m, Value::UNIT, 2)
                }
                // The generic set of a float array unboxes the element.
                Some(i) if kind == Builtin::ArraySet => {
                    a.set_double_field(i, c.double());
                    done(m, Value::UNIT, 2)
                }
                _ => prim::c_call::<3>(m),
            },
            Builtin::BytesSet => match string_index(m, a, b) {
                Some(i) => {
                    *(a.0 as *mut u8).add(i) = c.int() as u8;
                    done(m, Value::UNIT, 2)
                }
                None => prim::c_call::<3>(m),
            },
            _ => prim::c_call::<3>(m),
        }
    }
}
