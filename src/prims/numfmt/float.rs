//! `caml_format_float` (a C `printf` for one double, as glibc renders it) and
//! `caml_hexstring_of_float`.
//!
//! Decimal digits come from exact integer arithmetic when the numbers fit in 128 bits
//! (`%.Nf` with N <= 22, `%.Ne` with N <= 17 over most magnitudes: the double's integer
//! mantissa times a power of ten, shifted or divided with ties to even), and from Rust's
//! formatter (correctly rounded too) beyond; the unit tests check the two agree.

use super::*;
// ---------------------------------------------------------------------------------------
// Float formatting
// ---------------------------------------------------------------------------------------

/// Precision beyond which every digit of a double is an exact zero (a double has at most
/// 1074 fraction digits and 767 significant ones); Rust's formatter is asked for at most
/// this many and the rest are zeros appended here.
pub(super) const EXACT_DIGITS: usize = 1100;

/// 10^0 ..= 10^38, exact (10^38 < 2^127).
const POW10: [u128; 39] = {
    let mut t = [1u128; 39];
    let mut i = 1;
    while i < t.len() {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// A non-negative finite double as `m * 2^e`, `m` < 2^53.
fn decompose(x: f64) -> (u64, i32) {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    if biased == 0 {
        (frac, -1074)
    } else {
        (frac | 1 << 52, biased - 1075)
    }
}

/// `n / 2^s` rounded to the nearest integer, ties to even (exact: integer arithmetic).
fn shift_round(n: u128, s: u32) -> u128 {
    if s == 0 {
        return n;
    }
    if s >= 128 {
        // n < 2^127 <= 2^(s-1): below one half.
        return 0;
    }
    let q = n >> s;
    let rest = n & ((1u128 << s) - 1);
    let half = 1u128 << (s - 1);
    q + u128::from(rest > half || (rest == half && q & 1 == 1))
}

/// `n * 2^s` if it fits in 127 bits.
fn shl_exact(n: u128, s: u32) -> Option<u128> {
    (s < 127 && n >> (127 - s) == 0).then(|| n << s)
}

/// `n / d` rounded to the nearest integer, ties to even.
fn div_round(n: u128, d: u128) -> u128 {
    let (q, rest) = (n / d, n % d);
    let twice = rest * 2; // rest < d <= 10^38 < 2^127: no overflow
    q + u128::from(twice > d || (twice == d && q & 1 == 1))
}

/// Appends the decimal digits of `n`, at least `width` of them (zeros in front).
fn push_decimal(out: &mut Vec<u8>, mut n: u128, width: usize) {
    let mut buf = [b'0'; 40];
    let mut i = buf.len();
    // 128-bit division by ten is several times the 64-bit one: only the high digits of a
    // number beyond u64 take it.
    while n > u64::MAX as u128 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let mut n = n as u64;
    while n != 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let i = i.min(buf.len() - width.min(buf.len()));
    out.extend_from_slice(&buf[i..]);
}

/// `round(x * 10^prec)` exactly, for a non-negative finite `x` below 2^53 or with
/// `prec` <= 22 (then `m * 10^prec` < 2^127); `None` beyond that.
fn scaled_fixed(x: f64, prec: usize) -> Option<u128> {
    let (m, e) = decompose(x);
    if prec > 22 {
        return None;
    }
    let n = m as u128 * POW10[prec];
    if e >= 0 {
        // An integer: exact if it still fits.
        shl_exact(n, e as u32)
    } else {
        Some(shift_round(n, (-e) as u32))
    }
}

/// Appends `%.{prec}f` of a non-negative finite `x`, correctly rounded (ties to even, as
/// glibc): exact integer arithmetic when it fits in 128 bits, Rust's formatter beyond.
pub(super) fn push_fixed(out: &mut Vec<u8>, x: f64, prec: usize) {
    match scaled_fixed(x, prec) {
        Some(q) => {
            let unit = POW10[prec];
            push_decimal(out, q / unit, 1);
            if prec > 0 {
                out.push(b'.');
                push_decimal(out, q % unit, prec);
            }
        }
        None => {
            let p = prec.min(EXACT_DIGITS);
            out.extend_from_slice(format!("{:.*}", p, x).as_bytes());
            out.resize(out.len() + (prec - p), b'0');
        }
    }
}

/// `%.{prec}f` of a non-negative finite `x` through Rust's formatter only (the reference
/// the exact integer path is tested against).
#[cfg(test)]
pub(super) fn fixed_digits_reference(x: f64, prec: usize) -> Vec<u8> {
    let p = prec.min(EXACT_DIGITS);
    let mut s = format!("{:.*}", p, x).into_bytes();
    s.resize(s.len() + (prec - p), b'0');
    s
}

/// The `prec + 1` significant digits of a positive finite `x` rounded (ties to even) and
/// its decimal exponent, exactly by integer arithmetic; `None` when a number involved
/// would not fit in 128 bits.
fn scaled_sci(x: f64, prec: usize) -> Option<(u128, i64)> {
    if prec > 17 || x == 0.0 {
        return None;
    }
    let (m, e) = decompose(x);
    // floor(log2 x), then floor(log10 x) estimated from it (at most one too low).
    let log2 = e + 63 - m.leading_zeros() as i32;
    let mut exp = ((log2 as i64) * 78913) >> 18;
    let (low, high) = (POW10[prec], POW10[prec + 1]);
    for _ in 0..3 {
        let k = prec as i64 - exp; // x * 10^k has prec + 1 digits before the point
        let q = if k >= 0 {
            let n = (m as u128).checked_mul(*POW10.get(k as usize)?)?;
            if n >> 127 != 0 {
                return None;
            }
            if e >= 0 {
                shl_exact(n, e as u32)?
            } else {
                shift_round(n, (-e) as u32)
            }
        } else {
            // x / 10^-k: m * 2^e over 10^-k, or m over 10^-k * 2^-e.
            let unit = *POW10.get((-k) as usize)?;
            let (n, d) = if e >= 0 {
                (shl_exact(m as u128, e as u32)?, unit)
            } else {
                (m as u128, shl_exact(unit, (-e) as u32)?)
            };
            if d >> 126 != 0 {
                return None;
            }
            div_round(n, d)
        };
        if q >= high {
            exp += 1;
        } else if q < low {
            exp -= 1;
        } else {
            return Some((q, exp));
        }
    }
    None
}

/// Appends the mantissa `d[.ddd]` of `%.{prec}e` of a non-negative finite `x` to `out` and
/// returns the decimal exponent (no intermediate buffer: the common path allocates nothing).
pub(super) fn push_sci_digits(out: &mut Vec<u8>, x: f64, prec: usize) -> i64 {
    if x == 0.0 {
        out.push(b'0');
        if prec > 0 {
            out.push(b'.');
            out.resize(out.len() + prec, b'0');
        }
        return 0;
    }
    if let Some((q, exp)) = scaled_sci(x, prec) {
        let unit = POW10[prec];
        out.push(b'0' + (q / unit) as u8);
        if prec > 0 {
            out.push(b'.');
            push_decimal(out, q % unit, prec);
        }
        return exp;
    }
    let (mant, exp) = sci_digits_reference(x, prec);
    out.extend_from_slice(&mant);
    exp
}

/// `%.{prec}e` of a non-negative finite `x`: the mantissa `d[.ddd]` and the exponent.
#[cfg(test)]
pub(super) fn sci_digits(x: f64, prec: usize) -> (Vec<u8>, i64) {
    let mut mant = Vec::new();
    let exp = push_sci_digits(&mut mant, x, prec);
    (mant, exp)
}

/// `%.{prec}e` through Rust's formatter (beyond the exact integer path).
pub(super) fn sci_digits_reference(x: f64, prec: usize) -> (Vec<u8>, i64) {
    let p = prec.min(EXACT_DIGITS);
    let s = format!("{:.*e}", p, x);
    let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let mut mant = mant.as_bytes().to_vec();
    mant.resize(mant.len() + (prec - p), b'0');
    (mant, exp.parse().unwrap_or(0))
}

/// 10^p for p <= 22, exact.
pub(super) fn pow10(p: usize) -> f64 {
    POW10[p.min(22)] as f64
}

pub(super) fn push_exponent(out: &mut Vec<u8>, letter: u8, e: i64) {
    out.push(letter);
    out.push(if e < 0 { b'-' } else { b'+' });
    push_decimal(out, e.unsigned_abs() as u128, 2);
}

/// Drops trailing fraction zeros (and then a trailing point) of the number that starts at
/// `out[from]`, if it has a point.
pub(super) fn strip_fraction_zeros(out: &mut Vec<u8>, from: usize) {
    if out[from..].contains(&b'.') {
        while out.last() == Some(&b'0') {
            out.pop();
        }
        if out.last() == Some(&b'.') {
            out.pop();
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

/// Renders one floating-point conversion (`f F e E g G a A`) of `x`, appended to `out`.
pub(super) fn float_conv(s: &Spec, x: f64, out: &mut Vec<u8>) -> Result<(), ()> {
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
    let start = out.len();
    out.extend_from_slice(sign);
    if !x.is_finite() {
        let word: &[u8] = match (x.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        out.extend_from_slice(word);
        return pad_in_place(s, out, start, sign.len(), false);
    }
    let a = x.abs();
    let exp_letter = if upper { b'E' } else { b'e' };
    match s.conv.to_ascii_lowercase() {
        b'f' => {
            let p = s.prec.unwrap_or(6);
            push_fixed(out, a, p);
            if p == 0 && s.alt {
                out.push(b'.');
            }
        }
        b'e' => {
            let body = out.len();
            let e = push_sci_digits(out, a, s.prec.unwrap_or(6));
            if s.alt && !out[body..].contains(&b'.') {
                out.push(b'.');
            }
            push_exponent(out, exp_letter, e);
        }
        b'g' => {
            let p = match s.prec.unwrap_or(6) {
                0 => 1,
                p => p,
            };
            let body = out.len();
            let e = push_sci_digits(out, a, p - 1);
            if e == p as i64 && p <= 22 && a < pow10(p) {
                // glibc picks the style from the unrounded exponent (p - 1, fixed style
                // with no fraction digits); when rounding then carries to 10^p it switches
                // to exponent style but keeps that zero digit count: "%#g" of 999999.5
                // is "1.e+06". Without '#' this equals the standard result.
                out.truncate(body);
                out.push(b'1');
            }
            if e < -4 || e >= p as i64 {
                if s.alt {
                    if !out[body..].contains(&b'.') {
                        out.push(b'.');
                    }
                } else {
                    strip_fraction_zeros(out, body);
                }
                push_exponent(out, exp_letter, e);
            } else {
                // -4 <= e < p: the same p significant digits in fixed style (rounding to p
                // digits is the same whichever style shows them), the point after digit
                // e + 1, or "0." and -e - 1 zeros in front.
                sci_to_fixed(out, body, e);
                if s.alt {
                    if !out[body..].contains(&b'.') {
                        out.push(b'.');
                    }
                } else {
                    strip_fraction_zeros(out, body);
                }
            }
        }
        _ => {
            let (prefix, body) = hex_float_body(a, s.prec, s.alt, upper);
            out.extend_from_slice(&prefix);
            out.extend_from_slice(&body);
            return pad_in_place(s, out, start, sign.len() + prefix.len(), true);
        }
    }
    pad_in_place(s, out, start, sign.len(), true)
}

/// Rewrites the `d[.ddd]` mantissa at `out[body..]`, of decimal exponent `e` (-4 <= `e` <
/// its digit count), in fixed notation, in place.
fn sci_to_fixed(out: &mut Vec<u8>, body: usize, e: i64) {
    if out.get(body + 1) == Some(&b'.') {
        out.remove(body + 1);
    }
    if e >= 0 {
        let point = body + e as usize + 1;
        if point < out.len() {
            out.insert(point, b'.');
        }
    } else {
        let zeros = (-e - 1) as usize;
        out.splice(body..body, b"0.".iter().copied().chain(std::iter::repeat_n(b'0', zeros)));
    }
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
    let mut out = Vec::new();
    format_float_into(fmt, x, &mut out)?;
    String::from_utf8(out).map_err(|_| ())
}

/// [`format_float`], appended to `out` (left as it was on `Err`).
pub fn format_float_into(fmt: &[u8], x: f64, out: &mut Vec<u8>) -> Result<(), ()> {
    let end = fmt.iter().position(|&c| c == 0).unwrap_or(fmt.len());
    printf_one(&fmt[..end], out, |s, out| float_conv(s, x, out))
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
