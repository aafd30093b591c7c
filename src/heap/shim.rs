//! The Rust side of the C allocator shim (`native/shim.c`): the runtime's one doorway to the
//! C allocator for memory it does not carve itself — large major blocks, bigarray storage and
//! bytecode stacks. The module owns the shim's settings (chosen once, before the first
//! allocation, from the build and `WARDEN_QUARANTINE`/`WARDEN_GUARD`), the safe wrappers, and
//! the rendering of the faults the shim finds. Memory it hands out belongs to the caller
//! until freed.
//!
//! In hardened builds (`hardened` feature or `debug_assertions`) the shim writes a canary after
//! each block, fills freed blocks with a tagged poison word (see `check::poison`), holds them
//! in a quarantine of `WARDEN_QUARANTINE` bytes (default 32 MiB) and checks the poison when
//! they leave it; with `WARDEN_GUARD=1`, large blocks and bigarray storage get guard pages.
//! In production builds the hooks are off and a block costs one 32-byte header. The same code
//! runs on glibc and musl: neither libc's malloc hooks are used.

use std::ffi::c_void;
use std::fmt;
use std::os::raw::{c_int, c_uint};
use std::ptr::NonNull;
use std::sync::{Once, OnceLock};

/// What a block is for: selects its poison tag, its counter, and whether it may get guard
/// pages.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u32)]
pub enum Kind {
    /// A large major-heap block.
    Large = 0,
    /// A bytecode or fiber stack.
    Stack = 1,
    /// Bigarray element storage.
    Bigarray = 2,
    /// Anything else.
    Other = 3,
}

impl Kind {
    fn from_raw(k: c_uint) -> Kind {
        match k {
            0 => Kind::Large,
            1 => Kind::Stack,
            2 => Kind::Bigarray,
            _ => Kind::Other,
        }
    }
    /// Blocks of this kind get guard pages when `WARDEN_GUARD=1` (hardened builds): those
    /// whose overflows the runtime cannot check itself.
    fn guardable(self) -> bool {
        matches!(self, Kind::Large | Kind::Bigarray)
    }
    /// Every kind.
    #[cfg(any(feature = "hardened", debug_assertions))]
    pub const ALL: [Kind; 4] = [Kind::Large, Kind::Stack, Kind::Bigarray, Kind::Other];

    /// The poison tag (`check::poison::debug_tag`) written over freed blocks of this kind.
    #[cfg(any(test, feature = "hardened", debug_assertions))]
    pub const fn free_tag(self) -> u64 {
        match self {
            Kind::Large => 0x02,
            Kind::Stack => 0x06,
            Kind::Bigarray => 0x08,
            Kind::Other => 0x09,
        }
    }
}

/// Poison tag of the canary word written after each block in hardened builds.
#[cfg(any(feature = "hardened", debug_assertions))]
pub const CANARY_TAG: u64 = 0x0A;
/// Poison tag of the fill of uninitialised (not zeroed) blocks in hardened builds.
#[cfg(any(test, feature = "hardened", debug_assertions))]
pub const UNINIT_TAG: u64 = 0x12;

/// How a fresh block's bytes start out.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Init {
    /// All zero.
    Zeroed,
    /// Unspecified (in hardened builds: the uninitialised poison word).
    Uninit,
}

/// The shim's settings.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Settings {
    /// Canaries, poison on free, quarantine, uninitialised fill.
    pub hardened: bool,
    /// Freed bytes held back before the real free (hardened only).
    pub quarantine_bytes: usize,
    /// Guard pages around large blocks and bigarray storage (hardened only).
    pub guard: bool,
}

impl Settings {
    /// Quarantine size when `WARDEN_QUARANTINE` is not set.
    pub const DEFAULT_QUARANTINE: usize = 32 << 20;

    /// The build's defaults: hooks on in hardened and debug builds, no guard pages.
    pub fn for_build() -> Settings {
        Settings {
            hardened: cfg!(any(feature = "hardened", debug_assertions)),
            quarantine_bytes: Settings::DEFAULT_QUARANTINE,
            guard: false,
        }
    }

