//! What `gazette serve` keeps from one build to the next so that a build
//! after a save redoes only what changed: each content file as parsed, and
//! each Markdown body as rendered. Every entry is checked against what it
//! came from before it is used; a plain `gazette build` keeps nothing.

use crate::build::BuildCache;
use crate::config::Config;
use crate::content::{Loaded, ParseCache};
use crate::diagnostics::Diagnostic;
use crate::markdown::{self, RenderCache, Rendered};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use url::Url;
use xxhash_rust::xxh3::Xxh3;

/// How recently a file may have changed for its stamp to be distrusted:
/// file times tick coarsely, so two saves of the same length within one
/// tick look alike. Such a file is read again (as git does).
const RACY_WINDOW: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct Memo {
    /// A digest of the configuration the entries were made with: content
    /// is parsed in the site's timezone, Markdown rendered for its URLs.
    config: Mutex<Option<u64>>,
    files: Mutex<HashMap<PathBuf, ParsedFile>>,
    markdown: Mutex<HashMap<String, RenderedBody>>,
}

/// A content file as parsed, and the stamp of the file it was parsed from.
struct ParsedFile {
    stamp: FileStamp,
    read_at: SystemTime,
    loaded: Arc<Loaded>,
}

#[derive(PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: SystemTime,
    identity: Option<(u64, u64)>,
    changed_ns: i64,
}

impl FileStamp {
    fn of(path: &Path) -> Option<FileStamp> {
        let meta = fs::metadata(path).ok()?;
        Some(FileStamp {
            len: meta.len(),
            modified: meta.modified().ok()?,
            identity: crate::file_meta::identity(&meta),
            changed_ns: crate::file_meta::ctime_ns(&meta),
        })
    }
}

/// A Markdown body as rendered, and a digest of what it was rendered from.
struct RenderedBody {
    digest: u64,
    rendered: Arc<Rendered>,
}

impl ParseCache for Memo {
    /// The file at `root/relative` as parsed before, if it is unchanged;
    /// else `parse` is called and what it gives kept. `same` tells whether
    /// a kept parse still fits (a bundle's list of files may have changed
    /// while its index.md did not).
    fn parsed(
        &self,
        root: &Path,
        relative: &Path,
        same: &dyn Fn(&Loaded) -> bool,
        parse: Box<dyn FnOnce() -> Result<Loaded, Vec<Diagnostic>> + '_>,
    ) -> Result<Loaded, Vec<Diagnostic>> {
        let stamp = FileStamp::of(&root.join(relative));
        if let Some(stamp) = &stamp {
            // Copied out of the lock: the other build threads wait on it.
            let kept = (self.files.lock().unwrap_or_else(|e| e.into_inner()))
                .get(relative)
                .filter(|kept| kept.stamp == *stamp && stamp.modified + RACY_WINDOW < kept.read_at)
                .map(|kept| kept.loaded.clone());
            if let Some(kept) = kept
                && same(&kept)
            {
                return Ok(Loaded::clone(&kept));
            }
        }
        let read_at = SystemTime::now();
        let loaded = parse()?;
        if let Some(stamp) = stamp {
            self.files.lock().unwrap_or_else(|e| e.into_inner()).insert(
                relative.to_path_buf(),
                ParsedFile {
                    stamp,
                    read_at,
                    loaded: Arc::new(loaded.clone()),
                },
            );
        }
        Ok(loaded)
    }

    /// Every build of serve renders every article it shows: their text
    /// stays with what was parsed.
    fn keeps_markdown(&self) -> bool {
        true
    }
}

impl RenderCache for Memo {
    /// [`markdown::render`], or its result for the same text, URL and mode
    /// before. A body with `@/` links is rendered every time: what they
    /// point to is outside its text.
    fn render(
        &self,
        content_path: &str,
        body: &str,
        resolve: &dyn Fn(&str) -> Option<String>,
        page_url: Option<&Url>,
        safe: bool,
    ) -> Rendered {
        let url = page_url.map_or("", Url::as_str);
        let digest = digest(&[body.as_bytes(), url.as_bytes(), &[u8::from(safe)]]);
        let kept = (self.markdown.lock().unwrap_or_else(|e| e.into_inner()))
            .get(content_path)
            .filter(|kept| kept.digest == digest)
            .map(|kept| kept.rendered.clone());
        if let Some(rendered) = kept {
            return Rendered::clone(&rendered);
        }
        let rendered = markdown::render(body, resolve, page_url, safe);
        if rendered.content_links.is_empty() && rendered.broken_links.is_empty() {
            self.markdown
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(
                    content_path.to_string(),
                    RenderedBody {
                        digest,
                        rendered: Arc::new(rendered.clone()),
                    },
                );
        }
        rendered
    }
}

