//! The command line and the process's edges, compared with the stock `ocamlrun` run live:
//! informational options, `-config`, files that are not bytecode, and the GC statistics
//! that `OCAMLRUNPARAM=v=0x400` prints at exit (whose numbers depend on the run, so only
//! their lines and format are compared).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use support::toolchain::toolchain;

fn ocamlrun() -> PathBuf {
    toolchain().join("bin/ocamlrun")
}

fn warden() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_warden"))
}

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `runtime args...` in `dir` with a clean environment plus `env`.
fn run(runtime: &Path, args: &[&str], env: &[(&str, &str)], dir: &Path) -> Output {
    let mut cmd = Command::new(runtime);
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd.envs(env.iter().copied());
    cmd.stdin(Stdio::null()).output().expect("run the runtime")
}

/// Both runtimes' outputs for the same command.
fn both(args: &[&str], env: &[(&str, &str)], dir: &Path) -> (Output, Output) {
    (run(&ocamlrun(), args, env, dir), run(&warden(), args, env, dir))
}

fn assert_same(what: &str, want: &Output, got: &Output) {
    assert_eq!(
        (
            &want.status.code(),
            String::from_utf8_lossy(&want.stdout),
            String::from_utf8_lossy(&want.stderr)
        ),
        (
            &got.status.code(),
            String::from_utf8_lossy(&got.stdout),
            String::from_utf8_lossy(&got.stderr)
        ),
        "{what}: (status, stdout, stderr) of ocamlrun (left) and warden (right)"
    );
    // The lossy views above would hide a difference in invalid UTF-8.
    assert_eq!(want.stdout, got.stdout, "{what}: stdout bytes");
    assert_eq!(want.stderr, got.stderr, "{what}: stderr bytes");
}

#[test]
fn informational_options_match_ocamlrun() {
    let dir = scratch("info");
    for opt in ["-version", "-vnum", "-M"] {
        let (want, got) = both(&[opt], &[], &dir);
        assert_same(opt, &want, &got);
    }
}

/// `-config`'s lines as (key, value), and the shared library path's entries.
fn config_lines(out: &Output) -> (Vec<(String, String)>, Vec<String>) {
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let mut keys = Vec::new();
    let mut path = Vec::new();
    for line in text.lines() {
        match line.strip_prefix("  ") {
            Some(entry) => path.push(entry.to_string()),
            None => {
                let (k, v) = line.split_once(':').unwrap_or((line, ""));
                keys.push((k.to_string(), v.trim_start().to_string()));
            }
        }
    }
    (keys, path)
}

#[test]
fn config_has_ocamlrun_keys_in_its_order() {
    let dir = scratch("config");
    let stdlib = toolchain().join("lib/ocaml");
    let stdlib = stdlib.to_str().unwrap();
    // -I counts wherever it is, and an empty directory shows as ".".
    let args = ["-I", "first", "-config", "-I", "", "prog.byte"];
    let (want, got) = both(&args, &[("OCAMLLIB", stdlib)], &dir);
    let (want_keys, want_path) = config_lines(&want);
    let (got_keys, got_path) = config_lines(&got);
    let names = |v: &[(String, String)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(names(&want_keys), names(&got_keys));
    // Values may differ only where they describe warden: its build's default standard
    // library, and the features it does not have.
    let own = ["standard_library_default", "supports_afl", "supports_shared_libraries"];
    for ((k, want_v), (_, got_v)) in want_keys.iter().zip(&got_keys) {
        if !own.contains(&k.as_str()) {
            assert_eq!(want_v, got_v, "value of {k}");
        }
    }
    assert_eq!(want_path, got_path, "shared_libs_path");
    assert_eq!(&want_path[..2], ["first", "."]);

    // An unknown option after -config is still an error.
    let (want, got) = both(&["-config", "-zz"], &[], &dir);
    assert_same("-config -zz", &want, &got);
}

#[test]
fn files_that_are_not_bytecode_match_ocamlrun() {
    let dir = scratch("magic");
    let files: &[(&str, &[u8])] = &[
        ("empty", b""),
        ("short", b"0123456789abcde"),
        ("trailer16", b"0123456789abcdef"),
        ("binary", b"xxxxxxxxxxxxxxxx\x01\x02\xff\xfeABC\0DEF\n\t"),
        ("old", b"#!/bin/sh\nxxxxxxxxxxxxxxxxxxxxxxCaml1999X034"),
        ("text", b"let () = print_endline \"this is source, not bytecode\"\n"),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    std::fs::create_dir_all(dir.join("folder")).unwrap();
    let names = files.iter().map(|(n, _)| *n).chain(["folder", "missing"]);
    for name in names {
        let (want, got) = both(&[name], &[], &dir);
        assert_same(name, &want, &got);
        let (want, got) = both(&["-m", name], &[], &dir);
        assert_same(&format!("-m {name}"), &want, &got);
    }
}

/// `text` with every run of digits replaced by `N`.
fn mask_numbers(text: &[u8]) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in String::from_utf8_lossy(text).chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
    out
}

#[test]
fn gc_statistics_at_exit_have_ocamlrun_lines() {
    let dir = scratch("gcstats");
    let source = "\
let l = List.init 50_000 (fun i -> i)
let () = Printf.printf \"%d\\n\" (List.length l)
let () =
  match Sys.argv.(1) with
  | \"exit\" -> exit 3
  | \"raise\" -> failwith \"uncaught\"
  | \"on\" -> Gc.set { (Gc.get ()) with verbose = 0x400 }
  | \"off\" -> Gc.set { (Gc.get ()) with verbose = 0 }
  | _ -> ()
";
    std::fs::write(dir.join("stats.ml"), source).unwrap();
    let status = Command::new(toolchain().join("bin/ocamlc"))
        .args(["-o", "stats.byte", "stats.ml"])
        .current_dir(&dir)
        .status()
        .expect("run ocamlc");
    assert!(status.success());
    let verbose = [("OCAMLRUNPARAM", "v=0x400")];
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("end", &verbose),
        ("exit", &verbose),
        ("raise", &verbose),
        ("off", &verbose),
        ("on", &[]),
    ];
    for (mode, env) in cases {
        let (want, got) = both(&["stats.byte", mode], env, &dir);
        assert_eq!(want.status.code(), got.status.code(), "{mode}: status");
        assert_eq!(want.stdout, got.stdout, "{mode}: stdout");
        let (want_err, got_err) = (mask_numbers(&want.stderr), mask_numbers(&got.stderr));
        assert_eq!(want_err, got_err, "{mode}: stderr, numbers masked");
        if ["end", "exit", "on"].contains(mode) {
            assert_eq!(want_err.lines().count(), 9, "{mode}: nine lines from ocamlrun");
        }
    }
}
