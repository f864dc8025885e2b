//! One build as `gazette serve` holds it: the model, templates and
//! renderer, the files they make (rendered when first asked for, then kept),
//! and how the next one is made from it after a save, when the save
//! allows (see [`Change`]).

use super::memo::Memo;
use crate::build::{self, BuildOptions};
pub(super) use crate::changes::Change;
use crate::content;
use crate::diagnostics::Diagnostic;
use crate::output::record_key;
use crate::render::{self, Job, Renderer, Templates};
use crate::site::Favicon;
use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// One successful build, served: each page is rendered the first time it
/// is asked for (or by the check that runs after every build) and kept, so
/// a save reaches an open tab after the model is rebuilt, not after every
/// page of the archive is.
pub struct Snapshot {
    /// Shared with the snapshot after a save of static files only.
    /// The model, templates and bodies, all shared.
    renderer: Arc<Renderer>,
    /// Output path (`a/b/index.html`) → the job that renders it.
    jobs: Arc<HashMap<String, Job>>,
    /// Output path → the static or bundle file copied there.
    assets: Arc<HashMap<String, PathBuf>>,
    /// Each published article's file (relative to the root) → its index.
    articles: Arc<HashMap<PathBuf, usize>>,
    rendered: Mutex<HashMap<String, Arc<[u8]>>>,
    /// Where made photos are cached.
    cache_dir: Option<Arc<PathBuf>>,
}

/// A file of the site as served: a rendered page, kept in memory, or a
/// static or bundle file, streamed from disk for each request (a video of
/// hundreds of megabytes is never held in memory).
#[derive(Debug, Clone)]
pub enum Served {
    Page(Arc<[u8]>),
    File(PathBuf),
}

/// A snapshot made from the one before, and what the save changed.
pub(super) struct Patched {
    pub(super) snapshot: Snapshot,
    pub(super) change: Change,
}

impl Snapshot {
    /// Renders the file of `job` ahead of its request. A failure is left
    /// for the request, or the check, to report.
    pub(super) fn render_ahead(&self, job: Job) {
        let path = self.renderer.output_path(job).ok();
        if let Some(path) = path {
            let _ = self.get(&record_key(&path));
        }
    }

    /// An output file: a page, rendered now if it was not yet, or the
    /// file a static or bundle file is copied from; None if the site has no
    /// such file.
    pub fn get(&self, key: &str) -> Result<Option<Served>, Diagnostic> {
        // A photo's sizes, and its original cleaned of camera metadata,
        // are made when a tab asks for them.
        let images = &self.renderer.site().images;
        if let Some(made) = images.make_one(key, self.cache_dir.as_deref().map(PathBuf::as_path)) {
            return made
                .map(|bytes| Some(Served::Page(Arc::from(bytes))))
                .map_err(|why| Diagnostic::error(key, why));
        }
        if let Some(source) = self.assets.get(key) {
            return match fs::metadata(source) {
                Ok(meta) if meta.is_file() => Ok(Some(Served::File(source.clone()))),
                Ok(_) => Err(Diagnostic::error(source, "is no longer a regular file")),
                Err(e) => Err(Diagnostic::error(source, format!("cannot read: {e}"))),
            };
        }
        self.page(key).map(|page| page.map(Served::Page))
    }

