//! Loading content/: walking the folder, reading each file, and checking
//! its front matter into an article, page or author profile.
//!
//! Files are read and parsed in parallel; every problem of every file is
//! collected, so one run reports them all.

pub mod dates;
pub mod front_matter;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, display_path, line_column};
use crate::slug::{slug_as_given, slugify, strip_date_prefix, term_slug};
use crate::strict;
use chrono::{DateTime, Utc};
use dates::{DateText, parse_date};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const ARTICLE_KEYS: &[&str] = &[
    "title",
    "date",
    "updated",
    "slug",
    "author",
    "authors",
    "category",
    "tags",
    "series",
    "summary",
    "image",
    "image_alt",
    "image_caption",
    "image_focus",
    "draft",
    "expires",
    "aliases",
    "canonical_url",
    "id",
    "kind",
    "access",
    "dateline",
    "corrections",
    "live",
    "live_until",
    "template",
    "extra",
];
const PAGE_KEYS: &[&str] = &["title", "slug", "template", "draft", "aliases", "extra"];
const AUTHOR_KEYS: &[&str] = &["name", "avatar", "links", "fediverse", "extra"];

/// Free-form data for templates.
pub type Extra = serde_json::Map<String, serde_json::Value>;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ArticleFrontMatter {
    title: Option<String>,
    date: Option<DateText>,
    updated: Option<DateText>,
    slug: Option<String>,
    author: Option<String>,
    authors: Option<Vec<String>>,
    category: Option<String>,
    tags: Vec<String>,
    series: Option<String>,
    summary: Option<String>,
    image: Option<String>,
    image_alt: Option<String>,
    image_caption: Option<String>,
    image_focus: Option<Vec<f64>>,
    draft: bool,
    expires: Option<DateText>,
    aliases: Vec<String>,
    canonical_url: Option<String>,
    id: Option<String>,
    kind: Option<String>,
    access: Option<String>,
    dateline: Option<String>,
    corrections: Vec<CorrectionFrontMatter>,
    live: bool,
    live_until: Option<DateText>,
    template: Option<String>,
    extra: Extra,
}

/// One of `corrections = [{ date = ..., text = "..." }]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrectionFrontMatter {
    date: DateText,
    text: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageFrontMatter {
    title: Option<String>,
    slug: Option<String>,
    template: Option<String>,
    draft: bool,
    aliases: Vec<String>,
    extra: Extra,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuthorFrontMatter {
    name: Option<String>,
    avatar: Option<String>,
    links: BTreeMap<String, String>,
    fediverse: Option<String>,
    extra: Extra,
}

/// What of the site's settings the load reads: the time zone of dates
/// written without one, and the sections whose stories are for
/// subscribers. The build cache keeps each article as loaded under a
/// digest of these ([`LoadSettings::digest`]), so a check that comes to
/// read another setting takes it from here, or the cache would give
/// articles checked without it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoadSettings<'a> {
    timezone: chrono_tz::Tz,
    subscriber_sections: &'a BTreeSet<String>,
}

impl LoadSettings<'_> {
    pub(crate) fn of(config: &Config) -> LoadSettings<'_> {
        LoadSettings {
            timezone: config.timezone,
            subscriber_sections: &config.subscriber_sections,
        }
    }

    /// A digest of the settings, the same in every run.
    pub(crate) fn digest(&self) -> u64 {
        xxhash_rust::xxh3::xxh3_64(format!("{self:?}").as_bytes())
    }
}

/// A content file as read: where it is, its text, and where its body starts.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the site root, such as `content/articles/a.md`.
    pub relative: PathBuf,
    /// Path relative to content/, with `/` separators: the `@/` link name.
    pub content_path: String,
    /// The path shown in diagnostics.
    pub display: PathBuf,
    /// The file up to its body (the front matter with its fences), BOM
    /// removed and line endings normalised to `\n`: what diagnostics about
    /// front matter point into. The body is apart, in [`Markdown`].
    pub text: String,
    /// How many lines come before the front matter's first line (the
    /// opening fence and any blank lines above it).
    pub block_line_offset: usize,
    /// How many lines come before the body.
    pub body_line_offset: usize,
    /// [`crate::build_state::input_hash`] of the file's bytes as read (0
    /// for a text not read from a file): what the build cache keeps of the
    /// file is kept under it.
    pub file_hash: u64,
}

/// A content file's Markdown body, apart from its [`SourceFile`]: loading
/// gives it beside the document ([`Parsed`]), and modelling renders it and
/// lets it go, so nothing after the model can ask for it.
#[derive(Debug, Clone, Default)]
pub struct Markdown {
    /// Empty while the text is left in its file ([`Markdown::leave_in_file`]).
    pub text: String,
    /// The site root, while the text is left in its file.
    in_file: Option<Arc<Path>>,
    /// The hash of the text, taken before it was left in its file: the
    /// Markdown cache finds a body rendered before by it, without reading
    /// the file again.
    digest: Option<u64>,
}

impl Markdown {
    pub(crate) fn new(text: String) -> Markdown {
        Markdown {
            text,
            in_file: None,
            digest: None,
        }
    }

    /// The hash of the text (xxh3), however it is kept.
    pub(crate) fn digest(&self) -> u64 {
        (self.digest).unwrap_or_else(|| xxhash_rust::xxh3::xxh3_64(self.text.as_bytes()))
    }

    /// A text left in its file under `root` whose hash is `digest`, as
    /// [`Markdown::leave_in_file`] leaves it: an article the build cache
    /// kept is made so.
    fn left_in_file(root: &Arc<Path>, digest: u64) -> Markdown {
        Markdown {
            text: String::new(),
            in_file: Some(Arc::clone(root)),
            digest: Some(digest),
        }
    }

    /// Lets the text go until the model renders it ([`Markdown::read`]):
    /// an archive's Markdown is most of what its load would hold (400 MB
    /// at 100,000 articles), and only one article at a time needs it.
    pub(crate) fn leave_in_file(&mut self, root: &Arc<Path>) {
        self.digest = Some(self.digest());
        self.text = String::new();
        self.in_file = Some(Arc::clone(root));
    }

