//! `gazette import hugo`: a Hugo site's content as a gazette site.
//!
//! Sections and page bundles keep their folders (content/posts/x.md
//! becomes content/articles/posts/x.md), so `ref` links and photos keep
//! working; Hugo's built-in shortcodes become gazette's, and every old URL
//! (from `url`, `[permalinks]` or the folder) is the new one or a redirect.

use super::embeds;
use super::foreign::{self, Kind, Planned, Seed, get, text, texts, truthy};
use super::front::{self, ArticleFront, AuthorFront, PageFront, SiteToml, document};
use super::html::Converter;
use super::urls;
use super::writer::Writer;
use super::{ImportError, Options, Report};
use crate::shortcode::{self, Call, Value as Arg};
use crate::slug::slugify;
use chrono::{DateTime, Datelike, FixedOffset, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use url::Url;

const CONFIG_NAMES: &[&str] = &[
    "hugo.toml",
    "hugo.yaml",
    "hugo.yml",
    "hugo.json",
    "config.toml",
    "config.yaml",
    "config.yml",
    "config.json",
    "config/_default/hugo.toml",
    "config/_default/config.toml",
    "config/_default/hugo.yaml",
    "config/_default/config.yaml",
];

/// Front matter keys that have a place in gazette's; the rest go under
/// `extra`.
const MAPPED: &[&str] = &[
    "title",
    "date",
    "publishdate",
    "pubdate",
    "expirydate",
    "lastmod",
    "draft",
    "slug",
    "url",
    "aliases",
    "tags",
    "categories",
    "authors",
    "author",
    "summary",
    "description",
    "images",
    "image",
    "featured_image",
    "featuredimage",
];

struct Config {
    /// The config file, as the report names it.
    source: String,
    title: String,
    base: Option<Url>,
    language: String,
    description: String,
    timezone: Tz,
    permalinks: HashMap<String, String>,
    ugly: bool,
    content_dir: String,
    static_dir: String,
    /// The site's `params`, which the `param` shortcode reads.
    params: Map<String, Value>,
}

pub(super) fn import(
    site: &Path,
    options: &Options,
    writer: &mut Writer,
    report: &mut Report,
) -> Result<(), ImportError> {
    if !site.is_dir() {
        return Err(format!(
            "{}: no such folder; give the Hugo site's folder",
            site.display()
        )
        .into());
    }
    let config = read_config(site, options, report)?;
    let content = site.join(&config.content_dir);
    if !content.is_dir() {
        return Err(format!(
            "{}: no content folder; is {} a Hugo site?",
            content.display(),
            site.display()
        )
        .into());
    }
    for folder in ["layouts", "themes", "assets", "data", "i18n"] {
        if site.join(folder).is_dir() {
            report.skip(
                format!("{}/", site.join(folder).display()),
                "Hugo templates, theme and data are not converted: gazette's built-in templates make the pages (templates/ replaces them)",
            );
        }
    }
    let own_shortcodes = site_shortcodes(site);
    let (seeds, profiles) = seeds(site, &config, report);
    let (planned, addresses) = foreign::plan(seeds, config.timezone, None, report);
    let refs = RefIndex::new(&planned, &content);
    // site.toml first: a re-run of an interrupted import finds the folder
    // is a site it made.
    let toml = SiteToml {
        title: config.title.clone(),
        base_url: front::base_url(
            config.base.as_ref(),
            &config.source,
            "no absolute baseURL",
            report,
        ),
        description: config.description.clone(),
        language: config.language.clone(),
        timezone: config.timezone.name().to_string(),
        permalink: addresses.pattern.clone(),
        // Section names are shown as they are written.
        sections: BTreeMap::new(),
    };
    writer.write("site.toml", toml.text("Hugo").as_bytes(), report)?;
    let converter = Converter::new();
    let mut stubs = BTreeSet::new();
    let profile_ids: HashSet<String> = profiles.iter().map(|(id, _, _)| id.clone()).collect();
    for doc in &planned {
        let source = match foreign::read_content(&doc.source) {
            Ok(s) => s,
            Err(why) => {
                report.skip(&doc.shown, why);
                continue;
            }
        };
        let html = doc.source.extension().is_some_and(|e| e == "html");
        let body = if html {
            converter.markdown(&source.body)
        } else {
            source.body.clone()
        };
        let params = Params {
            page: &source.front,
            site: &config.params,
        };
        let body = body_of(
            &body,
            doc,
            source.body_line,
            &refs,
            &Shortcodes {
                own: &own_shortcodes,
                params,
                converter: &converter,
            },
            &mut stubs,
            report,
        );
        let text = document_of(
            doc,
            &source.front,
            &body,
            &profile_ids,
            config.timezone,
            report,
        );
        foreign::write_planned(doc, &text, writer, report)?;
    }
    for (id, profile, bio) in profiles {
        writer.write(
            &format!("content/authors/{id}.md"),
            document(&profile, &bio).as_bytes(),
            report,
        )?;
        report.authors.insert(id);
    }
    for name in &stubs {
        let what = format!("the Hugo site's own shortcode `{name}`");
        let old_path = format!("layouts/shortcodes/{name}.html");
        foreign::write_placeholder(writer, site, name, &what, &old_path, report)?;
    }
    if site.join(&config.static_dir).is_dir() {
        foreign::copy_static(site, &config.static_dir, "static", writer, report, |_| true)?;
    }
    Ok(())
}

fn read_config(site: &Path, options: &Options, report: &mut Report) -> Result<Config, ImportError> {
    let Some(path) = CONFIG_NAMES
        .iter()
        .map(|n| site.join(n))
        .find(|p| p.is_file())
    else {
        return Err(format!(
            "{}: no hugo.toml or config.toml; is it a Hugo site?",
            site.display()
        )
        .into());
    };
    let shown = path.display().to_string();
    let map = foreign::read_config(&path)?;
    let title = text(get(&map, "title")).unwrap_or_else(|| "Imported site".into());
    let base = text(get(&map, "baseURL")).and_then(|b| {
        let mut url = Url::parse(&b)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))?;
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Some(url)
    });
    let language = text(get(&map, "languageCode"))
        .or_else(|| text(get(&map, "defaultContentLanguage")))
        .and_then(|c| front::language_tag(&c))
        .unwrap_or_else(|| "en".into());
    if get(&map, "languages")
        .and_then(Value::as_object)
        .is_some_and(|l| l.len() > 1)
    {
        report.skip(&shown, "a multilingual site: only the content folder's documents are imported, as one language");
    }
    let timezone = options.timezone.unwrap_or_else(|| {
        text(get(&map, "timeZone"))
            .and_then(|t| t.parse().ok())
            .unwrap_or(chrono_tz::UTC)
    });
    let description = get(&map, "params")
        .and_then(Value::as_object)
        .and_then(|p| text(get(p, "description")))
        .or_else(|| text(get(&map, "description")))
        .unwrap_or_default();
    let mut permalinks = HashMap::new();
    if let Some(Value::Object(table)) = get(&map, "permalinks") {
        // Hugo 0.114 nests them by kind: [permalinks.page].
        let pages = table
            .get("page")
            .and_then(Value::as_object)
            .unwrap_or(table);
        for (section, pattern) in pages {
            if let Some(pattern) = text(Some(pattern)) {
                permalinks.insert(section.clone(), pattern);
            }
        }
    }
    Ok(Config {
        source: shown,
        title,
        base,
        language,
        description,
        timezone,
        permalinks,
        ugly: truthy(get(&map, "uglyURLs")),
        content_dir: text(get(&map, "contentDir")).unwrap_or_else(|| "content".into()),
        static_dir: text(get(&map, "staticDir")).unwrap_or_else(|| "static".into()),
        params: get(&map, "params")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
    })
}

