//! Hardened twin of the check hooks: the frame layout with canaries, poison on every kind of
//! freed memory (re-checked when handed out again), the checks at promotion, marking and
//! sweeping, and the verification at safepoints (`verify`), configured by `settings`.
//!
//! The checker's state (`State`, `Local`) is in `state`, the frame layout in `layout`;
//! per-thread report context lives in `report`.

use super::canary;
pub use super::layout::*;
use super::poison::{self, FREE_MAJOR, FREE_MINOR, FREE_STACK, UNINIT_MAJOR, UNINIT_MINOR};
use super::report::{self, Check, Phase, Report};
use super::settings::{self, Level};
use super::state::{ticks_now, AddrSet, CodeTable};
pub use super::state::{Local, State};
use super::verify::{self, HeapWalk, Regions};
use super::{HeapRefs, RootWalk};
use crate::heap::large::LARGE_PREFIX_WSIZE;
use crate::heap::minor::MinorHeap;
use crate::heap::pool::{self, POOL_BSIZE, SIZECLASS_MAX, SIZE_CLASSES};
use crate::heap::value::{Header, Value, WORD};
use std::cell::Cell;

pub use super::canary::Site;

/// Whether this build carries the checks (reported as `Sys.runtime_variant () = "d"`).
pub const ENABLED: bool = true;

/// Full scans of the major heap for unremembered young pointers happen at a minor
/// collection once the words allocated since the last scan reach the major heap's size
/// divided by this (`WARDEN_VERIFY=every`: at every minor collection).
const REMSET_SCAN_RATIO: usize = 1;

/// At poll points (`WARDEN_VERIFY=every`), roots are checked once the allocations since the
/// last check times this reach the number of roots.
const ROOTS_PER_ALLOC: usize = 16;

thread_local! {
    static SITE: Cell<Site> = const { Cell::new(Site::UNKNOWN) };
}

thread_local! {
    /// How many rights to touch heap-wide state this thread holds: the heap lock, the
    /// leadership of a stopped world (they nest: a leader also takes the lock).
    static HEAP_ACCESS: Cell<u32> = const { Cell::new(0) };
}

/// The calling thread took the heap lock or now leads a stopped world.
pub fn heap_access_gained() {
    HEAP_ACCESS.with(|c| c.set(c.get() + 1));
}

/// The calling thread gave back the heap lock or restarted the world it led.
pub fn heap_access_lost() {
    HEAP_ACCESS.with(|c| c.set(c.get().saturating_sub(1)));
}

/// Asserts that the calling thread may touch heap-wide state (`domain::lock::LockedRef`):
/// a dereference without the heap lock or a stopped world is a race in warden itself.
#[track_caller]
pub fn assert_heap_access() {
    assert!(
        HEAP_ACCESS.with(Cell::get) > 0,
        "warden: heap-wide state touched without the heap lock or a stopped world"
    );
}

/// Installs the fault handler that explains faults on poison-derived addresses.
pub fn install() {
    super::signal::install();
}

/// Waits for good when another thread's failed check is ending the process (a panicking
/// thread's message would otherwise race the report).
pub fn wait_if_reporting() {
    report::wait_if_reporting();
}

/// The site of an allocation at instruction `pc` of domain `domain`.
#[inline(always)]
pub fn site_at(domain: usize, pc: usize) -> Site {
    Site::new(domain, pc)
}
/// Records where the running code is, for the allocations primitives make.
#[inline(always)]
pub fn note_site(domain: usize, pc: usize) {
    SITE.with(|s| s.set(Site::new(domain, pc)));
}
/// The last site recorded on this thread.
#[inline(always)]
pub fn current_site() -> Site {
    SITE.with(|s| s.get())
}

#[cold]
#[inline(never)]
fn write_after_free(addr: *mut usize, w: usize, expected: u64, block: usize) -> ! {
    Report::new(
        Check::WriteAfterFree,
        format!(
            "freed memory changed before it was handed out again ({})",
            poison::category(expected)
        ),
    )
    .expected(format!("{expected:#x} ({} poison) or 0 (never used)", poison::category(expected)))
    .found(format!("{w:#x} at {:#x}", addr as usize))
    .block(block, false)
    .fail()
}

