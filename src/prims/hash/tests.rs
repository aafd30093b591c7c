//! Tests of the hash functions against values the stock runtime computes.

use super::*;
use crate::heap::value::Header;

/// A test-only heap: each block is a boxed word slice (header, then fields), kept alive
/// until the arena is dropped. Values point at word 1, as in the real heap.
struct Arena {
    blocks: Vec<Box<[usize]>>,
}

impl Arena {
    fn new() -> Arena {
        Arena { blocks: Vec::new() }
    }
    fn raw_block(&mut self, tag: u8, words: &[usize]) -> Value {
        let mut b = vec![Header::new(words.len(), tag, 0).0];
        b.extend_from_slice(words);
        let mut b = b.into_boxed_slice();
        let v = Value(b.as_mut_ptr().wrapping_add(1) as usize);
        self.blocks.push(b);
        v
    }
    fn block(&mut self, tag: u8, fields: &[Value]) -> Value {
        let words: Vec<usize> = fields.iter().map(|v| v.0).collect();
        self.raw_block(tag, &words)
    }
    fn string(&mut self, s: &[u8]) -> Value {
        let wosize = crate::heap::value::string_wosize(s.len());
        let mut bytes = vec![0u8; wosize * WORD];
        bytes[..s.len()].copy_from_slice(s);
        bytes[wosize * WORD - 1] = (wosize * WORD - 1 - s.len()) as u8;
        let words: Vec<usize> =
            bytes.chunks_exact(WORD).map(|c| usize::from_ne_bytes(c.try_into().unwrap())).collect();
        self.raw_block(STRING_TAG, &words)
    }
    fn double(&mut self, f: f64) -> Value {
        self.raw_block(DOUBLE_TAG, &[f.to_bits() as usize])
    }
    fn float_array(&mut self, fs: &[f64]) -> Value {
        let words: Vec<usize> = fs.iter().map(|f| f.to_bits() as usize).collect();
        self.raw_block(DOUBLE_ARRAY_TAG, &words)
    }
    fn list(&mut self, items: &[Value]) -> Value {
        items.iter().rev().fold(Value::EMPTY_LIST, |tl, &hd| self.block(0, &[hd, tl]))
    }
    fn ints(&mut self, items: impl IntoIterator<Item = isize>) -> Value {
        let vs: Vec<Value> = items.into_iter().map(Value::of_int).collect();
        self.list(&vs)
    }
    /// A custom block whose "ops" word is a test sentinel read by [`custom_hash`].
    fn custom(&mut self, ops: usize, payload: u64) -> Value {
        self.raw_block(CUSTOM_TAG, &[ops, payload as usize])
    }
}

const OPS_INT64: usize = 0x1000;
const OPS_INT32: usize = 0x2000;
const OPS_NATIVEINT: usize = 0x3000;
const OPS_NO_HASH: usize = 0x4000;

/// The hash functions of the stock `Int64`, `Int32` and `Nativeint` custom operations
/// (runtime/ints.c), truncated to 32 bits as caml_hash does.
fn custom_hash(v: Value) -> Option<u32> {
    // SAFETY: only called on arena Custom_tag blocks, which have two words.
    let (ops, x) = unsafe { (v.raw(0), v.raw(1) as i64) };
    match ops {
        OPS_INT64 => Some(((x >> 32) as u32) ^ (x as u32)),
        OPS_INT32 => Some(x as i32 as u32),
        OPS_NATIVEINT => Some(((x >> 32) ^ (x >> 63) ^ x) as u32),
        _ => None,
    }
}

/// `Btype.hash_variant`: the int a polymorphic variant tag compiles to.
fn hash_variant(s: &str) -> isize {
    let mut accu: isize = 0;
    for b in s.bytes() {
        accu = accu.wrapping_mul(223).wrapping_add(b as isize);
    }
    accu &= (1 << 31) - 1;
    if accu > 0x3FFF_FFFF {
        accu - (1 << 31)
    } else {
        accu
    }
}

fn pat(n: usize) -> Vec<u8> {
    (0..n).map(|i| ((i * 7 + 3) & 255) as u8).collect()
}

