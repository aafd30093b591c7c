//! The bytecode verifier: proves the stack discipline of a code fragment before it runs, in
//! the spirit of the JVM's and WebAssembly's validators. It runs after [`super::validate`]
//! (which it relies on: known opcodes, operands inside the code, jump targets on instruction
//! starts) and is the entry point for any fragment, the program's or a later one.
//!
//! It follows every path from the fragment's entry (offset 0, in the *main* context, depth
//! 0) and from every function body a `CLOSURE`/`CLOSUREREC` builds (the *function* context,
//! depth 1: the calling convention puts at least one argument there, with the extra ones and
//! the return frame below), and computes at each reached instruction an abstract stack: its
//! depth in words from the activation's base, the nested frames pushed inside it (return
//! frames of `PUSH_RETADDR`, 3 words; trap frames of `PUSHTRAP`, 4 words) and the depth the
//! stack is known to have room for. The rules (the rejection names the offset and the rule):
//!
//! 1. **join**: two paths that meet (a jump target, a return address, a handler) carry the
//!    same abstract stack.
//! 2. **frame**: `ACC n`, `PUSHACC n`, `ASSIGN n` address a word of the current frame that
//!    is not inside a return or trap frame; `POP n` and every instruction that takes its
//!    operands from the stack (`C_CALLN n` takes `n - 1`, `MAKEBLOCK n` `n - 1`, `APPLY1` one
//!    ...) take them from above the innermost nested frame.
//! 3. **nesting**: `POPTRAP` finds a trap frame right on top; `APPLY n` finds a return
//!    frame with exactly `n` arguments above it; a return address and a handler are entered
//!    with the stack their `PUSH_RETADDR`/`PUSHTRAP` saw.
//! 4. **exit**: `RETURN n`, `APPTERM m, n`, `RESUMETERM n` and `REPERFORMTERM n` drop the
//!    whole frame (`n` is the depth), inside a function, with no nested frame left open;
//!    `STOP` ends the main code with no nested frame open.
//! 5. **entry**: `RESTART` and `GRAB` run only at a function's entry, before any other
//!    instruction of the body (`GRAB` consumes the extra arguments: run twice, it would
//!    take words of the caller for arguments); no closure body starts at `RESTART` (only
//!    `GRAB`'s partial applications enter there).
//! 6. **room**: the depth never exceeds what the runtime guarantees free: 32 words at an
//!    entry (`check_stacks`) minus 6 for the frames it pushes itself (a poll frame is the
//!    largest), or more after `CONSTINT n; C_CALL1 caml_ensure_stack_capacity`. After
//!    `GRAB n` the room is the `n + 1` arguments' plus those 26: a call pushed them with 32
//!    words free below, and `RESTART` (a partial application's arguments pushed at once,
//!    up to `n`) grows the stack first so that 32 words are still free after them.
//!
//! Why compiler output passes: `bytegen` tracks the same depth (`sz`) for every expression,
//! including the 3 words of `Kpush_retaddr` and the 4 of `Kpushtrap`; labels are only
//! reached with the size they were compiled at (`Kbranch` to a static handler carries its
//! `sz`, `Kpop` comes first); `Kreturn`, `Kappterm` and `Kresumeterm` are emitted with the
//! size of the whole frame and never inside a `try` (a call inside one is not a tail call);
//! accesses go to named variables, never into the words of a frame; and `comp_block` calls
//! `caml_ensure_stack_capacity` first when a body needs more than `stack_threshold` (32)
//! minus `stack_safety_margin` (6) words.
//!
//! What it returns: the fragment's function entries ([`Verified::entries`]), the closure
//! bodies it verified and the `RESTART` of each `GRAB` (where partial applications enter).
//! A closure read from the DATA section or from `Marshal` may point only at one of them.
//!
//! Cost: validation ([`super::validate`], run first by [`verify`]) decodes the code once and
//! leaves the instruction starts and jump targets in a [`CodeMap`]; the walk decodes each
//! reachable instruction once more. Most instructions only take and push words: a table
//! ([`SIMPLE`]) gives their stack effect and length, so the walk's common step is a lookup
//! and two compares; the others go through [`step::step`], which also writes every message.
//! A state is a few words, stored only at jump targets (indexed by the target's rank), its
//! open frames shared in one arena as linked nodes (a frame pushed is one node). Comparing
//! two states at a join walks their frame lists until they share a node, and finding the
//! frame a word lies in walks the frames above it: both are bounded by the nesting (at most
//! [`MAX_FRAMES`]), so the work is linear in the code's size for any fixed nesting.

