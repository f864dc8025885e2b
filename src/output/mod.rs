//! Writing the output folder atomically.
//!
//! Files are written into a staging folder beside the output, then the two
//! are swapped in one step, so a failed build never touches the previous
//! output. The staging folder is the output of the build before last, kept
//! between builds: only files whose bytes changed are rewritten and only
//! stale ones deleted, which keeps rebuilds near the speed of the file
//! system and leaves unchanged files with their modification times. A
//! record of each folder, kept beside them (module `manifest`), spares reading
//! unchanged files and walking for stale ones.

mod manifest;

use crate::file_meta::{Folder, Kind, Stamp};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use manifest::{FileRecord, Manifest, content_hash, ctime_ns, mtime_ns, source_stamp};
use rayon::prelude::*;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use walkdir::WalkDir;

/// The counts a finished write reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteStats {
    pub files: usize,
    pub changed: usize,
    pub removed: usize,
}

/// An output being written. Dropping it without [`Output::commit`] leaves
/// the previous output as it was.
///
/// gazette deletes only files in folders it made: the staging folder and
/// the output folder are each marked as its own in the cache when it makes
/// (or adopts, while empty) them, and a folder without that mark that holds
/// anything is refused. Nothing is written or deleted through a symbolic
/// link: links in place of the helper folders are refused, and links found
/// inside the staging folder are removed (the link, never what it points
/// to) before anything is written under them.
pub struct Output {
    target: PathBuf,
    staging: PathBuf,
    /// The staging folder held open: its files are looked at relative to
    /// it (169,000 at 100,000 articles), so the system does not resolve the
    /// folder's own path again for each.
    staging_dir: Folder,
    /// Beside the output: the records of the two folders.
    cache: PathBuf,
    /// Whether the staging folder was empty when the build began (a first
    /// build, or the second into a folder): it then holds only this
    /// build's files.
    starts_empty: bool,
    /// The record of the staging folder, when it can be trusted.
    previous: Option<Manifest>,
    /// The record of the output folder as the last build left it: a file
    /// whose bytes are those it has there keeps that modification time, so
    /// deploy tools that compare times upload only what changed.
    live: Option<Manifest>,
    /// This build's files, by record key (`/`-separated path): kept as
    /// text, since hashing a `Path` parses it into its parts, and a build
    /// at 100,000 articles hashes 169,000 of them several times.
    written: Mutex<HashSet<String>>,
    /// The record of this build's files, by `/`-separated path.
    records: Mutex<HashMap<String, FileRecord>>,
    /// Folders of the staging folder found to be real folders (no link)
    /// in this build, relative to it, beyond those of the trusted record
    /// (`previous`), which are real too.
    real_dirs: Mutex<HashSet<String>>,
    /// Folders of the staging folder (record keys) in which this build
    /// made or removed anything: their times are looked at when the record
    /// is saved. Every other folder has the time the staging folder's
    /// record gave it, checked when the build began.
    touched: Mutex<HashSet<String>>,
    /// Files of the staging folder made hard links to the live output's
    /// ([`Output::link_to_live`]), by record key.
    linked: Mutex<Vec<String>>,
    changed: AtomicUsize,
    /// Held for the whole build: one build at a time writes this output.
    _lock: BuildLock,
}

/// The output folder `target` resolved (a symbolic link is followed, so
/// the build stages beside the folder it points to), the folder beside it
/// that holds gazette's helper folders, and its name.
fn locate(target: &Path) -> io::Result<(PathBuf, PathBuf, String)> {
    let target = match fs::symlink_metadata(target) {
            Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(target).map_err(|e| {
                refuse(format!(
                    "{} is a symbolic link to a folder that cannot be reached ({e}): make the folder it points to, or remove the link",
                    target.display()
                ))
            })?,
            _ => target.to_path_buf(),
        };
    let name = target
        .file_name()
        .filter(|n| *n != "." && *n != "..")
        .ok_or_else(|| refuse("the output folder has no name".into()))?
        .to_string_lossy()
        .into_owned();
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((target, parent, name))
}

/// The record the last build kept of an output folder, as read. A build
/// reads it and checks it against the folder ([`LastRecord::intact_unless`])
/// beside the look at its inputs, and takes it on to
/// [`Output::begin_after`] when it has work to do, so that the record is
/// not read and decoded twice (15 MB at 100,000 articles).
pub(crate) struct LastRecord {
    /// The output folder, a link to it resolved (as [`locate`] does).
    target: PathBuf,
    manifest: Option<Manifest>,
    /// [`record_digest`] of the bytes read.
    digest: Option<u64>,
}

impl LastRecord {
    /// Reads the record of the output folder at `target`.
    pub(crate) fn read(target: &Path) -> LastRecord {
        let located = locate(target);
        let bytes = (located.as_ref().ok())
            .and_then(|(target, parent, name)| {
                let cache = parent.join(format!(".{name}.gazette-cache"));
                manifest::record_path(&cache, target).ok()
            })
            .and_then(|path| fs::read(path).ok());
        LastRecord {
            target: located.map_or_else(|_| target.to_path_buf(), |(target, ..)| target),
            digest: bytes.as_deref().map(content_hash),
            manifest: bytes.and_then(|bytes| Manifest::decode(&bytes)),
        }
    }

    /// [`record_digest`] of the record when it was read.
    pub(crate) fn digest(&self) -> Option<u64> {
        self.digest
    }

    /// Whether the output folder is as the last build left it: its record
    /// read, every folder it lists has its recorded time (nothing was added
    /// or removed) and every file its recorded length and times (nothing
    /// was edited). The number of files when it is; else why not.
    pub(crate) fn intact(&self) -> Result<usize, String> {
        // Never told to give up, it always answers.
        self.intact_unless(&AtomicBool::new(false))
            .unwrap_or_else(|| Err(format!("{} could not be checked", self.target.display())))
    }

    /// [`LastRecord::intact`], or None when `give_up` was set before the
    /// answer was known: it runs beside the look at the inputs, which sets
    /// it once it knows the build has work to do, and then the answer would
    /// not be used.
    pub(crate) fn intact_unless(&self, give_up: &AtomicBool) -> Option<Result<usize, String>> {
        let answer = self.check(give_up);
        (!give_up.load(Ordering::Relaxed)).then_some(answer)
    }