/// A fresh young frame of `total` words holds a word other than free-minor poison or zero:
/// reports the first one (off the allocation path).
#[cold]
#[inline(never)]
fn minor_reused(frame: *mut usize, total: usize) -> ! {
    for i in 0..total {
        let p = frame.wrapping_add(i);
        // SAFETY: `frame_minor`'s caller handed out these `total` words.
        let w = unsafe { *p };
        if w != 0 && w != FREE_MINOR as usize {
            write_after_free(p, w, FREE_MINOR, frame.wrapping_add(2) as usize);
        }
    }
    // Not reached: the caller found a bad word among them.
    // SAFETY: as above.
    write_after_free(frame, unsafe { *frame }, FREE_MINOR, frame.wrapping_add(2) as usize)
}

/// Frames a fresh young block: checks that its words still hold free-minor poison, writes
/// the canaries, the header, and uninitialised poison in every field.
///
/// # Safety
/// `frame` must point to `wosize + 1 + MINOR_EXTRA` words just bump-allocated in the arena.
#[inline]
pub unsafe fn frame_minor(
    st: &mut Local,
    frame: *mut usize,
    wosize: usize,
    tag: u8,
    site: Site,
) -> Value {
    // SAFETY: the caller's contract: the frame's words are ours.
    unsafe {
        let total = wosize + 1 + MINOR_EXTRA;
        // Each word must still hold free poison (or zero, never used): no branch per word,
        // the first bad one is looked for only when there is one. Then the fields get the
        // uninitialised poison.
        let mut bad = 0u64;
        for i in 0..total {
            let w = *frame.add(i) as u64;
            // Free-minor poison has its top bit set: the word must be it when its top bit is
            // set, and zero when it is not.
            bad |= w ^ (FREE_MINOR & ((w as i64 >> 63) as u64));
        }
        if bad != 0 {
            minor_reused(frame, total);
        }
        for i in 0..total {
            *frame.add(i) = UNINIT_MINOR as usize;
        }
        let hp = frame.add(MINOR_BEFORE);
        let (b, a) = st.keys.words(hp as usize, site);
        *frame = b;
        *hp = Header::new(wosize, tag, 0).0;
        *hp.add(wosize + 1) = a;
        st.count_alloc();
        Value(hp.add(1) as usize)
    }
}

/// A reused pool slot of `sz` words holds a word other than free-major poison or zero past
/// its first two: reports the first one (off the allocation path).
#[cold]
#[inline(never)]
fn major_reused(slot: *mut usize, sz: usize) {
    for i in 2..sz {
        let p = slot.wrapping_add(i);
        // SAFETY: `frame_major`'s caller handed out the slot's `sz` words.
        let w = unsafe { *p };
        if w != 0 && w != FREE_MAJOR as usize {
            write_after_free(p, w, FREE_MAJOR, slot.wrapping_add(MAJOR_BEFORE + 1) as usize);
        }
    }
}

/// Frames a fresh major block in `slot`, whose outer header the heap wrote for `wosize +
/// MAJOR_EXTRA` fields: checks that a reused pool slot still holds free-major poison, writes
/// the canaries, the real header (same tag and colour) and uninitialised poison.
///
/// # Safety
/// `slot` must be a slot just handed out by the major heap for `wosize + MAJOR_EXTRA` fields.
#[inline]
pub unsafe fn frame_major(slot: *mut usize, wosize: usize, site: Site) -> Value {
    // SAFETY: the caller's contract: the slot's words are ours.
    unsafe {
        let outer = Header(*slot);
        let whsize = wosize + 1 + MAJOR_EXTRA;
        if whsize <= SIZECLASS_MAX {
            let p = pool::pool_of(slot as usize);
            let sz = SIZE_CLASSES[(*p).class];
            // As in `frame_minor`: one branch for the whole slot (free-major poison has its
            // top bit set), the first bad word looked for only when there is one.
            let mut bad = 0u64;
            for i in 2..sz {
                let w = *slot.add(i) as u64;
                bad |= w ^ (FREE_MAJOR & ((w as i64 >> 63) as u64));
            }
            if bad != 0 {
                major_reused(slot, sz);
            }
        }
        let hp = slot.add(MAJOR_BEFORE);
        let (b, a) = canary::words(hp as usize, site);
        *slot.add(1) = b;
        *hp = Header::new(wosize, outer.tag(), outer.color()).0;
        std::slice::from_raw_parts_mut(hp.add(1), wosize).fill(UNINIT_MAJOR as usize);
        *hp.add(wosize + 1) = a;
        Value(hp.add(1) as usize)
    }
}

