//! The site model: published articles sorted newest first, their URLs,
//! summaries, resolved authors, sections, tags and related articles.
//!
//! Built once from the loaded content; every renderer reads it, none
//! changes it. Each article's body HTML comes out beside the model
//! ([`Modelled`]), never in it: the renderer owns the bodies. After a save of one article, `gazette serve` makes the next
//! model from the last one (`serve::patch`).

use crate::config::Config;
use crate::content::{
    ArticleMeta, AuthorMeta, Content, Document, Markdown, PageMeta, Parsed, SourceFile,
};
use crate::diagnostics::Diagnostic;
use crate::markdown::{self, Rendered};
use crate::markdown_cache::{self, MarkdownCache};
use crate::packed::{Packed, Spill};
use crate::paths::{self, TermKind};
use crate::slug::permalink;
use crate::strict::MAX_UNKNOWN_KEYS_SHOWN;
use chrono::{DateTime, Datelike, Utc};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use url::Url;

/// How many related articles an article page shows.
pub const RELATED_COUNT: usize = 3;
/// How far related articles are looked for: this many articles before and
/// after the article in each of its tags (by date).
pub const RELATED_WINDOW: usize = 200;
/// Words a minute, for reading time.
const READING_SPEED: usize = 230;

/// What the build was asked to include.
#[derive(Debug, Clone, Copy)]
pub struct Selection {
    pub drafts: bool,
    pub future: bool,
    /// The moment that separates published from scheduled. It decides what
    /// is in the site; it is never written into the output.
    pub now: DateTime<Utc>,
}

/// A byline entry: an author with a profile, or a plain name.
#[derive(Debug, Clone)]
pub struct Byline {
    pub name: String,
    /// Index into [`Site::authors`] when the name is a profile ID.
    pub author: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Article {
    pub doc: Document<ArticleMeta>,
    /// Site path, such as `/2021/03/26/xiaomi-ev/`.
    pub path: String,
    pub url: String,
    /// Words in the body, for JSON-LD and the reading time. The body's
    /// HTML is not here: it comes out of the model beside the site (see
    /// [`ArticleBody`]), so the renderer can let each one go.
    pub word_count: usize,
    /// The shortcode calls whose tokens the body holds, by number.
    pub shortcodes: Vec<crate::shortcode::Call>,
    pub summary_html: String,
    /// The summary with absolute URLs, for feeds, when it differs.
    summary_feed_html: Option<String>,
    /// The summary as plain text, for meta descriptions.
    pub summary_text: String,
    /// Whether the summary was written apart (`summary` in front matter),
    /// rather than taken from the body, which shows it already.
    pub summary_written_apart: bool,
    pub reading_minutes: usize,
    pub bylines: Vec<Byline>,
    /// Index into [`Site::categories`].
    pub category: Option<usize>,
    /// Indexes into [`Site::tags`].
    pub tags: Vec<usize>,
    /// Where it stands in its series, if it is part of one.
    pub series: Option<SeriesPlace>,
    /// Indexes into [`Site::articles`], best first.
    pub related: Vec<usize>,
    /// Its updates, when it is live coverage.
    pub live: Option<crate::live::Live>,
}

/// An article's place in a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesPlace {
    /// Index into [`Site::series`].
    pub series: usize,
    /// Its number in the series, from 1 for the first published.
    pub part: usize,
}

/// An article's body as HTML, for its page and its feed entries. Made by
/// the model beside the [`Article`] (never in it: a large archive would
/// hold every body until the last page is written) and held from then on
/// by the renderer, which decides when each is let go.
/// Packed ([`crate::packed`]): the bodies of an archive are most of its
/// memory while they wait for their pages.
#[derive(Debug, Clone, Default)]
pub struct ArticleBody {
    html: Packed,
    /// `html` with relative URLs made absolute, for feeds; None when it
    /// would equal `html`.
    feed_html: Option<Packed>,
    /// A digest of `html`, so a page's digest needs no body read back
    /// (`render::digest`): of the text, or of its packed bytes when the
    /// Markdown cache keeps it (the same body gets the same digest in
    /// every build that takes it the same way).
    digest: u64,
}

impl ArticleBody {
    #[cfg(test)]
    pub(crate) fn new(html: &str, feed_html: Option<&str>) -> ArticleBody {
        ArticleBody::new_in(html, feed_html, None)
    }

    /// [`ArticleBody::new`], waiting in `spill` when there is one.
    fn new_in(html: &str, feed_html: Option<&str>, spill: Option<&Arc<Spill>>) -> ArticleBody {
        ArticleBody {
            html: Packed::pack_into(html, spill),
            feed_html: feed_html.map(|html| Packed::pack_into(html, spill)),
            digest: xxhash_rust::xxh3::xxh3_64(html.as_bytes()),
        }
    }

    /// The body as its page shows it. An error only when a spilled body
    /// cannot be read back.
    pub(crate) fn html(&self) -> std::io::Result<String> {
        self.html.unpack()
    }

    /// Takes (and packs) the body out of `rendered`, which keeps the rest;
    /// into `spill` when there is one.
    pub(crate) fn take_from(rendered: &mut Rendered, spill: Option<&Arc<Spill>>) -> ArticleBody {
        let body = ArticleBody::new_in(&rendered.html, rendered.feed_html.as_deref(), spill);
        rendered.html = String::new();
        rendered.feed_html = None;
        body
    }

    /// A body packed before (kept by the Markdown cache), with the hash of
    /// `html`'s packed bytes.
    pub(crate) fn from_packed(html: Packed, feed_html: Option<Packed>, digest: u64) -> ArticleBody {
        ArticleBody {
            html,
            feed_html,
            digest,
        }
    }

    /// A digest of the body as its page shows it.
    pub(crate) fn digest(&self) -> u64 {
        self.digest
    }

    /// The body as feeds show it: with absolute URLs.
    pub(crate) fn feed_html(&self) -> std::io::Result<String> {
        self.feed_html.as_ref().unwrap_or(&self.html).unpack()
    }
}

/// The site model, and each article's body beside it, by index into
/// [`Site::articles`].
pub struct Modelled {
    pub site: Site,
    pub bodies: Vec<ArticleBody>,
}

impl Site {
    /// The article's lead image, when it is a photo the site publishes
    /// (an index into [`Site::images`]).
    pub(crate) fn lead_photo(&self, article: &Article) -> Option<usize> {
        let image = article.doc.meta.image.as_deref()?;
        self.images.find(&self.config, &article.url, image)
    }
}

impl Article {
    /// The summary as feeds show it, with absolute URLs.
    pub(crate) fn summary_feed_html(&self) -> &str {
        self.summary_feed_html
            .as_deref()
            .unwrap_or(&self.summary_html)
    }
}

#[derive(Debug, Clone)]
pub struct Page {
    pub doc: Document<PageMeta>,
    pub path: String,
    pub url: String,
    pub rendered: Rendered,
}

#[derive(Debug, Clone)]
pub struct Author {
    pub doc: Document<AuthorMeta>,
    pub path: String,
    pub url: String,
    pub bio_html: String,
    /// Indexes into [`Site::articles`], newest first.
    pub articles: Vec<usize>,
}

