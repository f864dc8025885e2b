//! Rendering: the site model → the bytes of each output file.
//!
//! Tera templates are loaded in one place ([`Templates::load`]); every
//! renderer returns bytes and the build writes them, so nothing here touches
//! the file system once templates are loaded.

mod bodies;
mod context;
pub(crate) mod digest;
mod guard;
mod image_fn;
mod lists;
mod pruned;
mod reads;
pub(crate) mod shortcodes;
mod templates;
mod theme;

pub(crate) use guard::ENV_PREFIX;
pub(crate) use lists::{cards_in_bodies, cards_needed, shown};
pub use templates::Templates;
pub(crate) use templates::escape_html;

use crate::diagnostics::Diagnostic;
use crate::feeds;
use crate::feeds::{Feed, hosting, sitemap};
use crate::paths::file_for_site_path;
use crate::site::{ArticleBody, Favicon, Site};
use bodies::Bodies;
use context::{Card, Shared};
use foldhash::HashMap;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
pub use theme::ThemeFile;
use theme::ThemeFiles;

use crate::paths;
pub use crate::paths::TermKind;

/// The card every list shows an article with, rendered once per article.
pub(crate) const CARD_TEMPLATE: &str = "partials/card.html";

/// One output file to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Article(usize),
    /// A redirect page at an article's old path: which article, and which
    /// of its aliases.
    Alias {
        article: usize,
        alias: usize,
    },
    Page(usize),
    /// A redirect page at a page's old path: which page, and which alias.
    PageAlias {
        page: usize,
        alias: usize,
    },
    /// The front page: page number, from 1.
    Front(usize),
    /// An author's page `page` (from 1).
    Author {
        author: usize,
        page: usize,
    },
    AuthorFeed(usize),
    AuthorIndex,
    /// A section's or tag's page `page` (from 1).
    Term {
        kind: TermKind,
        term: usize,
        page: usize,
    },
    TermFeed {
        kind: TermKind,
        term: usize,
    },
    TermIndex(TermKind),
    /// A year of the date archive, by index into `Site::archives`.
    Year(usize),
    /// A month: indexes into `Site::archives` and that year's months.
    Month {
        year: usize,
        month: usize,
    },
    Search,
    /// /search-index.json, when `[search] whole_index` asks for it.
    SearchIndex,
    /// A file of the split search index, by its place in
    /// `feeds::search::render_split`'s list.
    SearchPart(usize),
    NotFound,
    /// A file of the theme at its plain path (`/assets/gazette.css`).
    Theme(ThemeFile),
    /// The same file at its fingerprinted path, which pages link.
    FingerprintedTheme(ThemeFile),
    /// The built-in icon, when static/ gives none.
    Favicon,
    Redirects,
    NginxRedirects,
    Headers,
    Rss,
    Atom,
    JsonFeed,
    /// /sitemap.xml: the sitemap, or the index of its parts past 50,000 URLs.
    Sitemap,
    /// /sitemap-N.xml, from 1.
    SitemapPart(usize),
    NewsSitemap,
    Robots,
}

/// Reads of every field: what a card's own digest, and an author
/// profile's in [`Renderer::article_page_inputs`], take.
static EVERY_FIELD: reads::Reads = reads::Reads::everything();

/// [`Renderer::take_shared_digests`].
struct SharedDigests {
    /// By template: what it can read of `site` and `data`, with every
    /// template's text; None when it cannot be taken.
    per_template: HashMap<String, Option<u64>>,
    /// Every template's text.
    templates: u64,
    /// Each author profile as pages see it (every field).
    authors: Vec<Option<u64>>,
}

/// A page's digest ([`Renderer::digest`]), as the build state keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub(crate) struct PageDigest {
    /// What a later build compares to keep the page.
    pub(crate) digest: u64,
    /// For an article's page: a hash of what its context was made from
    /// (`Renderer::article_page_inputs`), and the digest of that context.
    /// A later build whose page is made from the same takes the context's
    /// digest from here. Such a pair is only ever taken into a build
    /// whose settings, data, photos and templates are the ones it was
    /// made with: a change to any of them renders every file, and the
    /// digests of that build are all taken anew.
    pub(crate) made_from: Option<(u64, u64)>,
}

/// What one render thread keeps between pages: the context every page
/// shares, and the buffer each page is rendered into.
pub struct Worker {
    context: tera::Context,
    /// The bytes of the page just rendered.
    pub buffer: Vec<u8>,
}

/// A failed render, with the template (and content file) involved.
#[derive(Debug)]
pub struct RenderError {
    pub template: String,
    pub message: String,
}

/// Everything a render needs, prepared once per build and shared by all
/// renders (never cloned per page). It owns what it renders, shared: the
/// renderer `gazette serve` makes after a save takes the model, templates,
/// cards and bodies that did not change from the one before.
pub struct Renderer {
    site: Arc<Site>,
    templates: Arc<Templates>,
    shared: Shared,
    /// Made when first needed: a site served after a save may never be
    /// asked for its sitemap.
    sitemap: OnceLock<Vec<sitemap::Entry>>,
    /// The split search index, made when its first file is asked for.
    search: OnceLock<Result<Vec<feeds::search::IndexFile>, String>>,
    /// The split index's file names as the last build made them, when a
    /// partial build knows the index is as it was
    /// ([`Renderer::reuse_search_paths`]): planning then needs no index.
    kept_search_paths: Option<Vec<String>>,
    bodies: Bodies,
    /// Each article's [`ArticleBody::digest`], for page digests.
    body_digests: Arc<Vec<u64>>,
    /// The digest of what every page shares (`site`, `data`, the
    /// templates), by template, and the parts of it an article page's
    /// inputs take; once taken.
    shared_digests: OnceLock<SharedDigests>,
    /// The stylesheet and scripts, made before any page names them.
    theme: Arc<ThemeFiles>,
}

/// A typed page context, as the JSON value a template renders with (a
/// trait object, so one closure takes every kind of page).
trait ErasedContext {
    /// The value a template that can read `reads` of it renders with
    /// ([`pruned`]).
    fn to_value(&self, reads: &reads::Reads) -> Result<Value, String>;
    /// The digest of what templates can read of it ([`digest`]).
    fn digest(&self, reads: &reads::Reads) -> Result<u64, String>;
}

impl<T: Serialize> ErasedContext for T {
    fn to_value(&self, reads: &reads::Reads) -> Result<Value, String> {
        pruned::to_value(self, reads)
    }

    fn digest(&self, reads: &reads::Reads) -> Result<u64, String> {
        digest::digest(self, reads, digest::Purpose::Page)
    }
}

/// A context as a value, for a render that names its template.
fn to_context(template: &str, ctx: &impl Serialize) -> Result<Value, RenderError> {
    serde_json::to_value(ctx).map_err(|e| RenderError {
        template: template.to_string(),
        message: e.to_string(),
    })
}

/// What a job becomes: a template with its context, or finished bytes.
enum Output<'n> {
    /// A built-in template name, or the one front matter names.
    Template(Cow<'n, str>, Value),
    Bytes(Vec<u8>),
    /// Asked for a digest: that of the context the template would get.
    Digest(u64),
    /// Asked for a digest of a page that must be rendered to be known.
    Unknown,
}

