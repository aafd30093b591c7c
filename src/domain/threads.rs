//! Systhreads: several OS threads taking turns at running OCaml code on one domain.
//!
//! Once `Thread` is initialised (`enable_threads`), every domain has a *master lock*: an OCaml
//! thread runs bytecode or primitives only while it holds its domain's master lock and is
//! inside the world. A blocking section gives up both (`Domain::enter_blocking_section`); a
//! tick thread per domain asks every 50 ms for a switch (`yield_requested`, seen at the next
//! poll point, where `pending::run_pending_actions` yields); `Thread.yield` hands the lock to
//! a waiter.
//!
//! The part of the domain state that belongs to a thread (`ThreadState`: the running stack
//! and its chain, the callbacks' cut parents, the local roots, the exception and backtrace
//! buffers) lives in the `Domain` for the thread that ran last (`active`) and in its slot
//! for every other thread. A thread that takes the master lock swaps its state in
//! (`become_current`) after it entered the world, so a collection led by another domain sees
//! each thread's state exactly once, in the domain or in a slot. The domain-wide state (young
//! arena, DLS, primitive state, `backtrace_active`) is shared by the domain's threads, as in
//! the stock runtime.
//!
//! # Hand-offs and collections
//!
//! Nothing is saved when a thread gives up its turn: its state stays in the domain's fields,
//! complete (its roots were published before it left the world), until the *next* holder of
//! the turn moves it into the thread's slot and its own state out of its slot
//! (`become_current`), and that swap runs inside the world. So a thread's state is never in
//! transit while a collection may scan it, and the thread that left touches none of it: a
//! collection led by another domain (or, in production builds, a parked domain helping it)
//! reads the domain's fields and the slots (`visit_thread_roots`) whenever the domain is
//! outside the world or parked, and sees every thread's state once, whole.
//!
//! Giving the turn up, in order (the caller holds the turn, inside the world):
//!
//! 1. The roots are published: the interpreter pushed the call frame (or the poll frame,
//!    with the accumulator, `env` and `extra_args`) and stored `stack.sp`; what a primitive
//!    needs afterwards is on the stack or in `local_roots`.
//! 2. The heap lock goes, if held (`heap_held` is the domain's: no holder hands it over).
//! 3. It leaves the world (`Shared::leave`, under the world's mutex). From here a collection
//!    may run without waiting for this domain and scan it: the domain's fields hold this
//!    thread's state, every other thread's is in its slot.
//! 4. It releases the master lock. Another thread may now hold the turn, but it touches the
//!    state only after it entered the world (below).
//!
//! That order is `Domain::enter_blocking_section`'s (3, then 4 in `release_thread_turn`),
//! taken by every blocking wait: the stubs' `caml_enter_blocking_section` and
//! `caml_release_runtime_system`, a contended `Mutex.lock`, `Condition.wait`, `Thread.join`,
//! channel I/O, the blocking `Unix` calls, `Thread.delay` (`Unix.sleepf`),
//! `Thread.wait_signal`. `Thread.yield` and the tick's request (`thread_yield`, at a
//! safepoint: 1 and 2 done) do 3 and 4 the other way round but atomically for the waiter:
//! the lock is freed and the waiter signalled under the master lock's mutex, `leave` runs
//! before the mutex is let go (by the wait), and the waiter cannot return from its own wait
//! before that. A thread's end (`finish_thread`) differs: with the turn, inside the world,
//! it drops its slot and swaps the next thread's saved state into the domain (its own state
//! is dropped: no slot takes it), then leaves the world, then releases the master lock; the
//! domain then holds the state of a thread that is not running.
//!
//! Taking the turn (`take_turn`: the end of a blocking section, a yield's return, a new
//! thread's start, a thread attached from C): the master lock, then the world (`enter` waits
//! while it is stopped: meanwhile the thread holds the lock but touches nothing, and a
//! collection still finds the previous holder's state in the domain), then the swap. Once
//! the thread is inside, a collection's leader waits until the domain parks at a poll point,
//! which comes after the swap: no collection sees it half done.
//!
//! Orderings: the world's mutex orders a leaving thread's writes to its state before a
//! leader's reads (`leave` and `stop_world` both take it) and the leader's updates of moved
//! roots before the next `enter`; the master lock's mutex orders one holder's accesses
//! before the next's. A thread outside its turn reads only `Threads::on` and `master` (to
//! release or take the lock), which change only before a domain has a second thread
//! (`enable_threads`) or in a fork's child (`threads_after_fork`); a collection reaches only
//! `Threads::slots` (`visit_thread_roots`).
//!
//! Invariants: the thread table is changed only by the master lock's holder inside the
//! world; `active`'s slot has no saved state, every other slot has one; each OS thread knows
//! its OCaml thread through `CURRENT`. Threads of one domain share its `Domain` through a
//! raw pointer; the master lock's mutex orders one holder's accesses before the next's.

