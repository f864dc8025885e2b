//! `gazette serve`: builds the site into memory, serves it over HTTP on the
//! local address, rebuilds on every save and tells open tabs to reload.
//!
//! The served site is a snapshot of every output file, swapped whole after
//! each successful build, so a reader never sees half a rebuild and a
//! failed build leaves the last good site in place (with the error shown
//! over it). Nothing is written to the output folder: a preview built for
//! `http://127.0.0.1:1111/` can never be deployed by mistake.

mod http;
mod watch;

use crate::build::{self, BuildOptions, Sink};
use crate::diagnostics::Diagnostic;
use crate::output::record_key;
use std::collections::HashMap;
use std::fs;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// What `gazette serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub build: BuildOptions,
    pub bind: IpAddr,
    pub port: u16,
}

/// Every file of one successful build, by output path (`a/b/index.html`).
#[derive(Default)]
pub struct Snapshot {
    files: HashMap<String, Arc<[u8]>>,
}

impl Snapshot {
    pub fn get(&self, key: &str) -> Option<&Arc<[u8]>> {
        self.files.get(key)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

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
    snapshot: RwLock<Arc<Snapshot>>,
    /// The last build's errors, while they last.
    error: RwLock<Option<String>>,
    /// Counts successful builds: a page loaded from an older one reloads
    /// as soon as its script connects.
    version: std::sync::atomic::AtomicU64,
    events: broadcast::Sender<LiveEvent>,
}

impl Live {
    fn new() -> Live {
        Live {
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            error: RwLock::new(None),
            version: std::sync::atomic::AtomicU64::new(0),
            events: broadcast::channel(64).0,
        }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
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
    fn publish(&self, snapshot: Snapshot, event: LiveEvent) {
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
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

/// The build's [`Sink`] for serving: keeps every file's bytes in memory.
#[derive(Default)]
struct MemorySink {
    files: Mutex<HashMap<String, Arc<[u8]>>>,
}

impl MemorySink {
    fn insert(&self, relative: &Path, bytes: Arc<[u8]>) -> Result<(), String> {
        let key = record_key(relative);
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        if files.insert(key, bytes).is_some() {
            return Err(format!(
                "two parts of the site write the same file {}",
                relative.display()
            ));
        }
        Ok(())
    }
}

impl Sink for MemorySink {
    fn write(&self, relative: &Path, bytes: &[u8], _source: Option<&Path>) -> Result<(), String> {
        self.insert(relative, Arc::from(bytes))
    }

    fn copy(&self, from: &Path, relative: &Path) -> Result<(), String> {
        let bytes = fs::read(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        self.insert(relative, Arc::from(bytes))
    }
}

/// Builds the whole site into memory.
pub fn build_snapshot(
    options: &BuildOptions,
) -> Result<(Snapshot, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut prepared = build::prepare(options).map_err(|f| f.diagnostics)?;
    let sink = MemorySink::default();
    build::produce(&mut prepared, &options.root, &sink).map_err(|f| f.diagnostics)?;
    let files = sink.files.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok((Snapshot { files }, prepared.warnings))
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
    rebuild(&build_options, &live, &[], false);
    let watched = watch::Watcher::start(&build_options.root, {
        let live = live.clone();
        let build_options = build_options.clone();
        move |changed: Vec<PathBuf>| {
            let css_only = !changed.is_empty()
                && changed
                    .iter()
                    .all(|p| p.extension().is_some_and(|e| e == "css"));
            rebuild(&build_options, &live, &changed, css_only);
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
/// (relative to the root) for the log line.
fn rebuild(options: &BuildOptions, live: &Live, changed: &[PathBuf], css_only: bool) {
    let started = Instant::now();
    match build_snapshot(options) {
        Ok((snapshot, warnings)) => {
            for warning in &warnings {
                eprintln!("{warning}");
            }
            let files = snapshot.len();
            let event = if css_only {
                LiveEvent::Css
            } else {
                LiveEvent::Reload
            };
            live.publish(snapshot, event);
            println!(
                "{} {files} files in {} ms{}",
                if changed.is_empty() {
                    "Built"
                } else {
                    "Rebuilt"
                },
                millis(started.elapsed()),
                describe_changes(changed)
            );
        }
        Err(diagnostics) => {
            let text = failure_text(&diagnostics, live.version() > 0);
            eprintln!("{text}");
            live.fail(text);
        }
    }
}

fn millis(d: Duration) -> u128 {
    d.as_millis()
}

fn describe_changes(changed: &[PathBuf]) -> String {
    match changed {
        [] => String::new(),
        [one] => format!(" ({} changed)", one.display()),
        [first, rest @ ..] => format!(" ({} and {} more changed)", first.display(), rest.len()),
    }
}
