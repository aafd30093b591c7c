//! Poison words, tagged by category like the stock debug runtime's `Debug_tag(x)`:
//! `0xD700D7D7D700D6D8 | x << 16 | x << 48`. Read as a header the word is invalid, read as a
//! value it is an even address in non-canonical space, so any dereference faults.

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
pub const fn is_poison(w: u64) -> bool {
    w & 0xff00ffffff00ffff == 0xD700D7D7D700D6D8
}

/// The category name of a poison word.
pub fn category(w: u64) -> &'static str {
    match (w >> 16) & 0xff {
        0x00 => "free-minor",
        0x01 => "free-major",
        0x02 => "free-large",
        0x06 => "free-stack",
        0x10 => "uninitialised-minor",
        0x11 => "uninitialised-major",
        _ => "unknown-poison",
    }
}