impl Renderer {
    /// Prepares the shared contexts, and renders each article's card
    /// (`partials/card.html`) once: lists show the same card on many pages.
    /// `bodies` are the articles' bodies, which the model made beside it.
    pub fn new(
        site: Arc<Site>,
        templates: Arc<Templates>,
        bodies: Vec<ArticleBody>,
    ) -> Result<Renderer, RenderError> {
        let mut renderer = Renderer::without_cards(site, templates, bodies)?;
        renderer.render_cards(None)?;
        Ok(renderer)
    }

    /// [`Renderer::new`] but for the cards, which are rendered when
    /// [`Renderer::render_cards`] asks: a build that renders a few files
    /// renders the cards they show, not every article's (100,000 cards
    /// are 0.7 s of a build).
    pub(crate) fn without_cards(
        site: Arc<Site>,
        templates: Arc<Templates>,
        bodies: Vec<ArticleBody>,
    ) -> Result<Renderer, RenderError> {
        // A body stays in memory when a feed shows it: feeds are written
        // in any order, after or before the article's page.
        let mut in_feed = vec![false; site.articles.len()];
        let feeds =
            (0..site.authors.len())
                .map(Job::AuthorFeed)
                .chain(TermKind::ALL.into_iter().flat_map(|kind| {
                    (0..site.terms(kind).len()).map(move |term| Job::TermFeed { kind, term })
                }));
        for job in feeds.chain([Job::Rss]) {
            for &i in lists::shown(&site, job).list() {
                in_feed[i] = true;
            }
        }
        let body_digests = Arc::new(bodies.iter().map(ArticleBody::digest).collect());
        let bodies = Bodies::new(bodies, in_feed);
        let shared = Shared::new(&site);
        Renderer::with_shared(site, templates, shared, bodies, body_digests)
    }

    /// The renderer of the same site with new `templates`, for `gazette
    /// serve` after the templates `changed` were saved: the bodies are
    /// taken from this one, and so are the cards unless the card template
    /// reaches a changed one.
    pub(crate) fn with_templates_replaced(
        &self,
        templates: Arc<Templates>,
        changed: &BTreeSet<String>,
    ) -> Result<Renderer, RenderError> {
        let site = Arc::clone(&self.site);
        let bodies = self.bodies.shared(None);
        let body_digests = Arc::clone(&self.body_digests);
        if templates.reaches(CARD_TEMPLATE, changed) {
            let shared = Shared::new(&site);
            let mut renderer =
                Renderer::with_shared(site, templates, shared, bodies, body_digests)?;
            renderer.render_cards(None)?;
            return Ok(renderer);
        }
        templates.use_site(&site);
        let mut shared = Shared::with_cards(&site, self.shared.cards.clone());
        let theme = Arc::new(ThemeFiles::render(&site, &templates, &mut shared)?);
        Ok(Renderer {
            shared,
            sitemap: OnceLock::new(),
            search: OnceLock::new(),
            kept_search_paths: None,
            site,
            templates,
            bodies,
            body_digests,
            shared_digests: OnceLock::new(),
            theme,
        })
    }

    /// The renderer of `site` with `shared`'s cards as they are: the
    /// theme's files rendered, no card.
    fn with_shared(
        site: Arc<Site>,
        templates: Arc<Templates>,
        shared: Shared,
        bodies: Bodies,
        body_digests: Arc<Vec<u64>>,
    ) -> Result<Renderer, RenderError> {
        templates.use_site(&site);
        let mut shared = shared;
        let theme = Arc::new(ThemeFiles::render(&site, &templates, &mut shared)?);
        Ok(Renderer {
            shared,
            sitemap: OnceLock::new(),
            search: OnceLock::new(),
            kept_search_paths: None,
            site,
            templates,
            bodies,
            body_digests,
            shared_digests: OnceLock::new(),
            theme,
        })
    }

    /// Renders the cards of the articles in `only` (every article's with
    /// None) that are not rendered yet. The files that show a card must
    /// not be rendered before it: a template printing `card_html` would
    /// find none ([`lists::cards_needed`] says which cards files show).
    pub(crate) fn render_cards(
        &mut self,
        only: Option<&BTreeSet<usize>>,
    ) -> Result<(), RenderError> {
        let wanted: Vec<usize> = (0..self.shared.cards.len())
            .filter(|i| only.is_none_or(|only| only.contains(i)))
            .filter(|&i| !self.shared.cards[i].has_html())
            .collect();
        let cards: Vec<(usize, (String, Vec<String>))> = (wanted.par_iter())
            .map_init(
                || self.worker(),
                |worker, &i| Ok((i, self.card_html(&self.shared.cards[i], worker)?)),
            )
            .collect::<Result<_, RenderError>>()?;
        for (i, (html, asked)) in cards {
            Arc::make_mut(&mut self.shared.cards[i]).set_html(&html, asked);
        }
        Ok(())
    }

    /// The renderer of `site`, made by [`Site::with_article_replaced`] from
    /// the site this one renders: everything is taken from this one but
    /// the card and body of article `i`, the one that changed.
    pub(crate) fn with_article_replaced(
        &self,
        site: Arc<Site>,
        i: usize,
        body: ArticleBody,
    ) -> Result<Renderer, RenderError> {
        self.templates.use_site(&site);
        let mut shared = Shared::with_card_replaced(&site, &self.shared, i);
        self.theme.point(&site, &mut shared);
        let mut body_digests = (*self.body_digests).clone();
        body_digests[i] = body.digest();
        let mut renderer = Renderer {
            shared,
            sitemap: OnceLock::new(),
            search: OnceLock::new(),
            kept_search_paths: None,
            site,
            templates: Arc::clone(&self.templates),
            bodies: self.bodies.shared(Some((i, body))),
            body_digests: Arc::new(body_digests),
            shared_digests: OnceLock::new(),
            theme: Arc::clone(&self.theme),
        };
        let mut worker = renderer.worker();
        let (html, asked) = renderer.card_html(&renderer.shared.cards[i], &mut worker)?;
        Arc::make_mut(&mut renderer.shared.cards[i]).set_html(&html, asked);
        Ok(renderer)
    }

    /// An article's card (`partials/card.html`), rendered once per build:
    /// lists show the same card on many pages. With it, the photo files
    /// its rendering asked for.
    fn card_html(
        &self,
        card: &Card,
        worker: &mut Worker,
    ) -> Result<(String, Vec<String>), RenderError> {
        let (bytes, asked) = crate::images::asks_of(|| {
            let page = to_context(CARD_TEMPLATE, &context::CardPage { article: card })?;
            self.templates
                .render(CARD_TEMPLATE, page, &mut worker.context)
        });
        let mut html = String::from_utf8_lossy(&bytes?).into_owned();
        html.shrink_to_fit();
        Ok((html, asked))
    }

    fn sitemap(&self) -> &[sitemap::Entry] {
        self.sitemap.get_or_init(|| sitemap::entries(&self.site))
    }

