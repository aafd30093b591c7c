//! Channels as process-wide objects shared by every domain, and the `_chan` custom blocks that
//! name them.
//!
//! A channel lives in a `ChanCell`: a mutex around the `Channel`, plus the counters that the
//! list of opened channels needs without taking that mutex. Cells are never freed, only
//! recycled through a free list with a new generation, so a block always points to valid
//! memory; a block carries the generation it was made for, and a block that outlived its
//! channel (a copy made by `Obj.dup`) is refused instead of touching someone else's channel.
//!
//! Lifetime, as in the stock runtime: each block holds one reference. When a block dies its
//! finaliser drops the reference; the channel leaves the opened list when no block refers to it
//! any more, unless it is an open output channel with unflushed data, which stays listed so
//! that `flush_all` at exit still writes it. Lock order: a cell (only `try_lock` while holding
//! nothing else in the finaliser), then `OPENED`, then `FREE`.
//!
//! Channels and the heap lock: a domain keeps its channel locked while it waits in a
//! blocking section for a read or a write, and needs the heap lock back to finish. So a
//! domain holding the heap lock never waits for a channel: it tries the lock, and when the
//! channel is busy it waits in a blocking section itself (`lock_channel`), as the stock
//! runtime's `caml_plat_lock_non_blocking` does. The few facts read without the channel lock
//! (whether it is an open output channel, its descriptor) are kept in atomics of the cell.

use super::channel::{Blocking, Channel, IoErr};
use crate::domain::Domain;
use crate::exn::Exn;
use crate::heap::custom::{data_ptr, ops_of, CustomOps};
use crate::heap::value::{Value, CUSTOM_TAG, WORD};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

pub struct ChanCell {
    /// The channel behind its lock. Replaced (not just unlocked) only by
    /// `reset_locks_after_fork`, in a forked child; everywhere else reached through `chan()`.
    chan: UnsafeCell<Mutex<Channel>>,
    /// Changes when the cell is recycled; written with both the cell and `OPENED` locked.
    gen: AtomicU64,
    /// Blocks referring to the channel; changed only with `OPENED` locked.
    refcount: AtomicUsize,
    /// Whether the channel is an open output channel (read by `out_channels`, which must not
    /// wait for a channel busy in a blocking write); set when opened, cleared when closed.
    open_out: AtomicBool,
    /// The channel's descriptor, -1 once closed (read by `descriptor`, which must not wait
    /// either); set when opened, cleared when closed.
    fd: AtomicI32,
    /// Index of the cell in `OPENED.slots`; changed only with `OPENED` locked.
    slot: AtomicUsize,
}

// SAFETY: the only unsynchronised access to `chan` is `reset_locks_after_fork`, which runs in
// a forked child's only thread; everything else is atomics or the mutex.
unsafe impl Sync for ChanCell {}

impl ChanCell {
    fn chan(&self) -> &Mutex<Channel> {
        // SAFETY: the mutex is replaced only by `reset_locks_after_fork`, when no other thread
        // exists and no reference from `chan()` is alive (see there).
        unsafe { &*self.chan.get() }
    }
}

/// Channels opened from OCaml and not yet released, oldest first. Removal leaves a hole
/// (O(1), since thousands of closed channels may die in one collection); the holes are
/// squeezed out when they outnumber the channels.
struct Opened {
    slots: Vec<Option<&'static ChanCell>>,
    live: usize,
}

impl Opened {
    fn push(&mut self, cell: &'static ChanCell) {
        // Relaxed: slot is only accessed with OPENED locked.
        cell.slot.store(self.slots.len(), Ordering::Relaxed);
        self.slots.push(Some(cell));
        self.live += 1;
    }

    fn remove(&mut self, cell: &'static ChanCell) {
        // Relaxed: as in `push`.
        let i = cell.slot.load(Ordering::Relaxed);
        match self.slots.get_mut(i) {
            Some(slot) if slot.is_some_and(|c| std::ptr::eq(c, cell)) => *slot = None,
            _ => return,
        }
        self.live -= 1;
        if self.slots.len() > 64 && self.live < self.slots.len() / 2 {
            self.slots.retain(Option::is_some);
            for (i, c) in self.slots.iter().flatten().enumerate() {
                c.slot.store(i, Ordering::Relaxed);
            }
        }
    }

