//! Reading a rendered file back, as a browser, feed reader or crawler
//! would: the links, ids and title of an HTML page (html5ever's tokenizer),
//! the URLs a feed or sitemap lists (roxmltree, a strict XML parser) and
//! the URLs a JSON file holds (serde_json).

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, CharacterTokens, EndTag, StartTag, TagToken, Token, TokenSink, TokenSinkResult,
    Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;
use std::collections::HashSet;

/// What a URL in a file is for; named in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RefKind {
    Link,
    Image,
    Stylesheet,
    Script,
    /// Video, audio, iframes and other embedded media.
    Media,
    Canonical,
    /// Open Graph and Twitter card URLs.
    Metadata,
    /// A URL a feed, sitemap or JSON file lists.
    Listed,
}

/// One URL found in a file, as written there (entities decoded).
#[derive(Debug, Clone)]
pub struct Reference {
    pub url: String,
    pub kind: RefKind,
}

/// What a file holds that the check needs.
#[derive(Debug, Default)]
pub struct Scan {
    pub references: Vec<Reference>,
    /// Ids (and `<a name>`) a `#fragment` can point at; HTML only.
    pub ids: HashSet<String>,
    /// Problems with the file itself (cannot be parsed, no title, ...).
    pub problems: Vec<String>,
}

/// Scans an HTML page: every URL it loads or links to, every id, and
/// whether it has a title and a canonical link.
pub fn html(bytes: &[u8]) -> Scan {
    let text = String::from_utf8_lossy(bytes);
    let tokenizer = Tokenizer::new(PageSink::default(), TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from(&*text));
    // Our sink never asks the tokenizer to pause for a script.
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    let page = tokenizer.sink.state.into_inner();
    let mut scan = page.scan;
    if page.title.trim().is_empty() {
        scan.problems.push("has no <title>".into());
    }
    if !page.canonical {
        scan.problems
            .push("has no canonical link (<link rel=\"canonical\">)".into());
    }
    scan
}

#[derive(Default)]
struct PageSink {
    state: RefCell<PageState>,
}

#[derive(Default)]
struct PageState {
    scan: Scan,
    in_title: bool,
    title: String,
    canonical: bool,
}

impl PageState {
    fn add(&mut self, url: &str, kind: RefKind) {
        let url = url.trim();
        if !url.is_empty() {
            self.scan.references.push(Reference {
                url: url.to_string(),
                kind,
            });
        }
    }

    /// `srcset="a.jpg 1x, b.jpg 2x"`: the URL of each candidate.
    fn add_srcset(&mut self, srcset: &str) {
        for candidate in srcset.split(',') {
            if let Some(url) = candidate.split_whitespace().next() {
                self.add(url, RefKind::Image);
            }
        }
    }
}

