//! The code area: one reservation of address space that holds every word of bytecode the
//! process runs, the program's first, then the runtime's stub code, then each fragment loaded
//! later (`Dynlink`, the toplevel). A code address is an index into it
//! (`heap::code_pointer`), and the interpreter holds raw pointers into it, so code never
//! moves: the area is reserved once (inaccessible), and pages are made readable and writable
//! as fragments are appended.
//!
//! Invariants: words below `len` are written once and never change (a released fragment's
//! words stay, unreachable); a word is written before `len` covers it (the Release store of
//! `len` publishes it, so a reader that loads `len` with Acquire, or that learned an index
//! below it through any synchronised path, reads the written word). Appends are serialised
//! by a mutex.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Bytes of address space reserved for code (256 Mi words).
const RESERVED_BYTES: usize = 1 << 30;

/// The process's code, growing in place.
pub struct CodeArea {
    base: *mut i32,
    /// Words written and published.
    len: AtomicUsize,
    /// Bytes made accessible from `base` (a multiple of the page size), under the append lock.
    committed: Mutex<usize>,
}

// SAFETY: the area's words are only written below the published length by the holder of the
// append lock, before publication (see the module doc); readers only read published words.
unsafe impl Send for CodeArea {}
// SAFETY: as above.
unsafe impl Sync for CodeArea {}

fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as usize
    } else {
        4096
    }
}

impl CodeArea {
    /// A code area holding `parts` end to end (the program and the runtime's stubs: copied
    /// straight in, not first joined in a vector).
    pub fn new(parts: &[&[i32]]) -> CodeArea {
        // SAFETY: an anonymous private mapping with no access; no existing memory is touched.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                RESERVED_BYTES,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            crate::fatal("cannot reserve address space for the code");
        }
        let area = CodeArea { base: p.cast(), len: AtomicUsize::new(0), committed: Mutex::new(0) };
        for code in parts {
            if area.append(code).is_err() {
                crate::fatal("the program's code does not fit in the code area");
            }
        }
        area
    }

    /// The address of word 0.
    #[inline(always)]
    pub fn as_ptr(&self) -> *const i32 {
        self.base
    }

    /// Words published so far.
    #[inline(always)]
    pub fn len(&self) -> usize {
        // Acquire: the words below the length were written before its Release store.
        self.len.load(Ordering::Acquire)
    }

    /// The published words.
    #[inline(always)]
    pub fn words(&self) -> &[i32] {
        let len = self.len();
        // SAFETY: the first `len` words are committed, written and never written again.
        unsafe { std::slice::from_raw_parts(self.base, len) }
    }

    /// Appends `code`; returns the index of its first word, or an error when the area is
    /// full or the pages cannot be committed.
    pub fn append(&self, code: &[i32]) -> Result<usize, String> {
        let mut committed = self.committed.lock().unwrap_or_else(|e| e.into_inner());
        // Relaxed: only the lock holder stores the length.
        let start = self.len.load(Ordering::Relaxed);
        let end_bytes = (start + code.len()) * 4;
        if end_bytes > RESERVED_BYTES {
            return Err("no room left for code".into());
        }
        if end_bytes > *committed {
            let page = page_size();
            let want = end_bytes.div_ceil(page) * page;
            // SAFETY: [committed, want) lies inside the reservation (want <= RESERVED_BYTES,
            // a multiple of the page size, as the reservation's size is).
            let r = unsafe {
                libc::mprotect(
                    self.base.cast::<u8>().add(*committed).cast(),
                    want - *committed,
                    libc::PROT_READ | libc::PROT_WRITE,
                )
            };
            if r != 0 {
                return Err(format!(
                    "cannot commit memory for code: {}",
                    std::io::Error::last_os_error()
                ));
            }
            *committed = want;
        }
        // SAFETY: [start, start + len) is committed, beyond the published words (no reader
        // reads it), and written only here, under the lock.
        unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), self.base.add(start), code.len()) };
        // Release: publishes the words just written.
        self.len.store(start + code.len(), Ordering::Release);
        Ok(start)
    }
}

impl std::ops::Deref for CodeArea {
    type Target = [i32];
    fn deref(&self) -> &[i32] {
        self.words()
    }
}

impl Drop for CodeArea {
    fn drop(&mut self) {
        // SAFETY: the reservation made in `new`, no longer used (the area is being dropped).
        unsafe { libc::munmap(self.base.cast(), RESERVED_BYTES) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_keep_earlier_words_in_place() {
        let a = CodeArea::new(&[&[1, 2], &[3]]);
        let p = a.as_ptr();
        let big = vec![7; 5000];
        assert_eq!(a.append(&big).unwrap(), 3);
        assert_eq!(a.append(&[9]).unwrap(), 5003);
        assert_eq!(a.as_ptr(), p);
        assert_eq!(&a[..3], &[1, 2, 3]);
        assert_eq!(a[5003], 9);
        assert_eq!(a.len(), 5004);
    }
}
