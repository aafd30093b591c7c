//! Text forms of numbers, as the stock runtime's C primitives produce and accept them.
//!
//! This module owns the exact byte-level semantics of `caml_int_of_string` and its
//! int32/int64/nativeint siblings, `caml_format_int` and siblings, `caml_format_float`
//! (a C `printf` for one double, as glibc renders it), `caml_hexstring_of_float` and
//! `caml_float_of_string` (including its own hexadecimal parser and glibc `strtod` for
//! the rest). It is pure: no runtime values, only bytes in and numbers or text out.
//! Formats whose C behaviour is undefined (two conversions, `*` widths, mismatched
//! argument types) are refused with `Err(())` rather than guessed.

// `Err(())` is deliberate: the caller knows which OCaml exception and message to raise.
#![allow(clippy::result_unit_err)]

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
                Some(d) => {
                    acc = acc
                        .checked_mul(base)
                        .and_then(|v| v.checked_add(d))
                        .ok_or(())?
                }
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
    let v = if negative {
        (acc as i64).wrapping_neg()
    } else {
        acc as i64
    };
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
/// conversion, rendered by `conv`. Literal bytes are copied and `%%` gives `%`.
fn printf_one(f: &[u8], mut conv: impl FnMut(&Spec) -> Result<Vec<u8>, ()>) -> Result<String, ()> {
    let mut out = Vec::new();
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
        out.extend_from_slice(&conv(&spec)?);
    }
    if out.len() > INT_MAX {
        return Err(());
    }
    String::from_utf8(out).map_err(|_| ())
}

