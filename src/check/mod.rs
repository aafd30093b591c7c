//! The hardened profile's hook points. `gc` and `interp` call these functions at fixed
//! places; in production (`--release` without `hardened`) the twin module `disabled` is
//! chosen here, whose functions are empty (or do exactly the production work, for the frame
//! layout) and inline away, so no check code exists. The checker reads the heap layout only
//! (`heap/`), never the collector's algorithm: what it needs from above (roots, the program's
//! instruction starts) comes in through hook parameters.
//!
//! Files: `enabled`/`disabled` (the hooks), `access` (the interpreter's dynamic access
//! checks, `bad-access`), `layout` (the hardened frame layout), `state`
//! (the checker's shared and per-domain state), `poison` (tagged poison words), `canary`
//! (canary words and allocation sites), `verify` (the checks at safepoints),
//! `report` (typed reports), `c_stubs` (C stubs' local roots and blocking sections),
//! `c_values` (the values C stubs hand back: stale copies, unremembered stores, canaries),
//! `settings` (`WARDEN_VERIFY` ...), `signal` (faults on poison),
//! `fault`/`fault_off` (fault injection, feature `fault-injection`). See docs/hardened.md.

#[cfg(any(feature = "hardened", debug_assertions))]
mod access;
#[cfg(any(feature = "hardened", debug_assertions))]
mod c_stubs;
#[cfg(any(feature = "hardened", debug_assertions))]
mod c_values;
#[cfg(any(feature = "hardened", debug_assertions))]
mod canary;
#[cfg(any(feature = "hardened", debug_assertions))]
mod enabled;
#[cfg(any(feature = "hardened", debug_assertions))]
mod layout;
#[cfg(any(feature = "hardened", debug_assertions))]
pub mod report;
#[cfg(any(feature = "hardened", debug_assertions))]
mod settings;
#[cfg(any(feature = "hardened", debug_assertions))]
mod signal;
#[cfg(any(feature = "hardened", debug_assertions))]
mod state;
#[cfg(any(feature = "hardened", debug_assertions))]
mod verify;
#[cfg(any(feature = "hardened", debug_assertions))]
pub use access::*;
#[cfg(any(feature = "hardened", debug_assertions))]
pub use c_stubs::{
    c_api_use, c_blocking, c_describer, c_finalised, c_finalising, c_roots_enter, c_roots_leave,
};
#[cfg(any(feature = "hardened", debug_assertions))]
pub use c_values::*;
#[cfg(any(feature = "hardened", debug_assertions))]
pub use enabled::*;

#[cfg(not(any(feature = "hardened", debug_assertions)))]
mod disabled;
#[cfg(not(any(feature = "hardened", debug_assertions)))]
pub use disabled::*;

#[cfg(feature = "fault-injection")]
pub mod fault;
#[cfg(not(feature = "fault-injection"))]
#[path = "fault_off.rs"]
pub mod fault;

#[cfg(any(feature = "hardened", debug_assertions))]
pub mod poison;

/// The unwinding payload of a failed access check while the fuzz target runs a program
/// ([`set_access_recovery`]): the run stops there instead of the process.
pub struct AccessStop;

use crate::heap::major::{MajorHeap, Occupancy};
use crate::heap::minor::MinorHeap;
use crate::heap::pools::{PoolCounters, PoolSet};
use crate::heap::value::Value;

/// One domain's young state, as verification reads it.
// The production twin ignores what the hooks are handed.
#[cfg_attr(not(any(feature = "hardened", debug_assertions)), allow(dead_code))]
pub struct YoungRefs<'a> {
    pub minor: &'a MinorHeap,
    /// Addresses of major fields that may hold young values (this domain's stores).
    pub remembered: &'a [*mut Value],
    /// Old continuations whose suspended fiber chains may hold young values.
    pub conts: &'a [Value],
    /// The domain's own major pools.
    pub pools: &'a PoolSet,
}

/// What verification reads of a heap (handed in by `gc`, which owns it).
#[cfg_attr(not(any(feature = "hardened", debug_assertions)), allow(dead_code))]
pub struct HeapRefs<'a> {
    /// Every domain's young state while the world is stopped; only the caller's own at a
    /// poll point (then young pointers into other domains' arenas are not checked).
    pub young: &'a [YoungRefs<'a>],
    pub major: &'a MajorHeap,
    /// Words allocated since the start (minor and major, framing excluded): paces the scans.
    pub allocated: usize,
}

#[cfg_attr(not(any(feature = "hardened", debug_assertions)), allow(dead_code))]
impl HeapRefs<'_> {
    /// The arena whose slot holds address `a`, among those handed in.
    pub fn minor_of(&self, a: usize) -> Option<&MinorHeap> {
        self.young.iter().map(|y| y.minor).find(|m| m.in_slot(a) || a == m.end as usize)
    }

    /// The domains' pool sets handed in.
    pub fn pool_sets(&self) -> Vec<&PoolSet> {
        self.young.iter().map(|y| y.pools).collect()
    }

    /// Visits every live major block's slot: the heap's pools, the domains' handed in, the
    /// large blocks (every block of the heap when the world is stopped).
    pub fn for_each_major_block(&self, visit: impl FnMut(*mut usize)) {
        self.major.for_each_block(&self.pool_sets(), visit);
    }

    /// The heap's occupancy from its counters, the domains' handed in included.
    pub fn occupancy(&self) -> Occupancy {
        let mut c = PoolCounters::default();
        for y in self.young {
            c.add(&y.pools.counters);
        }
        self.major.occupancy(&c)
    }
}

/// Visits every root slot: called with a visitor, which it calls once per slot.
pub type RootWalk<'a> = &'a mut dyn FnMut(&mut dyn FnMut(&mut Value));

/// The collector's phases, as reports name them.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[cfg_attr(not(any(feature = "hardened", debug_assertions)), allow(dead_code))]
pub enum Phase {
    Mutator,
    Minor,
    Mark,
    Sweep,
    Verify,
}

#[cfg_attr(not(any(feature = "hardened", debug_assertions)), allow(dead_code))]
impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Mutator => "mutator",
            Phase::Minor => "minor collection",
            Phase::Mark => "major marking",
            Phase::Sweep => "major sweeping",
            Phase::Verify => "verification",
        }
    }
}

/// Where the interpreter is, for the access checks (`on_field` ...): its `pc` (the code
/// index of the next word to read, past the running instruction's opcode), the code array
/// and a decoder giving the start and name of the instruction holding a word, and the
/// running stack (its top and its high end) for the report's OCaml stack. Built only to be
/// handed to a hook; the production hooks ignore it, so it costs nothing there.
#[derive(Copy, Clone)]
#[cfg_attr(not(any(feature = "hardened", debug_assertions)), allow(dead_code))]
pub struct At {
    pub pc: usize,
    pub code: *const i32,
    pub code_len: usize,
    pub decode: fn(&[i32], usize) -> (usize, &'static str),
    pub sp: *const Value,
    pub high: *const Value,
}
