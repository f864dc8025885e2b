//! The image cache: each made file kept under a name drawn from the
//! photo's content hash and how it was made, so a rebuild with unchanged
//! photos makes none, and a changed setting or photo never meets a stale
//! file. It lives outside the output folder (`.gazette-cache/` by
//! default), so a CI job can keep it between builds.
//!
//! gazette writes only inside a cache folder it made (marked by a
//! CACHEDIR.TAG file), never through a symbolic link, and each file whole
//! (written aside, then renamed into place).

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Changes whenever the pixels gazette makes for the same settings
/// change (a new resizer or encoder), so old cached files are not used.
const ENGINE_VERSION: u32 = 1;

/// The file that marks a cache folder as gazette's (and, by the standard
/// at bford.info/cachedir, as a cache that backups may skip).
const TAG_NAME: &str = "CACHEDIR.TAG";
const TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n# The image cache of gazette, the static site generator: safe to delete.\n";

#[derive(Debug)]
pub(super) struct Cache {
    /// `CACHE/images`.
    dir: PathBuf,
}

/// The name a made file is cached under.
pub(super) fn key(source_hash: u128, recipe: &impl Hash, quality: u8) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    ENGINE_VERSION.hash(&mut hasher);
    source_hash.hash(&mut hasher);
    recipe.hash(&mut hasher);
    quality.hash(&mut hasher);
    let low = hasher.finish();
    // A second, differently seeded hash for the other half: 128 bits
    // make a collision between two made files out of the question.
    let mut again = xxhash_rust::xxh3::Xxh3::with_seed(0x9e37_79b9_7f4a_7c15);
    low.hash(&mut again);
    source_hash.hash(&mut again);
    recipe.hash(&mut again);
    (u128::from(again.finish()) << 64) | u128::from(low)
}

impl Cache {
    /// Opens the cache at `root` (made if missing): refused if it, or a
    /// folder on the way to it, is a symbolic link, or if it exists but is
    /// not a cache gazette made.
    pub(super) fn open(root: &Path) -> Result<Cache, String> {
        match fs::symlink_metadata(root) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(
                    "it is a symbolic link; gazette writes only into folders it made".into(),
                );
            }
            Ok(meta) if !meta.is_dir() => return Err("it is not a folder".into()),
            Ok(_) => {
                let tag = fs::symlink_metadata(root.join(TAG_NAME));
                if !tag.is_ok_and(|m| m.is_file()) {
                    let empty = fs::read_dir(root)
                        .map_err(|e| e.to_string())?
                        .next()
                        .is_none();
                    if !empty {
                        return Err(format!(
                            "the folder holds files gazette did not make (no {TAG_NAME}): name an empty or new folder"
                        ));
                    }
                    write_whole(&root.join(TAG_NAME), TAG.as_bytes(), None)
                        .map_err(|e| e.to_string())?;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(root).map_err(|e| e.to_string())?;
                write_whole(&root.join(TAG_NAME), TAG.as_bytes(), None)
                    .map_err(|e| e.to_string())?;
            }
            Err(e) => return Err(e.to_string()),
        }
        let dir = root.join("images");
        real_dir(&dir).map_err(|e| e.to_string())?;
        Ok(Cache { dir })
    }

    fn path(&self, key: u128, extension: &str) -> PathBuf {
        let name = format!("{key:032x}");
        self.dir
            .join(&name[..2])
            .join(format!("{name}.{extension}"))
    }

    /// The cached file, if there is one (a regular file, not a link).
    pub(super) fn get(&self, key: u128, extension: &str) -> Option<PathBuf> {
        let path = self.path(key, extension);
        let meta = fs::symlink_metadata(&path).ok()?;
        (meta.is_file() && meta.len() > 0).then_some(path)
    }

    /// Keeps `bytes` as the file for `key`, dated `modified` (the
    /// photo's own time, which the published copy then carries, as a copy
    /// of any static file does), and gives its path.
    pub(super) fn put(
        &self,
        key: u128,
        extension: &str,
        bytes: &[u8],
        modified: Option<std::time::SystemTime>,
    ) -> io::Result<PathBuf> {
        let path = self.path(key, extension);
        if let Some(parent) = path.parent() {
            real_dir(parent)?;
        }
        write_whole(&path, bytes, modified)?;
        Ok(path)
    }
}

/// The file of the cache folder that names the site's next scheduled
/// change (see `gazette build`'s summary), for CI jobs to read.
pub(crate) const NEXT_CHANGE_NOTE: &str = "next-change";

