//! A domain: one OCaml thread of execution with its own collector state, bytecode stack,
//! local roots and runtime tables. Primitives receive `&mut Domain`.
//!
//! Invariants: every value the running program can reach is reachable from `visit_roots`
//! (stack `[sp, high)`, globals, named values, local roots, DLS, pending exception,
//! backtrace buffer, registered OCaml-side tables); `stack.sp` is published before any call
//! that may collect or run OCaml code, and reloaded after.

pub mod lock;

use crate::config::Config;
use crate::exn::{Exn, PrimResult};
use crate::gc::{Gc, RootVisitor, Roots};
use crate::heap::shim::{self, Buffer};
use crate::heap::value::{Value, WORD};
use lock::{LockedRef, Shared};
use std::collections::HashMap;
use std::sync::Arc;

/// A bytecode stack (the main one, or a fiber's). Grows downwards; `high` is one past the
/// top word. A fiber's stack also holds its effect handlers and its parent (the stack that
/// resumed it; null when it is the main stack or suspended).
pub struct Stack {
    /// The stack's words, in shim memory (see `heap::shim`).
    mem: Buffer<Value>,
    pub sp: *mut Value,
    /// Trap (exception handler) offset: `trap_sp - high` in words, or 1 for "no handler".
    pub trap_off: isize,
    pub max_wsize: usize,
    /// `handle_value`, `handle_exn`, `handle_effect` closures (units for the main stack).
    pub handlers: [Value; 3],
    pub parent: *mut Stack,
}

// SAFETY: the stack belongs to one domain; pointers only point into `mem`.
unsafe impl Send for Stack {}

/// Words kept free below `sp` after every stack check (the compiler relies on 32 + margin).
pub const STACK_THRESHOLD: usize = 32;
/// Initial size of a fiber's stack, in words (the stock runtime's `caml_fiber_wsz`).
pub const FIBER_INIT_WSIZE: usize = 64;

impl Stack {
    pub fn new(init_wsize: usize, max_wsize: usize) -> Stack {
        let mut mem = Buffer::filled(init_wsize, Value::UNIT, shim::Kind::Stack);
        // SAFETY: one past the end of the allocation.
        let high = unsafe { mem.as_mut_ptr().add(init_wsize) };
        Stack { mem, sp: high, trap_off: 1, max_wsize, handlers: [Value::UNIT; 3], parent: std::ptr::null_mut() }
    }
    #[inline(always)]
    pub fn high(&self) -> *mut Value {
        self.mem.as_ptr().wrapping_add(self.mem.len()) as *mut Value
    }
    #[inline(always)]
    pub fn low(&self) -> *mut Value {
        self.mem.as_ptr() as *mut Value
    }
    /// The threshold below which `sp` must not go without growing.
    #[inline(always)]
    pub fn threshold(&self) -> *mut Value {
        self.mem.as_ptr().wrapping_add(STACK_THRESHOLD) as *mut Value
    }
    pub fn wsize(&self) -> usize {
        self.mem.len()
    }
    /// Words in use.
    pub fn used(&self) -> usize {
        (self.high() as usize - self.sp as usize) / WORD
    }
    /// Makes room for `extra` more words below `sp`; false if the limit is reached.
    pub fn grow(&mut self, extra: usize) -> bool {
        let used = self.used();
        let need = used + extra + STACK_THRESHOLD;
        if need <= self.mem.len() {
            return true;
        }
        let mut size = self.mem.len().max(64);
        while size < need {
            size *= 2;
        }
        if size > self.max_wsize {
            if need > self.max_wsize {
                return false;
            }
            size = self.max_wsize;
        }
        let mut mem = Buffer::filled(size, Value::UNIT, shim::Kind::Stack);
        mem[size - used..].copy_from_slice(&self.mem[self.mem.len() - used..]);
        self.mem = mem;
        // SAFETY: size - used is within the new allocation.
        self.sp = unsafe { self.mem.as_mut_ptr().add(size - used) };
        true
    }
    /// The words in use, top of stack first.
    pub fn live_mut(&mut self) -> &mut [Value] {
        let used = self.used();
        let len = self.mem.len();
        &mut self.mem[len - used..]
    }
}

