//! The OCaml 5.3 bytecode instruction set, defined once: the `Op` enum, the name table (for
//! load errors) and the operand shapes (which `loader::validate` walks) are generated from
//! the one list in `define_opcodes!`, and so is the interpreter's dispatch (`dispatch!`, used
//! by `run`): each opcode names its handler in `interp::ops`. After the 153 stock opcodes come
//! warden's internal ones, which only the load-time translation (`translate`) writes: each
//! names the stock opcode whose instruction it replaces (`STOCK`) and keeps its operands.

/// How an instruction's inline operands are shaped (beyond a fixed count of words).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Operands {
    /// A fixed number of plain operand words.
    Fixed(u8),
    /// One operand, a jump offset relative to the operand's own position.
    Jump,
    /// Two operands: a value, then a jump offset (BEQ n, ofs ...).
    ValueJump,
    /// CLOSURE nvars, ofs.
    Closure,
    /// CLOSUREREC nfuncs, nvars, ofs_0 .. ofs_{nfuncs-1}.
    ClosureRec,
    /// SWITCH sizes, then (sizes & 0xFFFF) + (sizes >> 16) offsets relative to the table start.
    Switch,
}

/// The stock opcode an entry of `define_opcodes!` stands for: itself, or the one named after
/// its `:` (an internal opcode).
macro_rules! stock_of {
    ($n:ident) => {
        Op::$n as u8
    };
    ($n:ident, $o:ident) => {
        Op::$o as u8
    };
}

macro_rules! define_opcodes {
    ($d:tt $( $name:ident = $num:expr $(; $orig:ident)?, $ops:expr =>
        $fam:ident :: $h:ident $(::<$g:tt>)? ( $($arg:expr),* ); )*) => {
        /// An OCaml bytecode opcode.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Op { $( $name = $num, )* }

        /// Number of opcodes, the internal ones included (first unimplemented).
        pub const OPCODE_COUNT: usize = [$( $num ),*].len();

        /// Per opcode, the stock opcode it stands for (itself for a stock opcode; for an
        /// internal one, the opcode its instruction had in the file: see `translate`).
        pub const STOCK: [u8; OPCODE_COUNT] = [$( stock_of!($name $(, $orig)?) ),*];

        /// Opcode names, indexed by number (internal opcodes' names are warden's own).
        pub const NAMES: [&str; OPCODE_COUNT] = [$( stringify!($name) ),*];

        /// Operand shapes, indexed by number.
        pub const OPERANDS: [Operands; OPCODE_COUNT] = [$( $ops ),*];

        impl Op {
            /// The opcode with number `n`, if any.
            pub fn from_u32(n: u32) -> Option<Op> {
                const ALL: [Op; OPCODE_COUNT] = [$( Op::$name ),*];
                ALL.get(n as usize).copied()
            }
        }

        /// `dispatch!(op, regs, leave => exit)`: the `match` that runs opcode `op`'s handler
        /// on `regs` (a `&mut interp::regs::Regs`) and, when it returns `Err(leave)`,
        /// evaluates `exit`; else its value is the opcode's dispatch group (`group_of`), a
        /// constant per arm. Each arm tests its own handler's result, so the arms whose
        /// handler cannot leave go straight on to their group's dispatch, and each ends with
        /// `run::arm_end` (no instruction), which keeps LLVM from merging the common tail of
        /// a group's handlers. The handler paths and `arm_end` resolve where it is used
        /// (`interp::run`, which imports the `ops` families).
        macro_rules! dispatch {
            ($d op:expr, $d m:expr, $d l:ident => $d exit:expr) => {
                match $d op {
                    $( Op::$name => {
                        if let Err($d l) = $fam::$h $(::<$g>)? ($d m $(, $arg)*) {
                            $d exit
                        }
                        arm_end();
                        const { group_of(Op::$name) }
                    } )*
                }
            };
        }
        pub(super) use dispatch;
    };
}

use Operands::*;

