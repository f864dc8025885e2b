//! Rendered Markdown kept between builds: an article whose body, URL and
//! mode are as in the last build is not rendered again. At 100,000
//! articles rendering every body is most of the model's time (4 s of 5);
//! a build after one edit renders one. Each article file as loaded (its
//! checked front matter) is kept too, by the hash of its bytes: a file the
//! build's look at its inputs finds unchanged is not read or parsed again
//! ([`KeptLoads`]).
//!
//! The cache is a folder of the build cache (`.gazette-cache/markdown/`):
//! - `bodies-N.bin`: packed texts (`crate::packed`), appended to as
//!   builds render bodies. Each article has three: its HTML, its feed
//!   HTML and what was learnt while rendering it (headings, summary, word
//!   count, shortcode calls), the last packed in postcard. The file is the
//!   build's spill file too, so a kept body is read from where it lies
//!   when its page is written, never copied into memory first. Each
//!   article file as loaded is packed there too, in postcard.
//! - `index.bin`: for each article file, the key it was rendered under
//!   and where its three texts are, with a hash of each text's bytes (and
//!   the same for the file as loaded, under the hash of its bytes), and
//!   the same for its rendering before under another key (so that a
//!   preview build with another base URL and the production build take
//!   turns without rendering each other's bodies again). It is written
//!   whole (aside, then renamed) after a build succeeds, so a build that
//!   fails or stops leaves the last index, whose texts the appends never
//!   overwrite; the bytes past the index's end are cut off when the next
//!   build opens the file.
//! - `lock`: one build at a time uses the cache; another, at the same
//!   moment, spills its bodies to an unnamed file as it would without it.
//!
//! What it cannot vouch for it does not use: an index of another format
//! or another gazette starts the cache over, and a text whose bytes do not
//! hash as the index says (a damaged file) is a miss, rendered again. The
//! texts are checked when the bodies file's stamp (length, times, identity)
//! is not the one the index recorded: while it is, nothing wrote to the
//! file since, and a body is read only when its page is written.
//! Bodies with `@/` links are never kept (what they link to is outside
//! their text), nor live articles (the model rearranges their HTML), nor
//! any body of a site with `[markdown] safe = true`: the cache's HTML
//! would be published without the sanitizer seeing it again, and a safe
//! site is one whose writers are not trusted with HTML.
//!
//! When more than half of the bodies file is texts the index no longer
//! names (after many edits, or a `--full` build, which renders every body
//! again), the index is written over a new file holding only the texts it
//! names.

use crate::build_state::Look;
use crate::cache_file;
use crate::content::{Content, KeptArticle, Loaded, ParseCache};
use crate::diagnostics::Diagnostic;
use crate::markdown::Rendered;
use crate::packed::{Packed, Spill};
use crate::site::ArticleBody;
use crate::sources::MAX_SOURCE_BYTES;
use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

/// Bumped when the index's or the texts' meaning changes.
const FORMAT: u32 = 4;
const INDEX: &str = "index.bin";
/// The kind of the index's file ([`crate::cache_file`]).
const INDEX_KIND: cache_file::Kind = cache_file::Kind(*b"mdix");
/// The index as earlier gazettes wrote it, in JSON: removed when an index
/// is written.
const JSON_INDEX: &str = "index.json";
const LOCK: &str = "lock";
/// Names of the bodies files: `bodies-N.bin`.
const BODIES_PREFIX: &str = "bodies-";
const BODIES_SUFFIX: &str = ".bin";
/// Texts no article uses may take this much of the bodies file before it
/// is written again, at least: a small site's file is not rewritten for
/// every edit. (Less in the tests, which would otherwise need files of
/// tens of megabytes to see the file written again.)
#[cfg(not(test))]
const SLACK_BYTES: u64 = 16 << 20;
#[cfg(test)]
const SLACK_BYTES: u64 = 64 << 10;

/// The longest index read: ~200 bytes an article, so some five million
/// articles. A longer one is not gazette's, and not read into memory.
const MOST_INDEX_BYTES: u64 = 1 << 30;
/// The longest text a kept body unpacks to: four times the largest source
/// file. A packed text that says it is longer is not gazette's.
const MOST_TEXT_BYTES: u64 = 4 * MAX_SOURCE_BYTES;

/// Where one packed text is in the bodies file, and the hash of its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Span(u64, u32, u64);

/// One article's rendered Markdown in the bodies file.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Entry {
    /// [`key`] of what it was rendered from.
    key: u64,
    /// [`Rendered`] without its HTML, packed postcard.
    facts: Span,
    html: Span,
    feed_html: Option<Span>,
}

/// One article file as loaded ([`KeptArticle`]) in the bodies file.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct LoadEntry {
    /// [`load_key`] of the file's bytes and the site's settings.
    key: u64,
    doc: Span,
}

