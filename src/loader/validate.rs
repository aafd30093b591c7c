//! Code validation: the checks that let the interpreter read code without bounds checks.
//!
//! After `validate` succeeds:
//! * every word reached by decoding from offset 0 is a known opcode, and each instruction's
//!   operands lie inside the code;
//! * control cannot fall off the end (the last instruction never falls through);
//! * every code address an instruction can produce (branches, conditional branches,
//!   PUSH_RETADDR, PUSHTRAP, CLOSURE, CLOSUREREC, SWITCH) is the start of an instruction;
//! * GRAB is immediately preceded by RESTART (GRAB builds closures pointing there);
//! * primitive numbers are below the number of primitives, a call to a built-in primitive
//!   passes at least the arguments it reads (the *arity rule*: it reads them from a slice of
//!   the arguments passed), and sizes, counts, stack offsets
//!   and tags are in the ranges the interpreter relies on (no negative counts, no atom tag
//!   above 255, no MAKEBLOCK of a tag whose contents the runtime would misread);
//! * global slots are checked once the global table is known ([`CodeMap::check_globals`]:
//!   the DATA section is read after the code is verified, since its closures may only point
//!   at the function entries verification finds).
//!
//! What it does not check: stack depths (the verifier's part, [`super::verify`]) and the range
//! of SWITCH and field indices, which depend on run-time values.
//!
//! It decodes the code once, through the table of [`super::decode`] (the common operand
//! checks inline, the rest in `check_instruction`): each instruction is checked as it is
//! decoded, the instruction
//! starts and the jump targets go into two bitmaps (the [`CodeMap`] the verifier reuses), and
//! "every target is a start" is one pass over the bitmaps' words at the end.
//!
//! Jump offsets are relative to the word that holds them, except for SWITCH and CLOSUREREC,
//! whose offsets are relative to the start of their table (the word after the size
//! operands), and CLOSURE, whose offset is relative to its second operand.

use super::codemap::{Bits, CodeMap};
use super::decode::{self, Check};
use crate::heap::value::{CLOSURE_TAG, CONT_TAG, INFIX_TAG, NO_SCAN_TAG};
use crate::interp::opcodes::{instr_len, Op, Operands, NAMES, OPERANDS, STOCK_OPCODE_COUNT};

/// What validation knows of a program's primitives: their names, and for each the number of
/// arguments it reads if it is built in (None: a C stub, which the C calling convention lets
/// read fewer than it is passed or be declared with more, or a primitive of unknown arity).
#[derive(Clone, Copy)]
pub struct Prims<'a> {
    pub names: &'a [String],
    pub reads: &'a [Option<u8>],
}

impl Prims<'_> {
    /// Arguments primitive `p` (a valid index) reads, if known.
    fn reads(&self, p: usize) -> Option<u8> {
        self.reads.get(p).copied().flatten()
    }
}