/// Counts an allocation made directly in the major heap (for `WARDEN_GC_EVERY`).
#[inline]
pub fn note_alloc(st: &mut Local) {
    st.count_alloc();
}

/// Before the write barrier: a store of `v` into field `i` of `block`. The checker keeps its
/// own record of young-into-major stores, so that a barrier that fails to remember one is
/// caught at the next minor collection.
#[inline]
pub fn on_store(st: &mut Local, young: (usize, usize), block: Value, i: usize, v: Value) {
    let is_young = |x: Value| x.is_block() && x.0 > young.0 && x.0 <= young.1;
    if is_young(v) && !is_young(block) {
        st.stores.push(block.field_ptr(i) as usize);
    }
}

/// The header address of the block in a major slot.
#[inline(always)]
pub fn header_of_slot(slot: *mut usize) -> *mut usize {
    slot.wrapping_add(MAJOR_BEFORE)
}

/// The allocation site of a young block (already checked by `on_promote`).
#[inline]
pub fn site_of(v: Value) -> Site {
    let hp = v.0 - WORD;
    // SAFETY: v is a young block whose frame `on_promote` checked.
    let (b, h) = unsafe { (*((hp - WORD) as *const usize), Header(*(hp as *const usize))) };
    // SAFETY: as above; the after canary is inside the frame.
    let a = unsafe { *((hp + (h.wosize() + 1) * WORD) as *const usize) };
    canary::decode(hp, b, a).unwrap_or(Site::UNKNOWN)
}

/// Before a young block is copied out: its frame and fields.
#[inline]
pub fn on_promote(young: Value) {
    verify::promoting(young, crate::heap::young_space::spare_range());
}

/// A fresh string's body that the runtime leaves unwritten (`Bytes.create`): zero-filled,
/// so that a hardened run never depends on what the memory held before.
///
/// # Safety
/// `body` must point to `len` writable bytes of a block the caller has just allocated.
#[inline]
pub unsafe fn on_unfilled_bytes(body: *mut u8, len: usize) {
    // SAFETY: the caller's contract.
    unsafe { std::ptr::write_bytes(body, 0, len) };
}

/// What the marker needs to recognise pointers that must not exist during marking.
pub struct MarkCtx {
    young: (usize, usize),
    spare: (usize, usize),
}

pub fn mark_ctx() -> MarkCtx {
    use crate::heap::young_space::{spare_range, young_range};
    MarkCtx { young: young_range(), spare: spare_range() }
}

#[cold]
#[inline(never)]
fn mark_fail(r: Report, parent: Option<(Value, usize)>) -> ! {
    match parent {
        Some((b, i)) => {
            r.referrer(format!("field {i} of major block {:#x}, while marking", b.0)).fail()
        }
        None => r.referrer("a root, while marking").fail(),
    }
}

/// Before the marker reads the header of `v`, found in field `i` of `parent` (or a root).
#[inline]
pub fn on_mark(ctx: &MarkCtx, parent: Option<(Value, usize)>, v: Value) {
    let a = v.0;
    if poison::is_poison(a as u64) || poison::looks_derived(a as u64) {
        mark_fail(verify::poison_value(a), parent);
    }
    let in_young = a > ctx.young.0 && a <= ctx.young.1;
    let in_spare = a > ctx.spare.0 && a <= ctx.spare.1;
    if in_young || in_spare {
        let r = match parent {
            Some(_) => Report::new(Check::RememberedSet, "a major block points into the minor heap after the minor collection that should have promoted the target (a missed write barrier)")
                .expected("no pointer into the minor heap while marking (it is empty)")
                .found(format!("{a:#x} (free-minor)")),
            None => Report::new(Check::UseAfterFree, "a root points into the emptied minor heap (free-minor)")
                .expected("roots updated by the minor collection")
                .found(format!("{a:#x}")),
        };
        mark_fail(r, parent);
    }
}

