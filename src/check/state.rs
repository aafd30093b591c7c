//! The checker's state: `State`, shared by the whole heap (kept in `Gc::check`, touched only
//! by the heap-lock holder or a stopped world's leader), and `Local`, one per domain (touched
//! by its domain or by a stopped world's leader); the address sets and the code table they
//! hold. `enabled` (the hooks) and `verify` (the walks) both read it; neither owns it.

use super::canary::Keys;
use super::report::{Check, Report};
use super::settings::{self, Level};
use crate::heap::value::Value;
use std::collections::HashSet;

/// A fast hasher for addresses (the default SipHash is too slow for per-pointer lookups).
#[derive(Default, Clone, Copy)]
pub struct AddrHasher(u64);
impl std::hash::Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        // Addresses are aligned (pools to 32 KiB): fold the high bits down before the
        // multiply, and the product's well-mixed high half into the low bits the table uses.
        let x = n as u64;
        let h = (x ^ (x >> 15) ^ (x >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }
}
pub type AddrSet = HashSet<usize, std::hash::BuildHasherDefault<AddrHasher>>;

/// The code values of a program, for checking code pointers.
pub struct CodeTable {
    pub base: usize,
    pub len: usize,
    /// One bit per code word: the first word of an instruction.
    starts: Vec<u64>,
}

impl CodeTable {
    pub fn new(base: usize, starts: &[bool]) -> CodeTable {
        let mut bits = vec![0u64; starts.len().div_ceil(64)];
        for (i, &s) in starts.iter().enumerate() {
            if s {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        CodeTable { base, len: starts.len(), starts: bits }
    }
    pub fn is_start(&self, i: usize) -> bool {
        i < self.len && self.starts[i / 64] & (1 << (i % 64)) != 0
    }
    /// For a code value, whether it is an instruction boundary (None: not a code value of this
    /// program's range; `strict` counts values past the end as bad).
    pub fn check(&self, v: Value, strict: bool) -> Option<Result<usize, Report>> {
        let i = crate::heap::code_pointer::code_index(v)?;
        if i >= self.len && !strict {
            return None;
        }
        Some(if self.is_start(i) {
            Ok(i)
        } else if i >= self.len {
            Err(Report::new(Check::CodePointer, "a code pointer past the end of the program")
                .expected(format!("an instruction index below {}", self.len))
                .found(format!("instruction index {i}")))
        } else {
            Err(Report::new(
                Check::CodePointer,
                "a code pointer that is not an instruction boundary",
            )
            .expected("the first word of an instruction")
            .found(format!("instruction index {i}, inside an instruction")))
        })
    }
}

#[derive(Default)]
/// The checker's shared state (under the heap lock, or the stopped world's leader's).
pub struct State {
    /// Safepoints that verify, by kind: minor, mark, sweep.
    pub(super) ticks: [u64; 3],
    /// Allocation total at the last full scan for unremembered young pointers.
    pub(super) remset_mark: usize,
    /// The evacuated half of the young space, as of the last minor collection.
    pub(super) spare: (usize, usize),
    pub code: Option<CodeTable>,
}

/// The checker's per-domain state (touched by its domain, or by a stopped world's leader).
pub struct Local {
    pub(super) allocs: u64,
    /// A collection forced by `WARDEN_GC_EVERY`: 0 none, 1 minor, 2 major.
    pub(super) forced: u8,
    /// Poll points that verify (for `WARDEN_VERIFY_EVERY`).
    pub(super) poll_ticks: u64,
    /// Verification at every poll point (`WARDEN_VERIFY=every`) that follows an allocation.
    pub(super) poll_always: bool,
    /// `WARDEN_GC_EVERY`, cached off the allocation path's settings lookup.
    pub(super) gc_every: u64,
    /// `poll_always` or `gc_every`: whether allocations are counted at all (one test on the
    /// allocation path when neither is set, the default).
    pub(super) counting: bool,
    /// An allocation happened since the last verification at a poll point.
    pub(super) poll_due: bool,
    /// Allocations since the roots were last checked at a poll point, and how many roots
    /// there were: with deep stacks, polls check roots only once enough allocation pays
    /// for it (`ROOTS_PER_ALLOC`), so `every` stays linear.
    pub(super) poll_allocs: usize,
    pub(super) roots_seen: usize,
    /// The arena (its start) and allocation pointer of the last walk at a poll point: later
    /// polls walk only the frames allocated since.
    pub(super) walked: (usize, usize),
    /// The checker's own record of this domain's stores of young values into major blocks
    /// since the last minor collection (field addresses), against which the remembered sets
    /// are checked.
    pub(super) stores: Vec<usize>,
    /// Minor collections of this domain so far (C stubs' checks compare it across a call).
    pub(super) minor_epoch: u64,
    /// The canary secret, read once (framing a young block needs it).
    pub(super) keys: Keys,
}

impl Default for Local {
    fn default() -> Local {
        Local {
            allocs: 0,
            forced: 0,
            poll_ticks: 0,
            poll_always: settings::get().level == Level::Every,
            gc_every: settings::get().gc_every,
            counting: settings::get().level == Level::Every || settings::get().gc_every != 0,
            poll_due: false,
            poll_allocs: 0,
            roots_seen: 0,
            walked: (0, 0),
            stores: Vec::new(),
            minor_epoch: 0,
            keys: Keys::get(),
        }
    }
}

/// Whether the `n`-th opportunity (from 1) of a verification at `level` verifies
/// (`WARDEN_VERIFY`, `WARDEN_VERIFY_EVERY`).
pub(super) fn ticks_now(n: &mut u64, level: Level) -> bool {
    let s = settings::get();
    if s.level < level {
        return false;
    }
    *n += 1;
    (*n - 1).is_multiple_of(s.every_nth)
}

impl State {
    pub(super) fn tick(&mut self, kind: usize, level: Level) -> bool {
        ticks_now(&mut self.ticks[kind], level)
    }
}

impl Local {
    #[inline(always)]
    pub(super) fn count_alloc(&mut self) {
        if self.counting {
            self.count_alloc_slow();
        }
    }

    #[inline(never)]
    fn count_alloc_slow(&mut self) {
        self.poll_due = self.poll_always;
        self.poll_allocs += self.poll_always as usize;
        if self.gc_every == 0 {
            return;
        }
        self.allocs += 1;
        if self.allocs >= self.gc_every {
            self.allocs = 0;
            self.forced = if settings::get().gc_every_major { 2 } else { 1 };
        }
    }
}
