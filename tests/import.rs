//! `gazette import`: fixture archives from WordPress, Hugo and Jekyll
//! (tests/fixtures/import) import, build and check clean at once, and every
//! old URL of the source leads to the story in the output, as its page or
//! as a redirect to it. Re-runs never overwrite an edited file; broken
//! and hostile sources get errors or reported skips, never a panic.

mod common;

use common::{Run, gazette};
use std::fs;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// Runs `gazette import …` with `--into DIR`, in a temporary folder.
fn import(args: &[&str], into: &Path) -> Run {
    let mut all: Vec<&str> = vec!["import"];
    all.extend(args);
    all.extend(["--into", into.to_str().unwrap()]);
    gazette(&all, Path::new(env!("CARGO_MANIFEST_DIR")))
}

fn build_and_check(site: &Path) -> (Run, Run) {
    let root = site.to_str().unwrap();
    let build = gazette(&["build", "--root", root], site);
    assert_eq!(build.code, 0, "build failed:\n{}", build.stderr);
    let check = gazette(&["check", "--root", root], site);
    assert_eq!(
        check.code, 0,
        "check failed:\n{}{}",
        check.stdout, check.stderr
    );
    assert!(check.stdout.contains("no problems"), "{}", check.stdout);
    (build, check)
}

/// The page an old site path leads to in `public`: the page itself, or
/// the page its redirect names. None when nothing is there.
fn resolve(public: &Path, base_path: &str, old: &str) -> Option<String> {
    let file = |path: &str| {
        let trimmed = path.trim_start_matches('/');
        if trimmed.is_empty() || trimmed.ends_with('/') {
            public.join(trimmed).join("index.html")
        } else {
            public.join(trimmed)
        }
    };
    let page = fs::read_to_string(file(old)).ok()?;
    if !page.contains("http-equiv=\"refresh\"") {
        return Some(page);
    }
    // A redirect: follow its canonical link to the page.
    let at = page.find("rel=\"canonical\" href=\"")? + "rel=\"canonical\" href=\"".len();
    let target = &page[at..at + page[at..].find('"')?];
    let path = url::Url::parse(target).ok()?.path().to_string();
    let path = percent_encoding::percent_decode_str(&path)
        .decode_utf8_lossy()
        .into_owned();
    let within = path.strip_prefix(base_path)?;
    let landed = fs::read_to_string(file(within)).ok()?;
    (!landed.contains("http-equiv=\"refresh\"")).then_some(landed)
}

/// The `<link>` of every published post and page of a WordPress export,
/// read with an XML parser of its own (not the importer's).
fn published_links(export: &Path) -> Vec<(String, String)> {
    let text = fs::read_to_string(export).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let wp = "http://wordpress.org/export/1.2/";
    let child = |node: roxmltree::Node, ns: Option<&str>, name: &str| {
        node.children()
            .find(|c| c.tag_name().name() == name && c.tag_name().namespace() == ns)
            .and_then(|c| c.text())
            .unwrap_or("")
            .to_string()
    };
    doc.descendants()
        .filter(|n| n.has_tag_name("item"))
        .filter(|n| child(*n, Some(wp), "status") == "publish")
        .filter(|n| matches!(child(*n, Some(wp), "post_type").as_str(), "post" | "page"))
        // A password-protected post was never open to all.
        .filter(|n| child(*n, Some(wp), "post_password").is_empty())
        .map(|n| (child(n, None, "link"), child(n, None, "title")))
        .collect()
}

