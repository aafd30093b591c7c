//! The primitives of OCaml's `str` library (the `Str` module: regular expressions), built
//! in: a program linked with `str.cma` names `dllcamlstrbyt.so` in its DLLS section, and
//! warden, which loads no shared library, resolves these names here instead.
//!
//! `str.ml` parses and compiles a regular expression into a program for a backtracking
//! matcher (see [`program`] for the format); these primitives run it: [`matcher`] over one
//! starting position, the search loops here over many, and [`replace`] builds replacement
//! texts. A match answers an int array of `2 * numgroups` positions (start and end of each
//! group, -1 for a group that did not take part), a failure the empty array.
//!
//! Invariants: a primitive reads its arguments in place (no copy of the text, which may be
//! large and searched many times), so every borrowed slice is dropped before the one
//! allocation of the result. The primitives touch nothing but their arguments and allocate
//! through the domain's helpers, so they run without the heap lock (`prims::LOCK_FREE`), and
//! several domains match in parallel, as with the stock runtime.

pub mod matcher;
pub mod program;
pub mod replace;

use super::PrimFn;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::atoms::atom;
use crate::heap::value::{Value, STRING_TAG};
use matcher::Matcher;
use program::Compiled;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("re_partial_match", partial_match),
    ("re_replacement_text", replace::replacement_text),
    ("re_search_backward", search_backward),
    ("re_search_forward", search_forward),
    ("re_string_match", string_match),
];

/// The first `N` arguments.
fn take<const N: usize>(args: &[Value]) -> Result<[Value; N], Exn> {
    args.get(..N)
        .and_then(|s| <[Value; N]>::try_from(s).ok())
        .ok_or_else(|| Exn::fatal("Str primitive called with too few arguments"))
}

/// What a primitive does from its starting position.
#[derive(Clone, Copy)]
enum Mode {
    /// Matches at the position only; `partial` accepts a text that ends too early.
    At { partial: bool },
    /// Tries each position from the start towards the end of the text.
    Forward,
    /// Tries each position from the start towards the beginning of the text.
    Backward,
}

/// The group positions of a successful match: `(start, end)` per group, or `None`.
type Groups = Vec<Option<(usize, usize)>>;

/// Runs `re` over `text` from `start` in `mode`; the groups of the first match found.
fn find(re: &Compiled<'_>, text: &[u8], start: usize, mode: Mode) -> Result<Option<Groups>, Exn> {
    let partial = matches!(mode, Mode::At { partial: true });
    let mut m = Matcher::new(re, text, partial)?;
    // Whether position `p` may start a match (the byte past the end reads as NUL, which is
    // what the stock search reads there: a string's first padding byte).
    let may_start = |p: usize| match re.startchars {
        None => true,
        Some(t) => t[text.get(p).copied().unwrap_or(0) as usize] != 0,
    };
    let mut pos = start;
    let found = loop {
        match mode {
            Mode::At { .. } => break m.run(pos)?,
            Mode::Forward => {
                while pos < text.len() && !may_start(pos) {
                    pos += 1;
                }
                if m.run(pos)? {
                    break true;
                }
                if pos == text.len() {
                    break false;
                }
                pos += 1;
            }
            Mode::Backward => {
                while pos > 0 && !may_start(pos) {
                    pos -= 1;
                }
                if m.run(pos)? {
                    break true;
                }
                if pos == 0 {
                    break false;
                }
                pos -= 1;
            }
        }
    };
    Ok(found.then(|| (0..re.numgroups).map(|g| m.group(g)).collect()))
}

/// The common body of the four matching primitives: `re`, a string, a position (checked
/// against the string, `Invalid_argument name` outside it), the search, and the result.
fn match_prim(dom: &mut Domain, args: &[Value], mode: Mode, name: &str) -> PrimResult {
    let [re, text, pos] = take(args)?;
    // SAFETY: the arguments are live for the call; the views borrowed from them are dropped
    // at the end of this block, before the result is allocated, and no OCaml code runs.
    let groups = unsafe {
        if !(text.is_block() && text.tag() == STRING_TAG) {
            return Err(Exn::fatal(format!("{name}: the text is not a string")));
        }
        let text = text.bytes();
        let start = usize::try_from(pos.int())
            .ok()
            .filter(|&p| p <= text.len())
            .ok_or_else(|| Exn::invalid_arg(name))?;
        let re = Compiled::of_value(re)?;
        find(&re, text, start, mode)?
    };
    match groups {
        None => Ok(atom(0)),
        Some(groups) => {
            let res = dom.try_alloc(2 * groups.len(), 0)?;
            for (i, g) in groups.iter().enumerate() {
                let (b, e) = g.map_or((-1, -1), |(b, e)| (b as isize, e as isize));
                // SAFETY: `res` is a fresh block of `2 * groups.len()` fields; immediates
                // need no write barrier.
                unsafe {
                    res.set_raw(2 * i, Value::of_int(b).0);
                    res.set_raw(2 * i + 1, Value::of_int(e).0);
                }
            }
            Ok(res)
        }
    }
}

/// `re_string_match re s pos`: does `re` match at `pos`?
fn string_match(dom: &mut Domain, args: &[Value]) -> PrimResult {
    match_prim(dom, args, Mode::At { partial: false }, "Str.string_match")
}

/// `re_partial_match re s pos`: does `re` match at `pos`, or could it if `s` went on?
fn partial_match(dom: &mut Domain, args: &[Value]) -> PrimResult {
    match_prim(dom, args, Mode::At { partial: true }, "Str.string_partial_match")
}

/// `re_search_forward re s pos`: the first match starting at `pos` or after.
fn search_forward(dom: &mut Domain, args: &[Value]) -> PrimResult {
    match_prim(dom, args, Mode::Forward, "Str.search_forward")
}

/// `re_search_backward re s pos`: the first match starting at `pos` or before.
fn search_backward(dom: &mut Domain, args: &[Value]) -> PrimResult {
    match_prim(dom, args, Mode::Backward, "Str.search_backward")
}
