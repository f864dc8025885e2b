//! What a news site publishes beside its articles: sections, tags and
//! authors with their feeds, date archives, Atom and JSON feeds, sitemaps,
//! search, metadata and scheduling. Feeds and sitemaps are parsed back with
//! a strict XML parser and checked for the elements their formats require.

mod common;

use chrono::{Duration, SecondsFormat, Utc};
use common::{Fixture, SITE_TOML, article};
use roxmltree::{Document, Node};
use serde_json::Value;

const ATOM: &str = "http://www.w3.org/2005/Atom";

fn text_of(node: Node, name: &str) -> Option<String> {
    node.children()
        .find(|n| n.tag_name().name() == name)
        .and_then(|n| n.text())
        .map(str::to_string)
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Vec<Node<'a, 'i>> {
    node.children()
        .filter(|n| n.tag_name().name() == name)
        .collect()
}

/// The RSS items of a feed file: (title, guid).
fn rss_items(site: &Fixture, path: &str) -> Vec<(String, String)> {
    let xml = site.read(path);
    let doc = Document::parse(&xml).unwrap_or_else(|e| panic!("{path}: {e}"));
    let channel = children(doc.root_element(), "channel")[0];
    assert!(
        text_of(channel, "title").is_some() && text_of(channel, "link").is_some(),
        "{path}: channel title and link"
    );
    assert!(
        text_of(channel, "description").is_some(),
        "{path}: channel description"
    );
    children(channel, "item")
        .into_iter()
        .map(|i| (text_of(i, "title").unwrap(), text_of(i, "guid").unwrap()))
        .collect()
}

fn desk() -> Fixture {
    Fixture::new(&[
        (
            "content/authors/ana.md",
            "+++\nname = \"Ana Lee\"\navatar = \"ana.png\"\n[links]\nWebsite = \"https://ana.example.org\"\n+++\nAna covers autos.\n",
        ),
        ("static/authors/ana/ana.png", "PNG"),
        (
            "content/articles/2020/dec.md",
            &article(
                "December story",
                "2020-12-30T10:00:00Z",
                "author = \"ana\"\ncategory = \"Business\"\ntags = [\"EV\", \"Batteries\"]\n",
                "Dec text.",
            ),
        ),
        (
            "content/articles/2021/jan.md",
            &article(
                "January story",
                "2021-01-05T10:00:00Z",
                "author = \"ana\"\ncategory = \"business\"\ntags = [\"ev\"]\n",
                "Jan text.",
            ),
        ),
        (
            "content/articles/2021/mar.md",
            &article(
                "March story",
                "2021-03-26T10:00:00Z",
                "author = \"Guest Writer\"\ncategory = \"Markets\"\ntags = [\"Stocks\"]\n",
                "Mar text.",
            ),
        ),
    ])
}

#[test]
fn a_term_with_two_spellings_is_one_term_and_warns() {
    let site = desk();
    let run = site.build_ok();
    assert!(run.stderr.contains("warning: ") && run.stderr.contains("content/articles/2021/jan.md: tag `ev` is the same as `EV` (both are /tags/ev/): using `EV`, the spelling used first"), "{}", run.stderr);
    assert!(run.stderr.contains("content/articles/2021/jan.md: section `business` is the same as `Business` (both are /categories/business/)"), "{}", run.stderr);
    let tag = site.read("tags/ev/index.html");
    assert!(tag.contains("<h1>EV</h1>"), "{tag}");
    assert!(tag.contains("December story") && tag.contains("January story"));
    assert!(tag.contains("2 articles"));
    assert!(!site.public().join("tags/EV").exists());
}

#[test]
fn term_and_author_indexes_list_every_term_with_counts() {
    let site = desk();
    site.build_ok();
    let tags = site.read("tags/index.html");
    for (name, count) in [("Batteries", 1), ("EV", 2), ("Stocks", 1)] {
        assert!(
            tags.contains(&format!(
                "\">{name}</a> <span class=\"count\">{count}</span>"
            )),
            "{name}: {tags}"
        );
    }
    let sections = site.read("categories/index.html");
    assert!(sections.contains("\">Business</a> <span class=\"count\">2</span>"));
    assert!(sections.contains("\">Markets</a> <span class=\"count\">1</span>"));
    let authors = site.read("authors/index.html");
    assert!(authors.contains("<a href=\"https://news.example.com/authors/ana/\">Ana Lee</a>"));
    assert!(authors.contains("2 articles"));
}

#[test]
fn author_page_shows_the_profile_above_the_articles() {
    let site = desk();
    site.build_ok();
    let page = site.read("authors/ana/index.html");
    let profile = page.find("<h1>Ana Lee</h1>").expect("name");
    let bio = page.find("<p>Ana covers autos.</p>").expect("bio");
    let link = page
        .find("<a href=\"https://ana.example.org\" rel=\"me\">Website</a>")
        .expect("links");
    let avatar = page
        .find("src=\"https://news.example.com/authors/ana/ana-48x48.png\"")
        .expect("avatar resolved against the author page, made square");
    let first_article = page.find("January story").expect("articles");
    assert!(
        profile < first_article
            && bio < first_article
            && link < first_article
            && avatar < first_article
    );
    assert!(page.contains("December story"));
    assert!(!page.contains("March story"));
    assert!(page.contains("<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Ana Lee | Test Desk\" href=\"https://news.example.com/authors/ana/feed.xml\">"));
}

#[test]
fn every_section_tag_and_author_has_its_own_feed() {
    let site = desk();
    site.build_ok();
    let titles = |path: &str| {
        rss_items(&site, path)
            .into_iter()
            .map(|(t, _)| t)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        titles("tags/ev/feed.xml"),
        vec!["January story", "December story"]
    );
    assert_eq!(titles("tags/stocks/feed.xml"), vec!["March story"]);
    assert_eq!(
        titles("categories/business/feed.xml"),
        vec!["January story", "December story"]
    );
    assert_eq!(
        titles("authors/ana/feed.xml"),
        vec!["January story", "December story"]
    );
    let xml = site.read("tags/ev/feed.xml");
    assert!(
        xml.contains("<atom:link href=\"https://news.example.com/tags/ev/feed.xml\" rel=\"self\"")
    );
    assert!(xml.contains("<link>https://news.example.com/tags/ev/</link>"));
    let page = site.read("tags/ev/index.html");
    assert!(page.contains("href=\"https://news.example.com/tags/ev/feed.xml\""));
}

#[test]
fn date_archives_list_articles_and_link_neighbouring_months() {
    let site = desk();
    site.build_ok();
    let year = site.read("2021/index.html");
    assert!(year.contains("<h1>2021</h1>"));
    assert!(year.contains("<a href=\"https://news.example.com/2021/03/\">March 2021</a>"));
    assert!(year.contains("<a href=\"https://news.example.com/2021/01/\">January 2021</a>"));
    assert!(
        year.contains("January story")
            && year.contains("March story")
            && !year.contains("December story")
    );
    assert!(year.contains("href=\"https://news.example.com/2020/\">2020 →</a>"));
    let january = site.read("2021/01/index.html");
    assert!(january.contains("<h1>January 2021</h1>"));
    assert!(january.contains("January story") && !january.contains("March story"));
    // Neighbours cross the year boundary and skip empty months.
    assert!(
        january.contains("href=\"https://news.example.com/2021/03/\">← March 2021</a>"),
        "{january}"
    );
    assert!(january.contains("href=\"https://news.example.com/2020/12/\">December 2020 →</a>"));
    assert!(site.public().join("2020/12/index.html").is_file());
    assert!(!site.public().join("2021/02").exists());
}

#[test]
fn atom_feed_has_what_the_format_requires() {
    let site = desk();
    site.build_ok();
    let xml = site.read("atom.xml");
    let doc = Document::parse(&xml).unwrap();
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().namespace(), Some(ATOM));
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(
        text_of(feed, "id").as_deref(),
        Some("https://news.example.com/")
    );
    assert_eq!(text_of(feed, "title").as_deref(), Some("Test Desk"));
    assert_eq!(
        text_of(feed, "updated").as_deref(),
        Some("2021-03-26T10:00:00Z")
    );
    let self_link = children(feed, "link")
        .into_iter()
        .find(|l| l.attribute("rel") == Some("self"))
        .unwrap();
    assert_eq!(
        self_link.attribute("href"),
        Some("https://news.example.com/atom.xml")
    );
    let entries = children(feed, "entry");
    assert_eq!(entries.len(), 3);
    for entry in &entries {
        for required in ["id", "title", "updated", "published"] {
            assert!(text_of(*entry, required).is_some(), "entry {required}");
        }
        chrono::DateTime::parse_from_rfc3339(&text_of(*entry, "updated").unwrap()).unwrap();
        let link = children(*entry, "link")[0];
        assert_eq!(link.attribute("rel"), Some("alternate"));
        assert_eq!(
            children(*entry, "summary")[0].attribute("type"),
            Some("html")
        );
        assert_eq!(
            children(*entry, "content")[0].attribute("type"),
            Some("html")
        );
    }
    let first = entries[0];
    assert_eq!(text_of(first, "title").as_deref(), Some("March story"));
    assert_eq!(
        text_of(first, "id").as_deref(),
        Some("https://news.example.com/2021/03/26/mar/")
    );
    let author = children(first, "author")[0];
    assert_eq!(text_of(author, "name").as_deref(), Some("Guest Writer"));
    let ana = children(entries[1], "author")[0];
    assert_eq!(
        text_of(ana, "uri").as_deref(),
        Some("https://news.example.com/authors/ana/")
    );
    let labels: Vec<_> = children(entries[2], "category")
        .iter()
        .filter_map(|c| c.attribute("label"))
        .collect();
    assert_eq!(labels, vec!["Business", "EV", "Batteries"]);
}

