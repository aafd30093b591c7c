//! A domain: one OCaml thread of execution with its own young state (minor arena,
//! remembered set, counters), bytecode stack, local roots and runtime tables. Primitives
//! receive `&mut Domain`.
//!
//! Invariants: every value the running program can reach is reachable from `visit_roots`
//! (the running stacks' `[sp, high)` and handlers, globals, named values, local roots, DLS,
//! pending exception, backtrace buffer, registered OCaml-side tables) or from a continuation
//! (a suspended fiber chain, see `heap::stack`); `stack.sp` is published before any call
//! that may collect, block or run OCaml code, and reloaded after. `heap_held` says whether
//! this domain holds the heap lock (see `lock`); collections, blocking sections and callbacks
//! give it up and take it back.

mod alloc;
pub mod c_call;
pub mod c_roots;
pub mod lock;
pub mod memprof;
pub mod pending;
mod stw_stats;
pub mod threads;

use crate::config::Config;
use crate::exn::{Exn, PrimResult};
use crate::gc::{DomainGc, Gc, RootVisitor, Roots};
use crate::heap::stack::for_each_chain_slot;
pub use crate::heap::stack::{Stack, FIBER_INIT_WSIZE, STACK_THRESHOLD};
use crate::heap::value::Value;
use lock::{GlobalTableRef, LockedRef, Shared};
use std::collections::HashMap;
use std::sync::Arc;

/// How many stacks of finished fibers a domain keeps for the next fibers (`fiber_cache`).
const FIBER_CACHE: usize = 16;

/// A primitive's implementation: the domain and the arguments, the result or an exception.
pub type PrimFn = fn(&mut Domain, &[Value]) -> PrimResult;

/// Calls an OCaml closure from Rust with the given arguments (installed by the interpreter).
pub type CallbackFn = fn(&mut Domain, Value, &[Value]) -> PrimResult;

pub struct Domain {
    /// The collector state shared by all domains (heap lock).
    pub gc: LockedRef<Gc>,
    /// This domain's own collector state.
    pub young: DomainGc,
    /// This domain holds the heap lock.
    pub heap_held: bool,
    pub shared: Arc<Shared>,
    /// The running stack (the main stack or the current fiber). It and its ancestors
    /// through `parent` are this domain's running stacks, whose words are roots; suspended
    /// fibers belong to their continuations, not to a domain (see `heap::stack`).
    pub stack: Box<Stack>,
    /// The parents cut off by the callbacks in progress, innermost last (a callback's stack
    /// has no parent while it runs, so that effects do not cross it): each is the start of
    /// another chain of this domain's running stacks.
    pub callback_parents: Vec<*mut Stack>,
    /// Stacks of fibers that finished, still of their first size, kept for the next
    /// fibers (at most [`FIBER_CACHE`]): a generator or a scheduler makes a fiber per
    /// handler, and a kept stack saves two allocations, two frees and the fill. Boxed: a
    /// fiber is its box's address (`Box::into_raw`), so a kept box is handed out again as is.
    #[allow(clippy::vec_box)]
    fiber_cache: Vec<Box<Stack>>,
    pub config: Arc<Config>,
    /// The global data table (a major block; SETGLOBAL goes through the write barrier). The
    /// interpreter reads this root without the heap lock (see `GlobalTableRef`).
    pub globals: GlobalTableRef,
    /// Values registered with `Callback.register` (shared by all domains).
    pub named: LockedRef<HashMap<Vec<u8>, Value>>,
    /// Roots held by primitives across callbacks; pushed and popped in LIFO order.
    pub local_roots: Vec<Value>,
    /// Domain-local storage (`Domain.DLS`).
    pub dls: Value,
    /// The exception being raised and its backtrace, as `Printexc` sees them.
    pub exn_bucket: Value,
    pub backtrace_active: bool,
    /// Code positions (instruction indices) of the last raised exception's backtrace.
    pub backtrace: Vec<usize>,
    pub backtrace_exn: Value,
    /// Extra values that a layer above keeps alive (e.g. channel lists), as roots.
    pub extra_roots: Vec<Value>,
    pub callback: CallbackFn,
    /// The next object id (`caml_fresh_oo_id`).
    pub oo_id: isize,
    /// Program arguments (`Sys.argv`), executable name.
    pub argv: Vec<Vec<u8>>,
    pub exe_name: Vec<u8>,
    /// Unique id (`Domain.self`), never reused; 0 is the main domain.
    pub id: usize,
    /// Slot index (`Domain.self_index`), reused after a domain exits.
    pub index: usize,
    /// State of the primitives (channels, bigarrays, backtrace info ...), owned by `prims`.
    pub prim_state: Box<dyn std::any::Any + Send>,
    /// The domain's systhreads and their master lock (see `threads`).
    pub threads: threads::Threads,
    /// A finalisation function of this domain is running (in any of its threads): the others
    /// wait until it returns or calls `Gc.finalise_release` (finalisers never nest).
    pub running_finaliser: bool,
    /// Address of this domain's thread's C local-root list head (`caml_state->local_roots`),
    /// 0 before its first C stub (see `c_roots`).
    pub c_local_roots: usize,
}

