//! Loading bytecode at run time, compared with the stock `ocamlrun` (stdout, stderr and exit
//! status byte for byte), with the sources in `tests/dynlink/`:
//!
//! - `Dynlink`: a main program (`main.ml`, with `registry.ml`) built with the stock `ocamlc`
//!   loads plugins compiled with `-g`: one that keeps two other domains running while the
//!   next ones load, the stock `str.cma` (its stub library's primitives bound at run time)
//!   and a plugin using it, a plugin with a C primitive of its own (`ocamlmklib`), and one
//!   that raises through its functions (backtrace locations in the plugin), marshals one of
//!   its closures (`Marshal.Closures`: by fragment digest) and fails in its initializer;
//! - the stock toplevel `ocaml`, with a script on stdin and as an argument: `#load
//!   "str.cma"`, `#use`, `#trace`, exceptions with a backtrace, `exit`, marshalled toplevel
//!   closures (not printed: the stock runtime digests a toplevel phrase's code after
//!   threading it, so its marshalled closures differ from run to run).
//!
//! A plugin whose code is damaged is refused before it runs (warden's own behaviour: the
//! stock runtime would run it).
//!
//! Outputs are kept under `target/tmp/dynlink/<profile>/`.

mod support;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use support::toolchain::{repo_root, toolchain};

fn tool(name: &str) -> PathBuf {
    toolchain().join("bin").join(name)
}

/// PATH with the stock toolchain first (ocamlmklib calls the C compiler and ocamlc).
fn path_with_toolchain() -> OsString {
    let mut p = OsString::from(toolchain().join("bin"));
    if let Some(old) = std::env::var_os("PATH") {
        p.push(":");
        p.push(old);
    }
    p
}

/// Runs a build command in `dir`; panics with its output when it fails.
fn build(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(tool(program))
        .args(args)
        .current_dir(dir)
        .env("PATH", path_with_toolchain())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The build directory, with the sources copied and the programs and plugins built once.
fn built() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dynlink").join(profile);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the build directory");
        for e in fs::read_dir(repo_root().join("tests").join("dynlink")).expect("tests/dynlink") {
            let p = e.expect("entry").path();
            fs::copy(&p, dir.join(p.file_name().expect("name"))).expect("copy a source");
        }
        build(&dir, "ocamlc", &["-g", "-c", "registry.ml"]);
        build(&dir, "ocamlc", &["-g", "-I", "+dynlink", "-c", "main.ml"]);
        build(
            &dir,
            "ocamlc",
            &[
                "-g",
                "-linkall",
                "-I",
                "+dynlink",
                "-o",
                "main.byte",
                "dynlink.cma",
                "registry.cmo",
                "main.cmo",
            ],
        );
        build(&dir, "ocamlc", &["-g", "-c", "plug_raise.ml", "plug_domains.ml"]);
        build(&dir, "ocamlc", &["-g", "-I", "+str", "-c", "plug_str.ml"]);
        build(&dir, "ocamlc", &["-g", "-c", "plug_c.ml"]);
        build(&dir, "ocamlc", &["-c", "plug_stub.c"]);
        build(&dir, "ocamlmklib", &["-o", "plugc", "plug_stub.o", "plug_c.cmo"]);
        dir
    })
}

/// Runs `args` under `runtime` in the build directory, with `stdin` and the plugins' stub
/// libraries on the search path.
fn run(runtime: &Path, args: &[OsString], stdin: &[u8]) -> Output {
    use std::io::Write;
    let dir = built();
    let mut child = Command::new(runtime)
        .args(args)
        .current_dir(dir)
        .env("CAML_LD_LIBRARY_PATH", dir)
        .env_remove("OCAMLRUNPARAM")
        .env_remove("WARDEN_BUILTIN_OFF")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", runtime.display()));
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// Runs `args` under the stock ocamlrun and under warden; they must agree.
fn compare(name: &str, args: &[OsString], stdin: &[u8]) {
    let stock = run(&tool("ocamlrun"), args, stdin);
    let ours = run(Path::new(env!("CARGO_BIN_EXE_warden")), args, stdin);
    let dir = built();
    for (who, o) in [("ocamlrun", &stock), ("warden", &ours)] {
        fs::write(dir.join(format!("{name}.{who}.stdout")), &o.stdout).expect("keep stdout");
        fs::write(dir.join(format!("{name}.{who}.stderr")), &o.stderr).expect("keep stderr");
    }
    let show = |o: &Output| {
        format!(
            "status {:?}\n--- stdout\n{}--- stderr\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert!(
        stock.stdout == ours.stdout
            && stock.stderr == ours.stderr
            && stock.status.code() == ours.status.code(),
        "{name}: warden differs from ocamlrun (outputs in {})\n=== ocamlrun\n{}=== warden\n{}",
        dir.display(),
        show(&stock),
        show(&ours)
    );
}

#[test]
fn plugins_with_domains_str_c_stubs_backtraces_and_marshal() {
    let str_cma = toolchain().join("lib/ocaml/str/str.cma");
    let args: Vec<OsString> = vec![
        "main.byte".into(),
        "plug_domains.cmo".into(),
        str_cma.into(),
        "plug_str.cmo".into(),
        "plugc.cma".into(),
        "plug_raise.cmo".into(),
        "missing.cmo".into(),
    ];
    compare("plugins", &args, b"");
}

#[test]
fn toplevel_script_on_stdin() {
    let script = fs::read(built().join("toplevel.ml")).expect("toplevel.ml");
    compare("toplevel-stdin", &[tool("ocaml").into()], &script);
}

#[test]
fn toplevel_script_as_argument() {
    compare("toplevel-arg", &[tool("ocaml").into(), "toplevel.ml".into()], b"");
}

#[test]
fn damaged_plugin_is_refused_before_it_runs() {
    let dir = built();
    // A .cmo holds its code right after the 16-byte header: make its first opcode unknown.
    let mut cmo = fs::read(dir.join("plug_raise.cmo")).expect("plug_raise.cmo");
    cmo[16..20].copy_from_slice(&0x7fff_i32.to_le_bytes());
    fs::write(dir.join("damaged.cmo"), &cmo).expect("write damaged.cmo");
    let out = run(
        Path::new(env!("CARGO_BIN_EXE_warden")),
        &["main.byte".into(), "damaged.cmo".into()],
        b"",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "loading damaged.cmo\n");
    // The main program records backtraces: the one-line error, then where it was raised.
    assert_eq!(
        err.lines().next(),
        Some(
            "Fatal error: exception Failure(\"reify_bytecode: invalid bytecode at offset 0: \
             unknown opcode 32767\")"
        ),
        "stderr: {err}"
    );
}