// The oracle program's definitions (compiled with the stock ocamlc, run with ocamlrun);
// each value was printed as `name` followed by the seven hashes listed at ORACLE.
//
// type r = { x : float; y : float }
// type m = { a : int; b : float; c : string }
// type v = A | B of int | C of int * string | D
// exception E1
// exception E2 of int
// let rec range i n = if i >= n then [] else i :: range (i+1) n
// let pat n = String.init n (fun i -> Char.chr ((i * 7 + 3) land 255))
// type d = Leaf | Node of d * int
// let rec deep n = if n = 0 then Leaf else Node (deep (n-1), n)
// type t = Lf | Nd of t * int * t
// let rec tree n = if n = 0 then Lf else Nd (tree (n-1), n, tree (n-1))
// let fwd = let b = Obj.new_block Obj.forward_tag 1 in Obj.set_field b 0 (Obj.repr "fwd"); b
// let fwd2 = let b = Obj.new_block Obj.forward_tag 1 in Obj.set_field b 0 fwd; b
// let fwdloop = let b = Obj.new_block Obj.forward_tag 1 in Obj.set_field b 0 b; b
// let obj = let b = Obj.new_block Obj.object_tag 3 in Obj.set_field b 0 (Obj.repr 0); Obj.set_field b 1 (Obj.repr 12345); Obj.set_field b 2 (Obj.repr "x"); b
// let objneg = let b = Obj.new_block Obj.object_tag 2 in Obj.set_field b 0 (Obj.repr 0); Obj.set_field b 1 (Obj.repr (-77)); b
// let abs = let b = Obj.new_block Obj.abstract_tag 3 in b
// let rec cyc = 1 :: 2 :: cyc
// let values : (string * Obj.t) list = [
//   "int0", Obj.repr 0; "int1", Obj.repr 1; "intm1", Obj.repr (-1); "int42", Obj.repr 42;
//   "maxint", Obj.repr max_int; "minint", Obj.repr min_int; "int2p40", Obj.repr (1 lsl 40);
//   "int2p31", Obj.repr (1 lsl 31); "intm2p31", Obj.repr (- (1 lsl 31)); "intm2p31m1", Obj.repr (- (1 lsl 31) - 1);
//   "chara", Obj.repr 'a'; "true", Obj.repr true; "unit", Obj.repr ();
//   "s0", Obj.repr ""; "s1", Obj.repr "a"; "s2", Obj.repr "ab"; "s3", Obj.repr "abc"; "s4", Obj.repr "abcd";
//   "s5", Obj.repr "abcde"; "shello", Obj.repr "hello world"; "s300", Obj.repr (pat 300); "s7", Obj.repr (pat 7);
//   "f0", Obj.repr 0.0; "fm0", Obj.repr (-0.0); "f1.5", Obj.repr 1.5; "fnan", Obj.repr nan;
//   "fmnan", Obj.repr (Float.neg nan); "fsnan", Obj.repr (Int64.float_of_bits 0x7FF0000000000001L);
//   "fnan2", Obj.repr (Int64.float_of_bits 0xFFF8000000001234L);
//   "finf", Obj.repr infinity; "fminf", Obj.repr neg_infinity; "f1e300", Obj.repr 1e300; "fpi", Obj.repr 3.14159;
//   "fdenorm", Obj.repr 4.9e-324;
//   "l123", Obj.repr [1;2;3]; "lnil", Obj.repr ([] : int list); "l300", Obj.repr (range 0 300);
//   "lstr", Obj.repr ["a"; "bb"; "ccc"];
//   "t2", Obj.repr (1, 2); "t3", Obj.repr (1, "a", 2.0); "rxy", Obj.repr { x = 1.0; y = 2.0 };
//   "rm", Obj.repr { a = 3; b = -0.0; c = "zz" };
//   "fa3", Obj.repr [| 1.0; 2.0; nan |]; "faempty", Obj.repr ([||] : float array);
//   "fa50", Obj.repr (Array.init 50 float_of_int); "ia3", Obj.repr [| 1; 2; 3 |];
//   "a300", Obj.repr (Array.init 300 (fun i -> i * 3));
//   "vA", Obj.repr A; "vB", Obj.repr (B 5); "vC", Obj.repr (C (7, "q")); "vD", Obj.repr D;
//   "some1", Obj.repr (Some 1); "none", Obj.repr None;
//   "pvfoo", Obj.repr (`Foo 1); "pvbar", Obj.repr `Bar;
//   "deep50", Obj.repr (deep 50); "tree6", Obj.repr (tree 6);
//   "nested", Obj.repr [[1;2];[3];[];[4;5;6]];
//   "fwd", fwd; "fwd2", fwd2; "fwdloop", fwdloop; "obj", obj; "objneg", objneg; "abs", abs;
//   "cyc", Obj.repr cyc;
//   "i64", Obj.repr 0x123456789ABCDEFL; "i32", Obj.repr (-5l); "ni", Obj.repr (-123456789012n);
//   "i64list", Obj.repr [1L; -1L; Int64.min_int];
//   "exnNF", Obj.repr Not_found; "exnE1", Obj.repr E1; "exnE2", Obj.repr (E2 9);
//   "big", Obj.repr (Array.init 20 (fun i -> (i, string_of_int i, float_of_int i)));
// ]

