//! Intern: the OCaml unmarshaller. It turns bytes in the intern format (DATA sections,
//! `Marshal` and `input_value` input) into values on the heap of a domain.
//!
//! The format is a header (20 bytes "small", 32 bytes "big"; the compressed header is
//! recognised and refused) then one item in prefix order: each block is its header code
//! followed by its fields. Blocks, strings, floats, float arrays and custom blocks are
//! numbered in reading order so that later items can refer back to them ("shared"
//! references, relative to the current count).
//!
//! What this module guarantees, whatever the input:
//! * no recursion: nesting is walked with an explicit work stack, so depth costs heap, not
//!   Rust stack;
//! * no panic and no out-of-bounds access: every length is checked against the bytes left,
//!   every back-reference against the objects read, and the words allocated against the
//!   size the header declares;
//! * memory stays proportional to the input whatever the header claims: the fields of all
//!   blocks opened but not yet filled never exceed the bytes left (each needs at least one),
//!   and custom blocks (whose in-heap size the input states) have a total allowance
//!   proportional to the data;
//! * only blocks the runtime can handle safely come out: tags that would give a reader a
//!   raw pointer (custom blocks written as plain blocks, infix, continuations, no-scan
//!   tags written as plain blocks) are refused, objects have their two header fields,
//!   closures are checked field by field against the code they point into, and infix
//!   pointers land on a real infix header;
//! * the result is fully initialised before anything else can run; allocation never
//!   collects (see `gc` docs), so the values held in Rust locals here stay valid.
//!
//! Storage follows the stock runtime: when the whole value fits in a young block (declared
//! size at most `MAX_YOUNG_WOSIZE` words), every object is allocated in the minor heap;
//! otherwise each goes straight to the major heap. Stores use `Gc::initialize`, which
//! remembers major-to-minor fields.
//!
//! Error messages are the part after `"<function>: "` in the stock runtime's `Failure`
//! (`ill-formed message`, `unknown custom block identifier _foo` ...); callers add the
//! function name (`input_value`, `input_val_from_string` ...).

use crate::domain::Domain;
use crate::gc::memprof::entries::SRC_MARSHAL;
use crate::heap::atoms::atom;
use crate::heap::custom::{self, DeserializeInput};
use crate::heap::value::{
    closinfo_startenv, string_wosize, Header, Value, ABSTRACT_TAG, CLOSURE_TAG, CONT_TAG,
    CUSTOM_TAG, DOUBLE_ARRAY_TAG, DOUBLE_TAG, INFIX_TAG, MAX_YOUNG_WOSIZE, NO_SCAN_TAG, OBJECT_TAG,
    STRING_TAG, WORD,
};

use crate::algo::marshal_format::*;

/// A parsed marshal header.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MarshalHeader {
    /// Bytes of the header itself.
    pub header_len: usize,
    /// Bytes of data after the header (compressed size for the compressed format).
    pub data_len: usize,
    /// Uncompressed data size (equal to `data_len` unless compressed).
    pub uncompressed_len: usize,
    /// Number of numbered objects (0 when marshalled without sharing).
    pub num_objects: usize,
    /// Heap words (headers included) the value needs on a 64-bit host.
    pub whsize: usize,
    pub compressed: bool,
}

/// A cursor over input bytes. Every read is bounds-checked.
#[derive(Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

const TRUNCATED: &str = "truncated object";

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.remaining() {
            return Err(TRUNCATED.to_string());
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    pub(crate) fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    /// A NUL-terminated string (without the NUL).
    pub(crate) fn cstring(&mut self) -> Result<&'a [u8], String> {
        let rest = &self.buf[self.pos..];
        let n = rest.iter().position(|&b| b == 0).ok_or_else(|| TRUNCATED.to_string())?;
        self.pos += n + 1;
        Ok(&rest[..n])
    }
    /// A variable-length quantity of the compressed header (7 bits per byte, big-endian,
    /// high bit set on every byte but the last).
    fn vlq(&mut self) -> Result<u64, String> {
        let mut n: u64 = 0;
        loop {
            let b = self.u8()?;
            if n >> 57 != 0 {
                return Err("object too large to be read back on this platform".to_string());
            }
            n = (n << 7) | u64::from(b & 0x7F);
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
    }
}

fn to_usize(n: u64) -> Result<usize, String> {
    usize::try_from(n).map_err(|_| "object too large to be read back on this platform".to_string())
}