    /// The build's defaults changed by `WARDEN_QUARANTINE` (bytes, with an optional `k`, `M`
    /// or `G`) and `WARDEN_GUARD` (`0` or `1`).
    pub fn from_env() -> Result<Settings, String> {
        let vars = crate::config::warden_vars();
        Settings::from_vars(vars.quarantine.as_deref(), vars.guard.as_deref())
    }

    fn from_vars(quarantine: Option<&str>, guard: Option<&str>) -> Result<Settings, String> {
        let mut s = Settings::for_build();
        if let Some(text) = quarantine {
            s.quarantine_bytes = parse_bytes(text).ok_or_else(|| {
                format!("WARDEN_QUARANTINE: bad value '{text}' (expected a number of bytes, optionally with k, M or G)")
            })?;
        }
        match guard.map(str::trim) {
            None | Some("") | Some("0") => {}
            Some("1") => s.guard = true,
            Some(other) => {
                return Err(format!("WARDEN_GUARD: bad value '{other}' (expected 0 or 1)"))
            }
        }
        Ok(s)
    }
}

fn parse_bytes(text: &str) -> Option<usize> {
    let text = text.trim();
    let (digits, mult) = match text.as_bytes().last()? {
        b'k' | b'K' => (&text[..text.len() - 1], 1usize << 10),
        b'M' => (&text[..text.len() - 1], 1 << 20),
        b'G' => (&text[..text.len() - 1], 1 << 30),
        _ => (text, 1),
    };
    digits.parse::<usize>().ok()?.checked_mul(mult)
}

/// The shim's counters.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
#[cfg(test)]
pub struct Stats {
    /// Bytes requested by live blocks.
    pub live_bytes: u64,
    /// The most `live_bytes` ever was.
    pub peak_bytes: u64,
    pub live_blocks: u64,
    /// Successful allocations.
    pub alloc_calls: u64,
    pub free_calls: u64,
    /// Allocations the system refused.
    pub failed_allocs: u64,
    /// Freed bytes held back in the quarantine now.
    pub quarantine_bytes: u64,
    pub quarantine_blocks: u64,
    /// Live blocks with guard pages.
    pub guarded_blocks: u64,
    /// Guardable blocks that got no guard pages (the system refused the mapping).
    pub guard_fallbacks: u64,
    /// `live_bytes` by [`Kind`].
    pub live_bytes_by_kind: [u64; 4],
}

/// What a failed shim check found.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum FaultKind {
    /// Freeing memory the shim did not hand out, or whose header was overwritten.
    BadHeader,
    /// Freeing a block that is in the quarantine.
    DoubleFree,
    /// The canary after the block was overwritten.
    Overflow,
    /// The poison of a quarantined block was overwritten.
    WriteAfterFree,
}

/// A failed shim check: what, which block, and where the damage starts.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Fault {
    pub what: FaultKind,
    pub kind: Kind,
    /// The block's address (as handed out).
    pub block: usize,
    /// Its size in bytes (0 when the header could not be trusted).
    pub size: usize,
    /// Offset of the damage from `block` (negative: in the header).
    pub offset: isize,
    pub found: u64,
    pub expected: u64,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.what {
            FaultKind::BadHeader => "free of memory the allocator shim did not hand out (or whose header was overwritten)",
            FaultKind::DoubleFree => "double free",
            FaultKind::Overflow => "write past the end of a block",
            FaultKind::WriteAfterFree => "write after free",
        };
        write!(
            f,
            "{what}: {:?} block {:#x} ({} bytes), at offset {}: found {:#018x}, expected {:#018x}",
            self.kind, self.block, self.size, self.offset, self.found, self.expected
        )
    }
}

