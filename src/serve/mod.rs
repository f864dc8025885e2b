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
//! Markdown that did not change (see [`memo`]). Nothing is
//! written to the output folder: a preview built for
//! `http://127.0.0.1:1111/` can never be deployed by mistake.

mod http;
pub mod memo;
mod patch;
mod snapshot;
mod watch;

use crate::build::BuildOptions;
use crate::diagnostics::Diagnostic;
use crate::render::Job;
use memo::Memo;
use snapshot::Change;
pub use snapshot::Snapshot;
pub(crate) use snapshot::build_snapshot;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// What `gazette serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub build: BuildOptions,
    pub bind: IpAddr,
    pub port: u16,
}

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
    /// The last build whose every page rendered. While a newer one is being
    /// checked, a page that fails in it is answered from this one: a save
    /// of a broken template never shows a reader an error page before the
    /// check puts the last good build back.
    checked: RwLock<Option<Arc<Snapshot>>>,
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
            checked: RwLock::new(None),
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

    /// The last build whose every page rendered, if any.
    pub fn checked(&self) -> Option<Arc<Snapshot>> {
        self.checked
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

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
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

/// Prints a failed build and shows it in every tab.
fn report_failure(live: &Live, diagnostics: &[Diagnostic], has_good_build: bool) {
    let text = failure_text(diagnostics, has_good_build);
    eprintln!("{text}");
    live.fail(text);
}

/// The text of a failed build, as printed and as shown in the browser.
fn failure_text(diagnostics: &[Diagnostic], has_good_build: bool) -> String {
    let mut text: String = diagnostics.iter().map(|d| format!("{d}\n")).collect();
    let outcome = if has_good_build {
        "still serving the last good build"
    } else {
        "nothing to serve until it builds"
    };
    text.push_str(&crate::diagnostics::failure_line(diagnostics, outcome));
    text
}

/// The URL the site is served at; also its base URL while serving.
pub(crate) fn local_url(bind: IpAddr, port: u16) -> String {
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
/// (relative to the root). A save that allows it is patched into the last
/// build (see [`Snapshot::patched`]); anything else builds the whole site
/// again. The new site is served as soon as it is made; its pages are then
/// rendered, as `gazette build` would (after a patch, only those the save
/// may have changed), and a page that fails puts the last good build back.
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
                report_failure(live, &diagnostics, live.version() > 0);
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
    if let Some(Change::Articles { changed, .. }) = &change {
        for &i in changed {
            snapshot.render_ahead(Job::Article(i));
        }
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
        report_failure(live, &diagnostics, had_good_build);
        return;
    }
    if !superseded() {
        *live.checked.write().unwrap_or_else(|e| e.into_inner()) = Some(snapshot.clone());
    }
    let stopped_early = if superseded() {
        "; the check stopped early for a newer save"
    } else {
        ""
    };
    let (took, served_after) = (started.elapsed().as_millis(), served_after.as_millis());
    if change.is_some() {
        let updated = snapshot.len() - kept;
        println!(
            "Updated {updated} file{} of {} in {took} ms (served after {served_after} ms){}{stopped_early}",
            if updated == 1 { "" } else { "s" },
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
