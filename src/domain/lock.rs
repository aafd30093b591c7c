//! The runtime lock and the state every domain shares.
//!
//! Domains are OS threads. For now they run OCaml code one at a time: a domain holds the
//! runtime lock whenever it runs bytecode, primitives or the collector, and gives it up in
//! blocking sections (waiting for a mutex, a condition, another domain) and, when another
//! domain waits, at a safepoint after its time slice. So every heap structure (the minor
//! and major heaps, remembered set, finalisers, named values, global data) is shared and
//! touched only by the lock holder, and a collection simply runs in the holder with every
//! other domain stopped where it published its roots: at a safepoint, in a blocking
//! section, or before its first instruction.
//!
//! The lock is a ticket lock (FIFO), so a yielding domain cannot take the lock back before
//! the domains already waiting.
//!
//! Orderings: `yield_requested` is a hint read at poll points (Relaxed: a late read only
//! delays a switch by one poll); the lock state itself lives under a `std::sync::Mutex`, whose
//! acquire/release orders everything a domain did before handing the lock over.

use super::Domain;
use crate::gc::Gc;
use crate::heap::value::Value;
use std::cell::UnsafeCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a domain keeps the lock while others wait, before it yields at a safepoint.
pub const TIME_SLICE: Duration = Duration::from_millis(2);

struct Tickets {
    next: u64,
    serving: u64,
    /// The thread holding the lock (for the hand-over check).
    holder: Option<std::thread::ThreadId>,
    /// Waiting threads with their tickets, oldest first: a hand-over wakes only the next one.
    waiting: std::collections::VecDeque<(u64, std::thread::Thread)>,
}

/// Heap-wide state used only by the runtime-lock holder.
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

/// State shared by all domains of the process.
pub struct Shared {
    tickets: Mutex<Tickets>,
    /// Some domain waits for the lock: the holder yields at its next safepoint once its time
    /// slice is over.
    pub yield_requested: AtomicBool,
    heap: UnsafeCell<HeapState>,
}

// SAFETY: `heap` is only accessed by the holder of the runtime lock (see `heap()`), and the
// lock hand-over (a std Mutex) orders those accesses between threads.
unsafe impl Sync for Shared {}
// SAFETY: as above; the raw domain pointers are only used by the lock holder.
unsafe impl Send for Shared {}

impl Shared {
    pub fn new(gc: Gc, max_domains: usize) -> Shared {
        let mut slots_used = vec![false; max_domains.max(1)];
        slots_used[0] = true;
        Shared {
            tickets: Mutex::new(Tickets { next: 0, serving: 0, holder: None, waiting: Default::default() }),
            yield_requested: AtomicBool::new(false),
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
    /// The caller must hold the runtime lock, and must not keep two overlapping mutable
    /// references to the same part alive.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn heap(&self) -> &mut HeapState {
        // SAFETY: exclusive access is guaranteed by the runtime lock (caller's contract).
        unsafe { &mut *self.heap.get() }
    }

    /// Waits for the runtime lock (FIFO).
    pub fn acquire(&self) -> Instant {
        let mut t = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let me = t.next;
        t.next += 1;
        if t.serving != me {
            t.waiting.push_back((me, std::thread::current()));
            // Relaxed: a hint for the holder's poll; the hand-over itself goes through the mutex.
            self.yield_requested.store(true, Ordering::Relaxed);
            while t.serving != me {
                drop(t);
                // Woken by `release` when our ticket comes up (or spuriously: re-check).
                std::thread::park();
                t = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
            }
            t.waiting.retain(|(ticket, _)| *ticket != me);
        }
        // Relaxed: as above; recomputed from the queue under the mutex.
        self.yield_requested.store(t.next > t.serving + 1, Ordering::Relaxed);
        t.holder = Some(std::thread::current().id());
        Instant::now()
    }

    /// Hands the runtime lock to the next waiter.
    pub fn release(&self) {
        let mut t = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        if t.holder != Some(std::thread::current().id()) {
            crate::fatal("runtime lock released by a thread that does not hold it");
        }
        t.holder = None;
        t.serving += 1;
        let serving = t.serving;
        if let Some((_, thread)) = t.waiting.iter().find(|(ticket, _)| *ticket == serving) {
            thread.unpark();
        }
    }
}

/// A shared field reached through a domain; dereferencing it requires the runtime lock, which
/// every holder of a `&mut Domain` has (a domain releases it only inside `blocking_section`,
/// whose closure gets no access to the domain).
pub struct LockedRef<T> {
    ptr: *mut T,
}

// SAFETY: the pointee is shared state whose accesses are serialised by the runtime lock.
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
    fn deref(&self) -> &T {
        // SAFETY: the holder of a `&Domain` holds the runtime lock (see the type's docs).
        unsafe { &*self.ptr }
    }
}

impl<T> std::ops::DerefMut for LockedRef<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`; `&mut self` keeps this path unique within the holder.
        unsafe { &mut *self.ptr }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn ticket_lock_hands_over_between_many_threads() {
        let gc = Gc::new(crate::config::Config::default().gc_params());
        let shared = Arc::new(Shared::new(gc, 128));
        shared.acquire();
        let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut threads = Vec::new();
        for _ in 0..50 {
            let s = shared.clone();
            let c = counter.clone();
            threads.push(std::thread::spawn(move || {
                s.acquire();
                for _ in 0..20 {
                    c.fetch_add(1, Ordering::Relaxed);
                    s.release();
                    s.acquire();
                }
                s.release();
            }));
        }
        shared.release();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(counter.load(Ordering::Relaxed), 1000);
    }
}
