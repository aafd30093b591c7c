//! Tests of the unmarshaller: data written by the stock runtime, hand-built edge cases, and
//! hostile input that must fail cleanly.

use super::*;
use crate::config::Config;
use crate::heap::custom::{CustomOps, DeserializeInput};
use std::sync::Arc;

/// A domain holding the heap lock, as primitives that unmarshal run.
fn dom() -> Domain {
    register_test_customs();
    let mut d = Domain::new(Arc::new(Config::default()));
    d.lock_heap();
    d
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect()
}

/// A small header around `data`.
fn wrap(data: &[u8], num_objects: u32, whsize: u32) -> Vec<u8> {
    let mut m = MAGIC_SMALL.to_be_bytes().to_vec();
    for n in [data.len() as u32, num_objects, whsize, whsize] {
        m.extend_from_slice(&n.to_be_bytes());
    }
    m.extend_from_slice(data);
    m
}

fn read_word_payload(input: &mut dyn DeserializeInput, dst: Value, n: usize) -> Option<usize> {
    let b = input.read_bytes(n)?;
    let mut w = [0u8; 8];
    w[8 - n..].copy_from_slice(b);
    let x = i64::from_be_bytes(w) << (64 - 8 * n) >> (64 - 8 * n);
    // SAFETY: dst is a custom block with at least 8 bytes of data.
    unsafe { *(custom::data_ptr(dst) as *mut i64) = x };
    Some(8)
}

fn de_j(input: &mut dyn DeserializeInput, dst: Value) -> Option<usize> {
    read_word_payload(input, dst, 8)
}
fn de_i(input: &mut dyn DeserializeInput, dst: Value) -> Option<usize> {
    read_word_payload(input, dst, 4).map(|_| 4)
}
fn de_n(input: &mut dyn DeserializeInput, dst: Value) -> Option<usize> {
    match input.read_u8()? {
        1 => read_word_payload(input, dst, 4),
        2 => read_word_payload(input, dst, 8),
        _ => None,
    }
}
/// A test kind that always claims one byte more than asked.
fn de_liar(input: &mut dyn DeserializeInput, _dst: Value) -> Option<usize> {
    input.read_u8().map(|_| 3)
}
fn no_finalize(_: Value) {}

const fn ops(
    id: &'static str,
    de: fn(&mut dyn DeserializeInput, Value) -> Option<usize>,
    fixed: Option<(usize, usize)>,
) -> CustomOps {
    CustomOps {
        id,
        finalize: None,
        compare: None,
        hash: None,
        serialize: None,
        deserialize: Some(de),
        fixed_length: fixed,
    }
}
static OPS_J: CustomOps = ops("_j", de_j, Some((8, 8)));
static OPS_I: CustomOps = ops("_i", de_i, Some((4, 4)));
static OPS_N: CustomOps = ops("_n", de_n, Some((4, 8)));
static OPS_LIAR: CustomOps = ops("_wardentest_liar", de_liar, None);
static OPS_FIN: CustomOps =
    CustomOps { finalize: Some(no_finalize), ..ops("_wardentest_fin", de_liar, Some((2, 2))) };

/// Registers stand-ins for the boxed-integer kinds unless the real ones are there (both
/// store the integer as one native word).
fn register_test_customs() {
    for o in [&OPS_J, &OPS_I, &OPS_N, &OPS_LIAR, &OPS_FIN] {
        if custom::find(o.id).is_none() {
            custom::register(o);
        }
    }
}

fn int_field(v: Value, i: usize) -> isize {
    // SAFETY: the tests only call this on blocks they just checked.
    unsafe { v.field(i).int() }
}

#[test]
#[allow(clippy::approx_constant)] // 3.14 is what the stock runtime marshalled
fn stock_list_string_float() {
    let mut d = dom();
    let m = hex("8495a6be00000007000000030000000900000009a041a042a04340");
    let (v, used) = intern(&mut d, &m, None).unwrap();
    assert_eq!(used, m.len());
    let mut l = v;
    for k in 1..=3 {
        assert_eq!(int_field(l, 0), k);
        // SAFETY: a list cell.
        l = unsafe { l.field(1) };
    }
    assert_eq!(l, Value::EMPTY_LIST);
    assert!(crate::heap::young_space::is_young(v), "small values are allocated young");

    let m = hex("8495a6be000000090000000100000003000000020c1f85eb51b81e0940");
    let (v, _) = intern(&mut d, &m, None).unwrap();
    // SAFETY: checked to be a Double_tag block.
    unsafe {
        assert_eq!(v.tag(), DOUBLE_TAG);
        assert_eq!(v.double(), 3.14);
    }
    let m = hex("8495a6be000000120000000100000005000000030e02000000000000f83f00000000000000c0");
    let (v, _) = intern(&mut d, &m, None).unwrap();
    // SAFETY: checked to be a float array of 2.
    unsafe {
        assert_eq!((v.tag(), v.wosize()), (DOUBLE_ARRAY_TAG, 2));
        assert_eq!((v.double_field(0), v.double_field(1)), (1.5, -2.0));
    }
}

