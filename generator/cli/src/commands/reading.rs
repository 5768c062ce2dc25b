//! Options shared by the subcommands that read specs: the ref root and the size caps.

use std::path::PathBuf;

use mqttgen_codegen::spec::LoadOptions;

/// Where `$ref`s may reach and how much may be read (flattened into `check` and `generate`).
#[derive(Debug, Clone, clap::Args)]
pub struct ReadArgs {
    /// Folder every external `$ref` must resolve into, after following symlinks (default: the
    /// spec's folder). Widen it for shared schemas kept higher up, e.g. `--ref-root ..`.
    #[arg(long, value_name = "DIR")]
    pub ref_root: Option<PathBuf>,
    /// Largest spec file read: bytes, or with a unit (`512KiB`, `16MiB`, `1GiB`).
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Most bytes read for one document, entry and referenced files together.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_total_size: u64,
}

impl ReadArgs {
    /// The front end's options.
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            ref_root: self.ref_root.clone(),
            max_file_bytes: self.max_file_size,
            max_total_bytes: self.max_total_size,
        }
    }
}

/// `1048576`, `1024KiB`, `16MiB`, `1GiB` (also `K`/`M`/`G`, `KB`/`MB`/`GB` as powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size (try `16MiB`)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}` (use KiB, MiB or GiB)")),
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::{parse_size, ReadArgs};
    use clap::Parser;
    use mqttgen_codegen::spec::LoadOptions;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        read: ReadArgs,
    }

    #[test]
    fn the_cli_defaults_are_the_library_defaults() {
        let probe = Probe::try_parse_from(["probe"]).unwrap();
        assert_eq!(probe.read.options(), LoadOptions::default());
        let probe = Probe::try_parse_from(["probe", "--ref-root", "..", "--max-file-size", "1KiB"])
            .unwrap();
        assert_eq!(probe.read.options().ref_root, Some("..".into()));
        assert_eq!(probe.read.options().max_file_bytes, 1024);
    }

    #[test]
    fn sizes_parse_with_and_without_units() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("1 G"), Ok(1 << 30));
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