    /// The Markdown, read again from `source`'s file if it was left there:
    /// the text after the front matter the load parsed, made as the load
    /// made it. An error when the file no longer starts with that front
    /// matter: it was saved while the build ran.
    pub(crate) fn read(&self, source: &SourceFile) -> Result<Cow<'_, Markdown>, Diagnostic> {
        let Some(root) = &self.in_file else {
            return Ok(Cow::Borrowed(self));
        };
        let mut text = read_text(root, &source.relative)?;
        if !text.starts_with(source.text.as_str()) {
            return Err(Diagnostic::error(
                &source.display,
                "the file changed while gazette was building: build again",
            ));
        }
        // The body stays in the buffer it was read into, not copied.
        text.drain(..source.text.len());
        Ok(Cow::Owned(Markdown::new(body_text(text))))
    }
}

/// A body as the model gets it: a control character, which a paste often
/// brings and which is harmless to drop, left out.
fn body_text(body: String) -> String {
    if crate::sources::has_forbidden_control(&body) {
        (body.chars())
            .filter(|c| !crate::sources::is_forbidden_control(*c))
            .collect()
    } else {
        body
    }
}

/// A checked content file and its Markdown body, as loaded.
#[derive(Debug, Clone)]
pub struct Parsed<M> {
    pub doc: Document<M>,
    pub body: Markdown,
}

impl SourceFile {
    /// A diagnostic at a byte offset of `body`, this file's body.
    pub(crate) fn error_in_body(
        &self,
        body: &Markdown,
        body_offset: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (line, column) = line_column(&body.text, body_offset);
        Diagnostic::error(&self.display, message).at_line_of(
            &body.text,
            line,
            column,
            self.body_line_offset,
        )
    }

    /// A diagnostic on the line of a front-matter key (or the first line).
    pub(crate) fn error_at_key(&self, key: &str, message: impl Into<String>) -> Diagnostic {
        self.error_at_key_in(None, key, message)
    }

    /// A diagnostic on the line of `key` in the TOML table `section` (or
    /// at any depth in YAML), else on the first line.
    pub(crate) fn error_at_key_in(
        &self,
        section: Option<&str>,
        key: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let block: String = self
            .text
            .lines()
            .skip(self.block_line_offset)
            .take((self.body_line_offset).saturating_sub(self.block_line_offset + 1))
            .collect::<Vec<_>>()
            .join("\n");
        let line = (section.and_then(|s| strict::find_key_line(&block, Some(s), key)))
            .or_else(|| strict::find_key_line(&block, None, key))
            .map_or(self.block_line_offset.max(1), |l| {
                l + self.block_line_offset
            });
        Diagnostic::error(&self.display, message).at(&self.text, line, 1)
    }
}

/// The folder of an article or page bundle and the files to copy with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// The bundle folder, relative to the site root.
    pub dir: PathBuf,
    /// Files of the bundle, relative to `dir`; copied beside the page.
    pub assets: Vec<PathBuf>,
}

/// An article's checked front matter.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArticleMeta {
    pub title: String,
    pub date: DateTime<Utc>,
    pub updated: Option<DateTime<Utc>>,
    pub slug: String,
    pub authors: Vec<String>,
    pub category: Option<String>,
    /// The slug of `category`, its URL segment.
    pub category_slug: Option<String>,
    pub tags: Vec<String>,
    /// The slugs of `tags`, in the same order.
    pub tag_slugs: Vec<String>,
    /// The series or story thread it belongs to, and its slug.
    pub series: Option<String>,
    pub series_slug: Option<String>,
    /// Markdown.
    pub summary: Option<String>,
    pub image: Option<String>,
    pub image_alt: Option<String>,
    pub image_caption: Option<String>,
    /// The point of the lead image its crops keep in view: fractions of
    /// its width and height from the top left.
    pub image_focus: Option<(f64, f64)>,
    pub draft: bool,
    pub expires: Option<DateTime<Utc>>,
    pub aliases: Vec<String>,
    pub canonical_url: Option<String>,
    /// The id feed readers know the article by, when it is not its URL:
    /// an absolute URI that outlives a change of address.
    pub id: Option<String>,
    pub kind: ArticleKind,
    /// Whether the story past its opening is for subscribers: `access`,
    /// else its section's default.
    pub for_subscribers: bool,
    /// Where the story was reported from (`HONG KONG`), shown before its
    /// first paragraph.
    pub dateline: Option<String>,
    /// Published corrections, oldest first.
    pub corrections: Vec<Correction>,
    /// Whether it is live coverage: timestamped updates under `##`
    /// headings (see [`crate::live`]); `live_until` implies it.
    pub live: bool,
    /// When live coverage ends.
    pub live_until: Option<DateTime<Utc>>,
    pub template: Option<String>,
    #[serde(with = "extra_as_text_in_binary")]
    pub extra: Extra,
}

/// An `extra` table in the build cache's binary files: free-form values
/// cannot be read back from a format that does not say what each is, so
/// there the table is its JSON text. Human-readable formats have it as it
/// is.
mod extra_as_text_in_binary {
    use super::Extra;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(
        extra: &Extra,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match serializer.is_human_readable() {
            true => extra.serialize(serializer),
            false => serde_json::to_string(extra)
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Extra, D::Error> {
        match deserializer.is_human_readable() {
            true => Extra::deserialize(deserializer),
            false => {
                let text = String::deserialize(deserializer)?;
                serde_json::from_str(&text).map_err(serde::de::Error::custom)
            }
        }
    }
}

/// A correction published on an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    pub date: DateTime<Utc>,
    /// Plain text, as written.
    pub text: String,
}

/// What kind of journalism an article is, from its `kind` key: readers
/// see a label, search engines the matching schema.org type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ArticleKind {
    #[default]
    News,
    Opinion,
    Analysis,
    Review,
    Sponsored,
    PressRelease,
}

impl ArticleKind {
    /// Every kind with its `kind` value.
    pub const ALL: [(&'static str, ArticleKind); 6] = [
        ("news", ArticleKind::News),
        ("opinion", ArticleKind::Opinion),
        ("analysis", ArticleKind::Analysis),
        ("review", ArticleKind::Review),
        ("sponsored", ArticleKind::Sponsored),
        ("press-release", ArticleKind::PressRelease),
    ];

    /// The `kind` value.
    pub fn name(self) -> &'static str {
        (Self::ALL.iter())
            .find(|(_, kind)| *kind == self)
            .map_or("news", |(name, _)| name)
    }

