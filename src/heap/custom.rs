//! Custom blocks: `Custom_tag` blocks whose field 0 points to a static `CustomOps` and whose
//! remaining words are opaque data (int64s, channels, mutexes, bigarrays ...).
//!
//! The registry maps identifiers (`_j`, `_chan`, `_bigarr02` ...) to operations, for unmarshal.
//!
//! Foreign operations: a block allocated by a C stub holds in field 0 the address of the
//! stub's C `struct custom_operations` (stubs compare it, `Custom_ops_val(v) == &ops`). The
//! C API registers, for each such address, a *shadow* `CustomOps` whose functions call the C
//! ones; `ops_of` answers the shadow for a foreign address, and `ops_word` gives the word to
//! store for a shadow. Until the first foreign registration both are a single load and test.

use super::value::{Value, CUSTOM_TAG};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};

/// Reads bytes of a marshalled custom block's payload.
pub trait DeserializeInput {
    fn read_u8(&mut self) -> Option<u8>;
    fn read_bytes(&mut self, n: usize) -> Option<&[u8]>;
}

/// Appends a custom block's payload; returns the (32-bit, 64-bit) sizes of its data.
pub type SerializeFn = fn(Value, &mut Vec<u8>) -> (usize, usize);
/// Reads a payload into the data words of `dst`; returns the data bytes filled, or None.
pub type DeserializeFn = fn(&mut dyn DeserializeInput, dst: Value) -> Option<usize>;

/// The operations of a custom block kind.
pub struct CustomOps {
    pub id: &'static str,
    /// Releases out-of-heap resources when the block dies.
    pub finalize: Option<fn(Value)>,
    /// Total order between two blocks of this kind (negative, zero, positive).
    pub compare: Option<fn(Value, Value) -> i32>,
    /// Structural hash of the block's contents.
    pub hash: Option<fn(Value) -> isize>,
    /// Appends the payload; returns the (32-bit, 64-bit) sizes of the in-memory data.
    pub serialize: Option<SerializeFn>,
    /// Reads the payload into the data words of `dst` (a block of `size` data bytes);
    /// returns the bytes of data it filled, or None on malformed input.
    pub deserialize: Option<DeserializeFn>,
    /// Data size in bytes (32-bit, 64-bit) when fixed, for the compact marshal code.
    pub fixed_length: Option<(usize, usize)>,
}

static REGISTRY: Mutex<Vec<&'static CustomOps>> = Mutex::new(Vec::new());

/// Makes `ops` known to unmarshalling.
pub fn register(ops: &'static CustomOps) {
    let mut r = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    if !r.iter().any(|o| o.id == ops.id) {
        r.push(ops);
    }
}

/// The operations registered under `id`.
pub fn find(id: &str) -> Option<&'static CustomOps> {
    let r = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    r.iter().copied().find(|o| o.id == id)
}

/// Whether any foreign operations were registered. Release/Acquire: a domain that sees a
/// block with foreign operations (published to it through the heap lock or the world) sees
/// the registration, which came before that block's allocation.
static ANY_FOREIGN: AtomicBool = AtomicBool::new(false);

