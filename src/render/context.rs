//! Template contexts, as typed structs: a variable a template can use is a
//! field here, so a misspelled one is a compile error, not a silently
//! missing variable. Each article's card, each author and the site itself
//! are made once per build and shared by every page that shows them.
//! docs/templates.md documents every variable made here (a test checks it).

use crate::content::Extra;
use crate::images::{Focus, Picture, SHARE_WIDTH, Sized};
use crate::packed::Packed;
use crate::paths::{self, TermKind, resolve_url};
use crate::site::{Article, Site, Term};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::Arc;

/// `site`: what every page knows of the site.
#[derive(Serialize)]
pub(crate) struct SiteVars {
    title: String,
    description: String,
    language: String,
    locale: String,
    url: String,
    base_url: String,
    timezone: &'static str,
    feed_url: String,
    atom_url: String,
    json_feed_url: String,
    stylesheet_url: String,
    favicon_url: String,
    /// `image` of site.toml as an absolute URL: what a page without an
    /// image of its own shares.
    image_url: Option<String>,
    /// That image cropped for sharing (1200×630), when it is a photo of
    /// the site: `url`, `width`, `height`, `type`.
    share_image: Option<Sized>,
    embeds_script_url: String,
    search_script_url: String,
    live_script_url: String,
    /// The publisher's NewsMediaOrganization JSON-LD (the built-in home
    /// page prints it), safe inside `<script>`.
    publisher_json_ld: String,
    /// `[embeds] load`: "on-click" or "at-once".
    embeds_load: &'static str,
    /// The title's first letter or digit, capitalised, for the built-in icon.
    monogram: String,
    search_url: String,
    search_index_url: String,
    search_meta_url: String,
    categories_url: String,
    tags_url: String,
    authors_url: Option<String>,
    archive_url: Option<String>,
    sections: Vec<TermVars>,
    /// The navigation: `[[menu]]`, else the largest sections.
    menu: Vec<Link>,
    /// The breaking-news banner of data/breaking.toml, while it shows.
    breaking: Option<BreakingVars>,
    /// Where the sections the navigation leaves out are listed, if any.
    more_sections_url: Option<String>,
    pages: Vec<Link>,
    extra: toml::Table,
}

/// The breaking-news banner.
#[derive(Serialize)]
struct BreakingVars {
    text: String,
    url: Option<String>,
    label: String,
    /// When it comes down, RFC 3339, if set.
    until: Option<String>,
}

/// A title and where it links: a page in the menu, a neighbouring archive.
#[derive(Serialize, Clone)]
pub(crate) struct Link {
    title: String,
    url: String,
}

/// A section or tag. Cards name it (`name` to `url`); lists of terms add
/// `count`, and a term's own page adds its `feed_url`.
#[derive(Serialize, Clone)]
pub(crate) struct TermVars {
    name: String,
    label: String,
    slug: String,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    feed_url: Option<String>,
}

impl TermVars {
    fn link(term: &Term) -> TermVars {
        TermVars {
            name: term.name.clone(),
            label: term.label.clone(),
            slug: term.slug.clone(),
            url: term.url.clone(),
            count: None,
            feed_url: None,
        }
    }

    fn counted(term: &Term) -> TermVars {
        TermVars {
            count: Some(term.articles.len()),
            ..TermVars::link(term)
        }
    }

    /// A term as its own page and the index of terms show it.
    pub(crate) fn full(term: &Term) -> TermVars {
        TermVars {
            feed_url: Some(paths::list_feed(&term.url)),
            ..TermVars::counted(term)
        }
    }
}

/// An article as every list shows it: everything but its body. One is kept
/// for every article for the whole render (any list may show any of them),
/// so a card holds no copy of what its article or the site has: titles,
/// URLs, summaries and dates are read from the article, and sections, tags
/// and bylines are the site's shared ones, when the card is serialized. Its
/// fields, as templates see them, are listed in [`Card::serialize`].
#[derive(Clone)]
pub(crate) struct Card {
    article: Arc<Article>,
    tz: Tz,
    image: Option<String>,
    /// The lead image's sizes, when it is a photo of the site: `src`,
    /// `srcset`, `sources` (type, srcset), `width`, `height`.
    picture: Option<Picture>,
    category: Option<Arc<TermVars>>,
    tags: Vec<Arc<TermVars>>,
    /// The series it is part of.
    series: Option<Arc<TermVars>>,
    authors: Vec<Arc<BylineVars>>,
    /// Its live coverage, when it is live.
    live: Option<LiveVars>,
    /// `partials/card.html` rendered with this card (packed: a hundred
    /// thousand of them wait for their lists); absent while that template
    /// renders it.
    card_html: Option<Packed>,
    /// The photo files that template asked for (`resize_image`): each page
    /// that shows the card asks for them too, so that a later build that
    /// keeps the page, and renders no card it shows, still makes them.
    card_asks: Vec<String>,
    /// The digest of every field of the card but its HTML
    /// (`render::digest`), which a page's digest takes for the card: its
    /// HTML is made from those fields, the card template and what that
    /// template reads of `site` and `data`, which every page's digest
    /// takes too.
    pub(crate) digest: std::sync::OnceLock<u64>,
}

impl Card {
    /// Keeps the card's rendered `partials/card.html`, and the photo files
    /// its rendering asked for.
    pub(crate) fn set_html(&mut self, html: &str, asked: Vec<String>) {
        self.card_html = Some(Packed::pack(html));
        self.card_asks = asked;
    }

    /// Whether the card's `partials/card.html` is rendered.
    pub(crate) fn has_html(&self) -> bool {
        self.card_html.is_some()
    }
}

