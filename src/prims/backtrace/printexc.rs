//! The report of an uncaught exception (stock `printexc.c`): `Printexc`'s handler when the
//! program registered it, else the runtime's own "Fatal error: exception ..." message with
//! the exception formatted as `caml_format_exception` does and the backtrace if recorded.

use super::{locations, slot_value, Location};
use crate::domain::Domain;
use crate::exn::{predef, Exn};
use crate::heap::value::{Value, STRING_TAG};
use std::io::Write;

/// The stock formatter writes into a 256-byte buffer, keeping one byte for the NUL.
const FORMAT_LIMIT: usize = 255;

/// Bytes appended with the stock formatter's truncation: whatever does not fit is dropped.
struct Bounded(Vec<u8>);

impl Bounded {
    fn push(&mut self, c: u8) {
        if self.0.len() < FORMAT_LIMIT {
            self.0.push(c);
        }
    }
    fn push_str(&mut self, s: &[u8]) {
        let room = FORMAT_LIMIT - self.0.len();
        self.0.extend_from_slice(&s[..s.len().min(room)]);
    }
}

/// The bytes of a string block up to its first NUL (C's view of it). The slice borrows the
/// domain, so nothing can allocate or run OCaml code while it is alive.
fn c_bytes(_: &Domain, v: Value) -> &[u8] {
    // SAFETY: the tag is read from a block.
    if v.is_block() && unsafe { v.tag() } == STRING_TAG {
        // SAFETY: a string block, valid while the domain is borrowed (no collection).
        let b = unsafe { v.bytes() };
        &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
    } else {
        b"_"
    }
}

/// Field `i` of block `b`, or unit when out of range.
fn field(b: Value, i: usize) -> Value {
    // SAFETY: read only from a block, within its size.
    if b.is_block() && i < unsafe { b.wosize() } {
        // SAFETY: i is below the size just read.
        unsafe { b.field(i) }
    } else {
        Value::UNIT
    }
}

/// `caml_format_exception`: `Name(arg, ...)` with integers, quoted strings and `_` for any
/// other argument; `Match_failure`-style exceptions show their tuple's components.
pub fn format_exception(dom: &Domain, exn: Value) -> Vec<u8> {
    let mut buf = Bounded(Vec::new());
    // SAFETY: an exception value is a block.
    if exn.is_block() && unsafe { exn.tag() } == 0 {
        let slot = field(exn, 0);
        buf.push_str(c_bytes(dom, field(slot, 0)));
        // SAFETY: exn is a block.
        let size = unsafe { exn.wosize() };
        let arg = field(exn, 1);
        let special =
            [predef::MATCH_FAILURE, predef::ASSERT_FAILURE, predef::UNDEFINED_RECURSIVE_MODULE]
                .iter()
                .any(|&g| dom.global(g) == slot);
        // SAFETY: the tag is read from a block.
        let (bucket, start) = if size == 2 && arg.is_block() && unsafe { arg.tag() } == 0 && special
        {
            (arg, 0)
        } else {
            (exn, 1)
        };
        buf.push(b'(');
        // SAFETY: bucket is a block.
        let n = unsafe { bucket.wosize() };
        for i in start..n {
            if i > start {
                buf.push_str(b", ");
            }
            let v = field(bucket, i);
            if v.is_int() {
                buf.push_str(v.int().to_string().as_bytes());
            // SAFETY: v is a block.
            } else if unsafe { v.tag() } == STRING_TAG {
                buf.push(b'"');
                buf.push_str(c_bytes(dom, v));
                buf.push(b'"');
            } else {
                buf.push(b'_');
            }
        }
        buf.push(b')');
    } else {
        buf.push_str(c_bytes(dom, field(exn, 0)));
    }
    buf.0
}

/// One backtrace line as the runtime prints it; None for a compiler-inserted re-raise.
/// `inlined` mirrors the stock printer, whose "inlined" flag is only set by a known
/// location and otherwise keeps whatever the previous line (or, before any, its
/// uninitialised stack slot, observed set) left there.
fn location_line(loc: &Location, index: usize, inlined: &mut bool) -> Option<String> {
    if loc.event.is_none() && loc.is_raise {
        return None;
    }
    let info = match (loc.is_raise, index == 0) {
        (true, true) => "Raised at",
        (true, false) => "Re-raised at",
        (false, true) => "Raised by primitive operation at",
        (false, false) => "Called from",
    };
    let Some(e) = &loc.event else {
        let suffix = if *inlined { " (inlined)" } else { "" };
        return Some(format!("{info} unknown location{suffix}"));
    };
    *inlined = false;
    Some(if e.start_lnum == e.end_lnum {
        format!(
            "{info} {} in file \"{}\", line {}, characters {}-{}",
            e.defname, e.filename, e.start_lnum, e.start_chr, e.end_chr
        )
    } else {
        format!(
            "{info} {} in file \"{}\", lines {}-{}, characters {}-{}",
            e.defname, e.filename, e.start_lnum, e.end_lnum, e.start_chr, e.end_chr
        )
    })
}

