//! Printing figures (`proof: <test>: <name> = <value>`) and reading the process's memory use.

use std::fmt::Display;

/// Prints one figure as `proof: {test}: {name} = {value}`.
pub fn figure(test: &str, name: &str, value: impl Display) {
    println!("proof: {test}: {name} = {value}");
}

/// Peak resident set size of this process in MiB (`VmHWM` in `/proc/self/status`); `None`
/// where that file does not exist.
pub fn peak_rss_mib() -> Option<f64> {
    proc_status_kib("VmHWM:").map(|kib| kib as f64 / 1024.0)
}

/// Current resident set size of this process in MiB (`VmRSS`).
pub fn rss_mib() -> Option<f64> {
    proc_status_kib("VmRSS:").map(|kib| kib as f64 / 1024.0)
}

fn proc_status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
