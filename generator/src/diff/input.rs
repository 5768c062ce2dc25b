//! Reading `OLD` and `NEW`: a file (multi-file specs too), or `REV:path` through `git show`.
//!
//! `REV:path` is read when no file of that name exists and the text before the first `:` is not
//! empty: `origin/main:specs/x.yaml`, `HEAD~1:asyncapi.yaml`, `v1.2.0:./api.yaml`. Files the
//! document refers to (`$ref: schemas.yaml`) are read from the same revision, so a multi-file spec
//! is compared as it was. `path` is what `git show` understands: relative to the repository root,
//! or to the current folder with `./`.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::diagnostics::Diagnostic;
use crate::spec::{self, LoadOptions, Loaded, ReadError, SourceMap};

/// Where a document comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// A file at a git revision.
    Git {
        /// The revision (`origin/main`, `HEAD~1`, a tag).
        rev: String,
        /// The path at that revision.
        path: String,
    },
}

impl Source {
    /// `arg` as a file when it exists (or has no `REV:` part), else as `REV:path`.
    pub fn parse(arg: &str) -> Source {
        if Path::new(arg).exists() {
            return Source::File(PathBuf::from(arg));
        }
        match arg.split_once(':') {
            Some((rev, path)) if !rev.is_empty() && !path.is_empty() && !is_drive(rev) => {
                Source::Git {
                    rev: rev.to_string(),
                    path: path.to_string(),
                }
            }
            _ => Source::File(PathBuf::from(arg)),
        }
    }

    /// How it is shown in reports.
    pub fn name(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Git { rev, path } => format!("{rev}:{path}"),
        }
    }
}

/// `C` in `C:\specs\x.yaml`.
fn is_drive(rev: &str) -> bool {
    rev.len() == 1 && rev.chars().all(|c| c.is_ascii_alphabetic()) && cfg!(windows)
}

/// Loads `source` as `check` does (`options` for files on disk).
pub fn load(source: &Source, options: &LoadOptions) -> Loaded {
    match source {
        Source::File(path) => spec::load_file_with(path, options),
        Source::Git { rev, path } => match git_show(rev, path) {
            Ok(text) => {
                let name = source.name();
                let read = |p: &Path| git_show(rev, &git_path(p)).map_err(ReadError::Io);
                let mut loaded = spec::load_with(Path::new(path), &name, text, &read);
                // Referenced files were read from the revision too: say so wherever they are named.
                for file in loaded.sources.files.iter_mut().skip(1) {
                    file.name = format!("{rev}:{}", git_path(Path::new(&file.name)));
                }
                loaded
            }
            Err(e) => Loaded {
                document: None,
                diagnostics: vec![Diagnostic::error(
                    "io",
                    None,
                    format!("cannot read `{}` through `git show`: {e}", source.name()),
                )],
                sources: SourceMap::default(),
            },
        },
    }
}

/// `git show REV:path` as text.
fn git_show(rev: &str, path: &str) -> std::io::Result<String> {
    let output = Command::new("git")
        .arg("show")
        .arg(format!("{rev}:{path}"))
        .output()?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr).trim().to_string();
        return Err(std::io::Error::other(message));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| std::io::Error::other(format!("`{rev}:{path}` is not UTF-8 text")))
}

/// A referenced file's path as `git show` wants it: `..` and `.` folded, `/` separators, a
/// leading `./` kept (relative to the current folder).
fn git_path(path: &Path) -> String {
    let relative_to_cwd = path.starts_with(".");
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    let joined = parts.join("/");
    if relative_to_cwd {
        format!("./{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_and_files_are_told_apart() {
        assert_eq!(
            Source::parse("origin/main:specs/x.yaml"),
            Source::Git {
                rev: "origin/main".into(),
                path: "specs/x.yaml".into()
            }
        );
        assert_eq!(
            Source::parse("no/such/file.yaml"),
            Source::File("no/such/file.yaml".into())
        );
        assert_eq!(
            git_path(Path::new("specs/a/../common.yaml")),
            "specs/common.yaml"
        );
        assert_eq!(git_path(Path::new("./specs/x.yaml")), "./specs/x.yaml");
    }
}
