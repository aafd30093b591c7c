//! The marshaller (stock `extern.c`): a value graph to the intern byte format, byte for
//! byte what `ocamlrun` writes, and the traversal behind `Obj.reachable_words`.
//!
//! Traversal is iterative: a block's first field is visited at once and its remaining
//! fields are kept as a (block, next field, end) entry on an explicit stack, so the order of
//! the output is the stock one and a list of millions of elements needs no Rust recursion.
//! Sharing is detected with a table from block address to object number (no collection
//! can run while marshalling, so addresses are stable); a block seen before is written as a
//! back-reference relative to the current object count. With `No_sharing` nothing is
//! numbered, and the header's object count is 0.
//!
//! Code pointers (closures, with the `Closures` flag) are written as the byte offset in the
//! program's code and the MD5 of its CODE section, as the stock runtime writes them.

use crate::exn::Exn;
use crate::heap::custom::ops_of;
use crate::heap::value::{
    closinfo_startenv, Value, ABSTRACT_TAG, CLOSURE_TAG, CONT_TAG, CUSTOM_TAG, DOUBLE_ARRAY_TAG,
    DOUBLE_TAG, FORCING_TAG, FORWARD_TAG, INFIX_TAG, LAZY_TAG, NOT_MARKABLE, NO_SCAN_TAG,
    STRING_TAG, WORD,
};

/// Flags of `Marshal.extern_flags`, as bits.
pub const NO_SHARING: u32 = 1;
pub const CLOSURES: u32 = 2;
pub const COMPAT_32: u32 = 4;
/// Requested compression; the stock build used as the oracle has no zstd, so it is ignored.
pub const COMPRESSED: u32 = 8;

use crate::algo::marshal_format::*;

/// Converts an OCaml `extern_flags list` to bits (`caml_convert_flag_list`).
pub fn flags_of_list(mut l: Value) -> u32 {
    const BITS: [u32; 4] = [NO_SHARING, CLOSURES, COMPAT_32, COMPRESSED];
    let mut flags = 0;
    // SAFETY: a list is either the empty-list immediate or a block of two fields.
    unsafe {
        while l.is_block() && l.wosize() >= 2 {
            let c = l.field(0);
            if c.is_int() {
                flags |= BITS.get(c.int() as usize).copied().unwrap_or(0);
            }
            l = l.field(1);
        }
    }
    flags
}

/// Where code pointers may point: the program's code and its digest.
pub struct CodeInfo {
    /// Words of code from the executable (code values below this are marshallable).
    pub program_len: usize,
    /// All code words (the runtime's stubs after the program's).
    pub total_len: usize,
    /// MD5 of the program's CODE section.
    pub digest: [u8; 16],
    /// The fragments loaded since start-up: first word, length, digest.
    pub fragments: Vec<(usize, usize, [u8; 16])>,
}

/// The table of blocks already written: address to object number. Open addressing with
/// linear probing and Fibonacci hashing (the high bits of `address * 2^64/phi`). Which slots
/// are taken is kept in a separate bit vector, 1/128 the size of the entries, so that the
/// common case (a block not seen before) usually stays in cache.
struct PosTable {
    /// 64 minus log2 of the slot count.
    shift: u32,
    mask: usize,
    /// Entry count that triggers growth (2/3 of the slots).
    threshold: usize,
    len: usize,
    present: Vec<u64>,
    entries: Vec<(usize, usize)>,
}

const HASH_FACTOR: u64 = 0x9E37_79B9_7F4A_7C15;

/// Log2 of a new table's slot count.
const INIT_LOG2: u32 = 8;

thread_local! {
    /// A table of the initial size left by this thread's last run, emptied: most runs
    /// marshal a few blocks, and allocating (and zeroing) a fresh table each time cost more
    /// than the marshalling itself.
    static SPARE_TABLE: std::cell::Cell<Option<PosTable>> = const { std::cell::Cell::new(None) };
}

