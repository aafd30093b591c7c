//! The consumer side of runtime events: a cursor maps a ring file read-only (this
//! process's, or `<dir>/<pid>.events` of another) and `read_poll` walks every domain's ring
//! from where it last stopped, calling the OCaml callbacks of a `Runtime_events.Callbacks.t`.
//!
//! The file may be written concurrently (by this process or another) and may be corrupt:
//! every offset and length read from it is checked against the mapping before use, with
//! overflow-free arithmetic, and an event is used only if the ring's head did not pass it
//! while it was copied. Ring words are read as atomics (the writer stores them plainly).
//!
//! A cursor value is the block `(custom, read buffer option, event cache)` of the stock
//! library; the custom block holds the `Cursor` (freed by `free_cursor` or its finaliser).

use super::resolve;
use crate::domain::Domain;
use crate::exn::{Exn, PrimResult};
use crate::heap::custom::{data_ptr, CustomOps};
use crate::heap::value::{Value, CUSTOM_TAG};
use crate::prims::ints::alloc_int64;
use std::cell::Cell;
use std::ffi::CString;
use std::sync::atomic::{AtomicU64, Ordering};

/// The limit the stock consumer puts on a file's domain count.
const MAX_DOMAINS: u64 = 4096;
/// The longest event, in words, and the size of the custom events' read buffer in bytes.
const MAX_MSG_LENGTH: u64 = 1 << 10;
/// The size of the metadata header and of a user event's name slot.
const METADATA_BYTES: u64 = 64;
const NAME_SLOT_BYTES: u64 = 128;
/// An `EV_ALLOC` event's buckets.
const ALLOC_BUCKETS: usize = 20;

/// An open cursor: the mapping and where each domain's ring was last read.
struct Cursor {
    map: *const u8,
    size: u64,
    meta: [u64; 8],
    /// Where each domain's ring was last read. This and the flags below are cells: a poll's
    /// callbacks reach the cursor again (`free_cursor`, a reentrant `read_poll`) while the
    /// poll holds it, so only shared references to a cursor are ever made.
    positions: Vec<Cell<u64>>,
    next_read_domain: Cell<u64>,
    /// A `read_poll` is running (a callback polling again is refused).
    in_poll: Cell<bool>,
    /// `free_cursor` was called by a callback during a poll: freed when the poll ends.
    free_requested: Cell<bool>,
}

// The metadata words, as `struct runtime_events_metadata_header` orders them.
const M_MAX_DOMAINS: usize = 1;
const M_RING_HEADER_SIZE: usize = 2;
const M_RING_SIZE_BYTES: usize = 3;
const M_RING_SIZE_ELEMENTS: usize = 4;
const M_HEADERS_OFFSET: usize = 5;
const M_DATA_OFFSET: usize = 6;
const M_CUSTOM_EVENTS_OFFSET: usize = 7;

impl Cursor {
    /// The 64-bit word at byte `offset` of the file (`offset + 8 <= size`, 8-aligned).
    fn word(&self, offset: u64) -> &AtomicU64 {
        debug_assert!(offset.is_multiple_of(8) && offset + 8 <= self.size);
        // SAFETY: in the mapping (caller's contract, checked by every caller), aligned (the
        // mapping is page-aligned and offsets are multiples of 8); AtomicU64 has u64's layout.
        unsafe { &*self.map.add(offset as usize).cast::<AtomicU64>() }
    }

    /// `base + index * len`, if the `len` bytes there lie in the file
    /// (`get_map_offset`).
    fn region(&self, base: u64, index: u64, len: u64) -> Option<u64> {
        if base >= self.size {
            return None;
        }
        let offset = base.checked_add(index.checked_mul(len)?)?;
        if offset >= self.size || len > self.size - offset {
            return None;
        }
        Some(offset)
    }
}

impl Drop for Cursor {
    fn drop(&mut self) {
        // SAFETY: the mapping made by `open` with this size, unmapped once (here).
        unsafe { libc::munmap(self.map as *mut libc::c_void, self.size as usize) };
    }
}

static CURSOR_OPS: CustomOps = CustomOps {
    id: "runtime_events.cursor",
    finalize: Some(finalize_cursor),
    compare: None,
    hash: None,
    serialize: None,
    deserialize: None,
    fixed_length: None,
};