/// Checks `code` against a program whose primitives are `prims`; returns its map (global
/// slots are left to [`CodeMap::check_globals`]).
pub fn validate(code: &[i32], prims: Prims<'_>) -> Result<CodeMap, String> {
    if code.is_empty() {
        return Err("invalid bytecode: the code is empty".to_string());
    }
    let n = code.len();
    let mut starts = Bits::new(n);
    let mut targets = Bits::new(n);
    targets.set(0);
    let mut max_global: Option<(usize, usize)> = None;
    let mut pc = 0;
    let mut prev = usize::MAX;
    // One table lookup decodes an instruction; the common checks are done inline, the rest
    // by `check_instruction` (which also words every message).
    while pc < n {
        // SAFETY: pc < n = code.len().
        let op = unsafe { *code.get_unchecked(pc) };
        if op as u32 as usize >= STOCK_OPCODE_COUNT {
            return Err(format!("invalid bytecode at offset {}: unknown opcode {op}", pc * 4));
        }
        let d = decode::info(op);
        let len = match d.len {
            0 => variable_len(code, pc)?,
            k => usize::from(k),
        };
        if len > n - pc {
            return Err(at(pc, code, "the operands run past the end of the code"));
        }
        // SAFETY: pc < n, the length `starts` was made for.
        unsafe { starts.set_unchecked(pc) };
        // The operands are inside the code: pc + len <= n, and the checks below read
        // operands 1 ..= len - 1 only.
        if d.check != Check::None {
            // SAFETY: every checked instruction has an operand (see `decode`), inside the
            // code since pc + len <= n.
            let a = unsafe { *code.get_unchecked(pc + 1) };
            match d.check {
                Check::None => {}
                Check::NonNeg => {
                    if a < 0 {
                        let what = decode::NON_NEG[usize::from(d.arg)];
                        return Err(at(pc, code, format_args!("negative {what} {a}")));
                    }
                }
                Check::Jump => {
                    let base = pc + usize::from(d.arg);
                    // SAFETY: the offset is the last operand (len = arg + 1): base < n.
                    let ofs = unsafe { *code.get_unchecked(base) };
                    let t = base as i64 + i64::from(ofs);
                    if t < 0 || t as u64 >= n as u64 {
                        let t = t * 4;
                        return Err(at(pc, code, format_args!("jump target {t} outside the code")));
                    }
                    // SAFETY: 0 <= t < n, checked just above.
                    unsafe { targets.set_unchecked(t as usize) };
                }
                Check::Global => note_global(&mut max_global, a, pc),
                Check::Call => check_prim(code, pc, prims, a, i32::from(d.arg))?,
                Check::BlockTag => {
                    if !makeblock_tag_allowed(a) {
                        return Err(at(pc, code, format_args!("cannot build a block of tag {a}")));
                    }
                }
                Check::GlobalField => {
                    note_global(&mut max_global, a, pc);
                    // SAFETY: GETGLOBALFIELD has two operands (len = 3): pc + 2 < n.
                    let f = unsafe { *code.get_unchecked(pc + 2) };
                    if f < 0 {
                        return Err(at(pc, code, format_args!("negative field index {f}")));
                    }
                }
                Check::Closure => {
                    if a < 0 {
                        return Err(at(pc, code, format_args!("negative variable count {a}")));
                    }
                    // SAFETY: CLOSURE has two operands (len = 3): pc + 2 < n.
                    let ofs = unsafe { *code.get_unchecked(pc + 2) };
                    let t = (pc + 2) as i64 + i64::from(ofs);
                    if t < 0 || t as u64 >= n as u64 {
                        let t = t * 4;
                        return Err(at(pc, code, format_args!("jump target {t} outside the code")));
                    }
                    // SAFETY: 0 <= t < n, checked just above.
                    unsafe { targets.set_unchecked(t as usize) };
                }
                Check::Other => {
                    check_instruction(code, pc, len, prev, prims, &mut targets, &mut max_global)?
                }
            }
        }
        prev = pc;
        pc += len;
    }
    if decode::info(code[prev]).flags & decode::ENDS == 0 {
        return Err(at(
            prev,
            code,
            "the last instruction lets control run past the end of the code",
        ));
    }
    if !targets.subset_of(&starts) {
        return Err(target_off_start(code, &starts));
    }
    Ok(CodeMap::new(starts, targets, max_global))
}

/// The length of the CLOSUREREC or SWITCH at `pc` (a known opcode), or the error for a
/// CLOSUREREC of no function (usize::MAX when the length is beyond any code).
#[inline(never)]
fn variable_len(code: &[i32], pc: usize) -> Result<usize, String> {
    if code[pc] == Op::CLOSUREREC as i32 {
        match code.get(pc + 1) {
            Some(&k) if k < 1 => return Err(at(pc, code, format_args!("{k} functions"))),
            _ => {}
        }
    }
    Ok(instr_len(code, pc).unwrap_or(usize::MAX))
}

/// Checks primitive `n`, called by the instruction at `pc` with `passed` arguments: in range,
/// and passed at least the arguments it reads.
#[inline(always)]
fn check_prim(
    code: &[i32],
    pc: usize,
    prims: Prims<'_>,
    n: i32,
    passed: i32,
) -> Result<(), String> {
    let nprims = prims.names.len();
    if n < 0 || n as usize >= nprims {
        return Err(at(
            pc,
            code,
            format_args!("primitive {n} out of range (the program has {nprims})"),
        ));
    }
    match prims.reads(n as usize) {
        Some(reads) if passed < i32::from(reads) => Err(at(
            pc,
            code,
            format_args!(
                "arity rule: the call passes {passed} arguments to {}, which reads {reads}",
                prims.names[n as usize]
            ),
        )),
        _ => Ok(()),
    }
}

/// Notes that the instruction at `pc` names global slot `a` (keeping the highest).
#[inline(always)]
fn note_global(max_global: &mut Option<(usize, usize)>, a: i32, pc: usize) {
    // A negative slot is out of range of any table: it sorts above every real one.
    let slot = a as u32 as usize | if a < 0 { 1 << 40 } else { 0 };
    if max_global.is_none_or(|(m, _)| slot > m) {
        *max_global = Some((slot, pc));
    }
}

