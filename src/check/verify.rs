//! Verification: whether a value is an immediate or a valid, live, unpoisoned block with
//! intact canaries; and the walks built on it, run at safepoints by the hooks in `enabled`:
//! the roots, the minor arena frame by frame, the remembered set, the whole major heap
//! (every field of every live block, and every word of the suspended fiber chain of every
//! continuation; unremembered young pointers, black-to-white pointers after marking) and the
//! census (live words and blocks counted by walking the pools and the
//! large-block list, against what the sweep counted).
//!
//! Everything here reads the heap layout only (`heap/`), through the hardened frame layout
//! of `enabled`: minor `[canary][header][fields][canary]`, major
//! `[outer header][canary][header][fields][canary]`.

// A `Report` is large, but it is built only when a check fails, which ends the process.
#![allow(clippy::result_large_err)]

use super::canary::{self, Broken, Site};
use super::layout::{MAJOR_BEFORE, MAJOR_EXTRA};
use super::poison;
use super::report::{Check, Report};
use super::state::{AddrSet, State};
use super::HeapRefs;
use crate::heap::atoms::{ephe_none, is_atom};
use crate::heap::minor::MinorHeap;
use crate::heap::pool::{self, SIZE_CLASSES};
use crate::heap::stack::{cont_first, for_each_chain_slot};
use crate::heap::value::{
    closinfo_startenv, Header, Value, CLOSURE_TAG, COLOR_BLACK, CONT_TAG, INFIX_TAG, NO_SCAN_TAG,
    WORD,
};

/// What a valid pointer designates.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Target {
    /// An atom or another static block.
    Static,
    /// A young block (the block itself, infix pointers resolved).
    Young(Value),
    /// A major block in a pool or a large block (resolved), with its slot.
    Major { block: Value, slot: usize },
}

/// The heap's regions for one verification: the minor arenas and the large blocks.
pub struct Regions<'a> {
    pub heap: &'a HeapRefs<'a>,
    /// Large blocks as sorted (slot, end) ranges.
    pub large: Vec<(usize, usize)>,
    /// Every pool of the heap (a snapshot of the directory: other domains may add pools
    /// while a poll point verifies).
    pub pools: AddrSet,
    pub spare: (usize, usize),
    /// Every live major block's frame is checked by the walk this verification runs (the
    /// full walks after marking and after sweeping): a pointer to a major block then needs
    /// only to land on a live slot whose header is not poison, its frame being checked once,
    /// when the walk visits its slot, instead of once per pointer to it.
    pub frames_walked: bool,
}

impl<'a> Regions<'a> {
    pub fn new(heap: &'a HeapRefs<'a>) -> Regions<'a> {
        let pools: AddrSet = heap.major.dir.lock().pools.iter().copied().collect();
        let mut large: Vec<(usize, usize)> = heap
            .major
            .dir
            .large
            .all()
            .into_iter()
            .map(|slot| {
                // SAFETY: slot is a large block of the heap; its outer header holds its size.
                let whsize = Header(unsafe { *slot }).wosize() + 1;
                (slot as usize, slot as usize + whsize * WORD)
            })
            .collect();
        large.sort_unstable();
        Regions {
            heap,
            large,
            pools,
            spare: crate::heap::young_space::spare_range(),
            frames_walked: false,
        }
    }

    fn large_containing(&self, a: usize) -> Option<(usize, usize)> {
        let i = self.large.partition_point(|&(s, _)| s <= a);
        if i == 0 {
            return None;
        }
        let (s, e) = self.large[i - 1];
        (a < e).then_some((s, e))
    }
}

/// A problem found with one value; the caller adds where it was found.
fn problem(check: Check, summary: impl Into<String>) -> Report {
    Report::new(check, summary)
}

/// A report about a poison word read as a value.
pub fn poison_value(w: usize) -> Report {
    let cat = poison::category(w as u64);
    let check =
        if cat.starts_with("uninitialised") { Check::Uninitialised } else { Check::UseAfterFree };
    problem(check, format!("a poison word ({cat}) was read as a value"))
        .expected("an immediate or a pointer to a live block")
        .found(format!("{w:#x} ({cat} poison)"))
}