/// Lays out `sign`, `prefix` and `body` in the field width: spaces on the left, on the
/// right with `-`, or zeros between prefix and body with `0` (when `zero_ok`).
fn pad(s: &Spec, sign: &[u8], prefix: &[u8], body: &[u8], zero_ok: bool) -> Result<Vec<u8>, ()> {
    let len = sign.len() + prefix.len() + body.len();
    let fill = s.width.saturating_sub(len);
    if len + fill > INT_MAX {
        return Err(());
    }
    let mut out = Vec::with_capacity(len + fill);
    if s.minus {
        out.extend_from_slice(sign);
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
        out.resize(len + fill, b' ');
    } else if s.zero && zero_ok {
        out.extend_from_slice(sign);
        out.extend_from_slice(prefix);
        out.resize(sign.len() + prefix.len() + fill, b'0');
        out.extend_from_slice(body);
    } else {
        out.resize(fill, b' ');
        out.extend_from_slice(sign);
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Integer formatting
// ---------------------------------------------------------------------------------------

/// Renders one integer conversion. `reg` is the 64-bit register holding the argument;
/// the length modifier says how much of it printf reads.
fn int_conv(s: &Spec, reg: u64) -> Result<Vec<u8>, ()> {
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
    let mut digits = match s.conv {
        b'o' => format!("{:o}", mag),
        b'x' => format!("{:x}", mag),
        b'X' => format!("{:X}", mag),
        _ => format!("{}", mag),
    }
    .into_bytes();
    if let Some(p) = s.prec {
        if p == 0 && mag == 0 {
            digits.clear();
        }
        if digits.len() < p {
            let mut z = vec![b'0'; p - digits.len()];
            z.extend_from_slice(&digits);
            digits = z;
        }
    }
    if s.alt && s.conv == b'o' && digits.first() != Some(&b'0') {
        digits.insert(0, b'0');
    }
    let prefix: &[u8] = match s.conv {
        b'x' if s.alt && mag != 0 => b"0x",
        b'X' if s.alt && mag != 0 => b"0X",
        _ => b"",
    };
    let sign: &[u8] = match s.conv {
        b'd' | b'i' if negative => b"-",
        b'd' | b'i' if s.plus => b"+",
        b'd' | b'i' if s.space => b" ",
        _ => b"",
    };
    pad(s, sign, prefix, &digits, s.prec.is_none())
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
pub fn format_int(fmt: &[u8], n: i64, kind: IntKind) -> Result<String, ()> {
    let suffix: &[u8] = if kind == IntKind::Int32 { b"" } else { b"l" };
    if fmt.is_empty() || fmt.len() + suffix.len() + 1 >= 32 {
        return Err(());
    }
    let last = fmt[fmt.len() - 1];
    let mut stem = fmt.len() - 1;
    if stem >= 1 && matches!(fmt[stem - 1], b'l' | b'n' | b'L') {
        stem -= 1;
    }
    let mut c_fmt = fmt[..stem].to_vec();
    c_fmt.extend_from_slice(suffix);
    c_fmt.push(last);
    if let Some(nul) = c_fmt.iter().position(|&c| c == 0) {
        c_fmt.truncate(nul);
    }
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
    printf_one(&c_fmt, |s| {
        if kind == IntKind::Int32 && matches!(s.len, Len::Long | Len::Quad) {
            return Err(()); // a 64-bit read of a 32-bit argument
        }
        int_conv(s, reg)
    })
}

// ---------------------------------------------------------------------------------------
// Float formatting
// ---------------------------------------------------------------------------------------

/// Precision beyond which every digit of a double is an exact zero (a double has at most
/// 1074 fraction digits and 767 significant ones); Rust's formatter is asked for at most
/// this many and the rest are zeros appended here.
const EXACT_DIGITS: usize = 1100;

/// `%.{prec}f` of a non-negative finite `x`, correctly rounded (ties to even, as glibc).
fn fixed_digits(x: f64, prec: usize) -> Vec<u8> {
    let p = prec.min(EXACT_DIGITS);
    let mut s = format!("{:.*}", p, x).into_bytes();
    s.resize(s.len() + (prec - p), b'0');
    s
}

/// `%.{prec}e` of a non-negative finite `x`: the mantissa `d[.ddd]` and the exponent.
fn sci_digits(x: f64, prec: usize) -> (Vec<u8>, i64) {
    let p = prec.min(EXACT_DIGITS);
    let s = format!("{:.*e}", p, x);
    let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let mut mant = mant.as_bytes().to_vec();
    mant.resize(mant.len() + (prec - p), b'0');
    (mant, exp.parse().unwrap_or(0))
}

/// 10^p for p <= 22, exact.
fn pow10(p: usize) -> f64 {
    format!("1e{}", p).parse().unwrap_or(f64::INFINITY)
}

fn push_exponent(out: &mut Vec<u8>, letter: u8, e: i64) {
    out.push(letter);
    out.push(if e < 0 { b'-' } else { b'+' });
    let digits = e.unsigned_abs().to_string();
    if digits.len() < 2 {
        out.push(b'0');
    }
    out.extend_from_slice(digits.as_bytes());
}

fn strip_fraction_zeros(s: &mut Vec<u8>) {
    if s.contains(&b'.') {
        while s.last() == Some(&b'0') {
            s.pop();
        }
        if s.last() == Some(&b'.') {
            s.pop();
        }
    }
}

/// The `%a` body (after the sign) of a non-negative finite `x`, glibc style: leading
/// digit 1 for normals and 0 for subnormals, rounding to `prec` digits ties to even and
/// carrying into the leading digit without renormalising (`"%.0a"` of 1.5 is `0x2p+0`).
fn hex_float_body(x: f64, prec: Option<usize>, alt: bool, upper: bool) -> (Vec<u8>, Vec<u8>) {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let mut frac = bits & ((1u64 << 52) - 1);
    let (mut lead, exp) = match (biased, frac) {
        (0, 0) => (0u64, 0i64),
        (0, _) => (0, -1022),
        _ => (1, biased - 1023),
    };
    if let Some(p) = prec.filter(|&p| p < 13) {
        let drop = 52 - 4 * p as u32;
        let unit = 1u64 << drop;
        let half = unit >> 1;
        let rest = frac & (unit - 1);
        frac &= !(unit - 1);
        let odd = if p == 0 {
            lead & 1 == 1
        } else {
            frac & unit != 0
        };
        if rest > half || (rest == half && odd) {
            frac += unit;
            if frac >> 52 != 0 {
                frac &= (1u64 << 52) - 1;
                lead += 1;
            }
        }
    }
    let hex = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut digits: Vec<u8> = (0..13)
        .map(|k| hex[((frac >> (48 - 4 * k)) & 0xf) as usize])
        .collect();
    match prec {
        None => {
            while digits.last() == Some(&b'0') {
                digits.pop();
            }
        }
        Some(p) => digits.resize(p, b'0'),
    }
    let prefix = if upper {
        b"0X".to_vec()
    } else {
        b"0x".to_vec()
    };
    let mut body = vec![hex[lead as usize]];
    if !digits.is_empty() || alt {
        body.push(b'.');
        body.extend_from_slice(&digits);
    }
    push_exponent_hex(&mut body, if upper { b'P' } else { b'p' }, exp);
    (prefix, body)
}

fn push_exponent_hex(out: &mut Vec<u8>, letter: u8, e: i64) {
    out.push(letter);
    out.push(if e < 0 { b'-' } else { b'+' });
    out.extend_from_slice(e.unsigned_abs().to_string().as_bytes());
}

/// Renders one floating-point conversion (`f F e E g G a A`) of `x`.
fn float_conv(s: &Spec, x: f64) -> Result<Vec<u8>, ()> {
    if s.len == Len::Quad {
        return Err(()); // `L`, `ll` or `q` would read a long double
    }
    let upper = s.conv.is_ascii_uppercase();
    if !matches!(s.conv.to_ascii_lowercase(), b'f' | b'e' | b'g' | b'a') {
        return Err(());
    }
    let sign: &[u8] = if x.is_sign_negative() {
        b"-"
    } else if s.plus {
        b"+"
    } else if s.space {
        b" "
    } else {
        b""
    };
    if !x.is_finite() {
        let word: &[u8] = match (x.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        return pad(s, sign, b"", word, false);
    }
    let a = x.abs();
    let exp_letter = if upper { b'E' } else { b'e' };
    let body = match s.conv.to_ascii_lowercase() {
        b'f' => {
            let p = s.prec.unwrap_or(6);
            let mut d = fixed_digits(a, p);
            if p == 0 && s.alt {
                d.push(b'.');
            }
            d
        }
        b'e' => {
            let (mut m, e) = sci_digits(a, s.prec.unwrap_or(6));
            if s.alt && !m.contains(&b'.') {
                m.push(b'.');
            }
            push_exponent(&mut m, exp_letter, e);
            m
        }
        b'g' => {
            let p = match s.prec.unwrap_or(6) {
                0 => 1,
                p => p,
            };
            let (mut m, e) = sci_digits(a, p - 1);
            if e == p as i64 && p <= 22 && a < pow10(p) {
                // glibc picks the style from the unrounded exponent (p - 1, fixed style
                // with no fraction digits); when rounding then carries to 10^p it switches
                // to exponent style but keeps that zero digit count: "%#g" of 999999.5
                // is "1.e+06". Without '#' this equals the standard result.
                m = b"1".to_vec();
            }
            if e < -4 || e >= p as i64 {
                if s.alt {
                    if !m.contains(&b'.') {
                        m.push(b'.');
                    }
                } else {
                    strip_fraction_zeros(&mut m);
                }
                push_exponent(&mut m, exp_letter, e);
                m
            } else {
                // -4 <= e < p, so this precision is in 0..p+4.
                let fp = (p as i64 - 1 - e) as usize;
                let mut d = fixed_digits(a, fp);
                if s.alt {
                    if !d.contains(&b'.') {
                        d.push(b'.');
                    }
                } else {
                    strip_fraction_zeros(&mut d);
                }
                d
            }
        }
        _ => {
            let (prefix, body) = hex_float_body(a, s.prec, s.alt, upper);
            return pad(s, sign, &prefix, &body, true);
        }
    };
    pad(s, sign, b"", &body, true)
}

/// Formats `x` with a C printf format, as `caml_format_float` does with glibc (the format
/// is read up to its first NUL). Printf sends formats like `"%.6f"`, `"%+.12g"`, but any
/// one-conversion format works: flags `-+ #0`, width, precision, and `f F e E g G a A`.
/// Digits are exact and correctly rounded (ties to even); infinities and NaNs print as
/// `inf`/`nan` (`INF`/`NAN` for upper-case conversions) with their sign and space
/// padding. `Err(())` for a format whose C behaviour is undefined or fails (a non-float
/// conversion, `%Lf`, `*`, two conversions, a width over `INT_MAX`), or whose literal
/// text is not UTF-8; the stock runtime would raise `Out_of_memory` or misbehave there.
pub fn format_float(fmt: &[u8], x: f64) -> Result<String, ()> {
    let end = fmt.iter().position(|&c| c == 0).unwrap_or(fmt.len());
    printf_one(&fmt[..end], |s| float_conv(s, x))
}

/// `caml_hexstring_of_float`, the `%h`/`%H`/`%#F` conversions of Printf: `[-]0x1.8p+3`.
///
/// `prec` < 0 prints as many hex digits as needed; 0..=12 rounds the mantissa (ties to
/// even, carrying into the leading digit: 3.0 at precision 0 is `0x2p+1`); larger values
/// pad with zeros. `style` `b'+'` or `b' '` is put before non-negative numbers.
/// Infinities print `infinity`, NaNs `nan`, after the same sign. Subnormals have leading
/// digit 0 and exponent -1022; zero is `0x0p+0`. The caller must bound `prec` (the stock
/// runtime allocates `prec + 12` bytes and fails with `Out_of_memory` when it cannot).
pub fn hexstring_of_float(x: f64, prec: i64, style: u8) -> String {
    let bits = x.to_bits();
    let mut out = String::new();
    if bits >> 63 != 0 {
        out.push('-');
    } else if style == b'+' || style == b' ' {
        out.push(style as char);
    }
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let mut m = bits & ((1u64 << 52) - 1);
    if biased == 0x7ff {
        out.push_str(if m == 0 { "infinity" } else { "nan" });
        return out;
    }
    out.push_str("0x");
    let exp = if biased == 0 {
        if m != 0 {
            -1022
        } else {
            0
        }
    } else {
        m |= 1u64 << 52;
        biased - 1023
    };
    if (0..13).contains(&prec) {
        let unit = 1u64 << (52 - 4 * prec as u32);
        let half = unit >> 1;
        let rest = m & (unit - 1);
        m &= !(unit - 1);
        if rest > half || (rest == half && m & unit != 0) {
            m += unit;
        }
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // The mantissa sits in bits 52..56 (leading digit) and 0..52 (13 fraction digits).
    let next_digit = |m: &mut u64| {
        let d = (*m >> 52) as usize & 0xf;
        *m = (*m << 4) & ((1u64 << 56) - 1);
        HEX[d] as char
    };
    out.push(next_digit(&mut m));
    let mut left = prec;
    if if prec >= 0 { left > 0 } else { m != 0 } {
        out.push('.');
        while if prec >= 0 { left > 0 } else { m != 0 } {
            out.push(next_digit(&mut m));
            left -= 1;
        }
    }
    out.push('p');
    if exp >= 0 {
        out.push('+');
    }
    out.push_str(&exp.to_string());
    out
}

// ---------------------------------------------------------------------------------------
// Float parsing
// ---------------------------------------------------------------------------------------

/// `x * 2^n` rounded once, as C `ldexp` does in the default rounding mode.
fn ldexp(x: f64, n: i64) -> f64 {
    let p = |k: i64| f64::from_bits(((0x3ff + k) as u64) << 52);
    let mut y = x;
    let mut n = n;
    if n > 1023 {
        y *= p(1023);
        n -= 1023;
        if n > 1023 {
            y *= p(1023);
            n -= 1023;
            n = n.min(1023);
        }
    } else if n < -1022 {
        // Scale by 2^-969 steps so that the final multiplication is the only rounding.
        y *= p(-1022) * p(53);
        n += 1022 - 53;
        if n < -1022 {
            y *= p(-1022) * p(53);
            n += 1022 - 53;
            n = n.max(-1022);
        }
    }
    y * p(n)
}

/// The value `m * 2^e2` rounded once to the nearest double, ties to even. The lowest bit
/// of `m` may be a sticky bit standing for further nonzero bits below it, as long as `m`
/// has at least two bits more than the result keeps.
fn round_to_f64(m: u64, e2: i64) -> f64 {
    if m == 0 {
        return 0.0;
    }
    let lz = m.leading_zeros() as i64;
    let m = m << lz; // top bit at 63
    let e2 = e2 - lz; // value = m * 2^e2, m in [2^63, 2^64)
    let top = e2 + 63; // exponent of the leading bit
    if top > 1023 {
        return f64::INFINITY;
    }
    // Bits kept: 53 for normals, fewer for subnormals (leading bit at 2^top, last kept
    // bit at 2^-1074).
    let keep = if top >= -1022 { 53 } else { top + 1074 + 1 };
    if keep < 0 {
        return 0.0; // below half of the smallest subnormal
    }
    let drop = (64 - keep) as u32; // 11..=64
    let (kept, rest, half) = if drop == 64 {
        (0u64, m, 1u64 << 63)
    } else {
        (m >> drop, m & ((1u64 << drop) - 1), 1u64 << (drop - 1))
    };
    let mut q = kept;
    if rest > half || (rest == half && q & 1 == 1) {
        q += 1;
    }
    // q * 2^(top - keep + 1); ldexp is exact here since q has at most 54 bits and the
    // result is representable (or overflows to infinity, as it should).
    ldexp(q as f64, top - keep + 1)
}

fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The hexadecimal parser of `caml_float_of_string`, on the text after `0x`. It keeps
/// 60 bits with a sticky bit, converts them to a double, then scales with `ldexp`
/// (so a subnormal result can be rounded twice, exactly as the stock runtime does).
fn caml_float_of_hex(s: &[u8]) -> Result<f64, ()> {
    let mut m: u64 = 0;
    let mut n_bits: i64 = 0;
    let mut m_bits: i64 = 0;
    let mut x_bits: i64 = 0;
    let mut dec_point: i64 = -1;
    let mut exp: i64 = 0;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        match c {
            b'.' => {
                if dec_point >= 0 {
                    return Err(());
                }
                dec_point = n_bits;
            }
            b'p' | b'P' => {
                if i >= s.len() {
                    return Err(());
                }
                let e = c_strtol_all(&s[i..])?;
                if e <= i32::MIN as i64 {
                    return Ok(0.0);
                } else if e >= i32::MAX as i64 {
                    return Ok(if m == 0 { 0.0 } else { f64::INFINITY });
                }
                exp = e;
                i = s.len();
            }
            _ => {
                let d = digit_value(c).ok_or(())?;
                n_bits += 4;
                if d == 0 && m == 0 {
                    continue;
                }
                if m_bits < 60 {
                    m = (m << 4) + d;
                    m_bits += 4;
                } else {
                    if d != 0 {
                        m |= 1;
                    }
                    x_bits += 4;
                }
            }
        }
    }
    if n_bits == 0 {
        return Err(());
    }
    let f = m as i64 as f64;
    let mut adj = x_bits;
    if dec_point >= 0 {
        adj += dec_point - n_bits;
    }
    let exp = (exp + adj).clamp(i32::MIN as i64, i32::MAX as i64);
    Ok(if exp != 0 { ldexp(f, exp) } else { f })
}

/// C `strtol(s, &end, 10)` that must consume all of `s`: leading white space, a sign,
/// decimal digits; saturates at the 64-bit `long` range.
fn c_strtol_all(s: &[u8]) -> Result<i64, ()> {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut mag: u64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        mag = mag.saturating_mul(10).saturating_add((s[i] - b'0') as u64);
        i += 1;
    }
    if i == start || i != s.len() {
        return Err(());
    }
    Ok(if negative {
        if mag > i64::MAX as u64 {
            i64::MIN
        } else {
            -(mag as i64)
        }
    } else {
        mag.min(i64::MAX as u64) as i64
    })
}

/// C `strtoull(s, &end, 0)` that must consume all of `s` (no sign or space can occur
/// here); saturates at `u64::MAX`. `None` if it stops early.
fn c_strtoull_base0(s: &[u8]) -> Option<u64> {
    let (base, digits) = if (s.starts_with(b"0x") || s.starts_with(b"0X"))
        && s.get(2).and_then(|&c| digit_value(c)).is_some()
    {
        (16, &s[2..])
    } else if s.first() == Some(&b'0') {
        (8, s)
    } else {
        (10, s)
    };
    let mut v: u64 = 0;
    for &c in digits {
        let d = digit_value(c).filter(|&d| d < base)?;
        v = v.saturating_mul(base).saturating_add(d);
    }
    Some(v)
}

/// glibc `strtod` in the C locale, required to consume all of `s` (which has no NUL).
fn c_strtod_all(s: &[u8]) -> Result<f64, ()> {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let rest = &s[i..];
    let apply_sign = |v: f64| if negative { -v } else { v };
    if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
        return Ok(apply_sign(f64::INFINITY));
    }
    if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"nan") {
        let mut bits: u64 = 0x7ff8_0000_0000_0000;
        let tail = &rest[3..];
        if !tail.is_empty() {
            // nan(n-char-sequence): letters, digits and '_' in parentheses; a sequence
            // that reads fully as a C integer becomes the payload.
            let seq = tail
                .strip_prefix(b"(")
                .and_then(|t| t.strip_suffix(b")"))
                .ok_or(())?;
            if !seq.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_') {
                return Err(());
            }
            if let Some(payload) = c_strtoull_base0(seq) {
                let payload = payload & ((1u64 << 51) - 1);
                bits |= payload;
            }
        }
        let v = f64::from_bits(bits);
        return Ok(apply_sign(v));
    }
    if rest.len() > 2 && rest[0] == b'0' && (rest[1] == b'x' || rest[1] == b'X') {
        return c_strtod_hex(&rest[2..]).map(apply_sign);
    }
    // Decimal: digits [. digits] (at least one digit), then e[sign]digits.
    let mut j = 0;
    let mut ndigits = 0;
    while j < rest.len() && rest[j].is_ascii_digit() {
        j += 1;
        ndigits += 1;
    }
    if j < rest.len() && rest[j] == b'.' {
        j += 1;
        while j < rest.len() && rest[j].is_ascii_digit() {
            j += 1;
            ndigits += 1;
        }
    }
    if ndigits == 0 {
        return Err(());
    }
    if j < rest.len() && (rest[j] == b'e' || rest[j] == b'E') {
        let mut k = j + 1;
        if k < rest.len() && (rest[k] == b'+' || rest[k] == b'-') {
            k += 1;
        }
        let d0 = k;
        while k < rest.len() && rest[k].is_ascii_digit() {
            k += 1;
        }
        if k > d0 {
            j = k;
        }
    }
    if j != rest.len() {
        return Err(());
    }
    // The text is plain ASCII and in Rust's float grammar, which rounds correctly.
    let text = std::str::from_utf8(rest).map_err(|_| ())?;
    text.parse::<f64>().map(apply_sign).map_err(|_| ())
}

