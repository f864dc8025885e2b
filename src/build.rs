//! One build, start to finish: load → model → render → write.
//!
//! Every stage collects its problems; the build stops before writing if
//! there are any, so a failed build never touches the previous output.

use crate::build_state::{Look, Reported, Stale};
use crate::changes::Change;
use crate::config::Config;
use crate::content;
use crate::diagnostics::{Diagnostic, display_path};
use crate::images::{ImageCounts, Images, PageAsks};
use crate::markdown_cache::{KeptLoads, MarkdownCache};
use crate::output::{LastRecord, Output, record_key};
use crate::paths::{file_for_site_path, safe_relative};
use crate::render::{self, Job, PageDigest, Renderer, Templates};
use crate::site::{ArticleBody, Favicon, Modelled, Selection, Site};
use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Replaces `[build] output`; relative to the current folder.
    pub output: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    pub future: bool,
    /// The moment that separates published from scheduled articles.
    pub now: DateTime<Utc>,
    /// Replaces `[images] cache`; relative to the current folder.
    pub cache_dir: Option<PathBuf>,
    /// Build everything, whatever the build cache says (`--full`).
    pub full: bool,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> BuildOptions {
        BuildOptions {
            root: root.into(),
            output: None,
            base_url: None,
            drafts: false,
            future: false,
            now: Utc::now(),
            cache_dir: None,
            full: false,
        }
    }
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    pub output: PathBuf,
    pub articles: usize,
    pub pages: usize,
    pub authors: usize,
    pub files: usize,
    pub files_changed: usize,
    pub files_removed: usize,
    pub drafts_left_out: usize,
    pub scheduled_left_out: usize,
    pub expired_left_out: usize,
    /// When the site next changes by itself: build again then.
    pub next_change: Option<crate::site::NextChange>,
    /// Photo files made, and taken from the cache.
    pub images: ImageCounts,
    pub elapsed: Duration,
    /// How long each stage took, in order, and the peak memory (KiB) by
    /// its end where the system tells it.
    pub stages: Vec<(&'static str, Duration, Option<u64>)>,
    pub warnings: Vec<Diagnostic>,
    /// One-line notes on why the build could not keep the last output
    /// (another gazette, other settings, an output changed by hand).
    pub notes: Vec<String>,
    /// Whether nothing changed since the last build, so its output was
    /// kept as it was without loading the site.
    pub nothing_changed: bool,
    /// When the build rendered only the files a change touched (see
    /// [`crate::changes`]): how many it rendered, and the change in words
    /// ("1 article changed").
    pub rebuilt: Option<(usize, String)>,
}

/// Stage timings, for `GAZETTE_TIMINGS=1` and benchmarks.
struct Stages {
    last: Instant,
    done: Vec<(&'static str, Duration, Option<u64>)>,
}

impl Stages {
    fn new(started: Instant) -> Stages {
        Stages {
            last: started,
            done: Vec::new(),
        }
    }

    fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.done.push((name, now - self.last, peak_memory_kib()));
        self.last = now;
    }
}

/// The process's peak resident memory so far, from /proc on Linux.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A failed build: every diagnostic found, errors first.
#[derive(Debug)]
pub struct BuildFailure {
    pub diagnostics: Vec<Diagnostic>,
}

impl BuildFailure {
    fn from(diagnostics: Vec<Diagnostic>) -> BuildFailure {
        BuildFailure {
            diagnostics: crate::diagnostics::sorted(diagnostics),
        }
    }
}

/// Where a build's files go: the output folder when building, an
/// in-memory scan when checking. Called from many render threads at once.
pub trait Sink: Sync {
    /// Takes a rendered file; `source` is the content file it shows, if any.
    fn write(&self, relative: &Path, bytes: &[u8], source: Option<&Path>) -> Result<(), String>;
    /// Takes a static or bundle file, copied as it is.
    fn copy(&self, from: &Path, relative: &Path) -> Result<(), String>;
    /// Whether photos are to be made: `gazette check` needs only to know
    /// where they go.
    fn makes_images(&self) -> bool {
        true
    }
    /// Keeps the file at `relative` as the last build made it, instead of
    /// taking it rendered again; false when the sink cannot (it keeps
    /// nothing, or cannot vouch for the file's bytes).
    fn keep(&self, _relative: &Path) -> Result<bool, String> {
        Ok(false)
    }
}

impl Sink for Output {
    fn keep(&self, relative: &Path) -> Result<bool, String> {
        Output::keep(self, relative)
    }

    fn write(&self, relative: &Path, bytes: &[u8], _source: Option<&Path>) -> Result<(), String> {
        Output::write(self, relative, bytes)
    }

    fn copy(&self, from: &Path, relative: &Path) -> Result<(), String> {
        Output::copy(self, from, relative)
    }
}

/// What a caller that builds again and again (`gazette serve`) keeps
/// between builds: parsed files and rendered Markdown, both dropped when
/// the configuration changes.
pub(crate) trait BuildCache: content::ParseCache + crate::markdown::RenderCache {
    /// Forgets everything if `config` differs from the one entries were
    /// made with.
    fn use_config(&self, config: &Config);
}

/// A site loaded and modelled without errors, with its renderer ready.
pub struct Prepared {
    pub output_dir: PathBuf,
    renderer: Renderer,
    /// Every file of static/ to publish, found once by the load.
    static_files: Vec<PathBuf>,
    /// Warnings found so far.
    pub warnings: Vec<Diagnostic>,
    /// Where made photos are cached, if anywhere.
    cache_dir: Option<PathBuf>,
    /// The rendered Markdown kept for the next build, saved once this
    /// one's output is in place.
    markdown_cache: Option<MarkdownCache>,
    images: ImageCounts,
    started: Instant,
    stages: Stages,
}

