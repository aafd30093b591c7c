//! Fail-tests of the hardened profile: programs that corrupt the heap on purpose, each of
//! which must end with exit status 70, a report on stderr naming the expected check, and one
//! JSON line appended to the file named by `WARDEN_REPORT` (with the check, and the block when
//! the check is about one).
//!
//! Two kinds:
//! - `tests/fail/*.ml`: OCaml programs that corrupt the heap with unchecked operations
//!   (`Array.unsafe_set` out of bounds, `Obj.set_field` on code pointers, raw stores with
//!   `Obj.set_raw_field` ...), run under the warden cargo built (hardened in the dev profile);
//! - fault injection: the GC torture test (`tests/ocaml/gc_torture.ml`) under a warden built
//!   with `--features fault-injection` (built once, into `target/tmp/fault-build`), with one
//!   fault armed by `WARDEN_INJECT` at a fixed event (`WARDEN_INJECT_AT`).
//!
//! In production builds (`cargo test --release` without `hardened`) the checks do not exist:
//! these tests are skipped, and `release_binary_has_no_check_code` checks that they are
//! really absent from the binary.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use support::toolchain::{repo_root, toolchain};

/// Whether the warden under test carries the checks.
const HARDENED: bool = cfg!(any(debug_assertions, feature = "hardened"));

