//! The code area: one reservation of address space that holds every word of bytecode the
//! process runs, the program's first (the loader reads its CODE section straight in, so the
//! code is never resident twice), then the runtime's stub code, then each fragment loaded
//! later (`Dynlink`, the toplevel). A code address is an index into it
//! (`heap::code_pointer`), and the interpreter holds raw pointers into it, so code never
//! moves: the area is reserved once (inaccessible), and pages are made readable and writable
//! as fragments are appended.
//!
//! Invariants: words below `len` are written once and never change (a released fragment's
//! words stay, unreachable), but for the program's load-time translation, through
//! `words_mut` while the area has one owner and no code runs; a word is written before `len` covers it (the Release store of
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
    /// An empty code area: the address space reserved, no page accessible yet.
    pub fn reserve() -> CodeArea {
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
        CodeArea { base: p.cast(), len: AtomicUsize::new(0), committed: Mutex::new(0) }
    }

    /// A code area holding `parts` end to end (copied straight in, not first joined in a
    /// vector).
    pub fn new(parts: &[&[i32]]) -> CodeArea {
        let area = CodeArea::reserve();
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

    /// The published words, to rewrite in place: only the owner of the area has them, before
    /// it is shared (the program's load-time translation, `interp::translate`).
    pub fn words_mut(&mut self) -> &mut [i32] {
        let len = *self.len.get_mut();
        // SAFETY: the first `len` words are committed and written; `&mut self` makes this the
        // only reference to them.
        unsafe { std::slice::from_raw_parts_mut(self.base, len) }
    }

    /// Appends `code`; returns the index of its first word, or an error when the area is
    /// full or the pages cannot be committed.
    pub fn append(&self, code: &[i32]) -> Result<usize, String> {
        self.append_with(code.len(), |words| {
            words.copy_from_slice(code);
            Ok::<(), std::convert::Infallible>(())
        })
        .map_err(|e| match e {
            AppendError::Full(msg) => msg,
            AppendError::Fill(never) => match never {},
        })
    }

    /// Appends `count` words that `fill` writes in place (a program's CODE section is read
    /// straight into the area: no second copy of the code is ever resident); returns the
    /// index of the first. When `fill` fails nothing is published, and the next append
    /// reuses the words.
    pub fn append_with<E>(
        &self,
        count: usize,
        fill: impl FnOnce(&mut [i32]) -> Result<(), E>,
    ) -> Result<usize, AppendError<E>> {
        let mut committed = self.committed.lock().unwrap_or_else(|e| e.into_inner());
        // Relaxed: only the lock holder stores the length.
        let start = self.len.load(Ordering::Relaxed);
        let end_bytes = start
            .checked_add(count)
            .and_then(|end| end.checked_mul(4))
            .filter(|&end| end <= RESERVED_BYTES)
            .ok_or_else(|| AppendError::Full("no room left for code".into()))?;
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
                return Err(AppendError::Full(format!(
                    "cannot commit memory for code: {}",
                    std::io::Error::last_os_error()
                )));
            }
            *committed = want;
        }
        // SAFETY: [start, start + count) is committed and initialised (zero pages, or words a
        // failed fill left), beyond the published words (no reader reads it), and reached
        // only here, under the lock: no other reference to it exists.
        let words = unsafe { std::slice::from_raw_parts_mut(self.base.add(start), count) };
        fill(words).map_err(AppendError::Fill)?;
        // Release: publishes the words just written.
        self.len.store(start + count, Ordering::Release);
        Ok(start)
    }
}

/// Why [`CodeArea::append_with`] appended nothing.
#[derive(Debug)]
pub enum AppendError<E> {
    /// No room is left, or the pages could not be made accessible.
    Full(String),
    /// `fill` failed.
    Fill(E),
}

impl std::fmt::Debug for CodeArea {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CodeArea({} words)", self.len())
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
