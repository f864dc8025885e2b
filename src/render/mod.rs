//! Rendering: the site model → the bytes of each output file.
//!
//! Tera templates are loaded in one place ([`Templates::load`]); every
//! renderer returns bytes and the build writes them, so nothing here touches
//! the file system once templates are loaded.

mod context;
mod templates;

pub use templates::Templates;

use crate::diagnostics::Diagnostic;
use crate::feeds;
use crate::output::file_for_site_path;
use crate::site::Site;
use context::Shared;
use serde_json::{Value, json};
use std::path::PathBuf;

/// Where the built-in stylesheet (template `style.css`) is written.
pub const STYLESHEET_PATH: &str = "/assets/gazette.css";

/// One output file to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Article(usize),
    /// A redirect page at an article's old path: article, alias number.
    Alias(usize, usize),
    Page(usize),
    /// The front page: page number, from 1.
    Front(usize),
    Author(usize, usize),
    Category(usize, usize),
    Tag(usize, usize),
    NotFound,
    Stylesheet,
    Rss,
}

/// A rendered file: where it goes in the output, and its bytes.
pub struct Rendered {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
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
}

impl<'a> Renderer<'a> {
    pub fn new(site: &'a Site, templates: &'a Templates) -> Renderer<'a> {
        Renderer {
            shared: Shared::new(site),
            site,
            templates,
        }
    }

    /// Every file of the site, in a stable order.
    pub fn jobs(&self) -> Vec<Job> {
        let site = self.site;
        let per_page = site.config.per_page;
        let pages_of = |n: usize| n.div_ceil(per_page).max(1);
        let mut jobs: Vec<Job> = (0..site.articles.len()).map(Job::Article).collect();
        for (i, a) in site.articles.iter().enumerate() {
            jobs.extend((0..a.doc.meta.aliases.len()).map(|n| Job::Alias(i, n)));
        }
        jobs.extend((0..site.pages.len()).map(Job::Page));
        jobs.extend((1..=pages_of(site.articles.len())).map(Job::Front));
        for (i, a) in site.authors.iter().enumerate() {
            jobs.extend((1..=pages_of(a.articles.len())).map(|p| Job::Author(i, p)));
        }
        for (i, t) in site.categories.iter().enumerate() {
            jobs.extend((1..=pages_of(t.articles.len())).map(|p| Job::Category(i, p)));
        }
        for (i, t) in site.tags.iter().enumerate() {
            jobs.extend((1..=pages_of(t.articles.len())).map(|p| Job::Tag(i, p)));
        }
        jobs.push(Job::NotFound);
        jobs.push(Job::Stylesheet);
        jobs.push(Job::Rss);
        jobs
    }

    /// Renders one file.
    pub fn render(&self, job: Job) -> Result<Rendered, RenderError> {
        let site = self.site;
        let (site_path, template, context) = match job {
            Job::Article(i) => {
                let a = &site.articles[i];
                let template = a.doc.meta.template.as_deref().unwrap_or("article.html");
                (
                    a.path.clone(),
                    template,
                    self.shared.article_context(site, i),
                )
            }
            Job::Alias(i, n) => {
                let a = &site.articles[i];
                let mut ctx = self.shared.base_context(site, &a.path);
                ctx["page_title"] = json!(a.doc.meta.title);
                ctx["target_url"] = json!(a.url);
                (a.doc.meta.aliases[n].clone(), "alias.html", ctx)
            }
            Job::Page(i) => {
                let p = &site.pages[i];
                let template = p.doc.meta.template.as_deref().unwrap_or("page.html");
                (p.path.clone(), template, self.shared.page_context(site, i))
            }
            Job::Front(n) => {
                let all: Vec<usize> = (0..site.articles.len()).collect();
                let (path, ctx) = self.shared.list_context(site, "/", &all, n);
                (path, "index.html", ctx)
            }
            Job::Author(i, n) => {
                let a = &site.authors[i];
                let (path, mut ctx) = self.shared.list_context(site, &a.path, &a.articles, n);
                ctx["author"] = self.shared.authors[i].clone();
                ctx["page_title"] = json!(a.doc.meta.name);
                ctx["meta_description"] = json!(format!(
                    "Articles by {} on {}",
                    a.doc.meta.name, site.config.title
                ));
                (path, "author.html", ctx)
            }
            Job::Category(i, n) | Job::Tag(i, n) => {
                let (kind, term) = match job {
                    Job::Category(..) => ("category", &site.categories[i]),
                    _ => ("tag", &site.tags[i]),
                };
                let (path, mut ctx) = self
                    .shared
                    .list_context(site, &term.path, &term.articles, n);
                ctx["term"] = json!({
                    "name": term.name, "slug": term.slug, "url": term.url,
                    "count": term.articles.len(),
                });
                ctx["kind"] = json!(kind);
                ctx["page_title"] = json!(term.name);
                ctx["meta_description"] =
                    json!(format!("{} articles on {}", term.name, site.config.title));
                (path, "term.html", ctx)
            }
            Job::NotFound => {
                let mut ctx = self.shared.base_context(site, "/404.html");
                ctx["page_title"] = json!("Page not found");
                ctx["latest"] = Value::Array(
                    (0..site.articles.len().min(5))
                        .map(|i| self.shared.cards[i].clone())
                        .collect(),
                );
                ("/404.html".to_string(), "404.html", ctx)
            }
            Job::Stylesheet => {
                let ctx = self.shared.base_context(site, STYLESHEET_PATH);
                (STYLESHEET_PATH.to_string(), "style.css", ctx)
            }
            Job::Rss => {
                let articles: Vec<_> = site.articles.iter().take(site.config.feed_limit).collect();
                let bytes = feeds::rss::render(
                    site,
                    &site.config.title,
                    &site.config.description,
                    "/",
                    "/feed.xml",
                    &articles,
                )
                .map_err(|e| RenderError {
                    template: "feed.xml".into(),
                    message: e.to_string(),
                })?;
                return Ok(Rendered {
                    path: PathBuf::from("feed.xml"),
                    bytes,
                });
            }
        };
        let path = file_for_site_path(&site_path).map_err(|message| RenderError {
            template: template.to_string(),
            message,
        })?;
        let bytes = self.templates.render(template, context)?;
        Ok(Rendered { path, bytes })
    }

    /// The content file a job renders, for error messages.
    pub fn source_of(&self, job: Job) -> Option<PathBuf> {
        match job {
            Job::Article(i) | Job::Alias(i, _) => {
                Some(self.site.articles[i].doc.source.display.clone())
            }
            Job::Page(i) => Some(self.site.pages[i].doc.source.display.clone()),
            Job::Author(i, _) => Some(self.site.authors[i].doc.source.display.clone()),
            _ => None,
        }
    }
}

/// Checks that every `template` named in front matter exists.
pub fn check_template_names(site: &Site, templates: &Templates) -> Vec<Diagnostic> {
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
