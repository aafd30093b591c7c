//! Runtime events, the producer side: the memory-mapped ring file that `Runtime_events`
//! consumers (in this process, or another one built with the stock library) read, in the
//! stock 5.3 format (`caml/runtime_events.h`, version 1).
//!
//! The file `<dir>/<pid>.events` holds a metadata header, one ring header (head and tail
//! positions, in words) per possible domain, one ring of `2^e` words per possible domain, and
//! the names of the user events (2^13 slots of 128 bytes). A ring is a flight recorder: a
//! writer that runs out of room advances the head past the oldest events, and readers detect
//! what they lost by comparing positions.
//!
//! Invariants: only the thread running a domain writes to that domain's ring (its index is
//! the thread's [`set_ring`]); a mapping, once published, is never unmapped while the
//! process runs (a new one replaces it after `fork`), so a writer that saw the events enabled
//! writes into valid memory even if another domain stops them meanwhile. Starting and stopping
//! take a small lock ([`CONTROL`]); writing takes none.

mod format;

pub use format::{
    item_id, item_is_runtime, item_length, item_type, Counter, Lifecycle, Phase, UserMessage,
    EV_ALLOC, EV_BEGIN, EV_COUNTER, EV_EXIT, EV_INTERNAL, EV_LIFECYCLE,
};

use format::{MetadataHeader, RingHeader, CUSTOM_EVENT_NAME_LENGTH, MAX_CUSTOM_EVENTS};
use std::cell::Cell;
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::Mutex;

/// What start-up read from the environment and `OCAMLRUNPARAM`.
struct Settings {
    dir: Option<String>,
    preserve: bool,
    ring_words: usize,
    max_domains: usize,
}

/// The settings, set once by [`init`] (a mutex rather than a once-cell: tests run `init`
/// more than once).
static SETTINGS: Mutex<Option<Settings>> = Mutex::new(None);

/// Whether a ring file is mapped and events are recorded (Acquire/Release: a writer that
/// sees `true` sees the mapping published before it).
static ENABLED: AtomicBool = AtomicBool::new(false);
/// Whether recording is paused (`Runtime_events.pause`); relaxed: a late or early event
/// around a pause is harmless, as in the stock runtime.
static PAUSED: AtomicBool = AtomicBool::new(false);
/// The current mapping's first byte (its metadata header); null before the first start.
static MAP: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());

/// Serialises start, stop and fork handling; holds the current file's path.
static CONTROL: Mutex<Control> = Mutex::new(Control { path: None, size: 0, names: Vec::new() });

struct Control {
    /// The ring file of the current mapping, while events are enabled.
    path: Option<String>,
    /// The mapping's length in bytes.
    size: usize,
    /// The user events' names by id, so that every new file (a start, a forked child's
    /// restart) lists the events registered before it.
    names: Vec<(usize, Vec<u8>)>,
}

thread_local! {
    /// The ring this thread writes to: its domain's index (0 for the main domain).
    static RING: Cell<usize> = const { Cell::new(0) };
}

/// Reads the settings (`OCAML_RUNTIME_EVENTS_DIR`, `_PRESERVE`, the ring size `e` and the
/// domain count `d` of `OCAMLRUNPARAM`) and starts recording if `OCAML_RUNTIME_EVENTS_START`
/// is set. Called once at start-up.
pub fn init(log_wsize: usize, max_domains: usize) -> Result<(), String> {
    let settings = Settings {
        dir: std::env::var("OCAML_RUNTIME_EVENTS_DIR").ok(),
        preserve: std::env::var_os("OCAML_RUNTIME_EVENTS_PRESERVE").is_some(),
        ring_words: 1usize << log_wsize.min(40),
        max_domains,
    };
    *lock(&SETTINGS) = Some(settings);
    if std::env::var_os("OCAML_RUNTIME_EVENTS_START").is_some() {
        start()?;
    }
    Ok(())
}

/// The thread's domain is `index`: its events go to ring `index`.
pub fn set_ring(index: usize) {
    RING.with(|r| r.set(index));
}

/// Whether events are recorded now (started and not paused).
#[inline]
pub fn active() -> bool {
    ENABLED.load(Ordering::Relaxed) && !PAUSED.load(Ordering::Relaxed)
}

/// The current ring file, if events are enabled.
pub fn current_path() -> Option<String> {
    let control = lock(&CONTROL);
    if ENABLED.load(Ordering::Acquire) {
        control.path.clone()
    } else {
        None
    }
}