/// After the marker read the header `hd` of block `b`.
#[inline]
pub fn on_mark_header(b: Value, hd: Header, parent: Option<(Value, usize)>) {
    if poison::is_poison(hd.0 as u64) {
        mark_fail(
            Report::new(
                Check::UseAfterFree,
                format!(
                    "a pointer to a freed block ({} header) while marking",
                    poison::category(hd.0 as u64)
                ),
            )
            .found(format!("header {:#x}", hd.0))
            .block(b.0, false),
            parent,
        );
    }
    if hd.0 == 0 {
        mark_fail(
            Report::new(Check::BadHeader, "a block with a zero header while marking")
                .block(b.0, false),
            parent,
        );
    }
}

/// A pool slot the sweeper frees: checks its frame, then poisons words 2.. (word 0 becomes
/// the free mark, word 1 the free-list link).
///
/// # Safety
/// `slot` must be an allocated slot of a live pool, about to be freed.
pub unsafe fn on_sweep_slot(_st: &mut State, slot: *mut usize) {
    let p = pool::pool_of(slot as usize);
    // SAFETY: slot is an allocated slot of pool p.
    let sz = SIZE_CLASSES[unsafe { (*p).class }];
    let b = Value(slot as usize + (MAJOR_BEFORE + 1) * WORD);
    if let Err(r) = verify::major_frame(slot as usize, b, Some(sz)) {
        r.referrer("a dead block being swept").fail();
    }
    for i in 2..sz {
        // SAFETY: i < slot size.
        unsafe { *slot.add(i) = FREE_MAJOR as usize };
    }
}

/// A large block about to be freed: checks its frame. Its poison (free-large) is written by
/// the allocator shim, which takes the block back at once and fills it whole in hardened
/// builds (or, with `WARDEN_GUARD=1`, makes its mapping inaccessible): writing it here too
/// only doubled the cost of every large free.
///
/// # Safety
/// `slot` must be the start of a live large block's frame, about to be freed.
pub unsafe fn on_free_large(_st: &mut State, slot: *mut usize) {
    let b = Value(slot as usize + (MAJOR_BEFORE + 1) * WORD);
    if let Err(r) = verify::major_frame(slot as usize, b, None) {
        r.referrer("a dead large block being freed").fail();
    }
}

/// After a minor collection: poisons what the arena held.
pub fn on_minor_done(st: &mut Local, minor: &mut MinorHeap) {
    st.minor_epoch += 1;
    minor.used_mut().fill(FREE_MINOR as usize);
}

/// Before a fiber's stack is freed: poisons its words.
///
/// # Safety
/// `low` must point to `words` words of a stack nothing will read as live any more.
pub unsafe fn on_stack_free(low: *mut usize, words: usize) {
    // SAFETY: the caller's contract.
    unsafe { std::slice::from_raw_parts_mut(low, words).fill(FREE_STACK as usize) };
}

/// Before the interpreter gives up on a value it cannot use (a `SWITCH` outside its table, an
/// application of something that is not a closure): when the value is freed memory, a report
/// says so instead of the interpreter's fatal error. Reads only what cannot fault: the value
/// itself, and a header inside the young space.
#[cold]
#[inline(never)]
pub fn explain_bad_value(v: Value, what: &str) {
    use crate::heap::young_space::{is_young, spare_range};
    let a = v.0;
    if poison::is_poison(a as u64) || poison::looks_derived(a as u64) {
        verify::poison_value(a).referrer(what.to_string()).fail();
    }
    if !v.is_block() {
        return;
    }
    let (lo, hi) = spare_range();
    if a > lo && a <= hi {
        Report::new(
            Check::UseAfterFree,
            "a pointer into the minor arena that the last minor collection evacuated (free-minor)",
        )
        .expected("a live block (the collection promoted it or it died)")
        .found(format!("{a:#x}"))
        .block(a, false)
        .referrer(what.to_string())
        .fail();
    }
    if is_young(v) {
        // SAFETY: the word before a young value lies in the mapped young space.
        let hd = unsafe { *((a - WORD) as *const usize) };
        if poison::is_poison(hd as u64) {
            Report::new(
                Check::UseAfterFree,
                format!("a young block whose header is {} poison", poison::category(hd as u64)),
            )
            .found(format!("header {hd:#x}"))
            .block(a, false)
            .referrer(what.to_string())
            .fail();
        }
    }
}