#[derive(Debug, Serialize, Deserialize)]
struct Index {
    /// The gazette that rendered the texts: another renders differently.
    gazette: u64,
    /// The bodies file's number (`bodies-N.bin`).
    generation: u64,
    /// The bodies file's length when the index was written: what lies past
    /// it is a later build's that did not finish.
    end: u64,
    /// By article file, under content/ (`articles/2021/x.md`).
    entries: HashMap<String, Entry>,
    /// Each article's rendering before, under another key, when the file
    /// has one: a build with another base URL (a preview) and the
    /// production build then take turns without rendering each other's
    /// bodies again, and an edit taken back finds its body.
    #[serde(default)]
    earlier: HashMap<String, Entry>,
    /// By article file, from the site root (`content/articles/2021/x.md`):
    /// the file as loaded.
    #[serde(default)]
    loads: HashMap<String, LoadEntry>,
    /// The bodies file's stamp once the index was written: while the file
    /// has it still, no one wrote to it since, and its texts are taken
    /// without reading them to check their hashes (a body edit at 100,000
    /// articles read and hashed 300 MB of them). Any other stamp, or
    /// none, and each text is checked as it is found.
    #[serde(default)]
    bodies_stamp: Option<BodiesStamp>,
    /// Every article's related articles as the last build found them.
    #[serde(default)]
    related: Option<KeptRelated>,
}

/// Every article's related articles (indexes into the articles, newest
/// first), under [`crate::site::related_key`] of what they were worked out
/// from: the order of the articles and the tags of each. A build that
/// changes neither (a body, title or summary edited) takes them as they
/// are instead of comparing every article's tags with its neighbours'
/// (0.3 s at 100,000 articles).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct KeptRelated {
    key: u64,
    lists: Vec<Vec<u32>>,
}

/// A file's length, times and identity, as a `stat` gives them: any write
/// changes its status-change time, which no one can set back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct BodiesStamp {
    len: u64,
    mtime_ns: i64,
    ctime_ns: i64,
    device: u64,
    inode: u64,
}

impl BodiesStamp {
    fn of(meta: &fs::Metadata) -> Option<BodiesStamp> {
        let (device, inode) = crate::file_meta::identity(meta)?;
        Some(BodiesStamp {
            len: meta.len(),
            mtime_ns: crate::file_meta::mtime_ns(meta),
            ctime_ns: crate::file_meta::ctime_ns(meta),
            device,
            inode,
        })
    }
}

/// The key of one body's rendering: its text's hash, the summary written
/// apart (rendered with it), its page's URL (the feed HTML's links are
/// made absolute from it) and the mode.
pub(crate) fn key(body_digest: u64, summary: Option<&str>, page_url: &str, safe: bool) -> u64 {
    let mut hasher = Xxh3::new();
    hasher.update(&body_digest.to_le_bytes());
    match summary {
        Some(summary) => {
            hasher.update(&[1]);
            hasher.update(&(summary.len() as u64).to_le_bytes());
            hasher.update(summary.as_bytes());
        }
        None => hasher.update(&[0]),
    }
    hasher.update(&(page_url.len() as u64).to_le_bytes());
    hasher.update(page_url.as_bytes());
    hasher.update(&[u8::from(safe)]);
    hasher.digest()
}

/// The key of one article file as loaded: the hash of its bytes
/// ([`crate::build_state::input_hash`]) and the digest of the settings
/// its load read ([`crate::content::LoadSettings::digest`]).
fn load_key(file_hash: u64, settings_digest: u64) -> u64 {
    let mut hasher = Xxh3::new();
    hasher.update(&file_hash.to_le_bytes());
    hasher.update(&settings_digest.to_le_bytes());
    hasher.digest()
}

/// The Markdown cache of one build, open (and locked) from the model until
/// the build's end.
pub(crate) struct MarkdownCache {
    dir: PathBuf,
    gazette: u64,
    generation: u64,
    /// The last build's entries, and the renderings before them under
    /// other keys: what this build may find.
    kept: HashMap<String, Entry>,
    earlier: HashMap<String, Entry>,
    kept_loads: HashMap<String, LoadEntry>,
    /// Where the last build's texts end in the bodies file.
    kept_end: u64,
    /// Whether the bodies file is as the last index left it
    /// ([`Index::bodies_stamp`]): its texts need no check of their hash.
    vouched: bool,
    /// The bodies file: the last builds' texts, and this build's after them.
    bodies: Arc<Spill>,
    /// This build's entries, found or new: the next index.
    used: Mutex<HashMap<String, Entry>>,
    used_loads: Mutex<HashMap<String, LoadEntry>>,
    /// The last build's related articles, and this build's.
    related: Option<KeptRelated>,
    new_related: Mutex<Option<KeptRelated>>,
    /// Held for as long as the cache is open.
    _lock: fs::File,
}

impl MarkdownCache {
    /// Opens the cache in `folder` (`CACHE/markdown`, a real folder in a
    /// cache folder gazette made) for a build by `gazette`. With `fresh`
    /// (`--full`), nothing kept is used: every body is rendered again. None
    /// when another build holds the cache, or its files cannot be opened.
    pub(crate) fn open(folder: &Path, gazette: u64, fresh: bool) -> Option<MarkdownCache> {
        let lock = open_file(&folder.join(LOCK)).ok()?;
        lock.try_lock().ok()?;
        let index = (!fresh)
            .then(|| read_index(folder))
            .flatten()
            .filter(|index| index.gazette == gazette);
        let (generation, index) = match index {
            Some(index) => (index.generation, Some(index)),
            // Started over under a new number: a reader of the old file
            // (none, while the lock is held) would never see it change.
            None => (next_generation(folder), None),
        };
        let file = open_file(&folder.join(bodies_name(generation))).ok()?;
        let meta = file.metadata().ok()?;
        // Shorter than the index says: not the file it was written for.
        let index = index.filter(|index| meta.len() >= index.end);
        let vouched = index.as_ref().is_some_and(|index| {
            index.bodies_stamp.is_some() && index.bodies_stamp == BodiesStamp::of(&meta)
        });
        let (end, kept, earlier, kept_loads, related) = match index {
            Some(index) => (
                index.end,
                index.entries,
                index.earlier,
                index.loads,
                index.related,
            ),
            None => Default::default(),
        };
        // Cut only when longer: cutting changes the file's times even to
        // the same length, and with them its stamp.
        if meta.len() != end {
            file.set_len(end).ok()?;
        }
        Some(MarkdownCache {
            dir: folder.to_path_buf(),
            gazette,
            generation,
            kept,
            earlier,
            kept_loads,
            kept_end: end,
            vouched,
            bodies: Arc::new(Spill::over(file, end)),
            used: Mutex::new(HashMap::new()),
            used_loads: Mutex::new(HashMap::new()),
            related,
            new_related: Mutex::new(None),
            _lock: lock,
        })
    }