/// Where an address lies relative to the shim's blocks (see [`classify`]).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[cfg(any(test, feature = "hardened", debug_assertions))]
pub struct BlockLocation {
    /// The block's address (as handed out).
    pub block: usize,
    pub size: usize,
    pub kind: Kind,
    /// The block is freed (and still quarantined).
    pub freed: bool,
    /// The address minus `block`.
    pub offset: isize,
    /// The address is on one of the block's guard pages.
    pub guard_page: bool,
}

#[cfg(any(test, feature = "hardened", debug_assertions))]
impl fmt::Display for BlockLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.freed { "freed (quarantined)" } else { "live" };
        let place = if self.offset < 0 {
            format!("{} bytes before", -self.offset)
        } else if self.offset as usize >= self.size {
            format!("{} bytes past the end of", self.offset as usize - self.size)
        } else {
            format!("at offset {} of", self.offset)
        };
        write!(
            f,
            "{place} a {state} {:?} block {:#x} ({} bytes)",
            self.kind, self.block, self.size
        )?;
        if self.guard_page {
            write!(f, ", on its guard page")?;
        }
        Ok(())
    }
}

#[repr(C)]
#[cfg(any(test, feature = "hardened", debug_assertions))]
struct RawBlockLocation {
    block: *const c_void,
    size: usize,
    kind: c_uint,
    freed: c_int,
    offset: isize,
    guard_page: c_int,
}

#[cfg(any(test, feature = "hardened", debug_assertions))]
impl RawBlockLocation {
    fn empty() -> RawBlockLocation {
        RawBlockLocation {
            block: std::ptr::null(),
            size: 0,
            kind: 0,
            freed: 0,
            offset: 0,
            guard_page: 0,
        }
    }
    fn hit(&self) -> BlockLocation {
        BlockLocation {
            block: self.block as usize,
            size: self.size,
            kind: Kind::from_raw(self.kind),
            freed: self.freed != 0,
            offset: self.offset,
            guard_page: self.guard_page != 0,
        }
    }
}

#[repr(C)]
struct RawConfig {
    hardened: c_int,
    quarantine_bytes: usize,
    guard: c_int,
}

impl From<Settings> for RawConfig {
    fn from(s: Settings) -> RawConfig {
        RawConfig {
            hardened: s.hardened as c_int,
            quarantine_bytes: s.quarantine_bytes,
            guard: s.guard as c_int,
        }
    }
}

#[repr(C)]
struct RawFault {
    code: c_int,
    kind: c_uint,
    block: *const c_void,
    size: usize,
    offset: usize,
    found: u64,
    expected: u64,
}

impl RawFault {
    fn empty() -> RawFault {
        RawFault {
            code: 0,
            kind: 0,
            block: std::ptr::null(),
            size: 0,
            offset: 0,
            found: 0,
            expected: 0,
        }
    }
    fn into_result(self, code: c_int) -> Result<(), Fault> {
        let what = match code {
            0 => return Ok(()),
            1 => FaultKind::BadHeader,
            2 => FaultKind::DoubleFree,
            3 => FaultKind::Overflow,
            _ => FaultKind::WriteAfterFree,
        };
        Err(Fault {
            what,
            kind: Kind::from_raw(self.kind),
            block: self.block as usize,
            size: self.size,
            offset: self.offset as isize,
            found: self.found,
            expected: self.expected,
        })
    }
}

/// An opaque `struct warden_shim`.
#[repr(C)]
struct RawShim {
    _private: [u8; 0],
}

const ZERO: c_uint = 1;
const GUARDABLE: c_uint = 2;

