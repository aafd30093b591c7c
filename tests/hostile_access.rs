//! Hostile accesses that only the types forbid: each must end, in the hardened build (debug,
//! or `--features hardened`), with a `bad-access` report naming the instruction: exit status
//! 70, the report on stderr, and the JSON line (`WARDEN_REPORT`) with the check, the
//! instruction, its code offset and the OCaml stack.
//!
//! Two kinds: `tests/hostile/access/*.ml`, OCaml programs compiled by the stock `ocamlc`
//! (`Obj.magic`, `Array.unsafe_get` ... on integers, atoms and short blocks; the first line
//! says `(* expect: INSTRUCTION *)`), and hand-built executables (`tests/support/exe.rs`) for
//! what `ocamlc` never emits on a wrong value (`ENVACC` and `OFFSETCLOSURE` beyond the
//! closure, `GETMETHOD` and `GETDYNMET` on a non-object).
//!
//! In production (`cargo test --release`) the checks do not exist; there, a program whose
//! access faults must print the one line naming the bytecode offset before dying by the
//! signal, as the stock runtime dies.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::exe::{Asm, Exe};
use support::toolchain::{repo_root, toolchain};
use warden::api::Op::{self, *};

const HARDENED: bool = cfg!(any(debug_assertions, feature = "hardened"));

fn scratch() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-access");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `byte` under warden with a report file; returns the output and the JSON written.
fn run(byte: &Path) -> (Output, String) {
    let report = byte.with_extension("json");
    let _ = std::fs::remove_file(&report);
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .arg(byte)
        .env("WARDEN_REPORT", &report)
        .env_remove("WARDEN_ACCESS")
        .output()
        .expect("run warden");
    (out, std::fs::read_to_string(&report).unwrap_or_default())
}

/// Asserts the `bad-access` report of instruction `instr`; `None` if it holds, else why not.
fn check_report(name: &str, instr: &str, out: &Output, json: &str) -> Option<String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let head = format!("bad-access: {instr} at code offset ");
    let ok = out.status.code() == Some(70)
        && stderr.contains(&format!("warden: hardened check failed: {head}"))
        && json.lines().count() == 1
        && json.contains("\"check\":\"bad-access\"")
        && json.contains(&format!("\"referrer\":\"{instr} at code offset "))
        && !json.contains("\"ocaml_backtrace\":[]");
    (!ok).then(|| format!("{name}: status {:?}\nstderr: {stderr}\njson: {json}", out.status))
}

/// The compiled programs of `tests/hostile/access/`, each with the instruction it expects.
fn compiled_cases() -> Vec<(String, String, PathBuf)> {
    let dir = scratch().join(format!("ml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cases = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("tests/hostile/access"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ml"))
        .collect();
    files.sort();
    for src in files {
        let name = src.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&src).unwrap();
        let instr = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("(* expect: "))
            .and_then(|l| l.strip_suffix(" *)"))
            .unwrap_or_else(|| panic!("{name}.ml: no `(* expect: INSTR *)` first line"))
            .to_string();
        let byte = dir.join(format!("{name}.byte"));
        let out = Command::new(toolchain().join("bin/ocamlc"))
            .args(["-w", "-a", "-o"])
            .arg(&byte)
            .arg(&src)
            .output()
            .expect("run ocamlc");
        assert!(out.status.success(), "ocamlc {name}.ml: {}", String::from_utf8_lossy(&out.stderr));
        cases.push((name, instr, byte));
    }
    cases
}

/// Main code that calls the function at `f` (a closure with no variables) with one
/// argument, then stops.
fn call_one(a: &mut Asm, f: support::exe::Label) {
    let r = a.label();
    a.jump(PUSH_RETADDR, r).op(CONST0).op(PUSH).closure(0, f).op1(APPLY, 1);
    a.bind(r).op(STOP);
}

