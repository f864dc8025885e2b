//! Front matter: splitting a content file into its `+++` (TOML) or `---`
//! (YAML) block and its Markdown body, and parsing the block strictly.
//!
//! Line numbers in every diagnostic are the file's, not the block's.

use crate::diagnostics::Diagnostic;
use crate::strict;
use serde::de::{DeserializeOwned, IgnoredAny};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
}

/// A content file cut into its parts. `source` is the whole file with line
/// endings normalised to `\n`.
#[derive(Debug)]
pub struct Split<'a> {
    pub format: Format,
    pub block: &'a str,
    /// Byte offset of the block in the file.
    pub block_offset: usize,
    /// Lines of the file before the block (the opening fence).
    pub block_line_offset: usize,
    pub body: &'a str,
    /// Lines of the file before the body.
    pub body_line_offset: usize,
}

/// Cuts `source` into front matter and body. Blank lines above the
/// opening fence are passed over, as Hugo does: archives moved from it
/// have them.
pub fn split<'a>(source: &'a str, display: &Path) -> Result<Split<'a>, Diagnostic> {
    let blank_lines = source
        .split_inclusive('\n')
        .take_while(|line| line.trim().is_empty() && line.ends_with('\n'))
        .count();
    let fence_offset: usize = (source.split_inclusive('\n').take(blank_lines))
        .map(str::len)
        .sum();
    let fence_line = blank_lines + 1;
    let first_line = source[fence_offset..].lines().next().unwrap_or("");
    let fence = match first_line.trim_end() {
        "+++" => "+++",
        "---" => "---",
        _ => {
            return Err(Diagnostic::error(
                display,
                "no front matter: the file must start with a `+++` line (TOML) or a `---` line (YAML)",
            )
            .at(source, fence_line, 1));
        }
    };
    let format = if fence == "+++" {
        Format::Toml
    } else {
        Format::Yaml
    };
    let block_offset =
        (source[fence_offset..].find('\n')).map_or(source.len(), |i| fence_offset + i + 1);
    let mut offset = block_offset;
    // The block's lines follow the fence's.
    for (line_number, line) in (fence_line + 1..).zip(source[block_offset..].split_inclusive('\n'))
    {
        if line.trim_end() == fence {
            let body_offset = offset + line.len();
            return Ok(Split {
                format,
                block: &source[block_offset..offset],
                block_offset,
                block_line_offset: fence_line,
                body: &source[body_offset..],
                body_line_offset: line_number,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(
        display,
        format!("front matter opened with `{fence}` on line {fence_line} is never closed: add a `{fence}` line after it"),
    )
    .at(source, fence_line, 1))
}

/// Parses the block into `T`, then rejects keys that `T` does not know.
///
/// `known` lists the keys `T` accepts; `what` names the kind of file in the
/// message ("article front matter").
pub fn parse<T: DeserializeOwned>(
    split: &Split<'_>,
    source: &str,
    display: &Path,
    known: &[&str],
    what: &str,
) -> Result<T, Vec<Diagnostic>> {
    // Syntax first: a file that does not parse has no keys to check.
    let keys: BTreeMap<String, IgnoredAny> = deserialize(split, source, display)?;
    let value: Result<T, Vec<Diagnostic>> = deserialize(split, source, display);
    let unknown_keys: Vec<&String> = keys
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .collect();
    // Finding a key's line reads the block, so a file of 100,000 stray keys
    // would take minutes: name the first few, count the rest.
    let mut unknown: Vec<Diagnostic> = unknown_keys
        .iter()
        .take(strict::MAX_UNKNOWN_KEYS_SHOWN)
        .map(|k| {
            strict::unknown_key(
                display,
                source,
                split.block_line_offset,
                None,
                k,
                known,
                what,
            )
        })
        .collect();
    if unknown_keys.len() > strict::MAX_UNKNOWN_KEYS_SHOWN {
        let more = unknown_keys.len() - strict::MAX_UNKNOWN_KEYS_SHOWN;
        unknown.push(Diagnostic::error(
            display,
            format!("and {more} more unknown keys in {what}"),
        ));
    }
    match value {
        Ok(value) if unknown.is_empty() => Ok(value),
        Ok(_) => Err(unknown),
        Err(first) => {
            // The parser names the first wrong value; name them all, unless
            // there is just the one (the parser places it more precisely).
            let mut errors = type_errors::<T>(split, source, display, known);
            if errors.len() < 2 {
                errors = first;
            }
            errors.extend(unknown);
            Err(errors)
        }
    }
}

/// Every known key whose value has the wrong type, each an error at its
/// line (see [`strict::type_errors`]).
fn type_errors<T: DeserializeOwned>(
    split: &Split<'_>,
    source: &str,
    display: &Path,
    known: &[&str],
) -> Vec<Diagnostic> {
    let found = match split.format {
        Format::Toml => match toml::from_str::<toml::Value>(split.block) {
            Ok(document) => strict::type_errors::<T, _>(&document, known),
            Err(_) => return Vec::new(),
        },
        Format::Yaml => {
            let options = serde_saphyr::options! { with_snippet: false };
            match serde_saphyr::from_str_with_options::<serde_json::Value>(split.block, options) {
                Ok(document) => strict::type_errors::<T, _>(&document, known),
                Err(_) => return Vec::new(),
            }
        }
    };
    found
        .into_iter()
        .map(|(table, key, message)| {
            let name = match &table {
                Some(t) => format!("{t}.{key}"),
                None => key.clone(),
            };
            let d = Diagnostic::error(display, format!("`{name}`: {message}"));
            let line = strict::find_key_line(split.block, table.as_deref(), &key)
                .or_else(|| strict::find_key_line(split.block, None, &key));
            match line {
                Some(line) => d.at(source, line + split.block_line_offset, 1),
                None => d,
            }
        })
        .collect()
}

pub(crate) fn deserialize<T: DeserializeOwned>(
    split: &Split<'_>,
    source: &str,
    display: &Path,
) -> Result<T, Vec<Diagnostic>> {
    match split.format {
        Format::Toml => toml::from_str(split.block).map_err(|e| {
            let mut message = e.message().trim_end().to_string();
            if message.contains("expected a sequence") {
                message
                    .push_str(": write a list in brackets, such as tags = [\"port\", \"strike\"]");
            }
            let d = Diagnostic::error(display, message);
            vec![match e.span() {
                Some(span) => d.at_offset(source, split.block_offset + span.start),
                None => d,
            }]
        }),
        Format::Yaml => {
            // An empty YAML document is null; read it as an empty mapping.
            let block = if split.block.trim().is_empty() {
                "{}"
            } else {
                split.block
            };
            let options = serde_saphyr::options! { with_snippet: false };
            serde_saphyr::from_str_with_options(block, options).map_err(|e| {
                let message = yaml_message(&e);
                let d = Diagnostic::error(display, message);
                vec![match e.location() {
                    Some(at) if at.line() > 0 => d.at(
                        source,
                        at.line() as usize + split.block_line_offset,
                        at.column() as usize,
                    ),
                    _ => d,
                }]
            })
        }
    }
}

/// serde-saphyr's message without the position it appends, since the
/// diagnostic carries the file's own position.
fn yaml_message(error: &serde_saphyr::Error) -> String {
    let text = error.to_string();
    if text.starts_with("budget breached") {
        return "YAML aliases here expand past the limit of what front matter may hold (is this a \"billion laughs\" document?)".to_string();
    }
    let first = text.lines().next().unwrap_or("invalid YAML").trim();
    let without_position = match first.rfind(" at line ") {
        Some(at) => &first[..at],
        None => first,
    };
    let message = without_position.trim_end_matches(':').to_string();
    // The parser's words, then what to do about them.
    if message.contains("mapping values are not allowed") {
        format!(
            "{message}: a value that holds `: ` must be quoted, such as title: \"Breaking: Port strike ends\""
        )
    } else if message.contains("expected sequence") {
        format!("{message}: write a list in brackets, such as tags: [port, strike]")
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Fm {
        title: Option<String>,
        tags: Option<Vec<String>>,
    }
    const KNOWN: &[&str] = &["title", "tags"];

    fn parse_fm(source: &str) -> Result<Fm, Vec<String>> {
        let display = Path::new("a.md");
        let split = split(source, display).map_err(|d| vec![d.to_string()])?;
        parse::<Fm>(&split, source, display, KNOWN, "front matter")
            .map_err(|ds| ds.into_iter().map(|d| d.to_string()).collect())
    }

    #[test]
    fn splits_toml_and_yaml() {
        let s = split("+++\ntitle = \"A\"\n+++\nBody\n", Path::new("a.md")).unwrap();
        assert_eq!(s.format, Format::Toml);
        assert_eq!(s.block, "title = \"A\"\n");
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.body_line_offset, 3);
        let s = split("---\ntitle: A\n---\n", Path::new("a.md")).unwrap();
        assert_eq!(s.format, Format::Yaml);
        assert_eq!(s.body, "");
    }

    #[test]
    fn blank_lines_above_the_fence_are_passed_over() {
        let s = split("\n  \n+++\ntitle = \"A\"\n+++\nBody\n", Path::new("a.md")).unwrap();
        assert_eq!(s.block, "title = \"A\"\n");
        assert_eq!((s.block_line_offset, s.body_line_offset), (3, 5));
        assert_eq!(s.body, "Body\n");
        let errors = parse_fm("\n\n+++\ntitle = \"A\"\ntags = [\"x\",\n+++\n").unwrap_err();
        assert!(
            errors[0].starts_with("error: a.md:5:13: unclosed array"),
            "{}",
            errors[0]
        );
        let err = split("\n---\ntitle: A\n", Path::new("a.md")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("error: a.md:2:1: front matter opened with `---` on line 2"),
            "{err}"
        );
        // Text above the fence is still no front matter.
        assert!(split("Hello\n+++\n+++\n", Path::new("a.md")).is_err());
    }

    #[test]
    fn unclosed_front_matter() {
        let err = split("+++\ntitle = \"A\"\nBody\n", Path::new("a.md")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "error: a.md:1:1: front matter opened with `+++` on line 1 is never closed: add a `+++` line after it\n  |\n1 | +++\n  | ^"
        );
    }

    #[test]
    fn toml_errors_carry_the_file_line() {
        let errors = parse_fm("+++\ntitle = \"A\"\ntags = [\"x\",\n+++\n").unwrap_err();
        // The array opens on line 3 of the file (line 2 of the block).
        assert!(
            errors[0].starts_with("error: a.md:3:13: unclosed array"),
            "{}",
            errors[0]
        );
        let errors = parse_fm("+++\ntitle = 3\n+++\n").unwrap_err();
        assert!(
            errors[0].starts_with("error: a.md:2:9: invalid type"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn yaml_errors_carry_the_file_line() {
        let errors = parse_fm("---\ntitle: A\ntags: [x\n---\n").unwrap_err();
        assert!(errors[0].starts_with("error: a.md:"), "{}", errors[0]);
        assert!(!errors[0].starts_with("error: a.md:1:"), "{}", errors[0]);
    }

    #[test]
    fn unknown_keys_in_both_formats() {
        let errors = parse_fm("+++\ntitle = \"A\"\ntagz = []\n+++\n").unwrap_err();
        assert_eq!(
            errors[0],
            "error: a.md:3:1: unknown key `tagz` in front matter (did you mean `tags`?)\n  |\n3 | tagz = []\n  | ^"
        );
        let errors = parse_fm("---\ntitle: A\nphotographer: B\n---\n").unwrap_err();
        assert!(
            errors[0].starts_with("error: a.md:3:1: unknown key `photographer` in front matter; custom data goes under `extra`"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn yaml_and_toml_give_the_same_values() {
        let a = parse_fm("+++\ntitle = \"A\"\ntags = [\"x\", \"y\"]\n+++\n").unwrap();
        let b = parse_fm("---\ntitle: A\ntags: [x, y]\n---\n").unwrap();
        assert_eq!(a.title, b.title);
        assert_eq!(a.tags, b.tags);
    }
}