/// Every root of every domain, for a collection run by the leader of a stopped world.
struct AllRoots {
    domains: Vec<*mut Domain>,
    named: *mut HashMap<Vec<u8>, Value>,
    globals: *mut Value,
}

impl AllRoots {
    /// # Safety
    /// `d` must be a registered domain whose thread is stopped (it is the leader, or it is
    /// parked or outside the world with its roots published). Only the root fields are
    /// reached, through the raw pointer, so the leader's own `&mut Domain` and the young
    /// states the collector holds are not aliased.
    unsafe fn visit_domain(d: *mut Domain, f: RootVisitor<'_>) {
        // SAFETY: the caller's contract; each borrow below is of one field.
        unsafe {
            // The running chains: from the current stack, and from each callback's cut.
            // They are disjoint (a cut parent is reached from no other chain), so each
            // running stack is visited once.
            let current: *mut Stack = &mut *(*d).stack;
            for_each_chain_slot(current, f);
            for &p in &(*d).callback_parents {
                for_each_chain_slot(p, f);
            }
            for v in (*d).local_roots.iter_mut() {
                f(v);
            }
            f(&mut (*d).dls);
            f(&mut (*d).exn_bucket);
            f(&mut (*d).backtrace_exn);
            for v in (*d).extra_roots.iter_mut() {
                f(v);
            }
            threads::visit_thread_roots(std::ptr::addr_of_mut!((*d).threads), f);
            c_roots::visit_local((*d).c_local_roots, f);
        }
    }

    /// The young state of every domain.
    fn youngs(&self) -> Vec<*mut DomainGc> {
        // SAFETY: registered domains outlive the collection; only the field's address is taken.
        self.domains.iter().map(|&d| unsafe { std::ptr::addr_of_mut!((*d).young) }).collect()
    }
}

impl Roots for AllRoots {
    fn visit_roots(&mut self, f: RootVisitor<'_>) {
        for i in 0..self.domains.len() {
            self.visit_domain_roots(i, f);
        }
        self.visit_shared_roots(f);
    }

    fn visit_shared_roots(&self, f: RootVisitor<'_>) {
        // SAFETY: shared state, reached only by the leader.
        unsafe {
            for v in (*self.named).values_mut() {
                f(v);
            }
            f(&mut *self.globals);
        }
        c_roots::visit_global(f);
    }

    fn visit_domain_roots(&self, i: usize, f: RootVisitor<'_>) {
        // SAFETY: registered domains are stopped while the leader collects; only domain i's
        // root fields are reached (so distinct domains may be visited at once).
        unsafe { AllRoots::visit_domain(self.domains[i], f) };
    }
}

