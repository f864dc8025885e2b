//! Template contexts. Each article's card, each author and the site itself
//! are serialised once per build and reused by every page that shows them.
//! docs/templates.md documents every variable made here.

use crate::paths::{self, TermKind, resolve_url};
use crate::site::{Article, Site, Term};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::sync::Arc;

/// The pieces of context shared by many pages, made once per build.
pub struct Shared {
    pub site: Value,
    /// One card per article, by index into `Site::articles`; shared with
    /// the renderer made after a save (see [`Shared::with_card_replaced`]).
    pub cards: Vec<Arc<Value>>,
    pub authors: Vec<Value>,
    /// The site's RSS, Atom and JSON feeds, for `<link rel="alternate">`.
    site_feeds: Value,
}

impl Shared {
    pub fn new(site: &Site) -> Shared {
        let cards = site
            .articles
            .par_iter()
            .map(|a| Arc::new(card(site, a)))
            .collect();
        Shared::with_cards(site, cards)
    }

    /// The contexts of a site whose article `i` alone changed since
    /// `previous` was made: every other card is taken as it is.
    pub(crate) fn with_card_replaced(site: &Site, previous: &Shared, i: usize) -> Shared {
        let mut cards = previous.cards.clone();
        cards[i] = Arc::new(card(site, &site.articles[i]));
        Shared::with_cards(site, cards)
    }

    /// The contexts of `site` around cards made already.
    pub(crate) fn with_cards(site: &Site, cards: Vec<Arc<Value>>) -> Shared {
        let config = &site.config;
        let sections: Vec<Value> = {
            let mut by_size: Vec<_> = site.categories.iter().collect();
            by_size.sort_by(|a, b| {
                b.articles
                    .len()
                    .cmp(&a.articles.len())
                    .then(a.slug.cmp(&b.slug))
            });
            by_size
                .iter()
                .map(|t| json!({"name": t.name, "label": t.label, "slug": t.slug, "url": t.url, "count": t.articles.len()}))
                .collect()
        };
        let pages: Vec<Value> = site
            .pages
            .iter()
            .map(|p| json!({"title": p.doc.meta.title, "url": p.url}))
            .collect();
        let site_value = json!({
            "title": config.title,
            "description": config.description,
            "language": config.language,
            "locale": config.language.replace('-', "_"),
            "url": config.url(paths::FRONT),
            "base_url": config.base_url.as_str(),
            "timezone": config.timezone.name(),
            "feed_url": config.url(paths::RSS),
            "atom_url": config.url(paths::ATOM),
            "json_feed_url": config.url(paths::JSON_FEED),
            "stylesheet_url": config.url(paths::STYLESHEET),
            "search_url": config.url(paths::SEARCH),
            "search_index_url": config.url(paths::SEARCH_INDEX),
            "categories_url": config.url(TermKind::Category.index_path()),
            "tags_url": config.url(TermKind::Tag.index_path()),
            "authors_url": (!site.authors.is_empty()).then(|| config.url(paths::AUTHORS)),
            "archive_url": site.archives.first().map(|y| y.url.clone()),
            "sections": sections,
            "pages": pages,
            "extra": config.extra,
        });
        let authors = site
            .authors
            .iter()
            .map(|a| {
                let links: Vec<Value> = a
                    .doc
                    .meta
                    .links
                    .iter()
                    .map(|(label, url)| json!({"label": label, "url": url}))
                    .collect();
                json!({
                    "id": a.doc.meta.id,
                    "name": a.doc.meta.name,
                    "url": a.url,
                    "avatar": a.doc.meta.avatar.as_deref().map(|s| resolve_url(&site.config, &a.url, s)),
                    "links": links,
                    "bio": a.bio_html,
                    "article_count": a.articles.len(),
                    "extra": a.doc.meta.extra,
                })
            })
            .collect();
        let site_feeds = json!([
            {"title": config.title, "url": config.url(paths::RSS), "type": "application/rss+xml"},
            {"title": config.title, "url": config.url(paths::ATOM), "type": "application/atom+xml"},
            {"title": config.title, "url": config.url(paths::JSON_FEED), "type": "application/feed+json"},
        ]);
        Shared {
            site: site_value,
            cards,
            authors,
            site_feeds,
        }
    }