// Each opcode: its number, its operand shape, and its handler (in `interp::ops`, called
// with the registers first).
define_opcodes! {
    $
    ACC0 = 0, Fixed(0) => stack::acc(0);
    ACC1 = 1, Fixed(0) => stack::acc(1);
    ACC2 = 2, Fixed(0) => stack::acc(2);
    ACC3 = 3, Fixed(0) => stack::acc(3);
    ACC4 = 4, Fixed(0) => stack::acc(4);
    ACC5 = 5, Fixed(0) => stack::acc(5);
    ACC6 = 6, Fixed(0) => stack::acc(6);
    ACC7 = 7, Fixed(0) => stack::acc(7);
    ACC = 8, Fixed(1) => stack::acc_op();
    PUSH = 9, Fixed(0) => stack::push();
    PUSHACC0 = 10, Fixed(0) => stack::push();
    PUSHACC1 = 11, Fixed(0) => stack::push_acc(1);
    PUSHACC2 = 12, Fixed(0) => stack::push_acc(2);
    PUSHACC3 = 13, Fixed(0) => stack::push_acc(3);
    PUSHACC4 = 14, Fixed(0) => stack::push_acc(4);
    PUSHACC5 = 15, Fixed(0) => stack::push_acc(5);
    PUSHACC6 = 16, Fixed(0) => stack::push_acc(6);
    PUSHACC7 = 17, Fixed(0) => stack::push_acc(7);
    PUSHACC = 18, Fixed(1) => stack::push_acc_op();
    POP = 19, Fixed(1) => stack::pop();
    ASSIGN = 20, Fixed(1) => stack::assign();
    ENVACC1 = 21, Fixed(0) => stack::env_acc(1);
    ENVACC2 = 22, Fixed(0) => stack::env_acc(2);
    ENVACC3 = 23, Fixed(0) => stack::env_acc(3);
    ENVACC4 = 24, Fixed(0) => stack::env_acc(4);
    ENVACC = 25, Fixed(1) => stack::env_acc_op();
    PUSHENVACC1 = 26, Fixed(0) => stack::push_env_acc(1);
    PUSHENVACC2 = 27, Fixed(0) => stack::push_env_acc(2);
    PUSHENVACC3 = 28, Fixed(0) => stack::push_env_acc(3);
    PUSHENVACC4 = 29, Fixed(0) => stack::push_env_acc(4);
    PUSHENVACC = 30, Fixed(1) => stack::push_env_acc_op();
    PUSH_RETADDR = 31, Jump => apply::push_retaddr();
    APPLY = 32, Fixed(1) => apply::apply();
    APPLY1 = 33, Fixed(0) => apply::apply_n::<1>();
    APPLY2 = 34, Fixed(0) => apply::apply_n::<2>();
    APPLY3 = 35, Fixed(0) => apply::apply_n::<3>();
    APPTERM = 36, Fixed(2) => apply::appterm();
    APPTERM1 = 37, Fixed(1) => apply::appterm_n::<1>();
    APPTERM2 = 38, Fixed(1) => apply::appterm_n::<2>();
    APPTERM3 = 39, Fixed(1) => apply::appterm_n::<3>();
    RETURN = 40, Fixed(1) => apply::return_op();
    RESTART = 41, Fixed(0) => apply::restart();
    GRAB = 42, Fixed(1) => apply::grab();
    CLOSURE = 43, Closure => apply::closure();
    CLOSUREREC = 44, ClosureRec => apply::closure_rec();
    OFFSETCLOSUREM3 = 45, Fixed(0) => stack::offset_closure_n(-3);
    OFFSETCLOSURE0 = 46, Fixed(0) => stack::offset_closure_n(0);
    OFFSETCLOSURE3 = 47, Fixed(0) => stack::offset_closure_n(3);
    OFFSETCLOSURE = 48, Fixed(1) => stack::offset_closure_op();
    PUSHOFFSETCLOSUREM3 = 49, Fixed(0) => stack::push_offset_closure_n(-3);
    PUSHOFFSETCLOSURE0 = 50, Fixed(0) => stack::push_offset_closure_n(0);
    PUSHOFFSETCLOSURE3 = 51, Fixed(0) => stack::push_offset_closure_n(3);
    PUSHOFFSETCLOSURE = 52, Fixed(1) => stack::push_offset_closure_op();
    GETGLOBAL = 53, Fixed(1) => stack::get_global();
    PUSHGETGLOBAL = 54, Fixed(1) => stack::push_get_global();
    GETGLOBALFIELD = 55, Fixed(2) => stack::get_global_field();
    PUSHGETGLOBALFIELD = 56, Fixed(2) => stack::push_get_global_field();
    SETGLOBAL = 57, Fixed(1) => stack::set_global();
    ATOM0 = 58, Fixed(0) => stack::atom0();
    ATOM = 59, Fixed(1) => stack::atom_op();
    PUSHATOM0 = 60, Fixed(0) => stack::push_atom0();
    PUSHATOM = 61, Fixed(1) => stack::push_atom_op();
    MAKEBLOCK = 62, Fixed(2) => block::make_block();
    MAKEBLOCK1 = 63, Fixed(1) => block::make_block_n::<1>();
    MAKEBLOCK2 = 64, Fixed(1) => block::make_block_n::<2>();
    MAKEBLOCK3 = 65, Fixed(1) => block::make_block_n::<3>();
    MAKEFLOATBLOCK = 66, Fixed(1) => block::make_float_block();
    GETFIELD0 = 67, Fixed(0) => block::get_field_n(0);
    GETFIELD1 = 68, Fixed(0) => block::get_field_n(1);
    GETFIELD2 = 69, Fixed(0) => block::get_field_n(2);
    GETFIELD3 = 70, Fixed(0) => block::get_field_n(3);
    GETFIELD = 71, Fixed(1) => block::get_field();
    GETFLOATFIELD = 72, Fixed(1) => block::get_float_field();
    SETFIELD0 = 73, Fixed(0) => block::set_field_n(0);
    SETFIELD1 = 74, Fixed(0) => block::set_field_n(1);
    SETFIELD2 = 75, Fixed(0) => block::set_field_n(2);
    SETFIELD3 = 76, Fixed(0) => block::set_field_n(3);
    SETFIELD = 77, Fixed(1) => block::set_field();
    SETFLOATFIELD = 78, Fixed(1) => block::set_float_field();
    VECTLENGTH = 79, Fixed(0) => block::vect_length();
    GETVECTITEM = 80, Fixed(0) => block::get_vect_item();
    SETVECTITEM = 81, Fixed(0) => block::set_vect_item();
    GETBYTESCHAR = 82, Fixed(0) => block::get_bytes_char();
    SETBYTESCHAR = 83, Fixed(0) => block::set_bytes_char();
    BRANCH = 84, Jump => control::branch();
    BRANCHIF = 85, Jump => control::branch_if::<true>();
    BRANCHIFNOT = 86, Jump => control::branch_if::<false>();
    SWITCH = 87, Switch => control::switch();
    BOOLNOT = 88, Fixed(0) => arith::bool_not();
    PUSHTRAP = 89, Jump => control::push_trap();
    POPTRAP = 90, Fixed(0) => control::pop_trap();
    RAISE = 91, Fixed(0) => control::raise(RaiseKind::Raise);
    CHECK_SIGNALS = 92, Fixed(0) => control::check_signals();
    C_CALL1 = 93, Fixed(1) => prim::c_call::<1>();
    C_CALL2 = 94, Fixed(1) => prim::c_call::<2>();
    C_CALL3 = 95, Fixed(1) => prim::c_call::<3>();
    C_CALL4 = 96, Fixed(1) => prim::c_call::<4>();
    C_CALL5 = 97, Fixed(1) => prim::c_call::<5>();
    C_CALLN = 98, Fixed(2) => prim::c_call_n();
    CONST0 = 99, Fixed(0) => stack::const_n(0);
    CONST1 = 100, Fixed(0) => stack::const_n(1);
    CONST2 = 101, Fixed(0) => stack::const_n(2);
    CONST3 = 102, Fixed(0) => stack::const_n(3);
    CONSTINT = 103, Fixed(1) => stack::const_op();
    PUSHCONST0 = 104, Fixed(0) => stack::push_const_n(0);
    PUSHCONST1 = 105, Fixed(0) => stack::push_const_n(1);
    PUSHCONST2 = 106, Fixed(0) => stack::push_const_n(2);
    PUSHCONST3 = 107, Fixed(0) => stack::push_const_n(3);
    PUSHCONSTINT = 108, Fixed(1) => stack::push_const_op();
    NEGINT = 109, Fixed(0) => arith::neg();
    ADDINT = 110, Fixed(0) => arith::binary(arith::add);
    SUBINT = 111, Fixed(0) => arith::binary(arith::sub);
    MULINT = 112, Fixed(0) => arith::binary(arith::mul);
    DIVINT = 113, Fixed(0) => arith::div::<false>();
    MODINT = 114, Fixed(0) => arith::div::<true>();
    ANDINT = 115, Fixed(0) => arith::binary(arith::and);
    ORINT = 116, Fixed(0) => arith::binary(arith::or);
    XORINT = 117, Fixed(0) => arith::binary(arith::xor);
    LSLINT = 118, Fixed(0) => arith::binary(arith::lsl);
    LSRINT = 119, Fixed(0) => arith::binary(arith::lsr);
    ASRINT = 120, Fixed(0) => arith::binary(arith::asr);
    EQ = 121, Fixed(0) => arith::compare(|a, b| a == b);
    NEQ = 122, Fixed(0) => arith::compare(|a, b| a != b);
    LTINT = 123, Fixed(0) => arith::compare(|a, b| arith::signed(a) < arith::signed(b));
    LEINT = 124, Fixed(0) => arith::compare(|a, b| arith::signed(a) <= arith::signed(b));
    GTINT = 125, Fixed(0) => arith::compare(|a, b| arith::signed(a) > arith::signed(b));
    GEINT = 126, Fixed(0) => arith::compare(|a, b| arith::signed(a) >= arith::signed(b));
    OFFSETINT = 127, Fixed(1) => arith::offset_int();
    OFFSETREF = 128, Fixed(1) => block::offset_ref();
    ISINT = 129, Fixed(0) => arith::is_int();
    GETMETHOD = 130, Fixed(0) => block::get_method();
    BEQ = 131, ValueJump => arith::branch_cmp(|n, a| n == a);
    BNEQ = 132, ValueJump => arith::branch_cmp(|n, a| n != a);
    BLTINT = 133, ValueJump => arith::branch_cmp(|n, a| n < a);
    BLEINT = 134, ValueJump => arith::branch_cmp(|n, a| n <= a);
    BGTINT = 135, ValueJump => arith::branch_cmp(|n, a| n > a);
    BGEINT = 136, ValueJump => arith::branch_cmp(|n, a| n >= a);
    ULTINT = 137, Fixed(0) => arith::compare(|a, b| a < b);
    UGEINT = 138, Fixed(0) => arith::compare(|a, b| a >= b);
    BULTINT = 139, ValueJump => arith::branch_cmp(|n, a| (n as usize) < (a as usize));
    BUGEINT = 140, ValueJump => arith::branch_cmp(|n, a| (n as usize) >= (a as usize));
    GETPUBMET = 141, Fixed(2) => block::get_pub_met();
    GETDYNMET = 142, Fixed(0) => block::get_dyn_met();
    STOP = 143, Fixed(0) => control::stop();
    EVENT = 144, Fixed(0) => control::debugger();
    BREAK = 145, Fixed(0) => control::debugger();
    RERAISE = 146, Fixed(0) => control::raise(RaiseKind::Reraise);
    RAISE_NOTRACE = 147, Fixed(0) => control::raise(RaiseKind::NoTrace);
    GETSTRINGCHAR = 148, Fixed(0) => block::get_bytes_char();
    PERFORM = 149, Fixed(0) => effect::perform();
    RESUME = 150, Fixed(0) => effect::resume();
    RESUMETERM = 151, Fixed(1) => effect::resume_term();
    REPERFORMTERM = 152, Fixed(1) => effect::reperform_term();

    // Internal opcodes (`translate`): never in a file (validation refuses opcodes past the
    // stock ones), written over the opcode word of a stock instruction at load. Each names
    // the stock opcode it replaces, and keeps that opcode's operands.

    // `C_CALLn p` of a built-in primitive `p` (`builtin_kind`), run inline (`ops::builtin`).
    NEGFLOAT = 153; C_CALL1, Fixed(1) => builtin::float_unary(|f: f64| -f);
    ABSFLOAT = 154; C_CALL1, Fixed(1) => builtin::float_unary(f64::abs);
    SQRTFLOAT = 155; C_CALL1, Fixed(1) => builtin::float_unary(f64::sqrt);
    FLOATOFINT = 156; C_CALL1, Fixed(1) => builtin::float_of_int();
    STRINGLENGTH = 157; C_CALL1, Fixed(1) => builtin::string_length();
    CONTINUATIONUSE = 158; C_CALL1, Fixed(1) => builtin::continuation_use();
    ADDFLOAT = 159; C_CALL2, Fixed(1) => builtin::float_binary(|f: f64, g: f64| f + g);
    SUBFLOAT = 160; C_CALL2, Fixed(1) => builtin::float_binary(|f: f64, g: f64| f - g);
    MULFLOAT = 161; C_CALL2, Fixed(1) => builtin::float_binary(|f: f64, g: f64| f * g);
    DIVFLOAT = 162; C_CALL2, Fixed(1) => builtin::float_binary(|f: f64, g: f64| f / g);
    EQFLOAT = 163; C_CALL2, Fixed(1) => builtin::float_test(|f: f64, g: f64| f == g);
    NEQFLOAT = 164; C_CALL2, Fixed(1) => builtin::float_test(|f: f64, g: f64| f != g);
    LTFLOAT = 165; C_CALL2, Fixed(1) => builtin::float_test(|f: f64, g: f64| f < g);
    LEFLOAT = 166; C_CALL2, Fixed(1) => builtin::float_test(|f: f64, g: f64| f <= g);
    GTFLOAT = 167; C_CALL2, Fixed(1) => builtin::float_test(|f: f64, g: f64| f > g);
    GEFLOAT = 168; C_CALL2, Fixed(1) => builtin::float_test(|f: f64, g: f64| f >= g);
    ARRAYGETADDR = 169; C_CALL2, Fixed(1) => builtin::array_get::<false>();
    ARRAYGET = 170; C_CALL2, Fixed(1) => builtin::array_get::<true>();
    STRINGGET = 171; C_CALL2, Fixed(1) => builtin::string_get();
    INTCOMPARE = 172; C_CALL2, Fixed(1) => builtin::int_compare();
    FLOATCOMPARE = 173; C_CALL2, Fixed(1) => builtin::float_compare();
    STRINGEQUAL = 174; C_CALL2, Fixed(1) => builtin::string_equal::<true>();
    STRINGNOTEQUAL = 175; C_CALL2, Fixed(1) => builtin::string_equal::<false>();
    COMPARE = 176; C_CALL2, Fixed(1) => builtin::poly_compare(|o: Ordering| Value::of_int(o as isize));
    EQUAL = 177; C_CALL2, Fixed(1) => builtin::poly_compare(|o: Ordering| Value::of_bool(o.is_eq()));
    NOTEQUAL = 178; C_CALL2, Fixed(1) => builtin::poly_compare(|o: Ordering| Value::of_bool(o.is_ne()));
    LESSTHAN = 179; C_CALL2, Fixed(1) => builtin::poly_compare(|o: Ordering| Value::of_bool(o.is_lt()));
    LESSEQUAL = 180; C_CALL2, Fixed(1) => builtin::poly_compare(|o: Ordering| Value::of_bool(o.is_le()));
    GREATERTHAN = 181; C_CALL2, Fixed(1) => builtin::poly_compare(|o: Ordering| Value::of_bool(o.is_gt()));
    GREATEREQUAL = 182; C_CALL2, Fixed(1) => builtin::poly_compare(|o: Ordering| Value::of_bool(o.is_ge()));
    ARRAYSETADDR = 183; C_CALL3, Fixed(1) => builtin::array_set::<false>();
    ARRAYSET = 184; C_CALL3, Fixed(1) => builtin::array_set::<true>();
    BYTESSET = 185; C_CALL3, Fixed(1) => builtin::bytes_set();

    // Superinstructions (`ops::fused`): the first of two instructions run one after the
    // other, named after both.
    OFFSETINT_ASSIGN = 186; OFFSETINT, Fixed(1) => fused::offsetint_assign();
    ASSIGN_ACC1 = 187; ASSIGN, Fixed(1) => fused::assign_acc1();
    ACC0_BRANCHIFNOT = 188; ACC0, Fixed(0) => fused::acc0_branchifnot();
    PUSHOFFSETCLOSURE0_APPLY1 = 189; PUSHOFFSETCLOSURE0, Fixed(0) => fused::pushoffsetclosure0_apply1();
    ACC1_PUSHACC1 = 190; ACC1, Fixed(0) => fused::acc1_pushacc1();
    ACC0_GETFIELD1 = 191; ACC0, Fixed(0) => fused::acc0_getfield1();
    ACC1_PUSH = 192; ACC1, Fixed(0) => fused::acc1_push();
    NEQ_BRANCHIF = 193; NEQ, Fixed(0) => fused::neq_branchif();
    PUSH_OFFSETINT = 194; PUSH, Fixed(0) => fused::push_offsetint();
    ACC1_NEQ = 195; ACC1, Fixed(0) => fused::acc1_neq();
    PUSHACC1_GETFIELD0 = 196; PUSHACC1, Fixed(0) => fused::pushacc1_getfield0();
    EQ_BRANCHIFNOT = 197; EQ, Fixed(0) => fused::eq_branchifnot();
    CHECK_SIGNALS_ACC1 = 198; CHECK_SIGNALS, Fixed(0) => fused::checksignals_acc1();
    ADDINT_RETURN = 199; ADDINT, Fixed(0) => fused::addint_return();
    CONST1_PUSHACC2 = 200; CONST1, Fixed(0) => fused::const1_pushacc2();
    ACC0_OFFSETINT = 201; ACC0, Fixed(0) => fused::acc0_offsetint();
    ACC0_BNEQ = 202; ACC0, Fixed(0) => fused::acc0_bneq();
    RESTART_GRAB = 203; RESTART, Fixed(0) => fused::restart_grab();
    ACC0_GETFIELD0 = 204; ACC0, Fixed(0) => fused::acc0_getfield0();
    PUSHACC_ARRAYGETADDR = 205; PUSHACC, Fixed(1) => fused::pushacc_arraygetaddr();
    GETFIELD0_PUSHACC1 = 206; GETFIELD0, Fixed(0) => fused::getfield0_pushacc1();
    ACC1_BNEQ = 207; ACC1, Fixed(0) => fused::acc1_bneq();
    GRAB_ACC1 = 208; GRAB, Fixed(1) => fused::grab_acc1();
    GRAB_ACC0 = 209; GRAB, Fixed(1) => fused::grab_acc0();
    BRANCHIFNOT_ACC0 = 210; BRANCHIFNOT, Jump => fused::branchifnot_acc0();
}