    /// The label readers see on the page and its card; news has none.
    pub fn label(self) -> Option<&'static str> {
        match self {
            ArticleKind::News => None,
            ArticleKind::Opinion => Some("Opinion"),
            ArticleKind::Analysis => Some("Analysis"),
            ArticleKind::Review => Some("Review"),
            ArticleKind::Sponsored => Some("Sponsored"),
            ArticleKind::PressRelease => Some("Press release"),
        }
    }

    /// The schema.org type of its JSON-LD. Sponsored content is the
    /// advertiser's, and a press release is not the newsroom's reporting:
    /// neither claims to be a NewsArticle.
    pub fn schema_type(self) -> &'static str {
        match self {
            ArticleKind::News => "NewsArticle",
            ArticleKind::Opinion => "OpinionNewsArticle",
            ArticleKind::Analysis => "AnalysisNewsArticle",
            ArticleKind::Review => "ReviewNewsArticle",
            ArticleKind::Sponsored => "AdvertiserContentArticle",
            ArticleKind::PressRelease => "Article",
        }
    }

    /// Whether Google News may list it: its content policies keep
    /// sponsored content and press releases out of news results.
    pub fn is_journalism(self) -> bool {
        !matches!(self, ArticleKind::Sponsored | ArticleKind::PressRelease)
    }
}

#[derive(Debug, Clone)]
pub struct PageMeta {
    pub title: String,
    pub slug: String,
    pub template: Option<String>,
    pub draft: bool,
    /// Old paths, each redirected to the page.
    pub aliases: Vec<String>,
    pub extra: Extra,
}

#[derive(Debug, Clone)]
pub struct AuthorMeta {
    /// The file stem: what articles write in `author`.
    pub id: String,
    pub name: String,
    pub avatar: Option<String>,
    pub links: BTreeMap<String, String>,
    /// The author's fediverse handle, `@name@server`: Mastodon credits
    /// them on shared links (`fediverse:creator`).
    pub fediverse: Option<String>,
    pub extra: Extra,
}

/// A checked content file of any kind.
#[derive(Debug, Clone)]
pub struct Document<M> {
    pub source: SourceFile,
    pub meta: M,
    pub bundle: Option<Bundle>,
}

/// Everything under content/ that loaded without error.
#[derive(Debug, Default)]
pub struct Content {
    pub articles: Vec<Parsed<ArticleMeta>>,
    pub pages: Vec<Parsed<PageMeta>>,
    pub authors: Vec<Parsed<AuthorMeta>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Article,
    Page,
    Author,
}

struct Found {
    kind: Kind,
    relative: PathBuf,
    bundle: Option<Bundle>,
}

/// Content files parsed in an earlier build, kept by a caller that builds
/// again and again (`gazette serve` implements it); a plain build has none.
pub(crate) trait ParseCache: Sync {
    /// The file at `root/relative` as parsed before, if it is unchanged and
    /// `same` still accepts it; else what `parse` gives, kept for next time.
    fn parsed(
        &self,
        root: &Path,
        relative: &Path,
        same: &dyn Fn(&Loaded) -> bool,
        parse: Box<dyn FnOnce() -> Result<Loaded, Vec<Diagnostic>> + '_>,
    ) -> Result<Loaded, Vec<Diagnostic>>;

    /// Whether articles keep their Markdown's text in memory from the load
    /// (`gazette serve` renders it again on each build); otherwise the
    /// model reads it again from the file, only if it renders it.
    fn keeps_markdown(&self) -> bool;
}

/// An article as loaded, without where it is (the walk says that) or its
/// Markdown's text (the hash of it stands in): what the build cache keeps
/// of an article file, so that the next build need not read or parse it
/// while its bytes are the same.
#[derive(Serialize, Deserialize)]
pub(crate) struct KeptArticle {
    /// [`SourceFile::text`], [`SourceFile::block_line_offset`],
    /// [`SourceFile::body_line_offset`], [`SourceFile::file_hash`].
    text: String,
    block_line_offset: usize,
    body_line_offset: usize,
    file_hash: u64,
    meta: ArticleMeta,
    bundle: Option<Bundle>,
    /// [`Markdown::digest`] of the body.
    body_digest: u64,
}

impl KeptArticle {
    /// What is kept of `article`, loaded from its file.
    pub(crate) fn of(article: &Parsed<ArticleMeta>) -> KeptArticle {
        let source = &article.doc.source;
        KeptArticle {
            text: source.text.clone(),
            block_line_offset: source.block_line_offset,
            body_line_offset: source.body_line_offset,
            file_hash: source.file_hash,
            meta: article.doc.meta.clone(),
            bundle: article.doc.bundle.clone(),
            body_digest: article.body.digest(),
        }
    }

    /// The article file at `root/relative` as it was loaded, its Markdown
    /// left in the file. Where it is comes from the walk, never from the
    /// cache: what a kept article reads again is the file the walk found.
    pub(crate) fn into_loaded(self, root: &Arc<Path>, relative: &Path) -> Loaded {
        let found = Found {
            kind: Kind::Article,
            relative: relative.to_path_buf(),
            bundle: None,
        };
        let (mut source, _) = source_file(
            display_path(root, relative),
            self.text,
            self.file_hash,
            &found,
        );
        source.block_line_offset = self.block_line_offset;
        source.body_line_offset = self.body_line_offset;
        let doc = Document {
            source,
            meta: self.meta,
            bundle: self.bundle,
        };
        let body = Markdown::left_in_file(root, self.body_digest);
        Loaded::Article(Box::new(Parsed { doc, body }))
    }
}

