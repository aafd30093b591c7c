//! The compiled form of a `Str.regexp`, as `str.ml` builds it, read in place.
//!
//! `str.ml` compiles a regular expression into a record of six fields: `prog` (an int array of
//! instructions), `cpool` (a string array: literal strings, 32-byte character sets, and the
//! 256-byte table of possible first characters), `normtable` (the 256-byte case-folding table,
//! or `""`), `numgroups` (group 0, the whole match, included), `numregisters` (progress marks
//! for loops whose body may match the empty string, at most 64) and `startchars` (the cpool
//! index of the first-character table, or -1 when any character may start a match).
//!
//! An instruction word is an OCaml int: the low 8 bits are the [`Op`], the rest its argument
//! (unsigned, except the signed displacement of `Goto` and `PushBack`, counted from the
//! instruction after the jump). [`Compiled`] borrows the record's blocks without copying
//! them; every index the program holds is checked when used, so a record that `str.ml` did
//! not build (`Obj.magic`) ends the program with a fatal error, never a wild read.

use crate::exn::Exn;
use crate::heap::value::{Value, STRING_TAG};

/// The instruction set of the matcher, numbered as `str.ml` numbers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// One byte equal to the argument.
    Char,
    /// One byte whose case-folded form equals the argument.
    CharNorm,
    /// The literal at cpool index `arg` (up to its first NUL byte).
    String,
    /// The same, comparing case-folded text bytes.
    StringNorm,
    /// One byte in the character set at cpool index `arg`.
    CharClass,
    /// Start of text or just after a newline.
    Bol,
    /// End of text or just before a newline.
    Eol,
    /// Between a word byte and a non-word byte (text ends count as non-word).
    WordBoundary,
    /// Records where group `arg` begins (undone on backtracking).
    BegGroup,
    /// Records where group `arg` ends (undone on backtracking).
    EndGroup,
    /// The text that group `arg` matched, again.
    RefGroup,
    /// Success.
    Accept,
    /// Zero or one byte of the set at cpool index `arg`, greedily, without backtracking.
    SimpleOpt,
    /// Any number of bytes of the set, greedily, without backtracking.
    SimpleStar,
    /// One or more bytes of the set, greedily, without backtracking.
    SimplePlus,
    /// Jumps by the signed displacement.
    Goto,
    /// Leaves a choice point: on failure, resume at the displacement with the current
    /// position.
    PushBack,
    /// Stores the position in progress register `arg` (undone on backtracking).
    SetMark,
    /// Fails when the position equals progress register `arg` (a loop made no progress).
    CheckProgress,
}

const OPS: [Op; 19] = [
    Op::Char,
    Op::CharNorm,
    Op::String,
    Op::StringNorm,
    Op::CharClass,
    Op::Bol,
    Op::Eol,
    Op::WordBoundary,
    Op::BegGroup,
    Op::EndGroup,
    Op::RefGroup,
    Op::Accept,
    Op::SimpleOpt,
    Op::SimpleStar,
    Op::SimplePlus,
    Op::Goto,
    Op::PushBack,
    Op::SetMark,
    Op::CheckProgress,
];

/// The most progress registers a program may use (the stock matcher's fixed array; `str.ml`
/// refuses to compile a regexp that needs more).
pub const MAX_REGISTERS: usize = 64;

/// The error for a record that `str.ml` cannot have built.
pub fn malformed(what: &str) -> Exn {
    Exn::fatal(format!("Str: malformed compiled regexp ({what})"))
}

/// A decoded instruction.
#[derive(Clone, Copy, Debug)]
pub struct Instr {
    pub op: Op,
    /// The argument bits, read as unsigned.
    pub arg: usize,
    /// The argument bits, read as signed (the displacement of a jump).
    pub displ: isize,
}

/// A compiled regexp, borrowed from the OCaml heap (or built directly, in tests).
pub struct Compiled<'a> {
    prog: &'a [Value],
    cpool: Vec<&'a [u8]>,
    /// The case-folding table, when the regexp has one of the full 256 bytes.
    norm: Option<&'a [u8]>,
    pub numgroups: usize,
    pub numregisters: usize,
    /// For each byte, non-zero when a match may start with it; `None`: any byte may.
    pub startchars: Option<&'a [u8]>,
}

/// The bytes of `v` if it is a string block.
///
/// # Safety
/// `v` must be an immediate or a live block, which stays alive and unmodified for `'a`.
unsafe fn string_of<'a>(v: Value) -> Option<&'a [u8]> {
    // SAFETY: the tag of a live block is readable; its bytes when it is a string.
    unsafe { (v.is_block() && v.tag() == STRING_TAG).then(|| v.bytes()) }
}