/// The cursor pointer stored in a cursor's custom block (null once freed).
fn cursor_slot(custom: Value) -> *mut *mut Cursor {
    data_ptr(custom).cast()
}

fn finalize_cursor(custom: Value) {
    // SAFETY: a cursor block's data word holds a Box<Cursor> pointer or null.
    unsafe {
        let slot = cursor_slot(custom);
        if !(*slot).is_null() {
            drop(Box::from_raw(*slot));
            *slot = std::ptr::null_mut();
        }
    }
}

/// Why a cursor could not be made, with the stock library's messages.
enum OpenError {
    NoCurrentRing,
    Open,
    Map,
    Other,
}

fn open(file: &str) -> Result<Cursor, OpenError> {
    let cpath = CString::new(file).map_err(|_| OpenError::Open)?;
    // SAFETY: a NUL-terminated path.
    let fd = unsafe { libc::open(cpath.as_ptr(), libc::O_RDONLY) };
    if fd < 0 {
        return Err(OpenError::Open);
    }
    // SAFETY: `st` is an out-parameter for the descriptor just opened.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::fstat(fd, &mut st) } < 0 {
        // SAFETY: our descriptor.
        unsafe { libc::close(fd) };
        return Err(OpenError::Open);
    }
    let size = st.st_size as u64;
    // SAFETY: a read-only shared mapping of the whole file; the descriptor is closed after.
    let map = unsafe {
        libc::mmap(std::ptr::null_mut(), size as usize, libc::PROT_READ, libc::MAP_SHARED, fd, 0)
    };
    // SAFETY: our descriptor.
    unsafe { libc::close(fd) };
    if map == libc::MAP_FAILED {
        return Err(OpenError::Map);
    }
    let mut cursor = Cursor {
        map: map.cast(),
        size,
        meta: [0; 8],
        positions: Vec::new(),
        next_read_domain: Cell::new(0),
        in_poll: Cell::new(false),
        free_requested: Cell::new(false),
    };
    if size < METADATA_BYTES {
        return Err(OpenError::Other);
    }
    // A snapshot, as the stock consumer's copy of the header.
    cursor.meta = std::array::from_fn(|i| cursor.word(i as u64 * 8).load(Ordering::Relaxed));
    let max_domains = cursor.meta[M_MAX_DOMAINS];
    if max_domains > MAX_DOMAINS {
        return Err(OpenError::Other);
    }
    cursor.positions = (0..max_domains).map(|_| Cell::new(0)).collect();
    Ok(cursor)
}

/// `create_cursor : (string * int) option -> cursor`.
pub(super) fn create_cursor(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let target = args[0];
    let (dir, pid) = if target.is_block() {
        // SAFETY: `Some (path, pid)`.
        let pair = unsafe { target.field(0) };
        // SAFETY: as above: a string and an int.
        let (dir, pid) = unsafe { (pair.field(0).bytes(), pair.field(1).int()) };
        (Some(String::from_utf8_lossy(c_str(dir)).into_owned()), pid)
    } else {
        (None, -1)
    };
    let opened = if pid < 0 {
        crate::events::current_path().ok_or(OpenError::NoCurrentRing).and_then(|f| open(&f))
    } else {
        let file = match dir {
            Some(d) => format!("{d}/{pid}.events"),
            None => format!("{pid}.events"),
        };
        open(&file)
    };
    let cursor = opened.map_err(|e| {
        Exn::failure(match e {
            OpenError::Open => "Runtime_events: could not create cursor for specified path.",
            OpenError::Map => "Runtime_events: could not map underlying runtime_events.",
            OpenError::NoCurrentRing => {
                "Runtime_events: no ring for current process.          Was runtime_events started?"
            }
            OpenError::Other => "Runtime_events: could not obtain cursor",
        })
    })?;
    let custom = dom.alloc_custom(&CURSOR_OPS, size_of::<usize>());
    // SAFETY: the block has one data word, which holds the cursor from now on.
    unsafe { *cursor_slot(custom) = Box::into_raw(Box::new(cursor)) };
    Ok(dom.alloc_tuple(0, &[custom, Value::NONE, Value::NONE]))
}

/// A C string's bytes: up to the first NUL.
fn c_str(bytes: &[u8]) -> &[u8] {
    bytes.iter().position(|&b| b == 0).map_or(bytes, |n| &bytes[..n])
}

