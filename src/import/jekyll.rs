//! `gazette import jekyll`: a Jekyll site's posts, collections and pages as
//! a gazette site.
//!
//! Each old URL is worked out as Jekyll made it (the post's `permalink`,
//! the site's permalink style, categories from front matter and folders),
//! `post_url` and `link` tags become `@/` links, `highlight` blocks become
//! fenced code, and the rest of the site's files are copied to static/.

use super::embeds;
use super::foreign::{self, Kind, Planned, Seed, get, text, texts, truthy};
use super::front::{self, ArticleFront, PageFront, SiteToml, document};
use super::html::Converter;
use super::urls;
use super::writer::Writer;
use super::{ImportError, Options, Report};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use url::Url;

/// Files and folders Jekyll itself never publishes.
const NEVER_PUBLISHED: &[&str] = &[
    "Gemfile",
    "Gemfile.lock",
    "node_modules",
    "vendor",
    "package.json",
    "package-lock.json",
    "README.md",
    "LICENSE",
    "LICENSE.md",
    "CHANGELOG.md",
    "Rakefile",
];

/// Front matter keys that have a place in gazette's; the rest go under
/// `extra`.
const MAPPED: &[&str] = &[
    "title",
    "date",
    "last_modified_at",
    "categories",
    "category",
    "tags",
    "author",
    "authors",
    "permalink",
    "redirect_from",
    "excerpt",
    "description",
    "image",
    "published",
    "slug",
    "layout",
];

struct Config {
    /// The config file, as the report names it.
    source: String,
    title: String,
    description: String,
    base: Option<Url>,
    timezone: Tz,
    language: String,
    permalink: String,
    excerpt_separator: Option<String>,
    /// Collections Jekyll writes out, and their permalink patterns.
    collections: BTreeMap<String, Option<String>>,
    exclude: Vec<String>,
    /// Every setting, for `{{ site.NAME }}` in a body.
    values: Map<String, Value>,
}

pub(super) fn import(
    site: &Path,
    options: &Options,
    writer: &mut Writer,
    report: &mut Report,
) -> Result<(), ImportError> {
    if !site.is_dir() {
        return Err(format!(
            "{}: no such folder; give the Jekyll site's folder",
            site.display()
        )
        .into());
    }
    let config = read_config(site, options)?;
    let (files, problems) = crate::sources::walk_site_dir(site, Path::new("."), |entry| {
        let name = entry.file_name().to_string_lossy();
        !name.starts_with('.') && name != "_site" && !NEVER_PUBLISHED.contains(&name.as_ref())
    });
    for problem in problems {
        report.skip(problem.path.display().to_string(), problem.message.clone());
    }
    let mut seeds = Vec::new();
    let mut statics = Vec::new();
    let now = Utc::now();
    // A site imported into a folder of the Jekyll site itself is not
    // read back in as that site's files on the next run.
    let into = std::fs::canonicalize(&options.into).ok();
    for file in files {
        if let Some(into) = &into
            && std::fs::canonicalize(&file).is_ok_and(|f| f.starts_with(into))
        {
            continue;
        }
        let relative = file.strip_prefix(site).unwrap_or(&file).to_path_buf();
        let relative_text = relative.to_string_lossy().replace('\\', "/");
        let relative_text = relative_text.trim_start_matches("./").to_string();
        if config
            .exclude
            .iter()
            .any(|e| relative_text == *e || relative_text.starts_with(&format!("{e}/")))
        {
            continue;
        }
        match classify(&relative_text, &config) {
            Role::Post { categories } => {
                if let Some(seed) = seed_of(
                    &file,
                    &relative_text,
                    Kind::Article,
                    &categories,
                    None,
                    &config,
                    now,
                    report,
                ) {
                    seeds.push(seed);
                }
            }
            Role::Draft => {
                if let Some(mut seed) = seed_of(
                    &file,
                    &relative_text,
                    Kind::Article,
                    &[],
                    None,
                    &config,
                    now,
                    report,
                ) {
                    seed.published = false;
                    seeds.push(seed);
                }
            }
            Role::Collection(name) => {
                let pattern = config.collections.get(&name).cloned().flatten();
                if let Some(seed) = seed_of(
                    &file,
                    &relative_text,
                    // A dated document is an article, decided once read.
                    Kind::Article,
                    &[],
                    Some((&name, pattern)),
                    &config,
                    now,
                    report,
                ) {
                    seeds.push(seed);
                }
            }
            Role::Page => {
                let has_front = std::fs::read(&file).is_ok_and(|b| b.starts_with(b"---"));
                let name = relative_text.as_str();
                if !has_front {
                    statics.push((file.clone(), relative_text.clone()));
                } else if matches!(name, "index.html" | "index.md" | "404.html" | "404.md") {
                    report.skip(
                        &relative_text,
                        "gazette makes the front page and the not-found page itself",
                    );
                } else if name.ends_with(".md")
                    || name.ends_with(".markdown")
                    || name.ends_with(".html")
                {
                    if let Some(seed) = seed_of(
                        &file,
                        &relative_text,
                        Kind::Page,
                        &[],
                        None,
                        &config,
                        now,
                        report,
                    ) {
                        seeds.push(seed);
                    }
                } else {
                    report.skip(
                        &relative_text,
                        "a file Jekyll runs through Liquid (a feed, a sitemap, Sass): gazette makes its own feeds and sitemaps, and does not compile Sass",
                    );
                }
            }
            Role::Internal(why) => {
                if let Some(why) = why {
                    report.skip(&relative_text, why);
                }
            }
        }
    }
    for folder in ["_layouts", "_includes", "_sass"] {
        if site.join(folder).is_dir() {
            report.skip(
                format!("{folder}/"),
                "Jekyll templates are not converted: gazette's built-in templates make the pages (templates/ replaces them)",
            );
        }
    }
    let (planned, addresses) = foreign::plan(seeds, config.timezone, None, report);
    let links = LinkIndex::new(&planned, site);
    // site.toml first: a re-run of an interrupted import finds the folder
    // is a site it made.
    let toml = SiteToml {
        title: config.title.clone(),
        base_url: front::base_url(config.base.as_ref(), &config.source, "no `url`", report),
        description: config.description.clone(),
        language: config.language.clone(),
        timezone: config.timezone.name().to_string(),
        permalink: addresses.pattern.clone(),
        sections: BTreeMap::new(),
    };
    writer.write("site.toml", toml.text("Jekyll").as_bytes(), report)?;
    let converter = Converter::new();
    let mut includes = BTreeMap::new();
    for doc in &planned {
        let source = match foreign::read_content(&doc.source) {
            Ok(s) => s,
            Err(why) => {
                report.skip(&doc.shown, why);
                continue;
            }
        };
        let html = doc.source.extension().is_some_and(|e| e == "html");
        let mut context = Context {
            links: &links,
            config: &config,
            page: &source.front,
            converter: &converter,
            html,
            includes: &mut includes,
        };
        let body = liquid(&source.body, doc, source.body_line, &mut context, report);
        let body = if html {
            converter.markdown(&body)
        } else {
            body
        };
        let text = document_of(doc, &source.front, &body, &config, report);
        foreign::write_planned(doc, &text, writer, report)?;
    }
    for (name, include) in &includes {
        let what = format!("the Jekyll include `{include}`");
        let old_path = format!("_includes/{include}");
        foreign::write_placeholder(writer, site, name, &what, &old_path, report)?;
    }
    for (file, relative) in statics {
        writer.copy(&file, &format!("static/{relative}"), report)?;
    }
    Ok(())
}