    /// The jobs of the split search index's files. One that failed to
    /// serialise has one job, whose render says why.
    pub(crate) fn search_jobs(&self) -> impl Iterator<Item = Job> + use<> {
        let parts = match (self.search.get(), &self.kept_search_paths) {
            (None, Some(kept)) => kept.len(),
            _ => self.search().as_ref().map_or(1, Vec::len),
        };
        (0..parts).map(Job::SearchPart)
    }

    /// Takes the split index's file names from the last build, which made
    /// the same index: its articles' places, titles and summaries are as
    /// they were (see `crate::changes`). Spares making the index (a second
    /// at 100,000 articles) when none of its files is rendered.
    pub(crate) fn reuse_search_paths(&mut self, paths: Vec<String>) {
        self.kept_search_paths = Some(paths);
    }

    /// The split index's file names, for the next build.
    pub(crate) fn search_paths(&self) -> Vec<String> {
        match (self.search.get(), &self.kept_search_paths) {
            (None, Some(kept)) => kept.clone(),
            _ => (0..self.search_jobs().count())
                .map(|n| self.search_path(n))
                .collect(),
        }
    }

    /// The site path of the split index's file `n`.
    fn search_path(&self, n: usize) -> String {
        if let (None, Some(kept)) = (self.search.get(), &self.kept_search_paths) {
            return kept.get(n).cloned().unwrap_or_default();
        }
        match self.search() {
            Ok(files) => files.get(n).map_or_else(String::new, |f| f.path.clone()),
            Err(_) => paths::SEARCH_META.into(),
        }
    }

    /// The files of the split search index, made once for all its jobs.
    fn search(&self) -> &Result<Vec<feeds::search::IndexFile>, String> {
        self.search
            .get_or_init(|| feeds::search::render_split(&self.site).map_err(|e| e.to_string()))
    }

    /// Every file of the site, in a stable order.
    pub(crate) fn jobs(&self) -> Vec<Job> {
        let site = &*self.site;
        let pages_of = |n: usize| lists::Pages::of(site, n).count();
        let mut jobs: Vec<Job> = (0..site.articles.len()).map(Job::Article).collect();
        for (i, a) in site.articles.iter().enumerate() {
            jobs.extend((0..a.doc.meta.aliases.len()).map(|n| Job::Alias {
                article: i,
                alias: n,
            }));
        }
        jobs.extend((0..site.pages.len()).map(Job::Page));
        for (i, p) in site.pages.iter().enumerate() {
            jobs.extend(
                (0..p.doc.meta.aliases.len()).map(|n| Job::PageAlias { page: i, alias: n }),
            );
        }
        jobs.extend((1..=pages_of(site.articles.len())).map(Job::Front));
        for (i, a) in site.authors.iter().enumerate() {
            jobs.extend(
                (1..=pages_of(a.articles.len())).map(|p| Job::Author { author: i, page: p }),
            );
            // A profile with no published article has no feed to follow.
            if !a.articles.is_empty() {
                jobs.push(Job::AuthorFeed(i));
            }
        }
        if !site.authors.is_empty() {
            jobs.push(Job::AuthorIndex);
        }
        for kind in TermKind::ALL {
            let terms = self.site.terms(kind);
            for (i, t) in terms.iter().enumerate() {
                jobs.extend((1..=pages_of(t.articles.len())).map(|p| Job::Term {
                    kind,
                    term: i,
                    page: p,
                }));
                jobs.push(Job::TermFeed { kind, term: i });
            }
            // Sections and topics are written even when empty: every
            // page's footer links to both. A site without series has no
            // index of them.
            if kind != TermKind::Series || !terms.is_empty() {
                jobs.push(Job::TermIndex(kind));
            }
        }
        for (y, year) in site.archives.iter().enumerate() {
            jobs.push(Job::Year(y));
            jobs.extend((0..year.months.len()).map(|m| Job::Month { year: y, month: m }));
        }
        jobs.extend([
            Job::Search,
            Job::NotFound,
            Job::Rss,
            Job::Atom,
            Job::JsonFeed,
            Job::Sitemap,
            Job::Robots,
        ]);
        for (file, _, _) in self.theme.made() {
            jobs.extend([Job::Theme(file), Job::FingerprintedTheme(file)]);
        }
        if !sitemap::news_articles(site).is_empty() {
            jobs.push(Job::NewsSitemap);
        }
        let has_aliases = (site.articles.iter().any(|a| !a.doc.meta.aliases.is_empty()))
            || site.pages.iter().any(|p| !p.doc.meta.aliases.is_empty());
        if has_aliases && !site.host_files.redirects {
            jobs.push(Job::Redirects);
        }
        if has_aliases {
            jobs.push(Job::NginxRedirects);
        }
        if !site.host_files.headers {
            jobs.push(Job::Headers);
        }
        if site.favicon == Favicon::BuiltIn {
            jobs.push(Job::Favicon);
        }
        let parts = sitemap::part_count(self.sitemap().len(), sitemap::URLS_PER_SITEMAP);
        if parts > 1 {
            jobs.extend((1..=parts).map(Job::SitemapPart));
        }
        if site.config.search_whole_index {
            jobs.push(Job::SearchIndex);
        }
        jobs.extend(self.search_jobs());
        jobs
    }

