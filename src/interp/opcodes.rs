//! The OCaml 5.3 bytecode instruction set, defined once: the `Op` enum, the name table (for
//! load errors) and the operand shapes (which `loader::validate` walks) are generated from
//! the one list in `define_opcodes!`. The interpreter (`run`) matches on `Op`; a missing
//! handler is a compile error there.

/// How an instruction's inline operands are shaped (beyond a fixed count of words).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Operands {
    /// A fixed number of plain operand words.
    Fixed(u8),
    /// One operand, a jump offset relative to the operand's own position.
    Jump,
    /// Two operands: a value, then a jump offset (BEQ n, ofs ...).
    ValueJump,
    /// CLOSURE nvars, ofs.
    Closure,
    /// CLOSUREREC nfuncs, nvars, ofs_0 .. ofs_{nfuncs-1}.
    ClosureRec,
    /// SWITCH sizes, then (sizes & 0xFFFF) + (sizes >> 16) offsets relative to the table start.
    Switch,
}

macro_rules! define_opcodes {
    ($( $name:ident = $num:expr, $ops:expr; )*) => {
        /// An OCaml bytecode opcode.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Op { $( $name = $num, )* }

        /// Number of opcodes (first unimplemented).
        pub const OPCODE_COUNT: usize = [$( $num ),*].len();

        /// Opcode names, indexed by number.
        pub const NAMES: [&str; OPCODE_COUNT] = [$( stringify!($name) ),*];

        /// Operand shapes, indexed by number.
        pub const OPERANDS: [Operands; OPCODE_COUNT] = [$( $ops ),*];

        impl Op {
            /// The opcode with number `n`, if any.
            pub fn from_u32(n: u32) -> Option<Op> {
                const ALL: [Op; OPCODE_COUNT] = [$( Op::$name ),*];
                ALL.get(n as usize).copied()
            }
        }
    };
}

use Operands::*;

