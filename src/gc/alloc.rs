//! Allocation paths and the write barrier.
//!
//! `alloc_small` bumps the minor arena; when it is full the block is placed in the major heap
//! instead and a minor collection is requested (allocation never collects, see `gc` docs).
//! Every store of a value into a major block goes through `initialize` (fresh field) or
//! `modify` (overwrite), which remember the field when the new value is young.

use super::Gc;
use crate::check;
use crate::heap::atoms::atom;
use crate::heap::value::{
    string_wosize, Value, DOUBLE_ARRAY_TAG, DOUBLE_TAG, MAX_YOUNG_WOSIZE, NO_SCAN_TAG,
    STRING_TAG, WORD,
};

impl Gc {
    /// Bump-allocates a young block of `wosize` fields allocated at `site`, or None when the
    /// arena is full. The header is written; fields are uninitialised (poisoned in hardened
    /// builds, whose framing words the checker writes around the block).
    #[inline(always)]
    pub fn try_alloc_young(&mut self, wosize: usize, tag: u8, site: check::Site) -> Option<Value> {
        let wosize = check::fault::short_alloc(wosize);
        let frame = if check::MINOR_EXTRA == 0 {
            self.minor.try_alloc(wosize + 1)?
        } else {
            self.minor.try_alloc_framed(wosize + 1, check::MINOR_EXTRA)?
        };
        // SAFETY: `frame` points to wosize + 1 + MINOR_EXTRA words just bump-allocated.
        Some(unsafe { check::frame_minor(&mut self.check, frame, wosize, tag, site) })
    }

    /// Allocates a block of `wosize` (1..=MAX_YOUNG_WOSIZE) fields, young if there is room.
    /// Fields are uninitialised: the caller fills every one before the next allocation.
    #[inline(always)]
    pub fn alloc_small(&mut self, wosize: usize, tag: u8) -> Value {
        debug_assert!(wosize >= 1 && wosize <= MAX_YOUNG_WOSIZE);
        match self.try_alloc_young(wosize, tag, check::current_site()) {
            Some(v) => v,
            None => self.alloc_small_slow(wosize, tag),
        }
    }

    #[cold]
    #[inline(never)]
    fn alloc_small_slow(&mut self, wosize: usize, tag: u8) -> Value {
        self.minor_requested = true;
        self.alloc_shr(wosize, tag)
    }

    /// Allocates a major block of `wosize >= 1` fields (uninitialised) with `color`, framed
    /// for the checker; `site` is where it was first allocated.
    #[inline]
    pub(super) fn alloc_major_framed(&mut self, wosize: usize, tag: u8, color: usize, site: check::Site) -> Value {
        let raw = self.major.alloc(wosize + check::MAJOR_EXTRA, tag, color);
        // SAFETY: the heap just handed out this slot for wosize + MAJOR_EXTRA fields; its
        // header is the word before `raw`.
        unsafe { check::frame_major(&mut self.check, raw.header_ptr(), wosize, site) }
    }

    /// Allocates directly in the major heap (fields uninitialised). `wosize >= 1`.
    pub fn alloc_shr(&mut self, wosize: usize, tag: u8) -> Value {
        if wosize > crate::heap::value::MAX_WOSIZE {
            crate::fatal("out of memory: block too large");
        }
        let v = self.alloc_major_framed(wosize, tag, super::WHITE, check::current_site());
        self.stats.major_words_direct += wosize + 1;
        self.note_major_alloc(wosize + 1);
        check::note_alloc(&mut self.check);
        v
    }

    /// Allocates a block whose fields are all `Val_unit` (a zero-size block is the atom).
    pub fn alloc_block(&mut self, tag: u8, wosize: usize) -> Value {
        if wosize == 0 {
            return atom(tag);
        }
        let v = self.alloc(wosize, tag);
        let fill = if tag < NO_SCAN_TAG { Value::UNIT.0 } else { 0 };
        for i in 0..wosize {
            // SAFETY: v has wosize fields.
            unsafe { v.set_raw(i, fill) };
        }
        v
    }

