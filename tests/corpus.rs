//! The OCaml corpus: every program in `tests/ocaml/` is compiled with the stock `ocamlc`
//! (once plain, once with `-g`), run under the stock `ocamlrun` and under warden with the same
//! arguments, stdin, environment and kind of working directory, and the two runs must agree
//! byte for byte on stdout, stderr and exit status.
//!
//! The conventions a program follows (sidecar files, multi-file programs, ocamllex and
//! ocamlyacc) are written in `tests/ocaml/README.md`. There is one `#[test]` per program, so
//! `cargo test --test corpus closures` runs one of them; `corpus_list_is_complete` fails when
//! a program on disk is missing from the list below (or the other way round).
//!
//! Settings, all optional:
//! - `WARDEN_OCAML_PREFIX`: where `scripts/ocaml-toolchain.sh` finds or installs the oracle.
//! - `WARDEN_CORPUS_RUNTIME`: run this runtime instead of the warden built by cargo.
//! - `WARDEN_CORPUS_ORACLE`: compare with this `ocamlrun` instead of the stock toolchain's
//!   (which still compiles the programs): `sanitizers/musl.sh` passes one built with musl, so
//!   that the musl build is compared with a runtime on the same libm (docs/sanitizers.md).
//! - `WARDEN_CORPUS_TIMEOUT`: seconds before a run is killed and counted as failed (60).
//! - `WARDEN_CORPUS_MAX_TIMEOUTS`: after this many warden timeouts (4), the remaining
//!   programs fail at once instead of being run.
//! - `WARDEN_CORPUS_CHECK_STOCK=1`: also run the stock runtime twice and fail if its own
//!   output differs between runs (for corpus authors: catches non-deterministic programs).
//!
//! Everything a run produced is kept under `target/tmp/corpus/<profile>/<program>/<variant>/`
//! (`run-ocamlrun/` and `run-warden/` hold `stdout`, `stderr` and the program's working
//! directory), and a mismatch report names that folder and the command to reproduce it.

mod support;

use std::collections::hash_map::DefaultHasher;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};
use support::toolchain::{repo_root, toolchain};

/// Declares the corpus: one test function per program, and the list the completeness test
/// compares with the directory.
macro_rules! corpus {
    ($($name:ident)*) => {
        /// Every program of the corpus, by name.
        const PROGRAMS: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            fn $name() {
                run_program(stringify!($name));
            }
        )*
    };
}

corpus! {
    // domains (several at once)
    domain_spawn_join domain_mutex_condition domain_atomics domain_many domain_parallel_map
    domain_gc_shared gc_torture domain_dls_split domain_limit domain_effects
    domain_shared_structures domain_exit_codes domain_barrier domain_deep_stacks
    domain_io_blocking domain_minor_heap_size effect_cross_domain effect_cross_domain_deep
    effect_scheduler_domains lazy_cross_domain domain_minor_shared_young
    // functions and control
    closures currying partial_application_wide recursion_mutual recursion_deep stack_overflow
    stack_overflow_env
    tail_loops fun_protect effects_basic effects_generators effects_callstack effect_unlinked
    algorithms
    pattern_matching
    modules_recursive unsafe_flag
    // exceptions and exits
    exceptions_basic exceptions_arith exceptions_bounds printexc_custom backtrace_inside
    exit_code at_exit_order uncaught_not_found uncaught_backtrace uncaught_custom
    uncaught_failure
    // the type system at run time
    objects_classes objects_immediate objects_dispatch first_class_modules functors gadts poly_variants
    records_mut float_records float_arrays obj_repr builtin_prims
    // formatted text
    printf_ints printf_floats printf_number_sweep printf_misc format_boxes format_printers scanf_basic
    scanf_stdin
    // data structures
    buffer_ops hashtbl_ops hashtbl_hash map_set queue_stack list_ops big_lists array_sort
    seq_ops option_result_either lazy_values large_blocks out_of_memory
    // strings and numbers
    string_ops string_eq_blit bytes_ops bytes_fill_blit_edges char_uchar_utf8 int_arith int32_ops
    int64_ops nativeint_ops int_of_string_edges float_conv float_math compare_equality
    compare_deep_pending
    // input, output, system
    marshal_basic marshal_channels file_io stdin_lines stdin_binary channels_modules sys_env
    signals signal_backtrace signal_exit signal_exit_fiber signal_segv signal_finaliser_order
    // runtime services
    gc_finalise gc_control gc_minor_words weak_ephemeron random_ops digest_ops domain_single bigarray_kinds
    memprof_counts memprof_threads
    bigarray_ops
    // generated code
    lexer_parser lexer_words
    unix_files unix_files_map unix_map_file_unmap
    unix_fs_basic unix_fs_edges
    unix_signal_mask unix_signal_blocked_domain unix_process unix_process_signals unix_process_time unix_process_users unix_process_domain
    unix_sockets unix_sockets_netdb unix_sockets_domains
    str_match_syntax str_search_replace str_split str_backtracking str_domains
    threads_basic threads_uncaught threads_preempt threads_gc threads_signals threads_fork threads_fork_channel
    threads_callstack threads_handoff_gc
    // runtime events (the Runtime_events library's producer and consumer)
    runtime_events_gc runtime_events_user runtime_events_domains
}