#[test]
fn a_wordpress_export_imports_builds_checks_and_keeps_every_old_url() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let export = fixture("wordpress/export.xml");
    let uploads = fixture("wordpress/uploads");
    let run = import(
        &[
            "wordpress",
            export.to_str().unwrap(),
            "--uploads",
            uploads.to_str().unwrap(),
        ],
        &site,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = &run.stdout;
    for line in [
        "  posts             8  (4 drafts, 1 scheduled)",
        "  pages             2",
        "  authors           2",
        "  media             4",
        "  redirects         2  (old URLs kept)",
        ": post \"Deleted story\": in the trash",
        ": post \"Auto Draft\": an automatic draft WordPress saved, never written",
        ": \"Private memo\": private in WordPress: imported as a draft",
        ": \"Subscribers only: the bank's plan\": password-protected in WordPress: imported as a draft, so its text is not published to everyone",
        ": 1 item(s) of type `nav_menu_item` (not content); set the menu with [[menu]] in site.toml",
        ": 1 comment(s): a static site keeps none",
        ": \"EV start-ups raise record funds in 2020\": [gallery]: attachment 99 is not in the export: left out",
        ": \"EV start-ups raise record funds in 2020\": the WordPress shortcode [contact-form-7] has no gazette equivalent: left as text",
        ": the dynamic block wp:latest-posts (WordPress drew it on each view) has no content: removed",
    ] {
        assert!(report.contains(line), "report lacks {line:?}:\n{report}");
    }
    // Each skipped item is named with its line in the export.
    let trash_line = fs::read_to_string(&export)
        .unwrap()
        .lines()
        .position(|l| l.contains("<title><![CDATA[Deleted story]]></title>"))
        .unwrap();
    assert!(
        report.contains(&format!("export.xml:{trash_line}: post \"Deleted story\"")),
        "{report}"
    );

    // The model story's file: entities decoded, every field mapped.
    let story =
        fs::read_to_string(site.join("content/articles/2021/xiaomi-great-wall-ev/index.md"))
            .unwrap();
    for expected in [
        "title = \"Xiaomi \u{201c}teams up\u{201d} with Great Wall Motor \u{2013} EV plans\"\n",
        "date = 2021-03-26T09:30:00+08:00\n",
        "updated = 2021-03-27T10:00:00+08:00\n",
        "author = \"mchan\"\n",
        "category = \"autos\"\n",
        "tags = [\"Business\", \"Xiaomi\", \"Great Wall\"]\n",
        "summary = \"Xiaomi & Great Wall: a CNY 10 billion bet.\"\n",
        "image = \"lei-jun.png\"\n",
        "image_alt = \"Lei Jun on stage\"\n",
        "image_caption = \"Lei Jun, Xiaomi\u{2019}s founder, in Beijing. Photo: Reuters\"\n",
        "Xiaomi will build electric cars with **Great Wall Motor**",
        "\n<!-- more -->\n",
        "## A bet on software",
        "{{< figure src=\"baoding-plant.png\" alt=\"Great Wall's plant in Baoding\" caption=\"Great Wall\u{2019}s plant in Baoding\" >}}",
        "{{< youtube id=\"w7Ejrw5kBu0\" >}}",
        "- Shares rose 6.4%",
        "[earlier report on EV start-ups](@/articles/2020/ev-startups-funding/index.md)",
        "[about page](@/pages/about/index.md)",
        "[Autos](https://harbour.example/categories/autos/), on [Xiaomi](https://harbour.example/tags/xiaomi/) and by [Mandy](https://harbour.example/authors/mchan/)",
    ] {
        assert!(
            story.contains(expected),
            "story lacks {expected:?}:\n{story}"
        );
    }
    assert!(!story.contains("wp:"), "block comments left:\n{story}");
    let other = fs::read_to_string(site.join("content/articles/2020/ev-startups-funding/index.md"))
        .unwrap();
    for expected in [
        "{{< gallery >}}\n![Funding by year](<ev-chart.png>)\n{{< /gallery >}}",
        "{{< tweet url=\"https://twitter.com/reuters/status/1375355512345678901\" >}}",
        "{{< vimeo id=\"76979871\" >}}",
        "{{< audio src=\"interview.mp3\" >}}",
        "{{< video src=\"https://cdn.example.org/clips/launch.mp4\" poster=\"https://cdn.example.org/clips/launch.jpg\" >}}",
        "&#123;{< youtube >}}",
    ] {
        assert!(other.contains(expected), "lacks {expected:?}:\n{other}");
    }
    let site_toml = fs::read_to_string(site.join("site.toml")).unwrap();
    for expected in [
        "title = \"Harbour Business Daily\"",
        "base_url = \"https://harbour.example/\"",
        "language = \"en-US\"",
        "timezone = \"Etc/GMT-8\"",
        "permalink = \"/:year/:month/:day/:slug/\"",
        "[sections.autos]\nlabel = \"Autos & EVs\"",
    ] {
        assert!(
            site_toml.contains(expected),
            "site.toml lacks {expected:?}:\n{site_toml}"
        );
    }

    build_and_check(&site);
    let public = site.join("public");
    let links = published_links(&export);
    assert_eq!(links.len(), 5, "{links:?}");
    for (link, title) in &links {
        let path = url::Url::parse(link).unwrap().path().to_string();
        let path = percent_encoding::percent_decode_str(&path)
            .decode_utf8_lossy()
            .into_owned();
        let page = resolve(&public, "/", &path).unwrap_or_else(|| panic!("{link} leads nowhere"));
        let shown = title.replace("&#8220;", "\u{201c}");
        let first_words: String = shown.chars().take(6).collect();
        assert!(
            page.contains(&first_words),
            "{link} leads to the wrong page"
        );
    }
    // Drafts, private and trashed posts are not published.
    assert!(!public.join("2021/02/01/private-memo").exists());
    assert!(!public.join("2021/01/05").exists());
    assert!(
        !public.join("2021/03/30").exists(),
        "a password-protected post was published"
    );
    let story_page =
        fs::read_to_string(public.join("2021/03/26/xiaomi-great-wall-ev/index.html")).unwrap();
    assert!(
        story_page.contains(
            "<title>Xiaomi \u{201c}teams up\u{201d} with Great Wall Motor \u{2013} EV plans"
        ),
        "{story_page}"
    );
    assert!(
        public
            .join("2021/03/26/xiaomi-great-wall-ev/baoding-plant.png")
            .is_file()
    );
    assert!(
        story_page.contains("/2020/11/02/ev-startups-funding/"),
        "the @/ link became the page's URL"
    );
}

