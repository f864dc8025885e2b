//! What a change of the site's input touches: which output files must be
//! rendered again and which are as the last build made them. The one
//! place that decides it, for `gazette serve` after a save and for
//! `gazette build` after the last build (through the build cache), so the
//! two cannot disagree.
//!
//! Changes that leave the site's structure as it was are told apart here:
//! an article that keeps its place among the others (see [`same_place`]),
//! templates, and files copied as they are. Content files added, deleted
//! or changed otherwise (a new article, a date or tag changed) are
//! [`Change::Restructured`]: each page is kept when the digest of what it
//! is made from is the last build's (`render::digest`), and every file made
//! without a template is made again. Anything else (site.toml, data/, a
//! photo) renders every file again.

use crate::content::ArticleMeta;
use crate::render::{self, Job, Renderer};
use crate::site::Article;
use std::collections::BTreeSet;
use xxhash_rust::xxh3::Xxh3;

/// A change of input that leaves the site's structure as it was.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// These articles (indexes into `Site::articles`) changed in place:
    /// each kept its place among the others ([`same_place`]).
    /// `search_kept`: their titles and summaries too, so the search index,
    /// which shows nothing else of them, is as it was.
    Articles {
        changed: BTreeSet<usize>,
        search_kept: bool,
    },
    /// Static files, or files of article bundles, copied as they are.
    Files,
    /// Files under templates/ only: the templates whose text changed, or
    /// that were added or removed.
    Templates(BTreeSet<String>),
    /// Content files (`.md` under content/) only, added, deleted, or
    /// changed in a way that moves an article or is not an article's: a
    /// page is kept by its digest (`render::Renderer::digest`), never by
    /// [`Change::keeps`].
    Restructured {
        added: usize,
        removed: usize,
        changed: usize,
    },
}

impl Change {
    /// Whether the file at an output path, made by `job` (None for a
    /// static or bundle file), is as it was before this change.
    pub(crate) fn keeps(&self, job: Option<Job>, renderer: &Renderer) -> bool {
        match (self, job) {
            // Only files that show one of the articles change: as a page,
            // card, headline or feed entry, or as a `readmore` card inside
            // a page or an article a feed carries.
            (
                Change::Articles {
                    search_kept: true, ..
                },
                Some(Job::SearchIndex | Job::SearchPart(_)),
            ) => true,
            (Change::Articles { changed, .. }, Some(job)) => {
                let site = renderer.site();
                let shown = render::shown(site, job);
                !changed.iter().any(|&i| shown.includes(i))
                    && !(render::cards_in_bodies(site, job).iter()).any(|i| changed.contains(i))
            }
            (Change::Files, job) => job.is_some(),
            (Change::Templates(changed), Some(job)) => !may_use_templates(renderer, job, changed),
            (Change::Restructured { .. }, Some(_)) => false,
            (
                Change::Articles { .. } | Change::Templates(_) | Change::Restructured { .. },
                None,
            ) => true,
        }
    }

