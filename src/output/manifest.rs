//! The record of one output folder: each file's length, content hash and
//! modification time, and each folder's modification time. It is kept
//! beside the output (never inside: the output is exactly the site), so a
//! rebuild can tell an unchanged file with a `stat` instead of reading it,
//! and find stale files without walking a hundred thousand folders.
//!
//! A record is trusted only while every folder it lists still has the
//! modification time it recorded: adding or deleting anything by hand
//! changes a folder's time, and then the build reads and walks as if it
//! had no record.

use crate::cache_file;
use crate::file_meta::{Folder, Kind};
use foldhash::HashMap;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// What a file held when it was written. The status-change time is what tells a hand edit
/// that kept the length and put the mtime back (`cp -p`, `rsync -t`): no
/// tool can set it, so any write after the build changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub len: u64,
    /// [`content_hash`] of the bytes; 0 for a copied file.
    pub hash: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    /// For a copied file, [`source_stamp`] of its source when it was
    /// copied; 0 for a written file (and in records of older versions).
    #[serde(default)]
    pub source: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// By path relative to the folder, with `/` separators.
    pub files: HashMap<String, FileRecord>,
    /// Folder modification times; `""` is the folder itself.
    pub dirs: HashMap<String, i64>,
}

/// What a copy's source was when it was copied: its path, length, times
/// and identity. Any write to the source changes its status-change time, so
/// an equal stamp means the source still holds the bytes that were copied
/// (off Unix, where no such time exists, one that kept its length and
/// modification time goes unseen). Never 0.
pub(crate) fn source_stamp(path: &Path, meta: &fs::Metadata) -> u64 {
    let mut key = path.as_os_str().as_encoded_bytes().to_vec();
    let (device, inode) = crate::file_meta::identity(meta).unwrap_or_default();
    for number in [meta.len(), device, inode] {
        key.extend_from_slice(&number.to_le_bytes());
    }
    for time in [mtime_ns(meta), ctime_ns(meta)] {
        key.extend_from_slice(&time.to_le_bytes());
    }
    content_hash(&key).max(1)
}

/// A 64-bit hash of a file's bytes (XXH3): the same bytes give the same
/// hash in every run, and hashing costs far less than reading the file.
pub(crate) fn content_hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

pub(crate) use crate::file_meta::{ctime_ns, mtime_ns};

/// A folder's name in the cache: its device and inode, which a rename
/// (the swap) keeps. The folder itself is never followed through a link.
/// Where the system gives no inode, a hash of the folder's absolute path
/// stands in: the record then follows the name, not the folder, and a
/// record that no longer fits is refused by its folder times (see
/// [`Manifest::load`]).
fn folder_id(folder: &Path) -> io::Result<String> {
    let meta = fs::symlink_metadata(folder)?;
    Ok(match crate::file_meta::identity(&meta) {
        Some((device, inode)) => format!("{device}-{inode}"),
        None => {
            let absolute = std::path::absolute(folder)?;
            format!(
                "p{:x}",
                content_hash(absolute.as_os_str().as_encoded_bytes())
            )
        }
    })
}

/// What the record file is, in its header ([`crate::cache_file`]).
const RECORD: cache_file::Kind = cache_file::Kind(*b"recd");
/// Bumped when the record's meaning or layout changes.
const RECORD_FORMAT: u32 = 1;
/// The extension of a record file. Records of earlier builds of gazette
/// were JSON, named `.json`: such a file still marks its folder as
/// gazette's ([`is_owned`]), and is removed when a record is next saved.
const RECORD_EXTENSION: &str = "record";

/// Where the record of `folder` is kept.
pub(super) fn record_path(cache: &Path, folder: &Path) -> io::Result<PathBuf> {
    Ok(cache.join(format!("{}.{RECORD_EXTENSION}", folder_id(folder)?)))
}

/// Whether gazette made `folder`: it marked the folder as its own in
/// `cache` when it made or adopted it (or, before marks, kept its record).
pub(crate) fn is_owned(cache: &Path, folder: &Path) -> bool {
    let Ok(id) = folder_id(folder) else {
        return false;
    };
    ["owned", RECORD_EXTENSION, "json"].iter().any(|ext| {
        fs::symlink_metadata(cache.join(format!("{id}.{ext}"))).is_ok_and(|m| m.is_file())
    })
}

