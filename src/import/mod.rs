//! `gazette import`: an archive from WordPress, Hugo or Jekyll made into a
//! gazette site in one command, keeping every old URL working.
//!
//! Each importer reads its source in two passes: a plan (every document's
//! new content path, old URL and the pieces other documents refer to, with
//! no bodies kept), then the documents one at a time, each converted and
//! handed to the one [`Writer`]. The writer never overwrites a file edited
//! since the last import and never writes outside the folder it was given;
//! the [`Report`] says what was imported, and every item skipped or changed
//! with its reason and source location.

mod embeds;
mod foreign;
mod front;
mod html;
mod hugo;
mod jekyll;
mod report;
mod urls;
mod wordpress;
mod writer;
mod wxr;

pub use report::{Notice, Report};

use chrono_tz::Tz;
use std::fmt;
use std::path::PathBuf;

/// What to import.
#[derive(Debug, Clone)]
pub enum Source {
    /// A WordPress export (WXR), and the site's wp-content/uploads folder.
    WordPress {
        export: PathBuf,
        uploads: Option<PathBuf>,
    },
    /// A Hugo site's folder (the one holding hugo.toml or config.toml).
    Hugo(PathBuf),
    /// A Jekyll site's folder (the one holding _config.yml).
    Jekyll(PathBuf),
}

impl Source {
    fn system(&self) -> &'static str {
        match self {
            Source::WordPress { .. } => "WordPress",
            Source::Hugo(_) => "Hugo",
            Source::Jekyll(_) => "Jekyll",
        }
    }
}

/// Where and how to write the new site.
#[derive(Debug, Clone)]
pub struct Options {
    /// The gazette site to write: absent, empty, or made by an earlier
    /// import (it holds site.toml).
    pub into: PathBuf,
    /// Overwrite files edited since they were imported.
    pub force: bool,
    /// The site's timezone, when the source does not say it (WordPress
    /// exports give only each post's offset).
    pub timezone: Option<Tz>,
}

/// An import that could not go on: the source cannot be read or is not
/// what it should be, or the folder cannot be written. Items that are
/// merely unusable are skipped and reported instead.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportError(pub String);

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for ImportError {
    fn from(message: String) -> ImportError {
        ImportError(message)
    }
}

/// Imports `source` into `options.into`.
pub fn run(source: &Source, options: &Options) -> Result<Report, ImportError> {
    let mut writer = writer::Writer::open(&options.into, options.force)?;
    let mut report = Report::new(source.system(), &options.into);
    match source {
        Source::WordPress { export, uploads } => wordpress::import(
            export,
            uploads.as_deref(),
            options,
            &mut writer,
            &mut report,
        )?,
        Source::Hugo(dir) => hugo::import(dir, options, &mut writer, &mut report)?,
        Source::Jekyll(dir) => jekyll::import(dir, options, &mut writer, &mut report)?,
    }
    report.files = writer.tally();
    Ok(report)
}
