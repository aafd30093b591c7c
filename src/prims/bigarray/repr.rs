//! How a bigarray is laid out: the custom block's data words, the element kinds, the
//! out-of-heap element storage and the proxy that keeps it alive while sub-arrays share it.
//!
//! The data words of a `_bigarr02` custom block are, in order (as in the stock
//! `struct caml_ba_array`): the element pointer, the number of dimensions, the flags (kind,
//! layout, managed, sub-array bits), the proxy pointer (0 when none), then one word per
//! dimension. Elements live outside the OCaml heap, allocated zeroed with 16-byte alignment.
//! An array that owns its storage and has no proxy frees it when finalised; as soon as a
//! sub-array, slice, reshape or layout change shares it, both blocks point to one refcounted
//! [`Proxy`], and whichever block dies last frees the storage.

use crate::exn::Exn;
use crate::heap::custom::ops_of;
use crate::heap::shim;
use crate::heap::value::{Value, CUSTOM_TAG, WORD};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Most dimensions a bigarray can have.
pub const MAX_NUM_DIMS: usize = 16;
/// Flag bits: the kind (low byte), the layout, who owns the storage, and sharing.
pub const KIND_MASK: usize = 0xFF;
pub const FORTRAN_LAYOUT: usize = 0x100;
pub const LAYOUT_MASK: usize = 0x100;
pub const MANAGED: usize = 0x200;
pub const MANAGED_MASK: usize = 0x600;
pub const SUBARRAY: usize = 0x800;
/// Data words before the dimensions: data, num_dims, flags, proxy.
pub const HEADER_WORDS: usize = 4;
/// Alignment of element storage (what `malloc` gives, enough for every kind).
const DATA_ALIGN: usize = 16;

/// Element kinds, numbered as `Bigarray.kind` constructors and the stock `caml_ba_kind`.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Kind {
    Float32 = 0,
    Float64,
    Sint8,
    Uint8,
    Sint16,
    Uint16,
    Int32,
    Int64,
    CamlInt,
    NativeInt,
    Complex32,
    Complex64,
    Char,
    Float16,
}

impl Kind {
    /// The kind numbered `n`, if it is one.
    pub fn from_code(n: usize) -> Option<Kind> {
        use Kind::*;
        const ALL: [Kind; 14] = [
            Float32, Float64, Sint8, Uint8, Sint16, Uint16, Int32, Int64, CamlInt, NativeInt,
            Complex32, Complex64, Char, Float16,
        ];
        ALL.get(n).copied()
    }
    /// Bytes per element.
    pub fn elt_size(self) -> usize {
        use Kind::*;
        match self {
            Sint8 | Uint8 | Char => 1,
            Sint16 | Uint16 | Float16 => 2,
            Float32 | Int32 => 4,
            Float64 | Int64 | CamlInt | NativeInt | Complex32 => 8,
            Complex64 => 16,
        }
    }
}

/// The shared owner of a managed array's storage once sub-arrays exist (laid out as the
/// stock `struct caml_ba_proxy`, which a stub's finaliser of a mapped file updates).
#[repr(C)]
pub struct Proxy {
    refcount: AtomicUsize,
    data: *mut u8,
    /// Bytes allocated at `data` (needed to release them).
    size: usize,
}

/// A checked handle on a bigarray custom block.
#[derive(Copy, Clone)]
pub struct Bigarray(pub Value);