/// Marks `folder` as gazette's own, before anything is written into it.
pub(crate) fn mark_owned(cache: &Path, folder: &Path) -> io::Result<()> {
    fs::create_dir_all(cache)?;
    fs::write(cache.join(format!("{}.owned", folder_id(folder)?)), b"")
}

impl Manifest {
    /// The record of `folder`, if there is one and nothing in the folder
    /// was changed since it was made.
    pub fn load(cache: &Path, folder: &Path) -> Option<Manifest> {
        let go_on = AtomicBool::new(false);
        Manifest::load_unchecked(cache, folder).filter(|m| m.matches_folders(folder, &go_on))
    }

    /// The record of `folder` as it was saved, without looking at the
    /// folder.
    fn load_unchecked(cache: &Path, folder: &Path) -> Option<Manifest> {
        Manifest::decode(&fs::read(record_path(cache, folder).ok()?).ok()?)
    }

    /// The record in a record file's bytes, if they hold one.
    pub fn decode(bytes: &[u8]) -> Option<Manifest> {
        cache_file::decode(bytes, RECORD, RECORD_FORMAT).ok()
    }

    /// Whether every folder the record lists has its recorded time in
    /// `folder` (so nothing was added to or removed from any of them),
    /// the folder itself among them; false as soon as `give_up` is set.
    pub fn matches_folders(&self, folder: &Path, give_up: &AtomicBool) -> bool {
        let Ok(open) = Folder::open(folder) else {
            return false;
        };
        self.dirs.contains_key("")
            && self.dirs.par_iter().all(|(dir, recorded)| {
                // `""` is the folder itself.
                let dir = if dir.is_empty() { "." } else { dir.as_str() };
                !give_up.load(Ordering::Relaxed)
                    && (open.look(dir))
                        .is_some_and(|d| d.kind == Kind::Dir && d.mtime_ns == *recorded)
            })
    }

    /// Saves the record of `folder` with the folder times it has.
    pub fn save_as_it_is(&self, cache: &Path, folder: &Path) -> io::Result<()> {
        let path = record_path(cache, folder)?;
        let partial = path.with_extension("partial");
        fs::write(&partial, cache_file::encode(RECORD, RECORD_FORMAT, self)?)?;
        fs::rename(&partial, &path)
    }

    /// Records the folder times of `folder` for `dirs` (its folders that
    /// hold files of this build: each with its time when the build knows
    /// it, else it is looked at), then saves the record. Other records in
    /// `cache` but `keep`'s are deleted.
    pub fn save(
        mut self,
        cache: &Path,
        folder: &Path,
        dirs: Vec<(String, Option<i64>)>,
        keep: &Path,
    ) -> io::Result<()> {
        let open = Folder::open(folder)?;
        self.dirs = dirs
            .into_par_iter()
            .filter_map(|(dir, known)| match known {
                Some(time) => Some((dir, time)),
                None => {
                    let stamp = open.look(if dir.is_empty() { "." } else { &dir })?;
                    // Whatever stands there: a record that lists something
                    // other than a folder is not trusted by the next build.
                    Some((dir, stamp.mtime_ns))
                }
            })
            .collect();
        fs::create_dir_all(cache)?;
        self.save_as_it_is(cache, folder)?;
        // Records and marks of folders that are neither of the two go, and
        // records of an older gazette (JSON) of any folder.
        let ids = [folder_id(folder).ok(), folder_id(keep).ok()];
        for entry in fs::read_dir(cache)?.flatten() {
            let other = entry.path();
            let stem = other.file_stem().map(|s| s.to_string_lossy().into_owned());
            let old_record = other.extension().is_some_and(|ext| ext == "json");
            if old_record || !ids.iter().flatten().any(|id| Some(id) == stem.as_ref()) {
                let _ = fs::remove_file(other);
            }
        }
        Ok(())
    }
}
