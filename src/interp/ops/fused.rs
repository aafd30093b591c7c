//! Superinstructions: the internal opcodes that `interp::translate` writes over the opcode
//! word of the first of two instructions that the bench programs run one after the other
//! most often (counted on the executed opcodes of `bench/`, kept where callgrind showed
//! they pay). Each runs the first instruction's handler, steps over the second's opcode
//! word, and runs the second's handler: one dispatch instead of two. The second
//! instruction's words stay as they are, so a jump to it runs it alone, and `pc` is at
//! every point what the two instructions run apart would make it (a raise, a poll or an
//! access check inside either sees its own instruction).
//!
//! A `then` pair's first instruction always goes on to the next when it does not leave;
//! an `if_next` pair's may jump (`GRAB` returns a partial application, `BRANCHIFNOT`
//! branches): the second runs only when `pc` went on to it.
//!
//! SAFETY (every handler): as the two handlers' own (validated, well-typed code); the
//! second instruction follows the first, whole (translation fuses only such pairs).

use super::{apply, arith, block, builtin, control, stack};
use crate::interp::regs::{Regs, Step};

macro_rules! fused {
    ($( $name:ident = $a:ident :: $f:ident $(::<$g:tt>)? ( $($x:expr),* )
        $how:ident $b:ident :: $h:ident $(::<$g2:tt>)? ( $($y:expr),* ); )*) => {$(
        #[doc = concat!("`", stringify!($f), "` ", stringify!($how), " `", stringify!($h), "`.")]
        ///
        /// # Safety
        /// As the two handlers'.
        #[inline(always)]
        pub(in crate::interp) unsafe fn $name(m: &mut Regs) -> Step {
            // SAFETY: the module doc.
            unsafe {
                fused!(@$how m, $a::$f $(::<$g>)? (m $(, $x)*), $b::$h $(::<$g2>)? (m $(, $y)*))
            }
        }
    )*};
    (@then $m:ident, $first:expr, $second:expr) => {{
        $first?;
        $m.pc = $m.pc.add(1);
        $second
    }};
    (@if_next $m:ident, $first:expr, $second:expr) => {{
        // The first instruction's operand word, then the second's opcode word.
        let next = $m.pc.add(1);
        $first?;
        if $m.pc == next {
            $m.pc = next.add(1);
            $second
        } else {
            Ok(())
        }
    }};
}

fused! {
    offsetint_assign = arith::offset_int() then stack::assign();
    assign_acc1 = stack::assign() then stack::acc(1);
    acc0_branchifnot = stack::acc(0) then control::branch_if::<false>();
    pushoffsetclosure0_apply1 =
        stack::push_offset_closure_n(0) then apply::apply_n::<1>();
    acc1_pushacc1 = stack::acc(1) then stack::push_acc(1);
    acc0_getfield1 = stack::acc(0) then block::get_field_n(1);
    acc1_push = stack::acc(1) then stack::push();
    neq_branchif = arith::compare(|a, b| a != b) then control::branch_if::<true>();
    push_offsetint = stack::push() then arith::offset_int();
    acc1_neq = stack::acc(1) then arith::compare(|a, b| a != b);
    pushacc1_getfield0 = stack::push_acc(1) then block::get_field_n(0);
    eq_branchifnot = arith::compare(|a, b| a == b) then control::branch_if::<false>();
    checksignals_acc1 = control::check_signals() then stack::acc(1);
    addint_return = arith::binary(arith::add) then apply::return_op();
    const1_pushacc2 = stack::const_n(1) then stack::push_acc(2);
    acc0_offsetint = stack::acc(0) then arith::offset_int();
    acc0_bneq = stack::acc(0) then arith::branch_cmp(|n, a| n != a);
    restart_grab = apply::restart() then apply::grab();
    acc0_getfield0 = stack::acc(0) then block::get_field_n(0);
    pushacc_arraygetaddr = stack::push_acc_op() then builtin::array_get::<false>();
    getfield0_pushacc1 = block::get_field_n(0) then stack::push_acc(1);
    acc1_bneq = stack::acc(1) then arith::branch_cmp(|n, a| n != a);
    grab_acc1 = apply::grab() if_next stack::acc(1);
    grab_acc0 = apply::grab() if_next stack::acc(0);
    branchifnot_acc0 = control::branch_if::<false>() if_next stack::acc(0);
}
