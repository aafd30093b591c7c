//! Allocation paths and the write barrier.
//!
//! A domain bump-allocates young blocks in its own arena (`DomainGc::try_alloc`, no lock); a
//! block too large for the minor heap, or one a primitive allocates when the arena is full,
//! goes to the major heap, in the domain's own pools (`DomainGc::alloc_major`, no heap lock;
//! counted in `unflushed` until `Gc::flush_alloc`). Every store of a
//! value into a major block goes through `DomainGc::initialize` (fresh field) or `DomainGc::modify`
//! (overwrite), which remember the field in the storing domain's remembered set when the new
//! value is young (in any domain's arena).
//!
//! A major block whose size the program chose may be refused by the C allocator:
//! `DomainGc::try_alloc_major` says so, and the primitive raises `Out_of_memory` as `caml_alloc_shr`
//! does. The runtime's own blocks use the infallible paths, where a refusal is fatal.

use super::{DomainGc, Gc};
use crate::check;
use crate::heap::value::{Value, MAX_WOSIZE};
use crate::heap::young_space::{is_young, young_range};

impl DomainGc {
    /// Bump-allocates a young block of `wosize` fields allocated at `site`, or None when the
    /// arena is full. The header is written; fields are uninitialised (poisoned in hardened
    /// builds, whose framing words the checker writes around the block).
    #[inline(always)]
    pub fn try_alloc(&mut self, wosize: usize, tag: u8, site: check::Site) -> Option<Value> {
        let wosize = check::fault::short_alloc(wosize);
        let frame = if check::MINOR_EXTRA == 0 {
            self.minor.try_alloc(wosize + 1)?
        } else {
            self.minor.try_alloc_framed(wosize + 1, check::MINOR_EXTRA)?
        };
        // SAFETY: `frame` points to wosize + 1 + MINOR_EXTRA words just bump-allocated.
        Some(unsafe { check::frame_minor(&mut self.check, frame, wosize, tag, site) })
    }

    /// As `try_alloc`, below the arena's trigger (the slow path, after the profiler saw the
    /// allocation); None when the arena is full.
    pub fn try_alloc_past_trigger(
        &mut self,
        wosize: usize,
        tag: u8,
        site: check::Site,
    ) -> Option<Value> {
        let frame = self.minor.alloc_past_trigger(wosize + 1, check::MINOR_EXTRA)?;
        // SAFETY: `frame` points to wosize + 1 + MINOR_EXTRA words just bump-allocated.
        Some(unsafe { check::frame_minor(&mut self.check, frame, wosize, tag, site) })
    }

    /// Whether a young block of `wosize` fields fits in the arena, whatever its trigger says.
    pub fn young_fits(&self, wosize: usize) -> bool {
        self.minor.fits(wosize + 1, check::MINOR_EXTRA)
    }

    /// Stores `v` into field `i` of a block that was just allocated and whose field holds no
    /// value yet (`caml_initialize`).
    #[inline]
    pub fn initialize(&mut self, block: Value, i: usize, v: Value) {
        check::on_store(&mut self.check, young_range(), block, i, v);
        // SAFETY: the caller passes a live block with more than i fields.
        unsafe { block.set_field_raw(i, v) };
        if !is_young(block) && is_young(v) && !check::fault::skip_barrier() {
            self.remembered.push(block.field_ptr(i));
        }
    }

    /// Stores `v` into fields `0..n` of a block that was just allocated with at least `n`
    /// fields, none holding a value yet: `initialize` of each field, with the barrier's test
    /// made once (a fresh major block filled with a young value remembers every field).
    #[inline]
    pub fn initialize_fill(&mut self, block: Value, n: usize, v: Value) {
        if !is_young(block) && is_young(v) {
            for i in 0..n {
                self.initialize(block, i, v);
            }
            return;
        }
        let range = young_range();
        for i in 0..n {
            check::on_store(&mut self.check, range, block, i, v);
            // SAFETY: the caller passes a live block with at least n fields.
            unsafe { block.set_field_raw(i, v) };
        }
    }

