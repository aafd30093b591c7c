//! Work that the domains parked in a stopped world do for its leader: sweeping their own pool
//! sets once the leader has marked (`Gc::sweep`), so that a major cycle's sweep, whose cost
//! grows with the number of domains (each has its pools), shrinks with them instead.
//!
//! Protocol. The leader, which owns every domain's `DomainGc` while the world is stopped,
//! [`Board::publish`]es the domains whose sets are to be swept. A parked domain, spinning in
//! its park (`domain::lock::Shared::park`), calls [`Board::help`], and once it stops spinning
//! sleeps in [`Board::sleep_while`] until the world restarts, woken by each publication: it
//! takes one task off the board under the board's mutex, sweeps that domain's set, and counts
//! the task finished. The
//! leader sweeps its own share meanwhile, then takes whatever is left ([`Board::finish`]) and
//! waits until every task is finished before anything reads the sets again. A task's
//! `DomainGc` is touched by the one thread that took it until it is finished: the mutex hands
//! it over, and the `unfinished` decrement (release) and the leader's load (acquire) hand it
//! back. When no domain helps (every other one sleeps, or is in a blocking section) the
//! leader does every task itself, as it would without the board.
//!
//! Only where the sweep of a set touches no state shared with other sets but the directory's
//! (which has its own lock): [`ENABLED`] is false in hardened builds (the checker's sweep hook
//! writes its shared state) and in AddressSanitizer builds (one quarantine for every set).

use super::DomainGc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Whether parked domains sweep their own pools (see the module docs).
pub const ENABLED: bool = !crate::check::ENABLED && !cfg!(warden_asan);

/// The tasks of one stopped world's sweep.
#[derive(Default)]
pub struct Board {
    /// Tasks are on the board (a hint for the spinning domains: the tasks themselves are
    /// taken under `tasks`' mutex).
    open: AtomicBool,
    tasks: Mutex<Vec<Task>>,
    /// Signalled when tasks are published and when the world restarts (for the parked
    /// domains sleeping in [`Board::sleep_while`]).
    wake: Condvar,
    /// Tasks published and not finished yet.
    unfinished: AtomicUsize,
}

/// A domain whose pool set is to be swept.
struct Task(*mut DomainGc);

// SAFETY: a task is run by the one thread that took it off the board, while the world is
// stopped (see the module docs).
unsafe impl Send for Task {}

impl Board {
    fn tasks(&self) -> std::sync::MutexGuard<'_, Vec<Task>> {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts the sweep of each of `domains`' pool sets on the board.
    ///
    /// # Safety
    /// The world must be stopped, the caller its leader, and each pointer a registered
    /// domain's `DomainGc` that the caller does not touch until [`Board::finish`] returns.
    pub unsafe fn publish(&self, domains: &[*mut DomainGc]) {
        let mut t = self.tasks();
        t.extend(domains.iter().map(|&y| Task(y)));
        // Relaxed: the count is read only by the leader (after `finish` took the mutex), and
        // decremented by helpers after they took the mutex, which orders this store first.
        self.unfinished.store(t.len(), Ordering::Relaxed);
        // Relaxed: a hint; a helper that sees it takes the mutex.
        self.open.store(true, Ordering::Relaxed);
        self.wake.notify_all();
    }

    /// Called by a parked domain once it stops spinning: sleeps while `stopped` holds,
    /// running the tasks published meanwhile. [`Board::wake_all`] must be called after
    /// `stopped` turns false.
    pub fn sleep_while(&self, stopped: impl Fn() -> bool) {
        let mut t = self.tasks();
        loop {
            if let Some(task) = t.pop() {
                if t.is_empty() {
                    // Relaxed: as in `publish`.
                    self.open.store(false, Ordering::Relaxed);
                }
                drop(t);
                self.run(task);
                t = self.tasks();
                continue;
            }
            // Read under the mutex, which `wake_all` takes after `stopped` changed: no
            // wake-up is lost.
            if !stopped() {
                return;
            }
            t = self.wake.wait(t).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Wakes the domains sleeping in [`Board::sleep_while`] (the world restarts).
    pub fn wake_all(&self) {
        let _t = self.tasks();
        self.wake.notify_all();
    }

    fn take(&self) -> Option<Task> {
        let mut t = self.tasks();
        let task = t.pop();
        if t.is_empty() {
            // Relaxed: as in `publish`.
            self.open.store(false, Ordering::Relaxed);
        }
        task
    }

    fn run(&self, task: Task) {
        // SAFETY: taken off the board: that domain's young state is ours until the
        // decrement below (`publish`'s contract keeps the leader off it).
        unsafe { super::major::sweep_domain_pools(&mut *task.0) };
        // Release: the sweep's writes happen before the leader's acquire load in `finish`.
        self.unfinished.fetch_sub(1, Ordering::Release);
    }

    /// Called by a parked domain while it waits for the world to restart: runs the tasks on
    /// the board, if any.
    #[inline]
    pub fn help(&self) {
        // Relaxed: a hint (see `open`).
        if !self.open.load(Ordering::Relaxed) {
            return;
        }
        while let Some(task) = self.take() {
            self.run(task);
        }
    }

    /// The leader, done with its own share: runs the tasks no one took and waits for those
    /// that helpers are running.
    pub fn finish(&self) {
        while let Some(task) = self.take() {
            self.run(task);
        }
        let mut spins = 0u32;
        // Acquire: pairs with the helpers' release decrements (their sweeps are visible).
        while self.unfinished.load(Ordering::Acquire) != 0 {
            spins += 1;
            if spins < 1000 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}