/// A section or a tag and its articles.
#[derive(Debug, Clone)]
pub struct Term {
    /// The first spelling met, in date order.
    pub name: String,
    /// How pages show it: section names with capital initials
    /// (`business` → `Business`), tags as written.
    pub label: String,
    pub slug: String,
    pub path: String,
    pub url: String,
    /// Indexes into [`Site::articles`], newest first.
    pub articles: Vec<usize>,
}

/// A month of the date archive.
#[derive(Debug, Clone)]
pub struct MonthArchive {
    pub year: i32,
    pub month: u32,
    pub path: String,
    pub url: String,
    /// Indexes into [`Site::articles`], newest first.
    pub articles: Vec<usize>,
}

/// A year of the date archive.
#[derive(Debug, Clone)]
pub struct YearArchive {
    pub year: i32,
    pub path: String,
    pub url: String,
    /// Newest first.
    pub months: Vec<MonthArchive>,
}

impl YearArchive {
    pub(crate) fn article_count(&self) -> usize {
        self.months.iter().map(|m| m.articles.len()).sum()
    }
}

#[derive(Debug, Clone)]
pub struct Site {
    pub config: Config,
    /// Newest first; ties broken by path so the order is total. Shared,
    /// so that `gazette serve` can make the site after a save from the one
    /// before without copying every article (see
    /// `serve::patch`).
    pub articles: Vec<Arc<Article>>,
    /// Content paths that some `@/…#fragment` link points into: a change
    /// to their headings can break a link in another file.
    pub(crate) fragment_link_targets: HashSet<String>,
    pub pages: Vec<Page>,
    pub authors: Vec<Author>,
    pub categories: Vec<Term>,
    pub tags: Vec<Term>,
    /// Series and story threads (`series` in front matter).
    pub series: Vec<Term>,
    /// Years, newest first, each with its months, newest first.
    pub archives: Vec<YearArchive>,
    /// The moment the build counts as now: it decides what is published
    /// and which articles the news sitemap holds. Never written out.
    pub now: DateTime<Utc>,
    pub drafts_left_out: usize,
    pub scheduled_left_out: usize,
    /// When the site next changes by itself (see [`NextChange`]).
    pub next_change: Option<NextChange>,
    pub expired_left_out: usize,
    /// The icon browsers show for the site's pages.
    pub favicon: Favicon,
    /// Which host files static/ gives itself, and whether the site has its
    /// own page templates.
    pub host_files: crate::feeds::hosting::GivenHostFiles,
    /// The photos the site publishes, measured; the build sets them once
    /// the files are known.
    pub(crate) images: Arc<crate::images::Images>,
    /// What data/ holds: `data` in templates, and the breaking-news
    /// banner. The build sets it (see [`Site::with_data`]).
    pub data: Arc<crate::data::SiteData>,
}

/// Where the site's icon comes from: the site's own in static/, or the
/// built-in one (the site title's initial), written when static/ has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Favicon {
    #[default]
    BuiltIn,
    /// static/favicon.svg
    StaticSvg,
    /// static/favicon.ico, and no favicon.svg
    StaticIco,
}

impl Favicon {
    /// Which icon a site at `root` has, given its files in static/
    /// (absolute paths, as the build lists them).
    pub(crate) fn of(root: &Path, static_files: &[std::path::PathBuf]) -> Favicon {
        let in_static = |name: &str| static_files.contains(&root.join("static").join(name));
        let (svg, ico) = (in_static("favicon.svg"), in_static("favicon.ico"));
        match (svg, ico) {
            (true, _) => Favicon::StaticSvg,
            (false, true) => Favicon::StaticIco,
            (false, false) => Favicon::BuiltIn,
        }
    }

    /// The icon's site path.
    pub(crate) fn path(self) -> &'static str {
        match self {
            Favicon::BuiltIn | Favicon::StaticSvg => paths::FAVICON,
            Favicon::StaticIco => paths::FAVICON_ICO,
        }
    }
}

impl Site {
    /// The site with the data of data/: the banner's `until`, while it is
    /// ahead, may be the next change.
    pub(crate) fn with_data(mut self, data: crate::data::SiteData) -> Site {
        let banner_ends = (data.breaking.as_ref())
            .and_then(|b| Some((b.until.filter(|&until| until > self.now)?, &b.file)))
            .map(|(at, file)| NextChange {
                at,
                file: file.clone(),
                what: ChangeKind::BannerEnds,
            });
        self.next_change = NextChange::sooner(self.next_change.take(), banner_ends);
        self.data = Arc::new(data);
        self
    }

    /// The breaking-news banner, while it shows.
    pub(crate) fn breaking(&self) -> Option<&crate::data::Breaking> {
        (self.data.breaking.as_ref()).filter(|b| b.is_shown(self.now))
    }

    /// The sections or the tags.
    pub(crate) fn terms(&self, kind: TermKind) -> &[Term] {
        match kind {
            TermKind::Category => &self.categories,
            TermKind::Tag => &self.tags,
            TermKind::Series => &self.series,
        }
    }

