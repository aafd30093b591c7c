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
//! | free-large | 0x02 | `0xD702D7D7D702D6D8` | the body of a large block before it goes back to the allocator |
//! | free-stack | 0x06 | `0xD706D7D7D706D6D8` | a fiber stack's words before it is freed |
//! | uninitialised-minor | 0x10 | `0xD710D7D7D710D6D8` | every field of a fresh minor block |
//! | uninitialised-major | 0x11 | `0xD711D7D7D711D6D8` | every field of a fresh major block |
//!
//! Memory handed out again must still hold free poison (or zeros, for memory never used):
//! anything else is a write after free.

pub const fn debug_tag(x: u64) -> u64 {
    0xD700D7D7D700D6D8 | (x << 16) | (x << 48)
}
pub const FREE_MINOR: u64 = debug_tag(0x00);
pub const FREE_MAJOR: u64 = debug_tag(0x01);
pub const FREE_LARGE: u64 = debug_tag(0x02);
pub const FREE_STACK: u64 = debug_tag(0x06);
pub const UNINIT_MINOR: u64 = debug_tag(0x10);
pub const UNINIT_MAJOR: u64 = debug_tag(0x11);

/// Whether `w` is any poison word.
#[inline(always)]
pub const fn is_poison(w: u64) -> bool {
    w & 0xff00ffffff00ffff == 0xD700D7D7D700D6D8
}

/// Whether `w` is a free-memory poison word (not an uninitialised one).
#[inline(always)]
pub const fn is_free_poison(w: u64) -> bool {
    is_poison(w) && (w >> 16) & 0xff < 0x10
}

/// Whether `w` looks like an address computed from a poison word (a poison word plus or minus
/// a small offset, as a field access makes it): the high pattern bytes are intact.
#[inline]
pub const fn looks_derived(w: u64) -> bool {
    w & 0xff00ffffff000000 == 0xD700D7D7D7000000
}

/// The category name of a poison word (or of an address derived from one).
pub fn category(w: u64) -> &'static str {
    match (w >> 48) & 0xff {
        0x00 => "free-minor",
        0x01 => "free-major",
        0x02 => "free-large",
        0x06 => "free-stack",
        0x10 => "uninitialised-minor",
        0x11 => "uninitialised-major",
        _ => "unknown-poison",
    }
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
            (UNINIT_MINOR, "uninitialised-minor"),
            (UNINIT_MAJOR, "uninitialised-major"),
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
        assert!(!is_poison(1) && !is_poison(0) && !looks_derived(0x7fff_0000_1000));
    }
}