/// Walks and loads content/. Problems go to `diagnostics`; the content that
/// loaded is returned either way so later checks can still run.
/// With a `cache`, files unchanged since it saw them are not read again.
pub(crate) fn load(
    root: &Path,
    config: &Config,
    cache: Option<&dyn ParseCache>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Content {
    let found = walk(root, diagnostics);
    let shared_root: Arc<Path> = Arc::from(root);
    // An article's Markdown is read again when it is modelled (`gazette
    // serve` keeps it instead, with what it parsed).
    let leave_in_file = !cache.is_some_and(|cache| cache.keeps_markdown());
    let settings = LoadSettings::of(config);
    let results: Vec<Result<Loaded, Vec<Diagnostic>>> = found
        .into_par_iter()
        .map(|f| {
            let loaded = match cache {
                Some(cache) => {
                    let relative = f.relative.clone();
                    let bundle = f.bundle.clone();
                    cache.parsed(
                        root,
                        &relative,
                        &|kept| kept.bundle() == bundle.as_ref(),
                        Box::new(|| load_one(root, &settings, f)),
                    )
                }
                None => load_one(root, &settings, f),
            };
            loaded.map(|mut loaded| {
                if let Loaded::Article(article) = &mut loaded
                    && leave_in_file
                {
                    article.body.leave_in_file(&shared_root);
                }
                loaded
            })
        })
        .collect();
    let mut content = Content::default();
    // Sized once: grown by doubling, the list of a large archive's
    // articles would briefly be held twice (they are most of the load).
    let articles = (results.iter())
        .filter(|r| matches!(r, Ok(Loaded::Article(_))))
        .count();
    content.articles.reserve_exact(articles);
    for result in results {
        match result {
            Ok(Loaded::Article(a)) => content.articles.push(*a),
            Ok(Loaded::Page(p)) => content.pages.push(p),
            Ok(Loaded::Author(a)) => content.authors.push(a),
            Err(ds) => diagnostics.extend(ds),
        }
    }
    content
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name.starts_with('_')
}

/// Finds every content file and bundle asset, in a stable order.
fn walk(root: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<Found> {
    let content_dir = root.join("content");
    if !content_dir.is_dir() {
        diagnostics.push(Diagnostic::warning(
            display_path(root, Path::new("content")),
            "no content/ folder: the site has no articles",
        ));
        return Vec::new();
    }
    let (paths, problems) =
        crate::sources::walk_site_dir(root, Path::new("content"), |e| !is_hidden(e.file_name()));
    diagnostics.extend(problems);
    // The walk lists a folder's files by name, each folder's whole tree at
    // its name's place: the order of their paths, part by part. (A sorted
    // set took a tenth of a second at 100,000 files, on one core, to find
    // it again.)
    let files: Vec<PathBuf> = paths
        .iter()
        .filter_map(|p| p.strip_prefix(root).ok())
        .map(Path::to_path_buf)
        .collect();
    debug_assert!(files.is_sorted(), "the walk's order is the paths' order");

    let bundle_dirs: HashSet<&Path> = files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n == "index.md"))
        .filter_map(|f| f.parent())
        .collect();
    let mut assets: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut found = Vec::new();
    for file in &files {
        let section = file
            .components()
            .nth(1)
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        let kind = match section.as_deref() {
            Some("articles") => Kind::Article,
            Some("pages") => Kind::Page,
            Some("authors") => Kind::Author,
            _ => {
                diagnostics.push(Diagnostic::warning(
                    display_path(root, file),
                    "ignored: content files belong in content/articles, content/pages or content/authors",
                ));
                continue;
            }
        };
        let is_markdown = file.extension().is_some_and(|e| e == "md");
        let is_index = file.file_name().is_some_and(|n| n == "index.md");
        // Every index.md is a document (a bundle inside a bundle's folder
        // is a bundle of its own); any other file under a bundle's folder
        // belongs to the nearest bundle.
        // A site without bundles skips looking up each file's folders.
        if !is_index && kind != Kind::Author && !bundle_dirs.is_empty() {
            let owner = file
                .ancestors()
                .skip(1)
                .take_while(|a| a.components().count() > 2)
                .find(|a| bundle_dirs.contains(*a));
            if let Some(dir) = owner {
                let rel = file.strip_prefix(dir).unwrap_or(file).to_path_buf();
                assets.entry(dir.to_path_buf()).or_default().push(rel);
                continue;
            }
        }
        if !is_markdown {
            diagnostics.push(Diagnostic::warning(
                display_path(root, file),
                "ignored: not Markdown and not in an article bundle (a folder with an index.md); shared files go in static/",
            ));
            continue;
        }
        found.push(Found {
            kind,
            relative: file.clone(),
            bundle: None,
        });
    }
    for f in &mut found {
        if f.relative.file_name().is_some_and(|n| n == "index.md")
            && let Some(dir) = f.relative.parent()
            && f.kind != Kind::Author
        {
            f.bundle = Some(Bundle {
                dir: dir.to_path_buf(),
                assets: assets.remove(dir).unwrap_or_default(),
            });
        }
    }
    found
}

/// One content file, loaded.
#[derive(Clone)]
pub(crate) enum Loaded {
    Article(Box<Parsed<ArticleMeta>>),
    Page(Parsed<PageMeta>),
    Author(Parsed<AuthorMeta>),
}

impl Loaded {
    fn bundle(&self) -> Option<&Bundle> {
        match self {
            Loaded::Article(parsed) => parsed.doc.bundle.as_ref(),
            Loaded::Page(parsed) => parsed.doc.bundle.as_ref(),
            Loaded::Author(parsed) => parsed.doc.bundle.as_ref(),
        }
    }
}

/// Reads a file as UTF-8 text with a BOM removed and `\n` line endings.
pub(crate) fn read_text(root: &Path, relative: &Path) -> Result<String, Diagnostic> {
    read_text_and_hash(root, relative).map(|(text, _)| text)
}

/// [`read_text`], and [`crate::build_state::input_hash`] of the file's
/// bytes.
fn read_text_and_hash(root: &Path, relative: &Path) -> Result<(String, u64), Diagnostic> {
    let display = display_path(root, relative);
    let bytes = crate::sources::read_source(&root.join(relative))
        .map_err(|e| Diagnostic::error(&display, format!("cannot read: {e}")))?;
    let hash = crate::build_state::input_hash(&bytes);
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            let (line, column) = line_column(&prefix, prefix.len());
            return Err(
                Diagnostic::error(&display, "file is not valid UTF-8: save it as UTF-8")
                    .at(&lossy, line, column),
            );
        }
    };
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text
    };
    Ok((text, hash))
}

fn load_one(root: &Path, settings: &LoadSettings, found: Found) -> Result<Loaded, Vec<Diagnostic>> {
    let display = display_path(root, &found.relative);
    let (text, hash) = read_text_and_hash(root, &found.relative).map_err(|d| vec![d])?;
    parse_found(display, text, hash, settings, found)
}

