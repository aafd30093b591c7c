//! The load-time translation of validated code: a `C_CALL1`..`C_CALL3` of a built-in
//! primitive (`builtin_kind`) gets an internal opcode of its own (`ops::builtin`), so each
//! built-in has its own handler and dispatch instead of a second `match` behind the
//! `C_CALLn` one; then the first of two instructions of a frequent pair (`PAIRS`) gets a
//! superinstruction (`ops::fused`) that runs both with one dispatch.
//!
//! Only opcode words change, and only into an internal opcode that names the stock opcode
//! it replaces (`opcodes::STOCK`) and has that opcode's operand shape; operand words and
//! instruction lengths never change. So:
//! - every code position (closures, return addresses, trap frames, backtraces, debug events,
//!   `Marshal`'s code offsets) means what it meant in the file;
//! - `opcodes::instr_len`, `run::instruction_starts` (the hardened code table),
//!   `opcodes::fault_site` and the access checks' instruction names read translated code as
//!   the stock code (through `STOCK`);
//! - the code's digest (`Marshal`) is of the stock code: `stock_words` gives it back.
//!
//! A superinstruction's second instruction keeps its words (a jump to it runs it alone);
//! the fused handler runs that instruction's own handler, whatever its opcode word became.
//!
//! What is translated: the program's code once validated and verified (the verification
//! cache keys and checks the file's words: translation comes after), in `Program::new`
//! before the code is shared, and each fragment (`Program::add_fragment`, `Dynlink` and the
//! toplevel) before it is published. The runtime's stubs hold no `C_CALL`. A file never
//! holds an internal opcode: validation refuses opcodes at or past `STOCK_OPCODE_COUNT`.
//! An untranslated `C_CALLn` of a built-in would still be right (the table calls the
//! primitive itself): translation is an optimisation, never needed for behaviour.

use super::builtin_kind::Builtin;
use super::opcodes::{instr_len, stock_opcode, Op, OPCODE_COUNT};
use super::PrimTable;

/// The internal opcode of a `C_CALLn` (`n` = `arity`) of built-in `b`, if there is one.
fn builtin_op(arity: i32, b: Builtin) -> Option<Op> {
    use Builtin::*;
    Some(match (arity, b) {
        (1, NegFloat) => Op::NEGFLOAT,
        (1, AbsFloat) => Op::ABSFLOAT,
        (1, SqrtFloat) => Op::SQRTFLOAT,
        (1, FloatOfInt) => Op::FLOATOFINT,
        (1, StringLength) => Op::STRINGLENGTH,
        (1, ContinuationUseNoexc) => Op::CONTINUATIONUSE,
        (2, AddFloat) => Op::ADDFLOAT,
        (2, SubFloat) => Op::SUBFLOAT,
        (2, MulFloat) => Op::MULFLOAT,
        (2, DivFloat) => Op::DIVFLOAT,
        (2, EqFloat) => Op::EQFLOAT,
        (2, NeqFloat) => Op::NEQFLOAT,
        (2, LtFloat) => Op::LTFLOAT,
        (2, LeFloat) => Op::LEFLOAT,
        (2, GtFloat) => Op::GTFLOAT,
        (2, GeFloat) => Op::GEFLOAT,
        (2, ArrayGetAddr) => Op::ARRAYGETADDR,
        (2, ArrayGet) => Op::ARRAYGET,
        (2, StringGet) => Op::STRINGGET,
        (2, IntCompare) => Op::INTCOMPARE,
        (2, FloatCompare) => Op::FLOATCOMPARE,
        (2, StringEqual) => Op::STRINGEQUAL,
        (2, StringNotEqual) => Op::STRINGNOTEQUAL,
        (2, Compare) => Op::COMPARE,
        (2, Equal) => Op::EQUAL,
        (2, NotEqual) => Op::NOTEQUAL,
        (2, LessThan) => Op::LESSTHAN,
        (2, LessEqual) => Op::LESSEQUAL,
        (2, GreaterThan) => Op::GREATERTHAN,
        (2, GreaterEqual) => Op::GREATEREQUAL,
        (3, ArraySetAddr) => Op::ARRAYSETADDR,
        (3, ArraySet) => Op::ARRAYSET,
        (3, BytesSet) => Op::BYTESSET,
        _ => return None,
    })
}

