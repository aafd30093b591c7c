//! Work that the domains parked in a stopped world share with its leader: the promotion of
//! a minor collection (`gc::minor`: each domain's roots and remembered set, one unit per
//! domain, see [`Job`]) and the sweep of the major heap once the leader has marked
//! (`Gc::sweep`), split by owner (each domain's pools and large blocks, the heap's own), and
//! within an owner's part pool by pool. So a collection's pause shrinks with the number of
//! domains instead of growing with it.
//!
//! Protocol. The leader, which owns every domain's `DomainGc` while the world is stopped, builds a
//! job (a [`SweepJob`]: every pool taken off every pool set, and every large list; a minor
//! collection's `MinorJob`: a unit per domain) and [`Board::publish`]es it. A parked domain,
//! spinning in its park (`domain::lock::Shared::park`), calls [`Board::help_as`] with its token
//! (the address of its `DomainGc`, so that it takes its own unit or part first), and once it stops
//! spinning sleeps in [`Board::sleep_while`] until the world restarts, woken by each publication:
//! it joins the job under the board's mutex (counting itself `active`), then takes pieces off the
//! job (pools off a part's cursor, a part's large lists or a unit by claiming them) until none is
//! left, and leaves (`active` decremented). The leader does its own part meanwhile (in a minor
//! collection, the roots no domain owns and its own unit), then takes pieces off the job too, and
//! at the end ([`Board::finish`]) closes the job under the mutex (no one joins any more) and waits
//! until no helper is active before it reads the results. A piece, and its entry of the results, is
//! touched by the one thread that took it; the helpers' `active` decrement (release) and the
//! leader's load (acquire) hand them back. When no domain helps
//! (every other one sleeps, or is in a blocking section) the leader does every piece
//! itself, as it would without the board.
//!
//! Only where the work of a piece touches no state shared with other pieces: [`ENABLED`] is
//! false in hardened builds (the checker's sweep and promotion hooks write its shared
//! state) and in AddressSanitizer builds (one quarantine for every set), where the leader
//! works alone.

use crate::heap::large::LargeLists;
use crate::heap::pool::PoolHeader;
use crate::heap::pools::PoolSwept;
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Whether parked domains help the leader promote and sweep (see the module docs).
pub const ENABLED: bool = !crate::check::ENABLED && !cfg!(warden_asan);

/// What the sweep of one pool of a [`SweepJob`] found.
#[derive(Default, Clone, Copy)]
pub struct PoolResult {
    pub swept: PoolSwept,
    /// Live words (headers included) and blocks left in the pool.
    pub live_words: usize,
    pub live_blocks: usize,
}

/// One owner's part of a sweep: its pools (a range of the job's) and its large lists.
struct Part {
    /// The owner's token (as in [`Job::run`]; 0 for the heap's own set).
    owner: usize,
    /// The next of its pools to sweep, and the end of its range.
    next: AtomicUsize,
    end: usize,
    /// Its large lists (`heap::large`), swept by the thread that takes them.
    lists: Vec<usize>,
    lists_taken: AtomicBool,
    /// The live words and blocks of its large lists.
    large: UnsafeCell<(usize, usize)>,
}

/// The sweep of the major heap, split by owner: each domain's pools and large blocks, and
/// the heap's own. A domain takes its own part first (the blocks it allocated and the
/// memory it will reuse are in its own core's caches; two domains sweeping each other's
/// blocks made the sweep about twice as slow as one domain's on bench/parallel_major),
/// then helps with what is left of the others'. Each pool and each part's large lists are
/// swept by whichever thread takes them (a cursor per part, a flag for the lists).
pub struct SweepJob<'a> {
    pools: Vec<*mut PoolHeader>,
    results: Vec<UnsafeCell<PoolResult>>,
    parts: Vec<Part>,
    large: &'a LargeLists,
    /// The leader's token: a domain's DomainGc address (the leader runs the job as 0).
    leader: usize,
}

// SAFETY: each pool and its result, and each part's large lists and their result, are
// touched by the one thread that took them (off a cursor, by a flag) until the board hands
// them back to the leader (see the module docs).
unsafe impl Sync for SweepJob<'_> {}

