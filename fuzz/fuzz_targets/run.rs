//! Fuzzes the verifier and the interpreter together: the input drives a generator of small
//! executables (valid sections, a DATA section with the predefined exceptions, a main body
//! and a few functions built from well-formed snippets, now and then a wild instruction
//! with random operands or a jump to a random snippet), each loaded and, when the verifier
//! accepts it, run in the hardened build with an instruction budget. A signal, a panic or a
//! hang is a finding.
//!
//! Most snippets keep the values they leave on the stack integers (blocks and closures live
//! in the accumulator inside one snippet), so that crashes are about the stack discipline
//! the verifier proves. The *untyped* snippets break the types on purpose: a value of any
//! shape (an integer, an atom, a block of any tag and size, a string, an exception, a
//! closure) goes to the accumulator right before an instruction that needs a particular one
//! (a field read or write past the end or on an integer, a float field, a vector or string
//! access, `VECTLENGTH`, `OFFSETREF`, an application, a method lookup, a `SWITCH`, an
//! environment access beyond the closure). The hardened build's access checks must stop
//! each such run with a `bad-access` (`ImageOutcome::BadAccess`: the run stops, the fuzzer
//! goes on); a signal is a finding.

#![no_main]

#[path = "../../tests/support/exe.rs"]
mod exe;

use exe::{Asm, Exe, Label};
use libfuzzer_sys::fuzz_target;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use warden::api::{Config, Domain, ImageOutcome};
use warden::api::Op::{self, *};

/// Primitives the programs may call: total on integers.
const PRIMS: [&str; 3] = ["caml_int_compare", "caml_ensure_stack_capacity", "caml_greaterequal"];

/// The input, read as a stream of choices (zeros once exhausted).
struct Choices<'a>(&'a [u8]);

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn below(&mut self, n: u32) -> u32 {
        if n == 0 {
            0
        } else {
            u32::from(self.byte()) % n
        }
    }
    fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent
    }
}

/// A function to generate: its entry, arity and captured variables.
#[derive(Clone, Copy)]
struct Func {
    entry: Label,
    arity: u32,
    nvars: u32,
}

struct Gen<'a, 'b> {
    c: &'b mut Choices<'a>,
    a: Asm,
    funcs: Vec<Func>,
    /// Labels of snippet starts, for wild jumps.
    starts: Vec<Label>,
    /// Snippets left to generate (bounds the program's size).
    fuel: u32,
    /// Whether wild instructions may appear (in about half the programs, so that the
    /// others mostly pass the verifier and run).
    wild_ok: bool,
}

impl Gen<'_, '_> {
    /// Pushes `n` integers.
    fn push_ints(&mut self, n: u32) {
        for _ in 0..n {
            let k = self.c.below(7) as i32 - 3;
            self.a.op1(PUSHCONSTINT, k);
        }
    }

    /// A sequence of snippets at stack depth `depth` (in words from the activation's base),
    /// inside function `f` (None: main code); returns the depth at its end.
    fn block(&mut self, depth: u32, f: Option<Func>, nest: u32) -> u32 {
        let mut d = depth;
        let n = 1 + self.c.below(6);
        for _ in 0..n {
            if self.fuel == 0 {
                break;
            }
            self.fuel -= 1;
            let l = self.a.here();
            self.starts.push(l);
            d = self.snippet(d, depth, f, nest);
        }
        d
    }

