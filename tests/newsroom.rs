//! What a newsroom publishes besides the story, and what aggregators check
//! in it: feed ids that outlive a change of URL, unique feed tags, the
//! Google News sitemap's language and name, and no news sitemap at all
//! when nothing is recent (its schema requires one `<url>`). Feeds and
//! sitemaps are parsed back with a strict XML parser and serde_json.

mod common;

use chrono::{Duration, SecondsFormat, Utc};
use common::{Fixture, SITE_TOML, article, json_ld};
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

#[test]
fn a_correction_is_shown_dated_and_becomes_the_last_modification() {
    let site = Fixture::new(&[(
        "content/articles/deal.md",
        &article(
            "Deal",
            "2021-03-26T10:00:00+08:00",
            "updated = 2021-03-26T12:00:00+08:00\n[[corrections]]\ndate = 2021-03-28T09:00:00+08:00\ntext = \"An earlier version gave the stake as 30%. It is 3%.\"\n[[corrections]]\ndate = 2021-03-27T09:00:00+08:00\ntext = \"The chief executive's name is Wei <Wang>, not Wang Wei.\"\n",
            "Xiaomi said on Friday it would build cars.",
        ),
    )]);
    site.build_ok();
    let page = site.read("2021/03/26/deal/index.html");
    // Oldest first, each dated, text escaped, linked from the byline.
    let aside = &page[page
        .find("<aside id=\"story-corrections\"")
        .expect("corrections")..];
    let first = aside.find("27 March 2021").unwrap();
    let second = aside.find("28 March 2021").unwrap();
    assert!(first < second, "{aside}");
    assert!(aside.contains(
        "<h2 id=\"story-corrections-heading\" class=\"corrections-title\">Corrections</h2>"
    ));
    assert!(
        aside.contains("<time datetime=\"2021-03-28T09:00:00+08:00\">"),
        "{aside}"
    );
    assert!(aside.contains("Wei &lt;Wang&gt;"), "{aside}");
    assert!(page.contains("<a href=\"#story-corrections\">Corrected</a>"));
    let ld = json_ld(&page);
    assert_eq!(ld["dateModified"], "2021-03-28T09:00:00+08:00");
    assert_eq!(ld["correction"][0]["@type"], "CorrectionComment");
    assert_eq!(
        ld["correction"][1]["text"],
        "An earlier version gave the stake as 30%. It is 3%."
    );
    assert_eq!(
        ld["correction"][1]["datePublished"],
        "2021-03-28T09:00:00+08:00"
    );
    // Feeds and the sitemap see the change.
    let json: Value = serde_json::from_str(&site.read("feed.json")).unwrap();
    assert_eq!(json["items"][0]["date_modified"], "2021-03-28T01:00:00Z");
    assert!(
        site.read("sitemap.xml")
            .contains("<lastmod>2021-03-28T01:00:00Z</lastmod>")
    );
}

