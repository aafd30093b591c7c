//! Tables of tracked blocks. An entry follows one sampled block from its allocation to its
//! deallocation, through the callbacks the profile runs for it; a table holds the entries
//! of one owner (a thread whose allocation callbacks have not run yet, a domain, an orphan
//! table left by a stopped profile or an ended domain) and the profile they were sampled
//! under.
//!
//! Invariants: `active <= t.len()`, and no entry before `active` has a callback to run
//! (each change that may give one a callback lowers `active`). A deleted entry holds no
//! value and is dropped at the next `evict`. An entry whose callback runs has `runner` set
//! and is never deleted by anyone else meanwhile; it is found again afterwards by its `id`,
//! since the table may have been compacted or moved in between.

use super::config;
use crate::heap::value::Value;
use std::sync::atomic::{AtomicU64, Ordering};

/// The callbacks, as bits of `Entry::callbacks`.
pub const CB_ALLOC: u8 = 1;
pub const CB_PROMOTE: u8 = 2;
pub const CB_DEALLOC: u8 = 4;

/// Where a sampled allocation comes from (`Gc.Memprof.allocation_source`).
pub const SRC_NORMAL: u8 = 0;
pub const SRC_MARSHAL: u8 = 1;
pub const SRC_CUSTOM: u8 = 2;

/// A fresh identifier for an entry or a table.
pub fn fresh_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    // Relaxed: only uniqueness matters.
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// One sampled block.
pub struct Entry {
    pub id: u64,
    /// The block (a weak reference: the collector clears it when the block dies); `UNIT`
    /// once dead or deleted, or while `offset` (the block is not allocated yet).
    pub block: Value,
    /// What the last callback returned (a root).
    pub user_data: Value,
    /// The call stack of the allocation (backtrace slots, immediates) until the allocation
    /// callback takes it.
    pub callstack: Vec<Value>,
    pub samples: usize,
    pub wosize: usize,
    pub source: u8,
    /// Sampled by an allocation from bytecode whose callbacks run before the block exists.
    pub offset: bool,
    /// Allocated young (or counted so: `spilled`).
    pub alloc_young: bool,
    /// A block counted as young that lives in the major heap (a primitive's block from a
    /// full arena, a custom block with a finaliser): whether it was "promoted" is decided
    /// by the next major cycle, which sees whether it is still alive.
    pub spilled: bool,
    pub promoted: bool,
    pub deallocated: bool,
    pub deleted: bool,
    /// The callbacks called (or running) for it (`CB_*` bits).
    pub callbacks: u8,
    /// The thread running a callback for it.
    pub runner: Option<usize>,
}

impl Entry {
    /// A fresh entry for `samples` samples of a block of `wosize` fields.
    pub fn new(block: Value, wosize: usize, samples: usize, source: u8, young: bool) -> Entry {
        Entry {
            id: fresh_id(),
            block,
            user_data: Value::UNIT,
            callstack: Vec::new(),
            samples,
            wosize,
            source,
            offset: false,
            alloc_young: young,
            spilled: false,
            promoted: false,
            deallocated: false,
            deleted: false,
            callbacks: 0,
            runner: None,
        }
    }

    /// Whether the collector should follow its block (a live, allocated block).
    pub fn tracks_block(&self) -> bool {
        !self.offset && !self.deleted && !self.deallocated && self.block.is_block()
    }
}

/// A table of entries under one profile.
pub struct Entries {
    pub key: u64,
    pub t: Vec<Entry>,
    /// No entry before this index has a callback to run.
    pub active: usize,
    /// The profile (`Gc.Memprof.t`, a root) or `UNIT`.
    pub config: Value,
}

impl Entries {
    pub fn new(config: Value) -> Entries {
        Entries { key: fresh_id(), t: Vec::new(), active: 0, config }
    }

    /// Whether some entry may have a callback to run.
    pub fn has_pending(&self) -> bool {
        self.active < self.t.len()
    }

    /// Notes that entry `i` may have a callback to run.
    pub fn wake(&mut self, i: usize) {
        self.active = self.active.min(i);
    }

