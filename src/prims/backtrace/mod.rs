//! Exception backtraces (stock `backtrace.c`, `backtrace_byt.c`): recording switches, raw
//! backtraces and their slots, conversion to source locations through the DBUG section,
//! call stacks, and (in [`printexc`]) the report of an uncaught exception.
//!
//! A raw backtrace slot, and a slot's "debug info", is the instruction's index as an OCaml
//! integer, so raw backtraces survive any collection untouched. It is deliberately not the
//! code address value (`heap::code_pointer::code_value`): a slot held in a local variable must not look
//! like a return address to the stack walks that record backtraces (the stock runtime's
//! slots are integers too, while its return addresses are not).
//!
//! Debug info is decoded the first time a location is asked for (at start-up with
//! OCAMLRUNPARAM=b=2), as the stock runtime reads it lazily; the decoder is the loader's
//! (`loader::debuginfo`), used here directly until the loader hands prims a decoded table.

pub mod printexc;

use super::fiber;
use super::PrimFn;
use crate::domain::{Domain, Stack};
use crate::exn::{Exn, PrimResult};
use crate::heap::atoms::atom;
use crate::heap::code_pointer::code_index;
use crate::heap::value::Value;
use crate::interp::opcodes::Op;
use crate::loader::debuginfo::{DebugEvent, DebugInfo};
use std::sync::RwLock;

pub use printexc::fatal_uncaught_exception;

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_record_backtrace", record_backtrace),
    ("caml_backtrace_status", backtrace_status),
    ("caml_get_exception_raw_backtrace", get_exception_raw_backtrace),
    ("caml_get_exception_backtrace", get_exception_backtrace),
    ("caml_convert_raw_backtrace", convert_raw_backtrace),
    ("caml_convert_raw_backtrace_slot", convert_raw_backtrace_slot),
    ("caml_raw_backtrace_length", raw_backtrace_length),
    ("caml_raw_backtrace_slot", raw_backtrace_slot),
    ("caml_raw_backtrace_next_slot", raw_backtrace_next_slot),
    ("caml_restore_raw_backtrace", restore_raw_backtrace),
    ("caml_ml_debug_info_status", debug_info_status),
    ("caml_get_current_callstack", get_current_callstack),
    ("caml_get_continuation_callstack", get_continuation_callstack),
];

/// Slots kept of one exception's backtrace (the stock runtime's buffer size).
pub const BACKTRACE_BUFFER_SIZE: usize = 1024;

/// `caml_debug_info_status` for a DBUG section that could not be decoded.
const BAD_BYTECODE: i32 = -2;

/// This domain's view of the program's debug information.
#[derive(Default, Clone)]
pub struct BacktraceState {
    /// The DBUG section, until it is decoded.
    dbug: Option<Vec<u8>>,
    /// The decoded events (empty without `-g`).
    info: DebugInfo,
    /// 0 until decoded, then 1, or a negative `startup.h` code on failure.
    status: i32,
    /// Words of code that belong to the program (slots outside are not recorded).
    program_len: usize,
}

impl BacktraceState {
    fn ensure_read(&mut self) {
        if self.status != 0 {
            return;
        }
        self.status = 1;
        if let Some(bytes) = self.dbug.take() {
            match DebugInfo::parse(&bytes) {
                Ok(info) => self.info = info,
                Err(e) => {
                    log::debug!(target: "warden::backtrace", "unreadable DBUG section: {e}");
                    self.status = BAD_BYTECODE;
                }
            }
        }
    }

    /// The location of the instruction at `index` of `code`, reading the debug info if
    /// needed. Slots are instruction starts (a raise's own index or a return address), so
    /// the word there is an opcode.
    pub fn location(&mut self, code: &[i32], index: Option<usize>) -> Location {
        self.ensure_read();
        let Some(i) = index else {
            return Location { is_raise: false, event: None };
        };
        if i >= self.program_len {
            return fragment_location(i);
        }
        let event = self.info.find_instr(i).map(Event::of);
        Location { is_raise: raises_at(code, i), event }
    }
}

