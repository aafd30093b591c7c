//! The pushdown automaton behind `ocamlyacc` parsers (stock `parsing.c`): `caml_parse_engine`
//! and `caml_set_parser_trace`.
//!
//! The engine is re-entered by `Parsing.yyparse` after each request it makes (read a token,
//! grow the stacks, compute a semantic action, call the error function); between entries its
//! registers live in the `parser_env` record. Tables are strings of little-endian 16-bit
//! entries; every access is bounds-checked. With OCAMLRUNPARAM=p, or after
//! `Parsing.set_trace true`, the engine prints its moves on stderr.

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::{Value, DOUBLE_TAG, STRING_TAG};
use std::cell::Cell;
use std::io::Write;

pub const PRIMS: &[(&str, PrimFn)] =
    &[("caml_parse_engine", parse_engine), ("caml_set_parser_trace", set_parser_trace)];

thread_local! {
    /// `Parsing.set_trace` of this domain (the stock runtime keeps it in the domain state).
    static PARSER_TRACE: Cell<bool> = const { Cell::new(false) };
}

/// The domain's own trace flag (what `Sys.runtime_parameters` reports as `p`).
pub fn trace_flag() -> bool {
    PARSER_TRACE.with(Cell::get)
}

fn tracing(dom: &Domain) -> bool {
    dom.config.parser_trace != 0 || trace_flag()
}

// Fields of `Parsing.parse_tables`.
const T_TRANSL_CONST: usize = 1;
const T_TRANSL_BLOCK: usize = 2;
const T_LHS: usize = 3;
const T_LEN: usize = 4;
const T_DEFRED: usize = 5;
const T_DGOTO: usize = 6;
const T_SINDEX: usize = 7;
const T_RINDEX: usize = 8;
const T_GINDEX: usize = 9;
const T_TABLESIZE: usize = 10;
const T_TABLE: usize = 11;
const T_CHECK: usize = 12;
const T_NAMES_CONST: usize = 14;
const T_NAMES_BLOCK: usize = 15;

// Fields of `Parsing.parser_env`.
const E_S_STACK: usize = 0;
const E_V_STACK: usize = 1;
const E_SYMB_START_STACK: usize = 2;
const E_SYMB_END_STACK: usize = 3;
const E_STACKSIZE: usize = 4;
const E_STACKBASE: usize = 5;
const E_CURR_CHAR: usize = 6;
const E_LVAL: usize = 7;
const E_SYMB_START: usize = 8;
const E_SYMB_END: usize = 9;
const E_ASP: usize = 10;
const E_RULE_LEN: usize = 11;
const E_RULE_NUMBER: usize = 12;
const E_SP: usize = 13;
const E_STATE: usize = 14;
const E_ERRFLAG: usize = 15;

// Requests to the OCaml side (`Parsing.parser_output`).
const READ_TOKEN: isize = 0;
const RAISE_PARSE_ERROR: isize = 1;
const GROW_STACKS_1: isize = 2;
const GROW_STACKS_2: isize = 3;
const COMPUTE_SEMANTIC_ACTION: isize = 4;
const CALL_ERROR_FUNCTION: isize = 5;

/// The error token's code.
const ERRCODE: i64 = 256;

fn bad_table() -> Exn {
    Exn::invalid_arg("Parsing: malformed parser tables")
}

fn field(b: Value, i: usize) -> Result<Value, Exn> {
    // SAFETY: size and field are read only from a block, within its size.
    if b.is_block() && i < unsafe { b.wosize() } {
        // SAFETY: i is below the size just read.
        Ok(unsafe { b.field(i) })
    } else {
        Err(bad_table())
    }
}

/// The bytes of a string field of the parser tables.
///
/// # Safety
/// `b` must be a live block of the engine's tables (or a lexbuf), and the slice must be
/// dropped before anything allocates or runs OCaml code; the engines only read tables and
/// store into fields (`Domain::modify` neither allocates nor collects) while they hold one.
unsafe fn string_field<'a>(b: Value, i: usize) -> Result<&'a [u8], Exn> {
    let s = field(b, i)?;
    // SAFETY: the tag is read from a block; the bytes stay valid while the engine runs (it
    // allocates nothing while it holds them).
    if s.is_block() && unsafe { s.tag() } == STRING_TAG {
        // SAFETY: a String_tag block (checked above); see the function's contract.
        Ok(unsafe { s.bytes() })
    } else {
        Err(bad_table())
    }
}