    /// Deletes entry `i` (not running a callback): it holds no value from now on.
    pub fn delete(&mut self, i: usize) {
        let e = &mut self.t[i];
        debug_assert!(e.runner.is_none());
        e.deleted = true;
        e.offset = false;
        e.block = Value::UNIT;
        e.user_data = Value::UNIT;
        e.callstack = Vec::new();
    }

    /// Drops the deleted entries, keeping `active` at the same entry.
    pub fn evict(&mut self) {
        let before_active = self.t[..self.active].iter().filter(|e| !e.deleted).count();
        self.t.retain(|e| !e.deleted);
        self.active = before_active;
        if self.t.capacity() > 64 && self.t.capacity() > 4 * self.t.len() {
            self.t.shrink_to(2 * self.t.len());
        }
    }

    /// The profile, after forgetting it (and the entries no callback runs for) when it was
    /// discarded.
    pub fn validated_config(&mut self) -> Value {
        if self.config != Value::UNIT && config::status(self.config) == config::DISCARDED {
            self.config = Value::UNIT;
            self.clear_inactive();
        }
        self.config
    }

    /// Deletes every entry no callback runs for.
    pub fn clear_inactive(&mut self) {
        for i in 0..self.t.len() {
            if self.t[i].runner.is_none() {
                self.delete(i);
            }
        }
        self.evict();
    }

    /// Settles the entries of allocations from bytecode that will never happen (a callback
    /// raised, or the profile changed under them): one whose allocation callback ran is
    /// reported deallocated, the others are deleted.
    pub fn clear_offsets(&mut self) {
        for i in 0..self.t.len() {
            if !self.t[i].offset {
                continue;
            }
            if self.t[i].callbacks & CB_ALLOC != 0 {
                let e = &mut self.t[i];
                e.offset = false;
                e.block = Value::UNIT;
                e.deallocated = true;
                self.wake(i);
            } else {
                self.delete(i);
            }
        }
        self.evict();
    }

    /// Moves every entry of `from` to the end of `self` (the same profile), except those
    /// whose allocation callback never ran, which are deleted.
    pub fn take_all(&mut self, from: &mut Entries) {
        if from.t.is_empty() {
            return;
        }
        let base = self.t.len();
        let mut kept_before_active = 0;
        for (i, e) in std::mem::take(&mut from.t).into_iter().enumerate() {
            if e.callbacks == 0 && e.runner.is_none() {
                continue;
            }
            if i < from.active {
                kept_before_active += 1;
            }
            self.t.push(e);
        }
        self.active = self.active.min(base + kept_before_active);
        from.active = 0;
    }

    /// The index of entry `id`, looked for at `hint` first.
    pub fn find(&self, id: u64, hint: usize) -> Option<usize> {
        if self.t.get(hint).is_some_and(|e| e.id == id) {
            return Some(hint);
        }
        self.t.iter().position(|e| e.id == id)
    }

    /// Visits the roots: the profile and every entry's user data.
    pub fn visit_strong(&mut self, f: &mut dyn FnMut(&mut Value)) {
        f(&mut self.config);
        for e in &mut self.t {
            f(&mut e.user_data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(callbacks: u8) -> Entry {
        let mut e = Entry::new(Value::of_int(1), 1, 1, SRC_NORMAL, true);
        e.callbacks = callbacks;
        e
    }

    #[test]
    fn evict_keeps_active_on_the_same_entry() {
        let mut es = Entries::new(Value::UNIT);
        for _ in 0..5 {
            es.t.push(entry(CB_ALLOC));
        }
        es.active = 3;
        let third = es.t[3].id;
        es.delete(0);
        es.delete(4);
        es.evict();
        assert_eq!(es.t.len(), 3);
        assert_eq!(es.t[es.active].id, third);
    }

    #[test]
    fn moving_a_table_drops_entries_without_callbacks() {
        let mut a = Entries::new(Value::UNIT);
        let mut b = Entries::new(Value::UNIT);
        b.t.push(entry(CB_ALLOC));
        b.active = 1;
        a.t.push(entry(0));
        a.t.push(entry(CB_ALLOC));
        a.active = 1;
        b.take_all(&mut a);
        assert!(a.t.is_empty());
        assert_eq!(b.t.len(), 2);
        assert_eq!(b.active, 1);
    }
}