/// The length of the header that starts with `prefix` (at least 5 bytes), for readers that
/// fetch the header in two steps, as `input_value` does from a channel.
pub fn header_len(prefix: &[u8]) -> Result<usize, String> {
    let mut r = Reader::new(prefix);
    match r.u32()? {
        MAGIC_SMALL => Ok(20),
        MAGIC_BIG => Ok(32),
        MAGIC_COMPRESSED => Ok(usize::from(r.u8()? & 0x3F)),
        _ => Err("bad object".to_string()),
    }
}

/// Parses the header at the start of `bytes`.
pub fn parse_header(bytes: &[u8]) -> Result<MarshalHeader, String> {
    let mut r = Reader::new(bytes);
    match r.u32()? {
        MAGIC_SMALL => {
            let data_len = r.u32()? as usize;
            let num_objects = r.u32()? as usize;
            let _whsize32 = r.u32()?;
            let whsize = r.u32()? as usize;
            Ok(MarshalHeader {
                header_len: 20,
                data_len,
                uncompressed_len: data_len,
                num_objects,
                whsize,
                compressed: false,
            })
        }
        MAGIC_BIG => {
            let _reserved = r.u32()?;
            let data_len = to_usize(r.u64()?)?;
            let num_objects = to_usize(r.u64()?)?;
            let whsize = to_usize(r.u64()?)?;
            Ok(MarshalHeader {
                header_len: 32,
                data_len,
                uncompressed_len: data_len,
                num_objects,
                whsize,
                compressed: false,
            })
        }
        MAGIC_COMPRESSED => {
            let header_len = usize::from(r.u8()? & 0x3F);
            let data_len = to_usize(r.vlq()?)?;
            let uncompressed_len = to_usize(r.vlq()?)?;
            let num_objects = to_usize(r.vlq()?)?;
            let _whsize32 = r.vlq()?;
            let whsize = to_usize(r.vlq()?)?;
            if r.pos() > header_len {
                return Err("bad object".to_string());
            }
            Ok(MarshalHeader {
                header_len,
                data_len,
                uncompressed_len,
                num_objects,
                whsize,
                compressed: true,
            })
        }
        _ => Err("bad object".to_string()),
    }
}

/// `(header length, data length)` of the marshalled value starting at `bytes` (what
/// `Marshal.data_size` needs; it reads at most the first 16 bytes, as the stock runtime).
pub fn data_size(bytes: &[u8]) -> Result<(usize, usize), String> {
    let mut r = Reader::new(bytes);
    match r.u32()? {
        MAGIC_SMALL => Ok((20, r.u32()? as usize)),
        MAGIC_BIG => {
            let _reserved = r.u32()?;
            Ok((32, to_usize(r.u64()?)?))
        }
        MAGIC_COMPRESSED => {
            let header_len = usize::from(r.u8()? & 0x3F);
            Ok((header_len, to_usize(r.vlq()?)?))
        }
        _ => Err("bad object".to_string()),
    }
}

/// The start of the error for a code pointer into no known fragment, or not at one of its
/// function entries (followed by the digest in hex).
pub const UNKNOWN_CODE: &str = "unknown code module";

/// Turns marshalled code pointers into warden's code values, and recognises them.
pub trait CodeResolver {
    /// The code value for byte offset `ofs` into the code fragment with this digest.
    fn resolve(&self, digest: &[u8; 16], ofs: u32) -> Option<Value>;
    /// Whether `v` is a code value of a loaded fragment (checked for closure fields).
    fn is_code_pointer(&self, v: Value) -> bool;
}

/// A code fragment whose instructions are numbered from 0 (the main program), as far as
/// closures may point into it: at its function entries only (the closure bodies and partial
/// applications' `RESTART`s that verification found, [`crate::loader::verify::Verified`]).
/// Any other offset, like one past the end, is not code of the fragment: the stock
/// runtime's "unknown code module" error.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CodeFragment<'a> {
    /// MD5 of the fragment's bytes as loaded.
    pub digest: [u8; 16],
    /// Its function entries, in words, ascending.
    pub entries: &'a [u32],
}

impl CodeFragment<'_> {
    fn is_entry(&self, index: usize) -> bool {
        u32::try_from(index).is_ok_and(|i| self.entries.binary_search(&i).is_ok())
    }
}

