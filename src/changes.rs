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
use std::hash::Hash;
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
/// hashes the fields as their `Hash` gives them: stable within one gazette,
/// and the build cache is never trusted across two.
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
    // Hashed as the standard `Hash` gives each field: every text with its
    // end marked and every list with its length, so no two fields run into
    // each other (and no text is made for each of 100,000 articles).
    let mut digest = Xxh3::new();
    (
        date,
        slug,
        authors,
        category,
        category_slug,
        tags,
        tag_slugs,
    )
        .hash(&mut digest);
    (series, series_slug, draft, expires, aliases, template, id).hash(&mut digest);
    (kind, for_subscribers, live_until).hash(&mut digest);
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

#[cfg(test)]
mod place_tests {
    use super::*;
    use crate::config::Config;
    use crate::content::content_from_texts;
    use std::path::Path;

    /// The article at `content/articles/a.md` titled `title`, with
    /// `extra` front matter.
    fn meta_titled(title: &str, extra: &str) -> ArticleMeta {
        let config = Config::parse(
            "title = \"Desk\"\nbase_url = \"https://news.example.com\"\n",
            Path::new("site.toml"),
        )
        .unwrap();
        let text = format!(
            "+++\ntitle = \"{title}\"\ndate = 2021-03-26T09:00:00+08:00\n{extra}+++\n\nXiaomi teams up with Great Wall Motor.\n"
        );
        let content = content_from_texts(&[("content/articles/a.md", &text)], &config);
        content.articles[0].doc.meta.clone()
    }

    fn meta(extra: &str) -> ArticleMeta {
        meta_titled("Xiaomi to build cars", extra)
    }

    /// A change to any field that places the article among the others
    /// changes its digest; a change to what shows only on its own page,
    /// card and feed entries does not.
    #[test]
    fn the_place_digest_follows_each_field_of_the_place_and_no_other() {
        let base = place_digest(&meta(""));
        assert_eq!(base, place_digest(&meta("")), "the same input twice");
        let moves = [
            "slug = \"xiaomi-cars\"\n",
            "authors = [\"Jane Lee\"]\n",
            "category = \"Business\"\n",
            "tags = [\"EV\"]\n",
            "series = \"Cars of China\"\n",
            "draft = true\n",
            "expires = 2022-01-01T00:00:00Z\n",
            "aliases = [\"/old/xiaomi/\"]\n",
            "template = \"longread.html\"\n",
            "id = \"tag:news.example.com,2021:xiaomi-gwm\"\n",
            "kind = \"analysis\"\n",
            "access = \"subscribers\"\n",
            "live_until = 2021-03-27T00:00:00Z\n",
        ];
        for extra in moves {
            assert_ne!(place_digest(&meta(extra)), base, "{extra}");
        }
        let mut later = meta("");
        later.date += chrono::Duration::seconds(1);
        assert_ne!(place_digest(&later), base, "a second later");
        // Two lists that hold the same words split differently.
        assert_ne!(
            place_digest(&meta("tags = [\"EV\", \"cars\"]\n")),
            place_digest(&meta("tags = [\"EV cars\"]\n"))
        );
        assert_eq!(
            place_digest(&meta_titled("Xiaomi and Great Wall", "")),
            base,
            "another title"
        );
        let stays = [
            "summary = \"Cars.\"\n",
            "updated = 2021-03-27T09:00:00+08:00\n",
            "dateline = \"HONG KONG\"\n",
            "canonical_url = \"https://example.com/x\"\n",
        ];
        for extra in stays {
            assert_eq!(place_digest(&meta(extra)), base, "{extra}");
        }
    }
}
