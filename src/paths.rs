//! Site paths: every URL path the site has (`/2021/03/26/x/`, `/tags/ev/`,
//! `/feed.xml`) is made here, and here a site path becomes an output file.
//! Changing where a kind of page lives is a change to this file alone;
//! articles follow the site's `permalink` (see [`crate::slug::permalink`]).

use crate::config::Config;
use std::path::{Component, PathBuf};
use url::Url;

/// The front page.
pub const FRONT: &str = "/";
/// The site's RSS 2.0 feed.
pub const RSS: &str = "/feed.xml";
/// The site's Atom feed.
pub const ATOM: &str = "/atom.xml";
/// The site's JSON Feed.
pub const JSON_FEED: &str = "/feed.json";
/// The sitemap, or the index of its parts.
pub const SITEMAP: &str = "/sitemap.xml";
/// The Google News sitemap.
pub const NEWS_SITEMAP: &str = "/news-sitemap.xml";
pub const ROBOTS: &str = "/robots.txt";
pub const NOT_FOUND: &str = "/404.html";
/// The list of every author profile.
pub const AUTHORS: &str = "/authors/";
/// The built-in stylesheet.
pub const STYLESHEET: &str = "/assets/gazette.css";
/// The script that loads embeds when the reader asks.
pub const EMBEDS_SCRIPT: &str = "/assets/gazette-embeds.js";
pub const SEARCH_SCRIPT: &str = "/assets/gazette-search.js";
/// The script that brings a running live page's new updates in.
pub const LIVE_SCRIPT: &str = "/assets/gazette-live.js";
/// Where the theme's files go under names that change with their bytes:
/// hosts may cache what is here for good (see `feeds::hosting`).
pub const IMMUTABLE_ASSETS: &str = "/assets/immutable/";

/// A theme file's fingerprinted site path: `/assets/gazette.css` with
/// bytes hashing to `hash` is `/assets/immutable/gazette.00c0ffee00c0ffee.css`.
pub(crate) fn fingerprinted(plain: &str, hash: u64) -> String {
    let name = plain.rsplit('/').next().unwrap_or(plain);
    match name.rsplit_once('.') {
        Some((stem, extension)) => format!("{IMMUTABLE_ASSETS}{stem}.{hash:016x}.{extension}"),
        None => format!("{IMMUTABLE_ASSETS}{name}.{hash:016x}"),
    }
}

/// Redirects and headers for static hosts (see `feeds::hosting`).
pub const REDIRECTS: &str = "/_redirects";
pub const NGINX_REDIRECTS: &str = "/nginx-redirects.conf";
pub const HEADERS: &str = "/_headers";
/// The built-in icon, unless static/ gives one (see [`crate::site::Favicon`]).
pub const FAVICON: &str = "/favicon.svg";
/// A site's own icon in the form every browser reads.
pub const FAVICON_ICO: &str = "/favicon.ico";
/// The search page, and the index its script reads.
pub const SEARCH: &str = "/search/";
/// The whole index in one file, when `[search] whole_index` asks for it.
pub const SEARCH_INDEX: &str = "/search-index.json";
/// The split index the built-in search page reads (see `feeds::search`).
pub const SEARCH_SPLIT: &str = "/search-index/";
pub const SEARCH_META: &str = "/search-index/meta.json";

/// Sections, tags or series: the ways articles are grouped by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermKind {
    Category,
    Tag,
    Series,
}

impl TermKind {
    /// Every kind, in the order pages and sitemaps list them.
    pub const ALL: [TermKind; 3] = [TermKind::Category, TermKind::Tag, TermKind::Series];

    /// The folder of its pages: `/categories/`, `/tags/`, `/series/`.
    pub(crate) fn index_path(self) -> &'static str {
        match self {
            TermKind::Category => "/categories/",
            TermKind::Tag => "/tags/",
            TermKind::Series => "/series/",
        }
    }

    /// One term's first page: `/tags/ev/`.
    pub(crate) fn term_path(self, slug: &str) -> String {
        format!("{}{slug}/", self.index_path())
    }

    /// The word for one of them, as messages and templates say it.
    pub fn name(self) -> &'static str {
        match self {
            TermKind::Category => "category",
            TermKind::Tag => "tag",
            TermKind::Series => "series",
        }
    }
}