/// What the translation of a body's Liquid reads besides the body.
struct Context<'a> {
    links: &'a LinkIndex,
    config: &'a Config,
    /// The document's front matter, for `{{ page.NAME }}`.
    page: &'a Map<String, Value>,
    converter: &'a Converter,
    /// Whether the body is HTML (made Markdown after), not Markdown.
    html: bool,
    /// The includes made shortcode calls: shortcode name → include file.
    includes: &'a mut BTreeMap<String, String>,
}

impl Context<'_> {
    /// A plain text written into the body so it reads as that text.
    fn written(&self, value: &str) -> String {
        if self.html {
            html_escape::encode_text(value).into_owned()
        } else {
            self.converter.text(value)
        }
    }

    /// `page.NAME` or `site.NAME` (dotted further into tables) as text.
    fn variable(&self, expression: &str) -> Option<String> {
        if let Some(key) = expression.strip_prefix("page.") {
            foreign::dotted_text(self.page, key)
        } else if let Some(key) = expression.strip_prefix("site.") {
            foreign::dotted_text(&self.config.values, key)
        } else {
            None
        }
    }

    /// `{% include NAME.html key="value" … %}` as the shortcode call
    /// `{{< NAME key="value" … >}}` (its name, and the call), or why it
    /// cannot be one.
    fn include(&mut self, argument: &str) -> Result<(String, String), String> {
        let (file, arguments) = argument
            .split_once(char::is_whitespace)
            .unwrap_or((argument, ""));
        if file.contains("{{") || file.contains("..") || file.starts_with('/') {
            return Err(format!(
                "the include's name `{file}` is not a file of _includes/"
            ));
        }
        let stem = file
            .rsplit_once('.')
            .filter(|(_, ext)| matches!(*ext, "html" | "htm" | "md" | "markdown" | "liquid"))
            .map_or(file, |(stem, _)| stem);
        let mut name: String = stem
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' => c.to_ascii_lowercase(),
                _ => '-',
            })
            .collect();
        if name.is_empty() {
            return Err("an include with no name".into());
        }
        // The site's `figure.html` takes other arguments than gazette's.
        if crate::render::shortcodes::is_built_in(&name) {
            name = format!("include-{name}");
        }
        if self.includes.get(&name).is_some_and(|f| f != file) {
            return Err(format!("another include is already the shortcode `{name}`"));
        }
        let mut values = Vec::new();
        for (key, value, quoted) in liquid_arguments(arguments)? {
            // `key=page.image` names a variable; `key="text"` is the text.
            let value = if quoted || value.parse::<f64>().is_ok() {
                value
            } else {
                self.variable(&value).ok_or_else(|| {
                    format!("its argument {key}={value} is a variable with no text to write in")
                })?
            };
            values.push((key, value));
        }
        if let Some(figure) = photo_include(&values) {
            return Ok(("figure".into(), figure));
        }
        self.includes.insert(name.clone(), file.to_string());
        let pairs: Vec<(&str, &str)> = (values.iter())
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Ok((name.clone(), embeds::call(&name, &pairs)))
    }
}