/// Checks the frame of the block whose header is at `hp` (canaries before and after);
/// returns the block's allocation site.
#[inline(always)]
pub(super) fn frame_site(hp: usize, wosize: usize, v: Value) -> Result<Site, Report> {
    // SAFETY: the caller checked that the frame (hp - 1 ..= hp + wosize + 1) lies in the
    // block's arena, pool slot or large allocation.
    let (b, a) =
        unsafe { (*((hp - WORD) as *const usize), *((hp + (wosize + 1) * WORD) as *const usize)) };
    match canary::intact(hp, b, a) {
        Some(site) => Ok(site),
        None => Err(frame_broken(hp, wosize, v, b, a)),
    }
}

/// What is wrong with the canaries `b` and `a` of the block `v` whose header is at `hp`
/// (`frame_site`'s failure, out of the walks' way).
#[cold]
#[inline(never)]
fn frame_broken(hp: usize, wosize: usize, v: Value, b: usize, a: usize) -> Report {
    // `intact` refused them, so `decode` does too.
    match canary::decode(hp, b, a).err().unwrap_or(Broken::Both) {
        Broken::Before => problem(Check::Canary, "the canary before the block's header changed (a write before the block, or past the end of the block below)")
            .expected(format!("the canary of block {:#x}", v.0))
            .found(format!("{b:#x}"))
            .site(canary::site_from_after(hp, a)),
        Broken::After => problem(Check::Canary, "the canary after the block's last field changed (a write past the end of the block)")
            .expected(format!("the canary after field {} of block {:#x}", wosize.saturating_sub(1), v.0))
            .found(format!("{a:#x}"))
            .site(canary::site_from_before(hp, b)),
        Broken::Both => problem(Check::BadPointer, "the value does not point to the start of a block (no canary frames it)")
            .expected("a pointer to field 0 of a block")
            .found(format!("{:#x}, with words {b:#x} and {a:#x} where the canaries would be", v.0)),
    }
}

/// Validates a young pointer `v` (in the active arena).
fn young(st: &State, heap: &HeapRefs<'_>, v: Value, infix_ok: bool) -> Result<Target, Report> {
    let Some(m) = heap.minor_of(v.0 - WORD) else {
        // Another domain's arena, which runs meanwhile (a poll point's verification).
        return Ok(Target::Young(v));
    };
    let hp = v.0 - WORD;
    if hp < m.ptr as usize + WORD || v.0 & (WORD - 1) != 0 {
        return Err(problem(
            Check::UseAfterFree,
            "a pointer into the free part of the minor arena (free-minor)",
        )
        .expected("a pointer to an allocated young block")
        .found(format!(
            "{:#x}; the arena's allocated part is [{:#x}, {:#x})",
            v.0, m.ptr as usize, m.end as usize
        )));
    }
    // SAFETY: hp lies in the allocated part of the arena.
    let hd = unsafe { *(hp as *const usize) };
    if poison::is_poison(hd as u64) {
        return Err(problem(
            Check::UseAfterFree,
            format!("a young block's header is {} poison", poison::category(hd as u64)),
        )
        .found(format!("header {hd:#x}"))
        .block(v.0, true));
    }
    if hd == 0 {
        return Err(problem(
            Check::BadHeader,
            "a pointer to a forwarded young block outside a minor collection",
        )
        .found("header 0")
        .block(v.0, true));
    }
    let h = Header(hd);
    if h.tag() == INFIX_TAG && infix_ok {
        let base = Value(v.0 - h.wosize() * WORD);
        return match young(st, heap, base, false)? {
            Target::Young(b) if unsafe_tag(b) == CLOSURE_TAG => Ok(Target::Young(b)),
            _ => Err(problem(
                Check::BadPointer,
                "an infix pointer whose enclosing block is not a closure",
            )
            .block(v.0, true)),
        };
    }
    if hp + (h.wosize() + 2) * WORD > m.end as usize {
        return Err(problem(
            Check::BadHeader,
            "a young block's size runs past the end of the minor arena",
        )
        .found(format!("header {hd:#x} (wosize {})", h.wosize()))
        .block(v.0, true));
    }
    frame_site(hp, h.wosize(), v).map_err(|r| r.block(v.0, true))?;
    let _ = st;
    Ok(Target::Young(v))
}

fn unsafe_tag(b: Value) -> u8 {
    // SAFETY: b was validated as a block by the caller.
    unsafe { b.tag() }
}

