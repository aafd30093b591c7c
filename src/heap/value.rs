//! OCaml values and block headers, bit for bit as the OCaml 5 runtime lays them out on 64-bit.
//!
//! A `Value` is one machine word: an immediate integer `(n << 1) | 1`, or the address of the
//! first field of a block whose header sits in the word just before it. Code addresses are
//! never stored raw: warden keeps them as tagged integers (the instruction index), so every
//! word on a stack or in a closure is unambiguous for the scanner (DESIGN.md principle 2).

use std::fmt;

/// One OCaml value (immediate or block pointer).
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Value(pub usize);

pub const NO_SCAN_TAG: u8 = 251;
pub const FORCING_TAG: u8 = 244;
pub const CONT_TAG: u8 = 245;
pub const LAZY_TAG: u8 = 246;
pub const CLOSURE_TAG: u8 = 247;
pub const OBJECT_TAG: u8 = 248;
pub const INFIX_TAG: u8 = 249;
pub const FORWARD_TAG: u8 = 250;
pub const ABSTRACT_TAG: u8 = 251;
pub const STRING_TAG: u8 = 252;
pub const DOUBLE_TAG: u8 = 253;
pub const DOUBLE_ARRAY_TAG: u8 = 254;
pub const CUSTOM_TAG: u8 = 255;

/// Largest block that may be allocated in the minor heap, in words (without header).
pub const MAX_YOUNG_WOSIZE: usize = 256;
/// Largest wosize a header can hold on 64-bit.
pub const MAX_WOSIZE: usize = (1usize << 54) - 1;
/// Word size in bytes.
pub const WORD: usize = std::mem::size_of::<usize>();

impl Value {
    pub const UNIT: Value = Value(1);
    pub const FALSE: Value = Value(1);
    pub const TRUE: Value = Value(3);
    pub const EMPTY_LIST: Value = Value(1);
    pub const NONE: Value = Value(1);
    pub const ZERO: Value = Value(1);

    #[inline(always)]
    pub const fn of_int(n: isize) -> Value {
        Value(((n as usize) << 1) | 1)
    }
    #[inline(always)]
    pub const fn of_bool(b: bool) -> Value {
        if b {
            Value::TRUE
        } else {
            Value::FALSE
        }
    }
    #[inline(always)]
    pub const fn int(self) -> isize {
        (self.0 as isize) >> 1
    }
    #[inline(always)]
    pub const fn is_int(self) -> bool {
        self.0 & 1 == 1
    }
    #[inline(always)]
    pub const fn is_block(self) -> bool {
        self.0 & 1 == 0
    }
    #[inline(always)]
    pub const fn as_ptr(self) -> *mut Value {
        self.0 as *mut Value
    }
    #[inline(always)]
    pub fn from_ptr<T>(p: *const T) -> Value {
        Value(p as usize)
    }