/// Writes `text` as the note `name` at the top of the cache folder `root`
/// (made if missing, on the same terms as the image cache), or removes the
/// note when `text` is None.
pub(crate) fn keep_note(root: &Path, name: &str, text: Option<&str>) -> Result<(), String> {
    match text {
        Some(text) => keep_note_with(root, name, |file| file.write_all(text.as_bytes())),
        None => forget_note(root, name),
    }
}

/// [`keep_note`] of what `fill` writes, as it writes it, through a buffer.
pub(crate) fn keep_note_with(
    root: &Path,
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), String> {
    Cache::open(root)?;
    write_whole_with(&root.join(name), None, fill).map_err(|e| e.to_string())
}

/// A spill file for packed texts (see `crate::packed`) in the cache folder
/// `root` (made if missing, on the same terms as the image cache).
pub(crate) fn spill_file(root: &Path) -> Result<crate::packed::Spill, String> {
    Cache::open(root)?;
    crate::packed::Spill::in_folder(root).map_err(|e| e.to_string())
}

/// The Markdown cache's folder (see `crate::markdown_cache`) in the cache
/// folder `root`, made if missing, on the same terms as the image cache.
pub(crate) fn markdown_folder(root: &Path) -> Result<PathBuf, String> {
    Cache::open(root)?;
    let dir = root.join("markdown");
    real_dir(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// Removes the note `name` of the cache folder `root`, if it is a file.
fn forget_note(root: &Path, name: &str) -> Result<(), String> {
    Cache::open(root)?;
    let path = root.join(name);
    match fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() => fs::remove_file(&path).map_err(|e| e.to_string()),
        _ => Ok(()),
    }
}

/// Makes `dir` a folder if it is missing; refuses a link in its place.
fn real_dir(dir: &Path) -> io::Result<()> {
    match fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(io::Error::other(format!(
            "{} is not a folder gazette made",
            dir.display()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(dir) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        },
        Err(e) => Err(e),
    }
}

/// Writes a file whole: aside under a name no other thread uses, then
/// renamed over `path`, so a reader never sees half a file.
fn write_whole(
    path: &Path,
    bytes: &[u8],
    modified: Option<std::time::SystemTime>,
) -> io::Result<()> {
    write_whole_with(path, modified, |file| file.write_all(bytes))
}

/// [`write_whole`] of what `fill` writes, through a buffer.
pub(crate) fn write_whole_with(
    path: &Path,
    modified: Option<std::time::SystemTime>,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let aside = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    let result = options.open(&aside).and_then(|file| {
        let mut buffered = io::BufWriter::new(file);
        fill(&mut buffered)?;
        let file = buffered.into_inner().map_err(|e| e.into_error())?;
        if let Some(time) = modified {
            file.set_modified(time)?;
        }
        fs::rename(&aside, path)
    });
    if result.is_err() {
        let _ = fs::remove_file(&aside);
    }
    result
}

/// When a file was last changed, as far as a `stat` tells: size and
/// modification time (nanoseconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct Stamp {
    len: u64,
    modified_ns: i128,
}

impl Stamp {
    pub(super) fn of(path: &Path) -> Option<Stamp> {
        let meta = fs::metadata(path).ok()?;
        let modified = meta.modified().ok()?;
        let modified_ns = match modified.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        };
        Some(Stamp {
            len: meta.len(),
            modified_ns,
        })
    }
}

/// What measuring a photo found, and the stamp of the file it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct Measure {
    pub(super) stamp: Stamp,
    pub(super) hash: u128,
    pub(super) header: super::process::Header,
}

/// The measures of the last build, by photo file: a rebuild reads only
/// the photos changed since (a cached rebuild of a site of camera photos
/// would otherwise read every one of them whole, to hash it).
#[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct Measures {
    files: std::collections::BTreeMap<PathBuf, Measure>,
}

const MEASURES: &str = "measures.json";

impl Measures {
    /// The record in the cache at `dir`; empty if there is none or it
    /// cannot be read (it is only ever a shortcut).
    pub(super) fn load(dir: &Path) -> Measures {
        let path = dir.join("images").join(MEASURES);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() && meta.len() < 256 << 20 => {}
            _ => return Measures::default(),
        }
        fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub(super) fn get(&self, file: &Path, stamp: Stamp) -> Option<Measure> {
        self.files.get(file).copied().filter(|m| m.stamp == stamp)
    }

    pub(super) fn insert(&mut self, file: PathBuf, measure: Measure) {
        self.files.insert(file, measure);
    }

    /// Keeps this record in the cache at `dir`, if the cache can be used.
    pub(super) fn save(&self, dir: &Path) {
        let Ok(cache) = Cache::open(dir) else { return };
        if let Ok(json) = serde_json::to_vec(self) {
            let _ = write_whole(&cache.dir.join(MEASURES), &json, None);
        }
    }
}
