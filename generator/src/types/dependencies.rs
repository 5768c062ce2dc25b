//! The crates generated types use, as `Cargo.toml` dependency entries: [`CrateUses`] and
//! [`CrateDependency`].

/// Which optional crates the generated code uses (`serde` and `serde_json` always).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrateUses {
    /// `chrono` (`date-time`, `date`).
    pub chrono: bool,
    /// `uuid` (`format: uuid`).
    pub uuid: bool,
    /// `regress` (`pattern`s that need backtracking).
    pub regress: bool,
    /// `regex` (`pattern`s, matched in linear time).
    pub regex: bool,
}

/// One dependency line of a generated `Cargo.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrateDependency {
    /// Crate name.
    pub name: &'static str,
    /// Version requirement.
    pub version: &'static str,
    /// Features to enable.
    pub features: &'static [&'static str],
}

impl CrateDependency {
    /// The TOML value after `name = ` in `[dependencies]`: `"1"`, or
    /// `{ version = "1", features = ["serde"] }`.
    pub fn toml_value(&self) -> String {
        if self.features.is_empty() {
            format!("\"{}\"", self.version)
        } else {
            let features: Vec<String> = self.features.iter().map(|f| format!("\"{f}\"")).collect();
            format!(
                "{{ version = \"{}\", features = [{}] }}",
                self.version,
                features.join(", ")
            )
        }
    }

    /// The `name = { version = "...", features = [...] }` line for `[dependencies]`.
    pub fn toml_line(&self) -> String {
        format!("{} = {}", self.name, self.toml_value())
    }
}

impl CrateUses {
    /// The crates either uses.
    pub fn union(self, other: CrateUses) -> CrateUses {
        CrateUses {
            chrono: self.chrono || other.chrono,
            uuid: self.uuid || other.uuid,
            regress: self.regress || other.regress,
            regex: self.regex || other.regex,
        }
    }

    /// The dependencies, `serde` and `serde_json` first, then only the optional crates used.
    pub fn dependencies(&self) -> Vec<CrateDependency> {
        let mut out = vec![
            CrateDependency {
                name: "serde",
                version: "1",
                features: &["derive"],
            },
            CrateDependency {
                name: "serde_json",
                version: "1",
                features: &[],
            },
        ];
        if self.chrono {
            out.push(CrateDependency {
                name: "chrono",
                version: "0.4",
                features: &["serde"],
            });
        }
        if self.uuid {
            out.push(CrateDependency {
                name: "uuid",
                version: "1",
                features: &["serde"],
            });
        }
        if self.regress {
            out.push(CrateDependency {
                name: "regress",
                version: "0.12",
                features: &[],
            });
        }
        if self.regex {
            out.push(CrateDependency {
                name: "regex",
                version: "1",
                features: &[],
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_entries_are_toml_values() {
        let deps = CrateUses {
            chrono: true,
            ..CrateUses::default()
        }
        .dependencies();
        let entries: Vec<(&str, String)> = deps.iter().map(|d| (d.name, d.toml_value())).collect();
        assert_eq!(
            entries,
            [
                (
                    "serde",
                    r#"{ version = "1", features = ["derive"] }"#.to_string()
                ),
                ("serde_json", r#""1""#.to_string()),
                (
                    "chrono",
                    r#"{ version = "0.4", features = ["serde"] }"#.to_string()
                ),
            ]
        );
        for dep in &deps {
            assert_eq!(
                dep.toml_line(),
                format!("{} = {}", dep.name, dep.toml_value())
            );
        }
    }
}