/// An include given one photo (a `src`, `image`, `url`… naming a JPEG,
/// PNG, WebP or GIF) as gazette's `figure`, its caption, alt text and
/// credit taken from the arguments themes use for them: the photo shows,
/// where a template still to write would show nothing.
fn photo_include(values: &[(String, String)]) -> Option<String> {
    let value = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| values.iter().find(|(key, _)| key == k))
            .map_or("", |(_, v)| v.as_str())
    };
    let src = value(&["src", "image", "img", "photo", "url", "path", "file"]);
    let photo = src.rsplit_once('.').is_some_and(|(_, ext)| {
        ["jpg", "jpeg", "png", "gif", "webp"].contains(&ext.to_ascii_lowercase().as_str())
    });
    photo.then(|| {
        embeds::call(
            "figure",
            &[
                ("src", src),
                ("alt", value(&["alt", "title"])),
                ("caption", value(&["caption", "title", "text"])),
                ("credit", value(&["credit", "attribution", "source"])),
            ],
        )
    })
}

impl Context<'_> {}

/// An include's `key="text" key='text' key=variable` arguments: (key,
/// value, whether it was quoted).
fn liquid_arguments(text: &str) -> Result<Vec<(String, String, bool)>, String> {
    let mut found = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            return Err(format!("`{rest}` is not a `key=value` argument"));
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!("`{key}` is not an argument's name"));
        }
        let after = after.trim_start();
        let (value, quoted, next) = match after.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let close = after[1..]
                    .find(quote)
                    .ok_or_else(|| format!("the value of {key} is never closed"))?;
                (&after[1..1 + close], true, &after[close + 2..])
            }
            _ => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], false, &after[end..])
            }
        };
        found.push((key.to_ascii_lowercase(), value.to_string(), quoted));
        rest = next.trim_start();
    }
    Ok(found)
}

/// A Jekyll embed plugin's tag (jekyll-youtube, jekyll-twitter-plugin,
/// jekyll-gist and the like) as gazette's shortcode, or a link with why.
fn plugin_embed(tag: &str, argument: &str) -> Option<(String, Option<&'static str>)> {
    let words: Vec<&str> = (argument.split_whitespace())
        .map(|w| w.trim_matches(['"', '\'']))
        .filter(|w| *w != "oembed")
        .collect();
    let first = *words.first()?;
    if first.starts_with("http://") || first.starts_with("https://") {
        return embeds::for_url(first, None).map(|call| (call, None));
    }
    let id_like =
        |id: &str| (id.bytes()).all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    match tag {
        "youtube" if id_like(first) => Some((embeds::call("youtube", &[("id", first)]), None)),
        "vimeo" if first.bytes().all(|b| b.is_ascii_digit()) => {
            Some((embeds::call("vimeo", &[("id", first)]), None))
        }
        "instagram" if id_like(first) => {
            let url = format!("https://www.instagram.com/p/{first}/");
            Some((embeds::call("instagram", &[("url", &url)]), None))
        }
        "gist" => {
            let path = first.trim_matches('/');
            let valid = path.split('/').count() <= 2
                && path
                    .split('/')
                    .all(|part| !part.is_empty() && id_like(part));
            valid.then(|| (embeds::gist_link(path), Some(embeds::GIST_NOTE)))
        }
        _ => None,
    }
}

fn read_config(site: &Path, options: &Options) -> Result<Config, ImportError> {
    let path = ["_config.yml", "_config.yaml", "_config.toml"]
        .iter()
        .map(|n| site.join(n))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("{}: no _config.yml; is it a Jekyll site?", site.display()))?;
    let shown = path.display().to_string();
    let map = foreign::read_config(&path)?;
    let url = text(get(&map, "url")).unwrap_or_default();
    let baseurl = text(get(&map, "baseurl")).unwrap_or_default();
    let base = Url::parse(
        &format!(
            "{}/{}/",
            url.trim_end_matches('/'),
            baseurl.trim_matches('/')
        )
        .replace("//", "/")
        .replacen(":/", "://", 1),
    )
    .ok()
    .filter(|u| matches!(u.scheme(), "http" | "https"));
    let timezone = options.timezone.unwrap_or_else(|| {
        text(get(&map, "timezone"))
            .and_then(|t| t.parse().ok())
            .unwrap_or(chrono_tz::UTC)
    });
    let permalink = match text(get(&map, "permalink")).as_deref() {
        None | Some("date") => "/:categories/:year/:month/:day/:title:output_ext".to_string(),
        Some("pretty") => "/:categories/:year/:month/:day/:title/".to_string(),
        Some("ordinal") => "/:categories/:year/:y_day/:title:output_ext".to_string(),
        Some("weekdate") => "/:categories/:year/W:week/:short_day/:title:output_ext".to_string(),
        Some("none") => "/:categories/:title:output_ext".to_string(),
        Some(pattern) => pattern.to_string(),
    };
    let mut collections = BTreeMap::new();
    if let Some(Value::Object(table)) = get(&map, "collections") {
        for (name, settings) in table {
            let output = settings.get("output").is_some_and(|o| truthy(Some(o)));
            if output {
                collections.insert(name.clone(), text(settings.get("permalink")));
            }
        }
    }
    Ok(Config {
        source: shown,
        title: text(get(&map, "title")).unwrap_or_else(|| "Imported site".into()),
        description: text(get(&map, "description")).unwrap_or_default(),
        base,
        timezone,
        language: text(get(&map, "lang"))
            .or_else(|| text(get(&map, "locale")))
            .and_then(|l| front::language_tag(&l))
            .unwrap_or_else(|| "en".into()),
        permalink,
        excerpt_separator: text(get(&map, "excerpt_separator")),
        collections,
        exclude: texts(get(&map, "exclude"), false),
        values: map.clone(),
    })
}

