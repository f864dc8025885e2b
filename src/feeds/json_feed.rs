//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>), serialised by serde.

use super::{Feed, rfc3339};
use crate::site::Site;
use serde::Serialize;

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    language: &'a str,
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: String,
    url: &'a str,
    title: &'a str,
    content_html: &'a str,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    date_published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

/// The JSON Feed document of `feed`.
pub fn render(site: &Site, feed: &Feed<'_>) -> serde_json::Result<Vec<u8>> {
    let config = &site.config;
    let items = feed
        .articles
        .iter()
        .zip(&feed.contents)
        .map(|(article, content)| {
            let meta = &article.doc.meta;
            Item {
                id: super::item_id(site, article).0,
                url: &article.url,
                title: &meta.title,
                // A story for subscribers goes out as its summary only.
                content_html: if config.feed_full_content && !meta.for_subscribers {
                    content.as_str()
                } else {
                    article.summary_feed_html()
                },
                summary: &article.summary_text,
                // A photo of the site as its 1,200-pixel file.
                image: match site.lead_photo(article) {
                    Some(i) => Some(site.images.for_feeds(&site.config, i).url),
                    None => (meta.image.as_deref())
                        .map(|i| crate::paths::resolve_url(&site.config, &article.url, i)),
                },
                date_published: rfc3339(meta.date),
                date_modified: meta.updated.map(rfc3339),
                authors: article
                    .bylines
                    .iter()
                    .map(|b| Author {
                        name: &b.name,
                        url: b.author.map(|a| site.authors[a].url.as_str()),
                    })
                    .collect(),
                tags: (super::item_terms(site, article).into_iter())
                    .map(|term| term.name.as_str())
                    .collect(),
            }
        })
        .collect();
    let document = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        home_page_url: config.url(&feed.page_path),
        feed_url: config.url(&feed.self_path),
        description: &feed.description,
        language: &config.language,
        items,
    };
    let mut bytes = serde_json::to_vec_pretty(&document)?;
    bytes.push(b'\n');
    Ok(bytes)
}