/// Foreign operations: (address of the C structure, its shadow).
static FOREIGN: RwLock<Vec<(usize, &'static CustomOps)>> = RwLock::new(Vec::new());

/// Registers `shadow` as the operations of blocks whose field 0 is `c_ops` (idempotent:
/// the first shadow registered for an address stays). Returns the shadow in force.
pub fn register_foreign(c_ops: usize, shadow: &'static CustomOps) -> &'static CustomOps {
    let mut f = FOREIGN.write().unwrap_or_else(|e| e.into_inner());
    if let Some(&(_, s)) = f.iter().find(|(c, _)| *c == c_ops) {
        return s;
    }
    f.push((c_ops, shadow));
    ANY_FOREIGN.store(true, Ordering::Release);
    shadow
}

/// The shadow registered for the C structure at `c_ops`.
pub fn foreign_shadow(c_ops: usize) -> Option<&'static CustomOps> {
    if !ANY_FOREIGN.load(Ordering::Acquire) {
        return None;
    }
    let f = FOREIGN.read().unwrap_or_else(|e| e.into_inner());
    f.iter().find(|(c, _)| *c == c_ops).map(|&(_, s)| s)
}

/// The word field 0 of a block with operations `ops` holds: the C structure's address for a
/// shadow, else the address of `ops`.
pub fn ops_word(ops: &'static CustomOps) -> usize {
    if ANY_FOREIGN.load(Ordering::Acquire) {
        let f = FOREIGN.read().unwrap_or_else(|e| e.into_inner());
        if let Some(&(c, _)) = f.iter().find(|(_, s)| std::ptr::eq(*s, ops)) {
            return c;
        }
    }
    ops as *const CustomOps as usize
}

/// The operations of a custom block.
///
/// # Safety
/// `v` must be a live Custom_tag block.
#[inline]
pub unsafe fn ops_of(v: Value) -> &'static CustomOps {
    // SAFETY: v is a custom block (caller).
    let w = unsafe { v.raw(0) };
    if let Some(s) = foreign_shadow(w) {
        return s;
    }
    // SAFETY: field 0 of a custom block is a `&'static CustomOps` stored as a word (or a
    // foreign structure's address, answered above).
    unsafe { &*(w as *const CustomOps) }
}

/// Pointer to the data words of a custom block (just after the ops word).
#[inline]
pub fn data_ptr(v: Value) -> *mut u8 {
    (v.0 + std::mem::size_of::<usize>()) as *mut u8
}

/// Runs the finaliser of a dead custom block, if its kind has one.
pub fn finalize(v: Value) {
    // SAFETY: called by the sweeper on a Custom_tag block that just died.
    unsafe {
        debug_assert_eq!(v.tag(), CUSTOM_TAG);
        if let Some(f) = ops_of(v).finalize {
            f(v);
        }
    }
}

thread_local! {
    /// The exception that a foreign (C) compare or hash function raised on this thread, for
    /// the primitive that called it to raise (nothing allocates in between, so it needs no
    /// root).
    static RAISED: Cell<Option<Value>> = const { Cell::new(None) };
    /// The domain (its address, opaque here) whose primitive runs custom operations on this
    /// thread, for foreign ones that call the C API (0: none).
    static OPS_DOMAIN: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f`, a call of custom operations, with `dom` (a domain's address) known to foreign
/// operations that call the C API (they raise, allocate the exception).
pub fn with_ops_domain<R>(dom: usize, f: impl FnOnce() -> R) -> R {
    let prev = OPS_DOMAIN.with(|d| d.replace(dom));
    let r = f();
    OPS_DOMAIN.with(|d| d.set(prev));
    r
}

/// The domain that `with_ops_domain` named on this thread (0: none).
pub fn ops_domain() -> usize {
    OPS_DOMAIN.with(Cell::get)
}

/// A foreign compare or hash function raised `exn`.
pub fn set_raised(exn: Value) {
    RAISED.with(|r| r.set(Some(exn)));
}

/// The exception a foreign compare or hash function raised since the last call, if any.
pub fn take_raised() -> Option<Value> {
    RAISED.with(Cell::take)
}

/// Compares a foreign custom block with an immediate through its C operations'
/// `compare_ext` (installed by the C API's floor): `(custom, v1, v2)`, `None` when the
/// operations have none.
pub type CompareExt = fn(Value, Value, Value) -> Option<i32>;

static COMPARE_EXT: OnceLock<CompareExt> = OnceLock::new();

/// Installs the `compare_ext` caller of foreign operations (once).
pub fn set_compare_ext(f: CompareExt) {
    let _ = COMPARE_EXT.get_or_init(|| f);
}

/// `compare_ext` of custom block `custom` on `(v1, v2)` (one of them `custom`, the other an
/// immediate), or None when its operations have none (then the immediate is below).
///
/// # Safety
/// `custom` must be a live Custom_tag block.
pub unsafe fn compare_ext(custom: Value, v1: Value, v2: Value) -> Option<i32> {
    // SAFETY: the caller's contract.
    if !ANY_FOREIGN.load(Ordering::Acquire) || foreign_shadow(unsafe { custom.raw(0) }).is_none() {
        return None;
    }
    COMPARE_EXT.get().and_then(|f| f(custom, v1, v2))
}