    /// Whether a site's rendered bodies are kept: not when its Markdown is
    /// sanitized, since kept HTML would be published without the sanitizer
    /// seeing it again (such a site's bodies wait in an unnamed file).
    pub(crate) fn keeps_bodies(config: &crate::config::Config) -> bool {
        !config.markdown_safe
    }

    /// The related articles of each of `count` articles as the last build
    /// kept them under `key` ([`crate::site::related_key`]); None when it
    /// kept none under that key, or lists that could not be this site's.
    pub(crate) fn related(&self, key: u64, count: usize) -> Option<Vec<Vec<usize>>> {
        let kept = self.related.as_ref().filter(|kept| kept.key == key)?;
        if kept.lists.len() != count {
            return None;
        }
        let fits = |(i, list): (usize, &Vec<u32>)| {
            list.len() <= crate::site::RELATED_COUNT
                && (list.iter()).all(|&j| (j as usize) < count && j as usize != i)
        };
        if !kept.lists.iter().enumerate().all(fits) {
            return None;
        }
        let widen = |list: &Vec<u32>| list.iter().map(|&j| j as usize).collect();
        Some(kept.lists.iter().map(widen).collect())
    }

    /// Keeps `lists`, every article's related articles, under `key` for
    /// the next build.
    pub(crate) fn keep_related(&self, key: u64, lists: &[Vec<usize>]) {
        let narrow =
            |list: &Vec<usize>| list.iter().filter_map(|&j| u32::try_from(j).ok()).collect();
        let kept = KeptRelated {
            key,
            lists: lists.iter().map(narrow).collect(),
        };
        *self.new_related.lock().unwrap_or_else(|e| e.into_inner()) = Some(kept);
    }

    /// The spill file of this build: bodies that are not kept wait there
    /// too.
    pub(crate) fn spill(&self) -> &Arc<Spill> {
        &self.bodies
    }

    /// The body of `content_path` as rendered under `key` by an earlier
    /// build (its HTML left where it is), if the cache has it whole.
    pub(crate) fn find(&self, content_path: &str, key: u64) -> Option<(Rendered, ArticleBody)> {
        let entry = (self.renderings(content_path)).find(|e| e.key == key)?;
        let facts = self.read(entry.facts)?;
        let facts = crate::packed::decompress(&facts).ok()?;
        let rendered: Rendered = cache_file::whole_value(&facts)?;
        // The HTML is read when its page is written; its bytes are checked
        // now, so that a damaged file means a body rendered again (unless
        // the file's stamp says nothing wrote to it since the last index).
        for span in [Some(entry.html), entry.feed_html].into_iter().flatten() {
            match self.vouched {
                true => self.fits(span).then_some(())?,
                false => self.read(span).map(drop)?,
            }
        }
        let packed = |span: Span| Packed::in_spill(&self.bodies, span.0, span.1);
        let body = ArticleBody::from_packed(
            packed(entry.html),
            entry.feed_html.map(packed),
            entry.html.2,
        );
        self.note_used(content_path, *entry);
        Some((rendered, body))
    }

    /// What the cache keeps of `rendered` beside its HTML, taken as it
    /// comes from rendering; None for a body the cache does not keep: one
    /// with `@/` links, whose HTML depends on other files.
    pub(crate) fn facts(rendered: &Rendered) -> Option<Vec<u8>> {
        let keepable = rendered.content_links.is_empty() && rendered.broken_links.is_empty();
        keepable
            .then(|| postcard::to_allocvec(rendered).ok())
            .flatten()
    }

    /// Takes `rendered`'s HTML into the bodies file (as
    /// [`ArticleBody::take_from`]) and keeps it under `key` for the next
    /// build, with `facts` ([`MarkdownCache::facts`] of it).
    pub(crate) fn keep(
        &self,
        content_path: &str,
        key: u64,
        facts: Vec<u8>,
        rendered: &mut Rendered,
    ) -> ArticleBody {
        let html = self.put(rendered.html.as_bytes());
        let feed_html = (rendered.feed_html.as_deref()).map(|html| self.put(html.as_bytes()));
        let facts = self.put(&facts);
        let (Some((html, html_span)), Some((_, facts_span))) = (html, facts) else {
            // Not written (a full disk): kept in memory, as without a cache.
            return ArticleBody::take_from(rendered, None);
        };
        let (feed_html, feed_span) = match feed_html {
            None => (None, None),
            Some(Some((packed, span))) => (Some(packed), Some(span)),
            Some(None) => return ArticleBody::take_from(rendered, None),
        };
        rendered.html = String::new();
        rendered.feed_html = None;
        let entry = Entry {
            key,
            facts: facts_span,
            html: html_span,
            feed_html: feed_span,
        };
        self.note_used(content_path, entry);
        ArticleBody::from_packed(html, feed_html, html_span.2)
    }