/// How long a run may take before it is killed (seconds).
const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// After this many warden runs timed out, the remaining programs fail without running,
/// so that a warden that hangs everywhere fails the suite in minutes, not hours.
const DEFAULT_MAX_TIMEOUTS: usize = 4;
/// Warden runs that timed out so far in this test process.
static TIMEOUTS: AtomicUsize = AtomicUsize::new(0);
/// At most this much of each output stream is kept; the rest is read and dropped.
const OUTPUT_CAP: usize = 64 << 20;
/// How long to wait for a process's pipes to close after it ended.
const PIPE_GRACE: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------------
// Locations and the toolchain

fn corpus_dir() -> PathBuf {
    repo_root().join("tests").join("ocaml")
}

/// Where compiled programs and run outputs go; split by profile so that `cargo test` and
/// `cargo test --release` never share a folder.
fn build_root() -> PathBuf {
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus").join(profile)
}

fn tool(name: &str) -> PathBuf {
    toolchain().join("bin").join(name)
}

/// The runtime whose runs are the expected ones.
fn oracle() -> PathBuf {
    match std::env::var_os("WARDEN_CORPUS_ORACLE") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => tool("ocamlrun"),
    }
}

/// The runtime under test.
fn warden() -> PathBuf {
    match std::env::var_os("WARDEN_CORPUS_RUNTIME") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_warden")),
    }
}

