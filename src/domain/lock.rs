//! The heap lock, the world, and the state every domain shares.
//!
//! Domains are OS threads that run bytecode in parallel. Two mechanisms order what they
//! share:
//!
//! - **The world.** A domain is *running* while it may touch OCaml values (bytecode,
//!   primitives); it leaves the world in blocking sections (waiting for a mutex, a
//!   condition, another domain, I/O) and before it exits. A domain that needs every other
//!   domain still (a collection, a domain's exit) *stops the world*: it raises `stop`, and
//!   waits until every other running domain is parked; each running domain notices `stop`
//!   at its next poll point and parks there (still counted inside the world), with its
//!   roots published, until the world's generation changes. Domains outside the world
//!   cannot enter while it is stopped. So while the world is stopped its leader owns every
//!   domain's young state, stacks and roots, and the shared heap. The restart releases
//!   every parked domain at once (they count as running again before they even wake), so
//!   the next stopped world waits for each of them to reach a poll point first: a domain
//!   that stops the world again and again cannot starve another one that is slow to wake
//!   (with two domains on a loaded machine it did: the woken domain found the world stopped
//!   again before it re-entered, and the two domains ran one at a time). Only one leader at
//!   a time: a domain that finds the world already stopping parks instead, and tries again
//!   afterwards if it still needs to. Condition variables are signalled only when someone
//!   sleeps on them (`World::leader_sleeping`, `enter_sleeping`, the board's sleepers): a
//!   signal is a `futex` system call even with no waiter.
//! - **The heap lock** serialises running domains' accesses to the
//!   shared heap state (`HeapState`): the collector's shared part (finalisers, ephemerons,
//!   parameters, statistics and pacing, the heap's own pool set), named values, the growth
//!   of the global table, the domain registry. Primitives run with it held unless
//!   `prims::is_lock_free` says they touch only their arguments, their domain's own state
//!   and state with a lock of its own; such a primitive takes it only for a moment when it
//!   needs one of the above (`Domain::with_heap`). Lock order: the world before the heap
//!   lock; a domain never waits for the world while it holds the heap lock (collections
//!   release it first), so no running domain holds it while the world is stopped, and the
//!   leader takes it uncontended.
//!
//! Young allocation, major allocation (each domain has its own pools, `gc::DomainGc::pools`),
//! field reads and writes, and the write barrier (into the domain's own remembered set) need
//! neither: they touch the domain's own arena and pools, or the heap's blocks, which no
//! collection moves or frees while the domain runs.
//!
//! Every other lock of the runtime guards only its own state:
//!
//! - the major heap's directory (`heap::major::Directory`): the address of every pool, and
//!   the emptied pools kept for reuse; taken for a fresh pool (once per 32 KiB of small
//!   blocks), the sweep's bookkeeping and the checker's snapshot of the heap's regions;
//! - the large lists (`heap::large`), one per domain slot and one for the heap, each on a
//!   cache line of its own: a domain takes its own for a large block it allocates; the
//!   sweep, the statistics and the checker take each in turn;
//! - the pools' memory (`heap::pool`'s mapped chunks and the pools given back to them): taken
//!   when a fresh pool is needed and the directory has no spare one, and when a sweep gives
//!   pools back beyond the directory's spares;
//! - the collector's board of work for parked domains (`gc::helpers`): the leader of a
//!   stopped world publishes its minor collection (a unit per domain) and its sweep (every
//!   pool of the heap) there, parked domains join it and take units or pools off it, and
//!   sleep on its condition variable until the world restarts;
//! - the custom-operations registry (`heap::custom`), read by unmarshalling;
//! - the primitives' own: each channel's lock and the channel registry (`prims::io`, waited
//!   for outside the heap lock), `Mutex`/`Condition` (`prims::domain_prims`), the
//!   marshaller's code digest (`prims::marshal`), the `unix` library's directory handles
//!   (`prims::unix::fs`); the C shim's quarantine (`native/`, hardened builds).
//!
//! Orderings: `stop`, `work` and `unparked_hint` are hints read at poll points and while
//! spinning (Relaxed: a late read only
//! delays a domain's reaction by one poll; every decision is re-made under the world's or
//! the heap lock's mutex, whose acquire/release orders what the domains did before). The
//! world's `generation` ends a park without the mutex: the leader's release store after its
//! work, a parked domain's acquire load.

