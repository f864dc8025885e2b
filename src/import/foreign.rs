//! What the Hugo and Jekyll importers share: reading another generator's
//! content files (front matter in TOML, YAML or JSON, as one value), its
//! config file, values of loose types, and planning each document's new
//! path, URL and redirects.

use super::front::{self, ArticleFront};
use super::urls::{self, Addresses, PatternVote};
use super::writer::Writer;
use super::{ImportError, Report};
use crate::content::front_matter::{self, Format};
use crate::slug::{slug_as_given, slugify};
use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A content file of the source site: its front matter and body.
pub(crate) struct SourceFile {
    pub front: Map<String, Value>,
    pub body: String,
    /// Lines of the file above the body (for positions in the report).
    pub body_line: usize,
}

/// Reads a content file. None (with the reason) when it has no front
/// matter that parses.
pub(crate) fn read_content(path: &Path) -> Result<SourceFile, String> {
    let bytes = crate::sources::read_source(path).map_err(|e| format!("cannot read it: {e}"))?;
    let text = String::from_utf8_lossy(&bytes)
        .trim_start_matches('\u{feff}')
        .replace("\r\n", "\n");
    if text.trim_start().starts_with('{') {
        return read_json_front(&text);
    }
    let split = front_matter::split(&text, path).map_err(|d| d.message.clone())?;
    let front = match split.format {
        Format::Toml => toml::from_str::<toml::Table>(split.block)
            .map_err(|e| format!("its TOML front matter does not parse: {}", e.message()))
            .map(|t| toml_to_json(toml::Value::Table(t)))?,
        Format::Yaml => {
            if split.block.trim().is_empty() {
                Value::Object(Map::new())
            } else {
                serde_saphyr::from_str::<Value>(split.block)
                    .map_err(|e| format!("its YAML front matter does not parse: {e}"))?
            }
        }
    };
    let Value::Object(front) = front else {
        return Err("its front matter is not a table of keys".into());
    };
    Ok(SourceFile {
        front,
        body: split.body.to_string(),
        body_line: split.body_line_offset,
    })
}

/// Hugo's JSON front matter: a JSON object at the top of the file.
fn read_json_front(text: &str) -> Result<SourceFile, String> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Map<String, Value>>();
    let front = match stream.next() {
        Some(Ok(map)) => map,
        Some(Err(e)) => return Err(format!("its JSON front matter does not parse: {e}")),
        None => return Err("no front matter".into()),
    };
    let end = stream.byte_offset();
    let body_line = text[..end].matches('\n').count() + 1;
    Ok(SourceFile {
        front,
        body: text[end..].trim_start_matches(['\r', '\n']).to_string(),
        body_line,
    })
}

/// A TOML value as JSON, with dates as their text.
pub(crate) fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

/// Reads a config file (TOML, YAML or JSON by its extension) as JSON.
pub(crate) fn read_config(path: &Path) -> Result<Map<String, Value>, ImportError> {
    let shown = path.display();
    let bytes =
        crate::sources::read_source(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let text = String::from_utf8_lossy(&bytes)
        .trim_start_matches('\u{feff}')
        .to_string();
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let value = match extension {
        "toml" => toml::from_str::<toml::Table>(&text)
            .map(|t| toml_to_json(toml::Value::Table(t)))
            .map_err(|e| format!("{shown}: does not parse as TOML: {}", e.message()))?,
        "json" => serde_json::from_str(&text)
            .map_err(|e| format!("{shown}: does not parse as JSON: {e}"))?,
        _ if text.trim().is_empty() => Value::Object(Map::new()),
        _ => serde_saphyr::from_str(&text)
            .map_err(|e| format!("{shown}: does not parse as YAML: {e}"))?,
    };
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(format!("{shown}: not a table of settings").into()),
    }
}

