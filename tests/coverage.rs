//! Live coverage and series: a live article's timestamped updates (order,
//! anchors, badge, LiveBlogPosting JSON-LD, the refresh script, when
//! coverage ends), a series' box, page and feed, and the errors of both at
//! their lines. Pages are read as built; feeds and JSON-LD are parsed.

mod common;

use common::{Fixture, SITE_TOML, article, json_ld};
use roxmltree::Document;

/// A live article written oldest update first, with one heading that is
/// not an update and a time-only heading on the next day's date.
const LIVE_BODY: &str = "Key points of the day.\n\n## 16:05 Filing confirms the car plan\n\nThe board approved it.\n\n## Background\n\nNot an update: it stays with the one above.\n\n## 2021-03-31 09:30 Shares open higher\n\nTrading began.\n\n## 10:15\n\nA time alone.\n";

fn live_site(extra: &str, site_toml_extra: &str) -> Fixture {
    Fixture::new(&[
        ("site.toml", &format!("{SITE_TOML}{site_toml_extra}")),
        (
            "content/articles/live.md",
            &article(
                "Live: Xiaomi's car plan",
                "2021-03-30T16:00:00+08:00",
                &format!("live = true\n{extra}"),
                LIVE_BODY,
            ),
        ),
        (
            "content/articles/other.md",
            &article("Other story", "2021-03-29T10:00:00+08:00", "", "Text."),
        ),
    ])
}

