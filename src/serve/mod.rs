//! `gazette serve`: builds the site into memory, serves it over HTTP on the
//! local address, rebuilds on every save and tells open tabs to reload.
//!
//! The served site is a snapshot of one build (its model, templates and
//! renderer), swapped whole after each successful build, so a reader never
//! sees half a rebuild and a failed build leaves the last good site in
//! place (with the error shown over it). Pages are rendered when asked for,
//! then all of them in the background as the build's check. A save of one
//! article that keeps its place in the site is patched into the last
//! build instead of building everything again: only the article is loaded
//! and rendered, and only the pages that show it are rendered again. Any
//! other save builds the whole site in memory again, reusing the files and
//! Markdown that did not change (see [`crate::memo`]). Nothing is
//! written to the output folder: a preview built for
//! `http://127.0.0.1:1111/` can never be deployed by mistake.

mod http;
mod watch;

use crate::build::{self, BuildOptions};
use crate::content;
use crate::diagnostics::Diagnostic;
use crate::memo::Memo;
use crate::output::record_key;
use crate::render::{Job, Renderer, Templates};
use crate::site::Site;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// What `gazette serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub build: BuildOptions,
    pub bind: IpAddr,
    pub port: u16,
}

self_cell::self_cell!(
    /// The model and templates of one build, and the renderer borrowing them.
    struct RendererCell {
        owner: (Site, Arc<Templates>),
        #[covariant]
        dependent: Renderer,
    }
);

/// One successful build, served: each page is rendered the first time it
/// is asked for (or by the check that runs after every build) and kept, so
/// a save reaches an open tab after the model is rebuilt, not after every
/// page of the archive is.
pub struct Snapshot {
    /// Shared with the snapshot after a save of static files only.
    renderer: Arc<RendererCell>,
    /// Output path (`a/b/index.html`) → the job that renders it.
    jobs: Arc<HashMap<String, Job>>,
    /// Output path → the static or bundle file copied there.
    assets: Arc<HashMap<String, PathBuf>>,
    /// Each published article's file (relative to the root) → its index.
    articles: Arc<HashMap<PathBuf, usize>>,
    rendered: Mutex<HashMap<String, Arc<[u8]>>>,
}

/// A snapshot made from the one before, and what the save changed.
struct Patched {
    snapshot: Snapshot,
    change: Change,
}

/// What a save changed, when it could be patched into the last build.
#[derive(Debug, Clone)]
enum Change {
    /// The one article (an index into `Site::articles`), in place.
    Article(usize),
    /// Static files, or files of article bundles, copied as they are.
    Files,
    /// Files under templates/ only: the templates whose text changed.
    Templates(BTreeSet<String>),
}

impl Change {
    /// Whether the file at an output path, made by `job` (None for a
    /// static or bundle file), is as it was before this change.
    fn keeps(&self, job: Option<Job>, renderer: &Renderer) -> bool {
        match (self, job) {
            (&Change::Article(i), Some(job)) => !renderer.may_show(job, i),
            (Change::Files, job) => job.is_some(),
            (Change::Templates(changed), Some(job)) => !renderer.may_use_templates(job, changed),
            (Change::Article(_) | Change::Templates(_), None) => true,
        }
    }
}

impl Snapshot {
    /// Renders the file of `job` ahead of its request. A failure is left
    /// for the request, or the check, to report.
    fn render_ahead(&self, job: Job) {
        let path = self.renderer.with_dependent(|_, r| r.output_path(job).ok());
        if let Some(path) = path {
            let _ = self.get(&record_key(&path));
        }
    }

