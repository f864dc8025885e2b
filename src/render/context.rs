//! Template contexts. Each article's card, each author and the site itself
//! are serialised once per build and reused by every page that shows them.
//! docs/templates.md documents every variable made here.

use crate::site::{Article, Site};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};
use url::Url;

/// The pieces of context shared by many pages, made once per build.
pub struct Shared {
    pub site: Value,
    /// One card per article, by index into `Site::articles`.
    pub cards: Vec<Value>,
    pub authors: Vec<Value>,
}

impl Shared {
    pub fn new(site: &Site) -> Shared {
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
                .map(|t| json!({"name": t.name, "slug": t.slug, "url": t.url, "count": t.articles.len()}))
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
            "url": config.url("/"),
            "base_url": config.base_url.as_str(),
            "timezone": config.timezone.name(),
            "feed_url": config.url("/feed.xml"),
            "stylesheet_url": config.url(super::STYLESHEET_PATH),
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
                    "avatar": a.doc.meta.avatar.as_deref().map(|s| resolve_url(site, &a.url, s)),
                    "links": links,
                    "bio": a.bio_html,
                    "article_count": a.articles.len(),
                    "extra": a.doc.meta.extra,
                })
            })
            .collect();
        let cards = site.articles.iter().map(|a| card(site, a)).collect();
        Shared {
            site: site_value,
            cards,
            authors,
        }
    }

    /// The variables every page has.
    pub fn base_context(&self, site: &Site, path: &str) -> Value {
        json!({
            "site": self.site,
            "canonical_url": site.config.url(path),
            "page_title": Value::Null,
            "meta_description": site.config.description,
        })
    }

    pub fn article_context(&self, site: &Site, i: usize) -> Value {
        let article = &site.articles[i];
        let meta = &article.doc.meta;
        let mut value = self.cards[i].clone();
        value["content"] = json!(article.rendered.html);
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
        ctx["meta_description"] = json!(article.summary_text);
        ctx["article"] = value;
        ctx["authors"] = Value::Array(profiles);
        ctx["related"] = Value::Array(
            article
                .related
                .iter()
                .map(|&r| self.cards[r].clone())
                .collect(),
        );
        ctx
    }

    pub fn page_context(&self, site: &Site, i: usize) -> Value {
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
    /// whose first page lives at `base_path`. Returns the page's site path.
    pub fn list_context(
        &self,
        site: &Site,
        base_path: &str,
        items: &[usize],
        number: usize,
    ) -> (String, Value) {
        let per_page = site.config.per_page;
        let total = items.len().div_ceil(per_page).max(1);
        let page_path = |n: usize| {
            if n == 1 {
                base_path.to_string()
            } else {
                format!("{base_path}page/{n}/")
            }
        };
        let path = page_path(number);
        let shown: Vec<Value> = items
            .iter()
            .skip((number - 1) * per_page)
            .take(per_page)
            .map(|&i| self.cards[i].clone())
            .collect();
        let url_of = |n: usize| json!(site.config.url(&page_path(n)));
        let mut ctx = self.base_context(site, &path);
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
        (path, ctx)
    }
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
        json!({"name": t.name, "slug": t.slug, "url": t.url})
    });
    let tags: Vec<Value> = article
        .tags
        .iter()
        .map(|&t| {
            let t = &site.tags[t];
            json!({"name": t.name, "slug": t.slug, "url": t.url})
        })
        .collect();
    json!({
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
        "image": meta.image.as_deref().map(|s| resolve_url(site, &article.url, s)),
        "image_alt": meta.image_alt.clone().unwrap_or_default(),
        "category": category,
        "tags": tags,
        "authors": authors,
        "reading_minutes": article.reading_minutes,
        "word_count": article.rendered.word_count,
    })
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

/// A URL from front matter made absolute: relative to the page that uses it
/// (bundle photos), site paths (`/img/x.jpg`) under the base URL, absolute
/// URLs as they are.
pub fn resolve_url(site: &Site, page_url: &str, reference: &str) -> String {
    if reference.starts_with('/') && !reference.starts_with("//") {
        return site.config.url(reference);
    }
    match Url::parse(page_url).and_then(|base| base.join(reference)) {
        Ok(url) => url.into(),
        Err(_) => reference.to_string(),
    }
}
