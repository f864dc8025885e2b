//! `gazette new` and `gazette init`: writing a new article file, and a
//! starter site that builds as it is.

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::slug::file_slug_for_title;
use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `gazette new` was asked for.
#[derive(Debug, Clone, Default)]
pub struct NewArticle {
    pub title: String,
    pub author: Option<String>,
    pub category: Option<String>,
    pub tags: Vec<String>,
}

/// Why `gazette new` wrote nothing.
#[derive(Debug)]
pub enum NewError {
    /// site.toml is missing or wrong: its diagnostics.
    Config(Vec<Diagnostic>),
    /// The article cannot be written: why, and what to do.
    Refused(String),
}

impl From<String> for NewError {
    fn from(why: String) -> NewError {
        NewError::Refused(why)
    }
}

/// Writes `content/articles/YYYY/SLUG.md`, dated `now` in the site's
/// timezone, as a draft. Returns its path; never overwrites a file.
pub fn new_article(
    root: &Path,
    article: &NewArticle,
    now: DateTime<Utc>,
) -> Result<PathBuf, NewError> {
    let config = Config::load(root).map_err(NewError::Config)?;
    let title = article.title.trim();
    let slug = file_slug_for_title(title);
    if slug.is_empty() {
        return Err(NewError::Refused(format!(
            "the title {title:?} has no letters or digits to make a file name from"
        )));
    }
    let local = now.with_timezone(&config.timezone);
    let relative = PathBuf::from(format!("content/articles/{}/{slug}.md", local.year()));
    // `--root .` (the default) prints the path as the writer would type it.
    let path = if root == Path::new(".") {
        relative
    } else {
        root.join(&relative)
    };

    // Written key by key, in the order a writer reads them; each value is
    // quoted and escaped by the toml crate.
    let quoted = |s: &str| toml::Value::String(s.trim().to_string()).to_string();
    let mut text = String::from("+++\n");
    text.push_str(&format!("title = {}\n", quoted(title)));
    // The date as an offset date-time in the site's zone, as TOML writes one.
    text.push_str(&format!(
        "date = {}\n",
        local.to_rfc3339_opts(SecondsFormat::Secs, true)
    ));
    // A desk of one writes every byline: its one profile is the default.
    if let Some(author) = article.author.clone().or_else(|| sole_profile(root)) {
        text.push_str(&format!("author = {}\n", quoted(&author)));
    }
    if let Some(category) = &article.category {
        text.push_str(&format!("category = {}\n", quoted(category)));
    }
    let tags: Vec<String> = (article.tags.iter())
        .filter(|t| !t.trim().is_empty())
        .map(|t| quoted(t))
        .collect();
    if !tags.is_empty() {
        text.push_str(&format!("tags = [{}]\n", tags.join(", ")));
    }
    text.push_str("draft = true\n+++\n\nThe first paragraph is the summary readers see in lists and feeds.\n\n## A subheading\n\nThe rest of the story.\n");

    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder).map_err(|e| format!("cannot make {}: {e}", folder.display()))?;
        // A link in content/ (a cloned site can ship one) must not send the
        // new file outside the site.
        let inside = match (fs::canonicalize(folder), fs::canonicalize(root)) {
            (Ok(folder), Ok(root)) => folder.starts_with(root),
            _ => false,
        };
        if !inside {
            return Err(NewError::Refused(format!(
                "{} leads outside the site through a symbolic link: gazette new writes only inside the site; remove the link",
                folder.display()
            )));
        }
    }
    // `create_new` refuses an existing file even if it appears meanwhile.
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!(
                    "{} already exists: gazette new never overwrites; choose another title or edit that file",
                    path.display()
                )
            } else {
                format!("cannot write {}: {e}", path.display())
            }
        })?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// The ID of the site's author profile when it has exactly one
/// (`content/authors/ID.md`).
fn sole_profile(root: &Path) -> Option<String> {
    let entries = fs::read_dir(root.join("content/authors")).ok()?;
    let mut ids = entries.filter_map(Result::ok).filter_map(|e| {
        let path = e.path();
        let stem = path.file_stem()?.to_string_lossy().into_owned();
        let visible = !stem.starts_with('.') && !stem.starts_with('_');
        let markdown = path.extension().is_some_and(|x| x == "md");
        (visible && markdown && e.file_type().ok()?.is_file()).then_some(stem)
    });
    let only = ids.next()?;
    ids.next().is_none().then_some(only)
}