/// The debug info of the fragments loaded at run time (`Dynlink`, the toplevel) that have
/// some: first code index, length in words, events (positions relative to the fragment).
static FRAGMENT_DEBUG: RwLock<Vec<(usize, usize, DebugInfo)>> = RwLock::new(Vec::new());

/// Registers the debug info of the fragment of `len` words at code index `start`.
pub fn add_fragment_debug(start: usize, len: usize, info: DebugInfo) {
    let mut all = FRAGMENT_DEBUG.write().unwrap_or_else(|e| e.into_inner());
    all.push((start, len, info));
}

/// Forgets the debug info of the fragment at `start` (released).
pub fn remove_fragment_debug(start: usize) {
    let mut all = FRAGMENT_DEBUG.write().unwrap_or_else(|e| e.into_inner());
    all.retain(|(s, _, _)| *s != start);
}

/// The location of instruction `i` of a fragment loaded at run time.
fn fragment_location(i: usize) -> Location {
    let program = crate::interp::current_program();
    let all = FRAGMENT_DEBUG.read().unwrap_or_else(|e| e.into_inner());
    let event = all
        .iter()
        .find(|(s, l, _)| (*s..*s + *l).contains(&i))
        .and_then(|(s, _, info)| info.find_instr(i - s))
        .map(Event::of);
    Location { is_raise: raises_at(&program.code, i), event }
}

/// Whether the instruction at `i` of `code` raises (a slot there is an instruction start).
fn raises_at(code: &[i32], i: usize) -> bool {
    code.get(i).is_some_and(|&w| w == Op::RAISE as i32 || w == Op::RERAISE as i32)
}

/// A source range of a debug event.
#[derive(Clone, Debug)]
pub struct Event {
    pub filename: String,
    pub defname: String,
    pub start_lnum: i32,
    pub start_chr: i32,
    pub end_lnum: i32,
    pub end_chr: i32,
    pub end_offset: i32,
}

impl Event {
    fn of(e: &DebugEvent) -> Event {
        Event {
            filename: e.filename.clone(),
            defname: e.defname.clone(),
            start_lnum: e.start_lnum,
            start_chr: e.start_chr,
            end_lnum: e.end_lnum,
            end_chr: e.end_chr,
            end_offset: e.end_offset,
        }
    }
}

/// What a backtrace slot says: whether it raises, and where, when the debug info knows.
#[derive(Clone, Debug)]
pub struct Location {
    pub is_raise: bool,
    pub event: Option<Event>,
}

/// The raw backtrace slot of instruction `index`.
pub fn slot_value(index: usize) -> Value {
    Value::of_int(index as isize)
}

/// The instruction index of a raw backtrace slot.
pub fn slot_index(slot: Value) -> Option<usize> {
    if slot.is_int() && slot.int() >= 0 {
        Some(slot.int() as usize)
    } else {
        None
    }
}

fn bt_state(dom: &mut Domain) -> &mut BacktraceState {
    &mut super::state(dom).backtrace
}

/// Keeps the executable's DBUG section (decoded when first needed).
pub fn set_debug_info(dom: &mut Domain, dbug: Option<Vec<u8>>, code: &[i32]) {
    let read_now = dom.config.backtrace > 1;
    let st = bt_state(dom);
    *st = BacktraceState { dbug, info: DebugInfo::default(), status: 0, program_len: code.len() };
    if read_now {
        st.ensure_read();
    }
}

/// Locations of the given raw backtrace slots, reading the debug info if needed.
pub fn locations(dom: &mut Domain, slots: &[Value]) -> Vec<Location> {
    let program = crate::interp::current_program();
    let st = bt_state(dom);
    slots.iter().map(|&s| st.location(&program.code, slot_index(s))).collect()
}

/// The debug info status (`caml_debug_info_status`).
pub fn debug_status(dom: &mut Domain) -> i32 {
    bt_state(dom).status
}

fn record_backtrace(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let flag = args[0].int() != 0;
    if flag != dom.backtrace_active {
        dom.backtrace_active = flag;
        dom.backtrace.clear();
        dom.backtrace_exn = Value::UNIT;
    }
    Ok(Value::UNIT)
}