/// Builds the value the oracle program above named `name`.
#[allow(clippy::approx_constant)] // "fpi" is the oracle's literal 3.14159, not π.
fn build(a: &mut Arena, name: &str) -> Value {
    let int = Value::of_int;
    match name {
        "int0" | "unit" | "vA" | "none" | "lnil" => int(0),
        "int1" | "true" | "vD" => int(1),
        "intm1" => int(-1),
        "int42" => int(42),
        "maxint" => int((1 << 62) - 1),
        "minint" => int(-(1 << 62)),
        "int2p40" => int(1 << 40),
        "int2p31" => int(1 << 31),
        "intm2p31" => int(-(1 << 31)),
        "intm2p31m1" => int(-(1 << 31) - 1),
        "chara" => int(97),
        "s0" => a.string(b""),
        "s1" => a.string(b"a"),
        "s2" => a.string(b"ab"),
        "s3" => a.string(b"abc"),
        "s4" => a.string(b"abcd"),
        "s5" => a.string(b"abcde"),
        "shello" => a.string(b"hello world"),
        "s300" => a.string(&pat(300)),
        "s7" => a.string(&pat(7)),
        "f0" => a.double(0.0),
        "fm0" => a.double(-0.0),
        "f1.5" => a.double(1.5),
        "fnan" => a.double(f64::NAN),
        "fmnan" => a.double(-f64::NAN),
        "fsnan" => a.double(f64::from_bits(0x7FF0_0000_0000_0001)),
        "fnan2" => a.double(f64::from_bits(0xFFF8_0000_0000_1234)),
        "finf" => a.double(f64::INFINITY),
        "fminf" => a.double(f64::NEG_INFINITY),
        "f1e300" => a.double(1e300),
        "fpi" => a.double(3.14159),
        "fdenorm" => a.double(4.9e-324),
        "l123" => a.ints([1, 2, 3]),
        "l300" => a.ints(0..300),
        "lstr" => {
            let items = [a.string(b"a"), a.string(b"bb"), a.string(b"ccc")];
            a.list(&items)
        }
        "t2" => a.block(0, &[int(1), int(2)]),
        "t3" => {
            let (s, f) = (a.string(b"a"), a.double(2.0));
            a.block(0, &[int(1), s, f])
        }
        "rxy" => a.float_array(&[1.0, 2.0]),
        "rm" => {
            let (f, s) = (a.double(-0.0), a.string(b"zz"));
            a.block(0, &[int(3), f, s])
        }
        "fa3" => a.float_array(&[1.0, 2.0, f64::NAN]),
        "faempty" => a.block(0, &[]),
        "fa50" => a.float_array(&(0..50).map(|i| i as f64).collect::<Vec<_>>()),
        "ia3" => a.block(0, &[int(1), int(2), int(3)]),
        "a300" => a.block(0, &(0..300).map(|i| int(i * 3)).collect::<Vec<_>>()),
        "vB" => a.block(0, &[int(5)]),
        "some1" => a.block(0, &[int(1)]),
        "vC" => {
            let s = a.string(b"q");
            a.block(1, &[int(7), s])
        }
        "pvfoo" => a.block(0, &[int(hash_variant("Foo")), int(1)]),
        "pvbar" => int(hash_variant("Bar")),
        "deep50" => (1..=50).fold(int(0), |d, n| a.block(0, &[d, int(n)])),
        "tree6" => {
            fn tree(a: &mut Arena, n: isize) -> Value {
                if n == 0 {
                    return Value::of_int(0);
                }
                let (l, r) = (tree(a, n - 1), tree(a, n - 1));
                a.block(0, &[l, Value::of_int(n), r])
            }
            tree(a, 6)
        }
        "nested" => {
            let items = [a.ints([1, 2]), a.ints([3]), a.ints([]), a.ints([4, 5, 6])];
            a.list(&items)
        }
        "fwd" => {
            let s = a.string(b"fwd");
            a.block(FORWARD_TAG, &[s])
        }
        "fwd2" => {
            let f = build(a, "fwd");
            a.block(FORWARD_TAG, &[f])
        }
        "fwdloop" => {
            let f = a.block(FORWARD_TAG, &[int(0)]);
            // SAFETY: `f` is a fresh arena block with one field.
            unsafe { f.set_field_raw(0, f) };
            f
        }
        "obj" => {
            let s = a.string(b"x");
            a.block(OBJECT_TAG, &[int(0), int(12345), s])
        }
        "objneg" => a.block(OBJECT_TAG, &[int(0), int(-77)]),
        "abs" => a.raw_block(ABSTRACT_TAG, &[0, 0, 0]),
        "cyc" => {
            let c2 = a.block(0, &[int(2), int(0)]);
            let c1 = a.block(0, &[int(1), c2]);
            // SAFETY: `c2` is a fresh arena block with two fields.
            unsafe { c2.set_field_raw(1, c1) };
            c1
        }
        "i64" => a.custom(OPS_INT64, 0x123456789ABCDEF),
        "i32" => a.custom(OPS_INT32, -5i64 as u64),
        "ni" => a.custom(OPS_NATIVEINT, -123456789012i64 as u64),
        "i64list" => {
            let items = [
                a.custom(OPS_INT64, 1),
                a.custom(OPS_INT64, u64::MAX),
                a.custom(OPS_INT64, i64::MIN as u64),
            ];
            a.list(&items)
        }
        "exnNF" => {
            let s = a.string(b"Not_found");
            a.block(OBJECT_TAG, &[s, int(-7)])
        }
        "exnE1" => {
            let s = a.string(b"Hash.E1");
            a.block(OBJECT_TAG, &[s, int(7)])
        }
        "exnE2" => {
            let s = a.string(b"Hash.E2");
            let c = a.block(OBJECT_TAG, &[s, int(8)]);
            a.block(0, &[c, int(9)])
        }
        "big" => {
            let items: Vec<Value> = (0..20)
                .map(|i| {
                    let s = a.string(i.to_string().as_bytes());
                    let f = a.double(i as f64);
                    a.block(0, &[int(i), s, f])
                })
                .collect();
            a.block(0, &items)
        }
        _ => panic!("no builder for oracle value {name}"),
    }
}

