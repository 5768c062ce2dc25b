//! The `mqttgen` command line.

fn main() {
    eprintln!("mqttgen: no commands yet");
    std::process::exit(2);
}