/// The names of the site's own shortcodes (layouts/shortcodes, and its
/// themes').
fn site_shortcodes(site: &Path) -> HashSet<String> {
    let mut names = HashSet::new();
    let mut folders = vec![site.join("layouts/shortcodes")];
    if let Ok(themes) = std::fs::read_dir(site.join("themes")) {
        folders.extend(
            themes
                .filter_map(Result::ok)
                .map(|t| t.path().join("layouts/shortcodes")),
        );
    }
    for folder in folders {
        if let Ok(entries) = std::fs::read_dir(folder) {
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(stem) = name.split('.').next() {
                    names.insert(stem.to_string());
                }
            }
        }
    }
    names
}

/// A page bundle's files, by its folder: source path, and name inside it.
type Resources = HashMap<PathBuf, Vec<(PathBuf, String)>>;

fn is_content(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "md" | "markdown" | "html" | "htm"))
}

/// The content folder's documents, and the other files of each leaf
/// bundle (a folder with an index.md, subfolders included); any other
/// file is reported, as Hugo does not publish it.
fn documents_and_resources(
    files: Vec<PathBuf>,
    site: &Path,
    report: &mut Report,
) -> (Vec<PathBuf>, Resources) {
    let leaf_dirs: HashSet<PathBuf> = files
        .iter()
        .filter(|f| is_content(f) && f.file_stem().is_some_and(|s| s == "index"))
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    let mut resources: Resources = HashMap::new();
    let mut documents = Vec::new();
    for file in files {
        if is_content(&file) {
            documents.push(file);
            continue;
        }
        match file.ancestors().skip(1).find(|a| leaf_dirs.contains(*a)) {
            Some(dir) => {
                let name = file
                    .strip_prefix(dir)
                    .unwrap_or(&file)
                    .to_string_lossy()
                    .replace('\\', "/");
                let dir = dir.to_path_buf();
                resources.entry(dir).or_default().push((file, name));
            }
            None => {
                let known = file.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    matches!(e, "adoc" | "asciidoc" | "org" | "rst" | "pandoc" | "pdc")
                });
                let why = if known {
                    "a content format gazette does not read (only Markdown and HTML): convert it to Markdown"
                } else {
                    "a file outside any page bundle, which Hugo does not publish"
                };
                let shown = file
                    .strip_prefix(site)
                    .unwrap_or(&file)
                    .display()
                    .to_string();
                report.skip(shown, why);
            }
        }
    }
    (documents, resources)
}

