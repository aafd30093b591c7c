//! Counters of the stopped worlds (`WARDEN_STW_STATS=1`): how many worlds were stopped, how
//! long each leader waited from its request until every other domain was parked, how long
//! the worlds stayed stopped, how often parked domains went to sleep. Printed to stderr at
//! exit. Off (a few relaxed loads per stopped world) unless the variable is set: a measuring
//! tool for the stop protocol, not a statistic of the program.
//!
//! Orderings: every counter is a relaxed atomic (sums read once, at exit, after the domains
//! are done with them or nearly: a count off by one is of no consequence).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Once;
use std::time::Instant;

static ON: AtomicBool = AtomicBool::new(false);
static INIT: Once = Once::new();

/// Worlds stopped (a leader got every domain parked).
static STOPS: AtomicU64 = AtomicU64::new(0);
/// Stops that found only the leader in the world.
static ALONE: AtomicU64 = AtomicU64::new(0);
/// Nanoseconds from a leader's request until every other domain was parked, summed; max.
static WAIT_NS: AtomicU64 = AtomicU64::new(0);
static WAIT_MAX_NS: AtomicU64 = AtomicU64::new(0);
/// Stops whose leader had to sleep (its spin ran out).
static LEADER_SLEPT: AtomicU64 = AtomicU64::new(0);
/// Nanoseconds from all parked to the restart, summed.
static STOPPED_NS: AtomicU64 = AtomicU64::new(0);
/// Requests that found another leader (the requester parked instead).
static LOST: AtomicU64 = AtomicU64::new(0);
/// Parks, and parks that went to sleep on the board.
static PARKS: AtomicU64 = AtomicU64::new(0);
static PARK_SLEPT: AtomicU64 = AtomicU64::new(0);

/// Minor collections with others, and their arenas' fill (per mille), leader / others.
static MINORS: AtomicU64 = AtomicU64::new(0);
static LEADER_FILL: AtomicU64 = AtomicU64::new(0);
static OTHERS_FILL: AtomicU64 = AtomicU64::new(0);

/// A minor collection: the fill of each arena (the leader's first), in per mille.
pub fn minor(fills: impl Iterator<Item = u64>) {
    if !on() {
        return;
    }
    let fills: Vec<u64> = fills.collect();
    if fills.len() < 2 {
        return;
    }
    add(&MINORS, 1);
    add(&LEADER_FILL, fills[0]);
    add(&OTHERS_FILL, fills[1..].iter().sum::<u64>() / (fills.len() as u64 - 1));
}

/// Between a domain's resumption and its next park or request: wall and thread CPU time.
static RUN_WALL_NS: AtomicU64 = AtomicU64::new(0);
static RUN_CPU_NS: AtomicU64 = AtomicU64::new(0);
/// When the last world restarted (ns since `EPOCH`); latency restart → parked domain runs.
static RESTART_AT: AtomicU64 = AtomicU64::new(0);
static RESUME_LAT_NS: AtomicU64 = AtomicU64::new(0);
static RESUME_LAT_MAX_NS: AtomicU64 = AtomicU64::new(0);
static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

thread_local! {
    static RESUMED: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
}

fn now_ns() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