impl PosTable {
    /// An empty table of the initial size (this thread's spare one if it has one).
    fn new() -> PosTable {
        SPARE_TABLE.take().unwrap_or_else(|| PosTable::with_log2(INIT_LOG2))
    }
    /// Keeps the table for this thread's next run if it still has the initial size: only
    /// the bit vector is cleared (an entry is read only where its bit is set).
    fn recycle(mut self) {
        if self.entries.len() == 1 << INIT_LOG2 {
            self.present.fill(0);
            self.len = 0;
            SPARE_TABLE.set(Some(self));
        }
    }
    fn with_log2(log2: u32) -> PosTable {
        let size = 1usize << log2;
        PosTable {
            shift: 64 - log2,
            mask: size - 1,
            threshold: size * 2 / 3,
            len: 0,
            present: vec![0; size.div_ceil(64)],
            entries: vec![(0, 0); size],
        }
    }
    #[inline]
    fn slot_of(&self, addr: usize) -> usize {
        ((addr as u64).wrapping_mul(HASH_FACTOR) >> self.shift) as usize
    }
    #[inline]
    fn taken(&self, h: usize) -> bool {
        self.present[h / 64] & (1 << (h % 64)) != 0
    }
    /// The number recorded for `addr`, or the free slot where it would go.
    #[inline]
    fn lookup(&self, addr: usize) -> Result<usize, usize> {
        let mut h = self.slot_of(addr);
        loop {
            if !self.taken(h) {
                return Err(h);
            }
            if self.entries[h].0 == addr {
                return Ok(self.entries[h].1);
            }
            h = (h + 1) & self.mask;
        }
    }
    /// Records `addr` as number `pos` in free slot `h` (from `lookup`).
    fn insert_at(&mut self, h: usize, addr: usize, pos: usize) {
        self.present[h / 64] |= 1 << (h % 64);
        self.entries[h] = (addr, pos);
        self.len += 1;
        if self.len >= self.threshold {
            self.grow();
        }
    }
    fn grow(&mut self) {
        let log2 = 64 - self.shift;
        // Fast growth while small, then doubling (as the stock runtime, to bound waste).
        let new_log2 = if self.entries.len() < 1_000_000 { log2 + 3 } else { log2 + 1 };
        let mut t = PosTable::with_log2(new_log2);
        for h in 0..self.entries.len() {
            if self.taken(h) {
                let (addr, pos) = self.entries[h];
                if let Err(slot) = t.lookup(addr) {
                    t.present[slot / 64] |= 1 << (slot % 64);
                    t.entries[slot] = (addr, pos);
                    t.len += 1;
                }
            }
        }
        *self = t;
    }
}

/// Why marshalling stopped.
pub enum ExternError {
    /// The output did not fit in the caller's buffer (`Marshal.to_buffer`).
    Overflow,
    /// Any other failure, as the exception to raise.
    Exn(Exn),
}

impl From<Exn> for ExternError {
    fn from(e: Exn) -> ExternError {
        ExternError::Exn(e)
    }
}

type R<T> = Result<T, ExternError>;

/// The result of marshalling: the header, and the data in `Extern::out`.
pub struct Marshalled {
    pub header: Vec<u8>,
    pub data: Vec<u8>,
}

/// One marshalling run.
pub struct Extern<'c> {
    flags: u32,
    /// The data written so far.
    pub out: Vec<u8>,
    /// Most data bytes allowed (the room left in a caller's buffer), if bounded.
    limit: Option<usize>,
    obj_counter: usize,
    size_32: usize,
    size_64: usize,
    positions: PosTable,
    code: Option<&'c CodeInfo>,
}

impl Drop for Extern<'_> {
    fn drop(&mut self) {
        // A placeholder with no slots (never looked up, never kept).
        let empty = PosTable {
            shift: 64 - INIT_LOG2,
            mask: 0,
            threshold: 0,
            len: 0,
            present: Vec::new(),
            entries: Vec::new(),
        };
        std::mem::replace(&mut self.positions, empty).recycle();
    }
}

fn invalid(msg: &str) -> ExternError {
    ExternError::Exn(Exn::invalid_arg(msg))
}
fn fail(msg: &str) -> ExternError {
    ExternError::Exn(Exn::failure(msg))
}