type Profile = (String, AuthorFront, String);

/// Every document of the content folder, with its old URL; and author
/// profiles (content/authors/NAME/_index.md).
fn seeds(site: &Path, config: &Config, report: &mut Report) -> (Vec<Seed>, Vec<Profile>) {
    let content_rel = Path::new(&config.content_dir);
    let (files, problems) = crate::sources::walk_site_dir(site, content_rel, |entry| {
        !entry.file_name().to_string_lossy().starts_with('.')
    });
    for problem in problems {
        report.skip(problem.path.display().to_string(), problem.message.clone());
    }
    let content = site.join(content_rel);
    let (documents, mut resources) = documents_and_resources(files, site, report);
    let now = Utc::now();
    let mut seeds = Vec::new();
    let mut profiles = Vec::new();
    let mut sections_seen = HashSet::new();
    for file in &documents {
        let shown = file
            .strip_prefix(site)
            .unwrap_or(file)
            .display()
            .to_string();
        let relative = file.strip_prefix(&content).unwrap_or(file);
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let source = match foreign::read_content(file) {
            Ok(s) => s,
            Err(why) => {
                report.skip(&shown, why);
                continue;
            }
        };
        let front = &source.front;
        let parts: Vec<String> = relative
            .parent()
            .map(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        if stem == "_index" {
            if parts.len() == 2 && parts[0] == "authors" {
                let name = text(get(front, "title")).unwrap_or_else(|| parts[1].clone());
                let profile = AuthorFront {
                    name,
                    ..Default::default()
                };
                profiles.push((slugify(&parts[1]), profile, source.body.trim().to_string()));
            } else {
                report.skip(
                    &shown,
                    "a list page (_index): gazette makes the front, section and tag pages itself",
                );
            }
            continue;
        }
        let bundle = stem == "index";
        // The folder that holds the document (a bundle: its own folder).
        let (folder_parts, default_slug) = if bundle && !parts.is_empty() {
            (
                parts[..parts.len() - 1].to_vec(),
                parts[parts.len() - 1].clone(),
            )
        } else {
            (parts.clone(), stem.clone())
        };
        let section = parts.first().cloned();
        let title = text(get(front, "title")).unwrap_or_default();
        let date = ["date", "publishDate", "pubdate", "lastmod"]
            .iter()
            .find_map(|k| foreign::date(get(front, k), config.timezone));
        let draft = truthy(get(front, "draft"));
        let expired =
            foreign::date(get(front, "expiryDate"), config.timezone).is_some_and(|e| e <= now);
        let kind = if date.is_some() && section.is_some() {
            Kind::Article
        } else {
            Kind::Page
        };
        if kind == Kind::Article
            && let Some(s) = &section
        {
            sections_seen.insert(s.clone());
        }
        let slug = text(get(front, "slug")).unwrap_or_else(|| default_slug.clone());
        let old = old_url(
            config,
            front,
            &folder_parts,
            &default_slug,
            &title,
            date,
            section.as_deref(),
            &shown,
            report,
        );
        let mut aliases = Vec::new();
        for alias in texts(get(front, "aliases"), false) {
            match urls::site_path(&alias, config.base.as_ref()) {
                Ok(path) => aliases.push(path),
                Err(why) => report.change(&shown, format!("alias not kept: {why}")),
            }
        }
        let categories = texts(get(front, "categories"), false);
        // A bundle's files are attached below, once all are found.
        let files = Vec::new();
        let folder = match kind {
            Kind::Article => folder_parts.join("/"),
            Kind::Page => folder_parts.join("/"),
        };
        seeds.push(Seed {
            kind,
            source: file.clone(),
            shown,
            folder,
            slug,
            date: if kind == Kind::Article { date } else { None },
            category: categories.first().cloned().or(section),
            old,
            aliases,
            files,
            published: !draft && !expired && date.is_none_or(|d| d <= now),
        });
    }
    // Resources are gathered as files are met: a bundle's photo can come
    // before or after its index.md, so they are attached now.
    for seed in seeds.iter_mut() {
        if let Some(parent) = seed.source.parent()
            && seed.source.file_stem().is_some_and(|s| s == "index")
        {
            seed.files = resources.remove(parent).unwrap_or_default();
        }
    }
    // A site of one section (posts/) files nothing by it.
    if sections_seen.len() <= 1 {
        for seed in seeds.iter_mut() {
            if seed
                .category
                .as_deref()
                .is_some_and(|c| sections_seen.contains(c))
            {
                seed.category = None;
            }
        }
    }
    (seeds, profiles)
}

/// The URL Hugo gave the document: its `url`, its section's
/// `[permalinks]` pattern, or its folder and slug.
#[allow(clippy::too_many_arguments)]
fn old_url(
    config: &Config,
    front: &Map<String, Value>,
    folder: &[String],
    file_slug: &str,
    title: &str,
    date: Option<DateTime<FixedOffset>>,
    section: Option<&str>,
    shown: &str,
    report: &mut Report,
) -> Option<String> {
    if let Some(url) = text(get(front, "url")) {
        return match urls::site_path(&url, config.base.as_ref()) {
            Ok(path) => Some(path),
            Err(why) => {
                report.change(shown, format!("its url is not kept: {why}"));
                None
            }
        };
    }
    let slug = text(get(front, "slug"));
    let path = match section.and_then(|s| config.permalinks.get(s)) {
        Some(pattern) => {
            let expanded =
                expand_permalink(pattern, folder, file_slug, slug.as_deref(), title, date)?;
            if config.ugly && expanded.ends_with('/') {
                format!("{}.html", expanded.trim_end_matches('/'))
            } else {
                expanded
            }
        }
        None => {
            let mut path = String::from("/");
            for part in folder {
                path.push_str(part);
                path.push('/');
            }
            let last = slug.unwrap_or_else(|| file_slug.to_string());
            if config.ugly {
                format!("{path}{last}.html")
            } else {
                format!("{path}{last}/")
            }
        }
    };
    // Hugo lowercases paths and makes spaces hyphens.
    Some(path.to_lowercase().replace(' ', "-"))
}

/// A `[permalinks]` pattern filled in, as Hugo does; None for a token it
/// does not know (the old URL is then not kept, and reported).
fn expand_permalink(
    pattern: &str,
    folder: &[String],
    file_slug: &str,
    slug: Option<&str>,
    title: &str,
    date: Option<DateTime<FixedOffset>>,
) -> Option<String> {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(at) = rest.find(':') {
        out.push_str(&rest[..at]);
        let token: String = rest[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let value = match (token.as_str(), date) {
            ("year", Some(d)) => format!("{:04}", d.year()),
            ("month", Some(d)) => format!("{:02}", d.month()),
            ("monthname", Some(d)) => d.format("%B").to_string(),
            ("day", Some(d)) => format!("{:02}", d.day()),
            ("weekday", Some(d)) => d.weekday().num_days_from_sunday().to_string(),
            ("weekdayname", Some(d)) => d.format("%A").to_string(),
            ("yearday", Some(d)) => d.ordinal().to_string(),
            ("section", _) => folder.first().cloned().unwrap_or_default(),
            ("sections", _) => folder.join("/"),
            ("title", _) => urlize(title),
            ("slug", _) => slug.map_or_else(|| urlize(title), str::to_string),
            ("slugorfilename" | "slugorcontentbasename", _) => {
                slug.unwrap_or(file_slug).to_string()
            }
            ("filename" | "contentbasename", _) => file_slug.to_string(),
            _ => return None,
        };
        out.push_str(&value);
        rest = &rest[at + 1 + token.len()..];
    }
    out.push_str(rest);
    Some(if out.starts_with('/') {
        out
    } else {
        format!("/{out}")
    })
}

/// Hugo's `urlize` of a title: lowercase, spaces made hyphens, other
/// punctuation dropped (letters of every script kept).
fn urlize(title: &str) -> String {
    title
        .trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                Some(c.to_lowercase().collect::<String>())
            } else if c.is_whitespace() {
                Some("-".into())
            } else {
                None
            }
        })
        .collect()
}

