//! Poison words, tagged by category like the stock debug runtime's `Debug_tag(x)`:
//! `0xD700D7D7D700D6D8 | x << 16 | x << 48`.
//!
//! Read as a header a poison word is invalid (its wosize is absurd, more than 2^53 words).
//! Read as a value it is even, so a pointer, and its address is non-canonical on x86-64 and
//! AArch64 (bits 48..63 are neither all zeros nor all ones), so any dereference faults; the
//! hardened build's fault handler recognises addresses derived from it (`looks_derived`).
//!
//! | category | x | value | written where |
//! |---|---|---|---|
//! | free-minor | 0x00 | `0xD700D7D7D700D6D8` | the used part of the minor arena after each minor collection |
//! | free-major | 0x01 | `0xD701D7D7D701D6D8` | words 2.. of each pool slot the sweeper frees |
//! | free-large | 0x02 | `0xD702D7D7D702D6D8` | a freed large block, written by the allocator shim as it takes the block back |
//! | free-stack | 0x06 | `0xD706D7D7D706D6D8` | a fiber stack's words before it is freed (and the allocator shim's freed stacks) |
//! | free-bigarray | 0x08 | `0xD708D7D7D708D6D8` | the allocator shim's freed bigarray storage |
//! | free-c-heap | 0x09 | `0xD709D7D7D709D6D8` | other freed blocks of the allocator shim |
//! | shim-canary | 0x0A | `0xD70AD7D7D70AD6D8` | the word after each block of the allocator shim |
//! | uninitialised-minor | 0x10 | `0xD710D7D7D710D6D8` | every field of a fresh minor block |
//! | uninitialised-major | 0x11 | `0xD711D7D7D711D6D8` | every field of a fresh major block |
//! | uninitialised-c-heap | 0x12 | `0xD712D7D7D712D6D8` | fresh blocks of the allocator shim that did not ask for zeroes |
//!
//! The allocator shim (`heap::shim`, whose C side writes its poison itself) owns the tags of
//! its block kinds, its canary and its uninitialised fill: the categories here are derived
//! from `shim::Kind` and the shim's constants, so the two cannot drift apart.
//!
//! Memory handed out again must still hold free poison (or zeros, for memory never used):
//! anything else is a write after free.

use crate::heap::shim::{self, Kind};

pub const fn debug_tag(x: u64) -> u64 {
    0xD700D7D7D700D6D8 | (x << 16) | (x << 48)
}
pub const FREE_MINOR: u64 = debug_tag(0x00);
pub const FREE_MAJOR: u64 = debug_tag(0x01);
#[cfg(test)]
pub const FREE_LARGE: u64 = debug_tag(Kind::Large.free_tag());
pub const FREE_STACK: u64 = debug_tag(Kind::Stack.free_tag());
#[cfg(test)]
pub const FREE_BIGARRAY: u64 = debug_tag(Kind::Bigarray.free_tag());
#[cfg(test)]
pub const FREE_C_HEAP: u64 = debug_tag(Kind::Other.free_tag());
#[cfg(test)]
pub const SHIM_CANARY: u64 = debug_tag(shim::CANARY_TAG);
pub const UNINIT_MINOR: u64 = debug_tag(0x10);
pub const UNINIT_MAJOR: u64 = debug_tag(0x11);
#[cfg(test)]
pub const UNINIT_C_HEAP: u64 = debug_tag(shim::UNINIT_TAG);

/// Whether `w` is any poison word.
#[inline(always)]
pub const fn is_poison(w: u64) -> bool {
    w & 0xff00ffffff00ffff == 0xD700D7D7D700D6D8
}

/// The tag of a poison word, or of an address derived from one (the high copy survives a
/// small offset).
#[inline(always)]
const fn tag(w: u64) -> u64 {
    (w >> 48) & 0xff
}

/// Whether `w` is a free-memory poison word (not an uninitialised one, nor a canary).
#[inline(always)]
#[cfg(test)]
pub fn is_free_poison(w: u64) -> bool {
    is_poison(w) && kind(tag(w)) == Some(PoisonKind::Free)
}

/// What memory holding a poison word is.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum PoisonKind {
    /// Freed.
    Free,
    /// Handed out, never written.
    Uninitialised,
    /// Just past the end of a block (a canary).
    PastTheEnd,
}

