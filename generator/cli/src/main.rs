//! The `mqttgen` command line: one module per subcommand under `commands/`, the graphical
//! diagnostics in `render`. Everything it generates or checks comes from `mqttgen-codegen`.

mod commands;
mod memory;
mod render;

/// Generation builds many small token trees; mimalloc makes `mqttgen generate` markedly faster
/// than the system allocator (see `generator/benches/generate.rs`). Transparent huge pages stay
/// on except for the commands that turn them off ([`memory`]).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    commands::main()
}
