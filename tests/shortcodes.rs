//! Shortcodes: each built-in embed's HTML and feed form, a site's own
//! shortcodes, calls left alone in code, and every kind of bad call
//! reported at its line in one run.

mod common;

use common::*;

fn story(body: &str) -> String {
    article("Xiaomi to build EVs", "2021-03-26", "", body)
}

/// Builds a site whose one article has `body`; returns the fixture.
fn site_with(body: &str) -> Fixture {
    let site = Fixture::new(&[
        ("content/articles/story/index.md", &story(body)),
        ("content/articles/story/plant.jpg", "JPEG"),
        ("content/articles/story/a.jpg", "JPEG"),
        ("content/articles/story/b.jpg", "JPEG"),
        (
            "content/articles/other.md",
            &article(
                "The analysts' view",
                "2021-03-25",
                "",
                "Bernstein says it is a bet.",
            ),
        ),
    ]);
    site.build_ok();
    site
}

fn page(site: &Fixture) -> String {
    site.read("2021/03/26/story/index.html")
}

fn feed_item(site: &Fixture) -> String {
    let rss = site.read("feed.xml");
    let doc = roxmltree::Document::parse(&rss).expect("the feed parses");
    let item = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("item")
                && n.children()
                    .any(|c| c.has_tag_name("title") && c.text() == Some("Xiaomi to build EVs"))
        })
        .expect("the story's item");
    item.children()
        .find(|c| c.tag_name().name() == "encoded")
        .and_then(|c| c.text())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_video_is_a_placeholder_that_loads_nothing_until_clicked() {
    let site = site_with(
        "Intro.\n\n{{< youtube w7Ejrw5kBu0 title=\"The announcement\" start=30 >}}\n\nAfter.\n",
    );
    let html = page(&site);
    assert!(html.contains("<figure class=\"embed embed-video\" data-embed-src=\"https://www.youtube-nocookie.com/embed/w7Ejrw5kBu0?autoplay=1&amp;start=30\">"), "{html}");
    assert!(
        html.contains("href=\"https://www.youtube.com/watch?v=w7Ejrw5kBu0&amp;t=30\""),
        "{html}"
    );
    assert!(html.contains("The announcement"), "{html}");
    assert!(
        !html.contains("<iframe"),
        "nothing third-party loads with the page"
    );
    assert!(
        !html.contains("<p><figure"),
        "a block call is not wrapped in <p>: {html}"
    );
    let script = common::theme_file_link(&site.public(), &html, "gazette-embeds.js");
    assert!(html.contains(&format!(
        "<script src=\"https://news.example.com{script}\" defer></script>"
    )));
    assert!(
        site.read("assets/gazette-embeds.js")
            .contains("data-embed-src")
    );
    let item = feed_item(&site);
    assert!(item.contains("<a href=\"https://www.youtube.com/watch?v=w7Ejrw5kBu0&amp;t=30\">The announcement</a> (YouTube)"), "{item}");
    assert!(
        !item.contains("iframe") && !item.contains("script") && !item.contains("data-embed"),
        "{item}"
    );
    // A page without embeds loads no script.
    assert!(
        !site
            .read("2021/03/25/other/index.html")
            .contains("gazette-embeds.js")
    );
}

