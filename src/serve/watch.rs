//! Watching the site's sources (site.toml, content/, templates/, static/,
//! data/) for saves, through notify with a short debounce: an editor's save is
//! often several events (write a temporary file, rename it over the old
//! one), and one rebuild should answer them all.

use notify_debouncer_full::notify::{self, EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long a path must be quiet before its events are handed on: an
/// editor's save is a burst well under a millisecond long.
const DEBOUNCE: Duration = Duration::from_millis(8);
/// How often the debouncer looks for quiet paths. It hands on each path
/// once quiet, so the paths of one save (a temporary file renamed over
/// the article) can come a tick apart: batches that follow within a tick
/// are merged into one.
const TICK: Duration = Duration::from_millis(4);

/// The folders rebuilt from; never the output folder.
const SOURCE_FOLDERS: [&str; 4] = ["content", "templates", "static", "data"];

/// A running watch, for as long as the process runs.
pub struct Watcher {
    watched: Vec<String>,
}

impl Watcher {
    /// Starts watching `root`'s sources; `on_change` runs on the watcher's
    /// thread with the changed paths, relative to `root`, after each burst
    /// of saves. The root itself is watched without its subfolders, for
    /// site.toml and for source folders made later.
    /// `saves` counts the batches seen, at once, even while `on_change` is
    /// still busy with an earlier one: work for a batch can stop early when
    /// a newer one waits.
    pub fn start(
        root: &Path,
        saves: Arc<AtomicU64>,
        mut on_change: impl FnMut(Vec<PathBuf>) + Send + 'static,
    ) -> notify::Result<Watcher> {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let (sender, receiver) = std::sync::mpsc::channel::<Vec<PathBuf>>();
        let handler_root = root.clone();
        let mut debouncer =
            new_debouncer(DEBOUNCE, Some(TICK), move |result: DebounceEventResult| {
                // When the system lost track (its event queue overflowed) or
                // the watch failed, what changed is unknown: the whole site
                // is built again, as a change of the content folder.
                let lost_track = match &result {
                    Ok(events) => events.iter().any(|e| e.need_rescan()),
                    Err(_) => true,
                };
                // Reading a file is an event too (inotify's open and access):
                // the build itself reads every source, which must not count.
                let mut changed: Vec<PathBuf> = (result.iter().flatten())
                    .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                    .flat_map(|e| e.paths.iter())
                    .filter_map(|path| relevant(&handler_root, path))
                    .collect();
                if lost_track {
                    changed.push(PathBuf::from("content"));
                }
                changed.sort();
                changed.dedup();
                if !changed.is_empty() {
                    saves.fetch_add(1, Ordering::AcqRel);
                    let _ = sender.send(changed);
                }
            })?;
        let mut watched = Vec::new();
        debouncer.watch(&root, RecursiveMode::NonRecursive)?;
        watched.push("site.toml".to_string());
        for folder in SOURCE_FOLDERS {
            let path = root.join(folder);
            if path.is_dir() {
                debouncer.watch(&path, RecursiveMode::Recursive)?;
                watched.push(format!("{folder}/"));
            }
        }
        // One thread owns the debouncer: it adds a watch on a source folder
        // made after the start (the first template override, say), then
        // hands each batch of changes on.
        std::thread::spawn(move || {
            while let Ok(mut changed) = receiver.recv() {
                while let Ok(more) = receiver.recv_timeout(TICK + Duration::from_millis(1)) {
                    changed.extend(more);
                }
                changed.sort();
                changed.dedup();
                for folder in SOURCE_FOLDERS {
                    let path = root.join(folder);
                    if changed.iter().any(|c| c == Path::new(folder)) && path.is_dir() {
                        let _ = debouncer.watch(&path, RecursiveMode::Recursive);
                    }
                }
                on_change(changed);
            }
        });
        Ok(Watcher { watched })
    }

    /// What is watched, for the start-up message.
    pub(crate) fn describe(&self) -> String {
        self.watched.join(", ")
    }
}

/// The path relative to the root when a change there matters: site.toml,
/// or a file under a source folder that is not an editor's scratch file
/// nor hidden (the build skips hidden files and folders, but for
/// `static/.well-known/`).
fn relevant(root: &Path, path: &Path) -> Option<PathBuf> {
    let relative = path.strip_prefix(root).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let is_source = relative == Path::new("site.toml") || SOURCE_FOLDERS.contains(&first);
    let name = relative.file_name()?.to_string_lossy();
    // Vim's `4913` probe and `.swp`, Emacs's `#x#` and `.#x`, backups `x~`.
    let scratch = name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913";
    let hidden = relative
        .components()
        .skip(1)
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        && !relative.starts_with("static/.well-known");
    (is_source && !scratch && !hidden).then(|| relative.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sources_matter() {
        let root = Path::new("/site");
        let yes = |p: &str| relevant(root, &root.join(p)).is_some();
        assert!(yes("site.toml"));
        assert!(yes("content/articles/x.md"));
        assert!(yes("templates/base.html"));
        assert!(yes("static/a.css"));
        assert!(!yes("public/index.html"));
        assert!(!yes("content/articles/.x.md.swp"));
        assert!(!yes("content/articles/x.md~"));
        assert!(!yes("content/4913"));
        assert!(!yes("README.md"));
        assert!(!yes("content/articles/.x.md.tmp"));
        assert!(!yes("content/.notes/x.md"));
        assert!(!yes("templates/.base.html.swo"));
        assert!(yes("static/.well-known/security.txt"));
        // A source folder made or removed while serving.
        assert!(yes("templates"));
    }
}