fn max_timeouts() -> usize {
    std::env::var("WARDEN_CORPUS_MAX_TIMEOUTS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(DEFAULT_MAX_TIMEOUTS)
}

fn timeout() -> Duration {
    let secs = std::env::var("WARDEN_CORPUS_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(DEFAULT_TIMEOUT_SECS);
    Duration::from_secs(secs)
}

// ---------------------------------------------------------------------------------------------
// Reading a program's description

/// One program of the corpus and its sidecar files.
struct Program {
    name: String,
    /// Source files copied into the build folder (absolute paths).
    sources: Vec<PathBuf>,
    /// Build steps in order: `.mll` and `.mly` are generated, the rest compiled (file names).
    order: Vec<String>,
    /// Extra `ocamlc` flags (`NAME.flags`).
    flags: Vec<String>,
    /// Command-line arguments after the program (`NAME.args`).
    args: Vec<String>,
    /// Extra environment (`NAME.env`).
    env: Vec<(String, String)>,
    /// File piped to stdin (`NAME.stdin`); stdin is empty otherwise.
    stdin: Option<PathBuf>,
}

/// The lines of a sidecar file, without blank lines and `#` comments; empty when absent.
fn sidecar_lines(path: &Path) -> Vec<String> {
    match fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    }
}

impl Program {
    fn load(name: &str) -> Program {
        let dir = corpus_dir();
        let single = dir.join(format!("{name}.ml"));
        let multi = dir.join(name);
        let (sources, order) = if single.is_file() {
            (vec![single], vec![format!("{name}.ml")])
        } else if multi.is_dir() {
            let list = multi.join("files");
            let order = sidecar_lines(&list);
            assert!(!order.is_empty(), "{} is missing or empty", list.display());
            let mut sources: Vec<PathBuf> = fs::read_dir(&multi)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", multi.display()))
                .map(|e| e.expect("directory entry").path())
                .filter(|p| p.is_file())
                .collect();
            sources.sort();
            for file in &order {
                assert!(
                    multi.join(file).is_file(),
                    "{} lists {file}, which is not there",
                    list.display()
                );
            }
            (sources, order)
        } else {
            panic!(
                "no program {name}: neither {} nor {}/ exists",
                single.display(),
                multi.display()
            );
        };
        let env = sidecar_lines(&dir.join(format!("{name}.env")))
            .into_iter()
            .map(|line| match line.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => panic!("{name}.env: `{line}` is not KEY=VALUE"),
            })
            .collect();
        let stdin = dir.join(format!("{name}.stdin"));
        Program {
            name: name.to_string(),
            sources,
            order,
            flags: sidecar_lines(&dir.join(format!("{name}.flags"))),
            args: sidecar_lines(&dir.join(format!("{name}.args"))),
            env,
            stdin: stdin.is_file().then_some(stdin),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Compiling

/// The two ways every program is compiled.
#[derive(Clone, Copy)]
enum Variant {
    Plain,
    Debug,
}

impl Variant {
    fn label(self) -> &'static str {
        match self {
            Variant::Plain => "plain",
            Variant::Debug => "g",
        }
    }
}

fn run_tool(cmd: &mut Command, what: &str) {
    let out =
        cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    if !out.status.success() {
        panic!(
            "{what} failed ({})\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Compiles `program` into `dir/NAME.byte` unless the same sources, flags and toolchain
/// already produced it; returns the bytecode's path.
fn compile(program: &Program, variant: Variant, dir: &Path) -> PathBuf {
    let byte = dir.join(format!("{}.byte", program.name));
    let stamp_path = dir.join("stamp");
    let mut recipe = DefaultHasher::new();
    toolchain().hash(&mut recipe);
    variant.label().hash(&mut recipe);
    program.flags.hash(&mut recipe);
    program.order.hash(&mut recipe);
    for src in &program.sources {
        src.file_name().hash(&mut recipe);
        fs::read(src)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", src.display()))
            .hash(&mut recipe);
    }
    let stamp = format!("{:016x}\n", recipe.finish());
    if byte.is_file() && fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str()) {
        return byte;
    }

    let src_dir = dir.join("src");
    let _ = fs::remove_dir_all(&src_dir);
    let _ = fs::remove_file(&stamp_path);
    let _ = fs::remove_file(&byte);
    fs::create_dir_all(&src_dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", src_dir.display()));
    for src in &program.sources {
        let to = src_dir.join(src.file_name().expect("file name"));
        fs::copy(src, &to).unwrap_or_else(|e| panic!("cannot copy {}: {e}", src.display()));
    }

    let mut units = Vec::new();
    for file in &program.order {
        if let Some(stem) = file.strip_suffix(".mll") {
            run_tool(
                Command::new(tool("ocamllex")).arg("-q").arg(file).current_dir(&src_dir),
                &format!("ocamllex {file}"),
            );
            units.push(format!("{stem}.ml"));
        } else if let Some(stem) = file.strip_suffix(".mly") {
            run_tool(
                Command::new(tool("ocamlyacc")).arg(file).current_dir(&src_dir),
                &format!("ocamlyacc {file}"),
            );
            units.push(format!("{stem}.mli"));
            units.push(format!("{stem}.ml"));
        } else {
            units.push(file.clone());
        }
    }
    let mut ocamlc = Command::new(tool("ocamlc"));
    ocamlc.current_dir(&src_dir);
    if let Variant::Debug = variant {
        ocamlc.arg("-g");
    }
    ocamlc.args(&program.flags).arg("-o").arg(&byte).args(&units);
    run_tool(&mut ocamlc, &format!("ocamlc for {} ({})", program.name, variant.label()));
    fs::write(&stamp_path, stamp).expect("write stamp");
    byte
}

// ---------------------------------------------------------------------------------------------
// Running

/// How a run ended.
#[derive(PartialEq, Eq, Debug, Clone)]
enum Ending {
    Exit(i32),
    Signal(i32),
    TimedOut(u64),
    SpawnFailed(String),
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ending::Exit(code) => write!(f, "exit status {code}"),
            Ending::Signal(sig) => write!(f, "killed by signal {sig}{}", signal_name(*sig)),
            Ending::TimedOut(secs) => write!(f, "timed out after {secs} s (killed)"),
            Ending::SpawnFailed(msg) => write!(f, "could not start: {msg}"),
        }
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        4 => " (SIGILL)",
        6 => " (SIGABRT)",
        7 => " (SIGBUS)",
        8 => " (SIGFPE)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        13 => " (SIGPIPE)",
        15 => " (SIGTERM)",
        _ => "",
    }
}

fn ending_of(status: ExitStatus) -> Ending {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => Ending::Exit(code),
        (None, Some(sig)) => Ending::Signal(sig),
        (None, None) => Ending::Exit(-1),
    }
}

/// What one run produced.
struct Outcome {
    ending: Ending,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    elapsed: Duration,
    /// The runtime binary, the working directory, and a shell line that reproduces the run.
    run_dir: PathBuf,
    command_line: String,
}

/// Reads a stream to its end on a thread of its own, keeping at most `OUTPUT_CAP` bytes;
/// the bytes arrive on the returned channel when the stream closes.
fn drain(mut stream: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 1 << 16];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    let room = OUTPUT_CAP.saturating_sub(kept.len());
                    kept.extend_from_slice(&chunk[..n.min(room)]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        let _ = tx.send(kept);
    });
    rx
}

