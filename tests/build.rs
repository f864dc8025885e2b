//! `gazette build` on valid fixture sites: the output tree, page text, the
//! parsed feed, and the output promises of SPEC.md.

mod common;

use common::{Fixture, SITE_TOML, article, gazette, tree};
use std::fs;
use std::path::Path;

fn newsroom() -> Fixture {
    Fixture::new(&[
        (
            "content/authors/ana-lee.md",
            "+++\nname = \"Ana Lee\"\navatar = \"/img/ana.png\"\n[links]\nEmail = \"mailto:ana@example.com\"\n+++\nAna covers **markets**.\n",
        ),
        (
            "content/articles/2021/2021-03-26-xiaomi-ev/index.md",
            &article(
                "Xiaomi & Great Wall <team up>",
                "2021-03-26T09:30:00+08:00",
                "author = \"ana-lee\"\ncategory = \"business\"\ntags = [\"Xiaomi\", \"EV\"]\nimage = \"lead.jpg\"\nimage_caption = \"The lead photo\"\n",
                "Lead paragraph.\n\n## Sales rise\n\nMore text with [the results](@/articles/2021/results.md#revenue).",
            ),
        ),
        (
            "content/articles/2021/2021-03-26-xiaomi-ev/lead.jpg",
            "JPEGDATA",
        ),
        (
            "content/articles/2021/results.md",
            &article(
                "Results miss",
                "2021-03-24 19:05",
                "author = \"Someone Else\"\ncategory = \"business\"\ntags = [\"Xiaomi\"]\n",
                "First.\n\n## Revenue\n\nNumbers.",
            ),
        ),
        (
            "content/articles/2021/other.md",
            "---\ntitle: \"Yuan steady\"\ndate: 2021-03-20\ncategory: markets\ntags: [yuan]\n---\n\nYuan text.\n",
        ),
        (
            "content/pages/about.md",
            "+++\ntitle = \"About us\"\n+++\nWe are a desk.\n",
        ),
        ("static/img/ana.png", "PNG"),
        ("static/robots-extra.txt", "static file"),
    ])
}

#[test]
fn builds_articles_pages_authors_static_and_bundles() {
    let site = newsroom();
    let run = site.build_ok();
    assert!(
        run.stdout.contains("Built 3 articles, 1 page and 1 author"),
        "{}",
        run.stdout
    );
    for path in [
        "index.html",
        "2021/03/26/xiaomi-ev/index.html",
        "2021/03/26/xiaomi-ev/lead.jpg",
        "2021/03/24/results/index.html",
        "2021/03/20/other/index.html",
        "about/index.html",
        "authors/ana-lee/index.html",
        "categories/business/index.html",
        "tags/xiaomi/index.html",
        "feed.xml",
        "404.html",
        "img/ana.png",
        "robots-extra.txt",
        "assets/gazette.css",
    ] {
        assert!(site.public().join(path).is_file(), "missing {path}");
    }
    // Pages link the stylesheet by a name made from its bytes.
    let index = site.read("index.html");
    let css = common::theme_file_link(&site.public(), &index, "gazette.css");
    assert!(
        index.contains(&format!(
            "<link rel=\"stylesheet\" href=\"https://news.example.com{css}\">"
        )),
        "{index}"
    );
    let lead = fs::read(site.public().join("2021/03/26/xiaomi-ev/lead.jpg")).unwrap();
    assert_eq!(image::load_from_memory(&lead).unwrap().width(), 64);
}

#[test]
fn article_page_has_byline_image_tags_author_box_and_escaped_title() {
    let site = newsroom();
    site.build_ok();
    let page = site.read("2021/03/26/xiaomi-ev/index.html");
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.contains("<h1 class=\"headline\">Xiaomi &amp; Great Wall &lt;team up&gt;</h1>"));
    assert!(page.contains("<title>Xiaomi &amp; Great Wall &lt;team up&gt; | Test Desk</title>"));
    assert!(page.contains(
        "<link rel=\"canonical\" href=\"https://news.example.com/2021/03/26/xiaomi-ev/\">"
    ));
    assert!(page.contains("<meta name=\"description\" content=\"Lead paragraph.\">"));
    assert!(page.contains(
        "By <a href=\"https://news.example.com/authors/ana-lee/\" rel=\"author\">Ana Lee</a>"
    ));
    // Shown in the site timezone.
    assert!(
        page.contains(
            "<time datetime=\"2021-03-26T09:30:00+08:00\">26 March 2021, 09:30 HKT</time>"
        ),
        "{page}"
    );
    // The lead photo (64×48) in its own size, no wider: a JPEG and a WebP.
    assert!(page.contains("<source type=\"image/webp\" srcset=\"https://news.example.com/2021/03/26/xiaomi-ev/lead-64w.webp 64w\""), "{page}");
    assert!(page.contains("<img src=\"https://news.example.com/2021/03/26/xiaomi-ev/lead-64w.jpg\" srcset=\"https://news.example.com/2021/03/26/xiaomi-ev/lead-64w.jpg 64w\""), "{page}");
    assert!(page.contains("<figcaption>The lead photo</figcaption>"));
    assert!(page.contains("<h2 id=\"sales-rise\">Sales rise</h2>"));
    assert!(page.contains("href=\"https://news.example.com/2021/03/24/results/#revenue\""));
    assert!(page.contains("<a href=\"https://news.example.com/tags/ev/\" rel=\"tag\">EV</a>"));
    assert!(page.contains(
        "About the author: <a href=\"https://news.example.com/authors/ana-lee/\">Ana Lee</a>"
    ));
    assert!(page.contains("<p>Ana covers <strong>markets</strong>.</p>"));
    // Related: the results article shares the Xiaomi tag; "other" shares none.
    let related = page
        .split("Related articles")
        .nth(1)
        .expect("related section");
    assert!(related.contains("Results miss"));
    assert!(!related.contains("Yuan steady"));
}