impl Serialize for Card {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // In a page's digest a card stands for itself by its own digest
        // (of every field): it is made once, not on each page showing it.
        if super::digest::purpose() == super::digest::Purpose::Page {
            let digest = self.digest.get().ok_or_else(|| {
                serde::ser::Error::custom("a card shown before its digest was taken")
            })?;
            let mut card = serializer.serialize_struct("Card", 1)?;
            card.serialize_field(super::digest::OWN_DIGEST, digest)?;
            return card.end();
        }
        let article = &*self.article;
        let meta = &article.doc.meta;
        let tz = self.tz;
        let mut card = serializer.serialize_struct("Card", 27)?;
        card.serialize_field("title", &meta.title)?;
        card.serialize_field("url", &article.url)?;
        card.serialize_field("path", &article.path)?;
        card.serialize_field("source", &article.doc.source.content_path)?;
        // Written out only for a template that reads them.
        card.serialize_field("date", &Lazy(|| local_rfc3339(meta.date, tz)))?;
        card.serialize_field("date_display", &Lazy(|| display_date(meta.date, tz)))?;
        let date_short = || meta.date.with_timezone(&tz).format("%-d %B %Y").to_string();
        card.serialize_field("date_short", &Lazy(date_short))?;
        let updated = || meta.updated.map(|d| local_rfc3339(d, tz));
        card.serialize_field("updated", &Lazy(updated))?;
        let updated_display = || meta.updated.map(|d| display_date(d, tz));
        card.serialize_field("updated_display", &Lazy(updated_display))?;
        card.serialize_field("summary", &article.summary_html)?;
        card.serialize_field("summary_text", &article.summary_text)?;
        // The summary as a standfirst under the headline: only when it was
        // written apart (a summary taken from the body would repeat it).
        let standfirst = (article.summary_written_apart).then_some(&article.summary_text);
        card.serialize_field("standfirst", &standfirst)?;
        card.serialize_field("image", &self.image)?;
        let image_alt = meta.image_alt.as_deref().unwrap_or_default();
        card.serialize_field("image_alt", image_alt)?;
        card.serialize_field("picture", &self.picture)?;
        card.serialize_field("category", &self.category)?;
        card.serialize_field("tags", &self.tags)?;
        card.serialize_field("series", &self.series)?;
        card.serialize_field("authors", &self.authors)?;
        card.serialize_field("reading_minutes", &article.reading_minutes)?;
        card.serialize_field("word_count", &article.word_count)?;
        // The article's `kind` (`news`, `opinion`, ...), and the label
        // readers see for it (none for news).
        card.serialize_field("kind", meta.kind.name())?;
        card.serialize_field("label", &meta.kind.label())?;
        // Whether the story past its opening is for subscribers.
        card.serialize_field("for_subscribers", &meta.for_subscribers)?;
        card.serialize_field("live", &self.live)?;
        match (super::digest::purpose(), &self.card_html) {
            // Its own digest leaves out its HTML (made from the rest); a
            // page's took the card whole above.
            (super::digest::Purpose::Card | super::digest::Purpose::Page, _) => {
                card.skip_field("card_html")?
            }
            // Unpacked, and its photos asked for, only for a template
            // that shows it.
            (super::digest::Purpose::Render, Some(html)) => card.serialize_field(
                "card_html",
                &LazyTry(|| {
                    crate::images::asked_by_this_page(&self.card_asks);
                    html.unpack()
                }),
            )?,
            (super::digest::Purpose::Render, None) => card.skip_field("card_html")?,
        }
        card.end()
    }
}

/// A field made when it is serialized: a page's context is made only as
/// deep as its template reads it (`render::pruned`), so a field no
/// template reads is never made.
struct Lazy<F>(F);

impl<T: Serialize, F: Fn() -> T> Serialize for Lazy<F> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.0)().serialize(serializer)
    }
}

/// [`Lazy`], for a field whose making can fail.
struct LazyTry<F>(F);

impl<T: Serialize, E: std::fmt::Display, F: Fn() -> Result<T, E>> Serialize for LazyTry<F> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.0)()
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

/// What cards name of the site, made once and shared by every card: each
/// section, tag and series as a link, and each author profile's byline.
#[derive(Clone, Default)]
pub(crate) struct CardLinks {
    categories: Vec<Arc<TermVars>>,
    tags: Vec<Arc<TermVars>>,
    series: Vec<Arc<TermVars>>,
    authors: Vec<Arc<BylineVars>>,
}

impl CardLinks {
    fn of(site: &Site) -> CardLinks {
        let links = |terms: &[Term]| terms.iter().map(|t| Arc::new(TermVars::link(t))).collect();
        CardLinks {
            categories: links(&site.categories),
            tags: links(&site.tags),
            series: links(&site.series),
            authors: (site.authors.iter())
                .map(|a| {
                    Arc::new(BylineVars {
                        name: a.doc.meta.name.clone(),
                        id: Some(a.doc.meta.id.clone()),
                        url: Some(a.url.clone()),
                    })
                })
                .collect(),
        }
    }
}

/// An article's live coverage, as its card shows it.
#[derive(Serialize, Clone)]
struct LiveVars {
    /// Whether coverage runs as of the build: the "Live" badge shows.
    running: bool,
    /// When coverage ends or ended, if set: RFC 3339 and for readers.
    until: Option<String>,
    until_display: Option<String>,
    update_count: usize,
    /// The newest update's time, if any.
    latest: Option<String>,
    latest_display: Option<String>,
}

/// One update of a live article, for templates that list them (a "key
/// events" box).
#[derive(Serialize)]
struct LiveUpdateVars<'s> {
    /// The update's anchor on the page.
    id: &'s str,
    url: String,
    time: String,
    time_display: String,
    headline: &'s str,
}

/// One name of a byline, with its profile when it has one.
#[derive(Serialize, Clone)]
struct BylineVars {
    name: String,
    id: Option<String>,
    url: Option<String>,
}

/// An author profile.
#[derive(Serialize)]
pub(crate) struct AuthorVars {
    id: String,
    name: String,
    url: String,
    avatar: Option<String>,
    links: Vec<LabelledLink>,
    /// `@name@server`, for `<meta name="fediverse:creator">`.
    fediverse: Option<String>,
    bio: String,
    article_count: usize,
    extra: Extra,
}

#[derive(Serialize)]
struct LabelledLink {
    label: String,
    url: String,
}

/// A feed for `<link rel="alternate">`.
#[derive(Serialize, Clone)]
pub(crate) struct FeedLink {
    title: String,
    url: String,
    #[serde(rename = "type")]
    media_type: &'static str,
}

/// The variables every page has but `site`, which each render worker
/// holds once (see [`super::Renderer::worker`]).
#[derive(Serialize)]
pub(crate) struct Base<'s> {
    canonical_url: String,
    page_title: Option<Cow<'s, str>>,
    meta_description: Cow<'s, str>,
    alternate_feeds: Cow<'s, [FeedLink]>,
}