    /// The article file at `path` (from the site root) as an earlier build
    /// loaded it under `key`, if the cache has it whole.
    fn find_loaded(&self, path: &str, key: u64) -> Option<KeptArticle> {
        let entry = self.kept_loads.get(path).filter(|e| e.key == key)?;
        let text = crate::packed::decompress(&self.read(entry.doc)?).ok()?;
        let kept = cache_file::whole_value(&text)?;
        self.note_loaded(path, *entry);
        Some(kept)
    }

    /// Keeps each article of `content` that was not found in the cache,
    /// under the hash of the bytes its load read (a save since the look
    /// at the inputs may have changed them) and `settings_digest`
    /// ([`crate::content::LoadSettings::digest`] of the settings it was
    /// checked under). One that
    /// cannot be written (a full disk, a path that is not UTF-8) is not
    /// kept: the next build loads it again.
    pub(crate) fn keep_loads(&self, content: &Content, settings_digest: u64) {
        content.articles.par_iter().for_each(|article| {
            let source = &article.doc.source;
            let path = crate::output::record_key(&source.relative);
            let key = load_key(source.file_hash, settings_digest);
            let found = (self.kept_loads.get(&path)).is_some_and(|kept| kept.key == key);
            if found {
                return;
            }
            let Ok(bytes) = postcard::to_allocvec(&KeptArticle::of(article)) else {
                return;
            };
            if let Some((_, doc)) = self.put(&bytes) {
                self.note_loaded(&path, LoadEntry { key, doc });
            }
        });
    }

    fn note_loaded(&self, path: &str, entry: LoadEntry) {
        let mut used = self.used_loads.lock().unwrap_or_else(|e| e.into_inner());
        used.insert(path.to_string(), entry);
    }

    /// Packs `text` (UTF-8, or postcard) into the bodies file.
    fn put(&self, text: &[u8]) -> Option<(Packed, Span)> {
        let bytes = crate::packed::compress(text);
        let len = u32::try_from(bytes.len()).ok()?;
        let at = self.bodies.put(&bytes).ok()?;
        let packed = Packed::in_spill(&self.bodies, at, len);
        Some((packed, Span(at, len, xxh3_64(&bytes))))
    }

    /// The last build's rendering of `content_path`, then the one before.
    fn renderings(&self, content_path: &str) -> impl Iterator<Item = &Entry> {
        let kept = self.kept.get(content_path);
        kept.into_iter().chain(self.earlier.get(content_path))
    }

    fn note_used(&self, content_path: &str, entry: Entry) {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        used.insert(content_path.to_string(), entry);
    }

    /// The bytes of `span`, if they hash as they did when written.
    /// A span past the last build's end, or of more than a source file
    /// holds, is not read at all: an index is not an amount of memory to
    /// ask for.
    fn read(&self, span: Span) -> Option<Vec<u8>> {
        let Span(at, len, hash) = span;
        if !self.fits(span) {
            return None;
        }
        let bytes = self.bodies.get(at, len).ok()?;
        let claimed = bytes
            .get(..4)
            .map(|head| u32::from_le_bytes([head[0], head[1], head[2], head[3]]));
        let sized = claimed.is_some_and(|size| u64::from(size) <= MOST_TEXT_BYTES);
        (sized && xxh3_64(&bytes) == hash).then_some(bytes)
    }

    /// Whether `span` lies in the last build's texts, and is no longer than
    /// a text can be.
    fn fits(&self, Span(at, len, _): Span) -> bool {
        let inside = (at.checked_add(u64::from(len))).is_some_and(|end| end <= self.kept_end);
        inside && u64::from(len) <= MAX_SOURCE_BYTES
    }