use super::Domain;
use crate::check;
use crate::gc::helpers::Board;
use crate::gc::Gc;
use crate::heap::value::Value;
use std::cell::UnsafeCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// The heap lock: an atomic word for the uncontended case (one compare-and-swap to take it,
/// one swap to give it back), a mutex and condition variable for waiting.
struct HeapLock {
    /// 0 free, 1 held, 2 held and some thread may be waiting.
    state: AtomicU32,
    sleepers: Mutex<()>,
    wake: Condvar,
}

/// How long a domain spins on a stopped world's state before it yields, then sleeps: a
/// stopped world usually lasts tens of microseconds (bench/parallel_major: 30-50 µs for a
/// minor collection and a major cycle, 15-20 µs for a minor collection alone), less than a
/// sleep and wake-up costs. Measured in time, not spin-loop hints, whose length varies from
/// a few nanoseconds to 60 and more across processors.
const WORLD_SPIN: std::time::Duration = std::time::Duration::from_micros(150);
/// Spin-loop hints between two looks at the clock.
const SPINS_PER_CLOCK: u32 = 32;
const WORLD_YIELDS: usize = 10;

/// Spins while `cond` holds, for a bounded time (then the caller sleeps if it still holds);
/// true if it still holds.
fn spin_while(cond: impl Fn() -> bool) -> bool {
    let start = std::time::Instant::now();
    let mut spins = 0u32;
    while cond() {
        std::hint::spin_loop();
        spins += 1;
        if spins.is_multiple_of(SPINS_PER_CLOCK) && start.elapsed() >= WORLD_SPIN {
            break;
        }
    }
    for _ in 0..WORLD_YIELDS {
        if !cond() {
            return false;
        }
        std::thread::yield_now();
    }
    cond()
}

/// Tries before a waiting thread sleeps.
const HEAP_LOCK_SPINS: usize = 64;

impl HeapLock {
    fn lock(&self) {
        // Acquire: what the previous holder did under the lock is visible to us.
        if self.state.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed).is_ok() {
            return;
        }
        for _ in 0..HEAP_LOCK_SPINS {
            std::hint::spin_loop();
            // Relaxed load: only a hint before the acquiring compare-and-swap.
            if self.state.load(Ordering::Relaxed) == 0
                && self.state.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed).is_ok()
            {
                return;
            }
        }
        let mut g = self.sleepers.lock().unwrap_or_else(|e| e.into_inner());
        // Acquire: as above. Marking the lock "maybe waiters" (2) before sleeping makes the
        // holder's `unlock` wake us; it cannot slip between the swap and the wait, since it
        // takes `sleepers` to notify.
        while self.state.swap(2, Ordering::Acquire) != 0 {
            g = self.wake.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn unlock(&self) {
        // Release: publishes what we did under the lock to the next holder.
        if self.state.swap(0, Ordering::Release) == 2 {
            let _g = self.sleepers.lock().unwrap_or_else(|e| e.into_inner());
            self.wake.notify_one();
        }
    }
}

/// Heap-wide state, used by the heap-lock holder or the leader of a stopped world.
pub struct HeapState {
    pub gc: Gc,
    /// Values registered with `Callback.register` (and runtime-private roots, whose names
    /// start with a NUL byte).
    pub named: HashMap<Vec<u8>, Value>,
    /// The global data table.
    pub globals: Value,
    /// Every live domain, for root scanning; each entry is valid while registered.
    pub domains: Vec<*mut Domain>,
    /// Slots (`Domain.self_index`) in use.
    pub slots_used: Vec<bool>,
    /// Unique ids handed out so far (0 is the main domain).
    pub next_id: usize,
}

/// Who is running, and whether the world is stopped.
struct World {
    /// Domains inside the world: running bytecode or primitives, or parked at a poll point.
    running: usize,
    /// Of those, the domains parked in the current stopped world. The restart releases them
    /// all at once (back to 0): a released domain counts as running, so the next stopped
    /// world waits until it has reached a poll point again, and a leader that stops the
    /// world right after restarting it cannot starve a parked domain that has not woken yet.
    parked: usize,
    /// A leader stopped (or is stopping) the world.
    stopped: bool,
    /// Restarts so far: a parked domain waits for it to change.
    generation: u64,
    /// The leader sleeps on `world_changed` until the others park or leave (so `park` and
    /// `leave` must signal it).
    leader_sleeping: bool,
    /// Domains sleeping on `world_changed` in `enter` until the world restarts.
    enter_sleeping: usize,
    /// When the current stopped world's domains were all parked (`stw_stats`, if on).
    stopped_at: Option<std::time::Instant>,
}

