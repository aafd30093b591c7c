//! Arithmetic and comparison on tagged integers (`2n + 1`): the binary operators take
//! `accu` and the stack top (popped), comparisons give OCaml booleans, and the compare-and-
//! branch forms (`BEQ` ...) compare an inline constant with `accu`.
//!
//! SAFETY (every handler): the popped operand is inside the current frame; the branch
//! offsets were validated at load.

use crate::exn::Exn;
use crate::heap::value::Value;
use crate::interp::regs::{Regs, Step};

/// A binary operator on the raw words of `accu` and the popped top.
///
/// # Safety
/// Validated, well-typed code (see the module doc).
#[inline(always)]
pub(in crate::interp) unsafe fn binary(m: &mut Regs, f: impl Fn(usize, usize) -> usize) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.accu = Value(f(m.accu.0, m.at(0).0));
        m.pop(1);
    }
    Ok(())
}

/// A comparison of `accu` with the popped top, as an OCaml boolean.
///
/// # Safety
/// As `binary`.
#[inline(always)]
pub(in crate::interp) unsafe fn compare(m: &mut Regs, f: impl Fn(usize, usize) -> bool) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.accu = Value::of_bool(f(m.accu.0, m.at(0).0));
        m.pop(1);
    }
    Ok(())
}

/// ADDINT.
pub(in crate::interp) fn add(a: usize, b: usize) -> usize {
    a.wrapping_add(b).wrapping_sub(1)
}
/// SUBINT.
pub(in crate::interp) fn sub(a: usize, b: usize) -> usize {
    a.wrapping_sub(b).wrapping_add(1)
}
/// MULINT.
pub(in crate::interp) fn mul(a: usize, b: usize) -> usize {
    Value::of_int(Value(a).int().wrapping_mul(Value(b).int())).0
}
/// ANDINT.
pub(in crate::interp) fn and(a: usize, b: usize) -> usize {
    a & b
}
/// ORINT.
pub(in crate::interp) fn or(a: usize, b: usize) -> usize {
    a | b
}
/// XORINT.
pub(in crate::interp) fn xor(a: usize, b: usize) -> usize {
    (a ^ b) | 1
}
/// LSLINT.
pub(in crate::interp) fn lsl(a: usize, b: usize) -> usize {
    (a - 1).wrapping_shl(Value(b).int() as u32) + 1
}
/// LSRINT.
pub(in crate::interp) fn lsr(a: usize, b: usize) -> usize {
    a.wrapping_shr(Value(b).int() as u32) | 1
}
/// ASRINT.
pub(in crate::interp) fn asr(a: usize, b: usize) -> usize {
    ((a as isize).wrapping_shr(Value(b).int() as u32) as usize) | 1
}
/// LTINT and the other signed comparisons.
pub(in crate::interp) fn signed(a: usize) -> isize {
    a as isize
}

/// DIVINT (`MOD` false) and MODINT (`MOD` true); division by zero raises `Division_by_zero`
/// as from a primitive.
///
/// # Safety
/// As `binary`.
#[inline(always)]
pub(in crate::interp) unsafe fn div<const MOD: bool>(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    let divisor = unsafe { m.at(0) }.int();
    // SAFETY: as above.
    unsafe { m.pop(1) };
    if divisor == 0 {
        let e = m.dom.exn_value(&Exn::zero_divide()).expect("predefined");
        // SAFETY: the popped word and the one below are free again.
        return Err(unsafe { m.raise_here(e) });
    }
    let a = m.accu.int();
    m.accu = Value::of_int(if MOD { a.wrapping_rem(divisor) } else { a.wrapping_div(divisor) });
    Ok(())
}

/// NEGINT.
///
/// # Safety
/// As `binary`.
#[inline(always)]
pub(in crate::interp) unsafe fn neg(m: &mut Regs) -> Step {
    m.accu = Value(2usize.wrapping_sub(m.accu.0));
    Ok(())
}

/// BOOLNOT.
///
/// # Safety
/// As `binary`.
#[inline(always)]
pub(in crate::interp) unsafe fn bool_not(m: &mut Regs) -> Step {
    m.accu = Value(4usize.wrapping_sub(m.accu.0));
    Ok(())
}

/// ISINT.
///
/// # Safety
/// As `binary`.
#[inline(always)]
pub(in crate::interp) unsafe fn is_int(m: &mut Regs) -> Step {
    m.accu = Value::of_int((m.accu.0 & 1) as isize);
    Ok(())
}

/// OFFSETINT n.
///
/// # Safety
/// As `binary`.
#[inline(always)]
pub(in crate::interp) unsafe fn offset_int(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    let n = unsafe { m.operand() } as isize;
    m.accu = Value(m.accu.0.wrapping_add((n << 1) as usize));
    Ok(())
}

/// BEQ n, ofs and the other compare-and-branch forms: jumps when `taken(n, accu)`.
///
/// # Safety
/// As `binary`.
#[inline(always)]
pub(in crate::interp) unsafe fn branch_cmp(
    m: &mut Regs,
    taken: impl Fn(isize, isize) -> bool,
) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let n = m.operand() as isize;
        if taken(n, m.accu.int()) {
            m.jump();
        } else {
            m.pc = m.pc.add(1);
        }
    }
    Ok(())
}