    /// Builds the model. Problems (duplicate URLs, broken `@/` links) go to
    /// `diagnostics`. With a `cache`, Markdown it rendered before is reused;
    /// with `kept` (the build cache), the bodies an earlier build rendered
    /// (unless the site's Markdown is sanitized) and its related articles.
    ///
    /// The steps, in order: choose what is published; give every page its
    /// path (and report two at one URL); render the Markdown, which needs
    /// every path for `@/` links, and check those links; make the author
    /// profiles and the articles; place each article among the others
    /// (authors, sections, tags, archives, related articles).
    pub(crate) fn build(
        config: Config,
        content: Content,
        selection: Selection,
        cache: Option<&dyn markdown::RenderCache>,
        kept: Option<&MarkdownCache>,
        spill: Option<&Arc<Spill>>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Modelled {
        let chosen = choose_published(content.articles, content.pages, &selection);
        let Chosen {
            articles: mut published,
            mut pages,
            drafts_left_out,
            scheduled_left_out,
            expired_left_out,
            next_change,
        } = chosen;

        // URLs first: `@/` links need every URL before any Markdown renders.
        let article_paths: Vec<String> = published
            .par_iter()
            .map(|p| article_path(&config, &p.doc.meta))
            .collect();
        let page_paths: Vec<String> = pages
            .iter()
            .map(|p| paths::standalone_page(&p.doc.meta.slug))
            .collect();
        // An alias at the file's own URL redirects nowhere: archives moved
        // from other tools list the current URL among the old ones.
        for (parsed, path) in published.iter_mut().zip(&article_paths) {
            parsed.doc.meta.aliases.retain(|alias| alias != path);
        }
        for (parsed, path) in pages.iter_mut().zip(&page_paths) {
            parsed.doc.meta.aliases.retain(|alias| alias != path);
        }
        diagnostics.extend(duplicate_urls(
            published.iter().map(|p| &p.doc.source).zip(&article_paths),
            pages.iter().map(|p| &p.doc.source).zip(&page_paths),
        ));
        diagnostics.extend(duplicate_feed_ids(published.iter().map(|p| &p.doc)));

        let article_urls: Vec<Url> = (article_paths.par_iter())
            .map(|p| config.page_url(p))
            .collect();
        // Every file's URL by its content path, for `@/` links: made only
        // when a body rendered in this build has one (most have none, and
        // a kept body is not rendered).
        let link_sources: Vec<String> = (published.iter())
            .map(|p| p.doc.source.content_path.clone())
            .collect();
        let link_targets = std::sync::OnceLock::new();
        let resolve = |target: &str| {
            let targets = link_targets.get_or_init(|| {
                let pages = (pages.iter().zip(&page_paths))
                    .map(|(p, path)| (p.doc.source.content_path.as_str(), config.url(path)));
                let authors = (content.authors.iter()).map(|a| {
                    let path = paths::author(&a.doc.meta.id);
                    (a.doc.source.content_path.as_str(), config.url(&path))
                });
                let articles = (link_sources.iter().map(String::as_str))
                    .zip(article_urls.iter().map(|url| url.as_str().to_owned()));
                link_target_map(articles.chain(pages).chain(authors))
            });
            find_link_target(targets, target)
        };
        let safe = config.markdown_safe;
        let render = |source: &SourceFile, body: &Markdown, url: Option<&Url>| match cache {
            Some(cache) => cache.render(&source.content_path, &body.text, &resolve, url, safe),
            None => markdown::render(&body.text, &resolve, url, safe),
        };

        // Each article's Markdown is dropped as soon as it is rendered and
        // its links are placed, so a large archive never holds all of its
        // Markdown and all of its HTML at once.
        let (published, rendered_and_links): (Vec<_>, Vec<_>) = published
            .into_par_iter()
            .zip(&article_urls)
            .map(|(Parsed { doc, body }, url)| {
                // Live articles are rearranged after rendering, and their
                // errors need the text: they are rendered every time.
                let kept = kept.filter(|_| !doc.meta.live && MarkdownCache::keeps_bodies(&config));
                let summary = doc.meta.summary.as_deref();
                let key =
                    kept.map(|_| markdown_cache::key(body.digest(), summary, url.as_str(), safe));
                let found = kept
                    .zip(key)
                    .and_then(|(kept, key)| kept.find(&doc.source.content_path, key));
                let (mut rendered, found_html) = match found {
                    Some((rendered, html)) => (rendered, Some(html)),
                    None => (Rendered::default(), None),
                };
                // A body found in the cache is read only if its errors or
                // warnings need its lines.
                let needs_text = found_html.is_none()
                    || !rendered.shortcode_errors.is_empty()
                    || !rendered.foreign_markup.is_empty();
                let (body, unread) = match needs_text {
                    true => match body.read(&doc.source) {
                        Ok(body) => (body, None),
                        Err(problem) => (Cow::Owned(Markdown::default()), Some(problem)),
                    },
                    false => (Cow::Owned(Markdown::default()), None),
                };
                // What the cache keeps is the rendering as it comes, before
                // the lines are placed and the updates taken out.
                let mut to_keep = None;
                if found_html.is_none() {
                    rendered = render(&doc.source, &body, Some(url));
                    if let Some(summary) = &doc.meta.summary {
                        markdown::use_written_summary(&mut rendered, summary, url, safe);
                    }
                    to_keep =
                        (kept.zip(key))
                            .filter(|_| unread.is_none())
                            .and_then(|(kept, key)| {
                                Some((kept, key, MarkdownCache::facts(&rendered)?))
                            });
                }
                let mut links = place_links(&doc.source, &body, &rendered);
                links.broken.extend(unread);
                links
                    .broken
                    .extend(place_shortcodes(&mut rendered, &doc.source, &body));
                let (tz, now) = (config.timezone, selection.now);
                let (live, problems) =
                    crate::live::arrange(&doc.meta, &doc.source, &body, &mut rendered, tz, now);
                links.broken.extend(problems);
                // Packed at once, so the archive's HTML is never all
                // held unpacked.
                let html = match (found_html, to_keep) {
                    (Some(html), _) => html,
                    (None, Some((kept, key, facts))) => {
                        kept.keep(&doc.source.content_path, key, facts, &mut rendered)
                    }
                    (None, None) => ArticleBody::take_from(&mut rendered, spill),
                };
                ((doc, (live, html)), (rendered, links))
            })
            .unzip();
        let (published, live_and_html): (Vec<_>, Vec<_>) = published.into_iter().unzip();
        let (live, bodies): (Vec<_>, Vec<_>) = live_and_html.into_iter().unzip();
        let (rendered_articles, article_links): (Vec<Rendered>, Vec<PlacedLinks>) =
            rendered_and_links.into_iter().unzip();
        let (rendered_pages, page_links): (Vec<Rendered>, Vec<PlacedLinks>) = pages
            .par_iter()
            .map(|p| {
                let mut rendered = render(&p.doc.source, &p.body, None);
                let mut links = place_links(&p.doc.source, &p.body, &rendered);
                links
                    .broken
                    .extend(place_shortcodes(&mut rendered, &p.doc.source, &p.body));
                (rendered, links)
            })
            .unzip();
        // Pages are few: their Markdown went with the rendering.
        let pages: Vec<Document<PageMeta>> = pages.into_iter().map(|p| p.doc).collect();
        let fragment_link_targets = check_links(
            published.iter().map(|d| &d.source).zip(&rendered_articles),
            pages.iter().map(|d| &d.source).zip(&rendered_pages),
            article_links.into_iter().chain(page_links),
            diagnostics,
        );
        // What the link checks needed is no longer.
        let mut rendered_articles = rendered_articles;
        rendered_articles
            .par_iter_mut()
            .for_each(Rendered::drop_link_data);

        let mut authors = make_authors(&config, content.authors);
        let bylines = BylineLookup::new(&authors);
        // Each article goes into its shared place at once: sorting and
        // placing then move pointers, not the articles (a kilobyte each).
        let mut articles_and_bodies: Vec<(Arc<Article>, ArticleBody)> = published
            .into_par_iter()
            .zip(article_paths.into_par_iter().zip(article_urls))
            .zip(live.into_par_iter().zip(bodies))
            .zip(rendered_articles)
            .map(|(((doc, page), (live, body)), rendered)| {
                let article = Article::new(doc, page, rendered, live, &bylines);
                (Arc::new(article), body)
            })
            .collect();
        sort_newest_first(&mut articles_and_bodies);
        let (mut articles, bodies): (Vec<Arc<Article>>, Vec<ArticleBody>) =
            articles_and_bodies.into_iter().unzip();
        warn_byline_typos(&authors, &articles, diagnostics);
        let Placed {
            categories,
            tags,
            series,
        } = place_articles(&config, &mut articles, &mut authors, kept, diagnostics);
        let archives = group_archives(&config, &articles);

        let pages = pages
            .into_iter()
            .zip(page_paths)
            .zip(rendered_pages)
            .map(|((doc, path), rendered)| Page {
                url: config.url(&path),
                path,
                rendered,
                doc,
            })
            .collect();

        let images = Arc::new(crate::images::Images::none(&config.images));
        let site = Site {
            config,
            articles,
            fragment_link_targets,
            pages,
            authors,
            categories,
            tags,
            series,
            archives,
            now: selection.now,
            drafts_left_out,
            scheduled_left_out,
            expired_left_out,
            next_change,
            favicon: Favicon::BuiltIn,
            host_files: Default::default(),
            images,
            data: Default::default(),
        };
        Modelled { site, bodies }
    }
}

/// The articles and pages a build publishes, and how many articles it
/// leaves out for each reason.
struct Chosen {
    articles: Vec<Parsed<ArticleMeta>>,
    pages: Vec<Parsed<PageMeta>>,
    drafts_left_out: usize,
    scheduled_left_out: usize,
    expired_left_out: usize,
    next_change: Option<NextChange>,
}

/// The next moment the site changes by itself: a scheduled article's
/// time, a published one's `expires`, or the end of live coverage. Until
/// someone builds again then, the published site is behind.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NextChange {
    pub at: DateTime<Utc>,
    /// The file that says so, from the site root (`content/articles/x.md`).
    pub file: String,
    pub what: ChangeKind,
}

