//! The C primitives of the stock runtime, reimplemented, grouped by area (one file each).
//!
//! Every area module exports `pub const PRIMS: &[(&str, PrimFn)]`; `lookup` finds a name in
//! all of them. A primitive receives the domain and its arguments (1 to 5 values, or the
//! `C_CALLN` count), and returns its result or an `Exn`. Primitives never trigger a
//! collection themselves (see `gc` docs), so values in Rust locals stay valid across their
//! own allocations; only `Domain::call` (a callback into OCaml) may move them, so a primitive
//! that calls back keeps what it needs in `dom.local_roots`.

use crate::domain::Domain;
use crate::exn::Exn;
use crate::heap::value::Value;

pub use crate::domain::PrimFn;

// Algorithms over OCaml values (the value-free ones are in `crate::algo`).
pub mod hash;
pub mod instrumentation;
pub mod numfmt;
pub mod runtime_events;
// Primitive areas.
pub mod array;
pub mod backtrace;
pub mod bigarray;
pub mod callback;
pub mod compare;
pub mod digest;
pub mod domain_prims;
pub mod dynlink;
pub mod fiber;
pub mod floats;
pub mod gc_prims;
pub mod ints;
pub mod io;
pub mod lexing;
pub mod marshal;
pub mod obj;
pub mod parsing;
pub mod str;
pub mod strlib;
pub mod sys;
pub mod threads;
pub mod unix;
pub mod weak;

/// The 457 primitive names of the stock runtime, in `ocamlrun -p` order (C-locale sorted).
pub const STANDARD_NAMES: &str = include_str!("names.txt");

/// Every area's table.
const AREAS: &[&[(&str, PrimFn)]] = &[
    array::PRIMS,
    backtrace::PRIMS,
    bigarray::PRIMS,
    compare::PRIMS,
    digest::PRIMS,
    domain_prims::PRIMS,
    fiber::PRIMS,
    floats::PRIMS,
    gc_prims::PRIMS,
    ints::PRIMS,
    io::PRIMS,
    lexing::PRIMS,
    marshal::PRIMS,
    callback::PRIMS,
    instrumentation::PRIMS,
    runtime_events::PRIMS,
    dynlink::PRIMS,
    obj::PRIMS,
    parsing::PRIMS,
    str::PRIMS,
    strlib::PRIMS,
    sys::PRIMS,
    threads::PRIMS,
    unix::PRIMS,
    unix::files::PRIMS,
    unix::fs::PRIMS,
    unix::process::PRIMS,
    unix::sockets::PRIMS,
    weak::PRIMS,
];

/// Primitives that run without the heap lock: they touch only their arguments' blocks, the
/// calling domain's own state (young arena, pools, remembered set, DLS, stacks), state with a
/// lock of its own (the custom-operations registry, the marshaller's code digest, a
/// bigarray's shared storage count), and allocate only through `Domain`'s allocation helpers
/// (young arena or the domain's own pools: no heap lock). One that needs a named value or a
/// collector parameter takes the heap lock for that moment (`Domain::with_heap`). Every other
/// primitive runs with the heap lock held (see `domain::lock`), because it touches:
///
/// - the finaliser, ephemeron and weak tables, the collector's parameters and statistics
///   (`gc_prims`, `weak`: `Gc.*`, `Weak.create`, `Ephemeron.create`);
/// - named values (`callback`, `Sys.argv` in `sys`, the backtrace's debug info registry);
/// - the domain registry and spawning (`domain_prims`), dynamic loading (`dynlink`);
/// - channels (`io`, `caml_md5_chan`, `caml_input_value`/`caml_output_value`), signals and
///   process-wide state (`sys`, `unix`: the environment, the working directory, file
///   descriptors), memprof and runtime events (`instrumentation`).
pub const LOCK_FREE: &[&str] = &[
    // Hashing and digests of strings (`caml_md5_chan` reads a channel: not here).
    "caml_hash",
    "caml_string_hash",
    "caml_md5_string",
    "caml_md5_bytes",
    "caml_blake2_string",
    "caml_blake2_bytes",
    "caml_blake2_create",
    "caml_blake2_update",
    "caml_blake2_final",
    "caml_lxm_next",
    "caml_atomic_load",
    "caml_atomic_exchange",
    "caml_atomic_cas",
    "caml_atomic_fetch_add",
    "caml_ml_domain_cpu_relax",
    "caml_ml_domain_id",
    "caml_ml_domain_index",
    "caml_domain_dls_get",
    "caml_domain_dls_set",
    "caml_domain_dls_compare_and_set",
    // Marshalling to and from bytes (not channels): the custom-operations registry and the
    // code digest have their own locks.
    "caml_output_value_to_bytes",
    "caml_output_value_to_string",
    "caml_output_value_to_buffer",
    "caml_input_value_from_bytes",
    "caml_marshal_data_size",
    "caml_obj_reachable_words",
    // Constants and clocks.
    "caml_sys_const_backend_type",
    "caml_sys_const_big_endian",
    "caml_sys_const_int_size",
    "caml_sys_const_max_wosize",
    "caml_sys_const_ostype_cygwin",
    "caml_sys_const_ostype_unix",
    "caml_sys_const_ostype_win32",
    "caml_sys_const_word_size",
    "caml_sys_get_config",
    "caml_sys_executable_name",
    "caml_sys_random_seed",
    "caml_sys_time",
    "caml_sys_time_include_children",
    // The `str` library's matching: they read only their arguments (see `strlib`).
    "re_partial_match",
    "re_replacement_text",
    "re_search_backward",
    "re_search_forward",
    "re_string_match",
];