    /// The bytes of a page, rendered now if they were not yet.
    fn page(&self, key: &str) -> Result<Option<Arc<[u8]>>, Diagnostic> {
        if let Some(bytes) = self
            .rendered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            return Ok(Some(bytes.clone()));
        }
        let Some(&job) = self.jobs.get(key) else {
            return Ok(None);
        };
        let bytes: Arc<[u8]> = Arc::from(self.render(job)?);
        self.rendered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string(), bytes.clone());
        Ok(Some(bytes))
    }

    fn render(&self, job: Job) -> Result<Vec<u8>, Diagnostic> {
        let renderer = &self.renderer;
        let mut worker = renderer.worker();
        match renderer.render(job, &mut worker) {
            Ok(_) => Ok(worker.buffer),
            Err(e) => Err(renderer.diagnose(job, e)),
        }
    }

    /// Renders every page, as `gazette build` would, and keeps them: the
    /// check that the build is good, after its pages began to be served.
    /// Stops early, as good, when `superseded` turns true: a newer save
    /// waits, and its build will check everything again. Runs on the
    /// [`check_threads`].
    pub(super) fn render_all(
        &self,
        superseded: &(dyn Fn() -> bool + Sync),
    ) -> Result<(), Vec<Diagnostic>> {
        let keys: Vec<&String> = self.jobs.keys().chain(self.assets.keys()).collect();
        let check = || {
            keys.par_iter()
                .filter_map(|key| {
                    if superseded() {
                        return None;
                    }
                    self.get(key).err()
                })
                .collect::<Vec<Diagnostic>>()
        };
        let errors = match check_threads() {
            Some(threads) => threads.install(check),
            None => check(),
        };
        if errors.is_empty() {
            Ok(())
        } else {
            Err(build::once_per_template(errors))
        }
    }

    pub fn len(&self) -> usize {
        self.jobs.len() + self.assets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The snapshot after a save of the files `changed`, made from this
    /// one when the change allows: see [`Change`]. None when the whole site
    /// must be built again, which also words any error.
    pub(super) fn patched(&self, root: &Path, changed: &[PathBuf]) -> Option<Patched> {
        // An editor's temporary file (`x.md___jb_tmp___`), already renamed
        // over the article or deleted, was never part of the site.
        let not_markdown = |p: &PathBuf| p.extension().is_none_or(|e| e != "md");
        // A bundle's image, say: known to be copied as it is.
        let copied =
            |p: &PathBuf| not_markdown(p) && self.assets.values().any(|from| *from == root.join(p));
        let changed: Vec<PathBuf> = changed
            .iter()
            .filter(|p| {
                let temporary = p.starts_with("content")
                    && not_markdown(p)
                    && !root.join(p).exists()
                    && !copied(p);
                !temporary
            })
            .cloned()
            .collect();
        let changed = changed.as_slice();
        let all = |test: &dyn Fn(&PathBuf) -> bool| !changed.is_empty() && changed.iter().all(test);
        if all(&|p| p.starts_with("static") || copied(p)) {
            self.with_files_saved(root)
        } else if all(&|p| p.starts_with("templates")) {
            self.with_templates_saved(root)
        } else {
            self.with_article_saved(root, changed)
        }
    }

    /// A snapshot of the same pages as this one, made by `renderer`, with
    /// nothing rendered yet.
    fn successor(
        &self,
        renderer: Arc<Renderer>,
        assets: Arc<HashMap<String, PathBuf>>,
    ) -> Snapshot {
        Snapshot {
            renderer,
            jobs: self.jobs.clone(),
            assets,
            articles: self.articles.clone(),
            rendered: Mutex::new(HashMap::new()),
            cache_dir: self.cache_dir.clone(),
        }
    }

    /// After a save of files copied as they are: the same pages, with the
    /// static files found again (one may have been added or removed).
    fn with_files_saved(&self, root: &Path) -> Option<Patched> {
        // The pages are those of this snapshot: only the copies are new.
        // A problem in static/ is worded by the whole build that follows.
        let (static_files, problems) = build::static_files(root);
        if !problems.is_empty() {
            return None;
        }
        let site = self.renderer.site();
        // A new or removed static icon changes every page's <link rel=icon>.
        if Favicon::of(root, &static_files) != site.favicon {
            return None;
        }
        let copies = build::plan_copies(root, site, &static_files, &self.jobs).ok()?;
        Some(Patched {
            snapshot: self.successor(self.renderer.clone(), Arc::new(sources(copies))),
            change: Change::Files,
        })
    }

    /// After a save under templates/: the same model with the templates
    /// loaded again; the pages made with a changed one are rendered again.
    fn with_templates_saved(&self, root: &Path) -> Option<Patched> {
        let templates = Templates::load(root).ok()?;
        let changed = templates.changed_since(self.renderer.templates());
        if !render::check_against_templates(self.renderer.site(), &templates).is_empty() {
            return None;
        }
        let renderer = (self.renderer)
            .with_templates_replaced(Arc::new(templates), &changed)
            .ok()?;
        Some(Patched {
            snapshot: self.successor(Arc::new(renderer), self.assets.clone()),
            change: Change::Templates(changed),
        })
    }

    /// After a save of one published article whose place in the site
    /// (URL, date, section, tags, bylines) stays: the article is loaded and
    /// rendered again, its card remade, and everything else shared. None
    /// otherwise, or on any problem: the whole site is then built again,
    /// which words the errors.
    fn with_article_saved(&self, root: &Path, changed: &[PathBuf]) -> Option<Patched> {
        let [relative] = changed else {
            return None;
        };
        let &i = self.articles.get(relative)?;
        let site = self.renderer.site();
        let old = &site.articles[i];
        let doc =
            content::load_article(root, &site.config, relative, old.doc.bundle.clone()).ok()?;
        let (site, body) = super::patch::with_article_replaced(site, i, doc)?;
        // A new shortcode call is checked as a whole build would; a bad
        // one is worded by that build.
        if !render::check_against_templates(&site, self.renderer.templates()).is_empty() {
            return None;
        }
        let renderer = (self.renderer)
            .with_article_replaced(Arc::new(site), i, body)
            .ok()?;
        // New or gone words can add or remove files of the split search
        // index: its files are planned again.
        let mut jobs: HashMap<String, Job> = (self.jobs.iter())
            .filter(|(_, job)| !matches!(job, Job::SearchPart(_)))
            .map(|(key, &job)| (key.clone(), job))
            .collect();
        for job in renderer.search_jobs() {
            jobs.insert(record_key(&renderer.output_path(job).ok()?), job);
        }
        let mut snapshot = self.successor(Arc::new(renderer), self.assets.clone());
        snapshot.jobs = Arc::new(jobs);
        Some(Patched {
            snapshot,
            change: Change::Articles {
                changed: BTreeSet::from([i]),
                // The search files were planned again from the new model.
                search_kept: false,
            },
        })
    }

    /// Keeps the files of `previous` that `change` leaves as they were, so
    /// the check after a save renders only the others: after an article's
    /// save, its own page, the lists and feeds it is on and the pages it is
    /// related from. Returns how many files it kept.
    pub(super) fn keep_unchanged_from(&self, previous: &Snapshot, change: &Change) -> usize {
        let kept: Vec<(String, Arc<[u8]>)> = {
            let before = previous.rendered.lock().unwrap_or_else(|e| e.into_inner());
            (before.iter())
                .filter(|(key, _)| change.keeps(self.jobs.get(*key).copied(), &self.renderer))
                .map(|(key, bytes)| (key.clone(), bytes.clone()))
                .collect()
        };
        // Static and bundle files are read from disk at each request: after
        // any change but a save of them, they are as they were.
        let files_kept = match change {
            Change::Files => 0,
            Change::Articles { .. } | Change::Templates(_) | Change::Restructured { .. } => {
                self.assets.len()
            }
        };
        let count = kept.len() + files_kept;
        let mut rendered = self.rendered.lock().unwrap_or_else(|e| e.into_inner());
        for (key, bytes) in kept {
            rendered.entry(key).or_insert(bytes);
        }
        count
    }
}