#[test]
fn json_feed_has_the_required_fields_of_version_1_1() {
    let site = desk();
    site.build_ok();
    let feed: Value = serde_json::from_str(&site.read("feed.json")).unwrap();
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["title"], "Test Desk");
    assert_eq!(feed["home_page_url"], "https://news.example.com/");
    assert_eq!(feed["feed_url"], "https://news.example.com/feed.json");
    let items = feed["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for item in items {
        assert!(item["id"].is_string());
        assert!(item["content_html"].is_string() || item["content_text"].is_string());
        chrono::DateTime::parse_from_rfc3339(item["date_published"].as_str().unwrap()).unwrap();
    }
    assert_eq!(items[1]["authors"][0]["name"], "Ana Lee");
    assert_eq!(
        items[1]["authors"][0]["url"],
        "https://news.example.com/authors/ana/"
    );
    assert_eq!(
        items[2]["tags"],
        serde_json::json!(["Business", "EV", "Batteries"])
    );
}

#[test]
fn relative_links_and_images_are_absolute_in_every_feed() {
    let site = Fixture::new(&[
        (
            "content/articles/bundle/index.md",
            &article(
                "Bundle",
                "2021-03-26T10:00:00Z",
                "",
                "Intro with ![chart](chart.png) and [more](details/).\n\n<!-- more -->\n\nSee [the other](../other/) story.",
            ),
        ),
        ("content/articles/bundle/chart.png", "PNG"),
    ]);
    site.build_ok();
    let page = site.read("2021/03/26/bundle/index.html");
    // A photo of the site in the text: its sizes, in the page and in feeds.
    assert!(
        page.contains("<picture><source type=\"image/webp\" srcset=\"https://news.example.com/2021/03/26/bundle/chart-64w.webp 64w\" sizes=\"(min-width: 42rem) 40rem, 100vw\"><img src=\"https://news.example.com/2021/03/26/bundle/chart-64w.png\" srcset=\"https://news.example.com/2021/03/26/bundle/chart-64w.png 64w\" sizes=\"(min-width: 42rem) 40rem, 100vw\" width=\"64\" height=\"48\" alt=\"chart\" loading=\"lazy\" decoding=\"async\"></picture>"),
        "{page}"
    );
    let base = "https://news.example.com/2021/03/26/bundle/";
    let rss = site.read("feed.xml");
    let atom = site.read("atom.xml");
    let json: Value = serde_json::from_str(&site.read("feed.json")).unwrap();
    let rss_doc = Document::parse(&rss).unwrap();
    let item = rss_doc
        .descendants()
        .find(|n| n.has_tag_name("item"))
        .unwrap();
    let description = text_of(item, "description").unwrap();
    let content = text_of(item, "encoded").unwrap();
    let atom_doc = Document::parse(&atom).unwrap();
    let entry = atom_doc
        .descendants()
        .find(|n| n.has_tag_name((ATOM, "entry")))
        .unwrap();
    let atom_summary = text_of(entry, "summary").unwrap();
    let atom_content = text_of(entry, "content").unwrap();
    let json_content = json["items"][0]["content_html"]
        .as_str()
        .unwrap()
        .to_string();
    for (what, html) in [
        ("rss description", &description),
        ("rss content", &content),
        ("atom summary", &atom_summary),
        ("atom content", &atom_content),
        ("json content", &json_content),
    ] {
        // The summary, above `<!-- more -->`, keeps the image as written.
        let image = match what.contains("content") {
            true => {
                format!("src=\"{base}chart-64w.png\" width=\"64\" height=\"48\" alt=\"chart\">")
            }
            false => format!("src=\"{base}chart.png\""),
        };
        assert!(html.contains(&image), "{what}: {html}");
        assert!(
            html.contains(&format!("href=\"{base}details/\"")),
            "{what}: {html}"
        );
        assert!(!html.contains("src=\"chart.png\""), "{what}");
    }
    for html in [&content, &atom_content, &json_content] {
        assert!(
            html.contains("href=\"https://news.example.com/2021/03/26/other/\""),
            "{html}"
        );
    }
}