/// Checks a major frame at `slot` (outer header, header, canaries) for block `v`.
pub fn major_frame(slot: usize, v: Value, slot_words: Option<usize>) -> Result<Site, Report> {
    // SAFETY: slot is an allocated slot or large block of the heap: its first words are
    // readable.
    let (outer, hd) =
        unsafe { (*(slot as *const usize), *((slot + MAJOR_BEFORE * WORD) as *const usize)) };
    if outer == 0 {
        return Err(problem(Check::UseAfterFree, "a pointer to a freed major slot (free-major)")
            .expected("a live major block")
            .found(format!("slot {slot:#x} is on its pool's free list"))
            .block(v.0, true));
    }
    if poison::is_poison(hd as u64) {
        return Err(problem(
            Check::UseAfterFree,
            format!("a major block's header is {} poison", poison::category(hd as u64)),
        )
        .found(format!("header {hd:#x}"))
        .block(v.0, true));
    }
    let (o, h) = (Header(outer), Header(hd));
    if o.wosize() != h.wosize() + MAJOR_EXTRA || hd == 0 {
        return Err(problem(
            Check::BadHeader,
            "a major block's header disagrees with the size of its frame",
        )
        .expected(format!(
            "wosize {} (frame of {} words)",
            o.wosize().saturating_sub(MAJOR_EXTRA),
            o.wosize() + 1
        ))
        .found(format!("header {hd:#x} ({})", super::report::describe_header(hd)))
        .block(v.0, true));
    }
    if let Some(sz) = slot_words {
        if o.wosize() + 1 > sz {
            return Err(problem(Check::BadHeader, "a major block is larger than its pool slot")
                .found(format!("frame of {} words in a slot of {sz}", o.wosize() + 1))
                .block(v.0, true));
        }
    }
    frame_site(slot + MAJOR_BEFORE * WORD, h.wosize(), v).map_err(|r| r.block(v.0, true))
}

/// Checks the frame of the block `v` in `slot` (see `major_frame`), or, when the walk checks
/// every live frame itself (`frames_walked`), only what makes the slot's own check apply:
/// the slot is live and its header not poison.
#[inline(always)]
fn target_frame(
    rg: &Regions<'_>,
    slot: usize,
    v: Value,
    slot_words: Option<usize>,
) -> Result<(), Report> {
    if rg.frames_walked {
        // SAFETY: slot is an allocated slot or large block of the heap: its first words are
        // readable.
        let (outer, hd) =
            unsafe { (*(slot as *const usize), *((slot + MAJOR_BEFORE * WORD) as *const usize)) };
        if outer != 0 && !poison::is_poison(hd as u64) {
            return Ok(());
        }
    }
    major_frame(slot, v, slot_words).map(|_| ())
}

/// Validates a major pointer `v` (neither young nor static).
fn major(st: &State, rg: &Regions<'_>, v: Value, infix_ok: bool) -> Result<Target, Report> {
    let first_field = (MAJOR_BEFORE + 1) * WORD;
    let p = pool::pool_of(v.0);
    // Pools are whole aligned areas of their own, so a pointer into a live pool is not into
    // a large block: the pool test (one hash lookup) goes first.
    let in_pool = rg.pools.contains(&(p as usize));
    if !in_pool {
        if let Some((s, e)) = rg.large_containing(v.0) {
            if v.0 == s + first_field {
                target_frame(rg, s, v, None)?;
                return Ok(Target::Major { block: v, slot: s });
            }
            return infix_or_interior(st, rg, v, infix_ok, v.0 >= s + first_field && v.0 < e);
        }
        return Err(problem(Check::BadPointer, "a pointer outside every heap region")
            .expected("an immediate or a pointer to a block of this heap")
            .found(format!("{:#x}", v.0)));
    }
    // SAFETY: p is a live pool; its header holds its size class.
    let class = unsafe { (*p).class };
    if class == 0 || class >= SIZE_CLASSES.len() {
        return Err(problem(Check::BadPointer, "a pointer into a pool whose header is corrupt")
            .found(format!("{:#x} (class {class})", v.0)));
    }
    let sz = SIZE_CLASSES[class];
    let first = pool::first_slot(p, class) as usize;
    let n = pool::slots_per_pool(class);
    if v.0 < first + first_field || v.0 >= first + n * sz * WORD {
        return infix_or_interior(st, rg, v, infix_ok, false);
    }
    let off = v.0 - first - first_field;
    if !off.is_multiple_of(sz * WORD) {
        return infix_or_interior(st, rg, v, infix_ok, true);
    }
    let slot = v.0 - first_field;
    target_frame(rg, slot, v, Some(sz))?;
    Ok(Target::Major { block: v, slot })
}