/// The cursor of a cursor value, if not freed.
///
/// # Safety
/// The reference must not outlive the cursor: the caller drops it before the cursor value
/// can die or be freed (a poll's callbacks can only ask for a free, `free_requested`).
unsafe fn cursor_of<'a>(wrapper: Value) -> Option<&'a Cursor> {
    // SAFETY: a cursor value's field 0 is its custom block.
    let custom = unsafe { wrapper.field(0) };
    // SAFETY: checked to be a cursor block before its data word is read.
    let ok = custom.is_block()
        && unsafe { custom.tag() } == CUSTOM_TAG
        && std::ptr::eq(unsafe { crate::heap::custom::ops_of(custom) }, &CURSOR_OPS);
    if !ok {
        return None;
    }
    // SAFETY: the data word holds a live Box<Cursor> or null; the cursor value is alive.
    unsafe { (*cursor_slot(custom)).as_ref() }
}

pub(super) fn free_cursor(_: &mut Domain, args: &[Value]) -> PrimResult {
    // SAFETY: field 0 of a cursor value is its custom block.
    let custom = unsafe { args[0].field(0) };
    // SAFETY: the reference is dropped before `finalize_cursor` frees the cursor.
    match unsafe { cursor_of(args[0]) } {
        Some(c) if c.in_poll.get() => c.free_requested.set(true),
        Some(_) => finalize_cursor(custom),
        None => {}
    }
    Ok(Value::UNIT)
}

/// What one poll found wrong (the stock `runtime_events_error`s it can return).
enum PollError {
    Corrupt,
}

/// `read_poll cursor callbacks max_events`: the number of events read.
pub(super) fn read_poll(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let (wrapper, callbacks, max_opt) = (args[0], args[1], args[2]);
    // SAFETY: `wrapper` is an argument, alive for the whole call; a callback that frees the
    // cursor only sets `free_requested` (`in_poll`), and the cursor is freed after its last use.
    let Some(cursor) = (unsafe { cursor_of(wrapper) }) else {
        return Err(Exn::failure("Runtime_events: invalid or closed cursor"));
    };
    // As the stock library, `Some n` counts as the tagged word of `n` (2n+1) cut to a C
    // int, and a negative one as a huge count.
    let max_events = if max_opt.is_block() {
        // SAFETY: `Some n` holds an int.
        unsafe { max_opt.field(0) }.0 as i32 as i64 as u64
    } else {
        0
    };
    if cursor.in_poll.get() {
        return Err(Exn::failure("Runtime_events: poll called concurrently or reentrant"));
    }
    cursor.in_poll.set(true);
    let base = dom.local_roots.len();
    dom.local_roots.extend([wrapper, callbacks]);
    let mut poll = Poll { dom, base, exception: None };
    let result = poll.run(cursor, max_events);
    let Poll { dom, exception, .. } = poll;
    // A callback may have run a collection: the cursor value as it is now.
    let wrapper = dom.local_roots[base];
    dom.local_roots.truncate(base);
    cursor.in_poll.set(false);
    if cursor.free_requested.get() {
        // SAFETY: field 0 of a cursor value is its custom block.
        finalize_cursor(unsafe { wrapper.field(0) });
    }
    if let Some(e) = exception {
        return Err(e);
    }
    match result {
        Ok(n) => Ok(Value::of_int(n as isize)),
        Err(PollError::Corrupt) => Err(Exn::failure("Runtime_events: corrupt stream")),
    }
}

/// One `read_poll`: the domain, where its roots (cursor value, callbacks) are in
/// `local_roots`, and the exception a callback raised.
struct Poll<'d> {
    dom: &'d mut Domain,
    base: usize,
    exception: Option<Exn>,
}