define_opcodes! {
    ACC0 = 0, Fixed(0); ACC1 = 1, Fixed(0); ACC2 = 2, Fixed(0); ACC3 = 3, Fixed(0);
    ACC4 = 4, Fixed(0); ACC5 = 5, Fixed(0); ACC6 = 6, Fixed(0); ACC7 = 7, Fixed(0);
    ACC = 8, Fixed(1); PUSH = 9, Fixed(0);
    PUSHACC0 = 10, Fixed(0); PUSHACC1 = 11, Fixed(0); PUSHACC2 = 12, Fixed(0);
    PUSHACC3 = 13, Fixed(0); PUSHACC4 = 14, Fixed(0); PUSHACC5 = 15, Fixed(0);
    PUSHACC6 = 16, Fixed(0); PUSHACC7 = 17, Fixed(0);
    PUSHACC = 18, Fixed(1); POP = 19, Fixed(1); ASSIGN = 20, Fixed(1);
    ENVACC1 = 21, Fixed(0); ENVACC2 = 22, Fixed(0); ENVACC3 = 23, Fixed(0);
    ENVACC4 = 24, Fixed(0); ENVACC = 25, Fixed(1);
    PUSHENVACC1 = 26, Fixed(0); PUSHENVACC2 = 27, Fixed(0); PUSHENVACC3 = 28, Fixed(0);
    PUSHENVACC4 = 29, Fixed(0); PUSHENVACC = 30, Fixed(1);
    PUSH_RETADDR = 31, Jump; APPLY = 32, Fixed(1); APPLY1 = 33, Fixed(0);
    APPLY2 = 34, Fixed(0); APPLY3 = 35, Fixed(0);
    APPTERM = 36, Fixed(2); APPTERM1 = 37, Fixed(1); APPTERM2 = 38, Fixed(1);
    APPTERM3 = 39, Fixed(1);
    RETURN = 40, Fixed(1); RESTART = 41, Fixed(0); GRAB = 42, Fixed(1);
    CLOSURE = 43, Closure; CLOSUREREC = 44, ClosureRec;
    OFFSETCLOSUREM3 = 45, Fixed(0); OFFSETCLOSURE0 = 46, Fixed(0);
    OFFSETCLOSURE3 = 47, Fixed(0); OFFSETCLOSURE = 48, Fixed(1);
    PUSHOFFSETCLOSUREM3 = 49, Fixed(0); PUSHOFFSETCLOSURE0 = 50, Fixed(0);
    PUSHOFFSETCLOSURE3 = 51, Fixed(0); PUSHOFFSETCLOSURE = 52, Fixed(1);
    GETGLOBAL = 53, Fixed(1); PUSHGETGLOBAL = 54, Fixed(1);
    GETGLOBALFIELD = 55, Fixed(2); PUSHGETGLOBALFIELD = 56, Fixed(2);
    SETGLOBAL = 57, Fixed(1);
    ATOM0 = 58, Fixed(0); ATOM = 59, Fixed(1); PUSHATOM0 = 60, Fixed(0);
    PUSHATOM = 61, Fixed(1);
    MAKEBLOCK = 62, Fixed(2); MAKEBLOCK1 = 63, Fixed(1); MAKEBLOCK2 = 64, Fixed(1);
    MAKEBLOCK3 = 65, Fixed(1); MAKEFLOATBLOCK = 66, Fixed(1);
    GETFIELD0 = 67, Fixed(0); GETFIELD1 = 68, Fixed(0); GETFIELD2 = 69, Fixed(0);
    GETFIELD3 = 70, Fixed(0); GETFIELD = 71, Fixed(1); GETFLOATFIELD = 72, Fixed(1);
    SETFIELD0 = 73, Fixed(0); SETFIELD1 = 74, Fixed(0); SETFIELD2 = 75, Fixed(0);
    SETFIELD3 = 76, Fixed(0); SETFIELD = 77, Fixed(1); SETFLOATFIELD = 78, Fixed(1);
    VECTLENGTH = 79, Fixed(0); GETVECTITEM = 80, Fixed(0); SETVECTITEM = 81, Fixed(0);
    GETBYTESCHAR = 82, Fixed(0); SETBYTESCHAR = 83, Fixed(0);
    BRANCH = 84, Jump; BRANCHIF = 85, Jump; BRANCHIFNOT = 86, Jump; SWITCH = 87, Switch;
    BOOLNOT = 88, Fixed(0);
    PUSHTRAP = 89, Jump; POPTRAP = 90, Fixed(0); RAISE = 91, Fixed(0);
    CHECK_SIGNALS = 92, Fixed(0);
    C_CALL1 = 93, Fixed(1); C_CALL2 = 94, Fixed(1); C_CALL3 = 95, Fixed(1);
    C_CALL4 = 96, Fixed(1); C_CALL5 = 97, Fixed(1); C_CALLN = 98, Fixed(2);
    CONST0 = 99, Fixed(0); CONST1 = 100, Fixed(0); CONST2 = 101, Fixed(0);
    CONST3 = 102, Fixed(0); CONSTINT = 103, Fixed(1);
    PUSHCONST0 = 104, Fixed(0); PUSHCONST1 = 105, Fixed(0); PUSHCONST2 = 106, Fixed(0);
    PUSHCONST3 = 107, Fixed(0); PUSHCONSTINT = 108, Fixed(1);
    NEGINT = 109, Fixed(0); ADDINT = 110, Fixed(0); SUBINT = 111, Fixed(0);
    MULINT = 112, Fixed(0); DIVINT = 113, Fixed(0); MODINT = 114, Fixed(0);
    ANDINT = 115, Fixed(0); ORINT = 116, Fixed(0); XORINT = 117, Fixed(0);
    LSLINT = 118, Fixed(0); LSRINT = 119, Fixed(0); ASRINT = 120, Fixed(0);
    EQ = 121, Fixed(0); NEQ = 122, Fixed(0); LTINT = 123, Fixed(0); LEINT = 124, Fixed(0);
    GTINT = 125, Fixed(0); GEINT = 126, Fixed(0);
    OFFSETINT = 127, Fixed(1); OFFSETREF = 128, Fixed(1); ISINT = 129, Fixed(0);
    GETMETHOD = 130, Fixed(0);
    BEQ = 131, ValueJump; BNEQ = 132, ValueJump; BLTINT = 133, ValueJump;
    BLEINT = 134, ValueJump; BGTINT = 135, ValueJump; BGEINT = 136, ValueJump;
    ULTINT = 137, Fixed(0); UGEINT = 138, Fixed(0);
    BULTINT = 139, ValueJump; BUGEINT = 140, ValueJump;
    GETPUBMET = 141, Fixed(2); GETDYNMET = 142, Fixed(0);
    STOP = 143, Fixed(0); EVENT = 144, Fixed(0); BREAK = 145, Fixed(0);
    RERAISE = 146, Fixed(0); RAISE_NOTRACE = 147, Fixed(0); GETSTRINGCHAR = 148, Fixed(0);
    PERFORM = 149, Fixed(0); RESUME = 150, Fixed(0); RESUMETERM = 151, Fixed(1);
    REPERFORMTERM = 152, Fixed(1);
}

/// Total length in words of the instruction at `code[pc]` (opcode word included), or None
/// if the opcode is unknown or its operands run past the end of `code`.
pub fn instr_len(code: &[i32], pc: usize) -> Option<usize> {
    let op = *code.get(pc)?;
    let shape = *OPERANDS.get(usize::try_from(op).ok()?)?;
    let len = match shape {
        Fixed(n) => 1 + n as usize,
        Jump => 2,
        ValueJump | Closure => 3,
        ClosureRec => 3 + usize::try_from(*code.get(pc + 1)?).ok()?,
        Switch => {
            let sizes = *code.get(pc + 1)? as u32;
            2 + (sizes & 0xFFFF) as usize + (sizes >> 16) as usize
        }
    };
    if pc + len <= code.len() {
        Some(len)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn numbering_matches_the_stock_list() {
        assert_eq!(OPCODE_COUNT, 153);
        assert_eq!(Op::from_u32(143), Some(Op::STOP));
        assert_eq!(NAMES[152], "REPERFORMTERM");
        assert_eq!(Op::from_u32(153), None);
    }
}