impl CodeResolver for CodeFragment<'_> {
    fn resolve(&self, digest: &[u8; 16], ofs: u32) -> Option<Value> {
        let ofs = ofs as usize;
        (*digest == self.digest && ofs.is_multiple_of(4) && self.is_entry(ofs / 4))
            .then(|| crate::heap::code_pointer::code_value(ofs / 4))
    }
    fn is_code_pointer(&self, v: Value) -> bool {
        crate::heap::code_pointer::code_index(v).is_some_and(|i| self.is_entry(i))
    }
}

/// MD5 of code words as the file holds them (little-endian), the digest `Marshal` writes
/// for a closure's code fragment.
pub fn code_digest(code: &[i32]) -> [u8; 16] {
    let mut md5 = crate::algo::md5::Md5::new();
    let mut bytes = [0u8; 256];
    let mut n = 0;
    // The stock words: the digest of translated code is the file's.
    crate::interp::translate::stock_words(code, |w| {
        bytes[n..n + 4].copy_from_slice(&w.to_le_bytes());
        n += 4;
        if n == bytes.len() {
            md5.update(&bytes);
            n = 0;
        }
    });
    md5.update(&bytes[..n]);
    md5.finish()
}

/// The program's code as a resolver whose digest is computed when the first code pointer
/// is met: most DATA sections hold none, and the digest is a pass over the whole code.
pub struct ProgramCode<'a> {
    code: &'a [i32],
    entries: &'a [u32],
    digest: std::cell::OnceCell<[u8; 16]>,
}

impl<'a> ProgramCode<'a> {
    pub fn new(code: &'a [i32], entries: &'a [u32]) -> ProgramCode<'a> {
        ProgramCode { code, entries, digest: std::cell::OnceCell::new() }
    }

    /// The fragment with its digest (computed now if it was not yet).
    pub fn fragment(&self) -> CodeFragment<'a> {
        let digest = *self.digest.get_or_init(|| code_digest(self.code));
        CodeFragment { digest, entries: self.entries }
    }
}

impl CodeResolver for ProgramCode<'_> {
    fn resolve(&self, digest: &[u8; 16], ofs: u32) -> Option<Value> {
        self.fragment().resolve(digest, ofs)
    }
    fn is_code_pointer(&self, v: Value) -> bool {
        // No digest needed: the entries alone decide.
        CodeFragment { digest: [0; 16], entries: self.entries }.is_code_pointer(v)
    }
}

/// Unmarshals the value at the start of `bytes`; code pointers (closures) are resolved
/// against `code` when given, and refused otherwise. Returns the value and the number of
/// bytes it occupied (header and data).
pub fn intern(
    dom: &mut Domain,
    bytes: &[u8],
    code: Option<&CodeFragment>,
) -> Result<(Value, usize), String> {
    intern_with(dom, bytes, code.map(|c| c as &dyn CodeResolver))
}

/// [`intern`] with any code resolver (several fragments, a debugger's placeholders ...).
pub fn intern_with(
    dom: &mut Domain,
    bytes: &[u8],
    code: Option<&dyn CodeResolver>,
) -> Result<(Value, usize), String> {
    let h = parse_header(bytes)?;
    if h.compressed {
        return Err("compressed marshalled data is not supported".to_string());
    }
    let total = h.header_len.checked_add(h.data_len).filter(|&t| t <= bytes.len());
    let Some(total) = total else {
        return Err(format!(
            "bad length (the header announces {} bytes of data, {} are present)",
            h.data_len,
            bytes.len().saturating_sub(h.header_len)
        ));
    };
    let data = &bytes[h.header_len..total];
    let mut st = Intern {
        dom,
        r: Reader::new(data),
        young: h.whsize >= 1 && h.whsize - 1 <= MAX_YOUNG_WOSIZE,
        budget: h.whsize,
        objects: (h.num_objects > 0).then(|| Vec::with_capacity(h.num_objects.min(data.len()))),
        promised: 1,
        custom_allowance: CUSTOM_ALLOWANCE_BASE
            .saturating_add(data.len().saturating_mul(CUSTOM_ALLOWANCE_PER_BYTE)),
        num_objects: h.num_objects,
        closures: Vec::new(),
        code,
    };
    let v = st.run()?;
    Ok((v, total))
}