/// Finds the new file a Hugo `ref` names: by its path in content/ (with
/// or without `.md`, a bundle by its folder), or by its file name alone
/// when one document has it.
struct RefIndex {
    by_path: HashMap<String, String>,
}

impl RefIndex {
    fn new(planned: &[Planned], content: &Path) -> RefIndex {
        let mut by_path = HashMap::new();
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for doc in planned.iter().filter(|d| d.published) {
            let relative = doc.source.strip_prefix(content).unwrap_or(&doc.source);
            let relative = relative.to_string_lossy().replace('\\', "/");
            let without = relative
                .rsplit_once('.')
                .map_or(relative.as_str(), |(s, _)| s)
                .to_string();
            let mut keys = vec![relative.clone(), without.clone()];
            if let Some(folder) = without.strip_suffix("/index") {
                keys.push(folder.to_string());
            }
            let target = doc.content.clone();
            for key in keys {
                by_path.insert(key.to_lowercase(), target.clone());
            }
            let name = without
                .trim_end_matches("/index")
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_lowercase();
            by_name.entry(name).or_default().push(target);
        }
        for (name, targets) in by_name {
            if targets.len() == 1 {
                by_path
                    .entry(name.clone())
                    .or_insert_with(|| targets[0].clone());
                by_path
                    .entry(format!("{name}.md"))
                    .or_insert_with(|| targets[0].clone());
            }
        }
        RefIndex { by_path }
    }