/// Roots of one domain only (the checker's poll-point verification, which runs while the
/// other domains run).
struct OwnRoots(*mut Domain);

impl Roots for OwnRoots {
    fn visit_roots(&mut self, f: RootVisitor<'_>) {
        self.visit_domain_roots(0, f);
    }

    fn visit_shared_roots(&self, _f: RootVisitor<'_>) {}

    fn visit_domain_roots(&self, _i: usize, f: RootVisitor<'_>) {
        // SAFETY: the domain is the caller itself, at a safepoint.
        unsafe { AllRoots::visit_domain(self.0, f) };
    }
}

/// A stopped world's result; `exiting` says the leader's domain ends with it (it is
/// unregistered before the world restarts).
trait WorkResult {
    fn exiting(&self) -> bool {
        false
    }
}
impl WorkResult for () {}
impl WorkResult for bool {}
/// The result of a domain's last stopped world.
struct Exiting;
impl WorkResult for Exiting {
    fn exiting(&self) -> bool {
        true
    }
}

/// A blocking section in progress: what [`Domain::leave_blocking_section`] must restore.
#[must_use = "a blocking section must be left"]
pub struct BlockingSection {
    relock: bool,
}

/// What a collection does beyond emptying the minor arenas.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Collect {
    /// Whatever is due: the minor collection this domain wants, a major cycle if requested.
    Due,
    /// A minor collection (`Gc.minor`).
    Minor,
    /// A minor collection and a whole major cycle.
    Major,
}

fn no_callback(_: &mut Domain, _: Value, _: &[Value]) -> PrimResult {
    Err(Exn::fatal("callback before the interpreter started"))
}

impl Domain {
    /// The main domain of a new runtime; it is inside the world (not holding the heap lock).
    pub fn new(config: Arc<Config>) -> Domain {
        let gc = Gc::new(config.gc_params(), config.max_domains);
        let shared = Arc::new(Shared::new(gc, config.max_domains));
        shared.enter();
        Domain::with_shared(config, shared, 0, 0)
    }

    /// A domain on `shared`'s heap in slot `index` (its thread must enter the world before
    /// running it). The caller holds the heap lock, or is creating the main domain.
    pub fn with_shared(
        config: Arc<Config>,
        shared: Arc<Shared>,
        id: usize,
        index: usize,
    ) -> Domain {
        // SAFETY: the pointers designate fields of the shared heap state, which lives as long
        // as `shared` (kept in the domain).
        let (gc, named, globals) = unsafe {
            let heap = shared.heap();
            (
                LockedRef::new(&mut heap.gc as *mut Gc),
                LockedRef::new(&mut heap.named as *mut HashMap<Vec<u8>, Value>),
                GlobalTableRef::new(&mut heap.globals as *mut Value),
            )
        };
        // SAFETY: as above (the heap lock is held, or no other domain exists yet).
        let young = unsafe { shared.heap() }.gc.new_young(index);
        let stack = Box::new(Stack::new(config.init_stack_wsize, config.max_stack_wsize));
        Domain {
            gc,
            young,
            heap_held: false,
            shared,
            stack,
            callback_parents: Vec::new(),
            fiber_cache: Vec::new(),
            config,
            globals,
            named,
            local_roots: Vec::new(),
            dls: Value::UNIT,
            exn_bucket: Value::UNIT,
            backtrace_active: false,
            backtrace: Vec::new(),
            backtrace_exn: Value::UNIT,
            extra_roots: Vec::new(),
            callback: no_callback,
            oo_id: 0,
            argv: Vec::new(),
            exe_name: Vec::new(),
            id,
            index,
            prim_state: Box::new(()),
            threads: threads::Threads::default(),
            running_finaliser: false,
            c_local_roots: 0,
        }
    }

    /// This domain's token for the collector's board while it is parked: the address of its
    /// young state, by which a minor collection's job finds the domain's own unit
    /// (`gc::helpers::Job::run`).
    fn helper_token(&self) -> usize {
        std::ptr::addr_of!(self.young) as usize
    }

