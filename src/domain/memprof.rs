//! The memory profiler on a domain (`Gc.Memprof`): sampling the allocations that leave the
//! fast path (the arena's trigger, blocks allocated outside the arena), and running the
//! profile's callbacks. Tables, draws and the collector's part are `gc::memprof`.
//!
//! Callbacks run on the thread that sampled the block for its allocation callback, then on
//! any thread of its domain; never nested: a thread running one is suspended (samples
//! nothing, starts no other callback). They run as pending actions at poll points, except
//! for a young block allocated by bytecode, whose allocation callback runs before the block
//! exists, in the allocation (`sample_young_from_bytecode`): an exception it raises comes
//! out of the allocating instruction, and the block is not allocated.
//!
//! The call stack of an allocation is captured by a function the primitives install
//! (`set_callstack_capture`, the same walk as `Printexc.get_callstack`).

use super::Domain;
use crate::check;
use crate::exn::Exn;
use crate::gc::memprof::config;
use crate::gc::memprof::entries::{Entry, CB_ALLOC, CB_DEALLOC, CB_PROMOTE, SRC_NORMAL};
use crate::heap::value::Value;
use std::sync::OnceLock;

/// Captures up to `n` frames of the domain's current call stack (backtrace slots).
pub type CaptureFn = fn(&mut Domain, usize) -> Vec<Value>;

static CAPTURE: OnceLock<CaptureFn> = OnceLock::new();

/// Installs the call-stack capture (once; later calls change nothing).
pub fn set_callstack_capture(f: CaptureFn) {
    let _ = CAPTURE.set(f);
}

/// The callback to run for an entry.
#[derive(Clone, Copy, PartialEq)]
enum Cb {
    Alloc,
    Promote,
    Dealloc,
}

impl Domain {
    /// Whether this domain has a profile (stopped or not): the allocation paths look no
    /// further when it has none.
    #[inline(always)]
    pub fn memprof_on(&self) -> bool {
        self.young.memprof.entries.config != Value::UNIT
    }

    /// Thread `id` now runs on the domain: its sampling state becomes the domain's.
    pub fn memprof_enter_thread(&mut self, id: usize) {
        self.young.memprof.current = id;
        self.young.memprof.update_pending();
        self.young.memprof_arm();
    }

    /// Suspends (`true`) or resumes the current thread's sampling and callbacks.
    pub fn memprof_suspend(&mut self, s: bool) {
        self.young.memprof.current_thread().suspended = s;
        self.young.memprof.update_pending();
        self.young.memprof_arm();
    }

    /// The current call stack, as deep as the profile asks.
    fn memprof_callstack(&mut self) -> Vec<Value> {
        let frames = config::stack_frames(self.young.memprof.entries.config);
        match CAPTURE.get() {
            Some(f) if frames > 0 => f(self, frames),
            _ => Vec::new(),
        }
    }

    /// Samples block `v` (`alloc_words` fields reported, `sampled_words` words drawn on),
    /// allocated outside the arena's trigger, when the current thread samples. `young`: it
    /// is reported as a minor allocation (`spilled`: though it lives in the major heap).
    pub fn memprof_track(
        &mut self,
        v: Value,
        alloc_words: usize,
        sampled_words: usize,
        source: u8,
        young: bool,
        spilled: bool,
    ) {
        if !self.memprof_on() || !self.young.memprof.sampling() {
            return;
        }
        let n = self.young.memprof.binom(sampled_words);
        if n > 0 {
            let cs = self.memprof_callstack();
            let mut e = Entry::new(v, alloc_words, n, source, young);
            e.spilled = spilled;
            self.young.memprof.track(e, cs);
        }
    }

    /// A young block from a primitive whose allocation stopped at the arena's trigger:
    /// allocated below it, and sampled when `track` and the thread samples (its callbacks
    /// run at the next poll point). None when the arena is full.
    pub(super) fn alloc_young_triggered(
        &mut self,
        wosize: usize,
        tag: u8,
        track: bool,
    ) -> Option<Value> {
        let whsize = wosize + 1;
        let before = self.young.minor.used_words();
        let sampling = track && self.young.memprof.sampling();
        let samples = if sampling { self.young.memprof.young_samples(before, whsize) } else { 0 };
        let v = self.young.try_alloc_past_trigger(wosize, tag, check::current_site())?;
        if samples > 0 {
            let cs = self.memprof_callstack();
            self.young.memprof.track(Entry::new(v, wosize, samples, SRC_NORMAL, true), cs);
        }
        self.memprof_rearm(sampling && samples == 0);
        Some(v)
    }