/// A primitive's implementation: the domain and the arguments, the result or an exception.
pub type PrimFn = fn(&mut Domain, &[Value]) -> PrimResult;

/// Calls an OCaml closure from Rust with the given arguments (installed by the interpreter).
pub type CallbackFn = fn(&mut Domain, Value, &[Value]) -> PrimResult;

pub struct Domain {
    /// The collector state, shared by all domains (runtime lock).
    pub gc: LockedRef<Gc>,
    pub shared: Arc<Shared>,
    /// When this domain last took the runtime lock.
    pub slice_start: std::time::Instant,
    /// The running stack (the main stack or the current fiber).
    pub stack: Box<Stack>,
    /// Every other stack of this domain (parents and suspended fibers), by address; their
    /// words are roots. A stack is either `stack` or in this set, never both.
    pub fibers: std::collections::HashSet<usize>,
    pub config: Arc<Config>,
    /// The global data table (a major block; SETGLOBAL goes through the write barrier).
    pub globals: LockedRef<Value>,
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
}

/// Every root of every domain, for a collection run by the runtime-lock holder.
struct AllRoots {
    domains: Vec<*mut Domain>,
    named: *mut HashMap<Vec<u8>, Value>,
    globals: *mut Value,
}

impl AllRoots {
    /// # Safety
    /// `d` must be a registered domain whose thread is stopped (it is the caller, or it waits
    /// for the runtime lock with its roots published).
    unsafe fn visit_domain(d: *mut Domain, f: RootVisitor<'_>) {
        // SAFETY: the caller's contract; fields are reached through the raw pointer only.
        let d = unsafe { &mut *d };
        for v in d.stack.live_mut() {
            f(v);
        }
        for h in d.stack.handlers.iter_mut() {
            f(h);
        }
        for &p in &d.fibers {
            // SAFETY: the set holds live stacks owned by this domain, none of them `stack`.
            let other = unsafe { &mut *(p as *mut Stack) };
            for v in other.live_mut() {
                f(v);
            }
            for h in other.handlers.iter_mut() {
                f(h);
            }
        }
        for v in d.local_roots.iter_mut() {
            f(v);
        }
        f(&mut d.dls);
        f(&mut d.exn_bucket);
        f(&mut d.backtrace_exn);
        for v in d.extra_roots.iter_mut() {
            f(v);
        }
    }
}

impl Roots for AllRoots {
    fn visit_roots(&mut self, f: RootVisitor<'_>) {
        for &d in &self.domains {
            // SAFETY: registered domains are stopped while the lock holder collects.
            unsafe { AllRoots::visit_domain(d, f) };
        }
        // SAFETY: shared state, reached only by the lock holder.
        unsafe {
            for v in (*self.named).values_mut() {
                f(v);
            }
            f(&mut *self.globals);
        }
    }
}

fn no_callback(_: &mut Domain, _: Value, _: &[Value]) -> PrimResult {
    Err(Exn::fatal("callback before the interpreter started"))
}

impl Domain {
    /// The main domain of a new runtime; it holds the runtime lock.
    pub fn new(config: Arc<Config>) -> Domain {
        let gc = Gc::new(config.gc_params());
        let shared = Arc::new(Shared::new(gc, config.max_domains));
        let slice_start = shared.acquire();
        let mut d = Domain::with_shared(config, shared, 0, 0);
        d.slice_start = slice_start;
        d
    }

    /// A domain on `shared`'s heap (its thread must acquire the lock before running it).
    pub fn with_shared(config: Arc<Config>, shared: Arc<Shared>, id: usize, index: usize) -> Domain {
        // SAFETY: the pointers designate fields of the shared heap state, which lives as long
        // as `shared` (kept in the domain).
        let (gc, named, globals) = unsafe {
            let heap = shared.heap();
            (
                LockedRef::new(&mut heap.gc as *mut Gc),
                LockedRef::new(&mut heap.named as *mut HashMap<Vec<u8>, Value>),
                LockedRef::new(&mut heap.globals as *mut Value),
            )
        };
        let stack = Box::new(Stack::new(config.init_stack_wsize, config.max_stack_wsize));
        Domain {
            gc,
            shared,
            slice_start: std::time::Instant::now(),
            stack,
            fibers: std::collections::HashSet::new(),
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
        }
    }

