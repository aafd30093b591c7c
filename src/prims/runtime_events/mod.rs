//! The `Runtime_events` primitives: the producer's (start, pause, resume, the ring's path,
//! user events) over `crate::events`, and the consumer's (cursors reading a ring file, of this
//! process or another, and calling the OCaml callbacks: `consumer`).
//!
//! The user events registered so far are an OCaml list (newest first) in `Domain::named`
//! under a NUL-prefixed key, so the collector keeps them and the consumer can resolve an
//! event id read from a ring to the event value; `crate::events` keeps their names for the
//! ring files.

mod consumer;

use super::PrimFn;
use crate::domain::Domain;
use crate::events::{self, UserMessage};
use crate::exn::{Exn, PrimResult};
use crate::heap::value::Value;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const PRIMS: &[(&str, PrimFn)] = &[
    ("caml_ml_runtime_events_start", start),
    ("caml_ml_runtime_events_pause", pause),
    ("caml_ml_runtime_events_resume", resume),
    ("caml_ml_runtime_events_path", path),
    ("caml_ml_runtime_events_are_active", are_active),
    ("caml_runtime_events_user_register", user_register),
    ("caml_runtime_events_user_write", user_write),
    ("caml_ml_runtime_events_create_cursor", consumer::create_cursor),
    ("caml_ml_runtime_events_free_cursor", consumer::free_cursor),
    ("caml_ml_runtime_events_read_poll", consumer::read_poll),
];

/// Key of the registered user events' list in `Domain::named`.
const USER_EVENTS_KEY: &[u8] = b"\0warden:runtime_events_user";
/// The most user events, and the longest name (NUL excluded).
const MAX_CUSTOM_EVENTS: usize = 1 << 13;
const MAX_NAME_LENGTH: usize = 127;

/// User event ids handed out so far (process-wide; relaxed: only the count matters).
static CUSTOM_EVENT_INDEX: AtomicUsize = AtomicUsize::new(0);

/// `Runtime_events.User.t`'s fields, and `Type.t`'s constant constructors.
const EVENT_ID: usize = 0;
const EVENT_NAME: usize = 1;
const EVENT_TYPE: usize = 2;
const TYPE_UNIT: isize = 0;
const TYPE_INT: isize = 1;
const TYPE_SPAN: isize = 2;

/// Starts recording in a stopped world, as the stock runtime does (so the first events are
/// the ring's start and the end of that stop-the-world section).
fn start(dom: &mut Domain, _: &[Value]) -> PrimResult {
    let mut started = Ok(());
    dom.with_world_stopped(|| started = events::start());
    started.map_err(Exn::Fatal)?;
    Ok(Value::UNIT)
}

fn pause(_: &mut Domain, _: &[Value]) -> PrimResult {
    events::pause();
    Ok(Value::UNIT)
}

fn resume(_: &mut Domain, _: &[Value]) -> PrimResult {
    events::resume();
    Ok(Value::UNIT)
}

fn path(dom: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(match events::current_path() {
        Some(p) => {
            let s = dom.alloc_bytes_from(p.as_bytes());
            dom.alloc_some(s)
        }
        None => Value::NONE,
    })
}

fn are_active(_: &mut Domain, _: &[Value]) -> PrimResult {
    Ok(Value::of_bool(events::active()))
}

/// The registered user events, newest first.
fn user_events(dom: &mut Domain) -> Value {
    dom.named.get(USER_EVENTS_KEY).copied().unwrap_or(Value::EMPTY_LIST)
}

fn user_register(dom: &mut Domain, args: &[Value]) -> PrimResult {
    register(dom, args[0], args[1], args[2])
}

/// Registers a user event: a fresh id, the record `{id; name; typ; tag}`, its name in the
/// ring file.
fn register(dom: &mut Domain, name: Value, tag: Value, typ: Value) -> PrimResult {
    let index = CUSTOM_EVENT_INDEX.fetch_add(1, Ordering::Relaxed);
    // As the stock runtime, one id past the table is accepted (its name is not recorded).
    if index > MAX_CUSTOM_EVENTS {
        return Err(Exn::invalid_arg(
            "Runtime_events.User.register: maximum number of custom events exceeded",
        ));
    }
    // SAFETY: the event name is an OCaml string.
    let bytes = unsafe { name.bytes() };
    if bytes.len() > MAX_NAME_LENGTH {
        return Err(Exn::invalid_arg(
            "Runtime_events.User.register: maximum length for event name exceeded",
        ));
    }
    if bytes.contains(&0) {
        return Err(Exn::invalid_arg(
            "Runtime_events.User.register: event name has null characters",
        ));
    }
    events::register_name(index, bytes);
    // No collection runs inside a primitive's allocations, so `name`, `typ`, `tag` and the
    // new blocks stay where they are.
    let event = dom.alloc_tuple(0, &[Value::of_int(index as isize), name, typ, tag]);
    let list = user_events(dom);
    let cell = dom.alloc_tuple(0, &[event, list]);
    dom.named.insert(USER_EVENTS_KEY.to_vec(), cell);
    Ok(event)
}

