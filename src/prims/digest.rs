//! Digests and hashes: MD5 (`md5.c`), BLAKE2b (`blake2.c`), structural hashing (`hash.c`)
//! and the `Random` generator step (`prng.c`). The algorithms live in `md5`, `blake2`,
//! `hash` and `lxm`; this file decodes arguments and boxes results.
//!
//! A streaming BLAKE2b state is a `_blake2` custom block holding the state image inline
//! (the stock runtime points to a malloc'd context instead); like the stock block it has no
//! comparison, hash or serialisation, so `compare` and `Marshal` refuse it.

use super::io::channel::IoErr;
use super::PrimFn;
use crate::algo::blake2::{Blake2b, STATE_BYTES};
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::custom::{data_ptr, ops_of, CustomOps};
use crate::heap::value::{Value, CUSTOM_TAG, STRING_TAG};

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_blake2_bytes", blake2_string),
    ("caml_blake2_create", blake2_create),
    ("caml_blake2_final", blake2_final),
    ("caml_blake2_string", blake2_string),
    ("caml_blake2_update", blake2_update),
    ("caml_hash", hash),
    ("caml_lxm_next", lxm_next),
    ("caml_md5_bytes", md5_string),
    ("caml_md5_chan", md5_chan),
    ("caml_md5_string", md5_string),
    ("caml_string_hash", string_hash),
];

/// The bytes of a string argument. The slice borrows the domain, so nothing can allocate
/// or run OCaml code (which may move or free the block) while it is alive.
fn str_arg(_: &Domain, v: Value) -> Result<&[u8], Exn> {
    // SAFETY: the tag is checked first; the slice lives while the domain is borrowed, during
    // which no collection runs; no primitive writes a string.
    unsafe {
        if v.is_block() && v.tag() == STRING_TAG {
            return Ok(v.bytes());
        }
    }
    Err(Exn::invalid_arg("not a string"))
}

/// `s[ofs .. ofs + len]`, or the stdlib's error for a bad range (borrowing the domain, as
/// [`str_arg`]).
fn sub_arg<'d>(
    dom: &'d Domain,
    v: Value,
    ofs: Value,
    len: Value,
    what: &str,
) -> Result<&'d [u8], Exn> {
    let s = str_arg(dom, v)?;
    let (ofs, len) = (ofs.int(), len.int());
    if ofs < 0 || len < 0 || ofs as usize > s.len() || len as usize > s.len() - ofs as usize {
        return Err(Exn::invalid_arg(what));
    }
    Ok(&s[ofs as usize..(ofs + len) as usize])
}

// MD5

fn md5_string(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let d = crate::algo::md5::md5(sub_arg(dom, a[0], a[1], a[2], "Digest.substring")?);
    Ok(dom.alloc_bytes_from(&d))
}

/// `caml_md5_chan`: the digest of `len` bytes of a channel (all the rest when `len < 0`),
/// read under one channel lock straight from the channel's buffer.
fn md5_chan(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let mut toread = a[1].int();
    let mut ctx = crate::algo::md5::Md5::new();
    // The stock runtime reads through a 4 KiB buffer; the reads of the descriptor are the same.
    const STEP: usize = 4096;
    super::io::with_chan(dom, &[a[0]], |c, dom, _| {
        if toread < 0 {
            loop {
                match c.get_some(STEP, dom)? {
                    [] => return Ok(()),
                    src => ctx.update(src),
                }
            }
        }
        while toread > 0 {
            let src = c.get_some((toread as usize).min(STEP), dom)?;
            if src.is_empty() {
                return Err(IoErr::Eof);
            }
            ctx.update(src);
            toread -= src.len() as isize;
        }
        Ok(())
    })?;
    Ok(dom.alloc_bytes_from(&ctx.finish()))
}

// BLAKE2b

static BLAKE2_OPS: CustomOps = CustomOps {
    id: "_blake2",
    finalize: None,
    compare: None,
    hash: None,
    serialize: None,
    deserialize: None,
    fixed_length: None,
};

/// The state image stored in a `_blake2` block, as a pointer to its `STATE_BYTES` bytes.
fn blake2_image(v: Value) -> Result<*mut u8, Exn> {
    // SAFETY: the header and ops word are read only from a block, and the size is checked
    // before the data pointer is formed.
    unsafe {
        if v.is_block()
            && v.tag() == CUSTOM_TAG
            && v.wosize() > STATE_BYTES.div_ceil(8)
            && std::ptr::eq(ops_of(v), &BLAKE2_OPS)
        {
            return Ok(data_ptr(v));
        }
    }
    Err(Exn::invalid_arg("Digest: not a BLAKE2 state"))
}