// The dispatch reads an opcode as a byte.
const _: () = assert!(OPCODE_COUNT <= 256);

/// Opcodes per dispatch group (see `run::next_op`): few enough that the blocks through
/// which a group's handlers leave stay within LLVM's limit of 16 predecessors.
pub const DISPATCH_GROUP_SIZE: usize = 8;

/// The dispatch group of opcode `op`: runs of `DISPATCH_GROUP_SIZE` consecutive opcodes.
pub const fn group_of(op: Op) -> u8 {
    (op as usize / DISPATCH_GROUP_SIZE) as u8
}

/// Number of stock opcodes: the only ones a file may hold (validation refuses the others).
pub const STOCK_OPCODE_COUNT: usize = Op::REPERFORMTERM as usize + 1;

/// The stock opcode that opcode word `op` of validated (possibly translated) code stands for.
#[inline]
pub fn stock_opcode(op: i32) -> i32 {
    STOCK.get(op as u32 as usize).map_or(op, |&s| i32::from(s))
}

/// Total length in words of the instruction at `code[pc]` (opcode word included), or None
/// if the opcode is unknown or its operands run past the end of `code`.
pub fn instr_len(code: &[i32], pc: usize) -> Option<usize> {
    let op = *code.get(pc)?;
    let shape = *OPERANDS.get(usize::try_from(op).ok()?)?;
    let len = match shape {
        Fixed(n) => 1 + n as usize,
        Jump => 2,
        ValueJump | Closure => 3,
        ClosureRec => 3 + usize::try_from(*code.get(pc + 1)?).ok()?,
        Switch => {
            let sizes = *code.get(pc + 1)? as u32;
            2 + (sizes & 0xFFFF) as usize + (sizes >> 16) as usize
        }
    };
    if pc + len <= code.len() {
        Some(len)
    } else {
        None
    }
}

