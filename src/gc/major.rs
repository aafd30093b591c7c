//! Major collection: mark everything reachable, settle finalisers and ephemerons, sweep.
//! Marking a continuation marks the values on its suspended fiber chain (`heap::stack`).
//!
//! A cycle runs whole at a safepoint, right after a minor collection, so no young block
//! exists while it runs. Ephemerons (and weak arrays) are Abstract_tag blocks
//! `[link; data; key0; key1 ...]` registered in `Gc::ephemerons`; the marker never scans them,
//! and after marking an ephemeron whose keys are all alive has its data marked, to a fixpoint.
//! Dead keys and the data of ephemerons with a dead key are then cleared to `ephe_none`.

use super::{helpers, DomainGc, Gc, Roots, BLACK, WHITE};
use crate::check;
use crate::events::{self, Counter, Phase};
use crate::heap::atoms::ephe_none;
use crate::heap::stack::{cont_first, for_each_chain_slot};
use crate::heap::value::{
    closinfo_startenv, Header, Value, CLOSURE_TAG, CONT_TAG, CUSTOM_TAG, INFIX_TAG, NOT_MARKABLE,
    NO_SCAN_TAG, WORD,
};

pub const EPHE_DATA: usize = 1;
pub const EPHE_FIRST_KEY: usize = 2;

/// The mark stack's first capacity, in entries (16 KiB).
const MARK_STACK_START: usize = 1024;

struct Marker {
    stack: Vec<(Value, usize)>,
    /// Marked continuations whose fiber chains still need scanning.
    conts: Vec<Value>,
    marked_words: usize,
    /// What the checker needs to vet pointers before their headers are read.
    ctx: check::MarkCtx,
}

impl Marker {
    /// The block that holds `v` (an infix pointer resolves to its closure).
    #[inline]
    fn block_of(v: Value) -> Value {
        // SAFETY: v is a block pointer into the major heap or an atom.
        let hd = unsafe { v.header() };
        if hd.tag() == INFIX_TAG {
            Value(v.0 - hd.wosize() * WORD)
        } else {
            v
        }
    }

    /// Marks `v`, found in field `i` of block `parent` (None: a root or a table entry).
    #[inline(always)]
    fn darken(&mut self, parent: Option<(Value, usize)>, v: Value) {
        if v.is_block() {
            self.darken_block(parent, v);
        }
    }

    /// As [`Marker::darken`], for a block pointer.
    fn darken_block(&mut self, parent: Option<(Value, usize)>, v: Value) {
        check::on_mark(&self.ctx, parent, v);
        let b = Self::block_of(v);
        let hp = b.header_ptr();
        // SAFETY: b is a heap block or an atom; its header is readable.
        let hd = Header(unsafe { *hp });
        check::on_mark_header(b, hd, parent);
        if hd.color() != WHITE || hd.color() == NOT_MARKABLE {
            return;
        }
        // SAFETY: as above; the header is ours to colour.
        unsafe { *hp = hd.with_color(BLACK).0 };
        self.marked_words += hd.wosize() + 1;
        if hd.tag() == CONT_TAG {
            // Its fields are `Val_ptr` words; its values are on its suspended fiber chain.
            self.conts.push(b);
        } else if hd.tag() < NO_SCAN_TAG {
            let start = if hd.tag() == CLOSURE_TAG {
                // SAFETY: closures have a closinfo field.
                closinfo_startenv(unsafe { b.field(1) })
            } else {
                0
            };
            if start < hd.wosize() {
                self.stack.push((b, start));
            }
        }
    }

    fn drain(&mut self) {
        loop {
            while let Some((b, i)) = self.stack.pop() {
                // SAFETY: b is a marked, scannable block; i < wosize.
                let wosize = unsafe { b.wosize() };
                let end = (i + 64).min(wosize);
                if end < wosize {
                    self.stack.push((b, end));
                }
                for j in i..end {
                    // SAFETY: j < wosize.
                    let f = unsafe { b.field(j) };
                    self.darken(Some((b, j)), f);
                }
            }
            let Some(c) = self.conts.pop() else { break };
            // SAFETY: `c` is a marked Cont_tag block; with the world stopped, a chain still in
            // its continuation is suspended and touched by no one else (a used continuation's
            // chain runs on some domain and is marked as its roots).
            unsafe {
                let first = cont_first(c);
                if !first.is_null() {
                    for_each_chain_slot(first, &mut |slot: &mut Value| {
                        self.darken(Some((c, 0)), *slot)
                    });
                }
            }
        }
    }
}

