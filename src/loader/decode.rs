//! One table, indexed by opcode, from which both validation ([`super::validate`]) and the
//! verifier's walk ([`super::verify`]) decode an instruction: its length, the check its
//! operands need, its stack effect when the walk may apply it without the general step, and
//! whether control falls through it.
//!
//! Invariants (checked when the table is built, at compile time): every opcode with a fixed
//! operand count has `len` = 1 + that count, and 0 marks exactly the two variable-length
//! ones (`CLOSUREREC`, `SWITCH`); an instruction marked [`SIMPLE`] has a fixed length and
//! falls through; the fast [`Check`]s are given only to opcodes whose operands they cover.

use crate::interp::opcodes::{Op, Operands, OPCODE_COUNT, OPERANDS};

/// What validation checks of an instruction's operands, beyond their being inside the code.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Check {
    /// Nothing.
    None,
    /// Operand 1 is not negative (what it counts: [`NON_NEG`]`[arg]`).
    NonNeg,
    /// Operand `arg` is a jump offset relative to itself (1: `BRANCH`, 2: `BEQ`).
    Jump,
    /// Operand 1 is a global slot.
    Global,
    /// Operand 1 is a primitive called with `arg` arguments (`C_CALL1` .. `C_CALL5`).
    Call,
    /// Operand `arg` is the tag of a block built (`MAKEBLOCK1` .. `MAKEBLOCK3`).
    BlockTag,
    /// Operand 1 is a global slot, operand 2 a field index (`GETGLOBALFIELD`).
    GlobalField,
    /// `CLOSURE nvars, ofs`: nvars not negative, ofs a code offset relative to itself.
    Closure,
    /// The general check ([`super::validate`]'s `check_instruction`).
    Other,
}

/// What the operand of a [`Check::NonNeg`] instruction counts, by [`Info::arg`].
pub const NON_NEG: [&str; 4] = ["stack offset", "environment index", "frame size", "field index"];

/// How an instruction is decoded (8 bytes, so that a row is found with a shift).
#[derive(Clone, Copy)]
#[repr(C, align(8))]
pub struct Info {
    /// Length in words (0: it depends on the first operand).
    pub len: u8,
    pub check: Check,
    /// The parameter of `check`.
    pub arg: u8,
    /// [`SIMPLE`] and [`ENDS`].
    pub flags: u8,
    /// For a [`SIMPLE`] instruction: it takes `pop` words from above the innermost open
    /// frame ([`POP_ARG`]: its operand; [`POP_ARG_LESS1`]: one less), pushes `push`, then (unless `slot` is [`NO_SLOT`]) reads the word `slot` below
    /// the top ([`ARG_SLOT`]: its operand).
    pub pop: u8,
    pub push: u8,
    pub slot: u8,
}

/// The walk applies the instruction's stack effect itself (it only takes and pushes words).
pub const SIMPLE: u8 = 1;
/// Control never falls through the instruction (to the next word).
pub const ENDS: u8 = 2;
/// The words taken are the operand ([`Info::pop`]).
pub const POP_ARG: u8 = 0xFF;
/// The words taken are one less than the operand, at least 1 (validated) ([`Info::pop`]).
pub const POP_ARG_LESS1: u8 = 0xFE;
/// No word read ([`Info::slot`]).
pub const NO_SLOT: u8 = 0xFE;
/// The word read is given by the operand ([`Info::slot`]).
pub const ARG_SLOT: u8 = 0xFF;

/// [`Info`] for every opcode.
pub static DECODE: [Info; OPCODE_COUNT] = build();

/// The table for an opcode number already known to be below [`OPCODE_COUNT`].
#[inline(always)]
pub fn info(op: i32) -> &'static Info {
    debug_assert!((op as u32 as usize) < OPCODE_COUNT);
    // SAFETY: callers pass an opcode validation accepted (0 <= op < OPCODE_COUNT).
    unsafe { DECODE.get_unchecked(op as u32 as usize) }
}