#[test]
fn live_updates_are_shown_newest_first_each_with_its_time_and_anchor() {
    let site = live_site("", "");
    site.run(&["build", "--at", "2021-03-31T12:00:00+08:00"]);
    let page = site.read("2021/03/30/live/index.html");
    let body = &page[page.find("<div class=\"story-body\">").unwrap()..];
    let key_points = body.find("Key points").unwrap();
    let order: Vec<usize> = ["A time alone", "Trading began", "The board approved it"]
        .iter()
        .map(|text| body.find(text).unwrap_or_else(|| panic!("{text}: {body}")))
        .collect();
    assert!(
        key_points < order[0],
        "the text above the updates stays on top"
    );
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "newest first: {body}"
    );
    // A `##` heading without a time belongs to the update above it.
    let background = body.find("Not an update").unwrap();
    assert!(order[2] < background, "{body}");
    assert_eq!(body.matches("<article class=\"live-update\"").count(), 3);
    // The time-only heading takes the day of the dated heading above it.
    assert!(
        body.contains("<h2 id=\"10-15\"><time class=\"live-update-time\" datetime=\"2021-03-31T10:15:00+08:00\">10:15</time></h2>"),
        "{body}"
    );
    assert!(body.contains("<time class=\"live-update-time\" datetime=\"2021-03-30T16:05:00+08:00\">16:05</time> Filing confirms the car plan</h2>"), "{body}");
    assert!(body.contains("aria-labelledby=\"16-05-filing-confirms-the-car-plan\""));

    let ld = json_ld(&page);
    assert_eq!(ld["@type"], "LiveBlogPosting");
    assert_eq!(ld["coverageStartTime"], "2021-03-30T16:00:00+08:00");
    assert!(ld.get("coverageEndTime").is_none(), "no end set");
    // The newest update is the article's last change.
    assert_eq!(ld["dateModified"], "2021-03-31T10:15:00+08:00");
    let updates = ld["liveBlogUpdate"].as_array().unwrap();
    let summary: Vec<(&str, &str)> = updates
        .iter()
        .map(|u| {
            (
                u["datePublished"].as_str().unwrap(),
                u["headline"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("2021-03-31T10:15:00+08:00", "Live: Xiaomi's car plan"),
            ("2021-03-31T09:30:00+08:00", "Shares open higher"),
            ("2021-03-30T16:05:00+08:00", "Filing confirms the car plan"),
        ]
    );
    assert_eq!(
        updates[2]["url"],
        "https://news.example.com/2021/03/30/live/#16-05-filing-confirms-the-car-plan"
    );
    assert!(updates.iter().all(|u| u["@type"] == "BlogPosting"));
}

#[test]
fn a_running_live_page_has_its_badge_and_refresh_script_until_coverage_ends() {
    let site = live_site("live_until = 2021-03-31T18:00:00+08:00\n", "");
    // While coverage runs: the badge on the page and its card, the script.
    let run = site.run(&["build", "--at", "2021-03-31T12:00:00+08:00"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("next change: content/articles/live.md ends live coverage at 2021-03-31T10:00:00Z: build again then"),
        "{}",
        run.stdout
    );
    let note = std::fs::read_to_string(site.root().join(".gazette-cache/next-change")).unwrap();
    assert_eq!(
        note,
        "2021-03-31T10:00:00Z content/articles/live.md ends live coverage\n"
    );
    let page = site.read("2021/03/30/live/index.html");
    assert!(
        page.contains("<p class=\"label label-live\">Live</p>"),
        "{page}"
    );
    assert!(page.contains("data-live-refresh=\"60\""));
    let script = common::theme_file_link(&site.public(), &page, "gazette-live.js");
    assert!(page.contains(&format!(
        "<script src=\"https://news.example.com{script}\" defer></script>"
    )));
    let script = site.read("assets/gazette-live.js");
    assert!(script.contains("data-live-refresh"), "{script}");
    let front = site.read("index.html");
    assert_eq!(front.matches("label-live").count(), 1, "one live card");
    assert_eq!(
        json_ld(&page)["coverageEndTime"],
        "2021-03-31T18:00:00+08:00"
    );

    // After it ends: no badge, no script, a line saying so.
    let run = site.run(&["build", "--at", "2021-03-31T18:00:00+08:00"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("next change"), "{}", run.stdout);
    assert!(!site.root().join(".gazette-cache/next-change").exists());
    let page = site.read("2021/03/30/live/index.html");
    assert!(!page.contains("label-live"), "{page}");
    assert!(!page.contains("gazette-live.js"));
    assert!(!page.contains("data-live-refresh"));
    assert!(page.contains("Live coverage ended <time datetime=\"2021-03-31T18:00:00+08:00\">"));
    assert!(!site.read("index.html").contains("label-live"));
    // Still a LiveBlogPosting: the coverage is what the page is.
    assert_eq!(json_ld(&page)["@type"], "LiveBlogPosting");
}

#[test]
fn refresh_can_be_turned_off_and_only_sensible_intervals_are_taken() {
    let site = live_site("", "[live]\nrefresh = 0\n");
    site.run(&["build", "--at", "2021-03-31T12:00:00+08:00"]);
    let page = site.read("2021/03/30/live/index.html");
    assert!(page.contains("label-live"), "still live");
    assert!(!page.contains("data-live-refresh"), "{page}");
    assert!(!page.contains("gazette-live.js"));

    let site = live_site("", "[live]\nrefresh = 2\n");
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("site.toml:6:1: `live.refresh` is seconds between a live page's looks for new updates, from 15 to 3600, or 0 for never; not 2"),
        "{}",
        run.stderr
    );
}

#[test]
fn headings_with_times_are_left_alone_in_an_article_that_is_not_live() {
    let site = live_site("", "");
    site.write(
        "content/articles/live.md",
        &article("Timeline", "2021-03-30T16:00:00+08:00", "", LIVE_BODY),
    );
    site.build_ok();
    let page = site.read("2021/03/30/live/index.html");
    assert!(!page.contains("live-update"), "{page}");
    let filing = page.find("Filing confirms").unwrap();
    assert!(
        filing < page.find("Trading began").unwrap(),
        "written order"
    );
    assert_eq!(json_ld(&page)["@type"], "NewsArticle");
    assert!(site.root().join("public/assets").exists());
    assert!(!site.public().join("assets/gazette-live.js").exists());
}

#[test]
fn bad_live_updates_are_errors_at_their_lines_all_in_one_run() {
    let site = Fixture::new(&[
        (
            "content/articles/early.md",
            &article(
                "Early",
                "2021-03-30T16:00:00+08:00",
                "live_until = 2021-03-30T20:00:00+08:00\n",
                "Intro.\n\n## 15:00 Before coverage began\n\nx\n\n## 21:00 After it ended\n\ny\n",
            ),
        ),
        (
            "content/articles/backwards.md",
            &article(
                "Backwards",
                "2021-03-30T16:00:00+08:00",
                "live_until = 2021-03-29T20:00:00+08:00\n",
                "Intro.\n",
            ),
        ),
    ]);
    site.build_fails_with(&[
        "content/articles/early.md:9:1: live update `15:00` is at 2021-03-30 15:00, before the article's `date` (2021-03-30 16:00)",
        "content/articles/early.md:13:1: live update `21:00` is at 2021-03-30 21:00, after `live_until` (2021-03-30 20:00): move `live_until` later, or correct the update's time",
        "content/articles/backwards.md:4:1: `live_until` is before the article's `date`: coverage runs from `date` until `live_until`",
    ]);
}

/// Ten parts of one series, a day apart, and one article outside it.
fn series_site() -> Fixture {
    let mut files: Vec<(String, String)> = (1..=10)
        .map(|n| {
            (
                format!("content/articles/part-{n:02}.md"),
                article(
                    &format!("Part {n}"),
                    &format!("2021-03-{n:02}T10:00:00+08:00"),
                    // One part spells the series differently: same slug.
                    if n == 7 {
                        "series = \"the car bet\"\n"
                    } else {
                        "series = \"The car bet\"\n"
                    },
                    "Text.",
                ),
            )
        })
        .collect();
    files.push((
        "content/articles/alone.md".into(),
        article("Alone", "2021-03-20T10:00:00+08:00", "", "Text."),
    ));
    Fixture::from_owned(&files)
}

#[test]
fn a_series_has_a_box_on_each_part_a_page_and_a_feed() {
    let site = series_site();
    let run = site.build_ok();
    assert!(
        run.stderr.contains("series `the car bet` is the same as `The car bet` (both are /series/the-car-bet/): using `The car bet`"),
        "{}",
        run.stderr
    );
    // The box lists seven parts around this one, oldest first, numbered
    // by their place in the whole series, this one marked.
    let page = site.read("2021/03/05/part-05/index.html");
    let nav = &page[page.find("<nav class=\"series-box\"").expect("series box")..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    let numbers: Vec<&str> = nav
        .match_indices("<li value=\"")
        .map(|(i, m)| {
            let rest = &nav[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(numbers, ["2", "3", "4", "5", "6", "7", "8"]);
    assert!(
        nav.contains(
            "<li value=\"5\" aria-current=\"page\"><span class=\"series-part-title\">Part 5</span>"
        ),
        "{nav}"
    );
    assert!(nav.contains("<a href=\"https://news.example.com/2021/03/06/part-06/\">Part 6</a>"));
    assert!(nav.contains("All 10 stories in this series"));
    // At the end of the series the box shows its last seven.
    let last = site.read("2021/03/10/part-10/index.html");
    assert!(last.contains("<li value=\"4\">") && !last.contains("<li value=\"3\">"));
    assert!(
        !site
            .read("2021/03/20/alone/index.html")
            .contains("series-box")
    );

    let list = site.read("series/the-car-bet/index.html");
    assert!(list.contains("<p class=\"kicker\">Series</p>"), "{list}");
    assert!(list.contains("10 articles"));
    let index = site.read("series/index.html");
    assert!(index.contains("<a href=\"https://news.example.com/series/the-car-bet/\">The car bet</a> <span class=\"count\">10</span>"), "{index}");

    let feed = site.read("series/the-car-bet/feed.xml");
    let feed = Document::parse(&feed).unwrap();
    let titles: Vec<&str> = feed
        .descendants()
        .filter(|n| n.has_tag_name("item"))
        .filter_map(|item| item.children().find(|c| c.has_tag_name("title")))
        .filter_map(|t| t.text())
        .collect();
    assert_eq!(titles.len(), 10);
    assert_eq!(titles[0], "Part 10", "newest first");
    let sitemap = site.read("sitemap.xml");
    assert!(sitemap.contains("<loc>https://news.example.com/series/the-car-bet/</loc>"));
    assert!(sitemap.contains("<loc>https://news.example.com/series/</loc>"));
}

#[test]
fn a_site_without_series_has_no_series_index_and_a_bad_series_is_an_error() {
    let site = Fixture::new(&[(
        "content/articles/a.md",
        &article("A", "2021-03-26T10:00:00Z", "", "x"),
    )]);
    site.build_ok();
    assert!(!site.public().join("series").exists());

    site.write(
        "content/articles/a.md",
        &article("A", "2021-03-26T10:00:00Z", "series = \"!!!\"\n", "x"),
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "content/articles/a.md:4:1: `series` needs letters or digits to make a URL from"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_live_page_of_thousands_of_updates_builds_and_names_only_the_first_bad_ones() {
    // 5,000 good updates, one a minute, then 30 after coverage ended.
    let mut body = String::from("Intro.\n");
    for n in 0..5000 {
        body.push_str(&format!(
            "\n## 2021-03-{:02} {:02}:{:02} Update {n}\n\nText {n}.\n",
            26 + n / 1440,
            (n / 60) % 24,
            n % 60
        ));
    }
    let site = Fixture::new(&[(
        "content/articles/marathon.md",
        &article(
            "Marathon",
            "2021-03-26T00:00:00+08:00",
            "live = true\n",
            &body,
        ),
    )]);
    site.build_ok();
    let page = site.read("2021/03/26/marathon/index.html");
    assert_eq!(page.matches("<article class=\"live-update\"").count(), 5000);
    let newest = page.find("Update 4999").unwrap();
    assert!(newest < page.find("Update 0<").unwrap(), "newest first");

    for n in 0..30 {
        body.push_str(&format!("\n## 2021-04-01 10:{n:02} Late {n}\n\nx\n"));
    }
    site.write(
        "content/articles/marathon.md",
        &article(
            "Marathon",
            "2021-03-26T00:00:00+08:00",
            "live_until = 2021-03-31T00:00:00+08:00\n",
            &body,
        ),
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.matches("after `live_until`").count(),
        20,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("and 10 more live updates outside the coverage"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_update_timed_after_the_build_is_a_warning_at_its_line() {
    let site = live_site("", "");
    // Built at 09:00 on the 31st: the 09:30 and 10:15 updates are ahead.
    let run = site.run(&["build", "--at", "2021-03-31T09:00:00+08:00"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("content/articles/live.md:17:1: live update `2021-03-31 09:30` is at 2021-03-31 09:30, after the time of this build (2021-03-31 09:00): readers see it now, under a time still to come; correct the time if it is a typo"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("after the time of this build").count(),
        2
    );
    // Later, nothing to say.
    let run = site.run(&["build", "--at", "2021-03-31T12:00:00+08:00"]);
    assert!(
        !run.stderr.contains("after the time of this build"),
        "{}",
        run.stderr
    );
}