/// Writes a starter site into `dir`, which must be empty or absent.
/// Returns the files written, relative to `dir`.
pub fn init_site(dir: &Path, now: DateTime<Utc>) -> Result<Vec<PathBuf>, String> {
    // A folder holding only hidden entries (a fresh `git init`, `.github/`)
    // is as good as empty: none of them is a file init writes.
    if dir.exists() {
        let entries =
            fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let visible = entries
            .filter_map(Result::ok)
            .any(|e| !e.file_name().to_string_lossy().starts_with('.'));
        if visible {
            return Err(format!(
                "{} is not empty: gazette init writes a new site only into an empty or new folder (or one that holds only hidden files such as .git)",
                dir.display()
            ));
        }
    }
    // The starters are dated an hour and two hours before now, so they are
    // published at whatever time of day `init` runs (a fixed time of day
    // would leave them scheduled until it comes). The starter site's
    // timezone is UTC, so a date without an offset is read as written.
    let stamp = |hours_ago: i64| {
        (now - chrono::Duration::hours(hours_ago))
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    };
    let welcome_date = stamp(1);
    let second_date = stamp(2);
    let year = (now - chrono::Duration::hours(1)).year();
    let second_year = (now - chrono::Duration::hours(2)).year();
    let files: Vec<(String, String)> = vec![
        ("site.toml".into(), STARTER_SITE_TOML.into()),
        (
            format!("content/articles/{year}/welcome-to-the-desk.md"),
            STARTER_WELCOME.replace("{date}", &welcome_date),
        ),
        (
            format!("content/articles/{second_year}/how-we-report.md"),
            STARTER_SECOND.replace("{date}", &second_date),
        ),
        ("content/authors/editor.md".into(), STARTER_AUTHOR.into()),
        ("content/pages/about.md".into(), STARTER_ABOUT.into()),
    ];
    let mut files = files;
    // The output and gazette's folders beside it are made by builds: they
    // stay out of version control. A .gitignore already there is kept.
    if !dir.join(".gitignore").exists() {
        files.push((".gitignore".into(), STARTER_GITIGNORE.into()));
    }
    let mut written = Vec::new();
    for (relative, text) in files {
        let path = dir.join(&relative);
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder)
                .map_err(|e| format!("cannot make {}: {e}", folder.display()))?;
        }
        // `create_new`: init never overwrites a file, even one made meanwhile.
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut file| file.write_all(text.as_bytes()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(PathBuf::from(relative));
    }
    Ok(written)
}

const STARTER_GITIGNORE: &str = "# Made by gazette build: the site, and gazette's staging, cache and lock.\n/public/\n/.public.gazette-*\n/.gazette-cache/\n";

const STARTER_SITE_TOML: &str = r#"# The site's settings; every key is described in gazette's docs/reference.md.
title = "The Morning Desk"
description = "News from our newsroom"
# The address the site will be published at: every link and feed uses it.
base_url = "https://news.example.com/"
language = "en"
# Dates without an offset are read in this zone, and pages show it.
timezone = "UTC"
permalink = "/:year/:month/:day/:slug/"
per_page = 10
"#;

const STARTER_WELCOME: &str = r#"+++
title = "Welcome to the desk"
date = {date}
author = "editor"
category = "Newsroom"
tags = ["announcements"]
summary = "This site was made by gazette init. Edit this article, or write a new one with gazette new."
+++

This site was made by `gazette init`. Each article is a Markdown file under
`content/articles/`, with its title, date and byline in the front matter
between the `+++` lines.

## Writing

Run `gazette new "Your headline"` to start an article, and
`gazette serve --drafts` to watch it in the browser as you write: every save
reloads the page.

## Publishing

Run `gazette build`: the finished site is written to `public/`, ready for
any static host. Run `gazette check` first to catch broken links.
"#;

const STARTER_SECOND: &str = r#"+++
title = "How we report"
date = {date}
author = "editor"
category = "Newsroom"
tags = ["standards"]
+++

We check every figure with two sources and name them. Corrections are added
at the end of the story, with the date, and the `updated` date in the front
matter is set so feed readers show the change.

Read more [about us](@/pages/about.md).
"#;

const STARTER_AUTHOR: &str = r#"+++
name = "The Editor"
[links]
Email = "mailto:editor@news.example.com"
+++

Edits the desk. Write the author's biography here, in Markdown.
"#;

const STARTER_ABOUT: &str = r#"+++
title = "About us"
+++

Who we are, what we cover and how to reach the newsroom.
"#;