impl CodeMap {
    /// Checks the global slots the code names against a table of `nglobals`.
    pub fn check_globals(&self, code: &[i32], nglobals: usize) -> Result<(), String> {
        match self.max_global {
            Some((slot, pc)) if slot >= nglobals => Err(at(
                pc,
                code,
                format_args!("global {} out of range (the program has {nglobals})", code[pc + 1]),
            )),
            _ => Ok(()),
        }
    }
}

/// The error for the first jump whose target is not an instruction start (there is one).
#[cold]
fn target_off_start(code: &[i32], starts: &Bits) -> String {
    let mut pc = 0;
    while let Some(len) = instr_len(code, pc) {
        let mut bad = None;
        each_target(code, pc, len, |t| {
            if bad.is_none() && !starts.contains(t) {
                bad = Some(t);
            }
        });
        if let Some(t) = bad {
            return at(
                pc,
                code,
                format_args!("jump target {} is not the start of an instruction", t * 4),
            );
        }
        pc += len;
    }
    "invalid bytecode: a jump target is not the start of an instruction".to_string()
}

/// Calls `f` with each code address the decoded instruction at `pc` names (in range: for
/// validated code, or after the range checks of [`check_instruction`]).
fn each_target(code: &[i32], pc: usize, len: usize, mut f: impl FnMut(usize)) {
    let dest = |base: usize, ofs: i32| (base as i64 + i64::from(ofs)) as usize;
    match OPERANDS[code[pc] as usize] {
        Operands::Jump => f(dest(pc + 1, code[pc + 1])),
        Operands::ValueJump | Operands::Closure => f(dest(pc + 2, code[pc + 2])),
        Operands::ClosureRec => (3..len).for_each(|i| f(dest(pc + 3, code[pc + i]))),
        Operands::Switch => (2..len).for_each(|i| f(dest(pc + 2, code[pc + i]))),
        Operands::Fixed(_) => {}
    }
}

/// An error message about the instruction at `pc`.
#[cold]
#[inline(never)]
pub(crate) fn at(pc: usize, code: &[i32], what: impl std::fmt::Display) -> String {
    let name = code.get(pc).and_then(|&op| NAMES.get(op as usize)).copied().unwrap_or("?");
    format!("invalid bytecode at offset {} ({name}): {what}", pc * 4)
}

/// Whether MAKEBLOCK may build a block of this tag: not a closure, continuation or infix
/// block (their fields are not plain values), and not a no-scan tag (whose contents would
/// be read as raw data).
fn makeblock_tag_allowed(tag: i32) -> bool {
    (0..i32::from(NO_SCAN_TAG)).contains(&tag)
        && tag != i32::from(CLOSURE_TAG)
        && tag != i32::from(CONT_TAG)
        && tag != i32::from(INFIX_TAG)
}

