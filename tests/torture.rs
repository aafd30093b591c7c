//! A short version of the GC torture sweep: 10 seeded runs of tests/ocaml/gc_torture.ml
//! under the warden built by cargo, with the strict statistics checks on, at the default
//! minor heap size and at `s=4096`. The 200-run sweeps are `scripts/torture-sweeps.sh`.

mod support;

use std::process::Command;
use support::toolchain::repo_root;

fn sweep(runs: usize, minor: Option<&str>) {
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("scripts/torture.sh")).arg(runs.to_string()).args([
        "--runtime",
        env!("CARGO_BIN_EXE_warden"),
        "--rounds",
        "2",
    ]);
    if let Some(m) = minor {
        cmd.args(["--minor-heap", m, "--seed", "101"]);
    }
    let out = cmd.output().expect("run scripts/torture.sh");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains(&format!("{runs} passed, 0 failed")),
        "torture sweep failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn torture_default_minor_heap() {
    sweep(5, None);
}

#[test]
fn torture_small_minor_heap() {
    sweep(5, Some("4096"));
}
