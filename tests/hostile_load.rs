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
