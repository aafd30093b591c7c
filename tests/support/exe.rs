//! A builder of bytecode executables in the stock format, for tests and fuzz targets: an
//! assembler with labels (jump offsets computed the way each instruction reads them), a
//! marshaller for the DATA section (the global table, whose first 12 fields are the
//! predefined exceptions as `ocamlc` lays them out), and the section/trailer writer.
//!
//! Opcodes come from `warden::api::Op`, the runtime's one opcode list. The files this writes
//! load with the stock `ocamlrun` too, as long as the code is sound.
//!
//! Used by `tests/hostile_load.rs` (`mod support;`) and by the fuzz targets (through
//! `#[path]`), so it depends on nothing but `warden::api`.

#![allow(dead_code)]

use warden::api::Op;

/// A value of the DATA section.
#[derive(Clone, Debug)]
pub enum Data {
    Int(i64),
    Str(Vec<u8>),
    /// A structured block: tag (below 246, or 247 for a closure) and fields.
    Block(u8, Vec<Data>),
    /// A code pointer to word `n` of the file's own code (a closure's first field).
    CodePtr(u32),
}

/// A closure of no argument count (`Make_closinfo(0, 2)`) whose code is word `n` of the
/// file's code, with environment `env`.
pub fn closure(n: u32, env: Vec<Data>) -> Data {
    let mut fields = vec![Data::CodePtr(n), Data::Int(2)];
    fields.extend(env);
    Data::Block(247, fields)
}

/// The names of the predefined exceptions, in global-slot order (slots 0 to 11).
pub const PREDEFINED_EXCEPTIONS: [&str; 12] = [
    "Out_of_memory",
    "Sys_error",
    "Failure",
    "Invalid_argument",
    "End_of_file",
    "Division_by_zero",
    "Not_found",
    "Match_failure",
    "Stack_overflow",
    "Sys_blocked_io",
    "Assert_failure",
    "Undefined_recursive_module",
];

/// The global table: the predefined exceptions (`[name; -(slot+1)]`, tag 248) then `extra`.
pub fn globals(extra: Vec<Data>) -> Data {
    let mut fields: Vec<Data> = PREDEFINED_EXCEPTIONS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            Data::Block(248, vec![Data::Str(name.as_bytes().to_vec()), Data::Int(-(i as i64) - 1)])
        })
        .collect();
    fields.extend(extra);
    Data::Block(0, fields)
}

/// Marshals `v` in the intern format (small header, no sharing).
pub fn marshal(v: &Data) -> Vec<u8> {
    marshal_for(v, &[])
}

/// Marshals `v`, whose code pointers point into `code`.
pub fn marshal_for(v: &Data, code: &[i32]) -> Vec<u8> {
    let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
    let digest = warden::api::md5(&bytes);
    let mut body = Vec::new();
    let (mut objects, mut w32, mut w64) = (0u32, 0u32, 0u32);
    emit(v, &digest, &mut body, &mut objects, &mut w32, &mut w64);
    let mut out = Vec::with_capacity(20 + body.len());
    out.extend_from_slice(&0x8495_A6BEu32.to_be_bytes());
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&objects.to_be_bytes());
    out.extend_from_slice(&w32.to_be_bytes());
    out.extend_from_slice(&w64.to_be_bytes());
    out.extend_from_slice(&body);
    out
}

fn emit(
    v: &Data,
    digest: &[u8; 16],
    out: &mut Vec<u8>,
    objects: &mut u32,
    w32: &mut u32,
    w64: &mut u32,
) {
    match v {
        Data::CodePtr(n) => {
            out.push(0x10);
            out.extend_from_slice(&(n * 4).to_be_bytes());
            out.extend_from_slice(digest);
        }
        Data::Int(n) => {
            let n = *n;
            if (0..64).contains(&n) {
                out.push(0x40 + n as u8);
            } else if (-128..128).contains(&n) {
                out.extend_from_slice(&[0x00, n as i8 as u8]);
            } else if (-32768..32768).contains(&n) {
                out.push(0x01);
                out.extend_from_slice(&(n as i16).to_be_bytes());
            } else if (i32::MIN as i64..=i32::MAX as i64).contains(&n) {
                out.push(0x02);
                out.extend_from_slice(&(n as i32).to_be_bytes());
            } else {
                out.push(0x03);
                out.extend_from_slice(&n.to_be_bytes());
            }
        }
        Data::Str(s) => {
            let len = s.len();
            if len < 32 {
                out.push(0x20 + len as u8);
            } else if len < 256 {
                out.extend_from_slice(&[0x09, len as u8]);
            } else {
                out.push(0x0A);
                out.extend_from_slice(&(len as u32).to_be_bytes());
            }
            out.extend_from_slice(s);
            *objects += 1;
            *w32 += 1 + (len as u32 + 4) / 4;
            *w64 += 1 + (len as u32 + 8) / 8;
        }
        Data::Block(tag, fields) => {
            let size = fields.len();
            if size == 0 {
                // An atom.
                out.push(0x08);
                out.extend_from_slice(&u32::from(*tag).to_be_bytes());
            } else {
                if *tag < 16 && size < 8 {
                    out.push(0x80 + tag + ((size as u8) << 4));
                } else {
                    out.push(0x08);
                    out.extend_from_slice(&(((size as u32) << 10) | u32::from(*tag)).to_be_bytes());
                }
                *objects += 1;
                *w32 += 1 + size as u32;
                *w64 += 1 + size as u32;
            }
            for f in fields {
                emit(f, digest, out, objects, w32, w64);
            }
        }
    }
}

/// A position in code being assembled.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Label(usize);

