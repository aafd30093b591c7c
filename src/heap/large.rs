//! The major heap's large blocks (more than `pool::SIZECLASS_MAX` words, header included):
//! each is an allocation of its own from the C allocator (through the shim), framed by
//! [`LARGE_PREFIX_WSIZE`] words that hold its size.
//!
//! Every large block of the heap is in exactly one *list*: each allocator records the blocks
//! it allocates in a list of its own (a domain's is chosen by its young-space slot, the
//! heap's own pool set has list [`HEAP_LIST`]; `pools::PoolSet::large_list` names a set's),
//! each list behind a mutex of its own, on a cache line of its own. A domain allocating a
//! large block takes only its own list's mutex, which no one else takes while it runs but
//! the checker and the statistics (`Gc.stat`, under the heap lock): so two domains
//! allocating large blocks at a high rate neither wait for each other nor pass a cache line
//! back and forth (bench/parallel_major: one directory-wide mutex for every large block was
//! 5-9% of its two-domain time). The stopped world's leader (the sweep) and the readers of
//! the whole heap take each list in turn; a list outlives its domain (the next domain of the
//! slot goes on filling it), so a domain's exit adopts nothing.
//!
//! A list also keeps the blocks that the sweep freed from it for the next allocation of the
//! same size (`KEEP_LARGE` builds, at most [`KEEP_LARGE_BYTES`] a list): its owner, which
//! allocated them, is the one most likely to ask for that size again.
//!
//! Invariants: `blocks` holds each live block once and `words` their words (framing
//! included); a kept block is in no list's `blocks`; `used` is at least one more than the
//! index of every list that ever held a block.
//!
//! Orderings: `used` only grows (`fetch_max`), Relaxed: a reader that must see a block
//! (its allocation happened before the read, through some other synchronisation) sees the
//! `fetch_max` that preceded that allocation too (coherence), then the block itself under
//! the list's mutex.

use super::value::WORD;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Extra words before a large block's header: the block's total byte size.
pub const LARGE_PREFIX_WSIZE: usize = 2;

/// The list of the heap's own pool set (and of any allocator that is no domain).
pub const HEAP_LIST: usize = 0;

/// The list of the domain in young-space slot `slot`.
pub fn domain_list(slot: usize) -> usize {
    slot + 1
}

/// Whether freed large blocks are kept for reuse rather than given back to the C allocator
/// at once: a program that allocates blocks of a few large sizes at a steady rate (arrays,
/// buffers) then gets them back with no `malloc` and `free` each (about 300 instructions a
/// block in glibc, as many as sweeping it). Not in hardened or AddressSanitizer builds, whose
/// allocators poison a freed block and hold it in a quarantine to catch a use after free.
pub const KEEP_LARGE: bool = !cfg!(any(feature = "hardened", debug_assertions, warden_asan));
/// The most bytes kept, per list. The C allocator would keep these blocks' memory too (below
/// its `mmap` threshold it reuses freed chunks rather than return them), so keeping them
/// costs little resident memory beyond what it would hold; the cap bounds the difference.
pub const KEEP_LARGE_BYTES: usize = 512 << 10;
/// The largest block kept: below glibc's `mmap` threshold, where a freed block's pages would
/// go back to the system.
const KEEP_LARGE_MAX_BYTES: usize = 64 << 10;
/// Distinct sizes kept, at most (a look-up scans them).
const KEEP_LARGE_SIZES: usize = 16;

/// One allocator's large blocks (see the module docs).
#[derive(Default)]
pub struct LargeList {
    /// Header addresses of the live blocks.
    pub blocks: Vec<*mut usize>,
    /// Their words, headers included (as handed out: framing words too).
    pub words: usize,
    /// Blocks the sweep freed, kept for a block of the same size (`KEEP_LARGE` builds), by
    /// size in words (header included; at most `KEEP_LARGE_SIZES` sizes, none with no
    /// block): the shim's addresses, out of `blocks`.
    kept: Vec<(usize, Vec<*mut usize>)>,
    /// Their bytes, at most `KEEP_LARGE_BYTES`.
    kept_bytes: usize,
}