fn cpu_ns() -> u64 {
    // SAFETY: a plain clock read into a local.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// This thread stops running OCaml (a park, a request): counts its run since resuming.
fn run_ends() {
    let (w, c) = RESUMED.with(|r| r.get());
    if w != 0 {
        add(&RUN_WALL_NS, now_ns() - w);
        add(&RUN_CPU_NS, cpu_ns() - c);
    }
}

/// The world is about to restart.
pub fn restarting() {
    if on() {
        // Relaxed: a counter (module doc); read after the generation's release-acquire.
        RESTART_AT.store(now_ns(), Ordering::Relaxed);
    }
}

/// This thread runs OCaml again (after a park or a stopped world it led).
pub fn resumed(leader: bool) {
    if on() {
        let now = now_ns();
        if !leader {
            // Relaxed: a counter (module doc).
            let lat = now.saturating_sub(RESTART_AT.load(Ordering::Relaxed));
            add(&RESUME_LAT_NS, lat);
            // Relaxed: a counter (module doc).
            RESUME_LAT_MAX_NS.fetch_max(lat, Ordering::Relaxed);
        }
        RESUMED.with(|r| r.set((now, cpu_ns())));
    }
}

/// Reads `WARDEN_STW_STATS` once (the first runtime of the process).
pub fn init() {
    INIT.call_once(|| {
        if crate::config::warden_vars().stw_stats.as_deref() == Some("1") {
            // Relaxed: read by this process's domains, all started after this.
            ON.store(true, Ordering::Relaxed);
            // SAFETY: `report` is an `extern "C" fn()` that only reads atomics and writes
            // to stderr.
            unsafe { libc::atexit(report) };
        }
    });
}

#[inline]
fn on() -> bool {
    // Relaxed: set once before any domain runs.
    ON.load(Ordering::Relaxed)
}

fn add(c: &AtomicU64, n: u64) {
    // Relaxed: a counter (module doc).
    c.fetch_add(n, Ordering::Relaxed);
}

/// The clock at a leader's request, if counting.
#[inline]
pub fn start() -> Option<Instant> {
    if !on() {
        return None;
    }
    run_ends();
    Some(Instant::now())
}

/// Every other domain is parked (`others`: how many were running besides the leader).
pub fn all_parked(t: Option<Instant>, slept: bool, others: usize) -> Option<Instant> {
    let t0 = t?;
    let now = Instant::now();
    add(&STOPS, 1);
    if others == 0 {
        add(&ALONE, 1);
    }
    let ns = if others == 0 { 0 } else { (now - t0).as_nanos() as u64 };
    add(&WAIT_NS, ns);
    // Relaxed: a counter (module doc).
    WAIT_MAX_NS.fetch_max(ns, Ordering::Relaxed);
    if slept {
        add(&LEADER_SLEPT, 1);
    }
    Some(now)
}

/// The world restarts.
pub fn restarted(t: Option<Instant>) {
    if let Some(t) = t {
        add(&STOPPED_NS, t.elapsed().as_nanos() as u64);
    }
}

/// A request found another leader.
pub fn lost() {
    if on() {
        add(&LOST, 1);
    }
}

/// A domain starts to park.
pub fn park_begins() {
    if on() {
        run_ends();
    }
}

/// A domain parked; `slept`: it went to sleep before the restart.
pub fn parked(slept: bool) {
    if on() {
        add(&PARKS, 1);
        if slept {
            add(&PARK_SLEPT, 1);
        }
    }
}

extern "C" fn report() {
    // Relaxed (each): a counter (module doc).
    let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let stops = g(&STOPS).max(1);
    let others = (g(&STOPS) - g(&ALONE)).max(1);
    eprintln!(
        "warden stw: {} stops ({} alone), wait to park avg {:.1} us (over {} with others) \
         max {:.1} us, leader slept {}, stopped avg {:.1} us, lost races {}, parks {} \
         (slept {}); fill at minor: leader {} others {} (per mille, over {})",
        g(&STOPS),
        g(&ALONE),
        g(&WAIT_NS) as f64 / others as f64 / 1e3,
        g(&STOPS) - g(&ALONE),
        g(&WAIT_MAX_NS) as f64 / 1e3,
        g(&LEADER_SLEPT),
        g(&STOPPED_NS) as f64 / stops as f64 / 1e3,
        g(&LOST),
        g(&PARKS),
        g(&PARK_SLEPT),
        g(&LEADER_FILL) / g(&MINORS).max(1),
        g(&OTHERS_FILL) / g(&MINORS).max(1),
        g(&MINORS),
    );
    eprintln!(
        "warden stw: restart to resume avg {:.1} us max {:.1} us; runs between stops: wall \
         {:.3} s, cpu {:.3} s",
        g(&RESUME_LAT_NS) as f64 / g(&PARKS).max(1) as f64 / 1e3,
        g(&RESUME_LAT_MAX_NS) as f64 / 1e3,
        g(&RUN_WALL_NS) as f64 / 1e9,
        g(&RUN_CPU_NS) as f64 / 1e9,
    );
}
