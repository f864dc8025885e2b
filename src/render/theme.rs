//! The theme's own files (the stylesheet and scripts), rendered once per
//! build before any page, since pages name them: each is written at its
//! plain path (`/assets/gazette.css`, for links made by hand) and at a
//! fingerprinted one under `/assets/immutable/` whose name changes with
//! its bytes, which pages link, so hosts may cache it for a year.

use super::context::Shared;
use super::templates::Templates;
use super::{RenderError, to_context};
use crate::paths;
use crate::site::Site;
use std::sync::Arc;

/// A file of the built-in theme that pages link to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThemeFile {
    Stylesheet,
    /// The script that loads embeds on a click.
    EmbedsScript,
    SearchScript,
    /// The script that brings a live page's new updates in; written when
    /// an article is live.
    LiveScript,
}

impl ThemeFile {
    pub const ALL: [ThemeFile; 4] = [
        ThemeFile::Stylesheet,
        ThemeFile::EmbedsScript,
        ThemeFile::SearchScript,
        ThemeFile::LiveScript,
    ];

    /// The template it is rendered from.
    pub(crate) fn template(self) -> &'static str {
        match self {
            ThemeFile::Stylesheet => "style.css",
            ThemeFile::EmbedsScript => "embeds.js",
            ThemeFile::SearchScript => "search.js",
            ThemeFile::LiveScript => "live.js",
        }
    }

    /// Its plain site path.
    pub(crate) fn path(self) -> &'static str {
        match self {
            ThemeFile::Stylesheet => paths::STYLESHEET,
            ThemeFile::EmbedsScript => paths::EMBEDS_SCRIPT,
            ThemeFile::SearchScript => paths::SEARCH_SCRIPT,
            ThemeFile::LiveScript => paths::LIVE_SCRIPT,
        }
    }

    /// Whether `site` has it: the live script only for live coverage.
    pub(crate) fn is_written(self, site: &Site) -> bool {
        self != ThemeFile::LiveScript || site.articles.iter().any(|a| a.live.is_some())
    }
}

/// The theme's files as this build made them.
#[derive(Debug, Default)]
pub(crate) struct ThemeFiles {
    /// For each written file: its bytes and its fingerprinted site path.
    made: Vec<(ThemeFile, Arc<[u8]>, String)>,
}

impl ThemeFiles {
    /// Renders each file `site` has and points the shared contexts' URLs
    /// (`site.stylesheet_url`...) at the fingerprinted paths. The theme
    /// files themselves see the plain URLs.
    pub(crate) fn render(
        site: &Site,
        templates: &Templates,
        shared: &mut Shared,
    ) -> Result<ThemeFiles, RenderError> {
        let mut context = tera::Context::new();
        context.insert("site", &shared.site);
        context.insert("data", &site.data.tree);
        let mut made = Vec::new();
        for file in ThemeFile::ALL.into_iter().filter(|f| f.is_written(site)) {
            let page = to_context(file.template(), &shared.base(site, file.path()))?;
            let bytes: Arc<[u8]> = templates
                .render(file.template(), page, &mut context)?
                .into();
            let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
            made.push((file, bytes, paths::fingerprinted(file.path(), hash)));
        }
        let files = ThemeFiles { made };
        files.point(site, shared);
        Ok(files)
    }

    /// Points `shared`'s URLs of the theme files at their fingerprinted
    /// paths.
    pub(crate) fn point(&self, site: &Site, shared: &mut Shared) {
        for (file, _, path) in &self.made {
            shared.site.use_theme_file_url(*file, site.config.url(path));
        }
    }

    /// The files written, with their bytes and fingerprinted paths.
    pub(crate) fn made(&self) -> impl Iterator<Item = (ThemeFile, &Arc<[u8]>, &str)> {
        self.made.iter().map(|(f, b, p)| (*f, b, p.as_str()))
    }

    /// A file's bytes and fingerprinted path.
    pub(crate) fn get(&self, file: ThemeFile) -> Option<(&Arc<[u8]>, &str)> {
        (self.made.iter())
            .find(|(f, _, _)| *f == file)
            .map(|(_, bytes, path)| (bytes, path.as_str()))
    }
}