/// An assembler: instructions, labels and the offsets that refer to them.
#[derive(Default)]
pub struct Asm {
    code: Vec<i32>,
    labels: Vec<Option<usize>>,
    /// (word to patch, word the offset is relative to, label)
    fixups: Vec<(usize, usize, Label)>,
}

impl Asm {
    pub fn new() -> Asm {
        Asm::default()
    }

    /// The current position, in words.
    pub fn pos(&self) -> usize {
        self.code.len()
    }

    /// A raw word (an opcode or an operand).
    pub fn word(&mut self, w: i32) -> &mut Asm {
        self.code.push(w);
        self
    }

    pub fn op(&mut self, op: Op) -> &mut Asm {
        self.word(op as i32)
    }

    pub fn op1(&mut self, op: Op, a: i32) -> &mut Asm {
        self.word(op as i32).word(a)
    }

    pub fn op2(&mut self, op: Op, a: i32, b: i32) -> &mut Asm {
        self.word(op as i32).word(a).word(b)
    }

    /// A new label, not yet placed.
    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// Places `l` at the current position.
    pub fn bind(&mut self, l: Label) -> &mut Asm {
        self.labels[l.0] = Some(self.code.len());
        self
    }

    /// A new label placed at the current position.
    pub fn here(&mut self) -> Label {
        let l = self.label();
        self.bind(l);
        l
    }

    fn offset_to(&mut self, l: Label, base: usize) {
        let at = self.code.len();
        self.fixups.push((at, base, l));
        self.code.push(0);
    }

    /// BRANCH, BRANCHIF, BRANCHIFNOT, PUSHTRAP or PUSH_RETADDR to `l` (offset relative to
    /// the operand word).
    pub fn jump(&mut self, op: Op, l: Label) -> &mut Asm {
        self.op(op);
        let base = self.pos();
        self.offset_to(l, base);
        self
    }

    /// BEQ, BNEQ, BLTINT ... `n`, `l` (offset relative to the offset word).
    pub fn cond_jump(&mut self, op: Op, n: i32, l: Label) -> &mut Asm {
        self.op1(op, n);
        let base = self.pos();
        self.offset_to(l, base);
        self
    }

    /// CLOSURE `nvars`, `body` (offset relative to the offset word).
    pub fn closure(&mut self, nvars: i32, body: Label) -> &mut Asm {
        self.op1(Op::CLOSURE, nvars);
        let base = self.pos();
        self.offset_to(body, base);
        self
    }

    /// CLOSUREREC with one body per function (offsets relative to the table's start).
    pub fn closurerec(&mut self, nvars: i32, bodies: &[Label]) -> &mut Asm {
        self.op2(Op::CLOSUREREC, bodies.len() as i32, nvars);
        let base = self.pos();
        for &b in bodies {
            self.offset_to(b, base);
        }
        self
    }

    /// SWITCH over `consts` (integer cases) and `blocks` (tag cases), offsets relative to
    /// the table's start.
    pub fn switch(&mut self, consts: &[Label], blocks: &[Label]) -> &mut Asm {
        self.op1(Op::SWITCH, consts.len() as i32 | ((blocks.len() as i32) << 16));
        let base = self.pos();
        for &l in consts.iter().chain(blocks) {
            self.offset_to(l, base);
        }
        self
    }

    /// The code, every label resolved. Panics on a label never placed.
    pub fn finish(&self) -> Vec<i32> {
        let mut code = self.code.clone();
        for &(at, base, l) in &self.fixups {
            let target = self.labels[l.0].expect("label never placed");
            code[at] = (target as i64 - base as i64) as i32;
        }
        code
    }
}

/// A bytecode executable to write.
#[derive(Clone, Debug)]
pub struct Exe {
    pub code: Vec<i32>,
    pub prims: Vec<String>,
    /// The DATA section's value (see [`globals`]).
    pub data: Data,
    /// More sections, written after DATA (DBUG, SYMB ...).
    pub extra: Vec<([u8; 4], Vec<u8>)>,
}

impl Exe {
    /// `code` with no primitives and the predefined exceptions as its only globals.
    pub fn new(code: Vec<i32>) -> Exe {
        Exe { code, prims: Vec::new(), data: globals(Vec::new()), extra: Vec::new() }
    }

    pub fn with_prims(mut self, prims: &[&str]) -> Exe {
        self.prims = prims.iter().map(|p| p.to_string()).collect();
        self
    }

    /// The file's bytes: sections CODE, DLPT, DLLS, PRIM, DATA (then `extra`), the table of
    /// contents and the trailer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let code: Vec<u8> = self.code.iter().flat_map(|w| w.to_le_bytes()).collect();
        let prims: Vec<u8> =
            self.prims.iter().flat_map(|p| p.bytes().chain(std::iter::once(0))).collect();
        let mut sections: Vec<([u8; 4], Vec<u8>)> = vec![
            (*b"CODE", code),
            (*b"DLPT", Vec::new()),
            (*b"DLLS", Vec::new()),
            (*b"PRIM", prims),
            (*b"DATA", marshal_for(&self.data, &self.code)),
        ];
        sections.extend(self.extra.iter().cloned());
        let mut out = Vec::new();
        for (_, body) in &sections {
            out.extend_from_slice(body);
        }
        for (name, body) in &sections {
            out.extend_from_slice(name);
            out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        }
        out.extend_from_slice(&(sections.len() as u32).to_be_bytes());
        out.extend_from_slice(b"Caml1999X035");
        out
    }

    /// Writes the file to `path`.
    pub fn write(&self, path: &std::path::Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_bytes())
    }
}
