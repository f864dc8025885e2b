//! Diagnostics: the errors and warnings a build reports, each tied to a file
//! and, where one applies, a line and column of that file.
//!
//! Every stage collects diagnostics instead of stopping at the first, so one
//! run shows every mistake in the site, the way a compiler does.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a diagnostic is: errors fail the build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a source file, both 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One problem found in the site. Serialisable, so a build that finds
/// nothing changed says the last build's warnings again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file as the user names it: relative to the site root, joined to
    /// the root they gave on the command line.
    pub path: PathBuf,
    pub position: Option<Position>,
    pub message: String,
    /// The offending source line, shown under the message with a caret.
    pub excerpt: Option<String>,
    /// Where the problem was met, when that differs from `path` (the
    /// content file a failing template was rendering): shown after the
    /// message in parentheses, and left out when the same problem met on
    /// many pages is said once.
    pub note: Option<Box<str>>,
}

impl Diagnostic {
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            position: None,
            message: message.into(),
            excerpt: None,
            note: None,
        }
    }

    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    /// Points the diagnostic at `line` (1-based) of `source`, keeping that
    /// line as the excerpt. Lines past the end are clamped to the last one.
    pub fn at(mut self, source: &str, line: usize, column: usize) -> Self {
        let line = line.max(1);
        let text = source.lines().nth(line - 1).unwrap_or("");
        self.position = Some(Position {
            line,
            column: column.max(1),
        });
        self.excerpt = Some(text.trim_end_matches('\r').to_string());
        self
    }

    /// Points the diagnostic at `line` and `column` of `part`, a part of a
    /// file that starts after its line `lines_before`.
    pub(crate) fn at_line_of(
        self,
        part: &str,
        line: usize,
        column: usize,
        lines_before: usize,
    ) -> Self {
        let excerpt = part.lines().nth(line.max(1) - 1).unwrap_or("").to_string();
        let mut diagnostic = self.at("", line + lines_before, column);
        diagnostic.excerpt = Some(excerpt.trim_end_matches('\r').to_string());
        diagnostic
    }

    /// Points the diagnostic at a byte offset of `source`.
    pub(crate) fn at_offset(self, source: &str, offset: usize) -> Self {
        let (line, column) = line_column(source, offset);
        self.at(source, line, column)
    }

    /// The same diagnostic as a warning: the build goes on.
    pub(crate) fn into_warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// The diagnostic with a note on where it was met.
    pub(crate) fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into().into_boxed_str());
        self
    }

    pub(crate) fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// 1-based line and column (counted in characters) of a byte offset.
pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        // A file name or text from the site may hold escape sequences;
        // they are shown as `\u{1b}`, never sent to the terminal raw.
        let path = escape_controls(&self.path.display().to_string(), "");
        let mut message = escape_controls(&self.message, "\n");
        if let Some(note) = &self.note {
            message.push_str(&format!(" ({})", escape_controls(note, "")));
        }
        match self.position {
            Some(Position { line, column }) => {
                write!(f, "{label}: {path}:{line}:{column}: {message}")?
            }
            None => write!(f, "{label}: {path}: {message}")?,
        }
        if let (Some(excerpt), Some(pos)) = (&self.excerpt, self.position) {
            let gutter = pos.line.to_string().len();
            // One column for each character, so the caret still lines up.
            let shown: String = (excerpt.chars().take(200))
                .map(|c| {
                    if c.is_control() && c != '\t' {
                        '\u{fffd}'
                    } else {
                        c
                    }
                })
                .collect();
            let caret_at = pos.column.saturating_sub(1).min(shown.chars().count());
            // Tabs keep their width in the caret line so the caret lines up.
            let pad: String = shown
                .chars()
                .take(caret_at)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{:gutter$} |\n{} | {}\n{:gutter$} | {}^",
                "", pos.line, shown, "", pad
            )?;
        }
        Ok(())
    }
}

/// `text` with its control characters but those in `keep` written as
/// Rust escapes (`\u{1b}`), for a terminal.
fn escape_controls(text: &str, keep: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && !keep.contains(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Errors first, then warnings; each group by file and position, and each
/// diagnostic once, so two runs over the same site print the same report.
pub fn sorted(mut items: Vec<Diagnostic>) -> Vec<Diagnostic> {
    items.sort_by(|a, b| {
        (a.severity, &a.path, a.position, &a.message)
            .cmp(&(b.severity, &b.path, b.position, &b.message))
    });
    items.dedup();
    items
}

/// The closing line of a failed build: `build failed: N errors; OUTCOME`,
/// where `outcome` says what became of the output (the command's own).
pub fn failure_line(diagnostics: &[Diagnostic], outcome: &str) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    format!(
        "build failed: {errors} error{}; {outcome}",
        if errors == 1 { "" } else { "s" }
    )
}

/// Joins a site-relative path to the root the user gave, for display: with
/// the default root `.` the path is shown as it is.
pub(crate) fn display_path(root: &Path, relative: &Path) -> PathBuf {
    if root == Path::new(".") || root.as_os_str().is_empty() {
        relative.to_path_buf()
    } else {
        root.join(relative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_position_excerpt_and_caret() {
        let source = "title = \"A\"\ntitel = \"B\"\n";
        let d = Diagnostic::error("content/a.md", "unknown key `titel`").at(source, 2, 1);
        assert_eq!(
            d.to_string(),
            "error: content/a.md:2:1: unknown key `titel`\n  |\n2 | titel = \"B\"\n  | ^"
        );
    }

    #[test]
    fn formats_without_position() {
        let d = Diagnostic::error("site.toml", "not found");
        assert_eq!(d.to_string(), "error: site.toml: not found");
    }

    #[test]
    fn line_column_counts_characters() {
        let source = "ab\n¥cd";
        assert_eq!(line_column(source, 0), (1, 1));
        assert_eq!(line_column(source, 3), (2, 1));
        assert_eq!(line_column(source, 5), (2, 2));
        assert_eq!(line_column(source, 999), (2, 4));
    }
}