impl Prepared {
    /// The site model.
    pub fn site(&self) -> &Site {
        self.renderer.site()
    }

    /// The renderer, static files, warnings and image cache, for a caller
    /// that renders on its own terms (`gazette serve`).
    pub(crate) fn into_parts(self) -> (Renderer, Vec<PathBuf>, Vec<Diagnostic>, Option<PathBuf>) {
        (
            self.renderer,
            self.static_files,
            self.warnings,
            self.cache_dir,
        )
    }
}

/// Loads the configuration, templates and content, and builds the model,
/// for `gazette check`. Stops with every error found before anything is
/// rendered.
pub fn prepare(options: &BuildOptions) -> Result<Prepared, BuildFailure> {
    prepare_with(options, None, Purpose::Check, None)
}

/// What a run is for, which decides what it may write besides an output
/// folder.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// `gazette build`: makes the cache folder if it is missing, and keeps
    /// the articles' bodies in an unnamed file there while it runs (see
    /// `crate::packed`): on a large archive they are most of its memory.
    Build,
    /// `gazette check`, which writes nothing into the site: it uses the
    /// cache folder only if it is there already, and keeps the bodies in
    /// memory.
    Check,
    /// `gazette serve`: the cache as a build uses it, the bodies in memory
    /// (it renders any page at any time, and its memo keeps them anyway).
    Serve,
}

/// [`prepare`], reusing what `memo` kept from earlier builds and keeping
/// what this one loads (for `gazette serve`), for `purpose`.
pub(crate) fn prepare_with(
    options: &BuildOptions,
    memo: Option<&dyn BuildCache>,
    purpose: Purpose,
    look: Option<&Look>,
) -> Result<Prepared, BuildFailure> {
    let started = Instant::now();
    let root = &options.root;
    let mut diagnostics: Vec<Diagnostic> = Vec::new();

    let mut config = Config::load_with_base_url(root, options.base_url.as_deref())
        .map_err(BuildFailure::from)?;
    diagnostics.extend(std::mem::take(&mut config.warnings));
    let output_dir = match &options.output {
        Some(dir) => dir.clone(),
        None => display_path(root, &config.output),
    };
    if let Err(why) = check_output_dir(root, &output_dir) {
        diagnostics.push(Diagnostic::error(
            display_path(root, Path::new("site.toml")),
            why,
        ));
    }

    let templates = match Templates::load(root) {
        Ok(t) => Some(t),
        Err(errors) => {
            diagnostics.extend(errors);
            None
        }
    };
    let mut stages = Stages::new(started);
    stages.mark("config and templates");
    if let Some(memo) = memo {
        memo.use_config(&config);
    }
    let cache_dir = match &options.cache_dir {
        Some(dir) => Some(dir.clone()),
        None => match in_site_dir(root, &config.images.cache) {
            Ok(dir) => Some(dir),
            Err(why) => {
                diagnostics.push(Diagnostic::warning(
                    display_path(root, &config.images.cache),
                    format!("the image cache cannot be used ({why}): every photo is made anew"),
                ));
                None
            }
        },
    };
    let cache_dir = cache_dir.filter(|dir| {
        purpose != Purpose::Check || std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
    });
    // A site that already has errors will not be written: its bodies
    // need no file, and its first build makes no cache folder.
    let writes_cache = |diagnostics: &[Diagnostic]| {
        purpose == Purpose::Build && !diagnostics.iter().any(Diagnostic::is_error)
    };
    // Article files as loaded and bodies as rendered by the last build are
    // kept in the cache folder (see `crate::markdown_cache`). It is opened
    // before the load when it is there; a first build makes it after a
    // load without errors.
    let open_markdown_cache = |first: bool| {
        (cache_dir.as_deref())
            .filter(|dir| first || std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()))
            .and_then(|dir| crate::images::markdown_folder(dir).ok())
            .and_then(|folder| {
                MarkdownCache::open(&folder, crate::build_state::gazette_hash(), options.full)
            })
    };
    let mut markdown_cache = match writes_cache(&diagnostics) {
        true => open_markdown_cache(false),
        false => None,
    };
    let settings_digest = content::LoadSettings::of(&config).digest();
    let content = {
        let kept_loads = match (&markdown_cache, look) {
            (Some(cache), Some(look)) => Some(KeptLoads {
                root: Arc::from(root.as_path()),
                cache,
                look,
                settings_digest,
            }),
            _ => None,
        };
        let parse_cache = match memo {
            Some(memo) => Some(memo as &dyn content::ParseCache),
            None => kept_loads.as_ref().map(|k| k as &dyn content::ParseCache),
        };
        content::load(root, &config, parse_cache, &mut diagnostics)
    };
    let (data, data_problems) = crate::data::load(root, &config);
    diagnostics.extend(data_problems);
    // static/'s links and special files are reported with the rest of the
    // site's errors, not only once the pages have rendered.
    let (static_files, static_problems) = static_files(root);
    diagnostics.extend(static_problems);
    stages.mark("load content");
    let selection = Selection {
        drafts: options.drafts,
        future: options.future,
        now: options.now,
    };
    let writes_cache = writes_cache(&diagnostics);
    if !writes_cache {
        markdown_cache = None;
    } else if markdown_cache.is_none() {
        markdown_cache = open_markdown_cache(true);
    }
    if let Some(cache) = &markdown_cache {
        cache.keep_loads(&content, settings_digest);
    }
    let kept_bodies = (markdown_cache.as_ref()).filter(|_| MarkdownCache::keeps_bodies(&config));
    let spill = match kept_bodies {
        Some(cache) => Some(Arc::clone(cache.spill())),
        None => (cache_dir.as_deref())
            .filter(|_| writes_cache)
            .and_then(|dir| crate::images::spill_file(dir).ok())
            .map(Arc::new),
    };
    let Modelled { site, bodies } = Site::build(
        config,
        content,
        selection,
        memo.map(|m| m as &dyn crate::markdown::RenderCache),
        markdown_cache.as_ref(),
        spill.as_ref(),
        &mut diagnostics,
    );
    let mut site = site.with_data(data);
    site.favicon = Favicon::of(root, &static_files);
    let in_static = |name: &str| static_files.contains(&root.join("static").join(name));
    site.host_files = crate::feeds::hosting::GivenHostFiles {
        redirects: in_static("_redirects"),
        headers: in_static("_headers"),
        templates_break_csp: templates.as_ref().is_some_and(Templates::may_break_csp),
    };
    stages.mark("model and Markdown");
    let (copies, _) = asset_copies(root, &site, &static_files);
    let (images, unreadable) = Images::measure(&site.config.images, &copies, cache_dir.as_deref());
    diagnostics.extend(image_problems(root, &site, &images, &copies, &unreadable));
    site.images = Arc::new(images);
    stages.mark("measure photos");
    if let Some(templates) = &templates {
        diagnostics.extend(render::check_against_templates(&site, templates));
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        // Where the files that did load would collide is said now too, so
        // one run names every error (not one round of fixes per stage).
        if let Some(templates) = templates {
            let templates = Arc::new(templates);
            diagnostics.extend(collisions(root, site, templates, bodies, &static_files));
        }
        return Err(BuildFailure::from(diagnostics));
    }
    let Some(templates) = templates else {
        // Templates that failed to load left an error, returned above.
        return Err(BuildFailure::from(diagnostics));
    };
    let templates = Arc::new(templates);
    // A build renders the cards once it knows which files it renders
    // (`produce`).
    let renderer = match purpose {
        Purpose::Build => Renderer::without_cards(Arc::new(site), Arc::clone(&templates), bodies),
        Purpose::Check | Purpose::Serve => {
            Renderer::new(Arc::new(site), Arc::clone(&templates), bodies)
        }
    };
    let renderer = renderer.map_err(|e| {
        BuildFailure::from(vec![Diagnostic::error(
            templates.display(&e.template),
            e.message,
        )])
    })?;
    stages.mark("shared contexts");
    Ok(Prepared {
        output_dir,
        renderer,
        static_files,
        warnings: diagnostics,
        cache_dir,
        markdown_cache,
        images: ImageCounts::default(),
        started,
        stages,
    })
}

