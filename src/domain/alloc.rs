//! Allocation for primitives and the interpreter's slow paths: young blocks in the domain's
//! own arena, major blocks in its own pools (neither takes the heap lock; see `gc::alloc`). Never collects (see `gc` docs): when the
//! arena is full a small block goes to the major heap and a minor collection is wanted at
//! the next poll, so a primitive may hold values in Rust locals across its allocations.
//!
//! Two families: the `try_` functions, for blocks whose size the program chose, answer
//! `Out_of_memory` when the C allocator refuses a major block (as the stock `caml_alloc_shr`
//! raises it); the others serve the runtime's own blocks and die on that refusal. Young
//! blocks never fail, so the small-block path is the same in both.

use super::Domain;
use crate::check;
use crate::exn::Exn;
use crate::gc::memprof::entries::{SRC_CUSTOM, SRC_NORMAL};
use crate::heap::atoms::atom;
use crate::heap::value::{
    string_wosize, Value, DOUBLE_ARRAY_TAG, DOUBLE_TAG, MAX_YOUNG_WOSIZE, NO_SCAN_TAG, STRING_TAG,
    WORD,
};
use crate::heap::young_space::is_young;

impl Domain {
    /// Allocates a block of `wosize` (1..=MAX_YOUNG_WOSIZE) fields, young if there is room.
    /// Fields are uninitialised: the caller fills every one before the next allocation.
    #[inline(always)]
    pub fn alloc_small(&mut self, wosize: usize, tag: u8) -> Value {
        debug_assert!((1..=MAX_YOUNG_WOSIZE).contains(&wosize));
        match self.young.try_alloc(wosize, tag, check::current_site()) {
            Some(v) => v,
            None => self.alloc_small_spilled(wosize, tag),
        }
    }

    /// The slow path: the memory profiler's trigger (the block is allocated young and
    /// maybe sampled), or a full arena (the block goes to the major heap, sampled as a young
    /// block promoted at once).
    #[cold]
    #[inline(never)]
    fn alloc_small_spilled(&mut self, wosize: usize, tag: u8) -> Value {
        if let Some(v) = self.alloc_young_triggered(wosize, tag, true) {
            return v;
        }
        self.young.minor_wanted = true;
        let v = self.young.alloc_spilled(wosize, tag);
        self.memprof_track(v, wosize, wosize + 1, SRC_NORMAL, true, true);
        v
    }

    /// As [`Domain::alloc_small`], for a block the memory profiler does not sample (the
    /// caller samples it: `intern`'s blocks, whose source is `Marshal`). Returns whether it
    /// was spilled to the major heap too.
    pub fn alloc_small_untracked(&mut self, wosize: usize, tag: u8) -> (Value, bool) {
        debug_assert!((1..=MAX_YOUNG_WOSIZE).contains(&wosize));
        if let Some(v) = self.young.try_alloc(wosize, tag, check::current_site()) {
            return (v, false);
        }
        if let Some(v) = self.alloc_young_triggered(wosize, tag, false) {
            return (v, false);
        }
        self.young.minor_wanted = true;
        (self.young.alloc_spilled(wosize, tag), true)
    }

    /// Allocates directly in the major heap, in this domain's own pools (fields
    /// uninitialised). `wosize >= 1`.
    pub fn alloc_major(&mut self, wosize: usize, tag: u8) -> Value {
        let v = self.alloc_major_untracked(wosize, tag);
        self.memprof_track(v, wosize, wosize + 1, SRC_NORMAL, false, false);
        v
    }

    /// As [`Domain::alloc_major`], for a block the memory profiler does not sample (the
    /// caller samples it).
    pub fn alloc_major_untracked(&mut self, wosize: usize, tag: u8) -> Value {
        let v = self.young.alloc_major(wosize, tag);
        self.pace_direct();
        v
    }

    /// As [`Domain::alloc_major`], but `Out_of_memory` when no block of `wosize` fields can
    /// be had.
    pub fn try_alloc_major(&mut self, wosize: usize, tag: u8) -> Result<Value, Exn> {
        let v = self.young.try_alloc_major(wosize, tag).ok_or_else(Exn::out_of_memory)?;
        self.pace_direct();
        self.memprof_track(v, wosize, wosize + 1, SRC_NORMAL, false, false);
        Ok(v)
    }

    /// After a direct major allocation: once a fifth of the minor heap was allocated so since
    /// the last flush, the counters go to the pacing (a major slice), under the heap lock,
    /// taken for that moment (about once per 50 000 words allocated).
    #[inline(always)]
    fn pace_direct(&mut self) {
        if self.young.slice_wanted {
            self.flush_direct();
        }
    }

    #[cold]
    #[inline(never)]
    fn flush_direct(&mut self) {
        self.with_heap(|d| d.gc.flush_alloc(&mut d.young));
    }

