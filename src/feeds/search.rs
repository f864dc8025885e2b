//! /search-index.json: what the search page searches, one entry an article.

use crate::site::Site;
use serde::Serialize;

#[derive(Serialize)]
struct Entry<'a> {
    title: &'a str,
    url: &'a str,
    date: String,
    section: Option<&'a str>,
    summary: &'a str,
}

/// The search index of every published article, newest first.
pub fn render(site: &Site) -> serde_json::Result<Vec<u8>> {
    let tz = site.config.timezone;
    let entries: Vec<Entry<'_>> = site
        .articles
        .iter()
        .map(|a| Entry {
            title: &a.doc.meta.title,
            url: &a.url,
            date: a.doc.meta.date.with_timezone(&tz).to_rfc3339(),
            section: a.category.map(|c| site.categories[c].label.as_str()),
            summary: &a.summary_text,
        })
        .collect();
    let mut bytes = serde_json::to_vec(&entries)?;
    bytes.push(b'\n');
    Ok(bytes)
}