impl Bigarray {
    /// `v` as a bigarray, after checking that it is one (a `_bigarr02` custom block whose
    /// size covers its dimensions).
    pub fn of(v: Value) -> Result<Bigarray, Exn> {
        Bigarray::check(v).ok_or_else(|| Exn::invalid_arg("Bigarray: not a bigarray"))
    }
    /// `Some` if `v` is a well-formed bigarray block.
    pub fn check(v: Value) -> Option<Bigarray> {
        if !v.is_block() {
            return None;
        }
        // SAFETY: `v` is a block, so its header is readable; field 0 of a custom block is
        // its ops pointer; the size check precedes any read of the data words.
        unsafe {
            if v.tag() != CUSTOM_TAG || v.wosize() < 1 + HEADER_WORDS {
                return None;
            }
            // A stub's own bigarray operations (the unix library's mapped files, `_bigarray`) lay the
            // block out the same way.
            let ops = ops_of(v);
            if !std::ptr::eq(ops, &super::ops::OPS) && !matches!(ops.id, "_bigarr02" | "_bigarray")
            {
                return None;
            }
            let nd = v.raw(2);
            if nd > MAX_NUM_DIMS || v.wosize() < 1 + HEADER_WORDS + nd {
                return None;
            }
        }
        Some(Bigarray(v))
    }
    #[inline]
    fn word(self, i: usize) -> usize {
        // SAFETY: `Bigarray` values were checked by `check` (or built by `alloc`) to have at least
        // `1 + HEADER_WORDS + num_dims` words, and callers stay below that.
        unsafe { self.0.raw(1 + i) }
    }
    #[inline]
    fn set_word(self, i: usize, w: usize) {
        // SAFETY: as for `word`.
        unsafe { self.0.set_raw(1 + i, w) }
    }
    pub fn data(self) -> *mut u8 {
        self.word(0) as *mut u8
    }
    pub fn num_dims(self) -> usize {
        self.word(1)
    }
    pub fn flags(self) -> usize {
        self.word(2)
    }
    fn proxy(self) -> *mut Proxy {
        self.word(3) as *mut Proxy
    }
    fn set_proxy(self, p: *mut Proxy) {
        self.set_word(3, p as usize)
    }
    pub fn dim(self, i: usize) -> isize {
        debug_assert!(i < self.num_dims());
        self.word(HEADER_WORDS + i) as isize
    }
    pub fn dims(self) -> Vec<isize> {
        (0..self.num_dims()).map(|i| self.dim(i)).collect()
    }
    pub fn kind(self) -> Kind {
        // Every constructor validates the kind, so the fallback is never taken.
        Kind::from_code(self.flags() & KIND_MASK).unwrap_or(Kind::Uint8)
    }
    pub fn is_fortran(self) -> bool {
        self.flags() & LAYOUT_MASK == FORTRAN_LAYOUT
    }
    /// Number of elements (product of the dimensions; they were checked not to overflow).
    pub fn num_elts(self) -> usize {
        (0..self.num_dims()).fold(1usize, |n, i| n.wrapping_mul(self.dim(i) as usize))
    }
    /// Bytes of element storage this array covers.
    pub fn byte_size(self) -> usize {
        self.num_elts().wrapping_mul(self.kind().elt_size())
    }
    /// The element storage as bytes.
    ///
    /// # Safety
    /// The array must stay alive, and no other reference to its storage (or to storage it
    /// shares with other bigarrays) may be used while the slice is.
    pub unsafe fn bytes<'a>(self) -> &'a mut [u8] {
        let n = self.byte_size();
        if n == 0 {
            return &mut [];
        }
        // SAFETY: the storage holds `byte_size` initialised bytes (zeroed at allocation or
        // filled by unmarshalling), kept alive by this block or its proxy.
        unsafe { std::slice::from_raw_parts_mut(self.data(), n) }
    }
}

/// Element count of `dims`, checking each product step for overflow as the stock
/// `caml_ba_alloc` does; `None` on overflow.
pub fn checked_num_elts(dims: &[isize]) -> Option<usize> {
    dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d as usize))
}

/// Allocates zeroed element storage of `size` bytes; `None` if the system refuses.
pub fn alloc_storage(size: usize) -> Option<*mut u8> {
    if size == 0 {
        // Never read or written, never freed.
        return Some(DATA_ALIGN as *mut u8);
    }
    let p = shim::alloc(size, DATA_ALIGN, shim::Kind::Bigarray, shim::Init::Zeroed)?;
    Some(p.as_ptr())
}

/// Releases storage from [`alloc_storage`].
///
/// # Safety
/// `p` must come from `alloc_storage(size)` and not have been released.
pub unsafe fn free_storage(p: *mut u8, size: usize) {
    if size == 0 {
        return;
    }
    if let Some(p) = std::ptr::NonNull::new(p) {
        // SAFETY: a non-empty storage from `alloc_storage`, released once (the caller's
        // guarantee).
        unsafe { shim::free(p) }
    }
}

/// Builds a bigarray block over `data` with `flags` and `dims` (already validated: at most
/// 16 dimensions, none negative, a valid kind); `mem` is the size of the storage it owns (0
/// when it shares or does not own it). The block's ops are the bigarray ops.
pub fn alloc_block(
    dom: &mut crate::domain::Domain,
    flags: usize,
    data: *mut u8,
    dims: &[isize],
    mem: usize,
) -> Bigarray {
    let v = dom.alloc_custom_mem(&super::ops::OPS, (HEADER_WORDS + dims.len()) * WORD, mem);
    let b = Bigarray(v);
    b.set_word(0, data as usize);
    b.set_word(1, dims.len());
    b.set_word(2, flags);
    b.set_word(3, 0);
    for (i, &d) in dims.iter().enumerate() {
        b.set_word(HEADER_WORDS + i, d as usize);
    }
    b
}

/// Creates a new array of `kind`/`layout_flag` with fresh zeroed storage owned by it.
pub fn create(
    dom: &mut crate::domain::Domain,
    flags: usize,
    dims: &[isize],
) -> Result<Bigarray, Exn> {
    let kind = Kind::from_code(flags & KIND_MASK)
        .ok_or_else(|| Exn::invalid_arg("Bigarray.create: bad kind"))?;
    let n = checked_num_elts(dims).ok_or_else(Exn::out_of_memory)?;
    let size = n.checked_mul(kind.elt_size()).ok_or_else(Exn::out_of_memory)?;
    let data = alloc_storage(size).ok_or_else(Exn::out_of_memory)?;
    let b = alloc_block(dom, flags | MANAGED, data, dims, size);
    dom.note_extra_memory(size);
    Ok(b)
}