#[test]
fn wordpress_without_uploads_keeps_photos_at_their_old_urls_and_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let run = import(
        &[
            "wordpress",
            fixture("wordpress/export.xml").to_str().unwrap(),
        ],
        &site,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("media left at its old URL (give --uploads to copy it): https://harbour.example/wp-content/uploads/2021/03/baoding-plant.png"), "{}", run.stdout);
    let story =
        fs::read_to_string(site.join("content/articles/2021/xiaomi-great-wall-ev.md")).unwrap();
    assert!(
        story
            .contains("image = \"https://harbour.example/wp-content/uploads/2021/03/lei-jun.png\""),
        "{story}"
    );
}

#[test]
fn a_rerun_finishes_an_interrupted_import_and_never_overwrites_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let export = fixture("wordpress/export.xml");
    let args = vec!["wordpress", export.to_str().unwrap()];
    let first = import(&args, &site);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first
            .stdout
            .contains("Files: 13 written, 0 unchanged, 0 kept as edited\n"),
        "{}",
        first.stdout
    );

    // An interrupted run: some files never written.
    let lost = site.join("content/articles/2020/ev-startups-funding.md");
    fs::remove_file(&lost).unwrap();
    let edited = site.join("content/pages/about.md");
    fs::write(
        &edited,
        "+++\ntitle = \"About us (edited)\"\n+++\nNew text.\n",
    )
    .unwrap();
    let again = import(&args, &site);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.contains(
            "Files: 1 written, 11 unchanged, 1 kept as edited (--force overwrites them)\n"
        ),
        "{}",
        again.stdout
    );
    assert!(again.stdout.contains("content/pages/about.md: already there and different (edited since it was imported?): kept; --force overwrites it"), "{}", again.stdout);
    assert!(lost.is_file());
    assert!(fs::read_to_string(&edited).unwrap().contains("(edited)"));

    let mut forced = args.clone();
    forced.push("--force");
    let force = import(&forced, &site);
    assert_eq!(force.code, 0, "{}", force.stderr);
    assert!(!fs::read_to_string(&edited).unwrap().contains("(edited)"));
}