impl<'a> SweepJob<'a> {
    /// An empty job over the heap's large lists `large`, for a leader of token `leader`.
    pub fn new(large: &'a LargeLists, leader: usize) -> SweepJob<'a> {
        SweepJob { pools: Vec::new(), results: Vec::new(), parts: Vec::new(), large, leader }
    }

    /// Adds the part of the owner of token `owner`: `pools`, each taken off its set and
    /// touched by no one until the job is finished, and the large lists `lists`.
    pub fn add_part(&mut self, owner: usize, pools: Vec<*mut PoolHeader>, lists: Vec<usize>) {
        let start = self.pools.len();
        self.results.extend(pools.iter().map(|_| UnsafeCell::new(PoolResult::default())));
        self.pools.extend(pools);
        self.parts.push(Part {
            owner,
            next: AtomicUsize::new(start),
            end: self.pools.len(),
            lists,
            lists_taken: AtomicBool::new(false),
            large: UnsafeCell::new((0, 0)),
        });
    }

    /// The pools, in the order their parts were added.
    pub fn pools(&self) -> &[*mut PoolHeader] {
        &self.pools
    }

    /// Sweeps part `k`'s large lists, if no one took them, then its pools until none is
    /// left.
    fn sweep_part(&self, k: usize) {
        let part = &self.parts[k];
        // Relaxed: the swap only hands the lists to one thread; the result goes back to the
        // leader through `Board::active` (helpers) or program order (the leader).
        if !part.lists_taken.swap(true, Ordering::Relaxed) {
            let (mut words, mut blocks) = (0, 0);
            for &i in &part.lists {
                // SAFETY: the lists are ours alone (the flag); world stopped after marking.
                let (w, b) = unsafe { super::major::sweep_job_large(self.large, i) };
                words += w;
                blocks += b;
            }
            // SAFETY: as above: the part's result is ours.
            unsafe { *part.large.get() = (words, blocks) };
        }
        loop {
            // Relaxed: the increment only hands out distinct indices (see above).
            let i = part.next.fetch_add(1, Ordering::Relaxed);
            if i >= part.end {
                return;
            }
            // SAFETY: index i is ours alone (the cursor gave it to this thread only); the
            // pool is off every set, its blocks marked, the world stopped.
            unsafe { *self.results[i].get() = super::major::sweep_job_pool(self.pools[i]) };
        }
    }

    /// Sweeps the part of the caller (token `me`) first, then every other.
    fn sweep_all(&self, me: usize) {
        let me = if me == 0 { self.leader } else { me };
        let own = self.parts.iter().position(|p| p.owner == me);
        if let Some(k) = own {
            self.sweep_part(k);
        }
        for k in 0..self.parts.len() {
            if Some(k) != own {
                self.sweep_part(k);
            }
        }
    }

    /// The results, pool by pool.
    ///
    /// # Safety
    /// Every pool must have been swept and handed back ([`Board::finish`] returned, or the
    /// caller ran [`SweepJob::run_alone`]).
    pub unsafe fn results(&self) -> impl Iterator<Item = PoolResult> + '_ {
        // SAFETY: the caller's contract: no thread writes the results any more.
        self.results.iter().map(|r| unsafe { *r.get() })
    }

    /// The live words and blocks of every large list.
    ///
    /// # Safety
    /// As for [`SweepJob::results`].
    pub unsafe fn large_results(&self) -> (usize, usize) {
        self.parts.iter().fold((0, 0), |(w, b), p| {
            // SAFETY: the caller's contract.
            let (pw, pb) = unsafe { *p.large.get() };
            (w + pw, b + pb)
        })
    }

    /// Sweeps everything on the calling thread (no helper).
    pub fn run_alone(&self) {
        self.sweep_all(0);
    }
}

impl Job for SweepJob<'_> {
    fn run(&self, me: usize) {
        self.sweep_all(me);
    }
}

/// Work a stopped world's leader shares with the parked domains: `run` takes pieces of it
/// until none is left, on whichever threads call it, each piece on one thread only.
pub trait Job: Sync {
    /// Does pieces of the job until none is left. `me` is the calling domain's token (the
    /// address of its `DomainGc`; 0 for the leader and for threads of no domain): a job
    /// split by domain gives that domain's piece first.
    fn run(&self, me: usize);
}

/// Runs the job of type `J` at `job`.
///
/// # Safety
/// `job` must point to a live `J`.
unsafe fn run_job<J: Job>(job: *const (), me: usize) {
    // SAFETY: the caller's contract.
    unsafe { (*job.cast::<J>()).run(me) }
}

/// The job published to the parked domains: its address and how to run it.
#[derive(Clone, Copy)]
struct Published {
    job: *const (),
    run: unsafe fn(*const (), usize),
}

// SAFETY: the job is `Sync` (`Job`'s bound) and outlives its publication (the leader closes
// it before it returns from `Board::finish`).
unsafe impl Send for Published {}

/// What the board's mutex guards.
#[derive(Default)]
struct Slate {
    job: Option<Published>,
    /// Parked domains sleeping on the board's condition variable.
    sleepers: usize,
}

