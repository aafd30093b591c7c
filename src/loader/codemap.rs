//! What validation learns about a code fragment and verification reuses, so that the code is
//! decoded once by each: which words start an instruction, and which instructions a code
//! address can designate (the *targets*: jump, branch and switch targets, return addresses,
//! handlers, closure bodies, the `RESTART` before each `GRAB`, and the fragment's entry).
//!
//! Both are bitmaps over the fragment's words. The targets carry running counts, so that a
//! target's rank (its index among the targets, where the verifier keeps its state) is O(1).
//! Invariant once [`super::validate`] returns a map: every target is an instruction start.

/// A set of word offsets below a fixed length, one bit each.
pub struct Bits {
    words: Vec<u64>,
}

impl Bits {
    pub fn new(len: usize) -> Bits {
        Bits { words: vec![0; len.div_ceil(64)] }
    }

    /// Adds `i` (below the length).
    #[inline(always)]
    pub fn set(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
    }

    /// Adds `i` without checking it is below the length.
    ///
    /// # Safety
    /// `i` is below the length the set was made for.
    #[inline(always)]
    pub unsafe fn set_unchecked(&mut self, i: usize) {
        debug_assert!(i / 64 < self.words.len());
        // SAFETY: i < len, so i / 64 < len.div_ceil(64) = words.len() (the caller's promise).
        unsafe { *self.words.get_unchecked_mut(i / 64) |= 1 << (i % 64) };
    }

    /// Whether `i` (below the length) is a member, without checking the bound.
    ///
    /// # Safety
    /// `i` is below the length the set was made for.
    #[inline(always)]
    pub unsafe fn contains_unchecked(&self, i: usize) -> bool {
        debug_assert!(i / 64 < self.words.len());
        // SAFETY: i < len, so i / 64 < words.len() (the caller's promise).
        unsafe { *self.words.get_unchecked(i / 64) & (1 << (i % 64)) != 0 }
    }

    #[inline(always)]
    pub fn contains(&self, i: usize) -> bool {
        self.words.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// The members, ascending.
    pub fn members(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(k, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let b = w.trailing_zeros() as usize;
                    w &= w - 1;
                    k * 64 + b
                })
            })
        })
    }

    /// Whether every member of `self` is in `other` (of the same length).
    pub fn subset_of(&self, other: &Bits) -> bool {
        self.words.iter().zip(&other.words).all(|(a, b)| a & !b == 0)
    }
}

/// The instruction starts and targets of a validated fragment.
pub struct CodeMap {
    pub(super) starts: Bits,
    targets: Bits,
    /// Targets in the bitmap words before each one.
    before: Vec<u32>,
    /// The highest global slot the code names, and the first instruction naming it.
    pub(super) max_global: Option<(usize, usize)>,
}

impl CodeMap {
    pub(super) fn new(starts: Bits, targets: Bits, max_global: Option<(usize, usize)>) -> Self {
        let mut before = Vec::with_capacity(targets.words.len());
        let mut n = 0u32;
        for w in &targets.words {
            before.push(n);
            n += w.count_ones();
        }
        CodeMap { starts, targets, before, max_global }
    }

    /// How many targets there are.
    pub fn target_count(&self) -> usize {
        self.before.last().map_or(0, |&n| n as usize)
            + self.targets.words.last().map_or(0, |w| w.count_ones() as usize)
    }

    /// Whether `pc` is a target.
    #[inline(always)]
    pub fn is_target(&self, pc: usize) -> bool {
        self.targets.contains(pc)
    }

    /// Whether `pc` is a target, without checking the bound.
    ///
    /// # Safety
    /// `pc` is below the code's length.
    #[inline(always)]
    pub unsafe fn is_target_unchecked(&self, pc: usize) -> bool {
        // SAFETY: the targets set was made for the code's length, above pc.
        unsafe { self.targets.contains_unchecked(pc) }
    }

    /// The index of target `pc` among the targets.
    #[inline(always)]
    pub fn rank(&self, pc: usize) -> usize {
        let below = self.targets.words[pc / 64] & ((1u64 << (pc % 64)) - 1);
        self.before[pc / 64] as usize + below.count_ones() as usize
    }

    /// Whether `pc` starts an instruction.
    pub fn is_start(&self, pc: usize) -> bool {
        self.starts.contains(pc)
    }
}