impl World {
    /// Running domains not parked (the leader included while it stops the world).
    fn unparked(&self) -> usize {
        self.running - self.parked
    }
}

/// State shared by all domains of the process.
pub struct Shared {
    heap_lock: HeapLock,
    world: Mutex<World>,
    world_changed: Condvar,
    /// The world is stopping: running domains park at their next poll point.
    pub stop: AtomicBool,
    /// Shared collection work or finalisers are due: the next domain to poll looks at them.
    pub work: AtomicBool,
    /// `World::unparked`, readable without the mutex (for the leader's spinning; its
    /// decision re-checks it under the mutex).
    unparked_hint: AtomicUsize,
    /// `World::generation`, readable without the mutex: what a parked domain waits on.
    generation: AtomicU64,
    /// The collector's board of work for parked domains (`gc::helpers`), outside `heap`:
    /// parked domains reach it while the leader owns the heap state.
    helpers: Arc<Board>,
    heap: UnsafeCell<HeapState>,
}

// SAFETY: `heap` is only accessed by the holder of the heap lock or the leader of a stopped
// world (see `heap()`), and the lock hand-overs (std Mutexes) order those accesses.
unsafe impl Sync for Shared {}
// SAFETY: as above; the raw domain pointers are only used under the same rules.
unsafe impl Send for Shared {}

impl Shared {
    pub fn new(gc: Gc, max_domains: usize) -> Shared {
        super::stw_stats::init();
        let mut slots_used = vec![false; max_domains.max(1)];
        slots_used[0] = true;
        let helpers = gc.board.clone();
        Shared {
            heap_lock: HeapLock {
                state: AtomicU32::new(0),
                sleepers: Mutex::new(()),
                wake: Condvar::new(),
            },
            world: Mutex::new(World {
                running: 0,
                parked: 0,
                stopped: false,
                generation: 0,
                leader_sleeping: false,
                enter_sleeping: 0,
                stopped_at: None,
            }),
            world_changed: Condvar::new(),
            stop: AtomicBool::new(false),
            work: AtomicBool::new(false),
            unparked_hint: AtomicUsize::new(0),
            generation: AtomicU64::new(0),
            helpers,
            heap: UnsafeCell::new(HeapState {
                gc,
                named: HashMap::new(),
                globals: Value::UNIT,
                domains: Vec::new(),
                slots_used,
                next_id: 1,
            }),
        }
    }