/// Where a stopped world's leader publishes its sweep.
#[derive(Default)]
pub struct Board {
    /// A job is published (a hint for the spinning domains: joining takes the mutex).
    open: AtomicBool,
    job: Mutex<Slate>,
    /// Signalled when a job is published and when the world restarts, if a parked domain
    /// sleeps in [`Board::sleep_while`] (a signal costs a system call even with no waiter).
    wake: Condvar,
    /// Helpers that joined the job and have not left it yet.
    active: AtomicUsize,
}

impl Board {
    fn job(&self) -> std::sync::MutexGuard<'_, Slate> {
        self.job.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes `job` for the parked domains to join.
    ///
    /// # Safety
    /// The world must be stopped, the caller its leader, and `job` must stay where it is
    /// (neither moved nor dropped: the helpers reach it by its address) until the caller's
    /// [`Board::finish`] returns.
    pub unsafe fn publish<J: Job>(&self, job: &J) {
        let mut g = self.job();
        g.job = Some(Published { job: (job as *const J).cast(), run: run_job::<J> });
        // Relaxed: a hint; a helper that sees it takes the mutex. Changed under the mutex
        // only, so a helper's reset (`join`) never hides a later job.
        self.open.store(true, Ordering::Relaxed);
        let sleepers = g.sleepers > 0;
        drop(g);
        if sleepers {
            self.wake.notify_all();
        }
    }

    /// Joins the published job, if any, and works on it until nothing is left (with the
    /// job's mutex held in `guard`, given back while working); `me` as in [`Job::run`].
    fn join<'a>(
        &'a self,
        guard: std::sync::MutexGuard<'a, Slate>,
        me: usize,
    ) -> std::sync::MutexGuard<'a, Slate> {
        let Some(Published { job, run }) = guard.job else { return guard };
        // Relaxed: counted under the mutex, which the leader takes to close the job before
        // it reads `active`.
        self.active.fetch_add(1, Ordering::Relaxed);
        drop(guard);
        // SAFETY: joined under the mutex while published: the leader waits for `active` to
        // drop to zero before the job ends; `run` is the job's own runner (`publish`).
        unsafe { run(job, me) };
        // Release: our work happens before the leader's acquire load in `finish`.
        self.active.fetch_sub(1, Ordering::Release);
        let g = self.job();
        if matches!(g.job, Some(p) if p.job == job) {
            // Nothing left to take from this job.
            // Relaxed: under the mutex (see `publish`).
            self.open.store(false, Ordering::Relaxed);
        }
        g
    }

    /// Called by a parked domain (token `me`, as in [`Job::run`]) once it stops spinning:
    /// sleeps while `stopped` holds, helping with the jobs published meanwhile.
    /// [`Board::wake_all`] must be called after `stopped` turns false.
    pub fn sleep_while(&self, me: usize, stopped: impl Fn() -> bool) {
        let mut g = self.job();
        loop {
            // Relaxed: read under the mutex, which every change of `open` holds.
            if self.open.load(Ordering::Relaxed) {
                g = self.join(g, me);
                continue;
            }
            // Read under the mutex, which `wake_all` takes after `stopped` changed: no
            // wake-up is lost.
            if !stopped() {
                return;
            }
            g.sleepers += 1;
            g = self.wake.wait(g).unwrap_or_else(|e| e.into_inner());
            g.sleepers -= 1;
        }
    }

    /// Wakes the domains sleeping in [`Board::sleep_while`] (the world restarts).
    pub fn wake_all(&self) {
        if self.job().sleepers > 0 {
            self.wake.notify_all();
        }
    }

    /// Called by a parked domain (token `me`, as in [`Job::run`]) while it waits for the
    /// world to restart: helps with the published job, if any.
    #[inline]
    pub fn help_as(&self, me: usize) {
        // Relaxed: a hint (see `open`).
        if !self.open.load(Ordering::Relaxed) {
            return;
        }
        let g = self.job();
        drop(self.join(g, me));
    }

    /// [`Board::help_as`] for a thread of no domain.
    #[inline]
    pub fn help(&self) {
        self.help_as(0);
    }

    /// The leader, done with its own work: does the pieces no one took, closes the job and
    /// waits for the helpers still working. The job's results are then the leader's.
    pub fn finish<J: Job>(&self, job: &J) {
        job.run(0);
        let mut g = self.job();
        g.job = None;
        // Relaxed: under the mutex (see `publish`).
        self.open.store(false, Ordering::Relaxed);
        drop(g);
        let mut spins = 0u32;
        // Acquire: pairs with the helpers' release decrements (their sweeps are visible).
        while self.active.load(Ordering::Acquire) != 0 {
            spins += 1;
            if spins < 1000 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}
