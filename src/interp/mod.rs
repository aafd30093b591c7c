//! The bytecode interpreter: the loaded program (validated code plus the runtime's own stub
//! code, and the primitive table), callbacks from Rust into OCaml, and the dispatch loop
//! (`run`). Code addresses in values use the encoding of `heap::code_pointer` (an index into
//! `Program::code`, never a raw pointer).

pub mod opcodes;
mod ops;
mod regs;
pub mod run;

use crate::domain::Domain;
use crate::domain::PrimFn;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;
use std::sync::Arc;

use crate::heap::code_pointer::{code_index, code_value};

/// A loaded program: code (the executable's, then the runtime's stubs) and primitives.
pub struct Program {
    pub code: Vec<i32>,
    /// Words of `code` that came from the executable (the rest are runtime stubs).
    pub program_len: usize,
    pub prims: Vec<PrimFn>,
    pub prim_names: Vec<String>,
    /// Primitives that run without the heap lock (`prims::LOCK_FREE`).
    pub lock_free: Vec<bool>,
    /// Index of the `STOP` instruction that callbacks return to.
    pub stop_pc: usize,
    /// Index of `ACC 0; RAISE`, the code of the closure that raises `Effect.Unhandled`
    /// inside a continuation that no handler took.
    pub raise_arg_pc: usize,
    /// The function entries of the program's code (ascending word offsets, from the
    /// verifier): the only code a closure read by `Marshal` may point at.
    pub entries: Vec<u32>,
}

impl Program {
    /// Builds a program from validated code, appending the runtime's stub code. `lock_free`
    /// says, per primitive, whether it may run without the heap lock.
    pub fn new(
        mut code: Vec<i32>,
        prims: Vec<PrimFn>,
        prim_names: Vec<String>,
        lock_free: Vec<bool>,
    ) -> Program {
        let program_len = code.len();
        let stop_pc = code.len();
        code.push(opcodes::Op::STOP as i32);
        let raise_arg_pc = code.len();
        code.extend([opcodes::Op::ACC as i32, 0, opcodes::Op::RAISE as i32]);
        let entries = Vec::new();
        Program { code, program_len, prims, prim_names, lock_free, stop_pc, raise_arg_pc, entries }
    }
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Arc<Program>>> = const { std::cell::RefCell::new(None) };
}

/// Makes `program` the one this thread's callbacks run in.
pub fn install(dom: &mut Domain, program: Arc<Program>) {
    CURRENT.with(|c| *c.borrow_mut() = Some(program));
    dom.callback = callback;
}

/// The program this thread runs.
pub fn current_program() -> Arc<Program> {
    CURRENT.with(|c| c.borrow().clone()).unwrap_or_else(|| crate::fatal("no program loaded"))
}

/// Runs the program from its first instruction; returns the uncaught exception if any.
pub fn run_main(dom: &mut Domain, program: &Program) -> Result<Value, Exn> {
    run::interpret(dom, program, 0, Value::UNIT, 0)
}

/// Applies closure `f` to `args` (the `caml_callbackN` of the stock runtime).
pub fn callback(dom: &mut Domain, f: Value, args: &[Value]) -> PrimResult {
    let program = current_program();
    let n = args.len();
    if n == 0 {
        return Err(Exn::fatal("callback with no argument"));
    }
    if !dom.stack.grow(n + 3) {
        return Err(Exn::stack_overflow());
    }
    // SAFETY: grow() guaranteed n + 3 + threshold free words below sp.
    unsafe {
        let sp = dom.stack.sp.sub(n + 3);
        for (i, &a) in args.iter().enumerate() {
            *sp.add(i) = a;
        }
        *sp.add(n) = code_value(program.stop_pc);
        *sp.add(n + 1) = Value::UNIT;
        *sp.add(n + 2) = Value::of_int(0);
        dom.stack.sp = sp;
    }
    // SAFETY: f is a closure; field 0 holds its code address.
    let entry = code_index(unsafe { f.field(0) })
        .ok_or_else(|| Exn::fatal("callback on a value that is not a closure"))?;
    // Effects do not cross a callback: the running stack has no parent meanwhile. The
    // parent's chain is still running (it resumes when the callback returns): the domain
    // keeps it among its roots.
    let parent = std::mem::replace(&mut dom.stack.parent, std::ptr::null_mut());
    if !parent.is_null() {
        dom.callback_parents.push(parent);
    }
    let res = run::interpret(dom, &program, entry, f, n as isize - 1);
    if !parent.is_null() {
        dom.callback_parents.pop();
    }
    dom.stack.parent = parent;
    if res.is_err() {
        // The frame pushed above was not consumed by a return.
        // SAFETY: on any error (an OCaml exception, `exit`, a fatal error) the interpreter
        // restored sp to where the arguments start.
        dom.stack.sp = unsafe { dom.stack.sp.add(n + 3) };
    }
    res
}
