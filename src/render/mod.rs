//! Rendering: the site model → the bytes of each output file.
//!
//! Tera templates are loaded in one place ([`Templates::load`]); every
//! renderer returns bytes and the build writes them, so nothing here touches
//! the file system once templates are loaded.

mod context;
mod guard;
mod lists;
mod templates;

pub use templates::Templates;
pub(crate) use templates::escape_html;

use crate::diagnostics::Diagnostic;
use crate::feeds;
use crate::feeds::{Feed, sitemap};
use crate::paths::file_for_site_path;
use crate::site::{Site, Term};
use context::Shared;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use crate::paths;
pub use crate::paths::TermKind;

/// The card every list shows an article with, rendered once per article.
const CARD_TEMPLATE: &str = "partials/card.html";

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
    SearchIndex,
    NotFound,
    Stylesheet,
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
/// renders (borrowed, never cloned per page).
pub struct Renderer<'a> {
    site: &'a Site,
    templates: &'a Templates,
    shared: Shared,
    /// Made when first needed: a site served after a save may never be
    /// asked for its sitemap.
    sitemap: OnceLock<Vec<sitemap::Entry>>,
    /// Each article's body HTML. An article that no feed shows gives its
    /// body to its page and keeps none: a large archive would otherwise
    /// hold every article's HTML until the last page is written. Shared,
    /// so a renderer made after a save takes the unchanged bodies from
    /// the one before without copying them.
    bodies: Vec<Mutex<Option<Arc<String>>>>,
    /// Whether any feed shows the article (so its body must stay).
    in_feed: Vec<bool>,
}

/// What a job becomes: a template with its context, or finished bytes.
enum Output<'n> {
    /// A built-in template name, or the one front matter names.
    Template(Cow<'n, str>, Value),
    Bytes(Vec<u8>),
}

