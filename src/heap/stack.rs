//! Bytecode stacks: a domain's main stack and the fibers' stacks (one per effect handler),
//! and the chains that fibers form through `parent`.
//!
//! Who holds a stack (no stack belongs to a domain for longer than it runs there):
//!
//! - **Running**: the domain's current stack and its ancestors through `parent` (the stacks
//!   that resumed it, up to the domain's main stack or a callback's cut, see
//!   `Domain::callback_parents`). They are the domain's roots, scanned by whoever collects.
//! - **Suspended**: a chain `first -> parent -> ... -> last` (last's parent null) that a
//!   perform captured belongs to its continuation, a `Cont_tag` block whose field 0 is
//!   `Val_ptr(first)` (the address plus one, an odd word that ordinary field scans skip) and
//!   field 1 `Val_ptr(last)`. Any domain may resume it. The collector reaches the chain only
//!   through the continuation: [`for_each_chain_slot`] from the promotion of a young
//!   continuation, from a remembered old one (a chain that gained young values while its
//!   continuation was old, see `gc::DomainGc::remembered_conts`), and from the marking of a
//!   continuation. So a chain is scanned once per collection, by the collector, whichever
//!   domain captured it. (The hardened checker's heap walks verify it there too.)
//! - **Taken**: a new fiber from `caml_alloc_stack`, or a chain that [`take_fiber`] took (the
//!   atomic "use" of a continuation, which exactly one taker wins), until the resume that
//!   follows without any safepoint in between; or for the length of a primitive that puts it
//!   back ([`replace_fiber`]). Nothing scans it meanwhile.
//!
//! A stack is freed when its fiber finishes (returns or raises out of its handler), or when
//! the activation that entered it is abandoned (a stack still of its first size is kept by
//! the domain instead, emptied, for its next fiber: `Domain::new_fiber`); never while a continuation or a domain can
//! reach it. The chain of a continuation dropped without being resumed is not freed (as the
//! stock runtime's), but no longer keeps anything alive: nothing scans it once its
//! continuation is dead.

use super::shim::{self, Buffer};
use super::value::{Value, WORD};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A bytecode stack (the main one, or a fiber's). Grows downwards; `high` is one past the
/// top word. A fiber's stack also holds its effect handlers and its parent: the stack that
/// resumed it (running), or the next fiber of its chain (suspended); null for a domain's main
/// stack, the last fiber of a suspended chain, and a callback's stack while it runs.
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

// SAFETY: a stack is used by one thread at a time (the domain running it, or the collector
// while the world is stopped); its pointers only point into `mem` or to other stacks.
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
        Stack {
            mem,
            sp: high,
            trap_off: 1,
            max_wsize,
            handlers: [Value::UNIT; 3],
            parent: std::ptr::null_mut(),
        }
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

impl Stack {
    /// Visits every value slot of this stack: the words in use and the handlers.
    pub fn visit(&mut self, f: &mut dyn FnMut(&mut Value)) {
        for v in self.live_mut() {
            f(v);
        }
        for h in self.handlers.iter_mut() {
            f(h);
        }
    }
}

/// Visits every value slot of the chain that starts at `first` and goes up through `parent`
/// (a suspended continuation's fibers, or a domain's running stacks).
///
/// # Safety
/// Every stack of the chain must be live and not be used by another thread meanwhile (the
/// world is stopped, or the chain is the caller's own).
pub unsafe fn for_each_chain_slot(first: *mut Stack, f: &mut dyn FnMut(&mut Value)) {
    let mut s = first;
    while !s.is_null() {
        // SAFETY: the caller's contract.
        let stack = unsafe { &mut *s };
        stack.visit(f);
        s = stack.parent;
    }
}

/// `Val_ptr(NULL)`: field 0 of a continuation that was used.
pub const NULL_FIBER: Value = Value(1);

/// The stack a `Val_ptr` word designates (null for [`NULL_FIBER`]).
#[inline(always)]
pub fn fiber_of(v: Value) -> *mut Stack {
    (v.0 & !1) as *mut Stack
}

/// The `Val_ptr` word of stack `s`.
#[inline(always)]
pub fn fiber_value(s: *mut Stack) -> Value {
    Value(s as usize | 1)
}

/// The first fiber of continuation `cont`'s chain, null when it was used (a plain read: for
/// the collector with the world stopped).
///
/// # Safety
/// `cont` must be a `Cont_tag` block (two fields).
#[inline]
pub unsafe fn cont_first(cont: Value) -> *mut Stack {
    // SAFETY: the caller's contract.
    fiber_of(unsafe { cont.field(0) })
}

/// Takes the chain out of continuation `cont`, leaving it used; returns its `Val_ptr(first)`,
/// or [`NULL_FIBER`] when the continuation was already used. Of several domains racing to
/// take one continuation, exactly one gets the chain (the stock runtime's compare-and-swap).
///
/// # Safety
/// `cont` must be a `Cont_tag` block (two fields).
#[inline]
pub unsafe fn take_fiber(cont: Value) -> Value {
    // SAFETY: field 0 of a live block is an aligned word; once the continuation is published,
    // every access to it while the world runs goes through this function or `replace_fiber`.
    let field = unsafe { AtomicUsize::from_ptr(cont.field_ptr(0) as *mut usize) };
    // AcqRel: the read-modify-write makes one taker win; acquire pairs with the release of
    // `replace_fiber` (a chain put back by another domain), release orders our earlier writes
    // before a later taker's view of the used continuation.
    Value(field.swap(NULL_FIBER.0, Ordering::AcqRel))
}

/// Puts chain `fiber` (a `Val_ptr`) into continuation `cont`: the chain a perform just
/// suspended into a new continuation, or one that [`take_fiber`] took and the caller puts
/// back (`caml_continuation_replace`).
///
/// # Safety
/// `cont` must be a `Cont_tag` block that is new or that the caller emptied, and `fiber` a
/// chain that the caller holds.
#[inline]
pub unsafe fn replace_fiber(cont: Value, fiber: Value) {
    // SAFETY: as in `take_fiber`.
    let field = unsafe { AtomicUsize::from_ptr(cont.field_ptr(0) as *mut usize) };
    // Release: the chain's words, written before, are visible to the next taker (which
    // acquires), whichever domain it runs on.
    field.store(fiber.0, Ordering::Release);
}
