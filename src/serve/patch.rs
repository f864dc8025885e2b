//! `gazette serve`'s shortcut after the save of one article: the site
//! model made from the one before, when the article keeps its place among
//! the others. Which files must render again is then what
//! `render::shown` says shows the article.

use crate::changes::same_place;
use crate::content::{ArticleMeta, Parsed};
use crate::markdown;
use crate::site::{Article, ArticleBody, BylineLookup, Site, link_target_map};
use std::sync::Arc;

/// The site after one published article's file was saved again, made
/// from `before` without loading or modelling the rest: `gazette serve`
/// calls it on every save. `parsed` is the article as loaded again.
///
/// None when the change reaches beyond the article's own page and card
/// (see [`same_place`]), or touches `@/` links whose check needs every
/// file's headings; the caller then builds the whole site again, which
/// also words any error.
pub(crate) fn with_article_replaced(
    before: &Site,
    i: usize,
    parsed: Parsed<ArticleMeta>,
) -> Option<(Site, ArticleBody)> {
    let Parsed { mut doc, body } = parsed;
    let old = before.articles.get(i)?;
    // As the model does: an alias at the article's own URL is dropped.
    doc.meta.aliases.retain(|alias| *alias != old.path);
    if old.doc.source.relative != doc.source.relative
        || !same_place(&old.doc.meta, &doc.meta)
        || before
            .fragment_link_targets
            .contains(&doc.source.content_path)
    {
        return None;
    }
    let config = &before.config;
    // Made only for a body with `@/` links: most have none.
    let link_targets = std::cell::OnceCell::new();
    let resolve = |target: &str| {
        // The URLs the model already made.
        let targets = link_targets.get_or_init(|| {
            let articles = (before.articles.iter())
                .map(|a| (a.doc.source.content_path.as_str(), a.url.clone()));
            let pages =
                (before.pages.iter()).map(|p| (p.doc.source.content_path.as_str(), p.url.clone()));
            let authors = (before.authors.iter())
                .map(|a| (a.doc.source.content_path.as_str(), a.url.clone()));
            link_target_map(articles.chain(pages).chain(authors))
        });
        crate::site::find_link_target(targets, target)
    };
    let url = config.page_url(&old.path);
    let mut rendered = markdown::render(&body.text, &resolve, Some(&url), config.markdown_safe);
    if let Some(summary) = &doc.meta.summary {
        markdown::use_written_summary(&mut rendered, summary, &url, config.markdown_safe);
    }
    if !rendered.broken_links.is_empty()
        || rendered.content_links.iter().any(|l| l.fragment.is_some())
    {
        return None;
    }
    let problems = crate::site::place_shortcodes(&mut rendered, &doc.source, &body);
    if !problems.is_empty() {
        // A whole build reports them, as it would without serve.
        return None;
    }
    let (live, problems) = crate::live::arrange(
        &doc.meta,
        &doc.source,
        &body,
        &mut rendered,
        config.timezone,
        before.now,
    );
    if !problems.is_empty() {
        // A whole build reports them, as it would without serve.
        return None;
    }
    rendered.drop_link_data();
    let bylines = BylineLookup::new(&before.authors);
    let body = ArticleBody::take_from(&mut rendered, None);
    let mut article = Article::new(doc, (old.path.clone(), url), rendered, live, &bylines);
    article.category = old.category;
    article.tags = old.tags.clone();
    article.series = old.series;
    article.related = old.related.clone();
    let mut site = before.clone();
    site.articles[i] = Arc::new(article);
    Some((site, body))
}