/// Splits, parses and checks the text of an article as if read from
/// `relative` (such as `content/articles/2021/x.md`): the load stage
/// without the file system, for the fuzz targets.
pub(crate) fn parse_article_text(
    relative: &Path,
    text: String,
    config: &Config,
) -> Result<Parsed<ArticleMeta>, Vec<Diagnostic>> {
    let found = Found {
        kind: Kind::Article,
        relative: relative.to_path_buf(),
        bundle: None,
    };
    let (source, stem) = source_file(relative.to_path_buf(), text, 0, &found);
    parse_article(source, &stem, &LoadSettings::of(config), found.bundle)
}

/// Loads one article file again: for `gazette serve`, after a save.
/// `relative` and `bundle` are as the whole load found them.
pub(crate) fn load_article(
    root: &Path,
    config: &Config,
    relative: &Path,
    bundle: Option<Bundle>,
) -> Result<Parsed<ArticleMeta>, Vec<Diagnostic>> {
    let found = Found {
        kind: Kind::Article,
        relative: relative.to_path_buf(),
        bundle,
    };
    let (text, hash) = read_text_and_hash(root, relative).map_err(|d| vec![d])?;
    let (source, stem) = source_file(display_path(root, relative), text, hash, &found);
    parse_article(source, &stem, &LoadSettings::of(config), found.bundle)
}

fn parse_article(
    source: SourceFile,
    stem: &str,
    settings: &LoadSettings,
    bundle: Option<Bundle>,
) -> Result<Parsed<ArticleMeta>, Vec<Diagnostic>> {
    let (fm, source, body) = parse_source(source, ARTICLE_KEYS, "article front matter")?;
    let meta = check_article(fm, &source, stem, settings)?;
    let doc = Document {
        source,
        meta,
        bundle,
    };
    Ok(Parsed { doc, body })
}

/// The source of a file as found, and the stem its slug defaults to.
fn source_file(
    display: PathBuf,
    text: String,
    file_hash: u64,
    found: &Found,
) -> (SourceFile, String) {
    let content_path = found
        .relative
        .strip_prefix("content")
        .unwrap_or(&found.relative)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    let stem = match &found.bundle {
        Some(b) => b.dir.file_name(),
        None => found.relative.file_stem(),
    }
    .map(|s| s.to_string_lossy().into_owned())
    .unwrap_or_default();
    let source = SourceFile {
        relative: found.relative.clone(),
        content_path,
        display,
        text,
        block_line_offset: 0,
        body_line_offset: 0,
        file_hash,
    };
    (source, stem)
}

/// Loads content files from their paths (`content/articles/a.md`) and
/// texts, as [`load`] would from a folder: for unit tests of the later
/// stages, on content made in memory. Bundles are not found this way.
#[cfg(test)]
pub(crate) fn content_from_texts(files: &[(&str, &str)], config: &Config) -> Content {
    let mut content = Content::default();
    for (path, text) in files {
        let relative = PathBuf::from(path);
        let kind = match relative
            .components()
            .nth(1)
            .map(|c| c.as_os_str().to_string_lossy())
        {
            Some(s) if s == "pages" => Kind::Page,
            Some(s) if s == "authors" => Kind::Author,
            _ => Kind::Article,
        };
        let found = Found {
            kind,
            relative: relative.clone(),
            bundle: None,
        };
        match parse_found(
            relative,
            text.to_string(),
            0,
            &LoadSettings::of(config),
            found,
        ) {
            Ok(Loaded::Article(a)) => content.articles.push(*a),
            Ok(Loaded::Page(p)) => content.pages.push(p),
            Ok(Loaded::Author(a)) => content.authors.push(a),
            Err(errors) => panic!("{path}: {errors:?}"),
        }
    }
    content
}

fn parse_found(
    display: PathBuf,
    text: String,
    file_hash: u64,
    settings: &LoadSettings,
    found: Found,
) -> Result<Loaded, Vec<Diagnostic>> {
    let (source, stem) = source_file(display, text, file_hash, &found);
    Ok(match found.kind {
        Kind::Article => Loaded::Article(Box::new(parse_article(
            source,
            &stem,
            settings,
            found.bundle,
        )?)),
        Kind::Page => {
            let (fm, source, body) = parse_source(source, PAGE_KEYS, "page front matter")?;
            let meta = check_page(fm, &source, &stem)?;
            let doc = Document {
                source,
                meta,
                bundle: found.bundle,
            };
            Loaded::Page(Parsed { doc, body })
        }
        Kind::Author => {
            let (fm, source, body) = parse_source(source, AUTHOR_KEYS, "author front matter")?;
            let meta = check_author(fm, &source, &stem)?;
            let doc = Document {
                source,
                meta,
                bundle: None,
            };
            Loaded::Author(Parsed { doc, body })
        }
    })
}

/// Splits a file and parses its front matter into `F`; the source keeps
/// the text up to the body, and the body comes apart.
fn parse_source<F: DeserializeOwned>(
    mut source: SourceFile,
    keys: &[&str],
    what: &str,
) -> Result<(F, SourceFile, Markdown), Vec<Diagnostic>> {
    let split = front_matter::split(&source.text, &source.display).map_err(|d| vec![d])?;
    let (body_offset, block_line_offset, body_line_offset) = (
        source.text.len() - split.body.len(),
        split.block_line_offset,
        split.body_line_offset,
    );
    // A control character in a title, name, tag or caption is an error at
    // its place; in the body, where a pasted one is common and harmless to
    // drop, it is left out of the text.
    let control = crate::sources::forbidden_control(&source.display, &source.text[..body_offset]);
    let front_matter = front_matter::parse(&split, &source.text, &source.display, keys, what);
    let front_matter = match (front_matter, control) {
        (Ok(fm), None) => fm,
        (Ok(_), Some(d)) => return Err(vec![d]),
        (Err(mut errors), control) => {
            errors.extend(control);
            return Err(errors);
        }
    };
    let body = body_text(source.text[body_offset..].to_string());
    source.text.truncate(body_offset);
    source.text.shrink_to_fit();
    source.block_line_offset = block_line_offset;
    source.body_line_offset = body_line_offset;
    Ok((front_matter, source, Markdown::new(body)))
}

fn required_text(
    value: Option<String>,
    key: &str,
    what: &str,
    source: &SourceFile,
    errors: &mut Vec<Diagnostic>,
) -> String {
    match value {
        Some(v) if !v.trim().is_empty() => v.trim().to_string(),
        Some(_) => {
            errors.push(source.error_at_key(key, format!("`{key}` is empty")));
            String::new()
        }
        None => {
            errors.push(
                Diagnostic::error(&source.display, format!("{what} has no `{key}`")).at(
                    &source.text,
                    1,
                    1,
                ),
            );
            String::new()
        }
    }
}

