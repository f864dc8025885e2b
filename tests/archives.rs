//! Archives moved from other generators, as a migrating newsroom leaves
//! them: blank lines above the front matter, aliases that repeat the
//! current URL, slugs with `_`, tags told apart by symbols. Each builds
//! on the first try, with the URLs the archive already had.

mod common;

use common::*;

#[test]
fn blank_lines_and_a_bom_above_the_front_matter_are_accepted() {
    let site = Fixture::new(&[
        (
            "content/articles/blank.md",
            "\n\n+++\ntitle = \"Blank lines above\"\ndate = 2021-03-26\n+++\nBody.\n",
        ),
        (
            "content/articles/bom.md",
            "\u{feff}\n---\ntitle: A BOM and a blank line\ndate: 2021-03-25\n---\nBody.\n",
        ),
    ]);
    site.build_ok();
    assert!(
        site.read("2021/03/26/blank/index.html")
            .contains("Blank lines above")
    );
    assert!(
        site.read("2021/03/25/bom/index.html")
            .contains("A BOM and a blank line")
    );

    // Errors still point at the file's own lines.
    site.write(
        "content/articles/blank.md",
        "\n\n+++\ntitle = \"Blank lines above\"\ndate = 2021-03-26\nslug = \"\"\n+++\nBody.\n",
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(&format!(
            "{}/content/articles/blank.md:6:1: `slug` has no letters or digits",
            site.root().display()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn an_alias_at_the_articles_own_url_is_no_error_and_writes_no_redirect() {
    let site = Fixture::new(&[(
        "content/articles/self.md",
        &article(
            "Self alias",
            "2021-03-26",
            "aliases = [\"/2021/03/26/self/\", \"/old/self/\"]\n",
            "The story.",
        ),
    )]);
    site.build_ok();
    let page = site.read("2021/03/26/self/index.html");
    assert!(
        page.contains("The story."),
        "the article, not a redirect: {page}"
    );
    assert!(
        site.read("old/self/index.html")
            .contains("/2021/03/26/self/")
    );
}

#[test]
fn an_explicit_url_safe_slug_is_kept_as_written() {
    let site = Fixture::new(&[
        (
            "content/articles/a.md",
            &article(
                "A",
                "2021-03-26",
                "slug = \"press_release_2021_03\"\n",
                "A.",
            ),
        ),
        (
            "content/articles/b.md",
            &article("B", "2021-03-26", "slug = \"Old_Story\"\n", "B."),
        ),
        (
            "content/articles/c.md",
            &article("C", "2021-03-26", "slug = \"Café au lait\"\n", "C."),
        ),
    ]);
    site.build_ok();
    assert!(
        site.public()
            .join("2021/03/26/press_release_2021_03/index.html")
            .is_file()
    );
    assert!(
        site.public()
            .join("2021/03/26/old_story/index.html")
            .is_file()
    );
    assert!(
        site.public()
            .join("2021/03/26/cafe-au-lait/index.html")
            .is_file()
    );
}

#[test]
fn tags_told_apart_by_symbols_get_pages_of_their_own() {
    let site = Fixture::new(&[
        (
            "content/articles/a.md",
            &article("A", "2021-03-26", "tags = [\"c\", \"net\"]\n", "A."),
        ),
        (
            "content/articles/b.md",
            &article(
                "B",
                "2021-03-25",
                "tags = [\"C++\", \".NET\", \"C#\"]\n",
                "B.",
            ),
        ),
    ]);
    let run = site.build_ok();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    for (slug, shows, hides) in [
        ("c", ">A</a>", ">B</a>"),
        ("c-plus-plus", ">B</a>", ">A</a>"),
        ("c-sharp", ">B</a>", ">A</a>"),
        ("net", ">A</a>", ">B</a>"),
        ("dot-net", ">B</a>", ">A</a>"),
    ] {
        let page = site.read(&format!("tags/{slug}/index.html"));
        assert!(
            page.contains(shows) && !page.contains(hides),
            "tags/{slug}: {page}"
        );
    }
}

#[test]
fn pages_take_aliases_and_a_page_alias_that_collides_is_named_at_its_line() {
    let site = Fixture::new(&[
        (
            "content/pages/about.md",
            "+++\ntitle = \"About us\"\naliases = [\"/about-us.html\", \"/about/\", \"/company/\"]\n+++\nWho we are.\n",
        ),
        (
            "content/articles/a.md",
            &article("A", "2021-03-26", "", "A."),
        ),
    ]);
    site.build_ok();
    assert!(site.read("about/index.html").contains("Who we are."));
    let redirect = site.read("company/index.html");
    assert!(
        redirect.contains("https://news.example.com/about/"),
        "{redirect}"
    );
    assert!(site.read("about-us.html").contains("/about/"));

    site.write(
        "content/pages/about.md",
        "+++\ntitle = \"About us\"\naliases = [\"/2021/03/26/a/\"]\n+++\nWho we are.\n",
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(&format!(
            "{}/content/pages/about.md:3:1: ",
            site.root().display()
        )) && run.stderr.contains("content/articles/a.md"),
        "{}",
        run.stderr
    );
}

#[test]
fn another_generators_markup_is_a_warning_at_its_line_and_code_is_left_alone() {
    let site = Fixture::new(&[(
        "content/articles/moved.md",
        &article(
            "Moved from Jekyll and WordPress",
            "2021-03-26",
            "",
            "Intro.\n\n{% include chart.html id=3 %}\n\n[caption id=\"attachment_1\"]A photo[/caption]\n\n![Plant]({{ site.baseurl }}/img/plant.jpg)\n\n`{% raw %}` and\n\n```\n{{ page.title }}\n```\n",
        ),
    )]);
    let run = site.build_ok();
    let file = format!("{}/content/articles/moved.md", site.root().display());
    for expected in [
        format!(
            "warning: {file}:8:1: a Liquid tag `{{% include chart.html id=3 %}}` from another generator shows to readers as it is"
        ),
        format!("warning: {file}:10:1: a WordPress shortcode `[caption id=\"attachment_1\"]`"),
        format!("warning: {file}:10:35: a WordPress shortcode `[/caption]`"),
        format!("warning: {file}:12:10: a Liquid or Go template variable `{{{{ site.baseurl }}}}`"),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "missing: {expected}\n{}",
            run.stderr
        );
    }
    assert_eq!(
        run.stderr.matches("warning:").count(),
        4,
        "code is left alone: {}",
        run.stderr
    );
    let check = site.run(&["check"]);
    assert!(check.stderr.contains("a Liquid tag"), "{}", check.stderr);
}

#[test]
fn a_profile_without_published_articles_gets_no_empty_feed() {
    let site = Fixture::new(&[
        (
            "content/authors/writer.md",
            "+++\nname = \"A Writer\"\n+++\nWrites.\n",
        ),
        (
            "content/authors/retired.md",
            "+++\nname = \"Retired\"\n+++\nGone.\n",
        ),
        (
            "content/articles/a.md",
            &article("A", "2021-03-26", "author = \"writer\"\n", "A."),
        ),
    ]);
    site.build_ok();
    assert!(site.public().join("authors/writer/feed.xml").is_file());
    assert!(!site.public().join("authors/retired/feed.xml").exists());
    let profile = site.read("authors/retired/index.html");
    assert!(!profile.contains("authors/retired/feed.xml"), "{profile}");
    assert!(
        site.read("authors/writer/index.html")
            .contains("authors/writer/feed.xml")
    );
    assert_eq!(site.run(&["check"]).code, 0);
}

#[test]
fn a_site_default_image_fills_og_image_and_json_ld_of_articles_without_one() {
    let site = Fixture::new(&[
        (
            "site.toml",
            &format!("{SITE_TOML}image = \"/img/masthead.png\"\n"),
        ),
        ("static/img/masthead.png", "png"),
        (
            "content/articles/plain.md",
            &article("No picture", "2021-03-26", "", "Text only."),
        ),
        (
            "content/articles/photo.md",
            &article(
                "With a picture",
                "2021-03-25",
                "image = \"https://cdn.example.com/p.jpg\"\n",
                "Text.",
            ),
        ),
    ]);
    // A photo of the site: shared as its 1200×630 crop.
    site.write_bytes(
        "static/img/masthead.png",
        &common::photos::png(&common::photos::scene(1600, 1000, 1)),
    );
    site.build_ok();
    let plain = site.read("2021/03/26/plain/index.html");
    assert!(
        plain.contains(
            "<meta property=\"og:image\" content=\"https://news.example.com/img/masthead-1200x630.jpg\">\n<meta property=\"og:image:type\" content=\"image/jpeg\">\n<meta property=\"og:image:width\" content=\"1200\">\n<meta property=\"og:image:height\" content=\"630\">"
        ),
        "{plain}"
    );
    let ld = plain
        .split("application/ld+json\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let ld: serde_json::Value = serde_json::from_str(ld).unwrap();
    assert_eq!(
        ld["image"],
        serde_json::json!([
            "https://news.example.com/img/masthead-1200x675.jpg",
            "https://news.example.com/img/masthead-1200x900.jpg",
            "https://news.example.com/img/masthead-1000x1000.jpg"
        ])
    );
    let photo = site.read("2021/03/25/photo/index.html");
    assert!(
        photo.contains("<meta property=\"og:image\" content=\"https://cdn.example.com/p.jpg\">"),
        "{photo}"
    );
    assert!(!photo.contains("masthead.png"), "{photo}");
    assert!(
        site.read("index.html")
            .contains("og:image\" content=\"https://news.example.com/img/masthead-1200x630.jpg\"")
    );

    site.write(
        "site.toml",
        &format!("{SITE_TOML}image = \"javascript:alert(1)\"\n"),
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("site.toml:5:1: `image`:"),
        "{}",
        run.stderr
    );
}

#[test]
fn forty_four_sections_get_a_navigation_that_fits_and_labels_can_be_set() {
    let mut files: Vec<(String, String)> = (0..44)
        .map(|i| {
            // Section i has i + 1 articles, so the largest are 43, 42, ...
            (
                format!("content/articles/s{i}.md"),
                article(
                    &format!("Story {i}"),
                    "2021-03-26",
                    &format!("category = \"desk_{i}\"\nslug = \"s{i}\"\n"),
                    "Text.",
                ),
            )
        })
        .collect();
    for i in 38..44 {
        for extra in 0..(i - 37) {
            files.push((
                format!("content/articles/x{i}-{extra}.md"),
                article(
                    &format!("More {i} {extra}"),
                    "2021-03-25",
                    &format!("category = \"desk_{i}\"\n"),
                    "Text.",
                ),
            ));
        }
    }
    files.push((
        "site.toml".into(),
        format!("{SITE_TOML}[sections.desk_43]\nlabel = \"The Big Desk\"\n"),
    ));
    let site = Fixture::from_owned(&files);
    site.build_ok();
    let front = site.read("index.html");
    let nav = nav_of(&front);
    assert_eq!(
        nav.matches("<li>").count(),
        1 + 6 + 1 + 1,
        "Latest, six sections, Sections, Search: {nav}"
    );
    assert!(
        nav.contains(">The Big Desk</a>"),
        "the largest, labelled: {nav}"
    );
    // 4 to 7 articles, by name, then 2 or 3, by name.
    let order: Vec<&str> = nav
        .split("/categories/")
        .skip(1)
        .map(|s| s.split('/').next().unwrap())
        .filter(|s| s.starts_with("desk"))
        .collect();
    assert_eq!(
        order,
        [
            "desk-40", "desk-41", "desk-42", "desk-43", "desk-38", "desk-39"
        ],
        "{nav}"
    );
    assert!(
        nav.contains("<a href=\"https://news.example.com/categories/\">Sections</a>"),
        "{nav}"
    );
    assert!(
        site.read("categories/desk-43/index.html")
            .contains("The Big Desk")
    );

    site.write(
        "site.toml",
        &format!("{SITE_TOML}[[menu]]\nname = \"Markets\"\nurl = \"/categories/desk-1/\"\n[[menu]]\nname = \"About\"\nurl = \"/about/\"\n"),
    );
    site.build_ok();
    let front = site.read("index.html");
    let nav = nav_of(&front);
    assert!(
        nav.contains("<a href=\"https://news.example.com/categories/desk-1/\">Markets</a>"),
        "{nav}"
    );
    assert!(
        nav.contains("<a href=\"https://news.example.com/about/\">About</a>"),
        "{nav}"
    );
    assert_eq!(nav.matches("<li>").count(), 5, "{nav}");

    site.write(
        "site.toml",
        &format!("{SITE_TOML}[sections.desk_1]\nlabl = \"x\"\n"),
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("labl"), "{}", run.stderr);
}

/// A page's navigation of sections: what its `<nav class="sections">` holds.
fn nav_of(page: &str) -> &str {
    page.split("<nav class=\"sections\"")
        .nth(1)
        .unwrap()
        .split("</nav>")
        .next()
        .unwrap()
}

/// The navigation's sections in order, from a page's `<nav>`.
fn nav_sections(page: &str) -> Vec<String> {
    nav_of(page)
        .split("/categories/")
        .skip(1)
        .map(|s| s.split('/').next().unwrap().to_string())
        .filter(|s| !s.is_empty() && !s.starts_with('"'))
        .collect()
}

/// Two sections of about the same size do not swap places in the default
/// navigation with each new story (which would change every page of the
/// site): sections rank by the power of two their count reaches, then by
/// name, and one moves up when its count doubles.
#[test]
fn a_new_story_does_not_reorder_the_default_navigation_of_sections_of_like_size() {
    let mut files: Vec<(String, String)> = Vec::new();
    let add = |files: &mut Vec<(String, String)>, desk: &str, n: usize| {
        for i in 0..n {
            files.push((
                format!("content/articles/{desk}-{i}.md"),
                article(
                    &format!("{desk} story {i}"),
                    "2021-03-20",
                    &format!("category = \"{desk}\"\n"),
                    "Text.",
                ),
            ));
        }
    };
    add(&mut files, "markets", 5);
    add(&mut files, "business", 6);
    add(&mut files, "sport", 2);
    add(&mut files, "opinion", 1);
    let site = Fixture::from_owned(&files);
    site.build_ok();
    let quiet_page = "2021/03/20/opinion-0/index.html";
    let before = site.read(quiet_page);
    assert_eq!(
        nav_sections(&before),
        ["business", "markets", "sport", "opinion"]
    );

    // Markets draws level with business (6 and 6), then passes it (7):
    // the same class, so neither the navigation nor the page changes.
    for i in 5..7 {
        site.write(
            &format!("content/articles/markets-{i}.md"),
            &article(
                &format!("markets story {i}"),
                "2021-03-21",
                "category = \"markets\"\n",
                "Text.",
            ),
        );
        site.build_ok();
        assert_eq!(site.read(quiet_page), before, "after markets story {i}");
    }

    // At 8 articles markets reaches the next class and leads.
    site.write(
        "content/articles/markets-7.md",
        &article(
            "markets story 7",
            "2021-03-21",
            "category = \"markets\"\n",
            "Text.",
        ),
    );
    site.build_ok();
    assert_eq!(
        nav_sections(&site.read(quiet_page)),
        ["markets", "business", "sport", "opinion"]
    );
}

#[test]
fn the_standfirst_is_not_the_first_paragraph_repeated() {
    let site = Fixture::new(&[
        (
            "content/articles/plain.md",
            &article(
                "Plain",
                "2021-03-26",
                "",
                "The first paragraph, once.\n\nThe second.",
            ),
        ),
        (
            "content/articles/apart.md",
            &article(
                "Apart",
                "2021-03-25",
                "summary = \"A standfirst written apart.\"\n",
                "The body.",
            ),
        ),
    ]);
    site.build_ok();
    let plain = site.read("2021/03/26/plain/index.html");
    assert_eq!(
        plain.matches(">The first paragraph, once.</p>").count(),
        1,
        "{plain}"
    );
    assert!(!plain.contains("class=\"standfirst\""), "{plain}");
    let apart = site.read("2021/03/25/apart/index.html");
    assert!(
        apart.contains("<p class=\"standfirst\">A standfirst written apart.</p>"),
        "{apart}"
    );
    // Cards still show every summary.
    assert!(
        site.read("index.html")
            .contains("The first paragraph, once.")
    );
}

/// An archive as a newsroom moving from Hugo brings it: YAML front matter
/// with blank lines above, `_` slugs, aliases repeating the current URL,
/// `ref` links, shortcodes, c/c++ tags and 44 sections.
#[test]
fn a_migrated_hugo_archive_builds_on_the_first_try_with_no_raw_markup() {
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..60 {
        let section = format!("DESK_{}", i % 44);
        let slug = format!("press_release_{i:03}");
        let tags = match i % 3 {
            0 => "[c, \"c++\"]",
            1 => "[net, .net]",
            _ => "[\"c#\"]",
        };
        let prev = format!("release-{:03}", i.max(1) - 1);
        let body = format!(
            "Lead paragraph of release {i}.\n\n{{{{< figure src=\"/img/{i}.jpg\" alt=\"Photo {i}\" caption=\"Caption {i}\" >}}}}\n\nSee [the previous one]({{{{< ref \"{prev}.md\" >}}}}).\n\n{{{{< youtube id{i} >}}}}\n\n{{{{< note >}}}}Corrected on day {i}.{{{{< /note >}}}}\n\n```\n{{{{< not-a-call >}}}}\n```\n",
        );
        files.push((
            format!("content/articles/2021/release-{i:03}.md"),
            format!(
                "\n\n---\ntitle: \"Release {i}: the desk's view\"\ndate: 2021-03-{day:02}T09:00:00+08:00\nslug: {slug}\ncategory: {section}\ntags: {tags}\naliases:\n  - /2021/03/{day:02}/{slug}/\n  - /releases/{i}/\n---\n{body}",
                day = 1 + i % 28,
            ),
        ));
        files.push((format!("static/img/{i}.jpg"), "jpg".to_string()));
    }
    files.push((
        "site.toml".into(),
        format!("{SITE_TOML}[sections.DESK_0]\nlabel = \"Front desk\"\n"),
    ));
    let site = Fixture::from_owned(&files);
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    for file in files_under(&site.public()) {
        if file
            .extension()
            .is_some_and(|e| e == "html" || e == "xml" || e == "json")
        {
            let text = std::fs::read_to_string(&file).unwrap();
            // Shortcode text shows only where the story has it in code.
            let raw = text.matches("{{&lt;").count() + text.matches("{{<").count();
            let in_code = text.matches("not-a-call").count();
            assert!(raw <= in_code, "raw markup in {}", file.display());
            assert!(
                !text.contains('\u{E000}'),
                "a token left in {}",
                file.display()
            );
        }
    }
    let page = site.read("2021/03/02/press_release_001/index.html");
    assert!(
        page.contains("href=\"https://news.example.com/2021/03/01/press_release_000/\""),
        "the ref link: {page}"
    );
    assert!(page.contains("<code>{{&lt; not-a-call &gt;}}"), "{page}");
    assert!(site.public().join("releases/1/index.html").is_file());
    assert!(site.public().join("tags/c-plus-plus/index.html").is_file());
    assert!(site.public().join("tags/dot-net/index.html").is_file());
    let check = site.run(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
}
