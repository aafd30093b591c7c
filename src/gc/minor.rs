//! Minor collection: every young block reachable from the roots or the remembered set is
//! copied (promoted) into the major heap, then the arena is emptied.
//!
//! A promoted young block is left forwarded: header 0, field 0 = the new address. Infix
//! pointers are promoted with their enclosing closure and keep their offset. Fields of
//! promoted blocks are scanned through an explicit work list, so deep structures never
//! recurse on the Rust stack. A continuation's "fields" are its suspended fiber chain (see
//! `heap::stack`): promoting a continuation scans the chain's words, and so does the minor
//! collection for each old continuation a domain remembered (`DomainGc::remembered_conts`).

use super::{DomainGc, Gc, Roots};
use crate::check;
use crate::events::{self, Counter, Phase};
use crate::heap::pools::PoolSet;
use crate::heap::stack::{cont_first, for_each_chain_slot};
use crate::heap::value::{closinfo_startenv, Value, CLOSURE_TAG, CONT_TAG, INFIX_TAG, NO_SCAN_TAG};
use crate::heap::young_space::is_young;

struct Promoter<'a> {
    gc: &'a mut Gc,
    /// Where promoted blocks go: the leader's pools.
    pools: &'a mut PoolSet,
    /// Words promoted out of each slot's arena (for each domain's counters).
    by_slot: Vec<usize>,
    /// Promoted blocks whose fields still need scanning.
    todo: Vec<Value>,
    promoted_words: usize,
}

impl Promoter<'_> {
    /// Returns the promoted copy of `v` (or `v` itself when it is not young).
    fn promote(&mut self, v: Value) -> Value {
        if !is_young(v) {
            return v;
        }
        // SAFETY: v is a young block, so its header word is readable.
        let hd = unsafe { *v.header_ptr() };
        if hd == 0 {
            // SAFETY: forwarded blocks keep the new address in field 0.
            return unsafe { v.field(0) };
        }
        let header = crate::heap::value::Header(hd);
        if header.tag() == INFIX_TAG {
            let offset = header.wosize();
            let start = Value(v.0 - offset * crate::heap::value::WORD);
            let new_start = self.promote(start);
            return Value(new_start.0 + offset * crate::heap::value::WORD);
        }
        let wosize = header.wosize();
        let tag = header.tag();
        check::on_promote(v);
        let new = self.gc.promote_framed(self.pools, wosize, tag, super::WHITE, check::site_of(v));
        // SAFETY: both blocks have wosize words and do not overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(v.0 as *const usize, new.0 as *mut usize, wosize);
            *v.header_ptr() = 0;
            v.set_field_raw(0, new);
        }
        self.promoted_words += wosize + 1;
        if let Some(slot) = self.gc.space.slot_of(v.0) {
            self.by_slot[slot] += wosize + 1;
        }
        if tag < NO_SCAN_TAG {
            self.todo.push(new);
        }
        new
    }

    /// Promotes the young values on the fiber chain of continuation `cont` (none when it
    /// was used: its chain runs somewhere, scanned as that domain's roots).
    fn scan_chain(&mut self, cont: Value) {
        // SAFETY: `cont` is a live Cont_tag block; with the world stopped, a chain still in
        // its continuation is suspended and touched by no one else.
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
        // SAFETY: b is a promoted (major) block with a valid header.
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
}

