//! Writing without harm: every output is written to a temporary file beside its final name
//! and renamed into place only when complete (an interrupted or failed run leaves the
//! previous result intact and no half file under the final name), and no output may land on
//! an input or inside an input directory.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The directory a path lies in (`.` for a bare name) and its file name.
fn parent_and_name(dest: &Path) -> (&Path, String) {
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    (dir, name)
}

/// A file that appears under its name only when [`AtomicFile::commit`] is called; dropped
/// without it, nothing is left behind.
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
}

impl AtomicFile {
    /// Starts writing `dest` (its directory must exist).
    pub fn create(dest: &Path) -> std::io::Result<AtomicFile> {
        let (dir, name) = parent_and_name(dest);
        if !dir.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("the directory {} does not exist", dir.display()),
            ));
        }
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .tempfile_in(dir)
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot create a file in {}: {}", dir.display(), e.kind()),
                )
            })?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// The final name.
    pub fn path(&self) -> &Path {
        &self.dest
    }

    /// Flushes to disk and renames into place.
    pub fn commit(mut self) -> std::io::Result<()> {
        self.tmp.flush()?;
        self.tmp.as_file().sync_all()?;
        self.tmp.persist(&self.dest).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tmp.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.tmp.flush()
    }
}

impl std::io::Seek for AtomicFile {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.tmp.seek(pos)
    }
}

/// The file that marks a directory as written by reprint: only such a directory is ever
/// replaced by a new one.
pub const DIR_MARKER: &str = ".reprint-output";

/// A directory that appears under its name only when [`AtomicDir::commit`] is called: it
/// is filled as a hidden temporary directory beside its final name, then renamed into
/// place. A directory already there is replaced only if reprint wrote it (it holds
/// [`DIR_MARKER`]); any other existing directory is refused by [`AtomicDir::check`].
pub struct AtomicDir {
    tmp: Option<tempfile::TempDir>,
    dest: PathBuf,
}

impl AtomicDir {
    /// Whether `dest` may be written: absent, an empty directory, or one reprint wrote.
    pub fn check(dest: &Path) -> std::io::Result<()> {
        let (parent, _) = parent_and_name(dest);
        if !parent.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("the directory {} does not exist", parent.display()),
            ));
        }
        match std::fs::symlink_metadata(dest) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
            Ok(m) if !m.is_dir() => Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "exists and is not a directory",
            )),
            Ok(_) => {
                let empty = std::fs::read_dir(dest)?.next().is_none();
                if empty || dest.join(DIR_MARKER).is_file() {
                    Ok(())
                } else {
                    Err(std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        "is a directory reprint did not write and is not empty; \
                         name a new directory (reprint replaces only its own)",
                    ))
                }
            }
        }
    }

    /// Starts filling `dest` (its parent must exist).
    pub fn create(dest: &Path) -> std::io::Result<AtomicDir> {
        Self::check(dest)?;
        let (parent, name) = parent_and_name(dest);
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .tempdir_in(parent)?;
        std::fs::write(tmp.path().join(DIR_MARKER), b"written by reprint\n")?;
        Ok(AtomicDir {
            tmp: Some(tmp),
            dest: dest.to_path_buf(),
        })
    }

    /// The temporary directory to fill.
    pub fn path(&self) -> &Path {
        self.tmp.as_ref().expect("not committed").path()
    }

    /// Renames the filled directory into place; a previous one (reprint's) is moved aside
    /// first and removed after, so the final name never shows a half directory.
    pub fn commit(mut self) -> std::io::Result<()> {
        let tmp = self.tmp.take().expect("not committed").keep();
        let old = if self.dest.exists() {
            let aside = tmp.with_extension("old");
            if let Err(e) =
                Self::check(&self.dest).and_then(|()| std::fs::rename(&self.dest, &aside))
            {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(e);
            }
            Some(aside)
        } else {
            None
        };
        if let Err(e) = std::fs::rename(&tmp, &self.dest) {
            if let Some(old) = &old {
                let _ = std::fs::rename(old, &self.dest);
            }
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        if let Some(old) = old {
            // The new directory is in place: the old one going is only tidying up.
            let _ = std::fs::remove_dir_all(old);
        }
        Ok(())
    }
}

/// Writes `bytes` to `dest` whole or not at all.
pub fn write_whole(dest: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = AtomicFile::create(dest)?;
    f.write_all(bytes)?;
    f.commit()
}

/// Why an output path was refused.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output is an input.
    #[error("{}: this is an input; writing there would destroy it (choose another output)", output.display())]
    IsInput {
        /// The output.
        output: PathBuf,
    },
    /// The output lies inside an input directory.
    #[error("{}: this is inside the input directory {}; choose an output outside it", output.display(), input.display())]
    InsideInput {
        /// The output.
        output: PathBuf,
        /// The input directory.
        input: PathBuf,
    },
    /// The output's directory is missing or not writable.
    #[error("{}: cannot write here: {source}", output.display())]
    NotWritable {
        /// The output.
        output: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// `path` made absolute without requiring it to exist: its existing directory resolved.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let parent = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(parent.canonicalize().ok()?.join(path.file_name()?))
}

/// Refuses any output that is an input (the same file, by identity) or lies inside an input
/// directory, and any output whose directory cannot be written — before any work is done.
pub fn check_outputs(inputs: &[PathBuf], outputs: &[&Path]) -> Result<(), OutputError> {
    for &out in outputs {
        for input in inputs {
            if input.as_os_str() == "-" {
                continue;
            }
            if same_file(input, out) {
                return Err(OutputError::IsInput { output: out.into() });
            }
            if input.is_dir() {
                if let (Some(o), Ok(i)) = (resolved(out), input.canonicalize()) {
                    if o.starts_with(&i) {
                        return Err(OutputError::InsideInput {
                            output: out.into(),
                            input: input.clone(),
                        });
                    }
                }
            }
        }
        // The directory must take a new file: try one (it is removed at once).
        let probe = AtomicFile::create(out).map_err(|e| OutputError::NotWritable {
            output: out.into(),
            source: e,
        })?;
        drop(probe);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uncommitted_file_leaves_nothing_and_the_old_one_stands() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.jsonl");
        std::fs::write(&dest, "old\n").unwrap();
        {
            let mut f = AtomicFile::create(&dest).unwrap();
            f.write_all(b"half a li").unwrap();
        }
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let mut f = AtomicFile::create(&dest).unwrap();
        f.write_all(b"new\n").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new\n");
    }

    #[test]
    fn outputs_over_inputs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        std::fs::write(&input, "{}\n").unwrap();
        let inputs = vec![input.clone()];
        assert!(matches!(
            check_outputs(&inputs, &[&input]),
            Err(OutputError::IsInput { .. })
        ));
        let tree = vec![dir.path().to_path_buf()];
        let inside = dir.path().join("kept");
        assert!(matches!(
            check_outputs(&tree, &[&inside]),
            Err(OutputError::InsideInput { .. })
        ));
        let missing = dir.path().join("no/such/dir/out.jsonl");
        assert!(matches!(
            check_outputs(&inputs, &[&missing]),
            Err(OutputError::NotWritable { .. })
        ));
        let fine = dir.path().join("out.jsonl");
        check_outputs(&inputs, &[&fine]).unwrap();
        assert!(!fine.exists(), "the probe leaves nothing");
    }
}
