//! Debug information: the DBUG section (written by `ocamlc -g`) turned into a table from
//! code positions to source locations, for exception backtraces.
//!
//! DBUG is a big-endian `u32` count, then per compilation unit a big-endian `i32` code
//! offset, a marshalled `Instruct.debug_event list` and a marshalled list of directories
//! (skipped). Of each event only three fields matter here: `ev_pos` (byte offset of the
//! event in the unit's code), `ev_loc` (a `Location.t`, whose start and end positions give
//! file, lines and characters) and `ev_defname` (the enclosing definition).
//!
//! The marshalled events are decoded into a plain Rust tree by a small reader of the intern
//! format that allocates nothing on the OCaml heap (a debug-info table does not need to live
//! there, and it can be read before any domain exists). Like [`super::intern`], it walks
//! nesting with an explicit stack and checks every size, so hostile input gives an error.
//!
//! Invariant: `DebugInfo::events` is sorted by position (then start line, start character,
//! end offset), which is what the stock runtime's lookup (and so its choice between events
//! at neighbouring positions) relies on.

use super::intern::{parse_header, Reader};

/// One debug event, with what a backtrace line needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebugEvent {
    /// Byte offset in CODE (the unit's offset already added).
    pub pos: usize,
    pub filename: String,
    /// The enclosing definition (`Foo.bar`), or `<old bytecode>` when absent.
    pub defname: String,
    pub start_lnum: i32,
    /// Start character, relative to the start line.
    pub start_chr: i32,
    pub end_lnum: i32,
    /// End character, relative to the end line.
    pub end_chr: i32,
    /// End character, relative to the start line (`Printexc`'s `end_offset`).
    pub end_offset: i32,
}

/// The debug events of a program, sorted for lookup.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DebugInfo {
    events: Vec<DebugEvent>,
}

impl DebugInfo {
    /// Decodes a DBUG section.
    pub fn parse(dbug: &[u8]) -> Result<DebugInfo, String> {
        let mut r = Reader::new(dbug);
        let count = r.u32().map_err(|_| "truncated DBUG section".to_string())?;
        let mut events = Vec::new();
        for unit in 0..count {
            let orig = r.u32().map_err(|_| format!("truncated DBUG section (unit {unit})"))? as i32;
            let rest = &dbug[r.pos()..];
            let (tree, used) = Tree::decode(rest).map_err(|e| format!("DBUG unit {unit}: {e}"))?;
            r.take(used)?;
            tree.collect_events(i64::from(orig), &mut events)
                .map_err(|e| format!("DBUG unit {unit}: {e}"))?;
            // The list of source directories: skipped.
            let h = parse_header(&dbug[r.pos()..]).map_err(|e| format!("DBUG unit {unit}: {e}"))?;
            let len = h.header_len.checked_add(h.data_len).ok_or("DBUG section too large")?;
            r.take(len).map_err(|_| format!("truncated DBUG section (unit {unit})"))?;
        }
        Ok(DebugInfo::from_events(events))
    }

    /// The debug info of events already decoded (a fragment loaded at run time hands its
    /// events as values), sorted for lookup.
    pub fn from_events(mut events: Vec<DebugEvent>) -> DebugInfo {
        events.sort_by(|a, b| {
            (a.pos, a.start_lnum, a.start_chr, a.end_offset).cmp(&(
                b.pos,
                b.start_lnum,
                b.start_chr,
                b.end_offset,
            ))
        });
        DebugInfo { events }
    }