extern "C" {
    fn warden_shim_configure(shim: *mut RawShim, cfg: *const RawConfig) -> c_int;
    #[cfg(test)]
    fn warden_shim_new(cfg: *const RawConfig) -> *mut RawShim;
    #[cfg(test)]
    fn warden_shim_delete(shim: *mut RawShim, fault: *mut RawFault) -> c_int;
    fn warden_shim_alloc(
        shim: *mut RawShim,
        size: usize,
        align: usize,
        kind: c_uint,
        flags: c_uint,
    ) -> *mut c_void;
    fn warden_shim_free(shim: *mut RawShim, p: *mut c_void, fault: *mut RawFault) -> c_int;
    #[cfg(test)]
    fn warden_shim_flush(shim: *mut RawShim, fault: *mut RawFault) -> c_int;
    #[cfg(test)]
    fn warden_shim_stats(shim: *mut RawShim, out: *mut Stats);
    #[cfg(test)]
    fn warden_shim_usable_size(p: *const c_void) -> usize;
    #[cfg(any(test, feature = "hardened", debug_assertions))]
    fn warden_shim_classify(
        shim: *mut RawShim,
        addr: *const c_void,
        out: *mut RawBlockLocation,
    ) -> c_int;
    #[cfg(warden_asan)]
    fn warden_asan_poison(p: *const c_void, n: usize);
    #[cfg(warden_asan)]
    fn warden_asan_unpoison(p: *const c_void, n: usize);
    #[cfg(all(test, warden_asan))]
    fn warden_asan_is_poisoned(p: *const c_void) -> c_int;
}

// ---------------------------------------------------------------------------------------------
// The process-wide shim

static INIT: Once = Once::new();
static ACTIVE: OnceLock<Settings> = OnceLock::new();

/// Configures the process-wide shim with `settings`, unless it was configured already (by an
/// earlier `init` or by the first allocation, which uses [`Settings::from_env`]). Returns
/// whether these settings were taken.
pub fn init(settings: Settings) -> bool {
    let mut taken = false;
    INIT.call_once(|| {
        let raw = RawConfig::from(settings);
        // SAFETY: a null shim designates the global one; `raw` lives across the call. No
        // allocation went through the shim before this `Once` completes (every entry point
        // calls `ensure_init` first), so the C side accepts the configuration.
        unsafe { warden_shim_configure(std::ptr::null_mut(), &raw) };
        let _ = ACTIVE.set(settings);
        taken = true;
    });
    taken
}

#[inline]
fn ensure_init() {
    if !INIT.is_completed() {
        let settings = Settings::from_env().unwrap_or_else(|e| crate::fatal(&e));
        init(settings);
    }
}

/// Prints a fault with the Rust backtrace and aborts (an abort, so that a sanitizer or a core
/// dump sees the state as it is).
#[cold]
fn report(fault: &Fault) -> ! {
    eprintln!("Fatal error: hardened check failed: allocator shim: {fault}");
    eprintln!("Rust backtrace:\n{}", std::backtrace::Backtrace::force_capture());
    std::process::abort();
}

/// `size` bytes aligned to `align` (a power of two; at least 16 is used), from the
/// process-wide shim; `None` if the system refuses.
pub fn alloc(size: usize, align: usize, kind: Kind, init: Init) -> Option<NonNull<u8>> {
    if beyond_sanitizer_limit(size) {
        return None;
    }
    ensure_init();
    let flags = match init {
        Init::Zeroed => ZERO,
        Init::Uninit => 0,
    } | if kind.guardable() { GUARDABLE } else { 0 };
    // SAFETY: the global shim is configured; the C side checks `align` and overflow.
    let p = unsafe { warden_shim_alloc(std::ptr::null_mut(), size, align, kind as c_uint, flags) };
    NonNull::new(p as *mut u8)
}

/// AddressSanitizer's allocator refuses requests above 1 TiB (its `kMaxAllowedMallocSize`
/// on 64-bit targets), and even when it may return null it then prints a warning on stderr,
/// which would show in the program's output (an `Array.make` of 2^40 words must only raise
/// `Out_of_memory`). ASan builds refuse such sizes first, silently, as a C allocator fails
/// them on any machine with less than a terabyte of memory. Always false in other builds.
pub fn beyond_sanitizer_limit(size: usize) -> bool {
    /// The limit, less room for the sanitizer's and the shim's headers.
    const ASAN_MAX_REQUEST: usize = (1 << 40) - (1 << 16);
    cfg!(warden_asan) && size > ASAN_MAX_REQUEST
}

