//! The backtracking matcher: runs a [`Compiled`] program over a text from one position.
//!
//! State: the position in the text, the program counter, the *cells* (the start and end of
//! each group, then the progress registers; [`UNSET`] when not recorded) and the
//! backtracking stack. The stack holds two kinds of entries, newest on top: choice points
//! (`PushBack`: where to resume, and at which position) and the old values of the cells that
//! instructions overwrote since. On failure the matcher pops entries, restoring cells, until
//! a choice point, and resumes there; with no choice point left the attempt fails. So the
//! cells always describe the path being tried.
//!
//! The stack lives in Rust's heap and grows as the text needs (the stock matcher has no
//! bound either: a greedy loop over a megabyte of text leaves a few million entries); when
//! the allocator refuses to grow it, the attempt ends with `Out_of_memory`, as the stock one
//! does.
//!
//! Partial matching: when the text ends where the program still wants a byte (or at `\b`
//! on an empty text), a partial matcher accepts at once, with the groups recorded so far;
//! a full matcher treats it as a failure.

use super::program::{in_set, is_word_byte, malformed, Compiled, Op, MAX_REGISTERS};
use crate::exn::Exn;

/// A cell that holds no position.
pub const UNSET: usize = usize::MAX;

/// An entry of the backtracking stack, two words: a choice point (resume at program
/// counter `pc`, at text position `pos`) has `key = 2 * pc + 1` and `val = pos`; the old value
/// `old` of cell `cell` has `key = 2 * cell` and `val = old`.
#[derive(Clone, Copy)]
struct Back {
    key: usize,
    val: usize,
}

impl Back {
    #[inline]
    fn resume(pc: usize, pos: usize) -> Result<Back, Exn> {
        let key = pc.checked_mul(2).ok_or_else(|| malformed("jump displacement"))? | 1;
        Ok(Back { key, val: pos })
    }
    #[inline]
    fn restore(cell: usize, old: usize) -> Back {
        // `cell` indexes a vector of words, so `2 * cell` does not overflow.
        Back { key: 2 * cell, val: old }
    }
}

/// How one instruction ended.
enum Step {
    /// Go on with the next instruction.
    Next,
    /// This path fails: backtrack.
    Fail,
    /// The text ended where the program wanted more of it.
    EndOfText,
    /// The program accepted.
    Accept,
}

/// A matcher for one program and one text, reused across the attempts of a search.
pub struct Matcher<'r, 'a> {
    re: &'r Compiled<'a>,
    text: &'a [u8],
    partial: bool,
    /// Group `g` starts at `cells[2g]`, ends at `cells[2g + 1]`; register `r` is
    /// `cells[regs + r]`.
    cells: Vec<usize>,
    /// Where the registers start in `cells`.
    regs: usize,
    stack: Vec<Back>,
}

impl<'r, 'a> Matcher<'r, 'a> {
    /// A matcher of `re` over `text`; `partial` accepts when the text ends too early.
    pub fn new(re: &'r Compiled<'a>, text: &'a [u8], partial: bool) -> Result<Self, Exn> {
        debug_assert!(re.numregisters <= MAX_REGISTERS);
        // Group 0 always has cells, even in a record that claims no group.
        let regs = re.numgroups.max(1).checked_mul(2).ok_or_else(Exn::out_of_memory)?;
        let ncells = regs + re.numregisters;
        let mut cells = Vec::new();
        cells.try_reserve_exact(ncells).map_err(|_| Exn::out_of_memory())?;
        cells.resize(ncells, UNSET);
        Ok(Matcher { re, text, partial, cells, regs, stack: Vec::new() })
    }

    /// Runs the program from text position `start` (at most the text's length). True when it
    /// accepted; then [`Matcher::group`] tells what each group matched.
    pub fn run(&mut self, start: usize) -> Result<bool, Exn> {
        // Every group but the whole match, and every register, starts unrecorded.
        self.cells[2..].fill(UNSET);
        self.cells[0] = start;
        self.stack.clear();
        let mut pc = 0;
        let mut pos = start;
        loop {
            let step = self.step(&mut pc, &mut pos)?;
            match step {
                Step::Next => continue,
                Step::Accept => {}
                Step::EndOfText if self.partial => {}
                Step::EndOfText | Step::Fail => match self.backtrack() {
                    Some((resume_pc, resume_pos)) => {
                        pc = resume_pc;
                        pos = resume_pos;
                        continue;
                    }
                    None => return Ok(false),
                },
            }
            self.cells[1] = pos;
            self.stack.clear();
            return Ok(true);
        }
    }