    /// Runs `work` on the shared collector with the roots of every domain.
    fn with_all_roots(&mut self, work: impl FnOnce(&mut Gc, &mut AllRoots)) {
        let me = self as *mut Domain;
        let shared = self.shared.clone();
        // SAFETY: we hold the runtime lock, so the shared heap is ours and every other
        // registered domain is stopped with its roots published.
        let heap = unsafe { shared.heap() };
        let mut roots = AllRoots {
            domains: heap.domains.clone(),
            named: &mut heap.named,
            globals: &mut heap.globals,
        };
        if !roots.domains.contains(&me) {
            roots.domains.push(me);
        }
        work(&mut heap.gc, &mut roots);
    }

    /// Adds this domain to the registry whose roots collections scan. The domain must not
    /// move until `unregister`.
    pub fn register(&mut self) {
        let me = self as *mut Domain;
        // SAFETY: we hold the runtime lock.
        let heap = unsafe { self.shared.heap() };
        if !heap.domains.contains(&me) {
            heap.domains.push(me);
        }
    }
    /// Removes this domain from the registry and frees its slot.
    pub fn unregister(&mut self) {
        let me = self as *mut Domain;
        // SAFETY: we hold the runtime lock.
        let heap = unsafe { self.shared.heap() };
        heap.domains.retain(|&d| d != me);
        if let Some(s) = heap.slots_used.get_mut(self.index) {
            *s = false;
        }
    }

    /// Does the pending collection work. Only at a safepoint: `stack.sp` published and every
    /// live value on the stack or in the root tables.
    pub fn gc_safepoint(&mut self) {
        self.with_all_roots(|gc, roots| gc.do_pending_work(roots));
    }
    pub fn minor_collection(&mut self) {
        self.with_all_roots(|gc, roots| gc.minor_collection(roots));
    }
    pub fn full_major(&mut self) {
        self.with_all_roots(|gc, roots| gc.full_major(roots));
    }

    /// Runs `f` without the runtime lock, so other domains can run meanwhile (a blocking
    /// call). `f` must not touch OCaml values: they may move or die while it runs, so what
    /// the caller needs afterwards it keeps in `local_roots` or on the stack.
    pub fn blocking_section<R>(&mut self, f: impl FnOnce() -> R) -> R {
        self.shared.release();
        let r = f();
        self.slice_start = self.shared.acquire();
        r
    }

    /// At a safepoint: gives the runtime lock to a waiting domain if this one has had it for
    /// a whole time slice.
    pub fn maybe_yield(&mut self) {
        // Relaxed: a hint; see `lock` docs.
        if self.shared.yield_requested.load(std::sync::atomic::Ordering::Relaxed)
            && self.slice_start.elapsed() >= lock::TIME_SLICE
        {
            self.yield_now();
        }
    }
    /// Gives the runtime lock to the domains waiting for it, then takes it back.
    pub fn yield_now(&mut self) {
        self.blocking_section(|| ());
    }

    /// Makes the stack at `next` (a fiber of this domain, in `fibers`) the running one; the
    /// previous running stack joins `fibers`. Returns the previous stack's address.
    ///
    /// # Safety
    /// `next` must be a stack of this domain that is in `fibers`.
    pub unsafe fn switch_stack(&mut self, next: *mut Stack) -> *mut Stack {
        self.fibers.remove(&(next as usize));
        // SAFETY: `next` came from `Box::into_raw` (see `new_fiber`), and is owned by no one
        // else now that it left `fibers`.
        let next = unsafe { Box::from_raw(next) };
        let prev = Box::into_raw(std::mem::replace(&mut self.stack, next));
        self.fibers.insert(prev as usize);
        prev
    }
    /// Creates a fiber stack with the given handlers; it starts in `fibers`.
    pub fn new_fiber(&mut self, handlers: [Value; 3]) -> *mut Stack {
        let mut s = Box::new(Stack::new(FIBER_INIT_WSIZE, self.stack.max_wsize));
        s.handlers = handlers;
        let p = Box::into_raw(s);
        self.fibers.insert(p as usize);
        p
    }
    /// Frees a fiber that finished (it must be in `fibers`).
    ///
    /// # Safety
    /// `p` must be a stack of this domain in `fibers` that nothing refers to any more.
    pub unsafe fn free_fiber(&mut self, p: *mut Stack) {
        if self.fibers.remove(&(p as usize)) {
            // SAFETY: p came from `Box::into_raw` and has just left the only owner set.
            drop(unsafe { Box::from_raw(p) });
        }
    }