    /// Writes the index of the bodies this build used, for the next build
    /// (over a new bodies file holding only them, when most of the file is
    /// texts nothing uses). Called once the build's output is in place:
    /// the bodies file may move then.
    pub(crate) fn save(mut self) -> io::Result<()> {
        let used = self.used.get_mut().unwrap_or_else(|e| e.into_inner());
        let entries = std::mem::take(used);
        let used_loads = self.used_loads.get_mut().unwrap_or_else(|e| e.into_inner());
        let loads = std::mem::take(used_loads);
        // Each used file's rendering under another key, if the cache had
        // one: the newer of the two.
        let earlier: HashMap<String, Entry> = (entries.iter())
            .filter_map(|(path, entry)| {
                let other = self.renderings(path).find(|e| e.key != entry.key)?;
                Some((path.clone(), *other))
            })
            .collect();
        let spans = |e: &Entry| [Some(e.facts), Some(e.html), e.feed_html];
        let in_use: u64 = (entries.values().chain(earlier.values()))
            .flat_map(spans)
            .flatten()
            .chain(loads.values().map(|load| load.doc))
            .map(|span| u64::from(span.1))
            .sum();
        let related = (self
            .new_related
            .get_mut()
            .unwrap_or_else(|e| e.into_inner()))
        .take();
        let end = self.bodies.end();
        if end - in_use <= in_use.max(SLACK_BYTES) {
            let index = Index {
                gazette: self.gazette,
                generation: self.generation,
                end,
                entries,
                earlier,
                loads,
                bodies_stamp: self
                    .bodies
                    .metadata()
                    .ok()
                    .and_then(|m| BodiesStamp::of(&m)),
                related,
            };
            write_index(&self.dir, &index)?;
            // A cache started over (another gazette, `--full`) leaves the
            // last file, which nothing reads any more.
            remove_bodies_but(&self.dir, self.generation);
            return Ok(());
        }
        // Copied in order of place, so the new file reads as the old did.
        // Wrapping: the number is read from the index, which may say
        // anything (the file is then one gazette names, all the same).
        let generation = self.generation.wrapping_add(1);
        let file = open_file(&self.dir.join(bodies_name(generation)))?;
        file.set_len(0)?;
        let moved = Spill::over(file, 0);
        let copy = |span: Span| -> io::Result<Span> {
            let bytes = self.bodies.get(span.0, span.1)?;
            Ok(Span(moved.put(&bytes)?, span.1, span.2))
        };
        let move_all = |entries: &HashMap<String, Entry>| -> io::Result<HashMap<String, Entry>> {
            let mut order: Vec<(&String, &Entry)> = entries.iter().collect();
            order.sort_by_key(|(_, e)| e.html.0);
            let mut moved_entries = HashMap::with_capacity(entries.len());
            for (path, entry) in order {
                let moved_entry = Entry {
                    key: entry.key,
                    facts: copy(entry.facts)?,
                    html: copy(entry.html)?,
                    feed_html: entry.feed_html.map(copy).transpose()?,
                };
                moved_entries.insert(path.clone(), moved_entry);
            }
            Ok(moved_entries)
        };
        let index = Index {
            gazette: self.gazette,
            generation,
            entries: move_all(&entries)?,
            earlier: move_all(&earlier)?,
            loads: (loads.into_iter())
                .map(|(path, load)| {
                    let doc = copy(load.doc)?;
                    Ok((path, LoadEntry { key: load.key, doc }))
                })
                .collect::<io::Result<_>>()?,
            end: moved.end(),
            bodies_stamp: moved.metadata().ok().and_then(|m| BodiesStamp::of(&m)),
            related,
        };
        write_index(&self.dir, &index)?;
        remove_bodies_but(&self.dir, generation);
        Ok(())
    }
}

/// The build's load of its article files through the cache: a file whose
/// bytes (as the look at the inputs hashed them) and the site's settings
/// are as when an earlier build loaded it is not read or parsed again.
/// What the load gives is kept after it ([`MarkdownCache::keep_loads`]).
/// Files with errors are never kept: their build fails, and the next
/// reads them again to say so.
pub(crate) struct KeptLoads<'a> {
    /// The site root, shared by every article found (their Markdown is
    /// left in its file under it).
    pub(crate) root: Arc<Path>,
    pub(crate) cache: &'a MarkdownCache,
    pub(crate) look: &'a Look,
    /// [`crate::content::LoadSettings::digest`] of the site's settings.
    pub(crate) settings_digest: u64,
}

impl ParseCache for KeptLoads<'_> {
    fn parsed(
        &self,
        root: &Path,
        relative: &Path,
        same: &dyn Fn(&Loaded) -> bool,
        parse: Box<dyn FnOnce() -> Result<Loaded, Vec<Diagnostic>> + '_>,
    ) -> Result<Loaded, Vec<Diagnostic>> {
        debug_assert_eq!(root, &*self.root);
        let path = crate::output::record_key(relative);
        let seen = self.look.input_hash(&path);
        let kept = seen.and_then(|hash| {
            let kept = self
                .cache
                .find_loaded(&path, load_key(hash, self.settings_digest))?;
            Some(kept.into_loaded(&self.root, relative)).filter(|kept| same(kept))
        });
        match kept {
            Some(kept) => Ok(kept),
            None => parse(),
        }
    }

    fn keeps_markdown(&self) -> bool {
        false
    }
}

fn bodies_name(generation: u64) -> String {
    format!("{BODIES_PREFIX}{generation}{BODIES_SUFFIX}")
}

/// The number of a bodies file, from its name.
fn generation_of(name: &str) -> Option<u64> {
    name.strip_prefix(BODIES_PREFIX)?
        .strip_suffix(BODIES_SUFFIX)?
        .parse()
        .ok()
}

/// A number no bodies file of `folder` has.
fn next_generation(folder: &Path) -> u64 {
    (fs::read_dir(folder).into_iter().flatten().flatten())
        .filter_map(|entry| generation_of(entry.file_name().to_str()?))
        .max()
        .map_or(0, |n| n.wrapping_add(1))
}

