//! The table-driven automaton behind `ocamllex` lexers (stock `lexing.c`): `caml_lex_engine`
//! and `caml_new_lex_engine` (the latter also runs the position-memory actions of lexers
//! that bind sub-matches).
//!
//! Tables are strings of little-endian 16-bit entries, as `ocamllex` writes them. Every
//! table and buffer access is bounds-checked: a table that does not fit the automaton raises
//! `Invalid_argument` instead of reading outside the string.

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::{Value, STRING_TAG};

pub const PRIMS: &[(&str, PrimFn)] =
    &[("caml_lex_engine", lex_engine), ("caml_new_lex_engine", new_lex_engine)];

// Fields of `Lexing.lexbuf`.
const LEX_BUFFER: usize = 1;
const LEX_BUFFER_LEN: usize = 2;
const LEX_START_POS: usize = 4;
const LEX_CURR_POS: usize = 5;
const LEX_LAST_POS: usize = 6;
const LEX_LAST_ACTION: usize = 7;
const LEX_EOF_REACHED: usize = 8;
const LEX_MEM: usize = 9;

// Fields of `Lexing.lex_tables`.
const LEX_BASE: usize = 0;
const LEX_BACKTRK: usize = 1;
const LEX_DEFAULT: usize = 2;
const LEX_TRANS: usize = 3;
const LEX_CHECK: usize = 4;
const LEX_BASE_CODE: usize = 5;
const LEX_BACKTRK_CODE: usize = 6;
const LEX_DEFAULT_CODE: usize = 7;
const LEX_TRANS_CODE: usize = 8;
const LEX_CHECK_CODE: usize = 9;
const LEX_CODE: usize = 10;

fn bad_table() -> Exn {
    Exn::invalid_arg("Lexing: malformed automaton tables")
}

/// Field `i` of a block argument, checked.
fn field(b: Value, i: usize) -> Result<Value, Exn> {
    // SAFETY: the size and field are read only from a block, within its size.
    if b.is_block() && i < unsafe { b.wosize() } {
        // SAFETY: i is below the size just read.
        Ok(unsafe { b.field(i) })
    } else {
        Err(bad_table())
    }
}

/// The bytes of a string field.
///
/// # Safety
/// `b` must be a live block of the engine's tables (or a lexbuf), and the slice must be
/// dropped before anything allocates or runs OCaml code; the engines only read tables and
/// store into fields (`Domain::modify` neither allocates nor collects) while they hold one.
unsafe fn string_field<'a>(b: Value, i: usize) -> Result<&'a [u8], Exn> {
    let s = field(b, i)?;
    // SAFETY: the tag is read from a block; a String_tag block's bytes stay valid while the
    // primitive runs (it does not allocate while it holds them).
    if s.is_block() && unsafe { s.tag() } == STRING_TAG {
        // SAFETY: a String_tag block (checked above); see the function's contract.
        Ok(unsafe { s.bytes() })
    } else {
        Err(bad_table())
    }
}

/// The automaton tables, borrowed from the `lex_tables` record.
struct Tables<'a> {
    base: &'a [u8],
    backtrk: &'a [u8],
    default: &'a [u8],
    trans: &'a [u8],
    check: &'a [u8],
}

/// The memory-action tables of the new engine.
struct CodeTables<'a> {
    base_code: &'a [u8],
    backtrk_code: &'a [u8],
    default_code: &'a [u8],
    trans_code: &'a [u8],
    check_code: &'a [u8],
    code: &'a [u8],
}

/// Signed 16-bit entry `n` of a table.
fn short(tbl: &[u8], n: i64) -> Result<i64, Exn> {
    let i = usize::try_from(n).map_err(|_| bad_table())?;
    match tbl.get(2 * i..2 * i + 2) {
        Some(b) => Ok(i16::from_le_bytes([b[0], b[1]]) as i64),
        None => Err(bad_table()),
    }
}

/// Unsigned 16-bit entry `n` of a table.
fn ushort(tbl: &[u8], n: i64) -> Result<i64, Exn> {
    let i = usize::try_from(n).map_err(|_| bad_table())?;
    match tbl.get(2 * i..2 * i + 2) {
        Some(b) => Ok(u16::from_le_bytes([b[0], b[1]]) as i64),
        None => Err(bad_table()),
    }
}

/// The lexer buffer's integer fields, kept in locals and written back as the stock engine
/// updates them.
struct Lexbuf(Value);

impl Lexbuf {
    fn get(&self, i: usize) -> Result<Value, Exn> {
        field(self.0, i)
    }
    fn int(&self, i: usize) -> Result<i64, Exn> {
        Ok(self.get(i)?.int() as i64)
    }
    fn set_int(&self, i: usize, n: i64) -> Result<(), Exn> {
        field(self.0, i)?;
        // SAFETY: i is within the block (checked above); an immediate needs no barrier.
        unsafe { self.0.set_field_raw(i, Value::of_int(n as isize)) };
        Ok(())
    }
}

/// Which engine runs: the new one carries the memory-action tables.
enum Engine<'a> {
    Plain,
    WithMemory(CodeTables<'a>),
}