enum Role {
    /// A post, with the categories its folders give (`news/_posts/`).
    Post {
        categories: Vec<String>,
    },
    Draft,
    Collection(String),
    Page,
    /// Jekyll's own files (templates, data, config): not published, with
    /// a reason to report or None.
    Internal(Option<&'static str>),
}

fn classify(relative: &str, config: &Config) -> Role {
    let parts: Vec<&str> = relative.split('/').collect();
    let content = |name: &str| {
        name.ends_with(".md")
            || name.ends_with(".markdown")
            || name.ends_with(".mkd")
            || name.ends_with(".html")
    };
    if let Some(at) = parts.iter().position(|p| *p == "_posts") {
        if !content(parts[parts.len() - 1]) {
            return Role::Internal(Some(
                "a file in _posts that is not a post (Markdown or HTML)",
            ));
        }
        return Role::Post {
            categories: parts[..at].iter().map(|s| s.to_string()).collect(),
        };
    }
    if parts[0] == "_drafts" {
        return if content(parts[parts.len() - 1]) {
            Role::Draft
        } else {
            Role::Internal(None)
        };
    }
    if let Some(name) = parts[0].strip_prefix('_') {
        if config.collections.contains_key(name) && content(parts[parts.len() - 1]) {
            return Role::Collection(name.to_string());
        }
        return Role::Internal(None);
    }
    if matches!(parts[0], "_config.yml" | "_config.yaml" | "_config.toml") {
        return Role::Internal(None);
    }
    Role::Page
}

/// A post's date and slug from its file name (`2021-03-26-xiaomi-ev.md`).
fn from_file_name(stem: &str) -> (Option<NaiveDate>, String) {
    let date = stem
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    match date {
        Some(d) if stem.len() > 11 => (Some(d), stem[11..].to_string()),
        _ => (None, stem.to_string()),
    }
}

#[allow(clippy::too_many_arguments)]
fn seed_of(
    file: &Path,
    relative: &str,
    kind: Kind,
    folder_categories: &[String],
    collection: Option<(&str, Option<String>)>,
    config: &Config,
    now: DateTime<Utc>,
    report: &mut Report,
) -> Option<Seed> {
    let source = match foreign::read_content(file) {
        Ok(s) => s,
        Err(why) => {
            report.skip(
                relative,
                format!("{why}; Jekyll copies such a file as it is, gazette skips it"),
            );
            return None;
        }
    };
    let front = &source.front;
    // A collection's document is an article when it has a date.
    let kind = match collection {
        Some(_) if get(front, "date").is_none() => Kind::Page,
        _ => kind,
    };
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (file_date, file_slug) = from_file_name(&stem);
    let date = foreign::date(get(front, "date"), config.timezone)
        .or_else(|| {
            file_date
                .and_then(|d| {
                    config
                        .timezone
                        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                        .earliest()
                })
                .map(|d| d.fixed_offset())
        })
        .or_else(|| {
            // Jekyll dates a draft by when its file was last saved.
            let saved = std::fs::metadata(file).and_then(|m| m.modified()).ok()?;
            (relative.starts_with("_drafts/")).then(|| {
                DateTime::<Utc>::from(saved)
                    .with_timezone(&config.timezone)
                    .fixed_offset()
            })
        });
    if kind == Kind::Article && date.is_none() {
        report.skip(
            relative,
            "a post with no date (none in its front matter or file name)",
        );
        return None;
    }
    let slug = text(get(front, "slug")).unwrap_or_else(|| file_slug.clone());
    let mut categories: Vec<String> = folder_categories.to_vec();
    categories.extend(texts(get(front, "categories"), true));
    categories.extend(texts(get(front, "category"), false));
    categories.dedup();
    let extension = if file
        .extension()
        .is_some_and(|e| e == "html" || e == "md" || e == "markdown" || e == "mkd")
    {
        ".html"
    } else {
        ""
    };
    let pattern = match (&collection, text(get(front, "permalink"))) {
        (_, Some(own)) => own,
        (Some((_, Some(pattern))), None) => pattern.clone(),
        (Some((name, None)), None) => format!("/{name}/:path:output_ext"),
        (None, None) if kind == Kind::Page => {
            if config.permalink.ends_with('/') {
                "/:path/".to_string()
            } else {
                "/:path:output_ext".to_string()
            }
        }
        (None, None) => config.permalink.clone(),
    };
    let path_in_folder = {
        let within = match &collection {
            Some((name, _)) => relative
                .strip_prefix(&format!("_{name}/"))
                .unwrap_or(relative),
            None => relative,
        };
        within
            .rsplit_once('.')
            .map_or(within, |(p, _)| p)
            .to_string()
    };
    let old = jekyll_url(
        &pattern,
        date,
        &slug,
        &categories,
        &path_in_folder,
        collection.map(|c| c.0),
        extension,
    );
    let mut aliases = Vec::new();
    for alias in texts(get(front, "redirect_from"), false) {
        match urls::site_path(&alias, config.base.as_ref()) {
            Ok(path) => aliases.push(path),
            Err(why) => report.change(relative, format!("redirect_from not kept: {why}")),
        }
    }
    if text(get(front, "redirect_to")).is_some() {
        report.skip(
            relative,
            "a redirect page (redirect_to): set the old path as an alias of its target instead",
        );
        return None;
    }
    let published = get(front, "published").is_none_or(|p| truthy(Some(p)));
    let folder = match kind {
        Kind::Article => date
            .map(|d| format!("{:04}", d.with_timezone(&config.timezone).year()))
            .unwrap_or_default(),
        Kind::Page => String::new(),
    };
    Some(Seed {
        kind,
        source: file.to_path_buf(),
        shown: relative.to_string(),
        folder,
        slug: if kind == Kind::Page {
            // `about/index.md` is the page `about`.
            path_in_folder
                .rsplit('/')
                .find(|s| *s != "index")
                .unwrap_or(&slug)
                .to_string()
        } else {
            slug
        },
        date: if kind == Kind::Article { date } else { None },
        category: categories.first().cloned(),
        old: Some(old),
        aliases,
        files: Vec::new(),
        published: published && date.is_none_or(|d| d <= now),
    })
}

/// The URL Jekyll gave a document: its permalink pattern filled in,
/// with Jekyll's empty-segment and case rules.
fn jekyll_url(
    pattern: &str,
    date: Option<DateTime<FixedOffset>>,
    slug: &str,
    categories: &[String],
    path: &str,
    collection: Option<&str>,
    extension: &str,
) -> String {
    let title = slugify_jekyll(slug);
    let categories = categories
        .iter()
        .map(|c| slugify_jekyll(c))
        .collect::<Vec<_>>()
        .join("/");
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(at) = rest.find(':') {
        out.push_str(&rest[..at]);
        let token: String = rest[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let value = match (token.as_str(), date) {
            ("year", Some(d)) => format!("{:04}", d.year()),
            ("short_year", Some(d)) => format!("{:02}", d.year() % 100),
            ("month", Some(d)) => format!("{:02}", d.month()),
            ("i_month", Some(d)) => d.month().to_string(),
            ("short_month", Some(d)) => d.format("%b").to_string(),
            ("long_month", Some(d)) => d.format("%B").to_string(),
            ("day", Some(d)) => format!("{:02}", d.day()),
            ("i_day", Some(d)) => d.day().to_string(),
            ("y_day", Some(d)) => format!("{:03}", d.ordinal()),
            ("week", Some(d)) => format!("{:02}", d.iso_week().week()),
            ("short_day", Some(d)) => d.format("%a").to_string(),
            ("long_day", Some(d)) => d.format("%A").to_string(),
            ("hour", Some(d)) => format!("{:02}", d.hour()),
            ("minute", Some(d)) => format!("{:02}", d.minute()),
            ("second", Some(d)) => format!("{:02}", d.second()),
            ("title" | "slug" | "name", _) => title.clone(),
            ("categories", _) => categories.clone(),
            ("path", _) => path.to_string(),
            ("collection", _) => collection.unwrap_or("").to_string(),
            ("output_ext", _) => extension.to_string(),
            (other, _) => format!(":{other}"),
        };
        out.push_str(&value);
        rest = &rest[at + 1 + token.len()..];
    }
    out.push_str(rest);
    let mut url = String::from("/");
    for segment in out.split('/').filter(|s| !s.is_empty()) {
        url.push_str(segment);
        url.push('/');
    }
    if !out.ends_with('/') {
        url.pop();
    }
    // `/about/index.html` is served as `/about/`.
    if let Some(folder) = url.strip_suffix("index.html") {
        return folder.to_string();
    }
    url
}

/// Jekyll's default slug of a title or category: lowercase, runs of
/// anything but letters and digits made one hyphen.
fn slugify_jekyll(text: &str) -> String {
    let mut out = String::new();
    let mut hyphen = false;
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '.' {
            if hyphen && !out.is_empty() {
                out.push('-');
            }
            hyphen = false;
            out.extend(c.to_lowercase());
        } else {
            hyphen = true;
        }
    }
    out
}

/// Where `post_url` and `link` tags lead: a post by its file stem (with or
/// without the folders above it), any document by its path in the site.
struct LinkIndex {
    by_key: HashMap<String, String>,
}

impl LinkIndex {
    fn new(planned: &[Planned], site: &Path) -> LinkIndex {
        let mut by_key = HashMap::new();
        let mut stems: HashMap<String, Vec<String>> = HashMap::new();
        for doc in planned.iter().filter(|d| d.published) {
            let relative = doc
                .source
                .strip_prefix(site)
                .unwrap_or(&doc.source)
                .to_string_lossy()
                .replace('\\', "/");
            by_key.insert(relative.clone(), doc.content.clone());
            let without = relative
                .rsplit_once('.')
                .map_or(relative.as_str(), |(p, _)| p);
            if let Some((_, after)) = without.split_once("_posts/") {
                by_key.insert(after.to_string(), doc.content.clone());
                let stem = after.rsplit('/').next().unwrap_or(after).to_string();
                stems.entry(stem).or_default().push(doc.content.clone());
            }
        }
        for (stem, targets) in stems {
            if targets.len() == 1 {
                by_key.entry(stem).or_insert_with(|| targets[0].clone());
            }
        }
        LinkIndex { by_key }
    }