#[test]
fn an_edited_article_shows_its_update_and_keeps_its_id() {
    let site = Fixture::new(&[(
        "content/articles/story.md",
        &article("First headline", "2021-03-26T10:00:00Z", "", "First text."),
    )]);
    site.build_ok();
    let ids = |site: &Fixture| {
        let rss = rss_items(site, "feed.xml")[0].1.clone();
        let atom_xml = site.read("atom.xml");
        let atom_doc = Document::parse(&atom_xml).unwrap();
        let atom = atom_doc
            .descendants()
            .find(|n| n.has_tag_name((ATOM, "entry")))
            .and_then(|e| text_of(e, "id"))
            .unwrap();
        let json: Value = serde_json::from_str(&site.read("feed.json")).unwrap();
        (
            rss,
            atom,
            json["items"][0]["id"].as_str().unwrap().to_string(),
        )
    };
    let before = ids(&site);
    site.write(
        "content/articles/story.md",
        &article(
            "Corrected headline",
            "2021-03-26T10:00:00Z",
            "updated = 2021-03-27T08:30:00Z\n",
            "Corrected text.",
        ),
    );
    site.build_ok();
    assert_eq!(ids(&site), before, "ids must survive an edit");
    let page = site.read("2021/03/26/story/index.html");
    assert!(
        page.contains(
            "Updated <time datetime=\"2021-03-27T16:30:00+08:00\">27 March 2021, 16:30 HKT</time>"
        ),
        "{page}"
    );
    assert!(page.contains(
        "<meta property=\"article:modified_time\" content=\"2021-03-27T16:30:00+08:00\">"
    ));
    let atom = site.read("atom.xml");
    assert!(atom.contains("<published>2021-03-26T10:00:00Z</published>"));
    assert!(atom.contains("<updated>2021-03-27T08:30:00Z</updated>"));
    let json: Value = serde_json::from_str(&site.read("feed.json")).unwrap();
    assert_eq!(json["items"][0]["date_modified"], "2021-03-27T08:30:00Z");
    let sitemap = site.read("sitemap.xml");
    assert!(sitemap.contains("<loc>https://news.example.com/2021/03/26/story/</loc>\n    <lastmod>2021-03-27T08:30:00Z</lastmod>"), "{sitemap}");
}

