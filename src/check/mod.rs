//! `gazette check`: builds the site in memory (nothing is written) and
//! verifies what readers, feed readers and crawlers will follow: every
//! internal link, image and `#fragment` of every page, every URL a feed or
//! sitemap lists, and every page's title and canonical link.

mod scan;

use crate::build::{self, BuildFailure, BuildOptions, Sink};
use crate::diagnostics::Diagnostic;
use crate::output::record_key;
use crate::site::Site;
use percent_encoding::percent_decode_str;
use rayon::prelude::*;
use scan::{RefKind, Scan};
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use url::Url;

/// What a check found.
#[derive(Debug)]
pub struct CheckReport {
    /// Files the build would write.
    pub files: usize,
    /// HTML pages, feeds and sitemaps read back.
    pub scanned: usize,
    /// Internal URLs followed.
    pub internal_references: usize,
    /// One error per distinct problem, with the page that shows it.
    pub problems: Vec<Diagnostic>,
    /// The build's warnings.
    pub warnings: Vec<Diagnostic>,
}

/// A file the build would write.
struct Collected {
    /// The content file the page shows, if any.
    source: Option<PathBuf>,
    /// None for files that are not read back (images, CSS, static files).
    scan: Option<Scan>,
}

/// The check's [`Sink`]: keeps each file's links and ids, not its bytes,
/// so a large archive is checked in little memory.
#[derive(Default)]
struct Collector {
    files: Mutex<HashMap<String, Collected>>,
}

impl Collector {
    /// `build::produce` gives each output path once (see
    /// [`crate::build::plan_files`]).
    fn insert(&self, relative: &Path, collected: Collected) {
        let key = record_key(relative);
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.insert(key, collected);
    }
}

impl Sink for Collector {
    fn write(&self, relative: &Path, bytes: &[u8], source: Option<&Path>) -> Result<(), String> {
        let scan = match relative.extension().and_then(|e| e.to_str()) {
            Some("html") => Some(scan::html(bytes)),
            Some("xml") => Some(scan::xml(bytes)),
            Some("json") => Some(scan::json(bytes)),
            _ => None,
        };
        let source = source.map(Path::to_path_buf);
        self.insert(relative, Collected { source, scan });
        Ok(())
    }

