//! The statistical memory profiler's state and sampling (`Gc.Memprof`, the stock
//! `memprof.c`): which allocations are sampled, and the tables that track each sampled
//! block through promotion and deallocation. Running the callbacks is the domain's
//! (`domain::memprof`), the primitives are `prims::instrumentation`.
//!
//! A profile (`Gc.Memprof.t`) is a major block of `config::FIELDS` fields: its status, the
//! sampling rate, `1 / ln(1 - rate)`, the call-stack size, the five callbacks. Each domain
//! has its profile (set by `start` on it, inherited by the domains it spawns), held by each
//! of its tables.
//!
//! Per domain (`DomainMemprof`, in `DomainGc`): a table per thread for the blocks whose
//! allocation callback has not run yet (run by the allocating thread), the domain's table
//! for the others (any of its threads runs their callbacks), orphan tables (the entries of
//! a profile that was stopped and replaced, or of a domain that ended), the random state.
//!
//! Sampling: every allocated word is sampled with the profile's rate. Young blocks through
//! the arena's trigger (`heap::minor`): it is set `young_dist` block words past the words
//! allocated when it was armed (`young_base`), so the fast path leaves its bump test at the
//! sampled word; the slow path counts that block's samples. Other blocks draw their samples
//! one block at a time (`binom`). A thread's sampling is suspended while it runs callbacks.
//!
//! The collector (world stopped) treats the tables' profiles and user data as roots and
//! their blocks as weak references: after a minor collection a young block was promoted or
//! died, after marking a white major block died (and a `spilled` block, counted as young but
//! living in the major heap, was promoted if still alive); the entries then have callbacks to
//! run, and their domain's `pending` is set.

pub mod entries;
pub mod rand;

use crate::heap::value::Value;
use entries::{Entries, Entry};
use std::sync::atomic::{AtomicU64, Ordering};

/// The layout of a profile block.
pub mod config {
    use crate::heap::value::Value;

    /// Field 1 is the sampling rate, as given.
    pub const FIELDS: usize = 9;
    pub const STATUS: usize = 0;
    pub const ONE_LOG1M: usize = 2;
    pub const STACK_FRAMES: usize = 3;
    pub const ALLOC_MINOR: usize = 4;
    pub const ALLOC_MAJOR: usize = 5;
    pub const PROMOTE: usize = 6;
    pub const DEALLOC_MINOR: usize = 7;
    pub const DEALLOC_MAJOR: usize = 8;

    pub const SAMPLING: isize = 0;
    pub const STOPPED: isize = 1;
    pub const DISCARDED: isize = 2;

    /// Field `i` of profile `c`.
    pub fn field(c: Value, i: usize) -> Value {
        debug_assert!(i < FIELDS);
        // SAFETY: profiles are blocks of FIELDS fields, made by `caml_memprof_start`.
        unsafe { c.field(i) }
    }
    pub fn status(c: Value) -> isize {
        field(c, STATUS).int()
    }
    pub fn set_status(c: Value, s: isize) {
        // SAFETY: as in `field`; an immediate needs no write barrier.
        unsafe { c.set_field_raw(STATUS, Value::of_int(s)) }
    }
    pub fn one_log1m(c: Value) -> f64 {
        // SAFETY: field ONE_LOG1M of a profile is a boxed float.
        unsafe { field(c, ONE_LOG1M).double() }
    }
    pub fn stack_frames(c: Value) -> usize {
        field(c, STACK_FRAMES).int().max(0) as usize
    }
    /// Whether `c` is a profile that samples (a rate above 0).
    pub fn samples(c: Value) -> bool {
        c != Value::UNIT && status(c) == SAMPLING && one_log1m(c) != f64::NEG_INFINITY
    }
}

/// A thread's profiler state.
pub struct ThreadMemprof {
    pub id: usize,
    /// Running callbacks (or an uncaught-exception handler): its allocations are not
    /// sampled and no callback starts.
    pub suspended: bool,
    /// Its sampled blocks whose allocation callback has not run.
    pub entries: Entries,
}

/// A domain's profiler state (see the module doc).
pub struct DomainMemprof {
    pub entries: Entries,
    pub threads: Vec<ThreadMemprof>,
    pub orphans: Vec<Entries>,
    /// The thread whose turn it is on the domain (`domain::threads` keeps it current).
    pub current: usize,
    /// Callbacks may be due: the domain's poll points run them.
    pub pending: bool,
    rng: rand::Rng,
    /// Words left before the next sample of a non-young block (`binom`).
    next_sample: usize,
    /// The arena's trigger: block words allocated when it was armed, and how many more
    /// precede the sampled one.
    young_base: usize,
    young_dist: usize,
}

