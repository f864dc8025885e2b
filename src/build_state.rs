//! What a build keeps for the next one, so that a build with nothing to do
//! does nothing, and a build after a change that leaves the site's
//! structure as it was renders only what the change touches (which files
//! that is, `crate::changes` decides): the content hash of every input
//! file, the settings and the gazette that built, when the output would
//! next change by time alone, each article's place, what each page asked
//! of the photos, the search index's file names, the output it was kept
//! with, and what the build reported. It lives in the build cache
//! (`.gazette-cache/build-state-HASH.bin` by default), is safe to delete,
//! and is portable: inputs are compared by content hash, with file stamps
//! only sparing the reads of files that were not touched, so a cache
//! restored after a fresh checkout still holds.
//!
//! Anything the state cannot vouch for (another gazette, other settings, a
//! state file that does not read or was kept for another output, an
//! output changed by hand) means a whole build, with a one-line note
//! saying why.

use crate::build::BuildOptions;
use crate::cache_file::{self, Unreadable};
use crate::changes::{Change, place_digest, search_digest};
use crate::diagnostics::Diagnostic;
use crate::file_meta::{Folder, Kind};
use crate::images::{ImageCounts, PageAsks};
use crate::render::PageDigest;
use crate::site::{NextChange, Site};
use chrono::{DateTime, Utc};
use foldhash::HashMap;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use walkdir::WalkDir;
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

/// Bumped when the state's meaning changes; a state of another format is
/// not read. Kept in the file's header ([`crate::cache_file`]).
const FORMAT: u32 = 8;
/// What a state file is, in its header.
const STATE: cache_file::Kind = cache_file::Kind(*b"stat");

/// The states are files of the cache folder, one per output folder
/// (`build-state-HASH.bin`, by a hash of the output's absolute path), so
/// builds into two folders do not undo each other's. Earlier builds of
/// gazette kept them as JSON (`build-state-HASH.json`): those, and the
/// states of output folders that are gone, are removed whenever a state
/// is kept ([`forget_other_states`]).
const STATE_PREFIX: &str = "build-state-";

/// The folders and file of the site root a build reads.
const INPUT_DIRS: [&str; 4] = ["content", "templates", "static", "data"];
const INPUT_FILES: [&str; 1] = ["site.toml"];

/// How recently before the state was taken a file may have changed for
/// its stamp to be distrusted: file times tick coarsely, so a save in the
/// same tick as the look leaves the same stamp (as git's racy check).
const RACY_WINDOW_NS: i64 = 2_000_000_000;

/// One input file as last seen: its stamp, and the hash of its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct InputFile {
    len: u64,
    mtime_ns: i64,
    ctime_ns: i64,
    inode: u64,
    hash: u64,
}

/// Every input file of the site, by `/`-separated path from the root.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Inputs {
    files: HashMap<String, InputFile>,
    /// When the files were looked at (ns since the epoch).
    taken_ns: i64,
    /// One hash of every path and its bytes' hash, in path order.
    digest: u64,
}

/// What the build reported, said again by a build that finds nothing to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reported {
    pub articles: usize,
    pub pages: usize,
    pub authors: usize,
    pub files: usize,
    pub drafts_left_out: usize,
    pub scheduled_left_out: usize,
    pub expired_left_out: usize,
    pub next_change: Option<NextChange>,
    pub images: ImageCounts,
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Serialize, Deserialize)]
struct State {
    /// The output folder it is for, absolute: first, so that a build can
    /// read it alone and let the states of folders that are gone go.
    output: String,
    /// The hash of the gazette executable that built.
    gazette: u64,
    /// The hash of the settings of the command line that bear on output.
    settings: u64,
    inputs: Inputs,
    /// The build's moment, and the first moment after it at which the
    /// site would change by time alone (None: never).
    built_at: DateTime<Utc>,
    valid_until: Option<DateTime<Utc>>,
    reported: Reported,
    /// Each published article's file (`/`-separated, from the root), the
    /// digest of its place in the site ([`place_digest`]) and of what the
    /// search index shows of it ([`search_digest`]).
    places: HashMap<String, (u64, u64)>,
    /// The digest of the output folder's record after the build
    /// ([`crate::output::record_digest`]): the output this state is for.
    output_record: Option<u64>,
    /// What each page asked of the photos: a page the next build keeps
    /// asks for the same files again.
    asks: PageAsks,
    /// The split search index's file names: a partial build that keeps the
    /// index plans its files without making it again.
    search_files: Vec<String>,
    /// Each page's digest (`render::Renderer::digest`), by the hash of its
    /// output path ([`page_key`]): a build after content files were added
    /// or deleted keeps the pages whose digest is the same.
    pages: HashMap<u64, PageDigest>,
}

