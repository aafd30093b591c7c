//! Anonymous memory straight from the kernel: private read-write mappings whose pages read as
//! zero and become resident only once written. For memory the runtime carves itself and
//! never gives to the C allocator: the major heap's pool chunks (`heap::pool`) and the tables
//! sized for growth that must not move (`interp::zeroed`).
//!
//! Invariants: a mapping returned here is page-aligned (and aligned as asked), `bytes` long
//! (the kernel rounds the end up to a whole page), belongs to the caller alone, and stays
//! mapped until the caller hands it to [`unmap`] with the same length.

use std::ptr::NonNull;

/// Maps `bytes` bytes (at least 1) of fresh zero pages; None when the kernel refuses (out of
/// address space or over the memory limits).
pub fn map(bytes: usize) -> Option<NonNull<u8>> {
    // SAFETY: a private anonymous mapping with no address hint: no existing memory is
    // touched, and the result is checked before use.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            bytes.max(1),
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return None;
    }
    // A mapping not asked at a fixed address is never at address 0.
    NonNull::new(p.cast())
}

/// Maps `bytes` bytes of fresh zero pages starting at a multiple of `align`; None when the
/// kernel refuses. `bytes` and `align` are multiples of the page size, `align` a power of
/// two. Maps `bytes + align` and gives back the unaligned head and the tail.
pub fn map_aligned(bytes: usize, align: usize) -> Option<NonNull<u8>> {
    debug_assert!(align.is_power_of_two());
    let len = bytes.checked_add(align)?;
    let a = map(len)?.as_ptr() as usize;
    let start = a.next_multiple_of(align);
    let end = start + bytes;
    // SAFETY: the head below `start` and the tail from `end` lie inside the mapping just
    // made, which no one else knows of; both are page-aligned (`a` is, and `align` and
    // `bytes` are multiples of the page size).
    unsafe {
        if start > a {
            unmap(a as *mut u8, start - a);
        }
        if a + len > end {
            unmap(end as *mut u8, a + len - end);
        }
    }
    NonNull::new(start as *mut u8)
}

/// Gives `bytes` bytes at `p` back to the kernel.
///
/// # Safety
/// `p..p + bytes` must be (part of) a mapping made by [`map`] or [`map_aligned`], page-aligned
/// at `p`, that nothing uses any more.
pub unsafe fn unmap(p: *mut u8, bytes: usize) {
    // SAFETY: the caller's contract: the range is ours and unused. A failure (an invalid
    // range) would leave the pages mapped, which costs memory but breaks nothing.
    unsafe { libc::munmap(p.cast(), bytes.max(1)) };
}

#[cfg(test)]
mod tests {
    use super::{map, map_aligned, unmap};

    #[test]
    fn pages_start_zero_and_keep_what_is_written() {
        let p = map(3 * 4096).expect("map");
        // SAFETY: the three pages were just mapped, read-write, ours alone.
        unsafe {
            assert!(std::slice::from_raw_parts(p.as_ptr(), 3 * 4096).iter().all(|&b| b == 0));
            p.as_ptr().add(5000).write(7);
            assert_eq!(p.as_ptr().add(5000).read(), 7);
            unmap(p.as_ptr(), 3 * 4096);
        }
    }

    #[test]
    fn aligned_mappings_are_aligned_and_usable_to_the_end() {
        let align = 1 << 20;
        let p = map_aligned(4 * 4096, align).expect("map_aligned");
        assert_eq!(p.as_ptr() as usize % align, 0);
        // SAFETY: the four pages were just mapped, read-write, ours alone.
        unsafe {
            p.as_ptr().add(4 * 4096 - 1).write(1);
            unmap(p.as_ptr(), 4 * 4096);
        }
    }
}