    /// All events, sorted by position.
    pub fn events(&self) -> &[DebugEvent] {
        &self.events
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The event for code position `pc` (a byte offset in CODE), as the stock runtime picks
    /// it: the event at `pc`, or else one at the next word (`ocamlc` sometimes places an
    /// event after a following PUSH).
    pub fn find(&self, pc: usize) -> Option<&DebugEvent> {
        let ev = &self.events;
        if ev.is_empty() {
            return None;
        }
        // `low` ends on the last event at or before `pc` (or on the first event).
        let (mut low, mut high) = (0, ev.len());
        while low + 1 < high {
            let m = (low + high) / 2;
            if pc < ev[m].pos {
                high = m;
            } else {
                low = m;
            }
        }
        let next = pc.checked_add(4);
        if ev[low].pos == pc || Some(ev[low].pos) == next {
            return Some(&ev[low]);
        }
        if low + 1 < ev.len() && Some(ev[low + 1].pos) == next {
            return Some(&ev[low + 1]);
        }
        None
    }

    /// [`DebugInfo::find`] for an instruction index (a position in 32-bit words).
    pub fn find_instr(&self, index: usize) -> Option<&DebugEvent> {
        self.find(index.checked_mul(4)?)
    }

    /// The event exactly at byte offset `pc`, if any.
    pub fn find_exact(&self, pc: usize) -> Option<&DebugEvent> {
        self.find(pc).filter(|e| e.pos == pc)
    }
}

/// One line of a printed backtrace, as the stock runtime (and `Printexc`) writes it; None
/// for a compiler-inserted re-raise, which is not printed. `first` is true for the first
/// slot, `is_raise` when the slot's instruction is RAISE or RERAISE.
#[cfg(test)]
pub fn format_slot(is_raise: bool, first: bool, ev: Option<&DebugEvent>) -> Option<String> {
    let info = match (is_raise, first) {
        (true, true) => "Raised at",
        (true, false) => "Re-raised at",
        (false, true) => "Raised by primitive operation at",
        (false, false) => "Called from",
    };
    let Some(ev) = ev else {
        return (!is_raise).then(|| format!("{info} unknown location"));
    };
    let lines = if ev.start_lnum == ev.end_lnum {
        format!(" {}", ev.start_lnum)
    } else {
        format!("s {}-{}", ev.start_lnum, ev.end_lnum)
    };
    Some(format!(
        "{info} {} in file \"{}\", line{lines}, characters {}-{}",
        ev.defname, ev.filename, ev.start_chr, ev.end_chr
    ))
}

/// A decoded value: an immediate, an atom, or an object of the tree.
#[derive(Copy, Clone, Debug, PartialEq)]
enum Node {
    Int(i64),
    Atom(u8),
    Obj(usize),
    /// A code pointer (never expected in debug info; kept so that decoding stays total).
    Code,
}

#[derive(Debug)]
enum Obj {
    Block {
        tag: u8,
        fields: Vec<Node>,
    },
    Bytes(Vec<u8>),
    /// Floats, float arrays and custom blocks: their contents are not needed here.
    Opaque,
}

/// A marshalled value decoded into Rust data; objects are numbered in reading order, as
/// shared references count them.
struct Tree {
    objs: Vec<Obj>,
    root: Node,
}

/// Where a decoded node goes.
#[derive(Copy, Clone)]
enum Slot {
    Root,
    Field(usize, usize),
}

impl Tree {
    /// Decodes the marshalled value at the start of `bytes`; returns it with the number of
    /// bytes it occupies.
    fn decode(bytes: &[u8]) -> Result<(Tree, usize), String> {
        let h = parse_header(bytes)?;
        if h.compressed {
            return Err("compressed marshalled data is not supported".to_string());
        }
        let total = h
            .header_len
            .checked_add(h.data_len)
            .filter(|&t| t <= bytes.len())
            .ok_or("truncated object")?;
        let mut r = Reader::new(&bytes[h.header_len..total]);
        let sharing = h.num_objects > 0;
        let mut t = Tree { objs: Vec::new(), root: Node::Int(0) };
        // (slot, fields left from it) pairs still to fill, innermost last; `promised` counts
        // all the fields left, each of which needs at least one more byte.
        let mut stack: Vec<(Slot, usize)> = vec![(Slot::Root, 1)];
        let mut promised = 1usize;
        while let Some((slot, remaining)) = stack.pop() {
            promised -= 1;
            if remaining > 1 {
                if let Slot::Field(o, i) = slot {
                    stack.push((Slot::Field(o, i + 1), remaining - 1));
                }
            }
            let node = t.item(&mut r, sharing, &mut stack, &mut promised)?;
            match slot {
                Slot::Root => t.root = node,
                Slot::Field(o, i) => {
                    if let Some(Obj::Block { fields, .. }) = t.objs.get_mut(o) {
                        if let Some(f) = fields.get_mut(i) {
                            *f = node;
                        }
                    }
                }
            }
        }
        Ok((t, total))
    }