    /// The variables every page has but `site`, which each render worker
    /// holds once (see [`super::Renderer::worker_context`]).
    pub(crate) fn base_context(&self, site: &Site, path: &str) -> Value {
        let config = &site.config;
        let mut ctx = json!({
            "canonical_url": config.url(path),
            "page_title": Value::Null,
            "meta_description": config.description,
            // Set below: `json!` would serialise the value again, not move it.
            "alternate_feeds": null,
        });
        ctx["alternate_feeds"] = self.site_feeds.clone();
        ctx
    }

    /// `body` is the article's HTML, which the renderer holds.
    pub(crate) fn article_context(&self, site: &Site, i: usize, body: String) -> Value {
        let article = &site.articles[i];
        let meta = &article.doc.meta;
        let mut value = Value::clone(&self.cards[i]);
        value["content"] = Value::String(body);
        value["image_caption"] = json!(meta.image_caption);
        value["extra"] = json!(meta.extra);
        let profiles: Vec<Value> = article
            .bylines
            .iter()
            .filter_map(|b| b.author)
            .map(|a| self.authors[a].clone())
            .collect();
        let mut ctx = self.base_context(site, &article.path);
        ctx["canonical_url"] = json!(
            meta.canonical_url
                .clone()
                .unwrap_or_else(|| article.url.clone())
        );
        ctx["page_title"] = json!(meta.title);
        ctx["meta_description"] = json!(shorten(&article.summary_text, DESCRIPTION_LENGTH));
        ctx["article"] = value;
        ctx["authors"] = Value::Array(profiles);
        ctx["related"] = Value::Array(
            article
                .related
                .iter()
                .map(|&r| Value::clone(&self.cards[r]))
                .collect(),
        );
        ctx["json_ld"] = json!(json_ld(site, article));
        ctx
    }

    pub(crate) fn page_context(&self, site: &Site, i: usize) -> Value {
        let page = &site.pages[i];
        let mut ctx = self.base_context(site, &page.path);
        ctx["page_title"] = json!(page.doc.meta.title);
        ctx["page"] = json!({
            "title": page.doc.meta.title,
            "url": page.url,
            "path": page.path,
            "content": page.rendered.html,
            "extra": page.doc.meta.extra,
        });
        ctx
    }

    /// A paginated list of articles: page `number` (from 1) of `items`,
    /// whose first page lives at `base_path`. `feed` is the list's own feed
    /// (title, site path), listed first among the page's alternate feeds.
    pub(crate) fn list_context(
        &self,
        site: &Site,
        base_path: &str,
        items: &[usize],
        number: usize,
        feed: Option<(String, String)>,
    ) -> Value {
        let per_page = site.config.per_page;
        let total = super::lists::page_count(items.len(), per_page);
        let page_path = |n: usize| paths::page(base_path, n);
        let path = page_path(number);
        let shown: Vec<Value> = super::lists::page_of(items, number, per_page)
            .iter()
            .map(|&i| Value::clone(&self.cards[i]))
            .collect();
        let url_of = |n: usize| json!(site.config.url(&page_path(n)));
        let mut ctx = self.base_context(site, &path);
        if let Some((title, feed_path)) = feed {
            let url = site.config.url(&feed_path);
            ctx["feed_url"] = json!(url);
            if let Value::Array(feeds) = &mut ctx["alternate_feeds"] {
                feeds.insert(
                    0,
                    json!({"title": title, "url": url, "type": "application/rss+xml"}),
                );
            }
        }
        ctx["articles"] = Value::Array(shown);
        ctx["paginator"] = json!({
            "current": number,
            "total": total,
            "total_articles": items.len(),
            "first": url_of(1),
            "last": url_of(total),
            "previous": if number > 1 { url_of(number - 1) } else { Value::Null },
            "next": if number < total { url_of(number + 1) } else { Value::Null },
        });
        ctx
    }