    /// Allocates young when small, in the major heap otherwise. Fields uninitialised.
    #[inline]
    pub fn alloc(&mut self, wosize: usize, tag: u8) -> Value {
        if wosize == 0 {
            atom(tag)
        } else if wosize <= MAX_YOUNG_WOSIZE {
            self.alloc_small(wosize, tag)
        } else {
            self.alloc_major(wosize, tag)
        }
    }

    /// As [`Domain::alloc`], but `Out_of_memory` when a major block is refused.
    #[inline]
    pub fn try_alloc(&mut self, wosize: usize, tag: u8) -> Result<Value, Exn> {
        if wosize == 0 {
            Ok(atom(tag))
        } else if wosize <= MAX_YOUNG_WOSIZE {
            Ok(self.alloc_small(wosize, tag))
        } else {
            self.try_alloc_major(wosize, tag)
        }
    }

    /// Allocates a block whose fields are all `Val_unit` (a zero-size block is the atom).
    pub fn alloc_block(&mut self, tag: u8, wosize: usize) -> Value {
        or_fatal(self.try_alloc_block(tag, wosize))
    }

    /// As [`Domain::alloc_block`], but `Out_of_memory` when a major block is refused.
    pub fn try_alloc_block(&mut self, tag: u8, wosize: usize) -> Result<Value, Exn> {
        let v = self.try_alloc(wosize, tag)?;
        let fill = if tag < NO_SCAN_TAG { Value::UNIT.0 } else { 0 };
        for i in 0..wosize {
            // SAFETY: v has wosize fields.
            unsafe { v.set_raw(i, fill) };
        }
        Ok(v)
    }

    /// A block with the given fields.
    pub fn alloc_tuple(&mut self, tag: u8, fields: &[Value]) -> Value {
        if fields.is_empty() {
            return atom(tag);
        }
        let v = self.alloc(fields.len(), tag);
        let young = is_young(v);
        for (i, &f) in fields.iter().enumerate() {
            if young {
                // SAFETY: v has fields.len() fields.
                unsafe { v.set_field_raw(i, f) };
            } else {
                self.young.initialize(v, i, f);
            }
        }
        v
    }

    /// A string of `len` bytes, zero-filled, with OCaml's padding.
    pub fn alloc_string(&mut self, len: usize) -> Value {
        or_fatal(self.try_alloc_string(len))
    }

    /// As [`Domain::alloc_string`], but `Out_of_memory` when a major block is refused.
    /// `len` must not exceed the largest string (`MAX_WOSIZE * WORD - 1`).
    pub fn try_alloc_string(&mut self, len: usize) -> Result<Value, Exn> {
        let (v, body) = self.try_alloc_string_tail(len)?;
        // SAFETY: the block has `body` bytes before its last word.
        unsafe { std::ptr::write_bytes(v.0 as *mut u8, 0, body) };
        Ok(v)
    }

    /// As [`Domain::try_alloc_string`], but the bytes before the last word are left as the
    /// allocator gave them (`Bytes.create`: its contents are unspecified, and the stock
    /// runtime writes only the last word too). The hardened build fills them
    /// (`check::on_unfilled_bytes`), so that its runs stay reproducible.
    pub fn try_alloc_string_unfilled(&mut self, len: usize) -> Result<Value, Exn> {
        let (v, body) = self.try_alloc_string_tail(len)?;
        // SAFETY: the fresh block has `body` bytes before its last word.
        unsafe { crate::check::on_unfilled_bytes(v.0 as *mut u8, body) };
        Ok(v)
    }

    /// A string block for `len` bytes with only its last word written (zeros, then the
    /// padding byte); returns it and the number of bytes before that word. Inlined into the
    /// string primitives (`Bytes.create`, `format_int`...): the young path is a bump of the
    /// arena, the major one out of line.
    #[inline(always)]
    fn try_alloc_string_tail(&mut self, len: usize) -> Result<(Value, usize), Exn> {
        let wosize = string_wosize(len); // >= 1
        let v = if wosize <= MAX_YOUNG_WOSIZE {
            self.alloc_small(wosize, STRING_TAG)
        } else {
            self.try_alloc_string_major(wosize)?
        };
        let body = (wosize - 1) * WORD;
        // SAFETY: v has wosize >= 1 words; the last byte records the padding.
        unsafe {
            *(v.0 as *mut usize).add(wosize - 1) = 0;
            *(v.0 as *mut u8).add(wosize * WORD - 1) = (wosize * WORD - 1 - len) as u8;
        }
        Ok((v, body))
    }

    /// The major path of [`Domain::try_alloc_string_tail`].
    #[cold]
    #[inline(never)]
    fn try_alloc_string_major(&mut self, wosize: usize) -> Result<Value, Exn> {
        self.try_alloc_major(wosize, STRING_TAG)
    }

