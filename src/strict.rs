//! Strict keys: site.toml and front matter reject keys they do not know,
//! pointing at the key's line and suggesting the closest known one.

use crate::diagnostics::Diagnostic;
use std::path::Path;

/// The known key closest to `unknown`, if one is close enough to be a typo.
pub(crate) fn closest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(unknown, k), *k))
        .filter(|(distance, k)| *distance <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}

/// 1-based line of `key` inside `source`, counted from `first_line`.
///
/// `section` narrows the search to a TOML table (`[feed]`); keys at the top
/// level are searched before the first table header. Works for TOML
/// (`key = ...`) and YAML (`key: ...`) alike, which is all front matter and
/// site.toml need: the parsers have already accepted the text.
pub(crate) fn find_key_line(source: &str, section: Option<&str>, key: &str) -> Option<usize> {
    let mut current: Option<String> = None;
    for (index, raw) in source.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') && !line.starts_with("[[") {
            let name = line.trim_start_matches('[').split(']').next().unwrap_or("");
            current = Some(name.trim().trim_matches('"').to_string());
            continue;
        }
        if current.as_deref() != section {
            continue;
        }
        let rest = line
            .strip_prefix(key)
            .or_else(|| line.strip_prefix(&format!("\"{key}\"")))
            .or_else(|| line.strip_prefix(&format!("'{key}'")));
        if let Some(rest) = rest {
            let rest = rest.trim_start();
            if rest.starts_with('=') || rest.starts_with(':') {
                return Some(index + 1);
            }
        }
    }
    None
}

/// How many unknown keys of one file are named, each with its line.
pub const MAX_UNKNOWN_KEYS_SHOWN: usize = 20;

/// An "unknown key" error for `key`, placed on its line when it can be found.
pub(crate) fn unknown_key(
    display: &Path,
    source: &str,
    line_offset: usize,
    section: Option<&str>,
    key: &str,
    known: &[&str],
    what: &str,
) -> Diagnostic {
    let qualified = match section {
        Some(s) => format!("{s}.{key}"),
        None => key.to_string(),
    };
    let mut message = format!("unknown key `{qualified}` in {what}");
    match closest(key, known) {
        Some(k) => message.push_str(&format!(" (did you mean `{k}`?)")),
        None => {
            if section != Some("extra") {
                message.push_str("; custom data goes under `extra`")
            }
        }
    }
    let diagnostic = Diagnostic::error(display, message);
    let block: String = source
        .lines()
        .skip(line_offset)
        .collect::<Vec<_>>()
        .join("\n");
    match find_key_line(&block, section, key) {
        Some(line) => {
            let full_line = line + line_offset;
            let column = source
                .lines()
                .nth(full_line - 1)
                .map_or(1, |l| l.len() - l.trim_start().len() + 1);
            diagnostic.at(source, full_line, column)
        }
        None => diagnostic,
    }
}

/// A value of a parsed document that can be taken apart key by key: TOML
/// tables (site.toml, TOML front matter) and JSON-like maps (YAML front
/// matter, read as JSON values).
pub trait KeyedValue: Clone + Sized {
    /// The value's entries, if it is a table.
    fn entries(&self) -> Option<Vec<(String, Self)>>;
    /// A table of `entries`.
    fn table(entries: Vec<(String, Self)>) -> Self;
    /// Deserializes `self` as a `T`; the message of the error, if any.
    fn try_as<T: serde::de::DeserializeOwned>(self) -> Result<T, String>;
}

impl KeyedValue for toml::Value {
    fn entries(&self) -> Option<Vec<(String, Self)>> {
        self.as_table()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
    fn table(entries: Vec<(String, Self)>) -> Self {
        toml::Value::Table(entries.into_iter().collect())
    }
    fn try_as<T: serde::de::DeserializeOwned>(self) -> Result<T, String> {
        T::deserialize(self).map_err(|e| e.message().trim_end().to_string())
    }
}

impl KeyedValue for serde_json::Value {
    fn entries(&self) -> Option<Vec<(String, Self)>> {
        self.as_object()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
    fn table(entries: Vec<(String, Self)>) -> Self {
        serde_json::Value::Object(entries.into_iter().collect())
    }
    fn try_as<T: serde::de::DeserializeOwned>(self) -> Result<T, String> {
        T::deserialize(self).map_err(|e| e.to_string())
    }
}

/// A type error with what to write instead, where the parser's words
/// ("expected a sequence") leave the fix to guess.
pub(crate) fn with_hint(key: &str, message: String) -> String {
    if message.contains("expected a sequence") {
        format!(
            "{message}: write a list, such as {key} = [\"a\", \"b\"] (TOML) or {key}: [a, b] (YAML)"
        )
    } else {
        message
    }
}

/// Every key of `document` whose value `T` does not accept, each with the
/// error: (table, key, message). `T` must default every field
/// (`#[serde(default)]`), so that a document of one key checks that key
/// alone; a table's keys are checked one by one too. A parser stops at the
/// first such error, and every error of a file in one run is the promise.
pub(crate) fn type_errors<T: serde::de::DeserializeOwned, V: KeyedValue>(
    document: &V,
    known: &[&str],
) -> Vec<(Option<String>, String, String)> {
    let mut errors = Vec::new();
    for (key, value) in document.entries().unwrap_or_default() {
        if !known.contains(&key.as_str()) {
            continue;
        }
        let alone = V::table(vec![(key.clone(), value.clone())]);
        let Err(message) = alone.try_as::<T>() else {
            continue;
        };
        // Inside a table, name each key that is wrong.
        let inner: Vec<(String, String)> = (value.entries().unwrap_or_default().into_iter())
            .filter_map(|(sub, sub_value)| {
                let one = V::table(vec![(sub.clone(), sub_value)]);
                let alone = V::table(vec![(key.clone(), one)]);
                alone.try_as::<T>().err().map(|m| (sub, m))
            })
            .collect();
        let message = with_hint(&key, message);
        if inner.is_empty() {
            errors.push((None, key, message));
        } else {
            errors.extend(
                inner
                    .into_iter()
                    .map(|(sub, m)| (Some(key.clone()), sub, m)),
            );
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let known = ["title", "date", "tags", "permalink"];
        assert_eq!(closest("titel", &known), Some("title"));
        assert_eq!(closest("tag", &known), Some("tags"));
        assert_eq!(closest("permalnk", &known), Some("permalink"));
        assert_eq!(closest("photographer", &known), None);
    }

    #[test]
    fn finds_keys_in_sections_and_yaml() {
        let toml = "title = \"x\"\n[feed]\nlimt = 3\n";
        assert_eq!(find_key_line(toml, Some("feed"), "limt"), Some(3));
        assert_eq!(find_key_line(toml, None, "limt"), None);
        let yaml = "title: x\nsumary: y\n";
        assert_eq!(find_key_line(yaml, None, "sumary"), Some(2));
    }
}