    fn snippet(&mut self, d: u32, base: u32, f: Option<Func>, nest: u32) -> u32 {
        let choice = self.c.below(26);
        match choice {
            0 => {
                let k = self.c.below(100) as i32 - 50;
                self.a.op1(CONSTINT, k);
                d
            }
            1 => {
                self.a.op(PUSH);
                d + 1
            }
            2 if d > 0 => {
                let n = self.c.below(d) as i32;
                self.a.op1(ACC, n);
                d
            }
            3 if d > 0 => {
                let n = self.c.below(d) as i32;
                self.a.op1(ASSIGN, n);
                d
            }
            4 if d > base => {
                let n = 1 + self.c.below((d - base).min(4));
                self.a.op1(POP, n as i32);
                d - n
            }
            5 => {
                // Integer arithmetic on two integers.
                const OPS: [Op; 8] = [ADDINT, SUBINT, MULINT, ANDINT, ORINT, XORINT, LTINT, EQ];
                self.push_ints(1);
                let op = OPS[self.c.below(8) as usize];
                let k = self.c.below(9) as i32 - 4;
                self.a.op1(CONSTINT, k).op(op);
                d
            }
            6 => {
                // A block built and read back.
                let size = 1 + self.c.below(4);
                self.push_ints(size - 1);
                let k = self.c.below(5) as i32;
                self.a.op1(CONSTINT, k).op2(MAKEBLOCK, size as i32, self.c.below(4) as i32);
                match self.c.below(4) {
                    0 => {
                        self.a.op(VECTLENGTH);
                    }
                    1 => {
                        self.a.op(PUSH).op1(CONSTINT, 9).op(PUSH).op1(ACC, 1);
                        self.a.op1(SETFIELD, self.c.below(size) as i32).op1(POP, 1);
                        self.a.op(CONST0);
                    }
                    2 => {
                        self.a.op1(OFFSETREF, 3).op(CONST1);
                    }
                    _ => {
                        self.a.op1(GETFIELD, self.c.below(size) as i32);
                    }
                }
                d
            }
            7 | 8 => {
                // if ... then ... else ...
                let (els, end) = (self.a.label(), self.a.label());
                let k = self.c.below(2) as i32;
                self.a.op1(CONSTINT, k).jump(BRANCHIFNOT, els);
                let d1 = self.block(d, f, nest + 1);
                self.a.op1(POP, d1.saturating_sub(d) as i32).jump(BRANCH, end);
                self.a.bind(els);
                let d2 = self.block(d, f, nest + 1);
                self.a.op1(POP, d2.saturating_sub(d) as i32).bind(end);
                d
            }
            9 => {
                // try ... with _ -> ...
                let (h, end) = (self.a.label(), self.a.label());
                self.a.jump(PUSHTRAP, h);
                let d1 = self.block(d + 4, f, nest + 1);
                self.a.op1(POP, d1.saturating_sub(d + 4) as i32).op(POPTRAP).jump(BRANCH, end);
                self.a.bind(h).op(CONST0);
                let d2 = self.block(d, f, nest + 1);
                self.a.op1(POP, d2.saturating_sub(d) as i32).bind(end);
                d
            }
            10 => {
                self.a.op1(CONSTINT, self.c.below(5) as i32).op(RAISE);
                d
            }
            11 if !self.funcs.is_empty() => {
                // A call with the exact arity, through PUSH_RETADDR or APPLYn.
                let g = self.funcs[self.c.below(self.funcs.len() as u32) as usize];
                let r = self.a.label();
                let framed = g.arity > 3 || self.c.chance(50);
                if framed {
                    self.a.jump(PUSH_RETADDR, r);
                }
                self.push_ints(g.arity);
                // CLOSURE takes the accumulator and nvars - 1 stack words.
                self.push_ints(g.nvars.saturating_sub(1));
                self.a.op1(CONSTINT, 1).closure(g.nvars as i32, g.entry);
                if framed {
                    self.a.op1(APPLY, g.arity as i32);
                } else {
                    self.a.op(match g.arity {
                        1 => APPLY1,
                        2 => APPLY2,
                        _ => APPLY3,
                    });
                }
                self.a.bind(r);
                d
            }
            12 => {
                // A loop that polls, and one that does not: the budget ends both.
                let top = self.a.here();
                self.a.op(CHECK_SIGNALS).op1(CONSTINT, self.c.below(2) as i32);
                self.a.jump(BRANCHIF, top);
                d
            }
            13 => {
                // switch on a small integer.
                let n = 1 + self.c.below(3);
                let arms: Vec<Label> = (0..n).map(|_| self.a.label()).collect();
                let end = self.a.label();
                self.a.op1(CONSTINT, self.c.below(n) as i32).switch(&arms, &[]);
                for &arm in &arms {
                    self.a.bind(arm);
                    let d1 = self.block(d, f, nest + 1);
                    self.a.op1(POP, d1.saturating_sub(d) as i32).jump(BRANCH, end);
                }
                self.a.bind(end);
                d
            }
            14 => {
                // Make room, then use it.
                let n = self.c.below(64) as i32;
                self.a.op1(CONSTINT, n).op1(C_CALL1, 1);
                let k = self.c.below(n as u32 + 1);
                self.push_ints(k);
                self.a.op1(POP, k as i32);
                d
            }
            15 => {
                self.push_ints(1);
                let p = if self.c.chance(50) { 0 } else { 2 };
                self.a.op1(CONSTINT, 3).op1(C_CALL2, p);
                d
            }
            16 if f.is_some_and(|f| f.nvars > 0) => {
                let nvars = f.unwrap().nvars;
                self.a.op1(ENVACC, 2 + self.c.below(nvars) as i32);
                d
            }
            17 => {
                // Closures built and dropped.
                let nf = 1 + self.c.below(3);
                let bodies: Vec<Label> = (0..nf).map(|_| self.a.label()).collect();
                let skip = self.a.label();
                self.a.op(CONST0).closurerec(0, &bodies).op1(POP, nf as i32).op(CONST0);
                self.a.jump(BRANCH, skip);
                for b in bodies {
                    self.a.bind(b).op(ACC0).op1(RETURN, 1);
                }
                self.a.bind(skip);
                d
            }
            18 if self.wild_ok => self.wild(d, f),
            19..=21 => self.untyped(d, f),
            _ => {
                let k = self.c.below(4) as i32;
                self.a.op1(PUSHCONSTINT, k);
                d + 1
            }
        }
    }

