//! Start-up and shut-down: from a command line to a running program, the way `ocamlrun`
//! does it (options, OCAMLRUNPARAM, loading, primitive binding, globals, `Sys.argv`), and the
//! end of the run (uncaught exceptions, exit status).

use crate::config::Config;
use crate::domain::Domain;
use crate::heap::value::WORD;
use crate::interp::{self, Program};
use crate::loader;
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::sync::Arc;

/// What the command line asks for.
pub struct Invocation {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub backtrace: bool,
    /// `-I` directories, in order.
    pub lib_dirs: Vec<OsString>,
    pub print_magic: bool,
    pub verbose: bool,
}

/// The exit status after a panic (Rust's own, for a panic of the main thread).
const PANIC_EXIT_STATUS: i32 = 101;

/// A panic is a bug of warden's, and on a domain's thread its unwinding would end that
/// thread alone, leaving the others to wait for it for ever (at a stopped world it leads, in
/// `Domain.join`, for a lock it held). So after the usual message, a panic on any thread
/// ends the process at once, without exit handlers (another thread may hold a lock they
/// need). A panic during a hardened check's report waits for the report to end the process.
fn install_panic_hook() {
    let print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        crate::check::wait_if_reporting();
        print(info);
        // SAFETY: _exit takes no pointer; it ends every thread of the process.
        unsafe { libc::_exit(PANIC_EXIT_STATUS) }
    }));
}

/// Prints `<msg>` on stderr and exits 127, as ocamlrun's command-line errors do.
pub fn usage_error(msg: &str) -> ! {
    eprintln!("{msg}");
    std::process::exit(127);
}

const HELP: &str = "Usage: warden [<options>] <executable> [<command-line>]\nOptions are:\n  -b  Set runtime parameter b (detailed exception backtraces)\n  -config  Print configuration values and exit\n  -I <dir>  Add <dir> to the list of DLL search directories\n  -m  Print the magic number of <executable> and exit\n  -M  Print the magic number expected by this runtime and exit\n  -p  Print the names of the primitives supported by this runtime and exit\n  -v  Set runtime parameter v=61 (GC event information)\n  -version  Print version string and exit\n  -vnum  Print short version number and exit\n  -help  Display this list of options\n  --help  Display this list of options";

/// Parses ocamlrun's options; exits for the informational ones.
pub fn parse_command_line(argv: &[OsString]) -> Invocation {
    let mut inv = Invocation {
        program: OsString::new(),
        args: Vec::new(),
        backtrace: false,
        lib_dirs: Vec::new(),
        print_magic: false,
        verbose: false,
    };
    let mut print_config = false;
    let mut i = 1;
    while i < argv.len() && argv[i].as_encoded_bytes().starts_with(b"-") {
        match argv[i].to_string_lossy().as_ref() {
            "--" => {
                i += 1;
                break;
            }
            "-t" | "-events" => {}
            "-v" => inv.verbose = true,
            "-p" => {
                print!("{}", crate::prims::STANDARD_NAMES);
                std::process::exit(0);
            }
            "-b" => inv.backtrace = true,
            "-I" => {
                if i + 1 < argv.len() {
                    inv.lib_dirs.push(argv[i + 1].clone());
                    i += 1;
                } else {
                    usage_error("option '-I' needs an argument.");
                }
            }
            "-m" => inv.print_magic = true,
            "-M" => {
                println!("{}", loader::exec::EXEC_MAGIC);
                std::process::exit(0);
            }
            "-version" => {
                println!("The OCaml runtime, version {}", crate::OCAML_VERSION);
                std::process::exit(0);
            }
            "-vnum" => {
                println!("{}", crate::OCAML_VERSION);
                std::process::exit(0);
            }
            "-help" | "--help" => {
                println!("{HELP}");
                std::process::exit(0);
            }
            "-config" => print_config = true,
            other => usage_error(&format!("unknown option {other}")),
        }
        i += 1;
    }
    if print_config {
        // After the whole command line, as ocamlrun: `-I` options count wherever they are.
        let mut out = std::io::stdout().lock();
        // As printf's result, a failing stdout is ignored.
        let _ = out.write_all(&config_report(&inv.lib_dirs)).and_then(|_| out.flush());
        std::process::exit(0);
    }
    if i >= argv.len() {
        usage_error("no bytecode file specified");
    }
    inv.program = argv[i].clone();
    inv.args = argv[i + 1..].to_vec();
    inv
}

