//! Closures and application: return frames (`PUSH_RETADDR`), calls and tail calls (`APPLY`,
//! `APPTERM`), returns (`RETURN`), partial application (`GRAB`, `RESTART`) and closure
//! construction (`CLOSURE`, `CLOSUREREC`).
//!
//! SAFETY (every handler): the arguments and frames these instructions move are inside the
//! frame the compiler laid out (`APPTERM n, s` has `s >= n` words in its frame), with free
//! words below `sp` as `check_stacks` guarantees; the applied value is a closure and a
//! `RESTART` environment a partial application (well-typed code; the hardened build checks
//! the closure); new blocks are written only below their size.

use crate::heap::value::{
    make_closinfo, Header, Value, CLOSURE_TAG, INFIX_TAG, MAX_YOUNG_WOSIZE, WORD,
};
use crate::interp::regs::{opaque, Leave, Regs, Step};

/// PUSH_RETADDR ofs: pushes a return frame for the call that follows.
///
/// # Safety
/// Validated, well-typed code (see the module doc).
#[inline(always)]
pub(in crate::interp) unsafe fn push_retaddr(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let target = m.jump_address();
        m.sp = m.sp.sub(3);
        m.set(0, m.code_value_at(target));
        m.set(1, m.env);
        m.set(2, Value::of_int(m.extra_args));
        m.pc = m.pc.add(1);
    }
    Ok(())
}

/// APPLY n (the return frame is already pushed).
///
/// # Safety
/// As `push_retaddr`.
#[inline(always)]
pub(in crate::interp) unsafe fn apply(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.extra_args = m.peek_operand() as isize - 1;
        m.jump_to_closure();
        m.check_stacks()
    }
}

/// APPLY1..APPLY3: slides the `N` arguments down to make room for the return frame.
///
/// # Safety
/// As `push_retaddr`.
#[inline(always)]
pub(in crate::interp) unsafe fn apply_n<const N: usize>(m: &mut Regs) -> Step {
    let here = m.code_value_at(m.pc);
    // SAFETY: the module doc.
    unsafe {
        let mut args = [Value::UNIT; N];
        for (i, a) in args.iter_mut().enumerate() {
            *a = m.at(i);
        }
        m.sp = m.sp.sub(3);
        for (i, a) in args.into_iter().enumerate() {
            m.set(i, a);
        }
        m.set(N, here);
        m.set(N + 1, m.env);
        m.set(N + 2, Value::of_int(m.extra_args));
        m.jump_to_closure();
        m.extra_args = N as isize - 1;
        m.check_stacks()
    }
}

/// APPTERM n, s: a tail call; the `n` arguments replace the caller's `s`-word frame.
///
/// # Safety
/// As `push_retaddr`.
#[inline(always)]
pub(in crate::interp) unsafe fn appterm(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let nargs = m.operand() as usize;
        let slotsize = m.peek_operand() as usize;
        let newsp = m.sp.add(slotsize - nargs);
        for i in (0..nargs).rev() {
            *newsp.add(i) = m.at(i);
        }
        m.sp = newsp;
        m.jump_to_closure();
        m.extra_args += nargs as isize - 1;
        m.check_stacks()
    }
}

/// APPTERM1..APPTERM3 s.
///
/// # Safety
/// As `push_retaddr`.
#[inline(always)]
pub(in crate::interp) unsafe fn appterm_n<const N: usize>(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let mut args = [Value::UNIT; N];
        for (i, a) in args.iter_mut().enumerate() {
            *a = m.at(i);
        }
        m.sp = m.sp.add(m.peek_operand() as usize - N);
        for (i, a) in args.into_iter().enumerate() {
            m.set(i, a);
        }
        m.jump_to_closure();
        m.extra_args += N as isize - 1;
        m.check_stacks()
    }
}

/// RETURN n: pops the frame's `n` words, then applies the result to the extra arguments
/// or returns.
///
/// # Safety
/// As `push_retaddr`.
#[inline(always)]
pub(in crate::interp) unsafe fn return_op(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let n = m.operand() as usize;
        m.pop(n);
        if m.extra_args > 0 {
            m.extra_args -= 1;
            m.jump_to_closure();
            Ok(())
        } else {
            m.do_return()
        }
    }
}

/// RESTART: pushes the arguments a partial application saved and enters its function.
///
/// # Safety
/// As `push_retaddr`.
#[inline(always)]
pub(in crate::interp) unsafe fn restart(m: &mut Regs) -> Step {
    // SAFETY: the module doc: `env` is the closure GRAB built, [code, info, env, args..].
    let num_args = unsafe { m.env.wosize() } - 3;
    // The arguments may be more than the words `check_stacks` left free (a function of
    // many parameters): the verifier counts on room for all of them above the threshold.
    // SAFETY: the module doc.
    unsafe { m.reserve(num_args)? };
    // SAFETY: as above; `reserve` made room for the arguments.
    unsafe {
        m.sp = m.sp.sub(num_args);
        // A plain loop (usually one or two words) that tests at its end, as a partial
        // application holds at least one argument: `opaque` keeps LLVM from vectorising
        // and unrolling it, whose set-up costs more than the copy.
        let (mut from, mut to) = (m.env.field_ptr(3), m.sp);
        let end = from.add(num_args);
        loop {
            *to = opaque(*from);
            from = from.add(1);
            to = to.add(1);
            if from == end {
                break;
            }
        }
        m.env = m.env.field(2);
    }
    m.extra_args += num_args as isize;
    Ok(())
}

