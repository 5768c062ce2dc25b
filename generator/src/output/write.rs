//! Writing generated files: only when their bytes change (keeps builds quiet), and checking staleness.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::GeneratedFile;

/// What [`write_files`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    /// Files created or rewritten (relative paths).
    pub written: Vec<PathBuf>,
    /// Files whose bytes were already right (relative paths).
    pub unchanged: Vec<PathBuf>,
}

/// Writes every file under `dir`, creating folders, touching only files whose bytes differ.
pub fn write_files(dir: &Path, files: &[GeneratedFile]) -> io::Result<WriteReport> {
    let mut report = WriteReport::default();
    for file in files {
        let target = dir.join(&file.path);
        if fs::read(&target).ok().as_deref() == Some(file.contents.as_bytes()) {
            report.unchanged.push(file.path.clone());
            continue;
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&target, &file.contents).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot write {}: {e}", target.display()))
        })?;
        report.written.push(file.path.clone());
    }
    Ok(report)
}

/// The relative paths of files under `dir` that are missing or differ from what would be generated.
pub fn stale_files(dir: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|file| {
            fs::read(dir.join(&file.path)).ok().as_deref() != Some(file.contents.as_bytes())
        })
        .map(|file| file.path.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> GeneratedFile {
        GeneratedFile {
            path: PathBuf::from(path),
            contents: contents.to_string(),
        }
    }

    #[test]
    fn writes_only_changed_files_and_reports_stale_ones() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![file("Cargo.toml", "a"), file("src/lib.rs", "b")];
        assert_eq!(stale_files(dir.path(), &files).len(), 2);
        let first = write_files(dir.path(), &files).unwrap();
        assert_eq!(first.written.len(), 2);
        assert!(stale_files(dir.path(), &files).is_empty());

        let modified = fs::metadata(dir.path().join("src/lib.rs"))
            .unwrap()
            .modified()
            .unwrap();
        let second = write_files(dir.path(), &files).unwrap();
        assert!(second.written.is_empty());
        assert_eq!(second.unchanged.len(), 2);
        let after = fs::metadata(dir.path().join("src/lib.rs"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(modified, after, "an unchanged file must not be rewritten");

        fs::write(dir.path().join("src/lib.rs"), "edited").unwrap();
        assert_eq!(
            stale_files(dir.path(), &files),
            vec![PathBuf::from("src/lib.rs")]
        );
    }
}