/// Records the collector's phase for reports.
#[inline]
pub fn gc_phase(phase: Phase, minor: usize, major: usize) {
    report::set_phase(phase, minor, major);
}

/// Whether the next poll point must stop at a safepoint (a forced collection is due, or
/// verification runs at every poll point after an allocation). Once the safepoint ran it is
/// false again until the next allocation, so code that polls until nothing is pending ends.
#[inline(always)]
pub fn wants_safepoint(st: &Local) -> bool {
    st.forced != 0 || st.poll_due
}

/// Takes the collection `WARDEN_GC_EVERY` forces: 0 none, 1 minor, 2 major.
#[inline]
pub fn take_forced(st: &mut Local) -> u8 {
    std::mem::take(&mut st.forced)
}

thread_local! {
    /// Instructions this thread may still run (`set_instruction_budget`); unlimited unless set.
    static BUDGET: Cell<u64> = const { Cell::new(u64::MAX) };
}

thread_local! {
    /// Whether a failed access check on this thread unwinds (`set_access_recovery`).
    static RECOVER: Cell<bool> = const { Cell::new(false) };
}

/// Makes a failed access check on this thread unwind with [`super::AccessStop`] instead of
/// reporting and exiting: the fuzz target runs programs that use values of the wrong type
/// on purpose, catches the unwind, and goes on with the next input. Only for code that
/// performs no effects and calls no C stubs (nothing to restore but the stack pointer).
pub fn set_access_recovery(on: bool) {
    RECOVER.with(|r| r.set(on));
}

/// Whether failed access checks unwind on this thread.
pub(super) fn access_recovery() -> bool {
    RECOVER.with(|r| r.get())
}

/// Limits the instructions this thread's interpreter runs from now on (the fuzz target runs
/// random code that need not reach a poll point); `u64::MAX` is no limit. Without the
/// `instruction-budget` feature the limit is kept but never counted down.
pub fn set_instruction_budget(n: u64) {
    BUDGET.with(|b| b.set(n));
}

/// Counts one instruction against the budget: true once it is spent (the interpreter then
/// ends the activation with a fatal error). Only builds with the `instruction-budget`
/// feature (the fuzz targets') count: elsewhere no budget is ever set, and the count, a
/// read-modify-write of a thread-local at every instruction, was a tenth of the hardened
/// interpreter's time.
#[inline(always)]
pub fn instruction_spent() -> bool {
    #[cfg(feature = "instruction-budget")]
    return BUDGET.with(|b| {
        let n = b.get();
        b.set(n.saturating_sub(1));
        n == 0
    });
    #[cfg(not(feature = "instruction-budget"))]
    false
}

/// Registers the program's code (again whenever it has grown: a fragment loaded at run time)
/// of `len` words: instruction starts for code pointers.
#[inline]
pub fn on_code(st: &mut State, base: *const i32, len: usize, starts: &dyn Fn() -> Vec<bool>) {
    if st.code.as_ref().map(|c| (c.base, c.len)) != Some((base as usize, len)) {
        st.code = Some(CodeTable::new(base as usize, &starts()));
    }
}

/// The code table holds only live code, and no block lies inside a code range.
fn code_table(rg: &Regions<'_>) {
    super::fault::for_each_fragment(&mut |lo, hi, owner_exited| {
        if owner_exited {
            Report::new(
                Check::CodeTable,
                "the code table holds a fragment registered by a domain that has exited",
            )
            .expected("a domain's exit removes the code it registered")
            .found(format!("fragment [{lo:#x}, {hi:#x}) still registered"))
            .fail();
        }
        for &p in &rg.pools {
            if p < hi && lo < p + POOL_BSIZE {
                Report::new(Check::CodeTable, "a heap pool overlaps a registered code fragment (a heap pointer there would be taken for code)")
                    .found(format!("pool [{p:#x}, {:#x}) and fragment [{lo:#x}, {hi:#x})", p + POOL_BSIZE))
                    .fail();
            }
        }
        for &(s, e) in &rg.large {
            if s < hi && lo < e {
                Report::new(Check::CodeTable, "a large block overlaps a registered code fragment")
                    .found(format!("block [{s:#x}, {e:#x}) and fragment [{lo:#x}, {hi:#x})"))
                    .block(s + (MAJOR_BEFORE + 1) * WORD, false)
                    .fail();
            }
        }
    });
}