/// The recorded backtrace as `caml_print_exception_backtrace` prints it.
pub fn exception_backtrace_text(dom: &mut Domain) -> String {
    backtrace_text(dom)
}

/// The runtime's backtrace printout (`caml_print_exception_backtrace`), as text.
fn backtrace_text(dom: &mut Domain) -> String {
    let slots: Vec<Value> = dom.backtrace.iter().map(|&i| slot_value(i)).collect();
    let locs = locations(dom, &slots);
    let mut out = String::new();
    let mut inlined = true;
    for (i, loc) in locs.iter().enumerate() {
        if let Some(line) = location_line(loc, i, &mut inlined) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    let why = match super::debug_status(dom) {
        -1 => Some("bytecode executable program file not found"),
        -2 => Some("bytecode executable program file appears to be corrupt"),
        -3 => Some("bytecode executable program file has wrong magic number"),
        -4 => Some(
            "bytecode executable program file cannot be opened;\n \
             -- too many open files. Try running with OCAMLRUNPARAM=b=2",
        ),
        _ => None,
    };
    if let Some(why) = why {
        out.push_str(&format!("(Cannot print locations:\n {why})\n"));
    }
    out
}

/// The exit status for a failure that ends the report early.
fn early_exit(e: Exn) -> Option<i32> {
    match e {
        Exn::Exit(code) => Some(code),
        Exn::Fatal(msg) => {
            eprintln!("Fatal error: {msg}");
            Some(2)
        }
        _ => None,
    }
}

/// Reports the uncaught exception `exn` as ocamlrun does and returns the exit status: 2, or
/// the status of an `exit` called by an at-exit function.
pub fn fatal_uncaught_exception(dom: &mut Domain, exn: Value) -> i32 {
    // As the stock runtime: no memory-profiler callback runs in the handler.
    dom.memprof_suspend(true);
    if let Some(handler) = dom.named_value("Printexc.handle_uncaught_exception") {
        // Printexc's handler never raises; it runs the at-exit functions itself.
        if let Err(e) = dom.call(handler, &[exn, Value::FALSE]) {
            if let Some(code) = early_exit(e) {
                return code;
            }
        }
        return 2;
    }
    let msg = format_exception(dom, exn);
    // The at-exit functions run with backtraces off, and may not disturb the one to print.
    let saved_active = dom.backtrace_active;
    let saved = std::mem::take(&mut dom.backtrace);
    dom.backtrace_active = false;
    if let Some(at_exit) = dom.named_value("Pervasives.do_at_exit") {
        if let Err(e) = dom.call(at_exit, &[Value::UNIT]) {
            if let Some(code) = early_exit(e) {
                return code;
            }
        }
    }
    dom.backtrace_active = saved_active;
    dom.backtrace = saved;
    let mut text = b"Fatal error: exception ".to_vec();
    text.extend_from_slice(&msg);
    text.push(b'\n');
    if dom.backtrace_active {
        text.extend_from_slice(backtrace_text(dom).as_bytes());
    }
    let mut err = std::io::stderr().lock();
    // Nothing more can be reported if stderr itself fails.
    let _ = err.write_all(&text);
    let _ = err.flush();
    2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_buffer_truncates_like_the_stock_formatter() {
        let mut b = Bounded(Vec::new());
        b.push_str(b"Failure");
        b.push(b'(');
        b.push(b'"');
        b.push_str(&[b'x'; 300]);
        b.push(b'"');
        b.push(b')');
        assert_eq!(b.0.len(), FORMAT_LIMIT);
        assert!(b.0.ends_with(b"xxx"));
    }

    #[test]
    fn unknown_locations_keep_the_inlined_flag() {
        let unknown = Location { is_raise: false, event: None };
        let raise = Location { is_raise: true, event: None };
        let mut inlined = true;
        assert_eq!(location_line(&raise, 0, &mut inlined), None);
        assert_eq!(
            location_line(&unknown, 1, &mut inlined).unwrap(),
            "Called from unknown location (inlined)"
        );
        let known = Location {
            is_raise: true,
            event: Some(super::super::Event {
                filename: "a.ml".into(),
                defname: "A.f".into(),
                start_lnum: 2,
                start_chr: 8,
                end_lnum: 3,
                end_chr: 4,
                end_offset: 40,
            }),
        };
        assert_eq!(
            location_line(&known, 0, &mut inlined).unwrap(),
            "Raised at A.f in file \"a.ml\", lines 2-3, characters 8-4"
        );
        assert_eq!(
            location_line(&unknown, 2, &mut inlined).unwrap(),
            "Called from unknown location"
        );
    }
}
