//! What a newsroom publishes besides the story, and what aggregators check
//! in it: feed ids that outlive a change of URL, unique feed tags, the
//! Google News sitemap's language and name, and no news sitemap at all
//! when nothing is recent (its schema requires one `<url>`). Feeds and
//! sitemaps are parsed back with a strict XML parser and serde_json.

mod common;

use chrono::{Duration, SecondsFormat, Utc};
use common::{Fixture, SITE_TOML, article};
use roxmltree::{Document, Node};
use serde_json::Value;

const ATOM: &str = "http://www.w3.org/2005/Atom";

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.tag_name().name() == name)
}

fn text_of(node: Node, name: &str) -> Option<String> {
    child(node, name).and_then(|n| n.text()).map(str::to_string)
}

/// The RSS items of feed.xml, by title.
fn rss_item<'a, 'i>(doc: &'a Document<'i>, title: &str) -> Node<'a, 'i> {
    doc.descendants()
        .filter(|n| n.has_tag_name("item"))
        .find(|n| text_of(*n, "title").as_deref() == Some(title))
        .unwrap_or_else(|| panic!("no item {title}"))
}

fn atom_entry<'a, 'i>(doc: &'a Document<'i>, title: &str) -> Node<'a, 'i> {
    doc.descendants()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .find(|n| text_of(*n, "title").as_deref() == Some(title))
        .unwrap_or_else(|| panic!("no entry {title}"))
}

fn json_item<'a>(feed: &'a Value, title: &str) -> &'a Value {
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == title)
        .unwrap_or_else(|| panic!("no item {title}"))
}