/// Why the last build's output cannot be kept as it is.
#[derive(Debug, PartialEq, Eq)]
pub enum Stale {
    /// No state: a first build, or a deleted cache.
    NoState,
    /// Said as a one-line note before the whole build.
    Note(String),
    /// Input files changed: the normal case, said in the summary.
    InputsChanged(usize),
}

/// A build's look at its inputs and the state of the last build, taken
/// before anything is loaded, so a file saved during the build is seen as
/// changed by the next.
pub struct Look {
    /// The cache folder, and the state's name in it.
    place: Option<(PathBuf, String)>,
    /// The output folder, absolute.
    output: PathBuf,
    gazette: u64,
    settings: u64,
    inputs: Inputs,
    previous: Option<State>,
    /// Why a state that was there cannot be used, as a note.
    unreadable: Option<&'static str>,
    /// This build's articles' places, once worked out (by
    /// [`Look::changes`], or by [`Look::keep`]): 100,000 digests.
    places: std::sync::OnceLock<HashMap<String, (u64, u64)>>,
}

impl Look {
    /// Reads the state kept in `cache_dir` and looks at every input file.
    /// Sets `changed` as soon as it is clear that the last build's output
    /// is not this one's (no state, another gazette or settings, an input
    /// file changed), for the check of the output that runs beside it.
    pub fn take(
        options: &BuildOptions,
        output: &Path,
        cache_dir: Option<&Path>,
        changed: &AtomicBool,
    ) -> Look {
        let output = absolute(output);
        let output_id = xxh3_64(output.as_os_str().as_encoded_bytes());
        let name = format!("{STATE_PREFIX}{output_id:016x}.bin");
        let place = cache_dir.map(|dir| (dir.to_path_buf(), name));
        let previous = (place.as_ref())
            .filter(|(dir, name)| fs::symlink_metadata(dir.join(name)).is_ok_and(|m| m.is_file()))
            .and_then(|(dir, name)| fs::read(dir.join(name)).ok());
        let (previous, unreadable) = match previous {
            None => (None, None),
            Some(bytes) => match cache_file::decode::<State>(&bytes, STATE, FORMAT) {
                Ok(state) => (Some(state), None),
                // A state of another format is another gazette's.
                Err(Unreadable::OtherFormat(_)) => (
                    None,
                    Some(
                        "the build cache's state was kept by another version of gazette: building everything",
                    ),
                ),
                Err(Unreadable::Foreign | Unreadable::Damaged) => (
                    None,
                    Some("the build cache's state could not be read: building everything"),
                ),
            },
        };
        let (gazette, settings) = (gazette_hash(), settings_hash(options, &output));
        if !(previous.as_ref()).is_some_and(|s| s.gazette == gazette && s.settings == settings) {
            changed.store(true, Ordering::Relaxed);
        }
        let known = previous.as_ref().map(|s| &s.inputs);
        Look {
            place,
            output,
            gazette,
            settings,
            inputs: Inputs::take(&options.root, known, changed),
            previous,
            unreadable,
            places: std::sync::OnceLock::new(),
        }
    }

    /// Whether the output of the last build, which is still intact, is the
    /// output of this one: the same gazette, settings and input bytes, and
    /// no scheduled change between the two builds' moments. The reported
    /// figures of that build when it is.
    pub fn unchanged(&self, now: DateTime<Utc>) -> Result<&Reported, Stale> {
        let Some(previous) = &self.previous else {
            return Err(match self.unreadable {
                Some(why) => Stale::Note(why.into()),
                None => Stale::NoState,
            });
        };
        if previous.gazette != self.gazette {
            return Err(Stale::Note(
                "gazette changed since the last build: building everything".into(),
            ));
        }
        if previous.settings != self.settings {
            return Err(Stale::Note(
                "the build's settings changed since the last build: building everything".into(),
            ));
        }
        if previous.inputs.digest != self.inputs.digest {
            return Err(Stale::InputsChanged(
                self.inputs.changed_since(&previous.inputs),
            ));
        }
        if now < previous.built_at {
            return Err(Stale::Note(
                "this build is for an earlier moment than the last one: building everything".into(),
            ));
        }
        if previous.valid_until.is_some_and(|end| now >= end) {
            return Err(Stale::Note(
                "a scheduled change is due since the last build: building everything".into(),
            ));
        }
        Ok(&previous.reported)
    }

