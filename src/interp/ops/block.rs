//! Blocks and fields: construction (`MAKEBLOCK`, `MAKEFLOATBLOCK`), field and float-field
//! reads and writes, arrays (`VECTLENGTH`, `GETVECTITEM`, `SETVECTITEM`), bytes and strings,
//! references (`OFFSETREF`) and method lookup (`GETMETHOD`, `GETPUBMET`, `GETDYNMET`).
//!
//! SAFETY (every handler): the block an instruction touches has the shape the types promise
//! (a block, not an integer; the field index below its size; a float array exactly where
//! float fields are used; a method table in field 0 of an object), as the compiler emits these
//! instructions only for well-typed accesses. Production trusts it, as the stock runtime
//! does; the hardened build checks each access before it happens (the `check::on_*` hooks)
//! and reports `bad-access` instead. Writes of values go through the write barrier.

use crate::check;
use crate::heap::value::{Value, DOUBLE_ARRAY_TAG, DOUBLE_TAG, MAX_YOUNG_WOSIZE};
use crate::interp::regs::{Regs, Step};
use std::sync::atomic::{AtomicU32, Ordering};

/// MAKEBLOCK size, tag: field 0 is `accu`, the others come off the stack.
///
/// # Safety
/// Validated, well-typed code (see the module doc).
#[inline(always)]
pub(in crate::interp) unsafe fn make_block(m: &mut Regs) -> Step {
    // SAFETY: the module doc; the `wosize - 1` other fields are on the stack.
    unsafe {
        let wosize = m.operand() as usize;
        let tag = m.operand() as u8;
        let (block, major) = if wosize <= MAX_YOUNG_WOSIZE {
            m.alloc_small_flagged(wosize, tag)?
        } else {
            m.dom.stack.sp = m.sp;
            (m.dom.alloc_major(wosize, tag), true)
        };
        fill_from_frame(m, block, wosize, major);
        m.pop(wosize.saturating_sub(1));
        m.accu = block;
    }
    Ok(())
}

/// Stores `accu` and the `n - 1` words on top of the stack into the fields of fresh block
/// `b`, through the write barrier when `b` may be in the major heap (`major`).
///
/// # Safety
/// `b` a fresh block of `n >= 1` fields; `n - 1` words on the stack.
#[inline(always)]
unsafe fn fill_from_frame(m: &mut Regs, b: Value, n: usize, major: bool) {
    // SAFETY: the caller's contract.
    unsafe {
        if major {
            m.dom.young.initialize(b, 0, m.accu);
            for i in 1..n {
                m.dom.young.initialize(b, i, m.at(i - 1));
            }
        } else {
            b.set_field_raw(0, m.accu);
            for i in 1..n {
                b.set_field_raw(i, m.at(i - 1));
            }
        }
    }
}

/// MAKEBLOCK1..MAKEBLOCK3 tag.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn make_block_n<const N: usize>(m: &mut Regs) -> Step {
    // SAFETY: the module doc; the `N - 1` other fields are on the stack.
    unsafe {
        let tag = m.operand() as u8;
        let (b, major) = m.alloc_small_flagged(N, tag)?;
        fill_from_frame(m, b, N, major);
        m.pop(N - 1);
        m.accu = b;
    }
    Ok(())
}

/// MAKEFLOATBLOCK size: a float array (or record of floats) from `accu` and the stack.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn make_float_block(m: &mut Regs) -> Step {
    // SAFETY: the module doc; the elements are boxed floats.
    unsafe {
        let size = m.operand() as usize;
        let b = if size <= MAX_YOUNG_WOSIZE {
            m.alloc_small(size, DOUBLE_ARRAY_TAG)?
        } else {
            m.dom.stack.sp = m.sp;
            m.dom.alloc_major(size, DOUBLE_ARRAY_TAG)
        };
        b.set_double_field(0, m.accu.double());
        for i in 1..size {
            b.set_double_field(i, m.at(i - 1).double());
        }
        m.pop(size.saturating_sub(1));
        m.accu = b;
    }
    Ok(())
}