/// Areas whose every primitive runs without the heap lock, by the rule of [`LOCK_FREE`]:
/// float, integer, string, array and comparison primitives, the lexer and parser engines,
/// `Obj` and lazy values (tag changes are atomic), fibers (a continuation is taken with an
/// atomic exchange) and bigarrays (storage shared by sub-arrays is reference-counted
/// atomically; a finalised block's accounting takes the heap lock itself). (Reviewed for
/// shared state: none reads `Domain::gc`, `named` or the registry; hardened builds assert
/// it, since `LockedRef` checks the lock on every dereference.)
const LOCK_FREE_AREAS: &[&[(&str, PrimFn)]] = &[
    floats::PRIMS,
    ints::PRIMS,
    str::PRIMS,
    array::PRIMS,
    compare::PRIMS,
    lexing::PRIMS,
    parsing::PRIMS,
    obj::PRIMS,
    fiber::PRIMS,
    bigarray::PRIMS,
];

/// What binding needs to know of a primitive warden knows by name (6 bytes, no pointer: the
/// table is read-only data that the dynamic loader does not relocate).
#[derive(Clone, Copy)]
struct PrimEntry {
    /// Its implementation, if built in: its index in [`IMPS`], else [`NO_IMP`].
    imp: u16,
    /// The library (`str`, `unix`) it belongs to, if any: its index in [`LIBRARIES`].
    library: Option<u8>,
    /// Whether it runs without the heap lock.
    lock_free: bool,
    /// Whether it is one of the standard primitives' names.
    standard: bool,
}

const NO_ENTRY: PrimEntry =
    PrimEntry { imp: NO_IMP, library: None, lock_free: false, standard: false };
const NO_IMP: u16 = u16::MAX;

// The names warden knows are those of `arity.txt` (every stock C primitive; warden's
// built-in ones are among them, which `build_index` checks as it compiles). They are found
// by an open-addressing hash table of their numbers in that file, and their entries are a
// table in the same order: both are computed by the compiler (const evaluation), so a
// start-up builds nothing (the hash map built at every start cost about 400 000
// instructions, a fifth of an empty program's run) and the entries are read-only data.

/// Slots of the name table: a power of two, over twice the names (short probe runs).
const SLOTS: usize = (ARITY_ENDS.len() * 2).next_power_of_two();
const FREE_SLOT: u16 = u16::MAX;