impl TokenSink for PageSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut page = self.state.borrow_mut();
        match token {
            TagToken(tag) if tag.kind == StartTag => {
                let attr = |name: &str| {
                    tag.attrs
                        .iter()
                        .find(|a| &*a.name.local == name)
                        .map(|a| a.value.to_string())
                };
                if let Some(id) = attr("id")
                    && !page.scan.ids.insert(id.clone())
                {
                    // Two elements with one id: a `#fragment` (or the skip
                    // link, or the search box's script) finds only the first.
                    let problem = format!(
                        "has the id `{id}` twice: ids must be unique in a page (a heading written `{{#{id}}}` or raw HTML may repeat one the templates use)"
                    );
                    if !page.scan.problems.contains(&problem) {
                        page.scan.problems.push(problem);
                    }
                }
                match &*tag.name {
                    "a" | "area" => {
                        if let Some(name) = attr("name").filter(|_| &*tag.name == "a") {
                            page.scan.ids.insert(name);
                        }
                        if let Some(href) = attr("href") {
                            page.add(&href, RefKind::Link);
                        }
                    }
                    "link" => {
                        let rel = attr("rel").unwrap_or_default().to_ascii_lowercase();
                        let rels: Vec<&str> = rel.split_whitespace().collect();
                        let kind = if rels.contains(&"canonical") {
                            page.canonical = true;
                            Some(RefKind::Canonical)
                        } else if rels.contains(&"stylesheet") {
                            Some(RefKind::Stylesheet)
                        } else if rels
                            .iter()
                            .any(|r| matches!(*r, "preconnect" | "dns-prefetch"))
                        {
                            // Origins to connect to, not documents.
                            None
                        } else {
                            Some(RefKind::Link)
                        };
                        if let (Some(kind), Some(href)) = (kind, attr("href")) {
                            page.add(&href, kind);
                        }
                    }
                    "img" | "source" => {
                        if let Some(src) = attr("src") {
                            let kind = if &*tag.name == "img" {
                                RefKind::Image
                            } else {
                                RefKind::Media
                            };
                            page.add(&src, kind);
                        }
                        if let Some(srcset) = attr("srcset") {
                            page.add_srcset(&srcset);
                        }
                    }
                    "iframe" | "video" | "audio" | "track" | "embed" => {
                        if let Some(src) = attr("src") {
                            page.add(&src, RefKind::Media);
                        }
                        if let Some(poster) = attr("poster") {
                            page.add(&poster, RefKind::Image);
                        }
                    }
                    "meta" => {
                        let key = attr("property").or_else(|| attr("name"));
                        if let (Some(key), Some(content)) = (key, attr("content"))
                            && matches!(
                                key.as_str(),
                                "og:url" | "og:image" | "twitter:image" | "twitter:url"
                            )
                        {
                            page.add(&content, RefKind::Metadata);
                        }
                    }
                    // Their text is not markup: tell the tokenizer, as a
                    // browser's tree builder would.
                    "script" => {
                        if let Some(src) = attr("src") {
                            page.add(&src, RefKind::Script);
                        }
                        return TokenSinkResult::RawData(RawKind::ScriptData);
                    }
                    "style" | "noscript" | "xmp" | "noembed" | "noframes" => {
                        return TokenSinkResult::RawData(RawKind::Rawtext);
                    }
                    "title" | "textarea" => {
                        page.in_title = &*tag.name == "title";
                        return TokenSinkResult::RawData(RawKind::Rcdata);
                    }
                    _ => {}
                }
            }
            TagToken(tag) if tag.kind == EndTag && &*tag.name == "title" => {
                page.in_title = false;
            }
            CharacterTokens(text) if page.in_title => page.title.push_str(&text),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Scans an XML feed or sitemap: it must be well-formed, and every URL it
/// lists (`<loc>`, `<link>`, permalink `<guid>`, enclosures) is collected.
pub fn xml(bytes: &[u8]) -> Scan {
    let mut scan = Scan::default();
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            scan.problems.push(format!("is not valid UTF-8: {e}"));
            return scan;
        }
    };
    let doc = match roxmltree::Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            scan.problems.push(format!("is not well-formed XML: {e}"));
            return scan;
        }
    };
    for node in doc.descendants().filter(|n| n.is_element()) {
        let text = || node.text().map(str::trim).unwrap_or("");
        let url = match node.tag_name().name() {
            "loc" => text(),
            "link" => node.attribute("href").unwrap_or_else(text),
            "guid" if node.attribute("isPermaLink") != Some("false") => text(),
            "enclosure" => node.attribute("url").unwrap_or(""),
            "url"
                if node
                    .parent()
                    .is_some_and(|p| p.tag_name().name() == "image") =>
            {
                text()
            }
            _ => "",
        };
        if !url.is_empty() {
            scan.references.push(Reference {
                url: url.to_string(),
                kind: RefKind::Listed,
            });
        }
    }
    scan
}

