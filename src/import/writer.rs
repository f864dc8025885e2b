//! The one way an import writes: inside the folder it was given, never
//! through a symbolic link, each file whole or not at all, and never over a
//! file edited since the import wrote it (unless `--force`).
//!
//! A re-run after an interruption finishes the job: files already written
//! are found unchanged, missing ones are written.

use super::ImportError;
use super::report::{FileTally, Report};
use std::collections::HashSet;
use std::fs;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

pub(crate) struct Writer {
    root: PathBuf,
    force: bool,
    /// Whether the root folder is there yet.
    exists: bool,
    /// Folders (relative to root) known to be real folders inside it.
    checked: HashSet<PathBuf>,
    tally: FileTally,
}

/// What became of one file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Outcome {
    Written,
    Unchanged,
    /// There already, different, and not overwritten.
    Kept,
    /// Not written, for a reason given in the report.
    Refused,
}

impl Writer {
    /// Opens (or makes) the folder to import into. It must be absent,
    /// empty, or hold a site.toml: an import never mixes a site into a
    /// folder of other files.
    pub(crate) fn open(into: &Path, force: bool) -> Result<Writer, ImportError> {
        match fs::symlink_metadata(into) {
            // Made when the first file is written: an import that stops at
            // a broken source leaves nothing behind.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let root = std::path::absolute(into)
                    .map_err(|e| format!("cannot make the folder {}: {e}", into.display()))?;
                return Ok(Writer {
                    root,
                    force,
                    exists: false,
                    checked: HashSet::new(),
                    tally: FileTally::default(),
                });
            }
            Err(e) => return Err(format!("cannot read {}: {e}", into.display()).into()),
            Ok(_) if !into.is_dir() => {
                return Err(format!(
                    "{} is not a folder: give --into a new or empty folder",
                    into.display()
                )
                .into());
            }
            Ok(_) => {
                let mut entries = fs::read_dir(into)
                    .map_err(|e| format!("cannot read the folder {}: {e}", into.display()))?;
                let empty = entries.next().is_none();
                if !empty && !into.join("site.toml").is_file() {
                    return Err(format!(
                        "{} holds other files and no site.toml: import into a new or empty folder (or into the site an earlier import made)",
                        into.display()
                    )
                    .into());
                }
            }
        }
        let root = fs::canonicalize(into)
            .map_err(|e| format!("cannot read the folder {}: {e}", into.display()))?;
        Ok(Writer {
            root,
            force,
            exists: true,
            checked: HashSet::new(),
            tally: FileTally::default(),
        })
    }

    pub(crate) fn tally(&self) -> FileTally {
        self.tally
    }

    /// Writes `bytes` to `relative` (a `/`-separated path in the site).
    pub(crate) fn write(
        &mut self,
        relative: &str,
        bytes: &[u8],
        report: &mut Report,
    ) -> Result<Outcome, ImportError> {
        self.put(relative, report, |existing| match existing {
            Some(path) => same_bytes(path, bytes),
            None => Ok(false),
        })
        .and_then(|(outcome, target)| {
            if outcome == Outcome::Written {
                self.replace(&target, |file| file.write_all(bytes))?;
            }
            Ok(outcome)
        })
    }

    /// Copies the file `from` (a photo) to `relative` in the site.
    pub(crate) fn copy(
        &mut self,
        from: &Path,
        relative: &str,
        report: &mut Report,
    ) -> Result<Outcome, ImportError> {
        let (outcome, target) = self.put(relative, report, |existing| match existing {
            Some(path) => same_file_bytes(path, from),
            None => Ok(false),
        })?;
        if outcome == Outcome::Written {
            self.replace(&target, |file| {
                let mut source = fs::File::open(from)?;
                io::copy(&mut source, file).map(|_| ())
            })?;
        }
        Ok(outcome)
    }

    /// Decides what to do with `relative`: checks its folders, and compares
    /// an existing file with what would be written (`same`).
    fn put(
        &mut self,
        relative: &str,
        report: &mut Report,
        same: impl FnOnce(Option<&Path>) -> io::Result<bool>,
    ) -> Result<(Outcome, PathBuf), ImportError> {
        let path = crate::paths::safe_relative(relative)
            .map_err(|why| ImportError(format!("internal: {why}")))?;
        if !self.exists {
            fs::create_dir_all(&self.root)
                .map_err(|e| format!("cannot make the folder {}: {e}", self.root.display()))?;
            self.exists = true;
        }
        if let Some(parent) = path.parent()
            && let Err(why) = self.make_folders(parent)
        {
            report.skip(relative, why);
            return Ok((Outcome::Refused, PathBuf::new()));
        }
        let target = self.root.join(&path);
        let outcome = match fs::symlink_metadata(&target) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Outcome::Written,
            Err(e) => return Err(format!("cannot read {}: {e}", target.display()).into()),
            Ok(meta) if !meta.file_type().is_file() => {
                report.skip(
                    relative,
                    "a link, folder or special file is in its place; gazette import writes only regular files and never through a link",
                );
                return Ok((Outcome::Refused, target));
            }
            Ok(_) => {
                let unchanged = same(Some(&target))
                    .map_err(|e| format!("cannot read {}: {e}", target.display()))?;
                if unchanged {
                    Outcome::Unchanged
                } else if self.force {
                    Outcome::Written
                } else {
                    report.skip(
                        relative,
                        "already there and different (edited since it was imported?): kept; --force overwrites it",
                    );
                    Outcome::Kept
                }
            }
        };
        match outcome {
            Outcome::Written => self.tally.written += 1,
            Outcome::Unchanged => self.tally.unchanged += 1,
            Outcome::Kept => self.tally.kept += 1,
            Outcome::Refused => {}
        }
        Ok((outcome, target))
    }

    /// Makes each folder of `relative` that is missing; a folder that is a
    /// link (or a file) is refused, so nothing is written through it.
    fn make_folders(&mut self, relative: &Path) -> Result<(), String> {
        let mut walked = PathBuf::new();
        for part in relative.components() {
            walked.push(part);
            if self.checked.contains(&walked) {
                continue;
            }
            let folder = self.root.join(&walked);
            match fs::symlink_metadata(&folder) {
                Ok(meta) if meta.file_type().is_dir() => {}
                Ok(_) => {
                    return Err(format!(
                        "{} is a link or a file, not a folder: gazette import never writes through a link; remove it",
                        walked.display()
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    fs::create_dir(&folder)
                        .map_err(|e| format!("cannot make {}: {e}", folder.display()))?;
                }
                Err(e) => return Err(format!("cannot read {}: {e}", folder.display())),
            }
            self.checked.insert(walked.clone());
        }
        Ok(())
    }

    /// Writes `target` whole: into a temporary file beside it, then renamed
    /// over it, so an interrupted import leaves no half-written file.
    fn replace(
        &self,
        target: &Path,
        fill: impl FnOnce(&mut fs::File) -> io::Result<()>,
    ) -> Result<(), ImportError> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temporary = target.with_file_name(format!(".{name}.gazette-import"));
        // A leftover of an interrupted run (a regular file of our name).
        if fs::symlink_metadata(&temporary).is_ok_and(|m| m.file_type().is_file()) {
            let _ = fs::remove_file(&temporary);
        }
        let failed = |e: io::Error| ImportError(format!("cannot write {}: {e}", target.display()));
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
            .map_err(failed)?;
        if let Err(e) = fill(&mut file).and_then(|()| file.flush()) {
            let _ = fs::remove_file(&temporary);
            return Err(failed(e));
        }
        drop(file);
        fs::rename(&temporary, target).map_err(failed)
    }
}