#[test]
fn an_import_refuses_a_folder_of_other_files_and_leaves_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let run = import(
        &[
            "wordpress",
            fixture("wordpress/export.xml").to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "error: {} holds other files and no site.toml: import into a new or empty folder (or into the site an earlier import made)\n",
            dir.path().display()
        )
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn broken_exports_are_errors_with_their_line_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let whole = fs::read_to_string(fixture("wordpress/export.xml")).unwrap();
    let cases = [
        // Cut short in the middle of an item.
        (whole[..whole.find("<wp:post_id>20").unwrap()].to_string(), "the export ends inside <item>: it is cut short"),
        // A closing tag that does not match.
        (whole.replacen("</wp:post_name>", "</wp:post_nam>", 1), "the export is not well-formed XML"),
        // An RSS feed, not an export.
        ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>x</title><item><title>a</title></item></channel></rss>".to_string(), "not a WordPress export"),
        ("<html><body>no</body></html>".to_string(), "not a WordPress export"),
        (String::new(), "not a WordPress export"),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let export = dir.path().join(format!("export-{i}.xml"));
        fs::write(&export, text).unwrap();
        let into = dir.path().join(format!("site-{i}"));
        let run = import(&["wordpress", export.to_str().unwrap()], &into);
        assert_eq!(run.code, 1, "case {i}: {}", run.stdout);
        assert!(
            run.stderr
                .starts_with(&format!("error: {}", export.display())),
            "case {i}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(expected), "case {i}: {}", run.stderr);
        assert!(
            !into.exists(),
            "case {i}: a broken export left files behind"
        );
    }
    // The error names the line where the export breaks.
    let run = import(
        &[
            "wordpress",
            dir.path().join("export-1.xml").to_str().unwrap(),
        ],
        &dir.path().join("x"),
    );
    let line = whole
        .lines()
        .position(|l| l.contains("</wp:post_name>"))
        .unwrap()
        + 1;
    assert!(
        run.stderr.contains(&format!("export-1.xml:{line}:")),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn uploads_are_copied_only_from_inside_the_uploads_folder() {
    let dir = tempfile::tempdir().unwrap();
    let uploads = dir.path().join("uploads");
    fs::create_dir_all(uploads.join("2021/03")).unwrap();
    let secret = dir.path().join("secret.txt");
    fs::write(&secret, "password").unwrap();
    std::os::unix::fs::symlink(&secret, uploads.join("2021/03/leak.png")).unwrap();
    let export = dir.path().join("export.xml");
    let body = "<img src=\"https://h.example/wp-content/uploads/2021/03/leak.png\"> <img src=\"https://h.example/wp-content/uploads/../../secret.txt\">";
    fs::write(&export, wxr_with_post("Leak", body)).unwrap();
    let site = dir.path().join("site");
    let run = import(
        &[
            "wordpress",
            export.to_str().unwrap(),
            "--uploads",
            uploads.to_str().unwrap(),
        ],
        &site,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("media not in the uploads folder, left at its old URL: https://h.example/wp-content/uploads/2021/03/leak.png"), "{}", run.stdout);
    let copied: Vec<_> = common::files_under(&site);
    assert!(
        copied
            .iter()
            .all(|f| fs::read_to_string(f).map_or(true, |t| !t.contains("password"))),
        "{copied:?}"
    );
}

#[test]
fn page_builder_layouts_and_pasted_social_posts_become_text_and_embeds() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.xml");
    // WPBakery (nested rows, a raw-HTML element), Divi, Avada, a photo
    // element by URL, a pasted tweet and Instagram post with their
    // loader scripts, and a plain quote and a script of another kind.
    let body = r#"[vc_row][vc_column width="2/3"][vc_row_inner][vc_column_inner][vc_column_text]Xiaomi will build cars with <strong>Great Wall</strong>.[/vc_column_text][/vc_column_inner][/vc_row_inner][vc_raw_html]JTNDcCUzRWhpJTNDJTJGcCUzRQ==[/vc_raw_html][/vc_column][/vc_row]
[et_pb_section][et_pb_row][et_pb_text]The deal is worth 10 billion yuan.[/et_pb_text][et_pb_image src="https://cdn.example/plant.jpg" alt="The plant"][/et_pb_image][/et_pb_row][/et_pb_section]
[fusion_builder_container][fusion_text]Shares rose 4%.[/fusion_text][/fusion_builder_container]
<blockquote class="twitter-tweet"><p lang="en">Breaking</p>&mdash; Reuters (@Reuters) <a href="https://twitter.com/hashtag/EV">#EV</a> <a href="https://twitter.com/Reuters/status/1375355512345678901?ref_src=twsrc">March 26, 2021</a></blockquote> <script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>
<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/BWNjjyYFxVx/" data-instgrm-version="14"><a href="https://www.instagram.com/p/BWNjjyYFxVx/">A post</a></blockquote><script async src="//www.instagram.com/embed.js"></script>
<blockquote>A plain quote.</blockquote>"#;
    fs::write(&export, wxr_with_post("Builders", body)).unwrap();
    let site = dir.path().join("site");
    let run = import(&["wordpress", export.to_str().unwrap()], &site);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in [
        "\"Builders\": page-builder shortcodes ([et_pb_image], [et_pb_row], [et_pb_section], [et_pb_text], [fusion_builder_container], [fusion_text], [vc_column], [vc_column_inner], [vc_column_text], [vc_raw_html], [vc_row], [vc_row_inner]) removed: the text inside them kept, their layout left out",
        "\"Builders\": [vc_raw_html] (a page builder's raw code) removed",
        "\"Builders\": the script https://platform.twitter.com/widgets.js removed: gazette's embeds load nothing until the reader asks",
        "\"Builders\": the script //www.instagram.com/embed.js removed",
    ] {
        assert!(
            run.stdout.contains(line),
            "report lacks {line:?}:\n{}",
            run.stdout
        );
    }
    let post = fs::read_to_string(site.join("content/articles/2021/post.md")).unwrap();
    for expected in [
        "\nXiaomi will build cars with **Great Wall**.\n",
        "\nThe deal is worth 10 billion yuan.\n",
        "{{< figure src=\"https://cdn.example/plant.jpg\" alt=\"The plant\" >}}",
        "\nShares rose 4%.\n",
        "{{< tweet url=\"https://twitter.com/Reuters/status/1375355512345678901?ref_src=twsrc\" >}}",
        "{{< instagram url=\"https://www.instagram.com/p/BWNjjyYFxVx/\" >}}",
        "> A plain quote.",
    ] {
        assert!(post.contains(expected), "post lacks {expected:?}:\n{post}");
    }
    for gone in [
        "[vc_",
        "[/vc_",
        "[et_pb",
        "fusion_",
        "JTNDcCUz",
        "<script",
        "twitter-tweet",
    ] {
        assert!(!post.contains(gone), "post keeps {gone:?}:\n{post}");
    }
    let (build, _) = build_and_check(&site);
    assert!(
        !build.stderr.contains("WordPress shortcode"),
        "{}",
        build.stderr
    );
}

/// A one-post WXR export.
fn wxr_with_post(title: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/">
<channel><title>H</title><link>https://h.example</link><wp:wxr_version>1.2</wp:wxr_version>
<item><title>{title}</title><link>https://h.example/2021/03/01/post/</link><dc:creator>ed</dc:creator>
<content:encoded><![CDATA[{body}]]></content:encoded><wp:post_id>1</wp:post_id>
<wp:post_date>2021-03-01 10:00:00</wp:post_date><wp:post_date_gmt>2021-03-01 10:00:00</wp:post_date_gmt>
<wp:post_name>post</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>
</channel></rss>
"#
    )
}

#[test]
fn a_hugo_site_imports_builds_checks_and_keeps_every_old_url() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let run = import(&["hugo", fixture("hugo").to_str().unwrap()], &site);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for line in [
        "  posts             4  (1 drafts)",
        "  pages             1",
        "  authors           1",
        "content/posts/xiaomi-ev/index.md:21: {{< figure >}}: arguments gazette's has no use for left out: class",
        "content/posts/xiaomi-ev/index.md:27: {{< callout >}} is the Hugo site's own shortcode: kept, with a template to write (templates/shortcodes/callout.html)",
        "content/posts/xiaomi-ev/index.md:33: {{< gist >}}: a link to the gist",
        "content/_index.md: a list page (_index)",
        "content/posts/ev-funding.md:17: {{< param >}}: no text value \"budget\" in the page's front matter or the site's params: left out",
        "content/posts/ev-funding.md:23: {{< qr >}}: gazette makes no QR codes: what it encoded is written out instead",
    ] {
        assert!(
            run.stdout.contains(line),
            "report lacks {line:?}:\n{}",
            run.stdout
        );
    }
    let story =
        fs::read_to_string(site.join("content/articles/posts/xiaomi-great-wall-ev/index.md"))
            .unwrap();
    for expected in [
        "author = \"mandy-chan\"",
        "category = \"Business\"",
        "tags = [\"Xiaomi\", \"EV\", \"Autos\"]",
        "image = \"plant.png\"",
        "[extra]\ntoc = true\nweight = 3",
        "{{< figure src=\"plant.png\" alt=\"The Baoding plant\" caption=\"Great Wall's plant in Baoding\" credit=\"Reuters\" >}}",
        "{{< youtube id=\"w7Ejrw5kBu0\" >}}",
        "{{< tweet url=\"https://x.com/reuters/status/1375355512345678901\" >}}",
        "[the top](#top)",
        "[the funding story](@/articles/posts/ev-funding.md)",
        "[port volumes](@/articles/news/port-volumes.md)",
        "```go\nfmt.Println(\"hi\")\n```",
        "`{{</* youtube ID */>}}`",
        "\n<!-- more -->\n",
    ] {
        assert!(
            story.contains(expected),
            "story lacks {expected:?}:\n{story}"
        );
    }
    // Hugo's other built-ins: `param` written in from the page's front
    // matter or the site's [params] (as text, not Markdown), `details` as
    // the HTML Hugo makes; a date without a time is midnight where the
    // site is (Asia/Hong_Kong), as Hugo reads it.
    let funding = fs::read_to_string(site.join("content/articles/posts/ev-funding.md")).unwrap();
    for expected in [
        "updated = 2020-11-20T00:00:00+08:00\n",
        "expires = 2035-01-01T00:00:00+08:00\n",
        "Figures from the Information \\*Services\\* Department: Start-ups raised $12 billion.",
        "<details><summary>How we counted</summary>\n\nRounds of **$100 million** or more.\n\n</details>",
        "\n<https://gov-news.example/legacy/ev-funding.html>\n",
        "{{% callout %}}\nFunding **rose** in the fourth quarter.\n{{% /callout %}}",
    ] {
        assert!(
            funding.contains(expected),
            "ev-funding lacks {expected:?}:\n{funding}"
        );
    }
    assert!(site.join("static/images/logo.png").is_file());
    // A bundle's files, whether they sort before or after its index.md.
    for file in ["plant.png", "a-chart.png"] {
        assert!(
            site.join("content/articles/posts/xiaomi-great-wall-ev")
                .join(file)
                .is_file(),
            "{file}"
        );
    }
    let (build, check) = build_and_check(&site);
    // The placeholder template for the site's own shortcode builds, and
    // every build and check says where it is used.
    let warning = "content/articles/posts/xiaomi-great-wall-ev/index.md:27:1: shortcode `callout` still has the placeholder template gazette import made";
    assert!(build.stderr.contains(warning), "{}", build.stderr);
    assert!(check.stderr.contains(warning), "{}", check.stderr);
    let callout = fs::read_to_string(site.join("templates/shortcodes/callout.html")).unwrap();
    assert!(
        callout.contains("(layouts/shortcodes/callout.html), for reference:\n\n<aside class=\"callout\">{{ .Inner | markdownify }}</aside>\n -#}"),
        "{callout}"
    );
    // `{{% callout %}}` is the same shortcode, not a Liquid tag.
    assert!(
        build
            .stderr
            .contains("ev-funding.md:15:1: shortcode `callout` still has the placeholder"),
        "{}",
        build.stderr
    );
    assert!(!build.stderr.contains("Liquid"), "{}", build.stderr);
    let public = site.join("public");
    // Hugo's URLs: the [permalinks] pattern of posts/, `url`, aliases, a
    // section's folder, a page at the root.
    for (old, words) in [
        ("/2021/03/xiaomi-great-wall-ev/", "Xiaomi teams up"),
        ("/business/xiaomi-ev/", "Xiaomi teams up"),
        ("/old/xiaomi.html", "Xiaomi teams up"),
        ("/legacy/ev-funding.html", "EV start-ups raise"),
        ("/news/port-volumes/", "Port volumes fall"),
        ("/about/", "About us"),
    ] {
        let page = resolve(&public, "/", old).unwrap_or_else(|| panic!("{old} leads nowhere"));
        assert!(page.contains(words), "{old} leads to the wrong page");
    }
    let story_page = resolve(&public, "/", "/2021/03/xiaomi-great-wall-ev/").unwrap();
    assert!(
        story_page.contains("The deal is <strong>not final</strong>."),
        "the site's own shortcode shows its body"
    );
    let funding_page = resolve(&public, "/", "/legacy/ev-funding.html").unwrap();
    for shown in [
        "Figures from the Information *Services* Department: Start-ups raised $12 billion.",
        "<details><summary>How we counted</summary>",
        "Funding <strong>rose</strong> in the fourth quarter.",
    ] {
        assert!(funding_page.contains(shown), "the page lacks {shown:?}");
    }
}