/// The most tags one article may have. Every tag page and feed shows the
/// article with all its tags, so the cost of an article grows with the
/// square of its tag count; no newsroom needs more.
const MAX_TAGS: usize = 50;

/// Most file systems refuse names longer than this many bytes, and every
/// slug becomes a folder name of the output.
const MAX_SLUG_BYTES: usize = 255;

/// Why a slug cannot name a folder, if it cannot.
fn too_long_for_a_file_name(slug: &str) -> Option<String> {
    (slug.len() > MAX_SLUG_BYTES).then(|| {
        format!(
            "makes a URL segment of {} bytes; file systems allow {MAX_SLUG_BYTES}: shorten it",
            slug.len()
        )
    })
}

/// The slug from the `slug` key, else from the file (or bundle folder) name.
fn make_slug(
    given: Option<String>,
    stem: &str,
    source: &SourceFile,
    errors: &mut Vec<Diagnostic>,
) -> String {
    let (slug, from_key) = match &given {
        Some(s) => (slug_as_given(s), true),
        None => (slugify(strip_date_prefix(stem)), false),
    };
    if let Some(why) = too_long_for_a_file_name(&slug) {
        errors.push(if from_key {
            source.error_at_key("slug", format!("`slug` {why}"))
        } else {
            Diagnostic::error(
                &source.display,
                format!("the file name {why}: rename the file or set `slug`"),
            )
            .at(&source.text, 1, 1)
        });
    }
    if slug.is_empty() {
        errors.push(if from_key {
            source.error_at_key(
                "slug",
                "`slug` has no letters or digits to make a URL from",
            )
        } else {
            Diagnostic::error(
                &source.display,
                format!("cannot make a URL slug from the file name `{stem}`: rename the file or set `slug`"),
            )
            .at(&source.text, 1, 1)
        });
    }
    slug
}

fn optional_date(
    value: Option<DateText>,
    key: &str,
    settings: &LoadSettings,
    source: &SourceFile,
    errors: &mut Vec<Diagnostic>,
) -> Option<DateTime<Utc>> {
    let text = value?;
    match parse_date(&text.0, settings.timezone) {
        Ok(date) => Some(date),
        Err(why) => {
            errors.push(source.error_at_key(key, format!("`{key}`: {why}")));
            None
        }
    }
}