/// A key looked up without regard to case (Hugo reads `baseURL` and
/// `baseurl` alike).
pub(crate) fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// `key`, which may be dotted (`office.name`) to look inside tables, as
/// text: None when it is missing, a list or a table.
pub(crate) fn dotted_text(map: &Map<String, Value>, key: &str) -> Option<String> {
    let mut parts = key.split('.');
    let mut value = get(map, parts.next()?)?;
    for part in parts {
        value = get(value.as_object()?, part)?;
    }
    text(Some(value))
}

/// A small text file of the source site (an old template), read only when
/// it is a plain file inside the site: a link out of the site is not
/// followed, and a file over 64 KB is not copied into a comment.
pub(crate) fn read_inside(site: &Path, relative: &str) -> Option<String> {
    let root = std::fs::canonicalize(site).ok()?;
    let file = std::fs::canonicalize(site.join(relative)).ok()?;
    let meta = std::fs::metadata(&file).ok()?;
    if !file.starts_with(&root) || !meta.is_file() || meta.len() > 64 * 1024 {
        return None;
    }
    std::fs::read_to_string(file).ok()
}

/// Writes the placeholder template of shortcode `name`
/// (`templates/shortcodes/NAME.html`), keeping the source site's old
/// template at `old_path`, when it can be read, in its comment.
pub(crate) fn write_placeholder(
    writer: &mut Writer,
    site: &Path,
    name: &str,
    what: &str,
    old_path: &str,
    report: &mut Report,
) -> Result<(), ImportError> {
    let old_text = read_inside(site, old_path);
    let stub = placeholder_template(what, old_text.as_deref().map(|t| (old_path, t)));
    writer.write(
        &format!("templates/shortcodes/{name}.html"),
        stub.as_bytes(),
        report,
    )?;
    Ok(())
}

/// The placeholder template `gazette import` writes for markup of the old
/// site that gazette has no counterpart for (`what`: "the Hugo site's own
/// shortcode `callout`"): it shows a call's body, and the build warns at
/// each call until someone writes the real one. The old template's text,
/// when there is one, is kept in its comment for whoever writes it.
pub(crate) fn placeholder_template(what: &str, old: Option<(&str, &str)>) -> String {
    let mut text = format!(
        "{} {what} has no gazette\n    template yet. Write one (docs/shortcodes.md); until then a call shows its body\n    only, and every build warns where it is.",
        crate::render::shortcodes::IMPORTED_PLACEHOLDER
    );
    if let Some((path, source)) = old {
        // A comment ends at the first `#}`.
        let source = source.replace("#}", "# }");
        text.push_str(&format!(
            "\n\n    The old site's template ({path}), for reference:\n\n{}\n",
            source.trim_end()
        ));
    }
    text.push_str(" -#}\n{% if body_html %}{{ body_html | safe }}{% endif %}\n");
    text
}

/// A value as text: strings as they are, numbers and booleans written out.
pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A value as a list of texts: a list, or one text (`tags: solo`), or a
/// space- or comma-separated string where the system reads it so.
pub(crate) fn texts(value: Option<&Value>, split_words: bool) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(|v| text(Some(v))).collect(),
        Some(v) => match text(Some(v)) {
            Some(s) if split_words => s
                .split([' ', ','])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            Some(s) => vec![s],
            None => Vec::new(),
        },
        None => Vec::new(),
    }
}

pub(crate) fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// A date of any form the build reads, in the site's timezone when it
/// has no offset; kept with the offset it was written with.
pub(crate) fn date(value: Option<&Value>, timezone: Tz) -> Option<DateTime<FixedOffset>> {
    let written = text(value)?;
    // Jekyll writes `2021-03-26 09:30:00 +0800`.
    if let Ok(d) = DateTime::parse_from_str(&written, "%Y-%m-%d %H:%M:%S %z") {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_str(&written, "%Y-%m-%d %H:%M %z") {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(&written) {
        return Some(d);
    }
    let utc = crate::content::dates::parse_date(&written, timezone).ok()?;
    Some(utc.with_timezone(&timezone).fixed_offset())
}

/// What a document becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Article,
    Page,
}

/// A document as planned: its new file, URL and redirects.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub kind: Kind,
    /// The source file, and how the report names it.
    pub source: PathBuf,
    pub shown: String,
    /// Path under content/.
    pub content: String,
    pub slug_key: Option<String>,
    pub date: Option<DateTime<FixedOffset>>,
    pub category: Option<String>,
    pub aliases: Vec<String>,
    /// Files to copy beside it (a bundle's photos): source, name.
    pub files: Vec<(PathBuf, String)>,
    pub published: bool,
}