/// Where the standard library is installed when neither OCAMLLIB nor CAMLLIB says: the
/// build's `WARDEN_STDLIB_DIR`, or the default of OCaml's own `configure`.
const STDLIB_DIR_DEFAULT: &str = match option_env!("WARDEN_STDLIB_DIR") {
    Some(dir) => dir,
    None => "/usr/local/lib/ocaml",
};

/// The standard library's location, as ocamlrun finds it: OCAMLLIB, CAMLLIB, the default.
fn stdlib_location() -> OsString {
    std::env::var_os("OCAMLLIB")
        .or_else(|| std::env::var_os("CAMLLIB"))
        .unwrap_or_else(|| STDLIB_DIR_DEFAULT.into())
}

/// The entries of `<stdlib>/ld.conf` as ocamlrun reads them: one a line up to the first NUL
/// byte, empty lines kept, a last line without newline kept when not empty. None when the
/// file does not exist; a file that exists but cannot be read is fatal, as in ocamlrun.
fn ld_conf_entries(stdlib: &OsString) -> Option<Vec<Vec<u8>>> {
    let name = [stdlib.as_encoded_bytes(), b"/ld.conf"].concat();
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(&name));
    std::fs::metadata(path).ok()?;
    let mut text = match std::fs::read(path) {
        Ok(t) => t,
        Err(_) => {
            eprintln!("Fatal error: cannot read loader config file {}", path.display());
            std::process::abort();
        }
    };
    if let Some(nul) = text.iter().position(|&b| b == 0) {
        text.truncate(nul);
    }
    let mut entries: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    if entries.last().is_some_and(Vec::is_empty) {
        entries.pop();
    }
    Some(entries)
}

/// What `-config` prints: ocamlrun's keys in its order, with warden's values. Warden runs
/// on 64-bit hosts only; the two sizes are printed as ocamlrun prints them (`int_size` is
/// the word's bits, `word_size` one less). Warden opens shared libraries (except a static
/// musl build) and has no AFL support. `shared_libs_path` is the `-I` directories then
/// the entries of the standard library's `ld.conf`, as ocamlrun lists them.
fn config_report(lib_dirs: &[OsString]) -> Vec<u8> {
    let stdlib = stdlib_location();
    let bits = 8 * WORD;
    let mut out = Vec::new();
    let mut line = |key: &str, value: &[u8]| {
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.push(b'\n');
    };
    line("version", crate::OCAML_VERSION.as_bytes());
    line("standard_library_default", STDLIB_DIR_DEFAULT.as_bytes());
    line("standard_library", stdlib.as_encoded_bytes());
    line("int_size", bits.to_string().as_bytes());
    line("word_size", (bits - 1).to_string().as_bytes());
    line("os_type", b"Unix");
    line("host", b"x86_64-pc-linux-gnu");
    line("flat_float_array", b"true");
    line("supports_afl", b"false");
    line("windows_unicode", b"false");
    line("supports_shared_libraries", if cfg!(target_env = "musl") { b"false" } else { b"true" });
    line("no_naked_pointers", b"true");
    line("reserved header bits", b"0");
    line("exec_magic_number", loader::exec::EXEC_MAGIC.as_bytes());
    out.extend_from_slice(b"shared_libs_path:\n");
    let dirs = lib_dirs.iter().map(|d| d.as_encoded_bytes().to_vec());
    for dir in dirs.chain(ld_conf_entries(&stdlib).unwrap_or_default()) {
        out.extend_from_slice(b"  ");
        out.extend_from_slice(if dir.is_empty() { b"." } else { &dir });
        out.push(b'\n');
    }
    out
}

/// The directories searched for shared libraries, in ocamlrun's order: `-I`,
/// `CAML_LD_LIBRARY_PATH` (colon-separated), the executable's `DLPT`, the standard
/// library's `ld.conf`.
fn shared_libs_path(lib_dirs: &[OsString], dlpt: &[String]) -> Vec<Vec<u8>> {
    let mut path: Vec<Vec<u8>> = lib_dirs.iter().map(|d| d.as_encoded_bytes().to_vec()).collect();
    if let Some(p) = std::env::var_os("CAML_LD_LIBRARY_PATH") {
        path.extend(p.as_encoded_bytes().split(|&b| b == b':').map(<[u8]>::to_vec));
    }
    path.extend(dlpt.iter().map(|d| d.as_bytes().to_vec()));
    path.extend(ld_conf_entries(&stdlib_location()).unwrap_or_default());
    path
}