fn check_article(
    fm: ArticleFrontMatter,
    source: &SourceFile,
    stem: &str,
    settings: &LoadSettings,
) -> Result<ArticleMeta, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let title = required_text(fm.title, "title", "article", source, &mut errors);
    let date = match fm.date {
        None => {
            errors.push(
                Diagnostic::error(&source.display, "article has no `date`: add its publication time, such as date = 2021-03-26T09:30:00+08:00")
                    .at(&source.text, 1, 1),
            );
            None
        }
        some => optional_date(some, "date", settings, source, &mut errors),
    };
    let updated = optional_date(fm.updated, "updated", settings, source, &mut errors);
    let expires = optional_date(fm.expires, "expires", settings, source, &mut errors);
    let live_until = optional_date(fm.live_until, "live_until", settings, source, &mut errors);
    if let (Some(until), Some(start)) = (live_until, date)
        && until < start
    {
        errors.push(source.error_at_key(
            "live_until",
            "`live_until` is before the article's `date`: coverage runs from `date` until `live_until`",
        ));
    }
    let slug = make_slug(fm.slug, stem, source, &mut errors);
    let authors = match (fm.author, fm.authors) {
        (Some(_), Some(_)) => {
            errors.push(source.error_at_key(
                "authors",
                "use `author` (one) or `authors` (a list), not both",
            ));
            Vec::new()
        }
        (Some(one), None) => vec![one],
        (None, Some(many)) => many,
        (None, None) => Vec::new(),
    };
    let authors: Vec<String> = authors.into_iter().map(|a| a.trim().to_string()).collect();
    if authors.iter().any(String::is_empty) {
        errors.push(source.error_at_key("author", "an author name is empty"));
    }
    let category = fm.category.map(|c| c.trim().to_string());
    let category_slug = category.as_deref().map(term_slug);
    if category_slug.as_deref().is_some_and(str::is_empty) {
        errors.push(source.error_at_key(
            "category",
            "`category` needs letters or digits to make a URL from",
        ));
    }
    if let Some(why) = category_slug.as_deref().and_then(too_long_for_a_file_name) {
        errors.push(source.error_at_key("category", format!("`category` {why}")));
    }
    let mut tags: Vec<String> = Vec::new();
    let mut tag_slugs: Vec<String> = Vec::new();
    if fm.tags.len() > MAX_TAGS {
        errors.push(source.error_at_key(
            "tags",
            format!(
                "an article has {} tags; at most {MAX_TAGS} are allowed: tags are for readers to browse by, and each one is a page listing the article",
                fm.tags.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    for tag in fm.tags.into_iter().take(MAX_TAGS) {
        let tag = tag.trim().to_string();
        let slug = term_slug(&tag);
        if slug.is_empty() {
            errors.push(source.error_at_key(
                "tags",
                format!("tag `{tag}` needs letters or digits to make a URL from"),
            ));
        } else if let Some(why) = too_long_for_a_file_name(&slug) {
            let start: String = tag.chars().take(20).collect();
            errors.push(source.error_at_key("tags", format!("tag `{start}…` {why}")));
        } else if seen.insert(tag.clone()) {
            tags.push(tag);
            tag_slugs.push(slug);
        }
    }
    let series = fm.series.map(|s| s.trim().to_string());
    let series_slug = series.as_deref().map(term_slug);
    match series_slug.as_deref() {
        Some("") => errors.push(source.error_at_key(
            "series",
            "`series` needs letters or digits to make a URL from",
        )),
        Some(slug) => {
            if let Some(why) = too_long_for_a_file_name(slug) {
                errors.push(source.error_at_key("series", format!("`series` {why}")));
            }
        }
        None => {}
    }
    for (key, value) in [("image", &fm.image), ("canonical_url", &fm.canonical_url)] {
        if let Some(why) = value.as_deref().and_then(unsafe_url) {
            errors.push(source.error_at_key(key, format!("`{key}`: {why}")));
        }
    }
    let image_focus = match fm.image_focus.as_deref() {
        None => None,
        Some(&[x, y]) if (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y) => Some((x, y)),
        Some(other) => {
            errors.push(source.error_at_key(
                "image_focus",
                format!(
                    "`image_focus` is two fractions from 0 to 1, across then down from the top left of the lead image, such as [0.5, 0.3] (the middle, near the top), not {other:?}"
                ),
            ));
            None
        }
    };
    let aliases = check_aliases(fm.aliases, source, &mut errors);
    let id = fm.id.map(|id| id.trim().to_string());
    if let Some(why) = id.as_deref().and_then(not_a_feed_id) {
        errors.push(source.error_at_key("id", why));
    }
    let kind = match fm.kind.as_deref().map(str::trim) {
        None => ArticleKind::News,
        Some(name) => match ArticleKind::ALL.iter().find(|(n, _)| *n == name) {
            Some((_, kind)) => *kind,
            None => {
                let names: Vec<&str> = ArticleKind::ALL.iter().map(|(n, _)| *n).collect();
                errors.push(source.error_at_key(
                    "kind",
                    format!("`kind` is one of {}, not `{name}`", names.join(", ")),
                ));
                ArticleKind::News
            }
        },
    };
    let for_subscribers = match fm.access.as_deref().map(str::trim) {
        Some("subscribers") => true,
        Some("free") => false,
        None => (category_slug.as_ref()).is_some_and(|s| settings.subscriber_sections.contains(s)),
        Some(other) => {
            errors.push(source.error_at_key(
                "access",
                format!("`access` is \"free\" or \"subscribers\", not `{other}`"),
            ));
            false
        }
    };
    let dateline = fm.dateline.map(|d| d.trim().to_string());
    if dateline.as_deref().is_some_and(str::is_empty) {
        errors.push(source.error_at_key(
            "dateline",
            "`dateline` is empty: write the place the story was reported from, such as \"HONG KONG\", or leave the key out",
        ));
    }
    let mut corrections = Vec::new();
    for (n, raw) in fm.corrections.into_iter().enumerate() {
        let text = raw.text.trim().to_string();
        if text.is_empty() {
            errors.push(source.error_at_key(
                "corrections",
                format!(
                    "correction {} has no `text`: say what was wrong and what is right",
                    n + 1
                ),
            ));
        }
        let when = match parse_date(&raw.date.0, settings.timezone) {
            Ok(when) => Some(when),
            Err(why) => {
                let message = format!("the `date` of correction {}: {why}", n + 1);
                errors.push(source.error_at_key("corrections", message));
                None
            }
        };
        if let Some(when) = when {
            if date.is_some_and(|published| when < published) {
                errors.push(source.error_at_key(
                    "corrections",
                    format!("correction {} is dated before the article was published: give the time the correction was made", n + 1),
                ));
            }
            corrections.push(Correction { date: when, text });
        }
    }
    corrections.sort_by_key(|c| c.date);
    // A correction changes the article: its time is the last update when
    // no later `updated` is given (dateModified, feeds, sitemaps).
    let updated = updated.max(corrections.last().map(|c| c.date));
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ArticleMeta {
        title,
        date: date.unwrap_or_default(),
        updated,
        slug,
        authors,
        category,
        category_slug,
        tags,
        tag_slugs,
        series,
        series_slug,
        summary: fm.summary,
        image: fm.image,
        image_alt: fm.image_alt,
        image_caption: fm.image_caption,
        image_focus,
        draft: fm.draft,
        expires,
        aliases,
        canonical_url: fm.canonical_url,
        id,
        kind,
        for_subscribers,
        dateline,
        corrections,
        live: fm.live || live_until.is_some(),
        live_until,
        template: fm.template,
        extra: fm.extra,
    })
}

/// Whether `handle` is `@name@server.domain`: a name of letters, digits,
/// `_`, `.` and `-`, and a host name with a dot.
fn is_fediverse_handle(handle: &str) -> bool {
    let Some((name, host)) = handle.strip_prefix('@').and_then(|h| h.split_once('@')) else {
        return false;
    };
    let name_ok = !name.is_empty()
        && (name.chars()).all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'));
    let host_ok = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && (host.chars()).all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    name_ok && host_ok
}

/// Why `id` cannot be a feed id, if it cannot: Atom and JSON Feed ids are
/// absolute URIs (`tag:`, `urn:` or `https:`), which readers compare as
/// written.
fn not_a_feed_id(id: &str) -> Option<String> {
    let shown: String = id.chars().take(60).collect();
    let example = "such as \"tag:example.com,2021:xiaomi-great-wall\" or the URL the story was first published at";
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!(
            "`id` `{shown}` has a space in it: an id is an absolute URI, {example}"
        ));
    }
    match url::Url::parse(id) {
        Ok(_) => None,
        Err(_) => Some(format!(
            "`id` `{shown}` is not an absolute URI: write one with a scheme, {example}"
        )),
    }
}

/// Why `text`, the value of a URL-typed key, may not be published as a
/// link, if it may not: only http(s) and mailto URLs and paths (relative
/// to the page or the site) are links a reader can trust. `javascript:`
/// and `data:` URLs would run script on the site's own pages. The url
/// crate reads the text as a browser does (stray tabs, newlines and
/// leading spaces do not hide a scheme from it).
pub(crate) fn unsafe_url(text: &str) -> Option<String> {
    let shown: String = text.chars().take(60).collect();
    match url::Url::parse(text) {
        Ok(url) if ["http", "https", "mailto"].contains(&url.scheme()) => None,
        Ok(url) => Some(format!(
            "`{shown}` is a {}: URL; only http(s), mailto and paths are allowed, since other schemes (javascript:, data:) can run script on the site",
            url.scheme()
        )),
        Err(url::ParseError::RelativeUrlWithoutBase) => None,
        Err(e) => Some(format!("`{shown}` is not a valid URL ({e})")),
    }
}

/// An alias as a site path: `old/x` and `/old/x` become `/old/x/`; a last
/// segment with an extension (`/old.html`) stays a file. None for a path
/// that would leave the output folder.
fn alias_path(alias: &str) -> Option<String> {
    let trimmed = alias.trim().trim_start_matches('/');
    let without_slash = trimmed.trim_end_matches('/');
    crate::paths::safe_relative(without_slash).ok()?;
    let is_file = !trimmed.ends_with('/')
        && without_slash
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
    Some(if is_file {
        format!("/{without_slash}")
    } else {
        format!("/{without_slash}/")
    })
}

