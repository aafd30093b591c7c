//! Minor collection: every young block reachable from the roots or the remembered sets is
//! copied (promoted) into the major heap, then every arena is emptied.
//!
//! A promoted young block is left forwarded: header 0, field 0 = the new address. Infix
//! pointers are promoted with their enclosing closure and keep their offset. Fields of
//! promoted blocks are scanned through an explicit work list, so deep structures never
//! recurse on the Rust stack. A continuation's "fields" are its suspended fiber chain (see
//! `heap::stack`): promoting a continuation scans the chain's words, and so does the minor
//! collection for each old continuation a domain remembered (`DomainGc::remembered_conts`).
//!
//! ## Who promotes what
//!
//! The work is split in *units*, one per registered domain (the leader's first): a unit is
//! the domain's own roots (`Roots::visit_domain_roots`: its stacks, local roots, its
//! threads' and its C stubs' roots), its remembered continuations and its remembered set,
//! and everything they reach that no one promoted before. A unit's blocks go into the pools
//! of the unit's domain (`DomainGc::pools`, no lock: whichever thread runs the unit is the
//! only one touching that set), with the unit's own work list. The leader runs its own unit
//! together with the roots that belong to no domain (`Roots::visit_shared_roots`: named
//! values, the global table, the C global roots) and the finalisers' roots. With
//! [`helpers::ENABLED`] and more than one domain, the other units are published on the
//! helpers' board (`gc::helpers`): every parked domain claims its own unit first, then any
//! unit still unclaimed (a domain in a blocking section does not help: whoever claims its
//! unit promotes its roots, into its pools, which it cannot touch before the world
//! restarts); the leader, done with its own, claims the rest, then waits for every helper
//! ([`helpers::Board::finish`]) before it settles what depends on the whole promotion
//! (finalisers of `Gc.finalise_last`, the memory profiler's tables) alone, and resets the
//! arenas. Otherwise (hardened and AddressSanitizer builds, whose hooks share state, or a
//! single domain) the leader runs every unit itself, in the same order.
//!
//! The first minor collection with more than one domain first hands every domain's pools to
//! the heap's own set, where no one allocates (`Gc::retire_solo_pools`): the blocks of the
//! program's solo phase (its constants, its modules' globals), which every domain reads,
//! then never share a cache line with a block a domain promotes or allocates later and
//! writes.
//!
//! ## Forwarding between promoters
//!
//! A young block may be reachable from two units (a young block of domain A stored in an old
//! block that B's remembered set names, or in a block both reach). While units run at once
//! (`Promoter::concurrent`), a young header is only read and written atomically, and a
//! block is promoted once: its promoter first claims it by a compare-and-swap of its header
//! into [`FORWARDING`] (a value no young header has), then allocates the copy, copies the
//! fields, writes the copy's address in field 0 and publishes header 0 with a release
//! store. A promoter that finds [`FORWARDING`] spins until the header is 0 (acquire), then
//! reads field 0; one that loses the compare-and-swap does the same. So no copy is ever
//! made in vain (the stock runtime allocates first and leaves a loser's copy unused), a
//! young block's fields are read only by its claimer, and field 0 only after the release
//! that published it. Slots are written only by the unit that owns them (a domain's roots,
//! the copies its promoter made), except remembered fields: two domains may have remembered
//! the same field, so the remembered set is read and written with relaxed atomic accesses
//! (both units write the same copy's address). A remembered continuation's chain is
//! suspended by one domain (a continuation is resumed once, and a perform or reperform
//! suspends into it only from the domain running the chain), so it is in one domain's list.
//!
//! Orderings: the claim's compare-and-swap needs none on success (the block's fields were
//! written before the world stopped, which the world's mutex orders) and acquires on
//! failure (the winner's release of header 0 then its field 0); the units' claims are
//! relaxed (they only hand out distinct units); the helpers' results go back to the leader
//! through the board (`active`: release, acquire), and to every domain through the world's
//! restart (the generation's release, each parked domain's acquire).

