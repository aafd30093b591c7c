//! Structural hashing as `caml_hash` does it (`Hashtbl.hash`, `Hashtbl.seeded_hash`,
//! `Hashtbl.hash_param`), and the MurmurHash3-style mixing steps it is built from, which
//! custom blocks (`Int64`, `Bigarray` ...) and `caml_string_hash` use too.
//!
//! This module owns the mixing functions and the traversal [`hash_value`]. It does not own
//! the hash functions of custom blocks: the caller passes a closure that finds a custom
//! block's operations and returns its hash.
//!
//! The traversal is breadth-first over a queue of at most [`HASH_QUEUE_SIZE`] values. `limit`
//! (the "total" parameter) caps how many values ever enter the queue; `count` (the
//! "meaningful" parameter) caps how many values are mixed: integers, strings, floats, each
//! element of a float array, object ids, custom blocks with a hash function, and every word
//! before the environment of a closure. Headers of ordinary blocks and closures are mixed
//! (without colour bits) but not counted. The result is folded into 30 bits so that it is the
//! same non-negative OCaml int on 32- and 64-bit machines.
//!
//! Differences from the stock runtime, all invisible to well-formed programs:
//! * **Closures.** The stock runtime mixes the raw code pointers of a closure, which change
//!   from run to run with address-space randomisation, so no program can rely on them.
//!   warden stores a code pointer as a tagged integer (the instruction index) and mixes that
//!   word the same way, so a closure's hash is stable across runs under warden. The closure
//!   info words, infix headers and the environment are hashed exactly as in the stock runtime.
//! * **Malformed blocks** are handled without reading outside the block or looping forever,
//!   where the stock runtime has undefined behaviour: a closure's start-of-environment is
//!   clamped to its size (and taken as its size if the block has fewer than 2 fields), an
//!   object with fewer than 2 fields or a float with no field mixes nothing, a string whose
//!   padding byte is out of range is read as having length 0, and an infix pointer that does
//!   not lead to a closure is abandoned.

use crate::heap::value::{
    closinfo_startenv, Value, ABSTRACT_TAG, CLOSURE_TAG, CONT_TAG, CUSTOM_TAG, DOUBLE_ARRAY_TAG,
    DOUBLE_TAG, FORWARD_TAG, INFIX_TAG, OBJECT_TAG, STRING_TAG, WORD,
};

/// Largest number of values the traversal queue holds (and the largest useful `limit`).
pub const HASH_QUEUE_SIZE: usize = 256;
/// Most `Forward_tag` links followed from one queue entry (a cycle of forwards is possible).
pub const MAX_FORWARD_DEREFERENCE: usize = 1000;
/// Mask that folds a hash into a non-negative 31-bit OCaml int.
pub const HASH_MASK: u32 = 0x3FFF_FFFF;

/// Mixes one 32-bit word into the rolling hash (one MurmurHash3 body step).
#[inline]
pub fn mix_u32(h: u32, d: u32) -> u32 {
    let d = d.wrapping_mul(0xcc9e_2d51).rotate_left(15).wrapping_mul(0x1b87_3593);
    (h ^ d).rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64)
}