    fn check(&self, give_up: &AtomicBool) -> Result<usize, String> {
        let target = &self.target;
        let manifest = (self.manifest.as_ref())
            .filter(|m| m.matches_folders(target, give_up))
            .ok_or_else(|| {
                format!(
                    "{} has no record of the last build, or a folder of it changed",
                    target.display()
                )
            })?;
        let folder = Folder::open(target).map_err(|e| format!("{}: {e}", target.display()))?;
        let edited = manifest.files.par_iter().find_any(|(key, record)| {
            give_up.load(Ordering::Relaxed)
                || !folder.look(key).is_some_and(|file| {
                    file.kind == Kind::File
                        && file.len == record.len
                        && file.mtime_ns == record.mtime_ns
                        && file.ctime_ns == record.ctime_ns
                })
        });
        match edited {
            Some((key, _)) => Err(format!(
                "{} changed since the last build",
                target.join(key).display()
            )),
            None => Ok(manifest.files.len()),
        }
    }
}

/// [`LastRecord::intact`] of the output folder at `target`, read now.
#[cfg(test)]
pub(crate) fn intact(target: &Path) -> Result<usize, String> {
    LastRecord::read(target).intact()
}

/// A digest of the record of the output folder at `target` as it is now
/// (None without one). The build cache's state keeps it, so a state vouches
/// only for the output it was kept with: the record holds every file's
/// times to the nanosecond, which no one can foresee, so a state file
/// copied or committed into a site cannot pass for that output's.
pub(crate) fn record_digest(target: &Path) -> Option<u64> {
    let (target, parent, name) = locate(target).ok()?;
    let cache = parent.join(format!(".{name}.gazette-cache"));
    let path = manifest::record_path(&cache, &target).ok()?;
    let bytes = fs::read(path).ok()?;
    Some(content_hash(&bytes))
}

/// Why an output folder cannot be written.
fn refuse(message: String) -> io::Error {
    io::Error::other(message)
}

impl Output {
    /// Prepares the staging folder beside `target`. A `target` that is a
    /// symbolic link is resolved, and the build stages beside the folder it
    /// points to, so the link keeps pointing at the new output.
    #[cfg(test)]
    pub(crate) fn begin(target: &Path) -> io::Result<Output> {
        Output::begin_after(target, None)
    }