    /// The change in a few words, for the build's summary:
    /// "1 article changed".
    pub(crate) fn describe(&self) -> String {
        match self {
            Change::Articles { changed, .. } if changed.len() == 1 => "1 article changed".into(),
            Change::Articles { changed, .. } => format!("{} articles changed", changed.len()),
            Change::Files => "static or bundle files changed".into(),
            Change::Templates(changed) if changed.len() == 1 => "1 template changed".into(),
            Change::Templates(changed) => format!("{} templates changed", changed.len()),
            Change::Restructured {
                added,
                removed,
                changed,
            } => {
                let counted = [(added, "added"), (removed, "deleted"), (changed, "changed")];
                let mut parts = (counted.into_iter())
                    .filter(|(n, _)| **n > 0)
                    .map(|(n, what)| (*n, what));
                let (n, what) = parts.next().unwrap_or((0, "changed"));
                let files = if n == 1 {
                    "content file"
                } else {
                    "content files"
                };
                let first = format!("{n} {files} {what}");
                std::iter::once(first)
                    .chain(parts.map(|(n, what)| format!("{n} {what}")))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        }
    }
}

/// Whether the split search index is as the last build made it after
/// `changes`: no article changed its title or summary, none was added,
/// deleted or moved, and no template shapes the index.
pub(crate) fn search_unchanged(changes: &[Change]) -> bool {
    (changes.iter()).all(|c| match c {
        Change::Articles { search_kept, .. } => *search_kept,
        Change::Restructured { .. } => false,
        Change::Files | Change::Templates(_) => true,
    })
}

/// Whether the file of `job` may differ after the templates `changed`
/// were saved: it is rendered with one of them, or it shows cards and
/// `partials/card.html` reaches one, or a theme file changed (every page
/// names the stylesheet by a name made from its bytes), or a shortcode
/// template changed (shortcodes render inside article bodies, which pages,
/// feeds and cards show: no template names them), or it is `_headers`,
/// whose security policy is left out when any template would break it.
fn may_use_templates(renderer: &Renderer, job: Job, changed: &BTreeSet<String>) -> bool {
    if job == Job::Headers {
        return true;
    }
    let templates = renderer.templates();
    let theme_changed =
        (render::ThemeFile::ALL.iter()).any(|f| templates.reaches(f.template(), changed));
    let shortcode_changed = changed
        .iter()
        .any(|name| name.starts_with(render::shortcodes::PREFIX));
    theme_changed
        || shortcode_changed
        || renderer.template_name(job).is_some_and(|name| {
            templates.reaches(&name, changed) || templates.reaches(render::CARD_TEMPLATE, changed)
        })
}

/// Whether two versions of an article's front matter give it the same place
/// in the site: the same URL, date order, section, tags, bylines, aliases,
/// template and publication. What differs beyond this (title, summary,
/// image, `updated`, `extra`) shows only on its own page, its card and
/// its feed entries, which [`render::shown`] names.
pub(crate) fn same_place(old: &ArticleMeta, new: &ArticleMeta) -> bool {
    place_digest(old) == place_digest(new)
}

/// A digest of what gives an article its place in the site (see
/// [`same_place`]), which the build cache keeps for the next build.
///
/// Every field is named below, so a field added to [`ArticleMeta`] does not
/// compile until it is sorted into one group or the other. The digest
/// hashes the fields' `Debug` forms: stable within one gazette, and the
/// build cache is never trusted across two.
pub(crate) fn place_digest(meta: &ArticleMeta) -> u64 {
    let ArticleMeta {
        // Where the article is, and which lists, feeds and pages show it.
        date,
        slug,
        authors,
        category,
        category_slug,
        tags,
        tag_slugs,
        series,
        series_slug,
        draft,
        expires,
        aliases,
        template,
        // Checked against every other article's (no two may share one).
        id,
        // Whether the news sitemap lists it.
        kind,
        // Whether feeds carry its whole text.
        for_subscribers,
        // When the site next changes by itself.
        live_until,
        // What shows only on its own page, its card and feed entries.
        title: _,
        updated: _,
        summary: _,
        image: _,
        image_alt: _,
        image_caption: _,
        image_focus: _,
        canonical_url: _,
        dateline: _,
        corrections: _,
        live: _,
        extra: _,
    } = meta;
    let text = format!(
        "{date:?}\0{slug:?}\0{authors:?}\0{category:?}\0{category_slug:?}\0{tags:?}\0{tag_slugs:?}\0{series:?}\0{series_slug:?}\0{draft:?}\0{expires:?}\0{aliases:?}\0{template:?}\0{id:?}\0{kind:?}\0{for_subscribers:?}\0{live_until:?}"
    );
    let mut digest = Xxh3::new();
    digest.update(text.as_bytes());
    digest.digest()
}

/// A digest of what the search index shows of an article beyond its
/// place (see `feeds::search`): its title and summary.
pub(crate) fn search_digest(article: &Article) -> u64 {
    let mut digest = Xxh3::new();
    digest.update(article.doc.meta.title.as_bytes());
    digest.update(&[0]);
    digest.update(article.summary_text.as_bytes());
    digest.digest()
}
