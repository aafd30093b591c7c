//! The primitive table: the functions `C_CALL` instructions name by number, with how each
//! is called (under the heap lock, without it, or, for a C stub in production builds,
//! straight through its trampoline at its C address), its name, and which built-in it is
//! (`ops::builtin`: the primitives the interpreter runs inline, recognised by name when bound).
//! It is bound at start-up and grows when a
//! loaded fragment needs a primitive the program did not have (`Dynlink`, the toplevel:
//! `caml_dynlink_add_primitive`), without moving: running code on any domain keeps reading it.
//!
//! Invariants: the table has a fixed capacity; entries below `len` never change; an entry is
//! written before `len` covers it, and code that calls it is validated against `len` and
//! published by the code area (`CodeArea`) after, so a domain that runs the code reads the
//! written entry (see `get`). Additions are serialised by the names' lock.

use super::builtin_kind::Builtin;
use super::zeroed::Zeroed;
use crate::domain::PrimFn;
use std::sync::atomic::{AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};

/// Primitives that loaded fragments may add to the program's.
const ROOM_FOR_ADDED: usize = 4096;

/// How a primitive is called ([`PrimTable::get`]).
pub mod kind {
    /// Its function, under the heap lock.
    pub const LOCKED: u8 = 0;
    /// Its function, without the heap lock.
    pub const LOCK_FREE: u8 = 1;
    /// A C stub (without the heap lock), through its trampoline at [`super::PrimTable::c_addr`]
    /// when the arguments are in registers (`C_CALL1`..`C_CALL5`); its function otherwise.
    pub const DIRECT_C: u8 = 2;
}

/// The kind of a primitive that may (`lock_free`) run without the heap lock, and is a C stub
/// at `c_addr` unless that is 0.
fn kind_of(lock_free: bool, c_addr: usize) -> u8 {
    match (c_addr, lock_free) {
        (0, false) => kind::LOCKED,
        (0, true) => kind::LOCK_FREE,
        _ => kind::DIRECT_C,
    }
}

/// A primitive's `Builtin` and C address in one word (the address shifted left by 8 above
/// the built-in's number: user-space addresses have their top byte clear), so that the
/// interpreter's `C_CALL1`..`C_CALL3` find both with one load (the compiler reads the word
/// once for `builtin` and `c_addr` when the load cannot be reordered past anything).
struct Inline;

impl Inline {
    /// Whether `c_addr` has room for the shift (else the primitive is not called straight).
    fn fits(c_addr: usize) -> bool {
        c_addr >> (usize::BITS - 8) == 0
    }

    #[inline(always)]
    fn word(b: Builtin, c_addr: usize) -> usize {
        (c_addr << 8) | b as usize
    }

    /// # Safety
    /// `w` was made by [`Inline::word`].
    #[inline(always)]
    unsafe fn builtin(w: usize) -> Builtin {
        // SAFETY: the caller's: the low byte is `b as u8` for some `Builtin` `b`.
        unsafe { Builtin::from_u8(w as u8) }
    }

    #[inline(always)]
    fn c_addr(w: usize) -> usize {
        w >> 8
    }
}

/// The program's primitives.
pub struct PrimTable {
    fns: Zeroed<AtomicPtr<()>>,
    kinds: Zeroed<AtomicU8>,
    /// Per number, what `C_CALL1`..`C_CALL3` read first, in one word ([`Inline`]): which
    /// `Builtin` it is, and the C address of a `DIRECT_C` primitive.
    inline: Zeroed<AtomicUsize>,
    len: AtomicUsize,
    /// The names, in number order (also the lock of additions).
    names: RwLock<Vec<String>>,
    /// How many were bound at start-up.
    initial: usize,
    /// How many arguments each primitive reads, in number order, for as many as a fragment's
    /// verification asked about (`with_names`): kept, since the names only grow.
    arities: Mutex<Vec<Option<u8>>>,
}

impl PrimTable {
    /// The table of the primitives bound at start-up.
    pub fn new(fns: Vec<PrimFn>, names: Vec<String>, lock_free: Vec<bool>) -> PrimTable {
        let cap = fns.len() + ROOM_FOR_ADDED;
        // The room for added primitives is zero pages (a null function, kind 0, inline word 0
        // (`Builtin::Call`, no C address): never read, as numbers at or past `len` are refused) that stay
        // untouched until `add` fills them: only the bound entries are written, so the room
        // costs no resident memory (it was ~80 KiB, written or cleared, at every start-up).
        // SAFETY: zero bytes are a valid `AtomicPtr` (null), `AtomicU8` and `AtomicUsize`.
        let (table_fns, kinds, inline): (
            Zeroed<AtomicPtr<()>>,
            Zeroed<AtomicU8>,
            Zeroed<AtomicUsize>,
        ) = unsafe { (Zeroed::new(cap), Zeroed::new(cap), Zeroed::new(cap)) };
        for (i, f) in fns.iter().enumerate() {
            // Relaxed: the table is not shared yet.
            table_fns[i].store(*f as *mut (), Ordering::Relaxed);
            let free = lock_free.get(i).copied().unwrap_or(false);
            kinds[i].store(kind_of(free, 0), Ordering::Relaxed);
            let b = names.get(i).map_or(Builtin::Call, |n| Builtin::of_name(n));
            inline[i].store(Inline::word(b, 0), Ordering::Relaxed);
        }
        PrimTable {
            fns: table_fns,
            kinds,
            inline,
            len: AtomicUsize::new(fns.len()),
            initial: fns.len(),
            names: RwLock::new(names),
            arities: Mutex::new(Vec::new()),
        }
    }