/// Frees a block of the process-wide shim (in hardened builds: poisons and quarantines it).
/// A fault found in this block or in one leaving the quarantine is reported and aborts.
///
/// # Safety
/// `p` must come from [`alloc`] and not have been freed; nothing may use it afterwards.
pub unsafe fn free(p: NonNull<u8>) {
    let mut raw = RawFault::empty();
    // SAFETY: the caller's contract; `raw` lives across the call.
    let code =
        unsafe { warden_shim_free(std::ptr::null_mut(), p.as_ptr() as *mut c_void, &mut raw) };
    if let Err(fault) = raw.into_result(code) {
        report(&fault);
    }
}

/// Names the shim block an address lies in, if it is in a guarded mapping (a live block's
/// guard pages, or a freed block's whole mapping) or in a quarantined block: for fault
/// reports (the hardened fault handler may call it). `None` also when the shim's lock is held
/// (the fault happened inside the shim).
#[cfg(any(feature = "hardened", debug_assertions))]
pub fn classify(addr: usize) -> Option<BlockLocation> {
    let mut raw = RawBlockLocation::empty();
    // SAFETY: the global shim; only the shim's own tables are read, never `addr`.
    let found =
        unsafe { warden_shim_classify(std::ptr::null_mut(), addr as *const c_void, &mut raw) };
    (found != 0).then(|| raw.hit())
}

/// Marks `[p, p + n)` as inaccessible for AddressSanitizer, for memory the runtime carves
/// itself (free pool slots). ASan works in 8-byte granules: a region that does not start on
/// one may be poisoned partly. Only AddressSanitizer builds (`cfg(warden_asan)`, set by
/// `build.rs`) have a body; elsewhere this is an empty inline function.
///
/// # Safety
/// The region must be memory the caller owns; until [`asan_unpoison`] nobody may touch it
/// (under ASan any access is reported). Not thread-safe for one region.
#[cfg(warden_asan)]
pub unsafe fn asan_poison(p: *const u8, n: usize) {
    // SAFETY: the caller's contract.
    unsafe { warden_asan_poison(p as *const c_void, n) }
}

/// Without AddressSanitizer: nothing.
///
/// # Safety
/// None needed; the same contract as the ASan version, for the callers' sake.
#[cfg(not(warden_asan))]
#[inline(always)]
pub unsafe fn asan_poison(_p: *const u8, _n: usize) {}

/// Makes `[p, p + n)` accessible again for AddressSanitizer (in ASan builds only, like
/// [`asan_poison`]).
///
/// # Safety
/// The region must be memory the caller owns.
#[cfg(warden_asan)]
pub unsafe fn asan_unpoison(p: *const u8, n: usize) {
    // SAFETY: the caller's contract.
    unsafe { warden_asan_unpoison(p as *const c_void, n) }
}

/// Without AddressSanitizer: nothing.
///
/// # Safety
/// None needed; the same contract as the ASan version, for the callers' sake.
#[cfg(not(warden_asan))]
#[inline(always)]
pub unsafe fn asan_unpoison(_p: *const u8, _n: usize) {}

/// Whether the byte at `p` is poisoned for AddressSanitizer (its tests only).
#[cfg(all(test, warden_asan))]
pub fn asan_is_poisoned(p: *const u8) -> bool {
    // SAFETY: the query reads only ASan's shadow memory, never `p` itself.
    unsafe { warden_asan_is_poisoned(p as *const c_void) != 0 }
}

// ---------------------------------------------------------------------------------------------
// Shim memory as a Rust array

/// A fixed-length array of `T` in shim memory, freed when dropped (bytecode stacks live in
/// these).
pub struct Buffer<T: Copy> {
    ptr: NonNull<T>,
    len: usize,
}

// SAFETY: a `Buffer` owns its elements as a `Box<[T]>` would.
unsafe impl<T: Copy + Send> Send for Buffer<T> {}
// SAFETY: shared access only reads, as for `Box<[T]>`.
unsafe impl<T: Copy + Sync> Sync for Buffer<T> {}