/// Reads the streaming state kept in a `_blake2` block.
fn load_state(v: Value) -> Result<Blake2b, Exn> {
    let img = blake2_image(v)?;
    // SAFETY: `blake2_image` checked that the block holds STATE_BYTES bytes of state; they
    // are copied out before anything can allocate.
    Blake2b::from_state_bytes(unsafe { std::slice::from_raw_parts(img, STATE_BYTES) })
        .ok_or_else(|| Exn::invalid_arg("Digest: corrupted BLAKE2 state"))
}

/// Writes a streaming state back into its `_blake2` block.
fn store_state(v: Value, st: &Blake2b) -> Result<(), Exn> {
    let img = blake2_image(v)?;
    let bytes = st.to_state_bytes();
    // SAFETY: as in `load_state`; `bytes` is a separate buffer of STATE_BYTES bytes.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), img, STATE_BYTES) };
    Ok(())
}

fn hash_len(v: Value) -> Result<usize, Exn> {
    let n = v.int();
    if !(1..=64).contains(&n) {
        return Err(Exn::invalid_arg("Digest: hash length out of range"));
    }
    Ok(n as usize)
}

fn blake2_create(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let st = Blake2b::new(hash_len(a[0])?, str_arg(dom, a[1])?);
    let v = dom.alloc_custom(&BLAKE2_OPS, STATE_BYTES);
    store_state(v, &st)?;
    Ok(v)
}

fn blake2_update(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let mut st = load_state(a[0])?;
    st.update(sub_arg(dom, a[1], a[2], a[3], "Digest.BLAKE2.update")?);
    store_state(a[0], &st)?;
    Ok(Value::UNIT)
}

fn blake2_final(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let mut st = load_state(a[0])?;
    let d = st.final_in_place(hash_len(a[1])?);
    store_state(a[0], &st)?;
    Ok(dom.alloc_bytes_from(&d))
}

fn blake2_string(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let hl = hash_len(a[0])?;
    let mut st = Blake2b::new(hl, str_arg(dom, a[1])?);
    st.update(sub_arg(dom, a[2], a[3], a[4], "Digest.substring")?);
    Ok(dom.alloc_bytes_from(&st.finish()))
}

// Hashing

fn hash(dom: &mut Domain, a: &[Value]) -> PrimResult {
    // For foreign custom hash functions that call the C API (they may raise).
    let dom = dom as *mut Domain as usize;
    let (count, limit) = super::hash::hash_params(a[0].int(), a[1].int());
    let seed = a[2].int() as u32;
    // Whether a custom hash function ran (only those can raise).
    let ran_custom = std::cell::Cell::new(false);
    let custom_hash = |v: Value| -> Option<u32> {
        // SAFETY: the traversal calls this only on live Custom_tag blocks.
        let ops = unsafe { ops_of(v) };
        ops.hash.map(|f| {
            ran_custom.set(true);
            crate::heap::custom::with_ops_domain(dom, || f(v)) as u32
        })
    };
    // SAFETY: `a[3]` is a value of the running program; nothing runs OCaml code or moves
    // blocks during the traversal, and the custom hash functions only read their block.
    let h = unsafe { super::hash::hash_value(count, limit, seed, a[3], &custom_hash) };
    // A foreign (C) hash function that raised: the exception, as the stock runtime's.
    if ran_custom.get() {
        if let Some(e) = crate::heap::custom::take_raised() {
            return Err(crate::exn::Exn::Raise(e));
        }
    }
    Ok(Value::of_int(h as isize))
}

fn string_hash(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let seed = a[0].int() as u32;
    Ok(Value::of_int(super::hash::string_hash(seed, str_arg(dom, a[1])?) as isize))
}

// Random

fn lxm_next(dom: &mut Domain, a: &[Value]) -> PrimResult {
    let z = super::bigarray::with_int64x4(a[0], crate::algo::lxm::lxm_next)
        .ok_or_else(|| Exn::invalid_arg("Random: bad generator state"))?;
    Ok(super::ints::alloc_int64(dom, z as i64))
}