impl<'c> Extern<'c> {
    /// A run with `flags`, writing at most `limit` data bytes when given. `code` describes
    /// the program for closures (`None`: no closure can be marshalled).
    pub fn new(flags: u32, limit: Option<usize>, code: Option<&'c CodeInfo>) -> Extern<'c> {
        // Without zstd the stock runtime ignores the compression request.
        let flags = flags & !COMPRESSED;
        Extern {
            flags,
            // Room for a small value without growing.
            out: Vec::with_capacity(64),
            limit,
            obj_counter: 0,
            size_32: 0,
            size_64: 0,
            positions: PosTable::new(),
            code,
        }
    }

    fn room(&self, n: usize) -> R<()> {
        match self.limit {
            Some(l) if self.out.len() + n > l => Err(ExternError::Overflow),
            _ => Ok(()),
        }
    }
    fn bytes(&mut self, b: &[u8]) -> R<()> {
        self.room(b.len())?;
        self.out.extend_from_slice(b);
        Ok(())
    }
    fn byte(&mut self, b: u8) -> R<()> {
        self.bytes(&[b])
    }
    fn code8(&mut self, code: u8, n: usize) -> R<()> {
        self.bytes(&[code, n as u8])
    }
    fn code16(&mut self, code: u8, n: usize) -> R<()> {
        let b = (n as u16).to_be_bytes();
        self.bytes(&[code, b[0], b[1]])
    }
    fn code32(&mut self, code: u8, n: usize) -> R<()> {
        let b = (n as u32).to_be_bytes();
        self.bytes(&[code, b[0], b[1], b[2], b[3]])
    }
    fn code64(&mut self, code: u8, n: usize) -> R<()> {
        let mut b = [code; 9];
        b[1..].copy_from_slice(&(n as u64).to_be_bytes());
        self.bytes(&b)
    }

    fn int(&mut self, n: isize) -> R<()> {
        if (0..0x40).contains(&n) {
            self.byte(PREFIX_SMALL_INT + n as u8)
        } else if (-(1 << 7)..(1 << 7)).contains(&n) {
            self.code8(CODE_INT8, n as usize)
        } else if (-(1 << 15)..(1 << 15)).contains(&n) {
            self.code16(CODE_INT16, n as usize)
        } else if !(-(1 << 30)..(1 << 30)).contains(&n) {
            if self.flags & COMPAT_32 != 0 {
                return Err(fail("output_value: integer cannot be read back on 32-bit platform"));
            }
            self.code64(CODE_INT64, n as usize)
        } else {
            self.code32(CODE_INT32, n as usize)
        }
    }

    fn shared(&mut self, d: usize) -> R<()> {
        if d < 0x100 {
            self.code8(CODE_SHARED8, d)
        } else if d < 0x10000 {
            self.code16(CODE_SHARED16, d)
        } else if d >= 1 << 32 {
            self.code64(CODE_SHARED64, d)
        } else {
            self.code32(CODE_SHARED32, d)
        }
    }

    fn header(&mut self, sz: usize, tag: u8) -> R<()> {
        if tag < 16 && sz < 8 {
            return self.byte(PREFIX_SMALL_BLOCK + tag + ((sz as u8) << 4));
        }
        let hd = (sz << 10) | NOT_MARKABLE | tag as usize;
        if sz > 0x3F_FFFF && self.flags & COMPAT_32 != 0 {
            return Err(fail("output_value: array cannot be read back on 32-bit platform"));
        }
        if hd < 1 << 32 {
            self.code32(CODE_BLOCK32, hd)
        } else {
            self.code64(CODE_BLOCK64, hd)
        }
    }

    fn string(&mut self, s: &[u8]) -> R<()> {
        let len = s.len();
        if len < 0x20 {
            self.byte(PREFIX_SMALL_STRING + len as u8)?;
        } else if len < 0x100 {
            self.code8(CODE_STRING8, len)?;
        } else {
            if len > 0xFF_FFFB && self.flags & COMPAT_32 != 0 {
                return Err(fail("output_value: string cannot be read back on 32-bit platform"));
            }
            if len < 1 << 32 {
                self.code32(CODE_STRING32, len)?;
            } else {
                self.code64(CODE_STRING64, len)?;
            }
        }
        self.bytes(s)
    }

    fn double_array(&mut self, v: Value, n: usize) -> R<()> {
        if n < 0x100 {
            self.code8(CODE_DOUBLE_ARRAY8_LITTLE, n)?;
        } else {
            if n > 0x1F_FFFF && self.flags & COMPAT_32 != 0 {
                return Err(fail(
                    "output_value: float array cannot be read back on 32-bit platform",
                ));
            }
            if n < 1 << 32 {
                self.code32(CODE_DOUBLE_ARRAY32_LITTLE, n)?;
            } else {
                self.code64(CODE_DOUBLE_ARRAY64_LITTLE, n)?;
            }
        }
        // SAFETY: a Double_array_tag block of `n` words, each one f64.
        let raw = unsafe { std::slice::from_raw_parts(v.0 as *const u8, n * 8) };
        self.float_bytes(raw)
    }

    /// Doubles in little-endian order (the "native" codes on this machine).
    fn float_bytes(&mut self, raw: &[u8]) -> R<()> {
        if cfg!(target_endian = "little") {
            self.bytes(raw)
        } else {
            let swapped: Vec<u8> =
                raw.chunks_exact(8).flat_map(|c| c.iter().rev().copied()).collect();
            self.bytes(&swapped)
        }
    }

    fn custom(&mut self, v: Value) -> R<(usize, usize)> {
        // SAFETY: `v` is a live Custom_tag block.
        let ops = unsafe { ops_of(v) };
        let Some(serialize) = ops.serialize else {
            return Err(invalid("output_value: abstract value (Custom)"));
        };
        let id = ops.id.as_bytes();
        match ops.fixed_length {
            None => {
                self.byte(CODE_CUSTOM_LEN)?;
                self.bytes(id)?;
                self.byte(0)?;
                // Room for the two sizes; the stock check is strict here.
                if let Some(l) = self.limit {
                    if self.out.len() + 12 >= l {
                        return Err(ExternError::Overflow);
                    }
                }
                let at = self.out.len();
                self.out.extend_from_slice(&[0; 12]);
                let (s32, s64) = serialize(v, &mut self.out);
                raised_by_serialize()?;
                self.room(0)?;
                self.out[at..at + 4].copy_from_slice(&(s32 as u32).to_be_bytes());
                self.out[at + 4..at + 12].copy_from_slice(&(s64 as u64).to_be_bytes());
                Ok((s32, s64))
            }
            Some(fixed) => {
                self.byte(CODE_CUSTOM_FIXED)?;
                self.bytes(id)?;
                self.byte(0)?;
                let sizes = serialize(v, &mut self.out);
                raised_by_serialize()?;
                self.room(0)?;
                if sizes != fixed {
                    return Err(ExternError::Exn(Exn::fatal(format!(
                        "output_value: incorrect fixed sizes specified by {}",
                        ops.id
                    ))));
                }
                Ok(sizes)
            }
        }
    }

    fn code_pointer(&mut self, f: Value) -> R<()> {
        let idx = crate::heap::code_pointer::code_index(f);
        let code = self.code;
        match (idx, code) {
            (Some(i), Some(c)) if i < c.total_len => {
                if self.flags & CLOSURES == 0 {
                    return Err(invalid("output_value: functional value"));
                }
                let (ofs, d) = if i < c.program_len {
                    (i, c.digest)
                } else {
                    match c.fragments.iter().find(|f| (f.0..f.0 + f.1).contains(&i)) {
                        Some(&(start, _, d)) => (i - start, d),
                        None => return Err(invalid("output_value: private function")),
                    }
                };
                self.code32(CODE_CODEPOINTER, ofs * 4)?;
                self.bytes(&d)
            }
            _ => Err(invalid("output_value: abstract value (outside heap)")),
        }
    }

    /// Writes the code pointers, closure info words and infix headers of closure `v` (the
    /// words before its environment); returns where the environment starts.
    fn closure_up_to_env(&mut self, v: Value, sz: usize) -> R<usize> {
        // SAFETY: `v` is a live closure of `sz >= 1` words; every read below is at an index
        // checked against `sz`.
        unsafe {
            let startenv = if sz >= 2 { closinfo_startenv(v.field(1)).min(sz) } else { sz };
            let mut i = 0;
            loop {
                if i > 0 {
                    // An infix header, written as the integer its word reads as.
                    self.int((v.raw(i) as isize) >> 1)?;
                    i += 1;
                }
                if i >= sz {
                    break;
                }
                self.code_pointer(v.field(i))?;
                i += 1;
                if i >= sz {
                    break;
                }
                let info = v.field(i);
                i += 1;
                self.int(info.int())?;
                let arity = (info.0 as isize) >> 56;
                if arity != 0 && arity != 1 && i < sz {
                    self.code_pointer(v.field(i))?;
                    i += 1;
                }
                if i >= startenv {
                    break;
                }
            }
            Ok(i.max(startenv))
        }
    }

    /// Numbers block `v` (in free table slot `slot`) unless sharing is off.
    fn record(&mut self, v: Value, slot: usize) {
        if self.flags & NO_SHARING != 0 {
            return;
        }
        self.positions.insert_at(slot, v.0, self.obj_counter);
        self.obj_counter += 1;
    }

    /// Marshals `root` into `self.out`.
    pub fn run(&mut self, root: Value) -> R<()> {
        let sharing = self.flags & NO_SHARING == 0;
        let mut stack: Vec<(Value, usize, usize)> = Vec::new();
        let mut v = root;
        'next: loop {
            'item: {
                if v.is_int() {
                    self.int(v.int())?;
                    break 'item;
                }
                // SAFETY: `v` is a block reachable from the root, so live with a valid
                // header; each field read below is within its size.
                let (tag, sz) = unsafe { (v.tag(), v.wosize()) };
                if tag == FORWARD_TAG && sz >= 1 {
                    // SAFETY: a forward block has its target in field 0.
                    let f = unsafe { v.field(0) };
                    // SAFETY: the tag is read only when `f` is a block.
                    let keep = f.is_block()
                        && matches!(
                            unsafe { f.tag() },
                            FORWARD_TAG | LAZY_TAG | FORCING_TAG | DOUBLE_TAG
                        );
                    if !keep {
                        v = f;
                        continue 'next;
                    }
                }
                if sz == 0 {
                    // Atoms are never numbered: they are shared by construction.
                    self.header(0, tag)?;
                    break 'item;
                }
                let mut slot = 0;
                if sharing {
                    match self.positions.lookup(v.0) {
                        Ok(pos) => {
                            self.shared(self.obj_counter - pos)?;
                            break 'item;
                        }
                        Err(h) => slot = h,
                    }
                }
                match tag {
                    STRING_TAG => {
                        // SAFETY: a live String_tag block.
                        let s = unsafe { v.bytes() };
                        self.string(s)?;
                        self.size_32 += 1 + (s.len() + 4) / 4;
                        self.size_64 += 1 + (s.len() + 8) / 8;
                        self.record(v, slot);
                    }
                    DOUBLE_TAG => {
                        self.byte(CODE_DOUBLE_LITTLE)?;
                        // SAFETY: a Double_tag block holds 8 bytes.
                        let raw = unsafe { std::slice::from_raw_parts(v.0 as *const u8, 8) };
                        self.float_bytes(raw)?;
                        self.size_32 += 3;
                        self.size_64 += 2;
                        self.record(v, slot);
                    }
                    DOUBLE_ARRAY_TAG => {
                        self.double_array(v, sz)?;
                        self.size_32 += 1 + 2 * sz;
                        self.size_64 += 1 + sz;
                        self.record(v, slot);
                    }
                    ABSTRACT_TAG => return Err(invalid("output_value: abstract value (Abstract)")),
                    INFIX_TAG => {
                        let ofs = sz * WORD;
                        self.code32(CODE_INFIXPOINTER, ofs)?;
                        v = Value(v.0 - ofs);
                        continue 'next;
                    }
                    CUSTOM_TAG => {
                        let (s32, s64) = self.custom(v)?;
                        self.size_32 += 2 + ((s32 + 3) >> 2);
                        self.size_64 += 2 + ((s64 + 7) >> 3);
                        self.record(v, slot);
                    }
                    CLOSURE_TAG => {
                        self.header(sz, tag)?;
                        self.size_32 += 1 + sz;
                        self.size_64 += 1 + sz;
                        self.record(v, slot);
                        let i = self.closure_up_to_env(v, sz)?;
                        if i >= sz {
                            break 'item;
                        }
                        if i + 1 < sz {
                            stack.push((v, i + 1, sz));
                        }
                        // SAFETY: `i < sz`.
                        v = unsafe { v.field(i) };
                        continue 'next;
                    }
                    CONT_TAG => return Err(invalid("output_value: continuation value")),
                    _ if tag >= NO_SCAN_TAG => {
                        // No other no-scan tag exists; refuse rather than read raw words.
                        return Err(invalid("output_value: abstract value (Abstract)"));
                    }
                    _ => {
                        self.header(sz, tag)?;
                        self.size_32 += 1 + sz;
                        self.size_64 += 1 + sz;
                        self.record(v, slot);
                        if sz > 1 {
                            stack.push((v, 1, sz));
                        }
                        // SAFETY: `sz >= 1`.
                        v = unsafe { v.field(0) };
                        continue 'next;
                    }
                }
            }
            // Next pending field, if any.
            let Some(top) = stack.last_mut() else { return Ok(()) };
            // SAFETY: entries hold live blocks and `next < end <= wosize`.
            v = unsafe { top.0.field(top.1) };
            top.1 += 1;
            if top.1 == top.2 {
                stack.pop();
            }
        }
    }

    /// The header for the data written (small unless something needs 64 bits).
    pub fn make_header(&self) -> R<Vec<u8>> {
        let len = self.out.len();
        let mut h = Vec::with_capacity(32);
        if len >= 1 << 32 || self.size_32 >= 1 << 32 || self.size_64 >= 1 << 32 {
            if self.flags & COMPAT_32 != 0 {
                return Err(fail(
                    "output_value: object too big to be read back on 32-bit platform",
                ));
            }
            h.extend_from_slice(&MAGIC_BIG.to_be_bytes());
            h.extend_from_slice(&0u32.to_be_bytes());
            h.extend_from_slice(&(len as u64).to_be_bytes());
            h.extend_from_slice(&(self.obj_counter as u64).to_be_bytes());
            h.extend_from_slice(&(self.size_64 as u64).to_be_bytes());
        } else {
            h.extend_from_slice(&MAGIC_SMALL.to_be_bytes());
            for n in [len, self.obj_counter, self.size_32, self.size_64] {
                h.extend_from_slice(&(n as u32).to_be_bytes());
            }
        }
        Ok(h)
    }
}