impl Default for DomainMemprof {
    fn default() -> DomainMemprof {
        static SEED: AtomicU64 = AtomicU64::new(0);
        // Relaxed: only distinct seeds matter.
        let seed = SEED.fetch_add(1, Ordering::Relaxed);
        DomainMemprof {
            entries: Entries::new(Value::UNIT),
            threads: Vec::new(),
            orphans: Vec::new(),
            current: usize::MAX,
            pending: false,
            rng: rand::Rng::new(seed),
            next_sample: 0,
            young_base: 0,
            young_dist: 0,
        }
    }
}

impl DomainMemprof {
    /// The profile of the domain (`UNIT` when none, or discarded).
    pub fn config(&mut self) -> Value {
        self.entries.validated_config()
    }

    /// Thread `id`'s state, created (under the domain's profile) on first use.
    pub fn thread(&mut self, id: usize) -> &mut ThreadMemprof {
        let i = match self.threads.iter().position(|t| t.id == id) {
            Some(i) => i,
            None => {
                let config = self.entries.config;
                self.threads.push(ThreadMemprof {
                    id,
                    suspended: false,
                    entries: Entries::new(config),
                });
                self.threads.len() - 1
            }
        };
        &mut self.threads[i]
    }

    /// The current thread's state.
    pub fn current_thread(&mut self) -> &mut ThreadMemprof {
        let id = self.current;
        self.thread(id)
    }

    /// Whether the current thread's allocations are sampled.
    pub fn sampling(&mut self) -> bool {
        let t = self.current_thread();
        if t.suspended {
            return false;
        }
        let c = t.entries.validated_config();
        config::samples(c)
    }

    fn one_log1m(&self) -> f64 {
        config::one_log1m(self.entries.config)
    }

    /// A geometric draw under the domain's profile (which samples).
    pub fn geom(&mut self) -> usize {
        let l = self.one_log1m();
        self.rng.geom(l)
    }

    /// The number of samples among `len` more words (a binomial draw).
    pub fn binom(&mut self, len: usize) -> usize {
        let mut n = 0;
        while self.next_sample < len {
            n += 1;
            let g = self.geom();
            self.next_sample = self.next_sample.saturating_add(g);
        }
        self.next_sample -= len;
        n
    }

    /// Starts the draws of a new profile.
    pub fn reset_draws(&mut self) {
        if config::samples(self.entries.config) {
            self.next_sample = self.geom() - 1;
        }
    }

    /// Arms the arena trigger for the words allocated so far (`used`): a fresh draw when the
    /// current thread samples; the number of words below the allocation pointer to set it
    /// at, or None.
    pub fn arm_young(&mut self, used: usize) -> Option<usize> {
        if !self.sampling() {
            return None;
        }
        self.young_base = used;
        self.young_dist = self.geom() - 1;
        Some(self.young_dist)
    }

    /// The samples of a young block of `whsize` words about to be allocated after `used`
    /// block words, when the trigger stopped it (0: a trigger set early, as the hardened
    /// build's framing words make it; re-arm with `rearm_young`).
    pub fn young_samples(&mut self, used: usize, whsize: usize) -> usize {
        let target = self.young_base.saturating_add(self.young_dist);
        if target >= used + whsize {
            return 0;
        }
        let off = target.saturating_sub(used);
        1 + self.binom(whsize - 1 - off)
    }

    /// After an allocation that passed the trigger without reaching the sampled word: the
    /// words left before it, from `used` block words.
    pub fn rearm_young(&mut self, used: usize) -> Option<usize> {
        let target = self.young_base.saturating_add(self.young_dist);
        if target < used || !self.sampling() {
            return self.arm_young(used);
        }
        self.young_dist = target - used;
        self.young_base = used;
        Some(self.young_dist)
    }

    /// Records `samples` samples of `block` (of `wosize` fields) in the current thread's
    /// table, with its call stack; callbacks become due.
    pub fn track(&mut self, mut e: Entry, callstack: Vec<Value>) {
        e.callstack = callstack;
        self.current_thread().entries.t.push(e);
        self.update_pending();
    }

    /// Sets `pending` from what is due for the current thread (nothing while suspended).
    pub fn update_pending(&mut self) {
        let orphans = self.orphans.iter().any(|o| o.config != Value::UNIT && o.has_pending());
        let domain = self.entries.has_pending();
        let t = self.current_thread();
        self.pending = !t.suspended && (domain || !t.entries.t.is_empty() || orphans);
    }

    /// Forgets orphan tables whose profile was discarded or that are empty.
    pub fn tidy_orphans(&mut self) {
        for o in &mut self.orphans {
            if o.validated_config() == Value::UNIT {
                o.clear_inactive();
            }
        }
        self.orphans.retain(|o| !o.t.is_empty());
    }