/// The hand-built cases: name, expected instruction, code.
fn built_cases() -> Vec<(&'static str, &'static str, Vec<i32>)> {
    let in_function = |body: &dyn Fn(&mut Asm)| {
        let mut a = Asm::new();
        let f = a.label();
        call_one(&mut a, f);
        a.bind(f);
        body(&mut a);
        a.finish()
    };
    let in_main = |body: &dyn Fn(&mut Asm)| {
        let mut a = Asm::new();
        body(&mut a);
        a.finish()
    };
    vec![
        // The closure has two fields (code, info): its environment is empty.
        (
            "envacc_beyond_env",
            "ENVACC",
            in_function(&|a| {
                a.op1(ENVACC, 3).op1(RETURN, 1);
            }),
        ),
        (
            "pushenvacc_beyond_env",
            "PUSHENVACC4",
            in_function(&|a| {
                a.op(PUSHENVACC4).op1(RETURN, 2);
            }),
        ),
        // Not a recursive definition: no sibling 3 words away.
        (
            "offsetclosure_no_sibling",
            "OFFSETCLOSURE3",
            in_function(&|a| {
                a.op(OFFSETCLOSURE3).op1(RETURN, 1);
            }),
        ),
        (
            "offsetclosure_beyond",
            "OFFSETCLOSURE",
            in_function(&|a| {
                a.op1(OFFSETCLOSURE, 6).op1(RETURN, 1);
            }),
        ),
        // Method 2 of "object" 0 (an integer).
        (
            "getmethod_int",
            "GETMETHOD",
            in_main(&|a| {
                a.op(CONST0).op(PUSH).op(CONST2).op(GETMETHOD).op1(POP, 1).op(STOP);
            }),
        ),
        (
            "getdynmet_int",
            "GETDYNMET",
            in_main(&|a| {
                a.op(CONST0).op(PUSH).op(CONST1).op(GETDYNMET).op1(POP, 1).op(STOP);
            }),
        ),
        // Found by the `run` fuzz target (untyped values): each made the hardened build read
        // or write a word that is not a value, and the collector crash later.
        // OFFSETREF on an exception (field 0 its name, a string pointer): the pointer moved.
        (
            "offsetref_on_pointer",
            "OFFSETREF",
            in_main(&|a| {
                a.op1(GETGLOBAL, 2).op1(OFFSETREF, 1).op(STOP);
            }),
        ),
        // GETMETHOD on an exception: its "method table" is a string, its bytes read as a
        // value.
        (
            "getmethod_string_table",
            "GETMETHOD",
            in_main(&|a| {
                a.op1(GETGLOBAL, 2).op(PUSH).op(CONST0).op(GETMETHOD).op1(POP, 1).op(STOP);
            }),
        ),
        // SETFIELD1 on a closure: its closure information replaced by an integer.
        (
            "setfield_closure_info",
            "SETFIELD1",
            in_function(&|a| {
                a.op(PUSHCONST3).op(OFFSETCLOSURE0).op(SETFIELD1).op1(RETURN, 1);
            }),
        ),
        (
            "setvectitem_closure",
            "SETVECTITEM",
            in_function(&|a| {
                a.op(PUSHCONST3).op(PUSHCONST0).op(OFFSETCLOSURE0).op(SETVECTITEM);
                a.op1(RETURN, 1);
            }),
        ),
    ]
}