    /// Takes the heap lock (which must not be held).
    pub fn lock_heap(&mut self) {
        debug_assert!(!self.heap_held, "heap lock taken twice");
        self.shared.lock_heap();
        self.heap_held = true;
    }

    /// Gives the heap lock back, first publishing whether shared work is due.
    pub fn unlock_heap(&mut self) {
        debug_assert!(self.heap_held, "heap lock released without being held");
        let due = self.gc.work_pending() || !self.gc.finalisers.due.is_empty();
        // Relaxed (both): a hint for the polls (see `lock` docs); only the heap lock's holder
        // writes it, so a load then a store is no race. The polls are called when it rises.
        if self.shared.work.load(std::sync::atomic::Ordering::Relaxed) != due {
            self.shared.work.store(due, std::sync::atomic::Ordering::Relaxed);
            if due {
                pending::call_attention();
            }
        }
        self.heap_held = false;
        self.shared.unlock_heap();
    }

    /// Runs `f` with the heap lock held (taking it for the call when not held already).
    #[inline]
    pub fn with_heap<R>(&mut self, f: impl FnOnce(&mut Domain) -> R) -> R {
        if self.heap_held {
            f(self)
        } else {
            self.lock_heap();
            let r = f(self);
            self.unlock_heap();
            r
        }
    }

    /// Adds this domain to the registry whose roots collections scan. The domain must not
    /// move until `unregister`. Heap lock held.
    pub fn register(&mut self) {
        let me = self as *mut Domain;
        // SAFETY: the heap lock is held (or the world is not running yet).
        let heap = unsafe { self.shared.heap() };
        if !heap.domains.contains(&me) {
            heap.domains.push(me);
        }
    }
    /// Removes this domain from the registry and frees its slot. Heap lock held or world
    /// stopped, the domain's arena empty.
    pub fn unregister(&mut self) {
        let me = self as *mut Domain;
        // SAFETY: the caller's contract.
        let heap = unsafe { self.shared.heap() };
        heap.domains.retain(|&d| d != me);
        if let Some(s) = heap.slots_used.get_mut(self.index) {
            *s = false;
        }
    }

    /// Stops the world with this domain as leader and runs `work` with the shared collector,
    /// every domain's young state (the leader's first) and every root. Returns None without running `work` when
    /// another domain led a collection meanwhile and `still_needed` says this one is no
    /// longer wanted. Only at a safepoint (roots published); gives up the heap lock for the
    /// time it waits, and holds it while `work` runs.
    fn stopped_world<R: WorkResult>(
        &mut self,
        still_needed: impl Fn(&Domain) -> bool,
        work: impl FnOnce(&mut Gc, &[*mut DomainGc], &mut AllRoots, *mut Domain) -> R,
    ) -> Option<R> {
        let relock = self.heap_held;
        if relock {
            self.unlock_heap();
        }
        loop {
            if self.shared.stop_world(self.helper_token()) {
                break;
            }
            if !still_needed(self) {
                if relock {
                    self.lock_heap();
                }
                return None;
            }
        }
        self.lock_heap();
        crate::events::begin(crate::events::Phase::StwLeader);
        let result = {
            let me = self as *mut Domain;
            let shared = self.shared.clone();
            // SAFETY: the world is stopped and we hold the heap lock: the shared heap is ours
            // and every other registered domain is stopped with its roots published.
            let heap = unsafe { shared.heap() };
            let mut roots = AllRoots {
                domains: heap.domains.clone(),
                named: &mut heap.named,
                globals: &mut heap.globals,
            };
            // The leader first: its young state is `youngs[0]` (its unit is the leader's own in
            // a minor collection, with the roots of no domain).
            roots.domains.retain(|&d| d != me);
            roots.domains.insert(0, me);
            let youngs = roots.youngs();
            let r = work(&mut heap.gc, &youngs, &mut roots, me);
            if r.exiting() {
                heap.domains.retain(|&d| d != me);
                if let Some(s) = heap.slots_used.get_mut(self.index) {
                    *s = false;
                }
            }
            r
        };
        crate::events::end(crate::events::Phase::StwLeader);
        self.unlock_heap();
        self.shared.restart_world();
        if relock {
            self.lock_heap();
        }
        Some(result)
    }