fn infix_or_interior(
    st: &State,
    rg: &Regions<'_>,
    v: Value,
    infix_ok: bool,
    inside: bool,
) -> Result<Target, Report> {
    if infix_ok && inside && v.0 & (WORD - 1) == 0 {
        // SAFETY: v - 1 word lies inside the same slot or large block (`inside`).
        let hd = Header(unsafe { *((v.0 - WORD) as *const usize) });
        if hd.tag() == INFIX_TAG && !poison::is_poison(hd.0 as u64) {
            let base = Value(v.0 - hd.wosize() * WORD);
            if let Ok(t @ Target::Major { block, .. }) = major(st, rg, base, false) {
                if unsafe_tag(block) == CLOSURE_TAG {
                    return Ok(t);
                }
            }
        }
    }
    Err(problem(Check::BadPointer, "a pointer into the middle of a major block or slot")
        .expected("a pointer to field 0 of a block (or an infix pointer into a closure)")
        .found(format!("{:#x}", v.0))
        .block(v.0, inside))
}

/// Validates any value: an immediate, a static block, or a live block of this heap.
pub fn value(st: &State, rg: &Regions<'_>, v: Value) -> Result<Option<Target>, Report> {
    if v.is_int() {
        return Ok(None);
    }
    if poison::is_poison(v.0 as u64) || poison::looks_derived(v.0 as u64) {
        return Err(poison_value(v.0));
    }
    if is_atom(v) || v == ephe_none() {
        return Ok(Some(Target::Static));
    }
    if crate::heap::young_space::is_young(v) {
        return young(st, rg.heap, v, true).map(Some);
    }
    if v.0 > rg.spare.0 && v.0 <= rg.spare.1 {
        return Err(problem(
            Check::UseAfterFree,
            "a pointer into the minor arena that the last minor collection evacuated (free-minor)",
        )
        .expected("a pointer to a live block (the block was promoted or died)")
        .found(format!("{:#x}", v.0))
        .block(v.0, v.0 >= rg.spare.0 + 2 * WORD));
    }
    major(st, rg, v, true).map(Some)
}

/// Checks every root; returns the code positions seen, in visiting order, and the number of
/// roots.
pub fn roots(st: &State, rg: &Regions<'_>, walk: super::RootWalk<'_>) -> (Vec<usize>, usize) {
    let mut pcs = Vec::new();
    let mut n = 0usize;
    let code = st.code.as_ref();
    walk(&mut |slot: &mut Value| {
        let v = *slot;
        let r = if v.is_int() {
            match code.and_then(|c| c.check(v, false)) {
                Some(Ok(i)) => {
                    if pcs.len() < 256 {
                        pcs.push(i);
                    }
                    Ok(())
                }
                Some(Err(r)) => Err(r),
                None => Ok(()),
            }
        } else {
            value(st, rg, v).map(|_| ())
        };
        if let Err(r) = r {
            r.referrer(format!("root #{n} (slot at {:#x})", slot as *mut Value as usize)).fail();
        }
        n += 1;
    });
    (pcs, n)
}

/// Walks the minor arena frame by frame (headers and canaries), from the allocation pointer
/// up to `upto` (the arena's end, or where an earlier walk started: frames are contiguous).
/// Each frame costs a few instructions and one branch, taken only at a bad frame, which
/// `minor_frame_bad` then explains.
pub fn minor_arena(heap: &HeapRefs<'_>, m: &MinorHeap, upto: usize) {
    let _ = heap;
    let keys = canary::Keys::get();
    let mut p = m.ptr as usize;
    let end = m.end as usize;
    let stop = upto.min(end);
    while p < stop {
        // SAFETY: p lies in the allocated part of the arena, which holds whole frames.
        let (b, hd) = unsafe { (*(p as *const usize), *((p + WORD) as *const usize)) };
        // A header's wosize is below 2^54: `next` cannot overflow. A poison header's wosize
        // is above 2^53, so `next > end` catches it too.
        let next = p + (Header(hd).wosize() + 3) * WORD;
        let bad_header = (hd == 0) | (next > end);
        if bad_header {
            minor_frame_bad(p, end);
        }
        // SAFETY: the frame [p, next) lies in the arena (`next <= end`).
        let a = unsafe { *((next - WORD) as *const usize) };
        if keys.broken(p + WORD, b, a) != 0 {
            minor_frame_bad(p, end);
        }
        p = next;
    }
}