    /// A value of any shape in the accumulator (the stack is as it was).
    fn any_value(&mut self) {
        match self.c.below(7) {
            0 => {
                let k = i32::from(self.c.byte() as i8) * 1000 + self.c.below(100) as i32;
                self.a.op1(CONSTINT, k);
            }
            1 => {
                self.a.op1(ATOM, self.c.byte().into());
            }
            2 | 3 => {
                let size = 1 + self.c.below(4);
                self.push_ints(size - 1);
                let tag = self.c.below(12) as i32;
                self.a.op1(CONSTINT, 5).op2(MAKEBLOCK, size as i32, tag);
            }
            4 => {
                // A predefined exception (tag 248, two fields).
                self.a.op1(GETGLOBAL, self.c.below(12) as i32);
            }
            5 => {
                // An exception's name: a string.
                self.a.op2(GETGLOBALFIELD, self.c.below(12) as i32, 0);
            }
            _ => match self.funcs.iter().copied().find(|g| g.nvars == 0) {
                Some(g) => {
                    self.a.closure(0, g.entry);
                }
                None => {
                    self.a.op(CONST0);
                }
            },
        }
    }

    /// An instruction that needs a value of a particular shape, applied to any value.
    fn untyped(&mut self, d: u32, f: Option<Func>) -> u32 {
        let k = self.c.below(5) as i32;
        match self.c.below(19) {
            0 => {
                self.any_value();
                self.a.op1(GETFIELD, k);
            }
            1 => {
                const OPS: [Op; 4] = [GETFIELD0, GETFIELD1, GETFIELD2, GETFIELD3];
                self.any_value();
                self.a.op(OPS[k as usize % 4]);
            }
            2 => {
                self.push_ints(1);
                self.any_value();
                self.a.op1(SETFIELD, k);
            }
            3 => {
                const OPS: [Op; 4] = [SETFIELD0, SETFIELD1, SETFIELD2, SETFIELD3];
                self.push_ints(1);
                self.any_value();
                self.a.op(OPS[k as usize % 4]);
            }
            4 => {
                self.any_value();
                self.a.op1(GETFLOATFIELD, k);
            }
            5 => {
                self.any_value();
                self.a.op(VECTLENGTH);
            }
            6 | 7 => {
                // The index may be past the end, or negative.
                let op = if self.c.chance(50) { GETVECTITEM } else { GETBYTESCHAR };
                let i = self.c.below(8) as i32 - 2;
                self.a.op1(PUSHCONSTINT, i);
                self.any_value();
                self.a.op(op);
            }
            8 => {
                self.a.op1(PUSHCONSTINT, 65);
                let i = self.c.below(8) as i32 - 2;
                self.a.op1(PUSHCONSTINT, i);
                self.any_value();
                self.a.op(if self.c.chance(50) { SETVECTITEM } else { SETBYTESCHAR });
            }
            9 => {
                let i = self.c.below(8) as i32 - 2;
                self.a.op1(PUSHCONSTINT, i);
                self.any_value();
                self.a.op(GETSTRINGCHAR);
            }
            10 => {
                self.any_value();
                self.a.op1(OFFSETREF, k - 2);
            }
            11 | 12 => {
                // An application of any value (one argument).
                self.push_ints(1);
                self.any_value();
                self.a.op(APPLY1);
            }
            13 => {
                self.any_value();
                self.a.op(PUSH).op1(CONSTINT, k).op(GETMETHOD).op1(POP, 1);
            }
            14 => {
                self.any_value();
                self.a.op(PUSH).op1(CONSTINT, k).op(GETDYNMET).op1(POP, 1);
            }
            15 => {
                self.any_value();
                self.a.op2(GETPUBMET, k, 0).op1(POP, 1);
            }
            16 => {
                // A SWITCH whose tables may be shorter than the value's tag or integer.
                let end = self.a.label();
                let nc = self.c.below(3) as usize;
                let nb = self.c.below(3) as usize;
                self.any_value();
                self.a.switch(&vec![end; nc], &vec![end; nb]);
                self.a.bind(end);
            }
            17 if f.is_some() => {
                let n = f.unwrap().nvars as i32 + k;
                self.a.op1(ENVACC, n);
            }
            _ if f.is_some() => {
                const OPS: [Op; 4] = [OFFSETCLOSUREM3, OFFSETCLOSURE0, OFFSETCLOSURE3, OFFSETCLOSURE];
                let op = OPS[k as usize % 4];
                if op == OFFSETCLOSURE {
                    self.a.op1(op, 3 * k);
                } else {
                    self.a.op(op);
                }
            }
            _ => {
                self.any_value();
                self.a.op(ISINT);
            }
        }
        d
    }

