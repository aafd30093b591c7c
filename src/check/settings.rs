//! The hardened build's run-time settings, read once from the environment:
//!
//! - `WARDEN_VERIFY=every|gc|major|off` (default `gc`): when to verify. `major` verifies at
//!   each major cycle (after marking: no black-to-white pointer; after sweeping: roots, every
//!   live block, the census); `gc` adds each minor collection (roots, the minor arena, the
//!   remembered set; the whole major heap for unremembered young pointers as often as the
//!   allocation since the last such scan pays for it); `every` adds every poll point that
//!   follows an allocation (the new frames, and the roots as often as allocation pays for
//!   it) and scans the major heap for unremembered young pointers at every minor collection.
//!   Poison and canaries are written and checked in every mode, `off` included.
//! - `WARDEN_VERIFY_EVERY=N` (default 1): verify at one in N of the chosen points.
//! - `WARDEN_GC_EVERY=N` or `N:major` (default off): force a minor collection (or a major
//!   cycle) at the first safepoint after every N allocations.
//!
//! A malformed value stops the program with a one-line message and status 2.

use std::sync::OnceLock;

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Level {
    Off,
    Major,
    Gc,
    Every,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub level: Level,
    pub every_nth: u64,
    /// Force a collection every this many allocations (0: never).
    pub gc_every: u64,
    pub gc_every_major: bool,
}

impl Settings {
    pub fn parse(
        verify: Option<&str>,
        every: Option<&str>,
        gc_every: Option<&str>,
    ) -> Result<Settings, String> {
        let level = match verify.map(str::trim) {
            None | Some("") | Some("gc") => Level::Gc,
            Some("every") => Level::Every,
            Some("major") => Level::Major,
            Some("off") => Level::Off,
            Some(other) => {
                return Err(format!(
                    "WARDEN_VERIFY: unknown value '{other}' (expected every, gc, major or off)"
                ))
            }
        };
        let every_nth = match every.map(str::trim) {
            None | Some("") => 1,
            Some(t) => match t.parse::<u64>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(format!(
                        "WARDEN_VERIFY_EVERY: bad value '{t}' (expected a positive number)"
                    ))
                }
            },
        };
        let (gc_every, gc_every_major) = match gc_every.map(str::trim) {
            None | Some("") => (0, false),
            Some(t) => {
                let (num, major) = match t.strip_suffix(":major") {
                    Some(n) => (n, true),
                    None => (t.strip_suffix(":minor").unwrap_or(t), false),
                };
                match num.parse::<u64>() {
                    Ok(n) if n >= 1 => (n, major),
                    _ => {
                        return Err(format!(
                        "WARDEN_GC_EVERY: bad value '{t}' (expected N, N:minor or N:major, N >= 1)"
                    ))
                    }
                }
            }
        };
        Ok(Settings { level, every_nth, gc_every, gc_every_major })
    }
}

/// The settings of this process.
#[inline]
pub fn get() -> &'static Settings {
    static S: OnceLock<Settings> = OnceLock::new();
    S.get_or_init(|| {
        let vars = crate::config::warden_vars();
        match Settings::parse(
            vars.verify.as_deref(),
            vars.verify_every.as_deref(),
            vars.gc_every.as_deref(),
        ) {
            Ok(s) => s,
            Err(msg) => crate::fatal(&msg),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels_and_knobs() {
        let s = Settings::parse(None, None, None).unwrap();
        assert_eq!((s.level, s.every_nth, s.gc_every), (Level::Gc, 1, 0));
        let s = Settings::parse(Some("every"), Some("3"), Some("100:major")).unwrap();
        assert_eq!(
            (s.level, s.every_nth, s.gc_every, s.gc_every_major),
            (Level::Every, 3, 100, true)
        );
        assert_eq!(Settings::parse(Some("off"), None, Some("7")).unwrap().gc_every, 7);
        assert!(Settings::parse(Some("sometimes"), None, None)
            .unwrap_err()
            .contains("WARDEN_VERIFY"));
        assert!(Settings::parse(None, Some("0"), None).is_err());
        assert!(Settings::parse(None, None, Some("x")).is_err());
    }
}