    /// The shared heap state.
    ///
    /// # Safety
    /// The caller must hold the heap lock or lead a stopped world, and must not keep two
    /// overlapping mutable references to the same part alive.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn heap(&self) -> &mut HeapState {
        // SAFETY: exclusive access is guaranteed by the caller's contract.
        unsafe { &mut *self.heap.get() }
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Enters the world (a new domain's thread, or after a blocking section): waits while it
    /// is stopped.
    pub fn enter(&self) {
        let mut w = self.world();
        while w.stopped {
            w.enter_sleeping += 1;
            w = self.world_changed.wait(w).unwrap_or_else(|e| e.into_inner());
            w.enter_sleeping -= 1;
        }
        w.running += 1;
        self.publish_unparked(&w);
    }

    /// Leaves the world (a blocking section, or the domain's end). The domain must have
    /// published its roots and must not touch OCaml values until it enters again.
    pub fn leave(&self) {
        let mut w = self.world();
        w.running -= 1;
        self.publish_unparked(&w);
        if w.leader_sleeping {
            self.world_changed.notify_all();
        }
    }

    /// Copies `World::unparked` into its hint (world mutex held).
    fn publish_unparked(&self, w: &World) {
        // Relaxed: a hint for the leader's spin, re-checked under the mutex.
        self.unparked_hint.store(w.unparked(), Ordering::Relaxed);
    }

    /// At a poll point where `stop` was seen: parks (still inside the world, roots
    /// published) until the leader restarts the world. Stopped worlds are short (a minor
    /// collection), so it spins a while before sleeping, and meanwhile takes on the work the
    /// leader puts on the collector's board (`gc::helpers`: promoting its own domain's roots
    /// first, then any other domain's, sweeping pools); `me` is the parked domain's token
    /// for the board (`gc::helpers::Job::run`). Returns at once if the world already
    /// restarted.
    pub fn park(&self, me: usize) {
        let mut w = self.world();
        if !w.stopped {
            return;
        }
        super::stw_stats::park_begins();
        w.parked += 1;
        let gen = w.generation;
        self.publish_unparked(&w);
        if w.leader_sleeping && w.unparked() == 1 {
            self.world_changed.notify_all();
        }
        drop(w);
        // Acquire: pairs with `restart_world`'s release, so what the leader did to the heap
        // and to this domain's roots is visible once the generation changed.
        let stopped = || self.generation.load(Ordering::Acquire) == gen;
        let slept = spin_while(|| {
            self.helpers.help_as(me);
            stopped()
        });
        super::stw_stats::parked(slept);
        self.helpers.sleep_while(me, stopped);
        super::stw_stats::resumed(false);
    }

    /// Stops the world with the caller as leader: true once every other domain is parked or
    /// outside. False if another domain was leading: the caller parked (as `me`, see
    /// `park`) until that leader finished, and should see whether it still needs to stop
    /// the world. The caller must be running, at a safepoint, and must not hold the heap
    /// lock.
    pub fn stop_world(&self, me: usize) -> bool {
        let t = super::stw_stats::start();
        let mut w = self.world();
        if w.stopped {
            drop(w);
            super::stw_stats::lost();
            self.park(me);
            return false;
        }
        let others = w.unparked() - 1;
        w.stopped = true;
        // Relaxed: a hint for the polls; parking itself goes through the world's mutex.
        self.stop.store(true, Ordering::Relaxed);
        super::pending::call_attention();
        drop(w);
        // The others park within a poll or two: spin on the hint before sleeping. No domain
        // enters while the world is stopped, so the count only goes down.
        let slept = spin_while(|| self.unparked_hint.load(Ordering::Relaxed) > 1);
        let mut w = self.world();
        while w.unparked() > 1 {
            w.leader_sleeping = true;
            w = self.world_changed.wait(w).unwrap_or_else(|e| e.into_inner());
            w.leader_sleeping = false;
        }
        w.stopped_at = super::stw_stats::all_parked(t, slept, others);
        check::heap_access_gained();
        true
    }

    /// Ends the caller's stopped world: every parked domain runs again.
    pub fn restart_world(&self) {
        check::heap_access_lost();
        let mut w = self.world();
        super::stw_stats::restarted(w.stopped_at.take());
        super::stw_stats::restarting();
        w.stopped = false;
        w.parked = 0;
        w.generation += 1;
        // Relaxed: as in `stop_world`.
        self.stop.store(false, Ordering::Relaxed);
        // Release: the leader's work happens before a parked domain's acquire in `park`.
        self.generation.store(w.generation, Ordering::Release);
        self.publish_unparked(&w);
        let wake_entering = w.enter_sleeping > 0;
        drop(w);
        if wake_entering {
            self.world_changed.notify_all();
        }
        super::stw_stats::resumed(true);
        self.helpers.wake_all();
    }

    /// Waits for the heap lock. The caller must not hold it (`Domain::heap_held` tracks
    /// that).
    #[inline]
    pub fn lock_heap(&self) {
        self.heap_lock.lock();
        check::heap_access_gained();
    }

    /// Gives the heap lock back (the caller holds it).
    #[inline]
    pub fn unlock_heap(&self) {
        check::heap_access_lost();
        self.heap_lock.unlock();
    }
}

/// A shared field reached through a domain; dereferencing it requires the heap lock (which
/// primitives run with) or leading a stopped world. Hardened builds assert that the calling
/// thread holds one of them (`check::assert_heap_access`).
pub struct LockedRef<T> {
    ptr: *mut T,
}

// SAFETY: the pointee is shared state whose accesses are serialised by the heap lock.
unsafe impl<T> Send for LockedRef<T> {}

impl<T> LockedRef<T> {
    /// # Safety
    /// `ptr` must point into a `Shared` that outlives this reference.
    pub unsafe fn new(ptr: *mut T) -> LockedRef<T> {
        LockedRef { ptr }
    }
}

impl<T> std::ops::Deref for LockedRef<T> {
    type Target = T;
    #[inline(always)]
    #[track_caller]
    fn deref(&self) -> &T {
        check::assert_heap_access();
        // SAFETY: the caller holds the heap lock or leads a stopped world (see the type's docs).
        unsafe { &*self.ptr }
    }
}

impl<T> std::ops::DerefMut for LockedRef<T> {
    #[inline(always)]
    #[track_caller]
    fn deref_mut(&mut self) -> &mut T {
        check::assert_heap_access();
        // SAFETY: as for `deref`; `&mut self` keeps this path unique within the holder.
        unsafe { &mut *self.ptr }
    }
}

/// The root of the global data table, shared by every domain. The interpreter reads it at
/// every `GETGLOBAL` without the heap lock, so it is read and written as an atomic word:
/// `caml_realloc_global` (under the heap lock) publishes a grown table with a release store,
/// and a reader's acquire load then sees the new table's fields initialised. On x86-64 both
/// are plain moves. While the world is stopped the leader also updates it as an ordinary
/// root (`&mut Value`): no other thread runs then.
pub struct GlobalTableRef {
    word: *const AtomicUsize,
}

// SAFETY: the word is only accessed atomically while domains run (see the type's docs).
unsafe impl Send for GlobalTableRef {}

impl GlobalTableRef {
    /// # Safety
    /// `ptr` must point to the global table root of a `Shared` that outlives this reference.
    pub unsafe fn new(ptr: *mut Value) -> GlobalTableRef {
        // SAFETY: `Value` is a transparent usize, so the root is aligned for an AtomicUsize;
        // its non-atomic accesses happen only in a stopped world (see above).
        GlobalTableRef { word: unsafe { AtomicUsize::from_ptr(ptr.cast::<usize>()) } }
    }

