//! Reading spec files as untrusted input: every file a `$ref` names must lie inside the *ref root*
//! (after following symlinks), must be a regular file (never a device, FIFO or socket) and is read
//! up to a size cap per file and a cap on the total read.

use std::cell::Cell;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// Default cap on the size of one spec file (16 MiB).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Default cap on the bytes read for one document, entry and `$ref`ed files together (64 MiB).
pub const DEFAULT_MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;

/// Where `$ref`s may reach and how much may be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// The folder every external `$ref` must resolve into; `None` is the entry document's folder.
    pub ref_root: Option<PathBuf>,
    /// Largest file read (bytes).
    pub max_file_bytes: u64,
    /// Most bytes read in total (entry document and every referenced file).
    pub max_total_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            ref_root: None,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_total_bytes: DEFAULT_MAX_TOTAL_BYTES,
        }
    }
}

impl LoadOptions {
    /// The defaults with `root` as the ref root (a monorepo that keeps shared schemas higher up).
    pub fn with_ref_root(root: impl Into<PathBuf>) -> Self {
        LoadOptions {
            ref_root: Some(root.into()),
            ..LoadOptions::default()
        }
    }
}

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// The file resolves (after following symlinks) outside the ref root.
    OutsideRoot {
        /// Where the reference leads (canonical where it exists).
        resolved: PathBuf,
        /// The ref root (canonical).
        root: PathBuf,
    },
    /// Not a regular file: a directory, a device, a FIFO or a socket.
    NotAFile {
        /// What it is instead (`a character device`, `a FIFO`, ...).
        kind: &'static str,
    },
    /// Larger than the cap on one file.
    TooLarge {
        /// The cap (bytes).
        limit: u64,
    },
    /// Reading it would go over the cap on the total read.
    TotalTooLarge {
        /// The cap (bytes).
        limit: u64,
    },
    /// Any other I/O error (missing file, permissions, not UTF-8).
    Io(io::Error),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::OutsideRoot { resolved, root } => write!(
                f,
                "`{}` is outside the ref root `{}`",
                resolved.display(),
                root.display()
            ),
            ReadError::NotAFile { kind } => write!(f, "it is {kind}, not a regular file"),
            ReadError::TooLarge { limit } => {
                write!(f, "it is larger than the {} cap per file", size(*limit))
            }
            ReadError::TotalTooLarge { limit } => write!(
                f,
                "reading it would go over the {} cap on all files of the document",
                size(*limit)
            ),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// `16 MiB`, `512 KiB` or `100 bytes`.
pub fn size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes % 1024 == 0 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads the files of one load under [`LoadOptions`], counting bytes against the total cap.
#[derive(Debug)]
pub struct FsReader {
    /// The canonical ref root.
    root: PathBuf,
    max_file: u64,
    max_total: u64,
    budget: Cell<u64>,
}

impl FsReader {
    /// A reader for a document whose entry is `entry` (for the default root).
    ///
    /// Fails when an explicit ref root cannot be opened or does not hold the entry document.
    pub fn new(entry: &Path, options: &LoadOptions) -> Result<FsReader, String> {
        let root = match &options.ref_root {
            Some(root) => fs::canonicalize(root)
                .map_err(|e| format!("cannot use `{}` as the ref root: {e}", root.display()))?,
            None => {
                let folder = absolute(entry.parent().unwrap_or(Path::new("")));
                // A name that is no real path (`load_str`) still gets a root: nothing outside it
                // exists, so every read fails as "not found".
                fs::canonicalize(&folder).unwrap_or(folder)
            }
        };
        if options.ref_root.is_some() {
            let entry_at = real_path(entry);
            if !entry_at.starts_with(&root) {
                return Err(format!(
                    "the spec `{}` is not inside the ref root `{}`; the ref root can only widen the spec's folder",
                    entry.display(),
                    root.display()
                ));
            }
        }
        Ok(FsReader {
            root,
            max_file: options.max_file_bytes,
            max_total: options.max_total_bytes,
            budget: Cell::new(options.max_total_bytes),
        })
    }

    /// Reads the entry document (no root check: the user named it), counting it against the
    /// total cap.
    pub fn read_entry(&self, path: &Path) -> Result<String, ReadError> {
        self.read_counted(path)
    }

    /// Reads a file a `$ref` names, refusing files outside the root.
    pub fn read(&self, path: &Path) -> Result<String, ReadError> {
        let resolved = real_path(path);
        if !resolved.starts_with(&self.root) {
            return Err(ReadError::OutsideRoot {
                resolved,
                root: self.root.clone(),
            });
        }
        // Open what was checked, so a symlink cannot point elsewhere between check and read.
        self.read_counted(&resolved)
    }

