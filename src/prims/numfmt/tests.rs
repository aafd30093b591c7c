//! Tests of the number formats, against what the stock runtime (glibc's printf and strtod)
//! produces.

use super::float::*;
use super::strtod::*;
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
    (b"%d", 4611686018427387903, IntKind::Int, Ok("4611686018427387903")),
    (b"%d", -4611686018427387904, IntKind::Int, Ok("-4611686018427387904")),
    (b"%x", -1, IntKind::Int, Ok("7fffffffffffffff")),
    (b"%X", -4611686018427387904, IntKind::Int, Ok("4000000000000000")),
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
    (b"%Lu", -4611686018427387904, IntKind::Int64, Ok("13835058055282163712")),
    (b"%LX", 4611686018427387903, IntKind::Int64, Ok("3FFFFFFFFFFFFFFF")),
    (b"%25Ld", -123, IntKind::Int64, Ok("                     -123")),
    (b"%nd", -1, IntKind::Nativeint, Ok("-1")),
    (b"%nx", -1, IntKind::Nativeint, Ok("ffffffffffffffff")),
    (b"%nu", -1, IntKind::Nativeint, Ok("18446744073709551615")),
    (b"a%db", 7, IntKind::Int, Ok("a7lb")),
    (b"%%%d%%", 7, IntKind::Int, Ok("%7%")),
    (b"d", 7, IntKind::Int, Ok("ld")),
    (b"%5%%d", 7, IntKind::Int, Ok("%7")),
    (b"%d\x00x", 12, IntKind::Int, Ok("12")),
    (b"%0000000000000000000000000000d", 1, IntKind::Int, Err(())),
    (b"%00000000000000000000000000000d", 1, IntKind::Int32, Err(())),
    (b"%000000000000000000000000000000d", 1, IntKind::Int32, Err(())),
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
    (0x0000000000000001, 20, b'-', "0x0.00000000000010000000p-1022"),
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
    for f in
        [&b"%*d"[..], b"%.*d", b"%1$d", b"%d%d", b"%s", b"%c", b"%", b"", b"%99999999999d", b"%hd"]
    {
        assert_eq!(format_int(f, 1, IntKind::Int), Err(()), "{:?}", String::from_utf8_lossy(f));
    }
    assert_eq!(format_int(b"%lld", 1, IntKind::Int32), Err(()));
    for f in
        [&b"%*f"[..], b"%f%f", b"%d", b"%Lf", b"%s", b"%.99999999999f", b"%99999999999f", b"\xff%f"]
    {
        assert_eq!(format_float(f, 1.0), Err(()), "{:?}", String::from_utf8_lossy(f));
    }
}

/// A small deterministic generator (xorshift64) started at `seed`, for reproducible inputs.
fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    const ITERATIONS: usize = 20000;
    // A small deterministic generator; inputs mix format-ish bytes with noise.
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"%-+ #0123456789.lLnhxXoudieEfFgGaApP_sc*$'I\0\t nanifty";
    for _ in 0..ITERATIONS {
        let len = (next() % 8) as usize; // short: no gigabyte-wide fields
        let s: Vec<u8> = (0..len)
            .map(|_| {
                let r = next();
                if r.is_multiple_of(7) {
                    (r >> 8) as u8
                } else {
                    alphabet[(r >> 8) as usize % alphabet.len()]
                }
            })
            .collect();
        let n = next() as i64;
        let x = f64::from_bits(next());
        let _ = parse_int(&s, (n as u32) % 70);
        for kind in [IntKind::Int, IntKind::Int32, IntKind::Int64, IntKind::Nativeint] {
            let _ = format_int(&s, n, kind);
        }
        let _ = format_float(&s, x);
        let _ = parse_float(&s);
        let _ = hexstring_of_float(x, (n % 40) - 2, s.first().copied().unwrap_or(b'-'));
    }
}

/// Doubles for the differential tests below: random bit patterns, and the values where
/// rounding is delicate (halves, thirds, powers of ten and their neighbours).
fn awkward_doubles() -> Vec<f64> {
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    let mut xs = vec![0.5, 1.5, 2.5, 0.125, 0.375, 1e22, 1e23, 5e-324, f64::MAX, f64::MIN_POSITIVE];
    for i in 1..400 {
        let f = i as f64;
        xs.extend([f / 3.0, f / 8.0, f * 0.05, f / 7.0, f * 1e15 + 0.5, 1.0 / f]);
    }
    for p in -30..40 {
        let t = 10f64.powi(p);
        xs.extend([t, f64::from_bits(t.to_bits() + 1), f64::from_bits(t.to_bits() - 1)]);
        xs.extend([t * 0.5, t * 9.5, t * 99.95, t * 0.9999995]);
    }
    for _ in 0..3000 {
        let x = f64::from_bits(next() >> 1);
        if x.is_finite() {
            xs.push(x);
        }
        // Nearer ordinary magnitudes too.
        let e = (next() % 80) as i32 - 40;
        xs.push((next() >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi(e));
    }
    xs
}

#[test]
fn exact_fixed_digits_agree_with_the_reference() {
    for x in awkward_doubles() {
        for prec in [0, 1, 2, 3, 4, 6, 9, 12, 15, 17, 19, 20, 22, 23, 30] {
            let mut got = Vec::new();
            push_fixed(&mut got, x, prec);
            let want = fixed_digits_reference(x, prec);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want),
                "%.{prec}f of {x:e} ({:#x})",
                x.to_bits()
            );
        }
    }
}

#[test]
fn exact_sci_digits_agree_with_the_reference() {
    for x in awkward_doubles() {
        for prec in [0, 1, 2, 3, 5, 6, 8, 11, 14, 16, 17, 18, 25] {
            let got = sci_digits(x, prec);
            let want = sci_digits_reference(x, prec);
            assert_eq!(
                (String::from_utf8_lossy(&got.0), got.1),
                (String::from_utf8_lossy(&want.0), want.1),
                "%.{prec}e of {x:e} ({:#x})",
                x.to_bits()
            );
        }
    }
}