/// The superinstructions (`ops::fused`): an instruction of the first opcode followed by one
/// of the second (after the built-ins' translation) becomes the third.
const PAIRS: [(Op, Op, Op); 25] = [
    (Op::OFFSETINT, Op::ASSIGN, Op::OFFSETINT_ASSIGN),
    (Op::ASSIGN, Op::ACC1, Op::ASSIGN_ACC1),
    (Op::ACC0, Op::BRANCHIFNOT, Op::ACC0_BRANCHIFNOT),
    (Op::PUSHOFFSETCLOSURE0, Op::APPLY1, Op::PUSHOFFSETCLOSURE0_APPLY1),
    (Op::ACC1, Op::PUSHACC1, Op::ACC1_PUSHACC1),
    (Op::ACC0, Op::GETFIELD1, Op::ACC0_GETFIELD1),
    (Op::ACC1, Op::PUSH, Op::ACC1_PUSH),
    (Op::NEQ, Op::BRANCHIF, Op::NEQ_BRANCHIF),
    (Op::PUSH, Op::OFFSETINT, Op::PUSH_OFFSETINT),
    (Op::ACC1, Op::NEQ, Op::ACC1_NEQ),
    (Op::PUSHACC1, Op::GETFIELD0, Op::PUSHACC1_GETFIELD0),
    (Op::EQ, Op::BRANCHIFNOT, Op::EQ_BRANCHIFNOT),
    (Op::CHECK_SIGNALS, Op::ACC1, Op::CHECK_SIGNALS_ACC1),
    (Op::ADDINT, Op::RETURN, Op::ADDINT_RETURN),
    (Op::CONST1, Op::PUSHACC2, Op::CONST1_PUSHACC2),
    (Op::ACC0, Op::OFFSETINT, Op::ACC0_OFFSETINT),
    (Op::ACC0, Op::BNEQ, Op::ACC0_BNEQ),
    (Op::RESTART, Op::GRAB, Op::RESTART_GRAB),
    (Op::ACC0, Op::GETFIELD0, Op::ACC0_GETFIELD0),
    (Op::PUSHACC, Op::ARRAYGETADDR, Op::PUSHACC_ARRAYGETADDR),
    (Op::GETFIELD0, Op::PUSHACC1, Op::GETFIELD0_PUSHACC1),
    (Op::ACC1, Op::BNEQ, Op::ACC1_BNEQ),
    (Op::GRAB, Op::ACC1, Op::GRAB_ACC1),
    (Op::GRAB, Op::ACC0, Op::GRAB_ACC0),
    (Op::BRANCHIFNOT, Op::ACC0, Op::BRANCHIFNOT_ACC0),
];

/// The opcodes that start a pair: per opcode, its row of `FUSED` plus one (0: none).
const ROW: [u8; OPCODE_COUNT] = {
    let mut row = [0u8; OPCODE_COUNT];
    let mut rows = 0;
    let mut i = 0;
    while i < PAIRS.len() {
        let first = PAIRS[i].0 as usize;
        if row[first] == 0 {
            rows += 1;
            row[first] = rows;
        }
        i += 1;
    }
    row
};

/// How many opcodes start a pair.
const ROWS: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < OPCODE_COUNT {
        n = if ROW[i] as usize > n { ROW[i] as usize } else { n };
        i += 1;
    }
    n
};

/// Per row (a first opcode) and second opcode, the superinstruction (0: none): the load's
/// lookup, two loads per instruction.
static FUSED: [[u8; OPCODE_COUNT]; ROWS] = {
    let mut t = [[0u8; OPCODE_COUNT]; ROWS];
    let mut i = 0;
    while i < PAIRS.len() {
        let (a, b, f) = PAIRS[i];
        t[ROW[a as usize] as usize - 1][b as usize] = f as u8;
        i += 1;
    }
    t
};

/// The superinstruction of an instruction of opcode `first` followed by one of `second`.
fn fused_op(first: i32, second: i32) -> Option<Op> {
    let row = *ROW.get(first as u32 as usize)? as usize;
    let f = *FUSED.get(row.checked_sub(1)?)?.get(second as u32 as usize)?;
    // The table holds numbers of `Op`s (from PAIRS), 0 for none.
    (f != 0).then(|| Op::from_u32(u32::from(f))).flatten()
}