impl NextChange {
    /// The sooner of two changes (by time, then file), either of which
    /// may be None.
    pub(crate) fn sooner(a: Option<NextChange>, b: Option<NextChange>) -> Option<NextChange> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if (a.at, &a.file) <= (b.at, &b.file) {
                a
            } else {
                b
            }),
            (a, b) => a.or(b),
        }
    }
}

/// What happens to an article at a [`NextChange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ChangeKind {
    Publishes,
    Expires,
    /// Its live coverage ends (`live_until`): the "Live" badge goes.
    LiveEnds,
    /// The breaking-news banner's `until` passes: the banner goes.
    BannerEnds,
}

impl ChangeKind {
    /// The verb the build summary and `gazette status` use.
    pub fn verb(self) -> &'static str {
        match self {
            ChangeKind::Publishes => "publishes",
            ChangeKind::Expires => "expires",
            ChangeKind::LiveEnds => "ends live coverage",
            ChangeKind::BannerEnds => "takes the breaking-news banner down",
        }
    }
}

/// Leaves out drafts (unless `--drafts`), articles dated after `now`
/// (unless `--future`) and expired ones.
fn choose_published(
    articles: Vec<Parsed<ArticleMeta>>,
    pages: Vec<Parsed<PageMeta>>,
    selection: &Selection,
) -> Chosen {
    let mut chosen = Chosen {
        articles: Vec::new(),
        pages: Vec::new(),
        drafts_left_out: 0,
        scheduled_left_out: 0,
        expired_left_out: 0,
        next_change: None,
    };
    let mut next_change: Option<NextChange> = None;
    let mut note = |at: DateTime<Utc>, parsed: &Parsed<ArticleMeta>, what: ChangeKind| {
        let file = format!("content/{}", parsed.doc.source.content_path);
        let this = Some(NextChange { at, file, what });
        next_change = NextChange::sooner(next_change.take(), this);
    };
    // In place: a large archive's articles are not held twice.
    let mut kept = articles;
    kept.retain(|parsed| {
        let m = &parsed.doc.meta;
        if m.draft && !selection.drafts {
            chosen.drafts_left_out += 1;
        } else if m.date > selection.now && !selection.future {
            chosen.scheduled_left_out += 1;
            note(m.date, parsed, ChangeKind::Publishes);
        } else if m.expires.is_some_and(|e| e <= selection.now) {
            chosen.expired_left_out += 1;
        } else {
            if let Some(expires) = m.expires {
                note(expires, parsed, ChangeKind::Expires);
            }
            if let Some(until) = m.live_until.filter(|&until| until > selection.now) {
                note(until, parsed, ChangeKind::LiveEnds);
            }
            return true;
        }
        false
    });
    chosen.articles = kept;
    chosen.next_change = next_change;
    chosen.pages = (pages.into_iter())
        .filter(|p| !p.doc.meta.draft || selection.drafts)
        .collect();
    chosen
}

/// An article's site path, from the site's `permalink` pattern.
fn article_path(config: &Config, meta: &ArticleMeta) -> String {
    permalink(
        &config.permalink,
        meta.date,
        config.timezone,
        &meta.slug,
        meta.category_slug.as_deref(),
    )
}

/// An error for each article or page whose URL an earlier one (an article
/// before a page) already has.
fn duplicate_urls<'a>(
    articles: impl Iterator<Item = (&'a SourceFile, &'a String)>,
    pages: impl Iterator<Item = (&'a SourceFile, &'a String)>,
) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let mut owners: BTreeMap<&str, &SourceFile> = BTreeMap::new();
    for (source, path) in articles {
        if let Some(first) = owners.get(path.as_str()) {
            errors.push(duplicate_url(path, &first.display, &source.display));
        } else {
            owners.insert(path, source);
        }
    }
    let mut page_owners: HashMap<&str, &SourceFile> = HashMap::new();
    for (source, path) in pages {
        if let Some(article) = owners.get(path.as_str()) {
            errors.push(duplicate_url(path, &article.display, &source.display));
        } else if let Some(first) = page_owners.get(path.as_str()) {
            errors.push(duplicate_url(path, &first.display, &source.display));
        } else {
            page_owners.insert(path, source);
        }
    }
    errors
}

/// An error at the `id` of each article whose feed id an earlier article
/// already has: a feed reader would show only one of the two.
fn duplicate_feed_ids<'a>(
    articles: impl Iterator<Item = &'a crate::content::Document<ArticleMeta>>,
) -> Vec<Diagnostic> {
    let mut owners: HashMap<&str, &SourceFile> = HashMap::new();
    let mut errors = Vec::new();
    for doc in articles {
        let Some(id) = doc.meta.id.as_deref() else {
            continue;
        };
        match owners.get(id) {
            Some(first) => errors.push(doc.source.error_at_key(
                "id",
                format!(
                    "`id` {id} is already the id of {}: feed readers would show only one of them; give each article its own",
                    first.display.display()
                ),
            )),
            None => {
                owners.insert(id, &doc.source);
            }
        }
    }
    errors
}

/// The author profiles, with their pages and biographies; their articles
/// are added once the articles are placed.
fn make_authors(config: &Config, profiles: Vec<Parsed<AuthorMeta>>) -> Vec<Author> {
    profiles
        .into_iter()
        .map(|Parsed { doc, body }| {
            let path = paths::author(&doc.meta.id);
            Author {
                url: config.url(&path),
                path,
                bio_html: markdown::render_fragment(&body.text, None, config.markdown_safe).html,
                doc,
                articles: Vec::new(),
            }
        })
        .collect()
}

/// Newest first; articles of the same moment by path, so the order never
/// depends on the order files were read in.
fn sort_newest_first(articles: &mut [(Arc<Article>, ArticleBody)]) {
    articles.sort_by(|(a, _), (b, _)| {
        b.doc
            .meta
            .date
            .cmp(&a.doc.meta.date)
            .then_with(|| a.path.cmp(&b.path))
    });
}