/// The drained bytes of a stream, waiting until `deadline` at most: a stray grandchild
/// that keeps the pipe open after the process ended must not block the suite.
fn collect(rx: &mpsc::Receiver<Vec<u8>>, deadline: Instant) -> Vec<u8> {
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(bytes) => bytes,
        Err(_) => b"[corpus harness: the pipe stayed open after the process ended]\n".to_vec(),
    }
}

/// Waits for `child` until `limit`, killing it when the time is up.
fn wait_with_deadline(child: &mut Child, limit: Duration) -> Ending {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return ending_of(status),
            Ok(None) => {}
            Err(e) => return Ending::SpawnFailed(format!("wait failed: {e}")),
        }
        if start.elapsed() >= limit {
            let _ = child.kill();
            let _ = child.wait();
            return Ending::TimedOut(limit.as_secs());
        }
        thread::sleep(Duration::from_millis(5));
    }
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Runs `runtime byte args...` in a fresh working directory `run_dir/cwd`, with a fresh
/// `TMPDIR` and a fixed environment, and records stdout and stderr beside it.
fn run_once(runtime: &Path, byte: &Path, program: &Program, run_dir: &Path) -> Outcome {
    let _ = fs::remove_dir_all(run_dir);
    let cwd = run_dir.join("cwd");
    let tmp = run_dir.join("tmp");
    fs::create_dir_all(&cwd).expect("create run folder");
    fs::create_dir_all(&tmp).expect("create run tmp folder");

    // The same environment for both runtimes: nothing inherited that could change what a
    // program or a runtime does, except PATH, HOME, and warden's own diagnostics settings.
    let mut env: Vec<(String, OsString)> = Vec::new();
    for key in ["PATH", "HOME"] {
        if let Some(v) = std::env::var_os(key) {
            env.push((key.to_string(), v));
        }
    }
    for (key, value) in std::env::vars_os() {
        if let Some(key) = key.to_str() {
            if key.starts_with("WARDEN_")
                && !key.starts_with("WARDEN_CORPUS_")
                && key != "WARDEN_OCAML_PREFIX"
                || key == "RUST_BACKTRACE"
                || key == "RUST_LOG"
            {
                env.push((key.to_string(), value));
            }
        }
    }
    env.push(("TMPDIR".into(), tmp.clone().into_os_string()));
    env.push(("LC_ALL".into(), "C".into()));
    for (k, v) in &program.env {
        env.retain(|(key, _)| key != k);
        env.push((k.clone(), v.into()));
    }

    let mut line = format!("cd {} && env -i", shell_quote(&cwd.to_string_lossy()));
    for (k, v) in &env {
        if k == "PATH" || k == "HOME" {
            let _ = write!(line, " {k}=\"${k}\"");
        } else {
            let _ = write!(line, " {}", shell_quote(&format!("{k}={}", v.to_string_lossy())));
        }
    }
    let _ = write!(
        line,
        " {} {}",
        shell_quote(&runtime.to_string_lossy()),
        shell_quote(&byte.to_string_lossy())
    );
    for a in &program.args {
        let _ = write!(line, " {}", shell_quote(a));
    }
    if let Some(stdin) = &program.stdin {
        let _ = write!(line, " < {}", shell_quote(&stdin.to_string_lossy()));
    }

    let mut cmd = Command::new(runtime);
    cmd.arg(byte).args(&program.args).current_dir(&cwd).env_clear();
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    match &program.stdin {
        Some(path) => {
            let file = fs::File::open(path)
                .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
            cmd.stdin(Stdio::from(file));
        }
        None => {
            cmd.stdin(Stdio::null());
        }
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());

    let start = Instant::now();
    let (ending, stdout, stderr) = match cmd.spawn() {
        Err(e) => {
            (Ending::SpawnFailed(format!("{}: {e}", runtime.display())), Vec::new(), Vec::new())
        }
        Ok(mut child) => {
            let out = drain(child.stdout.take().expect("stdout pipe"));
            let err = drain(child.stderr.take().expect("stderr pipe"));
            let ending = wait_with_deadline(&mut child, timeout());
            let grace = Instant::now() + PIPE_GRACE;
            (ending, collect(&out, grace), collect(&err, grace))
        }
    };
    let elapsed = start.elapsed();
    let _ = fs::write(run_dir.join("stdout"), &stdout);
    let _ = fs::write(run_dir.join("stderr"), &stderr);
    let _ = fs::write(run_dir.join("command"), format!("{line}\n"));
    let _ = fs::write(run_dir.join("ending"), format!("{ending}\n"));
    Outcome { ending, stdout, stderr, elapsed, run_dir: run_dir.to_path_buf(), command_line: line }
}