    /// The channels, oldest first.
    fn iter(&self) -> impl DoubleEndedIterator<Item = &'static ChanCell> + '_ {
        self.slots.iter().flatten().copied()
    }
}

static OPENED: Mutex<Opened> = Mutex::new(Opened { slots: Vec::new(), live: 0 });
/// Cells whose channel is gone, ready for reuse.
static FREE: Mutex<Vec<&'static ChanCell>> = Mutex::new(Vec::new());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn released() -> Channel {
    Channel {
        fd: -1,
        offset: 0,
        buf: Vec::new(),
        end: 0,
        curr: 0,
        max: Some(0),
        flags: 0,
        name: None,
    }
}

pub static CHANNEL_OPS: CustomOps = CustomOps {
    id: "_chan",
    finalize: Some(finalize_channel),
    compare: Some(compare_channel),
    hash: Some(hash_channel),
    serialize: None,
    deserialize: None,
    fixed_length: None,
};

/// Words of a channel block's data: the cell address and the generation.
const DATA_BYTES: usize = 2 * WORD;

/// The cell and generation a channel block names, if `v` is a channel block.
fn block_cell(v: Value) -> Option<(&'static ChanCell, u64)> {
    if !v.is_block() {
        return None;
    }
    // SAFETY: v is a block; a custom block's word 0 is its ops pointer, and a `_chan` block
    // holds a `&'static ChanCell` and a generation in the next two words.
    unsafe {
        if v.tag() != CUSTOM_TAG || v.wosize() < 3 || !std::ptr::eq(ops_of(v), &CHANNEL_OPS) {
            return None;
        }
        let cell = &*(*(data_ptr(v) as *const usize) as *const ChanCell);
        Some((cell, v.raw(2) as u64))
    }
}

fn alloc_block(dom: &mut Domain, cell: &'static ChanCell, gen: u64) -> Value {
    let v = dom.alloc_custom(&CHANNEL_OPS, DATA_BYTES);
    // SAFETY: v has two data words after the ops word.
    unsafe {
        v.set_raw(1, cell as *const ChanCell as usize);
        v.set_raw(2, gen as usize);
    }
    v
}

/// Opens a channel on `fd` and returns its block.
pub fn open(dom: &mut Domain, fd: i32, output: bool, flags: i32) -> Value {
    let chan = Channel::open(fd, output, flags, dom);
    let recycled = lock(&FREE).pop();
    let cell: &'static ChanCell = match recycled {
        Some(c) => {
            // Waiting is fine here: a free cell is locked only briefly, by a domain checking a
            // stale block's generation inside a blocking section (see `lock_cell`).
            *lock(c.chan()) = chan;
            c
        }
        None => Box::leak(Box::new(ChanCell {
            chan: UnsafeCell::new(Mutex::new(chan)),
            gen: AtomicU64::new(0),
            refcount: AtomicUsize::new(0),
            open_out: AtomicBool::new(false),
            fd: AtomicI32::new(-1),
            slot: AtomicUsize::new(0),
        })),
    };
    // Relaxed: a block reaches another domain only through the heap lock, which orders
    // this store before any read there.
    cell.fd.store(fd, Ordering::Relaxed);
    // Release: pairs with the Acquire load in `out_channels`.
    cell.open_out.store(output, Ordering::Release);
    let gen = {
        let mut opened = lock(&OPENED);
        // Relaxed: both counters change only with OPENED locked.
        cell.refcount.store(1, Ordering::Relaxed);
        opened.push(cell);
        cell.gen.load(Ordering::Relaxed)
    };
    alloc_block(dom, cell, gen)
}

/// A locked channel, valid while the guard lives.
pub struct Locked {
    guard: MutexGuard<'static, Channel>,
    cell: &'static ChanCell,
}