/// Every output file's text, for "appears nowhere" checks.
fn everything(site: &Fixture) -> String {
    common::tree(&site.public())
        .into_iter()
        .map(|(_, bytes)| String::from_utf8_lossy(&bytes).into_owned())
        .collect()
}

#[test]
fn expired_and_future_articles_are_left_out_everywhere() {
    let past = (Utc::now() - Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let site = Fixture::new(&[
        (
            "content/articles/live.md",
            &article(
                "Live story",
                "2021-03-01",
                "tags = [\"t\"]\ncategory = \"c\"\n",
                "x",
            ),
        ),
        (
            "content/articles/gone.md",
            &article(
                "Expired story",
                "2021-03-02",
                &format!("tags = [\"t\"]\ncategory = \"c\"\nexpires = {past}\n"),
                "x",
            ),
        ),
        (
            "content/articles/later.md",
            &article(
                "Future story",
                "2099-03-03T00:00:00Z",
                "tags = [\"t\"]\ncategory = \"c\"\n",
                "x",
            ),
        ),
    ]);
    let run = site.build_ok();
    assert!(
        run.stdout
            .contains("left out: 1 scheduled (--future), 1 expired"),
        "{}",
        run.stdout
    );
    let all = everything(&site);
    assert!(all.contains("Live story"));
    assert!(
        !all.contains("Expired story"),
        "expired article published somewhere"
    );
    assert!(
        !all.contains("Future story"),
        "future article published somewhere"
    );
    assert!(!all.contains("/gone/") && !all.contains("/later/"));
    assert!(!site.public().join("2099").exists());
}

#[test]
fn empty_feeds_are_still_valid() {
    let site = Fixture::new(&[]);
    site.build_ok();
    let rss = site.read("feed.xml");
    Document::parse(&rss).unwrap();
    let atom = site.read("atom.xml");
    let doc = Document::parse(&atom).unwrap();
    // Atom requires a date even with no entries: the epoch, never the clock.
    assert_eq!(
        text_of(doc.root_element(), "updated").as_deref(),
        Some("1970-01-01T00:00:00Z")
    );
    let json: Value = serde_json::from_str(&site.read("feed.json")).unwrap();
    assert_eq!(json["items"], serde_json::json!([]));
    let sitemap = site.read("sitemap.xml");
    Document::parse(&sitemap).unwrap();
    // No article is recent: no news sitemap (its schema needs a `<url>`).
    assert!(!site.public().join("news-sitemap.xml").exists());
}

#[test]
fn sitemap_lists_every_page_with_content_dates() {
    let site = desk();
    site.write("content/pages/about.md", "+++\ntitle = \"About\"\n+++\nx\n");
    site.build_ok();
    let xml = site.read("sitemap.xml");
    let doc = Document::parse(&xml).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "urlset");
    assert_eq!(
        doc.root_element().tag_name().namespace(),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    let urls: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .map(str::to_string)
        .collect();
    for expected in [
        "https://news.example.com/",
        "https://news.example.com/2021/03/26/mar/",
        "https://news.example.com/about/",
        "https://news.example.com/categories/",
        "https://news.example.com/categories/business/",
        "https://news.example.com/tags/ev/",
        "https://news.example.com/authors/ana/",
        "https://news.example.com/2021/",
        "https://news.example.com/2021/01/",
    ] {
        assert!(
            urls.contains(&expected.to_string()),
            "{expected} missing from {urls:?}"
        );
    }
    let mut sorted = urls.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), urls.len(), "no URL twice");
    for url in doc.descendants().filter(|n| n.has_tag_name("url")) {
        if let Some(lastmod) = text_of(url, "lastmod") {
            chrono::DateTime::parse_from_rfc3339(&lastmod).unwrap();
        }
    }
    assert!(xml.contains(
        "<loc>https://news.example.com/tags/ev/</loc>\n    <lastmod>2021-01-05T10:00:00Z</lastmod>"
    ));
    // Every URL in the sitemap is a page of the output.
    for url in &urls {
        let path = url.trim_start_matches("https://news.example.com/");
        assert!(
            site.public().join(path).join("index.html").is_file(),
            "{url}"
        );
    }
    let robots = site.read("robots.txt");
    assert_eq!(
        robots,
        "User-agent: *\nAllow: /\n\nSitemap: https://news.example.com/sitemap.xml\n"
    );
}