fn short(tbl: &[u8], n: i64) -> Result<i64, Exn> {
    let i = usize::try_from(n).map_err(|_| bad_table())?;
    match tbl.get(2 * i..2 * i + 2) {
        Some(b) => Ok(i16::from_le_bytes([b[0], b[1]]) as i64),
        None => Err(bad_table()),
    }
}

fn int_field(b: Value, i: usize) -> Result<i64, Exn> {
    Ok(field(b, i)?.int() as i64)
}

/// Stores into field `i` of block `b` through the write barrier.
fn store(dom: &mut Domain, b: Value, i: usize, v: Value) -> Result<(), Exn> {
    field(b, i)?;
    dom.modify(b, i, v);
    Ok(())
}

fn store_int(dom: &mut Domain, b: Value, i: usize, n: i64) -> Result<(), Exn> {
    store(dom, b, i, Value::of_int(n as isize))
}

/// Prints a trace line on stderr (flushed at once, as the stock engine does).
fn trace_line(dom: &Domain, msg: std::fmt::Arguments<'_>) {
    if tracing(dom) {
        let mut err = std::io::stderr().lock();
        // Diagnostics only: a failing stderr is ignored, as fprintf's result is.
        let _ = err.write_fmt(msg);
        let _ = err.flush();
    }
}

/// Name number `n` of a NUL-separated name list.
fn token_name(names: &[u8], n: i64) -> String {
    let mut rest = names;
    for _ in 0..n.max(0) {
        if rest.first().copied().unwrap_or(0) == 0 {
            return "<unknown token>".to_string();
        }
        let len = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        rest = rest.get(len + 1..).unwrap_or(&[]);
    }
    let len = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..len]).into_owned()
}

fn print_token(dom: &Domain, tables: Value, state: i64, tok: Value) -> Result<(), Exn> {
    if tok.is_int() {
        // SAFETY: tables is the parser's tables record; the name is copied out at once.
        let name = token_name(unsafe { string_field(tables, T_NAMES_CONST) }?, tok.int() as i64);
        trace_line(dom, format_args!("State {state}: read token {name}\n"));
        return Ok(());
    }
    // SAFETY: tok is a block (a token with an argument).
    let tag = unsafe { tok.tag() } as i64;
    // SAFETY: as above.
    let name = token_name(unsafe { string_field(tables, T_NAMES_BLOCK) }?, tag);
    let v = field(tok, 0)?;
    let arg = if v.is_int() {
        v.int().to_string()
    } else {
        // SAFETY: v is a block; its bytes or float are read by tag.
        match unsafe { v.tag() } {
            STRING_TAG => {
                // SAFETY: a String_tag block: its bytes, copied at once.
                let b = unsafe { v.bytes() };
                let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                String::from_utf8_lossy(&b[..end]).into_owned()
            }
            DOUBLE_TAG => {
                // SAFETY: a Double_tag block holds one float.
                super::numfmt::format_float(b"%g", unsafe { v.double() }).unwrap_or_default()
            }
            _ => "_".to_string(),
        }
    };
    trace_line(dom, format_args!("State {state}: read token {name}({arg})\n"));
    Ok(())
}

/// Where the automaton goes next (the labels of the stock engine).
#[derive(Clone, Copy)]
enum Step {
    Loop,
    TestShift,
    Recover,
    Shift,
    ShiftRecover,
    Push,
    Reduce,
    SemanticAction,
}

/// The engine's registers.
struct Regs {
    state: i64,
    sp: i64,
    errflag: i64,
    n: i64,
    n2: i64,
}