/// Creates and maps the ring file and records `EV_RING_START` (nothing if already started).
/// The error is the fatal message for a file that cannot be made.
pub fn start() -> Result<(), String> {
    let mut control = lock(&CONTROL);
    if ENABLED.load(Ordering::Acquire) {
        return Ok(());
    }
    let settings = lock(&SETTINGS);
    let Some(s) = settings.as_ref() else {
        return Err("runtime events used before start-up".into());
    };
    let pid = std::process::id();
    let path = match &s.dir {
        Some(dir) => format!("{dir}/{pid}.events"),
        None => format!("{pid}.events"),
    };
    let layout = MetadataHeader::new(s.max_domains, s.ring_words);
    let size = layout.file_size();
    let base = map_file(&path, size)?;
    // SAFETY: `base` is a fresh writable mapping of `size` bytes, which `file_size` makes
    // large enough for the header and every ring header.
    unsafe {
        base.cast::<MetadataHeader>().write(layout);
        for d in 0..s.max_domains {
            let h = base.add(layout.headers_offset as usize + d * size_of::<RingHeader>());
            h.cast::<RingHeader>().write(RingHeader::empty());
        }
    }
    drop(settings);
    for (index, name) in &control.names {
        // SAFETY: the header written above gives the name table's place in the mapping.
        unsafe { write_name(base, *index, name) };
    }
    MAP.store(base, Ordering::Release); // Release: the header written above is seen by writers
    control.path = Some(path);
    control.size = size;
    PAUSED.store(false, Ordering::Relaxed); // relaxed: ENABLED's Release below orders it
    ENABLED.store(true, Ordering::Release); // Release: publishes the mapping and path
    drop(control);
    lifecycle(Lifecycle::RingStart, pid as i64);
    Ok(())
}

