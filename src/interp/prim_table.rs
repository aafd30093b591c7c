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
use std::sync::RwLock;

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

/// The program's primitives.
pub struct PrimTable {
    fns: Zeroed<AtomicPtr<()>>,
    kinds: Zeroed<AtomicU8>,
    /// The C address of each `DIRECT_C` primitive.
    c_addrs: Zeroed<AtomicUsize>,
    /// Per number, the `Builtin` it is (as `u8`).
    builtins: Zeroed<AtomicU8>,
    len: AtomicUsize,
    /// The names, in number order (also the lock of additions).
    names: RwLock<Vec<String>>,
    /// How many were bound at start-up.
    initial: usize,
}

impl PrimTable {
    /// The table of the primitives bound at start-up.
    pub fn new(fns: Vec<PrimFn>, names: Vec<String>, lock_free: Vec<bool>) -> PrimTable {
        let cap = fns.len() + ROOM_FOR_ADDED;
        // The room for added primitives is zero pages (a null function, kind 0, builtin 0,
        // no C address: never read, as numbers at or past `len` are refused) that stay
        // untouched until `add` fills them: only the bound entries are written, so the room
        // costs no resident memory (it was ~80 KiB, written or cleared, at every start-up).
        // SAFETY: zero bytes are a valid `AtomicPtr` (null), `AtomicU8` and `AtomicUsize`.
        let (table_fns, kinds, c_addrs, builtins): (
            Zeroed<AtomicPtr<()>>,
            Zeroed<AtomicU8>,
            Zeroed<AtomicUsize>,
            Zeroed<AtomicU8>,
        ) = unsafe { (Zeroed::new(cap), Zeroed::new(cap), Zeroed::new(cap), Zeroed::new(cap)) };
        for (i, f) in fns.iter().enumerate() {
            // Relaxed: the table is not shared yet.
            table_fns[i].store(*f as *mut (), Ordering::Relaxed);
            let free = lock_free.get(i).copied().unwrap_or(false);
            kinds[i].store(kind_of(free, 0), Ordering::Relaxed);
            let b = names.get(i).map_or(Builtin::Call, |n| Builtin::of_name(n));
            builtins[i].store(b as u8, Ordering::Relaxed);
        }
        PrimTable {
            fns: table_fns,
            kinds,
            c_addrs,
            builtins,
            len: AtomicUsize::new(fns.len()),
            initial: fns.len(),
            names: RwLock::new(names),
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
        if c_addr != 0 && p < self.initial {
            *self.kinds[p].get_mut() = kind::DIRECT_C;
            *self.c_addrs[p].get_mut() = c_addr;
        }
    }

    /// The C address of primitive `p`, a `DIRECT_C` one.
    ///
    /// # Safety
    /// As [`PrimTable::get`].
    #[inline(always)]
    pub unsafe fn c_addr(&self, p: usize) -> usize {
        // SAFETY: the caller's.
        let a = unsafe { self.c_addrs.get_unchecked(p) };
        // Relaxed: as in `get`.
        a.load(Ordering::Relaxed)
    }

    /// Which built-in primitive `p` is (`Builtin::Call`: none, called through the table).
    ///
    /// # Safety
    /// As [`PrimTable::get`]: `p` was validated against the table.
    #[inline(always)]
    pub unsafe fn builtin(&self, p: usize) -> Builtin {
        debug_assert!(p < self.len.load(Ordering::Relaxed));
        // SAFETY: the caller's: `p` < len <= capacity.
        let b = unsafe { self.builtins.get_unchecked(p) };
        // Relaxed: as in `get`.
        let b = b.load(Ordering::Relaxed);
        // SAFETY: only `Builtin as u8` values are stored (`new` and `add`).
        unsafe { Builtin::from_u8(b) }
    }

    /// The name of primitive `p`.
    pub fn name(&self, p: usize) -> String {
        let names = self.names.read().unwrap_or_else(|e| e.into_inner());
        names.get(p).cloned().unwrap_or_default()
    }

    /// The names of every bound primitive, in number order.
    pub fn names(&self) -> Vec<String> {
        self.names.read().unwrap_or_else(|e| e.into_inner()).clone()
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
        let mut names = self.names.write().unwrap_or_else(|e| e.into_inner());
        // Relaxed: only the holder of the names' lock stores the length.
        let n = self.len.load(Ordering::Relaxed);
        if n >= self.fns.len() {
            return None;
        }
        // Relaxed: published by the Release store of `len` below (and by the code area's).
        self.fns[n].store(f as *mut (), Ordering::Relaxed);
        self.kinds[n].store(kind_of(lock_free, c_addr), Ordering::Relaxed);
        self.c_addrs[n].store(c_addr, Ordering::Relaxed);
        // Relaxed: as above.
        self.builtins[n].store(Builtin::of_name(name) as u8, Ordering::Relaxed);
        names.push(name.to_string());
        // Release: the entry written above is visible to whoever reads this length.
        self.len.store(n + 1, Ordering::Release);
        Some(n)
    }
}
