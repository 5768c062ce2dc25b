//! Prints the service's AsyncAPI document: `cargo run -p code-first-example --bin asyncapi --
//! [--format yaml|json] [--version 3.0.0|3.1.0] [--output FILE | --check FILE]`.

fn main() -> std::process::ExitCode {
    mqttgen::asyncapi::cli_main(code_first_example::service())
}