fn backtrace_status(dom: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::of_bool(dom.backtrace_active))
}

/// The current exception's backtrace as slot values.
fn current_slots(dom: &Domain) -> Vec<Value> {
    if !dom.backtrace_active {
        return Vec::new();
    }
    dom.backtrace.iter().take(BACKTRACE_BUFFER_SIZE).map(|&i| slot_value(i)).collect()
}

fn get_exception_raw_backtrace(dom: &mut Domain, _: &[Value]) -> PrimResult {
    let slots = current_slots(dom);
    Ok(alloc_array(dom, &slots))
}

/// An array of values (the empty array is Atom(0)).
fn alloc_array(dom: &mut Domain, items: &[Value]) -> Value {
    if items.is_empty() {
        atom(0)
    } else {
        dom.alloc_tuple(0, items)
    }
}

/// `Printexc.backtrace_slot` for a location.
fn alloc_slot(dom: &mut Domain, loc: &Location) -> Value {
    match &loc.event {
        Some(e) => {
            let fname = dom.alloc_str(&e.filename);
            let dname = dom.alloc_str(&e.defname);
            let int = |n: i32| Value::of_int(n as isize);
            let fields = [
                Value::of_bool(loc.is_raise),
                fname,
                int(e.start_lnum),
                int(e.start_chr),
                int(e.end_offset),
                int(e.end_lnum),
                int(e.end_chr),
                Value::FALSE,
                dname,
            ];
            dom.alloc_tuple(0, &fields)
        }
        None => dom.alloc_tuple(1, &[Value::of_bool(loc.is_raise)]),
    }
}

/// The slots (fields) of a raw backtrace array.
fn raw_slots(bt: Value) -> Vec<Value> {
    if !bt.is_block() {
        return Vec::new();
    }
    // SAFETY: bt is a block; its fields are read within its size.
    let n = unsafe { bt.wosize() };
    // SAFETY: i < n, the block's size.
    (0..n).map(|i| unsafe { bt.field(i) }).collect()
}

fn converted(dom: &mut Domain, slots: &[Value]) -> Value {
    let locs = locations(dom, slots);
    let items: Vec<Value> = locs.iter().map(|l| alloc_slot(dom, l)).collect();
    alloc_array(dom, &items)
}

fn get_exception_backtrace(dom: &mut Domain, _: &[Value]) -> PrimResult {
    let slots = current_slots(dom);
    let arr = converted(dom, &slots);
    Ok(dom.alloc_some(arr))
}

fn convert_raw_backtrace(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let slots = raw_slots(args[0]);
    Ok(converted(dom, &slots))
}

fn convert_raw_backtrace_slot(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let loc = locations(dom, &[args[0]]).remove(0);
    Ok(alloc_slot(dom, &loc))
}

fn raw_backtrace_length(_: &mut Domain, args: &[Value]) -> PrimResult {
    Ok(Value::of_int(raw_slots(args[0]).len() as isize))
}

fn raw_backtrace_slot(_: &mut Domain, args: &[Value]) -> PrimResult {
    let slots = raw_slots(args[0]);
    let i = args[1].int() as usize;
    match slots.get(i) {
        Some(&s) => Ok(s),
        None => Err(Exn::invalid_arg("Printexc.get_raw_backtrace_slot: index out of bounds")),
    }
}

fn raw_backtrace_next_slot(_: &mut Domain, _: &[Value]) -> PrimResult {
    // Bytecode has no inlined frames: a slot never has a next one.
    Ok(Value::NONE)
}

fn restore_raw_backtrace(dom: &mut Domain, args: &[Value]) -> PrimResult {
    dom.backtrace_exn = args[0];
    dom.backtrace.clear();
    for s in raw_slots(args[1]).into_iter().take(BACKTRACE_BUFFER_SIZE) {
        if let Some(i) = slot_index(s) {
            dom.backtrace.push(i);
        }
    }
    Ok(Value::UNIT)
}

fn debug_info_status(dom: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::of_int(debug_status(dom) as isize))
}

