//! The hardened frame layout: the words the checker puts around every block. Production
//! blocks have none (the disabled twin sets every count to 0).

/// Framing words of a young block before its header, and in all (canary before, canary after).
pub const MINOR_BEFORE: usize = 1;
pub const MINOR_EXTRA: usize = 2;
/// Framing words of a major block: from the slot start to the header (outer header, canary),
/// and in all (outer header, two canaries). The outer header makes the slot readable as a
/// block of `wosize + 3` by the heap's own walkers.
pub const MAJOR_BEFORE: usize = 2;
pub const MAJOR_EXTRA: usize = 3;
/// The minor arena is this many times the nominal size (a one-field block takes 4 words
/// instead of 2), so the canaries do not make minor collections more frequent.
pub const MINOR_HEADROOM: usize = 2;
/// The minor heap alternates between two arenas: a stale pointer into the evacuated one
/// keeps reading poison for a whole cycle.
pub const MINOR_FLIP: bool = true;
