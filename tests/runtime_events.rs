//! The ring file is the stock format both ways: a producer run by one runtime and a
//! consumer run by the other (stock `ocamlrun` and warden, in the four pairings) must print
//! what the stock pair prints. Programs in `tests/runtime_events/`, compiled with the stock
//! `ocamlc`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::toolchain::{repo_root, toolchain};

fn compile(prefix: &Path, dir: &Path, name: &str) -> PathBuf {
    // Compiled from a copy in the build folder, so that ocamlc's .cmi/.cmo land there.
    let src = dir.join(format!("{name}.ml"));
    std::fs::copy(
        repo_root().join("tests").join("runtime_events").join(format!("{name}.ml")),
        &src,
    )
    .expect("copy the program");
    let exe = dir.join(format!("{name}.byte"));
    let status = Command::new(prefix.join("bin").join("ocamlc"))
        .args(["-I", "+unix", "-I", "+runtime_events", "unix.cma", "runtime_events.cma"])
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .current_dir(dir)
        .status()
        .expect("run ocamlc");
    assert!(status.success(), "ocamlc {name}.ml failed");
    exe
}

/// Runs `exe` under `runtime` in `dir`; its stdout, after checking it succeeded.
fn run(runtime: &Path, exe: &Path, dir: &Path, args: &[&str]) -> String {
    let out = Command::new(runtime)
        .arg(exe)
        .args(args)
        .current_dir(dir)
        .env("OCAML_RUNTIME_EVENTS_PRESERVE", "1")
        .env_remove("OCAML_RUNTIME_EVENTS_START")
        .env_remove("OCAML_RUNTIME_EVENTS_DIR")
        .env_remove("OCAMLRUNPARAM")
        .stdin(Stdio::null())
        .output()
        .expect("run a program");
    assert!(
        out.status.success(),
        "{} {} failed: {}",
        runtime.display(),
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn ring_files_are_read_across_runtimes() {
    let prefix = toolchain();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(if cfg!(debug_assertions) {
        "runtime_events_debug"
    } else {
        "runtime_events_release"
    });
    std::fs::create_dir_all(&dir).expect("a build folder");
    let producer = compile(prefix, &dir, "producer");
    let consumer = compile(prefix, &dir, "consumer");
    let stock = prefix.join("bin").join("ocamlrun");
    let warden = PathBuf::from(env!("CARGO_BIN_EXE_warden"));
    let mut outputs = Vec::new();
    for (p, c) in [(&stock, &stock), (&stock, &warden), (&warden, &stock), (&warden, &warden)] {
        let pid = run(p, &producer, &dir, &[]);
        let pid = pid.trim();
        let seen = run(c, &consumer, &dir, &[pid]);
        let _ = std::fs::remove_file(dir.join(format!("{pid}.events")));
        outputs.push((p.file_name().unwrap().to_owned(), c.file_name().unwrap().to_owned(), seen));
    }
    let expected = &outputs[0].2;
    assert!(expected.contains("x.int 5"), "the stock pair read nothing: {expected}");
    for (p, c, seen) in &outputs[1..] {
        assert_eq!(seen, expected, "producer {p:?}, consumer {c:?}");
    }
}