    /// [`Output::begin`], taking the output's record from `last` (read
    /// earlier in the build) instead of decoding it again, if the record
    /// file still holds the bytes it was read from.
    pub(crate) fn begin_after(target: &Path, last: Option<LastRecord>) -> io::Result<Output> {
        let (target, parent, name) = locate(target)?;
        fs::create_dir_all(&parent)?;
        let cache = parent.join(format!(".{name}.gazette-cache"));
        let helper_hint = "gazette keeps its own folders beside the output and never writes through a link or into a folder it did not make: remove it, or choose another output folder";
        if let Ok(meta) = fs::symlink_metadata(&cache)
            && !meta.is_dir()
        {
            return Err(refuse(format!(
                "{} is not a folder gazette made ({}): {helper_hint}",
                cache.display(),
                kind_of(&meta)
            )));
        }
        // The output folder first: a refused one leaves nothing made beside it.
        match fs::symlink_metadata(&target) {
            Ok(meta) if !meta.is_dir() => {
                return Err(refuse(format!(
                    "{} exists and is not a folder",
                    target.display()
                )));
            }
            Ok(_) => {
                if !manifest::is_owned(&cache, &target) && !is_empty_dir(&target)? {
                    // The diagnostic names the folder; the message says why.
                    return Err(refuse(
                        "it is not empty and was not written by gazette: a build deletes every file of its output folder that it did not write, so it only writes into an empty folder or one it made; empty or remove that folder, or choose another with --output".into(),
                    ));
                }
                // Marked each time: a folder an older gazette owned by its
                // JSON record alone keeps its mark once that record goes.
                manifest::mark_owned(&cache, &target)?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let lock = BuildLock::take(&parent.join(format!(".{name}.gazette-lock")), &target)?;
        let staging = parent.join(format!(".{name}.gazette-staging"));
        // Whether the staging folder starts empty: then all it holds at the
        // end is this build's, and nothing stale needs looking for.
        let starts_empty = match fs::symlink_metadata(&staging) {
            Ok(meta) if !meta.is_dir() => {
                return Err(refuse(format!(
                    "{} is not a folder gazette made ({}): {helper_hint}",
                    staging.display(),
                    kind_of(&meta)
                )));
            }
            Ok(_) => {
                let empty = is_empty_dir(&staging)?;
                if !empty && !manifest::is_owned(&cache, &staging) {
                    return Err(refuse(format!(
                        "{} holds files gazette did not write: {helper_hint}",
                        staging.display()
                    )));
                }
                empty
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&staging)?;
                true
            }
            Err(e) => return Err(e),
        };
        manifest::mark_owned(&cache, &staging)?;
        let staging_dir = Folder::open(&staging)?;
        // Both records at once: at 100,000 articles each is 15 MB.
        // The output's folders are not looked at (168,000 of them at
        // 100,000 articles): a file is only taken from there after its
        // bytes are read and hashed ([`Output::keep`]).
        let (previous, live) = rayon::join(
            || Manifest::load(&cache, &staging),
            || {
                let bytes = (target.is_dir())
                    .then(|| fs::read(manifest::record_path(&cache, &target).ok()?).ok())
                    .flatten()?;
                // The record read earlier in the build, while its bytes are
                // still those there (now that this build holds the lock, no
                // other can swap an output in): it is not decoded again.
                let digest = Some(content_hash(&bytes));
                match last.filter(|last| last.target == target && last.digest == digest) {
                    Some(last) => last.manifest,
                    None => Manifest::decode(&bytes),
                }
            },
        );
        Ok(Output {
            starts_empty,
            previous,
            live,
            target,
            staging,
            staging_dir,
            cache,
            written: Mutex::new(HashSet::new()),
            records: Mutex::new(HashMap::new()),
            real_dirs: Mutex::new(HashSet::new()),
            touched: Mutex::new(HashSet::new()),
            linked: Mutex::new(Vec::new()),
            changed: AtomicUsize::new(0),
            _lock: lock,
        })
    }

    /// Claims `relative` for this build; a second claim is an error, since
    /// two things of the site would write the same file. The build plans
    /// each path once (`build::plan_files`); this keeps the folder safe
    /// from any other writer.
    fn claim(&self, relative: &Path, key: &str) -> Result<PathBuf, String> {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        if !written.insert(key.to_owned()) {
            return Err(format!(
                "two parts of the site write the same file {}",
                relative.display()
            ));
        }
        Ok(self.staging.join(relative))
    }

    /// Writes `bytes` to `relative` unless the file already holds them.
    pub fn write(&self, relative: &Path, bytes: &[u8]) -> Result<(), String> {
        let key = record_key(relative);
        let path = self.claim(relative, &key)?;
        let describe = |e: io::Error| format!("cannot write {}: {e}", relative.display());
        self.make_real_dirs(&key).map_err(describe)?;
        let len = bytes.len() as u64;
        let hash = content_hash(bytes);
        // Unchanged since the live output's copy: keep that copy's time.
        let keep_time = self
            .live
            .as_ref()
            .and_then(|m| m.files.get(&key))
            .filter(|live| live.len == len && live.hash == hash)
            .map(|live| live.mtime_ns);
        let untouched = self.untouched(&key, |record| record.len == len && record.hash == hash);
        let seen = match untouched {
            Some(seen) => seen,
            None => {
                let (meta, written) = self.put_bytes(&key, &path, bytes).map_err(describe)?;
                if written {
                    self.changed.fetch_add(1, Ordering::Relaxed);
                }
                Stamp::of(&meta)
            }
        };
        let (mtime_ns, ctime_ns) = settle_time(&path, &seen, keep_time).map_err(describe)?;
        let record = FileRecord {
            len,
            hash,
            mtime_ns,
            ctime_ns,
            source: 0,
        };
        self.record(key, record);
        Ok(())
    }

    /// Keeps the file at `relative` as the last build wrote it, without
    /// rendering it: the build found that nothing it shows changed. The
    /// staging folder's copy serves when it holds the same bytes; else the
    /// output's copy is read, checked against its record's hash and
    /// copied. False, with nothing claimed, when neither copy can vouch for
    /// its bytes (no record, a file copied from the site, a file changed by
    /// hand): the caller then renders the file.
    pub fn keep(&self, relative: &Path) -> Result<bool, String> {
        let key = record_key(relative);
        let Some(live) = (self.live.as_ref())
            .and_then(|m| m.files.get(&key))
            .copied()
            .filter(|r| r.source == 0)
        else {
            return Ok(false);
        };
        let describe = |e: io::Error| format!("cannot write {}: {e}", relative.display());
        self.make_real_dirs(&key).map_err(describe)?;
        let path = self.staging.join(relative);
        let untouched = self.untouched(&key, |record| {
            record.len == live.len && record.hash == live.hash
        });
        let seen = match untouched {
            Some(seen) => seen,
            None => {
                let from = self.target.join(relative);
                match self.take_from_live(&key, &path, &from, &live) {
                    Ok(Some(meta)) => Stamp::of(&meta),
                    Ok(None) => return Ok(false),
                    Err(e) => return Err(describe(e)),
                }
            }
        };
        self.claim(relative, &key)?;
        let (mtime_ns, ctime_ns) =
            settle_time(&path, &seen, Some(live.mtime_ns)).map_err(describe)?;
        self.record(
            key,
            FileRecord {
                len: live.len,
                hash: live.hash,
                mtime_ns,
                ctime_ns,
                source: 0,
            },
        );
        Ok(true)
    }

    /// Puts the live output's file `from` (record `live`, key `key`) at
    /// `path` in the staging folder. When a `stat` shows it as the last
    /// build recorded it (a write since would have changed its
    /// status-change time, which no tool can set back), the staging file
    /// becomes a hard link to it: nothing is read or written, where a copy
    /// after a build that changed every file moves the whole output (3.1
    /// GB at 100,000 articles). Else, or where the file system cannot link,
    /// its bytes are read, checked against the record's hash and written.
    /// None, with nothing changed, when neither can vouch for the file.
    fn take_from_live(
        &self,
        key: &str,
        path: &Path,
        from: &Path,
        live: &FileRecord,
    ) -> io::Result<Option<fs::Metadata>> {
        // Through no link: the file must be the one gazette wrote.
        let Ok(meta) = fs::symlink_metadata(from) else {
            return Ok(None);
        };
        if !meta.is_file() || meta.len() != live.len {
            return Ok(None);
        }
        // Only where a status-change time tells a write and a file's
        // other names can be counted (`Stamp::links`).
        if cfg!(unix)
            && mtime_ns(&meta) == live.mtime_ns
            && ctime_ns(&meta) == live.ctime_ns
            && let Some(linked) = self.link_to_live(key, path, from)?
        {
            return Ok(Some(linked));
        }
        let Ok(bytes) = fs::read(from) else {
            return Ok(None);
        };
        if content_hash(&bytes) != live.hash {
            return Ok(None);
        }
        Ok(Some(self.put_bytes(key, path, &bytes)?.0))
    }

    /// Makes the staging file at `path` a hard link to the live output's
    /// `from`, removing what stands there first (a link, never what it
    /// points to; a folder whole). Both names then share one file, which
    /// gazette never writes into: a changed file is always made new
    /// ([`Output::put_file`]) and a shared one is never given a time in
    /// place ([`settle_time`]). None when the file system cannot link.
    fn link_to_live(
        &self,
        key: &str,
        path: &Path,
        from: &Path,
    ) -> io::Result<Option<fs::Metadata>> {
        if let Ok(meta) = fs::symlink_metadata(path) {
            match meta.is_dir() {
                true => fs::remove_dir_all(path)?,
                false => fs::remove_file(path)?,
            }
        }
        self.touch(key);
        if fs::hard_link(from, path).is_err() {
            return Ok(None);
        }
        // Linking changed the shared file's status-change time: the live
        // output's record learns the new one at the swap.
        (self.linked.lock().unwrap_or_else(|e| e.into_inner())).push(key.to_owned());
        fs::symlink_metadata(path).map(Some)
    }

    /// The staging file at `path` when its record from the last build
    /// passes `fits` and a `stat` shows nobody touched the file since: then
    /// it holds what the record says, and there is nothing to read or write.
    fn untouched(&self, key: &str, fits: impl FnOnce(&FileRecord) -> bool) -> Option<Stamp> {
        let record = self.previous.as_ref()?.files.get(key).filter(|r| fits(r))?;
        self.staging_dir.look(key).filter(|file| {
            file.kind == Kind::File
                && file.len == record.len
                && file.mtime_ns == record.mtime_ns
                && file.ctime_ns == record.ctime_ns
        })
    }

    /// Notes that the folder holding `relative` has an entry made or
    /// removed by this build.
    fn touch(&self, key: &str) {
        (self.touched.lock().unwrap_or_else(|e| e.into_inner())).insert(folder_key(key).into());
    }

    /// Notes a folder this build made at `dir`: the folder holding it
    /// changed, and its own time is new.
    fn touch_made_folder(&self, dir: &str) {
        let mut touched = self.touched.lock().unwrap_or_else(|e| e.into_inner());
        touched.insert(folder_key(dir).into());
        touched.insert(dir.into());
    }

    fn record(&self, key: String, record: FileRecord) {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, record);
    }

