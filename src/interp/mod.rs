//! The bytecode interpreter: the loaded program (validated code, translated at load
//! (`translate`: built-in primitives and superinstructions as internal opcodes), plus the
//! runtime's own stub code, and the primitive table), callbacks from Rust into OCaml, and the
//! dispatch loop (`run`). Code addresses in values use the encoding of `heap::code_pointer` (an index into
//! `Program::code`, never a raw pointer). The code area (`code_area`) and the primitive table
//! (`prim_table`) grow in place when fragments are loaded at run time, so running code on any
//! domain keeps its pointers into them.

mod builtin_kind;
mod code_area;
pub mod opcodes;
mod ops;
mod prim_table;
mod regs;
pub mod run;
mod slow;
pub mod translate;
mod zeroed;

pub use code_area::{AppendError, CodeArea};
pub use prim_table::PrimTable;

use crate::domain::Domain;
use crate::domain::PrimFn;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use crate::heap::code_pointer::{code_index, code_value};

/// A loaded program: code (the executable's, then the runtime's stubs, then the fragments
/// loaded later), and primitives.
pub struct Program {
    pub code: CodeArea,
    /// Words of `code` that came from the executable (the stubs follow them).
    pub program_len: usize,
    /// The first word after the stubs (where later fragments start).
    pub stubs_end: usize,
    pub prims: PrimTable,
    /// Index of the `STOP` instruction that callbacks return to.
    pub stop_pc: usize,
    /// Index of `ACC 0; RAISE`, the code of the closure that raises `Effect.Unhandled`
    /// inside a continuation that no handler took.
    pub raise_arg_pc: usize,
    /// The function entries of the program's code (ascending word offsets, from the
    /// verifier): the only code a closure read by `Marshal` may point at.
    pub entries: Vec<u32>,
    /// The fragments loaded after start-up and not released, by start.
    fragments: RwLock<Vec<Fragment>>,
    /// Whether `fragments` may be non-empty: read without the lock, whose reader count every
    /// domain would otherwise write at every marshal (set once, never cleared).
    had_fragments: AtomicBool,
    /// What turns a code address into its code value in one shift and one add
    /// (`Regs::code_value_at`): `code_value(0)` minus half the code's base address.
    pub code_bias: usize,
}

/// A fragment of code loaded after start-up (`Dynlink`, a toplevel phrase).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Its first word in the code area.
    pub start: usize,
    /// Its length in words.
    pub len: usize,
    /// The digest that identifies it to `Marshal` (closures).
    pub digest: [u8; 16],
    /// Its function entries (word offsets from `start`, ascending, from the verifier): the
    /// only code of it a closure read by `Marshal` may point at.
    pub entries: Vec<u32>,
}

impl Program {
    /// Builds a program from validated code (a fresh code area holding the program's words
    /// alone, as the loader read them), translated (`translate`), then the runtime's stub
    /// code. `lock_free`
    /// says, per primitive, whether it may run without the heap lock.
    pub fn new(
        code: CodeArea,
        prims: Vec<PrimFn>,
        prim_names: Vec<String>,
        lock_free: Vec<bool>,
    ) -> Program {
        let mut code = code;
        let prims = PrimTable::new(prims, prim_names, lock_free);
        translate::translate(code.words_mut(), &prims);
        let program_len = code.len();
        let stop_pc = program_len;
        let raise_arg_pc = stop_pc + 1;
        let stubs =
            [opcodes::Op::STOP as i32, opcodes::Op::ACC as i32, 0, opcodes::Op::RAISE as i32];
        let stubs_end = program_len + stubs.len();
        if code.append(&stubs).is_err() {
            crate::fatal("the program's code does not fit in the code area");
        }
        // The area never moves (it grows in place), so the bias stays right.
        let code_bias = (code_value(0).0).wrapping_sub(code.as_ptr() as usize >> 1);
        Program {
            code,
            code_bias,
            program_len,
            stubs_end,
            prims,
            stop_pc,
            raise_arg_pc,
            fragments: RwLock::new(Vec::new()),
            had_fragments: AtomicBool::new(false),
            entries: Vec::new(),
        }
    }

    /// Whether code index `i` is OCaml code (the program's or a loaded fragment's), not the
    /// runtime's stubs: the addresses a backtrace records.
    #[inline]
    pub fn is_ocaml_code(&self, i: usize) -> bool {
        i < self.program_len || i >= self.stubs_end
    }

    /// Appends `code` (validated and verified, with function `entries`), translated, as a
    /// new fragment identified by `digest`; returns its first word's index.
    pub fn add_fragment(
        &self,
        code: &[i32],
        digest: [u8; 16],
        entries: Vec<u32>,
    ) -> Result<usize, String> {
        let mut frags = self.fragments.write().unwrap_or_else(|e| e.into_inner());
        let mut code = code.to_vec();
        translate::translate(&mut code, &self.prims);
        let start = self.code.append(&code)?;
        frags.push(Fragment { start, len: code.len(), digest, entries });
        // Release: a reader that sees the flag and then takes the lock finds the fragment
        // (the lock orders that anyway; the flag only lets readers skip it before any exists).
        self.had_fragments.store(true, Ordering::Release);
        Ok(start)
    }

    /// Forgets the fragment that starts at `start` (its words stay, unreachable once no
    /// closure points into them); false if there is none.
    pub fn release_fragment(&self, start: usize) -> bool {
        let mut frags = self.fragments.write().unwrap_or_else(|e| e.into_inner());
        let before = frags.len();
        frags.retain(|f| f.start != start);
        frags.len() != before
    }

    /// The fragments loaded after start-up and not released.
    pub fn fragments(&self) -> Vec<Fragment> {
        // Acquire: pairs with add_fragment's Release (a fragment added before is seen).
        if !self.had_fragments.load(Ordering::Acquire) {
            return Vec::new();
        }
        self.fragments.read().unwrap_or_else(|e| e.into_inner()).clone()
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

/// The program this thread runs (a new reference: for keeping it, e.g. in a new thread).
pub fn current_program() -> Arc<Program> {
    CURRENT.with(|c| c.borrow().clone()).unwrap_or_else(|| crate::fatal("no program loaded"))
}

/// Runs `f` on the program this thread runs, borrowed: no reference-count update, whose
/// cache line the program's hot fields share (every domain's marshal or callback writing it
/// made the interpreter's reads of those fields miss on the other domains).
pub fn with_current_program<R>(f: impl FnOnce(&Program) -> R) -> R {
    CURRENT.with(|c| match c.borrow().as_deref() {
        Some(program) => f(program),
        None => crate::fatal("no program loaded"),
    })
}

/// Runs the program from its first instruction; returns the uncaught exception if any.
pub fn run_main(dom: &mut Domain, program: &Program) -> Result<Value, Exn> {
    run::interpret(dom, program, 0, Value::UNIT, 0)
}

/// Applies closure `f` to `args` (the `caml_callbackN` of the stock runtime).
pub fn callback(dom: &mut Domain, f: Value, args: &[Value]) -> PrimResult {
    with_current_program(|program| callback_in(dom, program, f, args))
}

/// [`callback`] in `program`.
fn callback_in(dom: &mut Domain, program: &Program, f: Value, args: &[Value]) -> PrimResult {
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
    let res = run::interpret(dom, program, entry, f, n as isize - 1);
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
