//! Typed reports of failed checks: what was checked, what was expected and found, the block
//! (address, decoded header, neighbouring words, allocation site), where the bad value was
//! found, the GC phase and counters, the domain, the OCaml stack's code positions and the Rust
//! backtrace. Rendered once for humans (stderr) and once as one JSON line (appended to the
//! file named by `WARDEN_REPORT`); then the process exits with status 70.
//!
//! Ending the process does not depend on the other threads: the first report claims the
//! process (a second one, from another thread, waits for it to end it), arms a watchdog
//! alarm, and ends with `_exit` (no exit handlers, which could wait for locks that a stopped
//! or faulted thread holds, and no wait for the other domains, running or blocked). The
//! watchdog ends the process with the same status if the report itself gets stuck (a lock
//! the rendering needs, such as the allocator's, held by the thread that faulted).
//!
//! This module owns the per-thread report context (GC phase, counters, last code positions
//! seen on the stack), which the hooks keep current.

use super::canary::Site;
use crate::heap::value::{Header, WORD};
use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

/// The exit status after a failed check.
pub const EXIT_STATUS: i32 = 70;

/// Seconds a report may take (symbolising the Rust backtrace of a debug build takes one or
/// two) before the watchdog ends the process without it.
const WATCHDOG_SECS: u32 = 20;

/// Set by the first report: the process is ending with it.
static REPORTING: AtomicBool = AtomicBool::new(false);

/// Claims the process for this thread's report and arms the watchdog; a thread whose report
/// (or panic) comes second waits here for the first one to end the process.
pub fn claim() {
    // Relaxed: the flag only elects one reporter; nothing else is published through it.
    if REPORTING.swap(true, Ordering::Relaxed) {
        wait_for_the_end();
    }
    arm_watchdog();
}

/// Waits, for good, when another thread's report is ending the process (for a panicking
/// thread: its own message would come after the report, or be cut off by its end).
pub fn wait_if_reporting() {
    // Relaxed: as in `claim`.
    if REPORTING.load(Ordering::Relaxed) {
        wait_for_the_end();
    }
}

fn wait_for_the_end() -> ! {
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// Ends the process with [`EXIT_STATUS`] after `WATCHDOG_SECS`, through SIGALRM, unblocked
/// in this thread so that the alarm is delivered even if every other thread blocks it.
fn arm_watchdog() {
    extern "C" fn on_alarm(_sig: libc::c_int) {
        // SAFETY: _exit is async-signal-safe and takes no pointer.
        unsafe { libc::_exit(EXIT_STATUS) }
    }
    // SAFETY: the sigaction and sigset_t are plain data, initialised by sigemptyset before
    // use; the handler only calls _exit.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_alarm as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGALRM, &sa, std::ptr::null_mut());
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGALRM);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::alarm(WATCHDOG_SECS);
    }
}

/// Ends the process with [`EXIT_STATUS`] at once, whatever the other threads do.
pub fn exit_now() -> ! {
    // SAFETY: _exit takes no pointer; nothing buffered needs flushing (stderr is unbuffered,
    // the JSON file was written with plain `write`s and closed).
    unsafe { libc::_exit(EXIT_STATUS) }
}

/// Defines `Check` from one list: the variants, their names (`Check::name`) and `Check::ALL`.
macro_rules! checks {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// The checks, by name.
        #[derive(Copy, Clone, PartialEq, Eq, Debug)]
        pub enum Check {
            $($(#[$doc])* $variant,)*
        }

        impl Check {
            /// Every check, in declaration order (`tests/hardened_fail.rs` asserts that each
            /// has a fail-test).
            pub const ALL: &'static [Check] = &[$(Check::$variant,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $(Check::$variant => $name,)*
                }
            }
        }
    };
}

