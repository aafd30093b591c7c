//! Run-time settings, read in this one place: OCAMLRUNPARAM (or CAMLRUNPARAM), parsed once
//! at start-up into an immutable `Config`, and warden's own `WARDEN_*` variables
//! ([`warden_vars`]), which the floors that own them parse.
//!
//! OCAMLRUNPARAM is `letter[=value],...`; a value is decimal or `0x` hex with an optional
//! `k`/`M`/`G` multiplier, a missing value means 1, unknown letters are ignored (as the stock
//! runtime does), and a malformed value is an error (where the stock runtime guesses).

/// GC parameters, as `Gc.get` exposes them.
#[derive(Clone, Debug)]
pub struct GcParams {
    /// The start-up size of a domain's minor heap (`s`); `Gc.set` changes the calling
    /// domain's own (`MinorHeap::wsize`), not this.
    pub minor_heap_wsz: usize,
    pub space_overhead: usize,
    pub verbose: usize,
    pub max_stack_wsz: usize,
    pub custom_major_ratio: usize,
    pub custom_minor_ratio: usize,
    pub custom_minor_max_bsz: usize,
    pub allocation_policy: usize,
    pub window_size: usize,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub backtrace: usize,
    pub cleanup_on_exit: usize,
    pub max_domains: usize,
    pub runtime_events_log_wsize: usize,
    pub init_stack_wsize: usize,
    pub max_stack_wsize: usize,
    pub custom_major_ratio: usize,
    pub custom_minor_ratio: usize,
    pub custom_minor_max_bsz: usize,
    pub space_overhead: usize,
    pub parser_trace: usize,
    pub minor_heap_wsz: usize,
    pub trace_level: usize,
    pub verbose: usize,
    pub verify_heap: usize,
    pub runtime_warnings: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            backtrace: 0,
            cleanup_on_exit: 0,
            max_domains: 128,
            runtime_events_log_wsize: 16,
            init_stack_wsize: 4096,
            max_stack_wsize: 128 * 1024 * 1024,
            custom_major_ratio: 44,
            custom_minor_ratio: 100,
            custom_minor_max_bsz: 70000,
            space_overhead: 120,
            parser_trace: 0,
            minor_heap_wsz: 262144,
            trace_level: 0,
            verbose: 0,
            verify_heap: 0,
            runtime_warnings: 0,
        }
    }
}

/// Parses one OCAMLRUNPARAM value (the text after `=`).
fn parse_value(letter: char, text: &str) -> Result<usize, String> {
    let bad = || {
        format!("OCAMLRUNPARAM: bad value '{text}' for '{letter}' (expected a number, optionally with k, M or G)")
    };
    let (digits, mult) = match text.as_bytes().last() {
        Some(b'k') => (&text[..text.len() - 1], 1usize << 10),
        Some(b'M') => (&text[..text.len() - 1], 1 << 20),
        Some(b'G') => (&text[..text.len() - 1], 1 << 30),
        _ => (text, 1),
    };
    let n = if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        usize::from_str_radix(hex, 16).map_err(|_| bad())?
    } else {
        digits.parse::<usize>().map_err(|_| bad())?
    };
    n.checked_mul(mult).ok_or_else(bad)
}

impl Config {
    /// Reads OCAMLRUNPARAM (else CAMLRUNPARAM) from the environment.
    pub fn from_env() -> Result<Config, String> {
        let mut c = Config::default();
        let text = std::env::var("OCAMLRUNPARAM").or_else(|_| std::env::var("CAMLRUNPARAM"));
        if let Ok(text) = text {
            c.apply_runparam(&text)?;
        }
        Ok(c)
    }

    /// Applies an OCAMLRUNPARAM string.
    pub fn apply_runparam(&mut self, text: &str) -> Result<(), String> {
        for item in text.split(',') {
            let mut chars = item.chars();
            let Some(letter) = chars.next() else { continue };
            let rest = chars.as_str();
            let value = if rest.is_empty() {
                1
            } else if let Some(v) = rest.strip_prefix('=') {
                parse_value(letter, v)?
            } else {
                // Stock: text after the letter that is not '=' is skipped up to the comma.
                1
            };
            match letter {
                'b' => self.backtrace = value,
                'c' => self.cleanup_on_exit = value,
                'd' => self.max_domains = value,
                'e' => self.runtime_events_log_wsize = value,
                'l' => self.max_stack_wsize = value,
                'M' => self.custom_major_ratio = value,
                'm' => self.custom_minor_ratio = value,
                'n' => self.custom_minor_max_bsz = value,
                'o' => self.space_overhead = value,
                'p' => self.parser_trace = value,
                's' => self.minor_heap_wsz = value,
                't' => self.trace_level = value,
                'v' => self.verbose = value,
                'V' => self.verify_heap = value,
                'W' => self.runtime_warnings = value,
                _ => {}
            }
        }
        if self.max_domains < 1 {
            return Err("OCAMLRUNPARAM: max_domains(d) must be at least 1".into());
        }
        if self.max_domains > 4096 {
            return Err(
                "OCAMLRUNPARAM: max_domains(d) is too large. The maximum value is 4096.".into()
            );
        }
        Ok(())
    }