    fn find(&self, key: &str) -> Option<&String> {
        let key = key.trim().trim_matches(['"', '\'']).trim_start_matches('/');
        self.by_key.get(key)
    }
}

/// The body with Jekyll's Liquid tags made gazette Markdown where they
/// have a counterpart, and the rest reported (and left, where the build
/// warns about them).
fn liquid(
    body: &str,
    doc: &Planned,
    body_line: usize,
    context: &mut Context,
    report: &mut Report,
) -> String {
    let (links, config) = (context.links, context.config);
    let mut body = body.to_string();
    if let Some(separator) = &config.excerpt_separator
        && !separator.trim().is_empty()
        && separator.trim() != crate::markdown::MORE_MARKER
    {
        // In place, so lines keep their numbers for the report.
        body = body.replacen(separator.trim(), crate::markdown::MORE_MARKER, 1);
    }
    body = body
        .lines()
        .map(|l| {
            if l.trim() == "<!--more-->" {
                crate::markdown::MORE_MARKER
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let place = |text: &str, at: usize| {
        format!(
            "{}:{}",
            doc.shown,
            body_line + text[..at].matches('\n').count() + 1
        )
    };
    let mut out = String::with_capacity(body.len());
    let mut rest = body.as_str();
    let mut offset = 0;
    let mut kramdown_attributes = false;
    while let Some(open) = rest.find(['{']) {
        let here = &rest[open..];
        let (replacement, len) = if let Some(after_open) = here.strip_prefix("{%") {
            // From after the `{%`, so `{%}` is not read as a tag.
            let Some(end) = after_open.find("%}").map(|e| e + 2) else {
                break;
            };
            let inner = here[2..end]
                .trim()
                .trim_start_matches('-')
                .trim_end_matches('-')
                .trim();
            let (tag, argument) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
            let argument = argument.trim();
            match tag {
                "post_url" | "link" => match links.find(argument) {
                    Some(target) => (format!("@/{target}"), end + 2),
                    None => {
                        report.change(place(&body, offset + open), format!("{{% {tag} {argument} %}}: no imported document has that name; left as written"));
                        (here[..end + 2].to_string(), end + 2)
                    }
                },
                "highlight" => {
                    let language = argument.split_whitespace().next().unwrap_or("");
                    match closing_tag(here, end + 2, "endhighlight") {
                        Some((close, after)) => {
                            let code = here[end + 2..close].trim_matches('\n');
                            let fence = if code.contains("```") { "~~~~" } else { "```" };
                            (format!("{fence}{language}\n{code}\n{fence}"), after)
                        }
                        None => (here[..end + 2].to_string(), end + 2),
                    }
                }
                "raw" => match closing_tag(here, end + 2, "endraw") {
                    Some((close, after)) => (here[end + 2..close].to_string(), after),
                    None => (String::new(), end + 2),
                },
                "comment" => match closing_tag(here, end + 2, "endcomment") {
                    Some((_, after)) => (String::new(), after),
                    None => (String::new(), end + 2),
                },
                "include" => {
                    let file = argument.split_whitespace().next().unwrap_or_default();
                    match context.include(argument) {
                        Ok((name, call)) => {
                            let made = if name == "figure" {
                                "a photo: gazette's `figure` shows it (the include's own markup is not kept)".to_string()
                            } else {
                                format!(
                                    "the shortcode call `{{{{< {name} >}}}}`, with a template to write (templates/shortcodes/{name}.html)"
                                )
                            };
                            report.change(
                                place(&body, offset + open),
                                format!("Liquid `{{% include {file} %}}`: {made}"),
                            );
                            (call, end + 2)
                        }
                        Err(why) => {
                            report.change(
                                place(&body, offset + open),
                                format!("Liquid `{{% include {file} %}}`: {why}: left as written (the build warns where it is)"),
                            );
                            (here[..end + 2].to_string(), end + 2)
                        }
                    }
                }
                "youtube" | "vimeo" | "twitter" | "tweet" | "instagram" | "gist" => {
                    match plugin_embed(tag, argument) {
                        Some((call, note)) => {
                            if let Some(note) = note {
                                report.change(
                                    place(&body, offset + open),
                                    format!("Liquid `{{% {tag} %}}`: {note}"),
                                );
                            }
                            (call, end + 2)
                        }
                        None => {
                            report.change(
                                place(&body, offset + open),
                                format!("Liquid `{{% {tag} {argument} %}}`: not an address or ID gazette's embeds read: left as written (the build warns where it is)"),
                            );
                            (here[..end + 2].to_string(), end + 2)
                        }
                    }
                }
                _ => {
                    report.change(
                        place(&body, offset + open),
                        format!("Liquid `{{% {tag} %}}` has no gazette counterpart: left as written (the build warns where it is)"),
                    );
                    (here[..end + 2].to_string(), end + 2)
                }
            }
        } else if here.starts_with("{{") {
            let Some(end) = here.find("}}") else { break };
            let inner = here[2..end].trim();
            // `{{ page.title }}`, `{{ site.author }}`: written in, when
            // they are text and no filter changes them.
            let variable = || {
                (!inner.contains('|'))
                    .then(|| context.variable(inner))
                    .flatten()
                    .map(|value| context.written(&value))
            };
            match site_variable(inner).or_else(variable) {
                Some(value) => (value, end + 2),
                None => {
                    report.change(
                        place(&body, offset + open),
                        format!(
                            "Liquid `{{{{ {inner} }}}}` has no gazette counterpart: left as written"
                        ),
                    );
                    (here[..end + 2].to_string(), end + 2)
                }
            }
        } else if here.starts_with("{:") && rest[..open].ends_with('\n')
            || (here.starts_with("{:") && open == 0 && offset == 0)
        {
            // A kramdown attribute list on a line of its own.
            let line_end = here.find('\n').unwrap_or(here.len());
            if here[..line_end].trim_end().ends_with('}') {
                kramdown_attributes = true;
                (String::new(), line_end)
            } else {
                ("{".to_string(), 1)
            }
        } else {
            ("{".to_string(), 1)
        };
        out.push_str(&rest[..open]);
        out.push_str(&replacement);
        offset += open + len;
        rest = &rest[open + len..];
    }
    out.push_str(rest);
    if kramdown_attributes {
        report.change(
            &doc.shown,
            "kramdown attribute lists ({: .class}) left out: they styled the old theme",
        );
    }
    out
}

/// The first `{% NAME %}` (with any spacing and `-` trims) in `text` from
/// `from`: where it starts and where it ends.
fn closing_tag(text: &str, from: usize, name: &str) -> Option<(usize, usize)> {
    let mut at = from;
    while let Some(open) = text[at..].find("{%").map(|o| o + at) {
        let close = text[open + 2..].find("%}")? + open + 2;
        let inner = text[open + 2..close].trim_matches(|c: char| c == '-' || c.is_whitespace());
        if inner == name {
            return Some((open, close + 2));
        }
        at = close + 2;
    }
    None
}

/// `site.baseurl` and friends made empty, so links become paths from the
/// site root; `'/x' | relative_url` made `/x`.
fn site_variable(inner: &str) -> Option<String> {
    let mut parts = inner.split('|').map(str::trim);
    let first = parts.next()?;
    let filters: Vec<&str> = parts.collect();
    if matches!(first, "site.baseurl" | "site.url" | "site.github.url") && filters.is_empty() {
        return Some(String::new());
    }
    let quoted = first.trim_matches(['"', '\'']);
    let is_literal = first.len() >= 2 && quoted.len() + 2 == first.len();
    if is_literal
        && filters.iter().all(|f| {
            matches!(
                *f,
                "relative_url" | "absolute_url" | "prepend: site.baseurl"
            )
        })
    {
        return Some(quoted.to_string());
    }
    None
}

/// The article's or page's gazette document.
fn document_of(
    doc: &Planned,
    front_in: &Map<String, Value>,
    body: &str,
    config: &Config,
    report: &mut Report,
) -> String {
    let stem = doc
        .source
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let title = text(get(front_in, "title"))
        .map(|t| front::clean(&t).0)
        .unwrap_or_else(|| {
            // Jekyll titles a post from its file name.
            let (_, slug) = from_file_name(&stem);
            let words = slug.replace(['-', '_'], " ");
            let mut chars = words.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        });
    let mut extra = toml::Table::new();
    for (key, value) in front_in {
        if !MAPPED.contains(&key.as_str())
            && let Some(value) = front::toml_value(value)
        {
            extra.insert(key.clone(), value);
        }
    }
    let draft = !doc.published && doc.date.is_none_or(|d| d <= Utc::now());
    if doc.kind == Kind::Page {
        let page = PageFront {
            title,
            slug: doc.slug_key.clone(),
            draft: get(front_in, "published").is_some_and(|p| !truthy(Some(p))),
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
    } else if doc.date.is_some_and(|d| d > Utc::now()) {
        report.scheduled += 1;
    }
    if let Some(category) = &doc.category {
        report.sections.insert(category.clone());
    }
    let mut categories = texts(get(front_in, "categories"), true);
    categories.extend(texts(get(front_in, "category"), false));
    let mut tags = texts(get(front_in, "tags"), true);
    tags.extend(
        categories
            .into_iter()
            .filter(|c| Some(c) != doc.category.as_ref()),
    );
    tags.dedup();
    tags.truncate(front::MAX_TAGS);
    report.tags.extend(tags.iter().cloned());
    article.tags = tags;
    let mut authors = texts(get(front_in, "authors"), false);
    authors.extend(texts(get(front_in, "author"), false));
    article.set_authors(authors.iter().map(|a| front::clean(a).0).collect());
    article.updated = foreign::date(get(front_in, "last_modified_at"), config.timezone)
        .filter(|u| {
            doc.date
                .is_some_and(|d| *u > d + chrono::Duration::hours(1))
        })
        .map(front::datetime);
    article.summary = text(get(front_in, "excerpt")).or_else(|| text(get(front_in, "description")));
    match get(front_in, "image") {
        Some(Value::Object(image)) => {
            article.image = text(image.get("path")).or_else(|| text(image.get("feature")));
            article.image_alt = text(image.get("alt"));
            article.image_caption = text(image.get("caption"));
        }
        other => article.image = text(other),
    }
    // A site-root path (`/assets/x.jpg`) works as it is; `assets/x.jpg`
    // meant the same in Jekyll's templates.
    if let Some(image) = &article.image
        && !image.contains("://")
        && !image.starts_with('/')
    {
        article.image = Some(format!("/{image}"));
    }
    document(&article, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Planned {
        Planned {
            kind: Kind::Article,
            source: "_posts/2021-01-01-a.md".into(),
            shown: "_posts/2021-01-01-a.md".into(),
            content: "articles/2021/a.md".into(),
            slug_key: None,
            date: None,
            category: None,
            aliases: Vec::new(),
            files: Vec::new(),
            published: true,
        }
    }

    fn config() -> Config {
        Config {
            source: "_config.yml".into(),
            title: String::new(),
            description: String::new(),
            base: None,
            timezone: chrono_tz::UTC,
            language: "en".into(),
            permalink: String::new(),
            excerpt_separator: Some("<!--more-->".into()),
            collections: BTreeMap::new(),
            exclude: Vec::new(),
            values: Map::new(),
        }
    }

    #[test]
    fn urls_are_made_as_jekyll_makes_them() {
        let date = DateTime::parse_from_rfc3339("2021-03-26T09:30:00+08:00").ok();
        let cats = ["Business".to_string(), "Autos & EVs".to_string()];
        let url = |pattern: &str, cats: &[String]| {
            jekyll_url(
                pattern,
                date,
                "Xiaomi EV",
                cats,
                "about/index",
                None,
                ".html",
            )
        };
        assert_eq!(
            url("/:categories/:year/:month/:day/:title:output_ext", &cats),
            "/business/autos-evs/2021/03/26/xiaomi-ev.html"
        );
        assert_eq!(
            url("/:categories/:year/:month/:day/:title:output_ext", &[]),
            "/2021/03/26/xiaomi-ev.html"
        );
        assert_eq!(
            url("/:categories/:year/:y_day/:title/", &[]),
            "/2021/085/xiaomi-ev/"
        );
        assert_eq!(url("/:path:output_ext", &[]), "/about/");
    }

    #[test]
    fn include_arguments_and_plugin_tags_are_read() {
        assert_eq!(
            liquid_arguments(r#"a="x y" b='z' c=page.image d = 3"#).unwrap(),
            [
                ("a".to_string(), "x y".to_string(), true),
                ("b".into(), "z".into(), true),
                ("c".into(), "page.image".into(), false),
                ("d".into(), "3".into(), false),
            ]
        );
        assert!(liquid_arguments("bare").is_err());
        assert!(liquid_arguments(r#"a="never closed"#).is_err());
        assert!(liquid_arguments("a b=c").is_err());
        let call = |tag: &str, argument: &str| plugin_embed(tag, argument).map(|(c, _)| c);
        assert_eq!(
            call("youtube", "\"https://www.youtube.com/watch?v=w7Ejrw5kBu0\""),
            Some("{{< youtube id=\"w7Ejrw5kBu0\" >}}".into())
        );
        assert_eq!(
            call("twitter", "oembed https://x.com/a/status/12 align=left"),
            Some("{{< tweet url=\"https://x.com/a/status/12\" >}}".into())
        );
        assert_eq!(
            call("gist", "parkr/931c1c8d"),
            Some("[Gist parkr/931c1c8d](https://gist.github.com/parkr/931c1c8d)".into())
        );
        assert_eq!(call("vimeo", "abc"), None);
        assert_eq!(call("gist", "a/b/c"), None);
        assert_eq!(call("youtube", "<script>"), None);
        assert_eq!(call("twitter", ""), None);
    }

    #[test]
    fn an_include_given_a_photo_is_a_figure() {
        let values = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            photo_include(&values(&[("url", "/a/B.JPG"), ("title", "Dawn")])),
            Some("{{< figure src=\"/a/B.JPG\" alt=\"Dawn\" caption=\"Dawn\" >}}".into())
        );
        assert_eq!(photo_include(&values(&[("url", "/about/")])), None);
        assert_eq!(photo_include(&values(&[("caption", "x.png")])), None);
    }

    proptest::proptest! {
        #[test]
        fn any_body_passes_through_liquid_without_panicking(body in "(\\PC|\\{|\\}|%|-|\\{% raw %\\}|\\{% endraw %\\}|\\{%- highlight x -%\\}|\\{% endhighlight %\\}|\\{% post_url a %\\}|\\{% include |\\{% youtube |\\{% gist |\\{\\{ page\\.|\\{\\{ site\\.|a\\.html |x=|\"|\'|/|\\{:|\\n){0,60}") {
            let mut report = Report::new("Jekyll", Path::new("x"));
            let links = LinkIndex { by_key: HashMap::new() };
            let (config, page, converter) = (config(), Map::new(), Converter::new());
            let mut includes = BTreeMap::new();
            let mut context = Context { links: &links, config: &config, page: &page, converter: &converter, html: false, includes: &mut includes };
            let _ = liquid(&body, &doc(), 3, &mut context, &mut report);
        }
    }
}