    /// The bytes of an output file, rendered now if they were not yet;
    /// None if the site has no such file.
    pub fn get(&self, key: &str) -> Result<Option<Arc<[u8]>>, Diagnostic> {
        if let Some(bytes) = self
            .rendered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            return Ok(Some(bytes.clone()));
        }
        let bytes: Arc<[u8]> = if let Some(&job) = self.jobs.get(key) {
            Arc::from(self.render(job)?)
        } else if let Some(source) = self.assets.get(key) {
            Arc::from(
                fs::read(source)
                    .map_err(|e| Diagnostic::error(source, format!("cannot read: {e}")))?,
            )
        } else {
            return Ok(None);
        };
        self.rendered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string(), bytes.clone());
        Ok(Some(bytes))
    }

    fn render(&self, job: Job) -> Result<Vec<u8>, Diagnostic> {
        self.renderer.with_dependent(|_, renderer| {
            let mut worker = renderer.worker();
            match renderer.render(job, &mut worker) {
                Ok(_) => Ok(worker.buffer),
                Err(e) => Err(renderer.diagnose(job, e)),
            }
        })
    }

    /// Renders every page, as `gazette build` would, and keeps them: the
    /// check that the build is good, after its pages began to be served.
    /// Stops early, as good, when `superseded` turns true: a newer save
    /// waits, and its build will check everything again. Runs on the
    /// [`check_threads`].
    fn render_all(&self, superseded: &(dyn Fn() -> bool + Sync)) -> Result<(), Vec<Diagnostic>> {
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

    /// The snapshot after a save of the files `changed`, made from this
    /// one when the change allows: see [`Change`]. None when the whole site
    /// must be built again, which also words any error.
    fn patched(&self, root: &Path, changed: &[PathBuf]) -> Option<Patched> {
        // An editor's temporary file (`x.md___jb_tmp___`), already renamed
        // over the article or deleted, was never part of the site.
        let changed: Vec<PathBuf> = changed
            .iter()
            .filter(|p| {
                let temporary = p.starts_with("content")
                    && p.extension().is_none_or(|e| e != "md")
                    && !root.join(p).exists()
                    && !self.assets.values().any(|from| *from == root.join(p));
                !temporary
            })
            .cloned()
            .collect();
        let changed = changed.as_slice();
        let all = |test: &dyn Fn(&PathBuf) -> bool| !changed.is_empty() && changed.iter().all(test);
        // A bundle's image, say, saved again: known to be copied as it is.
        let copied = |p: &PathBuf| {
            p.extension().is_none_or(|e| e != "md")
                && self.assets.values().any(|from| *from == root.join(p))
        };
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
        renderer: Arc<RendererCell>,
        assets: Arc<HashMap<String, PathBuf>>,
    ) -> Snapshot {
        Snapshot {
            renderer,
            jobs: self.jobs.clone(),
            assets,
            articles: self.articles.clone(),
            rendered: Mutex::new(HashMap::new()),
        }
    }

    /// After a save of files copied as they are: the same pages, with the
    /// static files found again (one may have been added or removed).
    fn with_files_saved(&self, root: &Path) -> Option<Patched> {
        let assets = self.renderer.with_dependent(|(site, _), _| {
            let (copies, errors) = build::asset_copies(root, site);
            errors.is_empty().then_some(())?;
            plan_assets(&self.jobs, copies).ok()
        })?;
        Some(Patched {
            snapshot: self.successor(self.renderer.clone(), Arc::new(assets)),
            change: Change::Files,
        })
    }

    /// After a save under templates/: the same model with the templates
    /// loaded again; the pages made with a changed one are rendered again.
    fn with_templates_saved(&self, root: &Path) -> Option<Patched> {
        self.renderer.with_dependent(|(site, before), renderer| {
            let templates = Templates::load(root).ok()?;
            let changed = templates.changed_since(before);
            if !crate::render::check_template_names(site, &templates).is_empty() {
                return None;
            }
            let renderer =
                RendererCell::try_new((site.clone(), Arc::new(templates)), |(site, templates)| {
                    Renderer::with_templates_replaced(site, templates, renderer, &changed)
                })
                .ok()?;
            Some(Patched {
                snapshot: self.successor(Arc::new(renderer), self.assets.clone()),
                change: Change::Templates(changed),
            })
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
        self.renderer.with_dependent(|(site, templates), renderer| {
            let old = &site.articles[i];
            let doc =
                content::load_article(root, &site.config, relative, old.doc.bundle.clone()).ok()?;
            let (site, body) = site.with_article_replaced(i, doc)?;
            let renderer = RendererCell::try_new((site, templates.clone()), |(site, templates)| {
                Renderer::with_article_replaced(site, templates, renderer, i, body)
            })
            .ok()?;
            Some(Patched {
                snapshot: self.successor(Arc::new(renderer), self.assets.clone()),
                change: Change::Article(i),
            })
        })
    }

    /// Keeps the files of `previous` that `change` leaves as they were, so
    /// the check after a save renders only the others: after an article's
    /// save, its own page, the lists and feeds it is on and the pages it is
    /// related from. Returns how many files it kept.
    fn keep_unchanged_from(&self, previous: &Snapshot, change: &Change) -> usize {
        let kept: Vec<(String, Arc<[u8]>)> = self.renderer.with_dependent(|_, renderer| {
            let before = previous.rendered.lock().unwrap_or_else(|e| e.into_inner());
            before
                .iter()
                .filter(|(key, _)| change.keeps(self.jobs.get(*key).copied(), renderer))
                .map(|(key, bytes)| (key.clone(), bytes.clone()))
                .collect()
        });
        let count = kept.len();
        let mut rendered = self.rendered.lock().unwrap_or_else(|e| e.into_inner());
        for (key, bytes) in kept {
            rendered.entry(key).or_insert(bytes);
        }
        count
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

/// How long the check after a save waits while tabs are open: about as
/// long as a browser takes to reload and paint a page.
const CHECK_DELAY_WHILE_TABS_RELOAD: Duration = Duration::from_millis(150);

/// What open tabs are told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    /// The site changed: reload the page.
    Reload,
    /// Only stylesheets changed: swap them without a reload.
    Css,
    /// The last build failed: show this over the page.
    BuildError(String),
}

/// The state the HTTP handlers share with the rebuild thread.
pub struct Live {
    /// None until the first build succeeds.
    snapshot: RwLock<Option<Arc<Snapshot>>>,
    /// The last build's errors, while they last.
    error: RwLock<Option<String>>,
    /// Counts successful builds: a page loaded from an older one reloads
    /// as soon as its script connects.
    version: std::sync::atomic::AtomicU64,
    events: broadcast::Sender<LiveEvent>,
    /// Counts the batches of saves the watcher has seen.
    saves: Arc<std::sync::atomic::AtomicU64>,
}

impl Live {
    fn new() -> Live {
        Live {
            snapshot: RwLock::new(None),
            error: RwLock::new(None),
            version: std::sync::atomic::AtomicU64::new(0),
            events: broadcast::channel(64).0,
            saves: Arc::default(),
        }
    }

    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn error(&self) -> Option<String> {
        self.error.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn version(&self) -> u64 {
        self.version.load(std::sync::atomic::Ordering::Acquire)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.events.subscribe()
    }

    /// Puts a new build in place and tells the tabs.
    fn publish(&self, snapshot: Option<Arc<Snapshot>>, event: LiveEvent) {
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = snapshot;
        *self.error.write().unwrap_or_else(|e| e.into_inner()) = None;
        self.version
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        let _ = self.events.send(event);
    }

    /// Keeps the last good build and shows the error over it.
    fn fail(&self, text: String) {
        *self.error.write().unwrap_or_else(|e| e.into_inner()) = Some(text.clone());
        let _ = self.events.send(LiveEvent::BuildError(text));
    }
}

/// Loads and models the site, and prepares to render it: everything but
/// the rendering of its pages.
pub fn build_snapshot(
    options: &BuildOptions,
    memo: &Memo,
) -> Result<(Snapshot, Vec<Diagnostic>), Vec<Diagnostic>> {
    let prepared = build::prepare_with(options, Some(memo)).map_err(|f| f.diagnostics)?;
    let (mut site, templates, warnings) = prepared.into_parts();
    let (copies, errors) = build::asset_copies(&options.root, &site);
    if !errors.is_empty() {
        return Err(errors);
    }
    let bodies = site.take_article_bodies();
    let articles = site
        .articles
        .iter()
        .enumerate()
        .map(|(i, a)| (a.doc.source.relative.clone(), i))
        .collect();
    let renderer = RendererCell::try_new((site, Arc::new(templates)), |(site, templates)| {
        let mut renderer = Renderer::new(site, templates, bodies)
            .map_err(|e| vec![Diagnostic::error(templates.display(&e.template), e.message)])?;
        renderer.keep_all_bodies();
        Ok::<_, Vec<Diagnostic>>(renderer)
    })?;
    let mut jobs = HashMap::new();
    let mut errors = Vec::new();
    let mut planned = Vec::new();
    renderer.with_dependent(|_, renderer| {
        for job in renderer.jobs() {
            match renderer.output_path(job) {
                Ok(path) => planned.push((record_key(&path), job)),
                Err(why) => errors.push(Diagnostic::error(options.root.join("site.toml"), why)),
            }
        }
    });
    for (key, job) in planned {
        if jobs.insert(key.clone(), job).is_some() {
            errors.push(Diagnostic::error(
                options.root.join("site.toml"),
                format!("two parts of the site write the same file {key}"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let assets = plan_assets(&jobs, copies)?;
    let snapshot = Snapshot {
        renderer: Arc::new(renderer),
        jobs: Arc::new(jobs),
        assets: Arc::new(assets),
        articles: Arc::new(articles),
        rendered: Mutex::new(HashMap::new()),
    };
    Ok((snapshot, warnings))
}

/// Output path → the static or bundle file copied there; an error for a
/// file that would land where a page or another file does.
fn plan_assets(
    jobs: &HashMap<String, Job>,
    copies: Vec<(PathBuf, PathBuf)>,
) -> Result<HashMap<String, PathBuf>, Vec<Diagnostic>> {
    let mut assets = HashMap::new();
    let mut errors = Vec::new();
    for (from, to) in copies {
        let key = record_key(&to);
        if jobs.contains_key(&key) || assets.contains_key(&key) {
            errors.push(Diagnostic::error(
                &from,
                format!("two parts of the site write the same file {key}"),
            ));
        } else {
            assets.insert(key, from);
        }
    }
    if errors.is_empty() {
        Ok(assets)
    } else {
        Err(errors)
    }
}

/// The text of a failed build, as printed and as shown in the browser.
fn failure_text(diagnostics: &[Diagnostic], has_good_build: bool) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let mut text: String = diagnostics.iter().map(|d| format!("{d}\n")).collect();
    text.push_str(&format!(
        "build failed: {errors} error{}; {}",
        if errors == 1 { "" } else { "s" },
        if has_good_build {
            "still serving the last good build"
        } else {
            "nothing to serve until it builds"
        }
    ));
    text
}

/// The URL the site is served at; also its base URL while serving.
pub fn local_url(bind: IpAddr, port: u16) -> String {
    match bind {
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}/"),
        IpAddr::V4(v4) => format!("http://{v4}:{port}/"),
    }
}

/// Runs the server until the process is stopped. Returns only on a
/// problem that stops it from starting, as a message for the user.
pub fn serve(options: ServeOptions) -> Result<(), String> {
    let address = SocketAddr::new(options.bind, options.port);
    let listener = TcpListener::bind(address).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            format!(
                "cannot serve on {address}: port {} is already in use (is another `gazette serve` running?); choose another with --port",
                options.port
            )
        } else {
            format!("cannot serve on {address}: {e}")
        }
    })?;
    // With --port 0 the system chose one.
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or(options.port);
    let url = local_url(options.bind, port);
    let mut build_options = options.build.clone();
    build_options.base_url = Some(url.clone());

    let live = Arc::new(Live::new());
    let memo = Arc::new(Memo::default());
    rebuild(&build_options, &live, &memo, &[], false);
    let watched = watch::Watcher::start(&build_options.root, live.saves.clone(), {
        let live = live.clone();
        let build_options = build_options.clone();
        move |changed: Vec<PathBuf>| {
            let css_only = !changed.is_empty()
                && changed
                    .iter()
                    .all(|p| p.extension().is_some_and(|e| e == "css"));
            rebuild(&build_options, &live, &memo, &changed, css_only);
        }
    })
    .map_err(|e| format!("cannot watch {}: {e}", build_options.root.display()))?;
    println!("Serving on {url} (Ctrl+C to stop)");
    println!("Watching {}", watched.describe());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    runtime.block_on(http::run(listener, live))
}

/// Builds again and publishes the result. `changed` names the saved files
/// (relative to the root). A save of one article that keeps its place in
/// the site is patched into the last build (see
/// [`Snapshot::with_article_saved`]); anything else builds the whole site
/// again. The new site is served as soon as it is made; its pages are then
/// rendered, as `gazette build` would (after a patch, only those that show
/// the article), and a page that fails puts the last good build back.
fn rebuild(options: &BuildOptions, live: &Live, memo: &Memo, changed: &[PathBuf], css_only: bool) {
    let started = Instant::now();
    let previous = live.snapshot();
    let saves_now = live.saves.load(std::sync::atomic::Ordering::Acquire);
    let superseded = || live.saves.load(std::sync::atomic::Ordering::Acquire) != saves_now;
    // Only a good last build may be patched: after a failed one, the
    // whole site must be checked again.
    let patched = previous
        .as_ref()
        .filter(|_| live.error().is_none())
        .and_then(|p| p.patched(&options.root, changed));
    let (snapshot, change) = match patched {
        Some(patched) => (patched.snapshot, Some(patched.change)),
        None => match build_snapshot(options, memo) {
            Ok((snapshot, warnings)) => {
                for warning in &warnings {
                    eprintln!("{warning}");
                }
                (snapshot, None)
            }
            Err(diagnostics) => {
                let text = failure_text(&diagnostics, live.version() > 0);
                eprintln!("{text}");
                live.fail(text);
                return;
            }
        },
    };
    let snapshot = Arc::new(snapshot);
    let event = if css_only {
        LiveEvent::Css
    } else {
        LiveEvent::Reload
    };
    // The saved article's page is rendered before the tabs are told: the
    // writer's tab is most likely showing it, and asks for it at once.
    if let Some(Change::Article(i)) = change {
        snapshot.render_ahead(Job::Article(i));
    }
    live.publish(Some(snapshot.clone()), event);
    let served_after = started.elapsed();
    let kept = match (&change, &previous) {
        (Some(change), Some(previous)) => snapshot.keep_unchanged_from(previous, change),
        _ => 0,
    };
    // Open tabs reload now: the check waits a moment so that their
    // requests and painting are not slowed by it.
    if live.events.receiver_count() > 0 {
        let until = Instant::now() + CHECK_DELAY_WHILE_TABS_RELOAD;
        while Instant::now() < until && !superseded() {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    if let Err(diagnostics) = snapshot.render_all(&superseded) {
        let had_good_build = previous.is_some();
        live.publish(previous, LiveEvent::Reload);
        let text = failure_text(&diagnostics, had_good_build);
        eprintln!("{text}");
        live.fail(text);
        return;
    }
    let stopped_early = if superseded() {
        "; the check stopped early for a newer save"
    } else {
        ""
    };
    let (took, served_after) = (started.elapsed().as_millis(), served_after.as_millis());
    if change.is_some() {
        println!(
            "Updated {} files of {} in {took} ms (served after {served_after} ms){}{stopped_early}",
            snapshot.len() - kept,
            snapshot.len(),
            describe_changes(changed),
        );
    } else {
        println!(
            "{} {} files in {took} ms (served after {served_after} ms){}{stopped_early}",
            if changed.is_empty() {
                "Built"
            } else {
                "Rebuilt"
            },
            snapshot.len(),
            describe_changes(changed),
        );
    }
}

fn describe_changes(changed: &[PathBuf]) -> String {
    match changed {
        [] => String::new(),
        [one] => format!(" ({} changed)", one.display()),
        [first, rest @ ..] => format!(" ({} and {} more changed)", first.display(), rest.len()),
    }
}
