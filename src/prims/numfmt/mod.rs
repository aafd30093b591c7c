//! Text forms of numbers, as the stock runtime's C primitives produce and accept them.
//!
//! This module owns the exact byte-level semantics of `caml_int_of_string` and its
//! int32/int64/nativeint siblings, `caml_format_int` and siblings, `caml_format_float`
//! (a C `printf` for one double, as glibc renders it), `caml_hexstring_of_float` and
//! `caml_float_of_string` (including its own hexadecimal parser and glibc `strtod` for
//! the rest). It is pure: no runtime values, only bytes in and numbers or text out; the
//! one state it keeps is each thread's reusable output buffer ([`with_scratch`]).
//! Formats whose C behaviour is undefined (two conversions, `*` widths, mismatched
//! argument types) are refused with `Err(())` rather than guessed.
//!
//! Files: this one (integers: parsing, `printf` conversion specs, `format_int`), `float`
//! (`format_float`, `hexstring_of_float`), `strtod` (`parse_float`), `tests`.

// `Err(())` is deliberate: the caller knows which OCaml exception and message to raise.
#![allow(clippy::result_unit_err)]

mod float;
mod strtod;
#[cfg(test)]
mod tests;

pub use float::{format_float, format_float_into, hexstring_of_float};
pub use strtod::parse_float;

thread_local! {
    /// The output buffer [`with_scratch`] lends, kept between the calls of a thread.
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The largest buffer [`with_scratch`] keeps for the next call (a `%.100000f` does not pin
/// its megabyte).
const SCRATCH_KEPT: usize = 4096;

/// Runs `f` on an empty byte buffer that the thread reuses from call to call: a `Vec`
/// allocated and freed by every `format_int`/`format_float` call cost about a sixth of
/// the call. A nested call (none happens: formatting runs no OCaml code) would get a fresh
/// buffer, never a shared one.
pub fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    let mut buf = SCRATCH.take();
    buf.clear();
    let r = f(&mut buf);
    if buf.capacity() <= SCRATCH_KEPT {
        SCRATCH.set(buf);
    }
    r
}

/// Which OCaml integer type a `format_int` call is for; it decides the width of the
/// C argument and how unsigned conversions see negative numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntKind {
    /// `int` (`caml_format_int`): 63-bit, unsigned conversions see `n mod 2^63`.
    Int,
    /// `int32` (`caml_int32_format`): unsigned conversions see `n mod 2^32`.
    Int32,
    /// `int64` (`caml_int64_format`).
    Int64,
    /// `nativeint` (`caml_nativeint_format`), 64-bit.
    Nativeint,
}

// ---------------------------------------------------------------------------------------
// Integer parsing
// ---------------------------------------------------------------------------------------

fn digit_value(c: u8) -> Option<u64> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as u64),
        b'a'..=b'f' => Some((c - b'a' + 10) as u64),
        b'A'..=b'F' => Some((c - b'A' + 10) as u64),
        _ => None,
    }
}

