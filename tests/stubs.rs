//! C stubs, compared with the stock `ocamlrun` like the OCaml corpus (stdout, stderr and
//! exit status byte for byte):
//!
//! - the project's own stub library `tests/stubs/wstub.c` (compiled by the stock
//!   `ocamlc -c`, linked by `ocamlmklib`) with the programs `tests/stubs/*.ml`, each run with
//!   the default settings and with `OCAMLRUNPARAM=s=4096`;
//! - how a library is found (`DLPT`, `CAML_LD_LIBRARY_PATH`, `-I`) and what happens when it
//!   or a primitive is missing;
//! - the corpus programs of the `str` and `unix` libraries run through the stock
//!   `dllcamlstrbyt.so` and `dllunixbyt.so`, warden's built-in primitives switched off with
//!   `WARDEN_BUILTIN_OFF=str,unix`;
//! - every `caml_*` import of the stock `str` and `unix` stub libraries is exported.
//!
//! Outputs are kept under `target/tmp/stubs/<profile>/`.

mod support;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use support::toolchain::{repo_root, toolchain};

fn build_root() -> PathBuf {
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("stubs").join(profile)
}

fn tool(name: &str) -> PathBuf {
    toolchain().join("bin").join(name)
}

fn stublibs() -> PathBuf {
    toolchain().join("lib").join("ocaml").join("stublibs")
}

/// Runs a build command in `dir`; panics with its output when it fails.
fn build(dir: &Path, program: &Path, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PATH", path_with_toolchain())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    assert!(
        out.status.success(),
        "{} {:?} failed:\n{}{}",
        program.display(),
        args,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// PATH with the stock toolchain first (ocamlmklib and ocamlc -c call the C compiler and
/// each other).
fn path_with_toolchain() -> OsString {
    let mut p = OsString::from(toolchain().join("bin"));
    if let Some(old) = std::env::var_os("PATH") {
        p.push(":");
        p.push(old);
    }
    p
}

/// The folder with the stub library and the compiled programs (built once per process).
fn stub_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = build_root().join("build");
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the build folder");
        let src = repo_root().join("tests").join("stubs");
        for entry in fs::read_dir(&src).expect("read tests/stubs") {
            let p = entry.expect("entry").path();
            fs::copy(&p, dir.join(p.file_name().expect("name"))).expect("copy a source");
        }
        for c in ["wstub.c", "wstub_rt.c", "wstub_thr.c"] {
            build(&dir, &tool("ocamlc"), &["-c", "-ccopt", "-Wall", c]);
        }
        build(&dir, &tool("ocamlmklib"), &["-o", "wstub", "wstub.o", "wstub_rt.o"]);
        build(&dir, &tool("ocamlmklib"), &["-o", "wstubthr", "wstub_thr.o", "-lpthread"]);
        let d = dir.to_str().expect("utf-8 path");
        for p in [
            "stubs_basic",
            "stubs_domains",
            "stubs_exit",
            "stubs_marshal",
            "stubs_custom",
            "stubs_marshal_raise",
            "stubs_memprof",
        ] {
            let (ml, byte) = (format!("{p}.ml"), format!("{p}.byte"));
            build(&dir, &tool("ocamlc"), &["-dllib", "-lwstub", "-dllpath", d, &ml, "-o", &byte]);
        }
        // With the threads library (whose primitives warden builds in).
        let threads = ["-I", "+unix", "-I", "+threads", "unix.cma", "threads.cma"];
        let mut args = vec!["-dllib", "-lwstubthr", "-dllpath", d];
        args.extend(threads);
        for p in ["stubs_foreign", "stubs_foreign_raise"] {
            let mut args = args.clone();
            let (ml, byte) = (format!("{p}.ml"), format!("{p}.byte"));
            args.extend([ml.as_str(), "-o", byte.as_str()]);
            build(&dir, &tool("ocamlc"), &args);
        }
        // Without DLPT: found through CAML_LD_LIBRARY_PATH or -I only.
        let (ml, byte) = ("stubs_basic.ml", "stubs_nodlpt.byte");
        build(&dir, &tool("ocamlc"), &["-I", d, "-dllib", "-lwstub", ml, "-o", byte]);
        // A primitive that no library defines.
        fs::write(
            dir.join("missing.ml"),
            "external f : int -> int = \"wstub_nothere\"\nlet () = print_int (f 1)\n",
        )
        .expect("write missing.ml");
        build(
            &dir,
            &tool("ocamlc"),
            &[
                "-no-check-prims",
                "-dllib",
                "-lwstub",
                "-dllpath",
                d,
                "missing.ml",
                "-o",
                "missing.byte",
            ],
        );
        dir
    })
}