#[test]
fn plain_name_bylines_are_not_links() {
    let site = newsroom();
    site.build_ok();
    let page = site.read("2021/03/24/results/index.html");
    assert!(
        page.contains("<span class=\"by\">By Someone Else</span>"),
        "{page}"
    );
}

#[test]
fn front_page_is_paginated_newest_first() {
    let mut files = vec![(
        "site.toml".to_string(),
        format!("{SITE_TOML}per_page = 2\n"),
    )];
    for day in 1..=5 {
        files.push((
            format!("content/articles/a{day}.md"),
            article(
                &format!("Story {day}"),
                &format!("2021-03-0{day}"),
                "",
                "Text.",
            ),
        ));
    }
    let site = Fixture::from_owned(&files);
    site.build_ok();
    let first = site.read("index.html");
    let order: Vec<usize> = ["Story 5", "Story 4"]
        .iter()
        .map(|t| first.find(t).unwrap())
        .collect();
    assert!(order[0] < order[1], "newest first");
    assert!(!first.contains("Story 3"));
    assert!(
        first.contains("<a class=\"next\" rel=\"next\" href=\"https://news.example.com/page/2/\">")
    );
    let second = site.read("page/2/index.html");
    assert!(second.contains("Story 3") && second.contains("Story 2"));
    assert!(second.contains("rel=\"prev\" href=\"https://news.example.com/\""));
    assert!(second.contains("rel=\"next\" href=\"https://news.example.com/page/3/\""));
    let third = site.read("page/3/index.html");
    assert!(third.contains("Story 1"));
    assert!(third.contains("Page 3 of 3"));
    assert!(!site.public().join("page/4").exists());
}

/// A story dated 2021-03-`day` in the markets section, for the lists below.
fn markets_story(day: u32) -> (String, String) {
    (
        format!("content/articles/a{day:02}.md"),
        article(
            &format!("Story {day}"),
            &format!("2021-03-{day:02}"),
            "category = \"markets\"\n",
            "Text.",
        ),
    )
}

/// The titles of the stories a list page shows, in its order.
fn stories_on(page: &str) -> Vec<String> {
    (page.split("Story ").skip(1))
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect())
        .collect()
}

#[test]
fn pages_numbered_from_the_oldest_keep_their_articles_and_bytes_as_stories_come() {
    let settings = format!("{SITE_TOML}per_page = 2\npage_numbers = \"from-oldest\"\n");
    let mut files = vec![("site.toml".to_string(), settings)];
    files.extend((1..=5).map(markets_story));
    let site = Fixture::from_owned(&files);
    site.build_ok();

    // Five stories, two a page: the list's own page shows the newest two;
    // page/1/ the oldest two, page/2/ the two after them; the newest story
    // not yet on a full page shows on the list's own page only, and story
    // 4 on both it and page/2/.
    let front = site.read("index.html");
    assert_eq!(stories_on(&front)[..2], ["5", "4"]);
    assert!(front.contains("rel=\"next\" href=\"https://news.example.com/page/2/\""));
    assert!(!front.contains("rel=\"prev\""));
    assert!(
        !front.contains("Page 3"),
        "the list's own page shows no number"
    );
    let oldest = site.read("page/1/index.html");
    assert_eq!(stories_on(&oldest)[..2], ["2", "1"]);
    assert!(oldest.contains("<span class=\"page-count\">Page 1</span>"));
    assert!(oldest.contains("rel=\"prev\" href=\"https://news.example.com/page/2/\""));
    assert!(!oldest.contains("rel=\"next\""));
    assert!(
        oldest.contains("<title>Page 1 | Test Desk</title>"),
        "{oldest}"
    );
    assert!(!oldest.contains("card-lead"), "only the front page leads");
    let second = site.read("page/2/index.html");
    assert_eq!(stories_on(&second)[..2], ["4", "3"]);
    assert!(second.contains("rel=\"prev\" href=\"https://news.example.com/\""));
    assert!(second.contains("rel=\"next\" href=\"https://news.example.com/page/1/\""));
    assert!(!site.public().join("page/3").exists());
    // A section's numbered pages leave its count to its own page.
    let section = site.read("categories/markets/index.html");
    assert!(
        section.contains("<p class=\"meta\">5 articles</p>"),
        "{section}"
    );
    let section_oldest = site.read("categories/markets/page/1/index.html");
    assert!(section_oldest.contains("<p class=\"meta\">Page 1</p>"));
    assert_eq!(stories_on(&section_oldest)[..2], ["2", "1"]);

    // A sixth story: the numbered pages are kept byte for byte; a seventh
    // makes page/3/ of stories 6 and 5, and page/2/ points up to it.
    let numbered = |site: &Fixture| {
        [
            "page/1/index.html",
            "page/2/index.html",
            "categories/markets/page/1/index.html",
        ]
        .map(|p| site.read(p))
    };
    let before = numbered(&site);
    let (path, text) = markets_story(6);
    site.write(&path, &text);
    site.build_ok();
    assert_eq!(numbered(&site), before);
    assert_eq!(stories_on(&site.read("index.html"))[..2], ["6", "5"]);
    assert!(!site.public().join("page/3").exists());
    let (path, text) = markets_story(7);
    site.write(&path, &text);
    site.build_ok();
    let after = numbered(&site);
    assert_eq!(after[0], before[0]);
    assert_eq!(after[2], before[2]);
    assert!(after[1].contains("rel=\"prev\" href=\"https://news.example.com/page/3/\""));
    assert_eq!(stories_on(&after[1])[..2], ["4", "3"]);
    let third = site.read("page/3/index.html");
    assert_eq!(stories_on(&third)[..2], ["6", "5"]);
    assert!(third.contains("rel=\"prev\" href=\"https://news.example.com/\""));
    assert!(
        site.read("index.html")
            .contains("rel=\"next\" href=\"https://news.example.com/page/3/\"")
    );

    // A template of the site's that compares `paginator.total`, null on
    // these pages, is told how to test it first.
    site.write(
        "templates/partials/pagination.html",
        "{% if paginator.total > 1 %}Page {{ paginator.current }} of {{ paginator.total }}{% endif %}",
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Variable `paginator.total` was used in a math operation but is not a number: with page_numbers = \"from-oldest\" it is null on a list's numbered pages, so test it first (`{% if paginator.total and paginator.total > 1 %}`)"),
        "{}",
        run.stderr
    );
    site.write(
        "templates/partials/pagination.html",
        "{% if paginator.total and paginator.total > 1 %}Page {{ paginator.current }} of {{ paginator.total }}{% endif %}",
    );
    site.build_ok();
    assert!(!site.read("page/1/index.html").contains(" of "));
    fs::remove_file(site.root().join("templates/partials/pagination.html")).unwrap();

    // The default numbering of the same site: page/2/ is the next newest.
    site.write("site.toml", &format!("{SITE_TOML}per_page = 2\n"));
    site.build_ok();
    assert_eq!(stories_on(&site.read("page/2/index.html"))[..2], ["5", "4"]);
    assert!(site.read("page/2/index.html").contains("Page 2 of 4"));
}

