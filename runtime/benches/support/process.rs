//! What the benchmarks read about their own process and the machine, shared by the runtime's
//! `throughput` bench and the `otel_overhead` bench and its drain (each includes this file with
//! `#[path]` and uses part of it).
#![allow(dead_code)]

use std::time::Duration;

/// CPU time of this process: the scheduler's run time of each of its threads
/// (`/proc/self/task/*/schedstat`, nanoseconds), summed. Only live threads count, so measure
/// over a span in which the threads that do the work stay alive. Falls back to user + system
/// time of `/proc/self/stat` (10 ms ticks) where schedstat is missing.
pub fn cpu_time() -> Duration {
    let from_schedstat = || -> Option<u64> {
        let mut ns = 0u64;
        for task in std::fs::read_dir("/proc/self/task").ok()? {
            let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
            ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
        }
        Some(ns)
    };
    if let Some(ns) = from_schedstat() {
        return Duration::from_nanos(ns);
    }
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<u64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// `/proc/loadavg`'s 1, 5 and 15 minute figures: the machine's load while a bench ran.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
