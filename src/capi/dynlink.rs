//! The shared-library half of dynamic loading (the stock `dynlink.c`'s `caml_dynlink_*`):
//! `Dynlink` and the toplevel open a unit's libraries, look its primitives up in them and add
//! them to the program's primitive table (`interp::PrimTable`, which grows in place).
//!
//! As at start-up (`capi::resolve`), a primitive warden builds in is bound to warden's own
//! implementation even when a library defines it; a library whose primitives warden builds
//! in (`unix`, `str`, `threads`) that cannot be opened (the stock `dllthreads.so` needs the
//! stock runtime's internals) still serves those built-in primitives. Handles are abstract
//! blocks holding an index into this module's tables; libraries are never closed.

use super::load;
use crate::domain::{Domain, PrimFn};
use crate::exn::{Exn, PrimResult};
use crate::heap::value::{Value, ABSTRACT_TAG};
use std::sync::{Mutex, OnceLock};

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_dynlink_open_lib", dynlink_open_lib),
    ("caml_dynlink_close_lib", dynlink_close_lib),
    ("caml_dynlink_lookup_symbol", dynlink_lookup_symbol),
    ("caml_dynlink_add_primitive", dynlink_add_primitive),
    ("caml_dynlink_get_current_libs", dynlink_get_current_libs),
];

/// An opened library: a `dlopen` handle, or one that serves only warden's built-ins.
#[derive(Clone, Copy)]
enum Lib {
    Dl(usize),
    BuiltinOnly,
}

/// A symbol found: a built-in primitive (with whether it runs without the heap lock), or a
/// C function.
#[derive(Clone)]
enum Symbol {
    Builtin(PrimFn, bool, String),
    C(usize, String),
}

static LIBS: Mutex<Vec<Lib>> = Mutex::new(Vec::new());
static SYMBOLS: Mutex<Vec<Symbol>> = Mutex::new(Vec::new());

/// The program's `DLLS` libraries: their handles if start-up opened them, else their names
/// (opened when `Dynlink` first asks for them).
enum StartupLibs {
    Opened(Vec<usize>),
    Named(Vec<String>),
}
static STARTUP_LIBS: OnceLock<Mutex<Option<StartupLibs>>> = OnceLock::new();

/// Records the program's libraries (start-up): those opened, or the names of those that
/// were not (every primitive of theirs was built in).
pub fn set_startup_libs(libs: &load::Libraries, names: &[String]) {
    let s = if libs.handles().is_empty() {
        StartupLibs::Named(names.to_vec())
    } else {
        StartupLibs::Opened(libs.handles().to_vec())
    };
    let _ = STARTUP_LIBS.set(Mutex::new(Some(s)));
}

/// Whether the library file `file` is one whose primitives warden builds in.
fn is_builtin_library(file: &[u8]) -> bool {
    let base = file.rsplit(|&b| b == b'/').next().unwrap_or(file);
    [&b"dllunixbyt"[..], b"dllcamlstrbyt", b"dllthreads"].iter().any(|n| base.starts_with(n))
}

/// Opens library `file`, falling back to a built-in-only handle for warden's own libraries.
fn open(file: &[u8]) -> Result<Lib, String> {
    match load::open_file(file) {
        Ok(h) => Ok(Lib::Dl(h)),
        Err(_) if is_builtin_library(file) => Ok(Lib::BuiltinOnly),
        Err(reason) => Err(reason),
    }
}

/// An abstract block holding `index`.
fn handle(dom: &mut Domain, index: usize) -> Value {
    let v = dom.alloc_small(1, ABSTRACT_TAG);
    // SAFETY: a fresh abstract block of one word (not scanned).
    unsafe { v.set_raw(0, index) };
    v
}

/// The index an abstract handle holds.
fn index_of(v: Value) -> Result<usize, Exn> {
    // SAFETY: the tag and size are read from a block before its word.
    if v.is_block() && unsafe { v.tag() == ABSTRACT_TAG && v.wosize() == 1 } {
        // SAFETY: an abstract block of one word (checked above).
        Ok(unsafe { v.raw(0) })
    } else {
        Err(Exn::invalid_arg("Dynlink: not a handle"))
    }
}

fn add_lib(lib: Lib) -> usize {
    let mut libs = LIBS.lock().unwrap_or_else(|e| e.into_inner());
    libs.push(lib);
    libs.len() - 1
}