use super::helpers::{self, Job};
use super::{DomainGc, Gc, Roots};
use crate::check;
use crate::events::{self, Counter, Phase};
use crate::heap::major::Directory;
use crate::heap::pools::PoolSet;
use crate::heap::stack::{cont_first, for_each_chain_slot};
use crate::heap::value::{
    closinfo_startenv, Header, Value, CLOSURE_TAG, CONT_TAG, INFIX_TAG, NO_SCAN_TAG, WORD,
};
use crate::heap::young_space::{is_young, YoungSpace};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The header of a young block whose promotion another promoter claimed and has not
/// finished: no young block has that many fields, so no real header is equal to it.
const FORWARDING: usize = usize::MAX;

/// What one unit promoted, in words (headers included): by the slot of the arena each
/// block came from (for each domain's counters), and in all.
#[derive(Default)]
struct Tally {
    by_slot: Vec<usize>,
    words: usize,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.words += o.words;
        for (a, b) in self.by_slot.iter_mut().zip(&o.by_slot) {
            *a += b;
        }
    }
}

/// The atomic view of a young block's header word.
///
/// # Safety
/// `v` must be a young block (its header word is readable and aligned).
unsafe fn header_atomic<'a>(v: Value) -> &'a AtomicUsize {
    // SAFETY: the caller's contract; an aligned word may be viewed as an `AtomicUsize`.
    unsafe { AtomicUsize::from_ptr(v.header_ptr()) }
}

/// Copies young blocks into one pool set, with its own work list.
struct Promoter<'a> {
    dir: &'a Directory,
    space: &'a YoungSpace,
    /// Where promoted blocks go: the pools of the domain whose unit is promoted.
    pools: &'a mut PoolSet,
    /// Other promoters may run at once: headers and remembered fields are accessed
    /// atomically (module docs).
    concurrent: bool,
    tally: Tally,
    /// Promoted blocks whose fields still need scanning.
    todo: Vec<Value>,
}

