//! The abstract stack and what each instruction does to it (the rules are listed in the
//! parent module's doc).

use super::{Verifier, ENTRY_ROOM, MAX_FRAMES, SAFETY_MARGIN};
use crate::interp::opcodes::Op;
use crate::loader::validate::at;
use std::fmt;

/// A frame pushed inside the current activation: where it starts (its lowest word's depth
/// from the activation's base) and whether it is a trap frame (4 words) or a return frame
/// (3 words).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    base: u32,
    trap: bool,
}

impl Frame {
    fn size(self) -> u32 {
        if self.trap {
            4
        } else {
            3
        }
    }
    fn top(self) -> u32 {
        self.base + self.size()
    }
    fn kind(self) -> &'static str {
        if self.trap {
            "trap"
        } else {
            "return"
        }
    }
}

/// No frame (the end of a frame list).
const NO_FRAME: u32 = u32::MAX;

/// Every frame list of the walk, as nodes that point to the frame under them: a state's
/// frames are a node index, and states that share frames share nodes.
#[derive(Default)]
pub struct Frames {
    nodes: Vec<(Frame, u32)>,
}

impl Frames {
    fn frame(&self, node: u32) -> Option<Frame> {
        self.nodes.get(node as usize).map(|n| n.0)
    }

    fn parent(&self, node: u32) -> u32 {
        self.nodes[node as usize].1
    }

    fn push(&mut self, under: u32, f: Frame) -> u32 {
        self.nodes.push((f, under));
        (self.nodes.len() - 1) as u32
    }

    /// Whether two states are the same abstract stack.
    pub fn same(&self, a: &State, b: &State) -> bool {
        let key = |s: &State| (s.depth, s.room, s.in_function, s.nframes, s.fresh);
        if key(a) != key(b) {
            return false;
        }
        let (mut x, mut y) = (a.top, b.top);
        while x != y {
            if self.frame(x) != self.frame(y) {
                return false;
            }
            (x, y) = (self.parent(x), self.parent(y));
        }
        true
    }

    /// The frame that holds word `p` (a depth from the activation's base), if any.
    fn holding(&self, s: &State, p: u32) -> Option<Frame> {
        let mut n = s.top;
        while let Some(f) = self.frame(n) {
            if f.base <= p {
                return (p < f.top()).then_some(f);
            }
            n = self.parent(n);
        }
        None
    }

    /// `s` for a message: depth, the innermost open frames, room, context.
    pub fn show(&self, s: &State) -> String {
        let mut out = format!("depth {}", s.depth);
        if s.nframes > 0 {
            let mut shown = Vec::new();
            let mut n = s.top;
            while let (Some(f), true) = (self.frame(n), shown.len() < 3) {
                shown.push(format!("{} at {}", f.kind(), f.base));
                n = self.parent(n);
            }
            shown.reverse();
            out += ", open frames";
            if s.nframes as usize > shown.len() {
                out += &format!(" ({} more)", s.nframes as usize - shown.len());
            }
            out += ": ";
            out += &shown.join(", ");
        }
        out += &format!(", room {}", s.room);
        if s.fresh {
            out += ", function entry";
        }
        if !s.in_function {
            out += ", main code";
        }
        out
    }
}

/// The abstract stack at an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    /// Words from the activation's base (a function's arguments count).
    pub depth: u32,
    /// The largest depth the stack has room for here.
    pub room: u32,
    /// Inside a function body (a return frame below), not the main code.
    in_function: bool,
    /// The innermost open frame (a node of [`Frames`]), and how many are open.
    top: u32,
    /// The depth where the innermost open frame ends (0 if none): words above it are free
    /// to take.
    pub floor: u32,
    nframes: u16,
    /// At a function's entry, before any instruction of the body (RESTART keeps it): the
    /// only place `GRAB` may run, since it consumes the extra arguments once.
    pub fresh: bool,
}

impl State {
    /// The start of the main code.
    pub fn main() -> State {
        State {
            depth: 0,
            room: ENTRY_ROOM - SAFETY_MARGIN,
            in_function: false,
            top: NO_FRAME,
            floor: 0,
            nframes: 0,
            fresh: false,
        }
    }

    /// A function body's entry (and the `RESTART` of a partial application).
    pub fn entry() -> State {
        State {
            depth: 1,
            room: 1 + ENTRY_ROOM - SAFETY_MARGIN,
            in_function: true,
            top: NO_FRAME,
            floor: 0,
            nframes: 0,
            fresh: true,
        }
    }
}