    /// The block's header.
    ///
    /// # Safety
    /// `self` must be a pointer to a live block (or an atom).
    #[inline(always)]
    pub unsafe fn header(self) -> Header {
        // SAFETY: the caller guarantees a block; its header is the word before field 0.
        unsafe { Header(*(self.0 as *const usize).sub(1)) }
    }
    /// Pointer to the header word.
    #[inline(always)]
    pub fn header_ptr(self) -> *mut usize {
        (self.0 as *mut usize).wrapping_sub(1)
    }
    /// # Safety
    /// `self` must be a live block.
    #[inline(always)]
    pub unsafe fn tag(self) -> u8 {
        // SAFETY: forwarded to the caller's guarantee.
        unsafe { self.header().tag() }
    }
    /// # Safety
    /// `self` must be a live block.
    #[inline(always)]
    pub unsafe fn wosize(self) -> usize {
        // SAFETY: forwarded to the caller's guarantee.
        unsafe { self.header().wosize() }
    }
    /// Field `i`.
    ///
    /// # Safety
    /// `self` must be a live block with more than `i` fields.
    #[inline(always)]
    pub unsafe fn field(self, i: usize) -> Value {
        // SAFETY: in bounds by the caller's guarantee.
        unsafe { *self.as_ptr().add(i) }
    }
    /// Address of field `i`.
    #[inline(always)]
    pub fn field_ptr(self, i: usize) -> *mut Value {
        self.as_ptr().wrapping_add(i)
    }
    /// Stores into field `i` without any write barrier: only for fresh blocks, immediates,
    /// or non-scanned blocks. Anything else goes through `gc::barrier`.
    ///
    /// # Safety
    /// `self` must be a live block with more than `i` fields.
    #[inline(always)]
    pub unsafe fn set_field_raw(self, i: usize, v: Value) {
        // SAFETY: in bounds by the caller's guarantee.
        unsafe { *self.as_ptr().add(i) = v }
    }
    /// Byte length of a String_tag block.
    ///
    /// # Safety
    /// `self` must be a live String_tag block.
    #[inline]
    pub unsafe fn string_len(self) -> usize {
        // SAFETY: string blocks have at least one word; the last byte is the padding count.
        unsafe {
            let bsize = self.wosize() * WORD;
            let last = *(self.0 as *const u8).add(bsize - 1);
            bsize - 1 - last as usize
        }
    }
    /// The bytes of a String_tag block.
    ///
    /// # Safety
    /// `self` must be a live String_tag block, and the slice must not outlive it or overlap a
    /// mutable use.
    #[inline]
    pub unsafe fn bytes<'a>(self) -> &'a [u8] {
        // SAFETY: the block holds `string_len` initialised bytes.
        unsafe { std::slice::from_raw_parts(self.0 as *const u8, self.string_len()) }
    }
    /// The bytes of a String_tag block, mutable (OCaml `bytes`).
    ///
    /// # Safety
    /// As for [`Value::bytes`], and no other reference to the bytes may be alive.
    #[inline]
    pub unsafe fn bytes_mut<'a>(self) -> &'a mut [u8] {
        // SAFETY: as for `bytes`.
        unsafe { std::slice::from_raw_parts_mut(self.0 as *mut u8, self.string_len()) }
    }
    /// The float in a Double_tag block.
    ///
    /// # Safety
    /// `self` must be a live Double_tag block.
    #[inline(always)]
    pub unsafe fn double(self) -> f64 {
        // SAFETY: a Double_tag block holds one f64 in field 0.
        unsafe { *(self.0 as *const f64) }
    }
    /// Element `i` of a Double_array_tag block.
    ///
    /// # Safety
    /// `self` must be a live Double_array_tag block with more than `i` elements.
    #[inline(always)]
    pub unsafe fn double_field(self, i: usize) -> f64 {
        // SAFETY: in bounds by the caller's guarantee.
        unsafe { *(self.0 as *const f64).add(i) }
    }
    /// # Safety
    /// `self` must be a live Double_array_tag block with more than `i` elements.
    #[inline(always)]
    pub unsafe fn set_double_field(self, i: usize, f: f64) {
        // SAFETY: in bounds by the caller's guarantee.
        unsafe { *(self.0 as *mut f64).add(i) = f }
    }
    /// Raw word `i` of a block's body as usize (custom data, abstract data).
    ///
    /// # Safety
    /// `self` must be a live block with more than `i` words.
    #[inline(always)]
    pub unsafe fn raw(self, i: usize) -> usize {
        // SAFETY: in bounds by the caller's guarantee.
        unsafe { *(self.0 as *const usize).add(i) }
    }
    /// # Safety
    /// `self` must be a live block with more than `i` words.
    #[inline(always)]
    pub unsafe fn set_raw(self, i: usize, w: usize) {
        // SAFETY: in bounds by the caller's guarantee.
        unsafe { *(self.0 as *mut usize).add(i) = w }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_int() {
            write!(f, "Int({})", self.int())
        } else {
            write!(f, "Ptr({:#x})", self.0)
        }
    }
}

/// A block header: `wosize (54 bits) | colour (2 bits) | tag (8 bits)`.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct Header(pub usize);

/// Colour bits, pre-shifted. Which of 0..2 means marked/unmarked/garbage rotates per cycle.
pub const COLOR_SHIFT: usize = 8;
pub const COLOR_MASK: usize = 3 << COLOR_SHIFT;
/// Colour of an unmarked major block (between cycles every major block is white).
pub const COLOR_WHITE: usize = 0;
/// Colour of a block the marker reached.
pub const COLOR_BLACK: usize = 1 << COLOR_SHIFT;
/// Blocks outside the managed heap (atoms, static data).
pub const NOT_MARKABLE: usize = 3 << COLOR_SHIFT;

impl Header {
    #[inline(always)]
    pub const fn new(wosize: usize, tag: u8, color: usize) -> Header {
        Header((wosize << 10) | color | tag as usize)
    }
    #[inline(always)]
    pub const fn wosize(self) -> usize {
        self.0 >> 10
    }
    #[inline(always)]
    pub const fn tag(self) -> u8 {
        self.0 as u8
    }
    #[inline(always)]
    pub const fn color(self) -> usize {
        self.0 & COLOR_MASK
    }
    #[inline(always)]
    pub const fn with_color(self, color: usize) -> Header {
        Header((self.0 & !COLOR_MASK) | color)
    }
}

/// Builds the closinfo word of a closure slot: `(arity << 56) + (startenv << 1) + 1`.
#[inline(always)]
pub const fn make_closinfo(arity: isize, startenv: usize) -> Value {
    Value(((arity as usize) << 56) + (startenv << 1) + 1)
}
/// The start-of-environment offset in a closinfo word.
#[inline(always)]
pub const fn closinfo_startenv(info: Value) -> usize {
    (info.0 << 8) >> 9
}

/// Wosize of a string of `len` bytes: always at least one padding byte.
#[inline(always)]
pub const fn string_wosize(len: usize) -> usize {
    (len + WORD) / WORD
}
