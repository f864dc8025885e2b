//! The documents an import writes: typed front matter, written as TOML by
//! the toml crate (quoting and escaping are its job), above the body.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::Serialize;
use std::collections::BTreeMap;

/// The most tags an article may have (the build's own limit).
pub(crate) const MAX_TAGS: usize = 50;

fn is_false(value: &bool) -> bool {
    !*value
}

/// An article's front matter, with the keys in the order a writer reads
/// them. Keys with no value are left out.
#[derive(Serialize, Default, Debug)]
pub(crate) struct ArticleFront {
    pub title: String,
    pub date: Option<toml::value::Datetime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<toml::value::Datetime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_alt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_caption: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub draft: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<toml::value::Datetime>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical_url: Option<String>,
    #[serde(skip_serializing_if = "toml::Table::is_empty")]
    pub extra: toml::Table,
}

impl ArticleFront {
    /// Sets the byline: `author` for one, `authors` for several.
    pub(crate) fn set_authors(&mut self, mut ids: Vec<String>) {
        ids.dedup();
        if ids.len() == 1 {
            self.author = ids.pop();
        } else {
            self.authors = ids;
        }
    }
}

/// A standalone page's front matter.
#[derive(Serialize, Default, Debug)]
pub(crate) struct PageFront {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub draft: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "toml::Table::is_empty")]
    pub extra: toml::Table,
}

/// An author profile's front matter.
#[derive(Serialize, Default, Debug)]
pub(crate) struct AuthorFront {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub links: BTreeMap<String, String>,
}

/// A content file: TOML front matter between `+++` lines, then the body.
pub(crate) fn document(front: &impl Serialize, body: &str) -> String {
    // The structs above hold only strings, lists, tables and dates, which
    // TOML always represents.
    let toml = toml::to_string(front).unwrap_or_default();
    let body = tidy_blank_lines(body.trim());
    let body = body.as_str();
    if body.is_empty() {
        format!("+++\n{toml}+++\n")
    } else {
        format!("+++\n{toml}+++\n\n{body}\n")
    }
}

/// Runs of blank lines that conversions leave (a removed tag between two
/// paragraphs) made one, except inside code, where they are the code's.
fn tidy_blank_lines(body: &str) -> String {
    if !body.contains("\n\n\n") {
        return body.to_string();
    }
    let code = crate::shortcode::code_ranges(body);
    let mut out = String::with_capacity(body.len());
    let mut newlines = 0;
    for (at, c) in body.char_indices() {
        if c == '\n' && !code.iter().any(|r| r.contains(&at)) {
            newlines += 1;
            if newlines > 2 {
                continue;
            }
        } else if !(c == ' ' || c == '\t') || newlines == 0 {
            newlines = 0;
        }
        out.push(c);
    }
    out
}

/// A date with its offset, as a TOML offset date-time.
pub(crate) fn datetime(date: DateTime<FixedOffset>) -> toml::value::Datetime {
    let text = date.to_rfc3339_opts(SecondsFormat::Secs, true);
    // Always well-formed: chrono wrote it as RFC 3339.
    text.parse().unwrap_or(toml::value::Datetime {
        date: None,
        time: None,
        offset: None,
    })
}

/// Text for front matter: trimmed, with the control characters a build
/// refuses there left out. Returns whether anything was left out.
pub(crate) fn clean(text: &str) -> (String, bool) {
    let trimmed = text.trim();
    if !crate::sources::has_forbidden_control(trimmed) {
        return (trimmed.to_string(), false);
    }
    let kept = trimmed
        .chars()
        .filter(|c| !crate::sources::is_forbidden_control(*c))
        .collect();
    (kept, true)
}

/// Another system's value as TOML for `extra`: nulls, which TOML cannot
/// hold, are left out.
pub(crate) fn toml_value(value: &serde_json::Value) -> Option<toml::Value> {
    use serde_json::Value as J;
    match value {
        J::Null => None,
        J::Array(items) => Some(toml::Value::Array(
            items.iter().filter_map(toml_value).collect(),
        )),
        J::Object(map) => Some(toml::Value::Table(
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), toml_value(v)?)))
                .collect(),
        )),
        other => toml::Value::try_from(other).ok(),
    }
}

