//! The command line, as clap parses it.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "gazette",
    version,
    about = "A static site generator for news sites"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build the site into its output folder.
    Build(BuildArgs),
    /// Build the site in memory and check every internal link, image,
    /// fragment, feed and sitemap URL, title and canonical link.
    Check(CheckArgs),
    /// Serve the site on the local address, rebuilding and reloading open
    /// pages on every save.
    Serve(ServeArgs),
    /// List drafts, scheduled (embargoed) articles and the ones that expire,
    /// with their times; builds nothing.
    Status(StatusArgs),
    /// Write a new article as a draft, dated now, and print its path.
    New(NewArgs),
    /// Write a starter site into an empty or new folder.
    Init(InitArgs),
    /// Bring an archive over from WordPress, Hugo or Jekyll as a gazette
    /// site, keeping every old URL working.
    #[command(subcommand)]
    Import(ImportFrom),
}

/// Where `gazette import` reads from.
#[derive(Subcommand, Debug)]
pub enum ImportFrom {
    /// A WordPress export (Tools → Export → All content: an .xml file).
    Wordpress {
        /// The export file.
        export: PathBuf,
        /// The site's wp-content/uploads folder: photos are copied from it
        /// into the articles. Without it, they stay at their old URLs.
        #[arg(long)]
        uploads: Option<PathBuf>,
        #[command(flatten)]
        into: IntoArgs,
    },
    /// A Hugo site's folder.
    Hugo {
        /// The folder holding hugo.toml (or config.toml) and content/.
        site: PathBuf,
        #[command(flatten)]
        into: IntoArgs,
    },
    /// A Jekyll site's folder.
    Jekyll {
        /// The folder holding _config.yml and _posts/.
        site: PathBuf,
        #[command(flatten)]
        into: IntoArgs,
    },
}

/// Where and how `gazette import` writes.
#[derive(clap::Args, Debug)]
pub struct IntoArgs {
    /// The gazette site to write: a new or empty folder, or one an earlier
    /// import made (a re-run finishes an interrupted import).
    #[arg(long, default_value = ".")]
    pub into: PathBuf,
    /// Overwrite files edited since they were imported.
    #[arg(long)]
    pub force: bool,
    /// The site's timezone (an IANA name such as Asia/Hong_Kong), when the
    /// source does not give it.
    #[arg(long)]
    pub timezone: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
}

#[derive(clap::Args, Debug)]
pub struct NewArgs {
    /// The headline; the file name is made from it.
    pub title: String,
    /// The site's folder (the one holding site.toml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The byline: an author profile's ID or a name (default: the
    /// site's profile, when it has exactly one).
    #[arg(long)]
    pub author: Option<String>,
    /// The section.
    #[arg(long)]
    pub category: Option<String>,
    /// Tags, separated by commas.
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// The folder to make the site in (default: the current folder).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub site: SiteArgs,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
}

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Write the site here instead of `[build] output`.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Use this base URL instead of site.toml's (preview deployments).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Print nothing but errors and warnings.
    #[arg(long, short)]
    pub quiet: bool,
    /// Load, render and write everything, even when the build cache says
    /// nothing changed since the last build.
    #[arg(long)]
    pub full: bool,
}

/// What `build`, `check` and `serve` share: which site, and which of its
/// articles.
#[derive(clap::Args, Debug)]
pub struct SiteArgs {
    /// The site's folder (the one holding site.toml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Include articles and pages marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
    /// Include articles dated in the future.
    #[arg(long)]
    pub future: bool,
    /// Keep made photos in this folder instead of `[images] cache` (for a
    /// CI cache outside the site).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Build the site as it will be at this moment (RFC 3339, such as
    /// 2021-03-26T09:30:00+08:00): which scheduled articles are out,
    /// which have expired, what the news sitemap holds.
    #[arg(long, value_name = "TIME", value_parser = parse_moment)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A moment written in RFC 3339, with its offset: a shell has no site
/// timezone to read a bare time in.
fn parse_moment(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("{e}: write the time with its offset, such as 2021-03-26T09:30:00+08:00 or 2021-03-26T01:30:00Z"))
}

impl SiteArgs {
    /// The build options these arguments ask for.
    pub fn options(&self) -> crate::build::BuildOptions {
        let mut options = crate::build::BuildOptions::new(&self.root);
        options.drafts = self.drafts;
        options.future = self.future;
        options.cache_dir = self.cache_dir.clone();
        if let Some(at) = self.at {
            options.now = at;
        }
        options
    }
}