#[test]
fn every_built_in_renders_and_feeds_get_no_script() {
    let body = EVERY_EMBED;
    let site = site_with(body);
    let html = page(&site);
    for needle in [
        "data-embed-src=\"https://player.vimeo.com/video/76979871?dnt=1&amp;autoplay=1\"",
        "data-embed-src=\"https://platform.twitter.com/embed/Tweet.html?dnt=true&amp;id=1375355512345678901\"",
        "<p>Xiaomi to build EVs</p>",
        "<p>The post’s words.</p>",
        "View on Bluesky",
        "data-embed-src=\"https://mastodon.social/@newsroom/1100/embed\"",
        "data-embed-src=\"https://www.instagram.com/p/Cabc/embed\"",
        "data-embed-src=\"https://datawrapper.dwcdn.net/abc12/\"",
        "data-embed-src=\"https://flo.uri.sh/story/123/embed\"",
        "data-embed-src=\"https://www.documentcloud.org/documents/2021-filing?embed=true\"",
        "<a href=\"https://news.example.com/2021/03/26/story/filing.pdf\">The filing</a> (PDF)",
        "marker=22.2783,114.1747",
        "<video controls preload=\"metadata\" src=\"https://news.example.com/2021/03/26/story/clip.mp4\" poster=\"https://news.example.com/2021/03/26/story/clip.jpg\"><track kind=\"captions\" src=\"https://news.example.com/2021/03/26/story/clip.vtt\"",
        "<audio controls preload=\"none\" src=\"https://news.example.com/audio/interview.mp3\">",
        "<img src=\"https://news.example.com/2021/03/26/story/plant-64w.jpg\" srcset=\"https://news.example.com/2021/03/26/story/plant-64w.jpg 64w\" sizes=\"(min-width: 42rem) 40rem, 100vw\" width=\"64\" height=\"48\" alt=\"The plant\" loading=\"lazy\" decoding=\"async\"></picture>",
        "<span class=\"credit\">Reuters</span>",
        "<figure class=\"gallery\"><div class=\"gallery-items\"><p><picture><source type=\"image/webp\" srcset=\"https://news.example.com/2021/03/26/story/a-64w.webp 64w\"",
        "<blockquote class=\"pullquote\"><p>A bet on <em>software</em>.</p>",
        "<aside class=\"factbox\"><p class=\"factbox-title\">The deal</p><ul>",
        "<aside class=\"note note-correction\"><p class=\"note-label\">Correction</p>",
        "<span class=\"readmore-title\">The analysts&#39; view</span>",
    ] {
        assert!(html.contains(needle), "missing {needle}\nin {html}");
    }
    assert!(!html.contains("{{<"), "no raw shortcode: {html}");
    assert!(!html.contains('\u{E000}'), "no token left: {html}");
    let item = feed_item(&site);
    assert!(
        !item.contains("<iframe") && !item.contains("<script") && !item.contains("data-embed"),
        "{item}"
    );
    for needle in [
        "<p><a href=\"https://vimeo.com/76979871\">View on Vimeo</a></p>",
        "<blockquote><p>Xiaomi to build EVs</p><p>Reuters, <a href=\"https://x.com/reuters/status/1375355512345678901\">X</a></p></blockquote>",
        "<p><a href=\"https://datawrapper.dwcdn.net/abc12/\">EV sales</a> (Datawrapper)</p>",
        "(OpenStreetMap)</p>",
        "<p><a href=\"https://news.example.com/2021/03/26/story/clip.mp4\">The launch</a></p>",
        "<p><a href=\"https://news.example.com/audio/interview.mp3\">The interview</a></p>",
        "<img src=\"https://news.example.com/2021/03/26/story/plant-64w.jpg\" width=\"64\" height=\"48\" alt=\"The plant\">",
        "<img src=\"https://news.example.com/2021/03/26/story/a-64w.jpg\" width=\"64\" height=\"48\" alt=\"One\">",
        "<blockquote class=\"pullquote\"><p>A bet on <em>software</em>.</p>",
        "<p class=\"factbox-title\">The deal</p>",
        "<p class=\"note-label\">Correction</p>",
    ] {
        assert!(item.contains(needle), "feed: missing {needle}\nin {item}");
    }
    assert!(
        item.contains("Read more: <a href=\"https://news.example.com/2021/03/25/other/\">"),
        "{item}"
    );
    // The summary (first paragraph) and plain text hold no call.
    let search = site.read("search-index.json");
    assert!(
        !search.contains('\u{E000}') && !search.contains("{{<"),
        "{search}"
    );
}

#[test]
fn calls_in_code_and_escaped_calls_are_shown_as_written() {
    let site = site_with(
        "Use `{{< youtube ID >}}` inline.\n\n```markdown\n{{< factbox >}}\nx\n{{< /factbox >}}\n```\n\nWrite {{</* note */>}} for a note.\n",
    );
    let html = page(&site);
    assert!(
        html.contains("<code>{{&lt; youtube ID &gt;}}</code>"),
        "{html}"
    );
    assert!(
        html.contains("{{&lt; factbox &gt;}}\nx\n{{&lt; /factbox &gt;}}"),
        "{html}"
    );
    assert!(
        html.contains("Write {{&lt; note &gt;}} for a note."),
        "{html}"
    );
}

#[test]
fn a_sites_own_shortcode_gets_its_arguments_and_body_and_may_replace_a_built_in() {
    let site = Fixture::new(&[
        (
            "content/articles/story.md",
            &story(
                "{{< stockquote ticker=\"1810.HK\" change=-2.5 >}}Xiaomi **fell**.{{< /stockquote >}}\n\n{{< youtube abc >}}\n",
            ),
        ),
        (
            "templates/shortcodes/stockquote.html",
            "<div class=\"quote\">{{ ticker }} {{ change }} {{ body_html | safe }}{% if feed %}(feed){% endif %}</div><p>in {{ page.title }} at {{ page.url }} on {{ site.title }}</p>",
        ),
        (
            "templates/shortcodes/youtube.html",
            "<p class=\"own-video\">{{ id }}</p>",
        ),
    ]);
    site.build_ok();
    let html = page(&site);
    assert!(
        html.contains(
            "<div class=\"quote\">1810.HK -2.5 <p>Xiaomi <strong>fell</strong>.</p>\n</div>"
        ),
        "{html}"
    );
    assert!(html.contains("<p class=\"own-video\">abc</p>"), "{html}");
    assert!(
        html.contains("<p>in Xiaomi to build EVs at https://news.example.com/2021/03/26/story/ on Test Desk</p>"),
        "{html}"
    );
    assert!(feed_item(&site).contains("(feed)"));
}

