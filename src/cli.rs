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
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The site's folder (the one holding site.toml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Include articles and pages marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
    /// Include articles dated in the future.
    #[arg(long)]
    pub future: bool,
}

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// The site's folder (the one holding site.toml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Write the site here instead of `[build] output`.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Use this base URL instead of site.toml's (preview deployments).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Include articles and pages marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
    /// Include articles dated in the future.
    #[arg(long)]
    pub future: bool,
    /// Print nothing but errors and warnings.
    #[arg(long, short)]
    pub quiet: bool,
}