/// The problems [`plan_files`] finds in a site that has other errors: the
/// files that did load, planned as a build would.
fn collisions(
    root: &Path,
    site: Site,
    templates: Arc<Templates>,
    bodies: Vec<ArticleBody>,
    static_files: &[PathBuf],
) -> Vec<Diagnostic> {
    match Renderer::new(Arc::new(site), templates, bodies) {
        Ok(renderer) => (plan_files(root, &renderer, static_files))
            .err()
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// Renders every file of the site and copies static and bundle files into
/// `sink`. A file that none of `changes` touches is kept as the last build
/// made it, when the sink can vouch for it, and asks again for the photo
/// files it asked for then (`previous_asks`); with no changes given, every
/// file is rendered. Returns how many files were rendered, and what each
/// page asked of the photos, for the next build. Stops with every error
/// found.
pub(crate) fn produce(
    prepared: &mut Prepared,
    root: &Path,
    sink: &dyn Sink,
    changes: &[Change],
    previous_asks: Option<&PageAsks>,
    digests: Option<&HashMap<u64, PageDigest>>,
) -> Result<Produced, BuildFailure> {
    let Prepared {
        output_dir,
        renderer,
        static_files,
        stages,
        cache_dir,
        images: image_counts,
        warnings,
        ..
    } = prepared;
    let plan = plan_files(root, renderer, static_files).map_err(BuildFailure::from)?;
    stages.mark("plan files");
    // Which files are kept as they are, decided first, so that only the
    // cards of the files rendered are rendered. The plan's key is the
    // file's output path: it is not worked out again. A kept page's photo
    // files are asked for again (Some), or they would go.
    //
    // Each page's digest is kept for the next build (`digests` holds the
    // last build's): taken for every page when the build renders every
    // page, or keeps pages by their digests, or the templates (and so what
    // a digest reads) changed; else a kept page keeps its last digest.
    let restructured = (changes.iter()).any(|c| matches!(c, Change::Restructured { .. }));
    let digest_all = changes.is_empty()
        || restructured
        || (changes.iter()).any(|c| matches!(c, Change::Templates(_)));
    let take_digests = digests.is_some() && digest_all;
    if take_digests {
        renderer.digest_cards(None);
    }
    let mut decided: Vec<Decided> = {
        let renderer = &*renderer;
        let images = &renderer.site().images;
        (plan.pages.par_iter())
            .map_init(
                // A render thread's state, made only by a thread that
                // takes a digest.
                || None,
                |worker, (key, &job)| {
                    let last = digests.and_then(|d| d.get(&crate::build_state::page_key(key)));
                    // What the last build's digest says its page was made
                    // from is taken only after content files alone changed
                    // (see `PageDigest::made_from`).
                    let made_from = last.filter(|_| restructured);
                    let digest = take_digests
                        .then(|| {
                            let worker = worker.get_or_insert_with(|| renderer.worker());
                            renderer.digest(job, worker, made_from)
                        })
                        .flatten();
                    let unchanged = !changes.is_empty()
                        && match restructured {
                            true => {
                                digest.is_some_and(|d| Some(d.digest) == last.map(|l| l.digest))
                            }
                            false => changes.iter().all(|c| c.keeps(Some(job), renderer)),
                        }
                        && sink.keep(Path::new(key)).unwrap_or(false);
                    let digest = match (digest_all, unchanged) {
                        (true, _) => digest,
                        (false, true) => last.copied(),
                        // Taken below, once the cards it shows have theirs.
                        (false, false) => None,
                    };
                    let asked = (unchanged)
                        .then(|| images.ask_again(previous_asks, key))
                        .flatten();
                    Decided {
                        key,
                        job,
                        asked,
                        digest,
                    }
                },
            )
            .collect()
    };
    let to_render = (decided.iter()).filter(|d| d.asked.is_none());
    let cards = match changes.is_empty() {
        true => None,
        false => Some(render::cards_needed(
            renderer.site(),
            to_render.map(|d| d.job),
        )),
    };
    // A partial build that keeps pages by what changed takes the digests
    // of the pages it renders only, and of the cards those show.
    if digests.is_some() && !digest_all {
        renderer.digest_cards(cards.as_ref());
        let renderer = &*renderer;
        (decided.par_iter_mut())
            .filter(|d| d.asked.is_none())
            .for_each_init(
                || renderer.worker(),
                |worker, d| d.digest = renderer.digest(d.job, worker, None),
            );
    }
    let page_digests: HashMap<u64, PageDigest> = (decided.iter())
        .filter_map(|d| Some((crate::build_state::page_key(d.key), d.digest?)))
        .collect();
    renderer.render_cards(cards.as_ref()).map_err(|e| {
        let templates = renderer.templates();
        BuildFailure::from(vec![Diagnostic::error(
            templates.display(&e.template),
            e.message,
        )])
    })?;
    stages.mark(if changes.is_empty() {
        "cards"
    } else {
        "keep the unchanged files, render the others' cards"
    });
    let errors = Mutex::new(Vec::new());
    let rendered = AtomicUsize::new(0);
    let renderer = &*renderer;
    let images = &renderer.site().images;
    // Each page that asked for photo files, and those files; most pages
    // ask for none, and cost nothing here.
    let with_asks =
        |key: &String, asked: Vec<String>| (!asked.is_empty()).then(|| (key.clone(), asked));
    let asks: Vec<(String, Vec<String>)> = decided
        .into_par_iter()
        .map_init(
            || renderer.worker(),
            |worker,
             Decided {
                 key, job, asked, ..
             }| {
                if let Some(asked) = asked {
                    return with_asks(key, asked);
                }
                rendered.fetch_add(1, Ordering::Relaxed);
                let source = renderer.source_of(job);
                let (result, asked) = crate::images::asks_of(|| renderer.render(job, worker));
                let result = result.map_err(|e| renderer.diagnose(job, e));
                let result = result.and_then(|path| {
                    sink.write(&path, &worker.buffer, source.as_deref())
                        .map_err(|why| Diagnostic::error(&*output_dir, why))
                });
                if let Err(d) = result {
                    errors.lock().unwrap_or_else(|e| e.into_inner()).push(d);
                }
                with_asks(key, asked)
            },
        )
        .flatten()
        .collect();
    let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    stages.mark(if changes.is_empty() {
        "render pages"
    } else {
        "render the changed pages"
    });
    let asks = images.page_asks(asks);
    for (key, from) in images.asked_outputs() {
        if plan.pages.contains_key(&key) || plan.copies.contains_key(&key) {
            errors.push(Diagnostic::error(
                shown_source(root, &from),
                format!(
                    "{}: gazette makes it from this photo; rename the other file",
                    same_file(&key)
                ),
            ));
        }
    }
    if errors.is_empty() {
        let (counts, problems) = images.produce(root, cache_dir.as_deref(), sink);
        *image_counts = counts;
        for problem in problems {
            if problem.is_error() {
                errors.push(problem);
            } else {
                warnings.push(problem);
            }
        }
    }
    stages.mark("make photos");
    errors.extend(
        plan.copies
            .par_iter()
            .filter(|(_, (from, _))| !images.is_source(from))
            .filter_map(|(_, (from, to))| {
                sink.copy(from, to)
                    .err()
                    .map(|why| Diagnostic::error(shown_source(root, from), why))
            })
            .collect::<Vec<_>>(),
    );
    stages.mark("copy static files and bundles");
    if !errors.is_empty() {
        return Err(BuildFailure::from(once_per_template(errors)));
    }
    Ok(Produced {
        rendered: rendered.into_inner(),
        asks,
        page_digests,
    })
}

/// A planned page, decided: kept (with the photo files it asks for
/// again) or not (None: rendered), and its digest.
struct Decided<'p> {
    key: &'p String,
    job: Job,
    asked: Option<Vec<String>>,
    digest: Option<PageDigest>,
}

/// What [`produce`] did: how many files it rendered, what each page asked
/// of the photos, and each page's digest (by `build_state::page_key`;
/// empty when no digests were asked for).
pub(crate) struct Produced {
    pub(crate) rendered: usize,
    pub(crate) asks: PageAsks,
    pub(crate) page_digests: HashMap<u64, PageDigest>,
}

/// Render errors, sorted, with each template's error said once: one broken
/// template fails every page that uses it.
pub(crate) fn once_per_template(mut errors: Vec<Diagnostic>) -> Vec<Diagnostic> {
    errors.sort_by(|a, b| (&a.path, &a.message, &a.note).cmp(&(&b.path, &b.message, &b.note)));
    // The first page's note is kept, so the report is the same every run.
    errors.dedup_by(|a, b| a.path == b.path && a.message == b.message);
    errors
}

/// Where a build of `options` writes its output and keeps its cache,
/// from site.toml and the command line; None when site.toml does not load
/// (the build then reports why).
fn locations(options: &BuildOptions) -> Option<(PathBuf, Option<PathBuf>)> {
    let root = &options.root;
    let config = Config::load_with_base_url(root, options.base_url.as_deref()).ok()?;
    let output = match &options.output {
        Some(dir) => dir.clone(),
        None => display_path(root, &config.output),
    };
    let cache = match &options.cache_dir {
        Some(dir) => Some(dir.clone()),
        None => in_site_dir(root, &config.images.cache).ok(),
    };
    Some((output, cache))
}

/// Builds the site and writes it. When nothing it reads changed since the
/// last build (see [`crate::build_state`]) and the output is as that build
/// left it, nothing is loaded or written.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildFailure> {
    let started = Instant::now();
    let mut notes = Vec::new();
    // The output is checked beside the look at the inputs (both are a
    // stat of every file and folder: 437,000 at 100,000 articles), and
    // gives up once the look finds that the build has work to do. The
    // output's record, read for the check, goes on to the output's writer.
    let work_to_do = AtomicBool::new(options.full);
    let look = locations(options).map(|(output, cache)| {
        let (look, last) = rayon::join(
            || Look::take(options, &output, cache.as_deref(), &work_to_do),
            || {
                (!options.full).then(|| {
                    let last = LastRecord::read(&output);
                    let intact = last.intact_unless(&work_to_do);
                    (last, intact)
                })
            },
        );
        (output, look, last)
    });
    let (look, last_record) = match look {
        Some((output, look, Some((last, intact)))) => {
            match look.unchanged(options.now) {
                // The check gives up only when the look finds a change, so
                // it has answered here; if not, it is asked again in full.
                Ok(reported) => match intact.unwrap_or_else(|| last.intact()) {
                    Ok(files) if look.is_for(last.digest()) => {
                        return Ok(BuildReport::kept(&output, reported, files, started));
                    }
                    Ok(_) => notes.push(
                        "the build cache's state was not kept for this output folder: building everything"
                            .into(),
                    ),
                    Err(why) => notes.push(format!("{why}: building everything")),
                },
                Err(Stale::Note(note)) => notes.push(note),
                Err(Stale::InputsChanged(_) | Stale::NoState) => {}
            }
            (Some((output, look)), Some(last))
        }
        Some((output, look, None)) => (Some((output, look)), None),
        None => (None, None),
    };
    let mut prepared = prepare_with(
        options,
        None,
        Purpose::Build,
        look.as_ref().map(|(_, look)| look),
    )?;
    // The summary's time and the stages count from the start of this
    // build, the look at the inputs and the output included.
    let looked = prepared.started.saturating_duration_since(started);
    (prepared.stages.done).insert(0, ("look at the inputs and the output", looked, None));
    prepared.started = started;
    let output_dir = prepared.output_dir.clone();
    let output = Output::begin_after(&output_dir, last_record).map_err(|e| {
        BuildFailure::from(vec![Diagnostic::error(
            &output_dir,
            format!("cannot prepare the output folder: {e}"),
        )])
    })?;
    prepared.stages.mark("open the output folder");
    // What changed since the last build, when it leaves the site's
    // structure as it was: the other files are kept as they are.
    let changes = match &look {
        Some((_, look)) if !options.full => look.changes(
            options.now,
            prepared.site(),
            &options.root,
            crate::output::record_digest(&output_dir),
        ),
        _ => None,
    };
    if let Some(changes) = &changes {
        prepared.stages.mark("find what changed");
        let kept_search = look.as_ref().and_then(|(_, look)| look.search_files());
        if let Some(paths) = kept_search.filter(|_| crate::changes::search_unchanged(changes)) {
            prepared.renderer.reuse_search_paths(paths.to_vec());
        }
    }
    let previous_asks = match &look {
        Some((_, look)) if changes.is_some() => look.page_asks(),
        _ => None,
    };
    let no_digests = HashMap::new();
    let last_digests = match &look {
        Some((_, look)) if changes.is_some() => look.page_digests(),
        _ => None,
    };
    let Produced {
        rendered,
        asks,
        page_digests,
    } = produce(
        &mut prepared,
        &options.root,
        &output,
        changes.as_deref().unwrap_or_default(),
        previous_asks,
        Some(last_digests.unwrap_or(&no_digests)),
    )?;
    let rebuilt = changes.map(|changes| {
        let what: Vec<String> = changes.iter().map(Change::describe).collect();
        (rendered, what.join(", "))
    });
    // The state vouches for the output it was kept with: it goes before
    // the output changes, and comes back once the new one is in place.
    let look = look.map(|(_, look)| look);
    if let Some(look) = &look {
        look.forget();
    }
    // The Markdown cache's index is saved only once the output is swapped
    // in (reference.md, "The build cache"), beside the output's record.
    let markdown_cache = prepared.markdown_cache.take();
    let committed = output.commit_with(|| markdown_cache.map(MarkdownCache::save));
    prepared
        .stages
        .mark("remove stale files, swap, save the records");
    let (stats, kept_markdown) = committed.map_err(|e| {
        BuildFailure::from(vec![Diagnostic::error(
            &output_dir,
            format!("cannot swap the new output in: {e}"),
        )])
    })?;
    if let Some(Err(why)) = kept_markdown {
        prepared.warnings.push(Diagnostic::warning(
            prepared.cache_dir.as_deref().unwrap_or(&output_dir),
            format!("cannot keep the rendered Markdown in the cache folder: {why}"),
        ));
    }
    if let Some(dir) = &prepared.cache_dir {
        let note = (prepared.site().next_change.as_ref()).map(|next| {
            format!(
                "{} {} {}\n",
                next.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                next.file,
                next.what.verb()
            )
        });
        if let Err(why) =
            crate::images::keep_note(dir, crate::images::NEXT_CHANGE_NOTE, note.as_deref())
        {
            prepared.warnings.push(Diagnostic::warning(
                dir,
                format!("cannot note the next scheduled change in the cache folder: {why}"),
            ));
        }
    }
    let site = prepared.site();
    let reported = Reported {
        articles: site.articles.len(),
        pages: site.pages.len(),
        authors: site.authors.len(),
        files: stats.files,
        drafts_left_out: site.drafts_left_out,
        scheduled_left_out: site.scheduled_left_out,
        expired_left_out: site.expired_left_out,
        next_change: site.next_change.clone(),
        images: prepared.images,
        warnings: prepared.warnings.clone(),
    };
    // A state that cannot be kept only costs the next build its shortcut.
    if let Some(look) = look {
        let record = crate::output::record_digest(&prepared.output_dir);
        let search_files = prepared.renderer.search_paths();
        let _ = look.keep(
            site,
            reported.clone(),
            asks,
            search_files,
            page_digests,
            record,
        );
    }
    let report = BuildReport {
        output: output_dir,
        articles: reported.articles,
        pages: reported.pages,
        authors: reported.authors,
        files: stats.files,
        files_changed: stats.changed,
        files_removed: stats.removed,
        drafts_left_out: reported.drafts_left_out,
        scheduled_left_out: reported.scheduled_left_out,
        expired_left_out: reported.expired_left_out,
        next_change: reported.next_change,
        images: prepared.images,
        elapsed: prepared.started.elapsed(),
        stages: std::mem::take(&mut prepared.stages.done),
        warnings: reported.warnings,
        notes,
        nothing_changed: false,
        rebuilt,
    };
    // The model of a large archive is millions of allocations: they are
    // freed on a thread of their own, so that the summary does not wait
    // for them (0.3 s at 100,000 articles), and not at all when the
    // process ends first. Nothing in them acts on its drop but freeing.
    let _ = std::thread::Builder::new()
        .name("free the model".into())
        .spawn(move || drop(prepared));
    Ok(report)
}