use super::lock::Shared;
use super::Domain;
use crate::heap::stack::{for_each_chain_slot, Stack};
use crate::heap::value::Value;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// How often the tick thread asks the running thread to let another run (the stock 50 ms).
const TICK: std::time::Duration = std::time::Duration::from_millis(50);

/// `Thread` was initialised: domains use their master locks from then on (never cleared).
static ENABLED: AtomicBool = AtomicBool::new(false);
/// The next thread identifier (`Thread.id`); the main thread of the first domain has 0.
static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The OCaml thread (its identifier) that this OS thread runs, once threads are enabled.
    static CURRENT: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Whether `Thread` was initialised in this process.
pub fn enabled() -> bool {
    // Relaxed: set once by the main thread before any other domain or thread starts (checked
    // by `caml_thread_initialize`); threads started later see it through their spawn.
    ENABLED.load(Ordering::Relaxed)
}

/// A fresh thread identifier.
pub fn fresh_id() -> usize {
    // Relaxed: only uniqueness matters.
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// The identifier of the OCaml thread this OS thread runs.
pub fn current_id() -> usize {
    CURRENT.with(Cell::get)
}

/// Makes this OS thread the one that runs OCaml thread `id` (a new thread, before it takes
/// the master lock).
pub fn set_current(id: usize) {
    CURRENT.with(|c| c.set(id));
}

/// A domain's master lock: taken while a thread runs OCaml code, with a count of the
/// threads waiting for it (as the stock `st_masterlock`).
pub struct MasterLock {
    busy: Mutex<bool>,
    is_free: Condvar,
    waiters: AtomicUsize,
}

impl MasterLock {
    /// A lock held by its creator.
    fn new_held() -> MasterLock {
        MasterLock { busy: Mutex::new(true), is_free: Condvar::new(), waiters: AtomicUsize::new(0) }
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, bool> {
        self.busy.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn acquire(&self) {
        let mut busy = self.guard();
        while *busy {
            // Relaxed: the count changes under `busy`'s mutex; readers outside it only take it
            // as a hint (see `yield_to_waiter`).
            self.waiters.fetch_add(1, Ordering::Relaxed);
            busy = self.is_free.wait(busy).unwrap_or_else(|e| e.into_inner());
            self.waiters.fetch_sub(1, Ordering::Relaxed);
        }
        *busy = true;
    }

    fn release(&self) {
        let mut busy = self.guard();
        *busy = false;
        // Under the mutex: once it is unlocked the next holder runs, and may be the one that
        // frees the lock (a domain's last thread).
        self.is_free.notify_one();
    }

    /// Whether some thread waits for the lock (a hint: decisions are re-made under the mutex).
    fn has_waiters(&self) -> bool {
        // Relaxed: a hint, see above.
        self.waiters.load(Ordering::Relaxed) > 0
    }

    /// Hands the held lock to a waiting thread and waits until it comes back (the stock
    /// `st_thread_yield`): the caller's own wake-up cannot pair with its own signal, so the
    /// waiter runs first. False (lock kept) when no one waits. `leave` runs between freeing
    /// the lock and sleeping, `enter` after taking it back.
    fn yield_to_waiter(&self, leave: impl FnOnce(), enter: impl FnOnce()) -> bool {
        let mut busy = self.guard();
        if !self.has_waiters() {
            return false;
        }
        *busy = false;
        // Relaxed: under the mutex, as in `acquire`.
        self.waiters.fetch_add(1, Ordering::Relaxed);
        self.is_free.notify_one();
        leave();
        loop {
            busy = self.is_free.wait(busy).unwrap_or_else(|e| e.into_inner());
            if !*busy {
                break;
            }
        }
        *busy = true;
        self.waiters.fetch_sub(1, Ordering::Relaxed);
        drop(busy);
        enter();
        true
    }
}

/// The part of the domain state that belongs to a thread that is not running.
pub struct ThreadState {
    stack: Box<Stack>,
    callback_parents: Vec<*mut Stack>,
    local_roots: Vec<Value>,
    exn_bucket: Value,
    backtrace: Vec<usize>,
    backtrace_exn: Value,
    /// The address of the thread's C local-root list head (`Domain::c_local_roots`): each
    /// OS thread has its own `caml_state`, so its stubs' `CAMLparam` roots are its own.
    c_local_roots: usize,
}

/// One OCaml thread of a domain.
struct ThreadSlot {
    id: usize,
    /// The thread's descriptor (`Thread.t`), a root.
    descr: Value,
    /// None for the active thread, whose state the domain holds.
    saved: Option<Box<ThreadState>>,
}

/// A domain's threads (empty until `Thread` is initialised or, for a domain spawned after,
/// until the domain starts).
pub struct Threads {
    on: bool,
    master: Arc<MasterLock>,
    /// Set by the tick thread, taken at the next poll point's pending actions.
    pub yield_requested: Arc<AtomicBool>,
    /// The thread whose state the domain holds.
    active: usize,
    slots: Vec<ThreadSlot>,
    /// The running tick thread's stop flag.
    tick: Option<Arc<AtomicBool>>,
}

impl Default for Threads {
    fn default() -> Threads {
        Threads {
            on: false,
            master: Arc::new(MasterLock::new_held()),
            yield_requested: Arc::new(AtomicBool::new(false)),
            active: usize::MAX,
            slots: Vec::new(),
            tick: None,
        }
    }
}

impl Threads {
    /// Whether this domain's threads take turns through its master lock.
    #[inline(always)]
    pub fn on(&self) -> bool {
        self.on
    }

    fn slot_mut(&mut self, id: usize) -> Option<&mut ThreadSlot> {
        self.slots.iter_mut().find(|s| s.id == id)
    }
}

impl Domain {
    /// Starts systhreads on this domain, with the calling OS thread as thread `id` (whose
    /// descriptor is `descr`), holding the new master lock. The first call (from
    /// `Thread`'s initialisation) enables them for the process.
    pub fn enable_threads(&mut self, id: usize, descr: Value) {
        // Relaxed: see `enabled`.
        ENABLED.store(true, Ordering::Relaxed);
        set_current(id);
        let t = &mut self.threads;
        t.on = true;
        t.master = Arc::new(MasterLock::new_held());
        t.active = id;
        t.slots = vec![ThreadSlot { id, descr, saved: None }];
        // The profiler's state of the thread that ran so far is this thread's.
        let mp = &mut self.young.memprof;
        let old = mp.current;
        if let Some(th) = mp.threads.iter_mut().find(|th| th.id == old) {
            th.id = id;
        }
        self.memprof_enter_thread(id);
    }

    /// Adds thread `id` (descriptor `descr`), not started yet, with a new empty stack.
    pub fn add_thread(&mut self, id: usize, descr: Value) {
        let stack = Box::new(Stack::new(self.config.init_stack_wsize, self.config.max_stack_wsize));
        let saved = Box::new(ThreadState {
            stack,
            callback_parents: Vec::new(),
            local_roots: Vec::new(),
            exn_bucket: Value::UNIT,
            backtrace: Vec::new(),
            backtrace_exn: Value::UNIT,
            c_local_roots: 0,
        });
        self.threads.slots.push(ThreadSlot { id, descr, saved: Some(saved) });
    }

    /// Forgets thread `id`, which never ran (its OS thread could not be started).
    pub fn drop_unstarted_thread(&mut self, id: usize) {
        self.threads.slots.retain(|s| s.id != id || s.saved.is_none());
    }

    /// The descriptor of the calling thread.
    pub fn thread_descr(&self) -> Value {
        let me = current_id();
        self.threads.slots.iter().find(|s| s.id == me).map_or(Value::UNIT, |s| s.descr)
    }

    /// The descriptors of the domain's other threads.
    pub fn other_thread_descrs(&self) -> Vec<Value> {
        let me = current_id();
        self.threads.slots.iter().filter(|s| s.id != me).map(|s| s.descr).collect()
    }

    /// Swaps the calling thread's state into the domain if another thread's is there. Called
    /// with the master lock held, inside the world.
    fn become_current(&mut self) {
        let me = current_id();
        let active = self.threads.active;
        if me == active {
            return;
        }
        let Some(mut st) = self.threads.slot_mut(me).and_then(|s| s.saved.take()) else {
            crate::fatal("a thread runs without its state");
        };
        std::mem::swap(&mut self.stack, &mut st.stack);
        std::mem::swap(&mut self.callback_parents, &mut st.callback_parents);
        std::mem::swap(&mut self.local_roots, &mut st.local_roots);
        std::mem::swap(&mut self.exn_bucket, &mut st.exn_bucket);
        std::mem::swap(&mut self.backtrace, &mut st.backtrace);
        std::mem::swap(&mut self.backtrace_exn, &mut st.backtrace_exn);
        std::mem::swap(&mut self.c_local_roots, &mut st.c_local_roots);
        match self.threads.slot_mut(active) {
            Some(s) => s.saved = Some(st),
            // The previous thread ended: its state goes with the slot it no longer has.
            None => drop(st),
        }
        self.threads.active = me;
        self.memprof_enter_thread(me);
        // Signals this thread does not block may have waited for it.
        super::pending::recheck_pending_signals();
    }

    /// Gives up the master lock (after leaving the world), at the start of a blocking section.
    #[inline]
    pub(super) fn release_thread_turn(&mut self) {
        if self.threads.on {
            self.threads.master.release();
        }
    }

    /// Takes the master lock back at the end of a blocking section, enters the world (after)
    /// and puts the calling thread's state back ([`take_turn`]'s order).
    #[inline]
    pub(super) fn enter_with_thread_turn(&mut self) {
        if self.threads.on {
            let master = self.threads.master.clone();
            let shared = self.shared.clone();
            take_turn(&master, &shared, || self.become_current());
        } else {
            self.shared.enter();
        }
    }

    /// Makes the calling OS thread, which OCaml did not start (`caml_c_thread_register`),
    /// thread `id` of this domain: waits for a turn, adds the thread with a new empty stack
    /// (its descriptor set by [`Domain::set_thread_descr`]) and puts its state in place.
    pub fn attach_thread(&mut self, id: usize) {
        set_current(id);
        let master = self.threads.master.clone();
        let shared = self.shared.clone();
        take_turn(&master, &shared, || {
            self.add_thread(id, Value::UNIT);
            self.become_current();
        });
    }

    /// Sets the descriptor of the calling thread (held, inside the world).
    pub fn set_thread_descr(&mut self, descr: Value) {
        if let Some(s) = self.threads.slot_mut(current_id()) {
            s.descr = descr;
        }
    }

    /// A new thread's first steps on its OS thread: waits for its turn and takes it.
    pub fn start_thread(&mut self, id: usize) {
        set_current(id);
        self.enter_with_thread_turn();
    }

    /// Lets another thread of the domain run if one waits (`Thread.yield`, the tick), as
    /// the stock runtime does: the lock goes to a waiter, and the caller waits for its next
    /// turn. At a safepoint (roots published).
    pub fn thread_yield(&mut self) {
        if !self.threads.on || !self.threads.master.has_waiters() {
            return;
        }
        let relock = self.heap_held;
        if relock {
            self.unlock_heap();
        }
        let master = self.threads.master.clone();
        let shared = self.shared.clone();
        if master.yield_to_waiter(|| shared.leave(), || shared.enter()) {
            self.become_current();
        }
        if relock {
            self.lock_heap();
        }
    }

    /// The end of the calling thread (not the domain's first): its slot goes, another
    /// thread's state takes its place in the domain, and the thread gives up its turn for
    /// good. Heap lock not held.
    pub fn finish_thread(&mut self) {
        let me = current_id();
        self.young.memprof.thread_exit(me);
        self.threads.slots.retain(|s| s.id != me);
        // The domain must hold some thread's state: the first other thread's.
        if let Some(next) = self.threads.slots.first().map(|s| s.id) {
            set_current(next);
            self.become_current();
        }
        set_current(usize::MAX);
        self.shared.leave();
        // Through a clone: once released, the domain may end and drop its own reference.
        let master = self.threads.master.clone();
        master.release();
    }

    /// Starts the domain's tick thread if it is not running: every 50 ms it asks the running
    /// thread to let the others run. It blocks every signal, so that they go to OCaml threads.
    pub fn start_tick(&mut self) -> std::io::Result<()> {
        if self.threads.tick.is_some() {
            return Ok(());
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (stop2, request) = (stop.clone(), self.threads.yield_requested.clone());
        // SAFETY: sigset_t is plain data, filled by sigfillset; the spawned thread inherits
        // the full mask, and the caller's is restored right after.
        let old = unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old);
            old
        };
        let r =
            std::thread::Builder::new().name("tick".into()).stack_size(64 << 10).spawn(move || {
                // Relaxed (both): a stop seen one tick late costs one more request; the
                // request is a hint taken at a poll point.
                while !stop2.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    request.store(true, Ordering::Relaxed);
                    super::pending::call_attention();
                }
            });
        // SAFETY: restores the mask saved above.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
        r?;
        self.threads.tick = Some(stop);
        Ok(())
    }

    /// Stops the tick thread (`Thread.at_shutdown`, a domain's end); it ends within a tick.
    pub fn stop_tick(&mut self) {
        if let Some(stop) = self.threads.tick.take() {
            // Relaxed: see `start_tick`.
            stop.store(true, Ordering::Relaxed);
        }
    }

    /// In the child of a fork: only the calling thread survives. The other threads' states
    /// go, the tick thread is gone (a new one starts with the next thread), and the master
    /// lock is a new one, held (the old one's mutex may have been held by a vanished thread).
    pub fn threads_after_fork(&mut self) {
        if !self.threads.on {
            return;
        }
        let me = current_id();
        self.become_current();
        self.threads.slots.retain(|s| s.id == me);
        self.threads.master = Arc::new(MasterLock::new_held());
        self.threads.tick = None;
    }
}

/// Takes a turn on a domain: the master lock, then the world (waiting while it is stopped),
/// then `swap_in` (the calling thread's state into the domain, `Domain::become_current`),
/// inside the world. This order is what keeps a hand-off invisible to collections: while
/// the world is stopped the thread holds the lock but waits in `enter`, and the domain still
/// holds the previous holder's state, complete; once it entered, a leader waits for the
/// domain to park at a poll point, which comes after `swap_in`.
fn take_turn(master: &MasterLock, shared: &Shared, swap_in: impl FnOnce()) {
    master.acquire();
    shared.enter();
    swap_in();
}

/// Visits the roots of the domain's threads: every descriptor, and the saved state of every
/// thread but the active one (whose state the domain's own fields hold).
///
/// # Safety
/// As `AllRoots::visit_domain`: the domain's threads are all stopped or outside the world.
pub(super) unsafe fn visit_thread_roots(t: *mut Threads, f: &mut dyn FnMut(&mut Value)) {
    // SAFETY: the caller's contract; only this field of the domain is reached.
    let slots = unsafe { &mut (*t).slots };
    for s in slots.iter_mut() {
        f(&mut s.descr);
        if let Some(st) = s.saved.as_mut() {
            let first: *mut Stack = &mut *st.stack;
            // SAFETY: the thread is not running; its chains are its own.
            unsafe {
                for_each_chain_slot(first, f);
                for &p in &st.callback_parents {
                    for_each_chain_slot(p, f);
                }
            }
            for v in st.local_roots.iter_mut() {
                f(v);
            }
            f(&mut st.exn_bucket);
            f(&mut st.backtrace_exn);
            // SAFETY: the thread is not running: its C frames (blocked in a stub's blocking
            // section, or not in C at all) keep their local-root blocks alive and unchanged.
            unsafe { super::c_roots::visit_local(st.c_local_roots, f) };
        }
    }
}

// SAFETY: a saved state's raw stack pointers are used only by the thread that owns them or by
// a collection leader of a stopped world (see `Domain`).
unsafe impl Send for ThreadState {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_waiter_gets_the_lock_once_released() {
        let m = Arc::new(MasterLock::new_held());
        let (tx, rx) = mpsc::channel();
        let m2 = m.clone();
        let t = std::thread::spawn(move || {
            m2.acquire();
            tx.send(()).unwrap();
            m2.release();
        });
        while !m.has_waiters() {
            std::thread::yield_now();
        }
        assert!(rx.recv_timeout(Duration::from_millis(50)).is_err(), "ran while the lock was held");
        m.release();
        rx.recv_timeout(Duration::from_secs(10)).expect("the waiter never got the lock");
        t.join().unwrap();
    }

    /// A thread that gets the turn while another domain's collection has the world stopped
    /// swaps its state in only after the restart: the collection sees the previous holder's
    /// complete state in the domain throughout.
    #[test]
    fn a_turn_taken_in_a_stopped_world_swaps_in_after_the_restart() {
        // SeqCst for every flag of the test: the simplest to reason about, speed is no matter.
        let gc = crate::gc::Gc::new(crate::config::Config::default().gc_params(), 4);
        let shared = Arc::new(Shared::new(gc, 4));
        let master = Arc::new(MasterLock::new_held());
        let collecting = Arc::new(AtomicBool::new(false));
        let swapped = Arc::new(AtomicBool::new(false));
        // This thread holds the turn, inside the world.
        shared.enter();
        let (m, s, c, sw) = (master.clone(), shared.clone(), collecting.clone(), swapped.clone());
        let taker = std::thread::spawn(move || {
            take_turn(&m, &s, || {
                assert!(!c.load(Ordering::SeqCst), "swapped in during a collection");
                sw.store(true, Ordering::SeqCst);
            });
            s.leave();
            m.release();
        });
        while !master.has_waiters() {
            std::thread::yield_now();
        }
        let (s, c, sw) = (shared.clone(), collecting.clone(), swapped.clone());
        let leader = std::thread::spawn(move || {
            s.enter();
            assert!(s.stop_world(0));
            c.store(true, Ordering::SeqCst);
            // Meanwhile the turn was given up and taken: the taker waits in `enter`.
            std::thread::sleep(Duration::from_millis(30));
            assert!(!sw.load(Ordering::SeqCst), "the taker swapped in while the world was stopped");
            c.store(false, Ordering::SeqCst);
            s.restart_world();
            s.leave();
        });
        // Gives the turn up as a blocking section does, once the leader is stopping the world.
        while !shared.stop.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        shared.leave();
        master.release();
        leader.join().unwrap();
        taker.join().unwrap();
        assert!(swapped.load(Ordering::SeqCst));
    }

    #[test]
    fn yield_without_waiters_keeps_the_lock() {
        let m = MasterLock::new_held();
        let mut left = false;
        assert!(!m.yield_to_waiter(|| left = true, || ()));
        assert!(!left);
        assert!(*m.guard());
    }

    #[test]
    fn yield_hands_the_lock_to_the_waiter_first() {
        let m = Arc::new(MasterLock::new_held());
        let order = Arc::new(Mutex::new(Vec::new()));
        let (m2, o2) = (m.clone(), order.clone());
        let t = std::thread::spawn(move || {
            m2.acquire();
            o2.lock().unwrap().push("waiter");
            m2.release();
        });
        while !m.has_waiters() {
            std::thread::yield_now();
        }
        assert!(m.yield_to_waiter(|| (), || ()));
        order.lock().unwrap().push("yielder");
        m.release();
        t.join().unwrap();
        assert_eq!(*order.lock().unwrap(), vec!["waiter", "yielder"]);
    }
}
