//! `Marshal` and `output_value`/`input_value`: the primitives of the stock `extern.c` and
//! `intern.c`, plus the channel reads and writes they (and `Digest.channel`) need.
//!
//! The marshaller itself is in [`extern_`]; unmarshalling is the loader's `intern` (shared
//! with the DATA section), called from here with the function name the stock runtime puts in
//! its error messages (`input_value`, `input_val_from_string`).
//!
//! Where the stock runtime `malloc`s a buffer or table whose size the message header states
//! (the data read from a channel, the table of shared objects), a size the C allocator
//! refuses raises `Out_of_memory` here too; warden only asks for such a block and gives it
//! back untouched ([`malloc_grants`]), so the memory it uses stays proportional to the data
//! actually present.

mod extern_;

use super::PrimFn;
use crate::algo::marshal_format::{MAGIC_BIG, MAGIC_COMPRESSED};
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::code_pointer::{code_index, code_value};
use crate::heap::value::{Value, STRING_TAG, WORD};
use crate::loader::intern::{self, CodeFragment, CodeResolver, MarshalHeader};
use crate::prims::io::channel::IoErr;
use crate::prims::io::with_chan;
use extern_::{flags_of_list, CodeInfo, Extern, ExternError};
use std::sync::Mutex;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_input_value", input_value),
    ("caml_input_value_from_bytes", input_value_from_bytes),
    ("caml_input_value_to_outside_heap", input_value),
    ("caml_marshal_data_size", marshal_data_size),
    ("caml_obj_reachable_words", obj_reachable_words),
    ("caml_output_value", output_value),
    ("caml_output_value_to_buffer", output_value_to_buffer),
    ("caml_output_value_to_bytes", output_value_to_bytes),
    ("caml_output_value_to_string", output_value_to_bytes),
];

// ---------------------------------------------------------------------------------------
// The program's code, for closures
// ---------------------------------------------------------------------------------------

/// The digest of the running program's code, computed once per program.
static DIGEST_CACHE: Mutex<Option<(usize, [u8; 16])>> = Mutex::new(None);

thread_local! {
    /// This thread's copy of `DIGEST_CACHE`, so that domains marshalling in parallel do not
    /// take its lock at every call.
    static LOCAL_DIGEST: std::cell::Cell<Option<(usize, [u8; 16])>> =
        const { std::cell::Cell::new(None) };
}

/// The running program's code: its length and the MD5 of its CODE section (the code words
/// as loaded, little-endian, without the runtime's stub words).
fn code_info() -> CodeInfo {
    crate::interp::with_current_program(code_info_of)
}

/// [`code_info`] of `program`.
fn code_info_of(program: &crate::interp::Program) -> CodeInfo {
    let key = program as *const crate::interp::Program as usize;
    let total_len = program.code.len();
    let fragments = || program.fragments().iter().map(|f| (f.start, f.len, f.digest)).collect();
    if let Some((k, digest)) = LOCAL_DIGEST.get() {
        if k == key {
            let program_len = program.program_len;
            return CodeInfo { program_len, total_len, digest, fragments: fragments() };
        }
    }
    let mut cache = DIGEST_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let digest = match *cache {
        Some((k, d)) if k == key => d,
        _ => {
            let d = intern::code_digest(&program.code[..program.program_len]);
            *cache = Some((key, d));
            d
        }
    };
    LOCAL_DIGEST.set(Some((key, digest)));
    CodeInfo { program_len: program.program_len, total_len, digest, fragments: fragments() }
}

/// The code that marshalled code pointers may designate: the program's function entries,
/// and those of the fragments loaded since start-up, each fragment known by its digest.
struct LoadedCode<'a> {
    info: CodeInfo,
    program: &'a crate::interp::Program,
}