/// FNV-1a: the names are trusted (ours, or a program's that only slows its own start-up),
/// and short, so a keyed hash would cost more than the lookups it serves.
const fn fnv1a(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < b.len() {
        h = (h ^ b[i] as u64).wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

/// Name `i` of `arity.txt`.
const fn arity_name(i: usize) -> &'static [u8] {
    let start = if i == 0 { 0 } else { ARITY_ENDS[i - 1] as usize };
    ARITY_NAMES.as_bytes().split_at(ARITY_ENDS[i] as usize).0.split_at(start).1
}

const fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The name table: per slot, the number of a name in `arity.txt`, or `FREE_SLOT`.
const NAME_SLOTS: [u16; SLOTS] = {
    let mut slots = [FREE_SLOT; SLOTS];
    let mut i = 0;
    while i < ARITY_ENDS.len() {
        let mut j = fnv1a(arity_name(i)) as usize & (SLOTS - 1);
        while slots[j] != FREE_SLOT {
            j = (j + 1) & (SLOTS - 1);
        }
        slots[j] = i as u16;
        i += 1;
    }
    slots
};

/// The name table in memory, for the lookups at run time.
static NAME_SLOTS_AT_RUN_TIME: [u16; SLOTS] = NAME_SLOTS;

/// The number of `name` in `arity.txt`, looked up in `slots` (the name table).
const fn name_number(slots: &[u16; SLOTS], name: &[u8]) -> Option<usize> {
    let mut j = fnv1a(name) as usize & (SLOTS - 1);
    loop {
        let n = slots[j];
        if n == FREE_SLOT {
            return None;
        }
        if same_bytes(arity_name(n as usize), name) {
            return Some(n as usize);
        }
        j = (j + 1) & (SLOTS - 1);
    }
}

/// The number in `arity.txt` of a name warden knows, as the compiler computes the index.
const fn known_number(name: &str) -> usize {
    match name_number(&NAME_SLOTS, name.as_bytes()) {
        Some(n) => n,
        None => panic!("a built-in primitive's name is missing from src/prims/arity.txt"),
    }
}

/// Every known primitive's entry, in `arity.txt`'s order.
static INDEX: [PrimEntry; ARITY_ENDS.len()] = build_index();

/// Per known primitive (by number), its index in [`IMPS`] or [`NO_IMP`]; and how many the
/// areas provide: numbered in the order of their first appearance in [`AREAS`] (the first
/// area naming a primitive provides it).
const PROVIDED: ([u16; ARITY_ENDS.len()], usize) = {
    let mut imp = [NO_IMP; ARITY_ENDS.len()];
    let (mut k, mut a) = (0, 0);
    while a < AREAS.len() {
        let mut i = 0;
        while i < AREAS[a].len() {
            let n = known_number(AREAS[a][i].0);
            if imp[n] == NO_IMP {
                imp[n] = k as u16;
                k += 1;
            }
            i += 1;
        }
        a += 1;
    }
    assert!(k < NO_IMP as usize);
    (imp, k)
};

/// The built-in primitives' functions, numbered as in [`PROVIDED`]. Apart from the entries,
/// so that only these pointers (8 bytes each) are in pages that the dynamic loader's
/// relocations write at every start-up; the entries with the pointers in them were 16 bytes
/// each.
static IMPS: [PrimFn; PROVIDED.1] = {
    let mut imps = [unimplemented as PrimFn; PROVIDED.1];
    // Backwards, so that the last write to a slot is its first area's function.
    let mut a = AREAS.len();
    while a > 0 {
        a -= 1;
        let mut i = AREAS[a].len();
        while i > 0 {
            i -= 1;
            let (name, f) = AREAS[a][i];
            imps[PROVIDED.0[known_number(name)] as usize] = f;
        }
    }
    imps
};

const fn build_index() -> [PrimEntry; ARITY_ENDS.len()] {
    let mut index = [NO_ENTRY; ARITY_ENDS.len()];
    let mut n = 0;
    while n < index.len() {
        index[n].imp = PROVIDED.0[n];
        n += 1;
    }
    let mut l = 0;
    while l < LIBRARIES.len() {
        let areas = LIBRARIES[l].1;
        let mut a = 0;
        while a < areas.len() {
            let mut i = 0;
            while i < areas[a].len() {
                let e = &mut index[known_number(areas[a][i].0)];
                if e.library.is_none() {
                    e.library = Some(l as u8);
                }
                i += 1;
            }
            a += 1;
        }
        l += 1;
    }
    let mut i = 0;
    while i < LOCK_FREE.len() {
        index[known_number(LOCK_FREE[i])].lock_free = true;
        i += 1;
    }
    let mut a = 0;
    while a < LOCK_FREE_AREAS.len() {
        let mut i = 0;
        while i < LOCK_FREE_AREAS[a].len() {
            index[known_number(LOCK_FREE_AREAS[a][i].0)].lock_free = true;
            i += 1;
        }
        a += 1;
    }
    // The standard names, one a line.
    let text = STANDARD_NAMES.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i <= text.len() {
        if i == text.len() || text[i] == b'\n' {
            if i > start {
                let line = text.split_at(i).0.split_at(start).1;
                match name_number(&NAME_SLOTS, line) {
                    Some(n) => index[n].standard = true,
                    None => panic!("a standard primitive's name is missing from arity.txt"),
                }
            }
            start = i + 1;
        }
        i += 1;
    }
    index
}

/// The entry of primitive `name`, if warden knows it.
fn entry(name: &str) -> Option<&'static PrimEntry> {
    name_number(&NAME_SLOTS_AT_RUN_TIME, name.as_bytes()).map(|n| &INDEX[n])
}

