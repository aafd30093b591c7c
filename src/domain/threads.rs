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
//! Invariants: the thread table is changed only by the master lock's holder inside the
//! world; `active`'s slot has no saved state, every other slot has one; each OS thread knows
//! its OCaml thread through `CURRENT`. Threads of one domain share its `Domain` through a
//! raw pointer; the master lock's mutex orders one holder's accesses before the next's.

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
    /// and puts the calling thread's state back.
    #[inline]
    pub(super) fn enter_with_thread_turn(&mut self) {
        if self.threads.on {
            let master = self.threads.master.clone();
            master.acquire();
            self.shared.enter();
            self.become_current();
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
        master.acquire();
        self.shared.enter();
        self.add_thread(id, Value::UNIT);
        self.become_current();
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
