//! The site's data files: every TOML, YAML and JSON file under data/,
//! given to templates as `data.NAME` (a file's stem; a folder is a table
//! of its files), and the breaking-news banner, read from
//! data/breaking.toml.
//!
//! Data files are loaded with the content and are untrusted in the same
//! way: read through [`crate::sources`], each error named at its file and
//! line, every error of the folder in one run.

use crate::config::Config;
use crate::content::dates::{DateText, parse_date};
use crate::content::front_matter::{self, Format, Split};
use crate::diagnostics::{Diagnostic, display_path};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The folder data files are read from.
pub const DATA_DIR: &str = "data";

/// The data file whose stem makes the breaking-news banner.
pub const BREAKING: &str = "breaking";

/// What data/ holds.
#[derive(Debug, Clone, Default)]
pub struct SiteData {
    /// `data` for templates: each file's stem to its contents, each folder
    /// to a table of its own.
    pub tree: Map<String, Value>,
    /// The banner data/breaking.toml sets, if it sets one.
    pub breaking: Option<Breaking>,
}

/// A breaking-news banner: shown on every page until `until`.
#[derive(Debug, Clone, PartialEq)]
pub struct Breaking {
    pub text: String,
    /// Where the banner links: the story, or a live page.
    pub url: Option<String>,
    /// The word before the text ("Breaking").
    pub label: String,
    pub until: Option<DateTime<Utc>>,
    /// The file it came from, relative to the site root.
    pub file: String,
}

impl Breaking {
    /// Whether the banner shows at `now`.
    pub fn is_shown(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| until > now)
    }
}

const BREAKING_KEYS: &[&str] = &["text", "url", "label", "until"];

#[derive(Deserialize, Default)]
#[serde(default)]
struct BreakingFile {
    text: Option<String>,
    url: Option<String>,
    label: Option<String>,
    until: Option<DateText>,
}

/// Reads every data file of the site at `root`. Problems are errors at
/// their file and line; the data of the files without any is kept.
pub fn load(root: &Path, config: &Config) -> (SiteData, Vec<Diagnostic>) {
    let (files, mut problems) = crate::sources::walk_site_dir(root, Path::new(DATA_DIR), |e| {
        !e.file_name().to_string_lossy().starts_with('.')
    });
    let mut data = SiteData::default();
    for file in files {
        let relative = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
        let display = display_path(root, &relative);
        match read_one(&file, &display) {
            Ok((value, text, format)) => {
                let top_level_breaking = relative.parent() == Some(Path::new(DATA_DIR))
                    && relative.file_stem().is_some_and(|s| s == BREAKING);
                if top_level_breaking {
                    match breaking(&text, &value, format, &display, &relative, config) {
                        Ok(banner) => data.breaking = banner,
                        Err(errors) => problems.extend(errors),
                    }
                }
                if let Err(why) = place(&mut data.tree, &relative, value) {
                    problems.push(Diagnostic::error(&display, why));
                }
            }
            Err(errors) => problems.extend(errors),
        }
    }
    (data, problems)
}

/// A data file's format: front matter's two, or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataFormat {
    /// TOML or YAML.
    FrontMatter(Format),
    Json,
}

/// A data file's contents, its text and its format.
fn read_one(file: &Path, display: &Path) -> Result<(Value, String, DataFormat), Vec<Diagnostic>> {
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    let format = match extension {
        "toml" => Some(Format::Toml),
        "yaml" | "yml" => Some(Format::Yaml),
        "json" => None,
        _ => {
            return Err(vec![Diagnostic::error(
                display,
                "data files are TOML, YAML or JSON (`.toml`, `.yaml`, `.yml`, `.json`): move other files out of data/ (to static/, to publish them)",
            )]);
        }
    };
    let bytes = crate::sources::read_source(file)
        .map_err(|e| vec![Diagnostic::error(display, format!("cannot read it: {e}"))])?;
    let text = String::from_utf8(bytes).map_err(|_| {
        vec![Diagnostic::error(
            display,
            "not UTF-8 text: save the file as UTF-8",
        )]
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    if let Some(problem) = crate::sources::forbidden_control(display, &text) {
        return Err(vec![problem]);
    }
    let Some(format) = format else {
        let value = serde_json::from_str::<Value>(&text).map_err(|e| {
            let message = e.to_string();
            let message = match message.rfind(" at line ") {
                Some(at) => message[..at].to_string(),
                None => message,
            };
            vec![Diagnostic::error(display, message).at(&text, e.line(), e.column())]
        })?;
        return Ok((value, text, DataFormat::Json));
    };
    let whole = Split {
        format,
        block: &text,
        block_offset: 0,
        block_line_offset: 0,
        body: "",
        body_line_offset: 0,
    };
    let value = match format {
        Format::Toml => {
            front_matter::deserialize::<toml::Value>(&whole, &text, display).map(toml_to_json)?
        }
        _ => front_matter::deserialize::<Value>(&whole, &text, display)?,
    };
    Ok((value, text, DataFormat::FrontMatter(format)))
}

/// A TOML value as the JSON value templates see: a date-time becomes its
/// text, as written.
fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(k, v)| (k, toml_to_json(v)))
                .collect(),
        ),
    }
}