/// The groups [`place_articles`] makes.
struct Placed {
    categories: Vec<Term>,
    tags: Vec<Term>,
    series: Vec<Term>,
}

/// Places each article (newest first) among the others: on its authors'
/// pages, in its section, tags and series (returned), beside related
/// articles.
fn place_articles(
    config: &Config,
    articles: &mut [Arc<Article>],
    authors: &mut [Author],
    cache: Option<&MarkdownCache>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Placed {
    for (i, article) in articles.iter().enumerate() {
        for byline in &article.bylines {
            if let Some(a) = byline.author {
                authors[a].articles.push(i);
            }
        }
    }
    let categories = group_terms(config, TermKind::Category, articles, diagnostics);
    for (t, term) in categories.iter().enumerate() {
        for &i in &term.articles {
            Arc::make_mut(&mut articles[i]).category = Some(t);
        }
    }
    let tags = group_terms(config, TermKind::Tag, articles, diagnostics);
    for (t, term) in tags.iter().enumerate() {
        for &i in &term.articles {
            Arc::make_mut(&mut articles[i]).tags.push(t);
        }
    }
    // Show each article's tags in the order its front matter gives them.
    articles
        .par_iter_mut()
        .map(Arc::make_mut)
        .for_each(|article| {
            let Article { doc, tags: own, .. } = article;
            let slugs = &doc.meta.tag_slugs;
            // Most articles have a handful of tags: a look along the list is
            // cheaper than a map (made for each of 100,000 articles).
            if slugs.len() <= 16 {
                own.sort_by_cached_key(|&t| slugs.iter().position(|s| *s == tags[t].slug));
            } else {
                let order: HashMap<&str, usize> = (slugs.iter().enumerate())
                    .map(|(i, slug)| (slug.as_str(), i))
                    .collect();
                own.sort_by_cached_key(|&t| order.get(tags[t].slug.as_str()).copied());
            }
        });
    let series = group_terms(config, TermKind::Series, articles, diagnostics);
    for (s, term) in series.iter().enumerate() {
        // Terms list their articles newest first.
        for (&i, part) in term.articles.iter().zip((1..=term.articles.len()).rev()) {
            Arc::make_mut(&mut articles[i]).series = Some(SeriesPlace { series: s, part });
        }
    }
    // Kept from the last build while no article's place or tags changed.
    let key = cache.map(|_| related_key(articles, &tags));
    let kept = (cache.zip(key)).and_then(|(cache, key)| cache.related(key, articles.len()));
    let related = kept.unwrap_or_else(|| related_articles(articles, &tags));
    if let Some((cache, key)) = cache.zip(key) {
        cache.keep_related(key, &related);
    }
    for (article, related) in articles.iter_mut().map(Arc::make_mut).zip(related) {
        article.related = related;
    }
    Placed {
        categories,
        tags,
        series,
    }
}

/// Maps each content path (the `@/` link name) to its page's URL.
/// The URL an `@/` link target names: its content path exactly, else, as
/// Hugo's `ref` finds files, the path with `.md` or `/index.md` added, or
/// the one content path that ends with it (`other.md` for
/// `articles/2021/other.md`).
pub(crate) fn find_link_target(targets: &HashMap<String, String>, target: &str) -> Option<String> {
    let target = target.trim_start_matches('/');
    if let Some(url) = targets.get(target) {
        return Some(url.clone());
    }
    let bare = target.trim_end_matches('/');
    for candidate in [format!("{bare}.md"), format!("{bare}/index.md")] {
        if let Some(url) = targets.get(&candidate) {
            return Some(url.clone());
        }
    }
    let mut ends = targets.iter().filter(|(path, _)| {
        [
            bare.to_string(),
            format!("{bare}.md"),
            format!("{bare}/index.md"),
        ]
        .iter()
        .any(|t| path.ends_with(&format!("/{t}")))
    });
    match (ends.next(), ends.next()) {
        (Some((_, url)), None) => Some(url.clone()),
        _ => None,
    }
}

/// The map `@/` links are resolved with: each file's URL by its content
/// path, from `(content path, URL)` pairs. Made on one core: it is made
/// when the first link needs it, inside a render running on another core,
/// and a nested parallel loop there could enter that render again while
/// it waits.
pub(crate) fn link_target_map<'a>(
    targets: impl Iterator<Item = (&'a str, String)>,
) -> HashMap<String, String> {
    targets.map(|(from, url)| (from.to_owned(), url)).collect()
}

/// A byline written as an ID (`edtor`) that names no profile but nearly
/// names one is most likely a typo: the article would go out with no
/// author page. A warning at its line says which profile it may mean.
fn warn_byline_typos(
    authors: &[Author],
    articles: &[Arc<Article>],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let ids: Vec<&str> = authors.iter().map(|a| a.doc.meta.id.as_str()).collect();
    for article in articles {
        for byline in article.bylines.iter().filter(|b| b.author.is_none()) {
            let looks_like_an_id = crate::slug::slugify(&byline.name) == byline.name;
            let Some(id) = looks_like_an_id
                .then(|| crate::strict::closest(&byline.name, &ids))
                .flatten()
            else {
                continue;
            };
            let source = &article.doc.source;
            let key = if source.text.contains("authors") {
                "authors"
            } else {
                "author"
            };
            let mut warning = source.error_at_key(
                key,
                format!(
                    "the byline `{}` names no author profile: did you mean `{id}` (content/authors/{id}.md)?",
                    byline.name
                ),
            );
            warning.severity = crate::diagnostics::Severity::Warning;
            diagnostics.push(warning);
        }
    }
}

/// Finds the author profile a byline names: by its ID or by the name the
/// profile gives.
pub(crate) struct BylineLookup<'a> {
    authors: &'a [Author],
    by_id: HashMap<&'a str, usize>,
    by_name: HashMap<&'a str, usize>,
}