/// Whether primitive `name` runs without the heap lock.
pub fn is_lock_free(name: &str) -> bool {
    entry(name).is_some_and(|e| e.lock_free)
}

/// The implementation of primitive `name`, if warden has one.
pub fn lookup(name: &str) -> Option<PrimFn> {
    entry(name).and_then(|e| IMPS.get(e.imp as usize).copied())
}

/// A primitive area's table.
type Area = &'static [(&'static str, PrimFn)];

/// The libraries of the distribution whose primitives warden builds in, with their areas.
const LIBRARIES: &[(&str, &[Area])] = &[
    ("str", &[strlib::PRIMS]),
    (
        "unix",
        &[
            unix::PRIMS,
            unix::files::PRIMS,
            unix::fs::PRIMS,
            unix::process::PRIMS,
            unix::sockets::PRIMS,
        ],
    ),
];

/// The library (`str`, `unix`) whose built-in primitive `name` is, if any.
pub fn library_of(name: &str) -> Option<&'static str> {
    entry(name).and_then(|e| e.library).map(|i| LIBRARIES[i as usize].0)
}

// How many arguments each C primitive of the stock runtime and its libraries reads:
// `src/prims/arity.txt` (one `name count` line each, sorted, generated from the stock C
// sources by `scripts/prim-arity.py`), as constants written by build.rs: `ARITY_NAMES`,
// `ARITY_ENDS`, `ARITY_COUNTS`. Warden's built-in primitives read the same.
include!(concat!(env!("OUT_DIR"), "/arity_table.rs"));

/// How many arguments the built-in primitive `name` reads (None: not a stock primitive).
/// A call passing fewer is refused at load: the primitive would read past its arguments.
/// Found in the name table the compiler built: nothing is built at start-up.
pub fn reads(name: &str) -> Option<u8> {
    name_number(&NAME_SLOTS_AT_RUN_TIME, name.as_bytes()).map(|n| ARITY_COUNTS[n])
}

/// Whether `name` is one of the standard primitives (implemented or not).
pub fn is_standard(name: &str) -> bool {
    entry(name).is_some_and(|e| e.standard)
}

/// Stub bound to standard primitives warden does not implement: fails when called.
/// The first `N` arguments of a primitive as an array, with one length check instead of one
/// per argument (the loader's arity rule makes the check pass for every call it admitted).
#[inline(always)]
pub(crate) fn arg_array<const N: usize>(args: &[Value]) -> [Value; N] {
    match args.first_chunk::<N>() {
        Some(a) => *a,
        None => too_few_arguments(N, args.len()),
    }
}

#[cold]
#[inline(never)]
fn too_few_arguments(wanted: usize, got: usize) -> ! {
    panic!("primitive called with {got} arguments, reads {wanted}")
}

pub fn unimplemented(_: &mut Domain, _: &[Value]) -> Result<Value, Exn> {
    Err(Exn::Unimplemented("?"))
}

/// Per-domain state of the primitive areas, kept in `Domain::prim_state`.
#[derive(Default)]
pub struct PrimState {
    pub backtrace: backtrace::BacktraceState,
}

/// This domain's primitive state.
pub fn state(dom: &mut Domain) -> &mut PrimState {
    dom.prim_state
        .downcast_mut::<PrimState>()
        .unwrap_or_else(|| crate::fatal("primitive state missing"))
}

/// Registers the custom block kinds that unmarshalling must know, and sets up per-domain
/// primitive state. Called once per domain before the program runs.
pub fn init(dom: &mut Domain) {
    dom.prim_state = Box::new(PrimState::default());
    ints::register_custom_ops();
    bigarray::register_custom_ops();
    io::init(dom);
}