impl Poll<'_> {
    fn wrapper(&self) -> Value {
        self.dom.local_roots[self.base]
    }
    fn callbacks(&self) -> Value {
        self.dom.local_roots[self.base + 1]
    }

    /// The poll loop (`caml_runtime_events_read_poll`): for each domain's ring from the one
    /// after the last read, the events from the cursor's position to the tail.
    fn run(&mut self, cursor: &Cursor, max_events: u64) -> Result<u64, PollError> {
        let meta = cursor.meta;
        let elements = meta[M_RING_SIZE_ELEMENTS];
        let aligned = [M_RING_HEADER_SIZE, M_HEADERS_OFFSET, M_DATA_OFFSET, M_CUSTOM_EVENTS_OFFSET]
            .iter()
            .all(|&m| meta[m].is_multiple_of(8));
        if meta[M_HEADERS_OFFSET] > cursor.size
            || elements == 0
            || elements.checked_mul(8) != Some(meta[M_RING_SIZE_BYTES])
            || !aligned
        {
            return Err(PollError::Corrupt);
        }
        let max_domains = meta[M_MAX_DOMAINS];
        let start = cursor.next_read_domain.get();
        let mut consumed = 0u64;
        let mut early_exit = false;
        let mut i = 0;
        while i < max_domains && !early_exit {
            let d = (start + i) % max_domains;
            i += 1;
            let header_size = meta[M_RING_HEADER_SIZE];
            let header = cursor.region(meta[M_HEADERS_OFFSET], d, header_size);
            let ring = cursor.region(meta[M_DATA_OFFSET], d, meta[M_RING_SIZE_BYTES]);
            let (Some(header), Some(ring)) = (header, ring) else {
                return Err(PollError::Corrupt);
            };
            if header_size < 16 {
                return Err(PollError::Corrupt);
            }
            let at = |c: &Cursor, word: u64| c.word(ring + word * 8).load(Ordering::Relaxed);
            loop {
                // Acquire: the words before the tail are written (pairs with the writer's
                // Release store of the tail).
                let head = cursor.word(header).load(Ordering::Acquire);
                let tail = cursor.word(header + 8).load(Ordering::Acquire);
                let pos = &cursor.positions[d as usize];
                if head > pos.get() {
                    let lost = head - pos.get();
                    pos.set(head);
                    if !self.lost_events(d, lost) {
                        early_exit = true;
                        break;
                    }
                }
                let pos = cursor.positions[d as usize].get();
                if pos >= tail {
                    break;
                }
                let masked = pos & (elements - 1);
                let first = at(cursor, masked);
                let length = crate::events::item_length(first);
                if length > MAX_MSG_LENGTH || masked + length > elements {
                    return Err(PollError::Corrupt);
                }
                let msg: Vec<u64> = (0..length).map(|k| at(cursor, masked + k)).collect();
                // SeqCst fence then Acquire: the copy above is complete before the head is
                // read again to see whether the writer overwrote it meanwhile.
                std::sync::atomic::fence(Ordering::SeqCst);
                let head = cursor.word(header).load(Ordering::Acquire);
                if head > pos {
                    cursor.positions[d as usize].set(head);
                    if !self.lost_events(d, head - pos) {
                        early_exit = true;
                    }
                    if early_exit {
                        break;
                    }
                    continue;
                }
                let kind = crate::events::item_type(first);
                if length == 0 || (length < 2 && kind != crate::events::EV_INTERNAL) {
                    return Err(PollError::Corrupt);
                }
                let ok = if crate::events::item_is_runtime(first) {
                    self.runtime_event(d, kind, &msg)?
                } else {
                    self.user_event(cursor, d, kind, &msg)?
                };
                if !ok {
                    early_exit = true;
                    break;
                }
                if kind != crate::events::EV_INTERNAL {
                    consumed += 1;
                }
                let pos = &cursor.positions[d as usize];
                pos.set(pos.get() + length);
                if pos.get() >= tail || (max_events != 0 && consumed >= max_events) {
                    break;
                }
            }
            cursor.next_read_domain.set(if d + 1 == max_domains { 0 } else { d + 1 });
        }
        Ok(consumed)
    }

    /// Calls `callback` with `args`; false (and the exception kept) if it raised.
    fn call(&mut self, callback: Value, args: &[Value]) -> bool {
        match self.dom.call(callback, args) {
            Ok(_) => true,
            Err(e) => {
                self.exception = Some(e);
                false
            }
        }
    }

    /// The callback in field `field` of the callbacks record, if set.
    fn callback(&self, field: usize) -> Option<Value> {
        // SAFETY: the callbacks record's first six fields are options of closures.
        let opt = unsafe { self.callbacks().field(field) };
        // SAFETY: `Some f`.
        opt.is_block().then(|| unsafe { opt.field(0) })
    }

    fn lost_events(&mut self, domain: u64, words: u64) -> bool {
        match self.callback(5) {
            // The count is a C int in the stock library.
            Some(f) => self.call(f, &[int(domain), Value::of_int(words as i32 as isize)]),
            None => true,
        }
    }

    /// A runtime event: begin, end, counter, alloc or lifecycle.
    fn runtime_event(&mut self, domain: u64, kind: u32, msg: &[u64]) -> Result<bool, PollError> {
        use crate::events::{EV_ALLOC, EV_BEGIN, EV_COUNTER, EV_EXIT, EV_LIFECYCLE};
        let id = crate::events::item_id(msg[0]) as u64;
        let field = match kind {
            EV_BEGIN => 0,
            EV_EXIT => 1,
            EV_COUNTER => 2,
            EV_ALLOC => 3,
            EV_LIFECYCLE => 4,
            _ => return Ok(true),
        };
        let Some(f) = self.callback(field) else { return Ok(true) };
        if matches!(kind, EV_COUNTER | EV_ALLOC) && msg.len() < 3 {
            return Err(PollError::Corrupt);
        }
        // No collection runs within a primitive's allocations: `f` and the blocks made
        // here stay put until the call.
        let ts = alloc_int64(self.dom, msg[1] as i64);
        let args = match kind {
            EV_BEGIN | EV_EXIT => vec![int(domain), ts, int(id)],
            EV_COUNTER => vec![int(domain), ts, int(id), int(msg[2])],
            EV_ALLOC => {
                let buckets: Vec<Value> =
                    (0..ALLOC_BUCKETS).map(|k| int(msg.get(2 + k).copied().unwrap_or(0))).collect();
                let array = self.dom.alloc_tuple(0, &buckets);
                vec![int(domain), ts, array]
            }
            _ => {
                let data = msg.get(2).copied().unwrap_or(0);
                let opt = if data != 0 { self.dom.alloc_some(int(data)) } else { Value::NONE };
                vec![int(domain), ts, int(id), opt]
            }
        };
        Ok(self.call(f, &args))
    }

    /// A user event: its name from the file's table, the event value resolved from it, and
    /// the callbacks registered for its type.
    fn user_event(
        &mut self,
        cursor: &Cursor,
        domain: u64,
        kind: u32,
        msg: &[u64],
    ) -> Result<bool, PollError> {
        let id = crate::events::item_id(msg[0]) as u64;
        let names = cursor.meta[M_CUSTOM_EVENTS_OFFSET];
        let Some(slot) = cursor.region(names, id, NAME_SLOT_BYTES) else {
            return Err(PollError::Corrupt);
        };
        let name: Vec<u8> = (0..NAME_SLOT_BYTES / 8)
            .flat_map(|k| cursor.word(slot + k * 8).load(Ordering::Relaxed).to_ne_bytes())
            .collect();
        let name = c_str(&name).to_vec();
        // Unit 0, Int 1, SpanBegin 2, SpanEnd 3, Custom otherwise; the ML types are
        // Unit 0, Int 1, Span 2, Custom 3.
        let ml_type = match kind {
            0 => 0,
            1 => 1,
            2 | 3 => 2,
            _ => 3,
        };
        if ml_type == 1 && msg.len() < 3 {
            return Err(PollError::Corrupt);
        }
        let event = match self.resolve_cached(id, &name, ml_type) {
            Ok(e) => e,
            Err(e) => {
                self.exception = Some(e);
                return Ok(false);
            }
        };
        if event == Value::NONE {
            return Ok(true);
        }
        let list = self.callback_list(event);
        if !list.is_block() {
            return Ok(true);
        }
        let payload = match ml_type {
            0 => Value::UNIT,
            1 => int(msg[2]),
            2 => Value::of_int(if kind == 2 { 0 } else { 1 }),
            _ => match self.deserialize(event, &msg[2..]) {
                Ok(v) => v,
                Err(e) => {
                    self.exception = Some(e);
                    return Ok(false);
                }
            },
        };
        let ts = alloc_int64(self.dom, msg[1] as i64);
        let n = self.dom.local_roots.len();
        self.dom.local_roots.extend([list, event, ts, payload]);
        let mut ok = true;
        loop {
            let list = self.dom.local_roots[n];
            if !list.is_block() {
                break;
            }
            // SAFETY: a list of `U callback` (a one-field block) cells.
            let callback = unsafe { list.field(0).field(0) };
            let args = [int(domain), self.dom.local_roots[n + 2], self.dom.local_roots[n + 1]];
            let args = [args[0], args[1], args[2], self.dom.local_roots[n + 3]];
            if !self.call(callback, &args) {
                ok = false;
                break;
            }
            // SAFETY: a cons cell (rooted, so read after the call).
            self.dom.local_roots[n] = unsafe { self.dom.local_roots[n].field(1) };
        }
        self.dom.local_roots.truncate(n);
        Ok(ok)
    }

    /// The event value for id `id` of the file: from the cursor's cache, else resolved by
    /// name (and cached).
    fn resolve_cached(&mut self, id: u64, name: &[u8], ml_type: isize) -> PrimResult {
        let id = id as usize;
        // SAFETY: field 2 of a cursor value is its cache (None or an array of options).
        let mut cache = unsafe { self.wrapper().field(2) };
        if !cache.is_block() {
            let mut len = 256;
            while id >= len {
                len *= 2;
            }
            cache = self.dom.alloc_tuple(0, &vec![Value::NONE; len]);
            self.dom.modify(self.wrapper(), 2, cache);
        }
        // SAFETY: the cache is a block of options.
        let len = unsafe { cache.wosize() };
        if id < len {
            // SAFETY: id < len.
            let hit = unsafe { cache.field(id) };
            if hit.is_block() {
                return Ok(hit);
            }
        }
        let event = resolve(self.dom, name, ml_type)?;
        // SAFETY: as above (no collection since it was read).
        let mut cache = unsafe { self.wrapper().field(2) };
        if id >= len {
            let mut new_len = len * 2;
            while id >= new_len {
                new_len *= 2;
            }
            let mut fields = vec![Value::NONE; new_len];
            for (k, f) in fields.iter_mut().enumerate().take(len) {
                // SAFETY: k < len.
                *f = unsafe { cache.field(k) };
            }
            cache = self.dom.alloc_tuple(0, &fields);
            self.dom.modify(self.wrapper(), 2, cache);
        }
        self.dom.modify(cache, id, event);
        Ok(event)
    }

    /// The callbacks registered for `event`'s type (an empty list if none).
    fn callback_list(&self, event: Value) -> Value {
        // SAFETY: field 6 of the callbacks record is an array of lists; an event's type is
        // an int or `Custom {serialize; deserialize; id}`.
        unsafe {
            let array = self.callbacks().field(6);
            let typ = event.field(2);
            let index = if typ.is_block() { typ.field(0).field(2).int() } else { typ.int() };
            if index < 0 || index as usize >= array.wosize() {
                Value::EMPTY_LIST
            } else {
                array.field(index as usize)
            }
        }
    }

    /// A custom event's value: its payload's bytes (the last byte of the last word counts
    /// the padding before it) copied into the cursor's read buffer, then its type's
    /// `deserialize buffer length`.
    fn deserialize(&mut self, event: Value, words: &[u64]) -> PrimResult {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
        let len = match bytes.split_last() {
            Some((&pad, rest)) => rest.len().saturating_sub(pad as usize),
            None => 0,
        };
        // SAFETY: field 1 of a cursor value is None (0) or the read buffer (a bytes).
        let mut buffer = unsafe { self.wrapper().field(1) };
        if buffer == Value::NONE {
            buffer = self.dom.alloc_string(MAX_MSG_LENGTH as usize);
            self.dom.modify(self.wrapper(), 1, buffer);
        }
        // SAFETY: the read buffer is a bytes (of MAX_MSG_LENGTH bytes); `len` is cut to it.
        let dst = unsafe { buffer.bytes_mut() };
        let len = len.min(dst.len());
        dst[..len].copy_from_slice(&bytes[..len]);
        // SAFETY: `Custom {serialize; deserialize; id}`.
        let deserialize = unsafe { event.field(2).field(0).field(1) };
        self.dom.call(deserialize, &[buffer, Value::of_int(len as isize)])
    }
}

fn int(n: u64) -> Value {
    Value::of_int(n as isize)
}
