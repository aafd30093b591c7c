//! Hostile executables that today's validation passes but whose stack discipline is broken,
//! built by hand (`tests/support/exe.rs`): each must be rejected at load by the verifier
//! (`src/loader/verify/`), with one line on stderr naming the offset and the rule (the
//! expected lines are `tests/hostile/load/<case>.stderr`) and exit status 2, in every build
//! (cargo runs this in debug, the hardened profile, and in release, production).
//!
//! `WARDEN_BLESS=1 cargo test --test hostile_load` rewrites the expected lines (review them).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::exe::{Asm, Exe};
use warden::api::Op::*;

fn warden() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_warden"))
}

fn scratch() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-load");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Main code that calls the function at `f` with one argument, then stops.
fn call_one(a: &mut Asm, f: support::exe::Label) {
    let r = a.label();
    a.jump(PUSH_RETADDR, r).op(CONST0).op(PUSH).closure(0, f).op1(APPLY, 1);
    a.bind(r).op(STOP);
}

/// A program whose only function (one argument) has `body`.
fn in_function(body: impl FnOnce(&mut Asm)) -> Vec<i32> {
    let mut a = Asm::new();
    let f = a.label();
    call_one(&mut a, f);
    a.bind(f);
    body(&mut a);
    a.finish()
}

/// A program whose main code is `body`.
fn in_main(body: impl FnOnce(&mut Asm)) -> Vec<i32> {
    let mut a = Asm::new();
    body(&mut a);
    a.finish()
}

/// The hostile cases: name and code.
fn cases() -> Vec<(&'static str, Vec<i32>)> {
    vec![
        // frame rule: accesses beyond the frame.
        (
            "acc_beyond_frame",
            in_function(|a| {
                a.op1(ACC, 3).op1(RETURN, 1);
            }),
        ),
        (
            "pushacc_beyond_frame",
            in_main(|a| {
                a.op1(PUSHACC, 1).op1(POP, 1).op(STOP);
            }),
        ),
        (
            "assign_beyond_frame",
            in_function(|a| {
                a.op1(ASSIGN, 1).op1(RETURN, 1);
            }),
        ),
        (
            "pop_beyond_frame",
            in_function(|a| {
                a.op1(POP, 2).op1(RETURN, 0);
            }),
        ),
        (
            "c_calln_beyond_frame",
            in_main(|a| {
                a.op(PUSH).op2(C_CALLN, 4, 0).op(STOP);
            }),
        ),
        (
            "makeblock_beyond_frame",
            in_main(|a| {
                a.op2(MAKEBLOCK, 3, 0).op(STOP);
            }),
        ),
        // frame rule: words of a return or trap frame are not variables.
        (
            "acc_into_trap_frame",
            in_main(|a| {
                let h = a.label();
                a.jump(PUSHTRAP, h).op1(ACC, 1).op(POPTRAP).op(STOP);
                a.bind(h).op(STOP);
            }),
        ),
        (
            "assign_into_return_frame",
            in_main(|a| {
                let r = a.label();
                a.jump(PUSH_RETADDR, r).op1(ASSIGN, 0).op(STOP);
                a.bind(r).op(STOP);
            }),
        ),
        (
            "pop_across_trap_frame",
            in_main(|a| {
                let h = a.label();
                a.op(PUSH).jump(PUSHTRAP, h).op1(POP, 5).op(STOP);
                a.bind(h).op1(POP, 1).op(STOP);
            }),
        ),
        // exit rule: RETURN, APPTERM, RESUMETERM drop exactly the frame.
        (
            "return_beyond_frame",
            in_function(|a| {
                a.op1(RETURN, 3);
            }),
        ),
        (
            "return_short_of_frame",
            in_function(|a| {
                a.op(PUSH).op1(RETURN, 1);
            }),
        ),
        (
            "appterm_beyond_frame",
            in_function(|a| {
                a.op(PUSH).op2(APPTERM, 1, 4);
            }),
        ),
        (
            "appterm2_beyond_frame",
            in_function(|a| {
                a.op(PUSH).op1(APPTERM2, 5);
            }),
        ),
        (
            "resumeterm_beyond_frame",
            in_function(|a| {
                a.op(PUSH).op(PUSH).op1(RESUMETERM, 9);
            }),
        ),
        (
            "return_with_trap_open",
            in_function(|a| {
                let h = a.label();
                a.jump(PUSHTRAP, h).op1(RETURN, 5);
                a.bind(h).op1(RETURN, 1);
            }),
        ),
        (
            "return_from_main",
            in_main(|a| {
                a.op(PUSH).op1(RETURN, 1);
            }),
        ),
        (
            "stop_inside_function",
            in_function(|a| {
                a.op(STOP);
            }),
        ),
        // join rule: paths meet with different depths or frames.
        (
            "join_depth_mismatch",
            in_main(|a| {
                let j = a.label();
                a.op(CONST0).jump(BRANCHIF, j).op(PUSH).bind(j).op(STOP);
            }),
        ),
        (
            "handler_depth_mismatch",
            in_main(|a| {
                let h = a.label();
                let end = a.label();
                a.jump(PUSHTRAP, h).op(POPTRAP).op(PUSH).jump(BRANCH, end);
                a.bind(h).bind(end).op1(POP, 1).op(STOP);
            }),
        ),
        (
            "switch_arm_mismatch",
            in_main(|a| {
                let (x, y) = (a.label(), a.label());
                a.op(CONST0).switch(&[x, y], &[]);
                a.bind(x).op(PUSH).jump(BRANCH, y);
                a.bind(y).op(STOP);
            }),
        ),
        // nesting rule: frames pushed and popped in order.
        (
            "poptrap_without_trap",
            in_main(|a| {
                a.op(PUSH).op(PUSH).op(PUSH).op(PUSH).op(POPTRAP).op(STOP);
            }),
        ),
        (
            "poptrap_over_return_frame",
            in_main(|a| {
                let (h, r) = (a.label(), a.label());
                a.jump(PUSHTRAP, h).jump(PUSH_RETADDR, r).op(POPTRAP).op(STOP);
                a.bind(h).op(STOP);
                a.bind(r).op(STOP);
            }),
        ),
        (
            "apply_without_return_frame",
            in_main(|a| {
                let f = a.label();
                a.op(PUSH).closure(0, f).op1(APPLY, 1);
                a.bind(f).op1(RETURN, 1);
            }),
        ),
        // entry rule.
        (
            "grab_in_main_code",
            in_main(|a| {
                a.op(RESTART).op1(GRAB, 2).op(STOP);
            }),
        ),
        (
            "closure_body_at_restart",
            in_main(|a| {
                let f = a.label();
                a.closure(0, f).op(STOP);
                a.bind(f).op(RESTART).op1(GRAB, 1).op1(RETURN, 2);
            }),
        ),
        (
            "grab_twice",
            in_main(|a| {
                let (f, g) = (a.label(), a.label());
                let r = a.label();
                a.jump(PUSH_RETADDR, r).op(CONST0).op(PUSH).op(PUSH).closure(0, f).op1(APPLY, 2);
                a.bind(r).op(STOP);
                a.op(RESTART).bind(f).bind(g).op1(GRAB, 1).op1(POP, 1).jump(BRANCH, g);
            }),
        ),
        // room rule: more words than the runtime guarantees free.
        (
            "stack_room_exceeded",
            in_main(|a| {
                for _ in 0..40 {
                    a.op(PUSH);
                }
                a.op1(POP, 40).op(STOP);
            }),
        ),
    ]
}