    /// Copies the file at `from` to `relative` unless it is already there.
    pub fn copy(&self, from: &Path, relative: &Path) -> Result<(), String> {
        let key = record_key(relative);
        let path = self.claim(relative, &key)?;
        let describe = |e: io::Error| {
            format!(
                "cannot copy {} to {}: {e}",
                from.display(),
                relative.display()
            )
        };
        self.make_real_dirs(&key).map_err(describe)?;
        let source = fs::metadata(from).map_err(describe)?;
        let source_len = source.len();
        let stamp = source_stamp(from, &source);
        // The same source, untouched since the last build copied it, to a
        // staging file untouched since: nothing to read. Else both files
        // are compared byte for byte, so a rebuild after a fresh checkout
        // (new times, same bytes) still rewrites nothing.
        let untouched = self.untouched(&key, |record| {
            record.source == stamp && record.len == source_len
        });
        let seen = match untouched {
            Some(seen) => seen,
            None => {
                let same = || same_contents(from, &path);
                let fill = |file: &mut fs::File| {
                    let mut source = fs::File::open(from)?;
                    io::copy(&mut source, file)?;
                    // As `fs::copy` gives it: the source's permissions.
                    file.set_permissions(source.metadata()?.permissions())
                };
                let (meta, written) =
                    (self.put_file(&key, &path, source_len, same, fill)).map_err(describe)?;
                if written {
                    self.changed.fetch_add(1, Ordering::Relaxed);
                }
                Stamp::of(&meta)
            }
        };
        // A copy carries its source's modification time, as `cp -p` does.
        let (time, ctime) = settle_time(&path, &seen, Some(mtime_ns(&source))).map_err(describe)?;
        let record = FileRecord {
            len: source_len,
            hash: 0,
            mtime_ns: time,
            ctime_ns: ctime,
            source: stamp,
        };
        self.record(key, record);
        Ok(())
    }

    /// Makes every folder above the file `key` (a record key) in the
    /// staging folder a real folder: a symbolic link (planted by hand or by
    /// a tool) or a file of an earlier build in a folder's place is
    /// removed, the link itself and never what it points to. Each folder is
    /// looked at once per build.
    fn make_real_dirs(&self, key: &str) -> io::Result<()> {
        let parent = folder_key(key);
        // A trusted record has just seen each folder it lists to be a real
        // folder (not a link) with its recorded time: none needs a look,
        // nor the lock (most files of a partial build are there).
        let is_real = |dir: &str| {
            (self.previous.as_ref()).is_some_and(|m| m.dirs.contains_key(dir))
                || (self.real_dirs.lock().unwrap_or_else(|e| e.into_inner())).contains(dir)
        };
        // Folders are checked from the top down, so a known parent means
        // its whole chain is known: one look at the set for most files.
        if parent.is_empty() || is_real(parent) {
            return Ok(());
        }
        let chain = parent
            .match_indices('/')
            .map(|(at, _)| &parent[..at])
            .chain([parent]);
        for dir in chain {
            if is_real(dir) {
                continue;
            }
            let path = self.staging.join(dir);
            // Made first, looked at only when something stands there: a
            // fresh build makes 168,000 folders at 100,000 articles.
            match fs::create_dir(&path) {
                Ok(()) => self.touch_made_folder(dir),
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                Err(_) if fs::symlink_metadata(&path)?.is_dir() => {}
                // A file or a link in the folder's place.
                Err(_) => {
                    match fs::remove_file(&path) {
                        // Another render thread removed it first.
                        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                        _ => {}
                    }
                    create_real_dir(&path)?;
                    self.touch_made_folder(dir);
                }
            }
            self.real_dirs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(dir.to_owned());
        }
        Ok(())
    }

    /// Puts a file at `path` (`key` in the staging folder) unless
    /// the file there is `len` bytes long and `same` finds it holds them
    /// already, with one look at what stands there: a folder or a link in
    /// the way is removed (the link, never what it points to), and the file
    /// is made new and given its bytes by `fill`, so nothing is ever
    /// written through a link. Its metadata, and whether it was written.
    fn put_file(
        &self,
        key: &str,
        path: &Path,
        len: u64,
        same: impl FnOnce() -> bool,
        fill: impl FnOnce(&mut fs::File) -> io::Result<()>,
    ) -> io::Result<(fs::Metadata, bool)> {
        if let Ok(meta) = fs::symlink_metadata(path) {
            if meta.is_file() && meta.len() == len && same() {
                return Ok((meta, false));
            }
            match meta.is_dir() {
                true => fs::remove_dir_all(path)?,
                false => fs::remove_file(path)?,
            }
        }
        self.touch(key);
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        fill(&mut file)?;
        // Looked at once closed: a network file system may set the time
        // as it closes.
        drop(file);
        Ok((fs::symlink_metadata(path)?, true))
    }

    /// [`Output::put_file`] of `bytes`.
    fn put_bytes(&self, key: &str, path: &Path, bytes: &[u8]) -> io::Result<(fs::Metadata, bool)> {
        let same = || fs::read(path).is_ok_and(|old| old == bytes);
        let fill = |file: &mut fs::File| io::Write::write_all(file, bytes);
        self.put_file(key, path, bytes.len() as u64, same, fill)
    }

    /// Deletes what this build did not write, then swaps the staging folder
    /// in as the output. The previous output becomes the next staging folder.
    #[cfg(test)]
    pub(crate) fn commit(self) -> io::Result<WriteStats> {
        self.commit_with(|| ()).map(|(stats, ())| stats)
    }