    /// Where group `g` began and ended in the last accepted run, if it recorded both.
    pub fn group(&self, g: usize) -> Option<(usize, usize)> {
        match (self.cells[2 * g], self.cells[2 * g + 1]) {
            (UNSET, _) | (_, UNSET) => None,
            (b, e) => Some((b, e)),
        }
    }

    /// Pops the stack down to the newest choice point, restoring the cells on the way.
    fn backtrack(&mut self) -> Option<(usize, usize)> {
        while let Some(entry) = self.stack.pop() {
            if entry.key & 1 == 1 {
                return Some((entry.key >> 1, entry.val));
            }
            self.cells[entry.key >> 1] = entry.val;
        }
        None
    }

    /// Pushes `entry`, or `Out_of_memory` when the stack cannot grow.
    #[inline]
    fn push(&mut self, entry: Back) -> Result<(), Exn> {
        if self.stack.len() == self.stack.capacity() {
            let more = self.stack.capacity().max(256);
            self.stack.try_reserve(more).map_err(|_| Exn::out_of_memory())?;
        }
        self.stack.push(entry);
        Ok(())
    }

    /// Sets cell `cell` to `pos`, remembering its old value on the stack.
    #[inline]
    fn record(&mut self, cell: usize, pos: usize) -> Result<(), Exn> {
        let slot = self.cells.get_mut(cell).ok_or_else(|| malformed("group or register"))?;
        let old = std::mem::replace(slot, pos);
        self.push(Back::restore(cell, old))
    }

    /// The cell of group `g`'s start (`end`: its end), checked.
    #[inline]
    fn group_cell(&self, g: usize, end: bool) -> Result<usize, Exn> {
        if g < self.regs / 2 {
            Ok(2 * g + end as usize)
        } else {
            Err(malformed("group number"))
        }
    }

    /// The cell of progress register `r`, checked.
    #[inline]
    fn register_cell(&self, r: usize) -> Result<usize, Exn> {
        if r < self.cells.len() - self.regs {
            Ok(self.regs + r)
        } else {
            Err(malformed("register number"))
        }
    }