#[test]
fn bad_corrections_kinds_and_datelines_are_errors_at_their_lines() {
    let site = Fixture::new(&[
        (
            "content/articles/a.md",
            &article(
                "A",
                "2021-03-26T10:00:00Z",
                "kind = \"editorial\"\ndateline = \"  \"\ncorrections = [{ date = 2021-03-20, text = \"Too early.\" }, { date = 2021-03-27, text = \" \" }]\n",
                "x",
            ),
        ),
        (
            "content/articles/b.md",
            &article(
                "B",
                "2021-03-26T10:00:00Z",
                "corrections = [{ date = 2021-03-27, txt = \"typo\" }]\n",
                "x",
            ),
        ),
    ]);
    let run = site.build();
    assert_eq!(run.code, 1);
    let a = format!("{}/content/articles/a.md", site.root().display());
    for expected in [
        format!(
            "error: {a}:4:1: `kind` is one of news, opinion, analysis, review, sponsored, press-release, not `editorial`"
        ),
        format!("error: {a}:5:1: `dateline` is empty"),
        format!("error: {a}:6:1: correction 1 is dated before the article was published"),
        format!("error: {a}:6:1: correction 2 has no `text`"),
        format!("error: {}/content/articles/b.md:4:", site.root().display()),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "{expected}\nin\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("txt"), "{}", run.stderr);
}

#[test]
fn each_kind_has_its_label_schema_type_and_place_in_the_news_sitemap() {
    let kinds = [
        ("news", None, "NewsArticle", true),
        ("opinion", Some("Opinion"), "OpinionNewsArticle", true),
        ("analysis", Some("Analysis"), "AnalysisNewsArticle", true),
        ("review", Some("Review"), "ReviewNewsArticle", true),
        (
            "sponsored",
            Some("Sponsored"),
            "AdvertiserContentArticle",
            false,
        ),
        ("press-release", Some("Press release"), "Article", false),
    ];
    let files: Vec<(String, String)> = kinds
        .iter()
        .enumerate()
        .map(|(n, (kind, ..))| {
            (
                format!("content/articles/{kind}.md"),
                article(
                    &format!("A {kind} piece"),
                    &hours_ago(n as i64 + 1),
                    &format!("kind = \"{kind}\"\n"),
                    "x",
                ),
            )
        })
        .collect();
    let site = Fixture::from_owned(&files);
    site.build_ok();
    let front = site.read("index.html");
    let news = site.read("news-sitemap.xml");
    for (kind, label, schema_type, in_news) in kinds {
        let path = common::files_under(&site.public())
            .into_iter()
            .find(|p| p.ends_with(format!("{kind}/index.html")))
            .unwrap();
        let page = std::fs::read_to_string(&path).unwrap();
        assert_eq!(json_ld(&page)["@type"], schema_type, "{kind}");
        let shown = label.map(|l| format!("<p class=\"label label-{kind}\">{l}</p>"));
        match &shown {
            Some(shown) => {
                assert!(page.contains(shown.as_str()), "{kind} page");
                assert!(front.contains(shown.as_str()), "{kind} card");
            }
            None => assert!(!page.contains("class=\"label"), "{kind}"),
        }
        assert_eq!(
            news.contains(&format!("/{kind}/</loc>")),
            in_news,
            "{kind}: {news}"
        );
    }
}

#[test]
fn a_dateline_opens_the_first_paragraph_and_the_json_ld() {
    let site = Fixture::new(&[(
        "content/articles/deal.md",
        &article(
            "Deal",
            "2021-03-26T10:00:00Z",
            "dateline = \"HONG KONG & <SHENZHEN>\"\n",
            "## Heading first\n\nXiaomi said on Friday.\n\nSecond paragraph.",
        ),
    )]);
    site.build_ok();
    let page = site.read("2021/03/26/deal/index.html");
    assert!(
        page.contains("<p><span class=\"story-dateline\">HONG KONG &amp; &lt;SHENZHEN&gt;</span> — Xiaomi said on Friday.</p>"),
        "{page}"
    );
    assert_eq!(page.matches("story-dateline").count(), 1);
    assert_eq!(json_ld(&page)["dateline"], "HONG KONG & <SHENZHEN>");
    // Feeds carry the story as written.
    assert!(!site.read("feed.xml").contains("story-dateline"));
}

use common::photos;

fn publisher_site(publisher: &str, logo: (u32, u32)) -> Fixture {
    let site = Fixture::new(&[
        (
            "site.toml",
            &format!("{SITE_TOML}per_page = 1\n[publisher]\n{publisher}"),
        ),
        (
            "content/articles/a.md",
            &article("A", "2021-03-26T10:00:00Z", "", "x"),
        ),
        (
            "content/articles/b.md",
            &article("B", "2021-03-25T10:00:00Z", "", "x"),
        ),
    ]);
    site.write_bytes(
        "static/logo.png",
        &photos::png(&photos::scene(logo.0, logo.1, 7)),
    );
    site
}

#[test]
fn the_publisher_is_a_news_media_organization_on_the_home_page_and_every_article() {
    let site = publisher_site(
        "name = \"Test Desk Media </script>\"\nlogo = \"/logo.png\"\nsame_as = [\"https://social.example/@desk\"]\npublishing_principles = \"/about/\"\ncorrections_policy = \"https://news.example.com/about/#corrections\"\nethics_policy = \"/ethics/\"\nmasthead = \"/masthead/\"\n",
        (300, 200),
    );
    site.build_ok();
    let home = site.read("index.html");
    assert!(
        !home.contains("Media </script>"),
        "escaped inside the script"
    );
    let org = json_ld(&home);
    let expected = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsMediaOrganization",
        "@id": "https://news.example.com/#publisher",
        "name": "Test Desk Media </script>",
        "url": "https://news.example.com/",
        "logo": {"@type": "ImageObject", "url": "https://news.example.com/logo.png", "width": 300, "height": 200},
        "sameAs": ["https://social.example/@desk"],
        "publishingPrinciples": "https://news.example.com/about/",
        "correctionsPolicy": "https://news.example.com/about/#corrections",
        "ethicsPolicy": "https://news.example.com/ethics/",
        "masthead": "https://news.example.com/masthead/",
    });
    assert_eq!(org, expected);
    // Only the first page of the front page describes the organisation.
    assert!(
        !site
            .read("page/2/index.html")
            .contains("application/ld+json")
    );
    let ld = json_ld(&site.read("2021/03/26/a/index.html"));
    assert_eq!(
        ld["publisher"]["@id"],
        "https://news.example.com/#publisher"
    );
    assert_eq!(ld["publisher"]["@type"], "NewsMediaOrganization");
    assert_eq!(ld["publisher"]["name"], "Test Desk Media </script>");
    assert_eq!(ld["publisher"]["logo"]["width"], 300);
    assert!(ld["publisher"].get("sameAs").is_none());
}