    /// [`Output::commit`], running `beside` once the new output is in
    /// place, at the same time as the output's record is saved (at
    /// 100,000 articles, 40 MB of JSON): what else a build keeps for the
    /// next once its output is swapped in.
    pub(crate) fn commit_with<R: Send>(
        self,
        beside: impl FnOnce() -> R + Send,
    ) -> io::Result<(WriteStats, R)> {
        let written = self.written.into_inner().unwrap_or_else(|e| e.into_inner());
        // Folders that hold a file of this build; any other folder holds
        // only stale files and goes whole, without a look inside.
        let mut live: HashSet<&str> = HashSet::with_capacity(written.len());
        for key in &written {
            let mut dir = folder_key(key);
            while !dir.is_empty() && live.insert(dir) {
                dir = folder_key(dir);
            }
        }
        // Every written file is recorded: the record's keys are this
        // build's files.
        let files = self.records.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut touched = self.touched.into_inner().unwrap_or_else(|e| e.into_inner());
        let removed = match &self.previous {
            Some(previous) => {
                remove_recorded_stale(&self.staging, previous, &files, &live, &mut touched)?
            }
            // Walked only when it held files no record vouches for (at
            // 100,000 articles, 168,000 folders).
            None if self.starts_empty => 0,
            None => remove_stale(&self.staging, "", &written, &live)?,
        };
        // Each folder's time: the one the staging folder's record gave it
        // (checked when the build began) unless this build made or removed
        // something in it. The folder itself is always looked at: the swap
        // moves it.
        let known_time = |dir: &str| {
            let previous = self.previous.as_ref()?;
            (!dir.is_empty() && !touched.contains(dir)).then(|| previous.dirs.get(dir).copied())?
        };
        let mut live_dirs: Vec<(String, Option<i64>)> = (live.into_iter())
            .map(|dir| (dir.to_owned(), known_time(dir)))
            .collect();
        live_dirs.push((String::new(), None));
        // The live output becomes the staging folder. Its files that this
        // build linked to share their status-change time with the new
        // output's, which linking changed: its record takes the new time,
        // or the next build would not trust them and link them again.
        let linked = self.linked.into_inner().unwrap_or_else(|e| e.into_inner());
        let next_staging = self.live.filter(|_| !linked.is_empty()).map(|mut live| {
            for key in &linked {
                if let (Some(old), Some(new)) = (live.files.get_mut(key), files.get(key)) {
                    old.ctime_ns = new.ctime_ns;
                }
            }
            live
        });
        let manifest = Manifest {
            files,
            dirs: HashMap::new(),
        };
        swap(&self.staging, &self.target)?;
        // A record that cannot be saved only costs the next build a walk.
        let (_, beside) = rayon::join(
            || {
                let saved = manifest.save(&self.cache, &self.target, live_dirs, &self.staging);
                if let Some(record) = next_staging {
                    let _ = record.save_as_it_is(&self.cache, &self.staging);
                }
                saved
            },
            beside,
        );
        let stats = WriteStats {
            files: written.len(),
            changed: self.changed.into_inner(),
            removed,
        };
        Ok((stats, beside))
    }
}

/// An output path as one `/`-separated string (`a/b/index.html`), on every
/// system: the key of the output record, and of in-memory builds.
pub(crate) fn record_key(relative: &Path) -> String {
    // On Unix a path of UTF-8 with no empty or `.` part is its own key: a
    // partial build makes a key for each of its 169,000 files at 100,000
    // articles, and taking each apart into its parts was 4% of its time.
    if cfg!(unix)
        && let Some(text) = relative.to_str()
        && !text.is_empty()
        && text.split('/').all(|part| !part.is_empty() && part != ".")
    {
        return text.to_string();
    }
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The record key of the folder holding the record key `key` (`""` for
/// the output folder itself).
fn folder_key(key: &str) -> &str {
    key.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// Makes the folder at `path`; one made meanwhile by another thread will do.
fn create_real_dir(path: &Path) -> io::Result<()> {
    match fs::create_dir(path) {
        // Made now: a real folder (an existing link is never followed).
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    if fs::symlink_metadata(path)?.is_dir() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{} is not a folder",
            path.display()
        )))
    }
}

/// Whether every folder between `staging` and `staging/relative` is a real
/// folder, so that deleting there cannot reach through a link.
fn below_real_dirs(staging: &Path, relative: &str) -> bool {
    let relative = Path::new(relative);
    relative
        .ancestors()
        .skip(1)
        .filter(|a| !a.as_os_str().is_empty())
        .all(|a| fs::symlink_metadata(staging.join(a)).is_ok_and(|m| m.is_dir()))
}

/// Deletes what the staging folder's record lists and this build did not
/// write, without walking the folder. Returns how many files went. Nothing
/// below a link is touched: such a path is left alone (the link in the
/// output is removed with its dead folder, or replaced when written).
fn remove_recorded_stale(
    staging: &Path,
    previous: &Manifest,
    written: &HashMap<String, FileRecord>,
    live: &HashSet<&str>,
    touched: &mut HashSet<String>,
) -> io::Result<usize> {
    let mut removed = 0;
    for key in previous.files.keys().filter(|k| !written.contains_key(*k)) {
        if !below_real_dirs(staging, key) {
            continue;
        }
        let path = staging.join(key);
        match fs::remove_file(&path) {
            Ok(()) => {
                removed += 1;
                touched.insert(folder_key(key).into());
            }
            // Gone already, or a file or folder of this build now stands
            // in its place or in place of one of its folders.
            Err(_) if !fs::symlink_metadata(&path).is_ok_and(|m| !m.is_dir()) => {}
            Err(e) => return Err(e),
        }
    }
    // Folders of the last build that hold nothing of this one, deepest first.
    let mut dead: Vec<&String> = previous
        .dirs
        .keys()
        .filter(|d| !d.is_empty() && !live.contains(d.as_str()))
        .collect();
    dead.sort_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
    for dir in dead {
        let path = staging.join(dir);
        if !below_real_dirs(staging, dir) || written.contains_key(dir.as_str()) {
            continue;
        }
        // A link in a dead folder's place goes as the link itself.
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => fs::remove_dir_all(&path)?,
            Ok(m) if m.file_type().is_symlink() => fs::remove_file(&path)?,
            _ => continue,
        }
        touched.insert(folder_key(dir).into());
    }
    Ok(removed)
}