/// Where an item read goes.
#[derive(Copy, Clone)]
enum Dest {
    /// The result.
    Root,
    /// Field `.1` of block `.0`.
    Field(Value, usize),
}

/// Pending work, innermost last.
enum Task {
    /// Read fields `next..end` of `block`, in order.
    Fields { block: Value, next: usize, end: usize },
    /// Read one item into a destination.
    One(Dest),
    /// Give the object a fresh id (unless it is a predefined exception).
    FreshOid(Value),
    /// Add `ofs` bytes to the pointer at the destination (an infix pointer).
    Shift(Dest, usize),
}

struct Intern<'a, 'd> {
    dom: &'d mut Domain,
    r: Reader<'a>,
    /// Allocate every object in the minor heap (the whole value is small).
    young: bool,
    /// Heap words the header allows that are not used yet.
    budget: usize,
    /// The objects read so far, when the data uses sharing.
    objects: Option<Vec<Value>>,
    num_objects: usize,
    /// Items queued but not read yet (fields of open blocks, the root, infix targets); each
    /// needs at least one more byte of input.
    promised: usize,
    /// Bytes of custom-block data that may still be allocated.
    custom_allowance: usize,
    /// Closure blocks to check once all their fields are read.
    closures: Vec<Value>,
    code: Option<&'a dyn CodeResolver>,
}

/// Payload reader handed to custom deserialisers; bounded by the data.
struct CustomInput<'r, 'a>(&'r mut Reader<'a>);

impl DeserializeInput for CustomInput<'_, '_> {
    fn read_u8(&mut self) -> Option<u8> {
        self.0.u8().ok()
    }
    fn read_bytes(&mut self, n: usize) -> Option<&[u8]> {
        self.0.take(n).ok()
    }
}

/// In-heap bytes custom blocks may take in all: a base, plus this much per byte of data
/// (honest data stays far below: an int64 takes 8 bytes for 12 of input).
const CUSTOM_ALLOWANCE_BASE: usize = 1 << 20;
const CUSTOM_ALLOWANCE_PER_BYTE: usize = 64;

/// Whether a block of this tag and a non-zero size may come out of unmarshalling. Refused:
/// continuations (their field is a stack), infix blocks (only valid inside closures), and
/// the no-scan tags, whose contents a generic block would fill with values (a Custom_tag
/// block built that way would hold a forged operations pointer, a String_tag one a forged
/// length). Strings, floats and custom blocks have their own item codes.
fn block_tag_allowed(tag: u8) -> bool {
    tag < NO_SCAN_TAG && tag != CONT_TAG && tag != INFIX_TAG
}

/// Whether a zero-size block (an atom) of this tag is acceptable.
fn atom_tag_allowed(tag: u8) -> bool {
    !matches!(tag, CONT_TAG | CLOSURE_TAG | OBJECT_TAG | INFIX_TAG | CUSTOM_TAG)
}

impl Intern<'_, '_> {
    fn run(&mut self) -> Result<Value, String> {
        let mut result = Value::UNIT;
        let mut stack = vec![Task::One(Dest::Root)];
        while let Some(task) = stack.pop() {
            let dest = match task {
                Task::Fields { block, next, end } => {
                    if next + 1 < end {
                        stack.push(Task::Fields { block, next: next + 1, end });
                    }
                    Dest::Field(block, next)
                }
                Task::One(d) => d,
                Task::FreshOid(obj) => {
                    self.fresh_oid(obj);
                    continue;
                }
                Task::Shift(d, ofs) => {
                    self.shift(d, ofs, &mut result)?;
                    continue;
                }
            };
            // Every queued destination was counted when it was queued.
            self.promised -= 1;
            self.item(dest, &mut stack, &mut result)?;
        }
        for i in 0..self.closures.len() {
            self.check_closure(self.closures[i])?;
        }
        Ok(result)
    }

    fn store(&mut self, dest: Dest, v: Value, result: &mut Value) {
        match dest {
            Dest::Root => *result = v,
            // Every field was pre-filled with an immediate, so `initialize` is right.
            Dest::Field(block, i) => self.dom.young.initialize(block, i, v),
        }
    }

