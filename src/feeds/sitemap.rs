//! Sitemaps (sitemaps.org protocol), the Google News sitemap and robots.txt.

use super::{last_modified, rfc3339, xml_element as text};
use crate::site::{Article, Site};
use chrono::{DateTime, Duration, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, Event};
use std::io;

/// The most URLs one sitemap file may hold (sitemaps.org).
pub const URLS_PER_SITEMAP: usize = 50_000;
/// The most articles a news sitemap may hold (Google News).
pub const NEWS_LIMIT: usize = 1_000;
/// How far back the news sitemap reaches.
pub const NEWS_WINDOW_DAYS: i64 = 2;

/// One URL of the sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub url: String,
    pub lastmod: Option<DateTime<Utc>>,
}

/// Every page worth indexing, in a stable order: the front page, articles
/// (newest first), pages, sections, tags, authors and the date archive.
/// Paginated pages after the first, the search page and 404 are left out.
pub fn entries(site: &Site) -> Vec<Entry> {
    let newest = |items: &[usize]| {
        items
            .iter()
            .map(|&i| last_modified(&site.articles[i]))
            .max()
    };
    let all: Vec<usize> = (0..site.articles.len()).collect();
    let mut out = vec![Entry {
        url: site.config.url(crate::paths::FRONT),
        lastmod: newest(&all),
    }];
    out.extend(site.articles.iter().map(|a| Entry {
        url: a.url.clone(),
        lastmod: Some(last_modified(a)),
    }));
    out.extend(site.pages.iter().map(|p| Entry {
        url: p.url.clone(),
        lastmod: None,
    }));
    for kind in crate::paths::TermKind::ALL {
        let terms = site.terms(kind);
        let index_path = kind.index_path();
        if !terms.is_empty() {
            out.push(Entry {
                url: site.config.url(index_path),
                lastmod: newest(&all),
            });
        }
        out.extend(terms.iter().map(|t| Entry {
            url: t.url.clone(),
            lastmod: newest(&t.articles),
        }));
    }
    if !site.authors.is_empty() {
        out.push(Entry {
            url: site.config.url(crate::paths::AUTHORS),
            lastmod: None,
        });
    }
    out.extend(site.authors.iter().map(|a| Entry {
        url: a.url.clone(),
        lastmod: newest(&a.articles),
    }));
    for year in &site.archives {
        let year_articles: Vec<usize> = year
            .months
            .iter()
            .flat_map(|m| m.articles.iter().copied())
            .collect();
        out.push(Entry {
            url: year.url.clone(),
            lastmod: newest(&year_articles),
        });
        out.extend(year.months.iter().map(|m| Entry {
            url: m.url.clone(),
            lastmod: newest(&m.articles),
        }));
    }
    out
}

/// How many sitemap files `count` URLs need at `per_file` URLs a file:
/// 1 means /sitemap.xml holds them all; more means /sitemap.xml is an index
/// of /sitemap-1.xml, /sitemap-2.xml, ...
pub(crate) fn part_count(count: usize, per_file: usize) -> usize {
    count.div_ceil(per_file).max(1)
}

/// The entries of part `n` (from 1).
pub fn part(entries: &[Entry], n: usize, per_file: usize) -> &[Entry] {
    entries.chunks(per_file).nth(n - 1).unwrap_or(&[])
}

fn document(
    root: &str,
    extra_ns: Option<(&str, &str)>,
    body: impl FnOnce(&mut Writer<Vec<u8>>) -> io::Result<()>,
) -> io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut element = w
        .create_element(root)
        .with_attribute(("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9"));
    if let Some(ns) = extra_ns {
        element = element.with_attribute(ns);
    }
    element.write_inner_content(body)?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

