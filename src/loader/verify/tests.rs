use super::verify;
use crate::interp::opcodes::Op::*;

fn ok(code: &[i32]) {
    crate::loader::validate::validate(code, 1, 1).unwrap();
    if let Err(e) = verify(code, &["caml_ensure_stack_capacity".to_string()]) {
        panic!("{e}");
    }
}

fn rejected(code: &[i32], needle: &str) {
    crate::loader::validate::validate(code, 1, 1).unwrap();
    let e = verify(code, &["caml_ensure_stack_capacity".to_string()]).unwrap_err();
    assert!(e.contains(needle), "{e:?} should mention {needle:?}");
}

const S: i32 = STOP as i32;

#[test]
fn accepts_sound_code() {
    ok(&[PUSH as i32, ACC0 as i32, POP as i32, 1, S]);
    // try: PUSHTRAP h; CONST0; POPTRAP; BRANCH end; h: ACC0 (exn in accu) ; end: STOP
    ok(&[PUSHTRAP as i32, 5, CONST0 as i32, POPTRAP as i32, BRANCH as i32, 2, CONST1 as i32, S]);
    // CLOSURE 0 f; PUSH_RETADDR r; PUSH; ACC1? no: args: CONST0, PUSH; ACC of closure...
    // 0: CLOSURE 0, ->8; 3: PUSH_RETADDR ->7; 5: PUSHCONST0 (arg) ... APPLY 1 expects the
    // closure in accu: 6: ACC 4 (the closure was pushed? no) -- keep it simple:
    // 0 PUSHCONST0? Build: CLOSURE 0 f (accu = clos); PUSH (d1); PUSH_RETADDR r (d4);
    // PUSHCONST1 (d5); ACC 4 -> the closure (slot 4 = depth-1-4 = 0) ; APPLY 1 ; r: POP 1; STOP;
    // f: ACC0; RETURN 1
    ok(&[
        CLOSURE as i32,
        0,
        12,          // 0..3, body at 2+12 = 14
        PUSH as i32, // 3
        PUSH_RETADDR as i32,
        6,                 // 4, r at 5+6 = 11
        PUSHCONST1 as i32, // 6
        ACC as i32,
        4, // 7
        APPLY as i32,
        1, // 9
        POP as i32,
        1,           // 11
        S,           // 13
        ACC0 as i32, // 14
        RETURN as i32,
        1, // 15
    ]);
}

#[test]
fn rejects_each_rule() {
    rejected(&[ACC as i32, 0, S], "frame rule: reaches word 0 of a frame of 0");
    rejected(&[PUSH as i32, ASSIGN as i32, 1, S], "frame rule");
    rejected(&[POP as i32, 1, S], "takes 1 words");
    rejected(&[PUSH as i32, BRANCHIF as i32, 2, PUSH as i32, S], "join rule");
    rejected(&[RETURN as i32, 0], "exit rule");
    rejected(&[POPTRAP as i32, S], "nesting rule");
    rejected(&[PUSHTRAP as i32, 4, ACC as i32, 1, S, S], "inside a trap frame");
    rejected(&[PUSHTRAP as i32, 2, S, S], "exit rule: STOP");
}