#[test]
fn news_sitemap_holds_only_the_last_two_days() {
    let now = Utc::now();
    let recent = (now - Duration::hours(3)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let older = (now - Duration::days(3)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let site = Fixture::new(&[
        ("site.toml", &format!("{SITE_TOML}language = \"en-GB\"\n")),
        (
            "content/articles/recent.md",
            &article("Fresh & breaking", &recent, "", "x"),
        ),
        (
            "content/articles/older.md",
            &article("Three days old", &older, "", "x"),
        ),
    ]);
    site.build_ok();
    let xml = site.read("news-sitemap.xml");
    let doc = Document::parse(&xml).unwrap();
    let news_ns = "http://www.google.com/schemas/sitemap-news/0.9";
    let urls: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("url"))
        .collect();
    assert_eq!(urls.len(), 1, "{xml}");
    assert!(text_of(urls[0], "loc").unwrap().ends_with("/recent/"));
    let news = urls[0]
        .descendants()
        .find(|n| n.has_tag_name((news_ns, "news")))
        .unwrap();
    let publication = news
        .descendants()
        .find(|n| n.has_tag_name((news_ns, "publication")))
        .unwrap();
    assert_eq!(text_of(publication, "name").as_deref(), Some("Test Desk"));
    assert_eq!(text_of(publication, "language").as_deref(), Some("en"));
    assert_eq!(text_of(news, "title").as_deref(), Some("Fresh & breaking"));
    chrono::DateTime::parse_from_rfc3339(&text_of(news, "publication_date").unwrap()).unwrap();
}

#[test]
fn article_pages_carry_open_graph_twitter_and_news_article_json_ld() {
    let site = Fixture::new(&[
        (
            "content/authors/ana.md",
            "+++\nname = \"Ana Lee\"\n+++\nBio.\n",
        ),
        (
            "content/articles/a.md",
            &article(
                "Deal </script><script>alert(1)</script> & more",
                "2021-03-26T10:00:00Z",
                "author = \"ana\"\ncategory = \"Business\"\ntags = [\"EV\"]\nimage = \"https://cdn.example.com/lead.jpg\"\nupdated = 2021-03-27T10:00:00Z\n",
                "Summary text.\n\nMore words here.",
            ),
        ),
    ]);
    site.build_ok();
    let page = site.read("2021/03/26/a/index.html");
    assert!(
        !page.contains("</script><script>alert(1)"),
        "title escaped everywhere"
    );
    for tag in [
        "<meta property=\"og:type\" content=\"article\">",
        "<meta property=\"og:title\" content=\"Deal &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; more\">",
        "<meta property=\"og:description\" content=\"Summary text.\">",
        "<meta property=\"og:url\" content=\"https://news.example.com/2021/03/26/a/\">",
        "<meta property=\"og:image\" content=\"https://cdn.example.com/lead.jpg\">",
        "<meta property=\"article:published_time\" content=\"2021-03-26T18:00:00+08:00\">",
        "<meta property=\"article:modified_time\" content=\"2021-03-27T18:00:00+08:00\">",
        "<meta property=\"article:author\" content=\"https://news.example.com/authors/ana/\">",
        "<meta property=\"article:section\" content=\"Business\">",
        "<meta property=\"article:tag\" content=\"EV\">",
        "<meta name=\"twitter:card\" content=\"summary_large_image\">",
        "<meta name=\"description\" content=\"Summary text.\">",
        "<link rel=\"canonical\" href=\"https://news.example.com/2021/03/26/a/\">",
    ] {
        assert!(page.contains(tag), "missing {tag}");
    }
    let start = page.find("<script type=\"application/ld+json\">").unwrap()
        + "<script type=\"application/ld+json\">".len();
    let end = start + page[start..].find("</script>").unwrap();
    let ld: Value = serde_json::from_str(&page[start..end]).expect("JSON-LD parses");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(
        ld["headline"],
        "Deal </script><script>alert(1)</script> & more"
    );
    assert_eq!(ld["datePublished"], "2021-03-26T18:00:00+08:00");
    assert_eq!(ld["dateModified"], "2021-03-27T18:00:00+08:00");
    assert_eq!(ld["image"][0], "https://cdn.example.com/lead.jpg");
    assert_eq!(ld["author"][0]["name"], "Ana Lee");
    assert_eq!(
        ld["author"][0]["url"],
        "https://news.example.com/authors/ana/"
    );
    assert_eq!(ld["publisher"]["name"], "Test Desk");
    assert_eq!(ld["publisher"]["@type"], "NewsMediaOrganization");
    assert!(page.contains("min read"));
}

#[test]
fn list_pages_announce_their_feeds_and_neighbours() {
    let mut files = vec![(
        "site.toml".to_string(),
        format!("{SITE_TOML}per_page = 1\n"),
    )];
    for day in 1..=3 {
        files.push((
            format!("content/articles/a{day}.md"),
            article(
                &format!("S{day}"),
                &format!("2021-03-0{day}"),
                "tags = [\"t\"]\n",
                "x",
            ),
        ));
    }
    let site = Fixture::from_owned(&files);
    site.build_ok();
    let second = site.read("tags/t/page/2/index.html");
    assert!(second.contains("<link rel=\"prev\" href=\"https://news.example.com/tags/t/\">"));
    assert!(
        second.contains("<link rel=\"next\" href=\"https://news.example.com/tags/t/page/3/\">")
    );
    assert!(second.contains("<link rel=\"alternate\" type=\"application/rss+xml\" title=\"t | Test Desk\" href=\"https://news.example.com/tags/t/feed.xml\">"));
    let front = site.read("index.html");
    assert!(front.contains("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Test Desk\" href=\"https://news.example.com/atom.xml\">"));
    assert!(front.contains("<link rel=\"alternate\" type=\"application/feed+json\" title=\"Test Desk\" href=\"https://news.example.com/feed.json\">"));
    assert!(!front.contains("rel=\"prev\""));
}

#[test]
fn search_index_and_page() {
    let site = desk();
    site.write(
        "content/articles/draft.md",
        &article("Secret draft", "2021-03-01", "draft = true\n", "x"),
    );
    site.build_ok();
    let index: Value = serde_json::from_str(&site.read("search-index.json")).unwrap();
    let entries = index.as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["title"], "March story");
    assert_eq!(
        entries[0]["url"],
        "https://news.example.com/2021/03/26/mar/"
    );
    assert_eq!(entries[0]["date"], "2021-03-26T18:00:00+08:00");
    assert_eq!(entries[0]["section"], "Markets");
    assert_eq!(entries[0]["summary"], "Mar text.");
    assert!(!site.read("search-index.json").contains("Secret draft"));
    let page = site.read("search/index.html");
    // The script is a file of its own (a strict CSP blocks inline ones);
    // the page tells it where the index is.
    let script = common::theme_file_link(&site.public(), &page, "gazette-search.js");
    assert!(page.contains(&format!(
        "<script src=\"https://news.example.com{script}\" defer></script>"
    )));
    assert!(page.contains("data-index=\"https://news.example.com/search-index/meta.json\""));
    // The section and year filters, filled by the script from meta.json.
    assert!(page.contains("<select id=\"search-section\" name=\"section\">"));
    assert!(page.contains("<select id=\"search-year\" name=\"year\">"));
    assert!(!page.contains("<script>"));
    assert!(
        site.read("assets/gazette-search.js")
            .contains("new URL(list.getAttribute(\"data-index\"), location.href)")
    );
    assert!(page.contains("<input id=\"search-query\" name=\"q\" type=\"search\""));
    assert!(
        site.read("404.html")
            .contains("We could not find that page")
    );
}