/// Reports what is wrong with the frame at `p` of a minor arena ending at `end`, which the
/// walk found bad.
#[cold]
#[inline(never)]
fn minor_frame_bad(p: usize, end: usize) -> ! {
    // SAFETY: p lies in the allocated part of the arena.
    let hd = unsafe { *((p + WORD) as *const usize) };
    let v = Value(p + 2 * WORD);
    if hd == 0 || poison::is_poison(hd as u64) {
        problem(Check::MinorHeap, "the minor arena holds a frame without a valid header")
            .found(format!("header {hd:#x} ({})", super::report::describe_header(hd)))
            .block(v.0, true)
            .fail();
    }
    let w = Header(hd).wosize();
    if w > end || p + (w + 3) * WORD > end {
        problem(Check::MinorHeap, "a young block's size runs past the end of the minor arena")
            .found(format!("header {hd:#x} (wosize {w})"))
            .block(v.0, true)
            .fail();
    }
    match frame_site(p + WORD, w, v) {
        Err(r) => r.block(v.0, true).referrer("the minor arena walk").fail(),
        Ok(_) => problem(Check::MinorHeap, "the minor arena walk found a frame bad, then good")
            .block(v.0, true)
            .fail(),
    }
}

/// The fields of block `b` that hold values: `(first, end)`, skipping a closure's code part.
fn value_fields(b: Value, hd: Header) -> (usize, usize) {
    if hd.tag() == CLOSURE_TAG && hd.wosize() >= 2 {
        // SAFETY: closures have a closinfo field.
        let start = closinfo_startenv(unsafe { b.field(1) });
        (start.min(hd.wosize()), hd.wosize())
    } else {
        (0, hd.wosize())
    }
}

/// The first field of `b` from `i` (below `end`, at most the block's size) that is not an
/// immediate, or `end`: runs of integers (large integer arrays) are skipped four fields at a
/// time.
#[inline(always)]
fn skip_immediates(b: Value, mut i: usize, end: usize) -> usize {
    // SAFETY: every index read is below `end`, at most the block's size.
    let field = |k: usize| unsafe { b.field(k) }.0;
    while i + 4 <= end && field(i) & field(i + 1) & field(i + 2) & field(i + 3) & 1 == 1 {
        i += 4;
    }
    while i < end && field(i) & 1 == 1 {
        i += 1;
    }
    i
}

/// What the whole-heap walk checks besides the blocks' own validity.
pub struct HeapWalk {
    /// Every young pointer must be in this set of remembered field addresses.
    pub remembered: Option<AddrSet>,
    /// After marking: a black block may point only to black (or static) blocks.
    pub black_to_white: bool,
    /// Validate every field (not only young ones).
    pub fields: bool,
}

#[cold]
fn unremembered(b: Value, i: usize, f: Value, slot: usize, sz: Option<usize>) -> ! {
    problem(Check::RememberedSet, "a major block points to a young block, and the field is not in the remembered set (a missed write barrier)")
        .expected("every major field holding a young value to be remembered")
        .found(format!("field {i} = {:#x} (young), not remembered", f.0))
        .block(b.0, true)
        .site(major_frame(slot, b, sz).ok())
        .referrer(format!("field {i} of major block {:#x}", b.0))
        .fail()
}

