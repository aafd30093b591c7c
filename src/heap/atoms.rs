//! Atoms: the 256 static zero-size blocks, one per tag. Their headers are NOT_MARKABLE, so
//! the collector never touches them; `Atom(t)` points just past header `t`.

use super::value::{Header, Value, NOT_MARKABLE};

#[repr(C, align(16))]
struct AtomTable([usize; 257]);

static ATOMS: AtomTable = {
    let mut t = [0usize; 257];
    let mut i = 0;
    while i < 256 {
        t[i] = Header::new(0, i as u8, NOT_MARKABLE).0;
        i += 1;
    }
    AtomTable(t)
};

/// The zero-size block of tag `tag`.
#[inline]
pub fn atom(tag: u8) -> Value {
    Value(&ATOMS.0[tag as usize + 1] as *const usize as usize)
}

/// Whether `v` is one of the atoms.
#[inline]
#[cfg(any(feature = "hardened", debug_assertions))]
pub fn is_atom(v: Value) -> bool {
    let lo = &ATOMS.0[1] as *const usize as usize;
    let hi = &ATOMS.0[256] as *const usize as usize;
    v.0 >= lo && v.0 <= hi
}

#[repr(C, align(16))]
struct NoneCell([usize; 2]);
static EPHE_NONE: NoneCell =
    NoneCell([Header::new(0, super::value::ABSTRACT_TAG, NOT_MARKABLE).0, 0]);

/// The value of an empty weak or ephemeron slot: a static block no program can build.
#[inline]
pub fn ephe_none() -> Value {
    Value(&EPHE_NONE.0[1] as *const usize as usize)
}