/// Per line: name, then `Hashtbl.hash`, `seeded_hash 42`, `hash_param 3 5`,
/// `hash_param 1000 1000`, `hash_param 2 (-1)`, `hash_param 0 10` and
/// `seeded_hash_param 10 0 (-1)`, as printed by the stock OCaml 5.3.0 `ocamlrun`.
const ORACLE: &str = "\
    int0 129913994 269061838 129913994 129913994 129913994 0 672444300\n\
    int1 883721435 166027884 883721435 883721435 883721435 0 1464034\n\
    intm1 911466517 454557218 911466517 911466517 911466517 0 670242655\n\
    int42 395478795 375102761 395478795 395478795 395478795 0 672688346\n\
    maxint 952257787 1019944724 952257787 952257787 952257787 0 1027968063\n\
    minint 69827754 402668238 69827754 69827754 69827754 0 399927086\n\
    int2p40 268849449 881635911 268849449 268849449 268849449 0 28825436\n\
    int2p31 1058613066 992140660 1058613066 1058613066 1058613066 0 925088927\n\
    intm2p31 129913994 269061838 129913994 129913994 129913994 0 672444300\n\
    intm2p31m1 480907448 558153123 480907448 480907448 480907448 0 1026515214\n\
    chara 791031830 118055264 791031830 791031830 791031830 0 910818542\n\
    true 883721435 166027884 883721435 883721435 883721435 0 1464034\n\
    unit 129913994 269061838 129913994 129913994 129913994 0 672444300\n\
    s0 0 142593372 0 0 0 0 32599865\n\
    s1 721651713 411531346 721651713 721651713 721651713 0 354506308\n\
    s2 856662637 960506012 856662637 856662637 856662637 0 1014777934\n\
    s3 767105082 93182985 767105082 767105082 767105082 0 311056820\n\
    s4 65890154 677438924 65890154 65890154 65890154 0 729662808\n\
    s5 335633756 814637928 335633756 335633756 335633756 0 363384853\n\
    shello 1053319576 190696774 1053319576 1053319576 1053319576 0 890338283\n\
    s300 382141777 956083572 382141777 382141777 382141777 0 164617622\n\
    s7 565765667 1055681584 565765667 565765667 565765667 0 641950920\n\
    f0 256347020 621800908 256347020 256347020 256347020 0 909261653\n\
    fm0 256347020 621800908 256347020 256347020 256347020 0 909261653\n\
    f1.5 819188451 514464793 819188451 819188451 819188451 0 241435943\n\
    fnan 841516429 660605575 841516429 841516429 841516429 0 675491631\n\
    fmnan 841516429 660605575 841516429 841516429 841516429 0 675491631\n\
    fsnan 841516429 660605575 841516429 841516429 841516429 0 675491631\n\
    fnan2 841516429 660605575 841516429 841516429 841516429 0 675491631\n\
    finf 602560251 903717821 602560251 602560251 602560251 0 846816628\n\
    fminf 94337138 330049093 94337138 94337138 94337138 0 714399701\n\
    f1e300 147390276 497947991 147390276 147390276 147390276 0 617292530\n\
    fpi 38234917 71530859 38234917 38234917 38234917 0 585320750\n\
    fdenorm 746625832 490139481 746625832 746625832 746625832 0 1040517493\n\
    l123 794519639 145178410 993201103 794519639 352505901 0 391022387\n\
    lnil 129913994 269061838 129913994 129913994 129913994 0 672444300\n\
    l300 182325193 161425043 449577207 746952403 347406853 0 391022387\n\
    lstr 498722838 896212022 913967561 498722838 81236461 0 391022387\n\
    t2 1014741498 566173450 1014741498 1014741498 1014741498 0 391022387\n\
    t3 755345695 316867119 755345695 755345695 420199135 0 609996748\n\
    rxy 332890686 779825141 332890686 332890686 332890686 0 617341052\n\
    rm 1011180740 957403548 1011180740 1011180740 213214260 0 609996748\n\
    fa3 486809232 852155823 486809232 486809232 332890686 0 436469346\n\
    faempty 1058613066 992140660 1058613066 1058613066 1058613066 0 925088927\n\
    fa50 448174099 699071028 749279549 891549685 311238604 0 105939160\n\
    ia3 369955794 1034662913 369955794 369955794 487413236 0 609996748\n\
    a300 314017111 1004648978 963874713 107222714 672915208 0 862709553\n\
    vA 129913994 269061838 129913994 129913994 129913994 0 672444300\n\
    vB 448001807 288256153 448001807 448001807 448001807 0 304500533\n\
    vC 425697751 7224975 425697751 425697751 425697751 0 136558108\n\
    vD 883721435 166027884 883721435 883721435 883721435 0 1464034\n\
    some1 333416126 794044344 333416126 333416126 333416126 0 304500533\n\
    none 129913994 269061838 129913994 129913994 129913994 0 672444300\n\
    pvfoo 86905570 348128455 86905570 86905570 86905570 0 391022387\n\
    pvbar 78194690 297978216 78194690 78194690 78194690 0 114854870\n\
    deep50 148446541 172474016 1056489283 80530167 1056489283 0 391022387\n\
    tree6 143608910 174903147 452674953 485808263 744094145 0 609996748\n\
    nested 533143737 704837387 732315962 949371229 54527671 0 391022387\n\
    fwd 527440799 586786469 527440799 527440799 527440799 0 39198659\n\
    fwd2 527440799 586786469 527440799 527440799 527440799 0 39198659\n\
    fwdloop 0 142593372 0 0 0 0 32599865\n\
    obj 185695616 486646776 185695616 185695616 185695616 0 41168287\n\
    objneg 418442174 369619464 418442174 418442174 418442174 0 335237341\n\
    abs 0 142593372 0 0 0 0 32599865\n\
    cyc 436528 71254904 993201103 462300843 352505901 0 391022387\n\
    i64 181395 206580855 181395 181395 181395 0 51611525\n\
    i32 80737749 839125935 80737749 80737749 80737749 0 720211031\n\
    ni 658660494 1009278596 658660494 658660494 658660494 0 595899526\n\
    i64list 1066939781 1038445402 1018791541 1066939781 744512556 0 391022387\n\
    exnNF 77309637 529344849 77309637 77309637 77309637 0 107564853\n\
    exnE1 152507349 97476682 152507349 152507349 152507349 0 610320638\n\
    exnE2 101748002 780930626 101748002 101748002 101748002 0 391022387\n\
    big 820987799 210337294 134448981 843654763 850524937 0 144905914\n\
";

