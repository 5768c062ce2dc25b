//! The `mqttgen` command line (subcommands live in `cli/`, one file each).

mod cli;

/// Generation builds many small token trees; mimalloc makes `mqttgen generate` markedly faster
/// than the system allocator (see `benches/generate.rs`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
