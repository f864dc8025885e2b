//! What an import did: counts of what came over, and every item skipped or
//! changed, each with its reason and where it was in the source.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// One item the import skipped, or changed on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Where in the source: `export.xml:120`, `content/posts/a.md:14`.
    pub place: String,
    pub message: String,
}

/// How the files of the new site were written.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FileTally {
    /// Written now: new, or overwritten with `--force`.
    pub written: usize,
    /// Already there, exactly as the import would write them.
    pub unchanged: usize,
    /// Already there and different (edited since the last import): left.
    pub kept: usize,
}

/// The import's account of itself, printed when it ends.
#[derive(Debug, Clone)]
pub struct Report {
    pub system: &'static str,
    pub into: PathBuf,
    pub posts: usize,
    /// Of the posts: drafts (also private posts), and scheduled ones.
    pub drafts: usize,
    pub scheduled: usize,
    pub pages: usize,
    pub authors: BTreeSet<String>,
    pub sections: BTreeSet<String>,
    pub tags: BTreeSet<String>,
    /// Images and other media copied into the site.
    pub media_copied: usize,
    /// Media left at their old URL (no uploads folder, or missing there).
    pub media_linked: usize,
    /// Old URLs kept as redirects to the new ones.
    pub redirects: usize,
    pub skipped: Vec<Notice>,
    pub changed: Vec<Notice>,
    pub files: FileTally,
}

impl Report {
    pub(crate) fn new(system: &'static str, into: &Path) -> Report {
        Report {
            system,
            into: into.to_path_buf(),
            posts: 0,
            drafts: 0,
            scheduled: 0,
            pages: 0,
            authors: BTreeSet::new(),
            sections: BTreeSet::new(),
            tags: BTreeSet::new(),
            media_copied: 0,
            media_linked: 0,
            redirects: 0,
            skipped: Vec::new(),
            changed: Vec::new(),
            files: FileTally::default(),
        }
    }

    pub(crate) fn skip(&mut self, place: impl Into<String>, message: impl Into<String>) {
        self.skipped.push(Notice {
            place: place.into(),
            message: message.into(),
        });
    }

    pub(crate) fn change(&mut self, place: impl Into<String>, message: impl Into<String>) {
        self.changed.push(Notice {
            place: place.into(),
            message: message.into(),
        });
    }
}

/// `1,234`: counts a newsroom reads at a glance.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        writeln!(
            f,
            "Imported from {} into {}:",
            self.system,
            self.into.display()
        )?;
        let row = |f: &mut fmt::Formatter, label: &str, n: usize, more: String| {
            writeln!(f, "  {label:<10}{:>9}{more}", grouped(n))
        };
        let mut post_detail = Vec::new();
        if self.drafts > 0 {
            post_detail.push(format!("{} drafts", grouped(self.drafts)));
        }
        if self.scheduled > 0 {
            post_detail.push(format!("{} scheduled", grouped(self.scheduled)));
        }
        let detail = |parts: Vec<String>| {
            if parts.is_empty() {
                String::new()
            } else {
                format!("  ({})", parts.join(", "))
            }
        };
        row(f, "posts", self.posts, detail(post_detail))?;
        row(f, "pages", self.pages, String::new())?;
        row(f, "authors", self.authors.len(), String::new())?;
        row(f, "sections", self.sections.len(), String::new())?;
        row(f, "tags", self.tags.len(), String::new())?;
        let mut media = Vec::new();
        if self.media_linked > 0 {
            media.push(format!(
                "{} more left at their old URL",
                grouped(self.media_linked)
            ));
        }
        row(f, "media", self.media_copied, detail(media))?;
        row(f, "redirects", self.redirects, "  (old URLs kept)".into())?;
        writeln!(
            f,
            "Files: {} written, {} unchanged, {} kept as edited{}",
            grouped(self.files.written),
            grouped(self.files.unchanged),
            grouped(self.files.kept),
            if self.files.kept > 0 {
                " (--force overwrites them)"
            } else {
                ""
            }
        )?;
        for (heading, notices) in [("Skipped", &self.skipped), ("Changed", &self.changed)] {
            if notices.is_empty() {
                continue;
            }
            writeln!(f, "{heading} ({}):", grouped(notices.len()))?;
            for notice in notices {
                writeln!(f, "  {}: {}", notice.place, notice.message)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_in_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1234567), "1,234,567");
    }
}
