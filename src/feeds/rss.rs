//! RSS 2.0, written with quick-xml so every piece of text is escaped by the
//! library, never by hand.

use super::{Feed, xml_element as text, xml_text};
use crate::site::{Article, Site};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::io;

/// The RSS 2.0 document of `feed`.
pub fn render(site: &Site, feed: &Feed<'_>) -> io::Result<Vec<u8>> {
    let config = &site.config;
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("rss")
        .with_attribute(("version", "2.0"))
        .with_attribute(("xmlns:atom", "http://www.w3.org/2005/Atom"))
        .with_attribute(("xmlns:content", "http://purl.org/rss/1.0/modules/content/"))
        .with_attribute(("xmlns:dc", "http://purl.org/dc/elements/1.1/"))
        .with_attribute(("xmlns:media", "http://search.yahoo.com/mrss/"))
        .write_inner_content(|w| {
            w.create_element("channel").write_inner_content(|w| {
                text(w, "title", &feed.title)?;
                text(w, "link", &config.url(&feed.page_path))?;
                text(w, "description", &feed.description)?;
                text(w, "language", &config.language)?;
                text(w, "generator", "gazette")?;
                w.create_element("atom:link")
                    .with_attribute(("href", config.url(&feed.self_path).as_str()))
                    .with_attribute(("rel", "self"))
                    .with_attribute(("type", "application/rss+xml"))
                    .write_empty()?;
                // The channel's dates are its articles': a rebuild with
                // nothing new gives the same bytes.
                if let Some(updated) = feed.updated() {
                    text(w, "lastBuildDate", &updated.to_rfc2822())?;
                }
                if let Some(first) = feed.articles.first() {
                    text(w, "pubDate", &first.doc.meta.date.to_rfc2822())?;
                }
                for (article, content) in feed.articles.iter().zip(&feed.contents) {
                    item(w, site, article, content)?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn item(w: &mut Writer<Vec<u8>>, site: &Site, article: &Article, content: &str) -> io::Result<()> {
    let meta = &article.doc.meta;
    w.create_element("item").write_inner_content(|w| {
        text(w, "title", &meta.title)?;
        text(w, "link", &article.url)?;
        let (id, is_link) = super::item_id(site, article);
        w.create_element("guid")
            .with_attribute(("isPermaLink", if is_link { "true" } else { "false" }))
            .write_text_content(BytesText::new(&xml_text(&id)))?;
        text(w, "pubDate", &meta.date.to_rfc2822())?;
        if let Some(updated) = meta.updated {
            text(w, "atom:updated", &super::rfc3339(updated))?;
        }
        for byline in &article.bylines {
            text(w, "dc:creator", &byline.name)?;
        }
        for term in super::item_terms(site, article) {
            text(w, "category", &term.name)?;
        }
        text(w, "description", article.summary_feed_html())?;
        if site.config.feed_full_content && !meta.for_subscribers {
            text(w, "content:encoded", content)?;
        }
        // The lead image, for readers' and aggregators' cards: a photo of
        // the site as its 1,200-pixel file, with its size and type.
        match (site.lead_photo(article), meta.image.as_deref()) {
            (Some(i), _) => {
                let image = site.images.for_feeds(&site.config, i);
                w.create_element("media:content")
                    .with_attribute(("url", image.url.as_str()))
                    .with_attribute(("medium", "image"))
                    .with_attribute(("type", image.media_type))
                    .with_attribute(("width", image.width.to_string().as_str()))
                    .with_attribute(("height", image.height.to_string().as_str()))
                    .write_empty()?;
            }
            (None, Some(image)) => {
                let url = crate::paths::resolve_url(&site.config, &article.url, image);
                w.create_element("media:content")
                    .with_attribute(("url", url.as_str()))
                    .with_attribute(("medium", "image"))
                    .write_empty()?;
            }
            (None, None) => {}
        }
        Ok(())
    })?;
    Ok(())
}
