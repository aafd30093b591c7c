//! Exceptions raised by primitives and by the runtime, before they become OCaml values.
//!
//! Primitives return `Result<Value, Exn>`; the interpreter turns an `Exn` into the exception
//! value (using the predefined exceptions in the global table) and unwinds to the nearest
//! handler. `Fatal` and `Exit` leave the program.

use crate::heap::value::Value;

/// Slots of the predefined exceptions in the global data table.
pub mod predef {
    pub const OUT_OF_MEMORY: usize = 0;
    pub const SYS_ERROR: usize = 1;
    pub const FAILURE: usize = 2;
    pub const INVALID_ARGUMENT: usize = 3;
    pub const END_OF_FILE: usize = 4;
    pub const DIVISION_BY_ZERO: usize = 5;
    pub const NOT_FOUND: usize = 6;
    pub const MATCH_FAILURE: usize = 7;
    pub const STACK_OVERFLOW: usize = 8;
    pub const SYS_BLOCKED_IO: usize = 9;
    pub const ASSERT_FAILURE: usize = 10;
    pub const UNDEFINED_RECURSIVE_MODULE: usize = 11;
}

#[derive(Debug, Clone)]
pub enum Exn {
    /// An OCaml exception value, ready to raise.
    Raise(Value),
    /// A predefined exception with a string argument (Failure, Invalid_argument, Sys_error).
    WithString(usize, String),
    /// A predefined constant exception (Not_found, End_of_file, Division_by_zero ...).
    Constant(usize),
    /// A fatal runtime error: "Fatal error: <msg>" on stderr, exit 2.
    Fatal(String),
    /// A call of a primitive that warden does not implement.
    Unimplemented(&'static str),
    /// The program asked to exit with this status.
    Exit(i32),
}

pub type PrimResult = Result<Value, Exn>;

impl Exn {
    pub fn failure(msg: impl Into<String>) -> Exn {
        Exn::WithString(predef::FAILURE, msg.into())
    }
    pub fn invalid_arg(msg: impl Into<String>) -> Exn {
        Exn::WithString(predef::INVALID_ARGUMENT, msg.into())
    }
    pub fn sys_error(msg: impl Into<String>) -> Exn {
        Exn::WithString(predef::SYS_ERROR, msg.into())
    }
    pub fn not_found() -> Exn {
        Exn::Constant(predef::NOT_FOUND)
    }
    pub fn end_of_file() -> Exn {
        Exn::Constant(predef::END_OF_FILE)
    }
    pub fn zero_divide() -> Exn {
        Exn::Constant(predef::DIVISION_BY_ZERO)
    }
    pub fn out_of_memory() -> Exn {
        Exn::Constant(predef::OUT_OF_MEMORY)
    }
    pub fn stack_overflow() -> Exn {
        Exn::Constant(predef::STACK_OVERFLOW)
    }
    pub fn sys_blocked_io() -> Exn {
        Exn::Constant(predef::SYS_BLOCKED_IO)
    }
    pub fn fatal(msg: impl Into<String>) -> Exn {
        Exn::Fatal(msg.into())
    }
    /// `Sys_error` from an OS error, formatted as the stock runtime does: `"<arg>: <strerror>"`
    /// when there is an argument, else just the message.
    pub fn sys_error_os(arg: Option<&str>, err: &std::io::Error) -> Exn {
        let msg = crate::algo::errtext::strerror(err);
        match arg {
            Some(a) => Exn::sys_error(format!("{a}: {msg}")),
            None => Exn::sys_error(msg),
        }
    }
}