    /// Runs the instruction at `*pc`, moving `*pc` and `*pos`.
    #[inline]
    fn step(&mut self, pc: &mut usize, pos: &mut usize) -> Result<Step, Exn> {
        let text = self.text;
        let re = self.re;
        let i = re.instr(*pc)?;
        *pc += 1;
        // The byte at the position, or `return EndOfText` when the text is over.
        macro_rules! byte {
            () => {
                match text.get(*pos) {
                    Some(&c) => c,
                    None => return Ok(Step::EndOfText),
                }
            };
        }
        let ok = match i.op {
            Op::Char => byte!() as usize == i.arg,
            Op::CharNorm => re.fold(byte!())? as usize == i.arg,
            Op::CharClass => in_set(re.charset(i.arg)?, byte!()),
            Op::String | Op::StringNorm => {
                let fold = i.op == Op::StringNorm;
                for &want in re.literal(i.arg)? {
                    let c = byte!();
                    let c = if fold { re.fold(c)? } else { c };
                    if c != want {
                        return Ok(Step::Fail);
                    }
                    *pos += 1;
                }
                return Ok(Step::Next);
            }
            Op::RefGroup => {
                let (b, e) = (self.group_cell(i.arg, false)?, self.group_cell(i.arg, true)?);
                let (b, e) = (self.cells[b], self.cells[e]);
                if b == UNSET || e == UNSET {
                    return Ok(Step::Fail);
                }
                for k in b..e {
                    if byte!() != text[k] {
                        return Ok(Step::Fail);
                    }
                    *pos += 1;
                }
                return Ok(Step::Next);
            }
            Op::Bol => *pos == 0 || text[*pos - 1] == b'\n',
            Op::Eol => text.get(*pos).is_none_or(|&c| c == b'\n'),
            Op::WordBoundary => {
                let before = pos.checked_sub(1).map(|p| text[p]);
                match (before, text.get(*pos)) {
                    (None, None) => return Ok(Step::EndOfText),
                    (None, Some(&c)) => is_word_byte(c),
                    (Some(c), None) => is_word_byte(c),
                    (Some(b), Some(&c)) => is_word_byte(b) != is_word_byte(c),
                }
            }
            Op::BegGroup | Op::EndGroup => {
                let cell = self.group_cell(i.arg, i.op == Op::EndGroup)?;
                self.record(cell, *pos)?;
                return Ok(Step::Next);
            }
            Op::SetMark => {
                let cell = self.register_cell(i.arg)?;
                self.record(cell, *pos)?;
                return Ok(Step::Next);
            }
            Op::CheckProgress => {
                let cell = self.register_cell(i.arg)?;
                return Ok(if self.cells[cell] == *pos { Step::Fail } else { Step::Next });
            }
            Op::Accept => return Ok(Step::Accept),
            Op::SimpleOpt | Op::SimpleStar | Op::SimplePlus => {
                let set = re.charset(i.arg)?;
                if i.op == Op::SimplePlus && !in_set(set, byte!()) {
                    return Ok(Step::Fail);
                }
                let most = if i.op == Op::SimpleOpt { 1 } else { usize::MAX };
                let run = text[*pos..].iter().take(most).take_while(|&&c| in_set(set, c)).count();
                *pos += run;
                return Ok(Step::Next);
            }
            Op::Goto | Op::PushBack => {
                let target =
                    pc.checked_add_signed(i.displ).ok_or_else(|| malformed("jump displacement"))?;
                if i.op == Op::Goto {
                    *pc = target;
                } else {
                    self.push(Back::resume(target, *pos)?)?;
                }
                return Ok(Step::Next);
            }
        };
        if !ok {
            return Ok(Step::Fail);
        }
        // The single-byte tests consume their byte.
        if matches!(i.op, Op::Char | Op::CharNorm | Op::CharClass) {
            *pos += 1;
        }
        Ok(Step::Next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::value::Value;

    /// An instruction word.
    fn ins(op: Op, arg: isize) -> Value {
        Value::of_int(op as isize | (arg << 8))
    }

    fn compiled<'a>(prog: &'a [Value], cpool: Vec<&'a [u8]>, groups: isize) -> Compiled<'a> {
        Compiled::new(prog, cpool, b"", groups, 1, -1).expect("a well-formed record")
    }

    fn fatal_message(r: Result<bool, Exn>) -> String {
        match r {
            Err(Exn::Fatal(m)) => m,
            Err(e) => panic!("expected a fatal error, got {e:?}"),
            Ok(b) => panic!("expected a fatal error, got Ok({b})"),
        }
    }

    #[test]
    fn malformed_programs_fail_with_a_fatal_error() {
        let cases: [(&[Value], &str); 6] = [
            (&[Value::of_int(0xFF)], "impossible case"),
            (&[], "jump outside"),
            (&[ins(Op::Goto, 5)], "jump outside"),
            (&[ins(Op::PushBack, -10)], "jump displacement"),
            (&[ins(Op::BegGroup, 3)], "group number"),
            (&[ins(Op::SetMark, 1)], "register number"),
        ];
        for (prog, want) in cases {
            let re = compiled(prog, vec![], 2);
            let mut m = Matcher::new(&re, b"abc", false).expect("a matcher");
            let msg = fatal_message(m.run(0));
            assert!(msg.contains(want), "{msg:?} should mention {want:?}");
        }
        let class = [ins(Op::CharClass, 0)];
        let re = compiled(&class, vec![b"short"], 1);
        let mut m = Matcher::new(&re, b"abc", false).expect("a matcher");
        assert!(fatal_message(m.run(0)).contains("character set"));
        let norm = [ins(Op::CharNorm, 97)];
        let re = compiled(&norm, vec![], 1);
        let mut m = Matcher::new(&re, b"abc", false).expect("a matcher");
        assert!(fatal_message(m.run(0)).contains("normtable"));
    }

    #[test]
    fn records_the_stock_library_cannot_build_are_refused() {
        assert!(Compiled::new(&[], vec![], b"", -1, 0, -1).is_err());
        assert!(Compiled::new(&[], vec![], b"", 1, MAX_REGISTERS as isize + 1, -1).is_err());
        assert!(Compiled::new(&[], vec![b"tiny"], b"", 1, 0, 0).is_err());
        assert!(Compiled::new(&[], vec![], b"", 1, 0, 3).is_err());
    }

    #[test]
    fn a_deep_backtracking_stack_grows_and_unwinds() {
        // `\(a\)*b` over many 'a's and no 'b': one choice point and two group undos per
        // byte, then a failure that unwinds them all.
        let prog = [
            ins(Op::PushBack, 4),
            ins(Op::BegGroup, 1),
            ins(Op::Char, b'a' as isize),
            ins(Op::EndGroup, 1),
            ins(Op::Goto, -5),
            ins(Op::Char, b'b' as isize),
            ins(Op::Accept, 0),
        ];
        let re = compiled(&prog, vec![], 2);
        let mut text = vec![b'a'; 100_000];
        let mut m = Matcher::new(&re, &text, false).expect("a matcher");
        assert!(!m.run(0).expect("no error"));
        text.push(b'b');
        let mut m = Matcher::new(&re, &text, false).expect("a matcher");
        assert!(m.run(0).expect("no error"));
        assert_eq!(m.group(0), Some((0, 100_001)));
        assert_eq!(m.group(1), Some((99_999, 100_000)));
    }
}