    /// A year of the date archive: its months, each with its articles.
    pub(crate) fn year_context(&self, site: &Site, y: usize) -> Value {
        let year = &site.archives[y];
        let mut ctx = self.base_context(site, &year.path);
        let title = year.year.to_string();
        let months: Vec<Value> = year
            .months
            .iter()
            .map(|m| {
                let mut month = json!({
                    "name": month_name(m.year, m.month),
                    "url": m.url,
                    "count": m.articles.len(),
                });
                // A year lists hundreds of headlines: only what a line shows.
                month["articles"] = Value::Array(
                    m.articles
                        .iter()
                        .map(|&i| headline(site, &site.articles[i]))
                        .collect(),
                );
                month
            })
            .collect();
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| site.archives.get(i))
                .map(|y| json!({"title": y.year.to_string(), "url": y.url}))
        };
        // Years are newest first: the older year is the next one in the list.
        ctx["archive"] = json!({
            "title": title,
            "year": year.year,
            "month": null,
            "count": year.article_count(),
            "months": null,
            "articles": [],
            "previous": neighbour(Some(y + 1)),
            "next": neighbour(y.checked_sub(1)),
        });
        ctx["archive"]["months"] = Value::Array(months);
        ctx["page_title"] = json!(format!("{title} archive"));
        ctx["meta_description"] = json!(format!(
            "Everything {} published in {title}",
            site.config.title
        ));
        ctx
    }

    /// A month of the date archive, with links to the months around it.
    pub(crate) fn month_context(&self, site: &Site, y: usize, m: usize) -> Value {
        let month = &site.archives[y].months[m];
        let mut ctx = self.base_context(site, &month.path);
        let title = month_name(month.year, month.month);
        // All months, newest first, to find the neighbours across years.
        let all: Vec<(usize, usize)> = site
            .archives
            .iter()
            .enumerate()
            .flat_map(|(yi, year)| (0..year.months.len()).map(move |mi| (yi, mi)))
            .collect();
        let at = all.iter().position(|&p| p == (y, m)).unwrap_or(0);
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| all.get(i)).map(|&(yi, mi)| {
                let n = &site.archives[yi].months[mi];
                json!({"title": month_name(n.year, n.month), "url": n.url})
            })
        };
        ctx["archive"] = json!({
            "title": title,
            "year": month.year,
            "month": month.month,
            "count": month.articles.len(),
            "months": [],
            "articles": null,
            "previous": neighbour(Some(at + 1)),
            "next": neighbour(at.checked_sub(1)),
            "year_url": site.archives[y].url,
        });
        ctx["archive"]["articles"] = Value::Array(
            month
                .articles
                .iter()
                .map(|&i| Value::clone(&self.cards[i]))
                .collect(),
        );
        ctx["page_title"] = json!(format!("{title} archive"));
        ctx["meta_description"] = json!(format!(
            "Everything {} published in {title}",
            site.config.title
        ));
        ctx
    }
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

/// A section or tag as templates see it.
pub(crate) fn term_value(term: &Term) -> Value {
    json!({
        "name": term.name,
        "label": term.label,
        "slug": term.slug,
        "url": term.url,
        "count": term.articles.len(),
        "feed_url": format!("{}feed.xml", term.url),
    })
}

/// "March 2021".
fn month_name(year: i32, month: u32) -> String {
    chrono::NaiveDate::from_ymd_opt(year, month, 1)
        .map(|d| d.format("%B %Y").to_string())
        .unwrap_or_default()
}

