//! How the process's memory is set up for a subcommand.

/// Turns transparent huge pages off for the rest of the process, for the commands that allocate
/// and free hundreds of megabytes of token trees (`generate`, `docs`). Faulting in 2 MiB pages,
/// and compacting memory to find them on a busy machine, then costs more kernel time than the
/// generation's own work (`mqttgen generate` of the 2,000-channel bench spec: 0.89 s median
/// without them, 1.40 s with, on a quiet machine). `check` and `diff` keep them: they map a few
/// tens of megabytes once, and 4 KiB pages made `mqttgen check` of the same spec take 58 ms
/// instead of 46 ms (20 times the page faults). Nothing happens where the kernel has no such
/// switch.
pub fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}