    /// Allocates an object of `wosize` words (>= 1), charging the header's budget.
    fn alloc(&mut self, wosize: usize, tag: u8, force_major: bool) -> Result<Value, String> {
        let whsize = wosize + 1;
        if whsize > self.budget {
            return Err(format!(
                "ill-formed message (the data needs more heap than its header declares, at byte {})",
                self.r.pos()
            ));
        }
        self.budget -= whsize;
        // Each object is sampled by the memory profiler as the stock runtime does (source
        // `Marshal`), not at the arena's trigger.
        let v = if self.young && !force_major && wosize <= MAX_YOUNG_WOSIZE {
            let (v, spilled) = self.dom.alloc_small_untracked(wosize, tag);
            self.dom.memprof_track(v, wosize, whsize, SRC_MARSHAL, true, spilled);
            v
        } else {
            let v = self.dom.alloc_major_untracked(wosize, tag);
            self.dom.memprof_track(v, wosize, whsize, SRC_MARSHAL, false, false);
            v
        };
        Ok(v)
    }

    /// Numbers a new object for later shared references.
    fn record(&mut self, v: Value) -> Result<(), String> {
        if let Some(table) = &mut self.objects {
            if table.len() >= self.num_objects {
                return Err(format!(
                    "ill-formed message (more objects than the {} the header declares)",
                    self.num_objects
                ));
            }
            table.push(v);
        }
        Ok(())
    }

    /// Queues `n` more items to read, if the input can still hold them.
    fn promise(&mut self, n: usize) -> Result<(), String> {
        match self.promised.checked_add(n) {
            Some(p) if p <= self.r.remaining() => {
                self.promised = p;
                Ok(())
            }
            _ => Err(TRUNCATED.to_string()),
        }
    }

    fn ill_formed(&self, what: impl std::fmt::Display) -> String {
        format!("ill-formed message ({what}, at byte {})", self.r.pos())
    }

    fn item(
        &mut self,
        dest: Dest,
        stack: &mut Vec<Task>,
        result: &mut Value,
    ) -> Result<(), String> {
        let code = self.r.u8()?;
        if code >= PREFIX_SMALL_BLOCK {
            return self.block(dest, code & 0xF, usize::from((code >> 4) & 0x7), stack, result);
        }
        if code >= PREFIX_SMALL_INT {
            self.store(dest, Value::of_int(isize::from(code & 0x3F)), result);
            return Ok(());
        }
        if code >= PREFIX_SMALL_STRING {
            return self.string(dest, usize::from(code & 0x1F), result);
        }
        match code {
            CODE_INT8 => {
                let n = self.r.u8()? as i8;
                self.store(dest, Value::of_int(n as isize), result);
            }
            CODE_INT16 => {
                let n = self.r.u16()? as i16;
                self.store(dest, Value::of_int(n as isize), result);
            }
            CODE_INT32 => {
                let n = self.r.u32()? as i32;
                self.store(dest, Value::of_int(n as isize), result);
            }
            CODE_INT64 => {
                let n = self.r.u64()? as i64;
                self.store(dest, Value::of_int(n as isize), result);
            }
            CODE_SHARED8 => {
                let ofs = u64::from(self.r.u8()?);
                self.shared(dest, ofs, result)?;
            }
            CODE_SHARED16 => {
                let ofs = u64::from(self.r.u16()?);
                self.shared(dest, ofs, result)?;
            }
            CODE_SHARED32 => {
                let ofs = u64::from(self.r.u32()?);
                self.shared(dest, ofs, result)?;
            }
            CODE_SHARED64 => {
                let ofs = self.r.u64()?;
                self.shared(dest, ofs, result)?;
            }
            CODE_BLOCK32 => {
                let h = self.r.u32()?;
                self.block(dest, h as u8, (h >> 10) as usize, stack, result)?;
            }
            CODE_BLOCK64 => {
                let h = self.r.u64()?;
                self.block(dest, h as u8, to_usize(h >> 10)?, stack, result)?;
            }
            CODE_STRING8 => {
                let len = usize::from(self.r.u8()?);
                self.string(dest, len, result)?;
            }
            CODE_STRING32 => {
                let len = self.r.u32()? as usize;
                self.string(dest, len, result)?;
            }
            CODE_STRING64 => {
                let len = to_usize(self.r.u64()?)?;
                self.string(dest, len, result)?;
            }
            CODE_DOUBLE_BIG | CODE_DOUBLE_LITTLE => {
                let f = read_float(self.r.array()?, code == CODE_DOUBLE_BIG);
                let v = self.alloc(1, DOUBLE_TAG, false)?;
                // SAFETY: v is a fresh Double_tag block of one word.
                unsafe { *(v.0 as *mut f64) = f };
                self.record(v)?;
                self.store(dest, v, result);
            }
            CODE_DOUBLE_ARRAY8_BIG | CODE_DOUBLE_ARRAY8_LITTLE => {
                let len = usize::from(self.r.u8()?);
                self.float_array(dest, len, code == CODE_DOUBLE_ARRAY8_BIG, result)?;
            }
            CODE_DOUBLE_ARRAY32_BIG | CODE_DOUBLE_ARRAY32_LITTLE => {
                let len = self.r.u32()? as usize;
                self.float_array(dest, len, code == CODE_DOUBLE_ARRAY32_BIG, result)?;
            }
            CODE_DOUBLE_ARRAY64_BIG | CODE_DOUBLE_ARRAY64_LITTLE => {
                let len = to_usize(self.r.u64()?)?;
                self.float_array(dest, len, code == CODE_DOUBLE_ARRAY64_BIG, result)?;
            }
            CODE_CODEPOINTER => {
                let ofs = self.r.u32()?;
                let digest: [u8; 16] = self.r.array()?;
                let v = self.code_pointer(&digest, ofs)?;
                self.store(dest, v, result);
            }
            CODE_INFIXPOINTER => {
                let ofs = self.r.u32()? as usize;
                self.promise(1)?;
                // Read the closure into the destination, then move the pointer.
                stack.push(Task::Shift(dest, ofs));
                stack.push(Task::One(dest));
            }
            OLD_CODE_CUSTOM => {
                return Err(
                    "custom blocks serialized with OCaml 4.08.0 (or prior) are no longer supported"
                        .to_string(),
                )
            }
            CODE_CUSTOM_LEN | CODE_CUSTOM_FIXED => {
                self.custom(dest, code == CODE_CUSTOM_FIXED, result)?
            }
            _ => return Err(self.ill_formed(format_args!("unknown item code {code:#04x}"))),
        }
        Ok(())
    }

