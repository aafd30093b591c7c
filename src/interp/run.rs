//! The dispatch loop and the raise path. One activation of `interpret` runs code until its
//! `STOP`: it decodes an opcode and runs its handler (`ops/`, through the `dispatch!` match
//! generated from the opcode list), until a handler leaves the straight line (`regs::Leave`):
//! an exception goes to the raise path (backtrace, then the innermost trap frame, or out of
//! a fiber with no handler, or out of the activation), `STOP` and runtime errors end it.
//!
//! Two rules keep the loop's registers in machine registers (each measured with callgrind
//! and the asm of `interpret`): no value reaches the loop's exit straight from the dispatch's
//! indirect jump (a handler that only leaves is never an empty block; `RAISE`/`RERAISE`
//! record their backtrace in their handler, so the exit sees no raise kind of theirs), and
//! the dispatch steps `pc` through `regs::opaque_pc`, so only one `pc` is live into a handler.
//!
//! The dispatch's shape: every handler must end in its own copy of the fetch and the
//! indirect jump (a threaded dispatch: one shared jump mispredicts 1.4 to 7 times as often,
//! measured with cachegrind's branch simulation on the benchmarks). LLVM's tail
//! duplication would make those copies from one `match` only with limits raised by
//! `-C llvm-args` (its defaults refuse a block with more than 16 predecessors and 16
//! successors, llvm issue 78578), flags that a `RUSTFLAGS` variable silently replaces. So
//! the loop is a tree whose every block has at most 16 predecessors (`marks`), and every
//! build, whatever its rustflags, threads the same way: each handler yields its opcode group
//! (8 consecutive opcodes), a constant, and the loop's back edge passes through a mark of
//! that group, then a mark of its half (16 groups), to the fetch at the loop's top; each
//! mark is an empty assembly template that names its copy and reads `pc`, so no pass
//! merges the marks back into one block. LLVM threads the constants and then duplicates the
//! fetch with its jump step by step into every handler (353 indirect jumps in `interpret`;
//! 8 for a plain `match` under the default limits). The fetch is at the top of the one
//! inner loop: a tree whose fetch came after the marks (the loop then carrying the opcode)
//! kept two copies of `sp` and of `pc` live into every handler, 10-20% more instructions.
//! Two things kept the tree behind the plain `match` under raised limits (the dispatch until
//! December 2026), 3-9% more instructions per program (callgrind): `regs::Leave`'s raise
//! kind as a payload byte (carried around the loop; its copies also made the marks too big
//! for LLVM's early tail duplication, which left part of the threading to after register
//! allocation), and the sinking of a group's common handler tails into its mark
//! (`arm_end`). Without both, the tree runs 0-2.6% more instructions than that `match`.
//!
//! The loop's exits write the handler's `Leave` into a slot whose address has escaped
//! (`left`), not into a value the loop carries: carried, LLVM split the enum into its
//! fields and kept each one (the unused bytes of `Exn`'s variants too) alive around the
//! loop: dozens of stack copies at every primitive call, 38% more instructions in
//! `interpret` on parallel_prims, 5-9% more on int_loops, strings, hashtbl_map, exceptions
//! and printf_format (callgrind).
//!
//! Memory safety of the handlers' unchecked accesses rests on the loader's validation of the
//! code (operands present, jump targets on instruction boundaries, primitive and global
//! indices in range), on the compiler's frame discipline (`check_stacks` keeps 32 words
//! free) and on well-typed code (checked by the hardened build's hooks).

use super::opcodes::{dispatch, group_of, Op};
use super::ops::{apply, arith, block, builtin, control, effect, fused, prim, stack};
use super::regs::{opaque_pc, Leave, RaiseKind, Regs};
use super::Program;
use crate::check;
use crate::domain::{Domain, Stack};
use crate::exn::Exn;
use crate::heap::code_pointer::code_index;
use crate::heap::value::Value;
use std::cmp::Ordering;

/// Size of the backtrace buffer, in slots (as the stock runtime's).
const BACKTRACE_BUFFER_SIZE: usize = 1024;

/// Records the backtrace of exception `exn` raised with the stack at `sp`.
///
/// # Safety
/// `sp` must point into the domain's stack, at or below its top.
pub(super) unsafe fn stash_backtrace(
    dom: &mut Domain,
    program: &Program,
    exn: Value,
    sp: *mut Value,
    reraise: bool,
) {
    if exn != dom.backtrace_exn || !reraise {
        dom.backtrace.clear();
        dom.backtrace_exn = exn;
    }
    let high = dom.stack.high();
    let limit = if dom.stack.trap_off > 0 {
        high
    } else {
        // SAFETY: a negative trap offset designates a frame inside the stack.
        unsafe { high.offset(dom.stack.trap_off) }
    };
    let mut p = sp;
    while p < limit {
        if dom.backtrace.len() >= BACKTRACE_BUFFER_SIZE {
            break;
        }
        // SAFETY: sp <= p < limit <= high: a live stack word.
        let w = unsafe { *p };
        if let Some(i) = code_index(w) {
            if program.is_ocaml_code(i) {
                dom.backtrace.push(i);
            }
        }
        // SAFETY: p < limit.
        p = unsafe { p.add(1) };
    }
}