#[test]
fn without_a_publisher_table_the_site_title_is_the_publisher() {
    let site = news_site("", "2021-03-26T10:00:00Z");
    site.build_ok();
    let org = json_ld(&site.read("index.html"));
    assert_eq!(org["@type"], "NewsMediaOrganization");
    assert_eq!(org["name"], "Test Desk");
    assert!(org.get("logo").is_none());
}

#[test]
fn a_publisher_logo_must_exist_and_be_at_least_112_pixels_each_way() {
    let site = publisher_site("logo = \"/logo.png\"\n", (300, 100));
    let run = site.build();
    assert_eq!(run.code, 1);
    let toml = format!("{}/site.toml", site.root().display());
    assert!(
        run.stderr.starts_with(&format!(
            "error: {toml}:7:1: `publisher.logo`: the logo is 300×100 pixels; search engines ask for at least 112×112: give a larger one"
        )),
        "{}",
        run.stderr
    );
    let site = publisher_site(
        "logo = \"/missing.png\"\nsame_as = [\"javascript:alert(1)\"]\n",
        (300, 300),
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    let toml = format!("{}/site.toml", site.root().display());
    assert!(
        run.stderr.contains(&format!(
            "error: {toml}:8:1: `publisher.same_as`: `javascript:alert(1)` is a javascript: URL"
        )),
        "{}",
        run.stderr
    );
    let site = publisher_site("logo = \"/missing.png\"\n", (300, 300));
    let run = site.build();
    let toml = format!("{}/site.toml", site.root().display());
    assert!(
        run.stderr.contains(&format!(
            "error: {toml}:7:1: `publisher.logo`: no file is published at /missing.png"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn authors_are_people_with_their_profiles_elsewhere_and_fediverse_handles() {
    let site = Fixture::new(&[
        (
            "content/authors/lena.md",
            "+++\nname = \"Lena Cho\"\nfediverse = \"@lena@mastodon.example\"\n[links]\nEmail = \"mailto:lena@example.org\"\nMastodon = \"https://mastodon.example/@lena\"\nWebsite = \"https://lena.example.org/\"\n+++\nBio.\n",
        ),
        (
            "content/authors/bad.md",
            "+++\nname = \"Bad\"\nfediverse = \"lena at mastodon\"\n+++\nBio.\n",
        ),
        (
            "content/articles/a.md",
            &article(
                "A",
                "2021-03-26T10:00:00Z",
                "authors = [\"lena\", \"Guest Writer\"]\n",
                "x",
            ),
        ),
    ]);
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains(&format!(
        "error: {}/content/authors/bad.md:3:1: `fediverse` is a handle such as \"@lena@mastodon.social\", not `lena at mastodon`",
        site.root().display()
    )), "{}", run.stderr);
    std::fs::remove_file(site.root().join("content/authors/bad.md")).unwrap();
    site.build_ok();
    let page = site.read("2021/03/26/a/index.html");
    assert!(page.contains("<meta name=\"fediverse:creator\" content=\"@lena@mastodon.example\">"));
    let ld = json_ld(&page);
    assert_eq!(
        ld["author"],
        serde_json::json!([
            {
                "@type": "Person",
                "name": "Lena Cho",
                "url": "https://news.example.com/authors/lena/",
                "sameAs": ["https://mastodon.example/@lena", "https://lena.example.org/"]
            },
            { "@type": "Person", "name": "Guest Writer" }
        ])
    );
}

#[test]
fn aliases_become_http_redirects_for_netlify_cloudflare_and_nginx() {
    let site = Fixture::new(&[
        (
            "content/articles/moved.md",
            &article(
                "Moved",
                "2021-03-26T10:00:00Z",
                "aliases = [\"/2021/03/26/old-slug/\", \"/news/café story/\"]\n",
                "x",
            ),
        ),
        (
            "content/pages/about.md",
            "+++\ntitle = \"About\"\naliases = [\"/about-us/\"]\n+++\nx\n",
        ),
    ]);
    site.build_ok();
    assert_eq!(
        site.read("_redirects"),
        "# Made by gazette: each alias, a permanent redirect.\n\
         /2021/03/26/old-slug/ /2021/03/26/moved/ 301\n\
         /about-us/ /about/ 301\n\
         /news/caf%C3%A9%20story/ /2021/03/26/moved/ 301\n"
    );
    let nginx = site.read("nginx-redirects.conf");
    assert!(
        nginx.contains("map $uri $gazette_redirect {\n    default \"\";\n"),
        "{nginx}"
    );
    assert!(
        nginx.contains("    \"/news/café story/\" \"/2021/03/26/moved/\";\n"),
        "{nginx}"
    );
    assert!(
        nginx.contains("    \"/about-us/\" \"/about/\";\n"),
        "{nginx}"
    );
    // The meta-refresh pages stay, for hosts that read neither.
    assert!(
        site.read("about-us/index.html")
            .contains("http-equiv=\"refresh\"")
    );

    // A site's own _redirects wins; without aliases there is nothing to say.
    site.write("static/_redirects", "/old /new 302\n");
    site.build_ok();
    assert_eq!(site.read("_redirects"), "/old /new 302\n");
    let plain = Fixture::new(&[(
        "content/articles/a.md",
        &article("A", "2021-03-26T10:00:00Z", "", "x"),
    )]);
    plain.build_ok();
    assert!(!plain.public().join("_redirects").exists());
    assert!(!plain.public().join("nginx-redirects.conf").exists());
}

#[test]
fn headers_carry_the_theme_policy_unless_the_site_templates_would_break_it() {
    let site = Fixture::new(&[(
        "content/articles/a.md",
        &article("A", "2021-03-26T10:00:00Z", "", "x"),
    )]);
    site.build_ok();
    let headers = site.read("_headers");
    assert!(headers.starts_with("# Made by gazette: headers for Netlify and Cloudflare Pages.\n/*\n  X-Content-Type-Options: nosniff\n"), "{headers}");
    assert!(
        headers.contains(
            "\n  Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
        ),
        "{headers}"
    );
    // Fingerprinted theme files for a year; their plain-named copies,
    // which keep their names when they change, for an hour.
    assert!(
        headers.contains(
            "/assets/immutable/*\n  Cache-Control: public, max-age=31536000, immutable\n"
        ),
        "{headers}"
    );
    assert!(
        headers.contains("/assets/gazette.css\n  Cache-Control: public, max-age=3600\n"),
        "{headers}"
    );
    // Each header is set by one rule: both hosts join values of two.
    assert_eq!(headers.matches("Cache-Control").count(), 8, "{headers}");
    assert_eq!(csp_breaches(&site.public()), Vec::<String>::new());

    // A footer of the site's own that is CSP-clean keeps the policy...
    site.write(
        "templates/partials/footer.html",
        "<footer class=\"site-footer\">{{ site.title }}</footer>\n",
    );
    site.build_ok();
    assert!(site.read("_headers").contains("Content-Security-Policy"));
    // ...one with an inline script drops it rather than break the page.
    site.write(
        "templates/partials/footer.html",
        "<footer>{{ site.title }}</footer><script>console.log(1)</script>\n",
    );
    site.build_ok();
    let headers = site.read("_headers");
    assert!(!headers.contains("Content-Security-Policy"), "{headers}");
    assert!(headers.contains("X-Content-Type-Options: nosniff"));
    // And static/_headers is the site's own.
    site.write("static/_headers", "/*\n  X-Frame-Options: DENY\n");
    site.build_ok();
    assert_eq!(site.read("_headers"), "/*\n  X-Frame-Options: DENY\n");
}

#[test]
fn build_at_shows_the_site_as_it_will_be_and_says_when_it_next_changes() {
    let site = Fixture::new(&[
        (
            "content/articles/out.md",
            &article("Already out", "2021-03-26T10:00:00Z", "", "x"),
        ),
        (
            "content/articles/later.md",
            &article("Embargoed results", "2021-03-28T10:00:00Z", "", "x"),
        ),
        (
            "content/articles/offer.md",
            &article(
                "Limited offer",
                "2021-03-20T10:00:00Z",
                "expires = 2021-03-27T12:00:00Z\n",
                "x",
            ),
        ),
    ]);
    let run = site.run(&["build", "--at", "2021-03-27T08:00:00+08:00"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "  next change: content/articles/offer.md expires at 2021-03-27T12:00:00Z: build again then\n"
        ),
        "{}",
        run.stdout
    );
    let front = site.read("index.html");
    assert!(front.contains("Limited offer") && !front.contains("Embargoed results"));

    let run = site.run(&["build", "--at", "2021-03-27T12:00:00Z"]);
    assert!(
        run.stdout.contains(
            "  next change: content/articles/later.md publishes at 2021-03-28T10:00:00Z: build again then\n"
        ),
        "{}",
        run.stdout
    );
    let run = site.run(&["build", "--at", "2021-03-28T10:00:00Z"]);
    assert!(!run.stdout.contains("next change"), "{}", run.stdout);
    let front = site.read("index.html");
    assert!(front.contains("Embargoed results") && !front.contains("Limited offer"));
    // The news sitemap is the one of that moment too.
    assert!(site.read("news-sitemap.xml").contains("/2021/03/28/later/"));

    let run = site.run(&["build", "--at", "tomorrow"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("write the time with its offset, such as 2021-03-26T09:30:00+08:00"),
        "{}",
        run.stderr
    );
}

#[test]
fn status_lists_drafts_scheduled_and_expiring_articles_with_their_times() {
    let site = Fixture::new(&[
        (
            "content/articles/out.md",
            &article("Already out", "2021-03-26T10:00:00Z", "", "x"),
        ),
        (
            "content/articles/draft.md",
            &article(
                "Half written",
                "2021-03-26T10:00:00Z",
                "draft = true\n",
                "x",
            ),
        ),
        (
            "content/articles/z-later.md",
            &article("Embargoed results", "2021-03-28T10:00:00Z", "", "x"),
        ),
        (
            "content/articles/a-sooner.md",
            &article("Morning briefing", "2021-03-27T23:00:00Z", "", "x"),
        ),
        (
            "content/articles/offer.md",
            &article(
                "Offer",
                "2021-03-20T10:00:00Z",
                "expires = 2021-03-27T12:00:00Z\n",
                "x",
            ),
        ),
        (
            "content/articles/gone.md",
            &article(
                "Gone",
                "2021-03-20T10:00:00Z",
                "expires = 2021-03-21T12:00:00Z\n",
                "x",
            ),
        ),
    ]);
    let run = site.run(&["status", "--at", "2021-03-27T00:00:00Z"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "As of 2021-03-27T00:00:00Z: 1 article published\n\
         Drafts (1)\n  content/articles/draft.md  Half written\n\
         Scheduled (2)\n  2021-03-27T23:00:00Z  content/articles/a-sooner.md  Morning briefing\n  2021-03-28T10:00:00Z  content/articles/z-later.md  Embargoed results\n\
         Expiring (1)\n  2021-03-27T12:00:00Z  content/articles/offer.md  Offer\n\
         Expired (1)\n  2021-03-21T12:00:00Z  content/articles/gone.md  Gone\n"
    );
    // It builds and writes nothing.
    assert!(!site.public().exists());
    // A site with errors is refused with them.
    site.write("content/articles/bad.md", "+++\ntitle = \"Bad\"\n+++\nx\n");
    let run = site.run(&["status"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("article has no `date`"),
        "{}",
        run.stderr
    );
}

#[test]
fn subscriber_stories_mark_their_paid_part_and_feeds_carry_only_the_summary() {
    let site = Fixture::new(&[
        (
            "site.toml",
            &format!("{SITE_TOML}[sections.markets]\naccess = \"subscribers\"\n"),
        ),
        (
            "content/articles/paid.md",
            &article(
                "Paid",
                "2021-03-26T10:00:00Z",
                "category = \"Markets\"\n",
                "> A quote first.\n>\n> Two paragraphs.\n\nThe free opening.\n\nSECRET analysis.\n\nMore SECRET.",
            ),
        ),
        (
            "content/articles/marked.md",
            &article(
                "Marked",
                "2021-03-25T10:00:00Z",
                "access = \"subscribers\"\n",
                "Free one.\n\nFree two.\n\n<!-- more -->\n\nHIDDEN part.",
            ),
        ),
        (
            "content/articles/free.md",
            &article(
                "Free",
                "2021-03-24T10:00:00Z",
                "category = \"Markets\"\naccess = \"free\"\n",
                "Open. Everything OPEN.\n\nStill OPEN.",
            ),
        ),
        (
            "content/articles/bad.md",
            &article("Bad", "2021-03-23T10:00:00Z", "access = \"members\"\n", "x"),
        ),
    ]);
    let run = site.build();
    assert!(run.stderr.contains(&format!(
        "error: {}/content/articles/bad.md:4:1: `access` is \"free\" or \"subscribers\", not `members`",
        site.root().display()
    )), "{}", run.stderr);
    std::fs::remove_file(site.root().join("content/articles/bad.md")).unwrap();
    site.build_ok();

    let paid = site.read("2021/03/26/paid/index.html");
    // The cut falls after the first top-level paragraph, not inside the quote.
    assert!(
        paid.contains("<p>The free opening.</p><div class=\"paywalled\">\n<p>SECRET analysis.</p>"),
        "{paid}"
    );
    let ld = json_ld(&paid);
    assert_eq!(ld["isAccessibleForFree"], false);
    assert_eq!(
        ld["hasPart"],
        serde_json::json!({"@type": "WebPageElement", "isAccessibleForFree": false, "cssSelector": ".paywalled"})
    );
    let marked = site.read("2021/03/25/marked/index.html");
    assert!(
        marked.contains("<!-- more --><div class=\"paywalled\">"),
        "{marked}"
    );
    assert!(marked.contains("<p>Free two.</p>"));
    let free = site.read("2021/03/24/free/index.html");
    assert!(!free.contains("paywalled"));
    assert!(json_ld(&free).get("isAccessibleForFree").is_none());

    // Every feed: the paid text never, the free story whole.
    for feed in [
        "feed.xml",
        "atom.xml",
        "feed.json",
        "categories/markets/feed.xml",
    ] {
        let text = site.read(feed);
        assert!(
            !text.contains("SECRET") && !text.contains("HIDDEN"),
            "{feed}: {text}"
        );
        assert!(text.contains("Still OPEN"), "{feed}");
    }
}