#[test]
fn a_jekyll_site_imports_builds_checks_and_keeps_every_old_url() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let run = import(&["jekyll", fixture("jekyll").to_str().unwrap()], &site);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let post = fs::read_to_string(fixture("jekyll/_posts/2021-03-26-xiaomi-ev.md")).unwrap();
    let include_line = post
        .lines()
        .position(|l| l.starts_with("{% include"))
        .unwrap()
        + 1;
    let include = format!(
        "_posts/2021-03-26-xiaomi-ev.md:{include_line}: Liquid `{{% include newsletter.html %}}`: the shortcode call `{{{{< newsletter >}}}}`, with a template to write (templates/shortcodes/newsletter.html)"
    );
    let figure = format!(
        "_posts/2021-03-26-xiaomi-ev.md:{}: Liquid `{{% include figure.html %}}`: a photo: gazette's `figure` shows it",
        include_line + 2
    );
    let chart = format!(
        "_posts/2021-03-26-xiaomi-ev.md:{}: Liquid `{{% include chart.html %}}`: its argument data=page.chart is a variable with no text to write in: left as written",
        include_line + 8
    );
    for line in [
        include.as_str(),
        figure.as_str(),
        chart.as_str(),
        "feed.xml: a file Jekyll runs through Liquid",
        "index.html: gazette makes the front page",
    ] {
        assert!(
            run.stdout.contains(line),
            "report lacks {line:?}:\n{}",
            run.stdout
        );
    }
    let story = fs::read_to_string(site.join("content/articles/2021/xiaomi-ev.md")).unwrap();
    for expected in [
        "date = 2021-03-26T09:30:00+08:00",
        "category = \"business\"",
        "image = \"/assets/img/plant.png\"",
        "image_alt = \"The Baoding plant\"",
        "![The plant](/assets/img/plant.png)",
        "[our funding story](@/articles/2020/ev-funding.md)",
        "[the annual report](@/pages/annual-2020.md)",
        "```python\nprint(\"hello\")\n```",
        "\n<!-- more -->\n",
        // An include: a call of a template to write; one given a photo,
        // gazette's figure; embed plugins' tags, gazette's embeds; page
        // and site variables, their text.
        "\n{{< newsletter >}}\n",
        "\n{{< figure src=\"/assets/img/plant.png\" caption=\"The Baoding plant\" >}}\n",
        "\n{{< youtube id=\"w7Ejrw5kBu0\" >}}\n",
        "\n{{< tweet url=\"https://twitter.com/reuters/status/1375355512345678901\" >}}\n",
        "\n{% include chart.html data=page.chart %}\n",
        "\nWritten by Mandy Chan for Bay Area Magazine.\n",
    ] {
        assert!(
            story.contains(expected),
            "story lacks {expected:?}:\n{story}"
        );
    }
    assert!(!story.contains("{:"), "{story}");
    // The include's template to write keeps the old one, for reference.
    let newsletter = fs::read_to_string(site.join("templates/shortcodes/newsletter.html")).unwrap();
    assert!(
        newsletter.starts_with("{#- Made by gazette import: the Jekyll include `newsletter.html`")
            && newsletter.contains(
                "(_includes/newsletter.html), for reference:\n\n<form>Sign up</form>\n -#}"
            ),
        "{newsletter}"
    );
    assert!(!site.join("templates/shortcodes/figure.html").exists());
    // In an HTML post, the text is escaped as HTML before it becomes
    // Markdown, and a plugin's embed still becomes a call.
    let port = fs::read_to_string(site.join("content/articles/2021/port-volumes.md")).unwrap();
    assert!(
        port.contains("From Bay Area Magazine & friends.\n\n{{< vimeo id=\"146022717\" >}}"),
        "{port}"
    );
    assert!(site.join("static/CNAME").is_file());
    assert!(
        !site.join("static/notes.txt").exists(),
        "an excluded file was published"
    );
    let (build, _) = build_and_check(&site);
    assert!(
        build.stderr.contains("xiaomi-ev.md:27:1: shortcode `newsletter` still has the placeholder template gazette import made"),
        "{}",
        build.stderr
    );
    let public = site.join("public");
    // Jekyll's URLs (under base path /mag/): categories and dates, a
    // post's own permalink, redirect_from, a collection, a page folder.
    for (old, words) in [
        (
            "/business/autos/2021/03/26/xiaomi-ev.html",
            "Xiaomi teams up",
        ),
        ("/2021/xiaomi/", "Xiaomi teams up"),
        ("/news/xiaomi-ev.html", "Xiaomi teams up"),
        ("/business/2020/11/02/ev-funding.html", "EV start-ups raise"),
        ("/trade/port-volumes/", "Port volumes fall"),
        ("/reports/annual-2020/", "Annual report 2020"),
        ("/about/", "About the magazine"),
    ] {
        let page = resolve(&public, "/mag/", old).unwrap_or_else(|| panic!("{old} leads nowhere"));
        assert!(page.contains(words), "{old} leads to the wrong page");
    }
}