/// The threads that render every page after a build, as its check. They
/// run at the lowest priority: the browser reloading the page just saved,
/// the pages it asks for and the next save's build get the processor first.
/// None if they cannot be started; the check then shares the build's.
fn check_threads() -> Option<&'static rayon::ThreadPool> {
    static THREADS: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    THREADS
        .get_or_init(|| {
            rayon::ThreadPoolBuilder::new()
                .thread_name(|i| format!("gazette-check-{i}"))
                .start_handler(|_| lower_this_threads_priority())
                .build()
                .ok()
        })
        .as_ref()
}

#[cfg(target_os = "linux")]
fn lower_this_threads_priority() {
    // On Linux the nice value belongs to each thread, so this lowers the
    // calling one alone. A failure leaves it as it was, which is harmless.
    // SAFETY: neither call takes a pointer; both only read or set the
    // calling thread's own attributes.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19);
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() {}

/// Loads and models the site, and prepares to render it: everything but
/// the rendering of its pages.
pub(crate) fn build_snapshot(
    options: &BuildOptions,
    memo: &Memo,
) -> Result<(Snapshot, Vec<Diagnostic>), Vec<Diagnostic>> {
    let prepared = build::prepare_with(options, Some(memo), build::Purpose::Serve, None)
        .map_err(|f| f.diagnostics)?;
    let (mut renderer, static_files, warnings, cache_dir) = prepared.into_parts();
    // Pages are rendered when asked for, again after each save.
    renderer.keep_all_bodies();
    let articles = (renderer.site().articles.iter().enumerate())
        .map(|(i, a)| (a.doc.source.relative.clone(), i))
        .collect();
    let plan = build::plan_files(&options.root, &renderer, &static_files)?;
    let snapshot = Snapshot {
        renderer: Arc::new(renderer),
        jobs: Arc::new(plan.pages),
        assets: Arc::new(sources(plan.copies)),
        articles: Arc::new(articles),
        rendered: Mutex::new(HashMap::new()),
        cache_dir: cache_dir.map(Arc::new),
    };
    Ok((snapshot, warnings))
}

/// Output path → the static or bundle file copied there.
fn sources(copies: HashMap<String, (PathBuf, PathBuf)>) -> HashMap<String, PathBuf> {
    copies
        .into_iter()
        .map(|(key, (from, _))| (key, from))
        .collect()
}