fn h(count: isize, limit: isize, seed: isize, v: Value) -> u32 {
    let (count, limit) = hash_params(count, limit);
    // SAFETY: `v` was built in a live arena and nothing mutates it during the call.
    unsafe { hash_value(count, limit, seed as u32, v, &custom_hash) }
}

#[test]
fn matches_stock_hashtbl_hash() {
    let mut a = Arena::new();
    let mut checked = 0;
    for line in ORACLE.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut parts = line.split_whitespace();
        let name = parts.next().unwrap();
        let want: Vec<u32> = parts.map(|p| p.parse().unwrap()).collect();
        let v = build(&mut a, name);
        let got = [
            h(10, 100, 0, v),
            h(10, 100, 42, v),
            h(3, 5, 0, v),
            h(1000, 1000, 0, v),
            h(2, -1, 0, v),
            h(0, 10, 0, v),
            h(10, 0, -1, v),
        ];
        assert_eq!(got.as_slice(), want.as_slice(), "value {name}");
        checked += 1;
    }
    assert_eq!(checked, 73);
}

#[test]
fn seeds_use_the_low_32_bits() {
    let mut a = Arena::new();
    let s = a.string(b"abc");
    assert_eq!(h(10, 100, 0x7F_FFFF_FFFF, s), 311056820);
    assert_eq!(h(10, 100, -1, s), 311056820);
    assert_eq!(h(10, 100, (1 << 62) - 1, Value::of_int(7)), 600893092);
    // caml_string_hash on the same string, same seed.
    assert_eq!(string_hash(u32::MAX, b"abc"), 311056820);
}

