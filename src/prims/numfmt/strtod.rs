//! `caml_float_of_string`: OCaml's own hexadecimal parser and glibc's `strtod` for the
//! rest, with the C library's exact acceptance rules.

use super::*;
// ---------------------------------------------------------------------------------------
// Float parsing
// ---------------------------------------------------------------------------------------

/// `x * 2^n` rounded once, as C `ldexp` does in the default rounding mode.
pub(super) fn ldexp(x: f64, n: i64) -> f64 {
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
pub(super) fn round_to_f64(m: u64, e2: i64) -> f64 {
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

pub(super) fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The hexadecimal parser of `caml_float_of_string`, on the text after `0x`. It keeps
/// 60 bits with a sticky bit, converts them to a double, then scales with `ldexp`
/// (so a subnormal result can be rounded twice, exactly as the stock runtime does).
pub(super) fn caml_float_of_hex(s: &[u8]) -> Result<f64, ()> {
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
pub(super) fn c_strtol_all(s: &[u8]) -> Result<i64, ()> {
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
pub(super) fn c_strtoull_base0(s: &[u8]) -> Option<u64> {
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
pub(super) fn c_strtod_all(s: &[u8]) -> Result<f64, ()> {
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
            let seq = tail.strip_prefix(b"(").and_then(|t| t.strip_suffix(b")")).ok_or(())?;
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
pub(super) fn c_strtod_hex(s: &[u8]) -> Result<f64, ()> {
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
