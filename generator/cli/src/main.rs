//! The `mqttgen` command line: one module per subcommand under `commands/`, the graphical
//! diagnostics in `render`. Everything it generates or checks comes from `mqttgen-codegen`.

mod commands;
mod render;

/// Generation builds many small token trees; mimalloc makes `mqttgen generate` markedly faster
/// than the system allocator (see `generator/benches/generate.rs`). It is built without
/// transparent huge pages (the `no_thp` feature in `Cargo.toml`): faulting them in cost more
/// kernel time than the generation's own work.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    commands::main()
}
