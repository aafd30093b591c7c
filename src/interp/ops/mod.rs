//! The opcode handlers, one file per family. Each handler is an `#[inline(always)] unsafe fn`
//! on the registers (`regs::Regs`) returning a `Step`; the dispatch (`run`) is generated from
//! the opcode list (`opcodes::define_opcodes!`), which names each opcode's handler. Each file
//! states, in its module doc, why its unchecked accesses hold for validated, well-typed code;
//! the hardened build's dynamic checks are the `check::on_*` hooks the handlers call.

pub(super) mod apply;
pub(super) mod arith;
pub(super) mod block;
pub(super) mod builtin;
pub(super) mod control;
pub(super) mod effect;
pub(super) mod fused;
pub(super) mod prim;
pub(super) mod stack;