/// One run's outcome, comparable.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    status: String,
    stdout: String,
    stderr: String,
}

fn outcome(o: Output) -> Outcome {
    use std::os::unix::process::ExitStatusExt;
    let status = match (o.status.code(), o.status.signal()) {
        (Some(c), _) => format!("exit {c}"),
        (None, Some(s)) => format!("signal {s}"),
        _ => "?".into(),
    };
    Outcome {
        status,
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Runs `runtime [runtime_args] byte [args]` in a fresh working folder with a fixed
/// environment plus `env`.
fn run(
    runtime: &Path,
    runtime_args: &[&str],
    byte: &Path,
    args: &[&str],
    env: &[(&str, String)],
    work: &Path,
) -> Outcome {
    let _ = fs::remove_dir_all(work);
    fs::create_dir_all(work.join("tmp")).expect("create a working folder");
    let mut c = Command::new(runtime);
    c.args(runtime_args).arg(byte).args(args).current_dir(work).env_clear();
    c.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    c.env("HOME", std::env::var_os("HOME").unwrap_or_default());
    c.env("TMPDIR", work.join("tmp")).env("LC_ALL", "C");
    for (k, v) in std::env::vars() {
        if k.starts_with("WARDEN_") && k != "WARDEN_OCAML_PREFIX" && k != "WARDEN_BUILTIN_OFF" {
            c.env(k, v);
        }
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(Stdio::null());
    outcome(c.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", runtime.display())))
}

/// Runs a program under both runtimes and asserts they agree; `warden_env` is added for
/// warden only.
fn compare(
    name: &str,
    byte: &Path,
    runtime_args: &[&str],
    args: &[&str],
    env: &[(&str, String)],
    warden_env: &[(&str, String)],
) {
    let dir = build_root().join("runs").join(name);
    let stock = run(&tool("ocamlrun"), runtime_args, byte, args, env, &dir.join("run-ocamlrun"));
    let mut wenv = env.to_vec();
    wenv.extend_from_slice(warden_env);
    let warden = Path::new(env!("CARGO_BIN_EXE_warden"));
    let ours = run(warden, runtime_args, byte, args, &wenv, &dir.join("run-warden"));
    assert_eq!(stock, ours, "{name}: warden differs from the stock ocamlrun (left: stock)");
}

fn program(name: &str) -> PathBuf {
    stub_dir().join(format!("{name}.byte"))
}

fn small_heap() -> Vec<(&'static str, String)> {
    vec![("OCAMLRUNPARAM", "s=4096".to_string())]
}

#[test]
fn stubs_basic() {
    compare("basic", &program("stubs_basic"), &[], &[], &[], &[]);
    compare("basic_s4096", &program("stubs_basic"), &[], &[], &small_heap(), &[]);
}

#[test]
fn stubs_domains() {
    compare("domains", &program("stubs_domains"), &[], &[], &[], &[]);
    compare("domains_s4096", &program("stubs_domains"), &[], &[], &small_heap(), &[]);
}

#[test]
fn stubs_exit_from_callback() {
    compare("exit", &program("stubs_exit"), &[], &[], &[], &[]);
    compare("exit_uncaught", &program("stubs_exit"), &[], &["raise"], &[], &[]);
}

/// Marshal from C and `caml_alloc_final`.
#[test]
fn stubs_marshal() {
    compare("marshal", &program("stubs_marshal"), &[], &[], &[], &[]);
    compare("marshal_s4096", &program("stubs_marshal"), &[], &[], &small_heap(), &[]);
}

/// Custom operations whose compare and hash raise, and `compare_ext`.
#[test]
fn stubs_custom() {
    compare("custom", &program("stubs_custom"), &[], &[], &[], &[]);
}

/// Custom operations whose C `serialize`/`deserialize` raise.
#[test]
fn stubs_marshal_raise() {
    compare("marshal_raise", &program("stubs_marshal_raise"), &[], &[], &[], &[]);
    compare("marshal_raise_s4096", &program("stubs_marshal_raise"), &[], &[], &small_heap(), &[]);
}

/// A thread created in C registers, calls back into OCaml and unregisters.
#[test]
fn stubs_foreign_thread() {
    compare("foreign", &program("stubs_foreign"), &[], &[], &[], &[]);
    compare("foreign_s4096", &program("stubs_foreign"), &[], &[], &small_heap(), &[]);
    compare("foreign_raise", &program("stubs_foreign_raise"), &[], &[], &[], &[]);
}

/// Custom blocks made by C, sampled by Gc.Memprof.
#[test]
fn stubs_memprof() {
    compare("memprof", &program("stubs_memprof"), &[], &[], &[], &[]);
}

#[test]
fn stubs_search_path() {
    let dir = stub_dir().to_str().expect("utf-8").to_string();
    let byte = program("stubs_nodlpt");
    compare(
        "path_env",
        &byte,
        &[],
        &[],
        &[("CAML_LD_LIBRARY_PATH", format!("/nonexistent:{dir}"))],
        &[],
    );
    compare("path_opt", &byte, &["-I", &dir], &[], &[], &[]);
    // Not found anywhere: ocamlrun's message and abort.
    compare("path_missing", &byte, &[], &[], &[], &[]);
}

#[test]
fn stubs_missing_primitive() {
    compare("missing_prim", &program("missing"), &[], &[], &[], &[]);
}

/// The corpus programs of a library, run through its stock stub library.
fn library_through_stubs(prefix: &str) {
    let corpus = repo_root().join("tests").join("ocaml");
    let dir = build_root().join("libs");
    fs::create_dir_all(&dir).expect("create the library build folder");
    let mut names: Vec<String> = fs::read_dir(&corpus)
        .expect("read tests/ocaml")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix) && n.ends_with(".ml"))
        .map(|n| n.trim_end_matches(".ml").to_string())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no {prefix}* program in tests/ocaml");
    let env = [("CAML_LD_LIBRARY_PATH", stublibs().to_str().expect("utf-8").to_string())];
    let off = [("WARDEN_BUILTIN_OFF", "str,unix".to_string())];
    for name in names {
        let flags = fs::read_to_string(corpus.join(format!("{name}.flags"))).unwrap_or_default();
        let mut args: Vec<String> = flags
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect();
        fs::copy(corpus.join(format!("{name}.ml")), dir.join(format!("{name}.ml")))
            .expect("copy a program");
        args.extend([format!("{name}.ml"), "-o".into(), format!("{name}.byte")]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        build(&dir, &tool("ocamlc"), &args);
        compare(&format!("lib_{name}"), &dir.join(format!("{name}.byte")), &[], &[], &env, &off);
    }
}

#[test]
fn str_through_dllcamlstrbyt() {
    library_through_stubs("str_");
}

#[test]
fn unix_through_dllunixbyt() {
    library_through_stubs("unix_");
}

/// Every `caml_*` symbol that the stock `str` and `unix` stub libraries import is in
/// warden's dynamic symbol table (skipped when `nm` is missing).
#[test]
fn stock_stub_imports_are_exported() {
    let nm = |args: &[&str], file: &Path| -> Option<String> {
        let out = Command::new("nm").args(args).arg(file).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let warden = Path::new(env!("CARGO_BIN_EXE_warden"));
    let Some(defined) = nm(&["-D", "--defined-only"], warden) else {
        eprintln!("skipped: nm is not available");
        return;
    };
    let defined: Vec<&str> = defined.lines().filter_map(|l| l.split_whitespace().nth(2)).collect();
    let mut missing = Vec::new();
    for lib in ["dllcamlstrbyt.so", "dllunixbyt.so"] {
        let imports = nm(&["-D", "--undefined-only"], &stublibs().join(lib)).expect("nm a library");
        for sym in imports.lines().filter_map(|l| l.split_whitespace().last()) {
            if sym.starts_with("caml_") && !defined.contains(&sym) {
                missing.push(format!("{lib}: {sym}"));
            }
        }
    }
    assert!(missing.is_empty(), "not exported by warden: {missing:?}");
}
