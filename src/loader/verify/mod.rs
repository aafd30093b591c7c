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
//! reachable instruction once more. Both decode through one table ([`super::decode`]):
//! length, operand check, stack effect. Most instructions only take and push words (their
//! effect is in the table, `POP n` and `MAKEBLOCK n` included), so the walk runs a straight
//! line of them with the depth in a register: a lookup, three compares and a bit test for
//! "is the next one a jump target" each; the others go through [`step::step`], which also
//! writes every message. A state is a few words, stored only at jump targets (indexed by the
//! target's rank), its open frames shared in one arena as linked nodes (a frame pushed is
//! one node). Comparing two states at a join walks their frame lists until they share a
//! node, and finding the frame a word lies in walks the frames above it: both are bounded by
//! the nesting (at most [`MAX_FRAMES`]), so the work is linear in the code's size for any
//! fixed nesting. A program's result is kept across runs by [`cache`].

pub mod cache;
mod step;

use super::codemap::{Bits, CodeMap};
use super::decode;
pub use super::validate::Prims;
use step::{Flow, Frames, State};

/// At most this many return and trap frames open at once inside one function.
pub const MAX_FRAMES: usize = 4096;
/// The free words guaranteed below `sp` when a body starts (`check_stacks`).
const ENTRY_ROOM: u32 = 32;
/// The words the interpreter itself may push at any point (a poll frame).
const SAFETY_MARGIN: u32 = 6;

/// A verified fragment: what the rest of the runtime may rely on (and what [`cache`] keeps
/// of a program).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The function entries (word offsets in the fragment, ascending): closure bodies and
    /// the `RESTART` before each `GRAB` reached.
    pub entries: Vec<u32>,
    /// The highest global slot the code names (a negative one sorts above all), and the
    /// first instruction naming it.
    max_global: Option<(u64, u32)>,
}

impl Verified {
    /// Checks the global slots the code names against a table of `nglobals` (the DATA
    /// section, read after verification, gives the table).
    pub fn check_globals(&self, code: &[i32], nglobals: usize) -> Result<(), String> {
        match self.max_global {
            Some((slot, pc)) if slot >= nglobals as u64 => {
                let pc = pc as usize;
                let named = code.get(pc + 1).copied().unwrap_or(-1);
                Err(super::validate::at(
                    pc,
                    code,
                    format_args!("global {named} out of range (the program has {nglobals})"),
                ))
            }
            _ => Ok(()),
        }
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
    while let Some((start, slot)) = v.work.pop() {
        v.walk(start as usize, slot as usize)?;
    }
    let entries = v.entries.members().map(|i| i as u32).collect();
    let max_global = map.max_global.map(|(slot, pc)| (slot as u64, pc as u32));
    Ok(Verified { entries, max_global })
}

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
    /// Jump targets reached but not yet walked, with their rank.
    work: Vec<(u32, u32)>,
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
                self.work.push((pc as u32, slot as u32));
                Ok(())
            }
            Some(known) if self.frames.same(&known, &state) => Ok(()),
            Some(known) => Err(self.join_error(pc, &known, &state)),
        }
    }

    #[cold]
    #[inline(never)]
    fn join_error(&self, pc: usize, known: &State, state: &State) -> String {
        super::validate::at(
            pc,
            self.code,
            format_args!(
                "join rule: paths meet with different stacks: [{}] and [{}]",
                self.frames.show(known),
                self.frames.show(state)
            ),
        )
    }

    /// A function is entered at `pc` (a closure body, or a partial application's RESTART).
    fn enter_function(&mut self, pc: usize) -> Result<(), String> {
        self.entries.set(pc);
        self.enter(pc, State::entry())
    }

    /// Follows the straight line of code from the jump target `start`.
    fn walk(&mut self, start: usize, slot: usize) -> Result<(), String> {
        let code = self.code;
        let mut state = self.states[slot].expect("entered");
        let mut pc = start;
        // The previous instruction on this straight line, if any.
        let mut prev = None;
        loop {
            // A run of simple instructions, with the numbers they change kept in registers.
            let (floor, room) = (state.floor, state.room);
            let mut depth = state.depth;
            let mut ran = false;
            loop {
                // SAFETY: pc is an instruction start (validated), so below code.len().
                let op = unsafe { *code.get_unchecked(pc) };
                // Validated: a known opcode, its operands inside the code.
                let e = decode::info(op);
                if e.flags & decode::SIMPLE == 0 {
                    break;
                }
                let pop = match e.pop {
                    // SAFETY: an instruction with POP_ARG has an operand, inside the code
                    // (validated), not negative (validated).
                    decode::POP_ARG => unsafe { *code.get_unchecked(pc + 1) as u32 },
                    // SAFETY: as above; the operand is at least 1 (validated).
                    decode::POP_ARG_LESS1 => unsafe { *code.get_unchecked(pc + 1) as u32 - 1 },
                    k => u32::from(k),
                };
                let push = u32::from(e.push);
                // Nothing taken from inside a nested frame, the room not exceeded, and the
                // word read (if any) above the innermost frame; else `step` words the error.
                let after = depth.wrapping_sub(pop).wrapping_add(push);
                let fits = pop <= depth - floor
                    && after <= room
                    && (e.slot == decode::NO_SLOT || {
                        let n = if e.slot == decode::ARG_SLOT {
                            // SAFETY: an instruction with ARG_SLOT has an operand, inside
                            // the code (validated).
                            unsafe { *code.get_unchecked(pc + 1) as u32 }
                        } else {
                            u32::from(e.slot)
                        };
                        n < after - floor
                    });
                if !fits {
                    break;
                }
                depth = after;
                ran = true;
                let next = pc + usize::from(e.len);
                // SAFETY: a simple instruction falls through, so it is not the code's last
                // (validation: the last instruction never falls through) and `next`, the
                // start of the one after it, is below code.len().
                if unsafe { self.map.is_target_unchecked(next) } {
                    state.depth = depth;
                    state.fresh = false;
                    return self.enter(next, state);
                }
                prev = Some(pc);
                pc = next;
            }
            state.depth = depth;
            if ran {
                state.fresh = false;
            }
            let len = match step::step(self, pc, prev, &mut state)? {
                Flow::Stop => return Ok(()),
                Flow::Next(len) => len,
            };
            let next = pc + len;
            if next >= code.len() {
                return Err(super::validate::at(pc, code, "control runs past the end"));
            }
            // SAFETY: next < code.len(), checked just above.
            if unsafe { self.map.is_target_unchecked(next) } {
                return self.enter(next, state);
            }
            prev = Some(pc);
            pc = next;
        }
    }
}

#[cfg(test)]
mod tests;