/// Scans a JSON file (JSON Feed, the search index): it must parse, and
/// every URL-valued member is collected.
pub fn json(bytes: &[u8]) -> Scan {
    let mut scan = Scan::default();
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => collect_json_urls(&value, &mut scan.references),
        Err(e) => scan.problems.push(format!("is not valid JSON: {e}")),
    }
    scan
}

fn collect_json_urls(value: &serde_json::Value, out: &mut Vec<Reference>) {
    use serde_json::Value;
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                match member {
                    Value::String(url)
                        if matches!(
                            key.as_str(),
                            "url"
                                | "home_page_url"
                                | "feed_url"
                                | "image"
                                | "banner_image"
                                | "icon"
                                | "favicon"
                                | "avatar"
                        ) =>
                    {
                        out.push(Reference {
                            url: url.clone(),
                            kind: RefKind::Listed,
                        })
                    }
                    other => collect_json_urls(other, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_json_urls(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(scan: &Scan) -> Vec<(&str, RefKind)> {
        scan.references
            .iter()
            .map(|r| (r.url.as_str(), r.kind))
            .collect()
    }

    #[test]
    fn html_pages_give_links_ids_title_and_canonical() {
        let page = br#"<!DOCTYPE html><html><head><title>A &amp; B</title>
<link rel="canonical" href="https://e.com/a/"><link rel="stylesheet" href="/s.css">
<link rel="preconnect" href="https://cdn.example">
<meta property="og:image" content="https://e.com/i.png">
<script>var x = "<a href='/not-a-link/'>";</script>
<style>a[href="/nor-this/"] {}</style></head>
<body><h2 id="top-story">T</h2><a name="old"></a>
<a href="/b/?x=1&amp;y=2#top-story">b</a><img src="p.jpg" srcset="p1.jpg 1x, p2.jpg 2x">
<p>Text with <a href="mailto:x@e.com">mail</a></p></body></html>"#;
        let scan = html(page);
        assert!(scan.problems.is_empty(), "{:?}", scan.problems);
        assert_eq!(
            urls(&scan),
            vec![
                ("https://e.com/a/", RefKind::Canonical),
                ("/s.css", RefKind::Stylesheet),
                ("https://e.com/i.png", RefKind::Metadata),
                ("/b/?x=1&y=2#top-story", RefKind::Link),
                ("p.jpg", RefKind::Image),
                ("p1.jpg", RefKind::Image),
                ("p2.jpg", RefKind::Image),
                ("mailto:x@e.com", RefKind::Link),
            ]
        );
        assert!(scan.ids.contains("top-story") && scan.ids.contains("old"));
    }

    #[test]
    fn html_pages_without_title_or_canonical_are_reported() {
        let scan = html(b"<html><head><title> </title></head><body>x</body></html>");
        assert_eq!(
            scan.problems,
            vec![
                "has no <title>",
                "has no canonical link (<link rel=\"canonical\">)"
            ]
        );
    }

    #[test]
    fn xml_must_be_well_formed_and_gives_listed_urls() {
        let feed = br#"<?xml version="1.0"?><rss><channel><link>https://e.com/</link>
<item><guid isPermaLink="false">tag:x</guid><link>https://e.com/a/</link>
<enclosure url="https://e.com/a.mp3"/></item></channel></rss>"#;
        let scan = xml(feed);
        assert_eq!(
            urls(&scan).iter().map(|u| u.0).collect::<Vec<_>>(),
            vec!["https://e.com/", "https://e.com/a/", "https://e.com/a.mp3"]
        );
        let broken = xml(b"<urlset><url><loc>x</loc></urlset>");
        assert!(broken.problems[0].starts_with("is not well-formed XML"));
    }

    #[test]
    fn json_gives_url_members() {
        let scan = json(br#"{"home_page_url":"https://e.com/","items":[{"url":"https://e.com/a/","title":"url"}]}"#);
        assert_eq!(scan.references.len(), 2);
        assert!(json(b"{").problems[0].starts_with("is not valid JSON"));
    }
}