fn check_page(
    fm: PageFrontMatter,
    source: &SourceFile,
    stem: &str,
) -> Result<PageMeta, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let title = required_text(fm.title, "title", "page", source, &mut errors);
    let slug = make_slug(fm.slug, stem, source, &mut errors);
    let aliases = check_aliases(fm.aliases, source, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PageMeta {
        title,
        slug,
        template: fm.template,
        draft: fm.draft,
        aliases,
        extra: fm.extra,
    })
}

/// The `aliases` of an article or page as site paths.
fn check_aliases(
    given: Vec<String>,
    source: &SourceFile,
    errors: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut aliases = Vec::new();
    for alias in given {
        match alias_path(&alias) {
            Some(path) => aliases.push(path),
            None => errors.push(source.error_at_key(
                "aliases",
                format!(
                    "alias `{alias}` must be a path inside the site, such as \"/2021/old-slug/\""
                ),
            )),
        }
    }
    aliases
}

fn check_author(
    fm: AuthorFrontMatter,
    source: &SourceFile,
    stem: &str,
) -> Result<AuthorMeta, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let name = required_text(fm.name, "name", "author profile", source, &mut errors);
    if slugify(stem) != stem {
        errors.push(Diagnostic::error(
            &source.display,
            format!(
                "author ID `{stem}` (the file name) must be a slug of lowercase letters, digits and hyphens, such as `{}`",
                slugify(stem)
            ),
        ));
    }
    if let Some(why) = fm.avatar.as_deref().and_then(unsafe_url) {
        errors.push(source.error_at_key("avatar", format!("`avatar`: {why}")));
    }
    for (label, url) in &fm.links {
        if let Some(why) = unsafe_url(url) {
            errors.push(source.error_at_key_in(
                Some("links"),
                label,
                format!("`links.{label}`: {why}"),
            ));
        }
    }
    let fediverse = fm.fediverse.map(|f| f.trim().to_string());
    if let Some(handle) = fediverse.as_deref()
        && !is_fediverse_handle(handle)
    {
        let shown: String = handle.chars().take(60).collect();
        errors.push(source.error_at_key(
            "fediverse",
            format!("`fediverse` is a handle such as \"@lena@mastodon.social\", not `{shown}`"),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(AuthorMeta {
        id: stem.to_string(),
        name,
        avatar: fm.avatar,
        links: fm.links,
        fediverse,
        extra: fm.extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRONT: &str = "+++\ntitle = \"Xiaomi to build cars\"\ndate = 2021-03-26\n+++\n";

    /// A site with one article, loaded; its Markdown is left in the file.
    fn loaded(dir: &Path, text: &str) -> Parsed<ArticleMeta> {
        std::fs::write(
            dir.join("site.toml"),
            "title = \"Ledger\"\nbase_url = \"https://news.example.com/\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.join("content/articles")).unwrap();
        std::fs::write(dir.join("content/articles/cars.md"), text).unwrap();
        let config = Config::load(dir).unwrap();
        let mut diagnostics = Vec::new();
        let mut content = load(dir, &config, None, &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        content.articles.pop().unwrap()
    }

    /// What the build cache keeps of an article file reads back, in its
    /// binary form, as what was loaded: free-form `extra` values of every
    /// kind, dates, corrections and the bundle.
    #[test]
    fn an_article_as_kept_in_binary_reads_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let text = "+++\ntitle = \"Xiaomi to build cars\"\ndate = 2021-03-26T09:30:00+08:00\n\
            tags = [\"EV\", \"Xiaomi\"]\nimage_focus = [0.25, 0.75]\n\
            corrections = [{ date = 2021-03-27T10:00:00+08:00, text = \"A figure.\" }]\n\
            [extra]\nscore = 7\nratio = 0.5\nflag = true\nnote = \"x\"\nlist = [1, \"two\", 3.5]\n\
            when = 2021-03-26\n[extra.nested]\ndeep = { a = [] }\n+++\nShares rose.\n";
        let article = loaded(dir.path(), text);
        let kept = KeptArticle::of(&article);
        let bytes = postcard::to_allocvec(&kept).unwrap();
        let back: KeptArticle = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&kept).unwrap()
        );
        assert_eq!(back.meta.extra, article.doc.meta.extra);
        assert_eq!(back.meta.extra["list"], serde_json::json!([1, "two", 3.5]));
        assert_eq!(back.meta.corrections, article.doc.meta.corrections);
        assert_eq!(back.meta.date, article.doc.meta.date);
    }

    #[test]
    fn markdown_left_in_its_file_reads_back_as_the_load_made_it() {
        let dir = tempfile::tempdir().unwrap();
        // A byte-order mark, Windows line ends and a stray control
        // character: the load's normalizing is done again.
        let text = format!(
            "\u{feff}{}Shares rose.\r\n\u{7}\r\nMore.\r\n",
            FRONT.replace('\n', "\r\n")
        );
        let article = loaded(dir.path(), &text);
        assert!(article.body.text.is_empty(), "let go after the load");
        let body = article.body.read(&article.doc.source).unwrap();
        assert_eq!(body.text, "Shares rose.\n\nMore.\n");
    }

    #[test]
    fn a_file_saved_between_the_load_and_the_model_is_an_error_not_a_mix() {
        let dir = tempfile::tempdir().unwrap();
        let article = loaded(dir.path(), &format!("{FRONT}Shares rose.\n"));
        let path = dir.path().join("content/articles/cars.md");
        // Only the body changed: the new body is the file's, whole.
        std::fs::write(&path, format!("{FRONT}Shares fell.\n")).unwrap();
        let body = article.body.read(&article.doc.source).unwrap();
        assert_eq!(body.text, "Shares fell.\n");
        // The front matter changed: what was parsed no longer fits.
        std::fs::write(&path, FRONT.replace("cars", "phones") + "Shares fell.\n").unwrap();
        let error = article.body.read(&article.doc.source).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "error: {}: the file changed while gazette was building: build again",
                path.display()
            )
        );
        std::fs::remove_file(&path).unwrap();
        let error = article.body.read(&article.doc.source).unwrap_err();
        let unread = format!("error: {}: cannot read:", path.display());
        assert!(error.to_string().starts_with(&unread), "{error}");
    }
}