/// Checks the suspended fiber chain of major continuation `b` (none when it was used): as
/// for a block's fields, with the continuation standing for the block. A young value there
/// needs the continuation among the remembered ones (`rem_conts`, when checked).
fn cont_chain(
    st: &State,
    rg: &Regions<'_>,
    walk: &HeapWalk,
    rem_conts: Option<&AddrSet>,
    b: Value,
    is_black: bool,
) {
    let light = !walk.fields && !walk.black_to_white;
    let remembered = rem_conts.map(|r| r.contains(&b.0));
    let code = st.code.as_ref();
    let mut n = 0usize;
    let mut check_slot = |slot: &mut Value| {
        let f = *slot;
        let (k, at) = (n, slot as *mut Value as usize);
        n += 1;
        let where_ = || {
            format!(
                "word #{k} (at {at:#x}) of the suspended fiber chain of continuation {:#x}",
                b.0
            )
        };
        if f.is_int() {
            if !light {
                if let Some(Err(r)) = code.and_then(|c| c.check(f, false)) {
                    r.referrer(where_()).block(b.0, true).fail();
                }
            }
            return;
        }
        let young = crate::heap::young_space::is_young(f);
        if young && remembered == Some(false) {
            problem(Check::RememberedSet, "an old continuation's suspended fiber holds a young value, and the continuation is not remembered (a missed barrier on perform or reperform)")
                .expected("the continuation among the remembered ones")
                .found(format!("{:#x} (young)", f.0))
                .block(b.0, true)
                .referrer(where_())
                .fail();
        }
        if light || !(walk.fields || walk.black_to_white || young) {
            return;
        }
        match value(st, rg, f) {
            Err(r) => r.referrer(where_()).fail(),
            Ok(Some(Target::Major { block, .. })) if walk.black_to_white && is_black => {
                // SAFETY: block was validated.
                if unsafe { block.header() }.color() != COLOR_BLACK {
                    problem(Check::BlackToWhite, "after marking, a marked continuation's suspended fiber points to an unmarked block (which the sweep would free while reachable)")
                        .expected("the target to be marked")
                        .found(format!("{:#x}, unmarked", f.0))
                        .block(b.0, true)
                        .referrer(where_())
                        .fail();
                }
            }
            Ok(_) => {}
        }
    };
    // SAFETY: `b` is a Cont_tag block of the heap; the walks run with the world stopped, so a
    // chain still in its continuation is suspended and touched by no one else.
    unsafe {
        let first = cont_first(b);
        if !first.is_null() {
            for_each_chain_slot(first, &mut check_slot);
        }
    }
}

/// Walks every block of the major heap; returns (live words, live blocks, pools seen). A
/// walk that only looks for unremembered young pointers (`remembered` set, `fields` and
/// `black_to_white` not) checks frames only where a header looks wrong.
pub fn major_heap(st: &State, rg: &Regions<'_>, walk: &HeapWalk) -> (usize, usize, AddrSet) {
    let light = !walk.fields && !walk.black_to_white;
    let mut words = 0usize;
    let mut blocks = 0usize;
    let mut pools = AddrSet::default();
    let mut last_pool = 0usize;
    let large: AddrSet = rg.large.iter().map(|&(s, _)| s).collect();
    let rem_conts: Option<AddrSet> = walk
        .remembered
        .as_ref()
        .map(|_| rg.heap.young.iter().flat_map(|y| y.conts.iter()).map(|c| c.0).collect());
    let black = COLOR_BLACK;
    rg.heap.for_each_major_block(|slot| {
        let slot = slot as usize;
        let is_large = large.contains(&slot);
        let sz = if is_large {
            None
        } else {
            let p = pool::pool_of(slot);
            if p as usize != last_pool {
                last_pool = p as usize;
                pools.insert(p as usize);
            }
            // SAFETY: slot is an allocated slot of a live pool.
            Some(SIZE_CLASSES[unsafe { (*p).class }])
        };
        let b = Value(slot + (MAJOR_BEFORE + 1) * WORD);
        // SAFETY: slot is an allocated slot or large block: its header word is readable.
        let raw = unsafe { *((slot + MAJOR_BEFORE * WORD) as *const usize) };
        if !light || raw == 0 || poison::is_poison(raw as u64) {
            if let Err(r) = major_frame(slot, b, sz) {
                r.referrer("the major heap walk").fail();
            }
        }
        let hd = Header(raw);
        words += hd.wosize() + 1;
        blocks += 1;
        if hd.tag() >= NO_SCAN_TAG {
            return;
        }
        if hd.tag() == CONT_TAG {
            cont_chain(st, rg, walk, rem_conts.as_ref(), b, hd.color() == black);
            return;
        }
        if light {
            // Only unremembered young pointers (the paced scan at minor collections).
            if let Some(rem) = &walk.remembered {
                let (start, end) = value_fields(b, hd);
                for i in start..end {
                    // SAFETY: i < wosize.
                    let f = unsafe { b.field(i) };
                    if crate::heap::young_space::is_young(f) && !rem.contains(&(b.field_ptr(i) as usize)) {
                        unremembered(b, i, f, slot, sz);
                    }
                }
            }
            return;
        }
        if hd.tag() == CLOSURE_TAG {
            if let Some(code) = st.code.as_ref() {
                let (start, _) = value_fields(b, hd);
                for i in 0..start {
                    // SAFETY: i < wosize.
                    let f = unsafe { b.field(i) };
                    if let Some(Err(r)) = code.check(f, i == 0) {
                        r.referrer(format!("field {i} (code) of closure {:#x}", b.0)).block(b.0, true).fail();
                    }
                }
            }
        }
        let (start, end) = value_fields(b, hd);
        let is_black = hd.color() == black;
        let mut next = start;
        while next < end {
            next = skip_immediates(b, next, end);
            if next == end {
                break;
            }
            let i = next;
            next += 1;
            // SAFETY: i < wosize.
            let f = unsafe { b.field(i) };
            let young = crate::heap::young_space::is_young(f);
            if let Some(rem) = &walk.remembered {
                if young && !rem.contains(&(b.field_ptr(i) as usize)) {
                    unremembered(b, i, f, slot, sz);
                }
            }
            if !(walk.fields || walk.black_to_white || young) {
                continue;
            }
            match value(st, rg, f) {
                Err(r) => r.referrer(format!("field {i} of major block {:#x}", b.0)).fail(),
                Ok(Some(Target::Major { block, .. })) if walk.black_to_white && is_black => {
                    // SAFETY: block was validated.
                    let c = unsafe { block.header() }.color();
                    if c != black {
                        problem(Check::BlackToWhite, "after marking, a marked block points to an unmarked one (which the sweep would free while reachable)")
                            .expected("the target to be marked")
                            .found(format!("field {i} = {:#x}, unmarked", f.0))
                            .block(b.0, true)
                            .referrer(format!("field {i} of marked block {:#x}", b.0))
                            .fail();
                    }
                }
                Ok(_) => {}
            }
        }
    });
    (words, blocks, pools)
}

