//! `Unix.map_file`: a bigarray over a `mmap`ed file (`caml_unix_map_file`, and its
//! bytecode name, which takes the same six arguments).
//!
//! The array is an ordinary `_bigarr02` block whose flags say `CAML_BA_MAPPED_FILE`: the
//! bigarray primitives, comparison, hashing and marshalling treat it like any other, and the
//! bigarray finaliser (`bigarray/repr.rs`) unmaps the file once the array and its sub-arrays
//! are collected, as the stock runtime does.

use super::super::{fd_arg, last_errno, take, unix_error};
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::value::{Value, NO_SCAN_TAG};
use crate::prims::ints::int64_val;

use crate::prims::bigarray::MAPPED_FILE;
/// `CAML_BA_FORTRAN_LAYOUT`.
const FORTRAN_LAYOUT: usize = 0x100;
/// The most dimensions of a bigarray.
const MAX_NUM_DIMS: usize = 16;
/// Data words of a bigarray block before its dimensions: data, num_dims, flags, proxy.
const HEADER_WORDS: usize = 4;

/// Bytes per element of each `Bigarray.kind`, by constructor number.
const ELT_SIZE: [usize; 14] = [4, 8, 1, 1, 2, 2, 4, 8, 8, 8, 8, 16, 1, 2];

/// What the file-system part of `map_file` (run in a blocking section) ends with.
enum Outcome {
    /// The data address (already offset within its page) and the dimensions.
    Mapped(*mut u8, Vec<isize>),
    Errno(i32),
    Failure(&'static str),
}

/// Writes one byte at `size - 1` to make the file `size` bytes long without ever shrinking
/// it; for descriptors that cannot seek but can be truncated (shared memory), `ftruncate`.
fn grow_file(fd: i32, size: i64) -> Result<(), i32> {
    let zero = 0u8;
    // SAFETY: one readable byte.
    if unsafe { libc::pwrite(fd, (&zero as *const u8).cast(), 1, (size - 1) as libc::off_t) } != -1
    {
        return Ok(());
    }
    let e = last_errno();
    if e != libc::ESPIPE {
        return Err(e);
    }
    // SAFETY: ftruncate has no memory effects.
    if unsafe { libc::ftruncate(fd, size as libc::off_t) } == -1 {
        return Err(last_errno());
    }
    Ok(())
}

/// Sizes the array from the file (or the file from the array) and maps it.
fn map(
    fd: i32,
    elt_size: usize,
    mut dims: Vec<isize>,
    major: usize,
    start: i64,
    shared: bool,
) -> Outcome {
    // SAFETY: an all-zero `stat` is a valid value of this plain C struct.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is writable.
    if unsafe { libc::fstat(fd, &mut st) } == -1 {
        return Outcome::Errno(last_errno());
    }
    let file_size = st.st_size as i64;
    // Bytes of the array, leaving out an unknown major dimension (wrapping, as in C).
    let mut size =
        dims.iter().filter(|&&d| d != -1).fold(elt_size, |n, &d| n.wrapping_mul(d as usize));
    if dims[major] == -1 {
        if file_size < start {
            return Outcome::Failure("Unix.map_file: file position exceeds file size");
        }
        let data_size = (file_size - start) as usize;
        // A zero-size row never divides the file (the stock library divides by zero here).
        let rows = data_size.checked_div(size).unwrap_or(0);
        size = rows.wrapping_mul(size);
        dims[major] = rows as isize;
        if size != data_size {
            return Outcome::Failure("Unix.map_file: file size doesn't match array dimensions");
        }
    } else if (file_size as u64) < (start as u64).wrapping_add(size as u64) {
        // Compared as unsigned, as in C (`file_offset` against `uintnat`): a negative
        // position makes the file look too short, and growing it fails (EINVAL).
        if let Err(e) = grow_file(fd, start.wrapping_add(size as i64)) {
            return Outcome::Errno(e);
        }
    }
    // The mapping starts on a page boundary; the array starts `delta` bytes into it.
    // SAFETY: sysconf has no memory effects.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    let delta = (start as u64 % page) as usize;
    if size == 0 {
        // mmap refuses an empty region.
        return Outcome::Mapped(std::ptr::null_mut::<u8>().wrapping_add(delta), dims);
    }
    let flags = if shared { libc::MAP_SHARED } else { libc::MAP_PRIVATE };
    // SAFETY: a fresh mapping chosen by the system; nothing else is affected.
    let addr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size.wrapping_add(delta),
            libc::PROT_READ | libc::PROT_WRITE,
            flags,
            fd,
            (start - delta as i64) as libc::off_t,
        )
    };
    if addr == libc::MAP_FAILED {
        return Outcome::Errno(last_errno());
    }
    Outcome::Mapped(addr.cast::<u8>().wrapping_add(delta), dims)
}

pub fn map_file(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let [vfd, vkind, vlayout, vshared, vdims, vstart] = take(args)?;
    let fd = fd_arg(vfd);
    let kind = vkind.int();
    let layout = if vlayout.int() != 0 { FORTRAN_LAYOUT } else { 0 };
    let start = int64_val(vstart);
    // SAFETY: `vdims` is an int array (an empty one may be an atom): its fields are ints.
    let dims: Vec<isize> = unsafe {
        if vdims.is_block() && vdims.tag() < NO_SCAN_TAG {
            (0..vdims.wosize()).map(|i| vdims.field(i).int()).collect()
        } else {
            Vec::new()
        }
    };
    if dims.is_empty() || dims.len() > MAX_NUM_DIMS {
        return Err(Exn::invalid_arg("Unix.map_file: bad number of dimensions"));
    }
    let major = if layout == FORTRAN_LAYOUT { dims.len() - 1 } else { 0 };
    if dims.iter().enumerate().any(|(i, &d)| d < 0 && !(d == -1 && i == major)) {
        return Err(Exn::invalid_arg("Unix.map_file: negative dimension"));
    }
    let elt_size = *usize::try_from(kind)
        .ok()
        .and_then(|k| ELT_SIZE.get(k))
        .ok_or_else(|| Exn::invalid_arg("Unix.map_file: bad kind"))?;
    let shared = vshared.int() != 0;
    let (data, dims) = match dom.blocking_section(|| map(fd, elt_size, dims, major, start, shared))
    {
        Outcome::Mapped(p, d) => (p, d),
        Outcome::Errno(e) => return Err(unix_error(dom, e, "map_file", None)),
        Outcome::Failure(msg) => return Err(Exn::failure(msg)),
    };
    // An array of the same kind, layout and rank with no elements (so no storage to free),
    // then pointed at the mapping with its real dimensions.
    let create = crate::prims::bigarray::PRIMS
        .iter()
        .find(|p| p.0 == "caml_ba_create")
        .map(|p| p.1)
        .ok_or_else(|| Exn::fatal("Unix.map_file: no caml_ba_create"))?;
    let zeros = vec![Value::of_int(0); dims.len()];
    let zeros = dom.alloc_tuple(0, &zeros);
    let ba = create(dom, &[Value::of_int(kind), vlayout, zeros])?;
    // SAFETY: `ba` is a fresh bigarray block of this rank: 1 ops word, HEADER_WORDS data
    // words, then one word per dimension (the layout documented in `bigarray/repr.rs`).
    unsafe {
        ba.set_raw(1, data as usize);
        ba.set_raw(3, kind as usize | layout | MAPPED_FILE);
        for (i, &d) in dims.iter().enumerate() {
            ba.set_raw(1 + HEADER_WORDS + i, d as usize);
        }
    }
    Ok(ba)
}