const fn build() -> [Info; OPCODE_COUNT] {
    use Op::*;
    let mut t =
        [Info { len: 0, check: Check::None, arg: 0, flags: 0, pop: 0, push: 0, slot: NO_SLOT };
            OPCODE_COUNT];
    let mut i = 0;
    while i < OPCODE_COUNT {
        t[i].len = match OPERANDS[i] {
            Operands::Fixed(k) => 1 + k,
            Operands::Jump => 2,
            Operands::ValueJump | Operands::Closure => 3,
            Operands::ClosureRec | Operands::Switch => 0,
        };
        i += 1;
    }

    let ends = [
        STOP,
        RETURN,
        APPTERM,
        APPTERM1,
        APPTERM2,
        APPTERM3,
        BRANCH,
        SWITCH,
        RAISE,
        RERAISE,
        RAISE_NOTRACE,
        RESUMETERM,
        REPERFORMTERM,
    ];
    let mut i = 0;
    while i < ends.len() {
        t[ends[i] as usize].flags |= ENDS;
        i += 1;
    }

    use Check::*;
    let checks = [
        (ACC, NonNeg, 0),
        (PUSHACC, NonNeg, 0),
        (POP, NonNeg, 0),
        (ASSIGN, NonNeg, 0),
        (ENVACC, NonNeg, 1),
        (PUSHENVACC, NonNeg, 1),
        (RETURN, NonNeg, 2),
        (RESUMETERM, NonNeg, 2),
        (REPERFORMTERM, NonNeg, 2),
        (GETFIELD, NonNeg, 3),
        (SETFIELD, NonNeg, 3),
        (GETFLOATFIELD, NonNeg, 3),
        (SETFLOATFIELD, NonNeg, 3),
        (PUSH_RETADDR, Jump, 1),
        (BRANCH, Jump, 1),
        (BRANCHIF, Jump, 1),
        (BRANCHIFNOT, Jump, 1),
        (PUSHTRAP, Jump, 1),
        (BEQ, Jump, 2),
        (BNEQ, Jump, 2),
        (BLTINT, Jump, 2),
        (BLEINT, Jump, 2),
        (BGTINT, Jump, 2),
        (BGEINT, Jump, 2),
        (BULTINT, Jump, 2),
        (BUGEINT, Jump, 2),
        (GETGLOBAL, Global, 0),
        (PUSHGETGLOBAL, Global, 0),
        (SETGLOBAL, Global, 0),
        (C_CALL1, Call, 1),
        (C_CALL2, Call, 2),
        (C_CALL3, Call, 3),
        (C_CALL4, Call, 4),
        (C_CALL5, Call, 5),
        (MAKEBLOCK1, BlockTag, 1),
        (MAKEBLOCK2, BlockTag, 1),
        (MAKEBLOCK3, BlockTag, 1),
        (GETGLOBALFIELD, GlobalField, 0),
        (PUSHGETGLOBALFIELD, GlobalField, 0),
        (APPLY, Other, 0),
        (APPTERM, Other, 0),
        (APPTERM1, Other, 0),
        (APPTERM2, Other, 0),
        (APPTERM3, Other, 0),
        (GRAB, Other, 0),
        (CLOSURE, Closure, 2),
        (CLOSUREREC, Other, 0),
        (ATOM, Other, 0),
        (PUSHATOM, Other, 0),
        (MAKEBLOCK, Other, 0),
        (MAKEFLOATBLOCK, Other, 0),
        (SWITCH, Other, 0),
        (C_CALLN, Other, 0),
    ];
    let mut i = 0;
    while i < checks.len() {
        let (op, check, arg) = checks[i];
        let len = t[op as usize].len;
        match check {
            NonNeg | Global | Call | BlockTag => assert!(len == 2, "one operand, checked"),
            Jump | Closure => assert!(len == arg + 1, "the offset is the last operand"),
            GlobalField => assert!(len == 3, "two operands"),
            None | Other => {}
        }
        t[op as usize].check = check;
        t[op as usize].arg = arg;
        i += 1;
    }

    const fn e(pop: u8, push: u8, slot: u8) -> (u8, u8, u8) {
        (pop, push, slot)
    }
    const N: u8 = NO_SLOT;
    let simple = [
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
        (POP, e(POP_ARG, 0, N)),
        (MAKEBLOCK, e(POP_ARG_LESS1, 0, N)),
        (MAKEFLOATBLOCK, e(POP_ARG_LESS1, 0, N)),
        (C_CALLN, e(POP_ARG_LESS1, 0, N)),
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
        (CONST0, e(0, 0, N)),
        (CONST1, e(0, 0, N)),
        (CONST2, e(0, 0, N)),
        (CONST3, e(0, 0, N)),
        (CONSTINT, e(0, 0, N)),
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
        (GEINT, e(1, 0, N)),
        (ULTINT, e(1, 0, N)),
        (UGEINT, e(1, 0, N)),
    ];
    let mut i = 0;
    while i < simple.len() {
        let (op, (pop, push, slot)) = simple[i];
        let x = &mut t[op as usize];
        assert!(x.len != 0 && x.flags & ENDS == 0, "a simple instruction has a fixed length");
        x.flags |= SIMPLE;
        x.pop = pop;
        x.push = push;
        x.slot = slot;
        i += 1;
    }
    t
}