    /// Moves every entry of the domain and its threads to a new orphan table (the profile is
    /// replaced, or the domain ends); entries of allocations not done yet are settled.
    pub fn orphan_all(&mut self) {
        let mut ot = Entries::new(self.entries.config);
        self.entries.evict();
        ot.take_all(&mut self.entries);
        for t in &mut self.threads {
            t.entries.clear_offsets();
            ot.take_all(&mut t.entries);
        }
        if !ot.t.is_empty() {
            self.orphans.push(ot);
        }
    }

    /// Sets the profile of the domain and all its threads.
    pub fn set_config(&mut self, c: Value) {
        self.entries.config = c;
        for t in &mut self.threads {
            t.entries.config = c;
        }
    }

    /// Moves thread `id`'s entries (whose allocation callbacks ran) to the domain's table,
    /// when both are under the same profile.
    pub fn flush_thread(&mut self, id: usize) {
        self.thread(id);
        let DomainMemprof { entries, threads, .. } = self;
        let Some(t) = threads.iter_mut().find(|t| t.id == id) else { return };
        if t.entries.validated_config() == entries.validated_config() {
            entries.take_all(&mut t.entries);
        }
    }

    /// Thread `id` ended: its entries go to the domain's table.
    pub fn thread_exit(&mut self, id: usize) {
        if let Some(i) = self.threads.iter().position(|t| t.id == id) {
            let mut t = self.threads.remove(i);
            if t.entries.validated_config() == self.entries.validated_config() {
                self.entries.take_all(&mut t.entries);
            }
        }
    }

    /// Every table of the domain.
    pub fn tables_mut(&mut self) -> impl Iterator<Item = &mut Entries> {
        std::iter::once(&mut self.entries)
            .chain(self.threads.iter_mut().map(|t| &mut t.entries))
            .chain(self.orphans.iter_mut())
    }

    /// The table with key `key`.
    pub fn table(&mut self, key: u64) -> Option<&mut Entries> {
        self.tables_mut().find(|t| t.key == key)
    }

    /// Where entry `id` is now: its table's key and its index (looked for in `hint` first).
    pub fn find(&mut self, id: u64, hint: (u64, usize)) -> Option<(u64, usize)> {
        if let Some(i) = self.table(hint.0).and_then(|t| t.find(id, hint.1)) {
            return Some((hint.0, i));
        }
        self.tables_mut().find_map(|t| t.find(id, 0).map(|i| (t.key, i)))
    }

    /// Visits the roots of every table (world stopped).
    pub fn visit_strong(&mut self, f: &mut dyn FnMut(&mut Value)) {
        for t in self.tables_mut() {
            t.visit_strong(f);
        }
    }

    /// After a minor collection (world stopped): each tracked young block was promoted
    /// (`forwarded` gives its copy) or died.
    pub fn after_minor(&mut self, forwarded: &dyn Fn(Value) -> Option<Option<Value>>) {
        self.settle_tracked(|e| match forwarded(e.block) {
            None => false,
            Some(Some(new)) => {
                e.block = new;
                e.promoted = true;
                true
            }
            Some(None) => {
                e.block = Value::UNIT;
                e.deallocated = true;
                true
            }
        });
    }

    /// After marking (world stopped): each tracked major block is alive or died; a spilled
    /// block not settled yet counts as promoted if alive.
    pub fn after_mark(&mut self, alive: &dyn Fn(Value) -> bool) {
        self.settle_tracked(|e| {
            if !alive(e.block) {
                e.block = Value::UNIT;
                e.deallocated = true;
                true
            } else if e.spilled && !e.promoted {
                e.promoted = true;
                true
            } else {
                false
            }
        });
    }

    /// Runs `settle` on every entry that tracks a block, in every table with a profile;
    /// an entry it changed (it returns true) gets its callback scheduled.
    fn settle_tracked(&mut self, mut settle: impl FnMut(&mut Entry) -> bool) {
        for t in self.tables_mut() {
            if t.validated_config() == Value::UNIT {
                continue;
            }
            for i in 0..t.t.len() {
                let e = &mut t.t[i];
                if e.tracks_block() && settle(e) {
                    t.wake(i);
                }
            }
        }
        self.tidy_orphans();
        self.update_pending();
    }

    /// Takes the tables of a domain that ends, as orphans (its threads are gone).
    pub fn adopt(&mut self, from: &mut DomainMemprof) {
        from.orphan_all();
        self.orphans.append(&mut from.orphans);
        from.threads.clear();
        self.tidy_orphans();
        self.update_pending();
    }
}