impl<'a> BylineLookup<'a> {
    pub(crate) fn new(authors: &'a [Author]) -> BylineLookup<'a> {
        let indexed = || authors.iter().enumerate();
        BylineLookup {
            authors,
            by_id: indexed()
                .map(|(i, a)| (a.doc.meta.id.as_str(), i))
                .collect(),
            by_name: indexed()
                .map(|(i, a)| (a.doc.meta.name.as_str(), i))
                .collect(),
        }
    }

    fn byline(&self, name: &str) -> Byline {
        match self.by_id.get(name).or_else(|| self.by_name.get(name)) {
            Some(&i) => Byline {
                name: self.authors[i].doc.meta.name.clone(),
                author: Some(i),
            },
            None => Byline {
                name: name.to_string(),
                author: None,
            },
        }
    }
}

impl Article {
    /// An article from its document and rendered Markdown (its body
    /// already taken, by [`ArticleBody::take_from`], and its summary the
    /// one written apart, if any), without its place
    /// among the others (section, tags, related articles), which only the
    /// whole site can give. `url` is the page's at `path`
    /// ([`Config::page_url`]).
    pub(crate) fn new(
        mut doc: Document<ArticleMeta>,
        (path, url): (String, Url),
        mut rendered: Rendered,
        live: Option<crate::live::Live>,
        bylines: &BylineLookup,
    ) -> Article {
        // The newest update is the article's latest change.
        let latest = live.as_ref().and_then(crate::live::Live::latest);
        doc.meta.updated = doc.meta.updated.max(latest.filter(|&t| t > doc.meta.date));
        // A summary written apart is in `rendered` already, in place of
        // the body's ([`markdown::use_written_summary`]).
        let summary_written_apart = doc.meta.summary.take().is_some();
        // The article keeps the summary; the rendering need not.
        let (summary_html, summary_feed_html, summary_text) = (
            std::mem::take(&mut rendered.summary_html),
            rendered.feed_summary_html.take(),
            std::mem::take(&mut rendered.summary_text),
        );
        let bylines = doc.meta.authors.iter().map(|n| bylines.byline(n)).collect();
        Article {
            url: url.into(),
            path,
            reading_minutes: rendered.word_count.div_ceil(READING_SPEED).max(1),
            word_count: rendered.word_count,
            shortcodes: std::mem::take(&mut rendered.shortcodes),
            summary_html,
            summary_feed_html,
            summary_text,
            summary_written_apart,
            bylines,
            category: None,
            tags: Vec::new(),
            series: None,
            related: Vec::new(),
            live,
            doc,
        }
    }
}

fn duplicate_url(path: &str, first: &std::path::Path, second: &std::path::Path) -> Diagnostic {
    Diagnostic::error(
        second,
        format!(
            "URL {path} is already taken by {}: give one of them another `slug`",
            first.display()
        ),
    )
}

/// The `@/` links of one file, placed while its Markdown is at hand:
/// errors for missing targets, and the `#fragment` links to check once
/// every file's headings are known.
struct PlacedLinks {
    broken: Vec<Diagnostic>,
    /// (target content path, fragment, diagnostic placed on the link).
    fragments: Vec<(String, String, Diagnostic)>,
}

/// Gives each shortcode call of `rendered` its line in the file (it has
/// the body's), and returns an error at each call that could not be read
/// and a warning at each piece of another generator's markup.
pub(crate) fn place_shortcodes(
    rendered: &mut Rendered,
    source: &SourceFile,
    body: &Markdown,
) -> Vec<Diagnostic> {
    for call in &mut rendered.shortcodes {
        call.line += source.body_line_offset;
    }
    // Each is placed at its line only for the first few of a file: placing
    // one reads the body up to it and quotes its line, and a body of
    // thousands of broken calls on one line would be read and copied as
    // many times (gigabytes).
    let place = |n: usize, offset: usize, message: String| match n < MAX_UNKNOWN_KEYS_SHOWN {
        true => source.error_in_body(body, offset, message),
        false => Diagnostic::error(&source.display, message),
    };
    let errors = (rendered.shortcode_errors.iter())
        .enumerate()
        .map(|(n, e)| place(n, e.offset, e.message.clone()));
    let foreign = (rendered.foreign_markup.iter()).enumerate().map(|(n, (offset, what))| {
        place(
            n,
            *offset,
            format!(
                "{what} from another generator shows to readers as it is: write it as a gazette shortcode (docs/shortcodes.md), or put it in `code` if it is meant as text"
            ),
        )
        .into_warning()
    });
    errors.chain(foreign).collect()
}

fn place_links(source: &SourceFile, body: &Markdown, rendered: &Rendered) -> PlacedLinks {
    let broken = rendered
        .broken_links
        .iter()
        .map(|b| {
            source.error_in_body(
                body,
                b.offset,
                format!(
                    "link to `{}`: no published content file content/{}",
                    b.target,
                    b.target
                        .trim_start_matches("@/")
                        .split('#')
                        .next()
                        .unwrap_or("")
                ),
            )
        })
        .collect();
    let fragments = rendered
        .content_links
        .iter()
        .filter_map(|link| {
            let fragment = link.fragment.clone()?;
            let message = format!(
                "link to `@/{}#{fragment}`: that page has no heading with id `{fragment}`",
                link.target
            );
            Some((
                link.target.trim_start_matches('/').to_string(),
                fragment,
                source.error_in_body(body, link.offset, message),
            ))
        })
        .collect();
    PlacedLinks { broken, fragments }
}

/// Reports `@/` links to missing files and `#fragment`s to missing headings.
/// Returns the content paths that `#fragment` links point into.
fn check_links<'a>(
    articles: impl Iterator<Item = (&'a crate::content::SourceFile, &'a Rendered)>,
    pages: impl Iterator<Item = (&'a crate::content::SourceFile, &'a Rendered)>,
    placed: impl Iterator<Item = PlacedLinks>,
    diagnostics: &mut Vec<Diagnostic>,
) -> HashSet<String> {
    let mut fragment_targets = HashSet::new();
    let headings: HashMap<&str, &Vec<String>> = articles
        .chain(pages)
        .map(|(s, r)| (s.content_path.as_str(), &r.heading_ids))
        .collect();
    for links in placed {
        diagnostics.extend(links.broken);
        for (target, fragment, diagnostic) in links.fragments {
            if headings
                .get(target.as_str())
                .is_some_and(|ids| !ids.contains(&fragment))
            {
                diagnostics.push(diagnostic);
            }
            fragment_targets.insert(target);
        }
    }
    fragment_targets
}

/// The names of `kind` an article's front matter gives, each with its
/// slug, borrowed.
fn term_names(kind: TermKind, meta: &ArticleMeta) -> impl Iterator<Item = (&str, &str)> {
    let (names, slugs): (&[String], &[String]) = match kind {
        TermKind::Category => (meta.category.as_slice(), meta.category_slug.as_slice()),
        TermKind::Tag => (&meta.tags, &meta.tag_slugs),
        TermKind::Series => (meta.series.as_slice(), meta.series_slug.as_slice()),
    };
    (names.iter().map(String::as_str)).zip(slugs.iter().map(String::as_str))
}