fn work_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hardened-fail");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Compiles `src` (a path under the repository) into a folder of its own for `test` (tests
/// run in parallel); returns the bytecode.
fn compile(src: &str, test: &str) -> PathBuf {
    let src = repo_root().join(src);
    let stem = src.file_stem().unwrap().to_string_lossy().to_string();
    let dir = work_dir().join(format!("{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&src, dir.join(format!("{stem}.ml"))).unwrap();
    let out = Command::new(toolchain().join("bin/ocamlc"))
        .args(["-w", "-a", "-o", &format!("{stem}.byte"), &format!("{stem}.ml")])
        .current_dir(&dir)
        .output()
        .expect("run ocamlc");
    assert!(
        out.status.success(),
        "ocamlc {stem}.ml failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join(format!("{stem}.byte"))
}

/// A warden built with fault injection (and the checks), once per test process.
fn fault_warden() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fault-build");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(repo_root()).arg("build").arg("--quiet").arg("--target-dir").arg(&target);
        let profile = if cfg!(debug_assertions) {
            cmd.args(["--features", "fault-injection"]);
            "debug"
        } else {
            cmd.args(["--release", "--features", "hardened,fault-injection"]);
            "release"
        };
        let out = cmd.output().expect("run cargo build");
        assert!(
            out.status.success(),
            "building the fault-injection warden failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        target.join(profile).join("warden")
    })
}

/// What one failing run produced.
struct Failure {
    status: Option<i32>,
    stderr: String,
    json: String,
}

fn run(warden: &Path, byte: &Path, args: &[&str], env: &[(&str, &str)]) -> Failure {
    let report = byte.with_extension("report.json");
    let _ = std::fs::remove_file(&report);
    let mut cmd = Command::new(warden);
    cmd.arg(byte)
        .args(args)
        .env("WARDEN_REPORT", &report)
        .env_remove("WARDEN_VERIFY")
        .env_remove("WARDEN_GC_EVERY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run warden");
    let json = std::fs::read_to_string(&report).unwrap_or_default();
    Failure {
        status: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        json,
    }
}

/// As `run`, but warden gets `limit` to end: past it, it is killed and the test fails (a
/// report must end the process whatever its other threads do, not leave it hanging).
fn run_within(warden: &Path, byte: &Path, args: &[&str], limit: std::time::Duration) -> Failure {
    use std::io::Read;
    let report = byte.with_extension("report.json");
    let _ = std::fs::remove_file(&report);
    let mut child = Command::new(warden)
        .arg(byte)
        .args(args)
        .env("WARDEN_REPORT", &report)
        .env_remove("WARDEN_VERIFY")
        .env_remove("WARDEN_GC_EVERY")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run warden");
    let mut pipe = child.stderr.take().expect("stderr pipe");
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = pipe.read_to_end(&mut s);
        s
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait for warden") {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = String::from_utf8_lossy(&reader.join().unwrap_or_default()).into_owned();
            panic!("warden did not end within {limit:?} of its start; stderr:\n{stderr}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let stderr = String::from_utf8_lossy(&reader.join().unwrap_or_default()).into_owned();
    Failure {
        status: status.code(),
        stderr,
        json: std::fs::read_to_string(&report).unwrap_or_default(),
    }
}

/// Asserts the report: exit 70, the check named on stderr and in one JSON line, a block when
/// `block`.
fn assert_report(f: &Failure, check: &str, block: bool) {
    let ctx = || format!("stderr:\n{}\nJSON:\n{}", f.stderr, f.json);
    assert_eq!(f.status, Some(70), "exit status; {}", ctx());
    assert!(
        f.stderr.contains(&format!("warden: hardened check failed: {check}: ")),
        "the report does not name check `{check}`; {}",
        ctx()
    );
    assert!(f.stderr.contains("Rust backtrace:"), "no Rust backtrace; {}", ctx());
    let lines: Vec<&str> = f.json.lines().collect();
    assert_eq!(lines.len(), 1, "expected one JSON line; {}", ctx());
    let line = lines[0];
    assert!(
        line.starts_with(&format!("{{\"check\":\"{check}\"")) && line.ends_with('}'),
        "JSON line; {}",
        ctx()
    );
    for key in
        ["\"summary\":", "\"phase\":", "\"minor_collections\":", "\"rust_backtrace\":[", "\"pid\":"]
    {
        assert!(line.contains(key), "JSON line lacks {key}; {}", ctx());
    }
    if block {
        let addr = f
            .stderr
            .lines()
            .find_map(|l| l.strip_prefix("  block:    "))
            .and_then(|rest| rest.split_whitespace().next())
            .filter(|a| {
                a.starts_with("0x") && a.len() > 2 && usize::from_str_radix(&a[2..], 16).is_ok()
            });
        let Some(addr) = addr else { panic!("the report names no block address; {}", ctx()) };
        assert!(
            line.contains(&format!("\"block\":\"{addr}\"")),
            "the JSON line does not name block {addr}; {}",
            ctx()
        );
    }
}

fn fail_program(name: &str, check: &str, block: bool) -> Option<Failure> {
    fail_program_with(name, &[], check, block)
}

/// Runs `tests/fail/{name}.ml` and asserts the report; returns the run for further checks
/// (`None` in production builds, where the test is skipped).
fn fail_program_with(
    name: &str,
    env: &[(&str, &str)],
    check: &str,
    block: bool,
) -> Option<Failure> {
    if !HARDENED {
        eprintln!("skipped: production build (no checks)");
        return None;
    }
    let byte = compile(&format!("tests/fail/{name}.ml"), name);
    let f = run(Path::new(env!("CARGO_BIN_EXE_warden")), &byte, &[], env);
    assert_report(&f, check, block);
    Some(f)
}

#[test]
fn canary_after_young_block() {
    run_with_stubs("canary_minor", "canary", true);
}

#[test]
fn canary_after_major_block() {
    run_with_stubs("canary_major", "canary", true);
}

#[test]
fn overwritten_header() {
    run_with_stubs("bad_header", "bad-header", true);
}

#[test]
fn broken_frame_in_the_minor_arena() {
    run_with_stubs("minor_heap", "minor-heap", true);
}

#[test]
fn unremembered_young_pointer() {
    fail_program_with("remembered_set", &[("WARDEN_VERIFY", "every")], "remembered-set", true);
}

#[test]
fn uninitialised_field() {
    fail_program("uninitialised", "uninitialised-read", true);
}

#[test]
fn marked_block_points_to_unmarked() {
    run_with_stubs("black_to_white", "black-to-white", true);
}

/// A large block shrunk in place with a consistent frame passes every frame check; the census
/// at the end of the major cycle finds its header one word short of the size it was allocated
/// with, and names it.
#[test]
fn large_block_shrunk_behind_the_heaps_back() {
    let Some(f) = run_with_stubs("heap_accounting", "heap-accounting", true) else { return };
    let ctx = || format!("stderr:\n{}\nJSON:\n{}", f.stderr, f.json);
    assert!(
        f.json.contains("\"summary\":\"a large block's header gives a size other than the one it was allocated with\""),
        "not the large-block size check; {}",
        ctx()
    );
    // expected "N words (allocated)", found "N-1 words (header)": exactly the one word cut off.
    let number = |key: &str| -> usize {
        let rest = f
            .json
            .split(&format!("\"{key}\":\""))
            .nth(1)
            .unwrap_or_else(|| panic!("no {key}; {}", ctx()));
        rest.split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{key} is not a word count; {}", ctx()))
    };
    assert_eq!(
        number("found") + 1,
        number("expected"),
        "the census should be one word short; {}",
        ctx()
    );
}

/// Following a poison word faults; the fault handler turns the crash into a report.
#[test]
fn poison_followed_as_pointer() {
    fail_program("poison_deref", "use-after-free", false);
}

#[test]
fn pointer_into_a_block() {
    fail_program("bad_pointer", "bad-pointer", true);
}

/// A field read past a block's end (see tests/hostile_access.rs for every access check).
#[test]
fn field_past_the_end() {
    fail_program("bad_access", "bad-access", false);
}

#[test]
fn forged_code_pointer() {
    fail_program("code_pointer", "code-pointer", true);
}

/// A failed check in one domain while the others run, spin, allocate, wait on a condition
/// or in `Domain.join`: `arg` picks a check found by the heap verification (`pointer`) or a
/// fault the fault handler explains (`poison`). The process must end with the report, at
/// once.
fn report_with_domains(arg: &str, check: &str, block: bool) {
    if !HARDENED {
        eprintln!("skipped: production build (no checks)");
        return;
    }
    let byte = compile("tests/fail/report_with_domains.ml", &format!("report_with_domains-{arg}"));
    let warden = Path::new(env!("CARGO_BIN_EXE_warden"));
    let f = run_within(warden, &byte, &[arg], std::time::Duration::from_secs(60));
    assert_report(&f, check, block);
}

#[test]
fn report_ends_every_domain() {
    report_with_domains("pointer", "bad-pointer", true);
}

#[test]
fn fault_report_ends_every_domain() {
    report_with_domains("poison", "use-after-free", false);
}

/// Runs `src` (with `args`) under the fault-injection warden with fault `name` armed at event
/// `at`, and asserts the report.
fn fault_in(src: &str, args: &[&str], name: &str, at: &str, check: &str, block: bool) {
    if !HARDENED {
        eprintln!("skipped: production build (no checks)");
        return;
    }
    let byte = compile(src, &format!("{name}-{check}"));
    let f = run(
        fault_warden(),
        &byte,
        args,
        &[("OCAMLRUNPARAM", "s=4096"), ("WARDEN_INJECT", name), ("WARDEN_INJECT_AT", at)],
    );
    assert!(
        f.stderr.contains(&format!("warden: fault injected: {name}")),
        "the fault did not fire:\n{}",
        f.stderr
    );
    assert_report(&f, check, block);
    assert!(
        f.json.contains(&format!("\"fault\":{{\"name\":\"{name}\"")),
        "the JSON line does not name the fault:\n{}",
        f.json
    );
}

/// The GC torture test (seed 1, one round) under fault `name`.
fn fault(name: &str, at: &str, check: &str, block: bool) {
    fault_in("tests/ocaml/gc_torture.ml", &["1", "1"], name, at, check, block);
}

#[test]
fn fault_short_alloc() {
    fault("short-alloc", "3", "canary", true);
}

#[test]
fn fault_no_write_barrier() {
    fault("no-write-barrier", "3", "remembered-set", false);
}

#[test]
fn fault_lost_root() {
    fault("lost-root", "3", "use-after-free", false);
}

#[test]
fn fault_early_sweep() {
    fault("early-sweep", "3", "use-after-free", true);
}

#[test]
fn fault_stale_code() {
    fault("stale-code", "1", "code-table", false);
}

/// A write through the stale pointer `lost-root` leaves, into the evacuated minor arena, is
/// found when that memory is handed out again.
#[test]
fn write_after_free() {
    fault_in("tests/fail/write_after_free.ml", &[], "lost-root", "1", "write-after-free", true);
}

/// Builds the buggy stub library `tests/fail/stubs/wfail.c` and the program
/// `tests/fail/stubs/{name}.ml` linked with it, runs it, and asserts the report, which must
/// also contain `names` (the C primitive, or the allocation site of the stub's block).
fn fail_stub(name: &str, check: &str, names: &str) {
    let Some(f) = run_with_stubs(name, check, false) else { return };
    assert!(f.stderr.contains(names), "the report does not name {names}:\n{}", f.stderr);
}

/// Builds `tests/fail/stubs/{name}.ml` with the stub library, runs it and asserts the report
/// (`block`: it names a block); `None` in production builds, where the test is skipped.
fn run_with_stubs(name: &str, check: &str, block: bool) -> Option<Failure> {
    if !HARDENED {
        eprintln!("skipped: production build (no checks)");
        return None;
    }
    let dir = work_dir().join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["wfail.c", &format!("{name}.ml")] {
        std::fs::copy(repo_root().join("tests/fail/stubs").join(f), dir.join(f)).unwrap();
    }
    let bin = toolchain().join("bin");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let d = dir.to_str().unwrap();
    let (ml, byte) = (format!("{name}.ml"), format!("{name}.byte"));
    let steps: [Vec<&str>; 3] = [
        vec!["ocamlc", "-c", "wfail.c"],
        vec!["ocamlmklib", "-o", "wfail", "wfail.o"],
        vec!["ocamlc", "-dllib", "-lwfail", "-dllpath", d, &ml, "-o", &byte],
    ];
    for step in steps {
        let out = Command::new(bin.join(step[0]))
            .args(&step[1..])
            .current_dir(&dir)
            .env("PATH", &path)
            .output()
            .expect("run the OCaml tools");
        assert!(out.status.success(), "{step:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let f =
        run(Path::new(env!("CARGO_BIN_EXE_warden")), &dir.join(format!("{name}.byte")), &[], &[]);
    assert_report(&f, check, block);
    Some(f)
}

#[test]
fn stub_without_camlreturn() {
    fail_stub("stub_local_roots", "local-roots", "wfail_unbalanced");
}

#[test]
fn stub_finalizer_allocating() {
    fail_stub("stub_finalizer", "custom-finalizer", "wfail.bad_finalizer");
}

/// Found when the stub returns: the report names the stub as the block's allocation site.
#[test]
fn stub_writing_past_its_block() {
    fail_stub("stub_canary", "canary", "allocated by the C primitive wfail_overflow");
}

/// A stale copy of a young block (its arena evacuated by a callback) returned by the stub.
#[test]
fn stub_returning_an_unrooted_value() {
    let Some(f) = run_with_stubs("stub_unrooted", "unrooted-value", true) else { return };
    assert!(
        f.stderr.contains("wfail_unrooted"),
        "the report does not name the stub:\n{}",
        f.stderr
    );
    assert!(f.stderr.contains("OCaml stack (bytecode pcs"), "no OCaml stack:\n{}", f.stderr);
}

/// A stale copy of a major block (swept during a callback) stored into with caml_modify.
#[test]
fn stub_storing_into_an_unrooted_block() {
    fail_stub("stub_unrooted_major", "unrooted-value", "wfail_unrooted_major");
}

/// A young value stored into a major block with a plain store, found when the stub returns.
#[test]
fn stub_storing_without_caml_modify() {
    fail_stub("stub_remembered", "remembered-set", "wfail_store_young");
}

#[test]
fn stub_allocating_in_blocking_section() {
    fail_stub("stub_blocking", "blocking-section", "wfail_alloc_in_blocking");
}

/// Every check the runtime can report (`Check::ALL`) is asserted by a test of this file: its
/// name appears as the `check` argument of `fail_program`, `fault` or `fault_in`.
#[cfg(any(debug_assertions, feature = "hardened"))]
#[test]
fn every_check_has_a_fail_test() {
    let source = include_str!("hardened_fail.rs");
    let missing: Vec<&str> = warden::api::Check::ALL
        .iter()
        .map(|c| c.name())
        .filter(|name| !source.contains(&format!(", \"{name}\", ")))
        .collect();
    assert!(missing.is_empty(), "checks without a fail-test: {missing:?}");
}

/// Symbols of the check module's hardened half (the twin `disabled` is all inline).
const CHECK_SYMBOLS: [&str; 5] =
    ["check::enabled", "check::verify", "check::report", "check::canary", "check::signal"];

fn symbols(bin: &Path) -> Option<String> {
    let out = Command::new("nm").arg("-C").arg(bin).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// In production the binary holds no code of the check module; in hardened builds it does
/// (which shows the symbol search works).
#[test]
fn release_binary_has_no_check_code() {
    let bin = Path::new(env!("CARGO_BIN_EXE_warden"));
    let Some(syms) = symbols(bin) else {
        eprintln!("skipped: nm is not available");
        return;
    };
    assert!(
        syms.contains("warden::interp::run::interpret"),
        "the binary has no symbols to search: {}",
        bin.display()
    );
    let found: Vec<&str> =
        syms.lines().filter(|l| CHECK_SYMBOLS.iter().any(|s| l.contains(s))).collect();
    if HARDENED {
        assert!(!found.is_empty(), "a hardened binary should hold the checks");
    } else {
        assert!(found.is_empty(), "the production binary holds check code:\n{}", found.join("\n"));
    }
}