    /// Runs a collection: `Due` is what this domain or the shared heap asked for (nothing if
    /// another domain's collection did it meanwhile).
    pub fn collect(&mut self, what: Collect) {
        let still = move |d: &Domain| {
            what != Collect::Due
                || d.young.minor_wanted
                || d.shared.work.load(std::sync::atomic::Ordering::Relaxed)
        };
        self.stopped_world(still, |gc, youngs, roots, _| {
            stw_stats::minor(youngs.iter().map(|&y| {
                // SAFETY: world stopped: every domain's young state is the leader's to read.
                let m = unsafe { &(*y).minor };
                (m.used_words() * 1000 / m.wsize().max(1)) as u64
            }));
            gc.minor_collection(youngs, roots);
            // The minor collection's slice of major work may be the one that makes a cycle
            // due.
            if what == Collect::Major || gc.major_requested {
                gc.major_cycle(youngs, roots);
            }
        });
    }
    /// Runs `work` with every other domain stopped (at a safepoint, as `collect`).
    pub fn with_world_stopped(&mut self, work: impl FnOnce()) {
        self.stopped_world(|_| true, |_, _, _, _| work());
    }
    pub fn minor_collection(&mut self) {
        self.collect(Collect::Minor);
    }
    pub fn full_major(&mut self) {
        self.collect(Collect::Major);
    }

    /// Gives this domain's minor arena `wsize` words (normalised; `Gc.set`): a minor
    /// collection, then the resize, in one stopped world. Other domains keep theirs. False
    /// when the memory cannot be reserved.
    pub fn resize_minor(&mut self, wsize: usize) -> bool {
        self.stopped_world(
            |_| true,
            |gc, youngs, roots, me| {
                gc.minor_collection(youngs, roots);
                // SAFETY: `me` is this domain; only its young field's address is taken.
                let mine = unsafe { std::ptr::addr_of_mut!((*me).young) };
                let Some(i) = youngs.iter().position(|&y| y == mine) else {
                    return false;
                };
                gc.resize_minor(wsize, youngs, i)
            },
        )
        .unwrap_or(false)
    }

    /// The end of a domain: empties every arena (its young blocks may be reachable from
    /// other domains), hands its counters to the exited total and unregisters it, in one
    /// stopped world (so no one sees its counters twice or not at all), then leaves the
    /// world, for good.
    pub fn exit_world(&mut self) {
        self.stopped_world(
            |_| true,
            |gc, youngs, roots, me| {
                gc.minor_collection(youngs, roots);
                // SAFETY: `me` is this domain; only its young field is used. The minor
                // collection flushed its counters; its pools become the heap's.
                let alloc = unsafe { (*me).young.alloc };
                gc.stats.exited.add(&alloc);
                gc.adopt_pools(youngs);
                // SAFETY: as above; the arena was just emptied, the slot is unused from now on.
                let slot = unsafe { (*me).young.minor.slot };
                gc.space.release_slot(slot);
                Exiting
            },
        );
        self.shared.leave();
    }