/// The fields of `v` if it is a block of tag 0 (atoms included).
///
/// # Safety
/// As for [`string_of`].
unsafe fn fields_of<'a>(v: Value) -> Option<&'a [Value]> {
    // SAFETY: a live block of tag 0 has `wosize` fields after its header.
    unsafe {
        (v.is_block() && v.tag() == 0)
            .then(|| std::slice::from_raw_parts(v.as_ptr() as *const Value, v.wosize()))
    }
}

impl<'a> Compiled<'a> {
    /// Reads the record `re`.
    ///
    /// # Safety
    /// `re` must be an immediate or a live block; the blocks it reaches must stay alive and
    /// unmodified for `'a` (no allocation and no OCaml code runs while the view is used).
    pub unsafe fn of_value(re: Value) -> Result<Compiled<'a>, Exn> {
        // SAFETY: forwarded to the caller's guarantee, block by block.
        unsafe {
            let fields =
                fields_of(re).filter(|f| f.len() >= 6).ok_or_else(|| malformed("record"))?;
            let prog = fields_of(fields[0]).ok_or_else(|| malformed("prog"))?;
            let cpool = fields_of(fields[1])
                .ok_or_else(|| malformed("cpool"))?
                .iter()
                .map(|&s| string_of(s).ok_or_else(|| malformed("cpool entry")))
                .collect::<Result<Vec<_>, _>>()?;
            let normtable = string_of(fields[2]).ok_or_else(|| malformed("normtable"))?;
            Compiled::new(prog, cpool, normtable, fields[3].int(), fields[4].int(), fields[5].int())
        }
    }

    /// A compiled regexp from its parts (the record's fields), checked.
    pub fn new(
        prog: &'a [Value],
        cpool: Vec<&'a [u8]>,
        normtable: &'a [u8],
        numgroups: isize,
        numregisters: isize,
        startchars: isize,
    ) -> Result<Compiled<'a>, Exn> {
        let numgroups = usize::try_from(numgroups).map_err(|_| malformed("numgroups"))?;
        let numregisters = usize::try_from(numregisters)
            .ok()
            .filter(|&n| n <= MAX_REGISTERS)
            .ok_or_else(|| malformed("numregisters"))?;
        let startchars = match startchars {
            -1 => None,
            i => Some(
                usize::try_from(i)
                    .ok()
                    .and_then(|i| cpool.get(i).copied())
                    .filter(|t| t.len() >= 256)
                    .ok_or_else(|| malformed("startchars"))?,
            ),
        };
        let norm = (normtable.len() >= 256).then_some(normtable);
        Ok(Compiled { prog, cpool, norm, numgroups, numregisters, startchars })
    }

    /// The instruction at `pc`.
    #[inline]
    pub fn instr(&self, pc: usize) -> Result<Instr, Exn> {
        let word = match self.prog.get(pc) {
            Some(w) if w.is_int() => w.int(),
            _ => return Err(malformed("jump outside the program")),
        };
        let op = *OPS
            .get((word & 0xFF) as usize)
            .ok_or_else(|| Exn::fatal("impossible case in re_match"))?;
        Ok(Instr { op, arg: (word as usize) >> 8, displ: word >> 8 })
    }

    /// The literal at cpool index `i`: its bytes up to the first NUL (`str.ml` splits its
    /// literals at NUL bytes, so this is the whole string).
    #[inline]
    pub fn literal(&self, i: usize) -> Result<&'a [u8], Exn> {
        let s = *self.cpool.get(i).ok_or_else(|| malformed("cpool index"))?;
        Ok(s.iter().position(|&b| b == 0).map_or(s, |n| &s[..n]))
    }

    /// The character set at cpool index `i` (a 256-bit set, 32 bytes).
    #[inline]
    pub fn charset(&self, i: usize) -> Result<&'a [u8; 32], Exn> {
        self.cpool
            .get(i)
            .and_then(|s| s.get(..32))
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| malformed("character set"))
    }

    /// Byte `c` case-folded through the regexp's table.
    #[inline]
    pub fn fold(&self, c: u8) -> Result<u8, Exn> {
        match self.norm {
            Some(t) => Ok(t[c as usize]),
            None => Err(malformed("normtable")),
        }
    }
}

/// Whether byte `c` is in the 256-bit set `set`.
#[inline]
pub fn in_set(set: &[u8; 32], c: u8) -> bool {
    set[(c >> 3) as usize] & (1 << (c & 7)) != 0
}

/// Whether byte `c` is part of a word for `\b`: ASCII letters, digits and `_`, and the
/// Latin-1 letters (0xC0 to 0xFF except the multiplication and division signs).
#[inline]
pub fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || (c >= 0xC0 && c != 0xD7 && c != 0xF7)
}
