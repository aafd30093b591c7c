//! The dispatch loop: one `match` per instruction, registers in locals (`pc`, `sp`, `accu`,
//! `env`, `extra_args`), OCaml's frame layouts:
//!
//! * return frame (3 words): `[return address, env, extra_args]`;
//! * trap frame (4 words): `[handler address, previous trap offset, env, extra_args]`,
//!   `Stack::trap_off` = trap frame position relative to the stack top (1 = none);
//! * around a primitive call: `[env, address after the call]`;
//! * around a collection: `[accu, env, address]`; around pending actions, an event frame
//!   `[accu, (), (), address, env, extra_args]`.
//!
//! Every value the collector must see is on the stack whenever it can run; `sp` is
//! reloaded from the domain after anything that can run the collector or OCaml code.
//! Memory safety of the unchecked accesses rests on the loader's validation of the code
//! (operands present, jump targets on instruction boundaries, primitive and global indices in
//! range) and on the compiler's frame discipline (`check_stacks` keeps 32 words free).

#![allow(unused_assignments)]

use super::opcodes::Op;
use super::Program;
use crate::check;
use crate::domain::{Domain, Stack};
use crate::exn::Exn;
use crate::heap::atoms::atom;
use crate::heap::code_pointer::{code_index, code_index_below, code_value};
use crate::heap::stack::{fiber_of, fiber_value, replace_fiber, take_fiber};
use crate::heap::value::{
    make_closinfo, Header, Value, CLOSURE_TAG, CONT_TAG, DOUBLE_ARRAY_TAG, DOUBLE_TAG, INFIX_TAG,
    MAX_YOUNG_WOSIZE,
};
use crate::heap::young_space::is_young;
use std::sync::atomic::{AtomicBool, Ordering};

/// Size of the backtrace buffer, in slots (as the stock runtime's).
const BACKTRACE_BUFFER_SIZE: usize = 1024;

/// Why control reached the raise path.
#[derive(Copy, Clone, PartialEq, Eq)]
enum RaiseKind {
    /// RAISE: push the raise address, restart the backtrace.
    Raise,
    /// RERAISE: push the address, keep the backtrace if the exception is the same.
    Reraise,
    /// RAISE_NOTRACE: no backtrace work.
    NoTrace,
    /// From a primitive: the call frame already holds the address after the call.
    FromPrim,
}