impl CodeResolver for LoadedCode<'_> {
    fn resolve(&self, digest: &[u8; 16], ofs: u32) -> Option<Value> {
        let main = CodeFragment { digest: self.info.digest, entries: &self.program.entries };
        main.resolve(digest, ofs).or_else(|| {
            let frags = self.program.fragments();
            let f = frags.iter().find(|f| f.digest == *digest)?;
            let here = CodeFragment { digest: f.digest, entries: &f.entries };
            let local = here.resolve(digest, ofs)?;
            code_index(local).map(|i| code_value(f.start + i))
        })
    }
    fn is_code_pointer(&self, v: Value) -> bool {
        let main = CodeFragment { digest: self.info.digest, entries: &self.program.entries };
        main.is_code_pointer(v)
            || code_index(v).is_some_and(|i| {
                self.program.fragments().iter().any(|f| {
                    i >= f.start
                        && u32::try_from(i - f.start)
                            .is_ok_and(|r| f.entries.binary_search(&r).is_ok())
                })
            })
    }
}

// ---------------------------------------------------------------------------------------
// Channels
// ---------------------------------------------------------------------------------------

/// Writes a marshalled message to channel `chan` under one channel lock, then flushes the
/// channel if it is unbuffered (the channel part of `caml_output_val`).
fn write_message(dom: &mut Domain, chan: Value, parts: &[&[u8]]) -> Result<(), Exn> {
    let (mut part, mut done) = (0, 0);
    with_chan(dom, &[chan], |c, dom, _| {
        if !c.is_binary() {
            return Err(IoErr::Fail("output_value: not a binary channel"));
        }
        while let Some(p) = parts.get(part) {
            c.really_putblock(p, &mut done, dom)?;
            part += 1;
            done = 0;
        }
        c.flush_if_unbuffered(dom)
    })
}

/// How far `read_message` got, kept across the retries of an interrupted read.
enum Reading {
    /// The first 5 bytes, which tell the header's length.
    Magic,
    /// The rest of the header.
    Header,
    /// The data: `left` bytes still to add to the buffer.
    Data { left: usize, compressed: bool },
}