/// Records that `sub` shares the storage of `parent` (the stock `caml_ba_update_proxy`).
pub fn share_storage(parent: Bigarray, sub: Bigarray) {
    if parent.flags() & MANAGED_MASK == 0 {
        // Storage owned by someone else: nothing to keep alive.
        return;
    }
    let p = parent.proxy();
    if !p.is_null() {
        // SAFETY: a non-null proxy word points to a live `Proxy` (parent holds a count).
        // Relaxed: a new reference is made from an existing one, as in `Arc::clone`.
        unsafe { (*p).refcount.fetch_add(1, Ordering::Relaxed) };
        sub.set_proxy(p);
    } else {
        let proxy = Box::new(Proxy {
            refcount: AtomicUsize::new(2),
            data: parent.data(),
            size: parent.byte_size(),
        });
        let p = Box::into_raw(proxy);
        parent.set_proxy(p);
        sub.set_proxy(p);
    }
}

/// `CAML_BA_MAPPED_FILE`: the storage is a file mapping (`Unix.map_file`).
pub const MAPPED_FILE: usize = 0x400;

/// Unmaps the mapping of `len` bytes at `addr`, which lies `addr % page` bytes into the
/// mapping's first page (the stock `caml_ba_unmap_file`: flushed asynchronously first).
///
/// # Safety
/// `addr` and `len` must describe a live mapping made for a mapped-file bigarray, that
/// nothing uses any more.
unsafe fn unmap_file(addr: *mut u8, len: usize) {
    if len == 0 {
        return;
    }
    // SAFETY: sysconf has no memory effects.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    let delta = addr as usize % page;
    let base = addr.wrapping_sub(delta).cast::<libc::c_void>();
    // SAFETY: the whole mapping, by the caller's guarantee.
    unsafe {
        libc::msync(base, len + delta, libc::MS_ASYNC);
        libc::munmap(base, len + delta);
    }
}

/// Releases storage of `size` bytes at `data`, owned as `managed` says.
///
/// # Safety
/// The storage must be owned that way and used by nothing any more.
unsafe fn release(managed: usize, data: *mut u8, size: usize) {
    // SAFETY: by the caller's guarantee.
    unsafe {
        if managed == MAPPED_FILE {
            unmap_file(data, size)
        } else {
            free_storage(data, size)
        }
    }
}

/// The finaliser of bigarray blocks: releases storage owned by the array (freed, or
/// unmapped for a mapped file).
pub fn finalize(v: Value) {
    let Some(b) = Bigarray::check(v) else { return };
    let managed = b.flags() & MANAGED_MASK;
    if managed != MANAGED && managed != MAPPED_FILE {
        return;
    }
    let p = b.proxy();
    if p.is_null() {
        // An array that never shared its storage covers all of it.
        // SAFETY: owned storage without a proxy was allocated (or mapped) with exactly this
        // array's byte size, and only this block refers to it.
        unsafe { release(managed, b.data(), b.byte_size()) };
    } else {
        // SAFETY: the proxy is live while this block holds a count.
        // Release: our uses of the storage happen before whoever frees it; the last holder's
        // Acquire load makes every other holder's uses happen before the free (as `Arc::drop`
        // does; a load rather than a fence, since ThreadSanitizer does not model fences).
        let last = unsafe { (*p).refcount.fetch_sub(1, Ordering::Release) } == 1;
        if last {
            // SAFETY: the proxy is still live: this holder has not freed it yet.
            unsafe { (*p).refcount.load(Ordering::Acquire) };
            // SAFETY: this was the last reference: nobody else can reach the proxy.
            unsafe {
                let proxy = Box::from_raw(p);
                release(managed, proxy.data, proxy.size);
            }
        }
    }
    b.set_proxy(std::ptr::null_mut());
}

/// Computes the element offset of `index` in `b`, checking bounds ("index out of bounds").
pub fn offset(b: Bigarray, index: &[isize]) -> Result<usize, Exn> {
    debug_assert_eq!(index.len(), b.num_dims());
    // C layout: row major from index 0; Fortran layout: column major from index 1.
    let (base, rev) = if b.is_fortran() { (1, true) } else { (0, false) };
    let step = |ofs: usize, (i, &x): (usize, &isize)| -> Result<usize, Exn> {
        let d = b.dim(i) as usize;
        let k = x.wrapping_sub(base) as usize;
        if k >= d {
            return Err(bound_error());
        }
        // Wrapping: with a zero dimension further on, the dimensions' product may exceed
        // the address space, and the bounds check at that dimension fails anyway.
        Ok(ofs.wrapping_mul(d).wrapping_add(k))
    };
    if rev {
        index.iter().enumerate().rev().try_fold(0, step)
    } else {
        index.iter().enumerate().try_fold(0, step)
    }
}

/// `caml_array_bound_error`.
pub fn bound_error() -> Exn {
    Exn::invalid_arg("index out of bounds")
}

/// The storage pointer of element `ofs`.
pub fn elt_ptr(b: Bigarray, ofs: usize) -> *mut u8 {
    b.data().wrapping_add(ofs * b.kind().elt_size())
}