/// The exception a foreign (C) `serialize` raised, if any: marshalling stops with it, as in
/// the stock runtime (nothing allocates before it is raised, so it needs no root).
fn raised_by_serialize() -> R<()> {
    match crate::heap::custom::take_raised() {
        Some(e) => Err(ExternError::Exn(Exn::Raise(e))),
        None => Ok(()),
    }
}

/// Marshals `v` with `flags` to header and data (unbounded output).
pub fn marshal(v: Value, flags: u32, code: Option<&CodeInfo>) -> Result<Marshalled, Exn> {
    let mut e = Extern::new(flags, None, code);
    let res = e.run(v).and_then(|_| e.make_header());
    match res {
        Ok(header) => Ok(Marshalled { header, data: std::mem::take(&mut e.out) }),
        Err(ExternError::Exn(x)) => Err(x),
        Err(ExternError::Overflow) => Err(Exn::out_of_memory()),
    }
}

/// `Obj.reachable_words`: words (headers included) of the blocks reachable from `v`,
/// each counted once; closures from their environment on, infix pointers as their closure.
pub fn reachable_words(v: Value) -> usize {
    let mut seen = PosTable::new();
    let mut stack: Vec<(Value, usize, usize)> = Vec::new();
    let mut size = 0usize;
    let mut v = v;
    loop {
        let slot = if v.is_block() { seen.lookup(v.0).err() } else { None };
        if let Some(slot) = slot {
            // SAFETY: `v` is reachable from the root, so a live block with a valid header;
            // fields are read below its size.
            let (tag, sz) = unsafe { (v.tag(), v.wosize()) };
            if tag == INFIX_TAG {
                v = Value(v.0 - sz * WORD);
                continue;
            }
            seen.insert_at(slot, v.0, 0);
            size += 1 + sz;
            // Continuations hold a stack reference, not values to follow.
            if tag < NO_SCAN_TAG && tag != CONT_TAG {
                let first = if tag == CLOSURE_TAG && sz >= 2 {
                    // SAFETY: field 1 of a closure is its info word.
                    closinfo_startenv(unsafe { v.field(1) })
                } else if tag == CLOSURE_TAG {
                    sz
                } else {
                    0
                };
                if first < sz {
                    if first + 1 < sz {
                        stack.push((v, first + 1, sz));
                    }
                    // SAFETY: `first < sz`.
                    v = unsafe { v.field(first) };
                    continue;
                }
            }
        }
        let Some(top) = stack.last_mut() else { break };
        // SAFETY: entries hold live blocks and `next < end <= wosize`.
        v = unsafe { top.0.field(top.1) };
        top.1 += 1;
        if top.1 == top.2 {
            stack.pop();
        }
    }
    size
}

#[cfg(test)]
mod tests {
    use super::PosTable;

    #[test]
    fn position_table_grows_and_finds_everything() {
        let mut t = PosTable::new();
        let addr = |i: usize| 0x10_0000 + i * 24;
        for i in 0..200_000 {
            let slot = t.lookup(addr(i)).expect_err("not yet recorded");
            t.insert_at(slot, addr(i), i);
        }
        for i in (0..200_000).step_by(7) {
            assert_eq!(t.lookup(addr(i)), Ok(i));
        }
        assert!(t.lookup(addr(200_000)).is_err());
    }
}