/// Whether `v` is alive for ephemeron purposes (immediates and static blocks always are).
fn is_alive(v: Value) -> bool {
    if !v.is_block() {
        return true;
    }
    let b = Marker::block_of(v);
    // SAFETY: b is a heap block or a static one.
    let c = unsafe { b.header() }.color();
    c != WHITE
}

impl Gc {
    /// Runs one whole major cycle (world stopped). Call right after `minor_collection`, with
    /// the same `youngs`.
    pub fn major_cycle(&mut self, youngs: &[*mut DomainGc], roots: &mut dyn Roots) {
        events::begin(Phase::Major);
        events::begin(Phase::MajorMark);
        check::gc_phase(
            check::Phase::Mark,
            self.stats.minor_collections,
            self.stats.major_collections,
        );
        let mut m = Marker {
            // Room for the usual depth, so that a cycle seldom grows it.
            stack: Vec::with_capacity(MARK_STACK_START),
            conts: Vec::new(),
            marked_words: 0,
            ctx: check::mark_ctx(),
        };
        roots.visit_roots(&mut |slot: &mut Value| {
            if !check::fault::taken_for_code(*slot) {
                m.darken(None, *slot)
            }
        });
        for f in
            self.finalisers.first.iter().chain(&self.finalisers.last).chain(&self.finalisers.due)
        {
            m.darken(None, f.func);
        }
        for f in &self.finalisers.due {
            m.darken(None, f.value);
        }
        for &y in youngs {
            // SAFETY: world stopped: every domain's DomainGc is the leader's.
            unsafe { &mut (*y).memprof }.visit_strong(&mut |v: &mut Value| m.darken(None, *v));
        }
        m.drain();
        self.mark_ephemerons(&mut m);
        // Gc.finalise values that are now unreachable become due, and stay alive for it.
        let first = std::mem::take(&mut self.finalisers.first);
        let mut keep = Vec::new();
        for f in first {
            if is_alive(f.value) {
                keep.push(f);
            } else {
                self.finalisers.due.push(f);
            }
        }
        self.finalisers.first = keep;
        for f in &self.finalisers.due {
            m.darken(None, f.value);
        }
        m.drain();
        self.mark_ephemerons(&mut m);
        self.clean_ephemerons();
        // Gc.finalise_last: values unreachable now are due, called with ().
        let last = std::mem::take(&mut self.finalisers.last);
        let mut keep = Vec::new();
        for mut f in last {
            if is_alive(f.value) {
                keep.push(f);
            } else {
                f.value = Value::UNIT;
                self.finalisers.due.push(f);
            }
        }
        self.finalisers.last = keep;
        // The profiler's tracked blocks (weak references) that died, before they are freed.
        for &y in youngs {
            // SAFETY: world stopped (see above).
            unsafe { &mut (*y).memprof }.after_mark(&is_alive);
        }
        let allocated = self.allocated_words(youngs);
        // SAFETY: the world is stopped, so every domain's DomainGc is the leader's to read.
        let refs = unsafe { super::young_refs(youngs) };
        check::after_mark(
            &mut self.check,
            check::HeapRefs { young: &refs, major: &self.major, allocated },
        );
        check::gc_phase(
            check::Phase::Sweep,
            self.stats.minor_collections,
            self.stats.major_collections,
        );
        events::end(Phase::MajorMark);
        events::begin(Phase::MajorSweep);
        // Memory is freed only here: its peak is now.
        let swept_words = self.occupancy_all(youngs).heap_words();
        self.major.note_size(swept_words);
        drop(refs);
        let (live_words, live_blocks) = self.sweep(youngs);
        self.snapshot_pools(youngs);
        // SAFETY: as above (the sweep is done with the pool sets).
        let refs = unsafe { super::young_refs(youngs) };
        check::after_sweep(
            &mut self.check,
            check::HeapRefs { young: &refs, major: &self.major, allocated },
            &mut |f| roots.visit_roots(f),
            live_words,
            live_blocks,
        );
        events::end(Phase::MajorSweep);
        self.stats.major_collections += 1;
        self.pay_cycle(swept_words, m.marked_words);
        if events::active() {
            let o = self.occupancy_all(youngs);
            let counters = [
                (Counter::MajorHeapPoolWords, o.pool_words),
                (Counter::MajorHeapPoolLiveWords, o.pool_live_words),
                (Counter::MajorHeapPoolLiveBlocks, o.pool_live_blocks),
                (Counter::MajorHeapPoolFragWords, o.pool_frag_words),
                (Counter::MajorHeapLargeWords, o.large_words),
                (Counter::MajorHeapLargeBlocks, o.large_blocks),
            ];
            for (c, v) in counters {
                events::counter(c, v as u64);
            }
        }
        events::end(Phase::Major);
        check::gc_phase(
            check::Phase::Mutator,
            self.stats.minor_collections,
            self.stats.major_collections,
        );
        log::debug!(target: "warden::gc", "major cycle: {} words live", m.marked_words);
    }