/// The poison tags: category name and kind, one row each.
fn rows() -> [(u64, &'static str, PoisonKind); 10] {
    use PoisonKind::*;
    let shim_name = |k: Kind| match k {
        Kind::Large => "free-large",
        Kind::Stack => "free-stack",
        Kind::Bigarray => "free-bigarray",
        Kind::Other => "free-c-heap",
    };
    let [a, b, c, d] = Kind::ALL.map(|k| (k.free_tag(), shim_name(k), Free));
    [
        (0x00, "free-minor", Free),
        (0x01, "free-major", Free),
        a,
        b,
        c,
        d,
        (shim::CANARY_TAG, "shim-canary", PastTheEnd),
        (0x10, "uninitialised-minor", Uninitialised),
        (0x11, "uninitialised-major", Uninitialised),
        (shim::UNINIT_TAG, "uninitialised-c-heap", Uninitialised),
    ]
}

/// The kind of memory a poison tag marks, if the tag is known.
pub fn kind(tag: u64) -> Option<PoisonKind> {
    rows().into_iter().find(|r| r.0 == tag).map(|r| r.2)
}

/// Whether `w` looks like an address computed from a poison word (a poison word plus or minus
/// a small offset, as a field access makes it): the high pattern bytes are intact.
#[inline]
pub const fn looks_derived(w: u64) -> bool {
    w & 0xff00ffffff000000 == 0xD700D7D7D7000000
}

/// The category name of a poison word (or of an address derived from one).
pub fn category(w: u64) -> &'static str {
    rows().into_iter().find(|r| r.0 == tag(w)).map_or("unknown-poison", |r| r.1)
}

/// The kind of memory a poison word (or an address derived from one) marks.
pub fn kind_of(w: u64) -> Option<PoisonKind> {
    kind(tag(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_round_trip() {
        for (w, name) in [
            (FREE_MINOR, "free-minor"),
            (FREE_MAJOR, "free-major"),
            (FREE_LARGE, "free-large"),
            (FREE_STACK, "free-stack"),
            (FREE_BIGARRAY, "free-bigarray"),
            (FREE_C_HEAP, "free-c-heap"),
            (SHIM_CANARY, "shim-canary"),
            (UNINIT_MINOR, "uninitialised-minor"),
            (UNINIT_MAJOR, "uninitialised-major"),
            (UNINIT_C_HEAP, "uninitialised-c-heap"),
        ] {
            assert!(is_poison(w));
            assert_eq!(category(w), name);
            assert!(looks_derived(w.wrapping_add(8)));
            assert!(looks_derived(w.wrapping_sub(8)));
            assert_eq!(category(w.wrapping_add(8 * 100)), name);
            // Even (a pointer when read as a value), absurd when read as a header.
            assert_eq!(w & 1, 0);
            assert!(w >> 10 > 1 << 53);
        }
        assert!(is_free_poison(FREE_LARGE) && !is_free_poison(UNINIT_MINOR));
        assert!(
            is_free_poison(FREE_BIGARRAY)
                && !is_free_poison(SHIM_CANARY)
                && !is_free_poison(UNINIT_C_HEAP)
        );
        assert!(!is_poison(1) && !is_poison(0) && !looks_derived(0x7fff_0000_1000));
        assert_eq!(category(debug_tag(0x30)), "unknown-poison");
    }

    /// Every tag the allocator shim writes has a name, and the tags are distinct.
    #[test]
    fn shim_tags_are_named() {
        let mut tags: Vec<u64> = Kind::ALL.iter().map(|k| k.free_tag()).collect();
        tags.extend([shim::CANARY_TAG, shim::UNINIT_TAG]);
        for &t in &tags {
            assert_ne!(category(debug_tag(t)), "unknown-poison", "tag {t:#x}");
        }
        assert_eq!(kind_of(SHIM_CANARY), Some(PoisonKind::PastTheEnd));
        assert_eq!(kind_of(UNINIT_C_HEAP), Some(PoisonKind::Uninitialised));
        let mut all: Vec<u64> = rows().iter().map(|r| r.0).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), rows().len(), "two categories share a tag");
    }
}