mod step;

use super::codemap::{Bits, CodeMap};
pub use super::validate::Prims;
use crate::interp::opcodes::{Op, Operands, OPCODE_COUNT, OPERANDS};
use step::{Flow, Frames, State};

/// At most this many return and trap frames open at once inside one function.
pub const MAX_FRAMES: usize = 4096;
/// The free words guaranteed below `sp` when a body starts (`check_stacks`).
const ENTRY_ROOM: u32 = 32;
/// The words the interpreter itself may push at any point (a poll frame).
const SAFETY_MARGIN: u32 = 6;

/// A verified fragment: what the rest of the runtime may rely on.
pub struct Verified {
    /// The function entries (word offsets in the fragment, ascending): closure bodies and
    /// the `RESTART` before each `GRAB` reached.
    pub entries: Vec<u32>,
    map: CodeMap,
}

impl Verified {
    /// Checks the global slots the code names against a table of `nglobals` (the DATA
    /// section, read after verification, gives the table).
    pub fn check_globals(&self, code: &[i32], nglobals: usize) -> Result<(), String> {
        self.map.check_globals(code, nglobals)
    }
}

/// Validates and verifies the fragment `code`, whose primitives are `prims`; returns its
/// function entries. A later fragment (Dynlink, the toplevel) is verified the same way, its
/// entries offset by where it is placed.
pub fn verify(code: &[i32], prims: Prims<'_>) -> Result<Verified, String> {
    verify_from(code, prims, State::main(), false)
}

/// Validates `code`, then walks it from offset 0 entered in `state` (`is_entry`: 0 is a
/// function entry itself); returns the function entries found.
fn verify_from(
    code: &[i32],
    prims: Prims<'_>,
    state: State,
    is_entry: bool,
) -> Result<Verified, String> {
    let map = super::validate::validate(code, prims)?;
    let ensure_prim = prims.names.iter().position(|n| n == "caml_ensure_stack_capacity");
    let mut v = Verifier {
        code,
        ensure_prim,
        states: vec![None; map.target_count()],
        map: &map,
        frames: Frames::default(),
        work: Vec::new(),
        entries: Bits::new(code.len()),
    };
    if is_entry {
        v.entries.set(0);
    }
    v.enter(0, state)?;
    while let Some(start) = v.work.pop() {
        v.walk(start)?;
    }
    let entries = v.entries.members().map(|i| i as u32).collect();
    Ok(Verified { entries, map })
}

/// The stack effect of an instruction the walk applies without [`step::step`]: it takes
/// `pop` words from above the innermost open frame, pushes `push`, then (if `slot` is not
/// [`NO_SLOT`]) reads the word `slot` below the top (`ARG_SLOT`: its operand). `len` is its
/// length in words; 0 marks the instructions left to `step`.
#[derive(Clone, Copy)]
struct Simple {
    pop: u8,
    push: u8,
    slot: u8,
    len: u8,
}

const NO_SLOT: u8 = 0xFE;
const ARG_SLOT: u8 = 0xFF;