/// Sets up the primitive state of a domain spawned by `parent`.
pub fn init_child(parent: &mut Domain, child: &mut Domain) {
    let backtrace = state(parent).backtrace.clone();
    child.prim_state = Box::new(PrimState { backtrace });
}

/// Keeps the executable's debug information for backtraces.
pub fn set_debug_info(dom: &mut Domain, dbug: Option<Vec<u8>>, code: &[i32]) {
    backtrace::set_debug_info(dom, dbug, code);
}

/// Flushes stdout and stderr (before a fatal error message).
pub fn flush_std_channels(dom: &mut Domain) {
    io::flush_std_channels(dom);
}

/// Reports an uncaught exception as ocamlrun does; returns the exit status (2).
pub fn fatal_uncaught_exception(dom: &mut Domain, exn: Value) -> i32 {
    backtrace::fatal_uncaught_exception(dom, exn)
}

/// The bytes of a string argument up to its first NUL, as C sees it.
pub(crate) fn c_string_arg(v: Value) -> Result<Vec<u8>, Exn> {
    // SAFETY: the tag is read from a block; the bytes are copied at once.
    if v.is_block() && unsafe { v.tag() } == crate::heap::value::STRING_TAG {
        // SAFETY: a String_tag block (checked above); copied before anything allocates.
        let b = unsafe { v.bytes() };
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        Ok(b[..end].to_vec())
    } else {
        Err(Exn::invalid_arg("expected a string"))
    }
}

#[cfg(test)]
mod arity_tests {
    use super::*;

    #[test]
    fn every_builtin_primitive_has_its_arity() {
        // Warden's own primitives that no stock C file defines (read what the compiler or
        // the stock library passes them): none may be missing from the table.
        let missing: Vec<&str> = AREAS
            .iter()
            .flat_map(|a| a.iter())
            .map(|(n, _)| *n)
            .filter(|n| reads(n).is_none())
            .collect();
        assert!(missing.is_empty(), "no arity for {missing:?}");
        assert_eq!(reads("caml_ml_output"), Some(4));
        assert_eq!(reads("caml_array_blit"), Some(5));
        assert_eq!(reads("caml_ensure_stack_capacity"), Some(1));
        assert_eq!(reads("no_such_primitive"), None);
    }

    #[test]
    fn the_search_finds_every_line_and_nothing_between() {
        let lines: Vec<(&str, &str)> = include_str!("arity.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(' '))
            .collect();
        assert!(lines.len() > 600);
        for (name, count) in &lines {
            assert_eq!(reads(name), count.parse().ok(), "{name}");
            // Just before and just after it, in the sort order: not names of the table.
            assert_eq!(
                reads(&name[..name.len() - 1]).is_some(),
                lines.iter().any(|(n, _)| *n == &name[..name.len() - 1])
            );
            assert_eq!(reads(&format!("{name}!")), None);
        }
        assert_eq!(reads(""), None);
        assert_eq!(reads("a"), None);
        assert_eq!(reads("zzz"), None);
    }

    #[test]
    fn the_index_has_every_name_and_its_library() {
        // The first area naming a primitive provides it.
        for (name, _) in AREAS.iter().flat_map(|a| a.iter()) {
            let first = AREAS.iter().flat_map(|a| a.iter()).find(|(n, _)| n == name);
            let first = first.map(|(_, f)| *f as usize);
            assert_eq!(lookup(name).map(|f| f as usize), first, "{name}");
        }
        for name in STANDARD_NAMES.lines() {
            assert!(is_standard(name), "{name}");
        }
        assert!(!is_standard("caml_unix_fork") && !is_standard("re_string_match"));
        assert!(is_lock_free("caml_hash") && is_lock_free("caml_add_float"));
        assert!(!is_lock_free("caml_ml_output") && !is_lock_free("no_such_primitive"));
        assert_eq!(lookup("no_such_primitive").map(|f| f as usize), None);
        assert_eq!(library_of("caml_unix_fork"), Some("unix"));
        assert_eq!(library_of("re_string_match"), Some("str"));
        assert_eq!(library_of("caml_ml_output"), None);
        assert_eq!(std::mem::size_of::<PrimEntry>(), 6);
    }
}