/// The MurmurHash3 finaliser (avalanche step).
#[inline]
pub fn final_mix(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// Mixes a native integer (`caml_hash_mix_intnat`). The two halves are folded so that a
/// value in `[-2^31, 2^31)` mixes as its low 32 bits, as on a 32-bit machine. The traversal
/// applies it to the *tagged* word of an immediate.
#[inline]
pub fn mix_intnat(h: u32, d: i64) -> u32 {
    mix_u32(h, ((d >> 32) ^ (d >> 63) ^ d) as u32)
}

/// Mixes a 64-bit integer as two words, low half first (`caml_hash_mix_int64`).
#[inline]
pub fn mix_i64(h: u32, d: i64) -> u32 {
    mix_u32(mix_u32(h, d as u32), (d >> 32) as u32)
}

/// Mixes a double (`caml_hash_mix_double`): low word then high word, with every NaN mixed
/// as the one NaN `0x7FF00000_00000001` and `-0.0` mixed as `+0.0`.
#[inline]
pub fn mix_double(h: u32, f: f64) -> u32 {
    let bits = f.to_bits();
    let (mut hi, mut lo) = ((bits >> 32) as u32, bits as u32);
    if hi & 0x7FF0_0000 == 0x7FF0_0000 && (lo | (hi & 0x000F_FFFF)) != 0 {
        hi = 0x7FF0_0000;
        lo = 0x0000_0001;
    } else if hi == 0x8000_0000 && lo == 0 {
        hi = 0;
    }
    mix_u32(mix_u32(h, lo), hi)
}

/// Mixes a single-precision float (`caml_hash_mix_float`, for float32 bigarrays), with the
/// same NaN and `-0.0` normalisation as [`mix_double`].
#[inline]
pub fn mix_float(h: u32, f: f32) -> u32 {
    let mut n = f.to_bits();
    if n & 0x7F80_0000 == 0x7F80_0000 && n & 0x007F_FFFF != 0 {
        n = 0x7F80_0001;
    } else if n == 0x8000_0000 {
        n = 0;
    }
    mix_u32(h, n)
}

/// Mixes the bytes of a string (`caml_hash_mix_string`): little-endian 32-bit words, then
/// the 1 to 3 leftover bytes as one word, then the low 32 bits of the length are xored in
/// (not mixed).
pub fn mix_string(mut h: u32, s: &[u8]) -> u32 {
    let mut words = s.chunks_exact(4);
    for w in &mut words {
        h = mix_u32(h, u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let w = rest.iter().rev().fold(0u32, |acc, &b| (acc << 8) | b as u32);
        h = mix_u32(h, w);
    }
    h ^ s.len() as u32
}

/// `caml_string_hash` (`String.hash`, `String.seeded_hash`): the string alone, finalised
/// and folded to 30 bits.
pub fn string_hash(seed: u32, s: &[u8]) -> u32 {
    final_mix(mix_string(seed, s)) & HASH_MASK
}

/// Converts the OCaml arguments of `caml_hash` (already untagged) into the unsigned
/// `(count, limit)` that [`hash_value`] takes: a negative count means nothing is mixed, and
/// a negative or too large limit means [`HASH_QUEUE_SIZE`]. The seed is `Int_val(seed) as
/// u32`, i.e. the low 32 bits.
pub fn hash_params(count: isize, limit: isize) -> (usize, usize) {
    let count = count.max(0) as usize;
    let limit = if limit < 0 || limit as usize > HASH_QUEUE_SIZE {
        HASH_QUEUE_SIZE
    } else {
        limit as usize
    };
    (count, limit)
}

/// Length of a String_tag block's contents, without trusting a malformed padding byte.
///
/// # Safety
/// `v` must be a live String_tag block.
unsafe fn string_bytes<'a>(v: Value) -> &'a [u8] {
    // SAFETY: `v` is a live String_tag block, so its header and `wosize` words are readable.
    let bsize = unsafe { v.wosize() }.saturating_mul(WORD);
    if bsize == 0 {
        return &[];
    }
    // SAFETY: byte `bsize - 1` is the last byte of the block's body, which is readable.
    let pad = unsafe { *(v.0 as *const u8).add(bsize - 1) } as usize;
    let len = (bsize - 1).saturating_sub(pad);
    // SAFETY: `len < bsize`, so the slice lies within the block's initialised body, and the
    // caller keeps the block alive for the duration of the hash.
    unsafe { std::slice::from_raw_parts(v.0 as *const u8, len) }
}

/// Hashes the value graph rooted at `v` exactly as `caml_hash(count, limit, seed, v)`
/// and returns the folded result (`h & 0x3FFFFFFF`, to be returned as an OCaml int).
///
/// `count` is the most meaningful values to mix and `limit` the most values to enqueue
/// (clamped to [`HASH_QUEUE_SIZE`]); see [`hash_params`] for converting OCaml arguments.
/// `custom_hash` is called on each Custom_tag block reached: it returns the block's hash
/// function result truncated to 32 bits, or `None` if the block's operations have no hash
/// function (then the block is skipped and not counted).
///
/// # Safety
/// `v` must be a valid OCaml value: every block reachable from it (through fields, forward
/// links and infix offsets) must be live with a correct header, and nothing may mutate or
/// move the graph during the call. `custom_hash` must not run OCaml code or allocate on the
/// OCaml heap.
pub unsafe fn hash_value(
    count: usize,
    limit: usize,
    seed: u32,
    v: Value,
    custom_hash: &dyn Fn(Value) -> Option<u32>,
) -> u32 {
    // The common roots (`Hashtbl` keys): an integer or a string is the whole traversal
    // when anything is mixed at all; no queue.
    if count > 0 {
        if v.is_int() {
            return final_mix(mix_intnat(seed, v.0 as i64)) & HASH_MASK;
        }
        // SAFETY: `v` is a live block (the caller's guarantee).
        if unsafe { v.header() }.tag() == STRING_TAG {
            // SAFETY: a live String_tag block.
            return final_mix(mix_string(seed, unsafe { string_bytes(v) })) & HASH_MASK;
        }
    }
    let sz = limit.min(HASH_QUEUE_SIZE);
    let mut num = count.min(isize::MAX as usize) as isize;
    let mut h = seed;
    // Not zero-filled: most calls hash an immediate or a small block, and filling 2 KiB per
    // call dominated them. Entries below `wr` are written before they are read.
    let mut queue = [std::mem::MaybeUninit::<Value>::uninit(); HASH_QUEUE_SIZE];
    queue[0].write(v);
    let (mut rd, mut wr) = (0usize, 1usize);

    while rd < wr && num > 0 {
        // SAFETY: `rd < wr`, and every entry below `wr` was written.
        let mut v = unsafe { queue[rd].assume_init() };
        rd += 1;
        // One queue entry may be redirected through an infix header or forward links; each
        // redirection re-dispatches on the new value, as `goto again` does in the C code.
        let mut followed_infix = false;
        loop {
            if v.is_int() {
                h = mix_intnat(h, v.0 as i64);
                num -= 1;
                break;
            }
            // SAFETY: `v` is a block reachable from the root, live by the caller's guarantee.
            let hd = unsafe { v.header() };
            let wosize = hd.wosize();
            match hd.tag() {
                STRING_TAG => {
                    // SAFETY: a live String_tag block.
                    h = mix_string(h, unsafe { string_bytes(v) });
                    num -= 1;
                }
                DOUBLE_TAG => {
                    if wosize >= 1 {
                        // SAFETY: a live Double_tag block with its one field.
                        h = mix_double(h, unsafe { v.double() });
                        num -= 1;
                    }
                }
                DOUBLE_ARRAY_TAG => {
                    for i in 0..wosize {
                        // SAFETY: `i < wosize`, one double per word on 64-bit.
                        h = mix_double(h, unsafe { v.double_field(i) });
                        num -= 1;
                        if num <= 0 {
                            break;
                        }
                    }
                }
                ABSTRACT_TAG | CONT_TAG => {
                    // Contents unknown (abstract), or indistinguishable (continuations).
                }
                INFIX_TAG => {
                    if followed_infix {
                        break;
                    }
                    followed_infix = true;
                    // The offset tells apart the functions of one recursive definition.
                    let offset = wosize.wrapping_mul(WORD);
                    h = mix_u32(h, offset as u32);
                    v = Value(v.0.wrapping_sub(offset));
                    continue;
                }
                FORWARD_TAG => {
                    // Follow at most MAX_FORWARD_DEREFERENCE links (a cycle is possible),
                    // then re-dispatch on the first value that is not a forward block.
                    let mut target = v;
                    let mut resolved = false;
                    for _ in 0..MAX_FORWARD_DEREFERENCE {
                        // SAFETY: `target` is a live Forward_tag block.
                        if unsafe { target.wosize() } == 0 {
                            break;
                        }
                        // SAFETY: it has a field 0, checked just above.
                        target = unsafe { target.field(0) };
                        // SAFETY: `is_int` is checked first, so `target` is a reachable,
                        // hence live, block when its tag is read.
                        if target.is_int() || unsafe { target.tag() } != FORWARD_TAG {
                            resolved = true;
                            break;
                        }
                    }
                    if resolved {
                        v = target;
                        continue;
                    }
                    // The chain was too long, or malformed: give up on this entry.
                }
                OBJECT_TAG => {
                    if wosize >= 2 {
                        // SAFETY: field 1 exists; it holds the object id as an OCaml int.
                        let oid = unsafe { v.field(1) }.int();
                        h = mix_intnat(h, oid as i64);
                        num -= 1;
                    }
                }
                CUSTOM_TAG => {
                    if let Some(n) = custom_hash(v) {
                        h = mix_u32(h, n);
                        num -= 1;
                    }
                }
                CLOSURE_TAG => {
                    let startenv = if wosize >= 2 {
                        // SAFETY: field 1 (closure info) exists.
                        closinfo_startenv(unsafe { v.field(1) }).min(wosize)
                    } else {
                        wosize
                    };
                    // Header (tag and size) mixed but not counted.
                    h = mix_u32(h, clean_header(wosize, CLOSURE_TAG));
                    // Code words, closure info words and infix headers: mixed and counted,
                    // even past `count` (the C loop does not stop early either).
                    for i in 0..startenv {
                        // SAFETY: `i < startenv <= wosize`.
                        h = mix_intnat(h, unsafe { v.raw(i) } as i64);
                        num -= 1;
                    }
                    for i in startenv..wosize {
                        if wr >= sz {
                            break;
                        }
                        // SAFETY: `i < wosize`; environment fields are values.
                        queue[wr].write(unsafe { v.field(i) });
                        wr += 1;
                    }
                }
                tag => {
                    // Header (tag and size) mixed but not counted; fields enqueued.
                    h = mix_u32(h, clean_header(wosize, tag));
                    for i in 0..wosize {
                        if wr >= sz {
                            break;
                        }
                        // SAFETY: `i < wosize`; scannable blocks hold values.
                        queue[wr].write(unsafe { v.field(i) });
                        wr += 1;
                    }
                }
            }
            break;
        }
    }
    final_mix(h) & HASH_MASK
}

/// The header without colour bits (`Cleanhd_hd`), truncated to 32 bits as the C code does
/// when it passes it to `caml_hash_mix_uint32`.
#[inline]
fn clean_header(wosize: usize, tag: u8) -> u32 {
    ((wosize << 10) | tag as usize) as u32
}

#[cfg(test)]
mod tests;