    /// Overwrites field `i` of `block` with `v` (`caml_modify`). The old value needs no
    /// darkening because marking does not overlap the mutators (cycles run whole while the
    /// world is stopped).
    #[inline]
    pub fn modify(&mut self, block: Value, i: usize, v: Value) {
        check::on_store(&mut self.check, young_range(), block, i, v);
        let fp = block.field_ptr(i);
        if !is_young(block) && is_young(v) {
            // SAFETY: fp is a field of a live block.
            let old = unsafe { *fp };
            if !is_young(old) && !check::fault::skip_barrier() {
                self.remembered.push(fp);
            }
        }
        // SAFETY: fp is a field of a live block.
        unsafe { *fp = v };
    }

    /// Records a root-like slot outside the heap that the remembered set must know of (the
    /// caller guarantees `fp` stays valid until the next minor collection).
    pub fn remember_slot(&mut self, fp: *mut Value) {
        self.remembered.push(fp);
    }
}

impl DomainGc {
    /// Allocates a major block of `wosize >= 1` fields (uninitialised, white) from this
    /// domain's own pools (or a large block), framed for the checker; `None` when the C
    /// allocator refuses it. No heap lock: only the directory's short one for a fresh pool,
    /// or this domain's own large list's for a large block. Counted by the caller.
    #[inline]
    fn try_alloc_major_framed(
        &mut self,
        wosize: usize,
        tag: u8,
        site: check::Site,
    ) -> Option<Value> {
        let raw =
            self.dir.try_alloc(&mut self.pools, wosize + check::MAJOR_EXTRA, tag, super::WHITE)?;
        // SAFETY: the directory just handed out this slot for wosize + MAJOR_EXTRA fields;
        // its header is the word before `raw`.
        Some(unsafe { check::frame_major(raw.header_ptr(), wosize, site) })
    }

    /// Allocates directly in the major heap (fields uninitialised). `wosize >= 1`. For the
    /// runtime's own blocks: a refusal is fatal.
    pub fn alloc_major(&mut self, wosize: usize, tag: u8) -> Value {
        self.try_alloc_major(wosize, tag).unwrap_or_else(|| crate::fatal("out of memory"))
    }

    /// As [`DomainGc::alloc_major`], but `None` when no block of `wosize` fields can be had:
    /// beyond `MAX_WOSIZE`, or refused by the C allocator (`caml_alloc_shr`'s
    /// `Out_of_memory`). Nothing is counted then. Once a fifth of the minor heap was
    /// allocated so since the last flush, the pacing wants to know (`slice_wanted`), as the
    /// stock `caml_alloc_shr` asks for a major slice.
    pub fn try_alloc_major(&mut self, wosize: usize, tag: u8) -> Option<Value> {
        if wosize > MAX_WOSIZE {
            return None;
        }
        let v = self.try_alloc_major_framed(wosize, tag, check::current_site())?;
        self.unflushed.major_words_direct += wosize + 1;
        if self.unflushed.major_words_direct > self.minor.wsize() / 5 {
            self.slice_wanted = true;
        }
        check::note_alloc(&mut self.check);
        Some(v)
    }

    /// Allocates in the major heap a small block (`wosize <= MAX_YOUNG_WOSIZE`) that belongs
    /// in the minor heap, whose arena is full (fields uninitialised). The stock runtime would
    /// empty the minor heap and allocate it young; warden's primitives never collect, so it
    /// is counted as a young block promoted at once: `Gc.minor_words` counts it, as the stock
    /// runtime's does, and words allocated (minor + major - promoted) count it once. The
    /// caller wants a minor collection (whose flush tells the pacing).
    pub fn alloc_spilled(&mut self, wosize: usize, tag: u8) -> Value {
        let v = self
            .try_alloc_major_framed(wosize, tag, check::current_site())
            .unwrap_or_else(|| crate::fatal("out of memory"));
        self.unflushed.minor_words += wosize + 1;
        self.unflushed.promoted_words += wosize + 1;
        check::note_alloc(&mut self.check);
        v
    }
}

impl Gc {
    /// Moves what domain `y` allocated with no lock into its shared counters and the
    /// pacing (heap lock held, by `y`'s domain or a stopped world's leader).
    pub fn flush_alloc(&mut self, y: &mut DomainGc) {
        let u = std::mem::take(&mut y.unflushed);
        y.slice_wanted = false;
        y.alloc.add(&u);
        if u.promoted_words > 0 {
            self.note_promoted(u.promoted_words);
        }
        if u.major_words_direct > 0 {
            self.note_direct_alloc(u.major_words_direct, y.minor.wsize());
        }
    }
}