/// Deletes, below `staging/dir` (`dir` a record key, `""` for the
/// folder itself), every file not `written` and every folder not `live`,
/// reading sibling folders in parallel: on a large archive the walk over a
/// hundred thousand folders is most of this step's time. Returns how many
/// files went.
fn remove_stale(
    staging: &Path,
    dir: &str,
    written: &HashSet<String>,
    live: &HashSet<&str>,
) -> io::Result<usize> {
    let mut removed = 0;
    let mut subdirs = Vec::new();
    for entry in fs::read_dir(staging.join(dir))? {
        let entry = entry?;
        // A name that is not UTF-8 is no key of this build's (they are
        // all text): stale, never taken for a key it reads like.
        let key = (entry.file_name().to_str()).map(|name| match dir {
            "" => name.to_owned(),
            _ => format!("{dir}/{name}"),
        });
        let key = key.as_deref();
        if entry.file_type()?.is_dir() {
            if let Some(key) = key.filter(|key| live.contains(key)) {
                subdirs.push(key.to_owned());
            } else {
                removed += WalkDir::new(entry.path())
                    .into_iter()
                    .filter_map(Result::ok)
                    .filter(|e| !e.file_type().is_dir())
                    .count();
                fs::remove_dir_all(entry.path())?;
            }
        } else if !key.is_some_and(|key| written.contains(key)) {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    subdirs
        .par_iter()
        .map(|sub| remove_stale(staging, sub, written, live))
        .try_reduce(|| 0, |a, b| Ok(a + b))
        .map(|below| removed + below)
}

/// Gives the file at `path` (as `seen` last looked at it) the modification
/// time `wanted` when there is one; returns the modification and
/// status-change times the file now has.
fn settle_time(path: &Path, seen: &Stamp, wanted: Option<i64>) -> io::Result<(i64, i64)> {
    let current = seen.mtime_ns;
    let Some(wanted) = wanted.filter(|w| *w != current && *w >= 0) else {
        return Ok((current, seen.ctime_ns));
    };
    // A file shared with the live output (a hard link) keeps its time
    // there: this one is made a file of its own first.
    if seen.links > 1 {
        let bytes = fs::read(path)?;
        fs::remove_file(path)?;
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        io::Write::write_all(&mut file, &bytes)?;
    }
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_nanos(wanted as u64);
    fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(time)?;
    // The file system may store the time more coarsely than asked.
    let after = fs::symlink_metadata(path)?;
    Ok((mtime_ns(&after), ctime_ns(&after)))
}

fn same_contents(a: &Path, b: &Path) -> bool {
    match (fs::read(a), fs::read(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Puts `staging` in place of `target` in one step where the system allows
/// it; `staging` then holds what `target` held.
fn swap(staging: &Path, target: &Path) -> io::Result<()> {
    if !target.exists() {
        return fs::rename(staging, target);
    }
    if exchange(staging, target).is_ok() {
        return Ok(());
    }
    // No atomic exchange here: two renames, with a short moment between
    // them in which the output folder is missing.
    let aside = staging.with_extension("gazette-old");
    if aside.exists() {
        fs::remove_dir_all(&aside)?;
    }
    fs::rename(target, &aside)?;
    if let Err(e) = fs::rename(staging, target) {
        fs::rename(&aside, target)?;
        return Err(e);
    }
    fs::rename(&aside, staging)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let b = CString::new(b.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the
    // call, and AT_FDCWD resolves them against the current folder.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// What a path is, for messages about what stands where a folder should.
fn kind_of(meta: &fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_file() {
        "a file"
    } else if kind.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

fn is_empty_dir(dir: &Path) -> io::Result<bool> {
    Ok(fs::read_dir(dir)?.next().is_none())
}

/// An exclusive lock beside the output, held while a build writes it, so
/// two builds at once never mix their files in the staging folder. The
/// system releases it when the process ends, however it ends: a lock left
/// by a killed build never blocks the next.
struct BuildLock {
    _file: fs::File,
}

impl BuildLock {
    /// Takes the lock at `path`, waiting (and saying so) while another
    /// build holds it.
    fn take(path: &Path, target: &Path) -> io::Result<BuildLock> {
        let mut options = fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // O_NOFOLLOW: a link in the lock's place is refused, never followed.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let file = options.open(path).map_err(|e| {
            refuse(format!(
                "cannot take the build lock {}: {e} (it must be a plain file; remove it)",
                path.display()
            ))
        })?;
        if !file.metadata()?.is_file() {
            return Err(refuse(format!(
                "the build lock {} is not a plain file: remove it",
                path.display()
            )));
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                eprintln!(
                    "waiting for another gazette build of {} to finish…",
                    target.display()
                );
                file.lock()?;
            }
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
        Ok(BuildLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gives the file at `path` the modification time `time`, as `touch -d`.
    fn set_modified(path: &Path, time: std::time::SystemTime) {
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(time).unwrap();
    }

    #[test]
    fn a_record_key_is_the_path_taken_apart_and_joined_by_slashes() {
        let by_parts = |path: &Path| {
            (path.components())
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        };
        for path in [
            "index.html",
            "2021/03/26/xiaomi-ev/index.html",
            "a//b/index.html",
            "a/./b/c.html",
            "./a.html",
            "a/b/",
            "/abs/x.html",
            "../up.html",
            "",
            "tags/ev page/feed.xml",
        ] {
            assert_eq!(
                record_key(Path::new(path)),
                by_parts(Path::new(path)),
                "{path:?}"
            );
        }
        assert_eq!(record_key(Path::new("a//b/./c")), "a/b/c");
    }

    #[test]
    fn commit_swaps_and_removes_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let first = Output::begin(&target).unwrap();
        first.write(Path::new("a/index.html"), b"one").unwrap();
        first.write(Path::new("old.html"), b"old").unwrap();
        first.commit().unwrap();
        let second = Output::begin(&target).unwrap();
        second.write(Path::new("a/index.html"), b"two").unwrap();
        assert!(second.write(Path::new("a/index.html"), b"again").is_err());
        let stats = second.commit().unwrap();
        assert_eq!(stats.files, 1);
        assert_eq!(fs::read(target.join("a/index.html")).unwrap(), b"two");
        assert!(!target.join("old.html").exists());
        // A third build reuses the first output as staging: `a` changes
        // there (it held "one") and old.html is stale.
        let third = Output::begin(&target).unwrap();
        third.write(Path::new("a/index.html"), b"two").unwrap();
        let stats = third.commit().unwrap();
        assert_eq!((stats.files, stats.changed, stats.removed), (1, 1, 1));
        // A fourth finds the second output, identical: nothing to write.
        let fourth = Output::begin(&target).unwrap();
        fourth.write(Path::new("a/index.html"), b"two").unwrap();
        let stats = fourth.commit().unwrap();
        assert_eq!((stats.files, stats.changed, stats.removed), (1, 0, 0));
        assert!(!target.join("old.html").exists());
    }

    #[test]
    fn intact_tells_an_untouched_output_and_gives_up_when_told() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let output = Output::begin(&target).unwrap();
        output.write(Path::new("a/b/index.html"), b"one").unwrap();
        output.write(Path::new("index.html"), b"two").unwrap();
        output.commit().unwrap();
        let last = LastRecord::read(&target);
        assert_eq!(last.intact(), Ok(2));
        assert_eq!(last.intact_unless(&AtomicBool::new(false)), Some(Ok(2)));
        assert_eq!(last.digest(), record_digest(&target));
        // Told to give up (the inputs changed): no answer, whatever the
        // output holds.
        assert_eq!(last.intact_unless(&AtomicBool::new(true)), None);
        // Read through a link to the output, it is the output's record.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(LastRecord::read(&link).intact(), Ok(2));
        // A file added deep down changes its folder's time.
        fs::write(target.join("a/b/added.html"), b"x").unwrap();
        let why = intact(&target).unwrap_err();
        assert!(
            why.contains("has no record of the last build, or a folder of it changed"),
            "{why}"
        );
        fs::remove_file(target.join("a/b/added.html")).unwrap();
        // The folder's time is not put back by the removal: build again.
        let output = Output::begin(&target).unwrap();
        output.write(Path::new("a/b/index.html"), b"one").unwrap();
        output.write(Path::new("index.html"), b"two").unwrap();
        output.commit().unwrap();
        assert_eq!(intact(&target), Ok(2));
        // A file edited in place, its length kept.
        fs::write(target.join("a/b/index.html"), b"ONE").unwrap();
        let why = intact(&target).unwrap_err();
        assert!(
            why.ends_with("a/b/index.html changed since the last build"),
            "{why}"
        );
    }

    /// A staging folder without a record is walked for stale files: a name
    /// that is not UTF-8 is stale even where it reads like one of this
    /// build's files once made into text.
    #[test]
    fn a_name_that_is_not_text_is_stale_in_an_unrecorded_staging_folder() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let kept = "a\u{FFFD}.html";
        for _ in 0..2 {
            let output = Output::begin(&target).unwrap();
            output.write(Path::new(kept), b"page").unwrap();
            output.commit().unwrap();
        }
        // The records go (the marks stay): the staging folder is walked.
        let cache = dir.path().join(".public.gazette-cache");
        for entry in fs::read_dir(&cache).unwrap().flatten() {
            if entry.path().extension().is_some_and(|e| e == "record") {
                fs::remove_file(entry.path()).unwrap();
            }
        }
        let planted = std::ffi::OsStr::from_bytes(b"a\xff.html");
        let staging = dir.path().join(".public.gazette-staging");
        fs::write(staging.join(planted), b"planted").unwrap();
        let output = Output::begin(&target).unwrap();
        assert!(output.previous.is_none() && !output.starts_empty);
        output.write(Path::new(kept), b"page").unwrap();
        output.commit().unwrap();
        assert!(!target.join(planted).exists(), "the planted file went");
        assert_eq!(fs::read(target.join(kept)).unwrap(), b"page");
    }

    /// A record read before another build swapped its output in is not
    /// the output's record any more: the writer reads the one there.
    #[test]
    fn a_record_read_before_another_build_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let build = |bytes: &[u8]| {
            let output = Output::begin(&target).unwrap();
            output.write(Path::new("a/index.html"), bytes).unwrap();
            output.commit().unwrap();
        };
        let live_hash = |output: &Output| output.live.as_ref().unwrap().files["a/index.html"].hash;
        build(b"one");
        let current = LastRecord::read(&target);
        let output = Output::begin_after(&target, Some(current)).unwrap();
        assert_eq!(live_hash(&output), content_hash(b"one"));
        drop(output);
        let stale = LastRecord::read(&target);
        build(b"two");
        let output = Output::begin_after(&target, Some(stale)).unwrap();
        assert_eq!(live_hash(&output), content_hash(b"two"));
    }

    /// The record's folder times are those the staging folder's record
    /// gave, except where a build made or removed something: after every
    /// kind of change the output's record still fits the output, and the
    /// next build trusts the staging folder's.
    #[test]
    fn folder_times_stay_true_through_builds_that_keep_add_and_remove() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        // Each round: the files written (path, bytes), then those kept.
        type Round<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
        let rounds: [Round; 6] = [
            (
                &[
                    ("a/b/index.html", "b"),
                    ("a/c/index.html", "c"),
                    ("d/index.html", "d"),
                    ("e.html", "e"),
                ],
                &[],
            ),
            // A page changed, a folder new, a folder and a file gone.
            (
                &[("a/c/index.html", "c2"), ("f/g/index.html", "g")],
                &["a/b/index.html"],
            ),
            // A folder back, a file where nothing was, a file beside a
            // kept one.
            (
                &[("d/index.html", "d"), ("x", "x"), ("a/b/extra.html", "e")],
                &["a/b/index.html", "a/c/index.html", "f/g/index.html"],
            ),
            // A folder in a file's place, a folder emptied, a file gone
            // from a kept folder.
            (
                &[("x/index.html", "x")],
                &["a/b/index.html", "f/g/index.html", "d/index.html"],
            ),
            // Nothing changed.
            (
                &[],
                &[
                    "a/b/index.html",
                    "f/g/index.html",
                    "d/index.html",
                    "x/index.html",
                ],
            ),
            (
                &[],
                &[
                    "a/b/index.html",
                    "f/g/index.html",
                    "d/index.html",
                    "x/index.html",
                ],
            ),
        ];
        for (round, (written, kept)) in rounds.iter().enumerate() {
            let output = Output::begin(&target).unwrap();
            if round >= 2 {
                assert!(
                    output.previous.is_some(),
                    "round {round}: staging record refused"
                );
            }
            for (path, bytes) in *written {
                output.write(Path::new(path), bytes.as_bytes()).unwrap();
            }
            for path in *kept {
                assert!(
                    output.keep(Path::new(path)).unwrap(),
                    "round {round}: {path}"
                );
            }
            output.commit().unwrap();
            let files = intact(&target).unwrap_or_else(|why| panic!("round {round}: {why}"));
            assert_eq!(files, written.len() + kept.len(), "round {round}");
        }
        assert_eq!(fs::read(target.join("x/index.html")).unwrap(), b"x");
        assert!(!target.join("a/c").exists() && !target.join("e.html").exists());
        assert!(!target.join("a/b/extra.html").exists());
    }

    #[test]
    fn a_file_may_replace_a_folder_and_back() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let o = Output::begin(&target).unwrap();
        o.write(Path::new("x/index.html"), b"dir").unwrap();
        o.commit().unwrap();
        let o = Output::begin(&target).unwrap();
        o.write(Path::new("x"), b"file").unwrap();
        o.commit().unwrap();
        let o = Output::begin(&target).unwrap();
        o.write(Path::new("x"), b"file").unwrap();
        o.commit().unwrap();
        let o = Output::begin(&target).unwrap();
        o.write(Path::new("x/index.html"), b"dir").unwrap();
        o.commit().unwrap();
        assert_eq!(fs::read(target.join("x/index.html")).unwrap(), b"dir");
    }

    #[test]
    fn a_copy_follows_its_source_even_when_length_and_time_are_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let source = dir.path().join("photo.jpg");
        fs::write(&source, b"first").unwrap();
        let time = fs::metadata(&source).unwrap().modified().unwrap();
        // Four builds: each folder (output and staging) has been written
        // twice, so the fourth build may use the records of the second.
        for _ in 0..4 {
            let o = Output::begin(&target).unwrap();
            o.copy(&source, Path::new("photo.jpg")).unwrap();
            o.commit().unwrap();
        }
        // Same length, same modification time, other bytes.
        fs::write(&source, b"other").unwrap();
        set_modified(&source, time);
        for _ in 0..2 {
            let o = Output::begin(&target).unwrap();
            o.copy(&source, Path::new("photo.jpg")).unwrap();
            o.commit().unwrap();
            assert_eq!(fs::read(target.join("photo.jpg")).unwrap(), b"other");
        }
        // A hand edit of the published copy is undone by the next build.
        fs::write(target.join("photo.jpg"), b"hacks").unwrap();
        for _ in 0..2 {
            let o = Output::begin(&target).unwrap();
            o.copy(&source, Path::new("photo.jpg")).unwrap();
            o.commit().unwrap();
        }
        assert_eq!(fs::read(target.join("photo.jpg")).unwrap(), b"other");
    }

    /// One build for each of `versions`, each writing `page` with it.
    fn build_each(target: &Path, page: &Path, versions: &[&[u8]]) {
        for bytes in versions {
            let o = Output::begin(target).unwrap();
            o.write(page, bytes).unwrap();
            o.commit().unwrap();
        }
    }

    /// The inode and status-change time of a file.
    #[cfg(unix)]
    fn identity(path: &Path) -> (u64, i64) {
        use std::os::unix::fs::MetadataExt;
        let meta = fs::symlink_metadata(path).unwrap();
        (meta.ino(), ctime_ns(&meta))
    }

    /// After a build that changed a file, the next build keeps it by a hard
    /// link to the live output's copy (no bytes moved), the build after
    /// trusts the link without making it again, and a later change makes
    /// a new file in the staging folder, leaving the live copy as it was
    /// until the swap. A shared file is never given a time in place.
    #[cfg(unix)]
    #[test]
    fn a_kept_file_is_linked_to_the_live_copy_and_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let staging = dir.path().join(".public.gazette-staging");
        let page = Path::new("a/index.html");
        build_each(&target, page, &[b"one", b"two"]);
        // The staging folder holds "one", the output "two": kept by a link.
        let o = Output::begin(&target).unwrap();
        assert!(o.keep(page).unwrap());
        assert_eq!(o.linked.lock().unwrap().len(), 1);
        o.commit().unwrap();
        assert_eq!(
            identity(&target.join(page)).0,
            identity(&staging.join(page)).0
        );
        assert_eq!(fs::read(target.join(page)).unwrap(), b"two");
        intact(&target).unwrap();

        // The next build trusts the staging folder's name for it as it is.
        let before = identity(&target.join(page));
        let o = Output::begin(&target).unwrap();
        assert!(o.keep(page).unwrap());
        assert!(o.linked.lock().unwrap().is_empty(), "linked again");
        o.commit().unwrap();
        assert_eq!(identity(&staging.join(page)), before);
        intact(&target).unwrap();

        // A change is a new file: the live copy keeps its bytes and time
        // while the build runs, and after a failed build.
        let live_before = fs::symlink_metadata(target.join(page)).unwrap();
        let o = Output::begin(&target).unwrap();
        o.write(page, b"three").unwrap();
        assert_eq!(fs::read(target.join(page)).unwrap(), b"two");
        drop(o);
        let live_after = fs::symlink_metadata(target.join(page)).unwrap();
        assert_eq!(fs::read(target.join(page)).unwrap(), b"two");
        assert_eq!(mtime_ns(&live_after), mtime_ns(&live_before));

        // A copy of the same bytes onto a shared file, with the time of
        // its source: made a file of its own, the live one's time kept.
        build_each(&target, page, &[b"four", b"five"]);
        let o = Output::begin(&target).unwrap();
        assert!(o.keep(page).unwrap());
        o.commit().unwrap();
        assert_eq!(
            identity(&target.join(page)).0,
            identity(&staging.join(page)).0
        );
        let source = dir.path().join("five.txt");
        fs::write(&source, b"five").unwrap();
        let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        set_modified(&source, old);
        let live_time = mtime_ns(&fs::symlink_metadata(target.join(page)).unwrap());
        let o = Output::begin(&target).unwrap();
        o.copy(&source, page).unwrap();
        assert_eq!(
            mtime_ns(&fs::symlink_metadata(target.join(page)).unwrap()),
            live_time,
            "the live copy's time"
        );
        o.commit().unwrap();
        assert_eq!(
            fs::symlink_metadata(target.join(page))
                .unwrap()
                .modified()
                .unwrap(),
            old
        );
        assert_ne!(
            identity(&target.join(page)).0,
            identity(&staging.join(page)).0
        );
    }

    /// A live file changed by hand since the last build is not linked: its
    /// bytes are checked against the record, and a file that fails is
    /// rendered again by the caller.
    #[cfg(unix)]
    #[test]
    fn a_live_file_changed_by_hand_is_not_linked() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let page = Path::new("a/index.html");
        build_each(&target, page, &[b"one", b"two"]);
        // Same length, its time put back: only the status-change time tells.
        let live = target.join(page);
        let time = fs::symlink_metadata(&live).unwrap().modified().unwrap();
        fs::write(&live, b"owt").unwrap();
        set_modified(&live, time);
        let o = Output::begin(&target).unwrap();
        assert!(!o.keep(page).unwrap(), "a hand edit kept");
        assert!(o.linked.lock().unwrap().is_empty());
        drop(o);
        // Put back byte for byte (a new status-change time all the same):
        // read, checked and copied, not linked.
        fs::write(&live, b"two").unwrap();
        let o = Output::begin(&target).unwrap();
        assert!(o.keep(page).unwrap());
        assert!(o.linked.lock().unwrap().is_empty());
        o.commit().unwrap();
        assert_eq!(fs::read(target.join(page)).unwrap(), b"two");
    }
}