fn hours_ago(hours: i64) -> String {
    (Utc::now() - Duration::hours(hours)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[test]
fn a_tag_named_like_the_section_is_listed_once_in_every_feed() {
    let site = Fixture::new(&[(
        "content/articles/deal.md",
        &article(
            "Deal",
            "2021-03-26T10:00:00Z",
            "category = \"Markets\"\ntags = [\"markets\", \"Great Wall\", \"MARKETS\", \"great-wall\"]\n",
            "x",
        ),
    )]);
    site.build_ok();
    let json: Value = serde_json::from_str(&site.read("feed.json")).unwrap();
    assert_eq!(
        json_item(&json, "Deal")["tags"],
        serde_json::json!(["Markets", "Great Wall"])
    );
    let rss = site.read("feed.xml");
    let rss = Document::parse(&rss).unwrap();
    let categories: Vec<&str> = rss_item(&rss, "Deal")
        .children()
        .filter(|n| n.has_tag_name("category"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(categories, ["Markets", "Great Wall"]);
    let atom = site.read("atom.xml");
    let atom = Document::parse(&atom).unwrap();
    let terms: Vec<&str> = atom_entry(&atom, "Deal")
        .children()
        .filter(|n| n.has_tag_name((ATOM, "category")))
        .filter_map(|n| n.attribute("term"))
        .collect();
    assert_eq!(terms, ["markets", "great-wall"]);
}

#[test]
fn feed_ids_outlive_a_change_of_address() {
    let site = Fixture::new(&[
        (
            "content/articles/written.md",
            &article(
                "Written id",
                "2021-03-26T10:00:00Z",
                "id = \"tag:news.example.com,2021:xiaomi\"\n",
                "x",
            ),
        ),
        (
            "content/articles/moved.md",
            &article(
                "Moved",
                "2021-03-25T10:00:00Z",
                "aliases = [\"/2021/03/25/first-slug/\", \"/2021/03/25/second-slug/\"]\n",
                "x",
            ),
        ),
        (
            "content/articles/plain.md",
            &article("Plain", "2021-03-24T10:00:00Z", "", "x"),
        ),
    ]);
    site.build_ok();
    let base = "https://news.example.com";
    // (title, id, whether the id is the link)
    let expected = [
        (
            "Written id",
            "tag:news.example.com,2021:xiaomi".to_string(),
            false,
        ),
        ("Moved", format!("{base}/2021/03/25/first-slug/"), false),
        ("Plain", format!("{base}/2021/03/24/plain/"), true),
    ];
    let rss = site.read("feed.xml");
    let rss = Document::parse(&rss).unwrap();
    let atom = site.read("atom.xml");
    let atom = Document::parse(&atom).unwrap();
    let json: Value = serde_json::from_str(&site.read("feed.json")).unwrap();
    for (title, id, is_link) in &expected {
        let item = rss_item(&rss, title);
        let guid = child(item, "guid").unwrap();
        assert_eq!(guid.text(), Some(id.as_str()), "{title}");
        let permalink = if *is_link { "true" } else { "false" };
        assert_eq!(guid.attribute("isPermaLink"), Some(permalink), "{title}");
        // The link is the article's address whatever its id.
        let link = text_of(item, "link").unwrap();
        assert!(link.starts_with(&format!("{base}/2021/03/")), "{link}");
        assert!(!link.contains("slug"), "{link}");
        assert_eq!(text_of(atom_entry(&atom, title), "id").as_ref(), Some(id));
        let item = json_item(&json, title);
        assert_eq!(item["id"], id.as_str(), "{title}");
        assert_eq!(item["url"], link.as_str(), "{title}");
    }
}

#[test]
fn a_feed_id_must_be_an_absolute_uri_and_its_articles_own() {
    let site = Fixture::new(&[
        (
            "content/articles/a.md",
            &article("A", "2021-03-26T10:00:00Z", "id = \"xiaomi-story\"\n", "x"),
        ),
        (
            "content/articles/b.md",
            &article("B", "2021-03-26T11:00:00Z", "id = \"urn:uuid:1 2\"\n", "x"),
        ),
        (
            "content/articles/c.md",
            &article(
                "C",
                "2021-03-26T12:00:00Z",
                "id = \"tag:e.com,2021:c\"\n",
                "x",
            ),
        ),
        (
            "content/articles/d.md",
            &article(
                "D",
                "2021-03-26T13:00:00Z",
                "id = \"tag:e.com,2021:c\"\n",
                "x",
            ),
        ),
    ]);
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let root = site.root().display();
    for expected in [
        format!(
            "error: {root}/content/articles/a.md:4:1: `id` `xiaomi-story` is not an absolute URI: write one with a scheme, such as \"tag:example.com,2021:xiaomi-great-wall\" or the URL the story was first published at"
        ),
        format!(
            "error: {root}/content/articles/b.md:4:1: `id` `urn:uuid:1 2` has a space in it: an id is an absolute URI, such as \"tag:example.com,2021:xiaomi-great-wall\" or the URL the story was first published at"
        ),
        format!(
            "error: {root}/content/articles/d.md:4:1: `id` tag:e.com,2021:c is already the id of {root}/content/articles/c.md: feed readers would show only one of them; give each article its own"
        ),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "{expected}\n in\n{}",
            run.stderr
        );
    }
}

fn news_site(extra_toml: &str, date: &str) -> Fixture {
    Fixture::new(&[
        ("site.toml", &format!("{SITE_TOML}{extra_toml}")),
        (
            "content/articles/story.md",
            &article("Fresh & breaking", date, "", "x"),
        ),
    ])
}

#[test]
fn the_news_sitemap_names_the_publication_and_its_iso_639_language() {
    let site = news_site(
        "language = \"en-GB\"\n[news]\npublication_name = \"The Test Desk\"\n",
        &hours_ago(3),
    );
    site.build_ok();
    let xml = site.read("news-sitemap.xml");
    let doc = Document::parse(&xml).unwrap();
    let news_ns = "http://www.google.com/schemas/sitemap-news/0.9";
    let publication = doc
        .descendants()
        .find(|n| n.has_tag_name((news_ns, "publication")))
        .unwrap();
    assert_eq!(
        text_of(publication, "name").as_deref(),
        Some("The Test Desk")
    );
    assert_eq!(text_of(publication, "language").as_deref(), Some("en"));
    assert!(site.read("robots.txt").ends_with(
        "Sitemap: https://news.example.com/sitemap.xml\nSitemap: https://news.example.com/news-sitemap.xml\n"
    ));

    // Without [news], the title; Traditional Chinese is zh-tw.
    let site = news_site("language = \"zh-HK\"\n", &hours_ago(3));
    site.build_ok();
    let xml = site.read("news-sitemap.xml");
    assert!(xml.contains("<news:name>Test Desk</news:name>"), "{xml}");
    assert!(
        xml.contains("<news:language>zh-tw</news:language>"),
        "{xml}"
    );
}

#[test]
fn an_archive_with_nothing_recent_has_no_news_sitemap_and_robots_names_none() {
    let site = news_site("", &hours_ago(3));
    site.build_ok();
    assert!(site.public().join("news-sitemap.xml").is_file());
    // Three days on, the story has left the window: the file the last
    // build wrote goes, and robots.txt stops naming it.
    site.write(
        "content/articles/story.md",
        &article("Fresh & breaking", &hours_ago(72), "", "x"),
    );
    site.build_ok();
    assert!(!site.public().join("news-sitemap.xml").exists());
    assert_eq!(
        site.read("robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://news.example.com/sitemap.xml\n"
    );
    let sitemap = site.read("sitemap.xml");
    assert!(!sitemap.contains("news-sitemap"), "{sitemap}");
}

#[test]
fn an_unknown_news_key_is_an_error_at_its_line() {
    let site = news_site("[news]\nname = \"Desk\"\n", "2021-03-26T10:00:00Z");
    let run = site.build();
    assert_eq!(run.code, 1);
    let root = site.root().display();
    assert!(
        run.stderr.starts_with(&format!(
            "error: {root}/site.toml:6:1: unknown key `news.name` in site.toml"
        )),
        "{}",
        run.stderr
    );
}

/// The HTML files under `dir` whose text breaks a strict
/// Content-Security-Policy (`script-src 'self'; style-src 'self'`): an
/// inline `<script>` (JSON-LD is data, which CSP lets through), a
/// `<style>` element, a `style` attribute or an `on…` event handler.
fn csp_breaches(dir: &std::path::Path) -> Vec<String> {
    let mut breaches = Vec::new();
    for path in common::files_under(dir) {
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = std::fs::read_to_string(&path).unwrap();
        let shown = path.strip_prefix(dir).unwrap().display().to_string();
        for (at, _) in html.match_indices("<script") {
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            if !tag.contains(" src=") && !tag.contains("type=\"application/ld+json\"") {
                breaches.push(format!("{shown}: inline {tag}>"));
            }
        }
        for banned in ["<style", " style=\"", " onclick=", " onload=", " onerror="] {
            if html.contains(banned) {
                breaches.push(format!("{shown}: {banned}"));
            }
        }
    }
    breaches
}

#[test]
fn the_built_in_theme_runs_under_a_strict_content_security_policy() {
    let (_dir, output, _) = common::build_example(None);
    assert_eq!(csp_breaches(&output), Vec::<String>::new());
    // Markdown that pulldown-cmark would give inline styles (aligned
    // table cells), embeds and a figure, on a site of its own.
    let site = Fixture::new(&[(
        "content/articles/table.md",
        &article(
            "Table",
            "2021-03-26T10:00:00Z",
            "",
            "| Maker | Share |\n|:---|---:|\n| BYD | 30% |\n\n{{< youtube id=\"dQw4w9WgXcQ\" >}}\n\n| a | b | c |\n|:-:|---|--:|\n| 1 | 2 | 3 |\n",
        ),
    )]);
    site.build_ok();
    assert_eq!(csp_breaches(&site.public()), Vec::<String>::new());
    let page = site.read("2021/03/26/table/index.html");
    for cell in [
        "<th class=\"align-left\">Maker</th>",
        "<th class=\"align-right\">Share</th>",
        "<td class=\"align-right\">30%</td>",
        "<th class=\"align-center\">a</th>",
        "<th>b</th>",
        "<td>2</td>",
        "<td class=\"align-right\">3</td>",
    ] {
        assert!(page.contains(cell), "{cell} missing:\n{page}");
    }
    let css = site.read("assets/gazette.css");
    assert!(css.contains(".story-body .align-right { text-align: right; }"));
}

#[test]
fn every_article_shares_a_picture_or_check_says_why_not() {
    // The example site sets a share image: every article page has
    // og:image and a JSON-LD image, lead photo or not.
    let (_dir, output, _) = common::build_example(None);
    let mut articles = 0;
    for path in common::files_under(&output) {
        let html = std::fs::read_to_string(&path).unwrap_or_default();
        if !html.contains("<meta property=\"og:type\" content=\"article\">") {
            continue;
        }
        articles += 1;
        assert!(
            html.contains("<meta property=\"og:image\" content=\"https://ledger.example.com/"),
            "{}",
            path.display()
        );
        assert!(
            html.contains("\"image\":[\"https://ledger.example.com/"),
            "{}",
            path.display()
        );
    }
    assert!(articles >= 8, "{articles}");

    let files = [(
        "content/articles/plain.md",
        article("Plain", "2021-03-26T10:00:00Z", "", "x"),
    )];
    let site = Fixture::new(&[(files[0].0, files[0].1.as_str())]);
    let build = site.build_ok();
    assert!(!build.stderr.contains("og:image"), "{}", build.stderr);
    let check = site.run(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(check.stderr.starts_with(&format!(
        "warning: {}/site.toml: no `image` is set, so articles without a lead `image` (1 of 1) have no og:image",
        site.root().display()
    )), "{}", check.stderr);
    site.write(
        "site.toml",
        &format!("{SITE_TOML}image = \"https://cdn.example.com/share.png\"\n"),
    );
    let check = site.run(&["check"]);
    assert!(!check.stderr.contains("og:image"), "{}", check.stderr);
    site.build_ok();
    let page = site.read("2021/03/26/plain/index.html");
    assert!(
        page.contains("<meta property=\"og:image\" content=\"https://cdn.example.com/share.png\">"),
        "{page}"
    );
}