/// Translates validated stock `code` in place (whole instructions, primitive numbers bound
/// in `prims`).
pub fn translate(code: &mut [i32], prims: &PrimTable) {
    let mut pc = 0;
    while let Some(len) = instr_len(code, pc) {
        let op = code[pc];
        let arity = op - Op::C_CALL1 as i32 + 1;
        if (1..=3).contains(&arity) {
            // SAFETY: validated code: the primitive number is bound in the table.
            let b = unsafe { prims.builtin(code[pc + 1] as usize) };
            if let Some(internal) = builtin_op(arity, b) {
                code[pc] = internal as i32;
            }
        }
        pc += len;
    }
    // Then the pairs (a second instruction's opcode is read before it is rewritten, as the
    // first of the next pair: a fused handler runs the second's own handler).
    let mut pc = 0;
    while let Some(len) = instr_len(code, pc) {
        let next = pc + len;
        if let Some(&second) = code.get(next) {
            if instr_len(code, next).is_some() {
                if let Some(f) = fused_op(code[pc], second) {
                    code[pc] = f as i32;
                }
            }
        }
        pc = next;
    }
}

/// Calls `f` on each word of the stock code that validated `code` (translated or not) was
/// translated from: its opcode words through `opcodes::STOCK`, the others as they are. Past
/// a word that starts no instruction (not in validated code), the words go as they are.
pub fn stock_words(code: &[i32], mut f: impl FnMut(i32)) {
    let mut pc = 0;
    while let Some(len) = instr_len(code, pc) {
        f(stock_opcode(code[pc]));
        code[pc + 1..pc + len].iter().for_each(|&w| f(w));
        pc += len;
    }
    code[pc..].iter().for_each(|&w| f(w));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::opcodes::STOCK;

    #[test]
    fn stock_words_undo_the_opcode_words_only() {
        // C_CALL2 (as ADDFLOAT) 5; CONSTINT 159; BRANCH -3; STOP
        let code = [Op::ADDFLOAT as i32, 5, Op::CONSTINT as i32, 159, Op::BRANCH as i32, -3, 143];
        let mut out = Vec::new();
        stock_words(&code, |w| out.push(w));
        assert_eq!(
            out,
            [Op::C_CALL2 as i32, 5, Op::CONSTINT as i32, 159, Op::BRANCH as i32, -3, 143]
        );
    }

    #[test]
    fn pairs_are_stock_shaped_and_found() {
        for &(a, b, f) in &PAIRS {
            assert_eq!(STOCK[f as usize], STOCK[a as usize], "{f:?}");
            assert_eq!(fused_op(a as i32, b as i32), Some(f));
            assert_eq!(fused_op(f as i32, b as i32), None);
        }
        assert_eq!(fused_op(Op::STOP as i32, Op::ACC0 as i32), None);
    }

    #[test]
    fn a_pair_is_fused_and_its_second_kept() {
        // ACC1; PUSHACC1; GETFIELD0; STOP
        let mut code = [Op::ACC1 as i32, Op::PUSHACC1 as i32, Op::GETFIELD0 as i32, 143];
        let prims = PrimTable::new(Vec::new(), Vec::new(), Vec::new());
        translate(&mut code, &prims);
        assert_eq!(
            code,
            [Op::ACC1_PUSHACC1 as i32, Op::PUSHACC1_GETFIELD0 as i32, Op::GETFIELD0 as i32, 143]
        );
        let mut stock = Vec::new();
        stock_words(&code, |w| stock.push(w));
        assert_eq!(stock, [Op::ACC1 as i32, Op::PUSHACC1 as i32, Op::GETFIELD0 as i32, 143]);
    }

    #[test]
    fn every_builtin_opcode_replaces_its_arity() {
        for b in 0..=Builtin::ContinuationUseNoexc as u8 {
            // SAFETY: every number up to the last variant is a variant.
            let b = unsafe { Builtin::from_u8(b) };
            for arity in 1..=3 {
                if let Some(op) = builtin_op(arity, b) {
                    assert_eq!(stock_opcode(op as i32), Op::C_CALL1 as i32 + arity - 1);
                }
            }
        }
    }
}
