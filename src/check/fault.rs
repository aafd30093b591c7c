//! Fault injection (cargo feature `fault-injection`; never in production builds): small, real
//! changes of the runtime's behaviour that the hardened checks must catch. `WARDEN_INJECT=name`
//! chooses the fault; it fires once, at the N-th eligible event, N from `WARDEN_INJECT_AT` or
//! drawn at random per run. When it fires, a line `warden: fault injected: NAME (...)` goes to
//! stderr and reports say how long before them it happened.
//!
//! | name | eligible event | what goes wrong |
//! |---|---|---|
//! | `stale-code` | a domain's thread exits | the callback code fragment it registered stays in the code table; the major GC's root scan takes any heap pointer inside a registered fragment for code and skips it (the mechanism of OCaml issue 13512) |
//! | `no-write-barrier` | a store of a young value into a major block | the field is not added to the remembered set |
//! | `lost-root` | a collection at an interpreter allocation that reads a young accumulator after it | the accumulator is not saved on the stack, so it is not updated |
//! | `early-sweep` | the sweeper meets a marked block with fields | it frees the block |
//! | `short-alloc` | a young allocation of 2 fields or more | the block gets one field less than asked; the caller writes them all |
//! | `racy-publish` | an atomic exchange (`Atomic.set`, `Atomic.exchange`) that stores a block | the store is a plain, unordered write, so the block's fields reach the domain that loads it without any ordering (for ThreadSanitizer: nothing in the hardened checks looks at orderings) |
//!
//! This module owns the fault configuration and the code-fragment table that `stale-code`
//! needs (warden itself registers no code fragments: callbacks run the program's own `STOP`).

use crate::heap::value::Value;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Fault {
    StaleCode,
    NoWriteBarrier,
    LostRoot,
    EarlySweep,
    ShortAlloc,
    RacyPublish,
}

impl Fault {
    pub const ALL: [Fault; 6] = [
        Fault::StaleCode,
        Fault::NoWriteBarrier,
        Fault::LostRoot,
        Fault::EarlySweep,
        Fault::ShortAlloc,
        Fault::RacyPublish,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Fault::StaleCode => "stale-code",
            Fault::NoWriteBarrier => "no-write-barrier",
            Fault::LostRoot => "lost-root",
            Fault::EarlySweep => "early-sweep",
            Fault::ShortAlloc => "short-alloc",
            Fault::RacyPublish => "racy-publish",
        }
    }
    /// The range the N of a run is drawn from when `WARDEN_INJECT_AT` is not set.
    fn default_range(self) -> (u64, u64) {
        match self {
            Fault::StaleCode => (1, 1),
            Fault::NoWriteBarrier => (1, 40),
            Fault::LostRoot => (1, 4),
            Fault::EarlySweep => (1, 4000),
            Fault::ShortAlloc => (1000, 100_000),
            Fault::RacyPublish => (1, 20),
        }
    }
}

struct Config {
    fault: Option<Fault>,
    at: u64,
}

fn config() -> &'static Config {
    static C: OnceLock<Config> = OnceLock::new();
    C.get_or_init(|| {
        let vars = crate::config::warden_vars();
        let name = vars.inject.clone().unwrap_or_default();
        let name = name.trim();
        if name.is_empty() || name == "none" {
            return Config { fault: None, at: 0 };
        }
        let Some(fault) = Fault::ALL.iter().copied().find(|f| f.name() == name) else {
            let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
            crate::fatal(&format!(
                "WARDEN_INJECT: unknown fault '{name}' (expected one of {})",
                names.join(", ")
            ));
        };
        let at = match &vars.inject_at {
            Some(t) => match t.trim().parse::<u64>() {
                Ok(n) if n >= 1 => n,
                _ => crate::fatal(&format!(
                    "WARDEN_INJECT_AT: bad value '{t}' (expected a positive number)"
                )),
            },
            None => {
                use std::hash::{BuildHasher, Hasher};
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_u32(std::process::id());
                let (lo, hi) = fault.default_range();
                lo + h.finish() % (hi - lo + 1)
            }
        };
        Config { fault: Some(fault), at }
    })
}