impl<T: Copy> Buffer<T> {
    /// `len` copies of `value`; a fatal error if memory runs out.
    pub fn filled(len: usize, value: T, kind: Kind) -> Buffer<T> {
        let bytes = len
            .checked_mul(std::mem::size_of::<T>())
            .unwrap_or_else(|| crate::fatal("out of memory"));
        let p = alloc(bytes, std::mem::align_of::<T>(), kind, Init::Uninit)
            .unwrap_or_else(|| crate::fatal("out of memory"));
        let ptr = p.cast::<T>();
        for i in 0..len {
            // SAFETY: the block holds `len` elements and is aligned for `T` (the shim aligns
            // to at least 16 and to `align_of::<T>()`).
            unsafe { ptr.as_ptr().add(i).write(value) };
        }
        Buffer { ptr, len }
    }
}

impl<T: Copy> std::ops::Deref for Buffer<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: `len` initialised elements, owned by `self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Copy> std::ops::DerefMut for Buffer<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: `len` initialised elements, owned exclusively by `self`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Copy> Drop for Buffer<T> {
    fn drop(&mut self) {
        // SAFETY: the block came from `alloc` in `filled` and is freed only here.
        unsafe { free(self.ptr.cast::<u8>()) }
    }
}

// ---------------------------------------------------------------------------------------------
// Private shims (tests only: the runtime uses the process-wide shim above)

/// A shim of its own, with its own settings, counters and quarantine: faults are returned,
/// not reported. Blocks still live when it is dropped are leaked.
#[cfg(test)]
pub struct Shim {
    raw: NonNull<RawShim>,
}

// SAFETY: the C shim is thread-safe (atomic counters, a mutex around the quarantine).
#[cfg(test)]
unsafe impl Send for Shim {}
// SAFETY: as above.
#[cfg(test)]
unsafe impl Sync for Shim {}

#[cfg(test)]
impl Shim {
    /// A new shim; `None` when out of memory.
    pub fn new(settings: Settings) -> Option<Shim> {
        let raw = RawConfig::from(settings);
        // SAFETY: `raw` lives across the call.
        NonNull::new(unsafe { warden_shim_new(&raw) }).map(|raw| Shim { raw })
    }
    /// As the process-wide [`alloc`].
    pub fn alloc(&self, size: usize, align: usize, kind: Kind, init: Init) -> Option<NonNull<u8>> {
        let flags = match init {
            Init::Zeroed => ZERO,
            Init::Uninit => 0,
        } | if kind.guardable() { GUARDABLE } else { 0 };
        // SAFETY: `self.raw` is a live shim.
        let p = unsafe { warden_shim_alloc(self.raw.as_ptr(), size, align, kind as c_uint, flags) };
        NonNull::new(p as *mut u8)
    }
    /// As the process-wide [`free`], returning the fault instead of aborting.
    ///
    /// # Safety
    /// `p` must come from this shim's `alloc` (or, to test the checks, be a block of this
    /// shim freed already and still in its quarantine).
    pub unsafe fn free(&self, p: NonNull<u8>) -> Result<(), Fault> {
        let mut raw = RawFault::empty();
        // SAFETY: the caller's contract; `self.raw` is a live shim.
        let code =
            unsafe { warden_shim_free(self.raw.as_ptr(), p.as_ptr() as *mut c_void, &mut raw) };
        raw.into_result(code)
    }
    /// Releases every quarantined block, checking its poison.
    pub fn flush(&self) -> Result<(), Fault> {
        let mut raw = RawFault::empty();
        // SAFETY: `self.raw` is a live shim.
        let code = unsafe { warden_shim_flush(self.raw.as_ptr(), &mut raw) };
        raw.into_result(code)
    }
    /// As the process-wide [`classify`].
    pub fn classify(&self, addr: usize) -> Option<BlockLocation> {
        let mut raw = RawBlockLocation::empty();
        // SAFETY: `self.raw` is a live shim; `addr` is not read.
        let found =
            unsafe { warden_shim_classify(self.raw.as_ptr(), addr as *const c_void, &mut raw) };
        (found != 0).then(|| raw.hit())
    }
    pub fn stats(&self) -> Stats {
        let mut out = Stats::default();
        // SAFETY: `self.raw` is a live shim; `out` has the C layout.
        unsafe { warden_shim_stats(self.raw.as_ptr(), &mut out) };
        out
    }
}

#[cfg(test)]
impl Drop for Shim {
    fn drop(&mut self) {
        let mut raw = RawFault::empty();
        // SAFETY: `self.raw` is live and not used after this. A fault found while flushing
        // is dropped: tests flush explicitly when they want to see it.
        unsafe { warden_shim_delete(self.raw.as_ptr(), &mut raw) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `check::poison::debug_tag`, restated: `heap` sits below `check`.
    fn debug_tag(x: u64) -> u64 {
        0xD700D7D7D700D6D8 | (x << 16) | (x << 48)
    }

    fn hardened(quarantine_bytes: usize, guard: bool) -> Shim {
        Shim::new(Settings { hardened: true, quarantine_bytes, guard }).expect("shim")
    }

    #[test]
    fn settings_from_vars() {
        let s = Settings::from_vars(Some("4k"), Some("1")).unwrap();
        assert_eq!((s.quarantine_bytes, s.guard), (4096, true));
        assert_eq!(Settings::from_vars(None, None).unwrap(), Settings::for_build());
        assert!(Settings::from_vars(Some("lots"), None).is_err());
        assert!(Settings::from_vars(None, Some("yes")).is_err());
    }

    #[test]
    fn counts_and_sizes() {
        let shim =
            Shim::new(Settings { hardened: false, quarantine_bytes: 0, guard: false }).unwrap();
        let a = shim.alloc(100, 8, Kind::Other, Init::Zeroed).unwrap();
        let b = shim.alloc(5000, 4096, Kind::Bigarray, Init::Uninit).unwrap();
        assert_eq!(b.as_ptr() as usize % 4096, 0);
        assert_eq!(a.as_ptr() as usize % 16, 0);
        // SAFETY: live blocks of this shim.
        unsafe {
            assert_eq!(warden_shim_usable_size(a.as_ptr() as *const c_void), 100);
            assert!(std::slice::from_raw_parts(a.as_ptr(), 100).iter().all(|&x| x == 0));
        }
        let s = shim.stats();
        assert_eq!((s.live_bytes, s.live_blocks, s.alloc_calls), (5100, 2, 2));
        assert_eq!(s.live_bytes_by_kind[Kind::Bigarray as usize], 5000);
        // SAFETY: live blocks of this shim, freed once.
        unsafe {
            shim.free(a).unwrap();
            shim.free(b).unwrap();
        }
        let s = shim.stats();
        assert_eq!((s.live_bytes, s.peak_bytes, s.free_calls), (0, 5100, 2));
    }

    #[test]
    fn poisons_and_quarantines() {
        let shim = hardened(1 << 20, false);
        let a = shim.alloc(24, 16, Kind::Large, Init::Uninit).unwrap();
        // SAFETY: a live 24-byte block, then read back while it sits in the quarantine
        // (the shim keeps the memory).
        unsafe {
            let w = a.as_ptr() as *const u64;
            assert_eq!(*w, debug_tag(UNINIT_TAG));
            shim.free(a).unwrap();
            assert_eq!(*w, debug_tag(Kind::Large.free_tag()));
        }
        assert_eq!(shim.stats().quarantine_blocks, 1);
        let hit = shim.classify(a.as_ptr() as usize + 8).expect("a quarantined block");
        assert_eq!((hit.freed, hit.guard_page, hit.offset, hit.size), (true, false, 8, 24));
        shim.flush().unwrap();
        assert_eq!(shim.classify(a.as_ptr() as usize + 8), None);
        assert_eq!(shim.stats().quarantine_blocks, 0);
    }

    #[test]
    fn finds_write_after_free() {
        let shim = hardened(1 << 20, false);
        let a = shim.alloc(64, 16, Kind::Bigarray, Init::Zeroed).unwrap();
        // SAFETY: the block is quarantined, so its memory is still the shim's; the write is
        // the use after free under test.
        unsafe {
            shim.free(a).unwrap();
            *a.as_ptr().add(41) = 7;
        }
        let f = shim.flush().unwrap_err();
        assert_eq!(
            (f.what, f.kind, f.offset, f.size),
            (FaultKind::WriteAfterFree, Kind::Bigarray, 41, 64)
        );
    }

    #[test]
    fn finds_overflow_and_double_free() {
        let shim = hardened(1 << 20, false);
        let a = shim.alloc(10, 16, Kind::Other, Init::Uninit).unwrap();
        // SAFETY: byte 10 is the canary right after the block: the overflow under test.
        unsafe { *a.as_ptr().add(10) = 0 };
        // SAFETY: a live block of this shim.
        let f = unsafe { shim.free(a) }.unwrap_err();
        assert_eq!((f.what, f.offset), (FaultKind::Overflow, 10));

        let b = shim.alloc(10, 16, Kind::Other, Init::Uninit).unwrap();
        // SAFETY: freed once, then again while still quarantined (the double free under test).
        unsafe {
            shim.free(b).unwrap();
            assert_eq!(shim.free(b).unwrap_err().what, FaultKind::DoubleFree);
        }
    }

    #[test]
    fn quarantine_is_bounded() {
        let shim = hardened(4096, false);
        for _ in 0..100 {
            let a = shim.alloc(1000, 16, Kind::Other, Init::Uninit).unwrap();
            // SAFETY: a live block of this shim.
            unsafe { shim.free(a).unwrap() };
        }
        let s = shim.stats();
        assert!(s.quarantine_bytes <= 4096 && s.quarantine_blocks >= 3, "{s:?}");
    }

    #[test]
    fn guard_pages() {
        let shim = hardened(1 << 20, true);
        let a = shim.alloc(5000, 16, Kind::Large, Init::Zeroed).unwrap();
        let s = shim.stats();
        assert_eq!((s.guarded_blocks, s.guard_fallbacks), (1, 0));
        // The data ends (canary included) against the upper guard page.
        let past = shim.classify(a.as_ptr() as usize + 5000 + 64).expect("in the mapping");
        assert_eq!(
            (past.guard_page, past.freed, past.offset, past.size),
            (true, false, 5064, 5000)
        );
        assert_eq!(
            past.to_string(),
            format!(
                "64 bytes past the end of a live Large block {:#x} (5000 bytes), on its guard page",
                a.as_ptr() as usize
            )
        );
        // SAFETY: a live block of this shim, all 5000 bytes usable.
        unsafe {
            std::ptr::write_bytes(a.as_ptr(), 1, 5000);
            shim.free(a).unwrap();
        }
        assert_eq!(shim.stats().guarded_blocks, 0);
        let freed = shim.classify(a.as_ptr() as usize + 10).expect("a quarantined mapping");
        assert!(freed.freed && !freed.guard_page && freed.offset == 10, "{freed:?}");
        // Not guardable: an ordinary block.
        let b = shim.alloc(5000, 16, Kind::Stack, Init::Zeroed).unwrap();
        assert_eq!(shim.stats().guarded_blocks, 0);
        // SAFETY: a live block of this shim.
        unsafe { shim.free(b).unwrap() };
        shim.flush().unwrap();
        assert_eq!(shim.classify(a.as_ptr() as usize), None);
    }

    #[test]
    fn buffer_round_trip() {
        let mut b = Buffer::filled(1000, 7usize, Kind::Stack);
        assert!(b.iter().all(|&x| x == 7));
        b[999] = 1;
        assert_eq!(b.len(), 1000);
        assert_eq!(b[999], 1);
    }
}