impl Gc {
    /// Empties every domain's minor arena (`youngs`: each registered domain's, the leader's
    /// first), promoting everything reachable from `roots` and the remembered sets into the
    /// leader's pools. World stopped.
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
        let slots = self.space.slots;
        // SAFETY: world stopped (see above); no other borrow of the leader's pools lives.
        let pools = unsafe { &mut (*youngs[0]).pools };
        let mut p = Promoter {
            gc: self,
            pools,
            by_slot: vec![0; slots],
            todo: Vec::new(),
            promoted_words: 0,
        };
        roots.visit_roots(&mut |slot: &mut Value| {
            *slot = p.promote(*slot);
        });
        p.drain();
        for &y in youngs {
            // SAFETY: world stopped (see above).
            let conts = std::mem::take(unsafe { &mut (*y).remembered_conts });
            for c in conts {
                // Remembered continuations are old blocks, not freed since (no sweep runs
                // between two minor collections).
                p.scan_chain(c);
            }
            p.drain();
        }
        for &y in youngs {
            // SAFETY: world stopped (see above).
            let remembered = std::mem::take(unsafe { &mut (*y).remembered });
            for fp in remembered {
                // SAFETY: remembered entries are fields of live major blocks (major cycles only
                // run right after a minor collection, so none was freed since it was recorded).
                unsafe {
                    let n = p.promote(*fp);
                    *fp = n;
                }
            }
            p.drain();
        }
        // Finalisers: "first" values are roots; young "last" values that died are due.
        let mut first = std::mem::take(&mut p.gc.finalisers.first);
        for e in &mut first {
            e.value = p.promote(e.value);
            e.func = p.promote(e.func);
        }
        let mut due = std::mem::take(&mut p.gc.finalisers.due);
        for e in &mut due {
            e.value = p.promote(e.value);
            e.func = p.promote(e.func);
        }
        p.drain();
        let mut last = std::mem::take(&mut p.gc.finalisers.last);
        let mut still = Vec::with_capacity(last.len());
        for mut e in last.drain(..) {
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
                    due.push(e);
                }
            } else {
                still.push(e);
            }
        }
        p.drain();
        // The profiler's tables: their user data and profiles are roots, their blocks weak.
        for &y in youngs {
            // SAFETY: world stopped (see above).
            let mp = unsafe { &mut (*y).memprof };
            mp.visit_strong(&mut |v: &mut Value| *v = p.promote(*v));
            p.drain();
        }
        for &y in youngs {
            // SAFETY: world stopped (see above).
            unsafe { &mut (*y).memprof }.after_minor(&|b| {
                if !is_young(b) {
                    return None;
                }
                // SAFETY: a young block's header is readable; a forwarded one (header 0)
                // holds its copy in field 0.
                Some(unsafe { (*b.header_ptr() == 0).then(|| b.field(0)) })
            });
        }
        let promoted = p.promoted_words;
        let by_slot = std::mem::take(&mut p.by_slot);
        let gc = p.gc;
        gc.finalisers.first = first;
        gc.finalisers.last = still;
        gc.finalisers.due = due;
        let mut used_total = 0;
        for &y in youngs {
            // SAFETY: world stopped (see above).
            let y = unsafe { &mut *y };
            let used = y.minor.used_words();
            used_total += used;
            check::on_minor_done(&mut y.check, &mut y.minor);
            y.minor.reset();
            y.alloc.minor_words += used;
            y.alloc.promoted_words += by_slot[y.minor.slot];
            y.minor_wanted = false;
        }
        gc.space.flip();
        gc.space.publish();
        for &y in youngs {
            // SAFETY: world stopped (see above).
            let m = unsafe { &mut (*y).minor };
            let wsize = m.wsize();
            gc.rebind_arena(m, wsize);
            // SAFETY: as above.
            unsafe { (*y).memprof_arm() };
        }
        gc.stats.minor_collections += 1;
        events::counter(Counter::MinorAllocated, (used_total * crate::heap::value::WORD) as u64);
        events::counter(Counter::MinorPromoted, (promoted * crate::heap::value::WORD) as u64);
        gc.snapshot_pools(youngs);
        gc.note_promoted(promoted);
        gc.major_slice();
        check::gc_phase(
            check::Phase::Mutator,
            gc.stats.minor_collections,
            gc.stats.major_collections,
        );
        events::end(Phase::Minor);
        log::debug!(target: "warden::gc", "minor collection: {used_total} words used, {promoted} promoted");
    }
}