#[test]
fn sources_that_are_not_sites_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let into = dir.path().join("into");
    let hugo = import(&["hugo", empty.to_str().unwrap()], &into);
    assert_eq!(hugo.code, 1);
    assert_eq!(
        hugo.stderr,
        format!(
            "error: {}: no hugo.toml or config.toml; is it a Hugo site?\n",
            empty.display()
        )
    );
    let jekyll = import(&["jekyll", empty.to_str().unwrap()], &into);
    assert_eq!(
        jekyll.stderr,
        format!(
            "error: {}: no _config.yml; is it a Jekyll site?\n",
            empty.display()
        )
    );
    let missing = dir.path().join("missing.xml");
    let wordpress = import(&["wordpress", missing.to_str().unwrap()], &into);
    assert!(
        wordpress
            .stderr
            .starts_with(&format!("error: cannot read {}", missing.display())),
        "{}",
        wordpress.stderr
    );
    assert!(!into.exists());
}

#[cfg(unix)]
#[test]
fn links_out_of_a_source_site_are_skipped_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let hugo = dir.path().join("hugo");
    fs::create_dir_all(hugo.join("content/posts")).unwrap();
    fs::write(
        hugo.join("hugo.toml"),
        "baseURL = \"https://e.example/\"\ntitle = \"E\"\n",
    )
    .unwrap();
    fs::write(
        hugo.join("content/posts/a.md"),
        "---\ntitle: A\ndate: 2021-01-01\n---\nText.\n",
    )
    .unwrap();
    let secret = dir.path().join("secret.md");
    fs::write(
        &secret,
        "---\ntitle: Secret\ndate: 2021-01-01\n---\npassword\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&secret, hugo.join("content/posts/b.md")).unwrap();
    let site = dir.path().join("site");
    let run = import(&["hugo", hugo.to_str().unwrap()], &site);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("content/posts/b.md"), "{}", run.stdout);
    for file in common::files_under(&site) {
        assert!(
            !fs::read_to_string(&file)
                .unwrap_or_default()
                .contains("password"),
            "{file:?}"
        );
    }
}