/// Parses an OCaml integer literal the way `caml_int_of_string` (`nbits` = 63),
/// `caml_int32_of_string` (32), `caml_int64_of_string` and `caml_nativeint_of_string`
/// (64) do.
///
/// Accepted: an optional `-` or `+`, an optional `0x`/`0o`/`0b`/`0u` prefix (either
/// case), at least one digit, then digits and `_`. Decimal without `0u` is signed and
/// must lie in `[-2^(nbits-1), 2^(nbits-1) - 1]`; the other forms are unsigned and must
/// be below `2^nbits` (negated afterwards if a `-` was given). The result is already
/// wrapped to `nbits` and sign-extended, so `parse_int(b"0x7fffffffffffffff", 63)` is
/// `Ok(-1)`, ready to be tagged. `Err(())` means the caller raises `Failure` with its
/// own message; `nbits` outside `1..=64` is always an error.
pub fn parse_int(s: &[u8], nbits: u32) -> Result<i64, ()> {
    if nbits == 0 || nbits > 64 {
        return Err(());
    }
    // Bytes past the end read as the NUL terminator every OCaml string carries.
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = 0;
    let negative = match at(0) {
        b'-' => {
            i = 1;
            true
        }
        b'+' => {
            i = 1;
            false
        }
        _ => false,
    };
    let (base, signed) = if at(i) == b'0' {
        match at(i + 1) {
            b'x' | b'X' => (16, false),
            b'o' | b'O' => (8, false),
            b'b' | b'B' => (2, false),
            b'u' | b'U' => (10, false),
            _ => (10, true),
        }
    } else {
        (10, true)
    };
    if !(base == 10 && signed) {
        i += 2;
    }
    let first = digit_value(at(i)).filter(|&d| d < base).ok_or(())?;
    let mut acc: u64 = first;
    i += 1;
    while i < s.len() {
        let c = s[i];
        if c != b'_' {
            match digit_value(c).filter(|&d| d < base) {
                Some(d) => acc = acc.checked_mul(base).and_then(|v| v.checked_add(d)).ok_or(())?,
                None => return Err(()), // stops before the end of the string
            }
        }
        i += 1;
    }
    let half = 1u64 << (nbits - 1);
    if signed {
        if (!negative && acc >= half) || (negative && acc > half) {
            return Err(());
        }
    } else if nbits < 64 && acc >= (1u64 << nbits) {
        return Err(());
    }
    let v = if negative { (acc as i64).wrapping_neg() } else { acc as i64 };
    let shift = 64 - nbits;
    Ok(v.wrapping_shl(shift).wrapping_shr(shift))
}

// ---------------------------------------------------------------------------------------
// A printf for one argument
// ---------------------------------------------------------------------------------------

/// The C length modifier of a conversion.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Len {
    None,
    Char,  // hh
    Short, // h
    Long,  // l, j, z, Z, t
    Quad,  // ll, q, L: 64-bit for integers, long double for floats
}

/// One parsed `%` conversion.
#[derive(Clone, Copy, Debug)]
struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    prec: Option<usize>,
    len: Len,
    conv: u8,
}

/// Largest width or precision glibc accepts; beyond it printf fails with EOVERFLOW.
const INT_MAX: usize = i32::MAX as usize;

fn read_number(f: &[u8], i: &mut usize) -> Result<usize, ()> {
    let mut n: usize = 0;
    while let Some(&c) = f.get(*i) {
        if !c.is_ascii_digit() {
            break;
        }
        n = n * 10 + (c - b'0') as usize;
        if n > INT_MAX {
            return Err(());
        }
        *i += 1;
    }
    Ok(n)
}

/// Parses the conversion starting just after a `%` at `f[*i]`.
fn parse_spec(f: &[u8], i: &mut usize) -> Result<Spec, ()> {
    let mut s = Spec {
        minus: false,
        plus: false,
        space: false,
        alt: false,
        zero: false,
        width: 0,
        prec: None,
        len: Len::None,
        conv: 0,
    };
    // Positional arguments ("%1$d") are not supported.
    let mut j = *i;
    while f.get(j).is_some_and(|c| c.is_ascii_digit()) {
        j += 1;
    }
    if j > *i && f.get(j) == Some(&b'$') {
        return Err(());
    }
    loop {
        match f.get(*i) {
            Some(b'-') => s.minus = true,
            Some(b'+') => s.plus = true,
            Some(b' ') => s.space = true,
            Some(b'#') => s.alt = true,
            Some(b'0') => s.zero = true,
            // Thousands grouping and locale digits: no effect in the C locale.
            Some(b'\'') | Some(b'I') => {}
            _ => break,
        }
        *i += 1;
    }
    if f.get(*i) == Some(&b'*') {
        return Err(());
    }
    s.width = read_number(f, i)?;
    if f.get(*i) == Some(&b'.') {
        *i += 1;
        if f.get(*i) == Some(&b'*') {
            return Err(());
        }
        s.prec = Some(read_number(f, i)?);
    }
    let at = |k: usize| f.get(k).copied().unwrap_or(0);
    s.len = match at(*i) {
        b'h' if at(*i + 1) == b'h' => {
            *i += 2;
            Len::Char
        }
        b'h' => {
            *i += 1;
            Len::Short
        }
        b'l' if at(*i + 1) == b'l' => {
            *i += 2;
            Len::Quad
        }
        b'l' | b'j' | b'z' | b'Z' | b't' => {
            *i += 1;
            Len::Long
        }
        b'q' | b'L' => {
            *i += 1;
            Len::Quad
        }
        _ => Len::None,
    };
    s.conv = f.get(*i).copied().ok_or(())?;
    *i += 1;
    Ok(s)
}