/// Up to `max` return addresses of a stack and of the stacks it runs on, innermost first.
///
/// The walk starts at `sp` in the stack ending at `high`, whose innermost trap frame is at
/// `high + trap_off` (1: none); the handler address of that trap frame is skipped. The
/// stock walk then follows the trap chain with the link word's raw (tagged) bits as the
/// next offset, so it skips only that first handler and reports the others as frames of
/// unknown location; this walk does the same. At the end of a stack it goes on in `parent`
/// (a suspended stack, whose trap offset is the word at its `sp`), until a stack with no
/// parent.
///
/// # Safety
/// `sp..high` must be live words of one stack, and `parent` null or a stack of this domain
/// whose `sp` is within its words, and whose own parents are the same.
unsafe fn callstack_from(
    program: &crate::interp::Program,
    mut sp: *const Value,
    mut trap_off: isize,
    mut high: *const Value,
    mut parent: *const Stack,
    max: usize,
) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < max {
        if sp >= high {
            if parent.is_null() {
                break;
            }
            // SAFETY: parent is a stack of this domain (the caller's contract).
            let next = unsafe { &*parent };
            sp = next.sp;
            high = next.high();
            // SAFETY: a suspended stack keeps its trap offset at sp (when it has words).
            trap_off = if sp < high { unsafe { (*sp).int() } } else { 1 };
            parent = next.parent;
            continue;
        }
        if sp == high.wrapping_offset(trap_off) {
            let link = sp.wrapping_add(1);
            // SAFETY: sp <= p < link < high: a live stack word.
            trap_off = if link < high { unsafe { (*link).0 as isize } } else { 1 };
        } else {
            // SAFETY: sp < high: a live stack word.
            let w = unsafe { *sp };
            if let Some(i) = code_index(w) {
                if program.is_ocaml_code(i) {
                    out.push(slot_value(i));
                }
            }
        }
        sp = sp.wrapping_add(1);
    }
    out
}

/// The walk's limit: `max` frames. The stock runtime compares the frame count (unsigned)
/// with the signed limit, so a negative limit means no limit; the cast does the same.
fn max_frames(max: Value) -> usize {
    max.int() as usize
}

fn get_current_callstack(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let program = crate::interp::current_program();
    let st = &dom.stack;
    // SAFETY: the running stack's live words are sp..high; its parents are the suspended
    // stacks it runs on.
    let slots = unsafe {
        callstack_from(&program, st.sp, st.trap_off, st.high(), st.parent, max_frames(args[0]))
    };
    Ok(alloc_array(dom, &slots))
}

/// Up to `max` frames of the domain's current call stack (its published `sp`): the
/// memory profiler's capture of an allocation's call stack (`domain::memprof`).
pub fn memprof_callstack(dom: &mut Domain, max: usize) -> Vec<Value> {
    let program = crate::interp::current_program();
    let st = &dom.stack;
    // SAFETY: as in `get_current_callstack`: the allocating code published `sp`.
    unsafe { callstack_from(&program, st.sp, st.trap_off, st.high(), st.parent, max) }
}

/// The call stack of continuation `args[0]` (its fibers, innermost first), up to `args[1]`
/// frames; raises `Continuation_already_resumed` for a used continuation, as the stock
/// runtime, which takes the fibers out of the continuation for the walk and puts them back.
fn get_continuation_callstack(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let cont = args[0];
    let fiber = fiber::continuation_use(dom, cont)?;
    let program = crate::interp::current_program();
    let stack = (fiber.0 & !1) as *const Stack;
    // SAFETY: the chain of a continuation we took is ours until we put it back (see
    // `heap::stack`): its first fiber's parents lead to its last fiber (whose parent is null
    // while suspended).
    let slots = unsafe {
        let s = &*stack;
        let trap_off = if s.sp < s.high() { (*s.sp).int() } else { 1 };
        callstack_from(&program, s.sp, trap_off, s.high(), s.parent, max_frames(args[1]))
    };
    fiber::continuation_replace(cont, fiber);
    Ok(alloc_array(dom, &slots))
}
