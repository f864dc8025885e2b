//! Machine-readable outputs: RSS, Atom and JSON feeds, sitemaps, robots.txt
//! and the search index. Every date in them comes from the content, never
//! from the clock, so two builds give the same bytes.

pub mod atom;
pub mod hosting;
pub mod json_feed;
pub mod rss;
pub mod search;
pub mod sitemap;

use crate::site::{Article, Site, Term};
use chrono::{DateTime, SecondsFormat, Utc};

/// One feed: its articles (newest first, already limited) and where it and
/// its HTML page live.
pub struct Feed<'a> {
    pub title: String,
    pub description: String,
    /// Site path of the HTML page the feed mirrors.
    pub page_path: String,
    /// Site path of the feed itself.
    pub self_path: String,
    pub articles: Vec<&'a Article>,
    /// The full content of each article, as feeds show it (absolute URLs).
    pub contents: Vec<String>,
}

impl Feed<'_> {
    /// The newest publication or update time among the feed's articles.
    pub fn updated(&self) -> Option<DateTime<Utc>> {
        self.articles.iter().map(|a| last_modified(a)).max()
    }
}

/// When an article last changed: its `updated` time, else its date.
pub(crate) fn last_modified(article: &Article) -> DateTime<Utc> {
    article.doc.meta.updated.unwrap_or(article.doc.meta.date)
}

/// An article's section, then its tags, each once: a tag named like the
/// section (`markets` in section Markets) is the same subject to a feed
/// reader, and the JSON Feed schema requires `tags` to be unique.
pub(crate) fn item_terms<'a>(site: &'a Site, article: &Article) -> Vec<&'a Term> {
    let mut terms: Vec<&Term> = Vec::with_capacity(article.tags.len() + 1);
    let all = (article.category.map(|c| &site.categories[c]).into_iter())
        .chain(article.tags.iter().map(|&t| &site.tags[t]));
    for term in all {
        if !terms.iter().any(|seen| seen.slug == term.slug) {
            terms.push(term);
        }
    }
    terms
}

/// The id feed readers know an article by, and whether it is the article's
/// link. Readers take a new id for a new story, so the id must outlive a
/// change of slug or date: the `id` key when written, else the first
/// alias (the URL the story was first published at, when its address was
/// changed and the old one kept as an alias), else the permalink.
pub(crate) fn item_id(site: &Site, article: &Article) -> (String, bool) {
    let meta = &article.doc.meta;
    match (&meta.id, meta.aliases.first()) {
        (Some(id), _) => (id.clone(), false),
        (None, Some(first)) => (site.config.url(first), false),
        (None, None) => (article.url.clone(), true),
    }
}

/// RFC 3339 in UTC, as Atom, JSON Feed and sitemaps write dates.
pub(crate) fn rfc3339(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Text without the control characters XML 1.0 cannot carry at all, even
/// escaped (a stray U+000B pasted from a word processor would otherwise make
/// the whole feed unreadable).
pub(crate) fn xml_text(text: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    };
    // Of what a `str` can hold, only the control characters below U+0020
    // and U+FFFE and U+FFFF are left out: a look at the bytes clears
    // almost every text (a feed's article texts are megabytes) without
    // decoding it.
    let bytes = text.as_bytes();
    let suspect = |(at, b): (usize, &u8)| match b {
        b'\t' | b'\n' | b'\r' => false,
        0..0x20 => true,
        // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
        0xEF => bytes.get(at + 1) == Some(&0xBF) && matches!(bytes.get(at + 2), Some(0xBE | 0xBF)),
        _ => false,
    };
    if !bytes.iter().enumerate().any(suspect) {
        return std::borrow::Cow::Borrowed(text);
    }
    if text.chars().all(allowed) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

/// Writes `<name>value</name>` with the value escaped by quick-xml.
pub(crate) fn xml_element(
    w: &mut quick_xml::Writer<Vec<u8>>,
    name: &str,
    value: &str,
) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(quick_xml::events::BytesText::new(&xml_text(value)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::xml_text;

    #[test]
    fn xml_text_leaves_out_only_what_xml_cannot_carry() {
        let kept = "Tab\tline\ncr\r DEL\u{7f} C1\u{85} ，（）全角 \u{FFFD} \u{FFEF} \u{10000} 🚗";
        assert!(matches!(xml_text(kept), std::borrow::Cow::Borrowed(_)));
        assert_eq!(
            xml_text("a\u{0}b\u{b}c\u{1f}d\u{FFFE}e\u{FFFF}f\u{FFFD}"),
            "abcdef\u{FFFD}"
        );
    }
}
