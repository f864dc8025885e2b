//! `gazette status`: what is not on the site yet or will leave it by
//! itself: drafts, scheduled (embargoed) articles and the ones that
//! expire, with their times. Reads the content; builds and writes nothing.

use crate::build::{BuildFailure, BuildOptions};
use crate::config::Config;
use crate::content::{self, ArticleMeta, Parsed};
use crate::diagnostics::Diagnostic;
use chrono::{DateTime, Utc};

/// One article of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// Its file, from the site folder (`content/articles/a.md`).
    pub file: String,
    pub title: String,
    /// When it publishes (scheduled) or expires (expiring, expired).
    pub at: Option<DateTime<Utc>>,
}

/// The site's articles that are not simply published, by what keeps them
/// out or will: each list in time order (drafts by file).
#[derive(Debug, Default)]
pub struct StatusReport {
    pub now: DateTime<Utc>,
    pub drafts: Vec<StatusEntry>,
    pub scheduled: Vec<StatusEntry>,
    pub expiring: Vec<StatusEntry>,
    pub expired: Vec<StatusEntry>,
    pub published: usize,
    pub warnings: Vec<Diagnostic>,
}

/// Loads the site's content as of `options.now` and sorts its articles.
/// A site with errors is refused with them, as a build would be.
pub fn status(options: &BuildOptions) -> Result<StatusReport, BuildFailure> {
    let root = &options.root;
    let config = Config::load_with_base_url(root, options.base_url.as_deref())
        .map_err(|d| BuildFailure { diagnostics: d })?;
    let mut diagnostics = Vec::new();
    let loaded = content::load(root, &config, None, &mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(BuildFailure {
            diagnostics: crate::diagnostics::sorted(diagnostics),
        });
    }
    let now = options.now;
    let mut report = StatusReport {
        now,
        warnings: diagnostics,
        ..StatusReport::default()
    };
    for Parsed { doc, .. } in &loaded.articles {
        let meta: &ArticleMeta = &doc.meta;
        let entry = |at: Option<DateTime<Utc>>| StatusEntry {
            file: format!("content/{}", doc.source.content_path),
            title: meta.title.clone(),
            at,
        };
        if meta.draft {
            report.drafts.push(entry(None));
        } else if meta.date > now {
            report.scheduled.push(entry(Some(meta.date)));
        } else if let Some(expires) = meta.expires {
            if expires <= now {
                report.expired.push(entry(Some(expires)));
            } else {
                report.expiring.push(entry(Some(expires)));
            }
        } else {
            report.published += 1;
        }
    }
    report.drafts.sort_by(|a, b| a.file.cmp(&b.file));
    for list in [
        &mut report.scheduled,
        &mut report.expiring,
        &mut report.expired,
    ] {
        list.sort_by(|a, b| (a.at, &a.file).cmp(&(b.at, &b.file)));
    }
    Ok(report)
}