/// Reads one marshalled message, header and data, from channel `chan` under one channel lock
/// (the channel part of `caml_input_val`).
fn read_message(dom: &mut Domain, chan: Value) -> Result<Vec<u8>, Exn> {
    const TRUNCATED: &str = "input_value: truncated object";
    let mut msg = vec![0u8; 5];
    let (mut filled, mut stage) = (0, Reading::Magic);
    with_chan(dom, &[chan], |c, dom, _| {
        if !c.is_binary() {
            return Err(IoErr::Fail("input_value: not a binary channel"));
        }
        loop {
            while filled < msg.len() {
                match c.getblock(&mut msg[filled..], dom)? {
                    0 => break,
                    n => filled += n,
                }
            }
            if filled < msg.len() {
                return Ok(Err(if filled == 0 {
                    Exn::end_of_file()
                } else {
                    Exn::failure(TRUNCATED)
                }));
            }
            match stage {
                Reading::Magic => {
                    let hlen = match u32::from_be_bytes([msg[0], msg[1], msg[2], msg[3]]) {
                        MAGIC_BIG => 32,
                        MAGIC_COMPRESSED => (msg[4] & 0x3F) as usize,
                        _ => 20,
                    };
                    if hlen > 5 {
                        msg.resize(hlen, 0);
                    }
                    stage = Reading::Header;
                }
                Reading::Header => {
                    let h = match intern::parse_header(&msg) {
                        Ok(h) => h,
                        Err(m) => return Ok(Err(Exn::failure(format!("input_value: {m}")))),
                    };
                    // The stock runtime mallocs the whole data before reading it.
                    if !malloc_grants(h.data_len) {
                        return Ok(Err(Exn::out_of_memory()));
                    }
                    stage = Reading::Data { left: h.data_len, compressed: h.compressed };
                }
                // Read the data in bounded steps, so that a forged length fails as truncated
                // input rather than by reserving its whole size up front.
                Reading::Data { left: 0, compressed } => {
                    return Ok(if compressed {
                        Err(Exn::failure("input_value: compressed object, cannot decompress"))
                    } else {
                        Ok(std::mem::take(&mut msg))
                    });
                }
                Reading::Data { left, compressed } => {
                    let step = left.min(1 << 20);
                    if msg.try_reserve(step).is_err() {
                        return Ok(Err(Exn::out_of_memory()));
                    }
                    msg.resize(msg.len() + step, 0);
                    stage = Reading::Data { left: left - step, compressed };
                }
            }
        }
    })?
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

/// Runs `f`, which calls custom operations, with `dom` serving the C API calls of foreign
/// (C) ones: a `serialize` or `deserialize` that raises allocates its exception there.
fn with_ops<R>(dom: &mut Domain, f: impl FnOnce() -> R) -> R {
    crate::heap::custom::with_ops_domain(dom as *mut Domain as usize, f)
}

fn output_value(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let code = code_info();
    let m = with_ops(dom, || extern_::marshal(a[1], flags_of_list(a[2]), Some(&code)))?;
    write_message(dom, a[0], &[&m.header, &m.data])?;
    Ok(Value::UNIT)
}

fn output_value_to_bytes(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let code = code_info();
    let m = with_ops(dom, || extern_::marshal(a[0], flags_of_list(a[1]), Some(&code)))?;
    let s = dom.try_alloc_string(m.header.len() + m.data.len())?;
    // SAFETY: a fresh string of exactly this length.
    let dst = unsafe { s.bytes_mut() };
    dst[..m.header.len()].copy_from_slice(&m.header);
    dst[m.header.len()..].copy_from_slice(&m.data);
    Ok(s)
}

/// The bytes of a `bytes` argument, if it is one.
fn bytes_arg<'a>(v: Value) -> Option<&'a mut [u8]> {
    // SAFETY: the tag is checked before the block is read as a string; the slice is used
    // within one primitive that runs no OCaml code.
    unsafe { (v.is_block() && v.tag() == STRING_TAG).then(|| v.bytes_mut()) }
}

fn output_value_to_buffer(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let buf = bytes_arg(a[0])
        .ok_or_else(|| Exn::invalid_arg("Marshal.to_buffer: substring out of bounds"))?;
    let (ofs, len) = (a[1].int(), a[2].int());
    if ofs < 0 || len < 0 || ofs as usize > buf.len() || len as usize > buf.len() - ofs as usize {
        return Err(Exn::invalid_arg("Marshal.to_buffer: substring out of bounds"));
    }
    let window = &mut buf[ofs as usize..(ofs + len) as usize];
    let code = code_info();
    // The data goes after a small (20-byte) header, as the stock runtime guesses.
    let room = window.len().checked_sub(20);
    let mut e = Extern::new(flags_of_list(a[4]), Some(room.unwrap_or(0)), Some(&code));
    let res = if room.is_none() {
        Err(ExternError::Overflow)
    } else {
        with_ops(dom, || e.run(a[3]).and_then(|_| e.make_header()))
    };
    // Whatever was written before a failure is in the buffer, as with the stock runtime.
    if let Some(dst) = window.get_mut(20..20 + e.out.len()) {
        dst.copy_from_slice(&e.out);
    }
    let header = match res {
        Ok(h) => h,
        Err(ExternError::Overflow) => {
            return Err(Exn::failure("Marshal.to_buffer: buffer overflow"))
        }
        Err(ExternError::Exn(x)) => return Err(x),
    };
    let total = header.len() + e.out.len();
    if total > window.len() {
        return Err(Exn::failure("Marshal.to_buffer: buffer overflow"));
    }
    window[header.len()..total].copy_from_slice(&e.out);
    window[..header.len()].copy_from_slice(&header);
    Ok(Value::of_int(total as isize))
}

fn obj_reachable_words(_: &mut Domain, a: &[Value]) -> PrimResult {
    Ok(Value::of_int(extern_::reachable_words(a[0]) as isize))
}

// ---------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------

/// Whether the C allocator grants a block of `bytes` bytes now. The block is freed at once
/// without being touched (with overcommit, a grant costs no memory).
fn malloc_grants(bytes: usize) -> bool {
    if bytes == 0 {
        return true;
    }
    if crate::heap::shim::beyond_sanitizer_limit(bytes) {
        return false;
    }
    let Ok(layout) = std::alloc::Layout::from_size_align(bytes, WORD) else {
        return false;
    };
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { std::alloc::alloc(layout) };
    // Without this the compiler may drop an allocation nothing uses, and grant everything.
    let p = std::hint::black_box(p);
    if p.is_null() {
        return false;
    }
    // SAFETY: `p` was just allocated with this layout and is not used again.
    unsafe { std::alloc::dealloc(p, layout) };
    true
}

/// `Out_of_memory` when the stock runtime could not allocate its table of shared objects
/// for this message: one word per object, sized in wrapping arithmetic as it is there, and
/// only asked for when the header declares a non-zero heap size.
fn object_table_fits(h: &MarshalHeader) -> Result<(), Exn> {
    if h.whsize != 0 && h.num_objects > 0 && !malloc_grants(h.num_objects.wrapping_mul(WORD)) {
        return Err(Exn::out_of_memory());
    }
    Ok(())
}

/// Unmarshals the complete message `bytes` (header and data); errors are prefixed with
/// `fun_name` as in the stock runtime, except a bad code pointer's, which the stock runtime
/// always names `input_value`.
fn unmarshal(dom: &mut Domain, bytes: &[u8], fun_name: &str) -> PrimResult {
    let ops_dom = dom as *mut Domain as usize;
    let res = crate::interp::with_current_program(|program| {
        let code = LoadedCode { info: code_info_of(program), program };
        crate::heap::custom::with_ops_domain(ops_dom, || {
            intern::intern_with(dom, bytes, Some(&code))
        })
    });
    // A foreign (C) `deserialize` that raised stopped the reading: its exception is the
    // outcome, as in the stock runtime (nothing allocated since, so it needs no root).
    if let Some(e) = crate::heap::custom::take_raised() {
        return Err(Exn::Raise(e));
    }
    res.map(|(v, _)| v).map_err(|msg| {
        let fun_name = match msg.starts_with(intern::UNKNOWN_CODE) {
            true => "input_value",
            false => fun_name,
        };
        Exn::failure(format!("{fun_name}: {msg}"))
    })
}

fn input_value(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let msg = read_message(dom, a[0])?;
    if let Ok(h) = intern::parse_header(&msg) {
        object_table_fits(&h)?;
    }
    unmarshal(dom, &msg, "input_value")
}

fn input_value_from_bytes(dom: &mut Domain, a: &[Value]) -> PrimResult {
    const FUN: &str = "input_val_from_string";
    let s = bytes_arg(a[0]).ok_or_else(|| Exn::invalid_arg("Marshal.from_bytes"))?;
    let ofs = a[1].int();
    if ofs < 0 || ofs as usize > s.len() {
        return Err(Exn::invalid_arg("Marshal.from_bytes"));
    }
    let bytes: &[u8] = &s[ofs as usize..];
    let h = intern::parse_header(bytes).map_err(|m| Exn::failure(format!("{FUN}: {m}")))?;
    if h.header_len.checked_add(h.data_len).is_none_or(|n| n > bytes.len()) {
        return Err(Exn::failure(format!("{FUN}: bad length")));
    }
    object_table_fits(&h)?;
    if h.compressed {
        return Err(Exn::failure(format!("{FUN}: compressed object, cannot decompress")));
    }
    // Allocation never collects, so the argument string stays where it is while `intern`
    // reads it.
    unmarshal(dom, bytes, FUN)
}

fn marshal_data_size(_: &mut Domain, a: &[Value]) -> PrimResult {
    let bad = || Exn::failure("Marshal.data_size: bad object");
    let s = bytes_arg(a[0]).ok_or_else(bad)?;
    let ofs = a[1].int();
    let bytes = s.get(ofs.max(0) as usize..).filter(|_| ofs >= 0).ok_or_else(bad)?;
    match intern::data_size(bytes) {
        Ok((hlen, dlen)) => Ok(Value::of_int((hlen as isize - 16).wrapping_add(dlen as isize))),
        Err(m) if m.starts_with("object too large") => {
            Err(Exn::failure(format!("Marshal.data_size: {m}")))
        }
        Err(_) => Err(bad()),
    }
}