    fn copy(&self, from: &Path, relative: &Path) -> Result<(), String> {
        fs::metadata(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        self.insert(
            relative,
            Collected {
                source: None,
                scan: None,
            },
        );
        Ok(())
    }

    fn makes_images(&self) -> bool {
        false
    }
}

/// Builds the site in memory and checks it.
pub fn check(options: &BuildOptions) -> Result<CheckReport, BuildFailure> {
    let mut prepared = build::prepare(options)?;
    let collector = Collector::default();
    build::produce(&mut prepared, &options.root, &collector, &[], None, None)?;
    let files = collector
        .files
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    let base = prepared.site().config.base_url.clone();
    let (problems, internal_references) = verify(&files, &base, &prepared.output_dir);
    let share_warning = no_share_image(&options.root, prepared.site());
    Ok(CheckReport {
        files: files.len(),
        scanned: files.values().filter(|f| f.scan.is_some()).count(),
        internal_references,
        problems,
        warnings: (prepared.warnings.into_iter())
            .chain(share_warning)
            .collect(),
    })
}

/// A warning when articles would go out without `og:image` (which the
/// Open Graph protocol requires, and without which a shared link has no
/// picture): some have no lead image, and site.toml has no `image` to
/// stand in for it. Said by `gazette check`, the review before
/// publishing, not by every build.
fn no_share_image(root: &Path, site: &Site) -> Option<Diagnostic> {
    if site.config.image.is_some() {
        return None;
    }
    let without = (site.articles.iter())
        .filter(|a| a.doc.meta.image.is_none())
        .count();
    (without > 0).then(|| {
        Diagnostic::warning(
            crate::diagnostics::display_path(root, Path::new("site.toml")),
            format!(
                "no `image` is set, so articles without a lead `image` ({without} of {}) have no og:image, and link previews show no picture: set `image = \"/images/share.png\"` to a 1200×630 picture in static/",
                site.articles.len()
            ),
        )
    })
}

/// One problem, before problems seen on many pages are merged.
struct Finding {
    /// The file of the output that shows it.
    page: String,
    /// Merges the same problem on many pages (a dead link in a summary is
    /// on every list that shows the article).
    key: String,
    /// Text after the page's path.
    message: String,
    /// The URL as written, to find in the source file.
    written: Option<String>,
}

/// Follows every reference of every scanned file. Returns the problems,
/// sorted, and how many internal references were followed.
fn verify(
    files: &HashMap<String, Collected>,
    base: &Url,
    output_dir: &Path,
) -> (Vec<Diagnostic>, usize) {
    let followed = std::sync::atomic::AtomicUsize::new(0);
    let findings: Vec<Finding> = files
        .par_iter()
        .filter_map(|(file, collected)| Some((file, collected.scan.as_ref()?)))
        .flat_map_iter(|(file, scan)| {
            let mut found: Vec<Finding> = scan
                .problems
                .iter()
                .map(|problem| Finding {
                    page: file.clone(),
                    key: format!("{file} {problem}"),
                    message: problem.clone(),
                    written: None,
                })
                .collect();
            let Ok(page_url) = base.join(file) else {
                return found;
            };
            for reference in &scan.references {
                let url = match page_url.join(&reference.url) {
                    Ok(url) => url,
                    Err(e) => {
                        found.push(Finding {
                            page: file.clone(),
                            key: format!("malformed {}", reference.url),
                            message: format!("has a malformed URL `{}`: {e}", reference.url),
                            written: Some(reference.url.clone()),
                        });
                        continue;
                    }
                };
                let Some(relative) = internal_path(base, &url) else {
                    continue;
                };
                followed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let what = describe(reference.kind);
                let Some(target) = target_file(files, &relative) else {
                    let mut key = url.clone();
                    key.set_fragment(None);
                    found.push(Finding {
                        page: file.clone(),
                        key: format!("dead {key}"),
                        message: format!("{what} `{}`, which is not in the output", reference.url),
                        written: Some(reference.url.clone()),
                    });
                    continue;
                };
                let fragment = url
                    .fragment()
                    .map(|f| percent_decode_str(f).decode_utf8_lossy());
                let Some(fragment) = fragment.filter(|f| !f.is_empty()) else {
                    continue;
                };
                // `#top` scrolls to the top of any HTML page.
                if fragment.eq_ignore_ascii_case("top") {
                    continue;
                }
                let Some(ids) = files[&target].scan.as_ref().map(|s| &s.ids) else {
                    continue;
                };
                if !ids.contains(fragment.as_ref()) {
                    found.push(Finding {
                        page: file.clone(),
                        key: format!("fragment {url}"),
                        message: format!(
                            "{what} `{}`, but {} has no element with id `{fragment}`",
                            reference.url,
                            page_path(&target)
                        ),
                        written: Some(reference.url.clone()),
                    });
                }
            }
            found
        })
        .collect();
    let followed = followed.into_inner();

    let mut merged: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for finding in findings {
        merged.entry(finding.key.clone()).or_default().push(finding);
    }
    let mut problems: Vec<Diagnostic> = merged
        .into_values()
        .map(|mut same| {
            same.sort_by(|a, b| a.page.cmp(&b.page));
            // Name the content file that writes the URL (a biography shows
            // on every article of its author). A problem on one page only
            // is named at that page's content file, such as a lead image in
            // front matter. Others come from templates: name the output
            // file. A few sources are enough to look in.
            let texts: Vec<Option<(PathBuf, String)>> = same
                .iter()
                .take(50)
                .map(|f| {
                    let source = files[&f.page].source.clone()?;
                    let text = fs::read_to_string(&source).ok()?;
                    Some((source, text))
                })
                .collect();
            let writes_url = |i: usize| match (&texts[i], &same[i].written) {
                (Some((_, text)), Some(url)) => find_written(text, url).is_some(),
                _ => false,
            };
            let chosen = (0..texts.len()).find(|&i| writes_url(i));
            let chosen = chosen.or((same.len() == 1 && texts[0].is_some()).then_some(0));
            let (chosen, text) = match chosen {
                Some(i) => (i, texts[i].as_ref()),
                None => (0, None),
            };
            let first = &same[chosen];
            let mut message = format!("{} {}", page_path(&first.page), first.message);
            if same.len() > 1 {
                let others = same.len() - 1;
                message.push_str(&format!(
                    " (and on {others} other page{})",
                    if others == 1 { "" } else { "s" }
                ));
            }
            match text {
                Some((source, text)) => {
                    let diagnostic = Diagnostic::error(source, message);
                    match first
                        .written
                        .as_deref()
                        .and_then(|url| find_written(text, url))
                    {
                        Some(offset) => diagnostic.at_offset(text, offset),
                        None => diagnostic,
                    }
                }
                None => Diagnostic::error(output_dir.join(&first.page), message),
            }
        })
        .collect();
    problems
        .sort_by(|a, b| (&a.path, a.position, &a.message).cmp(&(&b.path, b.position, &b.message)));
    (problems, followed)
}

/// The wording of a reference of each kind, before its URL.
fn describe(kind: RefKind) -> &'static str {
    match kind {
        RefKind::Link => "links to",
        RefKind::Image => "shows the image",
        RefKind::Stylesheet => "loads the stylesheet",
        RefKind::Script => "loads the script",
        RefKind::Media => "embeds",
        RefKind::Canonical => "names as canonical",
        RefKind::Metadata => "gives in its metadata",
        RefKind::Listed => "lists",
    }
}

/// The path part of `url` under the site's base URL, decoded, or None for
/// a URL outside the site (another host, `mailto:`, ...).
fn internal_path(base: &Url, url: &Url) -> Option<String> {
    if url.scheme() != base.scheme()
        || url.host_str() != base.host_str()
        || url.port_or_known_default() != base.port_or_known_default()
    {
        return None;
    }
    let relative = url.path().strip_prefix(base.path())?;
    Some(
        percent_decode_str(relative)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// The output file a site path is served from: `a/` → `a/index.html`;
/// `a` → `a`, or `a/index.html`, which static hosts redirect to.
fn target_file(files: &HashMap<String, Collected>, relative: &str) -> Option<String> {
    let candidates = if relative.is_empty() || relative.ends_with('/') {
        vec![format!("{relative}index.html")]
    } else {
        vec![relative.to_string(), format!("{relative}/index.html")]
    };
    candidates.into_iter().find(|c| files.contains_key(c))
}

/// How a page is named in messages: its site path, `/a/b/` or `/feed.xml`.
fn page_path(file: &str) -> String {
    match file.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{file}"),
    }
}

/// Where a source file writes a URL: as it is, else its path (front matter
/// `image = "/images/x.png"` becomes an absolute URL), else its file name
/// (`image = "lead.jpg"` in a bundle).
fn find_written(text: &str, url: &str) -> Option<usize> {
    if let Some(at) = text.find(url) {
        return Some(at);
    }
    let parsed = Url::parse(url).ok()?;
    let path = parsed.path();
    let name = path.rsplit('/').next().unwrap_or("");
    [path, name]
        .into_iter()
        .filter(|candidate| candidate.len() > 4 && candidate.contains('.'))
        .find_map(|candidate| text.find(candidate))
}