/// "Fatal error: <msg>" on stderr and an abort, as ocamlrun's `caml_fatal_error`.
fn fatal_abort(msg: &str) -> ! {
    eprintln!("Fatal error: {msg}");
    std::process::abort();
}

/// Resolves the executable name as ocamlrun does: a name without '/' is searched in PATH.
fn search_exe_in_path(name: &OsString) -> OsString {
    if name.as_encoded_bytes().contains(&b'/') {
        return name.clone();
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let dir = if dir.as_os_str().is_empty() { std::path::PathBuf::from(".") } else { dir };
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate.into_os_string();
            }
        }
    }
    name.clone()
}

/// Prints a load error's line on stderr, its bytes unchanged; returns its exit status.
fn report_load_error(e: &loader::LoadError) -> i32 {
    let mut err = std::io::stderr().lock();
    // Nothing is left to report a failing stderr to.
    let _ = err.write_all(&e.message).and_then(|_| err.write_all(b"\n"));
    e.exit_code
}

/// Loads and runs a program; returns the process exit status.
pub fn run(inv: Invocation) -> i32 {
    install_panic_hook();
    // Before the domain (and the hardened fault handler, which passes sent signals on).
    crate::fault_signals::install();
    let mut config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Fatal error: {e}");
            return 2;
        }
    };
    if inv.backtrace {
        config.backtrace = 1;
    }
    if inv.verbose {
        config.verbose = 0x3D;
    }
    let exe_name_os = search_exe_in_path(&inv.program);
    let exe_name = exe_name_os.to_string_lossy().into_owned();
    let given_name = inv.program.as_encoded_bytes();
    if inv.print_magic {
        return match loader::exec::read_magic(std::path::Path::new(&exe_name_os), given_name) {
            Ok(m) => {
                let mut out = std::io::stdout().lock();
                // As printf's result, a failing stdout is ignored.
                let _ =
                    out.write_all(&m).and_then(|_| out.write_all(b"\n")).and_then(|_| out.flush());
                0
            }
            Err(e) => report_load_error(&e),
        };
    }
    let (mut exe, exe_file) =
        match loader::exec::read_executable_file(std::path::Path::new(&exe_name_os), given_name) {
            Ok(e) => e,
            Err(e) => return report_load_error(&e),
        };
    let config = Arc::new(config);
    // Boxed: the domain registry keeps its address.
    let mut dom = Box::new(Domain::new(config.clone()));
    dom.register();
    if let Err(msg) = crate::events::init(config.runtime_events_log_wsize, config.max_domains) {
        eprintln!("Fatal error: {msg}");
        return 2;
    }

    dom.backtrace_active = config.backtrace > 0;
    // Loading touches heap-wide state (the major heap, named values, the global table): it
    // runs with the heap lock, as primitives do, until the first collection.
    dom.lock_heap();
    crate::prims::init(&mut dom);

    // Bind primitives by name as ocamlrun does: built-in first, then the program's shared
    // libraries in order; standard ones warden lacks fail when called. The libraries are
    // opened (all of them, as ocamlrun does) only when some primitive is not built in, so
    // a library whose primitives warden has (unix, str, ...) is never needed. A library
    // that cannot be opened and a primitive found nowhere end the run as ocamlrun's
    // `caml_fatal_error` does.
    let off = crate::capi::builtin_off();
    let none = crate::capi::Libraries::none();
    let builtin: Vec<Option<crate::prims::PrimFn>> = exe
        .prim_names
        .iter()
        .map(|name| crate::capi::resolve(&none, name, &off).ok().flatten())
        .collect();
    let path = shared_libs_path(&inv.lib_dirs, &exe.dlpt);
    crate::prims::dynlink::set_shared_libs_path(path.clone());
    let libs = if exe.dlls.is_empty() || builtin.iter().all(Option::is_some) {
        none
    } else {
        match crate::capi::Libraries::open(&path, &exe.dlls, &off) {
            Ok(l) => l,
            Err(e) => {
                fatal_abort(&format!("cannot load shared library {}\nReason: {}", e.name, e.reason))
            }
        }
    };
    crate::capi::dynlink::set_startup_libs(&libs, &exe.dlls);
    let mut prims = Vec::with_capacity(exe.prim_names.len());
    // C stubs run without the heap lock: the C API takes it where it touches shared state.
    let mut lock_free: Vec<bool> =
        exe.prim_names.iter().map(|n| crate::prims::is_lock_free(n)).collect();
    // C stubs of the program's libraries keep the C calling convention (no arity rule).
    let mut stub = vec![false; exe.prim_names.len()];
    for (i, (name, found)) in exe.prim_names.iter().zip(builtin).enumerate() {
        if let Some(f) = found {
            prims.push(f);
            continue;
        }
        lock_free[i] = true;
        stub[i] = true;
        match crate::capi::resolve(&libs, name, &off) {
            Ok(Some(f)) => prims.push(f),
            Ok(None) => fatal_abort(&format!("unknown C primitive `{name}'")),
            Err(_) => fatal_abort(&format!(
                "too many C primitives (warden binds at most {})",
                crate::capi::call::MAX_C_PRIMS
            )),
        }
    }

    // The code first: the DATA section's closures may only point at the function entries
    // verification finds; the global slots the code names are checked once DATA is read.
    let started = thread_cpu_time();
    let reads: Vec<Option<u8>> = exe
        .prim_names
        .iter()
        .zip(&stub)
        .map(|(name, &stub)| if stub { None } else { crate::prims::reads(name) })
        .collect();
    let verified = match loader::verify::cache::verify_program(
        &exe.code,
        loader::verify::Prims { names: &exe.prim_names, reads: &reads },
        &exe_file,
    ) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("Fatal error: {exe_name}: {e}");
            return 2;
        }
    };
    // Closed now, as ocamlrun closes the executable once read: the program's own file
    // descriptors are numbered as under ocamlrun.
    drop(exe_file);
    log::debug!(
        target: "warden::loader",
        "{} words of code: validated and verified (or found in the cache) in {:?} (thread CPU time)",
        exe.code.len(),
        thread_cpu_time() - started
    );
    let code = exe.program_code(&verified.entries);
    let globals = match loader::intern::intern_with(&mut dom, &exe.data, Some(&code)) {
        Ok((v, _)) => v,
        Err(e) => {
            eprintln!("Fatal error: cannot load the global data of '{exe_name}': {e}");
            return 2;
        }
    };
    // SAFETY: intern returns a well-formed value.
    let nglobals = if globals.is_block() { unsafe { globals.wosize() } } else { 0 };
    if nglobals < 12 {
        eprintln!("Fatal error: the global data of '{exe_name}' lacks the predefined exceptions");
        return 2;
    }
    if let Err(e) = verified.check_globals(&exe.code, nglobals) {
        eprintln!("Fatal error: {exe_name}: {e}");
        return 2;
    }
    dom.globals.set(globals);
    dom.exe_name = exe_name_os.into_vec();
    dom.argv = std::iter::once(inv.program).chain(inv.args).map(OsString::into_vec).collect();
    crate::prims::set_debug_info(&mut dom, exe.dbug.take(), &exe.code);
    // The DATA bytes are interned: not kept for the whole run.
    exe.data = Vec::new();
    dom.unlock_heap();
    dom.minor_collection();
    release_loader_memory();

    // Production builds call a C stub straight from the interpreter (`capi::call`).
    let direct: Vec<(usize, usize)> = (0..prims.len())
        .filter(|&i| stub[i])
        .filter_map(|i| Some((i, crate::capi::call::direct_addr(prims[i])?)))
        .collect();
    let mut program = Program::new(exe.code, prims, exe.prim_names, lock_free);
    for (i, addr) in direct {
        program.prims.set_direct_c(i, addr);
    }
    program.entries = verified.entries;
    let program = Arc::new(program);
    interp::install(&mut dom, program.clone());
    crate::capi::call::note_runtime(&dom.shared, &program);
    let result = interp::run_main(&mut dom, &program);
    let code = crate::prims::sys::finish(&mut dom, result);
    if dom.threads.on() {
        // Other threads of the domain may still wake from a blocking call and look at it
        // until the process exits: it must outlive them.
        Box::leak(dom);
    }
    code
}