    fn mark_ephemerons(&mut self, m: &mut Marker) {
        loop {
            let mut changed = false;
            for &e in &self.ephemerons {
                if !is_alive(e) {
                    continue;
                }
                // SAFETY: e is a live ephemeron block with at least 2 fields.
                let (n, data) = unsafe { (e.wosize(), e.field(EPHE_DATA)) };
                if data == ephe_none() || is_alive(data) {
                    continue;
                }
                let keys_alive = (EPHE_FIRST_KEY..n).all(|k| {
                    // SAFETY: k < wosize.
                    let key = unsafe { e.field(k) };
                    key == ephe_none() || is_alive(key)
                });
                if keys_alive {
                    m.darken(None, data);
                    m.drain();
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn clean_ephemerons(&mut self) {
        let none = ephe_none();
        self.ephemerons.retain(|&e| is_alive(e));
        for &e in &self.ephemerons {
            // SAFETY: e is a live ephemeron block.
            let n = unsafe { e.wosize() };
            let mut dead_key = false;
            for k in EPHE_FIRST_KEY..n {
                // SAFETY: k < wosize.
                let key = unsafe { e.field(k) };
                if key != none && !is_alive(key) {
                    // SAFETY: k < wosize; ephemerons are not scanned, no barrier needed.
                    unsafe { e.set_field_raw(k, none) };
                    dead_key = true;
                }
            }
            if dead_key {
                // SAFETY: field 1 exists.
                unsafe { e.set_field_raw(EPHE_DATA, none) };
            }
        }
    }

    /// Frees every white block, whitens the black ones; returns the live words and blocks.
    /// With [`helpers::ENABLED`] the pools and large lists of every owner (each domain's and
    /// the heap's) are put on the helpers' board, so the parked domains sweep them with the
    /// leader, each its own part first; otherwise the leader sweeps alone, set by set, then
    /// the large lists, with the checker's hooks and the quarantine.
    fn sweep(&mut self, youngs: &[*mut DomainGc]) -> (usize, usize) {
        let mut live_words = 0usize;
        let mut live_blocks = 0usize;
        // How many pools the job took from each set: the heap's, then each domain's.
        let mut taken = Vec::with_capacity(youngs.len() + 1);
        let dir = self.major.dir.clone();
        let lists = &dir.large;
        let job = helpers::ENABLED.then(|| {
            // Each domain's large list is its part's; the heap's part takes the others (the
            // heap's own, and those of the slots no domain holds now).
            // SAFETY: world stopped: every domain's DomainGc is the leader's to read.
            let owned: Vec<usize> =
                youngs.iter().map(|&y| unsafe { (*y).pools.large_list }).collect();
            let leader = youngs.first().map_or(0, |&y| y as usize);
            let mut job = helpers::SweepJob::new(lists, leader);
            let pools = self.major.pools.take_pools();
            taken.push(pools.len());
            job.add_part(0, pools, (0..lists.count()).filter(|i| !owned.contains(i)).collect());
            for (&y, &list) in youngs.iter().zip(&owned) {
                // SAFETY: world stopped: every domain's pool set is the leader's.
                let theirs = unsafe { (*y).pools.take_pools() };
                taken.push(theirs.len());
                let list = if list < lists.count() { vec![list] } else { Vec::new() };
                job.add_part(y as usize, theirs, list);
            }
            job
        });
        let published = youngs.len() > 1 && job.is_some();
        if let (true, Some(job)) = (published, &job) {
            // SAFETY: world stopped, we lead it; `job` lives until `finish` below.
            unsafe { self.board.publish(job) };
        }
        if job.is_none() {
            let checker = &mut self.check;
            // SAFETY: world stopped: every domain's pool set is the leader's.
            let mut sets: Vec<&mut crate::heap::pools::PoolSet> =
                youngs.iter().map(|&y| unsafe { &mut (*y).pools }).collect();
            self.major.sweep_pools(&mut sets, |slot| {
                sweep_slot(slot, &mut live_words, &mut live_blocks, |slot| {
                    // SAFETY: slot is an allocated slot of a live pool, which the sweep frees.
                    unsafe { check::on_sweep_slot(checker, slot) }
                })
            });
        }
        if job.is_none() {
            let (w, b) = self.sweep_large();
            live_words += w;
            live_blocks += b;
        }
        if let Some(job) = &job {
            if published {
                self.board.finish(job);
            } else {
                job.run_alone();
            }
            // SAFETY: every pool and large list of the job was swept and handed back
            // (`finish`, `run_alone`).
            let (w, b) = unsafe { job.large_results() };
            live_words += w;
            live_blocks += b;
            // SAFETY: as above.
            let results = unsafe { job.results() };
            let mut pools = job.pools().iter().zip(results);
            let mut released = Vec::new();
            // The sets, in the order their pools were taken.
            let sets = std::iter::once(&mut self.major.pools as *mut crate::heap::pools::PoolSet)
                .chain(youngs.iter().map(|&y| {
                    // SAFETY: world stopped (see above); only the field's address is taken.
                    unsafe { std::ptr::addr_of_mut!((*y).pools) }
                }));
            for (set, n) in sets.zip(taken) {
                // SAFETY: a distinct set each time, the leader's (world stopped).
                let set = unsafe { &mut *set };
                for (&p, r) in pools.by_ref().take(n) {
                    live_words += r.live_words;
                    live_blocks += r.live_blocks;
                    // SAFETY: p was taken off this set (the job keeps the sets' order, and
                    // `taken` each set's count), swept once, and is put back once.
                    released.extend(unsafe { set.put_back(p, &r.swept) });
                }
            }
            // SAFETY: the sweep emptied these pools and took them out of their sets.
            unsafe { self.major.dir.release_pools(&released) };
        }
        self.stats.live_words = live_words;
        self.stats.live_blocks = live_blocks;
        (live_words, live_blocks)
    }

    /// Frees every white large block, whitens the black ones; returns the live words and
    /// blocks.
    fn sweep_large(&mut self) -> (usize, usize) {
        let (mut live_words, mut live_blocks) = (0, 0);
        let lists = &self.major.dir.large;
        let checker = &mut self.check;
        for i in 0..lists.count() {
            let (w, b) = sweep_large_list(lists, i, |slot| {
                // SAFETY: slot is a dead large block's frame, freed right after.
                unsafe { check::on_free_large(checker, slot) }
            });
            live_words += w;
            live_blocks += b;
        }
        (live_words, live_blocks)
    }
}

/// Sweeps large list `i` (world stopped, after marking): frees its white blocks (finalising
/// custom ones, `on_free` seeing each frame first), whitens its black ones; returns its live
/// words and blocks. No hook runs under the list's lock.
fn sweep_large_list(
    lists: &crate::heap::large::LargeLists,
    i: usize,
    mut on_free: impl FnMut(*mut usize),
) -> (usize, usize) {
    let (mut live_words, mut live_blocks) = (0, 0);
    let mut dead = Vec::new();
    lists.lock(i).blocks.retain(|&slot| {
        let hp = check::header_of_slot(slot);
        // SAFETY: slot is a large block; its block's header is at hp.
        let hd = Header(unsafe { *hp });
        if hd.color() == BLACK {
            // SAFETY: as above.
            unsafe { *hp = hd.with_color(WHITE).0 };
            live_words += hd.wosize() + 1;
            live_blocks += 1;
            true
        } else {
            dead.push(slot);
            false
        }
    });
    if dead.is_empty() {
        return (live_words, live_blocks);
    }
    for &slot in &dead {
        let hp = check::header_of_slot(slot);
        // SAFETY: hp is the header of a large block.
        if unsafe { Header(*hp) }.tag() == CUSTOM_TAG {
            crate::heap::custom::finalize(Value(hp as usize + WORD));
        }
        on_free(slot);
    }
    // One hold of the list's lock for every dead block.
    let mut l = lists.lock(i);
    for slot in dead {
        // SAFETY: slot was removed from the list above and is freed once.
        unsafe { l.free(slot) };
    }
    (live_words, live_blocks)
}

/// The sweep of one pool slot: a black block turns white and counts as live, a white one is
/// finalised (custom blocks), handed to `on_free` and freed (true).
#[inline(always)]
fn sweep_slot(
    slot: *mut usize,
    live_words: &mut usize,
    live_blocks: &mut usize,
    on_free: impl FnOnce(*mut usize),
) -> bool {
    let hp = check::header_of_slot(slot);
    // SAFETY: slot is an allocated slot; its block's header is at hp.
    let hd = Header(unsafe { *hp });
    if hd.color() == BLACK && !check::fault::early_sweep(hd.tag() < NO_SCAN_TAG) {
        // SAFETY: as above.
        unsafe { *hp = hd.with_color(WHITE).0 };
        *live_words += hd.wosize() + 1;
        *live_blocks += 1;
        false
    } else {
        if hd.tag() == CUSTOM_TAG {
            // Before the slot is freed: freeing overwrites the ops word.
            crate::heap::custom::finalize(Value(hp as usize + WORD));
        }
        on_free(slot);
        true
    }
}

/// Sweeps large list `i` as a piece of a [`helpers::SweepJob`] (only with
/// [`helpers::ENABLED`]: no checker hook), returning its live words and blocks.
///
/// # Safety
/// The world must be stopped after marking, and list `i` the caller's alone (its part's
/// lists taken by the caller).
pub(super) unsafe fn sweep_job_large(
    lists: &crate::heap::large::LargeLists,
    i: usize,
) -> (usize, usize) {
    sweep_large_list(lists, i, |_| {})
}

/// Sweeps pool `p` of a [`helpers::SweepJob`] (only with [`helpers::ENABLED`]: no checker
/// hook, no quarantine), counting its live words and blocks.
///
/// # Safety
/// The world must be stopped after marking, and `p` a pool off every set, the caller's alone
/// (its index taken off the job's cursor).
pub(super) unsafe fn sweep_job_pool(p: *mut crate::heap::pool::PoolHeader) -> helpers::PoolResult {
    let (mut live_words, mut live_blocks) = (0, 0);
    let mut no_quarantine = crate::heap::pools::Quarantine::default();
    // SAFETY: the caller's contract.
    let swept = unsafe {
        crate::heap::pools::sweep_pool(p, &mut no_quarantine, &mut |slot| {
            sweep_slot(slot, &mut live_words, &mut live_blocks, |_| {})
        })
    };
    helpers::PoolResult { swept, live_words, live_blocks }
}

#[cfg(test)]
mod tests {
    use super::super::{DomainGc, Gc, BLACK, WHITE};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// Three domains' pools and large blocks, a third of their blocks marked, swept with two
    /// threads helping as parked domains do: every live block survives once whitened (a
    /// pool or list swept twice would free them: white after its first sweep), every dead
    /// one is freed, each large block from its own domain's list.
    #[test]
    fn parked_domains_help_sweep_every_pool_once() {
        let mut gc = Gc::new(crate::config::Config::default().gc_params(), 4);
        let mut ys: Vec<DomainGc> = (0..3).map(|i| gc.new_young(i)).collect();
        let (mut live, mut live_words, mut per_domain) = (Vec::new(), 0, [0; 3]);
        for (k, y) in ys.iter_mut().enumerate() {
            for i in 0..20_300 {
                // The last 300 blocks are large.
                let wosize = if i < 20_000 { 1 + (i + k) % 40 } else { 200 + i % 50 };
                let v = y.alloc_major(wosize, 0);
                if i % 3 == 0 {
                    // SAFETY: v is a fresh major block; its header is ours to colour.
                    unsafe { *v.header_ptr() = v.header().with_color(BLACK).0 };
                    live.push(v);
                    live_words += wosize + 1;
                    per_domain[k] += 1;
                }
            }
        }
        let youngs: Vec<*mut DomainGc> = ys.iter_mut().map(|y| y as *mut DomainGc).collect();
        let done = Arc::new(AtomicBool::new(false));
        let helpers: Vec<_> = (0..2)
            .map(|_| {
                let (board, done) = (gc.board.clone(), done.clone());
                std::thread::spawn(move || {
                    while !done.load(Ordering::Acquire) {
                        board.help();
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        let (words, blocks) = gc.sweep(&youngs);
        done.store(true, Ordering::Release);
        for h in helpers {
            h.join().unwrap();
        }
        assert_eq!((words, blocks), (live_words, live.len()));
        for v in &live {
            // SAFETY: a live block keeps its header.
            let hd = unsafe { v.header() };
            assert_eq!(hd.color(), WHITE, "a live block whitened once, not freed");
        }
        // Each pool went back to its own set.
        let large_live = 100;
        let counted: Vec<usize> = ys.iter().map(|y| y.pools.counters.blocks).collect();
        assert_eq!(counted, per_domain.map(|n| n - large_live));
        // Each domain's large blocks stayed in its own list.
        for y in &ys {
            let list = gc.major.dir.large.lock(y.pools.large_list).blocks.len();
            assert_eq!(list, large_live);
        }
    }
}