impl<'s> Base<'s> {
    /// The title a page gives its `<title>`, instead of the site's alone.
    pub(crate) fn titled(mut self, title: impl Into<Cow<'s, str>>) -> Base<'s> {
        self.page_title = Some(title.into());
        self
    }

    fn described(mut self, description: String) -> Base<'s> {
        self.meta_description = Cow::Owned(description);
        self
    }
}

/// `partials/card.html`, rendered once per article.
#[derive(Serialize)]
pub(crate) struct CardPage<'s> {
    pub(crate) article: &'s Card,
}

#[derive(Serialize)]
pub(crate) struct ArticlePage<'s> {
    #[serde(flatten)]
    base: Base<'s>,
    article: ArticleVars<'s>,
    authors: Vec<&'s AuthorVars>,
    related: Vec<&'s Card>,
    json_ld: String,
    /// What the page shares (`og:image`): the lead image, else the site's,
    /// cropped to 1200×630, when it is a photo of the site.
    share_image: Option<Sized>,
}

/// `article`: the card, and what only the article's page shows.
#[derive(Serialize)]
struct ArticleVars<'s> {
    #[serde(flatten)]
    card: &'s Card,
    content: String,
    image_caption: &'s Option<String>,
    dateline: &'s Option<String>,
    /// Oldest first.
    corrections: Vec<CorrectionVars<'s>>,
    /// The series it is part of, with the parts its box lists.
    series: Option<SeriesVars>,
    /// A live article's updates, newest first.
    live_updates: Vec<LiveUpdateVars<'s>>,
    /// How often, in seconds, a live page looks for new updates while
    /// coverage runs (`[live] refresh`); None when it does not.
    live_refresh: Option<u32>,
    extra: &'s Extra,
}

/// An article's series: the series as its page shows it (`name`, `url`,
/// `count`, `feed_url`...) and `parts`, oldest first.
#[derive(Serialize)]
struct SeriesVars {
    #[serde(flatten)]
    term: TermVars,
    parts: Vec<SeriesPart>,
}

/// One part of a series in an article's series box.
#[derive(Serialize)]
struct SeriesPart {
    #[serde(flatten)]
    headline: Headline,
    /// Its place in the series, from 1 for the first published.
    number: usize,
    /// Whether it is the article the page is about.
    current: bool,
}

#[derive(Serialize)]
struct CorrectionVars<'s> {
    /// RFC 3339 in the site's timezone.
    date: String,
    date_display: String,
    text: &'s str,
}

#[derive(Serialize)]
pub(crate) struct AliasPage<'s> {
    #[serde(flatten)]
    pub(crate) base: Base<'s>,
    pub(crate) target_url: &'s str,
}

#[derive(Serialize)]
pub(crate) struct PagePage<'s> {
    #[serde(flatten)]
    base: Base<'s>,
    page: PageVars<'s>,
}

#[derive(Serialize)]
struct PageVars<'s> {
    title: &'s str,
    url: &'s str,
    path: &'s str,
    content: String,
    extra: &'s Extra,
}

/// A page of a paginated list of cards: the front page, an author's or a
/// term's page.
#[derive(Serialize)]
pub(crate) struct ListPage<'s> {
    #[serde(flatten)]
    base: Base<'s>,
    /// The list's own feed; the front page has the site's (in `site`).
    #[serde(skip_serializing_if = "Option::is_none")]
    feed_url: Option<String>,
    articles: Vec<&'s Card>,
    paginator: Paginator,
}

#[derive(Serialize)]
struct Paginator {
    current: usize,
    total: Option<usize>,
    total_articles: Option<usize>,
    numbering: &'static str,
    first: String,
    last: String,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct AuthorPage<'s> {
    #[serde(flatten)]
    list: ListPage<'s>,
    author: &'s AuthorVars,
}

#[derive(Serialize)]
pub(crate) struct TermPage<'s> {
    #[serde(flatten)]
    list: ListPage<'s>,
    term: TermVars,
    kind: &'static str,
}

#[derive(Serialize)]
pub(crate) struct AuthorsPage<'s> {
    #[serde(flatten)]
    pub(crate) base: Base<'s>,
    pub(crate) authors: &'s [AuthorVars],
}

#[derive(Serialize)]
pub(crate) struct TermsPage<'s> {
    #[serde(flatten)]
    pub(crate) base: Base<'s>,
    pub(crate) kind: &'static str,
    pub(crate) terms: Vec<TermVars>,
}

#[derive(Serialize)]
pub(crate) struct NotFoundPage<'s> {
    #[serde(flatten)]
    pub(crate) base: Base<'s>,
    pub(crate) latest: Vec<&'s Card>,
}

#[derive(Serialize)]
pub(crate) struct ArchivePage<'s> {
    #[serde(flatten)]
    base: Base<'s>,
    archive: ArchiveVars<'s>,
}

/// A year or a month of the date archive. A year lists its months (each
/// with headlines) and no cards; a month lists cards and no months.
#[derive(Serialize)]
struct ArchiveVars<'s> {
    title: String,
    year: i32,
    month: Option<u32>,
    count: usize,
    months: Vec<MonthVars>,
    articles: Vec<&'s Card>,
    previous: Option<Link>,
    next: Option<Link>,
    #[serde(skip_serializing_if = "Option::is_none")]
    year_url: Option<&'s str>,
}

#[derive(Serialize)]
struct MonthVars {
    name: String,
    url: String,
    count: usize,
    articles: Vec<Headline>,
}

/// An article as the year archive lists it: a year lists hundreds of
/// headlines, so only what a line shows.
#[derive(Serialize)]
struct Headline {
    title: String,
    url: String,
    date: String,
    date_short: String,
}

/// The pieces of context shared by many pages, made once per build.
pub struct Shared {
    pub(crate) site: SiteVars,
    /// One card per article, by index into `Site::articles`; shared with
    /// the renderer made after a save (see [`Shared::with_card_replaced`]).
    pub(crate) cards: Vec<Arc<Card>>,
    pub(crate) authors: Vec<AuthorVars>,
    /// The site's RSS, Atom and JSON feeds, for `<link rel="alternate">`.
    site_feeds: Vec<FeedLink>,
    /// The publisher as every article's JSON-LD names it, made once.
    publisher_ld: OrganizationLd,
}