// ---------------------------------------------------------------------------------------------
// Comparing and reporting

/// Shows bytes as text, escaping what a terminal would hide.
fn visible(bytes: &[u8]) -> String {
    let mut s = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\t' => s.push_str("\\t"),
                '\r' => s.push_str("\\r"),
                c if c.is_control() => {
                    let _ = write!(s, "\\x{:02x}", c as u32);
                }
                c => s.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(s, "\\x{b:02x}");
        }
    }
    s
}

/// Describes how `got` differs from `want`: the first differing line with a little context.
fn describe_difference(want: &[u8], got: &[u8]) -> String {
    const CONTEXT: usize = 3;
    const MAX_LINES: usize = 12;
    let want_lines: Vec<&[u8]> = want.split_inclusive(|&b| b == b'\n').collect();
    let got_lines: Vec<&[u8]> = got.split_inclusive(|&b| b == b'\n').collect();
    let first = want_lines.iter().zip(&got_lines).take_while(|(a, b)| a == b).count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "      {} bytes / {} lines from ocamlrun, {} bytes / {} lines from warden; first difference at line {}",
        want.len(),
        want_lines.len(),
        got.len(),
        got_lines.len(),
        first + 1
    );
    let from = first.saturating_sub(CONTEXT);
    for (who, lines) in [("ocamlrun", &want_lines), ("warden  ", &got_lines)] {
        let _ = writeln!(out, "      {who}:");
        let end = lines.len().min(first + MAX_LINES - CONTEXT);
        for (i, l) in lines.iter().enumerate().take(end).skip(from) {
            let mark = if i >= first { '>' } else { ' ' };
            let text = l.strip_suffix(b"\n").unwrap_or(l);
            let eol = if l.ends_with(b"\n") { "" } else { "  (no newline)" };
            let _ = writeln!(out, "      {mark}{:5} | {}{eol}", i + 1, visible(text));
        }
        if lines.len() > end {
            let _ = writeln!(out, "       ... {} more lines", lines.len() - end);
        } else if lines.len() <= first {
            let _ = writeln!(out, "       (output ends before line {})", first + 1);
        }
    }
    out
}

/// The differences between a reference run and a tested run, or nothing when they agree.
fn compare(want: &Outcome, got: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if want.ending != got.ending {
        problems.push(format!(
            "    ending: ocamlrun gave {}, warden gave {}\n",
            want.ending, got.ending
        ));
    }
    for (stream, w, g) in
        [("stdout", &want.stdout, &got.stdout), ("stderr", &want.stderr, &got.stderr)]
    {
        if w != g {
            problems.push(format!("    {stream} differs:\n{}", describe_difference(w, g)));
        }
    }
    problems
}