    /// The global table.
    #[inline(always)]
    pub fn get(&self) -> Value {
        // SAFETY: the root outlives `self` (`new`'s contract).
        // Acquire: pairs with `set`'s release, so a new table's fields are visible.
        Value(unsafe { &*self.word }.load(Ordering::Acquire))
    }

    /// Replaces the global table (the caller holds the heap lock).
    pub fn set(&self, table: Value) {
        check::assert_heap_access();
        // SAFETY: as in `get`.
        // Release: publishes the table's initialised fields to `get`'s acquire.
        unsafe { &*self.word }.store(table.0, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn ticket_lock_hands_over_between_many_threads() {
        let gc = Gc::new(crate::config::Config::default().gc_params(), 4);
        let shared = Arc::new(Shared::new(gc, 4));
        shared.lock_heap();
        let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut threads = Vec::new();
        for _ in 0..50 {
            let s = shared.clone();
            let c = counter.clone();
            threads.push(std::thread::spawn(move || {
                s.lock_heap();
                for _ in 0..20 {
                    c.fetch_add(1, Ordering::Relaxed);
                    s.unlock_heap();
                    s.lock_heap();
                }
                s.unlock_heap();
            }));
        }
        shared.unlock_heap();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(counter.load(Ordering::Relaxed), 1000);
    }

    #[test]
    fn a_stopped_world_waits_for_every_running_domain() {
        let gc = Gc::new(crate::config::Config::default().gc_params(), 4);
        let shared = Arc::new(Shared::new(gc, 4));
        let inside_stw = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let steps = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut threads = Vec::new();
        for _ in 0..3 {
            let (s, inside, steps) = (shared.clone(), inside_stw.clone(), steps.clone());
            threads.push(std::thread::spawn(move || {
                s.enter();
                for i in 0..2000 {
                    // A running domain never runs while a leader is inside its stopped world.
                    assert!(!inside.load(Ordering::SeqCst), "ran during a stopped world");
                    steps.fetch_add(1, Ordering::SeqCst);
                    if s.stop.load(Ordering::Relaxed) {
                        s.park(0);
                    }
                    if i % 500 == 0 && s.stop_world(0) {
                        inside.store(true, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_micros(200));
                        inside.store(false, Ordering::SeqCst);
                        s.restart_world();
                    }
                    if i % 700 == 0 {
                        // A blocking section: outside the world for a while.
                        s.leave();
                        std::thread::sleep(std::time::Duration::from_micros(100));
                        s.enter();
                    }
                }
                s.leave();
            }));
        }
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(steps.load(Ordering::SeqCst), 6000);
    }
}
