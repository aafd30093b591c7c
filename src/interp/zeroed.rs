//! A fixed-length slice of values for which all-zero bytes are valid, in anonymous pages of
//! its own: the kernel provides them zeroed, and a page becomes resident only once written.
//! For tables sized for growth that never moves (the primitive table's room for added
//! primitives): the allocator would clear such a block with `memset` (`calloc` does unless the
//! block is fresh from the system), making every page of the room resident at start-up.
//!
//! Invariants: `ptr` is the start of a private anonymous mapping of `bytes` bytes
//! (`heap::anon::map`: the kernel rounds it up to whole pages), readable and writable, owned
//! by the slice alone and unmapped when it drops; it holds `len` values of `T`, initialised
//! (zero bytes or written through their interior mutability).

use crate::heap::anon;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

/// `len` values of `T` in pages of their own (see the module doc).
pub struct Zeroed<T> {
    ptr: NonNull<T>,
    len: usize,
    bytes: usize,
}

// SAFETY: the slice owns its values as a `Box<[T]>` would: sending it sends them.
unsafe impl<T: Send> Send for Zeroed<T> {}
// SAFETY: only `&[T]` is handed out: sharing the slice shares the values.
unsafe impl<T: Sync> Sync for Zeroed<T> {}

impl<T> Zeroed<T> {
    /// `len` zero-valued `T`s; a fatal error when the pages cannot be mapped.
    ///
    /// # Safety
    /// All-zero bytes must be a valid `T` (atomics and integers are; references are not).
    pub unsafe fn new(len: usize) -> Zeroed<T> {
        let bytes = len
            .checked_mul(size_of::<T>())
            .map(|b| b.max(1))
            .unwrap_or_else(|| crate::fatal("a zeroed table too large for the address space"));
        // A mapping is page-aligned, so aligned for any `T`.
        let ptr = anon::map(bytes)
            .unwrap_or_else(|| {
                crate::fatal(&format!("out of memory (a zeroed table of {bytes} bytes)"))
            })
            .cast::<T>();
        Zeroed { ptr, len, bytes }
    }
}

impl<T> Deref for Zeroed<T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` holds `len` initialised values (the caller of `new` vouched for the
        // zero ones), mapped until `self` drops.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T> DerefMut for Zeroed<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T> Drop for Zeroed<T> {
    fn drop(&mut self) {
        // SAFETY: the `len` values are initialised and dropped once, here, before their
        // mapping, ours alone, is unmapped with the length it was mapped with.
        unsafe {
            std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(
                self.ptr.as_ptr(),
                self.len,
            ));
            anon::unmap(self.ptr.as_ptr().cast(), self.bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Zeroed;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn starts_zeroed_and_keeps_what_is_written() {
        // SAFETY: zero bytes are a valid `AtomicUsize`.
        let table: Zeroed<AtomicUsize> = unsafe { Zeroed::new(5000) };
        assert_eq!(table.len(), 5000);
        assert!(table.iter().all(|v| v.load(Ordering::Relaxed) == 0));
        table[0].store(7, Ordering::Relaxed);
        table[4999].store(9, Ordering::Relaxed);
        assert_eq!(table[0].load(Ordering::Relaxed), 7);
        assert_eq!(table[4999].load(Ordering::Relaxed), 9);
        assert_eq!(table[1].load(Ordering::Relaxed), 0);
    }

    #[test]
    fn an_empty_table_is_fine() {
        // SAFETY: zero bytes are a valid `u8`.
        let table: Zeroed<u8> = unsafe { Zeroed::new(0) };
        assert!(table.is_empty());
    }
}