/// [`Simple`] for each opcode.
static SIMPLE: [Simple; OPCODE_COUNT] = {
    use Op::*;
    const fn e(pop: u8, push: u8, slot: u8) -> (u8, u8, u8) {
        (pop, push, slot)
    }
    const N: u8 = NO_SLOT;
    let list = [
        (ACC0, e(0, 0, 0)),
        (ACC1, e(0, 0, 1)),
        (ACC2, e(0, 0, 2)),
        (ACC3, e(0, 0, 3)),
        (ACC4, e(0, 0, 4)),
        (ACC5, e(0, 0, 5)),
        (ACC6, e(0, 0, 6)),
        (ACC7, e(0, 0, 7)),
        (ACC, e(0, 0, ARG_SLOT)),
        (ASSIGN, e(0, 0, ARG_SLOT)),
        (PUSH, e(0, 1, N)),
        (PUSHACC0, e(0, 1, N)),
        (PUSHACC1, e(0, 1, 1)),
        (PUSHACC2, e(0, 1, 2)),
        (PUSHACC3, e(0, 1, 3)),
        (PUSHACC4, e(0, 1, 4)),
        (PUSHACC5, e(0, 1, 5)),
        (PUSHACC6, e(0, 1, 6)),
        (PUSHACC7, e(0, 1, 7)),
        (PUSHACC, e(0, 1, ARG_SLOT)),
        (ENVACC1, e(0, 0, N)),
        (ENVACC2, e(0, 0, N)),
        (ENVACC3, e(0, 0, N)),
        (ENVACC4, e(0, 0, N)),
        (ENVACC, e(0, 0, N)),
        (PUSHENVACC1, e(0, 1, N)),
        (PUSHENVACC2, e(0, 1, N)),
        (PUSHENVACC3, e(0, 1, N)),
        (PUSHENVACC4, e(0, 1, N)),
        (PUSHENVACC, e(0, 1, N)),
        (APPLY1, e(1, 0, N)),
        (APPLY2, e(2, 0, N)),
        (APPLY3, e(3, 0, N)),
        (OFFSETCLOSUREM3, e(0, 0, N)),
        (OFFSETCLOSURE0, e(0, 0, N)),
        (OFFSETCLOSURE3, e(0, 0, N)),
        (OFFSETCLOSURE, e(0, 0, N)),
        (PUSHOFFSETCLOSUREM3, e(0, 1, N)),
        (PUSHOFFSETCLOSURE0, e(0, 1, N)),
        (PUSHOFFSETCLOSURE3, e(0, 1, N)),
        (PUSHOFFSETCLOSURE, e(0, 1, N)),
        (GETGLOBAL, e(0, 0, N)),
        (GETGLOBALFIELD, e(0, 0, N)),
        (SETGLOBAL, e(0, 0, N)),
        (ATOM0, e(0, 0, N)),
        (ATOM, e(0, 0, N)),
        (PUSHGETGLOBAL, e(0, 1, N)),
        (PUSHGETGLOBALFIELD, e(0, 1, N)),
        (PUSHATOM0, e(0, 1, N)),
        (PUSHATOM, e(0, 1, N)),
        (MAKEBLOCK1, e(0, 0, N)),
        (MAKEBLOCK2, e(1, 0, N)),
        (MAKEBLOCK3, e(2, 0, N)),
        (GETFIELD0, e(0, 0, N)),
        (GETFIELD1, e(0, 0, N)),
        (GETFIELD2, e(0, 0, N)),
        (GETFIELD3, e(0, 0, N)),
        (GETFIELD, e(0, 0, N)),
        (GETFLOATFIELD, e(0, 0, N)),
        (SETFIELD0, e(1, 0, N)),
        (SETFIELD1, e(1, 0, N)),
        (SETFIELD2, e(1, 0, N)),
        (SETFIELD3, e(1, 0, N)),
        (SETFIELD, e(1, 0, N)),
        (SETFLOATFIELD, e(1, 0, N)),
        (VECTLENGTH, e(0, 0, N)),
        (GETVECTITEM, e(1, 0, N)),
        (GETBYTESCHAR, e(1, 0, N)),
        (GETSTRINGCHAR, e(1, 0, N)),
        (SETVECTITEM, e(2, 0, N)),
        (SETBYTESCHAR, e(2, 0, N)),
        (BOOLNOT, e(0, 0, N)),
        (NEGINT, e(0, 0, N)),
        (OFFSETINT, e(0, 0, N)),
        (OFFSETREF, e(0, 0, N)),
        (ISINT, e(0, 0, N)),
        (CHECK_SIGNALS, e(0, 0, N)),
        (EVENT, e(0, 0, N)),
        (BREAK, e(0, 0, N)),
        (PERFORM, e(0, 0, N)),
        (C_CALL2, e(1, 0, N)),
        (C_CALL3, e(2, 0, N)),
        (C_CALL4, e(3, 0, N)),
        (C_CALL5, e(4, 0, N)),
        (PUSHCONST0, e(0, 1, N)),
        (PUSHCONST1, e(0, 1, N)),
        (PUSHCONST2, e(0, 1, N)),
        (PUSHCONST3, e(0, 1, N)),
        (PUSHCONSTINT, e(0, 1, N)),
        (ADDINT, e(1, 0, N)),
        (SUBINT, e(1, 0, N)),
        (MULINT, e(1, 0, N)),
        (DIVINT, e(1, 0, N)),
        (MODINT, e(1, 0, N)),
        (ANDINT, e(1, 0, N)),
        (ORINT, e(1, 0, N)),
        (XORINT, e(1, 0, N)),
        (LSLINT, e(1, 0, N)),
        (LSRINT, e(1, 0, N)),
        (ASRINT, e(1, 0, N)),
        (EQ, e(1, 0, N)),
        (NEQ, e(1, 0, N)),
        (LTINT, e(1, 0, N)),
        (LEINT, e(1, 0, N)),
        (GTINT, e(1, 0, N)),
    ];
    let mut t = [Simple { pop: 0, push: 0, slot: NO_SLOT, len: 0 }; OPCODE_COUNT];
    let mut i = 0;
    while i < list.len() {
        let (op, (pop, push, slot)) = list[i];
        let len = match OPERANDS[op as usize] {
            Operands::Fixed(k) => 1 + k,
            _ => panic!("a simple instruction has a fixed length"),
        };
        t[op as usize] = Simple { pop, push, slot, len };
        i += 1;
    }
    t
};