/// schema.org NewsArticle JSON-LD for an article page, safe to place
/// inside `<script>`: `<`, `>` and `&` are written as JSON `\u` escapes, so a
/// `</script>` in a headline cannot end the script.
fn json_ld(site: &Site, article: &Article) -> String {
    let config = &site.config;
    let meta = &article.doc.meta;
    let tz = config.timezone;
    let authors: Vec<Value> = article
        .bylines
        .iter()
        .map(|b| match b.author {
            Some(a) => json!({"@type": "Person", "name": b.name, "url": site.authors[a].url}),
            None => json!({"@type": "Person", "name": b.name}),
        })
        .collect();
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": meta.title,
        "description": article.summary_text,
        "datePublished": local_rfc3339(meta.date, tz),
        "dateModified": local_rfc3339(meta.updated.unwrap_or(meta.date), tz),
        "author": null,
        "publisher": {"@type": "Organization", "name": config.title, "url": config.url(paths::FRONT)},
        "mainEntityOfPage": {"@type": "WebPage", "@id": meta.canonical_url.clone().unwrap_or_else(|| article.url.clone())},
        "inLanguage": config.language,
        "wordCount": article.rendered.word_count,
    });
    value["author"] = Value::Array(authors);
    if let Some(image) = &meta.image {
        value["image"] = json!([resolve_url(&site.config, &article.url, image)]);
    }
    if let Some(c) = article.category {
        value["articleSection"] = json!(site.categories[c].name);
    }
    if !article.tags.is_empty() {
        value["keywords"] = json!(
            article
                .tags
                .iter()
                .map(|&t| site.tags[t].name.as_str())
                .collect::<Vec<_>>()
        );
    }
    // These characters only occur inside JSON strings, where the \u form
    // means the same; HTML parsers then never see markup in the script.
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// An article as the year archive lists it.
fn headline(site: &Site, article: &Article) -> Value {
    let local = article.doc.meta.date.with_timezone(&site.config.timezone);
    json!({
        "title": article.doc.meta.title,
        "url": article.url,
        "date": local.to_rfc3339(),
        "date_short": local.format("%-d %B %Y").to_string(),
    })
}

/// An article as lists show it: everything but its body.
fn card(site: &Site, article: &Article) -> Value {
    let meta = &article.doc.meta;
    let tz = site.config.timezone;
    let authors: Vec<Value> = article
        .bylines
        .iter()
        .map(|b| match b.author {
            Some(a) => json!({"name": b.name, "id": site.authors[a].doc.meta.id, "url": site.authors[a].url}),
            None => json!({"name": b.name, "id": null, "url": null}),
        })
        .collect();
    let category = article.category.map(|c| {
        let t = &site.categories[c];
        json!({"name": t.name, "label": t.label, "slug": t.slug, "url": t.url})
    });
    let tags: Vec<Value> = article
        .tags
        .iter()
        .map(|&t| {
            let t = &site.tags[t];
            json!({"name": t.name, "label": t.label, "slug": t.slug, "url": t.url})
        })
        .collect();
    let mut value = json!({
        "title": meta.title,
        "url": article.url,
        "path": article.path,
        "source": article.doc.source.content_path,
        "date": local_rfc3339(meta.date, tz),
        "date_display": display_date(meta.date, tz),
        "date_short": meta.date.with_timezone(&tz).format("%-d %B %Y").to_string(),
        "updated": meta.updated.map(|d| local_rfc3339(d, tz)),
        "updated_display": meta.updated.map(|d| display_date(d, tz)),
        "summary": article.summary_html,
        "summary_text": article.summary_text,
        "image": meta.image.as_deref().map(|s| resolve_url(&site.config, &article.url, s)),
        "image_alt": meta.image_alt.clone().unwrap_or_default(),
        // Set below: `json!` would serialise these values again.
        "category": null,
        "tags": null,
        "authors": null,
        "reading_minutes": article.reading_minutes,
        "word_count": article.rendered.word_count,
    });
    value["category"] = category.unwrap_or(Value::Null);
    value["tags"] = Value::Array(tags);
    value["authors"] = Value::Array(authors);
    value
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