/// Checks the roots and the code table; returns the number of roots.
fn roots_and_code(st: &State, rg: &Regions<'_>, roots: RootWalk<'_>) -> usize {
    let (pcs, n) = verify::roots(st, rg, roots);
    report::set_stack_pcs(pcs);
    code_table(rg);
    n
}

/// Before a minor collection: roots, the minor arena, the remembered set, and (paced) the
/// whole major heap for unremembered young pointers.
pub fn before_minor(
    st: &mut State,
    locals: &mut [&mut Local],
    heap: HeapRefs<'_>,
    roots: RootWalk<'_>,
) {
    let mut stores = Vec::new();
    for l in locals.iter_mut() {
        l.poll_due = false;
        l.walked = (0, 0);
        stores.append(&mut l.stores);
    }
    st.spare = crate::heap::young_space::spare_range();
    if !st.tick(0, Level::Gc) {
        return;
    }
    if !stores.is_empty() {
        let rem = verify::remembered_set(&heap);
        for fp in stores {
            // SAFETY: fp is a field of a major block that was live at the store; no major
            // cycle ran since (cycles start with a minor collection, which ends the record).
            let v = Value(unsafe { *(fp as *const usize) });
            if crate::heap::young_space::is_young(v) && !rem.contains(&fp) {
                Report::new(Check::RememberedSet, "a young value was stored into a major block and the write barrier did not remember the field")
                    .expected("the field in the remembered set")
                    .found(format!("field at {fp:#x} holds young {:#x}, not remembered", v.0))
                    .referrer("the checker's record of barrier stores")
                    .fail();
            }
        }
    }
    report::set_phase_only(Phase::Verify);
    let rg = Regions::new(&heap);
    roots_and_code(st, &rg, roots);
    for y in heap.young {
        verify::minor_arena(&heap, y.minor, usize::MAX);
    }
    verify::remembered(st, &rg);
    let every = settings::get().level == Level::Every;
    let due = heap.allocated.saturating_sub(st.remset_mark) * REMSET_SCAN_RATIO
        >= heap.major.dir.heap_words();
    if every || due {
        st.remset_mark = heap.allocated;
        let walk = HeapWalk {
            remembered: Some(verify::remembered_set(&heap)),
            black_to_white: false,
            fields: every,
        };
        verify::major_heap(st, &rg, &walk);
    }
    report::set_phase_only(Phase::Minor);
}

/// After marking, before sweeping: no marked block points to an unmarked one.
pub fn after_mark(st: &mut State, heap: HeapRefs<'_>) {
    if !st.tick(1, Level::Major) {
        return;
    }
    report::set_phase_only(Phase::Verify);
    let mut rg = Regions::new(&heap);
    // The walk checks every live block's frame.
    rg.frames_walked = true;
    verify::major_heap(
        st,
        &rg,
        &HeapWalk { remembered: None, black_to_white: true, fields: false },
    );
    report::set_phase_only(Phase::Sweep);
}

/// The pools that hold at least one block.
fn live_pools(heap: &HeapRefs<'_>) -> AddrSet {
    let mut pools = AddrSet::default();
    let mut last = 0usize;
    let large: AddrSet = heap.major.dir.large.all().iter().map(|&s| s as usize).collect();
    heap.for_each_major_block(|slot| {
        let p = pool::pool_of(slot as usize) as usize;
        if p != last && !large.contains(&(slot as usize)) {
            last = p;
            pools.insert(p);
        }
    });
    pools
}