    /// A wild instruction: random operands the verifier must judge. Returns the depth
    /// assuming it is accepted (the verifier decides).
    fn wild(&mut self, d: u32, _f: Option<Func>) -> u32 {
        let n = self.c.below(d + 3) as i32 - 1;
        match self.c.below(12) {
            0 => {
                self.a.op1(ACC, n.max(0));
                d
            }
            1 => {
                self.a.op1(ASSIGN, n.max(0));
                d
            }
            2 => {
                self.a.op1(POP, n.max(0));
                d.saturating_sub(n.max(0) as u32)
            }
            3 => {
                self.a.op1(RETURN, n.max(0));
                d
            }
            4 => {
                self.a.op2(APPTERM, 1, n.max(1));
                d
            }
            5 if !self.starts.is_empty() => {
                let l = self.starts[self.c.below(self.starts.len() as u32) as usize];
                let taken = self.c.below(2) as i32;
                self.a.op1(CONSTINT, taken).jump(BRANCHIF, l);
                d
            }
            6 => {
                self.a.op(POPTRAP);
                d.saturating_sub(4)
            }
            7 => {
                let h = self.a.label();
                let skip = self.a.label();
                self.a.jump(PUSHTRAP, h).jump(BRANCH, skip).bind(h).op(CONST0).op(RAISE);
                self.a.bind(skip);
                d + 4
            }
            8 => {
                self.a.op1(PUSHACC, n.max(0));
                d + 1
            }
            9 => {
                // C_CALLN with the primitive's own arity (a call with fewer arguments than a
                // primitive reads is not the verifier's to catch: see the report of issue 13).
                let (nargs, p) = if self.c.chance(50) { (2, 0) } else { (1, 1) };
                self.a.op2(C_CALLN, nargs, p);
                d.saturating_sub(nargs as u32 - 1)
            }
            10 => {
                self.a.op1(APPTERM1, n.max(1));
                d
            }
            _ => {
                self.a.op1(ACC, (d as i32 + n).max(0));
                d
            }
        }
    }