impl<'a> Promoter<'a> {
    fn new(
        dir: &'a Directory,
        space: &'a YoungSpace,
        pools: &'a mut PoolSet,
        concurrent: bool,
    ) -> Promoter<'a> {
        Promoter {
            dir,
            space,
            pools,
            concurrent,
            tally: Tally { by_slot: vec![0; space.slots], words: 0 },
            todo: Vec::new(),
        }
    }

    /// Returns the promoted copy of `v` (or `v` itself when it is not young).
    fn promote(&mut self, v: Value) -> Value {
        if !is_young(v) {
            return v;
        }
        let hd = if self.concurrent {
            // SAFETY: v is young. Acquire: a header found 0 was published (release) after
            // field 0 was written.
            unsafe { header_atomic(v) }.load(Ordering::Acquire)
        } else {
            // SAFETY: v is young, so its header word is readable; no one else runs.
            unsafe { *v.header_ptr() }
        };
        if hd == 0 {
            // SAFETY: forwarded blocks keep the new address in field 0.
            return unsafe { v.field(0) };
        }
        if hd == FORWARDING {
            return self.await_copy(v);
        }
        let header = Header(hd);
        if header.tag() == INFIX_TAG {
            let offset = header.wosize();
            let start = Value(v.0 - offset * WORD);
            let new_start = self.promote(start);
            return Value(new_start.0 + offset * WORD);
        }
        if self.concurrent
            // SAFETY: v is young. Relaxed on success: the fields were written before the
            // world stopped; acquire on failure, as the load above.
            && unsafe { header_atomic(v) }
                .compare_exchange(hd, FORWARDING, Ordering::Relaxed, Ordering::Acquire)
                .is_err()
        {
            return self.await_copy(v);
        }
        let wosize = header.wosize();
        let tag = header.tag();
        check::on_promote(v);
        let new = self.alloc_copy(wosize, tag, check::site_of(v));
        // SAFETY: both blocks have wosize words and do not overlap; v is ours (claimed, or
        // no one else runs) until its header says forwarded.
        unsafe {
            std::ptr::copy_nonoverlapping(v.0 as *const usize, new.0 as *mut usize, wosize);
            v.set_field_raw(0, new);
            if self.concurrent {
                // Release: field 0 is written before a promoter sees header 0.
                header_atomic(v).store(0, Ordering::Release);
            } else {
                *v.header_ptr() = 0;
            }
        }
        self.tally.words += wosize + 1;
        if let Some(slot) = self.space.slot_of(v.0) {
            self.tally.by_slot[slot] += wosize + 1;
        }
        if tag < NO_SCAN_TAG {
            self.todo.push(new);
        }
        new
    }

    /// The copy of `v`, whose promotion another promoter claimed: waits until it is
    /// published (a copy takes a few hundred nanoseconds, unless the claimer's thread lost
    /// its processor: then this one yields).
    #[cold]
    fn await_copy(&self, v: Value) -> Value {
        let mut spins = 0u32;
        // SAFETY: v is young. Acquire: pairs with the claimer's release of header 0.
        while unsafe { header_atomic(v) }.load(Ordering::Acquire) != 0 {
            spins += 1;
            if spins < 1000 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        // SAFETY: forwarded: field 0 holds the copy, written before the header turned 0.
        unsafe { v.field(0) }
    }

    /// A major block of `wosize >= 1` fields (uninitialised, white) in this unit's pools,
    /// framed for the checker; `site` is where it was first allocated. A refusal is fatal.
    fn alloc_copy(&mut self, wosize: usize, tag: u8, site: check::Site) -> Value {
        let raw = self
            .dir
            .try_alloc(self.pools, wosize + check::MAJOR_EXTRA, tag, super::WHITE)
            .unwrap_or_else(|| crate::fatal("out of memory"));
        // SAFETY: the directory just handed out this slot for wosize + MAJOR_EXTRA fields;
        // its header is the word before `raw`.
        unsafe { check::frame_major(raw.header_ptr(), wosize, site) }
    }

    /// Promotes the young values on the fiber chain of continuation `cont` (none when it
    /// was used: its chain runs somewhere, scanned as that domain's roots).
    fn scan_chain(&mut self, cont: Value) {
        // SAFETY: `cont` is a live Cont_tag block; with the world stopped, a chain still in
        // its continuation is suspended and touched by this unit only (module docs).
        unsafe {
            let first = cont_first(cont);
            if !first.is_null() {
                for_each_chain_slot(first, &mut |slot: &mut Value| {
                    if is_young(*slot) {
                        *slot = self.promote(*slot);
                    }
                });
            }
        }
    }

    fn scan_fields(&mut self, b: Value) {
        // SAFETY: b is a promoted (major) block with a valid header, made by this promoter.
        let (wosize, tag) = unsafe { (b.wosize(), b.tag()) };
        if tag == CONT_TAG {
            // Its two fields are `Val_ptr` words, not values.
            self.scan_chain(b);
            return;
        }
        let start = if tag == CLOSURE_TAG {
            // SAFETY: closures have at least 2 fields (code, closinfo).
            closinfo_startenv(unsafe { b.field(1) })
        } else {
            0
        };
        for i in start..wosize {
            // SAFETY: i < wosize.
            let f = unsafe { b.field(i) };
            if is_young(f) {
                let n = self.promote(f);
                // SAFETY: i < wosize.
                unsafe { b.set_field_raw(i, n) };
            }
        }
    }

    fn drain(&mut self) {
        while let Some(b) = self.todo.pop() {
            self.scan_fields(b);
        }
    }

    /// Promotes what the remembered fields `fps` point to.
    fn remembered(&mut self, fps: &[*mut Value]) {
        for &fp in fps {
            if self.concurrent {
                // SAFETY: remembered entries are aligned fields of live major blocks (major
                // cycles only run right after a minor collection, so none was freed since
                // it was recorded); another unit may update the same field (module docs).
                let a = unsafe { AtomicUsize::from_ptr(fp.cast::<usize>()) };
                // Relaxed (both): every unit that updates the field writes the same copy's
                // address; the world's restart publishes it to the mutators.
                let v = Value(a.load(Ordering::Relaxed));
                if is_young(v) {
                    a.store(self.promote(v).0, Ordering::Relaxed);
                }
            } else {
                // SAFETY: as above; no one else runs.
                unsafe { *fp = self.promote(*fp) };
            }
        }
    }

    /// Runs unit `i` of `job` (module docs): the domain's roots, remembered continuations
    /// and remembered set, and everything they reach.
    fn unit(&mut self, job: &MinorJob<'_>, i: usize) {
        job.roots.visit_domain_roots(i, &mut |slot: &mut Value| *slot = self.promote(*slot));
        self.drain();
        let y = job.youngs[i];
        // SAFETY: world stopped and unit i claimed by this thread: the domain's remembered
        // lists are ours (no other thread touches these fields meanwhile).
        let (conts, remembered) = unsafe {
            (
                &mut *std::ptr::addr_of_mut!((*y).remembered_conts),
                &mut *std::ptr::addr_of_mut!((*y).remembered),
            )
        };
        for &c in conts.iter() {
            // Remembered continuations are old blocks, not freed since (no sweep runs
            // between two minor collections).
            self.scan_chain(c);
            self.drain();
        }
        conts.clear();
        self.remembered(remembered);
        remembered.clear();
        self.drain();
    }
}