    /// At a safepoint (poll point or allocation, roots published, heap lock not held): parks
    /// if another domain stops the world, runs the collections due, and the checker's
    /// poll-point verification.
    pub fn safepoint(&mut self) {
        if self.shared.stop.load(std::sync::atomic::Ordering::Relaxed) {
            self.shared.park(self.helper_token());
        }
        match crate::check::take_forced(&mut self.young.check) {
            1 => self.young.minor_wanted = true,
            2 => {
                self.with_heap(|d| d.gc.major_requested = true);
            }
            _ => {}
        }
        if self.young.minor_wanted || self.shared.work.load(std::sync::atomic::Ordering::Relaxed) {
            let major = self.with_heap(|d| d.gc.major_requested);
            if self.young.minor_wanted || major {
                self.collect(Collect::Due);
                return;
            }
        }
        if crate::check::wants_safepoint(&self.young.check) {
            let me = self as *mut Domain;
            self.with_heap(|d| {
                let heap = &mut *d.gc;
                let allocated = d.young.allocated_words();
                let mut own = OwnRoots(me);
                crate::check::at_poll(
                    &mut heap.check,
                    &mut d.young.check,
                    crate::check::HeapRefs {
                        young: &[crate::check::YoungRefs {
                            minor: &d.young.minor,
                            remembered: &d.young.remembered,
                            conts: &d.young.remembered_conts,
                            pools: &d.young.pools,
                        }],
                        major: &heap.major,
                        allocated,
                    },
                    &mut |f| own.visit_roots(f),
                );
            });
        }
    }