/// Eligible events seen so far (Relaxed: only the count matters; which of two domains' racing
/// events is the N-th does not).
static EVENTS: AtomicU64 = AtomicU64::new(0);
static FIRED: OnceLock<(&'static str, Instant)> = OnceLock::new();

/// Counts an eligible event of `f`; true when the fault fires now.
#[inline]
fn fire(f: Fault, detail: impl FnOnce() -> String) -> bool {
    let c = config();
    if c.fault != Some(f) || FIRED.get().is_some() {
        return false;
    }
    let n = EVENTS.fetch_add(1, Ordering::Relaxed) + 1;
    if n != c.at {
        return false;
    }
    let _ = FIRED.set((f.name(), Instant::now()));
    eprintln!("warden: fault injected: {} (event {n}: {})", f.name(), detail());
    true
}

/// The fault that fired, and when.
// Read by the hardened checker's reports only: unused in a production fault-injection build.
#[cfg_attr(not(any(feature = "hardened", debug_assertions)), allow(dead_code))]
pub fn fired() -> Option<(&'static str, Instant)> {
    FIRED.get().copied()
}

/// `short-alloc`: the wosize a young block of `wosize` fields really gets.
#[inline]
pub fn short_alloc(wosize: usize) -> usize {
    if wosize >= 2
        && fire(Fault::ShortAlloc, || format!("a block of {wosize} fields gets {}", wosize - 1))
    {
        wosize - 1
    } else {
        wosize
    }
}

/// `lost-root`: whether the accumulator (young when `young_accu`) is left out of the frame
/// saved across this collection.
#[inline]
pub fn lost_root(young_accu: bool) -> bool {
    young_accu
        && fire(Fault::LostRoot, || "the accumulator is not saved across a collection".into())
}

/// `no-write-barrier`: whether this young-into-major store skips the remembered set.
#[inline]
pub fn skip_barrier() -> bool {
    fire(Fault::NoWriteBarrier, || {
        "a young value stored into a major block is not remembered".into()
    })
}

/// `early-sweep`: whether the sweeper frees this marked block.
#[inline]
pub fn early_sweep(scannable: bool) -> bool {
    scannable && fire(Fault::EarlySweep, || "the sweeper frees a marked block".into())
}

/// `racy-publish`: whether this atomic store of `v` is done as a plain write.
#[inline]
pub fn racy_publish(v: Value) -> bool {
    v.is_block()
        && fire(Fault::RacyPublish, || {
            format!("block {:#x} published by a plain, unordered store", v.0)
        })
}

/// A code fragment in the table: its range, and whether the domain that registered it exited.
struct Fragment {
    lo: usize,
    hi: usize,
    id: usize,
    owner_exited: bool,
}

static FRAGMENTS: Mutex<Vec<Fragment>> = Mutex::new(Vec::new());
/// Fragments whose owner exited (Relaxed: a fast-path hint for the root scan; the table itself
/// is read under its mutex).
static STALE: AtomicUsize = AtomicUsize::new(0);
/// Fragment ids (Relaxed: only uniqueness matters, which any ordering gives a fetch_add).
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// The size and alignment of a callback code fragment: a pool's, so that freed fragment
/// memory is what the allocator hands out next for a pool (as freed thread-local storage
/// became heap memory in issue 13512).
const FRAGMENT_BYTES: usize = crate::heap::pool::POOL_BSIZE;

/// A domain thread's callback code, registered in the code table while the thread lives.
struct CallbackCode {
    mem: *mut u8,
    id: usize,
}

impl Drop for CallbackCode {
    fn drop(&mut self) {
        let layout = std::alloc::Layout::from_size_align(FRAGMENT_BYTES, FRAGMENT_BYTES)
            .expect("fragment layout");
        {
            let mut t = FRAGMENTS.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = t.iter().position(|f| f.id == self.id) {
                if fire(Fault::StaleCode, || {
                    format!(
                        "an exiting domain leaves its code fragment at {:#x} registered",
                        self.mem as usize
                    )
                }) {
                    t[i].owner_exited = true;
                    STALE.fetch_add(1, Ordering::Relaxed);
                } else {
                    t.remove(i);
                }
            }
        }
        // SAFETY: mem came from `alloc` with the same layout (see `on_interpret`).
        unsafe { std::alloc::dealloc(self.mem, layout) };
    }
}

thread_local! {
    static CALLBACK_CODE: std::cell::RefCell<Option<CallbackCode>> = const { std::cell::RefCell::new(None) };
}

/// At each entry into the interpreter: under `stale-code`, a thread's first entry registers its
/// callback code fragment (as the stock runtime's `init_callback_code` did before 5.2.1).
#[inline]
pub fn on_interpret() {
    if config().fault != Some(Fault::StaleCode) {
        return;
    }
    CALLBACK_CODE.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            let layout = std::alloc::Layout::from_size_align(FRAGMENT_BYTES, FRAGMENT_BYTES)
                .expect("fragment layout");
            // SAFETY: non-zero size.
            let mem = unsafe { std::alloc::alloc(layout) };
            if mem.is_null() {
                crate::fatal("out of memory (callback code)");
            }
            let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            let mut t = FRAGMENTS.lock().unwrap_or_else(|e| e.into_inner());
            t.push(Fragment {
                lo: mem as usize,
                hi: mem as usize + FRAGMENT_BYTES,
                id,
                owner_exited: false,
            });
            *c = Some(CallbackCode { mem, id });
        }
    });
}

/// Whether the root scan takes `v` for a code pointer (it lies in a registered fragment) and
/// skips it, as `caml_scan_stack` does with `caml_find_code_fragment_by_pc`.
#[inline]
pub fn taken_for_code(v: Value) -> bool {
    if !v.is_block() || STALE.load(Ordering::Relaxed) == 0 {
        return false;
    }
    let t = FRAGMENTS.lock().unwrap_or_else(|e| e.into_inner());
    let hit = t.iter().any(|f| f.lo <= v.0 && v.0 < f.hi);
    if hit {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| eprintln!("warden: fault injected: stale-code: the root scan took heap pointer {:#x} for code", v.0));
    }
    hit
}

/// Visits every registered fragment: `(lo, hi, owner_exited)`.
// Read by the hardened checker's code-table check only (as `fired`).
#[cfg_attr(not(any(feature = "hardened", debug_assertions)), allow(dead_code))]
pub fn for_each_fragment(f: &mut dyn FnMut(usize, usize, bool)) {
    if config().fault != Some(Fault::StaleCode) {
        return;
    }
    // Copied out first: `f` may report and exit, and exiting runs thread-local destructors
    // that take the table's lock.
    let list: Vec<(usize, usize, bool)> = {
        let t = FRAGMENTS.lock().unwrap_or_else(|e| e.into_inner());
        t.iter().map(|fr| (fr.lo, fr.hi, fr.owner_exited)).collect()
    };
    for (lo, hi, exited) in list {
        f(lo, hi, exited);
    }
}