    /// Calls closure `f` on `args` (may run the GC: root what you hold).
    pub fn call(&mut self, f: Value, args: &[Value]) -> PrimResult {
        (self.callback)(self, f, args)
    }

    /// Runs the finalisers that are due (at a safepoint).
    pub fn run_finalisers(&mut self) -> Result<(), Exn> {
        while let Some(fin) = self.gc.finalisers.take_due() {
            self.call(fin.func, &[fin.value])?;
        }
        Ok(())
    }

    // Allocation helpers for primitives (never collect; see `gc` docs).
    #[inline]
    pub fn alloc_block(&mut self, tag: u8, wosize: usize) -> Value {
        self.gc.alloc_block(tag, wosize)
    }
    #[inline]
    pub fn alloc_tuple(&mut self, tag: u8, fields: &[Value]) -> Value {
        self.gc.alloc_tuple(tag, fields)
    }
    #[inline]
    pub fn alloc_string(&mut self, len: usize) -> Value {
        self.gc.alloc_string(len)
    }
    #[inline]
    pub fn alloc_bytes_from(&mut self, s: &[u8]) -> Value {
        self.gc.alloc_bytes_from(s)
    }
    #[inline]
    pub fn alloc_float(&mut self, f: f64) -> Value {
        self.gc.alloc_float(f)
    }
    #[inline]
    pub fn alloc_float_array(&mut self, n: usize) -> Value {
        self.gc.alloc_float_array(n)
    }
    #[inline]
    pub fn initialize(&mut self, block: Value, i: usize, v: Value) {
        self.gc.initialize(block, i, v)
    }
    #[inline]
    pub fn modify(&mut self, block: Value, i: usize, v: Value) {
        self.gc.modify(block, i, v)
    }
    /// A custom block with `data_bytes` bytes of data after the ops word.
    pub fn alloc_custom(&mut self, ops: &'static crate::heap::custom::CustomOps, data_bytes: usize) -> Value {
        let wosize = 1 + data_bytes.div_ceil(WORD);
        // Blocks with a finaliser live in the major heap, where the sweeper finalises them.
        let v = if ops.finalize.is_some() {
            self.gc.alloc_shr(wosize, crate::heap::value::CUSTOM_TAG)
        } else {
            self.gc.alloc(wosize, crate::heap::value::CUSTOM_TAG)
        };
        // SAFETY: v has wosize >= 1 words; word 0 holds the ops pointer, the rest is zeroed.
        unsafe {
            v.set_raw(0, ops as *const _ as usize);
            for i in 1..wosize {
                v.set_raw(i, 0);
            }
        }
        v
    }
    /// Records out-of-heap memory held by a custom block, to pace the major GC.
    pub fn note_extra_memory(&mut self, bytes: usize) {
        self.gc.extra_bytes += bytes;
        self.gc.note_major_alloc(0);
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
            Exn::WithString(slot, msg) => {
                let s = self.alloc_str(msg);
                let tag = self.global(*slot);
                Some(self.alloc_tuple(0, &[tag, s]))
            }
            Exn::Fatal(_) | Exn::Unimplemented(_) | Exn::Exit(_) => None,
        }
    }
    /// Global slot `i` (no bounds check beyond the table's own).
    pub fn global(&self, i: usize) -> Value {
        // SAFETY: the loader validated that the global table has the predefined slots.
        unsafe { (*self.globals).field(i) }
    }
    /// A named value registered with `Callback.register`.
    pub fn named_value(&self, name: &str) -> Option<Value> {
        self.named.get(name.as_bytes()).copied()
    }
}