impl BuildReport {
    /// The report of a build that found nothing changed and kept the
    /// output of the last one, with that build's figures and warnings.
    fn kept(output: &Path, reported: &Reported, files: usize, started: Instant) -> BuildReport {
        let reported = reported.clone();
        BuildReport {
            output: output.to_path_buf(),
            articles: reported.articles,
            pages: reported.pages,
            authors: reported.authors,
            files,
            files_changed: 0,
            files_removed: 0,
            drafts_left_out: reported.drafts_left_out,
            scheduled_left_out: reported.scheduled_left_out,
            expired_left_out: reported.expired_left_out,
            next_change: reported.next_change,
            images: ImageCounts::default(),
            elapsed: started.elapsed(),
            stages: vec![(
                "compare with the last build",
                started.elapsed(),
                peak_memory_kib(),
            )],
            warnings: reported.warnings,
            notes: Vec::new(),
            nothing_changed: true,
            rebuilt: None,
        }
    }
}

/// Whether a file or folder of static/ is copied. Hidden names are left
/// out (`.DS_Store`, `.git`), except `.well-known/`, which hosts read
/// (security.txt, app links). Names starting with `_` are copied, unlike in
/// content/: hosts read `_redirects` and `_headers` from the site root.
fn is_published_static(entry: &walkdir::DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy();
    !name.starts_with('.') || (name == ".well-known" && entry.depth() == 1)
}

