//! Atom 1.0 (RFC 4287), written with quick-xml.

use super::{Feed, last_modified, rfc3339, xml_element as text};
use crate::site::{Article, Site};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::io;

/// The Atom document of `feed`.
pub fn render(site: &Site, feed: &Feed<'_>) -> io::Result<Vec<u8>> {
    let config = &site.config;
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("feed")
        .with_attribute(("xmlns", "http://www.w3.org/2005/Atom"))
        .with_attribute(("xml:lang", config.language.as_str()))
        .write_inner_content(|w| {
            text(w, "title", &feed.title)?;
            if !feed.description.is_empty() {
                text(w, "subtitle", &feed.description)?;
            }
            link(w, &config.url(&feed.page_path), "alternate", "text/html")?;
            link(
                w,
                &config.url(&feed.self_path),
                "self",
                "application/atom+xml",
            )?;
            text(w, "id", &config.url(&feed.page_path))?;
            // Atom requires a feed date; an empty feed takes the newest date
            // of the whole site, and an empty site the epoch: never the clock.
            let updated = feed
                .updated()
                .or_else(|| site.articles.iter().map(|a| last_modified(a)).max())
                .unwrap_or_default();
            text(w, "updated", &rfc3339(updated))?;
            // A feed-level author makes entries without a byline valid.
            w.create_element("author")
                .write_inner_content(|w| text(w, "name", &config.title))?;
            text(w, "generator", "gazette")?;
            for (article, content) in feed.articles.iter().zip(&feed.contents) {
                entry(w, site, article, content)?;
            }
            Ok(())
        })?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn link(w: &mut Writer<Vec<u8>>, href: &str, rel: &str, kind: &str) -> io::Result<()> {
    w.create_element("link")
        .with_attribute(("href", href))
        .with_attribute(("rel", rel))
        .with_attribute(("type", kind))
        .write_empty()?;
    Ok(())
}

fn entry(w: &mut Writer<Vec<u8>>, site: &Site, article: &Article, content: &str) -> io::Result<()> {
    let meta = &article.doc.meta;
    w.create_element("entry").write_inner_content(|w| {
        text(w, "title", &meta.title)?;
        link(w, &article.url, "alternate", "text/html")?;
        text(w, "id", &super::item_id(site, article).0)?;
        text(w, "published", &rfc3339(meta.date))?;
        text(w, "updated", &rfc3339(last_modified(article)))?;
        for byline in &article.bylines {
            w.create_element("author").write_inner_content(|w| {
                text(w, "name", &byline.name)?;
                if let Some(a) = byline.author {
                    text(w, "uri", &site.authors[a].url)?;
                }
                Ok(())
            })?;
        }
        for term in super::item_terms(site, article) {
            w.create_element("category")
                .with_attribute(("term", term.slug.as_str()))
                .with_attribute(("label", super::xml_text(&term.name).as_ref()))
                .write_empty()?;
        }
        w.create_element("summary")
            .with_attribute(("type", "html"))
            .write_text_content(BytesText::new(&super::xml_text(
                article.summary_feed_html(),
            )))?;
        if site.config.feed_full_content && !meta.for_subscribers {
            w.create_element("content")
                .with_attribute(("type", "html"))
                .write_text_content(BytesText::new(&super::xml_text(content)))?;
        }
        Ok(())
    })?;
    Ok(())
}