    /// What changed since the last build, when the change leaves the
    /// site's structure as it was, so that only the files it touches need
    /// rendering: articles that kept their place, templates, and static
    /// files that are not photos. `site` is this build's model. None when
    /// every file must be rendered: no trusted state (see
    /// [`Look::unchanged`]), no changed input, or any other change (a new,
    /// deleted or moved article, site.toml, data/, a page or author file,
    /// a photo).
    pub fn changes(
        &self,
        now: DateTime<Utc>,
        site: &Site,
        root: &Path,
        output_record: Option<u64>,
    ) -> Option<Vec<Change>> {
        let previous = self.previous.as_ref()?;
        let trusted = self.is_for(output_record)
            && previous.gazette == self.gazette
            && previous.settings == self.settings
            && previous.built_at <= now
            && previous.valid_until.is_none_or(|end| now < end);
        if !trusted || previous.inputs.digest == self.inputs.digest {
            return None;
        }
        // Every article keeps its place, not only those whose files changed
        // since the last look: a file saved while the last build ran was
        // read by its model after that look.
        let places = self.places.get_or_init(|| places(site));
        let same_places = places.len() == previous.places.len()
            && (places.par_iter())
                .all(|(key, (place, _))| previous.places.get(key).is_some_and(|p| p.0 == *place));
        let search_kept = (places.par_iter())
            .all(|(key, (_, search))| previous.places.get(key).is_some_and(|p| p.1 == *search));
        let (before, after) = (&previous.inputs.files, &self.inputs.files);
        let changed: Vec<&String> = (after.iter())
            .filter(|(key, file)| before.get(*key).is_none_or(|b| b.hash != file.hash))
            .map(|(key, _)| key)
            .chain(before.keys().filter(|key| !after.contains_key(*key)))
            .collect();
        let articles: HashMap<String, usize> = (site.articles.iter().enumerate())
            .map(|(i, a)| (crate::output::record_key(&a.doc.source.relative), i))
            .collect();
        // Content files that move the site's structure: each page is then
        // kept by its digest, when no other kind of file changed.
        let moves = |key: &&String| {
            is_content_text(key)
                && !(before.contains_key(*key)
                    && after.contains_key(*key)
                    && articles.contains_key(*key))
        };
        if !same_places || changed.iter().any(moves) {
            let only_content = changed.iter().all(|key| is_content_text(key));
            let count = |f: &dyn Fn(&String) -> bool| changed.iter().filter(|k| f(k)).count();
            let added = count(&|k| !before.contains_key(k));
            let removed = count(&|k| !after.contains_key(k));
            return (only_content && !previous.pages.is_empty()).then(|| {
                vec![Change::Restructured {
                    added,
                    removed,
                    changed: changed.len() - added - removed,
                }]
            });
        }
        let mut changed_articles = BTreeSet::new();
        let mut templates = BTreeSet::new();
        let mut files = false;
        for key in changed {
            if let Some(name) = key.strip_prefix("templates/") {
                // Added and removed templates too: a page that used one
                // renders again.
                templates.insert(name.to_string());
                continue;
            }
            // Any other file added or removed changes what the site is.
            if !(before.contains_key(key) && after.contains_key(key)) {
                return None;
            }
            if let Some(&i) = articles.get(key) {
                changed_articles.insert(i);
            } else if key.starts_with("static/") && !site.images.is_source(&root.join(key)) {
                // Copied as it is; a photo's size shows in the pages.
                files = true;
            } else {
                return None;
            }
        }
        let mut changes = Vec::new();
        if !changed_articles.is_empty() {
            changes.push(Change::Articles {
                changed: changed_articles,
                search_kept,
            });
        }
        if !templates.is_empty() {
            changes.push(Change::Templates(templates));
        }
        if files {
            changes.push(Change::Files);
        }
        Some(changes).filter(|c| !c.is_empty())
    }

    /// What each page of the last build asked of the photos.
    pub fn page_asks(&self) -> Option<&PageAsks> {
        self.previous.as_ref().map(|p| &p.asks)
    }

    /// The hash of the input file at `key` (`/`-separated, from the root)
    /// as this look saw it ([`input_hash`] of its bytes): the build cache
    /// finds what it kept of an unchanged file by it, without reading it.
    pub fn input_hash(&self, key: &str) -> Option<u64> {
        self.inputs.files.get(key).map(|file| file.hash)
    }

    /// Each page's digest in the last build, by [`page_key`].
    pub fn page_digests(&self) -> Option<&HashMap<u64, PageDigest>> {
        self.previous.as_ref().map(|p| &p.pages)
    }

    /// The split search index's file names in the last build.
    pub fn search_files(&self) -> Option<&[String]> {
        self.previous.as_ref().map(|p| p.search_files.as_slice())
    }