/// Closures, as dumped by the oracle with `Obj.raw_field` in one run (the stock runtime
/// mixes raw code addresses, so these hashes hold only for that run's addresses; under
/// warden the code words are tagged instruction indices and are mixed the same way).
/// Columns: `Hashtbl.hash`, `hash_param 1 1`, `hash_param 2 100`, `seeded_hash 5`.
#[test]
fn closures_and_infix_pointers() {
    let mut a = Arena::new();
    let all = |v: Value| [h(10, 100, 0, v), h(1, 1, 0, v), h(2, 100, 0, v), h(10, 100, 5, v)];

    // let mk k = fun x -> x + k, applied to 5: [code; closinfo(0,2); 5]
    let clos1 = a.raw_block(CLOSURE_TAG, &[0x7f3f47fcb244, 0x5, 0xb]);
    assert_eq!(all(clos1), [472221378, 646389133, 646389133, 213806355]);
    // fun x -> x + 1: [code; closinfo(0,2)]
    let clos0 = a.raw_block(CLOSURE_TAG, &[0x7f3f47fcb230, 0x5]);
    assert_eq!(all(clos0), [1020522878, 1020522878, 1020522878, 279124325]);
    // let rec f .. and g ..: [code_f; closinfo(0,5); infix hd (3); code_g; closinfo(0,2)]
    let f = a.raw_block(CLOSURE_TAG, &[0x7f3f47fcb10c, 0xb, 0xcf9, 0x7f3f47fcb14c, 0x5]);
    assert_eq!(all(f), [325915162, 325915162, 325915162, 296791710]);
    let g = Value(f.0 + 3 * WORD);
    assert_eq!(all(g), [659180403, 659180403, 659180403, 1035653370]);
    // Local recursive pair capturing k = 5: environment field after both slots.
    let p = a.raw_block(CLOSURE_TAG, &[0x7f3f47fcb18c, 0xb, 0xcf9, 0x7f3f47fcb1c4, 0x5, 0xb]);
    assert_eq!(all(p), [178866395, 870527237, 870527237, 587855097]);
    let q = Value(p.0 + 3 * WORD);
    assert_eq!(all(q), [859728686, 601107217, 601107217, 131898040]);
}