/// Puts the stack back as an activation of `interpret` found it, when the activation ends
/// with a runtime error that is not an OCaml exception (`exit`, a fatal error): the fibers it
/// entered are left and freed, `sp` goes back to the activation's base and the trap offset
/// to the caller's. The callers' frames (a callback's, an event frame around pending
/// actions) are then where they expect them, for their own unwinding and for any stack walk
/// (a collection, a backtrace) that happens before the process ends.
///
/// # Safety
/// `entry` must be the stack the activation started on, with `initial_words` used words
/// then, and every stack between the current one and `entry` a fiber of this domain entered
/// by the activation.
#[cold]
#[inline(never)]
unsafe fn abandon_activation(
    dom: &mut Domain,
    entry: *const Stack,
    initial_words: usize,
    saved_trap_off: isize,
) {
    while !std::ptr::eq(&*dom.stack, entry) {
        let parent = dom.stack.parent;
        if parent.is_null() {
            // Not reachable: the activation's fibers all descend from its entry stack.
            return;
        }
        let finished: *mut Stack = &mut *dom.stack;
        // SAFETY: `parent` is a live running stack of this domain (the chain of running
        // fibers), and `finished`, running, is referred to by no continuation.
        unsafe {
            dom.switch_stack(parent);
            check::on_stack_free((*finished).low() as *mut usize, (*finished).wsize());
            dom.free_fiber(finished);
        }
    }
    dom.stack.trap_off = saved_trap_off;
    // SAFETY: the entry stack held `initial_words` words when the activation began; it only
    // grew since (reallocation keeps the words below its top).
    dom.stack.sp = unsafe { dom.stack.high().sub(initial_words) };
}

/// Marks the first word of every instruction of validated `code` (for the checker's code
/// pointer checks): the program's, the stubs' and every loaded fragment's, each a run of
/// whole instructions.
pub fn instruction_starts(code: &[i32]) -> Vec<bool> {
    let mut starts = vec![false; code.len()];
    let mut pc = 0;
    while let Some(len) = super::opcodes::instr_len(code, pc) {
        starts[pc] = true;
        pc += len;
    }
    starts
}

/// Reads the opcode at `pc` and steps `pc` over it (through `opaque_pc`: the module doc).
///
/// # Safety
/// `pc` must be at an instruction of the validated (and translated) code.
#[inline(always)]
unsafe fn fetch(m: &mut Regs) -> Op {
    // SAFETY: `pc` is at an instruction (the caller's contract): its opcode word is
    // readable and the word after it is in the code or one past its end. Validated opcodes
    // are stock ones, and translation (`translate`) writes only opcodes of `Op`: all are
    // below OPCODE_COUNT, the number of `Op`'s variants.
    unsafe {
        let op = *m.pc;
        m.pc = opaque_pc(m.pc.add(1));
        std::mem::transmute::<u8, Op>(op as u8)
    }
}

/// An empty assembly template that names `COPY` and reads `pc`: two copies differ, so no
/// pass merges the blocks that hold them, and `pc` stays one value (the template writes
/// nothing). Emits no instruction.
#[inline(always)]
// The template is empty: the pointer is in a register and never dereferenced.
#[allow(clippy::pointers_in_nomem_asm_block)]
fn mark<const COPY: usize>(pc: *const i32) {
    // SAFETY: an empty assembly template: it only names the register holding `pc`.
    unsafe {
        std::arch::asm!(
            "/* dispatch {1}: {0} */",
            in(reg) pc,
            const COPY,
            options(nomem, nostack, preserves_flags)
        )
    };
}

/// The back edge after a handler of opcode group `group` (`opcodes::group_of`) ran: the
/// dispatch tree of the module doc. `group` is a constant in each handler, so LLVM threads
/// each handler's exits to the mark of its group (`match group`), that mark to the mark of
/// its half, and then duplicates the fetch at the loop's top and its indirect jump into
/// every block: at most 16 predecessors each step (3 for the fetch, 16 for a half's mark,
/// a group's few handler exits for a group's mark).
#[inline(always)]
fn marks(pc: *const i32, group: u8) {
    macro_rules! marks {
        ($($k:literal)*) => {
            match group {
                $( $k => mark::<$k>(pc), )*
                _ => {}
            }
        };
    }
    marks!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    if group < 16 {
        mark::<32>(pc)
    } else {
        mark::<33>(pc)
    }
}

/// The end of one opcode's arm of the dispatch `match` (`opcodes::dispatch!`): an empty
/// assembly template, which LLVM does not sink or merge. Without it, the arms of a group
/// that end alike could have their common code sunk into the group's mark behind a merged
/// operand (seen for ACC0..ACC7, `accu = sp[n]`: ACC0's jump-table entry became the shared
/// load, which read `sp` from a register of its own, and every dispatch copied `sp` into it,
/// one more instruction per opcode run). Emits no instruction.
#[inline(always)]
fn arm_end() {
    // SAFETY: an empty assembly template: it reads and writes nothing.
    unsafe { std::arch::asm!("", options(nomem, nostack, preserves_flags)) };
}