impl std::ops::Deref for Locked {
    type Target = Channel;
    fn deref(&self) -> &Channel {
        &self.guard
    }
}
impl std::ops::DerefMut for Locked {
    fn deref_mut(&mut self) -> &mut Channel {
        &mut self.guard
    }
}
impl Locked {
    /// Closes the channel (`Channel::close`, which it shadows) and drops it from the open
    /// output channels.
    pub fn close(&mut self, b: &mut impl Blocking) -> Result<(), IoErr> {
        // Relaxed: as in `open`.
        self.cell.fd.store(-1, Ordering::Relaxed);
        // Release: pairs with the Acquire load in `out_channels`. Closing is the only way an
        // open output channel stops being one.
        self.cell.open_out.store(false, Ordering::Release);
        self.guard.close(b)
    }
}

/// Locks `cell` if it still holds generation `gen`, without ever waiting for it while holding
/// the heap lock: when the channel is busy (its holder may be in a blocking section, needing
/// the heap lock to finish), the wait happens in a blocking section. The caller keeps the
/// block naming the cell rooted, if it needs it afterwards.
fn lock_cell(dom: &mut Domain, cell: &'static ChanCell, gen: u64) -> Option<Locked> {
    // Relaxed: the generation changes only with the cell locked.
    let current = |cell: &ChanCell| cell.gen.load(Ordering::Relaxed) == gen;
    let guard = match cell.chan().try_lock() {
        Ok(g) => g,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => {
            // The generation is checked before taking the heap lock back, so that a cell
            // that was recycled meanwhile is let go at once: a domain that holds a cell while
            // it waits for the heap lock holds a live channel, which no one recycles.
            dom.blocking_section(|| Some(lock(cell.chan())).filter(|_| current(cell)))?
        }
    };
    current(cell).then_some(Locked { guard, cell })
}

/// Locks the channel of block `v` (see `lock_cell`; `v` stays rooted while it waits).
pub fn lock_channel(dom: &mut Domain, v: Value) -> Result<Locked, Exn> {
    let (cell, gen) = block_cell(v).ok_or_else(|| Exn::invalid_arg("not a channel"))?;
    dom.local_roots.push(v);
    let locked = lock_cell(dom, cell, gen);
    dom.local_roots.pop();
    locked.ok_or_else(|| Exn::invalid_arg("channel already finalised"))
}

/// The descriptor of the channel of block `v` (-1 once closed), without locking the channel.
pub fn descriptor(v: Value) -> Result<i32, Exn> {
    let (cell, gen) = block_cell(v).ok_or_else(|| Exn::invalid_arg("not a channel"))?;
    // Relaxed: a stale block is refused like `lock_channel` does (its cell's generation
    // moved on); the descriptor, as in `open`.
    if cell.gen.load(Ordering::Relaxed) != gen {
        return Err(Exn::invalid_arg("channel already finalised"));
    }
    Ok(cell.fd.load(Ordering::Relaxed))
}

/// Blocks for every open output channel, newest first (`caml_ml_out_channels_list`).
pub fn out_channels(dom: &mut Domain) -> Vec<Value> {
    let cells: Vec<(&'static ChanCell, u64)> = {
        let opened = lock(&OPENED);
        opened
            .iter()
            .rev()
            // Acquire: see the latest state published by a channel operation.
            .filter(|c| c.open_out.load(Ordering::Acquire))
            .map(|c| {
                // Relaxed: refcount and gen change only with OPENED locked.
                c.refcount.fetch_add(1, Ordering::Relaxed);
                (c, c.gen.load(Ordering::Relaxed))
            })
            .collect()
    };
    cells.into_iter().map(|(c, g)| alloc_block(dom, c, g)).collect()
}