    fn read_counted(&self, path: &Path) -> Result<String, ReadError> {
        let budget = self.budget.get();
        let text = read_bounded(path, self.max_file, budget).map_err(|e| match e {
            ReadError::TotalTooLarge { .. } => ReadError::TotalTooLarge {
                limit: self.max_total,
            },
            other => other,
        })?;
        self.budget.set(budget - text.len() as u64);
        Ok(text)
    }
}

/// Reads a regular file of at most `max_file` bytes, and at most `budget` bytes; never reads more
/// than one byte past the smaller cap, whatever the file claims its size is.
pub fn read_bounded(path: &Path, max_file: u64, budget: u64) -> Result<String, ReadError> {
    // `metadata` before `open`: opening a FIFO for reading blocks until a writer comes.
    let kind = file_kind(&fs::metadata(path)?);
    if let Some(kind) = kind {
        return Err(ReadError::NotAFile { kind });
    }
    let file = open_nonblocking(path)?;
    // Checked again on the opened file: the path may have been replaced in between.
    let metadata = file.metadata()?;
    if let Some(kind) = file_kind(&metadata) {
        return Err(ReadError::NotAFile { kind });
    }
    let over = |len: u64| {
        if len > max_file {
            Some(ReadError::TooLarge { limit: max_file })
        } else if len > budget {
            Some(ReadError::TotalTooLarge { limit: budget })
        } else {
            None
        }
    };
    if let Some(e) = over(metadata.len()) {
        return Err(e);
    }
    // The size on disk can lie (`/proc` files, a file still growing): read at most one byte past
    // the cap to tell.
    let bytes = read_capped(file, max_file.min(budget), metadata.len())?;
    if let Some(e) = over(bytes.len() as u64) {
        return Err(e);
    }
    String::from_utf8(bytes).map_err(|_| {
        ReadError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

/// Reads at most `cap + 1` bytes (one past the cap tells that there was more); `expected` sizes
/// the buffer.
fn read_capped(source: impl Read, cap: u64, expected: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(expected.min(cap) as usize);
    source.take(cap + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// `None` for a regular file, else what it is.
fn file_kind(metadata: &fs::Metadata) -> Option<&'static str> {
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
        if file_type.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// The absolute form of `path` with `.`/`..` removed lexically.
fn absolute(path: &Path) -> PathBuf {
    normalise(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Where `path` really leads: its canonical form, or for a path that does not exist, the
/// canonical form of its nearest existing ancestor followed by the rest.
pub(crate) fn real_path(path: &Path) -> PathBuf {
    let path = absolute(path);
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = fs::canonicalize(existing) {
            let mut out = canonical;
            out.extend(rest.iter().rev());
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return path,
        }
    }
}

/// Lexical normalisation (`a/./b/../c` → `a/c`), so that each file is read once.
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                match last {
                    Some(Component::Normal(_)) => {
                        out.pop();
                    }
                    Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                    _ => out.push(".."),
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(16 * 1024 * 1024), "16 MiB");
        assert_eq!(size(512 * 1024), "512 KiB");
        assert_eq!(size(100), "100 bytes");
    }

    #[test]
    fn caps_stop_reading_one_byte_past_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.yaml");
        fs::write(&file, "a".repeat(100)).unwrap();
        assert_eq!(read_bounded(&file, 100, 100).unwrap().len(), 100);
        assert!(matches!(
            read_bounded(&file, 99, 1000),
            Err(ReadError::TooLarge { limit: 99 })
        ));
        assert!(matches!(
            read_bounded(&file, 1000, 99),
            Err(ReadError::TotalTooLarge { limit: 99 })
        ));
    }

    /// An endless source that counts what it hands out.
    struct Endless<'c>(&'c std::cell::Cell<u64>);

    impl Read for Endless<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            buf.fill(b'a');
            self.0.set(self.0.get() + buf.len() as u64);
            Ok(buf.len())
        }
    }

    #[test]
    fn an_endless_source_is_read_only_one_byte_past_the_cap() {
        let handed_out = std::cell::Cell::new(0);
        let bytes = read_capped(Endless(&handed_out), 1000, 0).unwrap();
        assert_eq!(bytes.len(), 1001);
        assert_eq!(handed_out.get(), 1001, "nothing is read beyond the cap");
    }

    /// `/proc` files say they are empty; the cap still holds.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_that_understates_its_size_still_stops_at_the_cap() {
        let path = Path::new("/proc/self/status");
        assert_eq!(fs::metadata(path).unwrap().len(), 0);
        assert!(matches!(
            read_bounded(path, 64, u64::MAX),
            Err(ReadError::TooLarge { limit: 64 })
        ));
    }

    #[test]
    fn missing_paths_resolve_through_their_existing_ancestor() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        assert_eq!(
            real_path(&dir.path().join("a/b.yaml")),
            root.join("a/b.yaml")
        );
        assert_eq!(
            real_path(&dir.path().join("a/../../b.yaml")),
            root.parent().unwrap().join("b.yaml")
        );
    }
}
