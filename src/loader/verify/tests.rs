use super::verify;
use crate::interp::opcodes::Op::*;

fn prims(names: &[String]) -> super::Prims<'_> {
    super::Prims { names, reads: &[] }
}

fn ok(code: &[i32]) {
    if let Err(e) = verify(code, prims(&["caml_ensure_stack_capacity".to_string()])) {
        panic!("{e}");
    }
}

fn rejected(code: &[i32], needle: &str) {
    let names = ["caml_ensure_stack_capacity".to_string()];
    crate::loader::validate::validate(code, prims(&names)).unwrap();
    let e = verify(code, prims(&names)).err().unwrap();
    assert!(e.contains(needle), "{e:?} should mention {needle:?}");
}

const S: i32 = STOP as i32;

#[test]
fn accepts_sound_code() {
    ok(&[PUSH as i32, ACC0 as i32, POP as i32, 1, S]);
    // try: PUSHTRAP h; CONST0; POPTRAP; BRANCH end; h: ACC0 (exn in accu) ; end: STOP
    ok(&[PUSHTRAP as i32, 5, CONST0 as i32, POPTRAP as i32, BRANCH as i32, 2, CONST1 as i32, S]);
    // main: CLOSURE f; PUSH; PUSH_RETADDR r; PUSHCONST1; ACC 4 (the closure); APPLY 1;
    // r: POP 1; STOP. f: ACC0; RETURN 1.
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
    rejected(&[ACC as i32, 0, S], "frame rule: reaches word 0, beyond the frame");
    rejected(&[PUSH as i32, ASSIGN as i32, 1, S], "frame rule");
    rejected(&[POP as i32, 1, S], "takes 1 words, the frame has fewer");
    rejected(&[PUSH as i32, BRANCHIF as i32, 2, PUSH as i32, S], "join rule");
    rejected(&[RETURN as i32, 0], "exit rule");
    rejected(&[POPTRAP as i32, S], "nesting rule");
    rejected(&[PUSHTRAP as i32, 4, ACC as i32, 1, S, S], "inside a trap frame");
    rejected(&[PUSHTRAP as i32, 2, S, S], "exit rule: STOP");
}

#[test]
fn accepts_compiler_output() {
    let Some(hello) = crate::loader::tests_support::hello_byte() else { return };
    let raiser = crate::loader::tests_support::raise_byte().unwrap();
    let (gen, _) = crate::loader::tests_support::marshal_fixtures().unwrap();
    for path in [hello, raiser, gen] {
        let exe = crate::loader::exec::read_executable(&path, "test").unwrap();
        if let Err(e) = verify(&exe.code, prims(&exe.prim_names)) {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn the_room_grows_with_caml_ensure_stack_capacity() {
    // 30 pushes need more than the 26 words guaranteed at the main code's start ...
    let mut code = vec![];
    code.extend(std::iter::repeat_n(PUSH as i32, 30));
    code.extend([POP as i32, 30, S]);
    rejected(&code, "room rule");
    // ... unless room for them is made first.
    let mut made = vec![CONSTINT as i32, 36, C_CALL1 as i32, 0];
    made.extend(code);
    ok(&made);
}