// SAFETY: the raw pointers are the heap's own memory; the list's mutex serialises access.
unsafe impl Send for LargeList {}

/// A list on a cache line of its own (two lines: the adjacent-line prefetcher).
#[repr(align(128))]
#[derive(Default)]
struct Padded(Mutex<LargeList>);

/// Every list of the heap.
pub struct LargeLists {
    lists: Box<[Padded]>,
    /// One more than the highest list that ever held a block (see the module docs).
    used: AtomicUsize,
}

impl LargeLists {
    /// Lists for the heap's own set and `slots` domains.
    pub fn new(slots: usize) -> LargeLists {
        LargeLists {
            lists: (0..=slots).map(|_| Padded::default()).collect(),
            used: AtomicUsize::new(0),
        }
    }

    /// List `i`, for the time of a short operation (never held across an allocation or a
    /// checker hook).
    pub fn lock(&self, i: usize) -> MutexGuard<'_, LargeList> {
        self.lists[i].0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many lists may hold blocks (lists `0..count()`).
    pub fn count(&self) -> usize {
        // Relaxed: see the module docs.
        self.used.load(Ordering::Relaxed)
    }

    /// A large block of `whsize` words (header included) recorded in list `list`, or `None`
    /// when its size overflows or the C allocator refuses it; nothing is recorded then.
    pub fn alloc(&self, list: usize, whsize: usize) -> Option<*mut usize> {
        let bytes = whsize.checked_add(LARGE_PREFIX_WSIZE)?.checked_mul(WORD)?;
        // Relaxed: see the module docs (a list's first block only writes the shared word).
        if self.used.load(Ordering::Relaxed) <= list {
            self.used.fetch_max(list + 1, Ordering::Relaxed);
        }
        let mut l = self.lock(list);
        let mem = match l.take_kept(whsize) {
            Some(mem) => mem,
            None => {
                // Not under the lock: the C allocator may take a while.
                drop(l);
                let mem = super::shim::alloc(
                    bytes,
                    16,
                    super::shim::Kind::Large,
                    super::shim::Init::Uninit,
                )?
                .as_ptr() as *mut usize;
                l = self.lock(list);
                mem
            }
        };
        // SAFETY: mem holds whsize + prefix words (fresh, or kept with that size).
        unsafe {
            *mem = whsize;
            *mem.add(1) = 0;
            let hp = mem.add(LARGE_PREFIX_WSIZE);
            l.blocks.push(hp);
            l.words += whsize;
            Some(hp)
        }
    }

    /// The words of every large block (framing included).
    pub fn words(&self) -> usize {
        self.totals().0
    }

    /// The words and the number of every large block (framing included).
    pub fn totals(&self) -> (usize, usize) {
        (0..self.count()).fold((0, 0), |(w, n), i| {
            let l = self.lock(i);
            (w + l.words, n + l.blocks.len())
        })
    }

    /// Every large block's header address.
    pub fn all(&self) -> Vec<*mut usize> {
        let mut all = Vec::new();
        for i in 0..self.count() {
            all.extend_from_slice(&self.lock(i).blocks);
        }
        all
    }

    /// Whether `hp` is the header address of a large block of the heap.
    pub fn contains(&self, hp: *mut usize) -> bool {
        (0..self.count()).any(|i| self.lock(i).blocks.contains(&hp))
    }

    /// Takes large block `hp` out of its list and frees it (world stopped, the block dead).
    ///
    /// # Safety
    /// `hp` must be a large block header of this heap that nothing will use again.
    pub unsafe fn free(&self, hp: *mut usize) {
        for i in 0..self.count() {
            let mut l = self.lock(i);
            if let Some(k) = l.blocks.iter().position(|&b| b == hp) {
                l.blocks.swap_remove(k);
                // SAFETY: the caller's contract; just removed from its list.
                unsafe { l.free(hp) };
                return;
            }
        }
    }
}