    /// Primitive `p` and how it is called (a [`kind`]).
    ///
    /// # Safety
    /// `p` is below the table's length (the loader validated the number against it).
    #[inline(always)]
    pub unsafe fn get(&self, p: usize) -> (PrimFn, u8) {
        debug_assert!(p < self.len.load(Ordering::Relaxed));
        // SAFETY: the caller's: `p` < len <= capacity.
        let (f, k) = unsafe { (self.fns.get_unchecked(p), self.kinds.get_unchecked(p)) };
        // Relaxed: entries are never rewritten once published, and a domain reaches code
        // calling `p` only after an Acquire load of the code's length that follows the entry's
        // write (see the module doc).
        let f = f.load(Ordering::Relaxed);
        // SAFETY: only `PrimFn` values are stored in `fns` (`new` and `add`).
        let f = unsafe { std::mem::transmute::<*mut (), PrimFn>(f) };
        // Relaxed: as above.
        (f, k.load(Ordering::Relaxed))
    }

    /// Makes primitive `p`, bound at start-up to a C stub's primitive, be called straight
    /// at `c_addr` (before the program is shared).
    pub fn set_direct_c(&mut self, p: usize, c_addr: usize) {
        if c_addr != 0 && Inline::fits(c_addr) && p < self.initial {
            *self.kinds[p].get_mut() = kind::DIRECT_C;
            let w = self.inline[p].get_mut();
            // SAFETY: the word was made by `Inline::word`.
            let b = unsafe { Inline::builtin(*w) };
            *w = Inline::word(b, c_addr);
        }
    }

    /// The C address of primitive `p` if it is a `DIRECT_C` one, else 0 (the interpreter's
    /// test for that kind in `C_CALL1`..`C_CALL5`).
    ///
    /// # Safety
    /// As [`PrimTable::get`].
    #[inline(always)]
    pub unsafe fn c_addr(&self, p: usize) -> usize {
        // SAFETY: the caller's.
        let w = unsafe { self.inline.get_unchecked(p) };
        // Relaxed: as in `get`.
        Inline::c_addr(w.load(Ordering::Relaxed))
    }

    /// Which built-in primitive `p` is (`Builtin::Call`: none, called through the table).
    ///
    /// # Safety
    /// As [`PrimTable::get`]: `p` was validated against the table.
    #[inline(always)]
    pub unsafe fn builtin(&self, p: usize) -> Builtin {
        debug_assert!(p < self.len.load(Ordering::Relaxed));
        // SAFETY: the caller's: `p` < len <= capacity.
        let w = unsafe { self.inline.get_unchecked(p) };
        // Relaxed: as in `get`.
        let w = w.load(Ordering::Relaxed);
        // SAFETY: only `Inline::word` values are stored (`new`, `set_direct_c` and `add`).
        unsafe { Inline::builtin(w) }
    }

    /// The name of primitive `p`.
    pub fn name(&self, p: usize) -> String {
        let names = self.names.read().unwrap_or_else(|e| e.into_inner());
        names.get(p).cloned().unwrap_or_default()
    }

    /// Runs `f` on the names of every bound primitive and how many arguments each reads
    /// (`arity` of its name), in number order, without copying them: `arity` runs once per
    /// primitive over the table's life (a loaded fragment is verified against them all).
    pub fn with_names<R>(
        &self,
        arity: impl Fn(&str) -> Option<u8>,
        f: impl FnOnce(&[String], &[Option<u8>]) -> R,
    ) -> R {
        let names = self.names.read().unwrap_or_else(|e| e.into_inner());
        let mut arities = self.arities.lock().unwrap_or_else(|e| e.into_inner());
        let known = arities.len();
        arities.extend(names[known..].iter().map(|n| arity(n)));
        f(&names, &arities)
    }

    /// The names of the primitives bound at start-up.
    pub fn initial_names(&self) -> Vec<String> {
        let names = self.names.read().unwrap_or_else(|e| e.into_inner());
        names[..self.initial.min(names.len())].to_vec()
    }

    /// Binds a new primitive; returns its number, or None when the table is full.
    pub fn add(&self, f: PrimFn, name: &str, lock_free: bool) -> Option<usize> {
        self.add_c(f, name, lock_free, 0)
    }

    /// Binds a new primitive, called straight as a C stub at `c_addr` unless that is 0;
    /// returns its number, or None when the table is full.
    pub fn add_c(&self, f: PrimFn, name: &str, lock_free: bool, c_addr: usize) -> Option<usize> {
        let c_addr = if Inline::fits(c_addr) { c_addr } else { 0 };
        let mut names = self.names.write().unwrap_or_else(|e| e.into_inner());
        // Relaxed: only the holder of the names' lock stores the length.
        let n = self.len.load(Ordering::Relaxed);
        if n >= self.fns.len() {
            return None;
        }
        // Relaxed: published by the Release store of `len` below (and by the code area's).
        self.fns[n].store(f as *mut (), Ordering::Relaxed);
        self.kinds[n].store(kind_of(lock_free, c_addr), Ordering::Relaxed);
        let w = Inline::word(Builtin::of_name(name), c_addr);
        self.inline[n].store(w, Ordering::Relaxed);
        names.push(name.to_string());
        // Release: the entry written above is visible to whoever reads this length.
        self.len.store(n + 1, Ordering::Release);
        Some(n)
    }
}