/// GRAB n: enough arguments go on; too few make a partial application that is returned.
///
/// # Safety
/// As `push_retaddr`.
#[inline(always)]
pub(in crate::interp) unsafe fn grab(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    let required = unsafe { m.operand() } as isize;
    if m.extra_args >= required {
        m.extra_args -= required;
        return Ok(());
    }
    let num_args = 1 + m.extra_args as usize;
    // SAFETY: the module doc; the closure has `num_args + 3` fields, the RESTART before
    // this GRAB is at `pc - 3`.
    unsafe {
        let (clos, major) = m.alloc_small_flagged(num_args + 3, CLOSURE_TAG)?;
        clos.set_field_raw(0, m.code_value_at(m.pc.sub(3)));
        clos.set_field_raw(1, make_closinfo(0, 2));
        if major {
            m.dom.young.initialize(clos, 2, m.env);
            for i in 0..num_args {
                m.dom.young.initialize(clos, i + 3, m.at(i));
            }
        } else {
            clos.set_field_raw(2, m.env);
            for i in 0..num_args {
                clos.set_field_raw(i + 3, m.at(i));
            }
        }
        m.accu = clos;
        m.pop(num_args);
        m.do_return()
    }
}

/// Allocates a closure block of `size` words whose fields from `first` are the `nvars`
/// values on top of the stack (popped).
///
/// # Safety
/// The `nvars` words are on the stack; `first + nvars <= size`.
#[inline(always)]
unsafe fn closure_block(
    m: &mut Regs,
    size: usize,
    first: usize,
    nvars: usize,
) -> Result<Value, Leave> {
    // SAFETY: the caller's contract.
    unsafe {
        let clos = if size <= MAX_YOUNG_WOSIZE {
            let (c, major) = m.alloc_small_dead_accu(size, CLOSURE_TAG)?;
            if major {
                for i in 0..nvars {
                    m.dom.young.initialize(c, first + i, m.at(i));
                }
            } else {
                for i in 0..nvars {
                    c.set_field_raw(first + i, m.at(i));
                }
            }
            c
        } else {
            m.dom.stack.sp = m.sp;
            let c = m.dom.alloc_major(size, CLOSURE_TAG);
            for i in 0..nvars {
                m.dom.young.initialize(c, first + i, m.at(i));
            }
            c
        };
        m.pop(nvars);
        Ok(clos)
    }
}

/// CLOSURE nvars, ofs.
///
/// # Safety
/// As `push_retaddr`.
#[inline(always)]
pub(in crate::interp) unsafe fn closure(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let nvars = m.operand() as usize;
        // The code offset is read before allocating, so that a collection there sees `pc`
        // at an instruction boundary.
        let target = m.code_value_at(m.jump_address());
        m.pc = m.pc.add(1);
        if nvars > 0 {
            m.push(m.accu);
        }
        let clos = closure_block(m, 2 + nvars, 2, nvars)?;
        clos.set_field_raw(0, target);
        clos.set_field_raw(1, make_closinfo(0, 2));
        m.accu = clos;
    }
    Ok(())
}

/// CLOSUREREC nfuncs, nvars, ofs_0 .. ofs_{nfuncs-1}: one block holding the mutually
/// recursive functions (the later ones behind infix headers), then the shared variables.
///
/// # Safety
/// As `push_retaddr`.
#[inline(always)]
pub(in crate::interp) unsafe fn closure_rec(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let nfuncs = m.operand() as usize;
        let nvars = m.operand() as usize;
        let envofs = nfuncs * 3 - 1;
        let blksize = envofs + nvars;
        // The offset table is passed before allocating (see CLOSURE).
        let table_pc = m.pc;
        m.pc = m.pc.add(nfuncs);
        if nvars > 0 {
            m.push(m.accu);
        }
        let clos = closure_block(m, blksize, envofs, nvars)?;
        m.push(clos);
        clos.set_field_raw(0, m.code_value_at(table_pc.offset(*table_pc as isize)));
        clos.set_field_raw(1, make_closinfo(0, envofs));
        let mut e = envofs;
        for i in 1..nfuncs {
            let f = 3 * i - 1;
            clos.set_raw(f, Header::new(i * 3, INFIX_TAG, 0).0);
            let infix = Value(clos.0 + (f + 1) * WORD);
            m.push(infix);
            let entry = table_pc.offset(*table_pc.add(i) as isize);
            clos.set_field_raw(f + 1, m.code_value_at(entry));
            e -= 3;
            clos.set_field_raw(f + 2, make_closinfo(0, e));
        }
        m.accu = clos;
    }
    Ok(())
}