    /// A site-wide feed at `self_path` showing `articles`.
    fn site_feed(
        &self,
        self_path: &str,
        articles: &[usize],
        worker: &mut Worker,
    ) -> Result<Feed<'_>, RenderError> {
        let config = &self.site.config;
        let (title, description) = (config.title.clone(), config.description.clone());
        let place = (paths::FRONT, self_path.to_string());
        self.feed(title, description, place, articles, worker)
    }

    /// The feed of a list page at `page_path`, showing `articles`.
    fn list_feed(
        &self,
        title: String,
        page_path: &str,
        articles: &[usize],
        worker: &mut Worker,
    ) -> Result<Feed<'_>, RenderError> {
        let site_title = &self.site.config.title;
        self.feed(
            format!("{title} | {site_title}"),
            format!("{title}: the latest from {site_title}"),
            (page_path, paths::list_feed(page_path)),
            articles,
            worker,
        )
    }

    /// A feed of `articles`; `place` is the site path of the page it
    /// mirrors and its own.
    fn feed(
        &self,
        title: String,
        description: String,
        place: (&str, String),
        articles: &[usize],
        worker: &mut Worker,
    ) -> Result<Feed<'_>, RenderError> {
        let site = &*self.site;
        let contents = (articles.iter())
            .map(|&i| {
                let a = &site.articles[i];
                let body = (self.bodies.for_feed(i)).map_err(|e| unread_body(a, &place.1, e))?;
                self.with_shortcodes(body, &a.shortcodes, article_ref(a), true, worker)
            })
            .collect::<Result<_, _>>()?;
        Ok(Feed {
            title,
            description,
            page_path: place.0.to_string(),
            self_path: place.1,
            articles: articles.iter().map(|&i| &*site.articles[i]).collect(),
            contents,
        })
    }

    /// A failed render as the user sees it: at the template, naming the
    /// content file being rendered, if any.
    pub(crate) fn diagnose(&self, job: Job, error: RenderError) -> Diagnostic {
        let mut diagnostic =
            Diagnostic::error(self.templates.display(&error.template), error.message);
        if let Some(source) = self.source_of(job) {
            diagnostic = diagnostic.with_note(format!("rendering {}", source.display()));
        }
        self.templates.place(diagnostic, &error.template)
    }

    /// The templates this renderer renders with.
    pub(crate) fn templates(&self) -> &Templates {
        &self.templates
    }

    /// The model this renderer renders.
    pub(crate) fn site(&self) -> &Site {
        &self.site
    }

    /// Keeps every article's body for as long as the renderer lives, so any
    /// page can be rendered again: for `gazette serve`, which renders pages
    /// when they are asked for.
    pub(crate) fn keep_all_bodies(&mut self) {
        self.bodies.keep_all();
    }

    /// Where a job's file goes in the output, as [`Renderer::render`] says.
    pub(crate) fn output_path(&self, job: Job) -> Result<PathBuf, RenderError> {
        let site_path = self.site_path(job);
        file_for_site_path(&site_path).map_err(|message| RenderError {
            template: site_path,
            message,
        })
    }

    /// The site path a job writes.
    fn site_path(&self, job: Job) -> String {
        let site = &*self.site;
        match job {
            Job::Article(i) => site.articles[i].path.clone(),
            Job::Alias { article, alias } => site.articles[article].doc.meta.aliases[alias].clone(),
            Job::PageAlias { page, alias } => site.pages[page].doc.meta.aliases[alias].clone(),
            Job::Page(i) => site.pages[i].path.clone(),
            Job::Front(n) => lists::Pages::of(site, site.articles.len()).path(paths::FRONT, n),
            Job::Author { author, page } => {
                let author = &site.authors[author];
                lists::Pages::of(site, author.articles.len()).path(&author.path, page)
            }
            Job::AuthorFeed(i) => paths::list_feed(&site.authors[i].path),
            Job::AuthorIndex => paths::AUTHORS.into(),
            Job::Term { kind, term, page } => {
                let term = &site.terms(kind)[term];
                lists::Pages::of(site, term.articles.len()).path(&term.path, page)
            }
            Job::TermFeed { kind, term } => paths::list_feed(&self.site.terms(kind)[term].path),
            Job::TermIndex(kind) => kind.index_path().into(),
            Job::Year(y) => site.archives[y].path.clone(),
            Job::Month { year, month } => site.archives[year].months[month].path.clone(),
            Job::Search => paths::SEARCH.into(),
            Job::SearchIndex => paths::SEARCH_INDEX.into(),
            Job::SearchPart(n) => self.search_path(n),
            Job::NotFound => paths::NOT_FOUND.into(),
            Job::Theme(file) => file.path().into(),
            Job::FingerprintedTheme(file) => match self.theme.get(file) {
                Some((_, path)) => path.to_string(),
                None => file.path().into(),
            },
            Job::Favicon => paths::FAVICON.into(),
            Job::Redirects => paths::REDIRECTS.into(),
            Job::NginxRedirects => paths::NGINX_REDIRECTS.into(),
            Job::Headers => paths::HEADERS.into(),
            Job::Rss => paths::RSS.into(),
            Job::Atom => paths::ATOM.into(),
            Job::JsonFeed => paths::JSON_FEED.into(),
            Job::Sitemap => paths::SITEMAP.into(),
            Job::SitemapPart(n) => paths::sitemap_part(n),
            Job::NewsSitemap => paths::NEWS_SITEMAP.into(),
            Job::Robots => paths::ROBOTS.into(),
        }
    }

    /// A render thread's state: the site, shared by every page, is put in
    /// its context once rather than once per page.
    pub(crate) fn worker(&self) -> Worker {
        let mut context = tera::Context::new();
        context.insert("site", &self.shared.site);
        context.insert("data", &self.site.data.tree);
        Worker {
            context,
            buffer: Vec::with_capacity(64 * 1024),
        }
    }

    /// Renders one file into `worker.buffer`; returns where it goes in the
    /// output.
    pub fn render(&self, job: Job, worker: &mut Worker) -> Result<PathBuf, RenderError> {
        let path = self.output_path(job)?;
        let site_path = self.site_path(job);
        match self.prepare(job, &site_path, worker, digest::Purpose::Render)? {
            Output::Template(name, ctx) => {
                self.templates
                    .render_into(&name, ctx, &mut worker.context, &mut worker.buffer)?
            }
            Output::Bytes(bytes) => worker.buffer = bytes,
            Output::Digest(_) | Output::Unknown => {
                return Err(RenderError {
                    template: site_path,
                    message: "a digest was made instead of the page".into(),
                });
            }
        }
        Ok(path)
    }

    /// A digest of everything `job`'s file is made from: its template's
    /// name, every template's text, what the templates can read of its
    /// context and of what every page shares (`render::digest`). Two
    /// builds that give a file the same digest write the same bytes, so a
    /// build keeps the file when the last one's digest is the same. None
    /// when the file must be rendered to be known: one made without a
    /// template (feeds, sitemaps, the search index), or a page whose body
    /// calls shortcodes, which render with the whole site. The digests of
    /// the cards it shows must be taken first ([`Renderer::digest_cards`]).
    ///
    /// `last` is the page's digest in the last build: when it says its
    /// context was made from what this page's is ([`PageDigest::made_from`]),
    /// the context is not made again (an article's page in a build after a
    /// new article: 100,000 contexts at 100,000 articles).
    pub(crate) fn digest(
        &self,
        job: Job,
        worker: &mut Worker,
        last: Option<&PageDigest>,
    ) -> Option<PageDigest> {
        let name = self.template_name(job)?;
        let shared_digests = self.shared_digests();
        // What the card template reads of `site` and `data` shows in every
        // card the page shows.
        let shared = (*shared_digests.per_template.get(name.as_ref())?)?;
        let cards = (*shared_digests.per_template.get(CARD_TEMPLATE)?)?;
        let site_path = self.site_path(job);
        let inputs = match job {
            Job::Article(i) => self.article_page_inputs(i, &name),
            _ => None,
        };
        let kept = (last.and_then(|last| last.made_from))
            .filter(|&(then, _)| inputs == Some(then))
            .map(|(_, page)| page);
        let page = match kept {
            Some(page) => page,
            None => {
                let Ok(Output::Digest(page)) =
                    self.prepare(job, &site_path, worker, digest::Purpose::Page)
                else {
                    return None;
                };
                page
            }
        };
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(&shared.to_le_bytes());
        hasher.update(&cards.to_le_bytes());
        hasher.update(&page.to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update(&[0]);
        hasher.update(site_path.as_bytes());
        Some(PageDigest {
            digest: hasher.digest(),
            made_from: inputs.map(|inputs| (inputs, page)),
        })
    }

    /// A hash of everything article `i`'s page context is made from, for
    /// `template`: its file's bytes (front matter and body), its path and
    /// URL, its body's HTML, its card and the cards of its related
    /// articles, its section's and tags' names, and each byline's author
    /// profile as pages see it. The site's settings, data, photos and
    /// templates are not in it: a change to any of them renders every
    /// file, and then every digest is taken anew ([`PageDigest`]).
    ///
    /// None for a page whose context takes more than that: a live article
    /// (whether coverage runs hangs on the time), a part of a series (its
    /// box shows the other parts), a body that calls shortcodes, an
    /// article not read from a file; or when a card's digest is not taken.
    fn article_page_inputs(&self, i: usize, template: &str) -> Option<u64> {
        let site = &*self.site;
        let article = &site.articles[i];
        let source = &article.doc.source;
        if article.live.is_some()
            || article.series.is_some()
            || !article.shortcodes.is_empty()
            || source.file_hash == 0
        {
            return None;
        }
        let card = |i: usize| self.shared.cards.get(i)?.digest.get().copied();
        let shared = self.shared_digests();
        // Each part with its length, so that no two run together; hashed
        // at the end in one go (a streaming hash fed 20 small parts costs
        // more than the parts).
        let mut bytes = Vec::with_capacity(512);
        let mut put = |part: &[u8]| {
            bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
            bytes.extend_from_slice(part);
        };
        put(b"article page, 1");
        put(&shared.templates.to_le_bytes());
        put(template.as_bytes());
        put(&source.file_hash.to_le_bytes());
        put(source.content_path.as_bytes());
        put(article.path.as_bytes());
        put(article.url.as_bytes());
        put(&self.body_digests.get(i)?.to_le_bytes());
        put(&card(i)?.to_le_bytes());
        put(&article.related.len().to_le_bytes());
        for &related in &article.related {
            put(&card(related)?.to_le_bytes());
        }
        let category = article.category.map(|c| &site.categories[c]);
        let tags = article.tags.iter().map(|&t| &site.tags[t]);
        put(&article.tags.len().to_le_bytes());
        for term in category.into_iter().chain(tags) {
            for part in [&term.name, &term.label, &term.slug, &term.url] {
                put(part.as_bytes());
            }
        }
        put(&article.bylines.len().to_le_bytes());
        for byline in &article.bylines {
            put(byline.name.as_bytes());
            match byline.author {
                None => put(b"no profile"),
                Some(a) => {
                    let profile = &site.authors.get(a)?.doc.source;
                    let seen = (*shared.authors.get(a)?)?;
                    put(&profile.file_hash.to_le_bytes());
                    put(profile.content_path.as_bytes());
                    put(&seen.to_le_bytes());
                }
            }
        }
        Some(xxhash_rust::xxh3::xxh3_64(&bytes))
    }

    fn shared_digests(&self) -> &SharedDigests {
        self.shared_digests
            .get_or_init(|| self.take_shared_digests())
    }

    /// The digest of what every page shares, for each template: every
    /// template's text, and what the template can read of `site` and
    /// `data`.
    fn take_shared_digests(&self) -> SharedDigests {
        #[derive(Serialize)]
        struct Shared<'s> {
            site: &'s context::SiteVars,
            data: &'s serde_json::Map<String, Value>,
        }
        let shared = Shared {
            site: &self.shared.site,
            data: &self.site.data.tree,
        };
        let texts = self.templates.digest();
        let per_template = (self.templates.names())
            .map(|name| {
                let reads = self.templates.reads(name);
                let context = digest::digest(&shared, reads, digest::Purpose::Page).ok();
                (name.to_string(), context.map(|c| c ^ texts.rotate_left(1)))
            })
            .collect();
        let authors = (self.shared.authors.iter())
            .map(|vars| digest::digest(vars, &EVERY_FIELD, digest::Purpose::Page).ok())
            .collect();
        SharedDigests {
            per_template,
            templates: texts,
            authors,
        }
    }

    /// Takes the digest (of every field but its HTML) of each card in
    /// `only` (of every card with None) that has none yet: a page's digest
    /// takes those of the cards it shows.
    pub(crate) fn digest_cards(&self, only: Option<&BTreeSet<usize>>) {
        (self.shared.cards.par_iter().enumerate())
            .filter(|(i, _)| only.is_none_or(|only| only.contains(i)))
            .map(|(_, card)| card)
            .filter(|card| card.digest.get().is_none())
            .for_each(|card| {
                if let Ok(d) = digest::digest(&**card, &EVERY_FIELD, digest::Purpose::Card) {
                    let _ = card.digest.set(d);
                }
            });
    }

    /// The template a job renders with; None for a file made without one
    /// (feeds, sitemaps, the search index, robots.txt).
    pub(crate) fn template_name(&self, job: Job) -> Option<Cow<'_, str>> {
        fn chosen<'n>(named: &'n Option<String>, default: &'static str) -> Cow<'n, str> {
            match named {
                Some(name) => Cow::Borrowed(name.as_str()),
                None => Cow::Borrowed(default),
            }
        }
        let site = &*self.site;
        Some(match job {
            Job::Article(i) => chosen(&site.articles[i].doc.meta.template, "article.html"),
            Job::Page(i) => chosen(&site.pages[i].doc.meta.template, "page.html"),
            Job::Alias { .. } | Job::PageAlias { .. } => Cow::Borrowed("alias.html"),
            Job::Front(_) => Cow::Borrowed("index.html"),
            Job::Author { .. } => Cow::Borrowed("author.html"),
            Job::AuthorIndex => Cow::Borrowed("authors.html"),
            Job::Term { .. } => Cow::Borrowed("term.html"),
            Job::TermIndex(_) => Cow::Borrowed("terms.html"),
            Job::Year(_) | Job::Month { .. } => Cow::Borrowed("archive.html"),
            Job::Search => Cow::Borrowed("search.html"),
            Job::NotFound => Cow::Borrowed("404.html"),
            Job::Theme(file) | Job::FingerprintedTheme(file) => Cow::Borrowed(file.template()),
            Job::Favicon => Cow::Borrowed("favicon.svg"),
            Job::AuthorFeed(_)
            | Job::TermFeed { .. }
            | Job::SearchIndex
            | Job::SearchPart(_)
            | Job::Rss
            | Job::Atom
            | Job::JsonFeed
            | Job::Sitemap
            | Job::SitemapPart(_)
            | Job::NewsSitemap
            | Job::Redirects
            | Job::NginxRedirects
            | Job::Headers
            | Job::Robots => return None,
        })
    }

    /// A page made with a template: every one names its template here.
    fn with_template(&self, job: Job, ctx: &dyn ErasedContext) -> Result<Output<'_>, RenderError> {
        let name = self.template_name(job).unwrap_or_default();
        let value = ctx
            .to_value(self.templates.reads(&name))
            .map_err(|message| RenderError {
                template: name.to_string(),
                message,
            })?;
        Ok(Output::Template(name, value))
    }

    /// `html` with the HTML of each of its shortcode `calls`, for the
    /// page at `page_path` or (with `feed`) for feeds.
    fn with_shortcodes(
        &self,
        html: String,
        calls: &[crate::shortcode::Call],
        page: shortcodes::PageRef<'_>,
        feed: bool,
        worker: &mut Worker,
    ) -> Result<String, RenderError> {
        if calls.is_empty() {
            return Ok(html);
        }
        let templates = &self.templates;
        shortcodes::expand(&self.site, &html, calls, page, feed, &mut |name, value| {
            let bytes = templates.render(name, value, &mut worker.context)?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        })
    }

    /// What `job` becomes: for a render (`purpose`), its template and
    /// context or its bytes; for a digest, the digest of that context.
    fn prepare(
        &self,
        job: Job,
        site_path: &str,
        worker: &mut Worker,
        purpose: digest::Purpose,
    ) -> Result<Output<'_>, RenderError> {
        let site = &*self.site;
        let shared = &self.shared;
        let shown = lists::shown(site, job);
        let shown = shown.list();
        let fail = |message: String| RenderError {
            template: site_path.to_string(),
            message,
        };
        let for_digest = purpose != digest::Purpose::Render;
        let reads = || {
            self.templates
                .reads(&self.template_name(job).unwrap_or_default())
        };
        let template = |ctx: &dyn ErasedContext| match for_digest {
            true => (ctx.digest(reads())).map(Output::Digest).map_err(fail),
            false => self.with_template(job, ctx),
        };
        let io = |e: std::io::Error| fail(e.to_string());
        let json_error = |e: serde_json::Error| fail(e.to_string());
        let base = || shared.base(site, site_path);
        match job {
            Job::Article(i) => {
                let article = &site.articles[i];
                let body = if for_digest {
                    if !article.shortcodes.is_empty() {
                        return Ok(Output::Unknown);
                    }
                    // The body stands for itself by its digest: it is
                    // neither read back nor unpacked.
                    format!("{:016x}", self.body_digests[i])
                } else {
                    let body = (self.bodies.for_page(i))
                        .map_err(|e| unread_body(article, site_path, e))?;
                    self.with_shortcodes(
                        body,
                        &article.shortcodes,
                        article_ref(article),
                        false,
                        worker,
                    )?
                };
                // `shown` lists the article, its related ones, the parts
                // of its series box, then the ones its `readmore` cards
                // show.
                let related_end = 1 + article.related.len();
                let related = &shown[1..related_end];
                let series_len = article
                    .series
                    .map_or(0, |_| lists::series_box(site, i).len());
                let series = &shown[related_end..related_end + series_len];
                template(&shared.article_page(site, i, related, series, body))
            }
            Job::Alias { article, .. } => {
                let a = &site.articles[article];
                template(&context::AliasPage {
                    base: shared.base(site, &a.path).titled(a.doc.meta.title.as_str()),
                    target_url: &a.url,
                })
            }
            Job::PageAlias { page, .. } => {
                let p = &site.pages[page];
                template(&context::AliasPage {
                    base: shared.base(site, &p.path).titled(p.doc.meta.title.as_str()),
                    target_url: &p.url,
                })
            }
            Job::Page(i) => {
                let page = &site.pages[i];
                let html = page.rendered.html.clone();
                let calls = &page.rendered.shortcodes;
                if for_digest && !calls.is_empty() {
                    return Ok(Output::Unknown);
                }
                let page_ref = shortcodes::PageRef {
                    title: &page.doc.meta.title,
                    url: &page.url,
                };
                let content = self.with_shortcodes(html, calls, page_ref, false, worker)?;
                template(&shared.page_page(site, i, content))
            }
            Job::Front(n) => {
                template(&shared.list_page(site, paths::FRONT, site.articles.len(), shown, n, None))
            }
            Job::Author { author, page } => {
                template(&shared.author_page(site, author, page, shown))
            }
            Job::AuthorFeed(i) => {
                let a = &site.authors[i];
                let feed = self.list_feed(a.doc.meta.name.clone(), &a.path, shown, worker)?;
                Ok(Output::Bytes(feeds::rss::render(site, &feed).map_err(io)?))
            }
            Job::AuthorIndex => template(&context::AuthorsPage {
                base: base().titled("Authors"),
                authors: &shared.authors,
            }),
            Job::Term { kind, term, page } => {
                template(&shared.term_page(site, kind, &site.terms(kind)[term], page, shown))
            }
            Job::TermFeed { kind, term } => {
                let term = &site.terms(kind)[term];
                let feed = self.list_feed(term.name.clone(), &term.path, shown, worker)?;
                Ok(Output::Bytes(feeds::rss::render(site, &feed).map_err(io)?))
            }
            Job::TermIndex(kind) => template(&context::TermsPage {
                base: base().titled(match kind {
                    TermKind::Category => "Sections",
                    TermKind::Tag => "Topics",
                    TermKind::Series => "Series",
                }),
                kind: kind.name(),
                terms: site
                    .terms(kind)
                    .iter()
                    .map(context::TermVars::full)
                    .collect(),
            }),
            Job::Year(y) => template(&shared.year_page(site, y)),
            Job::Month { year, month } => template(&shared.month_page(site, year, month, shown)),
            Job::Search => template(&base().titled("Search")),
            Job::SearchIndex => Ok(Output::Bytes(
                feeds::search::render_whole(site).map_err(json_error)?,
            )),
            Job::SearchPart(n) => match self.search() {
                Ok(files) => Ok(Output::Bytes(
                    files.get(n).map(|f| f.bytes.clone()).unwrap_or_default(),
                )),
                Err(message) => Err(fail(message.clone())),
            },
            Job::NotFound => template(&context::NotFoundPage {
                base: base().titled("Page not found"),
                latest: shown.iter().map(|&i| &*shared.cards[i]).collect(),
            }),
            Job::Favicon => template(&base()),
            Job::Theme(file) | Job::FingerprintedTheme(file) => {
                let bytes = self.theme.get(file).map(|(b, _)| b.to_vec());
                Ok(Output::Bytes(bytes.unwrap_or_default()))
            }
            Job::Rss => Ok(Output::Bytes(
                feeds::rss::render(site, &self.site_feed(paths::RSS, shown, worker)?)
                    .map_err(io)?,
            )),
            Job::Atom => Ok(Output::Bytes(
                feeds::atom::render(site, &self.site_feed(paths::ATOM, shown, worker)?)
                    .map_err(io)?,
            )),
            Job::JsonFeed => Ok(Output::Bytes(
                feeds::json_feed::render(site, &self.site_feed(paths::JSON_FEED, shown, worker)?)
                    .map_err(json_error)?,
            )),
            Job::Sitemap => {
                let per_file = sitemap::URLS_PER_SITEMAP;
                let parts = sitemap::part_count(self.sitemap().len(), per_file);
                let bytes = if parts == 1 {
                    sitemap::urlset(self.sitemap())
                } else {
                    let index: Vec<_> = (1..=parts)
                        .map(|n| {
                            let part = sitemap::part(self.sitemap(), n, per_file);
                            let newest = part.iter().filter_map(|e| e.lastmod).max();
                            (site.config.url(&paths::sitemap_part(n)), newest)
                        })
                        .collect();
                    sitemap::index(&index)
                };
                Ok(Output::Bytes(bytes.map_err(io)?))
            }
            Job::SitemapPart(n) => {
                let part = sitemap::part(self.sitemap(), n, sitemap::URLS_PER_SITEMAP);
                Ok(Output::Bytes(sitemap::urlset(part).map_err(io)?))
            }
            Job::NewsSitemap => Ok(Output::Bytes(
                sitemap::news(site, &sitemap::news_articles(site)).map_err(io)?,
            )),
            Job::Robots => Ok(Output::Bytes(sitemap::robots(site))),
            Job::Redirects => Ok(Output::Bytes(hosting::netlify_redirects(
                &hosting::redirects(site),
            ))),
            Job::NginxRedirects => Ok(Output::Bytes(hosting::nginx_map(&hosting::redirects(site)))),
            Job::Headers => {
                let theme_files = ThemeFile::ALL.map(ThemeFile::path);
                Ok(Output::Bytes(hosting::headers(
                    site.host_files,
                    &theme_files,
                )))
            }
        }
    }

    /// An error about `job`'s place in the site at its content file, on
    /// the line of the key that gives the place (`aliases` for an alias),
    /// if the job has a content file.
    pub(crate) fn diagnose_at_source(&self, job: Job, message: String) -> Option<Diagnostic> {
        let source = self.source_file(job)?;
        Some(match job {
            Job::Alias { .. } | Job::PageAlias { .. } => source.error_at_key("aliases", message),
            _ => Diagnostic::error(&source.display, message).at(&source.text, 1, 1),
        })
    }

    /// The content file a job renders, for error messages.
    pub(crate) fn source_of(&self, job: Job) -> Option<PathBuf> {
        self.source_file(job).map(|source| source.display.clone())
    }

    /// The content file a job renders, if it renders one.
    fn source_file(&self, job: Job) -> Option<&crate::content::SourceFile> {
        let site = &*self.site;
        match job {
            Job::Article(i) | Job::Alias { article: i, .. } => Some(&site.articles[i].doc.source),
            Job::Page(i) | Job::PageAlias { page: i, .. } => Some(&site.pages[i].doc.source),
            Job::Author { author: i, .. } => Some(&site.authors[i].doc.source),
            _ => None,
        }
    }
}