/// Removes the bodies files of `folder` but number `keep`: gazette's own
/// files, named as it names them, in a folder it made.
fn remove_bodies_but(folder: &Path, keep: u64) {
    for entry in fs::read_dir(folder).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let number = name.to_str().and_then(generation_of);
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if number.is_some_and(|n| n != keep) && is_file {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The index in `folder`, when it is one this gazette's format reads
/// whole (any other: damaged, foreign, of another format, is no index).
fn read_index(folder: &Path) -> Option<Index> {
    let path = folder.join(INDEX);
    if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut bytes = Vec::new();
    let file = fs::File::open(path).ok()?;
    io::Read::read_to_end(&mut io::Read::take(file, MOST_INDEX_BYTES + 1), &mut bytes).ok()?;
    if bytes.len() as u64 > MOST_INDEX_BYTES {
        return None;
    }
    cache_file::decode(&bytes, INDEX_KIND, FORMAT).ok()
}

fn write_index(folder: &Path, index: &Index) -> io::Result<()> {
    let bytes = cache_file::encode(INDEX_KIND, FORMAT, index)?;
    crate::images::write_whole_with(&folder.join(INDEX), None, |out| {
        io::Write::write_all(out, &bytes)
    })?;
    // An earlier gazette's JSON index, which no gazette reads any more
    // (the cache folder is gazette's own; a link there is removed, never
    // what it points to).
    let _ = fs::remove_file(folder.join(JSON_INDEX));
    Ok(())
}

/// The index file's bytes as JSON, with its format as `format`: for the
/// tests, which damage and edit what the index says.
pub fn index_as_json(bytes: &[u8]) -> Option<serde_json::Value> {
    let index: Index = cache_file::decode(bytes, INDEX_KIND, FORMAT).ok()?;
    let mut value = serde_json::to_value(&index).ok()?;
    value["format"] = FORMAT.into();
    Some(value)
}

/// What the cache keeps of an article file as loaded (unpacked) as JSON.
pub fn kept_load_as_json(bytes: &[u8]) -> Option<serde_json::Value> {
    serde_json::to_value(cache_file::whole_value::<KeptArticle>(bytes)?).ok()
}

/// [`kept_load_as_json`] taken back.
pub fn kept_load_from_json(value: &serde_json::Value) -> Option<Vec<u8>> {
    let kept: KeptArticle = serde_json::from_value(value.clone()).ok()?;
    postcard::to_allocvec(&kept).ok()
}

/// [`index_as_json`] taken back: an index file's bytes, under the format
/// its `format` says.
pub fn index_from_json(value: &serde_json::Value) -> Option<Vec<u8>> {
    let format = match value.get("format") {
        Some(format) => u32::try_from(format.as_u64()?).ok()?,
        None => FORMAT,
    };
    let index: Index = serde_json::from_value(value.clone()).ok()?;
    cache_file::encode(INDEX_KIND, format, &index).ok()
}

/// Opens (or makes) a file of the cache for reading and writing, never
/// through a symbolic link.
fn open_file(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    // O_NOFOLLOW: a link in the file's place is refused, never followed;
    // O_NONBLOCK: nor does a pipe there stop the build.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK,
    );
    let file = options.open(path)?;
    match file.metadata()?.is_file() {
        true => Ok(file),
        false => Err(io::Error::other("not a file")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAZETTE: u64 = 7;

    fn rendered(markdown: &str) -> Rendered {
        let url = url::Url::parse("https://news.example.com/2021/03/26/cars/").unwrap();
        crate::markdown::render(markdown, &|_| None, Some(&url), false)
    }

    /// Renders `markdown` into `cache` as the model does, under `key`.
    fn keep(cache: &MarkdownCache, path: &str, key: u64, markdown: &str) -> ArticleBody {
        let mut rendered = rendered(markdown);
        let facts = MarkdownCache::facts(&rendered).unwrap();
        cache.keep(path, key, facts, &mut rendered)
    }

    const STORY: &str = "Xiaomi **builds** cars.\n\n## 14:05 Figures\n\n{{< youtube id=\"abc\" start=1.5 loop=3 wide=false >}}\n\n[Filing](https://example.com/f.pdf)";

    #[test]
    fn a_kept_body_is_found_as_it_was_rendered_by_the_next_build_only_under_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        let body = keep(&cache, "articles/cars.md", 1, STORY);
        let expected = rendered(STORY);
        assert_eq!(body.html().unwrap(), expected.html);
        // Not found in the build that kept it: the index is the next's.
        assert!(cache.find("articles/cars.md", 1).is_none());
        cache.save().unwrap();

        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        let (found, body) = cache.find("articles/cars.md", 1).unwrap();
        assert_eq!(body.html().unwrap(), expected.html);
        assert_eq!(
            body.feed_html().unwrap(),
            expected.feed_html.clone().unwrap_or(expected.html.clone())
        );
        assert_eq!(found.summary_text, expected.summary_text);
        assert_eq!(found.word_count, expected.word_count);
        assert_eq!(found.heading_ids, expected.heading_ids);
        assert_eq!(found.top_headings, expected.top_headings);
        assert_eq!(found.shortcodes, expected.shortcodes);
        // Each kind of argument value reads back as itself.
        use crate::shortcode::Value;
        let named: Vec<&Value> = found.shortcodes[0].named.iter().map(|(_, v)| v).collect();
        assert_eq!(
            named,
            [
                &Value::Text("abc".into()),
                &Value::Number(1.5),
                &Value::Integer(3),
                &Value::Bool(false)
            ]
        );
        assert_eq!(found.feed_summary_html, expected.feed_summary_html);
        assert!(found.html.is_empty() && found.feed_html.is_none());
        assert!(cache.find("articles/cars.md", 2).is_none(), "another key");
        assert!(
            cache.find("articles/phones.md", 1).is_none(),
            "another file"
        );
        cache.save().unwrap();
        // Kept again by the build that found it.
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        assert!(cache.find("articles/cars.md", 1).is_some());
        drop(cache);
        // Not by another gazette, nor by a --full build; each starts a
        // new file, and the old one goes once the build succeeds.
        let other = MarkdownCache::open(dir.path(), GAZETTE + 1, false).unwrap();
        assert!(other.find("articles/cars.md", 1).is_none());
        drop(other);
        let cache = MarkdownCache::open(dir.path(), GAZETTE, true).unwrap();
        assert!(cache.find("articles/cars.md", 1).is_none());
        keep(&cache, "articles/cars.md", 1, STORY);
        // An earlier gazette's JSON index goes too.
        fs::write(dir.path().join(JSON_INDEX), "{\"format\": 1}").unwrap();
        cache.save().unwrap();
        let mut names: Vec<String> = (fs::read_dir(dir.path()).unwrap())
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, [bodies_name(2).as_str(), INDEX, LOCK]);
    }

    /// A bodies file nothing wrote to since the index is taken on its
    /// stamp; one written to (a byte of a body changed) is checked text by
    /// text, and the changed body is a miss.
    #[test]
    fn the_bodies_file_is_vouched_for_by_its_stamp_until_written_to() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        keep(&cache, "articles/cars.md", 1, STORY);
        cache.save().unwrap();
        for _ in 0..2 {
            let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
            assert!(cache.vouched, "nothing wrote to the file");
            assert!(cache.find("articles/cars.md", 1).is_some());
            cache.save().unwrap();
        }
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        let html = cache.kept["articles/cars.md"].html;
        drop(cache);
        let path = dir.path().join(bodies_name(0));
        // The system's file times move in ticks of a few milliseconds: a
        // write in the same tick as the cache's own would keep the stamp.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let mut bytes = fs::read(&path).unwrap();
        bytes[html.0 as usize + 6] ^= 0x20;
        fs::write(&path, bytes).unwrap();
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        assert!(!cache.vouched, "written to since the index");
        assert!(cache.find("articles/cars.md", 1).is_none());
    }

    /// A preview build (another base URL) and the production build take
    /// turns: each finds its own rendering, the one before under the
    /// other key, and neither renders the other's again.
    #[test]
    fn two_keys_taking_turns_are_both_kept() {
        let dir = tempfile::tempdir().unwrap();
        let build = |key: u64, expect_found: bool| {
            let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
            match cache.find("articles/cars.md", key) {
                Some(_) => assert!(expect_found, "{key} found"),
                None => {
                    assert!(!expect_found, "{key} not found");
                    keep(&cache, "articles/cars.md", key, &format!("{STORY} {key}"));
                }
            }
            cache.save().unwrap();
            fs::metadata(dir.path().join(bodies_name(0))).unwrap().len()
        };
        build(1, false);
        let both = build(2, false);
        for _ in 0..3 {
            assert_eq!(build(1, true), both);
            assert_eq!(build(2, true), both);
        }
        // A third key keeps the newest other one, and lets the oldest go.
        build(3, false);
        build(2, true);
        build(3, true);
        build(1, false);
    }

    #[test]
    fn related_articles_are_kept_under_their_key_and_never_out_of_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let lists = vec![vec![1, 2], vec![0], vec![], vec![2, 1, 0]];
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        assert_eq!(cache.related(7, 4), None, "nothing kept yet");
        cache.keep_related(7, &lists);
        cache.save().unwrap();
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        assert_eq!(cache.related(7, 4).as_ref(), Some(&lists));
        assert_eq!(cache.related(8, 4), None, "another key");
        assert_eq!(cache.related(7, 5), None, "another number of articles");
        // Not kept again by this build: the next finds none.
        cache.save().unwrap();
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        assert_eq!(cache.related(7, 4), None);
        // Lists that name an article past the end, or the article itself,
        // or more than a page shows, are not this site's.
        let mut cache = cache;
        for bad in [
            vec![vec![4], vec![], vec![], vec![]],
            vec![vec![0], vec![], vec![], vec![]],
            vec![vec![1, 2, 3, 1], vec![], vec![], vec![]],
        ] {
            cache.keep_related(7, &bad);
            cache.save().unwrap();
            cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
            assert_eq!(cache.related(7, 4), None, "{bad:?}");
        }
        // `--full` uses nothing kept.
        cache.keep_related(9, &lists);
        cache.save().unwrap();
        let fresh = MarkdownCache::open(dir.path(), GAZETTE, true).unwrap();
        assert_eq!(fresh.related(9, 4), None);
    }

    #[test]
    fn bodies_with_links_to_other_files_are_not_kept() {
        let mut with_link = rendered("See [the earlier story](@/articles/old.md).");
        assert!(!with_link.content_links.is_empty() || !with_link.broken_links.is_empty());
        assert!(MarkdownCache::facts(&with_link).is_none());
        with_link.content_links.clear();
        with_link.broken_links.clear();
        assert!(MarkdownCache::facts(&with_link).is_some());
    }

    #[test]
    fn one_build_at_a_time_uses_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let first = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        assert!(MarkdownCache::open(dir.path(), GAZETTE, false).is_none());
        drop(first);
        assert!(MarkdownCache::open(dir.path(), GAZETTE, false).is_some());
    }

    #[test]
    fn a_file_mostly_of_unused_texts_is_written_again_with_only_the_used() {
        let dir = tempfile::tempdir().unwrap();
        // Large bodies, so that the unused part passes the slack.
        let big = |n: usize| {
            (0..4_000)
                .map(|i| {
                    format!(
                        "Paragraph {n}.{i} of a long story, with figures {}.\n\n",
                        i * 7 + n
                    )
                })
                .collect::<String>()
        };
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        for n in 0..4 {
            keep(&cache, &format!("articles/{n}.md"), 1, &big(n));
        }
        cache.save().unwrap();
        let file = |n: u64| dir.path().join(bodies_name(n));
        let first_len = fs::metadata(file(0)).unwrap().len();
        assert!(first_len > 2 * SLACK_BYTES, "{first_len}");
        // Three of the four are edited, one is kept: less than half of
        // the file is unused, and it stays.
        let edit = |key: u64| {
            let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
            let (_, kept_body) = cache.find("articles/0.md", 1).unwrap();
            assert!(kept_body.html().unwrap().contains("Paragraph 0.3999"));
            for n in 1..4 {
                keep(&cache, &format!("articles/{n}.md"), key, &big(n + 10));
            }
            cache.save().unwrap();
        };
        // Each edit leaves the rendering before as the earlier one, and
        // the one before that unused: after three edits most of the file
        // is unused.
        for key in 2..=4 {
            edit(key);
            assert!(fs::metadata(file(0)).unwrap().len() > first_len);
            assert!(!file(1).exists());
        }
        edit(5);
        assert!(!file(0).exists(), "the old file is removed");
        // What is left: the four in use and three earlier ones.
        let second_len = fs::metadata(file(1)).unwrap().len();
        assert!(
            second_len < first_len * 7 / 4 + first_len / 10,
            "{second_len} against {first_len}"
        );
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        let (_, body) = cache.find("articles/0.md", 1).unwrap();
        assert!(body.html().unwrap().contains("Paragraph 0.3999"));
        let (_, body) = cache.find("articles/3.md", 5).unwrap();
        assert!(body.html().unwrap().contains("Paragraph 13.3999"));
        assert!(
            cache.find("articles/3.md", 4).is_some(),
            "the earlier one moved"
        );
        assert!(cache.find("articles/3.md", 3).is_none());
    }

    #[test]
    fn bytes_a_build_appended_but_did_not_index_are_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        keep(&cache, "articles/cars.md", 1, STORY);
        cache.save().unwrap();
        let len = fs::metadata(dir.path().join(bodies_name(0))).unwrap().len();
        // A build that stops before saving.
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        keep(&cache, "articles/phones.md", 1, "Phone sales rebound.");
        drop(cache);
        assert!(fs::metadata(dir.path().join(bodies_name(0))).unwrap().len() > len);
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        assert_eq!(
            fs::metadata(dir.path().join(bodies_name(0))).unwrap().len(),
            len
        );
        assert!(cache.find("articles/cars.md", 1).is_some());
        assert!(cache.find("articles/phones.md", 1).is_none());
    }

    /// An index written to make the build ask for memory: spans past the
    /// file's end or longer than a source file, and a text that says it
    /// unpacks to more than a body can be, are misses, never allocations.
    #[test]
    fn an_index_is_not_an_amount_of_memory_to_ask_for() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        keep(&cache, "articles/cars.md", 1, STORY);
        cache.save().unwrap();
        let index = read_index(dir.path()).unwrap();
        let entry = index.entries["articles/cars.md"];
        let huge = u32::MAX;
        // A text that claims 2 GiB once unpacked, hashed as the index says.
        let mut claims = crate::packed::compress("x");
        claims[..4].copy_from_slice(&(2u32 << 30).to_le_bytes());
        let file = fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(bodies_name(0)))
            .unwrap();
        let at = file.metadata().unwrap().len();
        std::io::Write::write_all(&mut &file, &claims).unwrap();
        let claiming = Span(at, claims.len() as u32, xxh3_64(&claims));
        for html in [
            Span(entry.html.0, huge, entry.html.2),
            Span(u64::MAX - 2, 16, entry.html.2),
            Span(index.end + 10, 16, entry.html.2),
            claiming,
        ] {
            let mut index = read_index(dir.path()).unwrap();
            index.end = at + claims.len() as u64;
            index.entries.get_mut("articles/cars.md").unwrap().html = html;
            write_index(dir.path(), &index).unwrap();
            let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
            assert!(cache.find("articles/cars.md", 1).is_none(), "{html:?}");
        }
        // The entry as it was is found (the test can fail).
        let mut index = read_index(dir.path()).unwrap();
        index.entries.get_mut("articles/cars.md").unwrap().html = entry.html;
        write_index(dir.path(), &index).unwrap();
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        assert!(cache.find("articles/cars.md", 1).is_some());
    }

    /// Numbers in the index or in file names are not trusted to leave
    /// room: the last one there is goes on to the first.
    #[test]
    fn the_last_file_number_is_followed_by_the_first() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(bodies_name(u64::MAX)), "").unwrap();
        assert_eq!(next_generation(dir.path()), 0);
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        keep(&cache, "articles/cars.md", 1, STORY);
        cache.save().unwrap();
        // An index at the last number, over a file mostly unused.
        let mut index = read_index(dir.path()).unwrap();
        fs::rename(
            dir.path().join(bodies_name(0)),
            dir.path().join(bodies_name(u64::MAX)),
        )
        .unwrap();
        index.generation = u64::MAX;
        write_index(dir.path(), &index).unwrap();
        for key in 2..6 {
            let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
            keep(&cache, "articles/cars.md", key, &STORY.repeat(2000));
            cache.save().unwrap();
        }
        let index = read_index(dir.path()).unwrap();
        assert_eq!(index.generation, 0);
        let cache = MarkdownCache::open(dir.path(), GAZETTE, false).unwrap();
        assert!(cache.find("articles/cars.md", 5).is_some());
    }

    #[test]
    fn a_packed_text_that_claims_more_than_it_can_hold_is_refused() {
        let mut bytes = crate::packed::compress("short");
        bytes[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(crate::packed::decompress(&bytes).is_err());
    }
}
