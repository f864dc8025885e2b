//! RSS 2.0, written with quick-xml so every piece of text is escaped by the
//! library, never by hand.

use super::xml_text;
use crate::site::{Article, Site};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::io;

/// The RSS 2.0 document of `articles` (newest first, already limited).
/// `self_path` is the feed's own site path, for `atom:link rel="self"`.
pub fn render(
    site: &Site,
    title: &str,
    description: &str,
    link_path: &str,
    self_path: &str,
    articles: &[&Article],
) -> io::Result<Vec<u8>> {
    let config = &site.config;
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("rss")
        .with_attribute(("version", "2.0"))
        .with_attribute(("xmlns:atom", "http://www.w3.org/2005/Atom"))
        .with_attribute(("xmlns:content", "http://purl.org/rss/1.0/modules/content/"))
        .with_attribute(("xmlns:dc", "http://purl.org/dc/elements/1.1/"))
        .write_inner_content(|w| {
            w.create_element("channel").write_inner_content(|w| {
                text(w, "title", title)?;
                text(w, "link", &config.url(link_path))?;
                text(w, "description", description)?;
                text(w, "language", &config.language)?;
                text(w, "generator", "gazette")?;
                w.create_element("atom:link")
                    .with_attribute(("href", config.url(self_path).as_str()))
                    .with_attribute(("rel", "self"))
                    .with_attribute(("type", "application/rss+xml"))
                    .write_empty()?;
                // The channel's date is its newest article's: a rebuild with
                // nothing new gives the same bytes.
                if let Some(newest) = articles
                    .iter()
                    .map(|a| a.doc.meta.updated.unwrap_or(a.doc.meta.date))
                    .max()
                {
                    text(w, "lastBuildDate", &newest.to_rfc2822())?;
                }
                if let Some(first) = articles.first() {
                    text(w, "pubDate", &first.doc.meta.date.to_rfc2822())?;
                }
                for article in articles {
                    item(w, site, article)?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn item(w: &mut Writer<Vec<u8>>, site: &Site, article: &Article) -> io::Result<()> {
    let meta = &article.doc.meta;
    w.create_element("item").write_inner_content(|w| {
        text(w, "title", &meta.title)?;
        text(w, "link", &article.url)?;
        w.create_element("guid")
            .with_attribute(("isPermaLink", "true"))
            .write_text_content(BytesText::new(&xml_text(&article.url)))?;
        text(w, "pubDate", &meta.date.to_rfc2822())?;
        for byline in &article.bylines {
            text(w, "dc:creator", &byline.name)?;
        }
        if let Some(c) = article.category {
            text(w, "category", &site.categories[c].name)?;
        }
        for &t in &article.tags {
            text(w, "category", &site.tags[t].name)?;
        }
        text(w, "description", &article.summary_html)?;
        if site.config.feed_full_content {
            text(w, "content:encoded", &article.rendered.html)?;
        }
        Ok(())
    })?;
    Ok(())
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_text(value)))?;
    Ok(())
}