/// Every file of static/ a build publishes (absolute paths, by name), and
/// the problems found: links out of the site, special files.
pub(crate) fn static_files(root: &Path) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    crate::sources::walk_site_dir(root, Path::new("static"), is_published_static)
}

/// Every file a build makes, each once: output path (as
/// `record_key` names it) → the job that renders it, or the file copied
/// there (source, relative output path).
pub struct FilePlan {
    pub pages: HashMap<String, Job>,
    pub copies: HashMap<String, (PathBuf, PathBuf)>,
}

/// Where every page and static or bundle file goes. Two of them at one
/// path is an error, placed at the content file of the page or at the
/// copied file; this is the one place that decides it, for the build,
/// `gazette check` and `gazette serve`.
pub(crate) fn plan_files(
    root: &Path,
    renderer: &Renderer,
    static_files: &[PathBuf],
) -> Result<FilePlan, Vec<Diagnostic>> {
    // Both sides' problems, so that one run names them all.
    let (pages, mut errors) = plan_pages(root, renderer);
    match plan_copies(root, renderer.site(), static_files, &pages) {
        Ok(copies) if errors.is_empty() => Ok(FilePlan { pages, copies }),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

fn same_file(key: &str) -> String {
    format!("two parts of the site write the same file {key}")
}

/// Output path → the job that renders it, for every page of the site that
/// has a path of its own, and the problems with the others. A collision is
/// named at the file that asked for the extra path: an alias before the
/// page or feed it shadows, a content file before a page gazette makes.
fn plan_pages(root: &Path, renderer: &Renderer) -> (HashMap<String, Job>, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let mut pages: HashMap<String, Job> = HashMap::new();
    let site_toml = || display_path(root, Path::new("site.toml"));
    // Paths are worked out in parallel (a large archive has hundreds of
    // thousands), then claimed in the jobs' stable order.
    let planned: Vec<_> = (renderer.jobs().into_par_iter())
        .map(|job| {
            let path = renderer.output_path(job).map(|path| {
                let key = record_key(&path);
                (path, key)
            });
            (job, path)
        })
        .collect();
    for (job, path) in planned {
        let (path, key) = match path {
            Ok(planned) => planned,
            Err(e) => {
                errors.push(renderer.diagnose(job, e));
                continue;
            }
        };
        let too_long = match path
            .components()
            .map(|c| c.as_os_str().len())
            .find(|len| *len > MAX_FILE_NAME_BYTES)
        {
            Some(long) => Some(format!(
                "the URL {key} has a segment of {long} bytes; file systems allow {MAX_FILE_NAME_BYTES}: shorten it"
            )),
            None if key.len() > MAX_OUTPUT_PATH_BYTES => Some(format!(
                "the URL {}… is {} bytes long; gazette writes paths of at most {MAX_OUTPUT_PATH_BYTES} bytes (systems refuse longer ones): shorten it",
                key.chars().take(40).collect::<String>(),
                key.len()
            )),
            None => None,
        };
        if let Some(message) = too_long {
            errors.push(
                renderer
                    .diagnose_at_source(job, message.clone())
                    .unwrap_or_else(|| {
                        Diagnostic::error(site_toml(), format!("{message} (check `permalink`)"))
                    }),
            );
            continue;
        }
        let Some(&existing) = pages.get(&key) else {
            pages.insert(key, job);
            continue;
        };
        // Blame the alias, else the job with a content file, else this one.
        let is_alias = |job| matches!(job, Job::Alias { .. } | Job::PageAlias { .. });
        let blame_existing = !is_alias(job)
            && (is_alias(existing)
                || (renderer.source_of(job).is_none() && renderer.source_of(existing).is_some()));
        let (blamed, other) = if blame_existing {
            (existing, job)
        } else {
            (job, existing)
        };
        let other = renderer.source_of(other).map_or_else(
            || "a page gazette makes (a list, feed or index)".to_string(),
            |p| p.display().to_string(),
        );
        let message = format!("{} (also written by {other})", same_file(&key));
        errors.push(
            renderer
                .diagnose_at_source(blamed, message.clone())
                .unwrap_or_else(|| Diagnostic::error(site_toml(), message)),
        );
    }
    (pages, errors)
}

/// The longest file or folder name most file systems allow, in bytes.
const MAX_FILE_NAME_BYTES: usize = 255;

/// The longest output path (below the output folder) a build writes: the
/// system's limit is 4,096 bytes for the whole path, output folder included.
const MAX_OUTPUT_PATH_BYTES: usize = 3_000;

/// Output path → (source, relative output path) for every static and
/// bundle file; none may land where a page of `pages` or another file does.
pub(crate) fn plan_copies(
    root: &Path,
    site: &Site,
    static_files: &[PathBuf],
    pages: &HashMap<String, Job>,
) -> Result<HashMap<String, (PathBuf, PathBuf)>, Vec<Diagnostic>> {
    let (copy_list, mut errors) = asset_copies(root, site, static_files);
    let mut copies = HashMap::new();
    for (from, to) in copy_list {
        let key = record_key(&to);
        if pages.contains_key(&key) || copies.contains_key(&key) {
            errors.push(Diagnostic::error(
                shown_source(root, &from),
                same_file(&key),
            ));
        } else {
            copies.insert(key, (from, to));
        }
    }
    if errors.is_empty() {
        Ok(copies)
    } else {
        Err(errors)
    }
}

/// A copied file as diagnostics show it: under the root as the user named it.
fn shown_source(root: &Path, from: &Path) -> PathBuf {
    display_path(root, from.strip_prefix(root).unwrap_or(from))
}

/// The files static/ and the bundles give the output: (source file, output
/// path). Returns the problems found beside them.
fn asset_copies(
    root: &Path,
    site: &Site,
    static_files: &[PathBuf],
) -> (Vec<(PathBuf, PathBuf)>, Vec<Diagnostic>) {
    let static_dir = root.join("static");
    let mut copies: Vec<(PathBuf, PathBuf)> = (static_files.iter())
        .map(|file| {
            let rel = file.strip_prefix(&static_dir).unwrap_or(file);
            (file.clone(), rel.to_path_buf())
        })
        .collect();
    let mut errors = Vec::new();
    let bundles = site
        .articles
        .iter()
        .map(|a| (&a.path, &a.doc.bundle))
        .chain(site.pages.iter().map(|p| (&p.path, &p.doc.bundle)));
    for (path, bundle) in bundles {
        let Some(bundle) = bundle else { continue };
        // The page's folder: `/a/b/` → `a/b`, `/a/b.html` → `a`.
        let page_dir = match file_for_site_path(path) {
            Ok(file) => file.parent().map(Path::to_path_buf).unwrap_or_default(),
            Err(_) => continue,
        };
        for asset in &bundle.assets {
            let text = asset.to_string_lossy().replace('\\', "/");
            match safe_relative(&text) {
                Ok(rel) => copies.push((root.join(&bundle.dir).join(asset), page_dir.join(rel))),
                Err(why) => errors.push(Diagnostic::error(
                    display_path(root, &bundle.dir.join(asset)),
                    why,
                )),
            }
        }
    }
    (copies, errors)
}

/// `relative` under `root`, when no folder on the way is a symbolic
/// link: a folder the site names (which a pull request can change) must
/// not lead gazette's writes out of the site.
fn in_site_dir(root: &Path, relative: &Path) -> Result<PathBuf, String> {
    let mut path = root.to_path_buf();
    for part in relative.components() {
        path.push(part);
        if let Ok(meta) = std::fs::symlink_metadata(&path)
            && meta.file_type().is_symlink()
        {
            return Err(format!(
                "{} is a symbolic link; gazette writes only into folders it made",
                display_path(root, path.strip_prefix(root).unwrap_or(&path)).display()
            ));
        }
    }
    Ok(path)
}

/// The smallest publisher logo, each way, in pixels: Google's minimum
/// for an Organization's logo.
const PUBLISHER_LOGO_MIN: u32 = 112;

/// An error at `key` of site.toml (in table `section`), found by reading
/// the file again: only the rare check after the model needs it.
fn site_toml_error(root: &Path, section: Option<&str>, key: &str, message: String) -> Diagnostic {
    let display = display_path(root, Path::new("site.toml"));
    let source = std::fs::read_to_string(root.join("site.toml")).unwrap_or_default();
    let diagnostic = Diagnostic::error(display, message);
    match crate::strict::find_key_line(&source, section, key) {
        Some(line) => diagnostic.at(&source, line, 1),
        None => diagnostic,
    }
}

/// The photos the site cannot publish, each named at the line that uses
/// it (an article's `image`, a Markdown image, a figure's `src`), else at
/// the file itself; and the references to files of the site that do not
/// exist. URLs of other sites are not looked at.
fn image_problems(
    root: &Path,
    site: &Site,
    images: &Images,
    copies: &[(PathBuf, PathBuf)],
    unreadable: &[crate::images::Unreadable],
) -> Vec<Diagnostic> {
    use crate::shortcode::{Call, IMAGE_CALL};
    let config = &site.config;
    let published: std::collections::HashSet<String> = (copies.iter())
        .map(|(_, to)| format!("/{}", record_key(to)))
        .collect();
    let mut used = vec![false; unreadable.len()];
    // What is wrong with `reference` on the page at `page_url`, if anything.
    let mut problem = |page_url: &str, reference: &str| -> Option<String> {
        if images.find(config, page_url, reference).is_some() {
            return None;
        }
        let site_path = crate::images::site_path_of(config, page_url, reference)?;
        if let Some(n) = unreadable.iter().position(|u| u.site_path == site_path) {
            used[n] = true;
            let file = shown_source(root, &unreadable[n].file);
            return Some(format!("{} {}", file.display(), unreadable[n].why));
        }
        if published.contains(&site_path) {
            return None;
        }
        let place = if reference == site_path {
            format!("no file is published at {site_path}")
        } else {
            format!("{reference:?} is {site_path} on the site, where no file is published")
        };
        Some(format!(
            "{place}: put the photo beside the article (in its bundle folder) or under static/, or give a full https:// URL"
        ))
    };
    let src_of = |call: &Call| -> Option<String> {
        let photo = call.name == IMAGE_CALL || call.name == "figure";
        photo.then(|| call.src().map(str::to_string)).flatten()
    };
    let mut errors = Vec::new();
    for article in &site.articles {
        let source = &article.doc.source;
        if let Some(reference) = article.doc.meta.image.as_deref()
            && let Some(why) = problem(&article.url, reference)
        {
            errors.push(source.error_at_key("image", format!("`image`: {why}")));
        }
        let in_bodies: Vec<Call> = (article.shortcodes.iter())
            .flat_map(crate::markdown::images_in_body)
            .collect();
        for call in article.shortcodes.iter().chain(&in_bodies) {
            if let Some(src) = src_of(call)
                && let Some(why) = problem(&article.url, &src)
            {
                errors.push(crate::render::shortcodes::at_call(
                    &source.display,
                    call,
                    why,
                ));
            }
        }
    }
    for author in &site.authors {
        if let Some(reference) = author.doc.meta.avatar.as_deref()
            && let Some(why) = problem(&author.url, reference)
        {
            let source = &author.doc.source;
            errors.push(source.error_at_key("avatar", format!("`avatar`: {why}")));
        }
    }
    for page in &site.pages {
        let in_bodies: Vec<Call> = (page.rendered.shortcodes.iter())
            .flat_map(crate::markdown::images_in_body)
            .collect();
        for call in page.rendered.shortcodes.iter().chain(&in_bodies) {
            if let Some(src) = src_of(call)
                && let Some(why) = problem(&page.url, &src)
            {
                let display = &page.doc.source.display;
                errors.push(crate::render::shortcodes::at_call(display, call, why));
            }
        }
    }
    let front = config.url(crate::paths::FRONT);
    if let Some(logo) = config.publisher.logo.as_deref() {
        let small = |i: usize| {
            let (width, height) = images.size(i);
            let least = PUBLISHER_LOGO_MIN;
            (width < least || height < least).then(|| {
                format!("the logo is {width}×{height} pixels; search engines ask for at least {least}×{least}: give a larger one")
            })
        };
        let why = match images.find(config, &front, logo) {
            Some(i) => small(i),
            None => problem(&front, logo),
        };
        if let Some(why) = why {
            let message = format!("`publisher.logo`: {why}");
            errors.push(site_toml_error(root, Some("publisher"), "logo", message));
        }
    }
    for (u, used) in unreadable.iter().zip(used) {
        if !used {
            errors.push(Diagnostic::error(shown_source(root, &u.file), &u.why));
        }
    }
    errors
}

/// Refuses an output folder that would swallow the site itself.
fn check_output_dir(root: &Path, output: &Path) -> Result<(), String> {
    let absolute = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        // Resolve what exists, keep the rest as written.
        let mut existing = p.clone();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.file_name(), existing.parent()) {
                (Some(name), Some(parent)) => {
                    rest.push(name.to_os_string());
                    existing = parent.to_path_buf();
                }
                _ => break,
            }
        }
        let mut resolved = existing.canonicalize().unwrap_or(existing);
        for part in rest.iter().rev() {
            if part == ".." {
                resolved.pop();
            } else if part != "." {
                resolved.push(part);
            }
        }
        resolved
    };
    let root = absolute(root);
    let output = absolute(output);
    if root.starts_with(&output) {
        return Err(format!(
            "the output folder {} holds the site itself: choose a folder inside or beside it, such as `public`",
            output.display()
        ));
    }
    for source in ["content", "templates", "static"] {
        if output.starts_with(root.join(source)) {
            return Err(format!(
                "the output folder {} is inside {source}/: choose a folder outside the site's sources",
                output.display()
            ));
        }
    }
    Ok(())
}