/// glibc `strtod` of a hexadecimal constant after `0x`, fully consumed, correctly
/// rounded: hex digits with at most one `.`, at least one digit, then `p[sign]digits`.
fn c_strtod_hex(s: &[u8]) -> Result<f64, ()> {
    let mut m: u64 = 0; // top 60 significant bits, lowest bit sticky
    let mut m_bits: i64 = 0;
    let mut e2: i64 = 0; // value = m * 2^e2 (before the p exponent)
    let mut seen_point = false;
    let mut ndigits = 0;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'.' && !seen_point {
            seen_point = true;
        } else if let Some(d) = digit_value(c) {
            ndigits += 1;
            if m == 0 && d == 0 {
                if seen_point {
                    e2 = e2.saturating_sub(4);
                }
            } else if m_bits < 60 {
                m = (m << 4) | d;
                m_bits += 4;
                if seen_point {
                    e2 = e2.saturating_sub(4);
                }
            } else {
                if d != 0 {
                    m |= 1;
                }
                if !seen_point {
                    e2 = e2.saturating_add(4);
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if ndigits == 0 {
        return Err(());
    }
    if i < s.len() {
        if s[i] != b'p' && s[i] != b'P' {
            return Err(());
        }
        let mut k = i + 1;
        let negative = match s.get(k) {
            Some(b'-') => {
                k += 1;
                true
            }
            Some(b'+') => {
                k += 1;
                false
            }
            _ => false,
        };
        let d0 = k;
        let mut e: i64 = 0;
        while k < s.len() && s[k].is_ascii_digit() {
            e = e.saturating_mul(10).saturating_add((s[k] - b'0') as i64);
            k += 1;
        }
        if k == d0 || k != s.len() {
            return Err(());
        }
        e2 = e2.saturating_add(if negative { -e } else { e });
    }
    // Keep the exponent in a range where round_to_f64 cannot overflow its arithmetic.
    Ok(round_to_f64(m, e2.clamp(-1 << 40, 1 << 40)))
}

/// Parses a float as `caml_float_of_string`: all `_` are removed first; then a string
/// starting (after an optional sign) with `0x`/`0X` goes to the runtime's own hexadecimal
/// parser, anything else to C `strtod`, which allows leading white space (but not
/// trailing), decimal with exponent, `inf`, `infinity`, `nan`, `nan(payload)` (all case
/// insensitive) and, after white space, hexadecimal again. The whole string must be
/// used. `Err(())` means the caller raises `Failure "float_of_string"`.
pub fn parse_float(s: &[u8]) -> Result<f64, ()> {
    let buf: Vec<u8> = s.iter().copied().filter(|&c| c != b'_').collect();
    if buf.is_empty() || buf.contains(&0) {
        return Err(());
    }
    let (negative, body) = match buf[0] {
        b'-' => (true, &buf[1..]),
        b'+' => (false, &buf[1..]),
        _ => (false, &buf[..]),
    };
    if body.len() >= 2 && body[0] == b'0' && (body[1] == b'x' || body[1] == b'X') {
        let v = caml_float_of_hex(&body[2..])?;
        return Ok(if negative { -v } else { v });
    }
    c_strtod_all(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every expected value below was produced by the stock OCaml 5.3.0 `ocamlrun` (glibc,
    // x86-64), calling the primitives through `external` declarations
    // (caml_int_of_string & co., caml_format_int & co., caml_format_float,
    // caml_hexstring_of_float, caml_float_of_string). Floats are given as bit patterns.

    const PARSE_INT: &[(&[u8], u32, Result<i64, ()>)] = &[
        (b"0", 63, Ok(0)),
        (b"-0", 63, Ok(0)),
        (b"+7", 63, Ok(7)),
        (b"12_345", 63, Ok(12345)),
        (b"1_", 63, Ok(1)),
        (b"_1", 63, Err(())),
        (b"0x_1", 63, Err(())),
        (b"0xff", 63, Ok(255)),
        (b"0XfF", 63, Ok(255)),
        (b"0o17", 63, Ok(15)),
        (b"0o18", 63, Err(())),
        (b"0b101", 63, Ok(5)),
        (b"0B102", 63, Err(())),
        (b"0u42", 63, Ok(42)),
        (b"-0u1", 63, Ok(-1)),
        (b"", 63, Err(())),
        (b"-", 63, Err(())),
        (b"0x", 63, Err(())),
        (b"4611686018427387903", 63, Ok(4611686018427387903)),
        (b"4611686018427387904", 63, Err(())),
        (b"-4611686018427387904", 63, Ok(-4611686018427387904)),
        (b"-4611686018427387905", 63, Err(())),
        (b"0x3fffffffffffffff", 63, Ok(4611686018427387903)),
        (b"0x4000000000000000", 63, Ok(-4611686018427387904)),
        (b"0x7fffffffffffffff", 63, Ok(-1)),
        (b"-0x7fffffffffffffff", 63, Ok(1)),
        (b"0x8000000000000000", 63, Err(())),
        (b"0u9223372036854775807", 63, Ok(-1)),
        (b"2147483647", 32, Ok(2147483647)),
        (b"2147483648", 32, Err(())),
        (b"-2147483648", 32, Ok(-2147483648)),
        (b"-2147483649", 32, Err(())),
        (b"0xffffffff", 32, Ok(-1)),
        (b"-0xffffffff", 32, Ok(1)),
        (b"0x100000000", 32, Err(())),
        (b"0u4294967295", 32, Ok(-1)),
        (b"9223372036854775807", 64, Ok(9223372036854775807)),
        (b"9223372036854775808", 64, Err(())),
        (b"-9223372036854775808", 64, Ok(-9223372036854775808)),
        (b"0xFFFFFFFFFFFFFFFF", 64, Ok(-1)),
        (b"-0xFFFFFFFFFFFFFFFF", 64, Ok(1)),
        (b"0x10000000000000000", 64, Err(())),
        (b"0u18446744073709551615", 64, Ok(-1)),
        (b"18446744073709551615", 64, Err(())),
        (b"0o1777777777777777777777", 64, Ok(-1)),
        (b"0o2000000000000000000000", 64, Err(())),
        (b" 1", 63, Err(())),
        (b"1 ", 63, Err(())),
        (b"1\x002", 63, Err(())),
        (b"1\x00", 63, Err(())),
        (b"0x1g", 63, Err(())),
        (b"1e3", 63, Err(())),
        (b"--1", 63, Err(())),
        (b"99999999999999999999999", 64, Err(())),
    ];
    type IntCase = (&'static [u8], i64, IntKind, Result<&'static str, ()>);
    const FORMAT_INT: &[IntCase] = &[
        (b"%d", 0, IntKind::Int, Ok("0")),
        (
            b"%d",
            4611686018427387903,
            IntKind::Int,
            Ok("4611686018427387903"),
        ),
        (
            b"%d",
            -4611686018427387904,
            IntKind::Int,
            Ok("-4611686018427387904"),
        ),
        (b"%x", -1, IntKind::Int, Ok("7fffffffffffffff")),
        (
            b"%X",
            -4611686018427387904,
            IntKind::Int,
            Ok("4000000000000000"),
        ),
        (b"%u", -1, IntKind::Int, Ok("9223372036854775807")),
        (b"%o", -1, IntKind::Int, Ok("777777777777777777777")),
        (b"%i", -42, IntKind::Int, Ok("-42")),
        (b"%5d", 42, IntKind::Int, Ok("   42")),
        (b"%-5d|", 42, IntKind::Int, Ok("42   l|")),
        (b"%05d", -42, IntKind::Int, Ok("-0042")),
        (b"%+d", 42, IntKind::Int, Ok("+42")),
        (b"% d", 42, IntKind::Int, Ok(" 42")),
        (b"%+d", -42, IntKind::Int, Ok("-42")),
        (b"%+u", 42, IntKind::Int, Ok("42")),
        (b"% x", 42, IntKind::Int, Ok("2a")),
        (b"%#x", 255, IntKind::Int, Ok("0xff")),
        (b"%#X", 255, IntKind::Int, Ok("0XFF")),
        (b"%#x", 0, IntKind::Int, Ok("0")),
        (b"%#o", 8, IntKind::Int, Ok("010")),
        (b"%#o", 0, IntKind::Int, Ok("0")),
        (b"%#08x", 255, IntKind::Int, Ok("0x0000ff")),
        (b"%-#8o|", 8, IntKind::Int, Ok("010     l|")),
        (b"%.3d", 5, IntKind::Int, Ok("005")),
        (b"%.0d", 0, IntKind::Int, Ok("")),
        (b"%+.0d", 0, IntKind::Int, Ok("+")),
        (b"%#.0o", 0, IntKind::Int, Ok("0")),
        (b"%#.0x", 0, IntKind::Int, Ok("")),
        (b"%08.3d", 5, IntKind::Int, Ok("     005")),
        (b"%0-8d|", 5, IntKind::Int, Ok("5       l|")),
        (b"%'d", 1234567, IntKind::Int, Ok("1234567")),
        (b"%ld", -1, IntKind::Int32, Ok("-1")),
        (b"%lx", -1, IntKind::Int32, Ok("ffffffff")),
        (b"%lu", -1, IntKind::Int32, Ok("4294967295")),
        (b"%lo", -2147483648, IntKind::Int32, Ok("20000000000")),
        (b"%d", 2147483647, IntKind::Int32, Ok("2147483647")),
        (b"%x", -1, IntKind::Int32, Ok("ffffffff")),
        (b"%Ld", -1, IntKind::Int64, Ok("-1")),
        (b"%Lx", -1, IntKind::Int64, Ok("ffffffffffffffff")),
        (
            b"%Lu",
            -4611686018427387904,
            IntKind::Int64,
            Ok("13835058055282163712"),
        ),
        (
            b"%LX",
            4611686018427387903,
            IntKind::Int64,
            Ok("3FFFFFFFFFFFFFFF"),
        ),
        (
            b"%25Ld",
            -123,
            IntKind::Int64,
            Ok("                     -123"),
        ),
        (b"%nd", -1, IntKind::Nativeint, Ok("-1")),
        (b"%nx", -1, IntKind::Nativeint, Ok("ffffffffffffffff")),
        (b"%nu", -1, IntKind::Nativeint, Ok("18446744073709551615")),
        (b"a%db", 7, IntKind::Int, Ok("a7lb")),
        (b"%%%d%%", 7, IntKind::Int, Ok("%7%")),
        (b"d", 7, IntKind::Int, Ok("ld")),
        (b"%5%%d", 7, IntKind::Int, Ok("%7")),
        (b"%d\x00x", 12, IntKind::Int, Ok("12")),
        (b"%0000000000000000000000000000d", 1, IntKind::Int, Err(())),
        (
            b"%00000000000000000000000000000d",
            1,
            IntKind::Int32,
            Err(()),
        ),
        (
            b"%000000000000000000000000000000d",
            1,
            IntKind::Int32,
            Err(()),
        ),
    ];
    const FORMAT_FLOAT: &[(&[u8], u64, &str)] = &[
        (b"%f", 0x0000000000000000, "0.000000"), // 0x0p+0
        (b"%f", 0x8000000000000000, "-0.000000"), // -0x0p+0
        (b"%e", 0x0000000000000000, "0.000000e+00"), // 0x0p+0
        (b"%g", 0x8000000000000000, "-0"), // -0x0p+0
        (b"%a", 0x0000000000000000, "0x0p+0"), // 0x0p+0
        (b"%A", 0x8000000000000000, "-0X0P+0"), // -0x0p+0
        (b"%f", 0x7ff8000000000001, "nan"), // nan
        (b"%f", 0xfff8000000000001, "-nan"), // -nan
        (b"%e", 0x7ff0000000000000, "inf"), // infinity
        (b"%g", 0xfff0000000000000, "-inf"), // -infinity
        (b"%F", 0x7ff8000000000001, "NAN"), // nan
        (b"%E", 0xfff0000000000000, "-INF"), // -infinity
        (b"%G", 0x7ff0000000000000, "INF"), // infinity
        (b"%A", 0x7ff8000000000001, "NAN"), // nan
        (b"%010f", 0x7ff0000000000000, "       inf"), // infinity
        (b"%-6f|", 0x7ff8000000000001, "nan   |"), // nan
        (b"%+f", 0x7ff0000000000000, "+inf"), // infinity
        (b"% f", 0x7ff8000000000001, " nan"), // nan
        (b"%f", 0x3fb999999999999a, "0.100000"), // 0x1.999999999999ap-4
        (b"%.17g", 0x3fb999999999999a, "0.10000000000000001"), // 0x1.999999999999ap-4
        (b"%.20f", 0x3fb999999999999a, "0.10000000000000000555"), // 0x1.999999999999ap-4
        (b"%.0f", 0x3fe0000000000000, "0"), // 0x1p-1
        (b"%.0f", 0x3ff8000000000000, "2"), // 0x1.8p+0
        (b"%.0f", 0x4004000000000000, "2"), // 0x1.4p+1
        (b"%.0f", 0x400c000000000000, "4"), // 0x1.cp+1
        (b"%.2f", 0x3fc0000000000000, "0.12"), // 0x1p-3
        (b"%.2f", 0x3fd8000000000000, "0.38"), // 0x1.8p-2
        (b"%.1f", 0x3fd0000000000000, "0.2"), // 0x1p-2
        (b"%.0e", 0x4004000000000000, "2e+00"), // 0x1.4p+1
        (b"%.1e", 0x3ff4000000000000, "1.2e+00"), // 0x1.4p+0
        (b"%g", 0x3ee4f8b588e368f1, "1e-05"), // 0x1.4f8b588e368f1p-17
        (b"%g", 0x3f1a36e2eb1c432d, "0.0001"), // 0x1.a36e2eb1c432dp-14
        (b"%g", 0x419d6f3454000000, "1.23457e+08"), // 0x1.d6f3454p+26
        (b"%g", 0x40fe240000000000, "123456"), // 0x1.e24p+16
        (b"%g", 0x412e847f00000000, "1e+06"), // 0x1.e847fp+19
        (b"%.3g", 0x4058fd70a3d70a3d, "100"), // 0x1.8fd70a3d70a3dp+6
        (b"%#g", 0x3ff0000000000000, "1.00000"), // 0x1p+0
        (b"%#g", 0x412e847f00000000, "1.e+06"), // 0x1.e847fp+19
        (b"%#.3g", 0x408f3c0000000000, "1.e+03"), // 0x1.f3cp+9
        (b"%#.0f", 0x3ff0000000000000, "1."), // 0x1p+0
        (b"%#.0e", 0x3ff0000000000000, "1.e+00"), // 0x1p+0
        (b"%.0g", 0x0000000000000000, "0"), // 0x0p+0
        (b"%#.3g", 0x4059000000000000, "100."), // 0x1.9p+6
        (b"%12.4e", 0x400921fb54442d11, "  3.1416e+00"), // 0x1.921fb54442d11p+1
        (b"%-12.4e|", 0xc00921fb54442d11, "-3.1416e+00 |"), // -0x1.921fb54442d11p+1
        (b"%012.4e", 0xc00921fb54442d11, "-03.1416e+00"), // -0x1.921fb54442d11p+1
        (b"%+012.4f", 0x4004000000000000, "+000002.5000"), // 0x1.4p+1
        (b"% .3e", 0x01a56e1fc2f8f359, " 1.000e-300"), // 0x1.56e1fc2f8f359p-997
        (b"%e", 0x7e37e43c8800759c, "1.000000e+300"), // 0x1.7e43c8800759cp+996
        (b"%f", 0x4480f0cf064dd592, "10000000000000000000000.000000"), // 0x1.0f0cf064dd592p+73
        (b"%.0f", 0x7e37e43c8800759c, "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160"), // 0x1.7e43c8800759cp+996
        (b"%.12g", 0x7e37e43c8800759c, "1e+300"), // 0x1.7e43c8800759cp+996
        (b"%.15g", 0x3fb999999999999a, "0.1"), // 0x1.999999999999ap-4
        (b"%.16g", 0x3fb999999999999a, "0.1"), // 0x1.999999999999ap-4
        (b"%.17g", 0x3fd5555555555555, "0.33333333333333331"), // 0x1.5555555555555p-2
        (b"%g", 0x0000000000000001, "4.94066e-324"), // 0x0.0000000000001p-1022
        (b"%.17g", 0x0000000000000001, "4.9406564584124654e-324"), // 0x0.0000000000001p-1022
        (b"%e", 0x0010000000000000, "2.225074e-308"), // 0x1p-1022
        (b"%.3e", 0x7fefffffffffffff, "1.798e+308"), // 0x1.fffffffffffffp+1023
        (b"%f", 0x3e7ad7f29abcaf48, "0.000000"), // 0x1.ad7f29abcaf48p-24
        (b"%G", 0x3ddb7cdfd9d7bdbb, "1E-10"), // 0x1.b7cdfd9d7bdbbp-34
        (b"%E", 0x405edd2f1a9fbe77, "1.234560E+02"), // 0x1.edd2f1a9fbe77p+6
        (b"%a", 0x3ff0000000000000, "0x1p+0"), // 0x1p+0
        (b"%a", 0x3ff8000000000000, "0x1.8p+0"), // 0x1.8p+0
        (b"%a", 0xbfb999999999999a, "-0x1.999999999999ap-4"), // -0x1.999999999999ap-4
        (b"%A", 0x406ff00000000000, "0X1.FFP+7"), // 0x1.ffp+7
        (b"%a", 0x0000000000000001, "0x0.0000000000001p-1022"), // 0x0.0000000000001p-1022
        (b"%a", 0x0010000000000000, "0x1p-1022"), // 0x1p-1022
        (b"%a", 0x7fefffffffffffff, "0x1.fffffffffffffp+1023"), // 0x1.fffffffffffffp+1023
        (b"%.0a", 0x3ff8000000000000, "0x2p+0"), // 0x1.8p+0
        (b"%.0a", 0x4004000000000000, "0x1p+1"), // 0x1.4p+1
        (b"%.1a", 0x3ff0800000000000, "0x1.0p+0"), // 0x1.08p+0
        (b"%.1a", 0x3ff1800000000000, "0x1.2p+0"), // 0x1.18p+0
        (b"%.1a", 0x3fff800000000000, "0x2.0p+0"), // 0x1.f8p+0
        (b"%.3a", 0x3fb999999999999a, "0x1.99ap-4"), // 0x1.999999999999ap-4
        (b"%.15a", 0x3ff0000000000000, "0x1.000000000000000p+0"), // 0x1p+0
        (b"%#.0a", 0x3ff0000000000000, "0x1.p+0"), // 0x1p+0
        (b"%+a", 0x3ff0000000000000, "+0x1p+0"), // 0x1p+0
        (b"% a", 0x3ff0000000000000, " 0x1p+0"), // 0x1p+0
        (b"%20a", 0x3ff0000000000000, "              0x1p+0"), // 0x1p+0
        (b"%020a", 0xbff0000000000000, "-0x00000000000001p+0"), // -0x1p+0
        (b"%-20a|", 0x3ff0000000000000, "0x1p+0              |"), // 0x1p+0
        (b"%.0a", 0x0008000000000000, "0x0p-1022"), // 0x0.8p-1022
        (b"%.0a", 0x000fffffffffffff, "0x1p-1022"), // 0x0.fffffffffffffp-1022
        (b"%lf", 0x3fd8000000000000, "0.375000"), // 0x1.8p-2
        (b"%hf", 0x3fd8000000000000, "0.375000"), // 0x1.8p-2
        (b"abc%%%f%%x", 0x3fd8000000000000, "abc%0.375000%x"), // 0x1.8p-2
        (b"%5%%f", 0x3ff0000000000000, "%1.000000"), // 0x1p+0
        (b"x", 0x3ff0000000000000, "x"), // 0x1p+0
        (b"%f\x00%d", 0x3ff0000000000000, "1.000000"), // 0x1p+0
        (b"%.30e", 0x3fb999999999999a, "1.000000000000000055511151231258e-01"), // 0x1.999999999999ap-4
    ];
    const HEXSTRING: &[(u64, i64, u8, &str)] = &[
        (0x3ff0000000000000, -1, b'-', "0x1p+0"),
        (0x3ff0000000000000, -1, b'+', "+0x1p+0"),
        (0x3ff0000000000000, -1, b' ', " 0x1p+0"),
        (0xbff0000000000000, -1, b'+', "-0x1p+0"),
        (0x0000000000000000, -1, b'-', "0x0p+0"),
        (0x8000000000000000, -1, b'-', "-0x0p+0"),
        (0x0000000000000000, 3, b'-', "0x0.000p+0"),
        (0x3fb999999999999a, -1, b'-', "0x1.999999999999ap-4"),
        (0x3fb999999999999a, 0, b'-', "0x2p-4"),
        (0x3fb999999999999a, 2, b'-', "0x1.9ap-4"),
        (0x3fb999999999999a, 12, b'-', "0x1.99999999999ap-4"),
        (0x3fb999999999999a, 13, b'-', "0x1.999999999999ap-4"),
        (0x3fb999999999999a, 20, b'-', "0x1.999999999999a0000000p-4"),
        (0x4008000000000000, 0, b'-', "0x2p+1"),
        (0x3fff800000000000, 0, b'-', "0x2p+0"),
        (0x3fff800000000000, 1, b'-', "0x2.0p+0"),
        (0x3fffffffffffffd3, 2, b'-', "0x2.00p+0"),
        (0x0000000000000001, -1, b'-', "0x0.0000000000001p-1022"),
        (
            0x0000000000000001,
            20,
            b'-',
            "0x0.00000000000010000000p-1022",
        ),
        (0x0008000000000000, 0, b'-', "0x0p-1022"),
        (0x7fefffffffffffff, -1, b'-', "0x1.fffffffffffffp+1023"),
        (0x7fefffffffffffff, 3, b'-', "0x2.000p+1023"),
        (0x7ff0000000000000, -1, b'+', "+infinity"),
        (0xfff0000000000000, -1, b'-', "-infinity"),
        (0x7ff8000000000001, -1, b'+', "+nan"),
        (0xfff8000000000001, -1, b' ', "-nan"),
        (0x7e37e43c8800759c, -1, b'-', "0x1.7e43c8800759cp+996"),
    ];
    const PARSE_FLOAT: &[(&[u8], Result<u64, ()>)] = &[
        (b"", Err(())),
        (b"_", Err(())),
        (b"1", Ok(0x3ff0000000000000)),
        (b"-1", Ok(0xbff0000000000000)),
        (b"+1.5", Ok(0x3ff8000000000000)),
        (b"1.", Ok(0x3ff0000000000000)),
        (b".5", Ok(0x3fe0000000000000)),
        (b".", Err(())),
        (b"1e5", Ok(0x40f86a0000000000)),
        (b"1E-5", Ok(0x3ee4f8b588e368f1)),
        (b"1e", Err(())),
        (b"1e+", Err(())),
        (b"1_000.0_1", Ok(0x408f40147ae147ae)),
        (b"  1.5", Ok(0x3ff8000000000000)),
        (b"\x09\x0a\x0b\x0c\x0d-2", Ok(0xc000000000000000)),
        (b"1.5 ", Err(())),
        (b"- 1", Err(())),
        (b"+-1", Err(())),
        (b"1\x002", Err(())),
        (b"1,5", Err(())),
        (b"0.1", Ok(0x3fb999999999999a)),
        (b"1e400", Ok(0x7ff0000000000000)),
        (b"-1e400", Ok(0xfff0000000000000)),
        (b"1e-400", Ok(0x0000000000000000)),
        (b"2.4703282292062327e-324", Ok(0x0000000000000000)),
        (b"2.4703282292062328e-324", Ok(0x0000000000000001)),
        (b"1.7976931348623158e308", Ok(0x7fefffffffffffff)),
        (b"1.7976931348623159e308", Ok(0x7ff0000000000000)),
        (b"9007199254740993", Ok(0x4340000000000000)),
        (b"1e99999999999999999999", Ok(0x7ff0000000000000)),
        (b"inf", Ok(0x7ff0000000000000)),
        (b"-InFiNiTy", Ok(0xfff0000000000000)),
        (b"infinit", Err(())),
        (b"nan", Ok(0x7ff8000000000000)),
        (b"-nan", Ok(0xfff8000000000000)),
        (b"NaN", Ok(0x7ff8000000000000)),
        (b"nan()", Ok(0x7ff8000000000000)),
        (b"nan(0x123)", Ok(0x7ff8000000000123)),
        (b"nan(123)", Ok(0x7ff800000000007b)),
        (b"nan(0123)", Ok(0x7ff8000000000053)),
        (b"nan(abc)", Ok(0x7ff8000000000000)),
        (b"nan(12", Err(())),
        (b"-nan(0x5)", Ok(0xfff8000000000005)),
        (b"nan(0xfffffffffffffffff)", Ok(0x7fffffffffffffff)),
        (b"n_an", Ok(0x7ff8000000000000)),
        (b"0x1p3", Ok(0x4020000000000000)),
        (b"-0x1.8p3", Ok(0xc028000000000000)),
        (b"0X.8P1", Ok(0x3ff0000000000000)),
        (b"0x1.", Ok(0x3ff0000000000000)),
        (b"0x", Err(())),
        (b"0x.", Err(())),
        (b"0xp1", Err(())),
        (b"0xp99999999999", Ok(0x0000000000000000)),
        (b"0x.p-99999999999", Ok(0x0000000000000000)),
        (b"0x1p", Err(())),
        (b"0x1p-", Err(())),
        (b"0x1p 3", Ok(0x4020000000000000)),
        (b"0x1p3 ", Err(())),
        (b"0x1p+3", Ok(0x4020000000000000)),
        (b"0x1.2.3", Err(())),
        (b"0x1g", Err(())),
        (b"0x1p-1074", Ok(0x0000000000000001)),
        (b"0x1p-1075", Ok(0x0000000000000000)),
        (b"0x1.8p-1074", Ok(0x0000000000000002)),
        (b"0x1.00000000000018p-1060", Ok(0x0000000000004000)),
        (b"0x1.fffffffffffff8p0", Ok(0x4000000000000000)),
        (b"0x1.00000000000008p0", Ok(0x3ff0000000000000)),
        (b"0x1.000000000000080000000000001p0", Ok(0x3ff0000000000001)),
        (b"0x1p1024", Ok(0x7ff0000000000000)),
        (b"0x1p2147483647", Ok(0x7ff0000000000000)),
        (b"0x0p2147483647", Ok(0x0000000000000000)),
        (b"-0x1p-2147483648", Ok(0x8000000000000000)),
        (b"0x123456789abcdef123456789p0", Ok(0x45b23456789abcdf)),
        (b"0x1.0000000000002ffp-1023", Ok(0x0008000000000002)),
        (b" 0x1.0000000000002ffp-1023", Ok(0x0008000000000001)),
        (b" 0x1p3", Ok(0x4020000000000000)),
        (b" 0x1.00000000000018p-1060", Ok(0x0000000000004000)),
        (b" 0x1p-1075", Ok(0x0000000000000000)),
        (b" 0x1.8p-1074", Ok(0x0000000000000002)),
        (b" 0x1p", Err(())),
        (b" 0x1p 3", Err(())),
        (b" 0xp1", Err(())),
    ];

    #[test]
    fn parse_int_matches_stock() {
        for &(s, nbits, want) in PARSE_INT {
            assert_eq!(
                parse_int(s, nbits),
                want,
                "parse_int({:?}, {})",
                String::from_utf8_lossy(s),
                nbits
            );
        }
    }

    #[test]
    fn parse_int_rejects_bad_widths() {
        assert_eq!(parse_int(b"1", 0), Err(()));
        assert_eq!(parse_int(b"1", 65), Err(()));
    }

    #[test]
    fn format_int_matches_stock() {
        for &(f, n, kind, want) in FORMAT_INT {
            let got = format_int(f, n, kind);
            assert_eq!(
                got.as_deref().map_err(|_| ()),
                want,
                "format_int({:?}, {}, {:?})",
                String::from_utf8_lossy(f),
                n,
                kind
            );
        }
    }

    #[test]
    fn format_float_matches_stock() {
        for &(f, bits, want) in FORMAT_FLOAT {
            let got = format_float(f, f64::from_bits(bits));
            assert_eq!(
                got.as_deref().map_err(|_| ()),
                Ok(want),
                "format_float({:?}, {:#x})",
                String::from_utf8_lossy(f),
                bits
            );
        }
        // "%.1200f" of 1.0 (stock: "1." then 1200 zeros).
        let long = format_float(b"%.1200f", 1.0).unwrap();
        assert_eq!(long.len(), 1202);
        assert!(long.starts_with("1.") && long[2..].bytes().all(|c| c == b'0'));
    }

    #[test]
    fn hexstring_matches_stock() {
        for &(bits, prec, style, want) in HEXSTRING {
            assert_eq!(
                hexstring_of_float(f64::from_bits(bits), prec, style),
                want,
                "hexstring({:#x}, {}, {:?})",
                bits,
                prec,
                style as char
            );
        }
    }

    #[test]
    fn parse_float_matches_stock() {
        for &(s, want) in PARSE_FLOAT {
            let got = parse_float(s).map(f64::to_bits);
            assert_eq!(got, want, "parse_float({:?})", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn undefined_formats_are_refused() {
        for f in [
            &b"%*d"[..],
            b"%.*d",
            b"%1$d",
            b"%d%d",
            b"%s",
            b"%c",
            b"%",
            b"",
            b"%99999999999d",
            b"%hd",
        ] {
            assert_eq!(
                format_int(f, 1, IntKind::Int),
                Err(()),
                "{:?}",
                String::from_utf8_lossy(f)
            );
        }
        assert_eq!(format_int(b"%lld", 1, IntKind::Int32), Err(()));
        for f in [
            &b"%*f"[..],
            b"%f%f",
            b"%d",
            b"%Lf",
            b"%s",
            b"%.99999999999f",
            b"%99999999999f",
            b"\xff%f",
        ] {
            assert_eq!(
                format_float(f, 1.0),
                Err(()),
                "{:?}",
                String::from_utf8_lossy(f)
            );
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        const ITERATIONS: usize = 20000;
        // A small deterministic generator; inputs mix format-ish bytes with noise.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"%-+ #0123456789.lLnhxXoudieEfFgGaApP_sc*$'I\0\t nanifty";
        for _ in 0..ITERATIONS {
            let len = (next() % 8) as usize; // short: no gigabyte-wide fields
            let s: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 7 == 0 {
                        (r >> 8) as u8
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            let n = next() as i64;
            let x = f64::from_bits(next());
            let _ = parse_int(&s, (n as u32) % 70);
            for kind in [
                IntKind::Int,
                IntKind::Int32,
                IntKind::Int64,
                IntKind::Nativeint,
            ] {
                let _ = format_int(&s, n, kind);
            }
            let _ = format_float(&s, x);
            let _ = parse_float(&s);
            let _ = hexstring_of_float(x, (n % 40) - 2, s.first().copied().unwrap_or(b'-'));
        }
    }
}
