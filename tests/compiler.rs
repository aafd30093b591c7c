//! The stock compiler as a real program: `ocamlc.byte` run under warden must compile a
//! multi-module program (well over 1,000 lines) into a `.byte` file byte-identical to the one
//! it makes under the stock `ocamlrun`, with and without `-g`.

mod support;

use std::path::Path;
use std::process::Command;
use support::toolchain::{repo_root, toolchain};

/// Modules of the program, in link order: corpus programs used as library modules.
const MODULES: &[&str] = &[
    "algorithms.ml",
    "closures.ml",
    "functors.ml",
    "gadts.ml",
    "map_set.ml",
    "objects_classes.ml",
    "poly_variants.ml",
    "records_mut.ml",
    "hashtbl_ops.ml",
    "printf_ints.ml",
    "format_boxes.ml",
    "first_class_modules.ml",
    "list_ops.ml",
    "string_ops.ml",
    "currying.ml",
];

/// Compiles the program with `ocamlc.byte` run by `runtime`, in a fresh folder; returns the
/// bytes of the executable.
/// Both compilations happen in the same folder: with `-g` the output records it.
fn compile_with(runtime: &Path, debug: bool) -> Vec<u8> {
    // One folder per test process, so that concurrent test runs do not share it.
    let dir = repo_root().join("target").join("compiler-test").join(format!(
        "{}-{}",
        if debug { "debug-info" } else { "plain" },
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut names = Vec::new();
    let mut lines = 0;
    for m in MODULES {
        let text = std::fs::read_to_string(repo_root().join("tests/ocaml").join(m)).unwrap();
        lines += text.lines().count();
        // Module names must not clash with the main module.
        std::fs::write(dir.join(m), text).unwrap();
        names.push(m.to_string());
    }
    let main = "let () = print_endline \"all modules linked\"\n";
    std::fs::write(dir.join("main_prog.ml"), main).unwrap();
    names.push("main_prog.ml".into());
    assert!(lines >= 1000, "the program must have at least 1,000 lines (has {lines})");
    let ocamlc_byte = toolchain().join("bin/ocamlc.byte");
    let mut cmd = Command::new(runtime);
    cmd.arg(&ocamlc_byte).current_dir(&dir);
    if debug {
        cmd.arg("-g");
    }
    cmd.args(["-o", "prog.byte"]).args(&names);
    let out = cmd.output().expect("run ocamlc.byte");
    assert!(
        out.status.success(),
        "ocamlc.byte under {} failed ({:?}):\n{}{}",
        runtime.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(dir.join("prog.byte")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

fn check(debug: bool) {
    let stock = compile_with(&toolchain().join("bin/ocamlrun"), debug);
    let ours = compile_with(Path::new(env!("CARGO_BIN_EXE_warden")), debug);
    assert!(stock.len() > 10_000);
    if stock != ours {
        let first = stock
            .iter()
            .zip(&ours)
            .position(|(a, b)| a != b)
            .unwrap_or(stock.len().min(ours.len()));
        panic!(
            "executables differ: stock {} bytes, warden {} bytes, first difference at byte {first}",
            stock.len(),
            ours.len()
        );
    }
}

#[test]
fn ocamlc_byte_compiles_identically() {
    check(false);
}

#[test]
fn ocamlc_byte_compiles_identically_with_debug_info() {
    check(true);
}