/// A captured effect continuation (Cont_tag, 2 words): `Hashtbl.hash k`,
/// `Hashtbl.seeded_hash 9 k` and `Hashtbl.hash (k, 1)` from the oracle.
#[test]
fn continuations_mix_nothing() {
    let mut a = Arena::new();
    let k = a.raw_block(CONT_TAG, &[0x1234_5670, 0]);
    assert_eq!(h(10, 100, 0, k), 0);
    assert_eq!(h(10, 100, 9, k), 41691411);
    let pair = a.block(0, &[k, Value::of_int(1)]);
    assert_eq!(h(10, 100, 0, pair), 335935117);
}

#[test]
fn custom_without_hash_is_skipped() {
    let mut a = Arena::new();
    let c = a.custom(OPS_NO_HASH, 99);
    assert_eq!(h(10, 100, 0, c), 0);
    let pair = a.block(0, &[c, Value::of_int(0)]);
    let pair2 = a.block(0, &[Value::of_int(0)]);
    // Same as a one-field block holding just the int, except for the header's size.
    assert_ne!(h(10, 100, 0, pair), h(10, 100, 0, pair2));
}

#[test]
fn parameter_clamping() {
    assert_eq!(hash_params(-5, -1), (0, HASH_QUEUE_SIZE));
    assert_eq!(hash_params(10, 100), (10, 100));
    assert_eq!(hash_params(10, 257), (10, HASH_QUEUE_SIZE));
    assert_eq!(hash_params(10, 256), (10, 256));
    assert_eq!(hash_params(10, 0), (10, 0));
}

#[test]
fn mixing_primitives() {
    // -0.0 and 0.0, and all NaNs, mix alike.
    assert_eq!(mix_double(7, -0.0), mix_double(7, 0.0));
    assert_eq!(mix_double(7, f64::NAN), mix_double(7, f64::from_bits(0xFFF0_0000_0000_0001)));
    assert_eq!(mix_float(7, -0.0), mix_float(7, 0.0));
    assert_eq!(mix_float(7, f32::NAN), mix_float(7, f32::from_bits(0xFF80_0001)));
    // A small native int mixes as its low 32 bits.
    assert_eq!(mix_intnat(3, -5), mix_u32(3, -5i32 as u32));
    assert_eq!(mix_i64(3, -5), mix_u32(mix_u32(3, -5i32 as u32), u32::MAX));
}

#[test]
fn malformed_blocks_do_not_panic_or_hang() {
    let mut a = Arena::new();
    // A closure whose start-of-environment lies past its end.
    let c = a.raw_block(CLOSURE_TAG, &[0x10, (200 << 1) | 1]);
    let _ = h(10, 100, 0, c);
    // Closure, object, float and string blocks with too few words.
    for tag in [CLOSURE_TAG, OBJECT_TAG, DOUBLE_TAG, STRING_TAG, FORWARD_TAG] {
        let b = a.raw_block(tag, &[]);
        let _ = h(10, 100, 0, b);
    }
    // A string whose padding byte is larger than the block.
    let s = a.raw_block(STRING_TAG, &[usize::MAX]);
    assert_eq!(h(10, 100, 0, s), h(10, 100, 0, a.string(b"")));
    // An infix header of size 0 (would point at itself forever).
    let i = a.raw_block(INFIX_TAG, &[]);
    let _ = h(10, 100, 0, i);
    // Huge counts.
    let l = a.ints(0..1000);
    let _ = h(isize::MAX, isize::MAX, 0, l);
}