#[test]
fn base_url_path_part_is_honoured_everywhere() {
    let site = Fixture::new(&[
        (
            "site.toml",
            "title = \"T\"\nbase_url = \"https://example.com/news\"\n",
        ),
        (
            "content/articles/a.md",
            &article("A", "2021-03-26", "tags = [\"x\"]\n", "Text."),
        ),
    ]);
    site.build_ok();
    let page = site.read("2021/03/26/a/index.html");
    for href in page.split("href=\"").skip(1) {
        let url = href.split('"').next().unwrap();
        if url.starts_with("http") {
            assert!(url.starts_with("https://example.com/news/"), "{url}");
        }
    }
    let feed = site.read("feed.xml");
    assert!(feed.contains("<link>https://example.com/news/2021/03/26/a/</link>"));
    assert!(feed.contains("href=\"https://example.com/news/feed.xml\""));
}

#[test]
fn base_url_flag_overrides_site_toml() {
    let site = newsroom();
    site.run(&["build", "--base-url", "https://preview.example.net/pr-7/"]);
    let page = site.read("index.html");
    assert!(page.contains("href=\"https://preview.example.net/pr-7/2021/03/26/xiaomi-ev/\""));
}

#[test]
fn rss_feed_parses_and_has_what_readers_need() {
    let site = Fixture::new(&[
        ("site.toml", &format!("{SITE_TOML}[feed]\nlimit = 2\n")),
        (
            "content/articles/a.md",
            &article("Oldest", "2021-03-01T10:00:00Z", "", "Old <b>body</b>."),
        ),
        (
            "content/articles/b.md",
            &article(
                "Middle & more",
                "2021-03-02T10:00:00Z",
                "author = \"Ana\"\ntags = [\"t1\"]\ncategory = \"biz\"\n",
                "Mid.\n\n<!-- more -->\n\nRest.",
            ),
        ),
        (
            "content/articles/c.md",
            &article(
                "Newest",
                "2021-03-03T10:00:00Z",
                "updated = 2021-03-04T08:00:00Z\n",
                "New.",
            ),
        ),
    ]);
    site.build_ok();
    let xml = site.read("feed.xml");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let rss = doc.root_element();
    assert_eq!(rss.tag_name().name(), "rss");
    assert_eq!(rss.attribute("version"), Some("2.0"));
    let channel = rss.children().find(|n| n.has_tag_name("channel")).unwrap();
    let child = |node: roxmltree::Node, name: &str| {
        node.children()
            .find(|n| n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(str::to_string)
    };
    assert_eq!(child(channel, "title").as_deref(), Some("Test Desk"));
    assert_eq!(
        child(channel, "link").as_deref(),
        Some("https://news.example.com/")
    );
    assert_eq!(child(channel, "description").as_deref(), Some("Test news"));
    // The channel date is the newest article's (its update), not the clock.
    assert_eq!(
        child(channel, "lastBuildDate").as_deref(),
        Some("Thu, 4 Mar 2021 08:00:00 +0000")
    );
    let atom = channel
        .children()
        .find(|n| {
            n.tag_name().name() == "link"
                && n.tag_name().namespace() == Some("http://www.w3.org/2005/Atom")
        })
        .expect("atom:link");
    assert_eq!(atom.attribute("rel"), Some("self"));
    assert_eq!(
        atom.attribute("href"),
        Some("https://news.example.com/feed.xml")
    );
    let items: Vec<_> = channel
        .children()
        .filter(|n| n.has_tag_name("item"))
        .collect();
    assert_eq!(items.len(), 2, "feed limit");
    assert_eq!(child(items[0], "title").as_deref(), Some("Newest"));
    assert_eq!(child(items[1], "title").as_deref(), Some("Middle & more"));
    for item in &items {
        let date = child(*item, "pubDate").unwrap();
        chrono::DateTime::parse_from_rfc2822(&date).expect("RFC 822 date");
        let link = child(*item, "link").unwrap();
        assert!(link.starts_with("https://news.example.com/"));
        assert_eq!(child(*item, "guid"), Some(link));
    }
    assert_eq!(
        child(items[1], "description").as_deref(),
        Some("<p>Mid.</p>\n")
    );
    let content = items[1]
        .children()
        .find(|n| n.tag_name().name() == "encoded")
        .and_then(|n| n.text())
        .unwrap();
    assert!(content.contains("<p>Rest.</p>"));
    let categories: Vec<_> = items[1]
        .children()
        .filter(|n| n.has_tag_name("category"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(categories, vec!["biz", "t1"]);
    let creator = items[1]
        .children()
        .find(|n| n.tag_name().name() == "creator")
        .and_then(|n| n.text());
    assert_eq!(creator, Some("Ana"));
}

#[test]
fn feed_without_full_content_has_summaries_only() {
    let site = Fixture::new(&[
        (
            "site.toml",
            &format!("{SITE_TOML}[feed]\nfull_content = false\n"),
        ),
        (
            "content/articles/a.md",
            &article("A", "2021-03-01", "", "Summary.\n\nSecret rest."),
        ),
    ]);
    site.build_ok();
    let xml = site.read("feed.xml");
    roxmltree::Document::parse(&xml).unwrap();
    assert!(!xml.contains("content:encoded>"));
    assert!(!xml.contains("Secret rest"));
}

#[test]
fn empty_site_still_has_a_valid_feed_and_front_page() {
    let site = Fixture::new(&[]);
    site.build_ok();
    let xml = site.read("feed.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(
        doc.descendants().filter(|n| n.has_tag_name("item")).count(),
        0
    );
    assert!(
        site.read("index.html")
            .contains("No articles have been published yet.")
    );
}

#[test]
fn drafts_and_scheduled_articles_are_left_out_unless_asked() {
    let site = Fixture::new(&[
        (
            "content/articles/live.md",
            &article("Live", "2021-03-01", "", "x"),
        ),
        (
            "content/articles/draft.md",
            &article("Draft story", "2021-03-02", "draft = true\n", "x"),
        ),
        (
            "content/articles/later.md",
            &article("Scheduled story", "2099-01-01T00:00:00Z", "", "x"),
        ),
    ]);
    let run = site.build_ok();
    assert!(run.stdout.contains("Built 1 article"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("left out: 1 draft (--drafts), 1 scheduled (--future)"),
        "{}",
        run.stdout
    );
    let everything = tree(&site.public())
        .into_iter()
        .map(|(_, b)| String::from_utf8_lossy(&b).into_owned())
        .collect::<String>();
    assert!(!everything.contains("Draft story"));
    assert!(!everything.contains("Scheduled story"));

    site.run(&["build", "--drafts"]);
    assert!(site.read("index.html").contains("Draft story"));
    assert!(!site.read("index.html").contains("Scheduled story"));
    site.run(&["build", "--future"]);
    assert!(site.read("index.html").contains("Scheduled story"));
    assert!(site.read("feed.xml").contains("Scheduled story"));
}

#[test]
fn quiet_prints_nothing_on_success() {
    let site = newsroom();
    let run = site.run(&["build", "--quiet"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
}

/// A reader that stops early (`gazette build | head -1`) closes the pipe
/// before the summary is printed: the build is already done, and gazette
/// ends without a panic's message, its output swapped in.
#[test]
#[cfg(unix)]
fn a_summary_into_a_closed_pipe_ends_without_a_panic() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    let site = newsroom();
    for args in [vec!["build"], vec!["build"], vec!["status"], vec!["check"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gazette"))
            .args(&args)
            .arg("--root")
            .arg(site.root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run gazette");
        // The reading end goes before gazette writes its first line.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait for gazette");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
            "{args:?} ended with {:?}: {stderr}",
            out.status
        );
    }
    assert!(site.read("index.html").contains("Yuan steady"));
}

#[test]
fn yaml_toml_bom_and_crlf_front_matter_all_load() {
    let site = Fixture::new(&[
        (
            "content/articles/toml.md",
            "\u{feff}+++\r\ntitle = \"Toml CRLF\"\r\ndate = 2021-03-01\r\n+++\r\n\r\nBody one.\r\n",
        ),
        (
            "content/articles/yaml.md",
            "\u{feff}---\r\ntitle: Yaml CRLF\r\ndate: 2021-03-02 10:00\r\ntags: [a, b]\r\n---\r\nBody two.\r\n",
        ),
    ]);
    site.build_ok();
    assert!(
        site.read("2021/03/01/toml/index.html")
            .contains("Toml CRLF")
    );
    let yaml = site.read("2021/03/02/yaml/index.html");
    assert!(yaml.contains("Yaml CRLF"));
    assert!(yaml.contains("<p>Body two.</p>"));
    assert!(!yaml.contains('\r'));
}

#[test]
fn slugs_strip_date_prefixes_and_transliterate() {
    let site = Fixture::new(&[
        (
            "content/articles/2021-03-26-Café Zürich.md",
            &article("A", "2021-03-26", "", "x"),
        ),
        (
            "content/articles/b.md",
            &article("B", "2021-03-26", "slug = \"Xiaomi 小米 EV!\"\n", "x"),
        ),
        (
            "content/articles/c.md",
            &article("C", "2021-03-26", "slug = \"../../../escape\"\n", "x"),
        ),
    ]);
    site.build_ok();
    assert!(
        site.public()
            .join("2021/03/26/cafe-zurich/index.html")
            .is_file()
    );
    assert!(
        site.public()
            .join("2021/03/26/xiaomi-xiao-mi-ev/index.html")
            .is_file()
    );
    assert!(site.public().join("2021/03/26/escape/index.html").is_file());
    assert!(!site.root().join("escape").exists());
}

#[test]
fn permalink_pattern_and_timezone_decide_the_url() {
    let site = Fixture::new(&[
        (
            "site.toml",
            "title = \"T\"\nbase_url = \"https://e.com\"\ntimezone = \"Asia/Shanghai\"\npermalink = \"/:category/:year/:slug.html\"\n",
        ),
        // 23:30 UTC on the 31st of December is already 2022 in Shanghai.
        (
            "content/articles/a.md",
            &article(
                "A",
                "2021-12-31T23:30:00Z",
                "category = \"World News\"\n",
                "x",
            ),
        ),
        (
            "content/articles/b.md",
            &article("B", "2021-06-01", "", "x"),
        ),
    ]);
    site.build_ok();
    assert!(site.public().join("world-news/2022/a.html").is_file());
    assert!(site.public().join("uncategorized/2021/b.html").is_file());
}

#[test]
fn site_templates_replace_built_ins() {
    let site = newsroom();
    site.write(
        "templates/partials/footer.html",
        "<footer>Custom footer for {{ site.title }}</footer>\n",
    );
    site.write("templates/page.html", "{% extends \"base.html\" %}{% block content %}<div class=\"mine\">{{ page.content | safe }}</div>{% endblock content %}");
    site.build_ok();
    let page = site.read("about/index.html");
    assert!(page.contains("<footer>Custom footer for Test Desk</footer>"));
    assert!(page.contains("<div class=\"mine\"><p>We are a desk.</p>"));
}

#[test]
fn article_template_key_picks_a_template() {
    let site = newsroom();
    site.write("templates/briefing.html", "BRIEFING {{ article.title }}");
    site.write(
        "content/articles/brief.md",
        &article(
            "Morning",
            "2021-03-27",
            "template = \"briefing.html\"\n",
            "x",
        ),
    );
    site.build_ok();
    assert_eq!(site.read("2021/03/27/brief/index.html"), "BRIEFING Morning");
}

#[test]
fn aliases_redirect_to_the_article() {
    let site = Fixture::new(&[(
        "content/articles/a.md",
        &article(
            "A",
            "2021-03-26",
            "aliases = [\"/old/path/\", \"older.html\"]\n",
            "x",
        ),
    )]);
    site.build_ok();
    for alias in ["old/path/index.html", "older.html"] {
        let page = site.read(alias);
        assert!(page.contains("<meta http-equiv=\"refresh\" content=\"0; url=https://news.example.com/2021/03/26/a/\">"), "{page}");
        assert!(
            page.contains(
                "<link rel=\"canonical\" href=\"https://news.example.com/2021/03/26/a/\">"
            )
        );
    }
}

#[test]
fn two_builds_are_byte_identical_and_independent_of_previous_output() {
    let site = newsroom();
    let out_a = site.root().join("out-a");
    let out_b = site.root().join("out-b");
    site.run(&["build", "--output", out_a.to_str().unwrap()]);
    site.run(&["build", "--output", out_b.to_str().unwrap()]);
    let a = tree(&out_a);
    assert!(a.len() > 10);
    assert_eq!(a, tree(&out_b));
    // Build a changed site into out-b, then the original again: the result
    // must equal the fresh build exactly, stale files gone.
    site.write(
        "content/articles/2021/extra.md",
        &article("Extra", "2021-03-27", "tags = [\"new-tag\"]\n", "x"),
    );
    site.run(&["build", "--output", out_b.to_str().unwrap()]);
    assert!(out_b.join("tags/new-tag/index.html").is_file());
    fs::remove_file(site.root().join("content/articles/2021/extra.md")).unwrap();
    for _ in 0..2 {
        let run = site.run(&["build", "--output", out_b.to_str().unwrap()]);
        assert_eq!(run.code, 0);
        assert_eq!(tree(&out_b), a);
    }
}

#[test]
fn stale_files_disappear() {
    let site = newsroom();
    site.build_ok();
    fs::write(site.public().join("leftover.html"), "old").unwrap();
    fs::create_dir_all(site.public().join("old-dir/deep")).unwrap();
    fs::write(site.public().join("old-dir/deep/x.html"), "old").unwrap();
    site.build_ok();
    site.build_ok();
    assert!(!site.public().join("leftover.html").exists());
    assert!(!site.public().join("old-dir").exists());
}

#[test]
fn rebuilding_an_unchanged_site_rewrites_nothing() {
    let site = newsroom();
    let first = site.build_ok();
    assert!(first.stdout.contains("0 unchanged"), "{}", first.stdout);
    // `--full`: past the build cache, into the writing of each file.
    site.run(&["build", "--full"]);
    // The third build writes into the first one's folder, kept as staging:
    // every file there already holds the right bytes.
    let third = site.run(&["build", "--full"]);
    assert!(third.stdout.contains(": 0 written,"), "{}", third.stdout);
    assert!(third.stdout.contains("0 stale removed"), "{}", third.stdout);
}

#[test]
fn runs_from_inside_the_site_folder_by_default() {
    let site = newsroom();
    let run = gazette(&["build"], site.root());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("into public"), "{}", run.stdout);
    assert!(site.public().join("index.html").is_file());
}

#[test]
fn example_site_builds() {
    let (_out, output, run) = common::build_example(None);
    assert_eq!(run.stderr, "", "the example site builds without warnings");
    let page =
        fs::read_to_string(output.join("2021/03/26/xiaomi-great-wall-ev/index.html")).unwrap();
    for needle in [
        "Xiaomi teams up with Great Wall Motor",
        "rel=\"author\">Lena Cho</a>",
        "<figcaption>",
        "<h2 id=\"results-that-fell-short\">",
        "<blockquote>",
        "¥70.46 billion ($10.77 billion)",
        "¥75.23 billion",
        "¥42.6 billion",
        "About the author",
        "Related articles",
    ] {
        assert!(page.contains(needle), "missing {needle}");
    }
    assert!(
        output
            .join("2021/03/26/xiaomi-great-wall-ev/lead.jpg")
            .is_file()
    );
    roxmltree::Document::parse(&fs::read_to_string(output.join("feed.xml")).unwrap()).unwrap();
}

/// Every variable a template can see is documented in docs/templates.md.
#[test]
fn every_template_variable_is_documented() {
    let docs = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/templates.md"))
        .unwrap();
    let site = newsroom();
    let dump = "{{ __tera_context }}";
    for name in [
        "article.html",
        "index.html",
        "page.html",
        "author.html",
        "term.html",
        "404.html",
        "alias.html",
        "archive.html",
        "authors.html",
        "search.html",
        "terms.html",
    ] {
        site.write(&format!("templates/{name}"), dump);
    }
    site.write(
        "content/articles/2021/results.md",
        &article(
            "Results",
            "2021-03-24",
            "aliases = [\"/old/\"]\ntags = [\"Xiaomi\"]\n",
            "## Revenue\n\nBody.",
        ),
    );
    site.build_ok();
    let mut missing = Vec::new();
    for page in [
        "2021/03/26/xiaomi-ev/index.html",
        "index.html",
        "about/index.html",
        "authors/ana-lee/index.html",
        "tags/xiaomi/index.html",
        "404.html",
        "old/index.html",
        "2021/index.html",
        "2021/03/index.html",
        "authors/index.html",
        "search/index.html",
        "tags/index.html",
        "categories/index.html",
    ] {
        let value: serde_json::Value =
            serde_json::from_str(&site.read(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        collect_keys(&value, &mut missing, &docs);
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "undocumented template variables: {missing:?}"
    );
}

fn collect_keys(value: &serde_json::Value, missing: &mut Vec<String>, docs: &str) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                // `extra` tables hold the site's own data.
                if key == "extra" {
                    continue;
                }
                if !docs.contains(&format!("`{key}`"))
                    && !docs.contains(&format!(".{key}`"))
                    && !docs.contains(&format!("`{key}."))
                {
                    missing.push(key.clone());
                }
                collect_keys(inner, missing, docs);
            }
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|i| collect_keys(i, missing, docs))
        }
        _ => {}
    }
}

/// The parallel build writes the same bytes as a build on one thread.
#[test]
fn parallel_and_single_threaded_builds_are_identical() {
    let site = newsroom();
    for day in 1..=30 {
        site.write(
            &format!("content/articles/2021/bulk-{day}.md"),
            &article(
                &format!("Bulk story {day}"),
                &format!("2021-01-{day:02}T08:00:00Z"),
                "tags = [\"Xiaomi\", \"bulk\"]\ncategory = \"business\"\n",
                "Body text.\n\n## Part\n\nMore.",
            ),
        );
    }
    let parallel = site.root().join("out-parallel");
    let single = site.root().join("out-single");
    let run = site.run(&["build", "--output", parallel.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args([
            "build",
            "--root",
            site.root().to_str().unwrap(),
            "--output",
            single.to_str().unwrap(),
        ])
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    let a = tree(&parallel);
    assert!(a.len() > 60);
    assert_eq!(a, tree(&single));
}

/// The record kept beside the output lets rebuilds skip reading unchanged
/// files; a file changed by hand in the output is still put right.
#[test]
fn hand_edits_in_the_output_are_undone_despite_the_record() {
    let site = newsroom();
    // `--full`: past the build cache, so that both folders get a record.
    for _ in 0..3 {
        let run = site.run(&["build", "--full"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let cache = site.root().join(".public.gazette-cache");
    let records = fs::read_dir(&cache)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "record")
        })
        .count();
    assert_eq!(records, 2, "one record for each of the two folders");
    let page = site.public().join("about/index.html");
    let original = fs::read(&page).unwrap();
    // Same length, other bytes: only the modification time tells.
    let mut edited = original.clone();
    edited[0] = b'X';
    fs::write(&page, &edited).unwrap();
    site.build_ok();
    site.build_ok();
    assert_eq!(fs::read(&page).unwrap(), original);
    // A file added by hand changes its folder's time: the record is not
    // trusted and the folder is walked.
    fs::write(site.public().join("added-by-hand.html"), "x").unwrap();
    site.build_ok();
    site.build_ok();
    assert!(!site.public().join("added-by-hand.html").exists());
    let fresh = site.root().join("fresh");
    site.run(&["build", "--output", fresh.to_str().unwrap()]);
    assert_eq!(tree(&site.public()), tree(&fresh));
}

/// A page whose bytes did not change keeps its modification time from
/// build to build (deploy tools that compare times upload only changes);
/// a changed page gets a new one; static files carry their source's time.
#[test]
fn unchanged_pages_keep_their_modification_time() {
    let site = newsroom();
    let mtime = |path: &str| {
        fs::metadata(site.public().join(path))
            .unwrap()
            .modified()
            .unwrap()
    };
    site.build_ok();
    let about = mtime("about/index.html");
    let results = mtime("2021/03/24/results/index.html");
    for _ in 0..3 {
        std::thread::sleep(std::time::Duration::from_millis(20));
        site.build_ok();
        assert_eq!(mtime("about/index.html"), about);
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    site.write(
        "content/pages/about.md",
        "+++\ntitle = \"About us\"\n+++\nWe are a bigger desk.\n",
    );
    site.build_ok();
    assert!(mtime("about/index.html") > about, "an edited page is newer");
    assert_eq!(mtime("2021/03/24/results/index.html"), results);
    let source = fs::metadata(site.root().join("static/img/ana.png"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(mtime("img/ana.png"), source);
}

#[test]
fn static_copies_well_known_and_host_files_but_not_hidden_junk() {
    let site = newsroom();
    site.write(
        "static/.well-known/security.txt",
        "Contact: mailto:security@example.com\n",
    );
    site.write("static/_redirects", "/old /new 301\n");
    site.write("static/.DS_Store", "junk");
    site.write("static/img/.hidden", "junk");
    site.build_ok();
    assert_eq!(
        site.read(".well-known/security.txt"),
        "Contact: mailto:security@example.com\n"
    );
    assert_eq!(site.read("_redirects"), "/old /new 301\n");
    assert!(!site.public().join(".DS_Store").exists());
    assert!(!site.public().join("img/.hidden").exists());
}

/// Every link and image of every page of the example site that points into
/// the site leads to a file of the output: the built-in templates never
/// link to a page the build does not write.
#[test]
fn example_site_has_no_dead_internal_links() {
    let (_out, output, _) = common::build_example(None);
    let base = "https://ledger.example.com/";
    let mut dead = Vec::new();
    let mut checked = 0;
    for (path, bytes) in tree(&output) {
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let page = String::from_utf8(bytes).unwrap();
        for attribute in ["href=\"", "src=\"", "content=\""] {
            for rest in page.split(attribute).skip(1) {
                let url = rest.split('"').next().unwrap();
                let Some(site_path) = url.strip_prefix(base) else {
                    continue;
                };
                let site_path = site_path.split('#').next().unwrap();
                let file = if site_path.is_empty() || site_path.ends_with('/') {
                    output.join(site_path).join("index.html")
                } else {
                    output.join(site_path)
                };
                checked += 1;
                if !file.is_file() {
                    dead.push(format!("{} → {url}", path.display()));
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} links checked");
    dead.sort();
    dead.dedup();
    assert!(dead.is_empty(), "dead internal links:\n{}", dead.join("\n"));
}

#[test]
fn every_page_has_an_icon_the_sites_own_when_static_gives_one() {
    let site = Fixture::new(&[(
        "content/articles/a.md",
        &article("A story", "2021-03-26", "", "Body."),
    )]);
    site.build_ok();
    // Built in: the title's initial, linked from every page.
    let icon = site.read("favicon.svg");
    let doc = roxmltree::Document::parse(&icon).expect("the icon is well-formed SVG");
    let letter = doc.descendants().find(|n| n.has_tag_name("text")).unwrap();
    assert_eq!(letter.text(), Some("T"), "{icon}");
    let front = site.read("index.html");
    assert!(
        front.contains("<link rel=\"icon\" href=\"https://news.example.com/favicon.svg\">"),
        "{front}"
    );

    // The site's own .ico: linked, and no built-in icon is written.
    site.write_bytes("static/favicon.ico", b"\x00\x00\x01\x00");
    site.build_ok();
    assert!(!site.public().join("favicon.svg").exists());
    assert_eq!(
        std::fs::read(site.public().join("favicon.ico")).unwrap(),
        b"\x00\x00\x01\x00"
    );
    let page = site.read("2021/03/26/a/index.html");
    assert!(
        page.contains("<link rel=\"icon\" href=\"https://news.example.com/favicon.ico\">"),
        "{page}"
    );

    // Its own .svg takes the built-in one's place, with no collision.
    site.write(
        "static/favicon.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    site.build_ok();
    assert_eq!(
        site.read("favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"
    );
    assert!(
        site.read("index.html")
            .contains("href=\"https://news.example.com/favicon.svg\"")
    );
}

/// A first build that fails on the site's content makes no cache folder:
/// it writes nothing, there or in the output.
#[test]
fn a_failed_first_build_makes_no_cache_folder() {
    let site = Fixture::new(&[
        ("site.toml", SITE_TOML),
        (
            "content/articles/2021/cars.md",
            "+++\ntitle = \"Xiaomi to build cars\"\n+++\n\nNo date.\n",
        ),
    ]);
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!site.root().join(".gazette-cache").exists());
    assert!(!site.public().exists());
}

/// A build keeps its articles' bodies in the Markdown cache of the cache
/// folder (`markdown/`) while it runs, and for the next build; a failed
/// build leaves in the folder only what the last build kept.
#[test]
fn a_build_leaves_only_its_state_in_the_cache_folder() {
    let site = Fixture::new(&[
        ("site.toml", SITE_TOML),
        (
            "content/articles/2021/cars.md",
            &article("Xiaomi to build cars", "2021-03-26", "", "Shares **rose**."),
        ),
        (
            "content/articles/2021/phones.md",
            &article(
                "Phone shipments rebound",
                "2021-04-01",
                "",
                "Xiaomi gained.",
            ),
        ),
    ]);
    let cache_files = || {
        let mut names: Vec<String> = fs::read_dir(site.root().join(".gazette-cache"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    site.build_ok();
    // The bodies came back from the file whole.
    let page = site.read("2021/03/26/cars/index.html");
    assert!(page.contains("Shares <strong>rose</strong>."), "{page}");
    let names = cache_files();
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(names[0], "CACHEDIR.TAG");
    assert!(names[1].starts_with("build-state-"), "{names:?}");
    assert_eq!(names[2], "images");
    assert_eq!(names[3], "markdown");
    assert!(tree(&site.root().join(".gazette-cache/images")).is_empty());
    let markdown = site.root().join(".gazette-cache/markdown");
    let kept = tree(&markdown);
    let kept_names: Vec<String> = kept.iter().map(|(p, _)| p.display().to_string()).collect();
    assert_eq!(kept_names, ["bodies-0.bin", "index.bin", "lock"]);
    // A build that fails at a page keeps nothing more.
    site.write(
        "content/articles/2021/phones.md",
        &article(
            "Phone shipments rebound",
            "2021-04-01",
            "template = \"missing.html\"\n",
            "x",
        ),
    );
    let failed = site.build();
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert_eq!(cache_files(), names);
    // The failed build's index is the last build's.
    let index = |tree: &[(std::path::PathBuf, Vec<u8>)]| {
        (tree.iter())
            .find(|(p, _)| p.ends_with("index.bin"))
            .map(|(_, bytes)| bytes.clone())
    };
    assert_eq!(index(&tree(&markdown)), index(&kept));
}

/// Builds `root` in this process into `output`, with page contexts made
/// whole or only as deep as their templates read them.
fn build_in_process(
    root: &Path,
    output: &Path,
    whole_contexts: bool,
) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    gazette::testing::make_whole_contexts(whole_contexts);
    let mut options = gazette::build::BuildOptions::new(root);
    options.output = Some(output.to_path_buf());
    options.cache_dir = Some(output.with_extension("cache"));
    options.now = "2026-01-02T03:04:05Z".parse().unwrap();
    let built = gazette::build::build(&options);
    gazette::testing::make_whole_contexts(false);
    if let Err(failure) = built {
        panic!("{}: {:?}", root.display(), failure.diagnostics);
    }
    tree(output)
}

/// A page's context is made only as deep as its template reads it; what
/// is not read keeps its shape (every key, every list's length). Pages
/// must come out byte for byte as from whole contexts, for the built-in
/// templates (the example site) and for templates that read in the ways
/// that could go wrong: a map's keys, a list's length or emptiness, a loop
/// that reads no item, `is defined`, a macro's argument, a filter, a name
/// `set` from another, an index, a bracketed key, data files.
#[test]
fn pages_made_from_pruned_contexts_are_those_of_whole_contexts() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR"));
    let custom = newsroom();
    custom.write(
        "data/markets.toml",
        "[indexes]\nhsi = 28000\nsse = 3400\n\n[[quotes]]\nname = \"Xiaomi\"\nprice = 24.5\n",
    );
    custom.write(
        "site.toml",
        &format!("{SITE_TOML}\n[extra]\nmotto = \"Facts first\"\nempty = {{}}\n"),
    );
    custom.write(
        "templates/partials/macros.html",
        "{% macro byline(a) %}{{ a.authors | length }} by {% for b in a.authors %}{{ b.name }}{% endfor %}{% endmacro byline %}",
    );
    custom.write(
        "templates/term.html",
        r#"{% extends "base.html" %}{% import "partials/macros.html" as m %}{% block content %}
<h1>{{ term.label }}{% if term.count is defined %} ({{ term.count }}){% endif %}</h1>
<p>{{ articles | length }} here; {% for a in articles %}{{ loop.index }},{% endfor %}</p>
{% if articles %}<ul>{% for a in articles %}<li>{{ m::byline(a=a) }} {% set t = a.tags %}{% for tag in t %}{{ tag.label }}{% endfor %} {{ a.date_short }}</li>{% endfor %}</ul>{% endif %}
{% for name, value in data.markets.indexes %}{{ name }}={{ value }};{% endfor %}
{% for key, value in site.extra %}{{ key }};{% endfor %}{% if site.extra.empty %}never{% endif %}
{{ articles.0.title }} {{ articles[0]["url"] }} {{ data.markets.quotes | first | json_encode }}
{% endblock content %}"#,
    );
    custom.write(
        "templates/index.html",
        r#"{% extends "base.html" %}{% block content %}{% set latest = articles %}{% for story in latest %}<h2>{{ story.title | upper }}</h2>{{ story.summary | safe }}{% if story.image is defined and story.image %}<img src="{{ story.image }}">{% endif %}{% endfor %}
{% if paginator.next %}<a href="{{ paginator.next }}">older</a>{% endif %}{% endblock content %}"#,
    );
    // Loop names reused, looked up past a loop's item, seen by an
    // included template, given by `set_global` and by `set` in a loop.
    custom.write(
        "templates/article.html",
        r#"{% extends "base.html" %}{% block content %}<h1>{{ article.title }}</h1>
{% for article in related %}<a href="{{ article.url }}">{{ article.title }}</a>[{{ article.image_caption }}]{% endfor %}
{% for story in related %}{% set_global last_story = story %}{% endfor %}{% if last_story %}({{ last_story.date_short }}){% endif %}
{% for story in related %}{% include "partials/story.html" %}{% endfor %}
{% for x in related %}{% set tags = x.tags %}{% for t in tags %}#{{ t.label }}{% endfor %}{% endfor %}
{% for x in authors %}{% else %}no authors{% endfor %}{% endblock content %}"#,
    );
    custom.write(
        "templates/partials/story.html",
        "<i>{{ story.reading_minutes }} min, {{ story.summary_text }}</i>",
    );
    for (name, root) in [("example", example), ("custom", custom.root())] {
        let dir = tempfile::tempdir().unwrap();
        let whole = build_in_process(root, &dir.path().join("whole"), true);
        let pruned = build_in_process(root, &dir.path().join("pruned"), false);
        assert!(whole.len() > 10, "{name}: {} files", whole.len());
        for ((path, a), (path_b, b)) in whole.iter().zip(&pruned) {
            assert_eq!(path, path_b, "{name}: the same files");
            assert!(
                a == b,
                "{name}: {} differs:\n{}\n---\n{}",
                path.display(),
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b)
            );
        }
        assert_eq!(whole.len(), pruned.len(), "{name}");
    }
    let dir = tempfile::tempdir().unwrap();
    build_in_process(custom.root(), &dir.path().join("out"), false);
    let tag = fs::read_to_string(dir.path().join("out/tags/xiaomi/index.html")).unwrap();
    for shown in [
        "Xiaomi (2)",
        "2 here; 1,2,",
        "1 by Ana Lee",
        "hsi=28000;sse=3400;",
        "empty;motto;",
        "{&quot;name&quot;:&quot;Xiaomi&quot;,&quot;price&quot;:24.5}",
    ] {
        assert!(tag.contains(shown), "{shown} in\n{tag}");
    }
    assert!(!tag.contains("never"));
    let page = fs::read_to_string(dir.path().join("out/2021/03/26/xiaomi-ev/index.html")).unwrap();
    for shown in [
        ">Results miss</a>[The lead photo]",
        "(24 March 2021)",
        "1 min, First.",
        "#Xiaomi",
    ] {
        assert!(page.contains(shown), "{shown} in\n{page}");
    }
}