/// Whether control goes on to the next instruction (this one's length in words).
pub enum Flow {
    Next(usize),
    Stop,
}

/// Applies the instruction at `pc` to `s`, entering the targets it jumps to; `prev` is the
/// instruction before it on the same straight line of code.
pub fn step(
    v: &mut Verifier<'_>,
    pc: usize,
    prev: Option<usize>,
    s: &mut State,
) -> Result<Flow, String> {
    let code = v.code;
    let arg = |i: usize| code[pc + i];
    let err = |what: fmt::Arguments<'_>| Err(at(pc, code, what));
    let target = |base: usize, ofs: i32| (base as i64 + i64::from(ofs)) as usize;
    let op = Op::from_u32(code[pc] as u32).expect("validated");
    // The constant the previous instruction loaded, if it is a CONST.
    let prev_const = || {
        prev.and_then(|p| match Op::from_u32(code[p] as u32) {
            Some(Op::CONSTINT) => Some(code[p + 1]),
            Some(op @ (Op::CONST0 | Op::CONST1 | Op::CONST2 | Op::CONST3)) => {
                Some(op as i32 - Op::CONST0 as i32)
            }
            _ => None,
        })
    };
    let fresh = std::mem::replace(&mut s.fresh, false);

    // Words available above the innermost open frame.
    let free_top = |fr: &Frames, s: &State| s.depth - fr.frame(s.top).map_or(0, |f| f.top());
    // Takes `n` words off the top.
    let pop = |fr: &Frames, s: &mut State, n: u32| -> Result<(), String> {
        if n > s.depth {
            let s = fr.show(s);
            return err(format_args!("frame rule: takes {n} words, the frame has fewer ({s})"));
        }
        if n > free_top(fr, s) {
            let s = fr.show(s);
            return err(format_args!("frame rule: takes {n} words across a nested frame ({s})"));
        }
        s.depth -= n;
        Ok(())
    };
    let push = |s: &mut State, n: u32| -> Result<(), String> {
        s.depth = s.depth.saturating_add(n);
        if s.depth > s.room {
            return err(format_args!(
                "room rule: the stack grows to {} words where room for {} is guaranteed",
                s.depth, s.room
            ));
        }
        Ok(())
    };
    // The word `n` below the top.
    let slot = |fr: &Frames, s: &State, n: i32| -> Result<(), String> {
        let n = n as u32; // validated: not negative
        if n >= s.depth {
            let s = fr.show(s);
            return err(format_args!("frame rule: reaches word {n}, beyond the frame ({s})"));
        }
        if let Some(f) = fr.holding(s, s.depth - 1 - n) {
            let (kind, s) = (f.kind(), fr.show(s));
            return err(format_args!("frame rule: word {n} is inside a {kind} frame ({s})"));
        }
        Ok(())
    };
    // The whole frame goes: `n` must be the depth, nothing nested left.
    let exit = |fr: &Frames, s: &State, n: i32| -> Result<(), String> {
        if !s.in_function {
            return err(format_args!("exit rule: leaves a function from the main code"));
        }
        if s.nframes > 0 {
            let s = fr.show(s);
            return err(format_args!("exit rule: leaves the function with frames open ({s})"));
        }
        if n as u32 != s.depth || n < 0 {
            let s = fr.show(s);
            return err(format_args!("exit rule: drops {n} words, not the whole frame ({s})"));
        }
        Ok(())
    };
    let at_entry = |fr: &Frames, s: &State| -> Result<(), String> {
        if !s.fresh {
            let s = fr.show(s);
            return err(format_args!("entry rule: not at a function's entry ({s})"));
        }
        Ok(())
    };
    let open = |fr: &mut Frames, s: &mut State, trap: bool| -> Result<(), String> {
        if s.nframes as usize >= MAX_FRAMES {
            return err(format_args!("nesting rule: more than {MAX_FRAMES} nested frames"));
        }
        s.top = fr.push(s.top, Frame { base: s.depth, trap });
        s.floor = s.depth + Frame { base: 0, trap }.size();
        s.nframes += 1;
        Ok(())
    };
    let closure_body = |v: &mut Verifier<'_>, t: usize| -> Result<(), String> {
        if code[t] == Op::RESTART as i32 {
            return err(format_args!("entry rule: a closure body starts at RESTART ({})", t * 4));
        }
        v.enter_function(t)
    };

    use Op::*;
    match op {
        ACC0 | ACC1 | ACC2 | ACC3 | ACC4 | ACC5 | ACC6 | ACC7 => {
            slot(&v.frames, s, op as i32 - ACC0 as i32)?
        }
        ACC | ASSIGN => slot(&v.frames, s, arg(1))?,
        PUSH | PUSHACC0 => push(s, 1)?,
        PUSHACC1 | PUSHACC2 | PUSHACC3 | PUSHACC4 | PUSHACC5 | PUSHACC6 | PUSHACC7 => {
            push(s, 1)?;
            slot(&v.frames, s, op as i32 - PUSHACC0 as i32)?;
        }
        PUSHACC => {
            push(s, 1)?;
            slot(&v.frames, s, arg(1))?;
        }
        POP => pop(&v.frames, s, arg(1) as u32)?,
        ENVACC1 | ENVACC2 | ENVACC3 | ENVACC4 | ENVACC => {}
        PUSHENVACC1 | PUSHENVACC2 | PUSHENVACC3 | PUSHENVACC4 | PUSHENVACC => push(s, 1)?,
        PUSH_RETADDR => {
            v.enter(target(pc + 1, arg(1)), *s)?;
            open(&mut v.frames, s, false)?;
            push(s, 3)?;
        }
        APPLY => {
            let n = arg(1) as u32;
            match v.frames.frame(s.top) {
                Some(f) if !f.trap && f.top().checked_add(n) == Some(s.depth) => {}
                _ => {
                    let s = v.frames.show(s);
                    return Err(at(pc, code, format_args!(
                        "nesting rule: APPLY {n} without a return frame under its {n} arguments ({s})"
                    )));
                }
            }
            return Ok(Flow::Stop);
        }
        APPLY1 | APPLY2 | APPLY3 => {
            // The callee's return frame slides under the arguments: a transient 3 words,
            // within the margin, until the callee's entry checks the room again.
            pop(&v.frames, s, op as u32 - APPLY1 as u32 + 1)?;
        }
        APPTERM => {
            exit(&v.frames, s, arg(2))?;
            return Ok(Flow::Stop);
        }
        APPTERM1 | APPTERM2 | APPTERM3 | RETURN => {
            exit(&v.frames, s, arg(1))?;
            return Ok(Flow::Stop);
        }
        RESTART => {
            at_entry(&v.frames, &State { fresh, ..*s })?;
            s.fresh = true;
        }
        GRAB => {
            at_entry(&v.frames, &State { fresh, ..*s })?;
            v.enter_function(pc - 1)?;
            let n = arg(1) as u32;
            s.depth = n.saturating_add(1);
            s.room = s.room.max(s.depth.saturating_add(ENTRY_ROOM - SAFETY_MARGIN));
        }
        CLOSURE => {
            let nvars = arg(1) as u32;
            if nvars > 0 {
                push(s, 1)?;
                pop(&v.frames, s, nvars)?;
            }
            closure_body(v, target(pc + 2, arg(2)))?;
        }
        CLOSUREREC => {
            let (nfuncs, nvars) = (arg(1) as usize, arg(2) as u32);
            if nvars > 0 {
                push(s, 1)?;
                pop(&v.frames, s, nvars)?;
            }
            push(s, nfuncs as u32)?;
            for i in 0..nfuncs {
                closure_body(v, target(pc + 3, arg(3 + i)))?;
            }
        }
        OFFSETCLOSUREM3 | OFFSETCLOSURE0 | OFFSETCLOSURE3 | OFFSETCLOSURE => {}
        PUSHOFFSETCLOSUREM3 | PUSHOFFSETCLOSURE0 | PUSHOFFSETCLOSURE3 | PUSHOFFSETCLOSURE => {
            push(s, 1)?
        }
        GETGLOBAL | GETGLOBALFIELD | SETGLOBAL | ATOM0 | ATOM => {}
        PUSHGETGLOBAL | PUSHGETGLOBALFIELD | PUSHATOM0 | PUSHATOM => push(s, 1)?,
        MAKEBLOCK | MAKEFLOATBLOCK => pop(&v.frames, s, arg(1) as u32 - 1)?,
        MAKEBLOCK1 => {}
        MAKEBLOCK2 => pop(&v.frames, s, 1)?,
        MAKEBLOCK3 => pop(&v.frames, s, 2)?,
        GETFIELD0 | GETFIELD1 | GETFIELD2 | GETFIELD3 | GETFIELD | GETFLOATFIELD => {}
        SETFIELD0 | SETFIELD1 | SETFIELD2 | SETFIELD3 | SETFIELD | SETFLOATFIELD => {
            pop(&v.frames, s, 1)?
        }
        VECTLENGTH => {}
        GETVECTITEM | GETBYTESCHAR | GETSTRINGCHAR => pop(&v.frames, s, 1)?,
        SETVECTITEM | SETBYTESCHAR => pop(&v.frames, s, 2)?,
        BRANCH => {
            v.enter(target(pc + 1, arg(1)), *s)?;
            return Ok(Flow::Stop);
        }
        BRANCHIF | BRANCHIFNOT => v.enter(target(pc + 1, arg(1)), *s)?,
        SWITCH => {
            let sizes = arg(1) as u32;
            let n = (sizes & 0xFFFF) as usize + (sizes >> 16) as usize;
            for i in 0..n {
                v.enter(target(pc + 2, arg(2 + i)), *s)?;
            }
            return Ok(Flow::Stop);
        }
        BOOLNOT | NEGINT | OFFSETINT | OFFSETREF | ISINT | CHECK_SIGNALS | EVENT | BREAK => {}
        PUSHTRAP => {
            v.enter(target(pc + 1, arg(1)), *s)?;
            open(&mut v.frames, s, true)?;
            push(s, 4)?;
        }
        POPTRAP => {
            match v.frames.frame(s.top) {
                Some(f) if f.trap && f.top() == s.depth => {}
                _ => {
                    let s = v.frames.show(s);
                    return Err(at(
                        pc,
                        code,
                        format_args!("nesting rule: POPTRAP without a trap frame on top ({s})"),
                    ));
                }
            }
            s.top = v.frames.parent(s.top);
            s.floor = v.frames.frame(s.top).map_or(0, |f| f.top());
            s.nframes -= 1;
            s.depth -= 4;
        }
        RAISE | RERAISE | RAISE_NOTRACE => return Ok(Flow::Stop),
        C_CALL1 => {
            if let (Some(p), Some(n)) = (v.ensure_prim, prev_const()) {
                if arg(1) as usize == p && n > 0 {
                    // The primitive makes room for n more words (plus the 2 of its own
                    // call frame and the threshold) or raises Stack_overflow.
                    let room =
                        s.depth.saturating_add(n as u32).saturating_add(ENTRY_ROOM - SAFETY_MARGIN);
                    s.room = s.room.max(room);
                }
            }
        }
        C_CALL2 | C_CALL3 | C_CALL4 | C_CALL5 => pop(&v.frames, s, op as u32 - C_CALL1 as u32)?,
        C_CALLN => pop(&v.frames, s, arg(1) as u32 - 1)?,
        CONST0 | CONST1 | CONST2 | CONST3 | CONSTINT => {}
        PUSHCONST0 | PUSHCONST1 | PUSHCONST2 | PUSHCONST3 | PUSHCONSTINT => push(s, 1)?,
        ADDINT | SUBINT | MULINT | DIVINT | MODINT | ANDINT | ORINT | XORINT | LSLINT | LSRINT
        | ASRINT | EQ | NEQ | LTINT | LEINT | GTINT | GEINT | ULTINT | UGEINT => {
            pop(&v.frames, s, 1)?
        }
        GETMETHOD | GETDYNMET => slot(&v.frames, s, 0)?,
        GETPUBMET => push(s, 1)?,
        BEQ | BNEQ | BLTINT | BLEINT | BGTINT | BGEINT | BULTINT | BUGEINT => {
            v.enter(target(pc + 2, arg(2)), *s)?
        }
        STOP => {
            if s.in_function || s.nframes > 0 {
                let s = v.frames.show(s);
                return Err(at(
                    pc,
                    code,
                    format_args!("exit rule: STOP inside a function or a frame ({s})"),
                ));
            }
            return Ok(Flow::Stop);
        }
        PERFORM => {}
        RESUME => pop(&v.frames, s, 3)?,
        RESUMETERM | REPERFORMTERM => {
            let takes = if op == RESUMETERM { 3 } else { 2 };
            exit(&v.frames, s, arg(1))?;
            if s.depth < takes {
                return Err(at(
                    pc,
                    code,
                    format_args!("frame rule: takes {takes} words, the frame has {}", s.depth),
                ));
            }
            return Ok(Flow::Stop);
        }
        // Internal opcodes (`interp::translate`): validation refuses them in a file.
        _ => return Err(at(pc, code, format_args!("unknown opcode {}", code[pc]))),
    }
    // Every instruction that falls through but CLOSUREREC has a fixed length.
    let len = match crate::loader::decode::info(code[pc]).len {
        0 => crate::interp::opcodes::instr_len(code, pc).expect("validated"),
        k => usize::from(k),
    };
    Ok(Flow::Next(len))
}