    fn block(
        &mut self,
        dest: Dest,
        tag: u8,
        size: usize,
        stack: &mut Vec<Task>,
        result: &mut Value,
    ) -> Result<(), String> {
        if size == 0 {
            if !atom_tag_allowed(tag) {
                return Err(self.ill_formed(format_args!("empty block with tag {tag}")));
            }
            self.store(dest, atom(tag), result);
            return Ok(());
        }
        if !block_tag_allowed(tag) {
            return Err(
                self.ill_formed(format_args!("a block with tag {tag} cannot be unmarshalled"))
            );
        }
        if tag == OBJECT_TAG && size < 2 {
            return Err(self.ill_formed("object block with fewer than 2 fields"));
        }
        if tag == CLOSURE_TAG && self.code.is_none() {
            return Err(self.ill_formed("functional value, but no code to resolve it against"));
        }
        self.promise(size)?;
        let v = self.alloc(size, tag, false)?;
        for i in 0..size {
            // SAFETY: v is a fresh block of `size` fields; an immediate needs no barrier.
            unsafe { v.set_field_raw(i, Value::UNIT) };
        }
        self.record(v)?;
        self.store(dest, v, result);
        if tag == OBJECT_TAG {
            // Fields 0 and 1 (class, id) first, then the fresh id, then the rest.
            if size > 2 {
                stack.push(Task::Fields { block: v, next: 2, end: size });
            }
            stack.push(Task::FreshOid(v));
            stack.push(Task::Fields { block: v, next: 0, end: 2 });
        } else {
            if tag == CLOSURE_TAG {
                self.closures.push(v);
            }
            stack.push(Task::Fields { block: v, next: 0, end: size });
        }
        Ok(())
    }