// A fault on an address derived from poison is reported under the check its poison's
// category names (`use-after-free`, `uninitialised-read` ..., see `signal`): there is no
// separate memory-fault check.
checks! {
    /// A path read memory that was freed (poison), or a pointer to a freed block.
    UseAfterFree => "use-after-free",
    /// Freed memory changed before it was handed out again.
    WriteAfterFree => "write-after-free",
    /// A field that was never initialised was read.
    Uninitialised => "uninitialised-read",
    /// A canary word before or after a block changed (a write out of bounds).
    Canary => "canary",
    /// A header is invalid (poison, zero, impossible size).
    BadHeader => "bad-header",
    /// A value points outside every heap region or into the middle of a block.
    BadPointer => "bad-pointer",
    /// A major block points to a young one without a remembered-set entry.
    RememberedSet => "remembered-set",
    /// After marking, a marked block points to an unmarked one.
    BlackToWhite => "black-to-white",
    /// The heap's lists and the statistics disagree.
    HeapAccounting => "heap-accounting",
    /// A code value is not an instruction boundary of the program.
    CodePointer => "code-pointer",
    /// The code table holds code that is not live, or a block lies inside a code range.
    CodeTable => "code-table",
    /// The minor arena is not a well-formed sequence of blocks.
    MinorHeap => "minor-heap",
    /// A C primitive returned with its local roots unbalanced (no `CAMLreturn`).
    LocalRoots => "local-roots",
    /// A C primitive used the runtime inside a blocking section.
    BlockingSection => "blocking-section",
    /// A C primitive used a stale copy of a value that a collection freed or moved (a value
    /// kept in a plain C local across a callback, without `CAMLparam`/`CAMLlocal`).
    UnrootedValue => "unrooted-value",
    /// A custom block's C finaliser allocated or called back.
    CustomFinalizer => "custom-finalizer",
    /// An instruction touched a value of the wrong shape (an integer for a block, a field
    /// past the end, a non-closure applied ...): only the types promised it.
    BadAccess => "bad-access",
}

pub use super::Phase;