impl SiteVars {
    /// Points the URL templates know a theme file by at `url`.
    pub(crate) fn use_theme_file_url(&mut self, file: super::theme::ThemeFile, url: String) {
        use super::theme::ThemeFile;
        match file {
            ThemeFile::Stylesheet => self.stylesheet_url = url,
            ThemeFile::EmbedsScript => self.embeds_script_url = url,
            ThemeFile::SearchScript => self.search_script_url = url,
            ThemeFile::LiveScript => self.live_script_url = url,
        }
    }
}

impl Shared {
    pub fn new(site: &Site) -> Shared {
        let links = CardLinks::of(site);
        let cards = site
            .articles
            .par_iter()
            .map(|a| Arc::new(card(site, a, &links)))
            .collect();
        Shared::with_cards(site, cards)
    }

    /// The contexts of a site whose article `i` alone changed since
    /// `previous` was made: every other card is taken as it is.
    pub(crate) fn with_card_replaced(site: &Site, previous: &Shared, i: usize) -> Shared {
        let mut cards = previous.cards.clone();
        cards[i] = Arc::new(card(site, &site.articles[i], &CardLinks::of(site)));
        Shared::with_cards(site, cards)
    }

    /// The contexts of `site` around cards made already.
    pub(crate) fn with_cards(site: &Site, cards: Vec<Arc<Card>>) -> Shared {
        let config = &site.config;
        let mut by_size: Vec<&Term> = site.categories.iter().collect();
        by_size.sort_by(|a, b| {
            b.articles
                .len()
                .cmp(&a.articles.len())
                .then(a.slug.cmp(&b.slug))
        });
        let menu: Vec<Link> = if config.menu.is_empty() {
            let mut by_magnitude = by_size.clone();
            by_magnitude
                .sort_by(|a, b| (size_class(b).cmp(&size_class(a))).then(a.slug.cmp(&b.slug)));
            (by_magnitude.iter().take(MENU_SECTIONS))
                .map(|t| Link {
                    title: t.label.clone(),
                    url: t.url.clone(),
                })
                .collect()
        } else {
            (config.menu.iter())
                .map(|(name, url)| Link {
                    title: name.clone(),
                    url: resolve_url(config, &config.url(paths::FRONT), url),
                })
                .collect()
        };
        let shown_in_menu = |t: &&Term| menu.iter().any(|m| m.url == t.url);
        let more_sections_url = (by_size.iter().any(|t| !shown_in_menu(t)))
            .then(|| config.url(TermKind::Category.index_path()));
        let site_vars = SiteVars {
            title: config.title.clone(),
            description: config.description.clone(),
            language: config.language.clone(),
            locale: config.language.replace('-', "_"),
            url: config.url(paths::FRONT),
            base_url: config.base_url.as_str().to_string(),
            timezone: config.timezone.name(),
            feed_url: config.url(paths::RSS),
            atom_url: config.url(paths::ATOM),
            json_feed_url: config.url(paths::JSON_FEED),
            stylesheet_url: config.url(paths::STYLESHEET),
            favicon_url: config.url(site.favicon.path()),
            image_url: (config.image.as_deref())
                .map(|image| resolve_url(config, &config.url(paths::FRONT), image)),
            share_image: site_photo(site).map(|i| share_crop(site, i, None)),
            embeds_script_url: config.url(paths::EMBEDS_SCRIPT),
            search_script_url: config.url(paths::SEARCH_SCRIPT),
            live_script_url: config.url(paths::LIVE_SCRIPT),
            publisher_json_ld: publisher_json_ld(site),
            embeds_load: if config.embeds_at_once {
                "at-once"
            } else {
                "on-click"
            },
            monogram: (config.title.chars())
                .find(|c| c.is_alphanumeric())
                .map_or_else(|| "•".to_string(), |c| c.to_uppercase().collect()),
            search_url: config.url(paths::SEARCH),
            search_index_url: config.url(paths::SEARCH_INDEX),
            search_meta_url: config.url(paths::SEARCH_META),
            categories_url: config.url(TermKind::Category.index_path()),
            tags_url: config.url(TermKind::Tag.index_path()),
            authors_url: (!site.authors.is_empty()).then(|| config.url(paths::AUTHORS)),
            archive_url: site.archives.first().map(|y| y.url.clone()),
            sections: by_size.into_iter().map(TermVars::counted).collect(),
            menu,
            breaking: site.breaking().map(|b| BreakingVars {
                text: b.text.clone(),
                url: b
                    .url
                    .as_deref()
                    .map(|u| resolve_url(config, &config.url(paths::FRONT), u)),
                label: b.label.clone(),
                until: b.until.map(|t| local_rfc3339(t, config.timezone)),
            }),
            more_sections_url,
            pages: site
                .pages
                .iter()
                .map(|p| Link {
                    title: p.doc.meta.title.clone(),
                    url: p.url.clone(),
                })
                .collect(),
            extra: config.extra.clone(),
        };
        let authors = site
            .authors
            .iter()
            .map(|a| {
                let meta = &a.doc.meta;
                AuthorVars {
                    id: meta.id.clone(),
                    name: meta.name.clone(),
                    url: a.url.clone(),
                    avatar: (meta.avatar.as_deref()).map(|s| {
                        match site.images.find(config, &a.url, s) {
                            Some(i) => site.images.avatar(config, i).url,
                            None => resolve_url(config, &a.url, s),
                        }
                    }),
                    fediverse: meta.fediverse.clone(),
                    links: (meta.links.iter())
                        .map(|(label, url)| LabelledLink {
                            label: label.clone(),
                            url: url.clone(),
                        })
                        .collect(),
                    bio: a.bio_html.clone(),
                    article_count: a.articles.len(),
                    extra: meta.extra.clone(),
                }
            })
            .collect();
        let feed = |path: &str, media_type| FeedLink {
            title: config.title.clone(),
            url: config.url(path),
            media_type,
        };
        let site_feeds = vec![
            feed(paths::RSS, "application/rss+xml"),
            feed(paths::ATOM, "application/atom+xml"),
            feed(paths::JSON_FEED, "application/feed+json"),
        ];
        Shared {
            publisher_ld: publisher_ld(site, false),
            site: site_vars,
            cards,
            authors,
            site_feeds,
        }
    }