/// Runs `f` on every open output channel on one of the descriptors `fds`, oldest first.
pub fn for_each_output_on(
    dom: &mut Domain,
    fds: &[i32],
    mut f: impl FnMut(&mut Locked, &mut Domain),
) {
    // Relaxed: gen changes only with OPENED locked.
    let cells: Vec<(&'static ChanCell, u64)> =
        lock(&OPENED).iter().map(|c| (c, c.gen.load(Ordering::Relaxed))).collect();
    for (cell, gen) in cells {
        // Acquire: pairs with the Release stores of channel operations.
        if !cell.open_out.load(Ordering::Acquire) {
            continue;
        }
        if let Some(mut chan) = lock_cell(dom, cell, gen) {
            if chan.is_open_output() && fds.contains(&chan.fd) {
                f(&mut chan, dom);
            }
        }
    }
}

/// The finaliser of a dead channel block (`caml_finalize_channel`).
fn finalize_channel(v: Value) {
    let Some((cell, gen)) = block_cell(v) else { return };
    // Never wait here: a channel busy elsewhere (a block copy in use) is simply kept.
    let mut guard = match cell.chan().try_lock() {
        Ok(g) => Some(g),
        Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    };
    let mut opened = lock(&OPENED);
    // Relaxed: gen and refcount change only with OPENED locked. A block of an older
    // generation, or one more block than the count knows (a copy), owns no reference.
    if cell.gen.load(Ordering::Relaxed) != gen || cell.refcount.load(Ordering::Relaxed) == 0 {
        return;
    }
    let unflushed = match &guard {
        Some(chan) => {
            if let Some(name) = &chan.name {
                if chan.fd != -1 && super::runtime_warnings_active() {
                    let mut msg = b"[ocaml] channel opened on file '".to_vec();
                    msg.extend_from_slice(name);
                    msg.extend_from_slice(b"' dies without being closed\n");
                    super::write_stderr(&msg);
                }
                if chan.has_pending_output() && super::runtime_warnings_active() {
                    super::write_stderr(b"[ocaml] (moreover, it has unflushed data)\n");
                }
            }
            chan.has_pending_output()
        }
        None => true,
    };
    let rc = cell.refcount.load(Ordering::Relaxed).saturating_sub(1);
    cell.refcount.store(rc, Ordering::Relaxed);
    if rc > 0 || unflushed {
        return;
    }
    let Some(chan) = guard.as_mut() else { return };
    opened.remove(cell);
    cell.gen.store(gen.wrapping_add(1), Ordering::Relaxed);
    drop(opened);
    // The descriptor is not closed: a channel that was never closed leaks it, as in stock.
    **chan = released();
    drop(guard);
    lock(&FREE).push(cell);
}

/// In a forked child: every channel lock that a thread of the parent held at the fork (a
/// thread blocked in a read or write keeps its channel locked) is held by a thread that does
/// not exist here, so each cell's mutex is made anew around its channel, as the stock runtime
/// re-initialises channel locks after `fork`. `OPENED` and `FREE` need nothing: they are taken
/// only by the thread running OCaml, which is the forking thread, and not across a fork.
///
/// # Safety
/// Only in the child of `fork`, before any other thread starts, with no `Locked` alive.
pub unsafe fn reset_locks_after_fork() {
    let opened = lock(&OPENED);
    let free = lock(&FREE);
    for cell in opened.iter().chain(free.iter().copied()) {
        // SAFETY: this is the child's only thread (the caller's contract) and it holds no
        // guard of this mutex, so nothing refers into the old mutex; its channel is moved
        // into a fresh, unlocked one. The channel is as the dead holder left it between
        // buffer operations (it was blocked in a system call), as in the stock runtime.
        unsafe {
            let old = std::ptr::read(cell.chan.get());
            let chan = old.into_inner().unwrap_or_else(|e| e.into_inner());
            std::ptr::write(cell.chan.get(), Mutex::new(chan));
        }
    }
}

fn compare_channel(a: Value, b: Value) -> i32 {
    let addr = |v| block_cell(v).map_or(0, |(c, _)| c as *const ChanCell as usize);
    match addr(a).cmp(&addr(b)) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }
}

fn hash_channel(v: Value) -> isize {
    block_cell(v).map_or(0, |(c, _)| c as *const ChanCell as isize)
}