/// A document before its URL is planned.
pub(crate) struct Seed {
    pub kind: Kind,
    pub source: PathBuf,
    pub shown: String,
    /// The folder under content/articles or content/pages it goes in,
    /// as in the source (`news/2021`), and its slug before collisions.
    pub folder: String,
    pub slug: String,
    pub date: Option<DateTime<FixedOffset>>,
    pub category: Option<String>,
    /// The old URL, and other old paths that led to it.
    pub old: Option<String>,
    pub aliases: Vec<String>,
    pub files: Vec<(PathBuf, String)>,
    pub published: bool,
}

/// Plans every seed's new path and URL: the permalink that gives the most
/// old article URLs as they were, and a redirect for each other old path.
pub(crate) fn plan(
    mut seeds: Vec<Seed>,
    timezone: Tz,
    fixed_pattern: Option<String>,
    report: &mut Report,
) -> (Vec<Planned>, Addresses) {
    let pattern = fixed_pattern.unwrap_or_else(|| {
        let mut vote = PatternVote::default();
        for seed in seeds
            .iter()
            .filter(|s| s.kind == Kind::Article && s.published)
        {
            if let (Some(old), Some(date)) = (&seed.old, seed.date) {
                let category = seed.category.as_deref().map(crate::slug::term_slug);
                vote.add(urls::pattern_of(
                    old,
                    date.with_timezone(&Utc),
                    timezone,
                    &slug_as_given(&seed.slug),
                    category.as_deref(),
                ));
            }
        }
        vote.winner()
    });
    let mut addresses = Addresses::new(pattern, timezone);
    seeds.sort_by(|a, b| (!a.published, a.date, &a.shown).cmp(&(!b.published, b.date, &b.shown)));
    let mut content_paths = HashSet::new();
    let mut planned = Vec::with_capacity(seeds.len());
    for seed in seeds {
        let mut base = slug_as_given(&seed.slug);
        if base.is_empty() {
            base = "untitled".into();
        }
        let url_of = |slug: &str| match (seed.kind, seed.date) {
            (Kind::Article, Some(date)) => {
                addresses.article(date.with_timezone(&Utc), slug, seed.category.as_deref())
            }
            _ => crate::paths::standalone_page(slug),
        };
        let top = match seed.kind {
            Kind::Article => "articles",
            Kind::Page => "pages",
        };
        let folder = if seed.folder.is_empty() {
            top.to_string()
        } else {
            format!("{top}/{}", seed.folder)
        };
        let file_of = |slug: &str| {
            if seed.files.is_empty() {
                format!("{folder}/{slug}.md")
            } else {
                format!("{folder}/{slug}/index.md")
            }
        };
        let mut slug = base.clone();
        let mut n = 1;
        while addresses.is_taken(&url_of(&slug)) || content_paths.contains(&file_of(&slug)) {
            n += 1;
            slug = format!("{base}-{n}");
        }
        if n > 1 {
            report.change(
                &seed.shown,
                format!("its URL or file is another document's: slug `{base}` became `{slug}`"),
            );
        }
        let url = url_of(&slug);
        addresses.claim(&url);
        let content = file_of(&slug);
        content_paths.insert(content.clone());
        let mut aliases = Vec::new();
        for old in seed.old.iter().chain(&seed.aliases) {
            if urls::same_path(old, &url) || old == "/" || aliases.contains(old) {
                continue;
            }
            if addresses.claim(old) {
                aliases.push(old.clone());
            } else {
                report.change(
                    &seed.shown,
                    format!("its old URL {old} is another document's URL now: no redirect"),
                );
            }
        }
        planned.push(Planned {
            kind: seed.kind,
            source: seed.source,
            shown: seed.shown,
            slug_key: (slugify(&slug) != slug).then(|| slug.clone()),
            content,
            date: seed.date,
            category: seed.category,
            aliases,
            files: seed.files,
            published: seed.published,
        });
    }
    (planned, addresses)
}