/// A `<urlset>` of `entries`.
pub fn urlset(entries: &[Entry]) -> io::Result<Vec<u8>> {
    document("urlset", None, |w| {
        for entry in entries {
            w.create_element("url").write_inner_content(|w| {
                text(w, "loc", &entry.url)?;
                if let Some(lastmod) = entry.lastmod {
                    text(w, "lastmod", &rfc3339(lastmod))?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

/// A `<sitemapindex>` naming each part: (URL, newest lastmod in it).
pub fn index(parts: &[(String, Option<DateTime<Utc>>)]) -> io::Result<Vec<u8>> {
    document("sitemapindex", None, |w| {
        for (url, lastmod) in parts {
            w.create_element("sitemap").write_inner_content(|w| {
                text(w, "loc", url)?;
                if let Some(lastmod) = lastmod {
                    text(w, "lastmod", &rfc3339(*lastmod))?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

/// The articles of the news sitemap: the newsroom's journalism (not
/// sponsored content or press releases) published in the two days before
/// `now`, newest first, at most [`NEWS_LIMIT`].
pub(crate) fn news_articles(site: &Site) -> Vec<&Article> {
    let since = site.now - Duration::days(NEWS_WINDOW_DAYS);
    // Articles are newest first: past the window, none is recent, so a
    // large archive is not read to its end (this is asked three times a
    // build: the jobs, the sitemap and robots.txt).
    site.articles
        .iter()
        .skip_while(|a| a.doc.meta.date > site.now)
        .take_while(|a| a.doc.meta.date > since)
        .filter(|a| a.doc.meta.kind.is_journalism())
        .take(NEWS_LIMIT)
        .map(|a| &**a)
        .collect()
}

/// The next moment the news sitemap would change by time alone: an
/// article of the window leaves it, or one dated ahead (built with
/// `--future`) enters it. None when no article is that recent.
pub(crate) fn news_window_changes(site: &Site) -> Option<DateTime<Utc>> {
    let since = site.now - Duration::days(NEWS_WINDOW_DAYS);
    (site.articles.iter())
        .take_while(|a| a.doc.meta.date > since)
        .map(|a| {
            let date = a.doc.meta.date;
            if date > site.now {
                date
            } else {
                date + Duration::days(NEWS_WINDOW_DAYS)
            }
        })
        .min()
}

/// The language as Google News writes it: the ISO 639 code alone (`en`
/// for `en-GB`), except Chinese, which is `zh-cn` or `zh-tw` by script.
pub(crate) fn news_language(tag: &str) -> String {
    let Ok(tag) = language_tags::LanguageTag::parse(tag) else {
        return tag.to_ascii_lowercase();
    };
    let primary = tag.primary_language().to_ascii_lowercase();
    if primary != "zh" {
        return primary;
    }
    let traditional = match tag.script() {
        Some(script) => script.eq_ignore_ascii_case("hant"),
        None => {
            (tag.region()).is_some_and(|r| ["TW", "HK", "MO"].contains(&&*r.to_ascii_uppercase()))
        }
    };
    if traditional { "zh-tw" } else { "zh-cn" }.to_string()
}

/// The Google News sitemap of `articles` (from [`news_articles`]). The
/// sitemaps.org schema requires at least one `<url>`, so an archive with
/// nothing from the last two days has no news sitemap (and robots.txt
/// names none) until its next story.
pub fn news(site: &Site, articles: &[&Article]) -> io::Result<Vec<u8>> {
    let config = &site.config;
    let language = news_language(&config.language);
    document(
        "urlset",
        Some((
            "xmlns:news",
            "http://www.google.com/schemas/sitemap-news/0.9",
        )),
        |w| {
            for article in articles {
                w.create_element("url").write_inner_content(|w| {
                    text(w, "loc", &article.url)?;
                    w.create_element("news:news").write_inner_content(|w| {
                        w.create_element("news:publication")
                            .write_inner_content(|w| {
                                text(w, "news:name", &config.news_publication_name)?;
                                text(w, "news:language", &language)
                            })?;
                        text(
                            w,
                            "news:publication_date",
                            &article
                                .doc
                                .meta
                                .date
                                .with_timezone(&config.timezone)
                                .to_rfc3339(),
                        )?;
                        text(w, "news:title", &article.doc.meta.title)
                    })?;
                    Ok(())
                })?;
            }
            Ok(())
        },
    )
}

/// robots.txt: everything may be crawled; the sitemaps are named (the
/// news sitemap while there is one).
pub fn robots(site: &Site) -> Vec<u8> {
    let mut text = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        site.config.url(crate::paths::SITEMAP)
    );
    if !news_articles(site).is_empty() {
        text += &format!("Sitemap: {}\n", site.config.url(crate::paths::NEWS_SITEMAP));
    }
    text.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_languages_are_iso_639_codes_but_for_chinese() {
        for (tag, expected) in [
            ("en-GB", "en"),
            ("EN", "en"),
            ("pt-BR", "pt"),
            ("yue-HK", "yue"),
            ("zh", "zh-cn"),
            ("zh-CN", "zh-cn"),
            ("zh-Hans-HK", "zh-cn"),
            ("zh-TW", "zh-tw"),
            ("zh-HK", "zh-tw"),
            ("zh-Hant", "zh-tw"),
            ("zh-Hant-CN", "zh-tw"),
        ] {
            assert_eq!(news_language(tag), expected, "{tag}");
        }
    }

    #[test]
    fn sitemaps_split_past_the_limit() {
        let entries: Vec<Entry> = (0..5)
            .map(|i| Entry {
                url: format!("https://e.com/{i}/"),
                lastmod: None,
            })
            .collect();
        assert_eq!(part_count(5, 5), 1);
        assert_eq!(part_count(0, 5), 1);
        assert_eq!(part_count(5, 2), 3);
        assert_eq!(part(&entries, 3, 2).len(), 1);
        assert_eq!(part(&entries, 3, 2)[0].url, "https://e.com/4/");
        let index =
            String::from_utf8(index(&[("https://e.com/sitemap-1.xml".into(), None)]).unwrap())
                .unwrap();
        let doc = roxmltree::Document::parse(&index).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "sitemapindex");
        assert_eq!(
            doc.descendants().filter(|n| n.has_tag_name("loc")).count(),
            1
        );
    }
}