/// Validates and verifies a fragment loaded at run time (`Dynlink`, a toplevel phrase)
/// against the program's primitives: its code is the body of the one-argument closure that
/// `caml_reify_bytecode` makes, entered as any function body and left by the `RETURN 1` the
/// runtime appends. Its entries include 0, that closure's code.
pub fn verify_fragment(code: &[i32], prims: Prims<'_>) -> Result<Verified, String> {
    verify_from(code, prims, State::entry(), true)
}

struct Verifier<'a> {
    code: &'a [i32],
    ensure_prim: Option<usize>,
    /// Which words are jump targets, and each one's index in `states`.
    map: &'a CodeMap,
    /// The state each jump target was first reached with.
    states: Vec<Option<State>>,
    /// The open frames of every state.
    frames: Frames,
    /// Jump targets reached but not yet walked.
    work: Vec<usize>,
    /// Function entries found.
    entries: Bits,
}

impl Verifier<'_> {
    /// A path reaches instruction `pc`, a jump target, with `state`.
    fn enter(&mut self, pc: usize, state: State) -> Result<(), String> {
        let slot = self.map.rank(pc);
        match self.states[slot] {
            None => {
                self.states[slot] = Some(state);
                self.work.push(pc);
                Ok(())
            }
            Some(known) if self.frames.same(&known, &state) => Ok(()),
            Some(known) => Err(super::validate::at(
                pc,
                self.code,
                format_args!(
                    "join rule: paths meet with different stacks: [{}] and [{}]",
                    self.frames.show(&known),
                    self.frames.show(&state)
                ),
            )),
        }
    }

    /// A function is entered at `pc` (a closure body, or a partial application's RESTART).
    fn enter_function(&mut self, pc: usize) -> Result<(), String> {
        self.entries.set(pc);
        self.enter(pc, State::entry())
    }

    /// Follows the straight line of code from the jump target `start`.
    fn walk(&mut self, start: usize) -> Result<(), String> {
        let code = self.code;
        let mut state = self.states[self.map.rank(start)].expect("entered");
        let mut pc = start;
        // The previous instruction on this straight line, if any.
        let mut prev = None;
        loop {
            // Validated: a known opcode, its operands inside the code.
            let e = SIMPLE[code[pc] as usize];
            let s = &mut state;
            let len = if e.len != 0
                && u32::from(e.pop) <= s.depth - s.floor
                && s.depth - u32::from(e.pop) + u32::from(e.push) <= s.room
                && (e.slot == NO_SLOT || {
                    let n =
                        if e.slot == ARG_SLOT { code[pc + 1] as u32 } else { u32::from(e.slot) };
                    n < s.depth - u32::from(e.pop) + u32::from(e.push) - s.floor
                }) {
                s.depth = s.depth - u32::from(e.pop) + u32::from(e.push);
                s.fresh = false;
                usize::from(e.len)
            } else {
                match step::step(self, pc, prev, s)? {
                    Flow::Stop => return Ok(()),
                    Flow::Next(len) => len,
                }
            };
            let next = pc + len;
            if next >= code.len() {
                return Err(super::validate::at(pc, code, "control runs past the end"));
            }
            if self.map.is_target(next) {
                return self.enter(next, state);
            }
            prev = Some(pc);
            pc = next;
        }
    }
}

#[cfg(test)]
mod tests;