    /// Runs `f` outside the world, so other domains run and collect meanwhile (a blocking
    /// call), and, with systhreads, without the master lock, so the domain's other threads
    /// run too. `f` must not touch OCaml values: they may move or die while it runs, so what
    /// the caller needs afterwards it keeps in `local_roots` or on the stack.
    pub fn blocking_section<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let section = self.enter_blocking_section();
        let r = f();
        self.leave_blocking_section(section);
        r
    }

    /// Leaves the runtime for a blocking call (the stock `caml_enter_blocking_section`): gives
    /// up the heap lock if held, leaves the world, then gives up the thread's turn (the
    /// master lock). Until the matching [`Domain::leave_blocking_section`], the caller must
    /// not touch the domain or OCaml values. Sections do not nest.
    pub fn enter_blocking_section(&mut self) -> BlockingSection {
        let relock = self.heap_held;
        if relock {
            self.unlock_heap();
        }
        self.shared.leave();
        self.release_thread_turn();
        BlockingSection { relock }
    }

    /// Comes back from a blocking call (`caml_leave_blocking_section`): waits for the
    /// thread's turn, enters the world, puts the thread's state back, and retakes the heap
    /// lock if [`Domain::enter_blocking_section`] gave it up.
    pub fn leave_blocking_section(&mut self, section: BlockingSection) {
        self.enter_with_thread_turn();
        if section.relock {
            self.lock_heap();
        }
    }

    /// Lets a waiting leader stop the world now (`Domain.cpu_relax`, spin loops).
    pub fn relax(&mut self) {
        if self.shared.stop.load(std::sync::atomic::Ordering::Relaxed) {
            self.blocking_section(|| ());
        }
    }

    /// Makes the stack at `next` the running one; returns the previous running stack's
    /// address (which stays allocated: it becomes `next`'s parent, a continuation's, or is
    /// freed by the caller).
    ///
    /// # Safety
    /// `next` must be a live stack that no domain runs and nothing else will switch to: a
    /// parent of the running stack, or a fiber the caller took out of its continuation or
    /// just created.
    pub unsafe fn switch_stack(&mut self, next: *mut Stack) -> *mut Stack {
        // SAFETY: every stack comes from `Box::into_raw` (`new_fiber`, or this function for
        // a domain's main stack), and the caller hands `next` over to us.
        let next = unsafe { Box::from_raw(next) };
        Box::into_raw(std::mem::replace(&mut self.stack, next))
    }
    /// Creates a fiber stack with the given handlers (held by the caller until it resumes
    /// it: no collection may happen in between, since nothing scans it yet): a kept stack
    /// if there is one, else a new one.
    pub fn new_fiber(&mut self, handlers: [Value; 3]) -> *mut Stack {
        let max_wsize = self.stack.max_wsize;
        let mut s = match self.fiber_cache.pop() {
            Some(mut s) => {
                // Only `[sp, high)` and the handlers are ever read: the words below `sp`
                // are written before they are pushed.
                s.sp = s.high();
                s.trap_off = 1;
                s.max_wsize = max_wsize;
                s
            }
            None => Box::new(Stack::new(FIBER_INIT_WSIZE, max_wsize)),
        };
        s.handlers = handlers;
        Box::into_raw(s)
    }
    /// Frees a fiber that finished, or keeps its stack for the next fiber.
    ///
    /// # Safety
    /// `p` must be a stack from `new_fiber`, not running, that nothing refers to any more.
    pub unsafe fn free_fiber(&mut self, p: *mut Stack) {
        // SAFETY: the caller's contract.
        let mut s = unsafe { Box::from_raw(p) };
        if s.wsize() == FIBER_INIT_WSIZE && self.fiber_cache.len() < FIBER_CACHE {
            // A kept stack holds no values: nothing scans it, and none stays reachable.
            s.handlers = [Value::UNIT; 3];
            s.parent = std::ptr::null_mut();
            self.fiber_cache.push(s);
        }
    }

    /// Calls closure `f` on `args` (may run the GC: root what you hold). The heap lock is
    /// given up for the call.
    pub fn call(&mut self, f: Value, args: &[Value]) -> PrimResult {
        let relock = self.heap_held;
        if relock {
            self.unlock_heap();
        }
        let r = (self.callback)(self, f, args);
        if relock {
            self.lock_heap();
        }
        r
    }

    /// Builds a list from values (allocates; the values must be rooted or not yet exposed).
    pub fn alloc_list(&mut self, items: &[Value]) -> Value {
        let mut l = Value::EMPTY_LIST;
        for &x in items.iter().rev() {
            l = self.alloc_tuple(0, &[x, l]);
        }
        l
    }
    /// `Some v`.
    pub fn alloc_some(&mut self, v: Value) -> Value {
        self.alloc_tuple(0, &[v])
    }
    /// An OCaml string from Rust text.
    pub fn alloc_str(&mut self, s: &str) -> Value {
        self.alloc_bytes_from(s.as_bytes())
    }

    /// Turns an `Exn` into the OCaml exception value to raise.
    pub fn exn_value(&mut self, e: &Exn) -> Option<Value> {
        match e {
            Exn::Raise(v) => Some(*v),
            Exn::Constant(slot) => Some(self.global(*slot)),
            Exn::WithString(slot, msg) => Some(self.exn_with_string(*slot, msg)),
            Exn::Fatal(_) | Exn::Unimplemented(_) | Exn::Exit(_) => None,
        }
    }
    /// The predefined exception in global `slot` with its string argument: out of line, so
    /// that the raise paths that inline [`Domain::exn_value`] (the interpreter's) stay small.
    #[cold]
    #[inline(never)]
    fn exn_with_string(&mut self, slot: usize, msg: &str) -> Value {
        let s = self.alloc_str(msg);
        let tag = self.global(slot);
        self.alloc_tuple(0, &[tag, s])
    }
    /// Global slot `i` (no bounds check beyond the table's own).
    pub fn global(&self, i: usize) -> Value {
        // SAFETY: the loader validated that the global table has the predefined slots.
        unsafe { self.globals.get().field(i) }
    }
    /// A named value registered with `Callback.register` (taking the heap lock if needed:
    /// another domain may register one meanwhile).
    pub fn named_value(&mut self, name: &str) -> Option<Value> {
        self.with_heap(|d| d.named.get(name.as_bytes()).copied())
    }
    /// The exception (or constructor) registered as `name` that the runtime raises itself
    /// (`Effect.Unhandled`, `Effect.Continuation_already_resumed`). When the module that
    /// registers it is not linked, the program ends as under the stock runtime: "Fatal error:
    /// exception NAME" and status 2 at once, with no flush of the channels and no `at_exit`.
    pub fn named_exception(&mut self, name: &str) -> Value {
        self.named_value(name).unwrap_or_else(|| crate::fatal(&format!("exception {name}")))
    }
}