    /// Allocates young when small, in the major heap otherwise. Fields uninitialised.
    #[inline]
    pub fn alloc(&mut self, wosize: usize, tag: u8) -> Value {
        if wosize == 0 {
            atom(tag)
        } else if wosize <= MAX_YOUNG_WOSIZE {
            self.alloc_small(wosize, tag)
        } else {
            self.alloc_shr(wosize, tag)
        }
    }

    /// A block with the given fields.
    pub fn alloc_tuple(&mut self, tag: u8, fields: &[Value]) -> Value {
        if fields.is_empty() {
            return atom(tag);
        }
        let v = self.alloc(fields.len(), tag);
        let young = self.is_young(v);
        for (i, &f) in fields.iter().enumerate() {
            if young {
                // SAFETY: v has fields.len() fields.
                unsafe { v.set_field_raw(i, f) };
            } else {
                self.initialize(v, i, f);
            }
        }
        v
    }

    /// A string of `len` bytes, zero-filled, with OCaml's padding.
    pub fn alloc_string(&mut self, len: usize) -> Value {
        let wosize = string_wosize(len);
        let v = self.alloc(wosize, STRING_TAG);
        // SAFETY: v has wosize words; the last byte records the padding.
        unsafe {
            std::ptr::write_bytes(v.0 as *mut u8, 0, wosize * WORD);
            let last = (v.0 as *mut u8).add(wosize * WORD - 1);
            *last = (wosize * WORD - 1 - len) as u8;
        }
        v
    }

    /// A string holding a copy of `s`.
    pub fn alloc_bytes_from(&mut self, s: &[u8]) -> Value {
        let v = self.alloc_string(s.len());
        // SAFETY: v holds s.len() bytes and cannot overlap s (fresh block).
        unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), v.0 as *mut u8, s.len()) };
        v
    }

    /// A boxed float.
    pub fn alloc_float(&mut self, f: f64) -> Value {
        let v = self.alloc_small(1, DOUBLE_TAG);
        // SAFETY: a Double_tag block of one word.
        unsafe { *(v.0 as *mut f64) = f };
        v
    }

    /// A flat float array of `n` elements, all 0.0 (the empty array is Atom(0)).
    pub fn alloc_float_array(&mut self, n: usize) -> Value {
        if n == 0 {
            return atom(0);
        }
        let v = self.alloc(n, DOUBLE_ARRAY_TAG);
        for i in 0..n {
            // SAFETY: v has n float fields.
            unsafe { v.set_double_field(i, 0.0) };
        }
        v
    }

    /// Stores `v` into field `i` of a block that was just allocated and whose field holds no
    /// value yet (`caml_initialize`).
    #[inline]
    pub fn initialize(&mut self, block: Value, i: usize, v: Value) {
        check::on_store(&mut self.check, (self.minor.start as usize, self.minor.end as usize), block, i, v);
        // SAFETY: the caller passes a live block with more than i fields.
        unsafe { block.set_field_raw(i, v) };
        if !self.is_young(block) && self.is_young(v) && !check::fault::skip_barrier() {
            self.remembered.push(block.field_ptr(i));
        }
    }

    /// Overwrites field `i` of `block` with `v` (`caml_modify`). The old value needs no
    /// darkening because marking is not incremental yet (cycles run whole at safepoints).
    #[inline]
    pub fn modify(&mut self, block: Value, i: usize, v: Value) {
        check::on_store(&mut self.check, (self.minor.start as usize, self.minor.end as usize), block, i, v);
        let fp = block.field_ptr(i);
        if !self.is_young(block) && self.is_young(v) {
            // SAFETY: fp is a field of a live block.
            let old = unsafe { *fp };
            if !self.is_young(old) && !check::fault::skip_barrier() {
                self.remembered.push(fp);
            }
        }
        // SAFETY: fp is a field of a live block.
        unsafe { *fp = v };
    }

    /// Overwrites a root-like slot outside the heap that the remembered set must know of
    /// (the caller guarantees `fp` stays valid until the next minor collection).
    pub fn remember_slot(&mut self, fp: *mut Value) {
        self.remembered.push(fp);
    }
}