impl BuildCache for Memo {
    /// Drops every entry if the configuration changed since they were made.
    fn use_config(&self, config: &Config) {
        let digest = digest(&[format!("{config:?}").as_bytes()]);
        let mut current = self.config.lock().unwrap_or_else(|e| e.into_inner());
        if *current != Some(digest) {
            self.files.lock().unwrap_or_else(|e| e.into_inner()).clear();
            self.markdown
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
            *current = Some(digest);
        }
    }
}

fn digest(parts: &[&[u8]]) -> u64 {
    let mut hasher = Xxh3::new();
    for part in parts {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.digest()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::fs::File;

    fn config() -> Config {
        Config::parse(
            "title = \"T\"\nbase_url = \"https://news.example.com\"\n",
            Path::new("site.toml"),
        )
        .unwrap()
    }

    fn page(text: &str) -> Loaded {
        let config = config();
        let doc = crate::content::parse_article_text(
            Path::new("content/articles/a.md"),
            text.to_string(),
            &config,
        )
        .expect("a valid article");
        Loaded::Article(Box::new(doc))
    }

    fn title(loaded: &Loaded) -> String {
        match loaded {
            Loaded::Article(doc) => doc.doc.meta.title.clone(),
            _ => unreachable!(),
        }
    }

    /// Loads `content/articles/a.md` through the memo; says whether it was
    /// parsed again.
    fn load(memo: &Memo, root: &Path) -> (String, bool) {
        let parsed = Cell::new(false);
        let loaded = memo
            .parsed(
                root,
                Path::new("content/articles/a.md"),
                &|_| true,
                Box::new(|| {
                    parsed.set(true);
                    let text = fs::read_to_string(root.join("content/articles/a.md")).unwrap();
                    Ok(page(&text))
                }),
            )
            .unwrap();
        (title(&loaded), parsed.get())
    }

    fn write_aged(path: &Path, text: &str) {
        fs::write(path, text).unwrap();
        let old = SystemTime::now() - Duration::from_secs(60);
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }

    #[test]
    fn a_file_is_parsed_again_only_when_it_changed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("content/articles/a.md");
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        let text = |t: &str| format!("+++\ntitle = \"{t}\"\ndate = 2021-03-26\n+++\nBody.\n");
        write_aged(&file, &text("One"));
        let memo = Memo::default();
        assert_eq!(load(&memo, dir.path()), ("One".into(), true));
        assert_eq!(load(&memo, dir.path()), ("One".into(), false));
        // The same length and the same (old) modification time: the change
        // time still tells.
        write_aged(&file, &text("Two"));
        assert_eq!(load(&memo, dir.path()), ("Two".into(), true));
        assert_eq!(load(&memo, dir.path()), ("Two".into(), false));
        // Changed a moment ago: not trusted until it has been still a while.
        fs::write(&file, text("Six")).unwrap();
        assert_eq!(load(&memo, dir.path()), ("Six".into(), true));
        assert_eq!(load(&memo, dir.path()), ("Six".into(), true));
        // Another configuration forgets everything.
        write_aged(&file, &text("Ten"));
        load(&memo, dir.path());
        let mut config = config();
        memo.use_config(&config);
        assert_eq!(load(&memo, dir.path()), ("Ten".into(), true));
        memo.use_config(&config);
        assert_eq!(load(&memo, dir.path()), ("Ten".into(), false));
        config.per_page += 1;
        memo.use_config(&config);
        assert_eq!(load(&memo, dir.path()), ("Ten".into(), true));
    }

    #[test]
    fn markdown_is_kept_by_text_and_url_but_never_with_content_links() {
        let memo = Memo::default();
        let url = Url::parse("https://news.example.com/a/").unwrap();
        let other = Url::parse("https://news.example.com/b/").unwrap();
        let none = |_: &str| None;
        let kept = |memo: &Memo| memo.markdown.lock().unwrap().len();
        let first = memo.render("articles/a.md", "Hello *there*.", &none, Some(&url), false);
        assert_eq!(kept(&memo), 1);
        let again = memo.render("articles/a.md", "Hello *there*.", &none, Some(&url), false);
        assert_eq!(again.html, first.html);
        // A different URL or mode is rendered anew (feed links depend on it).
        let moved = memo.render("articles/a.md", "[x](img.png)", &none, Some(&other), false);
        assert!(
            moved
                .feed_html
                .unwrap()
                .contains("https://news.example.com/b/img.png")
        );
        let linked = memo.render(
            "articles/b.md",
            "[see](@/articles/a.md)",
            &|_| Some("https://news.example.com/a/".into()),
            Some(&url),
            false,
        );
        assert!(linked.html.contains("href=\"https://news.example.com/a/\""));
        assert_eq!(kept(&memo), 1, "a body with @/ links is not kept");
    }
}