// `marks`'s two halves of 16 groups cover every opcode.
const _: () = assert!(super::opcodes::OPCODE_COUNT <= 32 * super::opcodes::DISPATCH_GROUP_SIZE);

/// Runs code from instruction `start` with `env` and `extra_args` until its STOP; returns
/// the result, or the exception that no handler of this activation caught.
pub fn interpret(
    dom: &mut Domain,
    program: &Program,
    start: usize,
    env: Value,
    extra_args: isize,
) -> Result<Value, Exn> {
    if check::ENABLED {
        let (base, len) = (program.code.as_ptr(), program.code.len());
        dom.with_heap(|d| {
            check::on_code(&mut d.gc.check, base, len, &|| instruction_starts(&program.code))
        });
    }
    check::fault::on_interpret();
    crate::fault_signals::note_interpreter_code(
        program.code.as_ptr(),
        program.code.len(),
        super::opcodes::fault_site,
    );
    let saved_trap_off = dom.stack.trap_off;
    dom.stack.trap_off = 1;
    let initial_words = dom.stack.used();
    let entry_stack: *const Stack = &*dom.stack;

    // SAFETY: `start` is an instruction boundary inside the validated code.
    let mut m = unsafe { Regs::new(dom, program, start, env, extra_args) };
    // Where the inner loop's exits put their `Leave` (the module doc: escaped, not carried).
    let mut left = std::mem::MaybeUninit::<Leave>::uninit();
    std::hint::black_box(&mut left);
    loop {
        // Every fetch: `pc` is at an instruction of the validated code: the activation's
        // start, a trap frame's handler, or where the last handler left it.
        loop {
            // Hardened only (production's twin is a constant false): the fuzz budget.
            if check::instruction_spent() {
                left.write(Leave::Fail(Exn::fatal("the instruction budget is spent")));
                break;
            }
            // SAFETY: every fetch (above).
            let op = unsafe { fetch(&mut m) };
            // SAFETY: each handler's contract is validated, well-typed code (see the module
            // doc), which `pc` is running.
            let group = unsafe { dispatch!(op, &mut m, leave => { left.write(leave); break }) };
            marks(m.pc, group);
        }
        // SAFETY: every exit of the inner loop has just written `left`.
        let leave = unsafe { left.assume_init_read() };
        let kind = match leave {
            Leave::Raise => RaiseKind::Raise,
            Leave::Reraise => RaiseKind::Reraise,
            Leave::RaiseNoTrace => RaiseKind::NoTrace,
            Leave::RaiseFromPrim => RaiseKind::FromPrim,
            Leave::Stop => {
                m.dom.stack.trap_off = saved_trap_off;
                m.dom.stack.sp = m.sp;
                return Ok(m.accu);
            }
            Leave::Fail(e) => {
                // SAFETY: the activation started on `entry_stack` with `initial_words` words.
                unsafe { abandon_activation(m.dom, entry_stack, initial_words, saved_trap_off) };
                return Err(e);
            }
        };
        // The raise path: `accu` is the exception.
        // SAFETY: `sp` is in the running stack, with free words below it; a trap offset
        // designates a trap frame of the running stack.
        unsafe {
            // RAISE and RERAISE record theirs in their handler (`control::raise`) and come
            // here as `NoTrace`; `Raise` here is a handler that raises as RAISE does without
            // recording it (PERFORM with no effect handler).
            match kind {
                RaiseKind::Raise | RaiseKind::Reraise => {
                    if m.dom.backtrace_active {
                        let reraise = kind == RaiseKind::Reraise;
                        m.out_of_line(|r| r.record_raise(reraise));
                    }
                }
                RaiseKind::FromPrim => {
                    if m.dom.backtrace_active {
                        stash_backtrace(m.dom, program, m.accu, m.sp, false);
                    }
                }
                RaiseKind::NoTrace => {}
            }
            if m.dom.stack.trap_off > 0 && !m.dom.stack.parent.is_null() {
                // No handler in this fiber: it dies, and its exception handler runs in the
                // parent.
                m.leave_fiber(1);
                continue;
            }
            if m.dom.stack.trap_off > 0 {
                m.dom.stack.trap_off = saved_trap_off;
                let high = m.dom.stack.high();
                m.dom.stack.sp = high.sub(initial_words);
                return Err(Exn::Raise(m.accu));
            }
            m.sp = m.dom.stack.high().offset(m.dom.stack.trap_off);
            m.pc = m.code(code_index(m.at(0)).expect("trap frame"));
            m.dom.stack.trap_off = m.at(1).int();
            m.env = m.at(2);
            m.extra_args = m.at(3).int();
            m.pop(4);
        }
    }
}