fn expected_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/load").join(format!("{name}.stderr"))
}

#[test]
fn hostile_stack_discipline_is_rejected_at_load() {
    let dir = scratch();
    let bless = std::env::var_os("WARDEN_BLESS").is_some();
    let mut failures = Vec::new();
    for (name, code) in cases() {
        let file = format!("{name}.byte");
        Exe::new(code).with_prims(&["caml_int_compare"]).write(&dir.join(&file)).unwrap();
        let out = Command::new(warden()).arg(&file).current_dir(&dir).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if bless {
            std::fs::write(expected_path(name), &stderr).unwrap();
        }
        let want = std::fs::read_to_string(expected_path(name)).unwrap_or_default();
        if out.status.code() != Some(2) || stderr != want || stderr.lines().count() != 1 {
            failures.push(format!(
                "{name}: status {:?}, stderr {stderr:?}, expected {want:?}",
                out.status
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sound_built_programs_run_as_under_ocamlrun() {
    // The harness above, with sound bodies, loads and runs (so the cases fail for their
    // rule, not for the harness).
    let dir = scratch();
    let programs = [
        (
            "sound_call",
            in_function(|a| {
                a.op(ACC0).op1(RETURN, 1);
            }),
        ),
        (
            "sound_try",
            in_main(|a| {
                let (h, end) = (a.label(), a.label());
                a.jump(PUSHTRAP, h).op(CONST1).op(POPTRAP).jump(BRANCH, end);
                a.bind(h).op(CONST0).bind(end).op(STOP);
            }),
        ),
    ];
    for (name, code) in programs {
        let file = format!("{name}.byte");
        Exe::new(code).write(&dir.join(&file)).unwrap();
        let out = Command::new(warden()).arg(&file).current_dir(&dir).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty() && out.stdout.is_empty(), "{name}");
    }
}

/// The stock `ocamlrun` (`WARDEN_OCAML_PREFIX`, as every cargo test of the corpus needs).
fn ocamlrun() -> Option<PathBuf> {
    let p = PathBuf::from(std::env::var_os("WARDEN_OCAML_PREFIX")?).join("bin/ocamlrun");
    p.exists().then_some(p)
}

/// Code with one function (`ACC0; RETURN 1`) built by the main code, which then runs
/// `main`; returns the code and the function's entry (a word offset).
fn with_function(main: impl FnOnce(&mut Asm)) -> (Vec<i32>, u32) {
    let mut a = Asm::new();
    let f = a.label();
    a.closure(0, f);
    main(&mut a);
    let entry = a.pos() as u32;
    a.bind(f).op(ACC0).op1(RETURN, 1);
    (a.finish(), entry)
}

#[test]
fn a_data_closure_must_point_at_a_function_entry() {
    let dir = scratch();
    let (code, entry) = with_function(|a| {
        a.op(STOP);
    });
    // At the entry the file loads; one word further (the RETURN inside the body), or at
    // any other offset the verifier never saw a function start, it is refused.
    for (name, at, ok) in
        [("data_closure_entry", entry, true), ("data_closure_mid", entry + 1, false)]
    {
        let file = format!("{name}.byte");
        let mut exe = Exe::new(code.clone());
        exe.data = support::exe::globals(vec![support::exe::closure(at, vec![])]);
        exe.write(&dir.join(&file)).unwrap();
        let out = Command::new(warden()).arg(&file).current_dir(&dir).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if ok {
            assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
        } else {
            assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
            let want = format!(
                "Fatal error: cannot load the global data of '{file}': unknown code module "
            );
            assert!(stderr.starts_with(&want) && stderr.lines().count() == 1, "{name}: {stderr}");
        }
    }
}

#[test]
fn a_marshalled_closure_must_point_at_a_function_entry() {
    // Main: CLOSURE f (so f is a function entry), then
    // `Marshal.from_bytes (global 12) 0`, the result dropped.
    let prog = |a: &mut Asm| {
        a.op(CONST0).op(PUSH).op1(GETGLOBAL, 12).op1(C_CALL2, 0).op(STOP);
    };
    let (code, entry) = with_function(prog);
    let dir = scratch();
    let build = |name: &str, at: u32| {
        let file = format!("{name}.byte");
        let closure = support::exe::closure(at, vec![]);
        let bytes = support::exe::marshal_for(&closure, &code);
        let mut exe = Exe::new(code.clone()).with_prims(&["caml_input_value_from_bytes"]);
        exe.data = support::exe::globals(vec![support::exe::Data::Str(bytes)]);
        exe.write(&dir.join(&file)).unwrap();
        file
    };
    let run = |bin: &Path, file: &str| {
        let out = Command::new(bin).arg(file).current_dir(&dir).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let file = build("marshal_closure_entry", entry);
    assert_eq!(run(&warden(), &file), (Some(0), String::new()));
    // Past the end of the code: the stock runtime's own error, which warden matches ...
    let past = build("marshal_closure_past_end", code.len() as u32 + 10);
    let (status, stderr) = run(&warden(), &past);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(
        stderr.starts_with("Fatal error: exception Failure(\"input_value: unknown code module ")
    );
    if let Some(ocamlrun) = ocamlrun() {
        assert_eq!(run(&ocamlrun, &past), (status, stderr.clone()));
    }
    // ... and gives for an offset inside a function (which the stock runtime accepts).
    let mid = build("marshal_closure_mid", entry + 1);
    assert_eq!(run(&warden(), &mid), (status, stderr));
}

#[test]
fn a_call_passing_fewer_arguments_than_a_builtin_reads_is_refused() {
    // caml_ml_output reads four arguments (channel, bytes, offset, length): C_CALL2 and a
    // C_CALLN 3 would let it read past them. Passing more is harmless (and a C stub keeps
    // the C convention), so C_CALLN 5 loads.
    let dir = scratch();
    /// Name, the code, the end of the rejection line (None: it loads).
    type Case = (&'static str, fn(&mut Asm), Option<&'static str>);
    let cases: [Case; 3] = [
        (
            "c_call2_of_a_four_argument_primitive",
            |a| {
                a.op(CONST0).op(PUSH).op1(C_CALL2, 0).op(STOP);
            },
            Some("C_CALL2): arity rule: the call passes 2 arguments to caml_ml_output, which reads 4"),
        ),
        (
            "c_calln3_of_a_four_argument_primitive",
            |a| {
                a.op(CONST0).op(PUSH).op(PUSH).op2(C_CALLN, 3, 0).op(STOP);
            },
            Some("C_CALLN): arity rule: the call passes 3 arguments to caml_ml_output, which reads 4"),
        ),
        (
            "c_calln5_of_a_four_argument_primitive_unreached",
            |a| {
                let end = a.label();
                a.jump(BRANCH, end);
                a.op(CONST0).op(PUSH).op(PUSH).op(PUSH).op(PUSH).op2(C_CALLN, 5, 0);
                a.bind(end).op(STOP);
            },
            None,
        ),
    ];
    for (name, body, want) in cases {
        let mut a = Asm::new();
        body(&mut a);
        let file = format!("{name}.byte");
        Exe::new(a.finish()).with_prims(&["caml_ml_output"]).write(&dir.join(&file)).unwrap();
        let out = Command::new(warden()).arg(&file).current_dir(&dir).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        match want {
            Some(rule) => {
                assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
                assert!(
                    stderr
                        .starts_with(&format!("Fatal error: {file}: invalid bytecode at offset "))
                        && stderr.trim_end().ends_with(rule)
                        && stderr.lines().count() == 1,
                    "{name}: {stderr}"
                );
            }
            None => assert_eq!(out.status.code(), Some(0), "{name}: {stderr}"),
        }
    }
}