/// Gives the C allocator's free pages back to the system once the program is loaded: what
/// loading freed (the verifier's state per jump target, the validation bitmaps, the section
/// buffers: 60-80 KiB on a 40,000-word program) would otherwise stay resident for the whole
/// run, in the middle of the malloc heap, where little of what the program allocates later
/// reuses it (docs/footprint.md). glibc only: `malloc_trim` releases the free pages inside
/// the heap, not only at its top; other C libraries keep them.
fn release_loader_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim changes only the allocator's free chunks, never a live
    // allocation, and takes each arena's lock (other threads may allocate meanwhile).
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The CPU time this thread has used (for the load-time log line: wall time means little on
/// a loaded machine).
fn thread_cpu_time() -> std::time::Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec to write; the clock id is a constant libc knows.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// How a run of [`run_image`] ended.
#[derive(Debug, PartialEq, Eq)]
pub enum ImageOutcome {
    /// The file did not load (the one-line error), or did not pass validation or verification.
    Rejected(String),
    /// The program stopped, raised, or ended with a fatal runtime error (the budget included).
    Ran,
    /// The hardened build's access checks stopped it (a value of the wrong type); the
    /// process goes on, unlike in a normal run.
    BadAccess,
}

/// Loads the executable `image` onto `dom` (which has its primitives initialised) and runs
/// it, with at most `budget` instructions in a hardened build (production has no budget):
/// the fuzz target's entry. A failed access check stops the run, not the process (it must
/// not perform effects or call C stubs: see `check::set_access_recovery`). Loading runs every check `run` does, in the same order; the
/// domain's stack is left as it was found.
pub fn run_image(dom: &mut Domain, image: &[u8], budget: u64) -> ImageOutcome {
    let exe = match loader::exec::read_executable_bytes(image) {
        Ok(e) => e,
        Err(e) => return ImageOutcome::Rejected(e.to_string()),
    };
    let mut prims = Vec::with_capacity(exe.prim_names.len());
    for name in &exe.prim_names {
        match crate::prims::lookup(name) {
            Some(f) => prims.push(f),
            None => return ImageOutcome::Rejected(format!("unknown C primitive '{name}'")),
        }
    }
    let reads: Vec<Option<u8>> = exe.prim_names.iter().map(|n| crate::prims::reads(n)).collect();
    let prims_known = loader::verify::Prims { names: &exe.prim_names, reads: &reads };
    let verified = match loader::verify::verify(&exe.code, prims_known) {
        Ok(v) => v,
        Err(e) => return ImageOutcome::Rejected(e),
    };
    dom.lock_heap();
    let code = exe.program_code(&verified.entries);
    let globals = match loader::intern::intern_with(dom, &exe.data, Some(&code)) {
        Ok((v, _)) => v,
        Err(e) => {
            dom.unlock_heap();
            return ImageOutcome::Rejected(e.to_string());
        }
    };
    // SAFETY: intern returns a well-formed value.
    let nglobals = if globals.is_block() { unsafe { globals.wosize() } } else { 0 };
    let checked = if nglobals < 12 {
        Err("no predefined exceptions".to_string())
    } else {
        verified.check_globals(&exe.code, nglobals)
    };
    if let Err(e) = checked {
        dom.unlock_heap();
        return ImageOutcome::Rejected(e);
    }
    dom.globals.set(globals);
    crate::prims::set_debug_info(dom, None, &exe.code);
    dom.unlock_heap();
    let lock_free = exe.prim_names.iter().map(|n| crate::prims::is_lock_free(n)).collect();
    let mut program = Program::new(exe.code, prims, exe.prim_names, lock_free);
    program.entries = verified.entries;
    let program = Arc::new(program);
    interp::install(dom, program.clone());
    let used = dom.stack.used();
    crate::check::set_instruction_budget(budget);
    crate::check::set_access_recovery(true);
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = interp::run_main(dom, &program);
    }));
    crate::check::set_access_recovery(false);
    crate::check::set_instruction_budget(u64::MAX);
    // SAFETY: the stack held `used` words when the run began and was never shrunk.
    dom.stack.sp = unsafe { dom.stack.high().sub(used) };
    match run {
        Ok(()) => ImageOutcome::Ran,
        Err(p) if p.is::<crate::check::AccessStop>() => ImageOutcome::BadAccess,
        Err(p) => std::panic::resume_unwind(p),
    }
}
