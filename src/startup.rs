//! Start-up and shut-down: from a command line to a running program, the way `ocamlrun`
//! does it (options, OCAMLRUNPARAM, loading, primitive binding, globals, `Sys.argv`), and the
//! end of the run (uncaught exceptions, exit status).

use crate::config::Config;
use crate::domain::Domain;
use crate::exn::Exn;
use crate::interp::{self, Program};
use crate::loader;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::sync::Arc;

/// What the command line asks for.
pub struct Invocation {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub backtrace: bool,
    pub lib_dirs: Vec<String>,
    pub print_magic: bool,
    pub verbose: bool,
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
                    inv.lib_dirs.push(argv[i + 1].to_string_lossy().into_owned());
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
            "-config" => {
                println!("version: {}\nstandard_library_default: \nstandard_library: \nint_size: 63\nword_size: 64\nos_type: Unix\nhost: x86_64-pc-linux-gnu\nflat_float_array: true\nsupports_shared_libraries: false\nfunction_sections: false\nnaked_pointers: false\nexec_magic_number: {}\nlinker: ", crate::OCAML_VERSION, loader::exec::EXEC_MAGIC);
                std::process::exit(0);
            }
            other => usage_error(&format!("unknown option {other}")),
        }
        i += 1;
    }
    if i >= argv.len() {
        usage_error("no bytecode file specified");
    }
    inv.program = argv[i].clone();
    inv.args = argv[i + 1..].to_vec();
    inv
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

/// Loads and runs a program; returns the process exit status.
pub fn run(inv: Invocation) -> i32 {
    // Before the domain (and the hardened fault handler, which passes sent signals on).
    crate::prims::fault_signals::install();
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
    if inv.print_magic {
        match loader::exec::read_magic(std::path::Path::new(&exe_name_os)) {
            Some(m) => {
                println!("{m}");
                return 0;
            }
            None => usage_error(&format!("the file '{exe_name}' is not a bytecode executable file")),
        }
    }
    let exe = match loader::exec::read_executable(std::path::Path::new(&exe_name_os), &inv.program.to_string_lossy()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{}", e.message);
            return e.exit_code;
        }
    };
    let config = Arc::new(config);
    // Boxed: the domain registry keeps its address.
    let mut dom = Box::new(Domain::new(config.clone()));
    dom.register();

    dom.backtrace_active = config.backtrace > 0;
    crate::prims::init(&mut dom);

    // Bind primitives by name: standard ones warden lacks fail when called.
    let mut prims = Vec::with_capacity(exe.prim_names.len());
    for name in &exe.prim_names {
        match crate::prims::lookup(name) {
            Some(f) => prims.push(f),
            None if crate::prims::is_standard(name) => prims.push(crate::prims::unimplemented as crate::prims::PrimFn),
            None => {
                eprintln!("Fatal error: unknown C primitive '{name}'");
                return 2;
            }
        }
    }

    let globals = match loader::intern::intern(&mut dom, &exe.data, Some(&exe.code_fragment())) {
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
    if let Err(e) = loader::validate::validate(&exe.code, prims.len(), nglobals) {
        eprintln!("Fatal error: {exe_name}: {e}");
        return 2;
    }
    *dom.globals = globals;
    dom.exe_name = exe_name_os.into_vec();
    dom.argv = std::iter::once(inv.program).chain(inv.args).map(OsString::into_vec).collect();
    crate::prims::set_debug_info(&mut dom, exe.dbug.clone(), &exe.code);
    dom.minor_collection();

    let program = Arc::new(Program::new(exe.code, prims, exe.prim_names));
    interp::install(&mut dom, program.clone());
    let result = interp::run_main(&mut dom, &program);
    finish(&mut dom, result)
}

/// Turns the program's outcome into an exit status, reporting an uncaught exception.
/// Runs with the heap lock: other domains may still run while the program ends.
pub fn finish(dom: &mut Domain, result: Result<crate::heap::value::Value, Exn>) -> i32 {
    dom.with_heap(|dom| finish_locked(dom, result))
}

fn finish_locked(dom: &mut Domain, result: Result<crate::heap::value::Value, Exn>) -> i32 {
    match result {
        Ok(_) => 0,
        Err(Exn::Exit(code)) => code,
        Err(Exn::Fatal(msg)) => {
            crate::prims::flush_std_channels(dom);
            eprintln!("Fatal error: {msg}");
            2
        }
        Err(Exn::Unimplemented(name)) => {
            crate::prims::flush_std_channels(dom);
            eprintln!("Fatal error: the primitive {name} is not implemented by warden");
            2
        }
        Err(e) => {
            let exn = dom.exn_value(&e).expect("exception value");
            crate::prims::fatal_uncaught_exception(dom, exn)
        }
    }
}