/// Records the backtrace of exception `exn` raised with the stack at `sp`.
///
/// # Safety
/// `sp` must point into the domain's stack, at or below its top.
unsafe fn stash_backtrace(
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
            if i < program.program_len {
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

/// Runs the pending actions before exception `exn` is raised with the stack at `sp` (see
/// the interpreter's `actions_before_raise!`); returns the exception to raise, or the runtime
/// error that ends the program. `dom.stack.sp` is `sp` again on return, possibly moved by a
/// reallocation of the stack. Out of line: it runs only on the raise paths.
///
/// # Safety
/// `sp` must be the domain's current stack pointer position with at least one free word
/// below it, every word from `sp` up being a well-formed frame word.
#[cold]
#[inline(never)]
unsafe fn actions_before_raise(dom: &mut Domain, sp: *mut Value, exn: Value) -> Result<Value, Exn> {
    // SAFETY: one free word below `sp` (the caller's contract); the exception stays rooted
    // there while OCaml code runs.
    unsafe {
        let sp = sp.sub(1);
        *sp = exn;
        dom.stack.sp = sp;
    }
    dom.safepoint();
    let r = crate::domain::pending::run_pending_actions(dom);
    // SAFETY: the callbacks left the stack as they found it (a reallocation keeps the offset
    // from its top), so the rooted exception is at `dom.stack.sp`.
    let exn = unsafe {
        let sp = dom.stack.sp;
        dom.stack.sp = sp.add(1);
        *sp
    };
    match r {
        Ok(()) => Ok(exn),
        Err(e) => dom.exn_value(&e).ok_or(e),
    }
}

/// Marks the first word of every instruction of validated `code` (for the checker's code
/// pointer checks).
fn instruction_starts(code: &[i32]) -> Vec<bool> {
    let mut starts = vec![false; code.len()];
    let mut pc = 0;
    while let Some(len) = super::opcodes::instr_len(code, pc) {
        starts[pc] = true;
        pc += len;
    }
    starts
}

/// Runs code from instruction `start` with `env` and `extra_args` until its STOP; returns
/// the result, or the exception that no handler of this activation caught.
pub fn interpret(
    dom: &mut Domain,
    program: &Program,
    start: usize,
    env: Value,
    extra_args: isize,
) -> Result<Value, Exn> {
    let base: *const i32 = program.code.as_ptr();
    if check::ENABLED {
        dom.with_heap(|d| {
            check::on_code(&mut d.gc.check, base, &|| instruction_starts(&program.code))
        });
    }
    check::fault::on_interpret();
    let saved_trap_off = dom.stack.trap_off;
    dom.stack.trap_off = 1;
    let initial_words = dom.stack.used();
    let entry_stack: *const Stack = &*dom.stack;

    // SAFETY: `start` is an instruction boundary inside the validated code.
    let mut pc: *const i32 = unsafe { base.add(start) };
    let mut sp: *mut Value = dom.stack.sp;
    let mut accu = Value::of_int(0);
    let mut env = env;
    let mut extra_args = extra_args;
    let mut raise_kind;
    // The domain's shared state outlives this activation (the domain holds an Arc of it).
    let stop_flag: *const AtomicBool = &dom.shared.stop;
    let work_flag: *const AtomicBool = &dom.shared.work;
    // The tick's switch request (systhreads); the Arc lives as long as the domain.
    let yield_flag: *const AtomicBool = &*dom.threads.yield_requested;

    // Used only inside the unsafe block below: both pointers stay inside the program's code
    // array, since code indices come from validated jumps or code values.
    macro_rules! idx {
        ($p:expr) => {
            ($p.offset_from(base)) as usize
        };
    }
    macro_rules! at {
        ($i:expr) => {
            base.add($i)
        };
    }

    // SAFETY: (the whole loop) the code was validated by the loader, so every operand read
    // is in bounds, every jump lands on an instruction, and every primitive and global index
    // is in range. Stack accesses stay within frames the compiler laid out, with at least
    // STACK_THRESHOLD free words guaranteed by `check_stacks` and `caml_ensure_stack_capacity`.
    unsafe {
        macro_rules! push {
            ($v:expr) => {{
                let v = $v;
                sp = sp.sub(1);
                *sp = v;
            }};
        }
        macro_rules! operand {
            () => {{
                let o = *pc;
                pc = pc.add(1);
                o
            }};
        }
        // Whether a poll point must stop: this domain's own collection or checker work, a
        // world stopping, shared work (a major cycle, finalisers), a thread switch, or a
        // signal.
        macro_rules! pending {
            () => {
                dom.young.work_pending()
                    // Relaxed: hints, re-checked under the world's or the heap's lock.
                    || (*stop_flag).load(Ordering::Relaxed)
                    || (*work_flag).load(Ordering::Relaxed)
                    || (*yield_flag).load(Ordering::Relaxed)
                    || crate::domain::pending::signals_pending()
            };
        }
        // Allocates a young block, collecting first when the arena is full (accu and env
        // are saved on the stack across the collection).
        macro_rules! alloc_small {
            ($wosize:expr, $tag:expr) => {{
                let wosize: usize = $wosize;
                let site = check::site_at(dom.id, idx!(pc));
                match dom.young.try_alloc(wosize, $tag, site) {
                    Some(v) => v,
                    None => {
                        // `lost-root` (fault injection only): the accumulator is left out.
                        let lost = check::fault::lost_root(is_young(accu));
                        sp = sp.sub(3);
                        *sp = if lost { Value::UNIT } else { accu };
                        *sp.add(1) = env;
                        *sp.add(2) = code_value(idx!(pc));
                        dom.stack.sp = sp;
                        dom.young.minor_wanted = true;
                        dom.safepoint();
                        sp = dom.stack.sp;
                        if !lost {
                            accu = *sp;
                        }
                        env = *sp.add(1);
                        sp = sp.add(3);
                        check::note_site(dom.id, idx!(pc));
                        dom.alloc_small(wosize, $tag)
                    }
                }
            }};
        }
        // Code values decode with one compare against the code's length.
        let code_len = program.code.len();
        macro_rules! code_at {
            ($v:expr, $what:expr) => {{
                let v: Value = $v;
                let Some(i) = code_index_below(v, code_len) else {
                    check::explain_bad_value(v, $what);
                    crate::fatal($what);
                };
                at!(i)
            }};
        }
        macro_rules! jump_to_closure {
            () => {{
                pc = code_at!(accu.field(0), "applying a value that is not a closure");
                env = accu;
            }};
        }

        // The running fiber is finished (returned, or raised with no handler in it): frees it,
        // goes back to the parent stack, and applies the fiber's handler number `$h`
        // (0 = value, 1 = exception) to `accu`.
        macro_rules! leave_fiber {
            ($h:expr) => {{
                let finished: *mut Stack = &mut *dom.stack;
                let parent = dom.stack.parent;
                let handler = dom.stack.handlers[$h];
                dom.stack.sp = sp;
                dom.switch_stack(parent);
                check::on_stack_free((*finished).low() as *mut usize, (*finished).wsize());
                dom.free_fiber(finished);
                sp = dom.stack.sp;
                dom.stack.trap_off = (*sp).int();
                extra_args = (*sp.add(1)).int();
                sp = sp.add(1);
                *sp = accu;
                accu = handler;
                jump_to_closure!();
            }};
        }

        // Ends this activation with a runtime error that is not an OCaml exception (`exit`,
        // a fatal error), leaving the stack as the activation found it.
        macro_rules! bail {
            ($e:expr) => {{
                let e: Exn = $e;
                abandon_activation(dom, entry_stack, initial_words, saved_trap_off);
                return Err(e);
            }};
        }

        'outer: loop {
            // As the stock `caml_raise`: before exception `accu` leaves a primitive (or the
            // pending actions of a poll point), the actions still pending run once, with it
            // rooted on the stack below the frame at `sp`; an exception of theirs replaces it.
            macro_rules! actions_before_raise {
                () => {{
                    if pending!() {
                        let r = actions_before_raise(dom, sp, accu);
                        sp = dom.stack.sp;
                        match r {
                            Ok(v) => accu = v,
                            Err(e) => bail!(e),
                        }
                    }
                }};
            }
            // `check_stacks` then `CHECK_SIGNALS` after calls, as the stock interpreter.
            macro_rules! check_stacks {
                () => {{
                    if sp < dom.stack.threshold() {
                        dom.stack.sp = sp;
                        if !dom.stack.grow(crate::domain::STACK_THRESHOLD) {
                            let e = dom.exn_value(&Exn::stack_overflow()).expect("predefined");
                            sp = sp.sub(2);
                            *sp = env;
                            *sp.add(1) = code_value(idx!(pc) + 1);
                            accu = e;
                            actions_before_raise!();
                            raise_kind = RaiseKind::FromPrim;
                            break;
                        }
                        sp = dom.stack.sp;
                    }
                    poll!();
                }};
            }
            // Runs pending collections and finalisers with an event frame on the stack.
            macro_rules! poll {
                () => {{
                    if pending!() {
                        sp = sp.sub(6);
                        *sp = accu;
                        *sp.add(1) = Value::UNIT;
                        *sp.add(2) = Value::UNIT;
                        *sp.add(3) = code_value(idx!(pc));
                        *sp.add(4) = env;
                        *sp.add(5) = Value::of_int(extra_args);
                        dom.stack.sp = sp;
                        dom.safepoint();
                        let r = crate::domain::pending::run_pending_actions(dom);
                        sp = dom.stack.sp;
                        if let Err(e) = r {
                            match dom.exn_value(&e) {
                                // Raised as by a primitive called here: the backtrace
                                // restarts at the event frame, whose address is the poll
                                // point.
                                Some(v) => {
                                    accu = v;
                                    actions_before_raise!();
                                    raise_kind = RaiseKind::FromPrim;
                                    break;
                                }
                                None => bail!(e),
                            }
                        }
                        accu = *sp;
                        pc = code_at!(*sp.add(3), "a poll frame without its code address");
                        env = *sp.add(4);
                        extra_args = (*sp.add(5)).int();
                        sp = sp.add(6);
                    }
                }};
            }
            // Calls primitive number `$p` with `$args`, with the call frame pushed.
            macro_rules! c_call {
                ($p:expr, $args:expr, $pop:expr) => {{
                    let p = $p as usize;
                    sp = sp.sub(2);
                    *sp = env;
                    *sp.add(1) = code_value(idx!(pc) + 1);
                    dom.stack.sp = sp;
                    check::note_site(dom.id, idx!(pc) - 1);
                    let r = if program.lock_free[p] {
                        (program.prims[p])(dom, $args)
                    } else {
                        dom.lock_heap();
                        let r = (program.prims[p])(dom, $args);
                        dom.unlock_heap();
                        r
                    };
                    sp = dom.stack.sp;
                    match r {
                        Ok(v) => {
                            env = *sp;
                            sp = sp.add(2 + $pop);
                            accu = v;
                            pc = pc.add(1);
                        }
                        Err(Exn::Unimplemented(_)) => {
                            bail!(Exn::fatal(format!(
                                "the primitive {} is not implemented by warden",
                                program.prim_names[p]
                            )));
                        }
                        Err(e) => match dom.exn_value(&e) {
                            Some(v) => {
                                accu = v;
                                actions_before_raise!();
                                raise_kind = RaiseKind::FromPrim;
                                break;
                            }
                            None => bail!(e),
                        },
                    }
                }};
            }

            // Returns from a function: pops the return frame, or, at the bottom of a fiber,
            // goes back to the parent stack and applies the fiber's value handler.
            macro_rules! do_return {
                () => {{
                    if sp == dom.stack.high() && !dom.stack.parent.is_null() {
                        leave_fiber!(0);
                        check_stacks!();
                    } else {
                        pc = code_at!(*sp, "a return frame without its code address");
                        env = *sp.add(1);
                        extra_args = (*sp.add(2)).int();
                        sp = sp.add(3);
                    }
                }};
            }
            // Switches to fiber `accu` (a `Val_ptr`), whose chain ends at `$tail`, and applies
            // `$f` to `$arg` there. The resume frame is already on the current stack.
            macro_rules! do_resume {
                ($f:expr, $arg:expr, $tail:expr) => {{
                    let stk = fiber_of(accu);
                    if stk.is_null() {
                        let e = dom.named_exception("Effect.Continuation_already_resumed");
                        sp = sp.sub(2);
                        *sp = env;
                        *sp.add(1) = code_value(idx!(pc) + 1);
                        accu = e;
                        raise_kind = RaiseKind::FromPrim;
                        break;
                    }
                    let tail = if $tail.is_null() { stk } else { $tail };
                    (*tail).parent = &mut *dom.stack;
                    dom.stack.sp = sp;
                    dom.switch_stack(stk);
                    sp = dom.stack.sp;
                    dom.stack.trap_off = (*sp).int();
                    *sp = $arg;
                    accu = $f;
                    jump_to_closure!();
                    extra_args = 0;
                    check_stacks!();
                }};
            }

            loop {
                // Hardened only (production's twin is a constant false): the fuzz budget.
                if check::instruction_spent() {
                    bail!(Exn::fatal("the instruction budget is spent"));
                }
                let op = *pc;
                pc = pc.add(1);
                // SAFETY: validated opcodes are below OPCODE_COUNT.
                let op: Op = std::mem::transmute::<u8, Op>(op as u8);
                match op {
                    Op::ACC0 => accu = *sp,
                    Op::ACC1 => accu = *sp.add(1),
                    Op::ACC2 => accu = *sp.add(2),
                    Op::ACC3 => accu = *sp.add(3),
                    Op::ACC4 => accu = *sp.add(4),
                    Op::ACC5 => accu = *sp.add(5),
                    Op::ACC6 => accu = *sp.add(6),
                    Op::ACC7 => accu = *sp.add(7),
                    Op::ACC => {
                        let n = operand!() as usize;
                        accu = *sp.add(n);
                    }
                    Op::PUSH | Op::PUSHACC0 => push!(accu),
                    Op::PUSHACC1 => {
                        push!(accu);
                        accu = *sp.add(1)
                    }
                    Op::PUSHACC2 => {
                        push!(accu);
                        accu = *sp.add(2)
                    }
                    Op::PUSHACC3 => {
                        push!(accu);
                        accu = *sp.add(3)
                    }
                    Op::PUSHACC4 => {
                        push!(accu);
                        accu = *sp.add(4)
                    }
                    Op::PUSHACC5 => {
                        push!(accu);
                        accu = *sp.add(5)
                    }
                    Op::PUSHACC6 => {
                        push!(accu);
                        accu = *sp.add(6)
                    }
                    Op::PUSHACC7 => {
                        push!(accu);
                        accu = *sp.add(7)
                    }
                    Op::PUSHACC => {
                        push!(accu);
                        let n = operand!() as usize;
                        accu = *sp.add(n);
                    }
                    Op::POP => {
                        let n = operand!() as usize;
                        sp = sp.add(n);
                    }
                    Op::ASSIGN => {
                        let n = operand!() as usize;
                        *sp.add(n) = accu;
                        accu = Value::UNIT;
                    }
                    Op::ENVACC1 => accu = env.field(1),
                    Op::ENVACC2 => accu = env.field(2),
                    Op::ENVACC3 => accu = env.field(3),
                    Op::ENVACC4 => accu = env.field(4),
                    Op::ENVACC => {
                        let n = operand!() as usize;
                        accu = env.field(n);
                    }
                    Op::PUSHENVACC1 => {
                        push!(accu);
                        accu = env.field(1)
                    }
                    Op::PUSHENVACC2 => {
                        push!(accu);
                        accu = env.field(2)
                    }
                    Op::PUSHENVACC3 => {
                        push!(accu);
                        accu = env.field(3)
                    }
                    Op::PUSHENVACC4 => {
                        push!(accu);
                        accu = env.field(4)
                    }
                    Op::PUSHENVACC => {
                        push!(accu);
                        let n = operand!() as usize;
                        accu = env.field(n);
                    }
                    Op::PUSH_RETADDR => {
                        let target = idx!(pc) as isize + *pc as isize;
                        sp = sp.sub(3);
                        *sp = code_value(target as usize);
                        *sp.add(1) = env;
                        *sp.add(2) = Value::of_int(extra_args);
                        pc = pc.add(1);
                    }
                    Op::APPLY => {
                        extra_args = *pc as isize - 1;
                        jump_to_closure!();
                        check_stacks!();
                    }
                    Op::APPLY1 => {
                        let a1 = *sp;
                        sp = sp.sub(3);
                        *sp = a1;
                        *sp.add(1) = code_value(idx!(pc));
                        *sp.add(2) = env;
                        *sp.add(3) = Value::of_int(extra_args);
                        jump_to_closure!();
                        extra_args = 0;
                        check_stacks!();
                    }
                    Op::APPLY2 => {
                        let a1 = *sp;
                        let a2 = *sp.add(1);
                        sp = sp.sub(3);
                        *sp = a1;
                        *sp.add(1) = a2;
                        *sp.add(2) = code_value(idx!(pc));
                        *sp.add(3) = env;
                        *sp.add(4) = Value::of_int(extra_args);
                        jump_to_closure!();
                        extra_args = 1;
                        check_stacks!();
                    }
                    Op::APPLY3 => {
                        let a1 = *sp;
                        let a2 = *sp.add(1);
                        let a3 = *sp.add(2);
                        sp = sp.sub(3);
                        *sp = a1;
                        *sp.add(1) = a2;
                        *sp.add(2) = a3;
                        *sp.add(3) = code_value(idx!(pc));
                        *sp.add(4) = env;
                        *sp.add(5) = Value::of_int(extra_args);
                        jump_to_closure!();
                        extra_args = 2;
                        check_stacks!();
                    }
                    Op::APPTERM => {
                        let nargs = operand!() as usize;
                        let slotsize = *pc as usize;
                        let newsp = sp.add(slotsize - nargs);
                        for i in (0..nargs).rev() {
                            *newsp.add(i) = *sp.add(i);
                        }
                        sp = newsp;
                        jump_to_closure!();
                        extra_args += nargs as isize - 1;
                        check_stacks!();
                    }
                    Op::APPTERM1 => {
                        let a1 = *sp;
                        sp = sp.add(*pc as usize - 1);
                        *sp = a1;
                        jump_to_closure!();
                        check_stacks!();
                    }
                    Op::APPTERM2 => {
                        let a1 = *sp;
                        let a2 = *sp.add(1);
                        sp = sp.add(*pc as usize - 2);
                        *sp = a1;
                        *sp.add(1) = a2;
                        jump_to_closure!();
                        extra_args += 1;
                        check_stacks!();
                    }
                    Op::APPTERM3 => {
                        let a1 = *sp;
                        let a2 = *sp.add(1);
                        let a3 = *sp.add(2);
                        sp = sp.add(*pc as usize - 3);
                        *sp = a1;
                        *sp.add(1) = a2;
                        *sp.add(2) = a3;
                        jump_to_closure!();
                        extra_args += 2;
                        check_stacks!();
                    }
                    Op::RETURN => {
                        let n = operand!() as usize;
                        sp = sp.add(n);
                        if extra_args > 0 {
                            extra_args -= 1;
                            jump_to_closure!();
                        } else {
                            do_return!();
                        }
                    }
                    Op::RESTART => {
                        let num_args = env.wosize() - 3;
                        sp = sp.sub(num_args);
                        for i in 0..num_args {
                            *sp.add(i) = env.field(i + 3);
                        }
                        env = env.field(2);
                        extra_args += num_args as isize;
                    }
                    Op::GRAB => {
                        let required = operand!() as isize;
                        if extra_args >= required {
                            extra_args -= required;
                        } else {
                            let num_args = 1 + extra_args as usize;
                            let clos = alloc_small!(num_args + 3, CLOSURE_TAG);
                            clos.set_field_raw(0, code_value(idx!(pc) - 3));
                            clos.set_field_raw(1, make_closinfo(0, 2));
                            clos.set_field_raw(2, env);
                            for i in 0..num_args {
                                clos.set_field_raw(i + 3, *sp.add(i));
                            }
                            if !is_young(clos) {
                                for i in 2..num_args + 3 {
                                    dom.young.initialize(clos, i, clos.field(i));
                                }
                            }
                            accu = clos;
                            sp = sp.add(num_args);
                            do_return!();
                        }
                    }
                    Op::CLOSURE => {
                        let nvars = operand!() as usize;
                        // The code offset is read before allocating, so that a collection
                        // there sees `pc` at an instruction boundary.
                        let target = idx!(pc) as isize + *pc as isize;
                        pc = pc.add(1);
                        if nvars > 0 {
                            push!(accu);
                        }
                        let clos = if nvars + 2 <= MAX_YOUNG_WOSIZE {
                            let c = alloc_small!(2 + nvars, CLOSURE_TAG);
                            for i in 0..nvars {
                                c.set_field_raw(i + 2, *sp.add(i));
                            }
                            c
                        } else {
                            let c = dom.alloc_major(2 + nvars, CLOSURE_TAG);
                            for i in 0..nvars {
                                dom.young.initialize(c, i + 2, *sp.add(i));
                            }
                            c
                        };
                        clos.set_field_raw(0, code_value(target as usize));
                        clos.set_field_raw(1, make_closinfo(0, 2));
                        sp = sp.add(nvars);
                        accu = clos;
                    }
                    Op::CLOSUREREC => {
                        let nfuncs = operand!() as usize;
                        let nvars = operand!() as usize;
                        let envofs = nfuncs * 3 - 1;
                        let blksize = envofs + nvars;
                        // The offset table is passed before allocating (see CLOSURE).
                        let table_pc = pc;
                        pc = pc.add(nfuncs);
                        if nvars > 0 {
                            push!(accu);
                        }
                        let clos = if blksize <= MAX_YOUNG_WOSIZE {
                            let c = alloc_small!(blksize, CLOSURE_TAG);
                            for i in 0..nvars {
                                c.set_field_raw(envofs + i, *sp.add(i));
                            }
                            c
                        } else {
                            let c = dom.alloc_major(blksize, CLOSURE_TAG);
                            for i in 0..nvars {
                                dom.young.initialize(c, envofs + i, *sp.add(i));
                            }
                            c
                        };
                        sp = sp.add(nvars);
                        push!(clos);
                        let table = idx!(table_pc) as isize;
                        clos.set_field_raw(0, code_value((table + *table_pc as isize) as usize));
                        clos.set_field_raw(1, make_closinfo(0, envofs));
                        let mut e = envofs;
                        for i in 1..nfuncs {
                            let f = 3 * i - 1;
                            clos.set_raw(f, Header::new(i * 3, INFIX_TAG, 0).0);
                            let infix = Value(clos.0 + (f + 1) * crate::heap::value::WORD);
                            push!(infix);
                            clos.set_field_raw(
                                f + 1,
                                code_value((table + *table_pc.add(i) as isize) as usize),
                            );
                            e -= 3;
                            clos.set_field_raw(f + 2, make_closinfo(0, e));
                        }
                        accu = clos;
                    }
                    Op::PUSHOFFSETCLOSURE => {
                        push!(accu);
                        let n = operand!() as isize;
                        accu = Value((env.0 as isize + n * 8) as usize);
                    }
                    Op::OFFSETCLOSURE => {
                        let n = operand!() as isize;
                        accu = Value((env.0 as isize + n * 8) as usize);
                    }
                    Op::PUSHOFFSETCLOSUREM3 => {
                        push!(accu);
                        accu = Value(env.0 - 24);
                    }
                    Op::OFFSETCLOSUREM3 => accu = Value(env.0 - 24),
                    Op::PUSHOFFSETCLOSURE0 => {
                        push!(accu);
                        accu = env;
                    }
                    Op::OFFSETCLOSURE0 => accu = env,
                    Op::PUSHOFFSETCLOSURE3 => {
                        push!(accu);
                        accu = Value(env.0 + 24);
                    }
                    Op::OFFSETCLOSURE3 => accu = Value(env.0 + 24),
                    Op::PUSHGETGLOBAL => {
                        push!(accu);
                        let n = operand!() as usize;
                        accu = dom.globals.get().field(n);
                    }
                    Op::GETGLOBAL => {
                        let n = operand!() as usize;
                        accu = dom.globals.get().field(n);
                    }
                    Op::PUSHGETGLOBALFIELD => {
                        push!(accu);
                        let n = operand!() as usize;
                        let f = operand!() as usize;
                        accu = dom.globals.get().field(n).field(f);
                    }
                    Op::GETGLOBALFIELD => {
                        let n = operand!() as usize;
                        let f = operand!() as usize;
                        accu = dom.globals.get().field(n).field(f);
                    }
                    Op::SETGLOBAL => {
                        let n = operand!() as usize;
                        let g = dom.globals.get();
                        dom.young.modify(g, n, accu);
                        accu = Value::UNIT;
                    }
                    Op::PUSHATOM0 => {
                        push!(accu);
                        accu = atom(0);
                    }
                    Op::ATOM0 => accu = atom(0),
                    Op::PUSHATOM => {
                        push!(accu);
                        accu = atom(operand!() as u8);
                    }
                    Op::ATOM => accu = atom(operand!() as u8),
                    Op::MAKEBLOCK => {
                        let wosize = operand!() as usize;
                        let tag = operand!() as u8;
                        let block = if wosize <= MAX_YOUNG_WOSIZE {
                            let b = alloc_small!(wosize, tag);
                            b.set_field_raw(0, accu);
                            for i in 1..wosize {
                                b.set_field_raw(i, *sp);
                                sp = sp.add(1);
                            }
                            b
                        } else {
                            let b = dom.alloc_major(wosize, tag);
                            dom.young.initialize(b, 0, accu);
                            for i in 1..wosize {
                                dom.young.initialize(b, i, *sp);
                                sp = sp.add(1);
                            }
                            b
                        };
                        accu = block;
                    }
                    Op::MAKEBLOCK1 => {
                        let tag = operand!() as u8;
                        let b = alloc_small!(1, tag);
                        b.set_field_raw(0, accu);
                        if !is_young(b) {
                            dom.young.initialize(b, 0, accu);
                        }
                        accu = b;
                    }
                    Op::MAKEBLOCK2 => {
                        let tag = operand!() as u8;
                        let b = alloc_small!(2, tag);
                        b.set_field_raw(0, accu);
                        b.set_field_raw(1, *sp);
                        if !is_young(b) {
                            dom.young.initialize(b, 0, accu);
                            dom.young.initialize(b, 1, *sp);
                        }
                        sp = sp.add(1);
                        accu = b;
                    }
                    Op::MAKEBLOCK3 => {
                        let tag = operand!() as u8;
                        let b = alloc_small!(3, tag);
                        b.set_field_raw(0, accu);
                        b.set_field_raw(1, *sp);
                        b.set_field_raw(2, *sp.add(1));
                        if !is_young(b) {
                            dom.young.initialize(b, 0, accu);
                            dom.young.initialize(b, 1, *sp);
                            dom.young.initialize(b, 2, *sp.add(1));
                        }
                        sp = sp.add(2);
                        accu = b;
                    }
                    Op::MAKEFLOATBLOCK => {
                        let size = operand!() as usize;
                        let b = if size <= MAX_YOUNG_WOSIZE {
                            alloc_small!(size, DOUBLE_ARRAY_TAG)
                        } else {
                            dom.alloc_major(size, DOUBLE_ARRAY_TAG)
                        };
                        b.set_double_field(0, accu.double());
                        for i in 1..size {
                            b.set_double_field(i, (*sp).double());
                            sp = sp.add(1);
                        }
                        accu = b;
                    }
                    Op::GETFIELD0 => accu = accu.field(0),
                    Op::GETFIELD1 => accu = accu.field(1),
                    Op::GETFIELD2 => accu = accu.field(2),
                    Op::GETFIELD3 => accu = accu.field(3),
                    Op::GETFIELD => {
                        let n = operand!() as usize;
                        accu = accu.field(n);
                    }
                    Op::GETFLOATFIELD => {
                        let n = operand!() as usize;
                        let d = accu.double_field(n);
                        let b = alloc_small!(1, DOUBLE_TAG);
                        *(b.0 as *mut f64) = d;
                        accu = b;
                    }
                    Op::SETFIELD0 => {
                        dom.young.modify(accu, 0, *sp);
                        sp = sp.add(1);
                        accu = Value::UNIT;
                    }
                    Op::SETFIELD1 => {
                        dom.young.modify(accu, 1, *sp);
                        sp = sp.add(1);
                        accu = Value::UNIT;
                    }
                    Op::SETFIELD2 => {
                        dom.young.modify(accu, 2, *sp);
                        sp = sp.add(1);
                        accu = Value::UNIT;
                    }
                    Op::SETFIELD3 => {
                        dom.young.modify(accu, 3, *sp);
                        sp = sp.add(1);
                        accu = Value::UNIT;
                    }
                    Op::SETFIELD => {
                        let n = operand!() as usize;
                        dom.young.modify(accu, n, *sp);
                        sp = sp.add(1);
                        accu = Value::UNIT;
                    }
                    Op::SETFLOATFIELD => {
                        let n = operand!() as usize;
                        accu.set_double_field(n, (*sp).double());
                        sp = sp.add(1);
                        accu = Value::UNIT;
                    }
                    Op::VECTLENGTH => accu = Value::of_int(accu.wosize() as isize),
                    Op::GETVECTITEM => {
                        accu = accu.field((*sp).int() as usize);
                        sp = sp.add(1);
                    }
                    Op::SETVECTITEM => {
                        dom.young.modify(accu, (*sp).int() as usize, *sp.add(1));
                        sp = sp.add(2);
                        accu = Value::UNIT;
                    }
                    Op::GETSTRINGCHAR | Op::GETBYTESCHAR => {
                        let i = (*sp).int() as usize;
                        accu = Value::of_int(*(accu.0 as *const u8).add(i) as isize);
                        sp = sp.add(1);
                    }
                    Op::SETBYTESCHAR => {
                        let i = (*sp).int() as usize;
                        *(accu.0 as *mut u8).add(i) = (*sp.add(1)).int() as u8;
                        sp = sp.add(2);
                        accu = Value::UNIT;
                    }
                    Op::BRANCH => pc = pc.offset(*pc as isize),
                    Op::BRANCHIF => {
                        if accu != Value::FALSE {
                            pc = pc.offset(*pc as isize)
                        } else {
                            pc = pc.add(1)
                        }
                    }
                    Op::BRANCHIFNOT => {
                        if accu == Value::FALSE {
                            pc = pc.offset(*pc as isize)
                        } else {
                            pc = pc.add(1)
                        }
                    }
                    Op::SWITCH => {
                        let sizes = operand!() as u32;
                        let slot = if accu.is_block() {
                            (sizes & 0xFFFF) as usize + accu.tag() as usize
                        } else {
                            accu.int() as usize
                        };
                        let nslots = (sizes & 0xFFFF) as usize + (sizes >> 16) as usize;
                        if slot >= nslots {
                            check::explain_bad_value(accu, "the value a SWITCH dispatches on");
                            crate::fatal("SWITCH on a value outside its table");
                        }
                        pc = pc.offset(*pc.add(slot) as isize);
                    }
                    Op::BOOLNOT => accu = Value(4 - accu.0),
                    Op::PUSHTRAP => {
                        let target = idx!(pc) as isize + *pc as isize;
                        sp = sp.sub(4);
                        *sp = code_value(target as usize);
                        *sp.add(1) = Value::of_int(dom.stack.trap_off);
                        *sp.add(2) = env;
                        *sp.add(3) = Value::of_int(extra_args);
                        dom.stack.trap_off = sp.offset_from(dom.stack.high());
                        pc = pc.add(1);
                    }
                    Op::POPTRAP => {
                        // Restarts after the actions (so a handler's exception is caught here);
                        // the same pending actions as any poll point.
                        if pending!() {
                            pc = pc.sub(1);
                            poll!();
                            continue;
                        }
                        dom.stack.trap_off = (*sp.add(1)).int();
                        sp = sp.add(4);
                    }
                    Op::RAISE_NOTRACE => {
                        raise_kind = RaiseKind::NoTrace;
                        break;
                    }
                    Op::RERAISE => {
                        raise_kind = RaiseKind::Reraise;
                        break;
                    }
                    Op::RAISE => {
                        raise_kind = RaiseKind::Raise;
                        break;
                    }
                    Op::CHECK_SIGNALS => poll!(),
                    Op::C_CALL1 => {
                        let args = [accu];
                        c_call!(*pc, &args, 0)
                    }
                    Op::C_CALL2 => {
                        let args = [accu, *sp];
                        c_call!(*pc, &args, 1)
                    }
                    Op::C_CALL3 => {
                        let args = [accu, *sp, *sp.add(1)];
                        c_call!(*pc, &args, 2)
                    }
                    Op::C_CALL4 => {
                        let args = [accu, *sp, *sp.add(1), *sp.add(2)];
                        c_call!(*pc, &args, 3)
                    }
                    Op::C_CALL5 => {
                        let args = [accu, *sp, *sp.add(1), *sp.add(2), *sp.add(3)];
                        c_call!(*pc, &args, 4)
                    }
                    Op::C_CALLN => {
                        let nargs = operand!() as usize;
                        push!(accu);
                        let args: Vec<Value> = std::slice::from_raw_parts(sp, nargs).to_vec();
                        c_call!(*pc, &args, nargs)
                    }
                    Op::CONST0 => accu = Value::of_int(0),
                    Op::CONST1 => accu = Value::of_int(1),
                    Op::CONST2 => accu = Value::of_int(2),
                    Op::CONST3 => accu = Value::of_int(3),
                    Op::PUSHCONST0 => {
                        push!(accu);
                        accu = Value::of_int(0)
                    }
                    Op::PUSHCONST1 => {
                        push!(accu);
                        accu = Value::of_int(1)
                    }
                    Op::PUSHCONST2 => {
                        push!(accu);
                        accu = Value::of_int(2)
                    }
                    Op::PUSHCONST3 => {
                        push!(accu);
                        accu = Value::of_int(3)
                    }
                    Op::PUSHCONSTINT => {
                        push!(accu);
                        accu = Value::of_int(operand!() as isize);
                    }
                    Op::CONSTINT => accu = Value::of_int(operand!() as isize),
                    Op::NEGINT => accu = Value(2usize.wrapping_sub(accu.0)),
                    Op::ADDINT => {
                        accu = Value(accu.0.wrapping_add((*sp).0).wrapping_sub(1));
                        sp = sp.add(1);
                    }
                    Op::SUBINT => {
                        accu = Value(accu.0.wrapping_sub((*sp).0).wrapping_add(1));
                        sp = sp.add(1);
                    }
                    Op::MULINT => {
                        accu = Value::of_int(accu.int().wrapping_mul((*sp).int()));
                        sp = sp.add(1);
                    }
                    Op::DIVINT | Op::MODINT => {
                        let divisor = (*sp).int();
                        sp = sp.add(1);
                        if divisor == 0 {
                            let e = dom.exn_value(&Exn::zero_divide()).expect("predefined");
                            sp = sp.sub(2);
                            *sp = env;
                            *sp.add(1) = code_value(idx!(pc) + 1);
                            accu = e;
                            raise_kind = RaiseKind::FromPrim;
                            break;
                        }
                        accu = if op == Op::DIVINT {
                            Value::of_int(accu.int().wrapping_div(divisor))
                        } else {
                            Value::of_int(accu.int().wrapping_rem(divisor))
                        };
                    }
                    Op::ANDINT => {
                        accu = Value(accu.0 & (*sp).0);
                        sp = sp.add(1);
                    }
                    Op::ORINT => {
                        accu = Value(accu.0 | (*sp).0);
                        sp = sp.add(1);
                    }
                    Op::XORINT => {
                        accu = Value((accu.0 ^ (*sp).0) | 1);
                        sp = sp.add(1);
                    }
                    Op::LSLINT => {
                        let n = (*sp).int() as u32;
                        accu = Value((accu.0 - 1).wrapping_shl(n) + 1);
                        sp = sp.add(1);
                    }
                    Op::LSRINT => {
                        let n = (*sp).int() as u32;
                        accu = Value(accu.0.wrapping_shr(n) | 1);
                        sp = sp.add(1);
                    }
                    Op::ASRINT => {
                        let n = (*sp).int() as u32;
                        accu = Value(((accu.0 as isize).wrapping_shr(n) as usize) | 1);
                        sp = sp.add(1);
                    }
                    Op::EQ => {
                        accu = Value::of_bool(accu.0 == (*sp).0);
                        sp = sp.add(1);
                    }
                    Op::NEQ => {
                        accu = Value::of_bool(accu.0 != (*sp).0);
                        sp = sp.add(1);
                    }
                    Op::LTINT => {
                        accu = Value::of_bool((accu.0 as isize) < ((*sp).0 as isize));
                        sp = sp.add(1);
                    }
                    Op::LEINT => {
                        accu = Value::of_bool((accu.0 as isize) <= ((*sp).0 as isize));
                        sp = sp.add(1);
                    }
                    Op::GTINT => {
                        accu = Value::of_bool((accu.0 as isize) > ((*sp).0 as isize));
                        sp = sp.add(1);
                    }
                    Op::GEINT => {
                        accu = Value::of_bool((accu.0 as isize) >= ((*sp).0 as isize));
                        sp = sp.add(1);
                    }
                    Op::ULTINT => {
                        accu = Value::of_bool(accu.0 < (*sp).0);
                        sp = sp.add(1);
                    }
                    Op::UGEINT => {
                        accu = Value::of_bool(accu.0 >= (*sp).0);
                        sp = sp.add(1);
                    }
                    Op::BEQ
                    | Op::BNEQ
                    | Op::BLTINT
                    | Op::BLEINT
                    | Op::BGTINT
                    | Op::BGEINT
                    | Op::BULTINT
                    | Op::BUGEINT => {
                        let n = operand!() as isize;
                        let a = accu.int();
                        let taken = match op {
                            Op::BEQ => n == a,
                            Op::BNEQ => n != a,
                            Op::BLTINT => n < a,
                            Op::BLEINT => n <= a,
                            Op::BGTINT => n > a,
                            Op::BGEINT => n >= a,
                            Op::BULTINT => (n as usize) < (a as usize),
                            _ => (n as usize) >= (a as usize),
                        };
                        if taken {
                            pc = pc.offset(*pc as isize);
                        } else {
                            pc = pc.add(1);
                        }
                    }
                    Op::OFFSETINT => {
                        let n = operand!() as isize;
                        accu = Value(accu.0.wrapping_add((n << 1) as usize));
                    }
                    Op::OFFSETREF => {
                        let n = operand!() as isize;
                        let f = accu.field(0);
                        accu.set_field_raw(0, Value(f.0.wrapping_add((n << 1) as usize)));
                        accu = Value::UNIT;
                    }
                    Op::ISINT => accu = Value::of_int((accu.0 & 1) as isize),
                    Op::GETMETHOD => {
                        accu = (*sp).field(0).field(accu.int() as usize);
                    }
                    Op::GETPUBMET => {
                        push!(accu);
                        accu = Value::of_int(operand!() as isize);
                        pc = pc.add(1);
                        accu = lookup_method(*sp, accu);
                    }
                    Op::GETDYNMET => accu = lookup_method(*sp, accu),
                    Op::STOP => {
                        dom.stack.trap_off = saved_trap_off;
                        dom.stack.sp = sp;
                        return Ok(accu);
                    }
                    Op::EVENT | Op::BREAK => {
                        bail!(Exn::fatal("debugger instructions (EVENT, BREAK) are not supported"));
                    }
                    Op::RESUME => {
                        let f = *sp;
                        let arg = *sp.add(1);
                        let tail = fiber_of(*sp.add(2));
                        sp = sp.sub(2);
                        *sp = Value::of_int(dom.stack.trap_off);
                        *sp.add(1) = Value::of_int(0);
                        *sp.add(2) = code_value(idx!(pc));
                        *sp.add(3) = env;
                        *sp.add(4) = Value::of_int(extra_args);
                        do_resume!(f, arg, tail);
                    }
                    Op::RESUMETERM => {
                        let n = *pc as usize;
                        let f = *sp;
                        let arg = *sp.add(1);
                        let tail = fiber_of(*sp.add(2));
                        sp = sp.add(n - 2);
                        *sp = Value::of_int(dom.stack.trap_off);
                        *sp.add(1) = Value::of_int(extra_args);
                        do_resume!(f, arg, tail);
                    }
                    Op::PERFORM => {
                        let parent = dom.stack.parent;
                        if parent.is_null() {
                            accu = unhandled_effect(dom, accu);
                            raise_kind = RaiseKind::Raise;
                            break;
                        }
                        let cont = alloc_small!(2, CONT_TAG);
                        sp = sp.sub(4);
                        *sp = Value::of_int(dom.stack.trap_off);
                        *sp.add(1) = code_value(idx!(pc));
                        *sp.add(2) = env;
                        *sp.add(3) = Value::of_int(extra_args);
                        dom.stack.sp = sp;
                        let old: *mut Stack = &mut *dom.stack;
                        let parent = dom.stack.parent;
                        dom.switch_stack(parent);
                        (*old).parent = std::ptr::null_mut();
                        cont.set_field_raw(1, fiber_value(old));
                        replace_fiber(cont, fiber_value(old));
                        dom.young.note_suspended(cont);
                        sp = dom.stack.sp;
                        dom.stack.trap_off = (*sp).int();
                        extra_args = (*sp.add(1)).int();
                        sp = sp.sub(1);
                        *sp = accu;
                        *sp.add(1) = cont;
                        *sp.add(2) = fiber_value(old);
                        accu = (*old).handlers[2];
                        jump_to_closure!();
                        extra_args += 2;
                        check_stacks!();
                    }
                    Op::REPERFORMTERM => {
                        let n = *pc as usize;
                        let eff = accu;
                        let cont = *sp;
                        let cont_tail = fiber_of(*sp.add(1));
                        let parent = dom.stack.parent;
                        sp = sp.add(n - 2);
                        *sp = Value::of_int(dom.stack.trap_off);
                        *sp.add(1) = Value::of_int(extra_args);
                        if parent.is_null() {
                            let arg = unhandled_effect(dom, eff);
                            let raiser = dom.alloc_tuple(
                                CLOSURE_TAG,
                                &[code_value(program.raise_arg_pc), make_closinfo(0, 2)],
                            );
                            // No safepoint from here to the resume: the taken chain is ours.
                            accu = take_fiber(cont);
                            do_resume!(raiser, arg, cont_tail);
                        } else {
                            dom.stack.sp = sp;
                            let me: *mut Stack = &mut *dom.stack;
                            dom.switch_stack(parent);
                            (*me).parent = std::ptr::null_mut();
                            (*cont_tail).parent = me;
                            cont.set_field_raw(1, fiber_value(me));
                            dom.young.note_suspended(cont);
                            sp = dom.stack.sp;
                            dom.stack.trap_off = (*sp).int();
                            extra_args = (*sp.add(1)).int();
                            sp = sp.sub(1);
                            *sp = eff;
                            *sp.add(1) = cont;
                            *sp.add(2) = fiber_value(me);
                            accu = (*me).handlers[2];
                            jump_to_closure!();
                            extra_args += 2;
                            check_stacks!();
                        }
                    }
                }
            }

            // The raise path: `accu` is the exception.
            match raise_kind {
                RaiseKind::Raise | RaiseKind::Reraise => {
                    if dom.backtrace_active {
                        sp = sp.sub(1);
                        *sp = code_value(idx!(pc) - 1);
                        stash_backtrace(dom, program, accu, sp, raise_kind == RaiseKind::Reraise);
                    }
                }
                RaiseKind::FromPrim => {
                    if dom.backtrace_active {
                        stash_backtrace(dom, program, accu, sp, false);
                    }
                }
                RaiseKind::NoTrace => {}
            }
            if dom.stack.trap_off > 0 && !dom.stack.parent.is_null() {
                // No handler in this fiber: it dies, and its exception handler runs in the
                // parent.
                leave_fiber!(1);
                continue 'outer;
            }
            if dom.stack.trap_off > 0 {
                dom.stack.trap_off = saved_trap_off;
                let high = dom.stack.high();
                dom.stack.sp = high.sub(initial_words);
                return Err(Exn::Raise(accu));
            }
            sp = dom.stack.high().offset(dom.stack.trap_off);
            pc = at!(code_index(*sp).expect("trap frame"));
            dom.stack.trap_off = (*sp.add(1)).int();
            env = *sp.add(2);
            extra_args = (*sp.add(3)).int();
            sp = sp.add(4);
            continue 'outer;
        }
    }
}

/// The exception `Effect.Unhandled eff`.
fn unhandled_effect(dom: &mut Domain, eff: Value) -> Value {
    // `Callback.register_exception` registers the constructor of an exception with
    // arguments.
    let ctor = dom.named_exception("Effect.Unhandled");
    dom.alloc_tuple(0, &[ctor, eff])
}

/// Finds method `tag` in object `obj`'s method table (binary search over sorted labels).
///
/// # Safety
/// `obj` must be an object whose field 0 is a method table as CamlinternalOO builds it.
unsafe fn lookup_method(obj: Value, tag: Value) -> Value {
    // SAFETY: the table layout [n; _; (method, label)...] is guaranteed by the caller.
    unsafe {
        let meths = obj.field(0);
        let mut li: usize = 3;
        let mut hi: usize = meths.field(0).0;
        while li < hi {
            let mi = ((li + hi) >> 1) | 1;
            if (tag.0 as isize) < (meths.field(mi).0 as isize) {
                hi = mi - 2;
            } else {
                li = mi;
            }
        }
        meths.field(li - 1)
    }
}