    /// Sets the trigger again after an allocation below it: for the words left before the
    /// sampled one when it was not reached (`remaining`), a fresh draw otherwise.
    fn memprof_rearm(&mut self, remaining: bool) {
        if remaining {
            let w = self.young.memprof.rearm_young(self.young.minor.used_words());
            self.young.minor.set_trigger(w);
        } else {
            self.young.memprof_arm();
        }
    }

    /// A young block from bytecode whose allocation stopped at the arena's trigger, with
    /// room in the arena (the interpreter published the stack, its registers rooted on it):
    /// when sampled, the allocation callbacks run first (they may collect; the block is
    /// allocated after them, room made again if needed); an exception of theirs is the
    /// allocation's, and no block is allocated.
    pub fn sample_young_from_bytecode(&mut self, wosize: usize, tag: u8) -> Result<Value, Exn> {
        let whsize = wosize + 1;
        let used = self.young.minor.used_words();
        let sampling = self.young.memprof.sampling();
        let samples = if sampling { self.young.memprof.young_samples(used, whsize) } else { 0 };
        if samples == 0 {
            let v = self.young.try_alloc_past_trigger(wosize, tag, check::current_site());
            let v = v.unwrap_or_else(|| crate::fatal("the minor arena lost its room"));
            self.memprof_rearm(sampling);
            return Ok(v);
        }
        let cs = self.memprof_callstack();
        self.memprof_suspend(true);
        let config = self.young.memprof.entries.config;
        let mut e = Entry::new(Value::UNIT, wosize, samples, SRC_NORMAL, true);
        e.offset = true;
        e.callstack = cs;
        let me = self.young.memprof.current;
        self.young.memprof.thread(me).entries.t.push(e);
        let key = self.young.memprof.thread(me).entries.key;
        let r = match self.memprof_run_table(key) {
            Ok(()) => {
                while !self.young.young_fits(wosize) {
                    self.young.minor_wanted = true;
                    self.safepoint();
                }
                let v = self.young.try_alloc_past_trigger(wosize, tag, check::current_site());
                let v = v.unwrap_or_else(|| crate::fatal("the minor arena lost its room"));
                let mp = &mut self.young.memprof;
                for e in mp.thread(me).entries.t.iter_mut().filter(|e| e.offset) {
                    e.offset = false;
                    e.block = v;
                }
                if mp.entries.validated_config() == config {
                    mp.flush_thread(me);
                }
                Ok(v)
            }
            Err(e) => {
                self.young.memprof.thread(me).entries.clear_offsets();
                Err(e)
            }
        };
        self.memprof_suspend(false);
        r
    }

    /// Runs the callbacks due for the current thread (a pending action): the domain's
    /// table, the thread's own (whose entries then go to the domain's), the orphans'; the
    /// first exception stops them.
    pub fn run_memprof_callbacks(&mut self) -> Result<(), Exn> {
        {
            let mp = &mut self.young.memprof;
            if !mp.pending || mp.current_thread().suspended {
                return Ok(());
            }
        }
        self.memprof_suspend(true);
        let r = self.memprof_run_all();
        self.young.memprof.tidy_orphans();
        self.memprof_suspend(false);
        r
    }

    fn memprof_run_all(&mut self) -> Result<(), Exn> {
        let dkey = self.young.memprof.entries.key;
        self.memprof_run_table(dkey)?;
        let me = self.young.memprof.current;
        let tkey = self.young.memprof.thread(me).entries.key;
        self.memprof_run_table(tkey)?;
        self.young.memprof.flush_thread(me);
        let keys: Vec<u64> = self.young.memprof.orphans.iter().map(|o| o.key).collect();
        for k in keys {
            self.memprof_run_table(k)?;
        }
        Ok(())
    }