impl<'a> Renderer<'a> {
    /// Prepares the shared contexts, and renders each article's card
    /// (`partials/card.html`) once: lists show the same card on many pages.
    /// `bodies` are the articles' body HTML, from [`Site::take_article_bodies`].
    pub fn new(
        site: &'a Site,
        templates: &'a Templates,
        bodies: Vec<String>,
    ) -> Result<Renderer<'a>, RenderError> {
        let limit = site.config.feed_limit;
        let mut in_feed = vec![false; site.articles.len()];
        let feed_lists = site
            .categories
            .iter()
            .chain(&site.tags)
            .map(|t| &t.articles)
            .chain(site.authors.iter().map(|a| &a.articles));
        for list in feed_lists {
            for &i in lists::feed_of(list, limit) {
                in_feed[i] = true;
            }
        }
        for i in lists::feed_bounds(site.articles.len(), limit) {
            in_feed[i] = true;
        }
        let bodies = bodies
            .into_iter()
            .map(|b| Mutex::new(Some(Arc::new(b))))
            .collect();
        Renderer::with_cards_rendered(site, templates, bodies, in_feed)
    }

    /// The renderer of `site` with new `templates`, for `gazette serve`
    /// after the templates `changed` were saved: the bodies are taken from
    /// `previous`, which renders the same site, and so are the cards unless
    /// the card template reaches a changed one.
    pub(crate) fn with_templates_replaced(
        site: &'a Site,
        templates: &'a Templates,
        previous: &Renderer,
        changed: &BTreeSet<String>,
    ) -> Result<Renderer<'a>, RenderError> {
        let bodies = previous.shared_bodies();
        let in_feed = previous.in_feed.clone();
        if templates.reaches(CARD_TEMPLATE, changed) {
            return Renderer::with_cards_rendered(site, templates, bodies, in_feed);
        }
        Ok(Renderer {
            shared: Shared::with_cards(site, previous.shared.cards.clone()),
            sitemap: OnceLock::new(),
            site,
            templates,
            bodies,
            in_feed,
        })
    }

    /// The bodies, shared with a renderer made from this one.
    fn shared_bodies(&self) -> Vec<Mutex<Option<Arc<String>>>> {
        self.bodies
            .iter()
            .map(|b| Mutex::new(b.lock().unwrap_or_else(|e| e.into_inner()).clone()))
            .collect()
    }

    fn with_cards_rendered(
        site: &'a Site,
        templates: &'a Templates,
        bodies: Vec<Mutex<Option<Arc<String>>>>,
        in_feed: Vec<bool>,
    ) -> Result<Renderer<'a>, RenderError> {
        let mut renderer = Renderer {
            shared: Shared::new(site),
            sitemap: OnceLock::new(),
            site,
            templates,
            bodies,
            in_feed,
        };
        let cards: Vec<String> = renderer
            .shared
            .cards
            .par_iter()
            .map_init(
                || renderer.worker(),
                |worker, card| renderer.card_html(card, worker),
            )
            .collect::<Result<_, RenderError>>()?;
        for (card, html) in renderer.shared.cards.iter_mut().zip(cards) {
            Arc::make_mut(card)["card_html"] = Value::String(html);
        }
        Ok(renderer)
    }

    /// The renderer of `site`, made by [`Site::with_article_replaced`] from
    /// the site `previous` renders: everything is taken from `previous` but
    /// the card and body of article `i`, the one that changed.
    pub(crate) fn with_article_replaced(
        site: &'a Site,
        templates: &'a Templates,
        previous: &Renderer,
        i: usize,
        body: String,
    ) -> Result<Renderer<'a>, RenderError> {
        let mut renderer = Renderer {
            shared: Shared::with_card_replaced(site, &previous.shared, i),
            sitemap: OnceLock::new(),
            site,
            templates,
            bodies: previous.shared_bodies(),
            in_feed: previous.in_feed.clone(),
        };
        *renderer.bodies[i]
            .get_mut()
            .unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(body));
        let mut worker = renderer.worker();
        let html = renderer.card_html(&renderer.shared.cards[i], &mut worker)?;
        Arc::make_mut(&mut renderer.shared.cards[i])["card_html"] = Value::String(html);
        Ok(renderer)
    }

    /// An article's card (`partials/card.html`), rendered once per build:
    /// lists show the same card on many pages.
    fn card_html(&self, card: &Value, worker: &mut Worker) -> Result<String, RenderError> {
        let bytes = self.templates.render(
            CARD_TEMPLATE,
            json!({ "article": card }),
            &mut worker.context,
        )?;
        let mut html = String::from_utf8_lossy(&bytes).into_owned();
        html.shrink_to_fit();
        Ok(html)
    }

    fn sitemap(&self) -> &[sitemap::Entry] {
        self.sitemap.get_or_init(|| sitemap::entries(self.site))
    }

    /// Every file of the site, in a stable order.
    pub(crate) fn jobs(&self) -> Vec<Job> {
        let site = self.site;
        let per_page = site.config.per_page;
        let pages_of = |n: usize| lists::page_count(n, per_page);
        let mut jobs: Vec<Job> = (0..site.articles.len()).map(Job::Article).collect();
        for (i, a) in site.articles.iter().enumerate() {
            jobs.extend((0..a.doc.meta.aliases.len()).map(|n| Job::Alias {
                article: i,
                alias: n,
            }));
        }
        jobs.extend((0..site.pages.len()).map(Job::Page));
        jobs.extend((1..=pages_of(site.articles.len())).map(Job::Front));
        for (i, a) in site.authors.iter().enumerate() {
            jobs.extend(
                (1..=pages_of(a.articles.len())).map(|p| Job::Author { author: i, page: p }),
            );
            jobs.push(Job::AuthorFeed(i));
        }
        if !site.authors.is_empty() {
            jobs.push(Job::AuthorIndex);
        }
        for kind in [TermKind::Category, TermKind::Tag] {
            let terms = self.terms(kind);
            for (i, t) in terms.iter().enumerate() {
                jobs.extend((1..=pages_of(t.articles.len())).map(|p| Job::Term {
                    kind,
                    term: i,
                    page: p,
                }));
                jobs.push(Job::TermFeed { kind, term: i });
            }
            // Written even when empty: every page's footer links to both.
            jobs.push(Job::TermIndex(kind));
        }
        for (y, year) in site.archives.iter().enumerate() {
            jobs.push(Job::Year(y));
            jobs.extend((0..year.months.len()).map(|m| Job::Month { year: y, month: m }));
        }
        jobs.extend([
            Job::Search,
            Job::SearchIndex,
            Job::NotFound,
            Job::Stylesheet,
            Job::Rss,
            Job::Atom,
            Job::JsonFeed,
            Job::Sitemap,
            Job::NewsSitemap,
            Job::Robots,
        ]);
        let parts = sitemap::part_count(self.sitemap().len(), sitemap::URLS_PER_SITEMAP);
        if parts > 1 {
            jobs.extend((1..=parts).map(Job::SitemapPart));
        }
        jobs
    }

    fn terms(&self, kind: TermKind) -> &'a [Term] {
        match kind {
            TermKind::Category => &self.site.categories,
            TermKind::Tag => &self.site.tags,
        }
    }

    /// The site-wide feed: the newest articles.
    fn site_feed(&self) -> Feed<'a> {
        let site = self.site;
        let newest: Vec<usize> =
            lists::feed_bounds(site.articles.len(), site.config.feed_limit).collect();
        self.feed(
            site.config.title.clone(),
            site.config.description.clone(),
            paths::FRONT,
            paths::RSS.into(),
            &newest,
        )
    }

    fn list_feed(&self, title: String, page_path: &str, articles: &[usize]) -> Feed<'a> {
        let site = self.site;
        self.feed(
            format!("{title} | {}", site.config.title),
            format!("{title}: the latest from {}", site.config.title),
            page_path,
            paths::list_feed(page_path),
            lists::feed_of(articles, site.config.feed_limit),
        )
    }

    fn feed(
        &self,
        title: String,
        description: String,
        page_path: &str,
        self_path: String,
        articles: &[usize],
    ) -> Feed<'a> {
        let site = self.site;
        Feed {
            title,
            description,
            page_path: page_path.to_string(),
            self_path,
            articles: articles.iter().map(|&i| &*site.articles[i]).collect(),
            contents: articles.iter().map(|&i| self.feed_content(i)).collect(),
        }
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

    /// Keeps every article's body for as long as the renderer lives, so any
    /// page can be rendered again: for `gazette serve`, which renders pages
    /// when they are asked for.
    pub(crate) fn keep_all_bodies(&mut self) {
        self.in_feed.iter_mut().for_each(|f| *f = true);
    }

    /// Where a job's file goes in the output, as [`Renderer::render`] says.
    pub(crate) fn output_path(&self, job: Job) -> Result<PathBuf, RenderError> {
        let site_path = self.site_path(job);
        file_for_site_path(&site_path).map_err(|message| RenderError {
            template: site_path,
            message,
        })
    }

    /// An article's full content as feeds show it: with absolute URLs.
    fn feed_content(&self, i: usize) -> String {
        if let Some(absolute) = &self.site.articles[i].rendered.feed_html {
            return absolute.clone();
        }
        let body = self.bodies[i].lock().unwrap_or_else(|e| e.into_inner());
        // Every article a feed shows keeps its body (see `in_feed`).
        body.as_deref().cloned().unwrap_or_default()
    }

    /// An article's body for its page: handed over whole when no feed
    /// needs it any more, copied otherwise.
    fn page_body(&self, i: usize) -> String {
        let mut body = self.bodies[i].lock().unwrap_or_else(|e| e.into_inner());
        if self.in_feed[i] {
            body.as_deref().cloned().unwrap_or_default()
        } else {
            body.take()
                .map(|b| Arc::try_unwrap(b).unwrap_or_else(|shared| (*shared).clone()))
                .unwrap_or_default()
        }
    }

    /// The site path a job writes.
    fn site_path(&self, job: Job) -> String {
        let site = self.site;
        match job {
            Job::Article(i) => site.articles[i].path.clone(),
            Job::Alias { article, alias } => site.articles[article].doc.meta.aliases[alias].clone(),
            Job::Page(i) => site.pages[i].path.clone(),
            Job::Front(n) => paths::page(paths::FRONT, n),
            Job::Author { author, page } => paths::page(&site.authors[author].path, page),
            Job::AuthorFeed(i) => paths::list_feed(&site.authors[i].path),
            Job::AuthorIndex => paths::AUTHORS.into(),
            Job::Term { kind, term, page } => paths::page(&self.terms(kind)[term].path, page),
            Job::TermFeed { kind, term } => paths::list_feed(&self.terms(kind)[term].path),
            Job::TermIndex(kind) => kind.index_path().into(),
            Job::Year(y) => site.archives[y].path.clone(),
            Job::Month { year, month } => site.archives[year].months[month].path.clone(),
            Job::Search => paths::SEARCH.into(),
            Job::SearchIndex => paths::SEARCH_INDEX.into(),
            Job::NotFound => paths::NOT_FOUND.into(),
            Job::Stylesheet => paths::STYLESHEET.into(),
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
        match self.prepare(job, &site_path) {
            Ok(Output::Template(name, ctx)) => {
                self.templates
                    .render_into(&name, ctx, &mut worker.context, &mut worker.buffer)?
            }
            Ok(Output::Bytes(bytes)) => worker.buffer = bytes,
            Err(message) => {
                return Err(RenderError {
                    template: site_path,
                    message,
                });
            }
        }
        Ok(path)
    }

    /// The template a job renders with; None for a file made without one
    /// (feeds, sitemaps, the search index, robots.txt).
    pub(crate) fn template_name(&self, job: Job) -> Option<Cow<'a, str>> {
        let chosen = |named: &'a Option<String>, default: &'static str| match named {
            Some(name) => Cow::Borrowed(name.as_str()),
            None => Cow::Borrowed(default),
        };
        let site = self.site;
        Some(match job {
            Job::Article(i) => chosen(&site.articles[i].doc.meta.template, "article.html"),
            Job::Page(i) => chosen(&site.pages[i].doc.meta.template, "page.html"),
            Job::Alias { .. } => Cow::Borrowed("alias.html"),
            Job::Front(_) => Cow::Borrowed("index.html"),
            Job::Author { .. } => Cow::Borrowed("author.html"),
            Job::AuthorIndex => Cow::Borrowed("authors.html"),
            Job::Term { .. } => Cow::Borrowed("term.html"),
            Job::TermIndex(_) => Cow::Borrowed("terms.html"),
            Job::Year(_) | Job::Month { .. } => Cow::Borrowed("archive.html"),
            Job::Search => Cow::Borrowed("search.html"),
            Job::NotFound => Cow::Borrowed("404.html"),
            Job::Stylesheet => Cow::Borrowed("style.css"),
            Job::AuthorFeed(_)
            | Job::TermFeed { .. }
            | Job::SearchIndex
            | Job::Rss
            | Job::Atom
            | Job::JsonFeed
            | Job::Sitemap
            | Job::SitemapPart(_)
            | Job::NewsSitemap
            | Job::Robots => return None,
        })
    }

    /// Whether the file of `job` may differ after the templates `changed`
    /// were saved: it is rendered with one of them, or shows cards and
    /// `partials/card.html` reaches one.
    pub(crate) fn may_use_templates(&self, job: Job, changed: &BTreeSet<String>) -> bool {
        self.template_name(job).is_some_and(|name| {
            self.templates.reaches(&name, changed) || self.templates.reaches(CARD_TEMPLATE, changed)
        })
    }

    fn prepare(&self, job: Job, site_path: &str) -> Result<Output<'a>, String> {
        let site = self.site;
        let shared = &self.shared;
        // Every page made with a template names it in one place.
        let template =
            |ctx: Value| Output::Template(self.template_name(job).unwrap_or_default(), ctx);
        let io = |e: std::io::Error| e.to_string();
        let json_error = |e: serde_json::Error| e.to_string();
        Ok(match job {
            Job::Article(i) => template(shared.article_context(site, i, self.page_body(i))),
            Job::Alias { article, .. } => {
                let a = &site.articles[article];
                let mut ctx = shared.base_context(site, &a.path);
                ctx["page_title"] = json!(a.doc.meta.title);
                ctx["target_url"] = json!(a.url);
                template(ctx)
            }
            Job::Page(i) => template(shared.page_context(site, i)),
            Job::Front(n) => {
                let all: Vec<usize> = (0..site.articles.len()).collect();
                template(shared.list_context(site, "/", &all, n, None))
            }
            Job::Author { author: i, page: n } => {
                let a = &site.authors[i];
                let feed = (
                    format!("{} | {}", a.doc.meta.name, site.config.title),
                    paths::list_feed(&a.path),
                );
                let mut ctx = shared.list_context(site, &a.path, &a.articles, n, Some(feed));
                ctx["author"] = shared.authors[i].clone();
                ctx["page_title"] = json!(a.doc.meta.name);
                ctx["meta_description"] = json!(format!(
                    "Articles by {} on {}",
                    a.doc.meta.name, site.config.title
                ));
                template(ctx)
            }
            Job::AuthorFeed(i) => {
                let a = &site.authors[i];
                let feed = self.list_feed(a.doc.meta.name.clone(), &a.path, &a.articles);
                Output::Bytes(feeds::rss::render(site, &feed).map_err(io)?)
            }
            Job::AuthorIndex => {
                let mut ctx = shared.base_context(site, site_path);
                ctx["page_title"] = json!("Authors");
                ctx["authors"] = Value::Array(shared.authors.clone());
                template(ctx)
            }
            Job::Term {
                kind,
                term: i,
                page: n,
            } => {
                let term = &self.terms(kind)[i];
                let feed = (
                    format!("{} | {}", term.name, site.config.title),
                    paths::list_feed(&term.path),
                );
                let mut ctx = shared.list_context(site, &term.path, &term.articles, n, Some(feed));
                ctx["term"] = context::term_value(term);
                ctx["kind"] = json!(kind.name());
                ctx["page_title"] = json!(term.name);
                ctx["meta_description"] =
                    json!(format!("{} articles on {}", term.name, site.config.title));
                template(ctx)
            }
            Job::TermFeed { kind, term: i } => {
                let term = &self.terms(kind)[i];
                let feed = self.list_feed(term.name.clone(), &term.path, &term.articles);
                Output::Bytes(feeds::rss::render(site, &feed).map_err(io)?)
            }
            Job::TermIndex(kind) => {
                let mut ctx = shared.base_context(site, site_path);
                ctx["kind"] = json!(kind.name());
                ctx["page_title"] = json!(match kind {
                    TermKind::Category => "Sections",
                    TermKind::Tag => "Topics",
                });
                ctx["terms"] =
                    Value::Array(self.terms(kind).iter().map(context::term_value).collect());
                template(ctx)
            }
            Job::Year(y) => template(shared.year_context(site, y)),
            Job::Month { year, month } => template(shared.month_context(site, year, month)),
            Job::Search => {
                let mut ctx = shared.base_context(site, site_path);
                ctx["page_title"] = json!("Search");
                template(ctx)
            }
            Job::SearchIndex => Output::Bytes(feeds::search::render(site).map_err(json_error)?),
            Job::NotFound => {
                let mut ctx = shared.base_context(site, site_path);
                ctx["page_title"] = json!("Page not found");
                ctx["latest"] = Value::Array(
                    lists::not_found_latest(site.articles.len())
                        .map(|i| Value::clone(&shared.cards[i]))
                        .collect(),
                );
                template(ctx)
            }
            Job::Stylesheet => template(shared.base_context(site, site_path)),
            Job::Rss => Output::Bytes(feeds::rss::render(site, &self.site_feed()).map_err(io)?),
            Job::Atom => {
                let mut feed = self.site_feed();
                feed.self_path = paths::ATOM.into();
                Output::Bytes(feeds::atom::render(site, &feed).map_err(io)?)
            }
            Job::JsonFeed => {
                let mut feed = self.site_feed();
                feed.self_path = paths::JSON_FEED.into();
                Output::Bytes(feeds::json_feed::render(site, &feed).map_err(json_error)?)
            }
            Job::Sitemap => {
                let per_file = sitemap::URLS_PER_SITEMAP;
                let parts = sitemap::part_count(self.sitemap().len(), per_file);
                if parts == 1 {
                    Output::Bytes(sitemap::urlset(self.sitemap()).map_err(io)?)
                } else {
                    let index: Vec<_> = (1..=parts)
                        .map(|n| {
                            let part = sitemap::part(self.sitemap(), n, per_file);
                            let newest = part.iter().filter_map(|e| e.lastmod).max();
                            (site.config.url(&paths::sitemap_part(n)), newest)
                        })
                        .collect();
                    Output::Bytes(sitemap::index(&index).map_err(io)?)
                }
            }
            Job::SitemapPart(n) => {
                let part = sitemap::part(self.sitemap(), n, sitemap::URLS_PER_SITEMAP);
                Output::Bytes(sitemap::urlset(part).map_err(io)?)
            }
            Job::NewsSitemap => Output::Bytes(sitemap::news(site).map_err(io)?),
            Job::Robots => Output::Bytes(sitemap::robots(site)),
        })
    }

    /// Whether anything of article `i` (its card, headline, body or feed
    /// entry) may be in the file of `job`: what [`Renderer::prepare`] puts
    /// in each context, read the other way round. `gazette serve` renders
    /// again only these files after a save that changed article `i` alone
    /// (its place among the others kept, see `Site::with_article_replaced`);
    /// a test compares the result with a full build.
    pub(crate) fn may_show(&self, job: Job, i: usize) -> bool {
        let site = self.site;
        let per_page = site.config.per_page;
        let feed_limit = site.config.feed_limit;
        let on_page = |items: &[usize], n: usize| lists::page_of(items, n, per_page).contains(&i);
        let in_feed = |items: &[usize]| lists::feed_of(items, feed_limit).contains(&i);
        match job {
            Job::Article(a) => a == i || site.articles[a].related.contains(&i),
            Job::Alias { article, .. } => article == i,
            // The front page lists every article, in the site's order.
            Job::Front(n) => lists::page_bounds(site.articles.len(), n, per_page).contains(&i),
            Job::Author { author, page } => on_page(&site.authors[author].articles, page),
            Job::AuthorFeed(a) => in_feed(&site.authors[a].articles),
            Job::Term { kind, term, page } => on_page(&self.terms(kind)[term].articles, page),
            Job::TermFeed { kind, term } => in_feed(&self.terms(kind)[term].articles),
            Job::Year(y) => site.archives[y]
                .months
                .iter()
                .any(|m| m.articles.contains(&i)),
            Job::Month { year, month } => site.archives[year].months[month].articles.contains(&i),
            Job::NotFound => lists::not_found_latest(site.articles.len()).contains(&i),
            Job::Rss | Job::Atom | Job::JsonFeed => {
                lists::feed_bounds(site.articles.len(), feed_limit).contains(&i)
            }
            Job::SearchIndex | Job::Sitemap | Job::SitemapPart(_) | Job::NewsSitemap => true,
            // Pages, indexes of terms and authors (names and counts, which
            // such a change keeps), the search page, stylesheet and robots.
            Job::Page(_)
            | Job::AuthorIndex
            | Job::TermIndex(_)
            | Job::Search
            | Job::Stylesheet
            | Job::Robots => false,
        }
    }

    /// An error about `job`'s place in the site at its content file, on
    /// the line of the key that gives the place (`aliases` for an alias),
    /// if the job has a content file.
    pub(crate) fn diagnose_at_source(&self, job: Job, message: String) -> Option<Diagnostic> {
        let source = self.source_file(job)?;
        Some(match job {
            Job::Alias { .. } => source.error_at_key("aliases", message),
            _ => Diagnostic::error(&source.display, message).at(&source.text, 1, 1),
        })
    }

    /// The content file a job renders, for error messages.
    pub(crate) fn source_of(&self, job: Job) -> Option<PathBuf> {
        self.source_file(job).map(|source| source.display.clone())
    }

    /// The content file a job renders, if it renders one.
    fn source_file(&self, job: Job) -> Option<&crate::content::SourceFile> {
        let site = self.site;
        match job {
            Job::Article(i) | Job::Alias { article: i, .. } => Some(&site.articles[i].doc.source),
            Job::Page(i) => Some(&site.pages[i].doc.source),
            Job::Author { author: i, .. } => Some(&site.authors[i].doc.source),
            _ => None,
        }
    }
}

/// Checks that every `template` named in front matter exists.
pub(crate) fn check_template_names(site: &Site, templates: &Templates) -> Vec<Diagnostic> {
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
    errors
}