#[test]
fn compiled_hostile_accesses_are_reported() {
    if !HARDENED {
        eprintln!("skipped: production build (no checks)");
        return;
    }
    let failures: Vec<String> = compiled_cases()
        .iter()
        .filter_map(|(name, instr, byte)| {
            let (out, json) = run(byte);
            check_report(name, instr, &out, &json)
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn built_hostile_accesses_are_reported() {
    if !HARDENED {
        eprintln!("skipped: production build (no checks)");
        return;
    }
    let dir = scratch();
    let failures: Vec<String> = built_cases()
        .into_iter()
        .filter_map(|(name, instr, code)| {
            let byte = dir.join(format!("{name}.byte"));
            Exe::new(code).write(&byte).unwrap();
            let (out, json) = run(&byte);
            check_report(name, instr, &out, &json)
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The built harness with a sound body runs (so the cases fail for their access).
#[test]
fn sound_built_program_runs() {
    let mut a = Asm::new();
    let f = a.label();
    call_one(&mut a, f);
    a.bind(f).op(ENVACC1).op(OFFSETCLOSURE0).op1(RETURN, 1);
    let byte = scratch().join("sound_envacc.byte");
    Exe::new(a.finish()).write(&byte).unwrap();
    let (out, _) = run(&byte);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Production: a field read of an integer faults; one line names the instruction's offset
/// (the hardened build reports the same offset), then the process dies by SIGSEGV.
#[test]
fn production_fault_names_the_offset() {
    if HARDENED {
        eprintln!("skipped: hardened build (reports instead)");
        return;
    }
    use std::os::unix::process::ExitStatusExt;
    let cases = compiled_cases();
    let (_, _, byte) = cases.iter().find(|(n, _, _)| n == "getfield_int").unwrap();
    let (out, _) = run(byte);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.signal(), Some(SIGSEGV), "{stderr}");
    let line = stderr.lines().next().unwrap_or("");
    assert!(
        line.starts_with(
            "warden: segmentation fault while the bytecode interpreter ran the instruction at \
             code offset "
        ) && stderr.lines().count() == 1,
        "{stderr}"
    );
    // The offset is the GETFIELD0's.
    let offset: usize = line.rsplit(' ').next().unwrap().parse().unwrap();
    let exe = warden::api::exec::read_executable(byte, "getfield_int.byte").expect("read");
    assert_eq!(exe.code[offset], GETFIELD0 as i32, "offset {offset} is not the GETFIELD0");
}

/// SIGSEGV's number on Linux.
const SIGSEGV: i32 = 11;

/// Production: an application of a value that is not a closure (here an integer: its code
/// field is read at a wild address) faults; the line names the applying instruction, for
/// each form of application (the registers then hold other code addresses too: the stub
/// code's end, the return address).
#[test]
fn production_apply_fault_names_the_apply() {
    if HARDENED {
        eprintln!("skipped: hardened build (reports instead)");
        return;
    }
    use std::os::unix::process::ExitStatusExt;
    let dir = scratch();
    /// Name, the applying instruction, the code.
    type Form = (&'static str, Op, fn(&mut Asm));
    let forms: [Form; 4] = [
        ("apply1_int", APPLY1, |a| {
            a.op(CONST0).op(PUSH).op1(CONSTINT, 5).op(APPLY1).op(STOP);
        }),
        ("apply2_int", APPLY2, |a| {
            a.op(CONST0).op(PUSH).op(PUSH).op1(CONSTINT, 5).op(APPLY2).op(STOP);
        }),
        ("apply_int", APPLY, |a| {
            let r = a.label();
            a.jump(PUSH_RETADDR, r).op(CONST0).op(PUSH).op1(CONSTINT, 5).op1(APPLY, 1);
            a.bind(r).op(STOP);
        }),
        ("appterm_int", APPTERM1, |a| {
            let f = a.label();
            call_one(a, f);
            a.bind(f).op(ACC0).op(PUSH).op1(CONSTINT, 5).op1(APPTERM1, 2);
        }),
    ];
    for (name, op, body) in forms {
        let mut a = Asm::new();
        body(&mut a);
        let code = a.finish();
        let byte = dir.join(format!("{name}.byte"));
        Exe::new(code.clone()).write(&byte).unwrap();
        let (out, _) = run(&byte);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.signal(), Some(SIGSEGV), "{name}: {stderr}");
        let line = stderr.lines().next().unwrap_or("");
        let offset: usize = line.rsplit(' ').next().unwrap().parse().unwrap_or(usize::MAX);
        assert_eq!(code.get(offset), Some(&(op as i32)), "{name}: {stderr}");
    }
}