/// Groups articles into terms (sections or tags) by slug, in slug order;
/// the first spelling met, oldest article first, names the term.
fn group_terms(
    config: &Config,
    kind: TermKind,
    articles: &[Arc<Article>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Term> {
    let mut terms: Vec<Term> = Vec::new();
    // Each term's place in `terms`, by its slug borrowed from the article
    // that named it first: a term's texts are made once, when it is first
    // met (a large archive has 400,000 tag uses).
    let mut by_slug: HashMap<&str, usize> = HashMap::new();
    let mut warned: HashSet<(&str, &str)> = HashSet::new();
    let singular = match kind {
        TermKind::Tag => "tag",
        TermKind::Category => "section",
        TermKind::Series => "series",
    };
    // Oldest first, so the first spelling is the one that came first.
    for i in (0..articles.len()).rev() {
        for (name, slug) in term_names(kind, &articles[i].doc.meta) {
            let t = *by_slug.entry(slug).or_insert_with(|| {
                let path = kind.term_path(slug);
                terms.push(Term {
                    label: if kind == TermKind::Category {
                        (config.section_labels.get(slug).cloned())
                            .unwrap_or_else(|| capitalize_words(name))
                    } else {
                        name.to_owned()
                    },
                    name: name.to_owned(),
                    url: config.url(&path),
                    path,
                    slug: slug.to_owned(),
                    articles: Vec::new(),
                });
                terms.len() - 1
            });
            let term = &mut terms[t];
            if term.name != name && warned.insert((slug, name)) {
                diagnostics.push(Diagnostic::warning(
                    &articles[i].doc.source.display,
                    format!(
                        "{singular} `{name}` is the same as `{}` (both are {}): using `{}`, the spelling used first",
                        term.name, term.path, term.name
                    ),
                ));
            }
            if term.articles.last() != Some(&i) {
                term.articles.push(i);
            }
        }
    }
    terms.sort_unstable_by(|a, b| a.slug.cmp(&b.slug));
    for term in &mut terms {
        term.articles.reverse();
    }
    terms
}

/// `business news` → `Business News`; letters after the first of a word are
/// kept as written, so `iPhone sales` → `IPhone Sales` is the worst case.
fn capitalize_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at_start = true;
    for c in text.chars() {
        if at_start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_start = c.is_whitespace() || c == '-';
    }
    out
}

/// Groups articles by year and month of the site timezone.
fn group_archives(config: &Config, articles: &[Arc<Article>]) -> Vec<YearArchive> {
    let mut years: Vec<YearArchive> = Vec::new();
    // Articles are newest first, so years and months come out newest first.
    for (i, article) in articles.iter().enumerate() {
        let local = article.doc.meta.date.with_timezone(&config.timezone);
        let (year, month) = (local.year(), local.month());
        if years.last().is_none_or(|y| y.year != year) {
            let path = paths::year(year);
            years.push(YearArchive {
                year,
                url: config.url(&path),
                path,
                months: Vec::new(),
            });
        }
        let months = &mut years.last_mut().expect("pushed above").months;
        if months.last().is_none_or(|m| m.month != month) {
            let path = paths::month(year, month);
            months.push(MonthArchive {
                year,
                month,
                url: config.url(&path),
                path,
                articles: Vec::new(),
            });
        }
        months.last_mut().expect("pushed above").articles.push(i);
    }
    years
}

/// For each article, the articles sharing the most tags with it, newest
/// first among equals.
/// A digest of everything [`related_articles`] reads: the articles in
/// order (newest first) with each one's tags, and how it looks.
pub(crate) fn related_key(articles: &[Arc<Article>], tags: &[Term]) -> u64 {
    let mut digest = xxhash_rust::xxh3::Xxh3::new();
    for n in [articles.len(), RELATED_COUNT, RELATED_WINDOW] {
        digest.update(&(n as u64).to_le_bytes());
    }
    for article in articles {
        digest.update(&(article.tags.len() as u64).to_le_bytes());
        for &t in &article.tags {
            digest.update(tags[t].slug.as_bytes());
            digest.update(&[0]);
        }
    }
    digest.digest()
}

fn related_articles(articles: &[Arc<Article>], tags: &[Term]) -> Vec<Vec<usize>> {
    articles
        .par_iter()
        .enumerate()
        // Each worker keeps one dense counter for the whole site and resets
        // only what it touched: popular tags hold thousands of articles,
        // and a hash map or a full sort per article would dominate the build.
        .map_init(
            || (vec![0u32; articles.len()], Vec::new()),
            |(counts, touched), (i, article)| {
                for &t in &article.tags {
                    // Only the articles nearest in date in each tag: a tag
                    // on a third of a 100,000-article archive would make
                    // the count grow with the square of the archive.
                    let list = &tags[t].articles;
                    let at = list.binary_search(&i).unwrap_or_else(|p| p);
                    let window = &list[at.saturating_sub(RELATED_WINDOW)
                        ..(at + RELATED_WINDOW + 1).min(list.len())];
                    for &other in window {
                        if other != i {
                            if counts[other] == 0 {
                                touched.push(other);
                            }
                            counts[other] += 1;
                        }
                    }
                }
                // Most shared tags first; among equals the newest, which is
                // the lowest index since articles are sorted newest first.
                let mut best: Vec<(u32, usize)> = Vec::with_capacity(RELATED_COUNT + 1);
                for &other in touched.iter() {
                    let candidate = (counts[other], other);
                    counts[other] = 0;
                    let better =
                        |a: &(u32, usize), b: &(u32, usize)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
                    if best.len() < RELATED_COUNT || better(&candidate, best.last().expect("full"))
                    {
                        let at = best
                            .iter()
                            .position(|b| better(&candidate, b))
                            .unwrap_or(best.len());
                        best.insert(at, candidate);
                        best.truncate(RELATED_COUNT);
                    }
                }
                touched.clear();
                best.into_iter().map(|(_, j)| j).collect()
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::content_from_texts;
    use chrono::TimeZone;
    use std::path::Path;

    fn config() -> Config {
        Config::parse(
            "title = \"Desk\"\nbase_url = \"https://news.example.com\"\ntimezone = \"Asia/Hong_Kong\"\nper_page = 2\n",
            Path::new("site.toml"),
        )
        .unwrap()
    }

    fn article(title: &str, date: &str, extra: &str) -> String {
        format!("+++\ntitle = \"{title}\"\ndate = {date}\n{extra}+++\n\nBody of {title}.\n")
    }

    fn selection(drafts: bool, future: bool) -> Selection {
        Selection {
            drafts,
            future,
            now: Utc.with_ymd_and_hms(2021, 3, 27, 0, 0, 0).unwrap(),
        }
    }

    fn build(files: &[(&str, &str)], selection: Selection) -> (Site, Vec<Diagnostic>) {
        let config = config();
        let content = content_from_texts(files, &config);
        let mut diagnostics = Vec::new();
        let site = Site::build(
            config,
            content,
            selection,
            None,
            None,
            None,
            &mut diagnostics,
        )
        .site;
        (site, diagnostics)
    }

    #[test]
    fn drafts_scheduled_and_expired_articles_are_left_out_and_counted() {
        let files = [
            ("content/articles/a.md", article("Out", "2021-03-20", "")),
            (
                "content/articles/d.md",
                article("Draft", "2021-03-20", "draft = true\n"),
            ),
            ("content/articles/f.md", article("Future", "2021-04-01", "")),
            (
                "content/articles/e.md",
                article("Expired", "2021-03-01", "expires = 2021-03-10\n"),
            ),
            (
                "content/pages/p.md",
                "+++\ntitle = \"Hidden\"\ndraft = true\n+++\n".into(),
            ),
        ];
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let config = config();
        let content = content_from_texts(&files, &config);
        let chosen = choose_published(content.articles, content.pages, &selection(false, false));
        let titles: Vec<&str> = chosen
            .articles
            .iter()
            .map(|d| d.doc.meta.title.as_str())
            .collect();
        assert_eq!(titles, ["Out"]);
        assert!(chosen.pages.is_empty());
        assert_eq!(
            (
                chosen.drafts_left_out,
                chosen.scheduled_left_out,
                chosen.expired_left_out
            ),
            (1, 1, 1)
        );
        let content = content_from_texts(&files, &config);
        let all = choose_published(content.articles, content.pages, &selection(true, true));
        assert_eq!((all.articles.len(), all.pages.len()), (3, 1));
        assert_eq!(
            all.expired_left_out, 1,
            "expired stays out even with both flags"
        );
    }

    #[test]
    fn two_things_at_one_url_are_both_named() {
        let (_, diagnostics) = build(
            &[
                (
                    "content/articles/a.md",
                    &article("Same", "2021-03-26", "slug = \"x\"\n"),
                ),
                (
                    "content/articles/b.md",
                    &article("Same", "2021-03-26", "slug = \"x\"\n"),
                ),
                ("content/pages/about.md", "+++\ntitle = \"About\"\n+++\n"),
                (
                    "content/pages/about-us.md",
                    "+++\ntitle = \"About\"\nslug = \"about\"\n+++\n",
                ),
            ],
            selection(false, false),
        );
        let messages: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("/2021/03/26/x/"), "{messages:?}");
        assert!(
            messages[0].contains("content/articles/a.md"),
            "{messages:?}"
        );
        assert!(messages[1].contains("/about/"), "{messages:?}");
    }

    #[test]
    fn articles_are_placed_newest_first_in_sections_tags_authors_and_archives() {
        let (site, diagnostics) = build(
            &[
                (
                    "content/authors/ana.md",
                    "+++\nname = \"Ana Lee\"\n+++\nBio.\n",
                ),
                (
                    "content/articles/old.md",
                    &article(
                        "Old",
                        "2021-02-10",
                        "author = \"ana\"\ncategory = \"business\"\ntags = [\"EV\", \"Xiaomi\"]\n",
                    ),
                ),
                (
                    "content/articles/new.md",
                    &article(
                        "New",
                        "2021-03-26T09:30:00+08:00",
                        "author = \"Ana Lee\"\ncategory = \"Business\"\ntags = [\"Xiaomi\", \"ev\"]\n",
                    ),
                ),
                (
                    "content/articles/other.md",
                    &article("Other", "2021-03-01", ""),
                ),
            ],
            selection(false, false),
        );
        // Two spellings of one section or tag are warned about, once each.
        let warnings: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            warnings,
            [
                "section `Business` is the same as `business` (both are /categories/business/): using `business`, the spelling used first",
                "tag `ev` is the same as `EV` (both are /tags/ev/): using `EV`, the spelling used first",
            ]
        );
        let titles: Vec<&str> = site
            .articles
            .iter()
            .map(|a| a.doc.meta.title.as_str())
            .collect();
        assert_eq!(titles, ["New", "Other", "Old"]);
        // One profile, found by ID and by name.
        assert_eq!(site.authors[0].articles, vec![0, 2]);
        // One section and two tags, named by their first spelling.
        assert_eq!(site.categories.len(), 1);
        assert_eq!(site.categories[0].path, "/categories/business/");
        assert_eq!(site.categories[0].articles, vec![0, 2]);
        let tags: Vec<(&str, &str)> = site
            .tags
            .iter()
            .map(|t| (t.name.as_str(), t.path.as_str()))
            .collect();
        assert_eq!(tags, [("EV", "/tags/ev/"), ("Xiaomi", "/tags/xiaomi/")]);
        // Each article lists its tags in its own front matter's order.
        let names = |i: usize| -> Vec<&str> {
            site.articles[i]
                .tags
                .iter()
                .map(|&t| site.tags[t].name.as_str())
                .collect()
        };
        assert_eq!(names(0), ["Xiaomi", "EV"]);
        assert_eq!(names(2), ["EV", "Xiaomi"]);
        // Archives by the site's timezone, newest first.
        let years: Vec<&str> = site.archives.iter().map(|y| y.path.as_str()).collect();
        assert_eq!(years, ["/2021/"]);
        let months: Vec<&str> = site.archives[0]
            .months
            .iter()
            .map(|m| m.path.as_str())
            .collect();
        assert_eq!(months, ["/2021/03/", "/2021/02/"]);
        // Sharing two tags, the two are related.
        assert!(site.articles[0].related.contains(&2));
    }

    /// The related articles kept by the build cache are taken while their
    /// key is the same: it must change with anything they are made from
    /// (the order of the articles, each one's tags) and with nothing else.
    #[test]
    fn the_key_of_related_articles_follows_their_order_and_tags_only() {
        let key = |files: &[(&str, &str)]| {
            let (site, _) = build(files, selection(false, false));
            related_key(&site.articles, &site.tags)
        };
        let a = |extra: &str| article("Xiaomi cars", "2021-03-26", extra);
        let b = |extra: &str| article("Great Wall", "2021-03-20", extra);
        let tagged = "tags = [\"EV\", \"Xiaomi\"]\n";
        let base = key(&[
            ("content/articles/a.md", &a(tagged)),
            ("content/articles/b.md", &b(tagged)),
        ]);
        let same = [
            // Another title, body and summary.
            key(&[
                (
                    "content/articles/a.md",
                    &article("Xiaomi and Great Wall", "2021-03-26", tagged)
                        .replace("Body of", "Text of"),
                ),
                (
                    "content/articles/b.md",
                    &b(&format!("{tagged}summary = \"Cars.\"\n")),
                ),
            ]),
            // Another date that keeps the order.
            key(&[
                ("content/articles/a.md", &a(tagged)),
                (
                    "content/articles/b.md",
                    &article("Great Wall", "2021-03-21", tagged),
                ),
            ]),
        ];
        assert!(same.iter().all(|k| *k == base), "{same:?} against {base}");
        let other = [
            // A tag more, a tag less, a tag renamed.
            key(&[
                (
                    "content/articles/a.md",
                    &a("tags = [\"EV\", \"Xiaomi\", \"Cars\"]\n"),
                ),
                ("content/articles/b.md", &b(tagged)),
            ]),
            key(&[
                ("content/articles/a.md", &a("tags = [\"EV\"]\n")),
                ("content/articles/b.md", &b(tagged)),
            ]),
            key(&[
                ("content/articles/a.md", &a("tags = [\"EV\", \"Huawei\"]\n")),
                ("content/articles/b.md", &b(tagged)),
            ]),
            // An article more.
            key(&[
                ("content/articles/a.md", &a(tagged)),
                ("content/articles/b.md", &b(tagged)),
                ("content/articles/c.md", &article("Other", "2021-03-01", "")),
            ]),
        ];
        for (n, k) in other.iter().enumerate() {
            assert_ne!(*k, base, "change {n}");
        }
        // The order of two articles of other tags turned: the lists are by
        // place (two of the same tags may swap unseen, their lists the same).
        let more = "tags = [\"EV\", \"Xiaomi\", \"Cars\"]\n";
        let before = key(&[
            ("content/articles/a.md", &a(tagged)),
            ("content/articles/b.md", &b(more)),
        ]);
        let turned = key(&[
            (
                "content/articles/a.md",
                &article("Xiaomi cars", "2021-03-19", tagged),
            ),
            ("content/articles/b.md", &b(more)),
        ]);
        assert_ne!(before, turned);
    }
}