#[test]
fn stock_integers_and_custom_blocks() {
    let mut d = dom();
    let m = hex("8495a6be0000004a0000000500000018000000160800002700195f6a000000000000000001195f690000000002195f6e000100000003195f6a00ffffff172b5af000033fffffffffffffff03c00000000000000000fb01012c02fffeee90");
    let (v, _) = intern(&mut d, &m, None).unwrap();
    // SAFETY: a tuple of 9 fields, the first four custom blocks.
    unsafe {
        assert_eq!(v.wosize(), 9);
        for (i, want) in [(0, 1i64), (1, 2), (2, 3), (3, -1_000_000_000_000)] {
            let c = v.field(i);
            assert_eq!(c.tag(), CUSTOM_TAG);
            assert_eq!(*(custom::data_ptr(c) as *const i64), want);
        }
    }
    assert_eq!(int_field(v, 4), isize::MAX >> 1);
    assert_eq!(int_field(v, 5), isize::MIN >> 1);
    assert_eq!((int_field(v, 6), int_field(v, 7), int_field(v, 8)), (-5, 300, -70000));
}

#[test]
fn stock_sharing_cycles_and_objects() {
    let mut d = dom();
    let (v, _) =
        intern(&mut d, &hex("8495a6be00000007000000020000000500000005a0236162630401"), None)
            .unwrap();
    // SAFETY: a pair.
    unsafe {
        assert_eq!(v.field(0), v.field(1), "shared string");
        assert_eq!(v.field(0).bytes(), b"abc");
    }
    let (v, _) =
        intern(&mut d, &hex("8495a6be00000009000000000000000700000007a02361626323616263"), None)
            .unwrap();
    // SAFETY: a pair.
    unsafe { assert_ne!(v.field(0), v.field(1), "no sharing") };
    let (v, _) =
        intern(&mut d, &hex("8495a6be00000004000000010000000300000003a0410401"), None).unwrap();
    // SAFETY: a list cell.
    unsafe { assert_eq!(v.field(1), v, "cyclic list") };

    d.oo_id = 77;
    let exn = hex("8495a6be000000120000000200000007000000060800000bf82b5374646c69622e4578697440");
    let (v, _) = intern(&mut d, &exn, None).unwrap();
    // SAFETY: an Object_tag block of 2 fields.
    unsafe {
        assert_eq!(v.tag(), OBJECT_TAG);
        assert_eq!(v.field(0).bytes(), b"Stdlib.Exit");
    }
    assert_eq!(int_field(v, 1), 77, "fresh object id");
    assert_eq!(d.oo_id, 78);
    // A predefined exception (negative id) keeps its id.
    let mut pre = exn.clone();
    let n = pre.len();
    pre[n - 1] = 0x00; // CODE_INT8
    pre.push(0xFD); // -3
    pre[7] += 1; // data_len
    let (v, _) = intern(&mut d, &pre, None).unwrap();
    assert_eq!(int_field(v, 1), -3);
    assert_eq!(d.oo_id, 78);
}

#[test]
fn data_section_of_a_real_program() {
    let Some(path) = crate::loader::tests_support::hello_byte() else { return };
    let exe = crate::loader::exec::read_executable(&path, "hello.byte").unwrap();
    let verified = crate::loader::verify::verify(
        &exe.code,
        crate::loader::verify::Prims { names: &exe.prim_names, reads: &[] },
    )
    .unwrap();
    let mut d = dom();
    let (g, used) =
        intern(&mut d, &exe.data, Some(&exe.program_code(&verified.entries).fragment())).unwrap();
    assert_eq!(used, exe.data.len());
    // SAFETY: the global table is a block; its first slots are predefined exceptions.
    unsafe {
        assert!(g.wosize() >= 12);
        let oom = g.field(0);
        assert_eq!(oom.tag(), OBJECT_TAG);
        assert_eq!(oom.field(0).bytes(), b"Out_of_memory");
        assert_eq!(oom.field(1).int(), -1);
        assert_eq!(g.field(11).field(1).int(), -12);
    }
}