/// The start of the instruction that holds word `i` of validated `code` (for the fault
/// handler's message; a walk from the start, run only when the process is dying).
pub fn instruction_at(code: &[i32], i: usize) -> usize {
    let mut pc = 0;
    while let Some(len) = super::opcodes::instr_len(code, pc) {
        if pc + len > i {
            return pc;
        }
        pc += len;
    }
    i
}

/// The start of the instruction that holds word `i` of validated `code`, and whether that
/// instruction reads inside a value it is handed (a field, an element, a closure's code or
/// environment, a method table, a tag), so that a wrong value makes it fault: what the fault
/// handler needs to choose the interpreter's `pc` among the addresses in registers.
pub fn fault_site(code: &[i32], i: usize) -> (usize, bool) {
    use Op::*;
    let at = instruction_at(code, i);
    let stock = |&op: &i32| Op::from_u32(stock_opcode(op) as u32);
    let reads = code.get(at).and_then(stock).is_some_and(|op| {
        matches!(
            op,
            ENVACC1
                | ENVACC2
                | ENVACC3
                | ENVACC4
                | ENVACC
                | PUSHENVACC1
                | PUSHENVACC2
                | PUSHENVACC3
                | PUSHENVACC4
                | PUSHENVACC
                | APPLY
                | APPLY1
                | APPLY2
                | APPLY3
                | APPTERM
                | APPTERM1
                | APPTERM2
                | APPTERM3
                | RESTART
                | OFFSETCLOSUREM3
                | OFFSETCLOSURE0
                | OFFSETCLOSURE3
                | OFFSETCLOSURE
                | PUSHOFFSETCLOSUREM3
                | PUSHOFFSETCLOSURE0
                | PUSHOFFSETCLOSURE3
                | PUSHOFFSETCLOSURE
                | GETGLOBALFIELD
                | PUSHGETGLOBALFIELD
                | MAKEFLOATBLOCK
                | GETFIELD0
                | GETFIELD1
                | GETFIELD2
                | GETFIELD3
                | GETFIELD
                | GETFLOATFIELD
                | SETFIELD0
                | SETFIELD1
                | SETFIELD2
                | SETFIELD3
                | SETFIELD
                | SETFLOATFIELD
                | VECTLENGTH
                | GETVECTITEM
                | SETVECTITEM
                | GETBYTESCHAR
                | SETBYTESCHAR
                | GETSTRINGCHAR
                | SWITCH
                | OFFSETREF
                | GETMETHOD
                | GETPUBMET
                | GETDYNMET
                | C_CALL1
                | C_CALL2
                | C_CALL3
                | C_CALL4
                | C_CALL5
                | C_CALLN
                | RESUME
                | RESUMETERM
                | REPERFORMTERM
        )
    });
    (at, reads)
}

/// The start and the name of the instruction that holds word `i` of validated `code` (for
/// the access checks' reports).
pub fn instruction_named(code: &[i32], i: usize) -> (usize, &'static str) {
    let at = instruction_at(code, i);
    let name = code.get(at).and_then(|&op| NAMES.get(stock_opcode(op) as usize));
    (at, name.copied().unwrap_or("?"))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn numbering_matches_the_stock_list() {
        assert_eq!(STOCK_OPCODE_COUNT, 153);
        assert_eq!(Op::from_u32(143), Some(Op::STOP));
        assert_eq!(NAMES[152], "REPERFORMTERM");
        assert_eq!(Op::from_u32(OPCODE_COUNT as u32), None);
    }

    #[test]
    fn internal_opcodes_keep_their_stock_shape() {
        for op in 0..OPCODE_COUNT {
            let stock = STOCK[op] as usize;
            assert!(stock < STOCK_OPCODE_COUNT, "{}", NAMES[op]);
            assert_eq!(OPERANDS[op], OPERANDS[stock], "{}", NAMES[op]);
            if op < STOCK_OPCODE_COUNT {
                assert_eq!(stock, op);
            }
        }
    }
}