/// The numbered page `n` of a paginated list whose own page is `list`:
/// `/tags/ev/page/3/`. Which articles it holds, and which number the
/// list's own page stands for, is `render::lists::Pages`'.
pub(crate) fn numbered_page(list: &str, n: usize) -> String {
    format!("{list}page/{n}/")
}

/// The RSS feed of a list (a section, tag or author): `/tags/ev/feed.xml`.
pub(crate) fn list_feed(list: &str) -> String {
    format!("{list}feed.xml")
}

/// An author's profile page.
pub fn author(id: &str) -> String {
    format!("{AUTHORS}{id}/")
}

/// A standalone page (content/pages).
pub(crate) fn standalone_page(slug: &str) -> String {
    format!("/{slug}/")
}

/// A year of the date archive.
pub fn year(year: i32) -> String {
    format!("/{year:04}/")
}

/// A month of the date archive.
pub(crate) fn month(year: i32, month: u32) -> String {
    format!("/{year:04}/{month:02}/")
}

/// Part `n` (from 1) of a sitemap of more than 50,000 URLs.
pub(crate) fn sitemap_part(n: usize) -> String {
    format!("/sitemap-{n}.xml")
}

/// An output path made from a site path (`/2021/03/26/x/` →
/// `2021/03/26/x/index.html`, `/feed.xml` → `feed.xml`).
pub(crate) fn file_for_site_path(site_path: &str) -> Result<PathBuf, String> {
    let trimmed = site_path.trim_start_matches('/');
    let file = if trimmed.is_empty() || trimmed.ends_with('/') {
        format!("{trimmed}index.html")
    } else {
        trimmed.to_string()
    };
    safe_relative(&file)
}

/// Checks that `path` stays inside the folder it is joined to: relative,
/// no `..`, no empty or `.` segments, no backslashes or NUL bytes.
pub(crate) fn safe_relative(path: &str) -> Result<PathBuf, String> {
    let refuse = || {
        Err(format!(
            "unsafe output path `{path}`: it would leave the output folder"
        ))
    };
    if path.is_empty() || path.contains('\\') || path.contains('\0') {
        return refuse();
    }
    let mut out = PathBuf::new();
    for segment in path.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return refuse();
        }
        out.push(segment);
    }
    if out.components().any(|c| !matches!(c, Component::Normal(_))) {
        return refuse();
    }
    Ok(out)
}

/// A URL from front matter made absolute: relative to the page that uses it
/// (bundle photos), site paths (`/img/x.jpg`) under the base URL, absolute
/// URLs as they are.
pub(crate) fn resolve_url(config: &Config, page_url: &str, reference: &str) -> String {
    if reference.starts_with('/') && !reference.starts_with("//") {
        return config.url(reference);
    }
    match Url::parse(page_url).and_then(|base| base.join(reference)) {
        Ok(url) => url.into(),
        Err(_) => reference.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_paths_map_to_files() {
        assert_eq!(
            file_for_site_path("/").unwrap(),
            PathBuf::from("index.html")
        );
        assert_eq!(
            file_for_site_path("/2021/03/26/x/").unwrap(),
            PathBuf::from("2021/03/26/x/index.html")
        );
        assert_eq!(file_for_site_path(RSS).unwrap(), PathBuf::from("feed.xml"));
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            "a\\..\\b",
            "./a",
            "",
        ] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
        assert!(file_for_site_path("/../../etc/").is_err());
    }

    #[test]
    fn lists_pages_and_feeds() {
        assert_eq!(numbered_page(FRONT, 1), "/page/1/");
        assert_eq!(numbered_page(FRONT, 3), "/page/3/");
        let ev = TermKind::Tag.term_path("ev");
        assert_eq!(numbered_page(&ev, 2), "/tags/ev/page/2/");
        assert_eq!(list_feed(&author("ana")), "/authors/ana/feed.xml");
        assert_eq!(month(2021, 3), "/2021/03/");
        assert_eq!(sitemap_part(2), "/sitemap-2.xml");
    }
}