#[test]
fn large_values_go_to_the_major_heap() {
    let Some((_, fx)) = crate::loader::tests_support::marshal_fixtures() else { return };
    let get = |n: &str| fx.iter().find(|(k, _)| k == n).unwrap().1.clone();
    let mut d = dom();
    let (v, _) = intern(&mut d, &get("array"), None).unwrap();
    assert!(!crate::heap::young_space::is_young(v));
    // SAFETY: an int array of 1000.
    unsafe { assert_eq!(v.wosize(), 1000) };
    assert_eq!(int_field(v, 999), 999);
    let (v, _) = intern(&mut d, &get("bigstring"), None).unwrap();
    // SAFETY: a string.
    unsafe { assert_eq!(v.bytes(), &[b'x'; 300][..]) };
}

#[test]
fn closures_resolve_against_their_code() {
    let Some((exe_path, fx)) = crate::loader::tests_support::marshal_fixtures() else { return };
    let exe = crate::loader::exec::read_executable(&exe_path, "gen.byte").unwrap();
    let verified = crate::loader::verify::verify(
        &exe.code,
        crate::loader::verify::Prims { names: &exe.prim_names, reads: &[] },
    )
    .unwrap();
    let code = exe.program_code(&verified.entries);
    let frag = code.fragment();
    let get = |n: &str| fx.iter().find(|(k, _)| k == n).unwrap().1.clone();
    let mut d = dom();
    for name in ["closure", "infix", "tuple_of_fns"] {
        let (v, _) =
            intern(&mut d, &get(name), Some(&frag)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(v.is_block());
    }
    // The infix pointer lands just after an infix header, inside a closure.
    let (v, _) = intern(&mut d, &get("infix"), Some(&frag)).unwrap();
    // SAFETY: an infix pointer; its header precedes it.
    unsafe {
        assert_eq!(v.tag(), INFIX_TAG);
        let base = Value(v.0 - v.wosize() * WORD);
        assert_eq!(base.tag(), CLOSURE_TAG);
        assert!(frag.is_code_pointer(v.field(0)));
    }
    // Without the code, or with another program's code, closures are refused.
    let e = intern(&mut d, &get("closure"), None).unwrap_err();
    assert!(e.contains("functional value"), "{e}");
    let other = CodeFragment { digest: [0; 16], entries: frag.entries };
    assert!(intern(&mut d, &get("closure"), Some(&other))
        .unwrap_err()
        .contains("unknown code module"));
    let short = CodeFragment { digest: frag.digest, entries: &frag.entries[..1] };
    assert!(intern(&mut d, &get("closure"), Some(&short)).is_err());
    // Every closure the stock runtime marshalled points at a function entry; one that
    // points anywhere else (here: just after an entry) is code of no known module.
    let bytes = get("closure");
    let at = bytes.iter().position(|&b| b == CODE_CODEPOINTER).unwrap();
    let ofs = u32::from_be_bytes(bytes[at + 1..at + 5].try_into().unwrap());
    assert!(frag.entries.contains(&(ofs / 4)));
    let mut inside = bytes.clone();
    inside[at + 1..at + 5].copy_from_slice(&(ofs + 4).to_be_bytes());
    let e = intern(&mut d, &inside, Some(&frag)).unwrap_err();
    assert!(e.starts_with("unknown code module "), "{e}");
}

/// A closure [code; closinfo; env] marshalled by hand, with the given code field.
fn closure_bytes(code_item: &[u8], info: u8) -> Vec<u8> {
    let mut data = vec![CODE_BLOCK32];
    data.extend_from_slice(&u32::to_be_bytes((3 << 10) | u32::from(CLOSURE_TAG)));
    data.extend_from_slice(code_item);
    data.push(0x40 | info); // closinfo: startenv = info
    data.push(0x45); // env: 5
    wrap(&data, 1, 4)
}

#[test]
fn forged_closures_are_refused() {
    let mut d = dom();
    let frag = CodeFragment { digest: [7; 16], entries: &[2, 40] };
    let mut ptr = vec![CODE_CODEPOINTER, 0, 0, 0, 8];
    ptr.extend_from_slice(&[7; 16]);
    let (v, _) = intern(&mut d, &closure_bytes(&ptr, 2), Some(&frag)).unwrap();
    // SAFETY: a closure of 3 fields.
    unsafe { assert_eq!(crate::heap::code_pointer::code_index(v.field(0)), Some(2)) };
    // A plain integer where the code pointer goes.
    assert!(intern(&mut d, &closure_bytes(&[0x41], 2), Some(&frag))
        .unwrap_err()
        .contains("closure"));
    // An environment start beyond the block.
    assert!(intern(&mut d, &closure_bytes(&ptr, 9), Some(&frag)).unwrap_err().contains("closure"));
    // A code offset that is not word-aligned, or outside the code.
    let mut odd = ptr.clone();
    odd[4] = 6;
    assert!(intern(&mut d, &closure_bytes(&odd, 2), Some(&frag)).is_err());
    let mut far = ptr.clone();
    far[3] = 0xFF;
    assert!(intern(&mut d, &closure_bytes(&far, 2), Some(&frag)).is_err());
    // An infix pointer into something that is not a closure.
    let mut data = vec![CODE_INFIXPOINTER, 0, 0, 0, 16, 0xB0, 0x41, 0x42, 0x43];
    assert!(intern(&mut d, &wrap(&data, 1, 4), Some(&frag)).unwrap_err().contains("infix"));
    data[4] = 8;
    assert!(intern(&mut d, &wrap(&data, 1, 4), Some(&frag)).is_err());
}

#[test]
fn custom_block_errors() {
    let mut d = dom();
    let unknown = wrap(b"\x19_nope\0\0\0\0\0\0\0\0\0", 1, 3);
    assert_eq!(
        intern(&mut d, &unknown, None).unwrap_err(),
        "unknown custom block identifier _nope"
    );
    let not_fixed = wrap(b"\x19_wardentest_liar\0\0", 1, 3);
    assert_eq!(
        intern(&mut d, &not_fixed, None).unwrap_err(),
        "expected a fixed-size custom block _wardentest_liar"
    );
    let mut liar = b"\x18_wardentest_liar\0".to_vec();
    liar.extend_from_slice(&[0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 9]);
    assert_eq!(
        intern(&mut d, &wrap(&liar, 1, 3), None).unwrap_err(),
        "error while deserializing custom block _wardentest_liar"
    );
    // A failed block with a finaliser is made inert (it is in the major heap, unreachable).
    let fin = wrap(b"\x19_wardentest_fin\0\x01", 1, 3);
    assert!(intern(&mut d, &fin, None).is_err());
    let old = wrap(b"\x12_j\0", 1, 3);
    assert!(intern(&mut d, &old, None).unwrap_err().contains("4.08"));
    // The length form with a size other than a fixed-size kind's: refused before its
    // deserialiser could write past the block.
    let mut short_j = b"\x18_j\0".to_vec();
    short_j.extend_from_slice(&[0; 12]);
    short_j.extend_from_slice(&[0xFF; 8]);
    assert_eq!(
        intern(&mut d, &wrap(&short_j, 1, 3), None).unwrap_err(),
        "error while deserializing custom block _j"
    );
    // Payload missing.
    assert!(intern(&mut d, &wrap(b"\x19_j\0\x01\x02", 1, 3), None).is_err());
    // No NUL after the identifier.
    assert!(intern(&mut d, &wrap(b"\x19_j", 1, 3), None).is_err());
    // A huge declared size.
    let mut big = b"\x18_wardentest_liar\0".to_vec();
    big.extend_from_slice(&[0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1]);
    assert!(intern(&mut d, &wrap(&big, 1, u32::MAX), None).unwrap_err().contains("ill-formed"));
}

#[test]
fn headers_and_sizes() {
    let m = hex("8495a6be00000007000000030000000900000009a041a042a04340");
    assert_eq!(data_size(&m).unwrap(), (20, 7));
    assert_eq!(header_len(&m[..5]).unwrap(), 20);
    let h = parse_header(&m).unwrap();
    assert_eq!((h.num_objects, h.whsize, h.compressed), (3, 9, false));
    // The big header.
    let mut big = MAGIC_BIG.to_be_bytes().to_vec();
    big.extend_from_slice(&[0; 4]);
    for n in [7u64, 3, 9] {
        big.extend_from_slice(&n.to_be_bytes());
    }
    big.extend_from_slice(&m[20..]);
    assert_eq!(data_size(&big).unwrap(), (32, 7));
    let mut d = dom();
    let (v, used) = intern(&mut d, &big, None).unwrap();
    assert_eq!(used, big.len());
    assert_eq!(int_field(v, 0), 1);
    // The compressed header is parsed but refused.
    let comp = [0x84, 0x95, 0xA6, 0xBD, 10, 1, 1, 0, 1, 1];
    assert_eq!(data_size(&comp).unwrap(), (10, 1));
    assert!(parse_header(&comp).unwrap().compressed);
    assert_eq!(
        intern(&mut d, &comp, None).unwrap_err(),
        "compressed marshalled data is not supported"
    );
    assert_eq!(header_len(&comp).unwrap(), 10);
    assert_eq!(data_size(b"\0\0\0\0").unwrap_err(), "bad object");
    assert_eq!(intern(&mut d, b"\x84\x95", None).unwrap_err(), "truncated object");
    // Trailing bytes after the value are not consumed.
    let mut more = m.clone();
    more.extend_from_slice(b"rest");
    assert_eq!(intern(&mut d, &more, None).unwrap().1, m.len());
}

#[test]
fn hostile_input_gives_errors() {
    let mut d = dom();
    let cases: &[(&[u8], u32, u32, &str)] = &[
        (b"", 0, 0, "truncated"),
        (b"\x08\x00\x00\x0c\xff\x41\x41\x41", 1, 4, "tag 255"), // a Custom_tag block from BLOCK32
        (b"\x08\x00\x00\x04\xfc\x41", 1, 2, "tag 252"),         // a String_tag block
        (b"\x08\x00\x00\x04\xf9\x41", 1, 2, "tag 249"),         // an infix block
        (b"\x08\x00\x00\x04\xf5\x41", 1, 2, "tag 245"),         // a continuation
        (b"\x08\x00\x00\x04\xf8\x41", 1, 2, "fewer than 2"),    // a one-field object
        (b"\x08\x00\x00\x00\xff", 0, 0, "empty block"),         // a Custom_tag atom
        (b"\x08\xff\xff\xfc\x00", 1, 0, "truncated"),           // a block larger than the data
        (b"\x0a\x7f\xff\xff\xff", 1, 0, "truncated"),           // a string larger than the data
        (b"\x16\x00\x00\x00\x00\xff\xff\xff\xff", 1, 0, "truncated"),
        (b"\x17\x20\x00\x00\x00\x00\x00\x00\x00", 1, 0, "truncated"), // len * 8 overflows
        (b"\xa0\x04\x01\x04\x02", 1, 3, "shared reference 2"),
        (b"\xa0\x04\x00\x40", 1, 3, "shared reference 0"),
        (b"\xa0\x04\x01\x40", 0, 3, "without sharing"),
        (b"\xa0\x41\x41", 1, 2, "more heap"), // whsize too small
        (b"\xa0\x21\x41\x41", 1, 9, "more objects"), // num_objects too small
        (b"\x1f", 0, 0, "unknown item code 0x1f"),
        (b"\x10\x00\x00\x00\x00", 0, 0, "truncated"),
        (b"\x11\x00\x00\x00\x08\x41", 0, 0, "infix"),
    ];
    for (data, nobj, whsize, needle) in cases {
        let e = intern(&mut d, &wrap(data, *nobj, *whsize), None).unwrap_err();
        assert!(e.contains(needle), "{data:02x?}: {e:?} should mention {needle:?}");
    }
    // Nested blocks that each claim all the bytes left: refused at the second, so memory
    // stays linear in the input whatever the header says.
    let mut data = Vec::new();
    for _ in 0..1000 {
        data.push(CODE_BLOCK32);
        data.extend_from_slice(&((5000u32 << 10) | 1).to_be_bytes());
    }
    data.extend_from_slice(&[0x40; 4000]);
    assert!(intern(&mut d, &wrap(&data, 2000, u32::MAX), None).unwrap_err().contains("truncated"));
    // A header announcing more data than there is.
    let mut m = wrap(b"\x41", 0, 0);
    m[7] = 9;
    assert!(intern(&mut d, &m, None).unwrap_err().starts_with("bad length"));
    let mut m = wrap(b"\x41", 0, 0);
    m[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(intern(&mut d, &m, None).is_err());
}

#[test]
fn deep_nesting_uses_no_rust_stack() {
    let mut d = dom();
    let n = 1_000_000;
    let mut data = vec![0x90u8; n]; // block, tag 0, one field: the next block
    data.push(0x45);
    let m = wrap(&data, n as u32, 2 * n as u32);
    let (mut v, _) = intern(&mut d, &m, None).unwrap();
    for _ in 0..n {
        // SAFETY: a chain of one-field blocks.
        v = unsafe { v.field(0) };
    }
    assert_eq!(v.int(), 5);
    // A long chain of infix prefixes is an error, not a stack overflow.
    let mut data = Vec::new();
    for _ in 0..200_000 {
        data.extend_from_slice(&[CODE_INFIXPOINTER, 0, 0, 0, 8]);
    }
    data.push(0x41);
    assert!(intern(&mut d, &wrap(&data, 0, 0), None).is_err());
}