fn dynlink_open_lib(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let file = crate::prims::c_string_arg(args[0])?;
    crate::prims::gc_prims::gc_message(
        dom.gc.params.verbose,
        0x100,
        format_args!("Opening shared library {}\n", String::from_utf8_lossy(&file)),
    );
    let lib = open(&file).map_err(Exn::failure)?;
    let i = add_lib(lib);
    Ok(handle(dom, i))
}

fn dynlink_close_lib(_: &mut Domain, _: &[Value]) -> PrimResult {
    // Libraries stay open: their functions may be bound as primitives.
    Ok(Value::UNIT)
}

fn dynlink_lookup_symbol(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let lib = {
        let libs = LIBS.lock().unwrap_or_else(|e| e.into_inner());
        libs.get(index_of(args[0])?).copied()
    };
    let Some(lib) = lib else { return Err(Exn::invalid_arg("Dynlink: not a library handle")) };
    let name = String::from_utf8_lossy(&crate::prims::c_string_arg(args[1])?).into_owned();
    let found = match lib {
        Lib::Dl(h) => load::symbol(h, &name),
        Lib::BuiltinOnly => None,
    };
    let off = super::builtin_off();
    let switched_off = crate::prims::library_of(&name).is_some_and(|l| off.iter().any(|o| o == l));
    let builtin = if switched_off { None } else { crate::prims::lookup(&name) };
    let sym = match (builtin, found, lib) {
        (Some(f), Some(_), _) | (Some(f), None, Lib::BuiltinOnly) => {
            Symbol::Builtin(f, crate::prims::is_lock_free(&name), name)
        }
        (_, Some(addr), _) => Symbol::C(addr, name),
        _ => return Ok(Value::UNIT),
    };
    let i = {
        let mut syms = SYMBOLS.lock().unwrap_or_else(|e| e.into_inner());
        syms.push(sym);
        syms.len() - 1
    };
    Ok(handle(dom, i))
}

fn dynlink_add_primitive(_: &mut Domain, args: &[Value]) -> PrimResult {
    let sym = {
        let syms = SYMBOLS.lock().unwrap_or_else(|e| e.into_inner());
        syms.get(index_of(args[0])?).cloned()
    };
    let Some(sym) = sym else { return Err(Exn::invalid_arg("Dynlink: not a symbol handle")) };
    let program = crate::interp::current_program();
    let full = || Exn::failure("Dynlink: too many primitives");
    let n = match sym {
        Symbol::Builtin(f, lock_free, name) => program.prims.add(f, &name, lock_free),
        Symbol::C(addr, name) => {
            let f = super::call::bind(addr, &name).ok_or_else(full)?;
            // C primitives run without the heap lock (see `capi`), called straight from the
            // interpreter in production builds.
            let direct = super::call::direct_addr(f).unwrap_or(0);
            program.prims.add_c(f, &name, true, direct)
        }
    };
    Ok(Value::of_int(n.ok_or_else(full)? as isize))
}

fn dynlink_get_current_libs(dom: &mut Domain, _: &[Value]) -> PrimResult {
    let startup = STARTUP_LIBS.get_or_init(|| Mutex::new(None));
    let mut startup = startup.lock().unwrap_or_else(|e| e.into_inner());
    // The first call registers the program's libraries (opening them if start-up did not).
    if let Some(s) = startup.take() {
        let libs: Vec<Lib> = match s {
            StartupLibs::Opened(hs) => hs.into_iter().map(Lib::Dl).collect(),
            StartupLibs::Named(names) => names
                .iter()
                .filter_map(|n| {
                    open(&load::search(crate::prims::dynlink::shared_libs_path(), n)).ok()
                })
                .collect(),
        };
        let mut all = LIBS.lock().unwrap_or_else(|e| e.into_inner());
        let first = all.len();
        all.extend(libs);
        let ids: Vec<usize> = (first..all.len()).collect();
        drop(all);
        *STARTUP_IDS.lock().unwrap_or_else(|e| e.into_inner()) = ids;
    }
    drop(startup);
    let ids = STARTUP_IDS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let hs: Vec<Value> = ids.iter().map(|&i| handle(dom, i)).collect();
    Ok(dom.alloc_tuple(0, &hs))
}

/// The indices (in `LIBS`) of the program's own libraries, once registered.
static STARTUP_IDS: Mutex<Vec<usize>> = Mutex::new(Vec::new());