    /// What every page has, for the page at site path `path`: titled by
    /// the site alone and described by its description until the page
    /// says otherwise.
    pub(crate) fn base<'s>(&'s self, site: &'s Site, path: &str) -> Base<'s> {
        Base {
            canonical_url: site.config.url(path),
            page_title: None,
            meta_description: Cow::Borrowed(&site.config.description),
            alternate_feeds: Cow::Borrowed(&self.site_feeds),
        }
    }

    fn cards_of<'s>(&'s self, articles: &[usize]) -> Vec<&'s Card> {
        articles.iter().map(|&i| &*self.cards[i]).collect()
    }

    /// `related` are the articles the page shows besides itself, and `body`
    /// is its HTML, which the renderer holds.
    pub(crate) fn article_page<'s>(
        &'s self,
        site: &'s Site,
        i: usize,
        related: &[usize],
        series_box: &[usize],
        body: String,
    ) -> ArticlePage<'s> {
        let article = &site.articles[i];
        let meta = &article.doc.meta;
        let series = article.series.map(|place| SeriesVars {
            term: TermVars::full(&site.series[place.series]),
            parts: (series_box.iter())
                .map(|&part| SeriesPart {
                    headline: headline(site, &site.articles[part]),
                    number: site.articles[part].series.map_or(0, |p| p.part),
                    current: part == i,
                })
                .collect(),
        });
        let mut base = self
            .base(site, &article.path)
            .titled(meta.title.as_str())
            .described(shorten(&article.summary_text, DESCRIPTION_LENGTH));
        base.canonical_url = meta
            .canonical_url
            .clone()
            .unwrap_or_else(|| article.url.clone());
        ArticlePage {
            base,
            article: ArticleVars {
                card: &self.cards[i],
                content: with_paywall(
                    with_dateline(body, meta.dateline.as_deref()),
                    meta.for_subscribers,
                ),
                image_caption: &meta.image_caption,
                dateline: &meta.dateline,
                corrections: (meta.corrections.iter())
                    .map(|c| CorrectionVars {
                        date: local_rfc3339(c.date, site.config.timezone),
                        date_display: display_date(c.date, site.config.timezone),
                        text: &c.text,
                    })
                    .collect(),
                series,
                live_updates: (article.live.iter().flat_map(|l| &l.updates))
                    .map(|u| LiveUpdateVars {
                        id: &u.id,
                        url: format!("{}#{}", article.url, u.id),
                        time: local_rfc3339(u.time, site.config.timezone),
                        time_display: display_date(u.time, site.config.timezone),
                        headline: &u.headline,
                    })
                    .collect(),
                live_refresh: (article.live.as_ref())
                    .filter(|l| l.is_running(site.now))
                    .and(site.config.live_refresh),
                extra: &meta.extra,
            },
            authors: (article.bylines.iter())
                .filter_map(|b| b.author)
                .map(|a| &self.authors[a])
                .collect(),
            related: self.cards_of(related),
            json_ld: json_ld(site, article, &self.publisher_ld),
            share_image: match lead_photo(site, article) {
                Some(i) => Some(share_crop(site, i, meta.image_focus)),
                None if meta.image.is_none() => site_photo(site).map(|i| share_crop(site, i, None)),
                None => None,
            },
        }
    }

    /// `content` is the page's HTML, shortcodes filled in.
    pub(crate) fn page_page<'s>(
        &'s self,
        site: &'s Site,
        i: usize,
        content: String,
    ) -> PagePage<'s> {
        let page = &site.pages[i];
        let meta = &page.doc.meta;
        PagePage {
            base: self.base(site, &page.path).titled(meta.title.as_str()),
            page: PageVars {
                title: &meta.title,
                url: &page.url,
                path: &page.path,
                content,
                extra: &meta.extra,
            },
        }
    }

    /// Page `number` (from 1) of the list `all`, whose first page lives at
    /// `base_path` and which shows `shown`. `feed` is the list's own feed
    /// (title, site path), listed first among the page's alternate feeds.
    pub(crate) fn list_page<'s>(
        &'s self,
        site: &'s Site,
        base_path: &str,
        all: usize,
        shown: &[usize],
        number: usize,
        feed: Option<(String, String)>,
    ) -> ListPage<'s> {
        let pages = super::lists::Pages::of(site, all);
        let total = pages.count();
        let url_of = |n: usize| site.config.url(&pages.path(base_path, n));
        let mut base = self.base(site, &pages.path(base_path, number));
        let feed_url = feed.map(|(title, feed_path)| {
            let url = site.config.url(&feed_path);
            let own = FeedLink {
                title,
                url: url.clone(),
                media_type: "application/rss+xml",
            };
            base.alternate_feeds = Cow::Owned(
                [own]
                    .into_iter()
                    .chain(self.site_feeds.iter().cloned())
                    .collect(),
            );
            url
        });
        ListPage {
            base,
            feed_url,
            articles: self.cards_of(shown),
            paginator: Paginator {
                current: pages.number(number),
                total: (!pages.holds_for_good(number)).then_some(total),
                total_articles: (!pages.holds_for_good(number)).then_some(all),
                numbering: match pages.count_from_oldest() {
                    true => "from-oldest",
                    false => "from-newest",
                },
                first: url_of(1),
                last: url_of(total),
                previous: (number > 1).then(|| url_of(number - 1)),
                next: (number < total).then(|| url_of(number + 1)),
            },
        }
    }

    pub(crate) fn author_page<'s>(
        &'s self,
        site: &'s Site,
        a: usize,
        page: usize,
        shown: &[usize],
    ) -> AuthorPage<'s> {
        let author = &site.authors[a];
        let name = &author.doc.meta.name;
        let feed = (
            format!("{name} | {}", site.config.title),
            paths::list_feed(&author.path),
        );
        // No feed for a profile without articles (none is written).
        let feed = (!author.articles.is_empty()).then_some(feed);
        let mut list = self.list_page(site, &author.path, author.articles.len(), shown, page, feed);
        list.base = list
            .base
            .titled(name.as_str())
            .described(format!("Articles by {name} on {}", site.config.title));
        AuthorPage {
            list,
            author: &self.authors[a],
        }
    }

    pub(crate) fn term_page<'s>(
        &'s self,
        site: &'s Site,
        kind: TermKind,
        term: &'s Term,
        page: usize,
        shown: &[usize],
    ) -> TermPage<'s> {
        let feed = (
            format!("{} | {}", term.name, site.config.title),
            paths::list_feed(&term.path),
        );
        let mut list = self.list_page(
            site,
            &term.path,
            term.articles.len(),
            shown,
            page,
            Some(feed),
        );
        list.base = list
            .base
            .titled(term.name.as_str())
            .described(format!("{} articles on {}", term.name, site.config.title));
        let mut vars = TermVars::full(term);
        if super::lists::Pages::of(site, term.articles.len()).holds_for_good(page) {
            // The count is the list's own page's to show.
            vars.count = None;
        }
        TermPage {
            list,
            term: vars,
            kind: kind.name(),
        }
    }

    /// A year of the date archive: its months, each with its headlines.
    pub(crate) fn year_page<'s>(&'s self, site: &'s Site, y: usize) -> ArchivePage<'s> {
        let year = &site.archives[y];
        let title = year.year.to_string();
        let months = (year.months.iter())
            .map(|m| MonthVars {
                name: month_name(m.year, m.month),
                url: m.url.clone(),
                count: m.articles.len(),
                articles: (m.articles.iter())
                    .map(|&i| headline(site, &site.articles[i]))
                    .collect(),
            })
            .collect();
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| site.archives.get(i)).map(|y| Link {
                title: y.year.to_string(),
                url: y.url.clone(),
            })
        };
        ArchivePage {
            base: self.archive_base(site, &year.path, &title),
            archive: ArchiveVars {
                year: year.year,
                month: None,
                count: year.article_count(),
                months,
                articles: Vec::new(),
                // Years are newest first: the older year is the next in the list.
                previous: neighbour(Some(y + 1)),
                next: neighbour(y.checked_sub(1)),
                year_url: None,
                title,
            },
        }
    }

    /// A month of the date archive, with links to the months around it.
    pub(crate) fn month_page<'s>(
        &'s self,
        site: &'s Site,
        y: usize,
        m: usize,
        shown: &[usize],
    ) -> ArchivePage<'s> {
        let month = &site.archives[y].months[m];
        let title = month_name(month.year, month.month);
        // All months, newest first, to find the neighbours across years.
        let all: Vec<(usize, usize)> = (site.archives.iter().enumerate())
            .flat_map(|(yi, year)| (0..year.months.len()).map(move |mi| (yi, mi)))
            .collect();
        let at = all.iter().position(|&p| p == (y, m)).unwrap_or(0);
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| all.get(i)).map(|&(yi, mi)| {
                let n = &site.archives[yi].months[mi];
                Link {
                    title: month_name(n.year, n.month),
                    url: n.url.clone(),
                }
            })
        };
        ArchivePage {
            base: self.archive_base(site, &month.path, &title),
            archive: ArchiveVars {
                year: month.year,
                month: Some(month.month),
                count: month.articles.len(),
                months: Vec::new(),
                articles: self.cards_of(shown),
                previous: neighbour(Some(at + 1)),
                next: neighbour(at.checked_sub(1)),
                year_url: Some(&site.archives[y].url),
                title,
            },
        }
    }

    fn archive_base<'s>(&'s self, site: &'s Site, path: &str, title: &str) -> Base<'s> {
        self.base(site, path)
            .titled(format!("{title} archive"))
            .described(format!(
                "Everything {} published in {title}",
                site.config.title
            ))
    }
}

