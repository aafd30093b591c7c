//! `unix` primitives on processes, signals, time, users and the environment: fork, exec,
//! wait, spawn, kill, signal masks, alarms and interval timers, sleep, time and dates,
//! user and group databases and ids, `nice`, `setsid`, `putenv`, `environment`.

use crate::prims::PrimFn;

pub const PRIMS: &[(&str, PrimFn)] = &[];