#[test]
fn safe_markdown_keeps_embeds_from_templates() {
    let site = Fixture::new(&[
        (
            "site.toml",
            &format!("{SITE_TOML}[markdown]\nsafe = true\n"),
        ),
        (
            "content/articles/story.md",
            &story("<script>alert(1)</script>\n\n{{< youtube abc >}}\n"),
        ),
    ]);
    site.build_ok();
    let html = page(&site);
    assert!(!html.contains("alert(1)"), "{html}");
    assert!(
        html.contains("data-embed-src=\"https://www.youtube-nocookie.com/embed/abc?autoplay=1\""),
        "{html}"
    );
}

#[test]
fn every_bad_call_is_an_error_at_its_line_in_one_run() {
    let site = Fixture::new(&[(
        "content/articles/story.md",
        &story(
            "{{< youtub abc >}}\n\n{{< youtube id=\"a\" titel=\"x\" >}}\n\n{{< figure alt=\"no src\" >}}\n\n{{< map lat=\"north\" lon=1 >}}\n\n{{< factbox >}}\n\n{{< readmore \"@/articles/missing.md\" >}}\n\n{{< note\n\n{{< vimeo 1 >}}text{{< /vimeo >}}\n",
        ),
    )]);
    let run = site.build();
    assert_eq!(run.code, 1);
    let file = format!("{}/content/articles/story.md", site.root().display());
    for expected in [
        format!("{file}:6:1: unknown shortcode `youtub`: did you mean `youtube`?"),
        format!("{file}:8:1: shortcode `youtube` has no argument `titel`: did you mean `title`?"),
        format!("{file}:10:1: shortcode `figure` needs `src` (a URL or a path)"),
        format!("{file}:12:1: shortcode `map`: `lat` must be a number, not \"north\""),
        format!(
            "{file}:14:1: shortcode `factbox` needs a body: write {{{{< factbox … >}}}} text {{{{< /factbox >}}}}"
        ),
        format!(
            "{file}:16:1: shortcode `readmore`: `path` `@/articles/missing.md`: no published article or page content/articles/missing.md"
        ),
        format!("{file}:18:1: a shortcode opened with `{{{{<` is never closed with `>}}}}`"),
        format!(
            "{file}:20:1: shortcode `vimeo` takes no body: remove {{{{< /vimeo >}}}} and put the text in an argument"
        ),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "missing: {expected}\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("8 errors"), "{}", run.stderr);
}

/// Every broken call of a file is an error, but only the first 20 are
/// placed at their line and quoted (placing one reads the body up to it):
/// the rest name the file (said once, being the same error), so thousands
/// of broken calls on one line cost no more than 20.
#[test]
fn a_file_of_many_broken_calls_places_the_first_twenty_at_their_line() {
    let calls = vec!["{{< note"; 25].join("\n\n");
    let site = Fixture::new(&[("content/articles/story.md", &story(&calls))]);
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let file = format!("{}/content/articles/story.md", site.root().display());
    let never_closed = "a shortcode opened with `{{<` is never closed with `>}}`";
    // The body starts on line 6: call n is on line 6 + 2n.
    for n in 0..20 {
        let expected = format!("{file}:{}:1: {never_closed}", 6 + 2 * n);
        assert!(
            run.stderr.contains(&expected),
            "missing: {expected}\n{}",
            run.stderr
        );
    }
    for n in 20..25 {
        let placed = format!("{file}:{}:1:", 6 + 2 * n);
        assert!(
            !run.stderr.contains(&placed),
            "placed: {placed}\n{}",
            run.stderr
        );
    }
    let named = format!("{file}: {never_closed}");
    assert_eq!(run.stderr.matches(&named).count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("21 errors"), "{}", run.stderr);
}

#[test]
fn a_call_after_curly_quotes_on_its_line_builds() {
    // The line's excerpt was cut at a character count taken for bytes:
    // `“” {{< … >}}` panicked the build.
    let site =
        site_with("\u{201c}\u{201d} {{< youtube w7Ejrw5kBu0 >}} and \u{0b4d}{{< youtube x >}}\n");
    site.build_ok();
    assert!(page(&site).contains("youtube-nocookie.com/embed/w7Ejrw5kBu0"));
}