impl LargeList {
    /// Frees a large block of this list given its header address (kept for reuse, or
    /// given back to the C allocator).
    ///
    /// # Safety
    /// `hp` must be a large block header of this list, already removed from `blocks`.
    pub unsafe fn free(&mut self, hp: *mut usize) {
        // SAFETY: the prefix holds the whsize written at allocation; `mem` is the address
        // `alloc` got from the shim, freed once (the caller's contract).
        unsafe {
            let mem = hp.sub(LARGE_PREFIX_WSIZE);
            let whsize = *mem;
            self.words -= whsize;
            let bytes = (whsize + LARGE_PREFIX_WSIZE) * WORD;
            if KEEP_LARGE
                && bytes <= KEEP_LARGE_MAX_BYTES
                && self.kept_bytes + bytes <= KEEP_LARGE_BYTES
            {
                let i = self.kept.iter().position(|&(w, _)| w == whsize);
                let bucket = match i {
                    Some(i) => Some(i),
                    None if self.kept.len() < KEEP_LARGE_SIZES => {
                        self.kept.push((whsize, Vec::new()));
                        Some(self.kept.len() - 1)
                    }
                    None => None,
                };
                if let Some(i) = bucket {
                    self.kept[i].1.push(mem);
                    self.kept_bytes += bytes;
                    return;
                }
            }
            super::shim::free(std::ptr::NonNull::new_unchecked(mem as *mut u8));
        }
    }

    /// A kept block of `whsize` words (header included), the most recently freed first.
    fn take_kept(&mut self, whsize: usize) -> Option<*mut usize> {
        let i = self.kept.iter().position(|&(w, _)| w == whsize)?;
        let blocks = &mut self.kept[i].1;
        let mem = blocks.pop()?;
        if blocks.is_empty() {
            self.kept.swap_remove(i);
        }
        self.kept_bytes -= (whsize + LARGE_PREFIX_WSIZE) * WORD;
        Some(mem)
    }
}

impl Drop for LargeList {
    fn drop(&mut self) {
        for mem in std::mem::take(&mut self.kept).into_iter().flat_map(|(_, blocks)| blocks) {
            // SAFETY: a kept block is the shim's, out of `blocks`, freed once here.
            unsafe { super::shim::free(std::ptr::NonNull::new_unchecked(mem as *mut u8)) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each list counts its own blocks, and a block freed from one list comes back (in
    /// production builds) only to an allocation from that list.
    #[test]
    fn lists_keep_their_own_blocks() {
        let lists = LargeLists::new(3);
        assert_eq!(lists.count(), 0);
        let a = lists.alloc(domain_list(0), 300).unwrap();
        let b = lists.alloc(domain_list(1), 300).unwrap();
        let c = lists.alloc(domain_list(1), 400).unwrap();
        assert_eq!(lists.count(), domain_list(1) + 1);
        assert_eq!(lists.lock(domain_list(0)).blocks, vec![a]);
        assert_eq!(lists.lock(domain_list(1)).words, 700);
        assert_eq!(lists.totals(), (1000, 3));
        assert!(lists.contains(b) && !lists.contains(b.wrapping_add(1)));
        // SAFETY: b is a large block of these lists, used no more.
        unsafe { lists.free(b) };
        assert_eq!(lists.totals(), (700, 2));
        let other = lists.alloc(domain_list(0), 300).unwrap();
        let own = lists.alloc(domain_list(1), 300).unwrap();
        if KEEP_LARGE {
            assert_ne!(other, b, "a kept block went to another list");
            assert_eq!(own, b, "a kept block is reused by its own list");
        }
        for hp in [a, c, other, own] {
            // SAFETY: every block of the lists, freed once.
            unsafe { lists.free(hp) };
        }
        assert_eq!(lists.totals(), (0, 0));
        assert_eq!(lists.words(), 0);
        assert!(lists.all().is_empty());
    }
}