/// After sweeping: every root and every live block is valid, and the census agrees with the
/// sweep's counts (`live_words`, `live_blocks`) and the heap's lists.
pub fn after_sweep(
    st: &mut State,
    heap: HeapRefs<'_>,
    roots: RootWalk<'_>,
    live_words: usize,
    live_blocks: usize,
) {
    if settings::get().level == Level::Off {
        return;
    }
    if !st.tick(2, Level::Major) {
        return;
    }
    report::set_phase_only(Phase::Verify);
    let live = live_pools(&heap);
    let mut rg = Regions::new(&heap);
    // The walk checks every live block's frame (the roots' checks come after it).
    rg.frames_walked = true;
    let (words, blocks, pools) = verify::major_heap(
        st,
        &rg,
        &HeapWalk { remembered: None, black_to_white: false, fields: true },
    );
    debug_assert_eq!(pools.len(), live.len());
    roots_and_code(st, &rg, roots);
    if words != live_words || blocks != live_blocks {
        Report::new(
            Check::HeapAccounting,
            "the live words and blocks counted by walking the heap differ from the sweep's counts",
        )
        .expected(format!("{live_words} words in {live_blocks} blocks (sweep)"))
        .found(format!("{words} words in {blocks} blocks (walk)"))
        .fail();
    }
    // Each large block's own size first: that report names the block.
    for &(s, e) in &rg.large {
        // SAFETY: `s` is a live large block's outer header; the allocator keeps the size it
        // allocated in the prefix words before it.
        let allocated = unsafe { *((s - LARGE_PREFIX_WSIZE * WORD) as *const usize) };
        if allocated != (e - s) / WORD {
            Report::new(
                Check::HeapAccounting,
                "a large block's header gives a size other than the one it was allocated with",
            )
            .expected(format!("{allocated} words (allocated)"))
            .found(format!("{} words (header)", (e - s) / WORD))
            .block(s + (MAJOR_BEFORE + 1) * WORD, false)
            .fail();
        }
    }
    // The occupancy counters (`Gc.quick_stat`'s figures) follow every allocation and free.
    let occ = heap.occupancy();
    let (occ_words, occ_blocks) =
        (occ.pool_live_words + occ.large_words, occ.pool_live_blocks + occ.large_blocks);
    if words != occ_words || blocks != occ_blocks {
        Report::new(
            Check::HeapAccounting,
            "the heap's occupancy counters differ from the live words and blocks of the walk",
        )
        .expected(format!("{words} words in {blocks} blocks (walk)"))
        .found(format!("{occ_words} words in {occ_blocks} blocks (counters)"))
        .fail();
    }
    // A pool is kept while it holds a block or (ASan builds) a quarantined free slot.
    let mut kept = live.clone();
    kept.extend(heap.major.quarantined_pools());
    let pool_count = heap.major.dir.lock().pools.len();
    if kept.len() != pool_count {
        Report::new(
            Check::HeapAccounting,
            "the pools holding blocks (or quarantined slots) differ from the heap's pool count",
        )
        .expected(format!("{pool_count} pools"))
        .found(format!(
            "{} pools hold blocks, {} in all with quarantined slots",
            live.len(),
            kept.len()
        ))
        .fail();
    }
    let large_words: usize = rg.large.iter().map(|&(s, e)| (e - s) / WORD).sum();
    let dir_large_words = heap.major.dir.large.words();
    if large_words != dir_large_words {
        Report::new(
            Check::HeapAccounting,
            "the large blocks' sizes differ from the heap's large-word count",
        )
        .expected(format!("{dir_large_words} words"))
        .found(format!("{large_words} words in {} large blocks", rg.large.len()))
        .fail();
    }
    report::set_phase_only(Phase::Mutator);
}

/// At a poll point (`WARDEN_VERIFY=every`): the domain's own roots and minor arena (the
/// other domains run meanwhile; `heap.young` holds the caller's young state only).
pub fn at_poll(st: &mut State, local: &mut Local, heap: HeapRefs<'_>, roots: RootWalk<'_>) {
    local.poll_due = false;
    if !ticks_now(&mut local.poll_ticks, Level::Every) {
        return;
    }
    report::set_phase_only(Phase::Verify);
    let rg = Regions::new(&heap);
    if local.poll_allocs * ROOTS_PER_ALLOC >= local.roots_seen {
        local.poll_allocs = 0;
        local.roots_seen = roots_and_code(st, &rg, roots);
    }
    let m = heap.young[0].minor;
    let upto = if local.walked.0 == m.start as usize && local.walked.1 >= m.ptr as usize {
        local.walked.1
    } else {
        usize::MAX
    };
    verify::minor_arena(&heap, m, upto);
    local.walked = (m.start as usize, m.ptr as usize);
    report::set_phase_only(Phase::Mutator);
}