/// Whether the file at `path` holds exactly `bytes`.
fn same_bytes(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    if fs::metadata(path)?.len() != bytes.len() as u64 {
        return Ok(false);
    }
    Ok(fs::read(path)? == bytes)
}

/// Whether two files hold the same bytes, read in step (photos can be big).
fn same_file_bytes(a: &Path, b: &Path) -> io::Result<bool> {
    if fs::metadata(a)?.len() != fs::metadata(b)?.len() {
        return Ok(false);
    }
    let mut a = BufReader::new(fs::File::open(a)?);
    let mut b = BufReader::new(fs::File::open(b)?);
    let (mut x, mut y) = ([0u8; 8192], [0u8; 8192]);
    loop {
        let n = a.read(&mut x)?;
        if n == 0 {
            return Ok(b.read(&mut y)? == 0);
        }
        b.read_exact(&mut y[..n])?;
        if x[..n] != y[..n] {
            return Ok(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report::new("test", Path::new("x"))
    }

    #[test]
    fn an_edited_file_is_kept_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = report();
        let mut w = Writer::open(dir.path(), false).unwrap();
        assert_eq!(
            w.write("content/a.md", b"one", &mut r).unwrap(),
            Outcome::Written
        );
        assert_eq!(
            w.write("content/a.md", b"one", &mut r).unwrap(),
            Outcome::Unchanged
        );
        fs::write(dir.path().join("content/a.md"), "edited").unwrap();
        assert_eq!(
            w.write("content/a.md", b"one", &mut r).unwrap(),
            Outcome::Kept
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("content/a.md")).unwrap(),
            "edited"
        );
        assert_eq!(r.skipped.len(), 1);
        // A folder an import made holds its site.toml.
        fs::write(dir.path().join("site.toml"), "").unwrap();
        let mut forced = Writer::open(dir.path(), true).unwrap();
        assert_eq!(
            forced.write("content/a.md", b"one", &mut r).unwrap(),
            Outcome::Written
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("content/a.md")).unwrap(),
            "one"
        );
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        fs::create_dir(&site).unwrap();
        fs::write(site.join("site.toml"), "").unwrap();
        std::os::unix::fs::symlink(outside.path(), site.join("content")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("f"), site.join("f.md")).unwrap();
        let mut r = report();
        let mut w = Writer::open(&site, true).unwrap();
        assert_eq!(
            w.write("content/a.md", b"x", &mut r).unwrap(),
            Outcome::Refused
        );
        assert_eq!(w.write("f.md", b"x", &mut r).unwrap(), Outcome::Refused);
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
        assert_eq!(r.skipped.len(), 2, "{:?}", r.skipped);
    }

    #[test]
    fn a_folder_of_other_files_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let err = Writer::open(dir.path(), false).err().unwrap();
        assert!(
            err.0.contains("holds other files and no site.toml"),
            "{err}"
        );
    }
}
