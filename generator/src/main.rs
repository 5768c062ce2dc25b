//! The `mqttgen` command line (subcommands live in `cli/`, one file each).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
