//! The verification cache (`src/loader/verify/cache.rs`): a program compiled with the stock
//! `ocamlc` runs with its verification taken from the cache the second time, with the same
//! stdout, stderr and exit status as under the stock `ocamlrun`; a file changed after it was
//! cached (its mtime put back with `touch -d`) is verified again, and a hostile change is
//! rejected; a damaged entry, or one others may read, is ignored and rewritten; the cache is
//! off with `WARDEN_VERIFY_CACHE=0`, never written for a file changed a moment ago, and its
//! absence never fails a run.
//!
//! Every run points `XDG_CACHE_HOME` at a directory of its own under `target/tmp` (never the
//! user's cache), sets `WARDEN_VERIFY_CACHE_MIN_AGE=0` (the files are fresh from the
//! compiler) unless the test is about that rule, and reads the loader's debug log
//! (`RUST_LOG=warden::loader=debug`) to tell a hit from a miss.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::toolchain::toolchain;

const PROGRAM: &str = r#"
let rec fib n = if n < 2 then n else fib (n - 1) + fib (n - 2)
let () =
  Printf.printf "fib 20 = %d\n" (fib 20);
  List.iter (fun s -> print_endline (String.uppercase_ascii s)) ["cached"; "run"];
  prerr_endline "to stderr";
  exit 3
"#;

/// A fresh directory for test `name`, holding `prog.byte` (compiled by the stock `ocamlc`)
/// and the cache home `xdg/`.
fn setup(name: &str) -> PathBuf {
    let ocamlc = toolchain().join("bin/ocamlc");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("verify-cache").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("prog.ml"), PROGRAM).unwrap();
    let ok = Command::new(ocamlc)
        .args(["-o", "prog.byte", "prog.ml"])
        .current_dir(&dir)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ocamlc failed");
    dir
}

/// What a run printed and how it ended, with the loader's log lines apart.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    stdout: Vec<u8>,
    stderr: String,
    status: Option<i32>,
}

/// Runs warden on `dir/prog.byte` with the cache home `dir/xdg`, then `env` applied.
fn run(dir: &Path, env: &[(&str, Option<&str>)]) -> (Run, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_warden"));
    cmd.arg(dir.join("prog.byte"))
        .env("XDG_CACHE_HOME", dir.join("xdg"))
        .env("WARDEN_VERIFY_CACHE_MIN_AGE", "0")
        .env("RUST_LOG", "warden::loader=debug")
        .env_remove("WARDEN_VERIFY_CACHE");
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    let (log, stderr): (Vec<&str>, Vec<&str>) =
        text.lines().partition(|l| l.contains("warden::loader]"));
    let stderr = stderr.iter().map(|l| format!("{l}\n")).collect();
    (Run { stdout: out.stdout, stderr, status: out.status.code() }, log.join("\n"))
}

/// The stock runtime's run of the same file.
fn stock(dir: &Path) -> Run {
    let out =
        Command::new(toolchain().join("bin/ocamlrun")).arg(dir.join("prog.byte")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    Run { stdout: out.stdout, stderr, status: out.status.code() }
}

/// The entries in the cache.
fn entries(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir.join("xdg/warden/verified")) {
        Ok(d) => d.map(|e| e.unwrap().path()).collect(),
        Err(_) => vec![],
    }
}

/// Runs once to fill the cache; None when the file system keeps no entry (tmpfs ...).
fn cached(dir: &Path) -> Option<Run> {
    let (first, log) = run(dir, &[]);
    if log.contains("not stored: the file system") {
        eprintln!("the test directory's file system is not one the cache trusts: skipped");
        return None;
    }
    assert!(log.contains("verification cache: stored"), "{log}");
    assert_eq!(entries(dir).len(), 1);
    Some(first)
}

#[test]
fn a_cached_run_is_identical() {
    let dir = setup("identical");
    let Some(first) = cached(&dir) else { return };
    let (second, log) = run(&dir, &[]);
    assert!(log.contains("verification cache: hit"), "{log}");
    assert_eq!(first, second);
    assert_eq!(second, stock(&dir));
    let entry = &entries(&dir)[0];
    let mode = std::fs::metadata(entry).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "entry mode");
    let mode = std::fs::metadata(dir.join("xdg/warden/verified")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "directory mode");
}

/// The byte offset of the CODE section in an executable.
fn code_offset(bytes: &[u8]) -> usize {
    let n = bytes.len();
    let count = u32::from_be_bytes(bytes[n - 16..n - 12].try_into().unwrap()) as usize;
    let toc = n - 16 - 8 * count;
    let mut end = toc;
    for i in (0..count).rev() {
        let e = &bytes[toc + 8 * i..toc + 8 * i + 8];
        let len = u32::from_be_bytes(e[4..8].try_into().unwrap()) as usize;
        end -= len;
        if &e[..4] == b"CODE" {
            return end;
        }
    }
    panic!("no CODE section")
}