    /// Whether the state was kept for the output whose record has the
    /// digest `output_record` (see [`crate::output::record_digest`]).
    pub fn is_for(&self, output_record: Option<u64>) -> bool {
        let kept_for = self.previous.as_ref().and_then(|p| p.output_record);
        kept_for.is_some() && kept_for == output_record
    }

    /// Forgets the last build's state, before its output is replaced: a
    /// build that stops half way must not leave a state that vouches for
    /// output it did not make.
    pub fn forget(&self) {
        if let Some((dir, name)) = &self.place {
            let _ = crate::images::keep_note(dir, name, None);
        }
    }

    /// Keeps this build's state for the next build.
    pub fn keep(
        self,
        site: &Site,
        reported: Reported,
        asks: PageAsks,
        search_files: Vec<String>,
        pages: HashMap<u64, PageDigest>,
        output_record: Option<u64>,
    ) -> Result<(), String> {
        let Some((dir, name)) = self.place else {
            return Ok(());
        };
        let valid_until = [
            site.next_change.as_ref().map(|n| n.at),
            crate::feeds::sitemap::news_window_changes(site),
        ]
        .into_iter()
        .flatten()
        .min();
        let state = State {
            output: self.output.to_string_lossy().into_owned(),
            gazette: self.gazette,
            settings: self.settings,
            inputs: self.inputs,
            built_at: site.now,
            valid_until,
            reported,
            places: self.places.into_inner().unwrap_or_else(|| places(site)),
            output_record,
            asks,
            search_files,
            pages,
        };
        // Through the cache's own writer: the folder must be gazette's
        // (it refuses a folder of someone else's files, or a link).
        let bytes = cache_file::encode(STATE, FORMAT, &state).map_err(|e| e.to_string())?;
        crate::images::keep_note_with(&dir, &name, |file| file.write_all(&bytes))?;
        forget_other_states(&dir, &name);
        Ok(())
    }
}

/// Removes from the cache folder `dir` the states of output folders that
/// are gone (one is kept per output folder ever built into, 24 MB at
/// 100,000 articles) and those an earlier gazette kept as JSON. A state
/// whose start does not read as one is left alone: it is not gazette's.
fn forget_other_states(dir: &Path, own: &str) {
    /// The start of a state: its header and its output folder's path.
    const START: u64 = 64 << 10;
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(STATE_PREFIX) || name == own {
            continue;
        }
        let gone = name.ends_with(".json")
            || (name.ends_with(".bin") && {
                let mut start = Vec::new();
                let read = fs::File::open(entry.path()).and_then(|file| {
                    std::io::Read::read_to_end(&mut std::io::Read::take(file, START), &mut start)
                });
                read.is_ok()
                    && cache_file::peek::<String>(&start, STATE, FORMAT)
                        .is_some_and(|output| !Path::new(&output).is_dir())
            });
        if gone {
            let _ = crate::images::keep_note(dir, &name, None);
        }
    }
}

impl InputFile {
    /// A file that cannot be looked at: never trusted, hash 1.
    const UNREADABLE: InputFile = InputFile {
        len: 0,
        mtime_ns: 0,
        ctime_ns: 0,
        inode: 0,
        hash: 1,
    };
}