    /// Runs the callbacks due in the table `key` (while it exists), in order.
    pub fn memprof_run_table(&mut self, key: u64) -> Result<(), Exn> {
        let r = loop {
            let Some(t) = self.young.memprof.table(key) else { return Ok(()) };
            let config = t.validated_config();
            if config == Value::UNIT || !t.has_pending() {
                break Ok(());
            }
            let i = t.active;
            let e = &t.t[i];
            let cb = if e.deleted || e.runner.is_some() {
                None
            } else if e.callbacks & CB_ALLOC == 0 {
                if config::status(config) != config::SAMPLING {
                    // Sampling stopped (by an earlier callback): dropped.
                    t.delete(i);
                    continue;
                }
                Some(Cb::Alloc)
            } else if e.promoted && e.callbacks & CB_PROMOTE == 0 {
                Some(Cb::Promote)
            } else if e.deallocated && e.callbacks & CB_DEALLOC == 0 {
                Some(Cb::Dealloc)
            } else {
                None
            };
            match cb {
                None => t.active += 1,
                Some(cb) => {
                    if let Err(e) = self.memprof_run_one(key, i, cb) {
                        break Err(e);
                    }
                }
            }
        };
        if let Some(t) = self.young.memprof.table(key) {
            t.evict();
        }
        r
    }

    /// Runs callback `cb` for entry `i` of table `key`, and records what it returned.
    fn memprof_run_one(&mut self, key: u64, i: usize, cb: Cb) -> Result<(), Exn> {
        let me = self.young.memprof.current;
        let (id, config, young_cb, callstack) = {
            let Some(t) = self.young.memprof.table(key) else { return Ok(()) };
            let config = t.config;
            let e = &mut t.t[i];
            let young_cb = match cb {
                Cb::Alloc => e.alloc_young,
                _ => e.alloc_young && !e.promoted,
            };
            (e.id, config, young_cb, std::mem::take(&mut e.callstack))
        };
        // The argument (allocation never collects, so the values held here stay valid).
        let (f, arg) = match cb {
            Cb::Alloc => {
                let cs = self.alloc_tuple(0, &callstack);
                let Some(t) = self.young.memprof.table(key) else { return Ok(()) };
                let e = &t.t[i];
                let info = [
                    Value::of_int(e.samples as isize),
                    Value::of_int(e.wosize as isize),
                    Value::of_int(e.source as isize),
                    cs,
                ];
                let info = self.alloc_tuple(0, &info);
                let f = if young_cb { config::ALLOC_MINOR } else { config::ALLOC_MAJOR };
                (config::field(config, f), info)
            }
            Cb::Promote => {
                let t = self.young.memprof.table(key).expect("the table is there");
                (config::field(config, config::PROMOTE), t.t[i].user_data)
            }
            Cb::Dealloc => {
                let t = self.young.memprof.table(key).expect("the table is there");
                let f = if young_cb { config::DEALLOC_MINOR } else { config::DEALLOC_MAJOR };
                (config::field(config, f), t.t[i].user_data)
            }
        };
        {
            let t = self.young.memprof.table(key).expect("the table is there");
            let e = &mut t.t[i];
            e.runner = Some(me);
            e.callbacks |= match cb {
                Cb::Alloc => CB_ALLOC,
                Cb::Promote => CB_PROMOTE,
                Cb::Dealloc => CB_DEALLOC,
            };
            e.user_data = Value::UNIT;
        }
        let r = self.call(f, &[arg]);
        let mp = &mut self.young.memprof;
        let Some((k, j)) = mp.find(id, (key, i)) else { return r.map(|_| ()) };
        let t = mp.table(k).expect("found there");
        t.t[j].runner = None;
        if t.validated_config() == Value::UNIT {
            // The profile was discarded meanwhile: nothing to record.
            return r.map(|_| ());
        }
        match r {
            Err(e) => {
                t.delete(j);
                Err(e)
            }
            Ok(v) if !v.is_block() => {
                t.delete(j);
                Ok(())
            }
            Ok(v) => {
                // `Some x`: x is the entry's user data from now on.
                // SAFETY: an option's `Some` is a block of one field.
                let data = unsafe { v.field(0) };
                let e = &mut t.t[j];
                e.user_data = data;
                if e.deallocated || (e.promoted && cb != Cb::Promote) {
                    t.wake(j);
                }
                Ok(())
            }
        }
    }
}