/// The registered event named `name` (compared as C strings of at most 128 bytes); else,
/// for a known type, a new event of that name and type with no tag; else `None`
/// (`caml_runtime_events_user_resolve`).
fn resolve(dom: &mut Domain, name: &[u8], type_id: isize) -> PrimResult {
    let mut list = user_events(dom);
    while list.is_block() {
        // SAFETY: the list holds event records; their names are strings.
        let event = unsafe { list.field(0) };
        // SAFETY: as above.
        if c_name(unsafe { event.field(EVENT_NAME).bytes() }) == name {
            return Ok(event);
        }
        // SAFETY: a cons cell.
        list = unsafe { list.field(1) };
    }
    if matches!(type_id, TYPE_UNIT | TYPE_INT | TYPE_SPAN) {
        let ml_name = dom.alloc_bytes_from(name);
        register(dom, ml_name, Value::NONE, Value::of_int(type_id))
    } else {
        Ok(Value::NONE)
    }
}

/// A name as `strncmp` sees it: up to the first NUL, at most 128 bytes.
fn c_name(bytes: &[u8]) -> &[u8] {
    let bytes = &bytes[..bytes.len().min(MAX_NAME_LENGTH + 1)];
    match bytes.iter().position(|&b| b == 0) {
        Some(n) => &bytes[..n],
        None => bytes,
    }
}

/// `caml_runtime_events_user_write buffer event value`: records a user event; a custom
/// event's value is serialised into `buffer` by its type's `serialize` function first.
fn user_write(dom: &mut Domain, args: &[Value]) -> PrimResult {
    let (buffer, event, content) = (args[0], args[1], args[2]);
    if !events::active() {
        return Ok(Value::UNIT);
    }
    // SAFETY: an event record; its type is `Type.t`.
    let (id, typ) = unsafe { (event.field(EVENT_ID).int() as usize, event.field(EVENT_TYPE)) };
    if typ.is_block() {
        // Custom { serialize; deserialize; id }.
        // SAFETY: `Custom` holds the record whose field 0 is the serializer.
        let serialize = unsafe { typ.field(0).field(0) };
        dom.local_roots.push(buffer);
        let res = dom.call(serialize, &[buffer, content]);
        let buffer = dom.local_roots.pop().expect("rooted buffer");
        let len = res?.int();
        if !events::active() {
            return Ok(Value::UNIT);
        }
        // SAFETY: the write buffer is a `bytes`.
        let bytes = unsafe { buffer.bytes_mut() };
        let words = (len.max(0) as usize + 8) / 8;
        if len < 0 || words * 8 > bytes.len() {
            return Err(Exn::invalid_arg(
                "Runtime_events.User.write: the serializer's length exceeds its buffer",
            ));
        }
        // The last byte of the last word says how many bytes of padding precede it.
        let last = words * 8 - 1;
        bytes[last] = (last - len as usize) as u8;
        let payload: Vec<u64> = bytes[..words * 8]
            .chunks_exact(8)
            .map(|w| u64::from_ne_bytes(w.try_into().expect("8 bytes")))
            .collect();
        events::user(UserMessage::Custom, id, &payload);
    } else {
        match typ.int() {
            TYPE_UNIT => events::user(UserMessage::Unit, id, &[]),
            // As the stock runtime, the value is cut to a C int (32 bits) first.
            TYPE_INT => events::user(UserMessage::Int, id, &[content.int() as i32 as i64 as u64]),
            TYPE_SPAN => {
                let kind =
                    if content.int() == 0 { UserMessage::SpanBegin } else { UserMessage::SpanEnd };
                events::user(kind, id, &[]);
            }
            _ => {}
        }
    }
    Ok(Value::UNIT)
}