/// Checks the remembered set's entries: each holds a valid value.
pub fn remembered(st: &State, rg: &Regions<'_>) {
    for (k, &fp) in rg.heap.young.iter().flat_map(|y| y.remembered.iter()).enumerate() {
        // SAFETY: remembered entries are fields of live major blocks (the collector reads them
        // the same way).
        let v = unsafe { *fp };
        if let Err(r) = value(st, rg, v) {
            r.referrer(format!("remembered-set entry #{k} (field at {:#x})", fp as usize)).fail();
        }
    }
}

/// Builds the set of remembered field addresses.
pub fn remembered_set(heap: &HeapRefs<'_>) -> AddrSet {
    heap.young.iter().flat_map(|y| y.remembered.iter()).map(|&fp| fp as usize).collect()
}

/// Checks a young block about to be promoted: frame, header, and no poison in its fields.
pub fn promoting(v: Value, spare: (usize, usize)) {
    let hp = v.0 - WORD;
    // SAFETY: the collector found v young with a non-zero header: its frame is in the arena.
    let hd = unsafe { *(hp as *const usize) };
    if poison::is_poison(hd as u64) {
        problem(
            Check::UseAfterFree,
            format!(
                "promoting a young block whose header is {} poison",
                poison::category(hd as u64)
            ),
        )
        .found(format!("header {hd:#x}"))
        .block(v.0, true)
        .fail();
    }
    let h = Header(hd);
    let site = match frame_site(hp, h.wosize(), v) {
        Ok(s) => s,
        Err(r) => r.block(v.0, true).referrer("a block being promoted").fail(),
    };
    if h.tag() < NO_SCAN_TAG {
        let (start, end) = value_fields(v, h);
        for i in start..end {
            // SAFETY: i < wosize.
            let f = unsafe { v.field(i) };
            if poison::is_poison(f.0 as u64) || poison::looks_derived(f.0 as u64) {
                poison_value(f.0)
                    .block(v.0, true)
                    .site(Some(site))
                    .referrer(format!("field {i} of young block {:#x}, being promoted", v.0))
                    .fail();
            }
            if f.is_block() && f.0 > spare.0 && f.0 <= spare.1 {
                problem(Check::UseAfterFree, "a pointer into the minor arena that the last minor collection evacuated (free-minor)")
                    .expected("a pointer to a live block (the target was promoted or died)")
                    .found(format!("{:#x}", f.0))
                    .block(v.0, true)
                    .site(Some(site))
                    .referrer(format!("field {i} of young block {:#x}, being promoted", v.0))
                    .fail();
            }
        }
    }
}