    /// A string holding a copy of `s`. The copy writes every byte before the last word, so
    /// the body is not zero-filled first.
    pub fn alloc_bytes_from(&mut self, s: &[u8]) -> Value {
        let (v, body) = self.try_alloc_string_tail(s.len()).unwrap_or_else(|_| {
            crate::fatal("out of memory");
        });
        debug_assert!(body <= s.len());
        // SAFETY: v holds s.len() bytes (its last word, written, ends after them) and cannot
        // overlap s (fresh block).
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
        or_fatal(self.try_alloc_float_array(n))
    }

    /// As [`Domain::alloc_float_array`], but `Out_of_memory` when a major block is refused.
    pub fn try_alloc_float_array(&mut self, n: usize) -> Result<Value, Exn> {
        let v = self.try_alloc(n, if n == 0 { 0 } else { DOUBLE_ARRAY_TAG })?;
        for i in 0..n {
            // SAFETY: v has n float fields.
            unsafe { v.set_double_field(i, 0.0) };
        }
        Ok(v)
    }

    /// `caml_initialize`: stores into a fresh field (write barrier).
    #[inline]
    pub fn initialize(&mut self, block: Value, i: usize, v: Value) {
        self.young.initialize(block, i, v)
    }
    /// `initialize` of fields `0..n` of a fresh block with `v` (`Array.make`'s fill), the
    /// write barrier's test made once.
    #[inline]
    pub fn initialize_fill(&mut self, block: Value, n: usize, v: Value) {
        self.young.initialize_fill(block, n, v)
    }
    /// `caml_modify`: overwrites a field (write barrier).
    #[inline]
    pub fn modify(&mut self, block: Value, i: usize, v: Value) {
        self.young.modify(block, i, v)
    }

    /// A custom block with `data_bytes` bytes of data after the ops word.
    pub fn alloc_custom(
        &mut self,
        ops: &'static crate::heap::custom::CustomOps,
        data_bytes: usize,
    ) -> Value {
        self.alloc_custom_mem(ops, data_bytes, 0)
    }

    /// As [`Domain::alloc_custom`], for a block that holds `mem` bytes outside the heap
    /// (`caml_alloc_custom_mem`, which has the memory profiler sample those bytes too).
    pub fn alloc_custom_mem(
        &mut self,
        ops: &'static crate::heap::custom::CustomOps,
        data_bytes: usize,
        mem: usize,
    ) -> Value {
        self.alloc_custom_held(ops, data_bytes, mem, true)
    }

    /// A custom block of `data_bytes` bytes of data holding `mem` bytes outside the heap:
    /// young when the stock runtime makes it young (small, and `mem` at most
    /// `custom_minor_max_bsz`), else major; with `sample_mem` (`caml_alloc_custom_mem`, not
    /// `caml_alloc_custom`), the memory profiler samples the `mem` bytes as well.
    pub fn alloc_custom_held(
        &mut self,
        ops: &'static crate::heap::custom::CustomOps,
        data_bytes: usize,
        mem: usize,
        sample_mem: bool,
    ) -> Value {
        use crate::heap::value::CUSTOM_TAG;
        let wosize = 1 + data_bytes.div_ceil(WORD);
        let minor_max =
            if mem == 0 { 0 } else { self.with_heap(|d| d.gc.params.custom_minor_max_bsz) };
        let stock_young = wosize <= MAX_YOUNG_WOSIZE && mem <= minor_max;
        let (v, spilled) = if !stock_young {
            (self.alloc_major(wosize, CUSTOM_TAG), false)
        } else if ops.finalize.is_some() {
            // Blocks with a finaliser live in the major heap, where the sweeper finalises
            // them. One that the stock runtime allocates young counts as allocated young and
            // promoted at once, as a block from a full arena does (`DomainGc::alloc_spilled`).
            let v = self.young.alloc_spilled(wosize, CUSTOM_TAG);
            self.memprof_track(v, wosize, wosize + 1, SRC_NORMAL, true, true);
            (v, true)
        } else {
            let v = self.alloc(wosize, CUSTOM_TAG);
            (v, !is_young(v))
        };
        // SAFETY: v has wosize >= 1 words; word 0 holds the ops pointer, the rest is zeroed.
        unsafe {
            v.set_raw(0, crate::heap::custom::ops_word(ops));
            for i in 1..wosize {
                v.set_raw(i, 0);
            }
        }
        if mem > 0 && sample_mem {
            // The memory the block holds outside the heap is sampled too, as the stock
            // `caml_alloc_custom_mem` does.
            let words = mem.div_ceil(WORD);
            self.memprof_track(v, words, words, SRC_CUSTOM, stock_young, spilled);
        }
        v
    }

    /// Records out-of-heap memory held by a custom block, to pace the major GC.
    pub fn note_extra_memory(&mut self, bytes: usize) {
        self.with_heap(|d| d.gc.note_extra_memory(bytes));
    }
}

/// The block of an infallible allocation: a refusal of the runtime's own block is fatal.
fn or_fatal(r: Result<Value, Exn>) -> Value {
    r.unwrap_or_else(|_| crate::fatal("out of memory"))
}