/// GETFIELD0..GETFIELD3.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn get_field_n(m: &mut Regs, n: usize) -> Step {
    check::on_field(m.accu, n, false, || m.here());
    // SAFETY: the module doc.
    m.accu = unsafe { m.accu.field(n) };
    Ok(())
}

/// GETFIELD n.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn get_field(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let n = m.operand() as usize;
        get_field_n(m, n)
    }
}

/// GETFLOATFIELD n: boxes field `n` of a float record.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn get_float_field(m: &mut Regs) -> Step {
    // SAFETY: the module doc; a boxed float has one word.
    unsafe {
        let n = m.operand() as usize;
        check::on_float_field(m.accu, n, || m.here());
        let d = m.accu.double_field(n);
        let b = m.alloc_small(1, DOUBLE_TAG)?;
        *(b.0 as *mut f64) = d;
        m.accu = b;
    }
    Ok(())
}

/// SETFIELD0..SETFIELD3.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn set_field_n(m: &mut Regs, n: usize) -> Step {
    check::on_field(m.accu, n, true, || m.here());
    // SAFETY: the module doc.
    unsafe {
        m.dom.young.modify(m.accu, n, m.at(0));
        m.pop(1);
    }
    m.accu = Value::UNIT;
    Ok(())
}

/// SETFIELD n.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn set_field(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let n = m.operand() as usize;
        set_field_n(m, n)
    }
}

/// SETFLOATFIELD n.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn set_float_field(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let n = m.operand() as usize;
        check::on_float_field(m.accu, n, || m.here());
        m.accu.set_double_field(n, m.at(0).double());
        m.pop(1);
    }
    m.accu = Value::UNIT;
    Ok(())
}

/// VECTLENGTH: an array's length (a float array's in floats, which on 64-bit is words).
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn vect_length(m: &mut Regs) -> Step {
    check::on_vect_length(m.accu, || m.here());
    // SAFETY: the module doc.
    m.accu = Value::of_int(unsafe { m.accu.wosize() } as isize);
    Ok(())
}

/// GETVECTITEM: `accu` = `accu.(top)`.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn get_vect_item(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let i = m.at(0);
        check::on_vect_item(m.accu, i, false, || m.here());
        m.accu = m.accu.field(i.int() as usize);
        m.pop(1);
    }
    Ok(())
}

/// SETVECTITEM: `accu.(top) <- second`.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn set_vect_item(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let i = m.at(0);
        check::on_vect_item(m.accu, i, true, || m.here());
        m.dom.young.modify(m.accu, i.int() as usize, m.at(1));
        m.pop(2);
    }
    m.accu = Value::UNIT;
    Ok(())
}

/// GETSTRINGCHAR, GETBYTESCHAR: `accu` = byte `top` of string `accu`.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn get_bytes_char(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let i = m.at(0);
        check::on_bytes_char(m.accu, i, || m.here());
        m.accu = Value::of_int(*(m.accu.0 as *const u8).add(i.int() as usize) as isize);
        m.pop(1);
    }
    Ok(())
}

/// SETBYTESCHAR: byte `top` of `accu` = `second`.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn set_bytes_char(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let i = m.at(0);
        check::on_bytes_char(m.accu, i, || m.here());
        *(m.accu.0 as *mut u8).add(i.int() as usize) = m.at(1).int() as u8;
        m.pop(2);
    }
    m.accu = Value::UNIT;
    Ok(())
}

/// OFFSETREF n: adds `n` to the integer in field 0 of `accu`.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn offset_ref(m: &mut Regs) -> Step {
    // SAFETY: the module doc; an integer needs no write barrier.
    unsafe {
        let n = m.operand() as isize;
        check::on_int_ref(m.accu, || m.here());
        let f = m.accu.field(0);
        m.accu.set_field_raw(0, Value(f.0.wrapping_add((n << 1) as usize)));
    }
    m.accu = Value::UNIT;
    Ok(())
}