/// Checks the operands of the instruction at `pc` (`len` words, inside the code; `prev` is
/// the previous instruction's start), marks its targets and notes the global it names.
#[inline(never)]
fn check_instruction(
    code: &[i32],
    pc: usize,
    len: usize,
    prev: usize,
    prims: Prims<'_>,
    targets: &mut Bits,
    max_global: &mut Option<(usize, usize)>,
) -> Result<(), String> {
    // Operand `i` (1-based); present because `len` covers it.
    let arg = |i: usize| code[pc + i];
    let err = |what: String| Err(at(pc, code, what));
    let mut target = |base: usize, ofs: i32| -> Result<(), String> {
        let t = base as i64 + i64::from(ofs);
        if t < 0 || t as u64 >= code.len() as u64 {
            return Err(at(pc, code, format_args!("jump target {} outside the code", t * 4)));
        }
        targets.set(t as usize);
        Ok(())
    };
    let non_negative = |i: usize, what: &str| -> Result<(), String> {
        if arg(i) < 0 {
            return Err(at(pc, code, format_args!("negative {what} {}", arg(i))));
        }
        Ok(())
    };
    let mut global = |i: usize| note_global(max_global, arg(i), pc);
    // Primitive operand `i`, called with `passed` arguments.
    let prim = |i: usize, passed: i32| check_prim(code, pc, prims, arg(i), passed);
    let block_tag = |i: usize| -> Result<(), String> {
        if !makeblock_tag_allowed(arg(i)) {
            return Err(at(pc, code, format_args!("cannot build a block of tag {}", arg(i))));
        }
        Ok(())
    };
    let Some(op) = Op::from_u32(code[pc] as u32) else {
        return err(format!("unknown opcode {}", code[pc]));
    };
    use Op::*;
    match op {
        ACC | PUSHACC | POP | ASSIGN => non_negative(1, "stack offset")?,
        ENVACC | PUSHENVACC => non_negative(1, "environment index")?,
        PUSH_RETADDR | BRANCH | BRANCHIF | BRANCHIFNOT | PUSHTRAP => target(pc + 1, arg(1))?,
        APPLY if arg(1) < 1 => return err(format!("{} arguments", arg(1))),
        APPTERM if arg(1) < 1 || arg(2) < arg(1) => {
            return err(format!("{} arguments in a frame of {}", arg(1), arg(2)))
        }
        APPTERM1 | APPTERM2 | APPTERM3 => {
            let nargs = op as i32 - APPTERM1 as i32 + 1;
            if arg(1) < nargs {
                return err(format!("{nargs} arguments in a frame of {}", arg(1)));
            }
        }
        RETURN => non_negative(1, "frame size")?,
        GRAB => {
            non_negative(1, "argument count")?;
            if pc == 0 || prev != pc - 1 || code[pc - 1] != RESTART as i32 {
                return err("GRAB not preceded by RESTART".to_string());
            }
            target(pc, -1)?;
            target(pc, 0)?;
        }
        CLOSURE => {
            non_negative(1, "variable count")?;
            target(pc + 2, arg(2))?;
        }
        CLOSUREREC => {
            let nfuncs = arg(1);
            non_negative(2, "variable count")?;
            if nfuncs < 1 {
                return err(format!("{nfuncs} functions"));
            }
            for i in 0..nfuncs as usize {
                target(pc + 3, arg(3 + i))?;
            }
        }
        GETGLOBAL | PUSHGETGLOBAL | SETGLOBAL => global(1),
        GETGLOBALFIELD | PUSHGETGLOBALFIELD => {
            global(1);
            non_negative(2, "field index")?;
        }
        ATOM | PUSHATOM if !(0..=255).contains(&arg(1)) => {
            return err(format!("atom tag {}", arg(1)))
        }
        MAKEBLOCK => {
            if arg(1) < 1 {
                return err(format!("block of {} fields", arg(1)));
            }
            block_tag(2)?;
        }
        MAKEBLOCK1 | MAKEBLOCK2 | MAKEBLOCK3 => block_tag(1)?,
        MAKEFLOATBLOCK if arg(1) < 1 => return err(format!("float block of {} fields", arg(1))),
        GETFIELD | SETFIELD | GETFLOATFIELD | SETFLOATFIELD => non_negative(1, "field index")?,
        SWITCH => {
            for i in 2..len {
                target(pc + 2, arg(i))?;
            }
        }
        C_CALL1 | C_CALL2 | C_CALL3 | C_CALL4 | C_CALL5 => prim(1, op as i32 - C_CALL1 as i32 + 1)?,
        C_CALLN => {
            if arg(1) < 1 {
                return err(format!("{} arguments", arg(1)));
            }
            prim(2, arg(1))?;
        }
        BEQ | BNEQ | BLTINT | BLEINT | BGTINT | BGEINT | BULTINT | BUGEINT => {
            target(pc + 2, arg(2))?
        }
        RESUMETERM | REPERFORMTERM => non_negative(1, "frame size")?,
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Op::*;

    /// Validation with the globals checked.
    fn validate(code: &[i32], nprims: usize, nglobals: usize) -> Result<(), String> {
        let names = vec![String::new(); nprims];
        super::validate(code, Prims { names: &names, reads: &[] })?.check_globals(code, nglobals)
    }

    fn c(words: &[i32]) -> Vec<i32> {
        words.to_vec()
    }
    const STOPW: i32 = STOP as i32;

    #[test]
    fn accepts_well_formed_code() {
        // CONST0; BRANCHIF +2 -> STOP; C_CALL1 0; STOP
        let code = c(&[CONST0 as i32, BRANCHIF as i32, 3, C_CALL1 as i32, 0, STOPW]);
        validate(&code, 1, 0).unwrap();
        // CLOSUREREC 2 funcs 0 vars, table at 3: entries -> RESTART(5) and 7 (offsets 2, 4)
        let code = c(&[
            CLOSUREREC as i32,
            2,
            0,
            2,
            3,
            RESTART as i32,
            GRAB as i32,
            1,
            RETURN as i32,
            1,
            STOPW,
        ]);
        validate(&code, 0, 0).unwrap();
        // SWITCH 1 const + 1 block; table at 2 -> offsets to the STOP at 4 and 5.
        let code = c(&[SWITCH as i32, 1 | (1 << 16), 2, 3, STOPW, STOPW]);
        validate(&code, 0, 0).unwrap();
        // BEQ 7, ofs relative to the offset word.
        let code = c(&[BEQ as i32, 7, 2, STOPW, STOPW]);
        validate(&code, 0, 0).unwrap();
        // CLOSURE 0, ofs relative to its second operand.
        let code = c(&[CLOSURE as i32, 0, 2, STOPW, STOPW]);
        validate(&code, 0, 0).unwrap();
    }

    fn fails(code: &[i32], nprims: usize, nglobals: usize, needle: &str) {
        let e = validate(code, nprims, nglobals).unwrap_err();
        assert!(e.contains(needle), "{e:?} should mention {needle:?}");
        assert!(e.starts_with("invalid bytecode"), "{e}");
    }

    #[test]
    fn rejects_bad_code() {
        fails(&[], 0, 0, "empty");
        fails(&[200], 0, 0, "unknown opcode 200");
        // No file holds one of the internal opcodes the load-time translation writes.
        for op in STOCK_OPCODE_COUNT..crate::interp::opcodes::OPCODE_COUNT {
            fails(&[op as i32, 0, 0, STOPW], 0, 0, &format!("unknown opcode {op}"));
        }
        fails(&[-1], 0, 0, "unknown opcode -1");
        fails(&[CONSTINT as i32], 0, 0, "past the end");
        fails(&[BRANCH as i32, 99999, STOPW], 0, 0, "jump target 400000 outside the code");
        fails(&[BRANCH as i32, -5, STOPW], 0, 0, "outside the code");
        fails(&[BRANCH as i32, 0, STOPW], 0, 0, "not the start of an instruction");
        fails(&[PUSHTRAP as i32, 0, STOPW], 0, 0, "not the start");
        fails(&[C_CALL2 as i32, 3, STOPW], 3, 0, "primitive 3 out of range");
        fails(&[C_CALLN as i32, 0, 0, STOPW], 3, 0, "0 arguments");
        fails(&[GETGLOBAL as i32, 12, STOPW], 0, 12, "global 12 out of range");
        fails(&[GETGLOBALFIELD as i32, -1, 0, STOPW], 0, 12, "global -1");
        fails(&[SETGLOBAL as i32, 0, STOPW], 0, 0, "out of range");
        fails(&[CLOSUREREC as i32, 0, 0, STOPW], 0, 0, "0 functions");
        fails(&[CLOSUREREC as i32, -3, 0, STOPW], 0, 0, "-3 functions");
        fails(&[CLOSUREREC as i32, 1, 0, 100, STOPW], 0, 0, "outside");
        fails(&[CLOSURE as i32, -1, 1, STOPW], 0, 0, "negative variable count");
        fails(&[MAKEBLOCK as i32, 0, 0, STOPW], 0, 0, "block of 0 fields");
        fails(&[MAKEBLOCK as i32, 2, 255, STOPW], 0, 0, "tag 255");
        fails(&[MAKEBLOCK2 as i32, 247, STOPW], 0, 0, "tag 247");
        fails(&[ATOM as i32, 256, STOPW], 0, 0, "atom tag 256");
        fails(&[ACC as i32, -1, STOPW], 0, 0, "negative stack offset");
        fails(&[GRAB as i32, 1, STOPW], 0, 0, "RESTART");
        fails(&[APPTERM as i32, 3, 2, STOPW], 0, 0, "frame of 2");
        fails(&[SWITCH as i32, 2, 2, 50, STOPW], 0, 0, "outside");
        fails(&[SWITCH as i32, 0x7FFF_FFFF, STOPW], 0, 0, "past the end");
        fails(&[CONST0 as i32], 0, 0, "run past the end");
        fails(&[BRANCHIF as i32, 1, CONST1 as i32], 0, 0, "run past the end");
    }

    #[test]
    fn accepts_real_programs() {
        let Some(path) = crate::loader::tests_support::hello_byte() else { return };
        let raiser = crate::loader::tests_support::raise_byte().unwrap();
        let (gen, _) = crate::loader::tests_support::marshal_fixtures().unwrap();
        for path in [path, raiser, gen] {
            let exe = crate::loader::exec::read_executable(&path, "test").unwrap();
            let mut dom =
                crate::domain::Domain::new(std::sync::Arc::new(crate::config::Config::default()));
            let (globals, _) = crate::loader::intern::intern(&mut dom, &exe.data, None).unwrap();
            // SAFETY: the global table is a block.
            let nglobals = unsafe { globals.wosize() };
            validate(&exe.code, exe.prim_names.len(), nglobals).unwrap();
            assert!(validate(&exe.code, exe.prim_names.len(), nglobals - 1).is_err());
        }
    }
}