    fn find(&self, target: &str) -> Option<&String> {
        let key = target
            .trim()
            .trim_start_matches('/')
            .trim_end_matches('/')
            .to_lowercase();
        self.by_path.get(&key)
    }
}

/// The values Hugo's `param` shortcode looks up: the page's front matter
/// (and its `params` table), then the site's `params`.
#[derive(Clone, Copy)]
struct Params<'a> {
    page: &'a Map<String, Value>,
    site: &'a Map<String, Value>,
}

impl Params<'_> {
    /// `key`, which may be dotted (`author.name`), as text: a list or a
    /// table has no one text and is `None`.
    fn text(&self, key: &str) -> Option<String> {
        let page_params = get(self.page, "params").and_then(Value::as_object);
        foreign::dotted_text(self.page, key)
            .or_else(|| page_params.and_then(|p| foreign::dotted_text(p, key)))
            .or_else(|| foreign::dotted_text(self.site, key))
    }
}

/// What the translation of a body's shortcodes reads besides the call.
struct Shortcodes<'a> {
    /// The site's own shortcodes (layouts/shortcodes).
    own: &'a HashSet<String>,
    params: Params<'a>,
    /// To write a text as Markdown that reads as the same text.
    converter: &'a Converter,
}

/// The body with Hugo's shortcodes as gazette's.
fn body_of(
    body: &str,
    doc: &Planned,
    body_line: usize,
    refs: &RefIndex,
    shortcodes: &Shortcodes,
    stubs: &mut BTreeSet<String>,
    report: &mut Report,
) -> String {
    let body = more_marker(body);
    if !shortcode::may_have_calls(&body) {
        return body;
    }
    let code = shortcode::code_ranges(&body);
    let extracted = shortcode::extract(&body, &code);
    let place = |line: usize| format!("{}:{}", doc.shown, body_line + line);
    let line_of = |offset: usize| body[..offset].matches('\n').count() + 1;
    for error in &extracted.errors {
        report.change(
            place(line_of(error.offset)),
            format!(
                "a shortcode that does not read ({}): left as written; the build names it",
                error.message
            ),
        );
    }
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (span, target) in &extracted.refs {
        let (path, fragment) = target
            .split_once('#')
            .map_or((target.as_str(), None), |(p, f)| (p, Some(f)));
        // `{{< ref "#heading" >}}`: a heading of the same page.
        if path.trim().is_empty()
            && let Some(fragment) = fragment
        {
            edits.push((span.clone(), format!("#{fragment}")));
            continue;
        }
        match refs.find(path) {
            Some(found) => {
                let mut link = format!("@/{found}");
                if let Some(fragment) = fragment {
                    link.push('#');
                    link.push_str(fragment);
                }
                edits.push((span.clone(), link));
            }
            None => report.change(
                place(line_of(span.start)),
                format!("`ref` to {target:?}: no published document of the site has that path; left for the build to check"),
            ),
        }
    }
    for call in &extracted.calls {
        let at = place(body_line_of(call, &body));
        match translate(call, shortcodes) {
            Translation::Call(text) => edits.push((call.span.clone(), text)),
            Translation::Changed(text, note) => {
                report.change(&at, format!("{{{{< {} >}}}}: {note}", call.name));
                edits.push((call.span.clone(), text));
            }
            Translation::Keep => {}
            Translation::Stub => {
                stubs.insert(call.name.clone());
                report.change(
                    &at,
                    format!("{{{{< {} >}}}} is the Hugo site's own shortcode: kept, with a template to write (templates/shortcodes/{}.html)", call.name, call.name),
                );
            }
        }
    }
    edits.sort_by_key(|(span, _)| span.start);
    let mut out = String::with_capacity(body.len());
    let mut at = 0;
    for (span, text) in edits {
        if span.start < at {
            continue;
        }
        out.push_str(&body[at..span.start]);
        out.push_str(&text);
        at = span.end;
    }
    out.push_str(&body[at..]);
    out
}