/// Puts `value` into `tree` at the place of `relative` (data/a/b.toml is
/// `a.b`).
fn place(tree: &mut Map<String, Value>, relative: &Path, value: Value) -> Result<(), String> {
    let inside: PathBuf = relative.strip_prefix(DATA_DIR).unwrap_or(relative).into();
    let mut names: Vec<String> = inside
        .parent()
        .into_iter()
        .flat_map(|p| p.iter())
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let stem = inside
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    names.push(stem);
    let (last, folders) = names.split_last().expect("a file has a name");
    let mut table = tree;
    let mut so_far = String::new();
    for folder in folders {
        so_far.push_str(folder);
        let entry = table
            .entry(folder.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        table = match entry {
            Value::Object(inner) => inner,
            _ => {
                return Err(format!(
                    "`data.{so_far}` is a file's data already, so the folder data/{so_far}/ cannot be a table of it: rename one"
                ));
            }
        };
        so_far.push('.');
    }
    if table.contains_key(last) {
        return Err(format!(
            "`data.{so_far}{last}` is given by another file or folder too: two data files may not share a name (whatever their formats); rename one"
        ));
    }
    table.insert(last.clone(), value);
    Ok(())
}

/// The banner of data/breaking.toml (`text`, and `value` as read from
/// it): None when the file sets no `text`
/// (an empty file takes the banner down).
fn breaking(
    text: &str,
    value: &Value,
    format: DataFormat,
    display: &Path,
    relative: &Path,
    config: &Config,
) -> Result<Option<Breaking>, Vec<Diagnostic>> {
    let raw: BreakingFile = match format {
        DataFormat::Json => {
            // JSON names no lines of keys; its values are checked as the
            // others are, at the file.
            serde_json::from_value(value.clone())
                .map_err(|e| vec![Diagnostic::error(display, format!("the banner: {e}"))])?
        }
        DataFormat::FrontMatter(format) => {
            let whole = Split {
                format,
                block: text,
                block_offset: 0,
                block_line_offset: 0,
                body: "",
                body_line_offset: 0,
            };
            front_matter::parse(
                &whole,
                text,
                display,
                BREAKING_KEYS,
                "the breaking-news banner",
            )?
        }
    };
    let at_key = |key: &str, message: String| {
        let d = Diagnostic::error(display, message);
        match crate::strict::find_key_line(text, None, key) {
            Some(line) => d.at(text, line, 1),
            None => d,
        }
    };
    let mut errors = Vec::new();
    let banner_text = raw.text.as_deref().map(str::trim).unwrap_or("");
    if banner_text.is_empty() {
        if raw.url.is_some() || raw.label.is_some() || raw.until.is_some() {
            errors.push(at_key(
                "text",
                "the banner has no `text`: write the news it announces, such as text = \"Typhoon signal No. 8 raised\", or empty the file to take the banner down".to_string(),
            ));
        }
        return if errors.is_empty() {
            Ok(None)
        } else {
            Err(errors)
        };
    }
    if let Some(why) = raw.url.as_deref().and_then(crate::content::unsafe_url) {
        errors.push(at_key("url", format!("`url`: {why}")));
    }
    let until = match raw.until.map(|d| parse_date(&d.0, config.timezone)) {
        Some(Ok(until)) => Some(until),
        Some(Err(why)) => {
            errors.push(at_key("until", format!("`until`: {why}")));
            None
        }
        None => None,
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let label = (raw.label.as_deref().map(str::trim))
        .filter(|l| !l.is_empty())
        .unwrap_or("Breaking")
        .to_string();
    Ok(Some(Breaking {
        text: banner_text.to_string(),
        url: raw.url.map(|u| u.trim().to_string()),
        label,
        until,
        file: relative.to_string_lossy().replace('\\', "/"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_placed_by_folder_and_stem_and_may_not_collide() {
        let mut tree = Map::new();
        place(&mut tree, Path::new("data/a.toml"), Value::from(1)).unwrap();
        place(
            &mut tree,
            Path::new("data/elections/2024.json"),
            Value::from(2),
        )
        .unwrap();
        assert_eq!(tree["elections"]["2024"], 2);
        let twice = place(&mut tree, Path::new("data/a.json"), Value::from(3)).unwrap_err();
        assert!(
            twice.contains("`data.a` is given by another file"),
            "{twice}"
        );
        let under_a_file = place(&mut tree, Path::new("data/a/b.toml"), Value::from(4));
        assert!(under_a_file.unwrap_err().contains("data/a/"));
    }

    #[test]
    fn toml_dates_become_their_text() {
        let value: toml::Value = toml::from_str("when = 2021-03-26T09:30:00+08:00").unwrap();
        assert_eq!(
            toml_to_json(value),
            serde_json::json!({"when": "2021-03-26T09:30:00+08:00"})
        );
    }
}