    pub fn gc_params(&self) -> GcParams {
        GcParams {
            minor_heap_wsz: self.minor_heap_wsz.max(257),
            space_overhead: self.space_overhead.max(1),
            verbose: self.verbose,
            max_stack_wsz: self.max_stack_wsize,
            custom_major_ratio: self.custom_major_ratio.max(1),
            custom_minor_ratio: self.custom_minor_ratio,
            custom_minor_max_bsz: self.custom_minor_max_bsz,
            allocation_policy: 0,
            window_size: 0,
        }
    }

    /// `Sys.runtime_parameters ()`.
    pub fn runtime_parameters(&self) -> String {
        format!(
            "b={},c={},e={},l={},M={},m={},n={},o={},p={},s={},t={},v={},V={},W={}",
            self.backtrace,
            self.cleanup_on_exit,
            self.runtime_events_log_wsize,
            self.max_stack_wsize,
            self.custom_major_ratio,
            self.custom_minor_ratio,
            self.custom_minor_max_bsz,
            self.space_overhead,
            self.parser_trace,
            self.minor_heap_wsz,
            self.trace_level,
            self.verbose,
            self.verify_heap,
            self.runtime_warnings
        )
    }
}

/// warden's own variables, as the environment gave them at start-up (read once, here; each
/// floor parses those it owns and reports a bad value in its own words):
///
/// | variable | read by | meaning |
/// |---|---|---|
/// | `WARDEN_QUARANTINE`, `WARDEN_GUARD` | `heap::shim` | the C allocator shim's quarantine size and guard pages |
/// | `WARDEN_VERIFY`, `WARDEN_VERIFY_EVERY`, `WARDEN_GC_EVERY` | `check::settings` | how often hardened builds verify, and forced collections |
/// | `WARDEN_REPORT` | `check::report` | a file that receives each report as one JSON line |
/// | `WARDEN_INJECT`, `WARDEN_INJECT_AT` | `check::fault` | the fault to inject (`fault-injection` builds) |
/// | `WARDEN_BUILTIN_OFF` | `capi` | libraries (`str`, `unix`) whose built-in primitives are off, so that their stub libraries serve them |
/// | `WARDEN_STW_STATS` | `domain::stw_stats` | `1`: counters of the stopped worlds printed at exit |
#[derive(Debug, Default)]
// A build reads only the variables of the floors it has (no checker in production, no fault
// injection without its feature).
#[allow(dead_code)]
pub struct WardenVars {
    pub quarantine: Option<String>,
    pub guard: Option<String>,
    pub verify: Option<String>,
    pub verify_every: Option<String>,
    pub gc_every: Option<String>,
    pub report: Option<String>,
    pub inject: Option<String>,
    pub inject_at: Option<String>,
    pub builtin_off: Option<String>,
    pub stw_stats: Option<String>,
}

/// The `WARDEN_*` variables of this process (read from the environment on first use).
pub fn warden_vars() -> &'static WardenVars {
    static VARS: std::sync::OnceLock<WardenVars> = std::sync::OnceLock::new();
    VARS.get_or_init(|| {
        let var = |k: &str| std::env::var(k).ok();
        WardenVars {
            quarantine: var("WARDEN_QUARANTINE"),
            guard: var("WARDEN_GUARD"),
            verify: var("WARDEN_VERIFY"),
            verify_every: var("WARDEN_VERIFY_EVERY"),
            gc_every: var("WARDEN_GC_EVERY"),
            report: var("WARDEN_REPORT"),
            inject: var("WARDEN_INJECT"),
            inject_at: var("WARDEN_INJECT_AT"),
            builtin_off: var("WARDEN_BUILTIN_OFF"),
            stw_stats: var("WARDEN_STW_STATS"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_letters_multipliers_and_hex() {
        let mut c = Config::default();
        c.apply_runparam("s=4k,o=0x50,b,l=2M,zz=3,v=0").unwrap();
        assert_eq!(c.minor_heap_wsz, 4096);
        assert_eq!(c.space_overhead, 80);
        assert_eq!(c.backtrace, 1);
        assert_eq!(c.max_stack_wsize, 2 << 20);
        assert_eq!(c.verbose, 0);
    }

    #[test]
    fn rejects_malformed_values() {
        let mut c = Config::default();
        let e = c.apply_runparam("s=abc").unwrap_err();
        assert!(e.contains("bad value 'abc' for 's'"), "{e}");
        assert!(Config::default().apply_runparam("d=0").is_err());
    }
}