impl Inputs {
    /// Looks at every input file under `root`, hashing those whose stamp
    /// differs from `known` (or is too recent to trust). Sets `changed` on
    /// finding a file whose bytes differ from `known`'s.
    fn take(root: &Path, known: Option<&Inputs>, changed: &AtomicBool) -> Inputs {
        let taken_ns = now_ns();
        let mut paths: Vec<String> = INPUT_FILES
            .iter()
            .filter(|f| fs::symlink_metadata(root.join(f)).is_ok())
            .map(|f| f.to_string())
            .collect();
        for dir in INPUT_DIRS {
            // Links are followed, as the build follows those that stay in
            // the site (it refuses the others).
            let walk = WalkDir::new(root.join(dir)).follow_links(true);
            for entry in walk {
                // A broken link or a loop is kept too: the build reports
                // it, and its place in the digest tells it apart.
                let path = match &entry {
                    Ok(entry) if entry.file_type().is_dir() => continue,
                    Ok(entry) => entry.path(),
                    Err(e) => match e.path() {
                        Some(path) => path,
                        None => continue,
                    },
                };
                if let Ok(relative) = path.strip_prefix(root) {
                    paths.push(crate::output::record_key(relative));
                }
            }
        }
        let folder = Folder::open(root).ok();
        let files: HashMap<String, InputFile> = paths
            .into_par_iter()
            .map(|key| {
                // A link counts as what it points to: the build reads that.
                let Some(stamp) = folder.as_ref().and_then(|f| f.look_through(&key)) else {
                    return (key, InputFile::UNREADABLE);
                };
                let mut file = InputFile {
                    len: stamp.len,
                    mtime_ns: stamp.mtime_ns,
                    ctime_ns: stamp.ctime_ns,
                    inode: stamp.inode,
                    hash: 0,
                };
                let old = known.and_then(|k| Some((k.files.get(&key)?, k.taken_ns)));
                let trusted = old.and_then(|(old, taken_ns)| {
                    let same = old.len == file.len
                        && old.mtime_ns == file.mtime_ns
                        && old.ctime_ns == file.ctime_ns
                        && old.inode == file.inode
                        && file.mtime_ns.max(file.ctime_ns) < taken_ns - RACY_WINDOW_NS;
                    same.then_some(old.hash)
                });
                file.hash = match trusted {
                    Some(hash) => hash,
                    // A file that cannot be read is a file the build will
                    // report; it differs from any readable one.
                    None if stamp.kind == Kind::File => {
                        fs::read(root.join(&key)).map_or(1, |b| input_hash(&b))
                    }
                    None => 0,
                };
                if old.is_none_or(|(old, _)| old.hash != file.hash) {
                    changed.store(true, Ordering::Relaxed);
                }
                (key, file)
            })
            .collect();
        let mut keys: Vec<&String> = files.keys().collect();
        keys.par_sort_unstable();
        let mut digest = Xxh3::new();
        for key in keys {
            digest.update(key.as_bytes());
            digest.update(&[0]);
            digest.update(&files[key].hash.to_le_bytes());
        }
        Inputs {
            digest: digest.digest(),
            files,
            taken_ns,
        }
    }

    /// How many files differ from `before`: changed, added or removed.
    fn changed_since(&self, before: &Inputs) -> usize {
        let changed = (self.files.iter())
            .filter(|(k, f)| before.files.get(*k).is_none_or(|b| b.hash != f.hash))
            .count();
        changed
            + (before.files.keys())
                .filter(|k| !self.files.contains_key(*k))
                .count()
    }
}

/// Each published article's file and the digests of its place and of
/// its search entry.
fn places(site: &Site) -> HashMap<String, (u64, u64)> {
    (site.articles.par_iter())
        .map(|a| {
            let key = crate::output::record_key(&a.doc.source.relative);
            (key, (place_digest(&a.doc.meta), search_digest(a)))
        })
        .collect()
}

/// Whether an input file is a content text (`.md` under content/): the
/// only kind whose addition or deletion a build follows page by page.
fn is_content_text(key: &str) -> bool {
    key.starts_with("content/") && key.ends_with(".md")
}

/// The key a page's digest is kept under: a hash of its output path.
pub(crate) fn page_key(output_key: &str) -> u64 {
    xxh3_64(output_key.as_bytes())
}

/// The hash of an input file's bytes as the state keeps it: never 0 (a
/// folder or special file) or 1 (a file that could not be read). The load
/// takes the same hash of each content file, so what the build cache keeps
/// of a file is found by the hash the look gives it.
pub(crate) fn input_hash(bytes: &[u8]) -> u64 {
    xxh3_64(bytes) | 2
}

fn now_ns() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// The identity of the running gazette: its version and a hash of the
/// sources it was compiled from (made by build.rs). A state is never
/// trusted across builds of gazette.
pub(crate) fn gazette_hash() -> u64 {
    let id = concat!(env!("CARGO_PKG_VERSION"), "+", env!("GAZETTE_SOURCE_HASH"));
    xxh3_64(id.as_bytes())
}

/// The hash of the settings that bear on the output: the command line's,
/// and the environment variables templates may read (`get_env` reads
/// those whose names start with `GAZETTE_`), but `GAZETTE_TIMINGS`, which
/// only makes the build print its stages.
fn settings_hash(options: &BuildOptions, output: &Path) -> u64 {
    let mut template_env: Vec<(std::ffi::OsString, std::ffi::OsString)> = std::env::vars_os()
        .filter(|(name, _)| {
            let name = name.as_encoded_bytes();
            name.starts_with(crate::render::ENV_PREFIX.as_bytes()) && name != b"GAZETTE_TIMINGS"
        })
        .collect();
    template_env.sort();
    let text = format!(
        "{:?}\0{:?}\0{}\0{}\0{:?}\0{:?}\0{:?}",
        absolute(&options.root),
        absolute(output),
        options.drafts,
        options.future,
        options.base_url,
        options.cache_dir.as_deref().map(absolute),
        template_env,
    );
    xxh3_64(text.as_bytes())
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
