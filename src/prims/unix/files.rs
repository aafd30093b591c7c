//! `unix` primitives on file descriptors: open, close, read, write (strings and
//! bigarrays), lseek, pipes, dup, close-on-exec and non-blocking flags, channels on
//! descriptors, `select`, `lockf`, terminals (`tc*`), `isatty` and mapped files.

use crate::prims::PrimFn;

pub const PRIMS: &[(&str, PrimFn)] = &[];