thread_local! {
    static PHASE: Cell<(Phase, usize, usize)> = const { Cell::new((Phase::Mutator, 0, 0)) };
    static STACK_PCS: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Records the collector's phase and counters (minor, major collections) for reports.
pub fn set_phase(phase: Phase, minor: usize, major: usize) {
    PHASE.with(|p| p.set((phase, minor, major)));
}
/// Records only the phase.
pub fn set_phase_only(phase: Phase) {
    PHASE.with(|p| {
        let (_, a, b) = p.get();
        p.set((phase, a, b))
    });
}
/// Records the code positions found on the stacks (innermost first) at the last root scan.
pub fn set_stack_pcs(pcs: Vec<usize>) {
    STACK_PCS.with(|s| *s.borrow_mut() = pcs);
}

/// One failed check.
#[derive(Clone, Debug)]
pub struct Report {
    pub check: Check,
    pub summary: String,
    pub expected: String,
    pub found: String,
    /// The block concerned (address of field 0).
    pub block: Option<usize>,
    /// Whether the words around `block` may be read (the address lies in a heap region).
    pub readable: bool,
    /// Where the bad value was found (a field of a block, a root slot ...).
    pub referrer: Option<String>,
    pub site: Option<Site>,
}

impl Report {
    pub fn new(check: Check, summary: impl Into<String>) -> Report {
        Report {
            check,
            summary: summary.into(),
            expected: String::new(),
            found: String::new(),
            block: None,
            readable: false,
            referrer: None,
            site: None,
        }
    }
    pub fn expected(mut self, s: impl Into<String>) -> Report {
        self.expected = s.into();
        self
    }
    pub fn found(mut self, s: impl Into<String>) -> Report {
        self.found = s.into();
        self
    }
    /// The block concerned; `readable` when its surrounding words lie in heap memory.
    pub fn block(mut self, addr: usize, readable: bool) -> Report {
        self.block = Some(addr);
        self.readable = readable;
        self
    }
    pub fn referrer(mut self, s: impl Into<String>) -> Report {
        self.referrer = Some(s.into());
        self
    }
    pub fn site(mut self, s: Option<Site>) -> Report {
        self.site = s;
        self
    }

    /// Prints the report, appends its JSON line, and exits with status 70.
    #[cold]
    #[inline(never)]
    pub fn fail(self) -> ! {
        claim();
        let snap = Snapshot::take();
        self.fail_from(snap)
    }

    /// As `fail`, with the failing thread's state captured there (a fault handler captures
    /// it on the faulting thread, then reports from another one). The caller has claimed the
    /// process ([`claim`]).
    #[cold]
    #[inline(never)]
    pub fn fail_from(self, snap: Snapshot) -> ! {
        let ctx = Context::capture(&self, snap);
        let text = self.render_text(&ctx);
        eprint!("{text}");
        if let Some(path) = &crate::config::warden_vars().report {
            if !path.is_empty() {
                let line = self.render_json(&ctx);
                use std::io::Write;
                match std::fs::OpenOptions::new().create(true).append(true).open(path) {
                    Ok(mut f) => {
                        let _ = f.write_all(line.as_bytes());
                    }
                    Err(e) => eprintln!("warden: cannot write the report to {path}: {e}"),
                }
            }
        }
        exit_now()
    }

    fn render_text(&self, ctx: &Context) -> String {
        let mut s = String::new();
        let _ =
            writeln!(s, "warden: hardened check failed: {}: {}", self.check.name(), self.summary);
        if !self.expected.is_empty() {
            let _ = writeln!(s, "  expected: {}", self.expected);
        }
        if !self.found.is_empty() {
            let _ = writeln!(s, "  found:    {}", self.found);
        }
        if let Some(b) = self.block {
            let _ = write!(s, "  block:    {b:#x}");
            if let Some(h) = ctx.header {
                let _ = write!(s, " (header {h:#x}: {})", describe_header(h));
            }
            let _ = writeln!(s);
        }
        if let Some(r) = &self.referrer {
            let _ = writeln!(s, "  where:    {r}");
        }
        if let Some(site) = ctx.site {
            let _ = writeln!(s, "  allocated at: {site}");
        }
        if !ctx.words.is_empty() {
            let _ = writeln!(s, "  memory around the block:");
            for &(a, w, label) in &ctx.words {
                let _ = writeln!(s, "    {a:#014x}  {w:#018x}  {label}");
            }
        }
        let _ = writeln!(
            s,
            "  GC: {}, {} minor and {} major collections so far; thread {}",
            ctx.phase.name(),
            ctx.minor,
            ctx.major,
            ctx.thread
        );
        if let Some((name, age)) = &ctx.fault {
            let _ = writeln!(s, "  injected fault: {name}, fired {age:.1} ms before this report");
        }
        if !ctx.pcs.is_empty() {
            let list: Vec<String> = ctx.pcs.iter().map(|p| p.to_string()).collect();
            let _ =
                writeln!(s, "  OCaml stack (bytecode pcs, innermost first): {}", list.join(" "));
        }
        let _ = writeln!(s, "  Rust backtrace:");
        for f in &ctx.rust {
            let _ = writeln!(s, "    {f}");
        }
        s
    }

    fn render_json(&self, ctx: &Context) -> String {
        let mut s = String::from("{");
        let mut field = |k: &str, v: String| {
            if s.len() > 1 {
                s.push(',');
            }
            let _ = write!(s, "{}:{}", json_str(k), v);
        };
        field("check", json_str(self.check.name()));
        field("summary", json_str(&self.summary));
        field("expected", json_str(&self.expected));
        field("found", json_str(&self.found));
        field(
            "block",
            self.block.map(|b| json_str(&format!("{b:#x}"))).unwrap_or_else(|| "null".into()),
        );
        field(
            "header",
            ctx.header
                .map(|h| {
                    let hd = Header(h);
                    format!(
                        "{{\"word\":{},\"wosize\":{},\"tag\":{},\"colour\":{}}}",
                        json_str(&format!("{h:#x}")),
                        hd.wosize(),
                        hd.tag(),
                        hd.color() >> 8
                    )
                })
                .unwrap_or_else(|| "null".into()),
        );
        field("referrer", self.referrer.as_deref().map(json_str).unwrap_or_else(|| "null".into()));
        field(
            "site",
            ctx.site
                .map(|site| {
                    format!(
                        "{{\"domain\":{},\"pc\":{}}}",
                        site.domain(),
                        site.pc().map(|p| p.to_string()).unwrap_or_else(|| "null".into())
                    )
                })
                .unwrap_or_else(|| "null".into()),
        );
        let words: Vec<String> = ctx
            .words
            .iter()
            .map(|&(a, w, l)| {
                format!(
                    "[{},{},{}]",
                    json_str(&format!("{a:#x}")),
                    json_str(&format!("{w:#x}")),
                    json_str(l)
                )
            })
            .collect();
        field("neighbours", format!("[{}]", words.join(",")));
        field("phase", json_str(ctx.phase.name()));
        field("minor_collections", ctx.minor.to_string());
        field("major_collections", ctx.major.to_string());
        field("thread", json_str(&ctx.thread));
        field(
            "fault",
            ctx.fault
                .as_ref()
                .map(|(n, age)| format!("{{\"name\":{},\"age_ms\":{age:.3}}}", json_str(n)))
                .unwrap_or_else(|| "null".into()),
        );
        field(
            "ocaml_backtrace",
            format!("[{}]", ctx.pcs.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(",")),
        );
        field(
            "rust_backtrace",
            format!("[{}]", ctx.rust.iter().map(|f| json_str(f)).collect::<Vec<_>>().join(",")),
        );
        field("pid", std::process::id().to_string());
        s.push_str("}\n");
        s
    }
}

/// What a report adds from the process state at the moment it fails.
struct Context {
    header: Option<usize>,
    /// The allocation site: the report's, or decoded from the block's canary.
    site: Option<Site>,
    words: Vec<(usize, usize, &'static str)>,
    phase: Phase,
    minor: usize,
    major: usize,
    thread: String,
    pcs: Vec<usize>,
    fault: Option<(String, f64)>,
    rust: Vec<String>,
}

/// The failing thread's state: GC phase and counters, name, code positions on its stack,
/// and its Rust frames (unresolved).
pub struct Snapshot {
    phase: (Phase, usize, usize),
    thread: String,
    pcs: Vec<usize>,
    frames: backtrace::Backtrace,
}

impl Snapshot {
    /// Captures the calling thread's state.
    pub fn take() -> Snapshot {
        Snapshot {
            phase: PHASE.with(|p| p.get()),
            thread: std::thread::current().name().unwrap_or("unnamed").to_string(),
            pcs: STACK_PCS.with(|s| s.borrow().iter().take(32).copied().collect()),
            frames: backtrace::Backtrace::new_unresolved(),
        }
    }
}

impl Context {
    fn capture(r: &Report, snap: Snapshot) -> Context {
        let (phase, minor, major) = snap.phase;
        let mut header = None;
        let mut words = Vec::new();
        if let (Some(b), true) = (r.block, r.readable) {
            // SAFETY: the reporter vouched that the words around `b` are heap memory
            // (`readable`); four words before and six after stay within the frame and its
            // neighbours in the same arena, pool or large block allocation.
            unsafe {
                let hp = (b - WORD) as *const usize;
                header = Some(*hp);
                for i in -3isize..=6 {
                    let a = (hp as isize + i * WORD as isize) as usize;
                    let label = match i {
                        -1 => "canary before (hardened layout)",
                        0 => "header",
                        _ => "",
                    };
                    words.push((a, *(a as *const usize), label));
                }
            }
        }
        let site = r.site.or_else(|| {
            // Both layouts keep the canary before the header, and it encodes the site.
            words
                .iter()
                .find(|w| w.2.starts_with("canary"))
                .and_then(|&(a, w, _)| super::canary::site_from_before(a + WORD, w))
        });
        let fault =
            super::fault::fired().map(|(n, t)| (n.to_string(), t.elapsed().as_secs_f64() * 1000.0));
        Context {
            header,
            words,
            site,
            phase,
            minor,
            major,
            thread: snap.thread,
            pcs: snap.pcs,
            fault,
            rust: rust_backtrace(snap.frames),
        }
    }
}

/// The Rust frames, without the report machinery's own.
fn rust_backtrace(mut bt: backtrace::Backtrace) -> Vec<String> {
    bt.resolve();
    let mut out = Vec::new();
    for frame in bt.frames() {
        for sym in frame.symbols() {
            let name = sym.name().map(|n| format!("{n:#}")).unwrap_or_else(|| "?".into());
            if name.starts_with("backtrace::") || name.contains("check::report::") {
                continue;
            }
            let loc = match (sym.filename(), sym.lineno()) {
                (Some(f), Some(l)) => format!(" at {}:{l}", f.display()),
                _ => String::new(),
            };
            out.push(format!("{name}{loc}"));
        }
        if out.len() >= 40 {
            break;
        }
    }
    out
}

/// A header in words: size, tag, colour, or what kind of poison it is.
pub fn describe_header(h: usize) -> String {
    if super::poison::is_poison(h as u64) {
        return format!("{} poison", super::poison::category(h as u64));
    }
    if h == 0 {
        return "zero (a free slot, or a forwarded young block)".into();
    }
    let hd = Header(h);
    let colour = match hd.color() >> 8 {
        0 => "white",
        1 => "black",
        2 => "colour 2",
        _ => "not markable",
    };
    format!("wosize {}, tag {}, {colour}", hd.wosize(), hd.tag())
}

fn json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_one_escaped_line() {
        let r = Report::new(Check::Canary, "a \"quoted\"\nthing")
            .expected("x")
            .found("y")
            .site(Some(Site::new(1, 7)));
        let ctx = Context {
            header: Some(Header::new(3, 0, 0).0),
            site: r.site,
            words: vec![(0x10, 0x20, "header")],
            phase: Phase::Minor,
            minor: 2,
            major: 1,
            thread: "main".into(),
            pcs: vec![5, 6],
            fault: None,
            rust: vec!["f".into()],
        };
        let j = r.render_json(&ctx);
        assert_eq!(j.matches('\n').count(), 1);
        assert!(j.starts_with("{\"check\":\"canary\""));
        assert!(j.contains("\\\"quoted\\\"\\nthing"));
        assert!(j.contains("\"site\":{\"domain\":1,\"pc\":7}"));
        assert!(j.contains("\"wosize\":3"));
        let t = r.render_text(&ctx);
        assert!(t.starts_with("warden: hardened check failed: canary: "));
    }
}