    /// Reads one item; a block's fields are queued on `stack`.
    fn item(
        &mut self,
        r: &mut Reader<'_>,
        sharing: bool,
        stack: &mut Vec<(Slot, usize)>,
        promised: &mut usize,
    ) -> Result<Node, String> {
        let mut code = r.u8()?;
        // Infix pointers: the value follows; the offset does not matter here.
        while code == 0x11 {
            r.take(4)?;
            code = r.u8()?;
        }
        let (tag, size) = match code {
            0x80..=0xFF => (code & 0xF, usize::from((code >> 4) & 7)),
            0x40..=0x7F => return Ok(Node::Int(i64::from(code & 0x3F))),
            0x20..=0x3F => return self.bytes(r, usize::from(code & 0x1F)),
            0x00 => return Ok(Node::Int(i64::from(r.u8()? as i8))),
            0x01 => return Ok(Node::Int(i64::from(r.u16()? as i16))),
            0x02 => return Ok(Node::Int(i64::from(r.u32()? as i32))),
            0x03 => return Ok(Node::Int(r.u64()? as i64)),
            0x04 | 0x05 | 0x06 | 0x14 => {
                let ofs = match code {
                    0x04 => u64::from(r.u8()?),
                    0x05 => u64::from(r.u16()?),
                    0x06 => u64::from(r.u32()?),
                    _ => r.u64()?,
                };
                let count = self.objs.len() as u64;
                if !sharing || ofs == 0 || ofs > count {
                    return Err(format!(
                        "ill-formed message (bad shared reference at byte {})",
                        r.pos()
                    ));
                }
                return Ok(Node::Obj((count - ofs) as usize));
            }
            0x08 => {
                let h = r.u32()?;
                (h as u8, (h >> 10) as usize)
            }
            0x13 => {
                let h = r.u64()?;
                (h as u8, usize::try_from(h >> 10).map_err(|_| "object too large")?)
            }
            0x09 => {
                let n = usize::from(r.u8()?);
                return self.bytes(r, n);
            }
            0x0A => {
                let n = r.u32()? as usize;
                return self.bytes(r, n);
            }
            0x15 => {
                let n = usize::try_from(r.u64()?).map_err(|_| "object too large")?;
                return self.bytes(r, n);
            }
            0x0B | 0x0C => {
                r.take(8)?;
                return Ok(self.push(Obj::Opaque));
            }
            0x0D | 0x0E | 0x07 | 0x0F | 0x16 | 0x17 => {
                let n = match code {
                    0x0D | 0x0E => u64::from(r.u8()?),
                    0x07 | 0x0F => u64::from(r.u32()?),
                    _ => r.u64()?,
                };
                let n = usize::try_from(n)
                    .ok()
                    .and_then(|n| n.checked_mul(8))
                    .ok_or("truncated object")?;
                r.take(n)?;
                return Ok(self.push(Obj::Opaque));
            }
            0x10 => {
                r.take(4 + 16)?;
                return Ok(Node::Code);
            }
            0x18 | 0x19 => return self.custom(r, code == 0x19),
            _ => {
                return Err(format!(
                    "ill-formed message (item code {code:#04x} at byte {})",
                    r.pos()
                ))
            }
        };
        if size == 0 {
            return Ok(Node::Atom(tag));
        }
        match promised.checked_add(size) {
            Some(p) if p <= r.remaining() => *promised = p,
            _ => return Err("truncated object".to_string()),
        }
        let node = self.push(Obj::Block { tag, fields: vec![Node::Int(0); size] });
        if let Node::Obj(o) = node {
            stack.push((Slot::Field(o, 0), size));
        }
        Ok(node)
    }

    fn push(&mut self, o: Obj) -> Node {
        self.objs.push(o);
        Node::Obj(self.objs.len() - 1)
    }

    fn bytes(&mut self, r: &mut Reader<'_>, len: usize) -> Result<Node, String> {
        let b = r.take(len)?.to_vec();
        Ok(self.push(Obj::Bytes(b)))
    }