/// The error of a body that cannot be read back from the spill file
/// (see `crate::packed`) while rendering the file at `site_path`: a disk
/// fault, never the site's content.
fn unread_body(article: &crate::site::Article, site_path: &str, e: std::io::Error) -> RenderError {
    RenderError {
        template: site_path.to_string(),
        message: format!(
            "cannot read the body of {} back from the build's file in the cache folder ({e}): build again",
            article.doc.source.display.display()
        ),
    }
}

/// An article as its shortcodes see it.
fn article_ref(article: &crate::site::Article) -> shortcodes::PageRef<'_> {
    shortcodes::PageRef {
        title: &article.doc.meta.title,
        url: &article.url,
    }
}

/// See [`crate::testing::make_whole_contexts`].
pub(crate) fn make_whole_contexts(whole: bool) {
    pruned::MAKE_WHOLE.store(whole, std::sync::atomic::Ordering::Relaxed);
}

/// Checks what the content asks of the templates: every `template` named
/// in front matter exists, and every shortcode call is a good one.
pub(crate) fn check_against_templates(site: &Site, templates: &Templates) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let named = site
        .articles
        .iter()
        .map(|a| (&a.doc.source, a.doc.meta.template.as_deref()))
        .chain(
            site.pages
                .iter()
                .map(|p| (&p.doc.source, p.doc.meta.template.as_deref())),
        );
    for (source, template) in named {
        if let Some(name) = template
            && !templates.has(name)
        {
            errors.push(source.error_at_key(
                "template",
                format!("no template `{name}` in templates/ or among the built-in ones"),
            ));
        }
    }
    errors.extend(shortcodes::check(site, templates));
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::content::content_from_texts;
    use crate::site::{Modelled, Selection};
    use chrono::{TimeZone, Utc};
    use std::path::Path;

    /// A page made with a template has a digest, unless its body calls a
    /// shortcode: one that could not be taken would render the page in
    /// every build after a new article.
    #[test]
    fn every_page_made_with_a_template_has_a_digest() {
        let renderer = renderer();
        renderer.digest_cards(None);
        let mut worker = renderer.worker();
        let mut pages = 0;
        for job in renderer.jobs() {
            let templated = renderer.template_name(job).is_some()
                && !matches!(job, Job::Theme(_) | Job::FingerprintedTheme(_));
            let digest = renderer.digest(job, &mut worker, None);
            assert_eq!(digest.is_some(), templated, "{job:?}");
            pages += usize::from(templated);
        }
        assert!(pages > 10, "{pages}");
        // Each page's digest is its own.
        let article = |i| renderer.digest(Job::Article(i), &mut renderer.worker(), None);
        assert_ne!(article(0), article(1));
        assert_eq!(article(0), article(0));
    }

    /// An article page's context is digested again only when what it is
    /// made from changed: the last build's digest of it is taken when the
    /// page's inputs are the same, and never when they are not.
    #[test]
    fn an_article_page_takes_the_last_digest_of_its_context_only_when_made_from_the_same() {
        let renderer = renderer_with(&[], true);
        renderer.digest_cards(None);
        let mut worker = renderer.worker();
        let a = (0..5).find(|&i| title_of(&renderer, i) == "A").unwrap();
        let fresh = renderer.digest(Job::Article(a), &mut worker, None).unwrap();
        let (inputs, page) = fresh
            .made_from
            .expect("a plain article's page has its inputs");
        assert_eq!(
            renderer.digest(Job::Article(a), &mut worker, Some(&fresh)),
            Some(fresh)
        );
        // The last build's word is taken for the same inputs (here shown
        // by a context digest no render could give)...
        let told = PageDigest {
            digest: 0,
            made_from: Some((inputs, page ^ 1)),
        };
        let taken = renderer.digest(Job::Article(a), &mut worker, Some(&told));
        assert_eq!(taken.unwrap().made_from, Some((inputs, page ^ 1)));
        // ...and not for others.
        let other = PageDigest {
            digest: 0,
            made_from: Some((inputs ^ 1, page ^ 1)),
        };
        assert_eq!(
            renderer.digest(Job::Article(a), &mut worker, Some(&other)),
            Some(fresh)
        );
        // Without file hashes (a site not read from disk) there are no
        // inputs to vouch for a page.
        let unhashed = renderer_with(&[], false);
        unhashed.digest_cards(None);
        let page = unhashed.digest(Job::Article(a), &mut unhashed.worker(), None);
        assert_eq!(page.unwrap().made_from, None);
    }

    /// What an article's page shows of other files moves its inputs: a
    /// related story's headline (A and B share a tag), its own front
    /// matter, its body; a story it does not show does not.
    #[test]
    fn an_article_page_inputs_follow_what_the_page_shows() {
        let inputs_of_a = |changed: &[(&str, &str)]| {
            let renderer = renderer_with(changed, true);
            renderer.digest_cards(None);
            let a = (0..renderer.site().articles.len())
                .find(|&i| renderer.site().articles[i].path.contains("/a/"))
                .unwrap();
            let digest = renderer.digest(Job::Article(a), &mut renderer.worker(), None);
            digest.unwrap().made_from.unwrap()
        };
        let (before, page) = inputs_of_a(&[]);
        let b = "+++\ntitle = \"B, retitled\"\ndate = 2021-03-21\ntags = [\"port\"]\n+++\n\nThe body of *B*.\n";
        let a_dateline = "+++\ntitle = \"A\"\ndate = 2021-03-20\ntags = [\"port\"]\ndateline = \"HONG KONG\"\n+++\n\nThe body of *A*.\n";
        let a_body =
            "+++\ntitle = \"A\"\ndate = 2021-03-20\ntags = [\"port\"]\n+++\n\nAnother body.\n";
        let c = "+++\ntitle = \"C, retitled\"\ndate = 2021-03-22\n+++\n\nThe body of *C*.\n";
        for (name, text) in [("b", b), ("a", a_dateline), ("a", a_body)] {
            let path = format!("content/articles/{name}.md");
            let (after, _) = inputs_of_a(&[(&path, text)]);
            assert_ne!(after, before, "{name}: {text}");
        }
        assert_eq!(inputs_of_a(&[("content/articles/c.md", c)]), (before, page));
    }

    /// What a new article changes on every page (each section's count,
    /// each author's) is printed by no built-in template but those of the
    /// pages that list them: their digests leave it out, so a new article
    /// keeps the pages that do not show it.
    #[test]
    fn the_built_in_pages_read_no_count_every_page_has() {
        let templates = Templates::load(Path::new("/no/site/here")).unwrap();
        let counts = |name: &str| {
            let reads = templates.reads(name);
            let section_count = (reads.field("site"))
                .and_then(|site| site.field("sections"))
                .and_then(|sections| sections.item())
                .and_then(|section| section.field("count"));
            let author_count = (reads.field("authors"))
                .and_then(|authors| authors.item())
                .and_then(|author| author.field("article_count"));
            (section_count.is_some(), author_count.is_some())
        };
        for name in [
            "article.html",
            "index.html",
            "term.html",
            "page.html",
            "404.html",
        ] {
            assert_eq!(counts(name), (false, false), "{name}");
        }
        assert_eq!(counts("authors.html"), (false, true));
        // What a page prints is read: the article's title, a card's HTML.
        let article = templates.reads("article.html").field("article").unwrap();
        assert!(article.field("title").is_some());
        let list = templates.reads("index.html");
        let card = list.field("articles").and_then(|a| a.item()).unwrap();
        assert!(card.field("card_html").is_some());
        assert!(card.field("summary_text").is_none(), "{card:?}");
    }

    /// Five articles (newest first: e, d, c, b, a), two per page, feeds of
    /// three; `a` and `b` share a tag, so each is related to the other.
    fn renderer() -> Renderer {
        renderer_with(&[], false)
    }

    /// The renderer of the test desk, with `changed` texts in place of
    /// its own (by path) and, with `hashed`, each file's hash set as a
    /// build that read it from disk sets it.
    fn renderer_with(changed: &[(&str, &str)], hashed: bool) -> Renderer {
        let config = Config::parse(
            "title = \"Desk\"\nbase_url = \"https://news.example.com\"\nper_page = 2\n[feed]\nlimit = 3\n",
            Path::new("site.toml"),
        )
        .unwrap();
        let article = |title: &str, day: u32, extra: &str| {
            format!(
                "+++\ntitle = \"{title}\"\ndate = 2021-03-{day:02}\n{extra}+++\n\nThe body of *{title}*.\n"
            )
        };
        let texts = [
            (
                "content/articles/a.md",
                article("A", 20, "tags = [\"port\"]\n"),
            ),
            (
                "content/articles/b.md",
                article("B", 21, "tags = [\"port\"]\n"),
            ),
            ("content/articles/c.md", article("C", 22, "")),
            ("content/articles/d.md", article("D", 23, "")),
            ("content/articles/e.md", article("E", 24, "")),
        ];
        let mut files: Vec<(&str, &str)> = texts.iter().map(|(p, t)| (*p, t.as_str())).collect();
        for (path, text) in changed {
            match files.iter_mut().find(|(p, _)| p == path) {
                Some(file) => file.1 = text,
                None => files.push((path, text)),
            }
        }
        let mut content = content_from_texts(&files, &config);
        if hashed {
            for parsed in &mut content.articles {
                let source = &mut parsed.doc.source;
                let (_, text) = (files.iter())
                    .find(|(path, _)| source.relative == Path::new(path))
                    .expect("each article is one of the texts");
                source.file_hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
            }
        }
        let selection = Selection {
            drafts: false,
            future: false,
            now: Utc.with_ymd_and_hms(2021, 4, 1, 0, 0, 0).unwrap(),
        };
        let mut diagnostics = Vec::new();
        let Modelled { site, bodies } = Site::build(
            config,
            content,
            selection,
            None,
            None,
            None,
            &mut diagnostics,
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let templates = Templates::load(Path::new("/nonexistent-gazette-site")).unwrap();
        Renderer::new(Arc::new(site), Arc::new(templates), bodies).unwrap()
    }

    fn title_of(renderer: &Renderer, i: usize) -> &str {
        &renderer.site().articles[i].doc.meta.title
    }

    fn render(renderer: &Renderer, job: Job) -> String {
        let mut worker = renderer.worker();
        renderer.render(job, &mut worker).unwrap();
        String::from_utf8(worker.buffer).unwrap()
    }

    #[test]
    fn each_file_shows_the_articles_its_list_cuts_out() {
        let r = renderer();
        let site = r.site();
        let titles = |job| -> Vec<&str> {
            (shown(site, job).list().iter())
                .map(|&i| title_of(&r, i))
                .collect()
        };
        assert_eq!(titles(Job::Front(1)), ["E", "D"]);
        assert_eq!(titles(Job::Front(3)), ["A"]);
        assert_eq!(titles(Job::Rss), ["E", "D", "C"]);
        assert_eq!(titles(Job::NotFound), ["E", "D", "C", "B", "A"]);
        let b = (0..5).find(|&i| title_of(&r, i) == "B").unwrap();
        assert_eq!(titles(Job::Article(b)), ["B", "A"], "itself, then related");
        assert!(shown(site, Job::Sitemap).includes(b));
        assert!(!shown(site, Job::Search).includes(b));
    }

    #[test]
    fn pages_render_what_their_lists_show_with_links_between_them() {
        let r = renderer();
        let second = render(&r, Job::Front(2));
        assert!(
            second.contains(">C</a>") && second.contains(">B</a>"),
            "{second}"
        );
        assert!(!second.contains(">E</a>"), "{second}");
        assert!(
            second.contains("href=\"https://news.example.com/\""),
            "{second}"
        );
        assert!(
            second.contains("href=\"https://news.example.com/page/3/\""),
            "{second}"
        );

        let b = (0..5).find(|&i| title_of(&r, i) == "B").unwrap();
        let page = render(&r, Job::Article(b));
        assert!(page.contains("The body of <em>B</em>."), "{page}");
        assert!(page.contains("\"headline\":\"B\""), "JSON-LD: {page}");
        assert!(
            page.contains(">A</a>"),
            "the related article's card: {page}"
        );

        let feed = render(&r, Job::Rss);
        let doc = roxmltree::Document::parse(&feed).unwrap();
        let items: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("item"))
            .collect();
        assert_eq!(items.len(), 3);
    }
}
