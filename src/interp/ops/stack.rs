//! Stack and environment: the accumulator's loads and the stack's pushes, pops and stores
//! (`ACC`, `PUSH`, `POP`, `ASSIGN`), the current closure's variables and siblings (`ENVACC`,
//! `OFFSETCLOSURE`), globals, atoms and constants.
//!
//! SAFETY (every handler): stack indices stay inside the frame the compiler laid out, with
//! free words below `sp` as `check_stacks` guarantees; `env` is the running closure, so its
//! environment fields and sibling closures exist (well-typed code); global indices were
//! checked against the global data at load.

use crate::heap::atoms::atom;
use crate::heap::value::{Value, WORD};
use crate::interp::regs::{opaque, Regs, Step};

/// ACC0..ACC7: `accu` = stack word `n`.
///
/// # Safety
/// Validated, well-typed code (see the module doc).
#[inline(always)]
pub(in crate::interp) unsafe fn acc(m: &mut Regs, n: usize) -> Step {
    // SAFETY: the module doc.
    m.accu = unsafe { m.at(n) };
    Ok(())
}

/// ACC n.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn acc_op(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let n = m.operand() as usize;
        m.accu = m.at(n);
    }
    Ok(())
}

/// PUSH, PUSHACC0.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe { m.push(m.accu) };
    Ok(())
}

/// PUSHACC1..PUSHACC7: push, then `accu` = stack word `n`.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_acc(m: &mut Regs, n: usize) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.push(m.accu);
        m.accu = m.at(n);
    }
    Ok(())
}

/// PUSHACC n.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_acc_op(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.push(m.accu);
        let n = m.operand() as usize;
        m.accu = m.at(n);
    }
    Ok(())
}

/// POP n.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn pop(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let n = m.operand() as usize;
        m.pop(n);
    }
    Ok(())
}

/// ASSIGN n: stack word `n` = `accu`.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn assign(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let n = m.operand() as usize;
        m.set(n, m.accu);
    }
    m.accu = Value::UNIT;
    Ok(())
}

/// Field `n` of the environment, checked in the hardened build.
///
/// # Safety
/// As `acc`.
#[inline(always)]
unsafe fn env_field(m: &Regs, n: usize) -> Value {
    crate::check::on_env_access(m.env, n, || m.here());
    // SAFETY: the module doc.
    unsafe { m.env.field(n) }
}

/// ENVACC1..ENVACC4.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn env_acc(m: &mut Regs, n: usize) -> Step {
    // SAFETY: the module doc.
    m.accu = unsafe { env_field(m, n) };
    Ok(())
}

/// ENVACC n.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn env_acc_op(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let n = m.operand() as usize;
        m.accu = env_field(m, n);
    }
    Ok(())
}

/// PUSHENVACC1..PUSHENVACC4.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_env_acc(m: &mut Regs, n: usize) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.push(m.accu);
        m.accu = env_field(m, n);
    }
    Ok(())
}

/// PUSHENVACC n.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_env_acc_op(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.push(m.accu);
        let n = m.operand() as usize;
        m.accu = env_field(m, n);
    }
    Ok(())
}

/// The closure `n` words from `env` (a sibling of a recursive definition), checked in the
/// hardened build.
#[inline(always)]
fn offset_closure(m: &Regs, n: isize) -> Value {
    crate::check::on_offset_closure(m.env, n, || m.here());
    Value((m.env.0 as isize + n * WORD as isize) as usize)
}

/// OFFSETCLOSUREM3, OFFSETCLOSURE0, OFFSETCLOSURE3.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn offset_closure_n(m: &mut Regs, n: isize) -> Step {
    m.accu = opaque(offset_closure(m, n));
    Ok(())
}

/// OFFSETCLOSURE n.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn offset_closure_op(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    let n = unsafe { m.operand() } as isize;
    m.accu = offset_closure(m, n);
    Ok(())
}

/// PUSHOFFSETCLOSUREM3, PUSHOFFSETCLOSURE0, PUSHOFFSETCLOSURE3.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_offset_closure_n(m: &mut Regs, n: isize) -> Step {
    // SAFETY: the module doc.
    unsafe { m.push(m.accu) };
    m.accu = offset_closure(m, n);
    Ok(())
}

/// PUSHOFFSETCLOSURE n.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_offset_closure_op(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    let n = unsafe {
        m.push(m.accu);
        m.operand()
    } as isize;
    m.accu = offset_closure(m, n);
    Ok(())
}

/// GETGLOBAL n.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn get_global(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let n = m.operand() as usize;
        m.accu = m.dom.globals.get().field(n);
    }
    Ok(())
}

/// PUSHGETGLOBAL n.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_get_global(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.push(m.accu);
        get_global(m)
    }
}

/// GETGLOBALFIELD n, f.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn get_global_field(m: &mut Regs) -> Step {
    // SAFETY: the module doc; a global's field is set by the module that defines it.
    unsafe {
        let n = m.operand() as usize;
        let f = m.operand() as usize;
        m.accu = m.dom.globals.get().field(n).field(f);
    }
    Ok(())
}

/// PUSHGETGLOBALFIELD n, f.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_get_global_field(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.push(m.accu);
        get_global_field(m)
    }
}

/// SETGLOBAL n.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn set_global(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    let n = unsafe { m.operand() } as usize;
    let g = m.dom.globals.get();
    m.dom.young.modify(g, n, m.accu);
    m.accu = Value::UNIT;
    Ok(())
}

/// ATOM0.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn atom0(m: &mut Regs) -> Step {
    m.accu = opaque(atom(0));
    Ok(())
}

/// ATOM tag.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn atom_op(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    m.accu = atom(unsafe { m.operand() } as u8);
    Ok(())
}

/// PUSHATOM0.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_atom0(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe { m.push(m.accu) };
    m.accu = atom(0);
    Ok(())
}

/// PUSHATOM tag.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_atom_op(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.push(m.accu);
        m.accu = atom(m.operand() as u8);
    }
    Ok(())
}

/// CONST0..CONST3.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn const_n(m: &mut Regs, n: isize) -> Step {
    m.accu = opaque(Value::of_int(n));
    Ok(())
}

/// CONSTINT n.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn const_op(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    m.accu = Value::of_int(unsafe { m.operand() } as isize);
    Ok(())
}

/// PUSHCONST0..PUSHCONST3.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_const_n(m: &mut Regs, n: isize) -> Step {
    // SAFETY: the module doc.
    unsafe { m.push(m.accu) };
    m.accu = Value::of_int(n);
    Ok(())
}

/// PUSHCONSTINT n.
///
/// # Safety
/// As `acc`.
#[inline(always)]
pub(in crate::interp) unsafe fn push_const_op(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.push(m.accu);
        m.accu = Value::of_int(m.operand() as isize);
    }
    Ok(())
}