/// How a section is shown, when its name alone would not say it.
#[derive(Serialize, Debug)]
pub(crate) struct SectionLabel {
    pub label: String,
}

/// site.toml's `base_url` when the source names no address of its own.
const PLACEHOLDER_BASE_URL: &str = "https://example.com/";

/// The `base_url` for site.toml: the old site's address, or a placeholder,
/// which `missing` (what the source lacks) reports at `place` to replace.
pub(crate) fn base_url(
    base: Option<&url::Url>,
    place: &str,
    missing: &str,
    report: &mut super::Report,
) -> String {
    match base {
        Some(url) => url.to_string(),
        None => {
            report.change(
                place,
                format!("{missing}: base_url is {PLACEHOLDER_BASE_URL}; set it in site.toml"),
            );
            PLACEHOLDER_BASE_URL.to_string()
        }
    }
}

/// The new site's site.toml.
#[derive(Serialize, Debug)]
pub(crate) struct SiteToml {
    pub title: String,
    pub base_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub language: String,
    pub timezone: String,
    pub permalink: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sections: BTreeMap<String, SectionLabel>,
}

impl SiteToml {
    /// The file, with a line saying where it came from.
    pub(crate) fn text(&self, system: &str) -> String {
        let toml = toml::to_string(self).unwrap_or_default();
        format!(
            "# Made by gazette import from {system}; see docs/reference.md for every key.\n{toml}"
        )
    }
}

/// A BCP 47 tag the build accepts, from another system's language code
/// (`en-US`, `en_us`); None when it is not one.
pub(crate) fn language_tag(code: &str) -> Option<String> {
    let code = code.trim().replace('_', "-");
    let tag = language_tags::LanguageTag::parse(&code).ok()?;
    Some(tag.to_string())
}

/// A timezone for a fixed offset from UTC, in whole hours (`Etc/GMT-8` is
/// UTC+8: the IANA names count the other way).
pub(crate) fn zone_for_offset(seconds: i32) -> Option<chrono_tz::Tz> {
    if seconds % 3600 != 0 {
        return None;
    }
    let hours = -seconds / 3600;
    let name = match hours {
        0 => "UTC".to_string(),
        h if h > 0 => format!("Etc/GMT+{h}"),
        h => format!("Etc/GMT{h}"),
    };
    name.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_toml_the_build_reads_back() {
        let date = DateTime::parse_from_rfc3339("2021-03-26T09:30:00+08:00").unwrap();
        let mut front = ArticleFront {
            title: "Xiaomi \"teams up\" \u{2013} with Great Wall".into(),
            date: Some(datetime(date)),
            tags: vec!["EV".into()],
            ..Default::default()
        };
        front.set_authors(vec!["jane".into()]);
        front
            .extra
            .insert("wordpress_id".into(), toml::Value::Integer(12));
        let text = document(&front, "Body.\n");
        assert!(text.starts_with("+++\ntitle = "), "{text}");
        assert!(
            text.contains("date = 2021-03-26T09:30:00+08:00\n"),
            "{text}"
        );
        assert!(text.contains("author = \"jane\"\n"), "{text}");
        assert!(
            text.ends_with("[extra]\nwordpress_id = 12\n+++\n\nBody.\n"),
            "{text}"
        );
        let inner = text
            .trim_start_matches("+++\n")
            .split("+++")
            .next()
            .unwrap();
        let parsed: toml::Table = toml::from_str(inner).unwrap();
        assert_eq!(
            parsed["title"].as_str(),
            Some("Xiaomi \"teams up\" \u{2013} with Great Wall")
        );
    }

    #[test]
    fn blank_line_runs_are_one_outside_code() {
        assert_eq!(tidy_blank_lines("a\n\n\n\nb"), "a\n\nb");
        let code = "```\nx\n\n\n\ny\n```";
        assert_eq!(tidy_blank_lines(code), code);
    }

    #[test]
    fn control_characters_are_left_out() {
        assert_eq!(clean(" a\u{1b}b "), ("ab".to_string(), true));
        assert_eq!(clean("a\tb"), ("a\tb".to_string(), false));
    }
}
