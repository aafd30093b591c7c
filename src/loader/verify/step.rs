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
}

/// The abstract stack at an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// Words from the activation's base (a function's arguments count).
    depth: u32,
    /// The largest depth the stack has room for here.
    room: u32,
    /// Inside a function body (a return frame below), not the main code.
    in_function: bool,
    /// Open frames, innermost last (their bases increase).
    frames: Vec<Frame>,
}

impl State {
    /// The start of the main code.
    pub fn main() -> State {
        State { depth: 0, room: ENTRY_ROOM - SAFETY_MARGIN, in_function: false, frames: Vec::new() }
    }

    /// A function body's entry (and the `RESTART` of a partial application).
    fn entry() -> State {
        State {
            depth: 1,
            room: 1 + ENTRY_ROOM - SAFETY_MARGIN,
            in_function: true,
            frames: Vec::new(),
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "depth {}", self.depth)?;
        if !self.frames.is_empty() {
            // The innermost few frames, outermost first.
            write!(f, ", open frames")?;
            let skip = self.frames.len().saturating_sub(3);
            if skip > 0 {
                write!(f, " ({skip} more)")?;
            }
            for (i, fr) in self.frames[skip..].iter().enumerate() {
                let kind = if fr.trap { "trap" } else { "return" };
                write!(f, "{} {kind} at {}", if i == 0 { ":" } else { "," }, fr.base)?;
            }
        }
        write!(f, ", room {}", self.room)?;
        if !self.in_function {
            write!(f, ", main code")?;
        }
        Ok(())
    }
}

/// Whether control goes on to the next instruction.
pub enum Flow {
    Next,
    Stop,
}