/// The units of one minor collection, each run by the thread that claims it.
struct MinorJob<'a> {
    /// Every domain's young state, the leader's first (the order of the roots' domains).
    youngs: &'a [*mut DomainGc],
    roots: &'a dyn Roots,
    dir: &'a Directory,
    space: &'a YoungSpace,
    concurrent: bool,
    /// Unit i was taken by some thread.
    claimed: Vec<AtomicBool>,
    tallies: Vec<UnsafeCell<Tally>>,
}

// SAFETY: each unit (its domain's roots, remembered lists and pools, and its tally) is
// touched by the one thread that claimed it; `Roots::visit_domain_roots` may run for
// distinct domains at once (its contract); the directory has its own lock and the young
// space is read only. The board hands the results back (helpers module docs).
unsafe impl Sync for MinorJob<'_> {}

impl MinorJob<'_> {
    /// Runs unit `i` if no one took it yet.
    fn take(&self, i: usize) {
        // Relaxed: the swap only hands out distinct units (module docs).
        if self.claimed[i].swap(true, Ordering::Relaxed) {
            return;
        }
        let y = self.youngs[i];
        // SAFETY: unit i is ours: its domain's pool set is touched by no other thread until
        // the board hands the job back.
        let pools = unsafe { &mut *std::ptr::addr_of_mut!((*y).pools) };
        let mut p = Promoter::new(self.dir, self.space, pools, self.concurrent);
        p.unit(self, i);
        // SAFETY: as above: the unit's tally is ours.
        unsafe { *self.tallies[i].get() = p.tally };
    }
}

impl Job for MinorJob<'_> {
    fn run(&self, me: usize) {
        if let Some(i) = self.youngs.iter().position(|&y| y as usize == me) {
            self.take(i);
        }
        for i in 1..self.youngs.len() {
            self.take(i);
        }
    }
}

impl Gc {
    /// Empties every domain's minor arena (`youngs`: each registered domain's, the leader's
    /// first, in the order of `roots`' domains), promoting everything reachable from `roots`
    /// and the remembered sets (module docs: who promotes what, into which pools). World
    /// stopped.
    pub fn minor_collection(&mut self, youngs: &[*mut DomainGc], roots: &mut dyn Roots) {
        events::begin(Phase::Minor);
        check::gc_phase(
            check::Phase::Minor,
            self.stats.minor_collections,
            self.stats.major_collections,
        );
        for &y in youngs {
            // SAFETY: world stopped: every domain's DomainGc is the leader's.
            self.flush_alloc(unsafe { &mut *y });
        }
        let allocated = self.allocated_words(youngs);
        {
            // SAFETY: the world is stopped, so every domain's DomainGc is the leader's to read;
            // the shared and mutable borrows below are of different fields.
            let refs = unsafe { super::young_refs(youngs) };
            // SAFETY: as above; `check` is a field no `YoungRefs` borrows.
            let mut locals: Vec<&mut check::Local> =
                youngs.iter().map(|&y| unsafe { &mut (*y).check }).collect();
            check::before_minor(
                &mut self.check,
                &mut locals,
                check::HeapRefs { young: &refs, major: &self.major, allocated },
                &mut |f| roots.visit_roots(f),
            );
        }
        if youngs.len() > 1 && !self.solo_pools_retired {
            self.retire_solo_pools(youngs);
        }
        let tally = self.promote_all(youngs, roots);
        let mut used_total = 0;
        for &y in youngs {
            // SAFETY: world stopped (see above).
            let y = unsafe { &mut *y };
            let used = y.minor.used_words();
            used_total += used;
            check::on_minor_done(&mut y.check, &mut y.minor);
            y.minor.reset();
            y.alloc.minor_words += used;
            y.alloc.promoted_words += tally.by_slot[y.minor.slot];
            y.minor_wanted = false;
        }
        self.space.flip();
        self.space.publish();
        for &y in youngs {
            // SAFETY: world stopped (see above).
            let m = unsafe { &mut (*y).minor };
            let wsize = m.wsize();
            self.rebind_arena(m, wsize);
            // SAFETY: as above.
            unsafe { (*y).memprof_arm() };
        }
        let promoted = tally.words;
        self.stats.minor_collections += 1;
        events::counter(Counter::MinorAllocated, (used_total * WORD) as u64);
        events::counter(Counter::MinorPromoted, (promoted * WORD) as u64);
        self.snapshot_pools(youngs);
        self.note_promoted(promoted);
        self.major_slice();
        check::gc_phase(
            check::Phase::Mutator,
            self.stats.minor_collections,
            self.stats.major_collections,
        );
        events::end(Phase::Minor);
        log::debug!(target: "warden::gc", "minor collection: {used_total} words used, {promoted} promoted");
    }