fn body_line_of(call: &Call, body: &str) -> usize {
    body[..call.span.start].matches('\n').count() + 1
}

/// `<!--more-->` in the form the build reads.
fn more_marker(body: &str) -> String {
    if !body.contains("<!--more-->") {
        return body.to_string();
    }
    body.lines()
        .map(|line| {
            if line.trim() == "<!--more-->" {
                crate::markdown::MORE_MARKER
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

enum Translation {
    Call(String),
    Changed(String, String),
    /// Gazette reads it as written.
    Keep,
    /// The site's own: kept, and a template made for it.
    Stub,
}

fn arg_text(value: &Arg) -> String {
    match value {
        Arg::Text(s) => s.clone(),
        Arg::Integer(i) => i.to_string(),
        Arg::Number(n) => n.to_string(),
        Arg::Bool(b) => b.to_string(),
    }
}

/// One of Hugo's built-in shortcodes as gazette's.
fn translate(call: &Call, shortcodes: &Shortcodes) -> Translation {
    let named = |key: &str| {
        call.named
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| arg_text(v))
    };
    let first = |i: usize| call.positional.get(i).map(arg_text);
    let dropped = |keep: &[&str]| -> Vec<String> {
        call.named
            .iter()
            .map(|(k, _)| k.clone())
            .filter(|k| !keep.contains(&k.as_str()))
            .collect()
    };
    let with_note = |text: String, dropped: Vec<String>| {
        if dropped.is_empty() {
            Translation::Call(text)
        } else {
            Translation::Changed(
                text,
                format!(
                    "arguments gazette's has no use for left out: {}",
                    dropped.join(", ")
                ),
            )
        }
    };
    match call.name.as_str() {
        "figure" => {
            let src = named("src").or_else(|| first(0)).unwrap_or_default();
            let caption = named("caption")
                .or_else(|| named("title"))
                .unwrap_or_default();
            let credit = named("attr").unwrap_or_default();
            let link = named("link")
                .or_else(|| named("attrlink"))
                .unwrap_or_default();
            let alt = named("alt").unwrap_or_default();
            let text = embeds::call(
                "figure",
                &[
                    ("src", &src),
                    ("alt", &alt),
                    ("caption", &caption),
                    ("credit", &credit),
                    ("link", &link),
                ],
            );
            with_note(
                text,
                dropped(&["src", "alt", "caption", "title", "attr", "attrlink", "link"]),
            )
        }
        "youtube" | "vimeo" | "vimeo_simple" => {
            let name = call.name.trim_end_matches("_simple");
            let id = named("id").or_else(|| first(0)).unwrap_or_default();
            let title = named("title").unwrap_or_default();
            let mut args = vec![("id", id.as_str()), ("title", title.as_str())];
            let start = named("start");
            if name == "youtube"
                && let Some(start) = &start
            {
                args.push(("start", start));
            }
            with_note(
                embeds::call(name, &args),
                dropped(&["id", "title", "start"]),
            )
        }
        // `twitter` and `twitter_simple` are the names before Hugo 0.140.
        "tweet" | "x" | "twitter" | "twitter_simple" => {
            let id = named("id").or_else(|| first(0)).unwrap_or_default();
            let user = named("user").unwrap_or_else(|| "i".into());
            let url = format!("https://x.com/{user}/status/{id}");
            Translation::Call(embeds::call("tweet", &[("url", &url)]))
        }
        "instagram" => {
            let id = named("id").or_else(|| first(0)).unwrap_or_default();
            let url = format!("https://www.instagram.com/p/{id}/");
            Translation::Call(embeds::call("instagram", &[("url", &url)]))
        }
        "gist" => {
            let user = named("user").or_else(|| first(0)).unwrap_or_default();
            let id = named("id").or_else(|| first(1)).unwrap_or_default();
            Translation::Changed(
                embeds::gist_link(&format!("{user}/{id}")),
                embeds::GIST_NOTE.into(),
            )
        }
        "highlight" => {
            let language = first(0).unwrap_or_default();
            let code = call.body.clone().unwrap_or_default();
            let fence = if code.contains("```") { "~~~~" } else { "```" };
            Translation::Call(format!(
                "{fence}{language}\n{}\n{fence}",
                code.trim_matches('\n')
            ))
        }
        "comment" => Translation::Changed(String::new(), "an editor's comment: left out".into()),
        // Hugo prints the value where the call stands; gazette has no
        // page or site parameters to look up, so the import writes it in.
        "param" => {
            let key = named("name").or_else(|| first(0)).unwrap_or_default();
            match shortcodes.params.text(&key) {
                Some(value) => Translation::Call(shortcodes.converter.text(&value)),
                None => Translation::Changed(
                    String::new(),
                    format!(
                        "no text value {key:?} in the page's front matter or the site's params: left out"
                    ),
                ),
            }
        }
        // Hugo 0.140's collapsible section, as the HTML it makes.
        "details" => {
            let summary = named("summary").unwrap_or_else(|| "Details".into());
            let open = named("open").is_some_and(|o| o == "true");
            let body = call.body.clone().unwrap_or_default();
            let text = format!(
                "<details{}><summary>{}</summary>\n\n{}\n\n</details>",
                if open { " open" } else { "" },
                html_escape::encode_text(&summary),
                body.trim_matches('\n'),
            );
            with_note(text, dropped(&["summary", "open"]))
        }
        "qr" => {
            let value = named("text")
                .or_else(|| call.body.clone())
                .unwrap_or_default();
            let value = value.trim();
            let text = if value.starts_with("https://") || value.starts_with("http://") {
                format!("<{value}>")
            } else {
                shortcodes.converter.text(value)
            };
            Translation::Changed(
                text,
                "gazette makes no QR codes: what it encoded is written out instead".into(),
            )
        }
        name if shortcodes.own.contains(name) => Translation::Stub,
        name if crate::render::shortcodes::is_built_in(name) => Translation::Keep,
        _ => Translation::Stub,
    }
}

/// The article's or page's gazette document.
fn document_of(
    doc: &Planned,
    front_in: &Map<String, Value>,
    body: &str,
    profiles: &HashSet<String>,
    timezone: Tz,
    report: &mut Report,
) -> String {
    let (title, _) = front::clean(&text(get(front_in, "title")).unwrap_or_default());
    let title = if title.is_empty() {
        report.change(&doc.shown, "no title: titled with its file name");
        doc.content
            .rsplit('/')
            .nth(usize::from(doc.content.ends_with("/index.md")))
            .unwrap_or("untitled")
            .trim_end_matches(".md")
            .to_string()
    } else {
        title
    };
    let mut extra = toml::Table::new();
    for (key, value) in front_in {
        if !MAPPED.contains(&key.to_lowercase().as_str())
            && let Some(value) = front::toml_value(value)
        {
            extra.insert(key.clone(), value);
        }
    }
    let draft = truthy(get(front_in, "draft"));
    if doc.kind == Kind::Page {
        let page = PageFront {
            title,
            slug: doc.slug_key.clone(),
            draft,
            aliases: doc.aliases.clone(),
            extra,
        };
        return document(&page, body);
    }
    let mut article = ArticleFront {
        title,
        draft,
        extra,
        ..Default::default()
    };
    foreign::planned_front(doc, &mut article);
    if draft {
        report.drafts += 1;
    } else if !doc.published && doc.date.is_some_and(|d| d > Utc::now()) {
        report.scheduled += 1;
    }
    if let Some(category) = &doc.category {
        report.sections.insert(category.clone());
    }
    // A date without a time is midnight where the site is, as Hugo reads it.
    let offset = doc.date.map(|d| *d.offset());
    article.updated = foreign::date(get(front_in, "lastmod"), timezone)
        .filter(|u| {
            doc.date
                .is_some_and(|d| *u > d + chrono::Duration::hours(1))
        })
        .map(|u| front::datetime(offset.map_or(u, |tz| u.with_timezone(&tz))));
    article.expires = foreign::date(get(front_in, "expiryDate"), timezone).map(front::datetime);
    let mut tags = texts(get(front_in, "tags"), false);
    tags.extend(
        texts(get(front_in, "categories"), false)
            .into_iter()
            .skip(1),
    );
    tags.dedup();
    tags.truncate(front::MAX_TAGS);
    report.tags.extend(tags.iter().cloned());
    article.tags = tags;
    let mut authors = texts(get(front_in, "authors"), false);
    authors.extend(texts(get(front_in, "author"), false));
    // A byline that names a profile (content/authors/NAME/_index.md) is
    // that profile's ID.
    let authors = authors
        .iter()
        .map(|a| {
            let id = slugify(a);
            if profiles.contains(&id) {
                id
            } else {
                front::clean(a).0
            }
        })
        .collect();
    article.set_authors(authors);
    article.summary = text(get(front_in, "summary")).or_else(|| text(get(front_in, "description")));
    article.image = texts(get(front_in, "images"), false)
        .into_iter()
        .next()
        .or_else(|| text(get(front_in, "image")))
        .or_else(|| text(get(front_in, "featured_image")))
        .or_else(|| text(get(front_in, "featuredImage")));
    document(&article, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permalinks_are_filled_in_as_hugo_does() {
        let date = DateTime::parse_from_rfc3339("2021-03-26T09:30:00+08:00").ok();
        let folder = ["posts".to_string(), "2021".to_string()];
        let expand = |p: &str, slug| {
            expand_permalink(p, &folder, "xiaomi-ev", slug, "What's next: EVs", date)
        };
        assert_eq!(
            expand("/:year/:month/:slug/", None).unwrap(),
            "/2021/03/whats-next-evs/"
        );
        assert_eq!(
            expand("/:section/:slugorfilename/", None).unwrap(),
            "/posts/xiaomi-ev/"
        );
        assert_eq!(
            expand("/:sections/:filename/", Some("x")).unwrap(),
            "/posts/2021/xiaomi-ev/"
        );
        assert_eq!(
            expand(":monthname/:title/", None).unwrap(),
            "/March/whats-next-evs/"
        );
        assert_eq!(expand("/:unknowntoken/", None), None);
    }

    fn doc() -> Planned {
        Planned {
            kind: Kind::Article,
            source: "content/posts/a.md".into(),
            shown: "content/posts/a.md".into(),
            content: "articles/posts/a.md".into(),
            slug_key: None,
            date: None,
            category: None,
            aliases: Vec::new(),
            files: Vec::new(),
            published: true,
        }
    }

    proptest::proptest! {
        #[test]
        fn any_body_passes_through_without_panicking(body in "(\\PC|\\{\\{< |\\{\\{% | >\\}\\}| %\\}\\}|/|figure |youtube |ref |highlight |param |details |qr |vimeo_simple |\"|=|\\n){0,60}") {
            let mut report = Report::new("Hugo", Path::new("x"));
            let refs = RefIndex { by_path: HashMap::new() };
            let mut stubs = BTreeSet::new();
            let (own, front, converter) = (HashSet::new(), Map::new(), Converter::new());
            let shortcodes = Shortcodes { own: &own, params: Params { page: &front, site: &front }, converter: &converter };
            let _ = body_of(&body, &doc(), 3, &refs, &shortcodes, &mut stubs, &mut report);
        }
    }
}