/// How many sections the default navigation shows, largest first: more
/// would not fit one line; the rest are a "Sections" link away.
const MENU_SECTIONS: usize = 6;

/// A section's size as the default navigation ranks it: the power of two
/// its article count reaches (1, 2–3, 4–7, … articles), none when empty.
/// Sections of one class are in the order of their names. By exact count,
/// two sections of about the same size would swap places (or in and out of
/// the navigation) with many a new article, and every page of the site
/// would change with them: at 100,000 articles, 169,000 files written and
/// uploaded for one story. By class, a section moves only when its count
/// doubles.
fn size_class(section: &Term) -> Option<u32> {
    section.articles.len().checked_ilog2()
}

/// The most characters of a meta description.
const DESCRIPTION_LENGTH: usize = 300;

/// `text` cut to at most `max` characters at a word boundary, with `…`.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    let at = cut.rfind(char::is_whitespace).unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

/// "March 2021".
fn month_name(year: i32, month: u32) -> String {
    chrono::NaiveDate::from_ymd_opt(year, month, 1)
        .map(|d| d.format("%B %Y").to_string())
        .unwrap_or_default()
}

/// schema.org NewsArticle JSON-LD. Fields are in the order a JSON object
/// map sorts them, which is the order gazette has always written.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NewsArticleLd<'s> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    article_section: Option<&'s str>,
    author: Vec<PersonLd<'s>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    correction: Vec<CorrectionLd<'s>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage_start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage_end_time: Option<String>,
    date_modified: String,
    date_published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    dateline: Option<&'s str>,
    description: &'s str,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_accessible_for_free: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    has_part: Option<PaywalledPartLd>,
    headline: &'s str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<Vec<String>>,
    in_language: &'s str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    keywords: Vec<&'s str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    live_blog_update: Vec<LiveUpdateLd<'s>>,
    main_entity_of_page: WebPageLd,
    publisher: &'s OrganizationLd,
    word_count: usize,
}

/// One update of a live article: a BlogPosting with its own anchor.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LiveUpdateLd<'s> {
    #[serde(rename = "@type")]
    kind: &'static str,
    date_published: String,
    headline: &'s str,
    url: String,
}

/// The part of a subscriber story behind the paywall (Google's
/// paywalled-content markup).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PaywalledPartLd {
    #[serde(rename = "@type")]
    kind: &'static str,
    is_accessible_for_free: bool,
    css_selector: String,
}