/// Applies the instruction at `pc` to `s`, entering the targets it jumps to.
pub fn step(
    v: &mut Verifier<'_>,
    pc: usize,
    s: &mut State,
    last_const: &mut Option<i32>,
) -> Result<Flow, String> {
    let code = v.code;
    let arg = |i: usize| code[pc + i];
    let err = |what: fmt::Arguments<'_>| Err(at(pc, code, what));
    let target = |base: usize, ofs: i32| (base as i64 + i64::from(ofs)) as usize;
    let op = Op::from_u32(code[pc] as u32).expect("validated");
    let prev_const = last_const.take();

    // Words available above the innermost open frame.
    let free_top = |s: &State| s.depth - s.frames.last().map_or(0, |f| f.top());
    // Takes `n` words off the top.
    let pop = |s: &mut State, n: u32| -> Result<(), String> {
        if n > s.depth {
            return err(format_args!(
                "frame rule: takes {n} words, the frame has {} ({s})",
                s.depth
            ));
        }
        if n > free_top(s) {
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
    let slot = |s: &State, n: i32| -> Result<(), String> {
        let n = n as u32; // validated: not negative
        if n >= s.depth {
            return err(format_args!(
                "frame rule: reaches word {n}, the frame has {} ({s})",
                s.depth
            ));
        }
        let p = s.depth - 1 - n;
        let i = s.frames.partition_point(|f| f.base <= p);
        if i > 0 && p < s.frames[i - 1].top() {
            let kind = if s.frames[i - 1].trap { "trap" } else { "return" };
            return err(format_args!("frame rule: word {n} is inside a {kind} frame ({s})"));
        }
        Ok(())
    };
    // The whole frame goes: `n` must be the depth, nothing nested left.
    let exit = |s: &State, n: i32| -> Result<(), String> {
        if !s.in_function {
            return err(format_args!("exit rule: leaves a function from the main code"));
        }
        if !s.frames.is_empty() {
            return err(format_args!("exit rule: leaves the function with frames open ({s})"));
        }
        if n as u32 != s.depth || n < 0 {
            return err(format_args!(
                "exit rule: drops {n} words, the frame has {} ({s})",
                s.depth
            ));
        }
        Ok(())
    };
    let at_entry = |s: &State| -> Result<(), String> {
        if !s.in_function || s.depth != 1 || !s.frames.is_empty() {
            return err(format_args!("entry rule: not at a function's entry ({s})"));
        }
        Ok(())
    };
    let open = |s: &mut State, trap: bool| -> Result<(), String> {
        if s.frames.len() >= MAX_FRAMES {
            return err(format_args!("nesting rule: more than {MAX_FRAMES} nested frames"));
        }
        s.frames.push(Frame { base: s.depth, trap });
        Ok(())
    };
    let closure_body = |v: &mut Verifier<'_>, t: usize| -> Result<(), String> {
        if code[t] == Op::RESTART as i32 {
            return err(format_args!("entry rule: a closure body starts at RESTART ({})", t * 4));
        }
        v.enter(t, State::entry())
    };

    use Op::*;
    match op {
        ACC0 | ACC1 | ACC2 | ACC3 | ACC4 | ACC5 | ACC6 | ACC7 => slot(s, op as i32 - ACC0 as i32)?,
        ACC | ASSIGN => slot(s, arg(1))?,
        PUSH | PUSHACC0 => push(s, 1)?,
        PUSHACC1 | PUSHACC2 | PUSHACC3 | PUSHACC4 | PUSHACC5 | PUSHACC6 | PUSHACC7 => {
            push(s, 1)?;
            slot(s, op as i32 - PUSHACC0 as i32)?;
        }
        PUSHACC => {
            push(s, 1)?;
            slot(s, arg(1))?;
        }
        POP => pop(s, arg(1) as u32)?,
        ENVACC1 | ENVACC2 | ENVACC3 | ENVACC4 | ENVACC => {}
        PUSHENVACC1 | PUSHENVACC2 | PUSHENVACC3 | PUSHENVACC4 | PUSHENVACC => push(s, 1)?,
        PUSH_RETADDR => {
            v.enter(target(pc + 1, arg(1)), s.clone())?;
            open(s, false)?;
            push(s, 3)?;
        }
        APPLY => {
            let n = arg(1) as u32;
            match s.frames.last() {
                Some(f) if !f.trap && f.top().checked_add(n) == Some(s.depth) => {}
                _ => {
                    return Err(at(pc, code, format_args!(
                        "nesting rule: APPLY {n} without a return frame under its {n} arguments ({s})"
                    )))
                }
            }
            return Ok(Flow::Stop);
        }
        APPLY1 | APPLY2 | APPLY3 => {
            // The callee's return frame slides under the arguments: a transient 3 words,
            // within the margin, until the callee's entry checks the room again.
            pop(s, op as u32 - APPLY1 as u32 + 1)?;
        }
        APPTERM => {
            exit(s, arg(2))?;
            return Ok(Flow::Stop);
        }
        APPTERM1 | APPTERM2 | APPTERM3 | RETURN => {
            exit(s, arg(1))?;
            return Ok(Flow::Stop);
        }
        RESTART => at_entry(s)?,
        GRAB => {
            at_entry(s)?;
            v.enter(pc - 1, State::entry())?;
            let n = arg(1) as u32;
            s.depth = n.saturating_add(1);
            s.room = s.room.max(s.depth.saturating_add(ENTRY_ROOM - SAFETY_MARGIN));
        }
        CLOSURE => {
            let nvars = arg(1) as u32;
            if nvars > 0 {
                push(s, 1)?;
                pop(s, nvars)?;
            }
            closure_body(v, target(pc + 2, arg(2)))?;
        }
        CLOSUREREC => {
            let (nfuncs, nvars) = (arg(1) as usize, arg(2) as u32);
            if nvars > 0 {
                push(s, 1)?;
                pop(s, nvars)?;
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
        MAKEBLOCK | MAKEFLOATBLOCK => pop(s, arg(1) as u32 - 1)?,
        MAKEBLOCK1 => {}
        MAKEBLOCK2 => pop(s, 1)?,
        MAKEBLOCK3 => pop(s, 2)?,
        GETFIELD0 | GETFIELD1 | GETFIELD2 | GETFIELD3 | GETFIELD | GETFLOATFIELD => {}
        SETFIELD0 | SETFIELD1 | SETFIELD2 | SETFIELD3 | SETFIELD | SETFLOATFIELD => pop(s, 1)?,
        VECTLENGTH => {}
        GETVECTITEM | GETBYTESCHAR | GETSTRINGCHAR => pop(s, 1)?,
        SETVECTITEM | SETBYTESCHAR => pop(s, 2)?,
        BRANCH => {
            v.enter(target(pc + 1, arg(1)), s.clone())?;
            return Ok(Flow::Stop);
        }
        BRANCHIF | BRANCHIFNOT => v.enter(target(pc + 1, arg(1)), s.clone())?,
        SWITCH => {
            let sizes = arg(1) as u32;
            let n = (sizes & 0xFFFF) as usize + (sizes >> 16) as usize;
            for i in 0..n {
                v.enter(target(pc + 2, arg(2 + i)), s.clone())?;
            }
            return Ok(Flow::Stop);
        }
        BOOLNOT | NEGINT | OFFSETINT | OFFSETREF | ISINT | CHECK_SIGNALS | EVENT | BREAK => {}
        PUSHTRAP => {
            v.enter(target(pc + 1, arg(1)), s.clone())?;
            open(s, true)?;
            push(s, 4)?;
        }
        POPTRAP => {
            match s.frames.last() {
                Some(f) if f.trap && f.top() == s.depth => {}
                _ => {
                    return Err(at(
                        pc,
                        code,
                        format_args!("nesting rule: POPTRAP without a trap frame on top ({s})"),
                    ))
                }
            }
            s.frames.pop();
            s.depth -= 4;
        }
        RAISE | RERAISE | RAISE_NOTRACE => return Ok(Flow::Stop),
        C_CALL1 => {
            if let (Some(n), Some(p)) = (prev_const, v.ensure_prim) {
                if arg(1) as usize == p && n > 0 {
                    // The primitive makes room for n more words (plus the 2 of its own
                    // call frame and the threshold) or raises Stack_overflow.
                    let room =
                        s.depth.saturating_add(n as u32).saturating_add(ENTRY_ROOM - SAFETY_MARGIN);
                    s.room = s.room.max(room);
                }
            }
        }
        C_CALL2 | C_CALL3 | C_CALL4 | C_CALL5 => pop(s, op as u32 - C_CALL1 as u32)?,
        C_CALLN => pop(s, arg(1) as u32 - 1)?,
        CONST0 | CONST1 | CONST2 | CONST3 | CONSTINT => {
            *last_const = Some(match op {
                CONSTINT => arg(1),
                _ => op as i32 - CONST0 as i32,
            });
        }
        PUSHCONST0 | PUSHCONST1 | PUSHCONST2 | PUSHCONST3 | PUSHCONSTINT => push(s, 1)?,
        ADDINT | SUBINT | MULINT | DIVINT | MODINT | ANDINT | ORINT | XORINT | LSLINT | LSRINT
        | ASRINT | EQ | NEQ | LTINT | LEINT | GTINT | GEINT | ULTINT | UGEINT => pop(s, 1)?,
        GETMETHOD | GETDYNMET => slot(s, 0)?,
        GETPUBMET => push(s, 1)?,
        BEQ | BNEQ | BLTINT | BLEINT | BGTINT | BGEINT | BULTINT | BUGEINT => {
            v.enter(target(pc + 2, arg(2)), s.clone())?
        }
        STOP => {
            if s.in_function || !s.frames.is_empty() {
                return Err(at(
                    pc,
                    code,
                    format_args!("exit rule: STOP inside a function or a frame ({s})"),
                ));
            }
            return Ok(Flow::Stop);
        }
        PERFORM => {}
        RESUME => pop(s, 3)?,
        RESUMETERM | REPERFORMTERM => {
            let takes = if op == RESUMETERM { 3 } else { 2 };
            exit(s, arg(1))?;
            if s.depth < takes {
                return Err(at(
                    pc,
                    code,
                    format_args!(
                        "frame rule: takes {takes} words, the frame has {} ({s})",
                        s.depth
                    ),
                ));
            }
            return Ok(Flow::Stop);
        }
    }
    Ok(Flow::Next)
}