fn parse_engine(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let (tables, env, cmd, arg) = (args[0], args[1], args[2].int(), args[3]);
    // SAFETY: args[0] is the parser's tables record; the engine reads the tables and stores
    // fields while it holds them, and allocates nothing.
    let tbl = |i: usize| unsafe { string_field(tables, i) };
    let mut r = Regs { state: 0, sp: 0, errflag: 0, n: 0, n2: 0 };

    let save = |dom: &mut Domain, r: &Regs| -> Result<(), Exn> {
        store_int(dom, env, E_SP, r.sp)?;
        store_int(dom, env, E_STATE, r.state)?;
        store_int(dom, env, E_ERRFLAG, r.errflag)
    };
    let restore = |r: &mut Regs| -> Result<(), Exn> {
        r.sp = int_field(env, E_SP)?;
        r.state = int_field(env, E_STATE)?;
        r.errflag = int_field(env, E_ERRFLAG)?;
        Ok(())
    };
    let answer = |n: isize| Ok(Value::of_int(n));

    let mut step = match cmd {
        // START
        0 => {
            r.sp = int_field(env, E_SP)?;
            Step::Loop
        }
        // TOKEN_READ
        1 => {
            restore(&mut r)?;
            let (curr, lval) = if arg.is_block() {
                // SAFETY: arg is a block.
                let tag = unsafe { arg.tag() } as usize;
                (field(field(tables, T_TRANSL_BLOCK)?, tag)?, field(arg, 0)?)
            } else {
                let i = usize::try_from(arg.int()).map_err(|_| bad_table())?;
                (field(field(tables, T_TRANSL_CONST)?, i)?, Value::of_int(0))
            };
            store(dom, env, E_CURR_CHAR, curr)?;
            store(dom, env, E_LVAL, lval)?;
            if tracing(dom) {
                print_token(dom, tables, r.state, arg)?;
            }
            Step::TestShift
        }
        // STACKS_GROWN_1
        2 => {
            restore(&mut r)?;
            Step::Push
        }
        // STACKS_GROWN_2
        3 => {
            restore(&mut r)?;
            Step::SemanticAction
        }
        // SEMANTIC_ACTION_COMPUTED
        4 => {
            restore(&mut r)?;
            let sp = usize::try_from(r.sp).map_err(|_| bad_table())?;
            store_int(dom, field(env, E_S_STACK)?, sp, r.state)?;
            store(dom, field(env, E_V_STACK)?, sp, arg)?;
            let asp = usize::try_from(int_field(env, E_ASP)?).map_err(|_| bad_table())?;
            let end_stack = field(env, E_SYMB_END_STACK)?;
            let end = field(end_stack, asp)?;
            store(dom, end_stack, sp, end)?;
            if sp > asp {
                // An epsilon production: its start is its end.
                store(dom, field(env, E_SYMB_START_STACK)?, sp, end)?;
            }
            Step::Loop
        }
        // ERROR_DETECTED
        5 => {
            restore(&mut r)?;
            Step::Recover
        }
        _ => return Err(Exn::invalid_arg("Parsing: bad engine command")),
    };

    loop {
        step = match step {
            Step::Loop => {
                r.n = short(tbl(T_DEFRED)?, r.state)?;
                if r.n != 0 {
                    Step::Reduce
                } else if int_field(env, E_CURR_CHAR)? >= 0 {
                    Step::TestShift
                } else {
                    save(dom, &r)?;
                    return answer(READ_TOKEN);
                }
            }
            Step::TestShift => {
                let curr = int_field(env, E_CURR_CHAR)?;
                let size = int_field(tables, T_TABLESIZE)?;
                let check = tbl(T_CHECK)?;
                let n1 = short(tbl(T_SINDEX)?, r.state)?;
                r.n2 = n1 + curr;
                if n1 != 0 && r.n2 >= 0 && r.n2 <= size && short(check, r.n2)? == curr {
                    Step::Shift
                } else {
                    let n1 = short(tbl(T_RINDEX)?, r.state)?;
                    r.n2 = n1 + curr;
                    if n1 != 0 && r.n2 >= 0 && r.n2 <= size && short(check, r.n2)? == curr {
                        r.n = short(tbl(T_TABLE)?, r.n2)?;
                        Step::Reduce
                    } else if r.errflag > 0 {
                        Step::Recover
                    } else {
                        save(dom, &r)?;
                        return answer(CALL_ERROR_FUNCTION);
                    }
                }
            }
            Step::Recover => {
                if r.errflag < 3 {
                    r.errflag = 3;
                    let s_stack = field(env, E_S_STACK)?;
                    let size = int_field(tables, T_TABLESIZE)?;
                    loop {
                        let sp = usize::try_from(r.sp).map_err(|_| bad_table())?;
                        let state1 = field(s_stack, sp)?.int() as i64;
                        let n1 = short(tbl(T_SINDEX)?, state1)?;
                        r.n2 = n1 + ERRCODE;
                        if n1 != 0
                            && r.n2 >= 0
                            && r.n2 <= size
                            && short(tbl(T_CHECK)?, r.n2)? == ERRCODE
                        {
                            trace_line(dom, format_args!("Recovering in state {state1}\n"));
                            break;
                        }
                        trace_line(dom, format_args!("Discarding state {state1}\n"));
                        if r.sp <= int_field(env, E_STACKBASE)? {
                            trace_line(dom, format_args!("No more states to discard\n"));
                            return answer(RAISE_PARSE_ERROR);
                        }
                        r.sp -= 1;
                    }
                    Step::ShiftRecover
                } else {
                    if int_field(env, E_CURR_CHAR)? == 0 {
                        return answer(RAISE_PARSE_ERROR);
                    }
                    trace_line(dom, format_args!("Discarding last token read\n"));
                    store_int(dom, env, E_CURR_CHAR, -1)?;
                    Step::Loop
                }
            }
            Step::Shift => {
                store_int(dom, env, E_CURR_CHAR, -1)?;
                if r.errflag > 0 {
                    r.errflag -= 1;
                }
                Step::ShiftRecover
            }
            Step::ShiftRecover => {
                let next = short(tbl(T_TABLE)?, r.n2)?;
                trace_line(dom, format_args!("State {}: shift to state {next}\n", r.state));
                r.state = next;
                r.sp += 1;
                if r.sp < int_field(env, E_STACKSIZE)? {
                    Step::Push
                } else {
                    save(dom, &r)?;
                    return answer(GROW_STACKS_1);
                }
            }
            Step::Push => {
                let sp = usize::try_from(r.sp).map_err(|_| bad_table())?;
                store_int(dom, field(env, E_S_STACK)?, sp, r.state)?;
                let lval = field(env, E_LVAL)?;
                store(dom, field(env, E_V_STACK)?, sp, lval)?;
                let start = field(env, E_SYMB_START)?;
                store(dom, field(env, E_SYMB_START_STACK)?, sp, start)?;
                let end = field(env, E_SYMB_END)?;
                store(dom, field(env, E_SYMB_END_STACK)?, sp, end)?;
                Step::Loop
            }
            Step::Reduce => {
                trace_line(dom, format_args!("State {}: reduce by rule {}\n", r.state, r.n));
                let m = short(tbl(T_LEN)?, r.n)?;
                store_int(dom, env, E_ASP, r.sp)?;
                store_int(dom, env, E_RULE_NUMBER, r.n)?;
                store_int(dom, env, E_RULE_LEN, m)?;
                r.sp = r.sp - m + 1;
                let lhs = short(tbl(T_LHS)?, r.n)?;
                let below = usize::try_from(r.sp - 1).map_err(|_| bad_table())?;
                let state1 = field(field(env, E_S_STACK)?, below)?.int() as i64;
                let n1 = short(tbl(T_GINDEX)?, lhs)?;
                let n2 = n1 + state1;
                let size = int_field(tables, T_TABLESIZE)?;
                r.state = if n1 != 0 && n2 >= 0 && n2 <= size && short(tbl(T_CHECK)?, n2)? == state1
                {
                    short(tbl(T_TABLE)?, n2)?
                } else {
                    short(tbl(T_DGOTO)?, lhs)?
                };
                if r.sp < int_field(env, E_STACKSIZE)? {
                    Step::SemanticAction
                } else {
                    save(dom, &r)?;
                    return answer(GROW_STACKS_2);
                }
            }
            Step::SemanticAction => {
                save(dom, &r)?;
                return answer(COMPUTE_SEMANTIC_ACTION);
            }
        };
    }
}

fn set_parser_trace(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let old = tracing(dom);
    PARSER_TRACE.with(|t| t.set(args[0] != Value::FALSE));
    Ok(Value::of_bool(old))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_names() {
        let names = b"EOF\0INT\0PLUS\0\0";
        assert_eq!(token_name(names, 0), "EOF");
        assert_eq!(token_name(names, 2), "PLUS");
        assert_eq!(token_name(names, 3), "");
        assert_eq!(token_name(names, 4), "<unknown token>");
    }
}