    /// Hands every domain's pools to the heap's own set, where no domain allocates: done
    /// once, at the first minor collection with more than one domain (world stopped), so
    /// that what the program built while it ran alone (the DATA section's constants, the
    /// modules' globals: data every domain reads) never shares a cache line with a block
    /// promoted or allocated since. Otherwise the first domain's later blocks (a counter in
    /// a `ref`, a `Buffer`, written at every step) fill the free slots next to constants
    /// the other domains read at every step, and each write takes the line away from their
    /// cores: bench/parallel_prims ran 1.5 times the CPU time with two domains when its
    /// main domain's `acc` ref landed in the line of the literal "500000". The slots left
    /// free in those pools serve no one until the sweep empties the pool (at most the free
    /// part of the pools of one domain's solo phase).
    fn retire_solo_pools(&mut self, youngs: &[*mut DomainGc]) {
        for &y in youngs {
            // SAFETY: world stopped: every domain's DomainGc is the leader's.
            let y = unsafe { &mut *y };
            self.major.pools.adopt(&mut y.pools);
            self.major.set_snapshot(y.minor.slot, y.pools.counters);
        }
        self.solo_pools_retired = true;
    }

    /// Promotes everything reachable, unit by unit (with the parked domains' help when
    /// allowed), then settles the finalisers and the memory profiler's tables; returns
    /// what was promoted. World stopped; the arenas are not reset yet.
    fn promote_all(&mut self, youngs: &[*mut DomainGc], roots: &mut dyn Roots) -> Tally {
        let concurrent = helpers::ENABLED && youngs.len() > 1;
        let Gc { space, major, finalisers, board, .. } = self;
        let job = MinorJob {
            youngs,
            roots: &*roots,
            dir: &major.dir,
            space,
            concurrent,
            // The leader's unit is its own (below).
            claimed: (0..youngs.len()).map(|i| AtomicBool::new(i == 0)).collect(),
            tallies: (0..youngs.len()).map(|_| UnsafeCell::default()).collect(),
        };
        if concurrent {
            // SAFETY: world stopped, we lead it; `job` lives until `finish` below.
            unsafe { board.publish(&job) };
        }
        // SAFETY: world stopped; unit 0 (the leader's) is claimed: its pools are ours.
        let pools = unsafe { &mut *std::ptr::addr_of_mut!((*youngs[0]).pools) };
        let mut p = Promoter::new(&major.dir, space, pools, concurrent);
        job.roots.visit_shared_roots(&mut |slot: &mut Value| *slot = p.promote(*slot));
        // Finalisers: "first" values are roots, and so are the due ones.
        for e in finalisers.first.iter_mut().chain(finalisers.due.iter_mut()) {
            e.value = p.promote(e.value);
            e.func = p.promote(e.func);
        }
        p.drain();
        p.unit(&job, 0);
        if concurrent {
            board.finish(&job);
        } else {
            job.run(0);
        }
        // Every unit is done: the leader alone from here on.
        p.concurrent = false;
        // Young "last" values that no one promoted died: their finalisers are due.
        let mut still = Vec::with_capacity(finalisers.last.len());
        for mut e in finalisers.last.drain(..) {
            e.func = p.promote(e.func);
            if is_young(e.value) {
                // SAFETY: young blocks have readable headers.
                let hd = unsafe { *e.value.header_ptr() };
                if hd == 0 {
                    // SAFETY: forwarded: field 0 holds the copy.
                    e.value = unsafe { e.value.field(0) };
                    still.push(e);
                } else {
                    e.value = Value::UNIT;
                    finalisers.due.push(e);
                }
            } else {
                still.push(e);
            }
        }
        finalisers.last = still;
        p.drain();
        // The profiler's tables: their user data and profiles are roots, their blocks weak.
        for &y in youngs {
            // SAFETY: world stopped, every unit done: the domains' tables are the leader's.
            let mp = unsafe { &mut *std::ptr::addr_of_mut!((*y).memprof) };
            mp.visit_strong(&mut |v: &mut Value| *v = p.promote(*v));
            p.drain();
        }
        for &y in youngs {
            // SAFETY: as above.
            unsafe { &mut *std::ptr::addr_of_mut!((*y).memprof) }.after_minor(&|b| {
                if !is_young(b) {
                    return None;
                }
                // SAFETY: a young block's header is readable; a forwarded one (header 0)
                // holds its copy in field 0.
                Some(unsafe { (*b.header_ptr() == 0).then(|| b.field(0)) })
            });
        }
        let mut tally = p.tally;
        for t in job.tallies {
            tally.add(&t.into_inner());
        }
        tally
    }
}

