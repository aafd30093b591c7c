//! Hostile executables, built by hand (`tests/support/exe.rs`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::exe::{Asm, Exe};
use warden::api::Op;

fn warden() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_warden"))
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-load");
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn a_built_program_runs() {
    let mut a = Asm::new();
    let out = a.label();
    a.op(Op::CONST1).jump(Op::BRANCHIF, out).op(Op::CONST0).bind(out).op(Op::STOP);
    let path = scratch("runs.byte");
    Exe::new(a.finish()).write(&path).unwrap();
    let out = Command::new(warden()).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