#[test]
fn a_file_changed_after_caching_is_verified_again() {
    let dir = setup("changed");
    if cached(&dir).is_none() {
        return;
    }
    let exe = dir.join("prog.byte");
    let before = std::fs::metadata(&exe).unwrap();
    let (mtime, ctime) = {
        use std::os::unix::fs::MetadataExt;
        ((before.mtime(), before.mtime_nsec()), (before.ctime(), before.ctime_nsec()))
    };
    // Past the coarse clock's tick, so that the change moves the ctime.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let mut bytes = std::fs::read(&exe).unwrap();
    let at = code_offset(&bytes);
    bytes[at..at + 4].copy_from_slice(&200i32.to_le_bytes());
    std::fs::write(&exe, &bytes).unwrap();
    let ok = Command::new("touch")
        .arg("-d")
        .arg(format!("@{}.{:09}", mtime.0, mtime.1))
        .arg(&exe)
        .status()
        .unwrap()
        .success();
    assert!(ok, "touch -d");
    let after = std::fs::metadata(&exe).unwrap();
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!((after.mtime(), after.mtime_nsec()), mtime, "mtime put back");
        assert_eq!(after.len(), before.len());
        assert_ne!((after.ctime(), after.ctime_nsec()), ctime, "the ctime moved");
    }
    let (r, log) = run(&dir, &[]);
    assert!(log.contains("verification cache: miss"), "{log}");
    assert_eq!(r.status, Some(2));
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("invalid bytecode at offset 0: unknown opcode 200"), "{}", r.stderr);
}

#[test]
fn a_damaged_or_exposed_entry_is_ignored_and_rewritten() {
    let dir = setup("damaged");
    let Some(first) = cached(&dir) else { return };
    let entry = entries(&dir).remove(0);
    let good = std::fs::read(&entry).unwrap();
    type Damage = Box<dyn Fn(&mut Vec<u8>)>;
    let damage: [(&str, Damage); 3] = [
        (
            "a flipped byte",
            Box::new(|b: &mut Vec<u8>| {
                let mid = b.len() / 2;
                b[mid] ^= 0x40
            }),
        ),
        ("a cut", Box::new(|b: &mut Vec<u8>| b.truncate(b.len() / 2))),
        ("another file", Box::new(|b: &mut Vec<u8>| *b = b"not an entry".to_vec())),
    ];
    for (what, f) in &damage {
        let mut bytes = good.clone();
        f(&mut bytes);
        std::fs::write(&entry, &bytes).unwrap();
        let (r, log) = run(&dir, &[]);
        assert!(log.contains("verification cache: stored"), "{what}: {log}");
        assert_eq!(r, first, "{what}");
        assert_eq!(std::fs::read(&entry).unwrap(), good, "{what}: rewritten");
    }
    // An entry others may read (or write) is not trusted.
    std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (r, log) = run(&dir, &[]);
    assert!(log.contains("verification cache: stored"), "{log}");
    assert_eq!(r, first);
    let (_, log) = run(&dir, &[]);
    assert!(log.contains("verification cache: hit"), "{log}");
}

#[test]
fn no_entry_when_off_fresh_or_unwritable() {
    let dir = setup("off");
    let want = stock(&dir);
    let (r, log) = run(&dir, &[("WARDEN_VERIFY_CACHE", Some("0"))]);
    assert_eq!(r, want);
    assert!(!log.contains("verification cache"), "{log}");
    assert!(!dir.join("xdg").exists(), "nothing written when off");
    // A file changed a moment ago is verified but not stored.
    let (r, log) = run(&dir, &[("WARDEN_VERIFY_CACHE_MIN_AGE", None)]);
    assert_eq!(r, want);
    assert!(log.contains("not stored: the file changed too recently"), "{log}");
    assert!(entries(&dir).is_empty());
    // A cache home that cannot be made, and no home at all: the run goes on.
    std::fs::write(dir.join("not-a-dir"), "").unwrap();
    let file_home = dir.join("not-a-dir");
    let (r, log) = run(&dir, &[("XDG_CACHE_HOME", Some(file_home.to_str().unwrap()))]);
    assert_eq!(r, want);
    assert!(log.contains("not stored: cannot write"), "{log}");
    let (r, _) = run(&dir, &[("XDG_CACHE_HOME", None), ("HOME", None)]);
    assert_eq!(r, want);
}