#[cfg(test)]
mod tests {
    use super::super::{DomainGc, Gc, RootVisitor, Roots};
    use crate::check;
    use crate::heap::value::Value;
    use crate::heap::young_space::is_young;
    use std::cell::UnsafeCell;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// Each domain's roots: a list of slots.
    struct ListRoots(Vec<UnsafeCell<Vec<Value>>>);

    impl Roots for ListRoots {
        fn visit_roots(&mut self, f: RootVisitor<'_>) {
            for i in 0..self.0.len() {
                self.visit_domain_roots(i, f);
            }
        }
        fn visit_shared_roots(&self, _f: RootVisitor<'_>) {}
        fn visit_domain_roots(&self, i: usize, f: RootVisitor<'_>) {
            // SAFETY: each domain's list is visited by one thread at a time (the unit's).
            for v in unsafe { &mut *self.0[i].get() } {
                f(v);
            }
        }
    }

    const N: usize = 2000;

    /// Three domains' young chains pointing into each other's arenas, reachable from every
    /// domain's roots and from an old block that all three remembered (the same fields in
    /// each set), collected with two threads helping as parked domains do, round after
    /// round: every block is promoted exactly once (one copy per block, whoever reached it
    /// first), its fields intact, and every reference to it now points at that copy.
    #[test]
    fn blocks_reachable_from_several_domains_are_promoted_once() {
        let mut gc = Gc::new(crate::config::Config::default().gc_params(), 4);
        let mut ys: Vec<DomainGc> = (0..3).map(|i| gc.new_young(i)).collect();
        let youngs: Vec<*mut DomainGc> = ys.iter_mut().map(|y| y as *mut DomainGc).collect();
        let done = Arc::new(AtomicBool::new(false));
        let helpers: Vec<_> = (1..3)
            .map(|k| {
                let (board, done, me) = (gc.board.clone(), done.clone(), youngs[k] as usize);
                std::thread::spawn(move || {
                    while !done.load(Ordering::Acquire) {
                        board.help_as(me);
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        // SAFETY: the helpers only touch the domains' young states through the board, while
        // `minor_collection` below runs; otherwise this thread alone does.
        let y = |k: usize| {
            let p = youngs[k];
            // SAFETY: as above.
            unsafe { &mut *p }
        };
        let old = y(0).alloc_major(24, 0);
        for i in 0..24 {
            y(0).initialize(old, i, Value::of_int(0));
        }
        let mut promoted_before = 0;
        for round in 0..20 {
            let mut chains: Vec<Vec<Value>> = vec![Vec::new(); 3];
            for k in 0..3 {
                for j in 0..N {
                    let b = y(k).try_alloc(2, 0, check::current_site()).expect("arena room");
                    let next = match (j, k) {
                        (0, 0) => Value::UNIT,
                        (0, _) => chains[k - 1][N - 1],
                        _ => chains[k][j - 1],
                    };
                    y(k).initialize(b, 0, Value::of_int((k * N + j) as isize));
                    y(k).initialize(b, 1, next);
                    chains[k].push(b);
                }
            }
            for i in 0..24 {
                let v = chains[i % 3][(i * 37 + round) % N];
                y(i % 3).modify(old, i, v);
                // The same field in the other two sets too.
                y((i + 1) % 3).remember_slot(old.field_ptr(i));
                y((i + 2) % 3).remember_slot(old.field_ptr(i));
            }
            let mut roots = ListRoots(
                (0..3)
                    .map(|k| UnsafeCell::new(vec![chains[k][N - 1], chains[(k + 1) % 3][N / 2]]))
                    .collect(),
            );
            gc.minor_collection(&youngs, &mut roots);
            // Walk every chain from every reference: each block id has one address.
            let mut copies: HashMap<isize, usize> = HashMap::new();
            let mut refs: Vec<Value> = roots.0.into_iter().flat_map(|c| c.into_inner()).collect();
            // SAFETY: `old` has 24 fields.
            refs.extend((0..24).map(|i| unsafe { old.field(i) }));
            for r in refs {
                let mut b = r;
                while b.is_block() {
                    assert!(!is_young(b), "a young reference after the collection");
                    // SAFETY: a promoted block with two fields.
                    let (id, next) = unsafe { (b.field(0).int(), b.field(1)) };
                    let at = *copies.entry(id).or_insert(b.0);
                    assert_eq!(at, b.0, "block {id} has two copies");
                    b = next;
                }
            }
            assert_eq!(copies.len(), 3 * N, "every block reached");
            let promoted: usize = ys_promoted(&youngs);
            assert_eq!(promoted - promoted_before, 3 * N * 3, "each block promoted once");
            promoted_before = promoted;
        }
        done.store(true, Ordering::Release);
        for h in helpers {
            h.join().unwrap();
        }
        drop(ys);
    }

    /// The first collection with two domains hands the pools the first domain filled alone
    /// to the heap's set: what it allocates or promotes afterwards lands in other pools (so
    /// never in a cache line of a block from its solo phase), and no block is lost or
    /// counted twice.
    #[test]
    fn solo_pools_are_retired_at_the_first_two_domain_collection() {
        let mut gc = Gc::new(crate::config::Config::default().gc_params(), 4);
        let mut ys: Vec<DomainGc> = (0..2).map(|i| gc.new_young(i)).collect();
        let youngs: Vec<*mut DomainGc> = ys.iter_mut().map(|y| y as *mut DomainGc).collect();
        let y = |k: usize| {
            let p = youngs[k];
            // SAFETY: this thread alone touches the young states.
            unsafe { &mut *p }
        };
        let constant = y(0).alloc_major(1, 0);
        y(0).initialize(constant, 0, Value::of_int(500));
        let before = gc.occupancy_all(&youngs);
        let boxed = y(0).try_alloc(1, 0, check::current_site()).expect("arena room");
        y(0).initialize(boxed, 0, Value::of_int(1));
        let mut roots =
            ListRoots(vec![UnsafeCell::new(vec![boxed, constant]), UnsafeCell::new(vec![])]);
        gc.minor_collection(&youngs, &mut roots);
        assert!(gc.solo_pools_retired);
        let promoted = roots.0[0].get_mut()[0];
        let later = y(0).alloc_major(1, 0);
        let pool = |v: Value| crate::heap::pool::pool_of(v.0);
        assert_ne!(pool(promoted), pool(constant), "promoted next to a solo-phase block");
        assert_ne!(pool(later), pool(constant), "allocated next to a solo-phase block");
        // SAFETY: both are live one-field blocks.
        unsafe {
            assert_eq!(constant.field(0).int(), 500);
            assert_eq!(promoted.field(0).int(), 1);
        }
        let after = gc.occupancy_all(&youngs);
        assert_eq!(after.pool_live_blocks, before.pool_live_blocks + 2);
        drop(ys);
    }

    fn ys_promoted(youngs: &[*mut DomainGc]) -> usize {
        // SAFETY: the collection is over; the helpers do not touch the young states.
        youngs.iter().map(|&y| unsafe { (*y).alloc.promoted_words }).sum()
    }
}