    fn string(&mut self, dest: Dest, len: usize, result: &mut Value) -> Result<(), String> {
        let bytes = self.r.take(len)?;
        let wosize = string_wosize(len);
        let v = self.alloc(wosize, STRING_TAG, false)?;
        // SAFETY: v is a fresh String_tag block of `wosize` words, `wosize * WORD > len`;
        // the last word is cleared and its last byte records the padding, as OCaml's layout.
        unsafe {
            let p = v.0 as *mut u8;
            std::ptr::write_bytes(p.add((wosize - 1) * WORD), 0, WORD);
            *p.add(wosize * WORD - 1) = (wosize * WORD - 1 - len) as u8;
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, len);
        }
        self.record(v)?;
        self.store(dest, v, result);
        Ok(())
    }

    fn float_array(
        &mut self,
        dest: Dest,
        len: usize,
        big: bool,
        result: &mut Value,
    ) -> Result<(), String> {
        if len.checked_mul(8).is_none_or(|n| n > self.r.remaining()) {
            return Err(TRUNCATED.to_string());
        }
        let v = if len == 0 {
            if self.budget == 0 {
                return Err(self.ill_formed("the data needs more heap than its header declares"));
            }
            self.budget -= 1;
            atom(DOUBLE_ARRAY_TAG)
        } else {
            let v = self.alloc(len, DOUBLE_ARRAY_TAG, false)?;
            for i in 0..len {
                let f = read_float(self.r.array()?, big);
                // SAFETY: v is a fresh float array of `len` elements.
                unsafe { v.set_double_field(i, f) };
            }
            v
        };
        self.record(v)?;
        self.store(dest, v, result);
        Ok(())
    }

    fn shared(&mut self, dest: Dest, ofs: u64, result: &mut Value) -> Result<(), String> {
        let Some(table) = &self.objects else {
            return Err(self.ill_formed("shared reference in data marshalled without sharing"));
        };
        let count = table.len() as u64;
        if ofs == 0 || ofs > count {
            return Err(self.ill_formed(format_args!(
                "shared reference {ofs} back, but only {count} objects were read"
            )));
        }
        let v = table[(count - ofs) as usize];
        self.store(dest, v, result);
        Ok(())
    }

    fn code_pointer(&mut self, digest: &[u8; 16], ofs: u32) -> Result<Value, String> {
        if let Some(v) = self.code.and_then(|c| c.resolve(digest, ofs)) {
            return Ok(v);
        }
        // The debugger's stand-in for functions of unknown code, when registered.
        if let Some(f) = self.dom.named_value("Debugger.function_placeholder") {
            // SAFETY: named values are live; the tag and size are checked before the read.
            unsafe {
                if f.is_block() && f.tag() == CLOSURE_TAG && f.wosize() >= 1 {
                    return Ok(f.field(0));
                }
            }
        }
        let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
        Err(format!("{UNKNOWN_CODE} {hex}"))
    }

    fn custom(&mut self, dest: Dest, fixed: bool, result: &mut Value) -> Result<(), String> {
        let id_bytes = self.r.cstring()?;
        let id = String::from_utf8_lossy(id_bytes).into_owned();
        let ops = std::str::from_utf8(id_bytes)
            .ok()
            .and_then(custom::find)
            .ok_or_else(|| format!("unknown custom block identifier {id}"))?;
        let size = if fixed {
            match ops.fixed_length {
                Some((_, size64)) => size64,
                None => return Err(format!("expected a fixed-size custom block {id}")),
            }
        } else {
            let _size32 = self.r.u32()?;
            let size = to_usize(self.r.u64()?)?;
            // A fixed-size kind's deserialiser fills exactly its fixed size: another stated
            // size would make it write past the block.
            if ops.fixed_length.is_some_and(|(_, fixed)| fixed != size) {
                return Err(format!("error while deserializing custom block {id}"));
            }
            size
        };
        if size > self.custom_allowance {
            return Err(self.ill_formed(format_args!("custom block {id} of {size} bytes")));
        }
        self.custom_allowance -= size;
        let Some(deserialize) = ops.deserialize else {
            return Err(format!("custom block {id} cannot be unmarshalled"));
        };
        let wosize = 1 + size.div_ceil(WORD);
        // Blocks with a finaliser live in the major heap, where the sweeper finalises them.
        let v = self.alloc(wosize, CUSTOM_TAG, ops.finalize.is_some())?;
        // SAFETY: v is a fresh block of `wosize` words: the operations word, then data.
        unsafe {
            v.set_raw(0, custom::ops_word(ops));
            for i in 1..wosize {
                v.set_raw(i, 0);
            }
        }
        let filled = deserialize(&mut CustomInput(&mut self.r), v);
        if filled != Some(size) {
            // Make the half-built block inert: no finaliser or comparison may read it.
            // SAFETY: v is the live block just allocated; only its tag changes.
            unsafe {
                let h = v.header();
                *v.header_ptr() = Header::new(h.wosize(), ABSTRACT_TAG, h.color()).0;
            }
            return Err(format!("error while deserializing custom block {id}"));
        }
        self.record(v)?;
        self.store(dest, v, result);
        Ok(())
    }

    fn fresh_oid(&mut self, obj: Value) {
        // SAFETY: obj is an Object_tag block of at least 2 fields (checked in `block`).
        let id = unsafe { obj.field(1) };
        // Predefined exceptions carry negative ids and keep them.
        if !(id.is_int() && id.int() < 0) {
            let fresh = Value::of_int(self.dom.oo_id);
            self.dom.oo_id += 1;
            self.dom.young.modify(obj, 1, fresh);
        }
    }

    /// Turns the closure pointer at `dest` into an infix pointer `ofs` bytes further, after
    /// checking that an infix header sits just before the target.
    fn shift(&mut self, dest: Dest, ofs: usize, result: &mut Value) -> Result<(), String> {
        let v = match dest {
            Dest::Root => *result,
            // SAFETY: the destination field belongs to a block being filled.
            Dest::Field(b, i) => unsafe { b.field(i) },
        };
        let k = ofs / WORD;
        // SAFETY: `v` is a live block (checked first: an object read earlier or an atom), and
        // field `k - 1` is read only after `k < wosize`.
        let ok = v.is_block()
            && ofs.is_multiple_of(WORD)
            && k >= 2
            && unsafe {
                v.tag() == CLOSURE_TAG && k < v.wosize() && {
                    let h = Header(v.raw(k - 1));
                    h.tag() == INFIX_TAG && h.wosize() == k
                }
            };
        if !ok {
            return Err(self.ill_formed(format_args!(
                "infix pointer {ofs} bytes into a value that has no closure there"
            )));
        }
        let shifted = Value(v.0 + ofs);
        match dest {
            Dest::Root => *result = shifted,
            // SAFETY: same field as above; the shifted pointer is inside the same block, so
            // the remembered set needs no update.
            Dest::Field(b, i) => unsafe { b.set_field_raw(i, shifted) },
        }
        Ok(())
    }

    /// Checks the code part of a closure: a sequence of entries (code pointer, closure info,
    /// second code pointer when the arity is not 0 or 1) separated by infix headers, up to
    /// the start of the environment that the first closure info names.
    fn check_closure(&self, c: Value) -> Result<(), String> {
        let Some(code) = self.code else {
            return Err("ill-formed message (functional value without code)".to_string());
        };
        let bad = |what: &str| format!("ill-formed message (closure with {what})");
        // SAFETY: c is a Closure_tag block whose fields were all read; every index is below
        // its wosize (checked against `startenv <= n` and the loop bounds).
        unsafe {
            let n = c.wosize();
            if n < 2 || !c.field(1).is_int() {
                return Err(bad("no closure information"));
            }
            let startenv = closinfo_startenv(c.field(1));
            if startenv < 2 || startenv > n {
                return Err(bad("an environment start outside the block"));
            }
            let mut i = 0;
            loop {
                if i > 0 {
                    let h = Header(c.raw(i));
                    if h.tag() != INFIX_TAG || h.wosize() != i + 1 {
                        return Err(bad("a bad infix header"));
                    }
                    i += 1;
                }
                if i + 1 >= startenv {
                    return Err(bad("an entry that overlaps the environment"));
                }
                if !code.is_code_pointer(c.field(i)) {
                    return Err(bad("a field that is not a code pointer"));
                }
                let info = c.field(i + 1);
                if !info.is_int() || closinfo_startenv(info) + i != startenv {
                    return Err(bad("inconsistent closure information"));
                }
                let arity = (info.0 as isize) >> 56;
                i += 2;
                if arity != 0 && arity != 1 {
                    if i >= startenv || !code.is_code_pointer(c.field(i)) {
                        return Err(bad("a missing direct entry point"));
                    }
                    i += 1;
                }
                if i >= startenv {
                    break;
                }
            }
        }
        Ok(())
    }
}

fn read_float(b: [u8; 8], big: bool) -> f64 {
    if big {
        f64::from_be_bytes(b)
    } else {
        f64::from_le_bytes(b)
    }
}

#[cfg(test)]
mod tests;
