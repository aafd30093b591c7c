//! `re_replacement_text`: the text that replaces a match in `Str.replace_matched`,
//! `Str.global_replace` and `Str.replace_first`.
//!
//! The template is copied byte for byte except for its backslash sequences: `\\` is one
//! backslash, `\0` ... `\9` the text that group 0 ... 9 matched (taken from the original
//! string, by the positions of the last search), and a backslash before any other byte is
//! kept with that byte. A backslash at the very end fails with "Str.replace: illegal
//! backslash sequence", a reference to a group beyond the last search's groups or that did
//! not match with "Str.replace: reference to unmatched group"; the first offending sequence
//! decides.
//!
//! The length is computed first, so the result is allocated once, at its size (a template
//! whose result is too big for memory raises `Out_of_memory`).
//!
//! Divergence: a group whose positions do not lie inside the original string raises
//! `Invalid_argument "Str.replace_matched"`, where the stock library reads outside the string.
//! Only two misuses give such positions: `Str.replace_matched` with another string than the
//! one searched, and a group of a partial match that stopped inside a later repetition of
//! that group (it began after its recorded end).

use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::{Value, MAX_WOSIZE, WORD};

/// A piece of the result.
#[derive(Clone, Copy)]
enum Piece {
    /// One byte of the template.
    Byte(u8),
    /// A backslash and the byte after it, kept as they are.
    Escaped(u8),
    /// The bytes `start..end` of the original string.
    Group(usize, usize),
}

impl Piece {
    fn len(self) -> usize {
        match self {
            Piece::Byte(_) => 1,
            Piece::Escaped(_) => 2,
            Piece::Group(b, e) => e - b,
        }
    }
}

/// The pieces of `template`, in order, with the positions of `groups` (`[b0; e0; b1; e1 ...]`,
/// -1 for a group that did not match) checked against an original string of `orig_len`
/// bytes. Calls `f` on each, stopping at the first error.
fn pieces(
    template: &[u8],
    groups: &[Value],
    orig_len: usize,
    mut f: impl FnMut(Piece),
) -> Result<(), Exn> {
    let mut bytes = template.iter();
    while let Some(&c) = bytes.next() {
        if c != b'\\' {
            f(Piece::Byte(c));
            continue;
        }
        let piece = match bytes.next() {
            None => return Err(Exn::failure("Str.replace: illegal backslash sequence")),
            Some(b'\\') => Piece::Byte(b'\\'),
            Some(&d @ b'0'..=b'9') => {
                let g = (d - b'0') as usize;
                let unmatched = || Exn::failure("Str.replace: reference to unmatched group");
                let (b, e) = match groups.get(2 * g..2 * g + 2) {
                    Some(&[b, e]) => (b.int(), e.int()),
                    _ => return Err(unmatched()),
                };
                if b == -1 {
                    return Err(unmatched());
                }
                match (usize::try_from(b), usize::try_from(e)) {
                    (Ok(b), Ok(e)) if b <= e && e <= orig_len => Piece::Group(b, e),
                    _ => return Err(Exn::invalid_arg("Str.replace_matched")),
                }
            }
            Some(&other) => Piece::Escaped(other),
        };
        f(piece);
    }
    Ok(())
}

/// The bytes of string argument `v`.
///
/// # Safety
/// `v` must be a live block; the slice must be dropped before the next allocation.
unsafe fn string_arg<'a>(v: Value, what: &str) -> Result<&'a [u8], Exn> {
    // SAFETY: the caller's guarantee; the bytes are read only for a string block.
    unsafe {
        if v.is_block() && v.tag() == crate::heap::value::STRING_TAG {
            Ok(v.bytes())
        } else {
            Err(Exn::fatal(format!("Str: {what} is not a string")))
        }
    }
}

/// The fields of the int array `v` (the positions of the last search).
///
/// # Safety
/// As for [`string_arg`].
unsafe fn groups_arg<'a>(v: Value) -> Result<&'a [Value], Exn> {
    // SAFETY: the caller's guarantee; a block of tag 0 has `wosize` fields.
    unsafe {
        if v.is_block() && v.tag() == 0 {
            let fields = std::slice::from_raw_parts(v.as_ptr() as *const Value, v.wosize());
            if fields.iter().all(|f| f.is_int()) {
                return Ok(fields);
            }
        }
        Err(Exn::fatal("Str: the group positions are not an int array"))
    }
}

/// `re_replacement_text template groups orig`.
pub fn replacement_text(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [template, groups, orig] = super::take(args)?;
    // SAFETY: the arguments are live for the call, and the slices are dropped
    // before the allocation below.
    let len = unsafe {
        let (t, g, o) =
            (string_arg(template, "template")?, groups_arg(groups)?, string_arg(orig, "string")?);
        let mut len = 0usize;
        let mut overflow = false;
        pieces(t, g, o.len(), |p| match len.checked_add(p.len()) {
            Some(n) => len = n,
            None => overflow = true,
        })?;
        if overflow || len > MAX_WOSIZE * WORD - 1 {
            return Err(Exn::out_of_memory());
        }
        len
    };
    let res = dom.try_alloc_string(len)?;
    // SAFETY: allocation never moves or frees a block, so the arguments are still live and
    // unchanged (they were checked above); `res` is fresh, so no other slice aliases it.
    unsafe {
        let (t, g, o) = (template.bytes(), groups_arg(groups)?, orig.bytes());
        let out = res.bytes_mut();
        let mut at = 0;
        pieces(t, g, o.len(), |p| {
            let n = p.len();
            match p {
                Piece::Byte(c) => out[at] = c,
                Piece::Escaped(c) => out[at..at + 2].copy_from_slice(&[b'\\', c]),
                Piece::Group(b, e) => out[at..at + n].copy_from_slice(&o[b..e]),
            }
            at += n;
        })?;
        debug_assert_eq!(at, len);
    }
    Ok(res)
}
