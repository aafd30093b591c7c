//! Canary words and allocation sites.
//!
//! Every block of a hardened heap is framed: one canary word just before its header and one
//! just after its last field. Both encode the block's allocation site (domain and bytecode
//! pc), masked with a per-process random secret and the header's address, so that:
//! - a canary is valid only at its own block's address (a block copied or a pointer into the
//!   middle of another block does not pass);
//! - the two canaries must decode to the same site, whose top byte is `SITE_MAGIC`, so a
//!   random overwrite of either word is caught with certainty but for 2^-56;
//! - the allocation site costs no side table: it is decoded from the canaries when a report
//!   needs it.
//!
//! Production builds have no canaries (the layout constants of the twin module are 0).

use std::sync::OnceLock;

/// Top byte of a site word: what a decoded canary must start with.
const SITE_MAGIC: u64 = 0xA7;
const PC_BITS: u32 = 40;
const PC_MASK: u64 = (1 << PC_BITS) - 1;

/// Where a block was allocated: domain id and bytecode pc (instruction index), or unknown.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Site(u64);

impl Site {
    /// Allocated by the runtime outside any known instruction.
    pub const UNKNOWN: Site = Site(PC_MASK);

    #[inline(always)]
    pub fn new(domain: usize, pc: usize) -> Site {
        Site((((domain as u64) & 0xFFFF) << PC_BITS) | (pc as u64 & PC_MASK))
    }
    pub fn domain(self) -> usize {
        (self.0 >> PC_BITS) as usize & 0xFFFF
    }
    /// The bytecode pc, if known.
    pub fn pc(self) -> Option<usize> {
        let pc = self.0 & PC_MASK;
        (pc != PC_MASK).then_some(pc as usize)
    }
    #[inline(always)]
    fn word(self) -> u64 {
        (SITE_MAGIC << 56) | self.0
    }
}

impl std::fmt::Display for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.pc() {
            Some(pc) => write!(f, "domain {}, bytecode pc {}", self.domain(), pc),
            None => write!(f, "domain {}, inside the runtime", self.domain()),
        }
    }
}

/// The two secret masks (before, after), drawn once per process.
#[inline(always)]
fn secret() -> (u64, u64) {
    static SECRET: OnceLock<(u64, u64)> = OnceLock::new();
    *SECRET.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        // RandomState is seeded from the OS's randomness; mix in time and pid for good measure.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.write_u32(std::process::id());
        let a = h.finish();
        h.write_u64(a);
        let b = h.finish();
        (a, b.rotate_left(29) ^ 0x5851_F42D_4C95_7F2D)
    })
}