#[test]
fn the_report_in_the_docs_is_what_the_import_prints() {
    let docs =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import.md")).unwrap();
    let start = docs
        .find("```\nImported from WordPress into harbour:\n")
        .unwrap()
        + 4;
    let shown = &docs[start..start + docs[start..].find("```\n").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        fixture("wordpress/export.xml"),
        dir.path().join("export.xml"),
    )
    .unwrap();
    for file in common::files_under(&fixture("wordpress/uploads")) {
        let relative = file.strip_prefix(fixture("wordpress")).unwrap();
        fs::create_dir_all(dir.path().join(relative).parent().unwrap()).unwrap();
        fs::copy(&file, dir.path().join(relative)).unwrap();
    }
    let run = gazette(
        &[
            "import",
            "wordpress",
            "export.xml",
            "--uploads",
            "uploads",
            "--into",
            "harbour",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, shown, "docs/import.md shows another report");
    assert_eq!(
        run.stderr,
        "Next: `gazette build --root harbour` and `gazette check --root harbour`.\n"
    );
}

#[test]
fn liquid_edge_cases_never_panic_and_trimmed_tags_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let jekyll = dir.path().join("jekyll");
    fs::create_dir_all(jekyll.join("_posts")).unwrap();
    fs::write(
        jekyll.join("_config.yml"),
        "title: J\nurl: https://j.example\n",
    )
    .unwrap();
    let body = "{%}\n\n{% raw {% endraw %}\n\n{%- highlight ruby -%}\nputs 1\n{%- endhighlight -%}\n\n{{}}\n\n{: .x}\n\n{%\n";
    fs::write(
        jekyll.join("_posts/2021-01-01-edge.md"),
        format!("---\ntitle: Edge\n---\n{body}"),
    )
    .unwrap();
    let site = dir.path().join("site");
    let run = import(&["jekyll", jekyll.to_str().unwrap()], &site);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let post = fs::read_to_string(site.join("content/articles/2021/edge.md")).unwrap();
    assert!(post.contains("```ruby\nputs 1\n```"), "{post}");
}

#[test]
fn a_jekyll_site_imported_into_its_own_folder_is_not_read_back_in() {
    let dir = tempfile::tempdir().unwrap();
    let jekyll = dir.path().join("jekyll");
    fs::create_dir_all(jekyll.join("_posts")).unwrap();
    fs::write(
        jekyll.join("_config.yml"),
        "title: J\nurl: https://j.example\n",
    )
    .unwrap();
    fs::write(
        jekyll.join("_posts/2021-01-01-a.md"),
        "---\ntitle: A\n---\nText.\n",
    )
    .unwrap();
    let into = jekyll.join("gazette");
    let first = import(&["jekyll", jekyll.to_str().unwrap()], &into);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let again = import(&["jekyll", jekyll.to_str().unwrap()], &into);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stdout
            .contains("Files: 0 written, 2 unchanged, 0 kept as edited"),
        "{}",
        again.stdout
    );
    assert!(!into.join("static/gazette").exists());
}