/// GETMETHOD: method number `accu` of object `top`.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn get_method(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        let obj = m.at(0);
        check::on_get_method(obj, m.accu, || m.here());
        m.accu = obj.field(0).field(m.accu.int() as usize);
    }
    Ok(())
}

/// GETPUBMET tag, cache: pushes the object, looks its method `tag` up.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn get_pub_met(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        m.push(m.accu);
        let tag = Value::of_int(m.operand() as isize);
        m.pc = m.pc.add(1);
        check::on_lookup_method(m.at(0), || m.here());
        m.accu = lookup_method(m.at(0), tag);
    }
    Ok(())
}

/// GETDYNMET: looks method `accu` up in object `top`.
///
/// # Safety
/// As `make_block`.
#[inline(always)]
pub(in crate::interp) unsafe fn get_dyn_met(m: &mut Regs) -> Step {
    // SAFETY: the module doc.
    unsafe {
        check::on_lookup_method(m.at(0), || m.here());
        m.accu = lookup_method(m.at(0), m.accu);
    }
    Ok(())
}

/// Slots of [`METHOD_CACHE`] (a power of two; 4 KiB).
const METHOD_CACHE_SLOTS: usize = 1024;

/// The public-method cache of `GETPUBMET` and `GETDYNMET`, shared by every domain and
/// program: a slot, chosen by a hash of the method table's address and the label, holds the
/// index of the label's field in the table where it was last found, complemented (so that
/// the empty slot, 0, reads as an index past any table). It is a hint, never trusted: a hit
/// is a label field inside the table that equals the label sought. The stock runtime caches
/// per call site in the code word after `GETPUBMET`'s label; warden's code stays as the file
/// holds it (its digest is what `Marshal` writes for closures), so the cache is here, and
/// keyed by the table too, so that a site which sees several classes in turn (a dispatch
/// over a heterogeneous array) hits for each of them.
static METHOD_CACHE: [AtomicU32; METHOD_CACHE_SLOTS] =
    [const { AtomicU32::new(0) }; METHOD_CACHE_SLOTS];

/// Finds method `tag` in object `obj`'s method table: the cached field index if it holds
/// `tag`, else a binary search over the sorted labels (whose result is cached).
///
/// # Safety
/// `obj` must be an object whose field 0 is a method table as CamlinternalOO builds it:
/// `[n; mask; m1; l1; m2; l2 ...]`, labels sorted, `n` as an OCaml integer (so its raw word
/// `2n + 1` is the index of the last label).
#[inline(always)]
unsafe fn lookup_method(obj: Value, tag: Value) -> Value {
    // SAFETY: the table layout is guaranteed by the caller. A cached index is used only when
    // it is at most the last label's: every index stored is a binary search's result, odd and
    // at least 3, so it is then a label field of this table.
    unsafe {
        let meths = obj.field(0);
        let hi: usize = meths.field(0).0;
        let slot = &METHOD_CACHE[(tag.0 ^ (meths.0 >> 3)) & (METHOD_CACHE_SLOTS - 1)];
        // Relaxed: the word is a hint checked against the table before use, so any value
        // another domain stored is harmless (a u32 is never torn).
        let li = !slot.load(Ordering::Relaxed) as usize;
        if li <= hi && meths.field(li) == tag {
            return meths.field(li - 1);
        }
        let mut li: usize = 3;
        let mut hi = hi;
        while li < hi {
            let mi = ((li + hi) >> 1) | 1;
            if (tag.0 as isize) < (meths.field(mi).0 as isize) {
                hi = mi - 2;
            } else {
                li = mi;
            }
        }
        // Relaxed: as the load above.
        slot.store(!(li as u32), Ordering::Relaxed);
        meths.field(li - 1)
    }
}