#[inline(always)]
fn mix(hp: usize) -> u64 {
    (hp as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The canary words (before, after) of a block whose header is at `hp`.
#[inline(always)]
pub fn words(hp: usize, site: Site) -> (usize, usize) {
    Keys::get().words(hp, site)
}

/// The allocation site of the block whose header is at `hp` when `before` and `after` are
/// its intact canaries (what `decode` returns as `Ok`), else None: the walks' fast path, a
/// few instructions with no branch but the last; `decode` says what broke.
#[inline(always)]
pub fn intact(hp: usize, before: usize, after: usize) -> Option<Site> {
    Keys::get().intact(hp, before, after)
}

/// The process's canary secret, read once by a walk that checks many frames.
#[derive(Copy, Clone)]
pub struct Keys(u64, u64);

impl Keys {
    #[inline(always)]
    pub fn get() -> Keys {
        let (k1, k2) = secret();
        Keys(k1, k2)
    }

    /// As [`words`].
    #[inline(always)]
    pub fn words(self, hp: usize, site: Site) -> (usize, usize) {
        let m = mix(hp);
        let w = site.word();
        ((w ^ self.0 ^ m) as usize, (w ^ self.1 ^ m.rotate_left(17)) as usize)
    }

    /// As [`intact`].
    #[inline(always)]
    pub fn intact(self, hp: usize, before: usize, after: usize) -> Option<Site> {
        let s = self.payload(hp, before, after);
        (s >> 56 == 0).then_some(Site(s))
    }

    /// Whether the canaries are intact: zero exactly when they are (`intact`'s test as one
    /// word, for walks that fold many frames into one branch).
    #[inline(always)]
    pub fn broken(self, hp: usize, before: usize, after: usize) -> u64 {
        let s = self.payload(hp, before, after);
        s >> 56
    }

    /// The site's 56 bits under a zero top byte when the canaries are intact; a non-zero top
    /// byte otherwise: the before word must decode with the magic byte on top, and the after
    /// word to the same 64 bits (both come from one site word in `words`).
    #[inline(always)]
    fn payload(self, hp: usize, before: usize, after: usize) -> u64 {
        let m = mix(hp);
        let s = before as u64 ^ self.0 ^ m;
        let t = after as u64 ^ self.1 ^ m.rotate_left(17);
        (s ^ (SITE_MAGIC << 56)) | (((t != s) as u64) << 56)
    }
}

/// How a block's canaries failed.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Broken {
    /// The word before the header does not decode.
    Before,
    /// The word after the last field does not decode, or not to the same site.
    After,
    /// Neither decodes: not a block of this heap at this address.
    Both,
}

fn decode_one(w: usize, k: u64, m: u64) -> Option<u64> {
    let s = w as u64 ^ k ^ m;
    (s >> 56 == SITE_MAGIC).then_some(s & ((1 << 56) - 1))
}

/// Checks the canaries `before` and `after` of the block whose header is at `hp`; returns its
/// allocation site.
#[inline]
pub fn decode(hp: usize, before: usize, after: usize) -> Result<Site, Broken> {
    let (k1, k2) = secret();
    let m = mix(hp);
    let b = decode_one(before, k1, m);
    let a = decode_one(after, k2, m.rotate_left(17));
    match (b, a) {
        (Some(x), Some(y)) if x == y => Ok(Site(x)),
        (Some(_), _) => Err(Broken::After),
        (None, Some(_)) => Err(Broken::Before),
        (None, None) => Err(Broken::Both),
    }
}

/// The site a valid `before` canary encodes (when the after canary is broken).
pub fn site_from_before(hp: usize, before: usize) -> Option<Site> {
    let (k1, _) = secret();
    decode_one(before, k1, mix(hp)).map(Site)
}

/// The site a valid `after` canary encodes (when the before canary is broken).
pub fn site_from_after(hp: usize, after: usize) -> Option<Site> {
    let (_, k2) = secret();
    decode_one(after, k2, mix(hp).rotate_left(17)).map(Site)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canaries_round_trip_and_depend_on_address() {
        let site = Site::new(3, 12345);
        let (b, a) = words(0x1000, site);
        assert_eq!(decode(0x1000, b, a), Ok(site));
        assert_eq!(decode(0x1008, b, a), Err(Broken::Both));
        assert_eq!(decode(0x1000, b, a ^ 1), Err(Broken::After));
        assert_eq!(decode(0x1000, b ^ (1 << 60), a), Err(Broken::Before));
        let (_, a2) = words(0x1000, Site::new(4, 12345));
        assert_eq!(decode(0x1000, b, a2), Err(Broken::After));
        assert_eq!(site.domain(), 3);
        assert_eq!(site.pc(), Some(12345));
        assert_eq!(Site::UNKNOWN.pc(), None);
        assert_eq!(site_from_before(0x1000, b), Some(site));
        assert_eq!(site_from_after(0x1000, a), Some(site));
        assert_eq!(intact(0x1000, b, a), Some(site));
        assert_eq!(intact(0x1008, b, a), None);
        assert_eq!(intact(0x1000, b, a ^ 1), None);
        assert_eq!(intact(0x1000, b ^ (1 << 60), a), None);
        assert_eq!(intact(0x1000, b, a2), None);
    }
}