/// Compiles and runs one program in both variants under both runtimes; panics with a report
/// of every difference.
fn run_program(name: &str) {
    let program = Program::load(name);
    let stock = oracle();
    let tested = warden();
    let check_stock = std::env::var("WARDEN_CORPUS_CHECK_STOCK").is_ok_and(|v| v == "1");
    let mut report = String::new();
    for variant in [Variant::Plain, Variant::Debug] {
        let dir = build_root().join(name).join(variant.label());
        fs::create_dir_all(&dir).expect("create build folder");
        let byte = compile(&program, variant, &dir);
        let want = run_once(&stock, &byte, &program, &dir.join("run-ocamlrun"));
        if !matches!(want.ending, Ending::Exit(_)) {
            panic!(
                "{name} ({}): the stock ocamlrun itself failed: {}\n  stderr: {}\n  reproduce: {}",
                variant.label(),
                want.ending,
                visible(&want.stderr),
                want.command_line
            );
        }
        if check_stock {
            let again = run_once(&stock, &byte, &program, &dir.join("run-ocamlrun-again"));
            let diff = compare(&want, &again);
            assert!(
                diff.is_empty(),
                "{name} ({}): not deterministic under ocamlrun:\n{}",
                variant.label(),
                diff.concat()
            );
        }
        let seen = TIMEOUTS.load(Ordering::Relaxed);
        if seen >= max_timeouts() {
            let _ = writeln!(
                report,
                "\n== {name} ({}): not run under warden: it already timed out {seen} times in this test run \
                 (WARDEN_CORPUS_MAX_TIMEOUTS={})",
                variant.label(),
                max_timeouts()
            );
            continue;
        }
        let got = run_once(&tested, &byte, &program, &dir.join("run-warden"));
        let timed_out = matches!(got.ending, Ending::TimedOut(_));
        if timed_out {
            TIMEOUTS.fetch_add(1, Ordering::Relaxed);
        }
        let problems = compare(&want, &got);
        if !problems.is_empty() {
            let _ = writeln!(
                report,
                "\n== {name} ({}): warden differs from ocamlrun ({:.2} s vs {:.2} s)",
                variant.label(),
                want.elapsed.as_secs_f64(),
                got.elapsed.as_secs_f64()
            );
            for p in problems {
                report.push_str(&p);
            }
            let _ = writeln!(
                report,
                "    outputs kept in {} and {}",
                want.run_dir.display(),
                got.run_dir.display()
            );
            let _ = writeln!(report, "    reproduce: {}", got.command_line);
            if timed_out {
                let _ = writeln!(
                    report,
                    "    (the other variant is skipped: one hang per program is enough)"
                );
                break;
            }
        } else {
            eprintln!(
                "{name} ({}): same output ({:.2} s under ocamlrun, {:.2} s under warden)",
                variant.label(),
                want.elapsed.as_secs_f64(),
                got.elapsed.as_secs_f64()
            );
        }
    }
    if !report.is_empty() {
        panic!("{report}");
    }
}

/// Every program on disk is in `PROGRAMS` and the other way round, and each name is one the
/// macro can use as a test name.
#[test]
fn corpus_list_is_complete() {
    let mut on_disk = Vec::new();
    for entry in fs::read_dir(corpus_dir()).expect("read tests/ocaml") {
        let path = entry.expect("directory entry").path();
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        if path.is_dir() {
            if path.join("files").is_file() {
                on_disk.push(file);
            }
        } else if let Some(stem) = file.strip_suffix(".ml") {
            on_disk.push(stem.to_string());
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = PROGRAMS.iter().map(|s| s.to_string()).collect();
    listed.sort();
    let missing: Vec<_> = on_disk.iter().filter(|n| !listed.contains(n)).collect();
    let stale: Vec<_> = listed.iter().filter(|n| !on_disk.contains(n)).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "tests/corpus.rs and tests/ocaml/ disagree: not listed in corpus!: {missing:?}; listed but not on disk: {stale:?}"
    );
    // Sidecars must belong to a program.
    for entry in fs::read_dir(corpus_dir()).expect("read tests/ocaml") {
        let path = entry.expect("directory entry").path();
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        for ext in [".stdin", ".args", ".env", ".flags"] {
            if let Some(stem) = file.strip_suffix(ext) {
                assert!(on_disk.iter().any(|n| n == stem), "{file} belongs to no program");
            }
        }
    }
}