/// Writes a planned document and copies its bundle's files.
pub(crate) fn write_planned(
    doc: &Planned,
    text: &str,
    writer: &mut Writer,
    report: &mut Report,
) -> Result<(), ImportError> {
    let path = format!("content/{}", doc.content);
    writer.write(&path, text.as_bytes(), report)?;
    let folder = path.rsplit_once('/').map_or("", |(f, _)| f);
    for (from, name) in &doc.files {
        writer.copy(from, &format!("{folder}/{name}"), report)?;
        report.media_copied += 1;
    }
    match doc.kind {
        Kind::Article => report.posts += 1,
        Kind::Page => report.pages += 1,
    }
    report.redirects += doc.aliases.len();
    Ok(())
}

/// Copies a source site's folder of static files into static/, skipping
/// hidden files, and every link or special file (reported).
pub(crate) fn copy_static(
    site: &Path,
    folder: &str,
    into: &str,
    writer: &mut Writer,
    report: &mut Report,
    keep: impl Fn(&Path) -> bool,
) -> Result<(), ImportError> {
    let (files, problems) = crate::sources::walk_site_dir(site, Path::new(folder), |entry| {
        !entry.file_name().to_string_lossy().starts_with('.')
    });
    for problem in problems {
        report.skip(problem.path.display().to_string(), problem.message.clone());
    }
    let top = site.join(folder);
    for file in files {
        let Ok(relative) = file.strip_prefix(&top) else {
            continue;
        };
        if !keep(relative) {
            continue;
        }
        let relative = relative.to_string_lossy().replace('\\', "/");
        writer.copy(&file, &format!("{into}/{relative}"), report)?;
    }
    Ok(())
}

/// Sets what every article takes from its plan.
pub(crate) fn planned_front(doc: &Planned, article: &mut ArticleFront) {
    article.date = doc.date.map(front::datetime);
    article.slug = doc.slug_key.clone();
    article.aliases = doc.aliases.clone();
    article.category = doc.category.clone();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn an_old_template_is_read_only_from_inside_the_site() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("_includes")).unwrap();
        std::fs::write(dir.path().join("secret"), "password").unwrap();
        std::fs::write(site.join("_includes/a.html"), "<b>a</b>").unwrap();
        let outside = site.join("_includes/out.html");
        std::os::unix::fs::symlink(dir.path().join("secret"), outside).unwrap();
        std::fs::write(site.join("_includes/big.html"), "x".repeat(70_000)).unwrap();
        let read = |path: &str| read_inside(&site, path);
        assert_eq!(read("_includes/a.html").as_deref(), Some("<b>a</b>"));
        assert_eq!(read("_includes/out.html"), None);
        assert_eq!(read("../secret"), None);
        assert_eq!(read("_includes/big.html"), None);
        assert_eq!(read("_includes"), None);
    }

    #[test]
    fn a_placeholder_keeps_the_old_template_in_its_comment() {
        let old = ("_includes/a.html", "{# x #}{{ include.y }}");
        let text = placeholder_template("the Jekyll include `a.html`", Some(old));
        assert!(text.starts_with(crate::render::shortcodes::IMPORTED_PLACEHOLDER));
        // The old text's own `#}` does not end the comment early.
        assert_eq!(text.matches("#}").count(), 1, "{text}");
        assert!(text.contains("{# x # }{{ include.y }}"), "{text}");
        let none = placeholder_template("the Jekyll include `a.html`", None);
        let render = |t: &str| tera::Tera::one_off(t, &tera::Context::new(), false).unwrap();
        assert_eq!(render(&text), render(&none));
    }
}