    /// The custom blocks that can occur in compiler data: boxed integers.
    fn custom(&mut self, r: &mut Reader<'_>, fixed: bool) -> Result<Node, String> {
        let id = r.cstring()?;
        if !fixed {
            r.take(4 + 8)?;
        }
        match (id, fixed) {
            (b"_j", true) => r.take(8)?,
            (b"_i", true) => r.take(4)?,
            (b"_n", false) => match r.u8()? {
                1 => r.take(4)?,
                2 => r.take(8)?,
                _ => return Err("ill-formed nativeint".to_string()),
            },
            _ => {
                return Err(format!(
                    "unsupported custom block identifier {} in debug information",
                    String::from_utf8_lossy(id)
                ))
            }
        };
        Ok(self.push(Obj::Opaque))
    }

    fn field(&self, n: Node, i: usize) -> Option<Node> {
        match n {
            Node::Obj(o) => match self.objs.get(o)? {
                Obj::Block { fields, .. } => fields.get(i).copied(),
                _ => None,
            },
            _ => None,
        }
    }

    fn int(&self, n: Option<Node>) -> Option<i64> {
        match n? {
            Node::Int(i) => Some(i),
            _ => None,
        }
    }

    fn string(&self, n: Option<Node>) -> Option<String> {
        match n? {
            Node::Obj(o) => match self.objs.get(o)? {
                // C strings stop at the first NUL.
                Obj::Bytes(b) => {
                    let b = b.split(|&c| c == 0).next().unwrap_or(&[]);
                    Some(String::from_utf8_lossy(b).into_owned())
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Walks the root (an event list) and appends its events, relocated by `orig`.
    fn collect_events(&self, orig: i64, out: &mut Vec<DebugEvent>) -> Result<(), String> {
        let mut l = self.root;
        let mut seen = 0usize;
        while l != Node::Int(0) {
            seen += 1;
            if seen > self.objs.len() {
                return Err("cyclic debug event list".to_string());
            }
            let is_cons = matches!(l, Node::Obj(o) if matches!(self.objs.get(o), Some(Obj::Block { tag: 0, fields }) if fields.len() == 2));
            if !is_cons {
                return Err("the debug events are not a list".to_string());
            }
            let ev = self.field(l, 0).ok_or("malformed debug event list")?;
            if let Some(e) = self.event(ev, orig) {
                out.push(e);
            } else {
                return Err("malformed debug event".to_string());
            }
            l = self.field(l, 1).ok_or("malformed debug event list")?;
        }
        Ok(())
    }

    fn event(&self, ev: Node, orig: i64) -> Option<DebugEvent> {
        // Fields of Instruct.debug_event, Location.t and Lexing.position.
        const EV_POS: usize = 0;
        const EV_LOC: usize = 2;
        const EV_DEFNAME: usize = 4;
        let pos = self.int(self.field(ev, EV_POS))?.checked_add(orig)?;
        let loc = self.field(ev, EV_LOC)?;
        let (start, end) = (self.field(loc, 0)?, self.field(loc, 1)?);
        let filename = self.string(self.field(start, 0))?;
        // Positions are read as C ints, as the stock runtime does.
        let get = |p: Node, i: usize| self.int(self.field(p, i)).map(|n| n as i32);
        let (start_lnum, start_bol, start_cnum) = (get(start, 1)?, get(start, 2)?, get(start, 3)?);
        let (end_lnum, end_bol, end_cnum) = (get(end, 1)?, get(end, 2)?, get(end, 3)?);
        let defname =
            self.string(self.field(ev, EV_DEFNAME)).unwrap_or_else(|| "<old bytecode>".to_string());
        Some(DebugEvent {
            pos: usize::try_from(pos).ok()?,
            filename,
            defname,
            start_lnum,
            start_chr: start_cnum.wrapping_sub(start_bol),
            end_lnum,
            end_chr: end_cnum.wrapping_sub(end_bol),
            end_offset: end_cnum.wrapping_sub(start_bol),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(pos: usize, lnum: i32) -> DebugEvent {
        DebugEvent {
            pos,
            filename: "a.ml".into(),
            defname: "A.f".into(),
            start_lnum: lnum,
            start_chr: 2,
            end_lnum: lnum,
            end_chr: 9,
            end_offset: 9,
        }
    }

    #[test]
    fn lookup_allows_one_word_of_slack() {
        let info = DebugInfo { events: vec![ev(8, 1), ev(16, 2), ev(24, 3)] };
        assert_eq!(info.find(16).unwrap().start_lnum, 2);
        assert_eq!(info.find(12).unwrap().start_lnum, 2, "event one word later");
        assert_eq!(info.find(4).unwrap().start_lnum, 1, "before the first event");
        assert!(info.find(0).is_none());
        assert!(info.find(18).is_none());
        assert!(info.find(100).is_none());
        assert!(info.find_exact(12).is_none());
        assert_eq!(info.find_instr(6).unwrap().start_lnum, 3);
        assert!(DebugInfo::default().find(0).is_none());
    }

    #[test]
    fn slot_lines_match_printexc() {
        let e = ev(0, 3);
        assert_eq!(
            format_slot(true, true, Some(&e)).unwrap(),
            "Raised at A.f in file \"a.ml\", line 3, characters 2-9"
        );
        let mut m = ev(0, 3);
        m.end_lnum = 5;
        assert_eq!(
            format_slot(false, false, Some(&m)).unwrap(),
            "Called from A.f in file \"a.ml\", lines 3-5, characters 2-9"
        );
        assert_eq!(
            format_slot(false, true, None).unwrap(),
            "Raised by primitive operation at unknown location"
        );
        assert_eq!(format_slot(true, false, None), None);
        assert_eq!(
            format_slot(true, false, Some(&e)).unwrap().split(' ').next(),
            Some("Re-raised")
        );
    }

    #[test]
    fn malformed_sections_are_errors() {
        assert!(DebugInfo::parse(b"").is_err());
        assert_eq!(DebugInfo::parse(&[0, 0, 0, 0]).unwrap().events().len(), 0);
        assert!(DebugInfo::parse(&[0, 0, 0, 1, 0, 0, 0, 0]).is_err());
        let mut bad = vec![0, 0, 0, 1, 0, 0, 0, 0];
        // A small header claiming 1 byte of data: a cons cell that never arrives.
        bad.extend_from_slice(&[
            0x84, 0x95, 0xA6, 0xBE, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3,
        ]);
        bad.push(0xA0);
        assert!(DebugInfo::parse(&bad).is_err());
    }

    #[test]
    fn cyclic_lists_are_refused() {
        // A list cell whose tail is itself: block(tag 0, size 2) [0; shared 1].
        let data = [0xA0, 0x40, 0x04, 0x01];
        let mut m = vec![0x84, 0x95, 0xA6, 0xBE];
        for n in [data.len() as u32, 1, 3, 3] {
            m.extend_from_slice(&n.to_be_bytes());
        }
        m.extend_from_slice(&data);
        let (t, used) = Tree::decode(&m).unwrap();
        assert_eq!(used, m.len());
        let mut out = Vec::new();
        assert!(t.collect_events(0, &mut out).is_err());
    }

    #[test]
    fn reads_a_real_dbug_section() {
        let Some(path) = crate::loader::tests_support::raise_byte() else { return };
        let exe = crate::loader::exec::read_executable(&path, "raiser.byte").unwrap();
        let info = DebugInfo::parse(exe.dbug.as_deref().expect("built with -g")).unwrap();
        assert!(info.events().windows(2).all(|w| w[0].pos <= w[1].pos));
        let mine: Vec<&DebugEvent> =
            info.events().iter().filter(|e| e.filename == "raiser.ml").collect();
        assert!(!mine.is_empty());
        // As ocamlrun prints them: `f x` in g (line 6), and the call `g 5` over lines 13-14.
        assert!(mine.iter().any(|e| e.defname == "Raiser.g"
            && e.start_lnum == 6
            && e.start_chr == 10
            && e.end_chr == 13));
        assert!(mine.iter().any(|e| e.start_lnum == 13
            && e.end_lnum == 14
            && e.start_chr == 12
            && e.end_chr == 6));
        for e in &mine {
            assert!(e.pos < exe.code.len() * 4);
            assert_eq!(info.find(e.pos).map(|x| x.pos), Some(e.pos));
        }
        // Stdlib events too (the stdlib is compiled with -g).
        assert!(info.events().iter().any(|e| e.filename.ends_with("stdlib.ml")));
    }
}