/// Runs a C format string (already cut at its first NUL) with at most one argument
/// conversion, rendered by `conv`, appending to `out` (left as it was on `Err`). Literal
/// bytes are copied and `%%` gives `%`. A format that is not UTF-8 is refused (its output
/// would not be: conversions only add ASCII between the literal runs).
fn printf_one(
    f: &[u8],
    out: &mut Vec<u8>,
    mut conv: impl FnMut(&Spec, &mut Vec<u8>) -> Result<(), ()>,
) -> Result<(), ()> {
    if !f.is_ascii() && std::str::from_utf8(f).is_err() {
        return Err(());
    }
    let start = out.len();
    let result = (|| {
        let mut used = false;
        let mut i = 0;
        while i < f.len() {
            let c = f[i];
            i += 1;
            if c != b'%' {
                out.push(c);
                continue;
            }
            let spec = parse_spec(f, &mut i)?;
            if spec.conv == b'%' {
                out.push(b'%');
                continue;
            }
            if used {
                return Err(()); // a second argument would be read from nowhere
            }
            used = true;
            conv(&spec, out)?;
        }
        if out.len() - start > INT_MAX {
            return Err(());
        }
        Ok(())
    })();
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Lays out the conversion written at `out[start..]` (its first `lead` bytes the sign and
/// prefix) in the field width: spaces on the left, on the right with `-`, or zeros between
/// the lead and the body with `0` (when `zero_ok`).
fn pad_in_place(
    s: &Spec,
    out: &mut Vec<u8>,
    start: usize,
    lead: usize,
    zero_ok: bool,
) -> Result<(), ()> {
    let len = out.len() - start;
    let fill = s.width.saturating_sub(len);
    if len + fill > INT_MAX {
        return Err(());
    }
    if fill == 0 {
        return Ok(());
    }
    if s.minus {
        out.resize(out.len() + fill, b' ');
    } else {
        let (at, c) = if s.zero && zero_ok { (start + lead, b'0') } else { (start, b' ') };
        out.splice(at..at, std::iter::repeat_n(c, fill));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Integer formatting
// ---------------------------------------------------------------------------------------

/// Appends the digits of `n` in `base` (8, 10 or 16; `upper` for `X`).
fn push_digits(out: &mut Vec<u8>, mut n: u64, base: u64, upper: bool) {
    let hex = if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    let mut buf = [0u8; 24];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = hex[(n % base) as usize];
        n /= base;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Renders one integer conversion, appended to `out`. `reg` is the 64-bit register
/// holding the argument; the length modifier says how much of it printf reads.
fn int_conv(s: &Spec, reg: u64, out: &mut Vec<u8>) -> Result<(), ()> {
    let (negative, mag) = match s.conv {
        b'd' | b'i' => {
            let v: i64 = match s.len {
                Len::None => reg as u32 as i32 as i64,
                Len::Short => reg as u16 as i16 as i64,
                Len::Char => reg as u8 as i8 as i64,
                Len::Long | Len::Quad => reg as i64,
            };
            (v < 0, v.unsigned_abs())
        }
        b'u' | b'o' | b'x' | b'X' => {
            let v: u64 = match s.len {
                Len::None => reg as u32 as u64,
                Len::Short => reg as u16 as u64,
                Len::Char => reg as u8 as u64,
                Len::Long | Len::Quad => reg,
            };
            (false, v)
        }
        _ => return Err(()),
    };
    let start = out.len();
    let sign: &[u8] = match s.conv {
        b'd' | b'i' if negative => b"-",
        b'd' | b'i' if s.plus => b"+",
        b'd' | b'i' if s.space => b" ",
        _ => b"",
    };
    let prefix: &[u8] = match s.conv {
        b'x' if s.alt && mag != 0 => b"0x",
        b'X' if s.alt && mag != 0 => b"0X",
        _ => b"",
    };
    out.extend_from_slice(sign);
    out.extend_from_slice(prefix);
    let body = out.len();
    if !(s.prec == Some(0) && mag == 0) {
        let base = match s.conv {
            b'o' => 8,
            b'x' | b'X' => 16,
            _ => 10,
        };
        push_digits(out, mag, base, s.conv == b'X');
    }
    if let Some(p) = s.prec {
        let n = out.len() - body;
        if n < p {
            out.splice(body..body, std::iter::repeat_n(b'0', p - n));
        }
    }
    if s.alt && s.conv == b'o' && out.get(body) != Some(&b'0') {
        out.insert(body, b'0');
    }
    pad_in_place(s, out, start, sign.len() + prefix.len(), s.prec.is_none())
}

/// Formats `n` with an OCaml-side integer format such as `"%d"`, `"%-8x"`, `"%#Lo"`, as
/// `caml_format_int`, `caml_int32_format`, `caml_int64_format` and
/// `caml_nativeint_format` do. One `l`, `n` or `L` just before the final letter is
/// dropped and the C size for the kind substituted. For [`IntKind::Int`], `n` is the
/// untagged value and `u`/`x`/`X`/`o` print it modulo 2^63 (`"%x"` of -1 is
/// `7fffffffffffffff`); for [`IntKind::Int32`] they use 32 bits.
///
/// `Err(())` when the format is 30 bytes or longer (31 for int32; the stock runtime raises
/// `Invalid_argument "format_int: format too long"`), and for formats whose C behaviour
/// is undefined (no final letter, `*`, several or non-integer conversions).
#[cfg(test)]
pub fn format_int(fmt: &[u8], n: i64, kind: IntKind) -> Result<String, ()> {
    let mut out = Vec::new();
    format_int_into(fmt, n, kind, &mut out)?;
    String::from_utf8(out).map_err(|_| ())
}

/// [`format_int`], appended to `out` (left as it was on `Err`).
pub fn format_int_into(fmt: &[u8], n: i64, kind: IntKind, out: &mut Vec<u8>) -> Result<(), ()> {
    let suffix: &[u8] = if kind == IntKind::Int32 { b"" } else { b"l" };
    if fmt.is_empty() || fmt.len() + suffix.len() + 1 >= 32 {
        return Err(());
    }
    let last = fmt[fmt.len() - 1];
    let mut stem = fmt.len() - 1;
    if stem >= 1 && matches!(fmt[stem - 1], b'l' | b'n' | b'L') {
        stem -= 1;
    }
    // The C format: the stem, the size letter for the kind, the final letter (< 32 bytes).
    let mut c_fmt = [0u8; 32];
    c_fmt[..stem].copy_from_slice(&fmt[..stem]);
    c_fmt[stem..stem + suffix.len()].copy_from_slice(suffix);
    c_fmt[stem + suffix.len()] = last;
    let c_len = stem + suffix.len() + 1;
    let c_len = c_fmt[..c_len].iter().position(|&c| c == 0).unwrap_or(c_len);
    // The argument as printf receives it: the final letter of the OCaml format decides
    // whether an int is passed as Long_val or Unsigned_long_val.
    let reg: u64 = match kind {
        IntKind::Int if matches!(last, b'u' | b'x' | b'X' | b'o') => {
            (n as u64) & 0x7fff_ffff_ffff_ffff
        }
        IntKind::Int => (n.wrapping_shl(1) >> 1) as u64,
        IntKind::Int32 => n as i32 as i64 as u64,
        IntKind::Int64 | IntKind::Nativeint => n as u64,
    };
    printf_one(&c_fmt[..c_len], out, |s, out| {
        if kind == IntKind::Int32 && matches!(s.len, Len::Long | Len::Quad) {
            return Err(()); // a 64-bit read of a 32-bit argument
        }
        int_conv(s, reg, out)
    })
}
