//! Raw HTML in Markdown: kept as written by default (newsrooms embed video
//! and charts), sanitised with `[markdown] safe = true` (contributions from
//! outside), in pages and feeds alike, keeping what Markdown writes itself.

mod common;

use common::{Fixture, SITE_TOML, article};

const BODY: &str = r#"Lead paragraph with <span onclick="steal()">a span</span> and <a href="javascript:alert(1)">a bad link</a>.

<script>alert("pwned")</script>

<iframe src="https://video.example.com/embed/1"></iframe>

<img src="chart.png" onerror="steal()" alt="Chart">

## Market share {#share}

| Maker | Share |
|:------|------:|
| BYD   | 30%   |

```rust
let x = 1;
```

- [x] checked task

A claim[^1] and [a link](https://example.com/a "Title").

[^1]: The footnote.
"#;

fn site(safe: bool) -> Fixture {
    let toml = format!("{SITE_TOML}[markdown]\nsafe = {safe}\n");
    Fixture::new(&[
        ("site.toml", &toml),
        (
            "content/articles/2021/contrib.md",
            &article("Contribution", "2021-03-26T10:00:00Z", "", BODY),
        ),
    ])
}

#[test]
fn raw_html_is_kept_by_default() {
    let site = site(false);
    site.build_ok();
    let page = site.read("2021/03/26/contrib/index.html");
    assert!(page.contains(r#"<script>alert("pwned")</script>"#));
    assert!(page.contains(r#"<iframe src="https://video.example.com/embed/1">"#));
    assert!(page.contains(r#"onclick="steal()""#));
}

#[test]
fn safe_mode_removes_scripts_and_handlers_everywhere_and_keeps_markdown() {
    let site = site(true);
    site.build_ok();
    let page = site.read("2021/03/26/contrib/index.html");
    let feed = site.read("feed.xml");
    let atom = site.read("atom.xml");
    let json = site.read("feed.json");
    for (name, text) in [
        ("page", &page),
        ("rss", &feed),
        ("atom", &atom),
        ("json", &json),
    ] {
        assert!(text.contains("Market share"), "{name} shows the body");
        let lower = text.to_lowercase();
        for banned in [
            "pwned",
            "onclick",
            "onerror",
            "javascript:",
            "<iframe",
            "&lt;iframe",
        ] {
            assert!(
                !lower.contains(banned),
                "{name} still holds {banned}:\n{text}"
            );
        }
    }
    // The page's own scripts (JSON-LD) are the template's, not the body's.
    assert!(page.contains(r#"<script type="application/ld+json">"#));
    // What Markdown writes survives: heading ids, alignment, code classes,
    // task lists, footnotes, link titles, image alt text.
    for kept in [
        r#"<h2 id="share">Market share</h2>"#,
        r#"<td class="align-right">30%</td>"#,
        r#"<code class="language-rust">"#,
        r#"<input disabled="" type="checkbox" checked="">"#,
        r##"href="#1""##,
        r#"<div class="footnote-definition" id="1">"#,
        r#"title="Title""#,
        r#"alt="Chart""#,
        "<span>a span</span>",
    ] {
        assert!(page.contains(kept), "lost {kept}:\n{page}");
    }
}
