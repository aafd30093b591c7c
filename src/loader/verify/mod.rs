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
//!    largest), or more after `CONSTINT n; C_CALL1 caml_ensure_stack_capacity`.
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
//! Cost: every instruction is decoded twice (once to find the jump targets); a state is a
//! few words, stored only at jump targets, its open frames shared in one arena as linked
//! nodes (a frame pushed is one node). Comparing two states at a join walks their frame
//! lists until they share a node, and finding the frame a word lies in walks the frames
//! above it: both are bounded by the nesting (at most [`MAX_FRAMES`]), so the work is linear
//! in the code's size for any fixed nesting.

mod step;

use crate::interp::opcodes::instr_len;
use step::{Flow, Frames, State};

/// At most this many return and trap frames open at once inside one function.
pub const MAX_FRAMES: usize = 4096;
/// The free words guaranteed below `sp` when a body starts (`check_stacks`).
const ENTRY_ROOM: u32 = 32;
/// The words the interpreter itself may push at any point (a poll frame).
const SAFETY_MARGIN: u32 = 6;

/// Verifies `code` (already validated), whose primitives are `prim_names`.
pub fn verify(code: &[i32], prim_names: &[String]) -> Result<(), String> {
    let ensure_prim = prim_names.iter().position(|n| n == "caml_ensure_stack_capacity");
    let targets = Targets::of(code);
    let mut v = Verifier {
        code,
        ensure_prim,
        states: vec![None; targets.count()],
        targets,
        frames: Frames::default(),
        work: Vec::new(),
    };
    v.enter(0, State::main())?;
    while let Some(start) = v.work.pop() {
        v.walk(start)?;
    }
    Ok(())
}

/// Verifies a fragment loaded at run time (`Dynlink`, a toplevel phrase; already validated):
/// its code is the body of the one-argument closure that `caml_reify_bytecode` makes, entered
/// as any function body and left by the `RETURN 1` the runtime appends.
pub fn verify_fragment(code: &[i32], prim_names: &[String]) -> Result<(), String> {
    let targets = Targets::of(code);
    let mut v = Verifier {
        code,
        ensure_prim: prim_names.iter().position(|n| n == "caml_ensure_stack_capacity"),
        states: vec![None; targets.count()],
        targets,
        frames: Frames::default(),
        work: Vec::new(),
    };
    v.enter(0, State::entry())?;
    while let Some(start) = v.work.pop() {
        v.walk(start)?;
    }
    Ok(())
}

struct Verifier<'a> {
    code: &'a [i32],
    ensure_prim: Option<usize>,
    /// Which words are jump targets, and each one's index in `states`.
    targets: Targets,
    /// The state each jump target was first reached with.
    states: Vec<Option<State>>,
    /// The open frames of every state.
    frames: Frames,
    /// Jump targets reached but not yet walked.
    work: Vec<usize>,
}

impl Verifier<'_> {
    /// A path reaches instruction `pc`, a jump target, with `state`.
    fn enter(&mut self, pc: usize, state: State) -> Result<(), String> {
        let slot = self.targets.rank(pc);
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

    /// Follows the straight line of code from the jump target `start`.
    fn walk(&mut self, start: usize) -> Result<(), String> {
        let mut state = self.states[self.targets.rank(start)].expect("entered");
        let mut pc = start;
        let mut last_const: Option<i32> = None;
        loop {
            let flow = step::step(self, pc, &mut state, &mut last_const)?;
            if let Flow::Stop = flow {
                return Ok(());
            }
            let next = pc + instr_len(self.code, pc).expect("validated");
            if next >= self.code.len() {
                return Err(super::validate::at(pc, self.code, "control runs past the end"));
            }
            if self.targets.contains(next) {
                return self.enter(next, state);
            }
            pc = next;
        }
    }
}

/// The instructions a code address can designate (jump, branch and switch targets, return
/// addresses, handlers, closure bodies, and the `RESTART` before each `GRAB`), as a bitmap
/// with running counts, so that each target's rank (its index among them) is O(1).
struct Targets {
    bits: Vec<u64>,
    /// Targets in the words before each bitmap word.
    before: Vec<u32>,
}

impl Targets {
    fn of(code: &[i32]) -> Targets {
        use crate::interp::opcodes::{Op, Operands, OPERANDS};
        let mut bits = vec![0u64; code.len().div_ceil(64)];
        let mut mark = |i: usize| bits[i / 64] |= 1 << (i % 64);
        mark(0);
        // In range: validated.
        let dest = |base: usize, ofs: i32| (base as i64 + i64::from(ofs)) as usize;
        let mut pc = 0;
        while pc < code.len() {
            let op = code[pc] as usize;
            let len = instr_len(code, pc).expect("validated");
            match OPERANDS[op] {
                Operands::Jump => mark(dest(pc + 1, code[pc + 1])),
                Operands::ValueJump | Operands::Closure => mark(dest(pc + 2, code[pc + 2])),
                Operands::ClosureRec => {
                    for i in 3..len {
                        mark(dest(pc + 3, code[pc + i]));
                    }
                }
                Operands::Switch => {
                    for i in 2..len {
                        mark(dest(pc + 2, code[pc + i]));
                    }
                }
                Operands::Fixed(_) => {
                    if op == Op::GRAB as usize {
                        // Validated: GRAB follows a RESTART.
                        mark(pc - 1);
                        mark(pc);
                    }
                }
            }
            pc += len;
        }
        let mut before = Vec::with_capacity(bits.len());
        let mut n = 0u32;
        for w in &bits {
            before.push(n);
            n += w.count_ones();
        }
        Targets { bits, before }
    }

    fn count(&self) -> usize {
        self.before.last().map_or(0, |&n| n as usize)
            + self.bits.last().map_or(0, |w| w.count_ones() as usize)
    }

    fn contains(&self, pc: usize) -> bool {
        self.bits[pc / 64] & (1 << (pc % 64)) != 0
    }

    /// The index of target `pc` among the targets.
    fn rank(&self, pc: usize) -> usize {
        let below = self.bits[pc / 64] & ((1u64 << (pc % 64)) - 1);
        self.before[pc / 64] as usize + below.count_ones() as usize
    }
}

#[cfg(test)]
mod tests;
