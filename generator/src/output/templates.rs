//! The minijinja templates for files of generated crates that are not Rust (Cargo.toml, README).
//!
//! They live in the repository's `templates/` folder and are compiled into the generator, so the
//! CLI and build.rs need nothing on disk besides the spec.

use minijinja::Environment;

const CARGO_TOML: &str = include_str!("../../../templates/Cargo.toml.j2");
const README_MD: &str = include_str!("../../../templates/README.md.j2");

/// Renders `template` (`Cargo.toml` or `README.md`) with `context`.
pub fn render(template: &str, context: minijinja::Value) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    env.add_template("Cargo.toml", CARGO_TOML)?;
    env.add_template("README.md", README_MD)?;
    env.get_template(template)?.render(context)
}