/// `Runtime_events.pause`: stops recording. As in the stock runtime, the `EV_RING_PAUSE`
/// event this would record finds the ring already paused, so none is written.
pub fn pause() {
    if ENABLED.load(Ordering::Acquire)
        && PAUSED.compare_exchange(false, true, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    {
        lifecycle(Lifecycle::RingPause, 0);
    }
}

/// `Runtime_events.resume`: recording again, starting with `EV_RING_RESUME`.
pub fn resume() {
    if ENABLED.load(Ordering::Acquire)
        && PAUSED.compare_exchange(true, false, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    {
        lifecycle(Lifecycle::RingResume, 0);
    }
}

/// At exit: records `EV_RING_STOP`, stops recording and removes the file unless
/// `OCAML_RUNTIME_EVENTS_PRESERVE` is set. The mapping stays (other domains may still be
/// writing as the process ends).
pub fn destroy() {
    if !ENABLED.load(Ordering::Acquire) {
        return;
    }
    // Written even when paused, with no datum.
    write(Category::Runtime, format::EV_LIFECYCLE, Lifecycle::RingStop as u32, &[]);
    let preserve = lock(&SETTINGS).as_ref().is_some_and(|s| s.preserve);
    let mut control = lock(&CONTROL);
    ENABLED.store(false, Ordering::Release); // Release: pairs with readers of the path
    if let Some(path) = control.path.take() {
        if !preserve {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// In the child of a `fork` (one thread): the parent's file stays the parent's; if events
/// were enabled, a file of the child's own replaces it.
pub fn after_fork_in_child() {
    if !ENABLED.load(Ordering::Acquire) {
        return;
    }
    {
        let mut control = lock(&CONTROL);
        ENABLED.store(false, Ordering::Release); // Release: the child's writers stop here
        let old = MAP.swap(std::ptr::null_mut(), Ordering::AcqRel); // AcqRel: one owner
        if !old.is_null() {
            // SAFETY: the child has one thread, so no writer uses the parent's mapping now;
            // it was mapped with `control.size` bytes.
            unsafe { libc::munmap(old.cast(), control.size) };
        }
        control.path = None;
    }
    if let Err(msg) = start() {
        crate::fatal(&msg);
    }
}

/// Records the start of a runtime phase.
#[inline]
pub fn begin(phase: Phase) {
    if active() {
        write(Category::Runtime, format::EV_BEGIN, phase as u32, &[]);
    }
}

/// Records the end of a runtime phase.
#[inline]
pub fn end(phase: Phase) {
    if active() {
        write(Category::Runtime, format::EV_EXIT, phase as u32, &[]);
    }
}

/// Records a counter's value.
#[inline]
pub fn counter(counter: Counter, value: u64) {
    if active() {
        write(Category::Runtime, format::EV_COUNTER, counter as u32, &[value]);
    }
}

/// Records a lifecycle event with its datum.
pub fn lifecycle(event: Lifecycle, data: i64) {
    if active() {
        write(Category::Runtime, format::EV_LIFECYCLE, event as u32, &[data as u64]);
    }
}

/// Records user event `id` (`Runtime_events.User.write`) with its payload words.
pub fn user(kind: UserMessage, id: usize, payload: &[u64]) {
    if active() {
        write(Category::User, kind as u32, id as u32, payload);
    }
}

/// Records the name of user event `index`, and writes it into the file if there is one.
pub fn register_name(index: usize, name: &[u8]) {
    if index >= MAX_CUSTOM_EVENTS {
        return;
    }
    let mut control = lock(&CONTROL);
    control.names.push((index, name.to_vec()));
    if ENABLED.load(Ordering::Acquire) {
        let base = MAP.load(Ordering::Acquire); // Acquire: the header is initialised
                                                // SAFETY: enabled, so `base` is the live mapping `start` set up.
        unsafe { write_name(base, index, name) };
    }
}

/// Writes a user event's name into its slot of the name table (cut to 127 bytes, with a
/// NUL).
///
/// # Safety
/// `base` is a mapping whose header `start` wrote; `index < MAX_CUSTOM_EVENTS`.
unsafe fn write_name(base: *mut u8, index: usize, name: &[u8]) {
    // SAFETY: the caller's contract.
    let meta = unsafe { &*base.cast::<MetadataHeader>() };
    let n = name.len().min(CUSTOM_EVENT_NAME_LENGTH - 1);
    // SAFETY: the name table has MAX_CUSTOM_EVENTS slots of CUSTOM_EVENT_NAME_LENGTH bytes
    // (file_size), `index` is below it and `n` fits in a slot with its NUL.
    unsafe {
        let slot = base.add(meta.custom_events_offset as usize + index * CUSTOM_EVENT_NAME_LENGTH);
        std::ptr::copy_nonoverlapping(name.as_ptr(), slot, n);
        slot.add(n).write(0);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Category {
    Runtime,
    User,
}

/// Appends one event (header word, timestamp, `payload`) to this thread's ring.
fn write(category: Category, kind: u32, id: u32, payload: &[u64]) {
    let base = MAP.load(Ordering::Acquire); // Acquire: see the header `start` wrote
    if base.is_null() {
        return;
    }
    // SAFETY: a published mapping stays mapped while the process runs (module doc); its
    // header is the `MetadataHeader` written by `start`.
    let meta = unsafe { &*base.cast::<MetadataHeader>() };
    let ring = RING.with(Cell::get);
    if ring >= meta.max_domains as usize {
        return;
    }
    // SAFETY: ring headers and rings lie within the mapping for every ring below
    // max_domains (file_size); only this thread writes ring `ring` (module doc).
    unsafe {
        let header = &*base
            .add(meta.headers_offset as usize + ring * size_of::<RingHeader>())
            .cast::<RingHeader>();
        let words = base
            .add(meta.data_offset as usize + ring * meta.ring_size_bytes as usize)
            .cast::<u64>();
        write_event(meta, header, words, category, kind, id, payload);
    }
}

/// Writes one event into a ring.
///
/// # Safety
/// `words` is the ring's `meta.ring_size_elements` words and `header` its header, both
/// writable, and no other thread writes them meanwhile.
unsafe fn write_event(
    meta: &MetadataHeader,
    header: &RingHeader,
    words: *mut u64,
    category: Category,
    kind: u32,
    id: u32,
    payload: &[u64],
) {
    let size = meta.ring_size_elements;
    let length = payload.len() as u64 + 2;
    // Acquire: pairs with our own earlier Release stores (and keeps readers' view ordered).
    let mut head = header.head.load(Ordering::Acquire);
    let mut tail = header.tail.load(Ordering::Acquire);
    let mask = size - 1;
    let offset = tail & mask;
    let to_end = size - offset;
    let padding = if to_end < length { to_end } else { 0 };
    while tail + length + padding - head >= size {
        // SAFETY: head & mask is inside the ring (caller's contract).
        let oldest = unsafe { *words.add((head & mask) as usize) };
        head += format::item_length(oldest).max(1);
        // Release: readers that see the new head know the events before it are gone.
        header.head.store(head, Ordering::Release);
    }
    let mut at = offset;
    if padding > 0 {
        // SAFETY: `offset` is inside the ring.
        unsafe { *words.add(offset as usize) = to_end << 54 };
        tail += to_end;
        header.tail.store(tail, Ordering::Release); // Release: the padding word is written
        at = 0;
    }
    let head_word = format::event_header(length, category == Category::Runtime, kind, id);
    // SAFETY: `length` words from `at` fit before the ring's end (padding handled above).
    unsafe {
        let p = words.add(at as usize);
        p.write(head_word);
        p.add(1).write(time_counter());
        std::ptr::copy_nonoverlapping(payload.as_ptr(), p.add(2), payload.len());
    }
    // Release: the event's words are written before readers see the new tail.
    header.tail.store(tail + length, Ordering::Release);
}

/// Monotonic nanoseconds (`caml_time_counter`).
fn time_counter() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-parameter.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Creates (or truncates to) `size` bytes and maps the ring file shared, read-write.
fn map_file(path: &str, size: usize) -> Result<*mut u8, String> {
    let cpath = CString::new(path).map_err(|_| format!("Couldn't open ring buffer loc: {path}"))?;
    // SAFETY: a NUL-terminated path; the flags and mode are plain values.
    let fd = unsafe { libc::open(cpath.as_ptr(), libc::O_RDWR | libc::O_CREAT, 0o600) };
    if fd < 0 {
        return Err(format!("Couldn't open ring buffer loc: {path}"));
    }
    // SAFETY: `fd` is the descriptor just opened.
    if unsafe { libc::ftruncate(fd, size as libc::off_t) } < 0 {
        // SAFETY: as above.
        unsafe { libc::close(fd) };
        return Err("Can't resize ring buffer".into());
    }
    // SAFETY: a shared mapping of the file's `size` bytes; the descriptor can be closed after.
    let map = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    // SAFETY: as above.
    unsafe { libc::close(fd) };
    if map == libc::MAP_FAILED {
        return Err("Unable to mmap ring buffer".into());
    }
    Ok(map.cast())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