/// Runs the position-memory actions at `pc` of the code table. `curr_pos` is what "store
/// the current position" stores; None means the tag actions (store -1).
fn run_actions(
    dom: &mut Domain,
    code: &[u8],
    pc: i64,
    mem: Value,
    curr_pos: Option<Value>,
) -> Result<(), Exn> {
    let mut pc = usize::try_from(pc).map_err(|_| bad_table())?;
    loop {
        let dst = *code.get(pc).ok_or_else(bad_table)?;
        pc += 1;
        if dst == 0xff {
            return Ok(());
        }
        let src = *code.get(pc).ok_or_else(bad_table)?;
        pc += 1;
        let v = if src == 0xff {
            curr_pos.unwrap_or(Value::of_int(-1))
        } else {
            field(mem, src as usize)?
        };
        field(mem, dst as usize)?;
        dom.modify(mem, dst as usize, v);
    }
}

fn run_engine(dom: &mut Domain, args: &[Value], engine: Engine<'_>) -> PrimResult {
    let vtbl = args[0];
    // SAFETY: args[0] is the lexer's tables record (OCaml type); the engine holds the
    // slices only while it reads tables and stores fields.
    let t = unsafe {
        Tables {
            base: string_field(vtbl, LEX_BASE)?,
            backtrk: string_field(vtbl, LEX_BACKTRK)?,
            default: string_field(vtbl, LEX_DEFAULT)?,
            trans: string_field(vtbl, LEX_TRANS)?,
            check: string_field(vtbl, LEX_CHECK)?,
        }
    };
    let lb = Lexbuf(args[2]);
    let mut state = args[1].int() as i64;
    if state >= 0 {
        let curr = lb.int(LEX_CURR_POS)?;
        lb.set_int(LEX_START_POS, curr)?;
        lb.set_int(LEX_LAST_POS, curr)?;
        lb.set_int(LEX_LAST_ACTION, -1)?;
    } else {
        state = -state - 1;
    }
    loop {
        let base = short(t.base, state)?;
        if base < 0 {
            if let Engine::WithMemory(c) = &engine {
                let pc = ushort(c.base_code, state)?;
                run_actions(dom, c.code, pc, lb.get(LEX_MEM)?, None)?;
            }
            return Ok(Value::of_int((-base - 1) as isize));
        }
        let backtrk = short(t.backtrk, state)?;
        if backtrk >= 0 {
            if let Engine::WithMemory(c) = &engine {
                let pc = ushort(c.backtrk_code, state)?;
                run_actions(dom, c.code, pc, lb.get(LEX_MEM)?, None)?;
            }
            lb.set_int(LEX_LAST_POS, lb.int(LEX_CURR_POS)?)?;
            lb.set_int(LEX_LAST_ACTION, backtrk)?;
        }
        let curr = lb.int(LEX_CURR_POS)?;
        let c: i64 = if curr >= lb.int(LEX_BUFFER_LEN)? {
            if lb.get(LEX_EOF_REACHED)? == Value::FALSE {
                return Ok(Value::of_int((-state - 1) as isize));
            }
            256
        } else {
            // SAFETY: lb is a lexbuf; the byte is read before anything else happens.
            let buf = unsafe { string_field(lb.0, LEX_BUFFER) }?;
            let i = usize::try_from(curr).map_err(|_| bad_table())?;
            let byte = *buf.get(i).ok_or_else(|| Exn::invalid_arg("index out of bounds"))?;
            lb.set_int(LEX_CURR_POS, curr + 1)?;
            byte as i64
        };
        let pstate = state;
        state = if short(t.check, base + c)? == state {
            short(t.trans, base + c)?
        } else {
            short(t.default, state)?
        };
        if state < 0 {
            lb.set_int(LEX_CURR_POS, lb.int(LEX_LAST_POS)?)?;
            let action = lb.get(LEX_LAST_ACTION)?;
            if action == Value::of_int(-1) {
                return Err(Exn::failure("lexing: empty token"));
            }
            return Ok(action);
        }
        if let Engine::WithMemory(cd) = &engine {
            let base_code = ushort(cd.base_code, pstate)?;
            let pc = if short(cd.check_code, base_code + c)? == pstate {
                ushort(cd.trans_code, base_code + c)?
            } else {
                ushort(cd.default_code, pstate)?
            };
            if pc > 0 {
                let pos = lb.get(LEX_CURR_POS)?;
                run_actions(dom, cd.code, pc, lb.get(LEX_MEM)?, Some(pos))?;
            }
        }
        // The EOF condition is erased only when the automaton consumed the EOF
        // pseudo-character (no backtrack above).
        if c == 256 {
            lb.set_int(LEX_EOF_REACHED, 0)?;
        }
    }
}

fn lex_engine(dom: &mut Domain, args: &[Value]) -> PrimResult {
    run_engine(dom, args, Engine::Plain)
}

fn new_lex_engine(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let vtbl = args[0];
    // SAFETY: as for `Tables` in `run_engine`.
    let code = unsafe {
        CodeTables {
            base_code: string_field(vtbl, LEX_BASE_CODE)?,
            backtrk_code: string_field(vtbl, LEX_BACKTRK_CODE)?,
            default_code: string_field(vtbl, LEX_DEFAULT_CODE)?,
            trans_code: string_field(vtbl, LEX_TRANS_CODE)?,
            check_code: string_field(vtbl, LEX_CHECK_CODE)?,
            code: string_field(vtbl, LEX_CODE)?,
        }
    };
    run_engine(dom, args, Engine::WithMemory(code))
}