    /// The function body of `f`, ending with a return or a tail call.
    fn function(&mut self, f: Func) {
        if f.arity > 1 {
            self.a.op(RESTART);
        }
        self.a.bind(f.entry);
        if f.arity > 1 {
            self.a.op1(GRAB, f.arity as i32 - 1);
        }
        let d = self.block(f.arity, Some(f), 0);
        self.a.op1(CONSTINT, 0);
        let funcs = self.funcs.clone();
        let tail = funcs.into_iter().find(|g| g.arity <= 3 && self.c.chance(20));
        match tail {
            Some(g) if g.nvars == 0 => {
                self.push_ints(g.arity);
                let depth = d + g.arity;
                self.a.closure(0, g.entry);
                self.a.op2(APPTERM, g.arity as i32, depth as i32);
            }
            _ => {
                self.a.op1(RETURN, d as i32);
            }
        }
    }
}

fn generate(data: &[u8]) -> Exe {
    let mut c = Choices(data);
    let nfuncs = c.below(4);
    let mut a = Asm::new();
    let funcs: Vec<Func> = (0..nfuncs)
        .map(|_| Func { entry: a.label(), arity: 1 + c.below(4), nvars: c.below(3) })
        .collect();
    let wild_ok = c.chance(50);
    let mut g = Gen { c: &mut c, a, funcs: funcs.clone(), starts: Vec::new(), fuel: 60, wild_ok };
    let main = g.a.label();
    g.a.jump(BRANCH, main);
    for f in funcs {
        g.function(f);
    }
    g.a.bind(main);
    let d = g.block(0, None, 0);
    g.a.op1(POP, d as i32).op(STOP);
    Exe::new(g.a.finish()).with_prims(&PRIMS)
}

thread_local! {
    static DOMAIN: std::cell::RefCell<Option<Domain>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with the thread's domain. Its minor heap is large enough for a whole run (the
/// budget bounds what a program allocates), so nothing a program makes is promoted: a minor
/// collection after each input leaves no closure of an old program in the major heap, where
/// the hardened checker would read its code pointer against the next program's code. A full
/// major cycle (whose whole-heap verification costs more than an input) comes every 64.
fn with_domain(f: impl FnOnce(&mut Domain)) {
    DOMAIN.with(|d| {
        let mut d = d.borrow_mut();
        let dom = d.get_or_insert_with(|| {
            let config = Config { minor_heap_wsz: 1 << 21, ..Config::default() };
            let mut dom = Domain::new(Arc::new(config));
            warden::api::init_prims(&mut dom);
            dom
        });
        f(dom);
        dom.minor_collection();
        // Relaxed: this thread's counter.
        if SEEN.load(Ordering::Relaxed) % 64 == 0 {
            dom.full_major();
        }
    });
}

/// Inputs seen and programs the verifier accepted (printed now and then, to see that the
/// generator keeps feeding the interpreter).
static SEEN: AtomicU64 = AtomicU64::new(0);
static ACCEPTED: AtomicU64 = AtomicU64::new(0);
/// Accepted programs that an access check stopped.
static STOPPED: AtomicU64 = AtomicU64::new(0);

fuzz_target!(|data: &[u8]| {
    let exe = generate(data);
    let image = exe.to_bytes();
    with_domain(|dom| {
        // Relaxed: counters of this thread only, read for a progress line.
        let seen = SEEN.fetch_add(1, Ordering::Relaxed) + 1;
        match warden::api::run_image(dom, &image, 50_000) {
            ImageOutcome::Ran => {
                ACCEPTED.fetch_add(1, Ordering::Relaxed);
            }
            ImageOutcome::BadAccess => {
                ACCEPTED.fetch_add(1, Ordering::Relaxed);
                STOPPED.fetch_add(1, Ordering::Relaxed);
            }
            ImageOutcome::Rejected(_) => {}
        }
        if seen.is_power_of_two() {
            let accepted = ACCEPTED.load(Ordering::Relaxed);
            let stopped = STOPPED.load(Ordering::Relaxed);
            eprintln!(
                "run: the verifier accepted {accepted} of {seen} programs, \
                 access checks stopped {stopped}"
            );
        }
    });
});
