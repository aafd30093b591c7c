//! `caml_format_float` (a C `printf` for one double, as glibc renders it) and
//! `caml_hexstring_of_float`.

use super::*;
// ---------------------------------------------------------------------------------------
// Float formatting
// ---------------------------------------------------------------------------------------

/// Precision beyond which every digit of a double is an exact zero (a double has at most
/// 1074 fraction digits and 767 significant ones); Rust's formatter is asked for at most
/// this many and the rest are zeros appended here.
pub(super) const EXACT_DIGITS: usize = 1100;

/// `%.{prec}f` of a non-negative finite `x`, correctly rounded (ties to even, as glibc).
pub(super) fn fixed_digits(x: f64, prec: usize) -> Vec<u8> {
    let p = prec.min(EXACT_DIGITS);
    let mut s = format!("{:.*}", p, x).into_bytes();
    s.resize(s.len() + (prec - p), b'0');
    s
}

/// `%.{prec}e` of a non-negative finite `x`: the mantissa `d[.ddd]` and the exponent.
pub(super) fn sci_digits(x: f64, prec: usize) -> (Vec<u8>, i64) {
    let p = prec.min(EXACT_DIGITS);
    let s = format!("{:.*e}", p, x);
    let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let mut mant = mant.as_bytes().to_vec();
    mant.resize(mant.len() + (prec - p), b'0');
    (mant, exp.parse().unwrap_or(0))
}

/// 10^p for p <= 22, exact.
pub(super) fn pow10(p: usize) -> f64 {
    format!("1e{}", p).parse().unwrap_or(f64::INFINITY)
}

pub(super) fn push_exponent(out: &mut Vec<u8>, letter: u8, e: i64) {
    out.push(letter);
    out.push(if e < 0 { b'-' } else { b'+' });
    let digits = e.unsigned_abs().to_string();
    if digits.len() < 2 {
        out.push(b'0');
    }
    out.extend_from_slice(digits.as_bytes());
}

pub(super) fn strip_fraction_zeros(s: &mut Vec<u8>) {
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
pub(super) fn hex_float_body(
    x: f64,
    prec: Option<usize>,
    alt: bool,
    upper: bool,
) -> (Vec<u8>, Vec<u8>) {
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
        let odd = if p == 0 { lead & 1 == 1 } else { frac & unit != 0 };
        if rest > half || (rest == half && odd) {
            frac += unit;
            if frac >> 52 != 0 {
                frac &= (1u64 << 52) - 1;
                lead += 1;
            }
        }
    }
    let hex = if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    let mut digits: Vec<u8> =
        (0..13).map(|k| hex[((frac >> (48 - 4 * k)) & 0xf) as usize]).collect();
    match prec {
        None => {
            while digits.last() == Some(&b'0') {
                digits.pop();
            }
        }
        Some(p) => digits.resize(p, b'0'),
    }
    let prefix = if upper { b"0X".to_vec() } else { b"0x".to_vec() };
    let mut body = vec![hex[lead as usize]];
    if !digits.is_empty() || alt {
        body.push(b'.');
        body.extend_from_slice(&digits);
    }
    push_exponent_hex(&mut body, if upper { b'P' } else { b'p' }, exp);
    (prefix, body)
}

pub(super) fn push_exponent_hex(out: &mut Vec<u8>, letter: u8, e: i64) {
    out.push(letter);
    out.push(if e < 0 { b'-' } else { b'+' });
    out.extend_from_slice(e.unsigned_abs().to_string().as_bytes());
}

/// Renders one floating-point conversion (`f F e E g G a A`) of `x`.
pub(super) fn float_conv(s: &Spec, x: f64) -> Result<Vec<u8>, ()> {
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