/// A published correction: schema.org's CorrectionComment.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CorrectionLd<'s> {
    #[serde(rename = "@type")]
    kind: &'static str,
    text: &'s str,
    date_published: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PersonLd<'s> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'s str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'s str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    same_as: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WebPageLd {
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "@type")]
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrganizationLd {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    context: Option<&'static str>,
    #[serde(rename = "@type")]
    kind: &'static str,
    /// The same id on the home page and every article, so readers of the
    /// markup know the articles' publisher is the organisation described.
    #[serde(rename = "@id")]
    id: String,
    name: String,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo: Option<ImageObjectLd>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    same_as: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    publishing_principles: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    corrections_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ethics_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    masthead: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImageObjectLd {
    #[serde(rename = "@type")]
    kind: &'static str,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
}

/// The news organisation behind the site, from `[publisher]`: in full on
/// the home page (`whole`), and by name, id and logo as every article's
/// `publisher`.
fn publisher_ld(site: &Site, whole: bool) -> OrganizationLd {
    let config = &site.config;
    let publisher = &config.publisher;
    let front = config.url(paths::FRONT);
    let resolve = |url: &Option<String>| (url.as_deref()).map(|u| resolve_url(config, &front, u));
    let logo = (publisher.logo.as_deref()).map(|logo| {
        let size = site
            .images
            .find(config, &front, logo)
            .map(|i| site.images.size(i));
        ImageObjectLd {
            kind: "ImageObject",
            url: resolve_url(config, &front, logo),
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
        }
    });
    OrganizationLd {
        context: whole.then_some("https://schema.org"),
        kind: "NewsMediaOrganization",
        id: format!("{front}#publisher"),
        name: (publisher.name.clone()).unwrap_or_else(|| config.title.clone()),
        url: front.clone(),
        logo,
        same_as: match whole {
            true => (publisher.same_as.iter())
                .map(|u| resolve_url(config, &front, u))
                .collect(),
            false => Vec::new(),
        },
        publishing_principles: resolve(&publisher.publishing_principles).filter(|_| whole),
        corrections_policy: resolve(&publisher.corrections_policy).filter(|_| whole),
        ethics_policy: resolve(&publisher.ethics_policy).filter(|_| whole),
        masthead: resolve(&publisher.masthead).filter(|_| whole),
    }
}

/// The home page's NewsMediaOrganization JSON-LD, safe inside `<script>`.
fn publisher_json_ld(site: &Site) -> String {
    script_safe_json(&publisher_ld(site, true))
}

/// `value` as JSON to place inside `<script>`: `<`, `>` and `&` are
/// written as JSON `\u` escapes, so a `</script>` in a name cannot end
/// the script.
fn script_safe_json(value: &impl Serialize) -> String {
    // Serialising plain strings and numbers cannot fail.
    let json = serde_json::to_string(value).unwrap_or_default();
    // These characters only occur inside JSON strings, where the \u form
    // means the same; HTML parsers then never see markup in the script.
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// NewsArticle JSON-LD for an article page, safe to place inside
/// `<script>`: `<`, `>` and `&` are written as JSON `\u` escapes, so a
/// `</script>` in a headline cannot end the script.
fn json_ld(site: &Site, article: &Article, publisher: &OrganizationLd) -> String {
    let config = &site.config;
    let meta = &article.doc.meta;
    let tz = config.timezone;
    let live = article.live.as_ref();
    let ld = NewsArticleLd {
        context: "https://schema.org",
        // Live coverage is a LiveBlogPosting whatever its kind.
        kind: match live {
            Some(_) => "LiveBlogPosting",
            None => meta.kind.schema_type(),
        },
        article_section: article.category.map(|c| site.categories[c].name.as_str()),
        author: (article.bylines.iter())
            .map(|b| {
                let profile = b.author.map(|a| &site.authors[a]);
                PersonLd {
                    kind: "Person",
                    name: &b.name,
                    url: profile.map(|p| p.url.as_str()),
                    // The profile's web links: its pages elsewhere (an
                    // email address is not a page about the person).
                    same_as: (profile.into_iter())
                        .flat_map(|p| p.doc.meta.links.values())
                        .map(|url| resolve_url(config, &article.url, url))
                        .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
                        .collect(),
                }
            })
            .collect(),
        correction: (meta.corrections.iter())
            .map(|c| CorrectionLd {
                kind: "CorrectionComment",
                text: &c.text,
                date_published: local_rfc3339(c.date, tz),
            })
            .collect(),
        coverage_start_time: live.map(|_| local_rfc3339(meta.date, tz)),
        coverage_end_time: live.and_then(|l| l.until).map(|t| local_rfc3339(t, tz)),
        date_modified: local_rfc3339(meta.updated.unwrap_or(meta.date), tz),
        date_published: local_rfc3339(meta.date, tz),
        dateline: meta.dateline.as_deref(),
        is_accessible_for_free: meta.for_subscribers.then_some(false),
        has_part: meta.for_subscribers.then(|| PaywalledPartLd {
            kind: "WebPageElement",
            is_accessible_for_free: false,
            css_selector: format!(".{PAYWALLED_CLASS}"),
        }),
        description: &article.summary_text,
        headline: &meta.title,
        // An article without a lead image shares the site's. A photo of
        // the site goes as the three crops Google asks for.
        image: match (&meta.image, &config.image) {
            (Some(image), _) => Some(match lead_photo(site, article) {
                Some(i) => ld_crops(site, i, meta.image_focus),
                None => vec![resolve_url(config, &article.url, image)],
            }),
            (None, Some(image)) => Some(match site_photo(site) {
                Some(i) => ld_crops(site, i, None),
                None => vec![resolve_url(config, &config.url(paths::FRONT), image)],
            }),
            (None, None) => None,
        },
        in_language: &config.language,
        keywords: (article.tags.iter())
            .map(|&t| site.tags[t].name.as_str())
            .collect(),
        live_blog_update: (live.iter().flat_map(|l| &l.updates))
            .map(|u| LiveUpdateLd {
                kind: "BlogPosting",
                date_published: local_rfc3339(u.time, tz),
                // A time alone is the update's heading as readers see it.
                headline: if u.headline.is_empty() {
                    &meta.title
                } else {
                    &u.headline
                },
                url: format!("{}#{}", article.url, u.id),
            })
            .collect(),
        main_entity_of_page: WebPageLd {
            id: (meta.canonical_url.clone()).unwrap_or_else(|| article.url.clone()),
            kind: "WebPage",
        },
        publisher,
        word_count: article.word_count,
    };
    script_safe_json(&ld)
}

/// The class of the element holding a subscriber story's paid part: the
/// `cssSelector` its JSON-LD names, so search engines know the text a
/// paywall hides and do not take serving it to them for cloaking.
const PAYWALLED_CLASS: &str = "paywalled";

/// A subscriber story's HTML with everything after its opening wrapped in
/// `<div class="paywalled">`: after the `<!-- more -->` marker when the
/// writer placed one, else after the first paragraph. The cut is made only
/// between top-level blocks, never inside a list, quote or figure.
fn with_paywall(content: String, for_subscribers: bool) -> String {
    if !for_subscribers {
        return content;
    }
    let at = match content.find(crate::markdown::MORE_MARKER) {
        Some(marker) => Some(marker + crate::markdown::MORE_MARKER.len()),
        None => (content.match_indices("</p>"))
            .map(|(i, _)| i + "</p>".len())
            .find(|&end| is_top_level(&content[..end])),
    };
    let Some(at) = at.filter(|&at| content[at..].trim() != "") else {
        // Nothing follows the opening: the whole story is the opening.
        return content;
    };
    format!(
        "{}<div class=\"{PAYWALLED_CLASS}\">{}</div>\n",
        &content[..at],
        &content[at..]
    )
}

/// Whether `html` closes every container block it opens, so that a cut
/// after it falls between top-level blocks.
fn is_top_level(html: &str) -> bool {
    [
        "blockquote",
        "ul",
        "ol",
        "li",
        "figure",
        "div",
        "aside",
        "table",
        "details",
        "section",
        "article",
    ]
    .iter()
    .all(|tag| {
        let opened =
            html.matches(&format!("<{tag}>")).count() + html.matches(&format!("<{tag} ")).count();
        opened == html.matches(&format!("</{tag}>")).count()
    })
}

/// The article's HTML with its dateline (`HONG KONG`) opening the first
/// paragraph, as wire stories print it: "HONG KONG — Xiaomi said ...".
fn with_dateline(content: String, dateline: Option<&str>) -> String {
    let Some(place) = dateline else {
        return content;
    };
    let Some(at) = content.find("<p>") else {
        return content;
    };
    let at = at + "<p>".len();
    let place = html_escape::encode_text(place);
    let mut out = String::with_capacity(content.len() + place.len() + 48);
    out.push_str(&content[..at]);
    out.push_str("<span class=\"story-dateline\">");
    out.push_str(&place);
    out.push_str("</span> — ");
    out.push_str(&content[at..]);
    out
}

fn headline(site: &Site, article: &Article) -> Headline {
    let local = article.doc.meta.date.with_timezone(&site.config.timezone);
    Headline {
        title: article.doc.meta.title.clone(),
        url: article.url.clone(),
        date: local.to_rfc3339(),
        date_short: local.format("%-d %B %Y").to_string(),
    }
}

fn card(site: &Site, article: &Arc<Article>, links: &CardLinks) -> Card {
    let meta = &article.doc.meta;
    let tz = site.config.timezone;
    Card {
        article: Arc::clone(article),
        tz,
        image: (meta.image.as_deref()).map(|s| resolve_url(&site.config, &article.url, s)),
        picture: lead_photo(site, article).map(|i| site.images.picture(&site.config, i)),
        category: article.category.map(|c| Arc::clone(&links.categories[c])),
        tags: (article.tags.iter())
            .map(|&t| Arc::clone(&links.tags[t]))
            .collect(),
        series: (article.series).map(|place| Arc::clone(&links.series[place.series])),
        authors: (article.bylines.iter())
            .map(|b| match b.author {
                Some(a) => Arc::clone(&links.authors[a]),
                None => Arc::new(BylineVars {
                    name: b.name.clone(),
                    id: None,
                    url: None,
                }),
            })
            .collect(),
        live: article.live.as_ref().map(|live| LiveVars {
            running: live.is_running(site.now),
            until: live.until.map(|t| local_rfc3339(t, tz)),
            until_display: live.until.map(|t| display_date(t, tz)),
            update_count: live.updates.len(),
            latest: live.latest().map(|t| local_rfc3339(t, tz)),
            latest_display: live.latest().map(|t| display_date(t, tz)),
        }),
        card_html: None,
        card_asks: Vec::new(),
        digest: std::sync::OnceLock::new(),
    }
}

fn lead_photo(site: &Site, article: &Article) -> Option<usize> {
    site.lead_photo(article)
}

/// `image` of site.toml, when it is a photo the site publishes.
fn site_photo(site: &Site) -> Option<usize> {
    let image = site.config.image.as_deref()?;
    let front = site.config.url(paths::FRONT);
    site.images.find(&site.config, &front, image)
}

/// Photo `i` as social sites show a shared link: 1200×630.
fn share_crop(site: &Site, i: usize, focus: Option<(f64, f64)>) -> Sized {
    let focus = focus.map(|(x, y)| Focus { x, y });
    site.images
        .crop(&site.config, i, (1200, 630), SHARE_WIDTH, focus)
}

/// Photo `i` in the three shapes Google asks of a NewsArticle's image:
/// 16:9, 4:3 and 1:1, each at least 1,200 pixels wide where the photo is.
fn ld_crops(site: &Site, i: usize, focus: Option<(f64, f64)>) -> Vec<String> {
    let focus = focus.map(|(x, y)| Focus { x, y });
    [(16, 9), (4, 3), (1, 1)]
        .into_iter()
        .map(|ratio| {
            site.images
                .crop(&site.config, i, ratio, SHARE_WIDTH, focus)
                .url
        })
        .collect()
}

/// RFC 3339 in the site timezone, for `<time datetime>` and the `date` filter.
fn local_rfc3339(date: DateTime<Utc>, tz: Tz) -> String {
    date.with_timezone(&tz).to_rfc3339()
}

/// "26 March 2021, 09:30 HKT" in the site timezone.
fn display_date(date: DateTime<Utc>, tz: Tz) -> String {
    date.with_timezone(&tz)
        .format("%-d %B %Y, %H:%M %Z")
        .to_string()
}
