//! `gazette build` on invalid sites: exit status 1, an `error:` line naming
//! the file (and line and column where there is one) with an excerpt and a
//! caret, every error of the site in one run, and the previous output left
//! exactly as it was.

mod common;

use common::{Fixture, SITE_TOML, article, tree};

/// Builds a good version of the site first, breaks it with `files`, builds
/// again and checks the failure left the first output untouched. Returns
/// stderr of the failed build.
fn fails_keeping_output(site: &Fixture, files: &[(&str, &str)]) -> String {
    site.build_ok();
    let before = tree(&site.public());
    for (path, text) in files {
        site.write(path, text);
    }
    let run = site.build();
    assert_eq!(run.code, 1, "expected failure; stderr:\n{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(tree(&site.public()), before, "the previous output changed");
    assert!(
        run.stderr
            .trim_end()
            .ends_with("the previous output is untouched"),
        "{}",
        run.stderr
    );
    run.stderr
}

fn good_site() -> Fixture {
    Fixture::new(&[(
        "content/articles/good.md",
        &article("Good", "2021-03-26", "", "Fine."),
    )])
}

#[test]
fn no_site_toml() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::gazette(
        &["build", "--root", dir.path().to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with(&format!(
            "error: {}/site.toml: no site.toml in {}: is this a gazette site? (`gazette init` makes one)\n",
            dir.path().display(),
            dir.path().display()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn site_toml_that_is_not_toml() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[("site.toml", "title = \"T\"\nbase_url = https://e.com\n")],
    );
    let root = site.root().display();
    assert!(
        stderr.starts_with(&format!("error: {root}/site.toml:2:12: ")),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 | base_url = https://e.com\n  |            ^"),
        "{stderr}"
    );
}

#[test]
fn unknown_keys_in_site_toml_and_front_matter_suggest_the_closest() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[
            ("site.toml", &format!("{SITE_TOML}per_pag = 5\n")),
            (
                "content/articles/bad.md",
                "+++\ntitle = \"X\"\ndate = 2021-01-01\ncatgory = \"biz\"\n+++\n",
            ),
        ],
    );
    let root = site.root().display();
    assert!(stderr.contains(&format!(
        "error: {root}/site.toml:5:1: unknown key `per_pag` in site.toml (did you mean `per_page`?)\n  |\n5 | per_pag = 5\n  | ^\n"
    )), "{stderr}");
    // site.toml errors stop the build before content is read.
    assert!(!stderr.contains("catgory"));
    site.write("site.toml", SITE_TOML);
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains(&format!(
        "error: {root}/content/articles/bad.md:4:1: unknown key `catgory` in article front matter (did you mean `category`?)\n  |\n4 | catgory = \"biz\"\n  | ^\n"
    )), "{}", run.stderr);
}

#[test]
fn an_unknown_page_numbering_is_named_at_its_line_with_the_two_there_are() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[(
            "site.toml",
            &format!("{SITE_TOML}page_numbers = \"oldest\"\n"),
        )],
    );
    let root = site.root().display();
    assert!(stderr.contains(&format!(
        "error: {root}/site.toml:5:1: `page_numbers` is \"from-newest\" (the default: /page/2/ holds the next newest articles) or \"from-oldest\" (/page/1/ holds the oldest, and a numbered page keeps its articles as new ones come), not \"oldest\"\n  |\n5 | page_numbers = \"oldest\"\n  | ^\n"
    )), "{stderr}");
}

#[test]
fn relative_base_url() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[("site.toml", "title = \"T\"\nbase_url = \"/news/\"\n")],
    );
    assert!(stderr.contains(&format!(
        "error: {}/site.toml:2:1: `base_url` must be an absolute http(s) URL such as \"https://news.example.com\", not \"/news/\" (relative URL without a base)\n",
        site.root().display()
    )), "{stderr}");
}

#[test]
fn front_matter_never_closed() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[(
            "content/articles/open.md",
            "+++\ntitle = \"Open\"\ndate = 2021-03-01\n\nBody.\n",
        )],
    );
    assert!(stderr.contains(&format!(
        "error: {}/content/articles/open.md:1:1: front matter opened with `+++` on line 1 is never closed: add a `+++` line after it\n  |\n1 | +++\n  | ^\n",
        site.root().display()
    )), "{stderr}");
}

#[test]
fn invalid_toml_and_yaml_in_front_matter_give_the_file_line() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[
            (
                "content/articles/t.md",
                "+++\ntitle = \"T\"\ndate = 2021-03-01\ntags = [\"a\" \"b\"]\n+++\nBody\n",
            ),
            (
                "content/articles/y.md",
                "---\ntitle: Y\ndate: 2021-03-01\ntags: [a, b\nsummary: x\n---\nBody\n",
            ),
        ],
    );
    let root = site.root().display();
    assert!(
        stderr.contains(&format!("error: {root}/content/articles/t.md:4:")),
        "{stderr}"
    );
    assert!(stderr.contains("4 | tags = [\"a\" \"b\"]"), "{stderr}");
    // YAML reports where it noticed the problem: the line after the list.
    let yaml_line = stderr
        .lines()
        .find(|l| l.starts_with(&format!("error: {root}/content/articles/y.md:")))
        .expect("an error for y.md");
    let line: usize = yaml_line
        .trim_start_matches(&format!("error: {root}/content/articles/y.md:"))
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((4..=6).contains(&line), "{yaml_line}");
}

#[test]
fn missing_title_and_date() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[(
            "content/articles/bare.md",
            "+++\nslug = \"bare\"\n+++\nBody\n",
        )],
    );
    let root = site.root().display();
    assert!(
        stderr.contains(&format!(
            "error: {root}/content/articles/bare.md:1:1: article has no `title`\n"
        )),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("error: {root}/content/articles/bare.md:1:1: article has no `date`: add its publication time, such as date = 2021-03-26T09:30:00+08:00\n")), "{stderr}");
}

#[test]
fn impossible_dates() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[
            (
                "content/articles/a.md",
                "+++\ntitle = \"A\"\ndate = \"2021-13-45\"\n+++\n",
            ),
            (
                "content/articles/b.md",
                "---\ntitle: B\ndate: 2021-02-30 10:00\n---\n",
            ),
            (
                "content/articles/c.md",
                "+++\ntitle = \"C\"\ndate = 2021-13-45\n+++\n",
            ),
        ],
    );
    let root = site.root().display();
    assert!(stderr.contains(&format!("error: {root}/content/articles/a.md:3:1: `date`: `2021-13-45` is not a real date or time: expected RFC 3339 (2021-03-26T09:30:00+08:00), a local date-time (2021-03-26T09:30:00 or 2021-03-26 09:30) or a date (2021-03-26)\n  |\n3 | date = \"2021-13-45\"\n  | ^\n")), "{stderr}");
    assert!(stderr.contains(&format!("error: {root}/content/articles/b.md:3:1: `date`: `2021-02-30 10:00` is not a real date or time")), "{stderr}");
    // Unquoted, TOML itself refuses it, at the value.
    assert!(
        stderr.contains(&format!("error: {root}/content/articles/c.md:3:8: ")),
        "{stderr}"
    );
}

#[test]
fn file_that_is_not_utf8() {
    let site = good_site();
    site.build_ok();
    let before = tree(&site.public());
    site.write_bytes(
        "content/articles/latin1.md",
        b"+++\ntitle = \"Caf\xe9\"\ndate = 2021-03-01\n+++\n",
    );
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains(&format!(
        "error: {}/content/articles/latin1.md:2:13: file is not valid UTF-8: save it as UTF-8\n",
        site.root().display()
    )), "{}", run.stderr);
    assert_eq!(tree(&site.public()), before);
}

#[test]
fn two_articles_with_the_same_url_name_both_files() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[
            (
                "content/articles/one/same.md",
                &article("One", "2021-03-26", "", "x"),
            ),
            (
                "content/articles/two/same.md",
                &article("Two", "2021-03-26T12:00:00+08:00", "", "x"),
            ),
        ],
    );
    let root = site.root().display();
    assert!(stderr.contains(&format!(
        "error: {root}/content/articles/two/same.md: URL /2021/03/26/same/ is already taken by {root}/content/articles/one/same.md: give one of them another `slug`\n"
    )), "{stderr}");
}

#[test]
fn template_syntax_error_names_the_template_and_line() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[(
            "templates/page.html",
            "{% extends \"base.html\" %}\n{% block content %}\n{{ page.title }\n{% endblock content %}\n",
        )],
    );
    assert!(
        stderr.starts_with(&format!(
            "error: {}/templates/page.html:3:",
            site.root().display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("template syntax error"), "{stderr}");
    assert!(stderr.contains("3 | {{ page.title }"), "{stderr}");
}

#[test]
fn a_template_extending_a_missing_one_is_named() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[(
            "templates/page.html",
            "{% extends \"layout.html\" %}\n{% block content %}{% endblock content %}\n",
        )],
    );
    assert!(
        stderr.starts_with(&format!(
            "error: {}/templates/page.html: ",
            site.root().display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("'layout.html'"), "{stderr}");
}

#[test]
fn template_with_an_undefined_variable() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[(
            "templates/article.html",
            "<p>{{ article.title }} {{ article.no_such_field }}</p>\n",
        )],
    );
    assert!(stderr.contains(&format!(
        "error: {}/templates/article.html:1:27: Variable `article.no_such_field` not found in context while rendering 'article.html'",
    site.root().display())), "{stderr}");
    assert!(
        stderr.contains("(rendering"),
        "names the article being rendered: {stderr}"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    let site = good_site();
    site.build_ok();
    let before = tree(&site.public());
    std::os::unix::fs::symlink(
        "/nonexistent/gazette-target",
        site.root().join("content/articles/gone.md"),
    )
    .unwrap();
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(&format!(
            "error: {}/content/articles/gone.md: cannot read: ",
            site.root().display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(tree(&site.public()), before);
}

#[test]
fn every_error_of_the_site_in_one_run() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[
            ("content/articles/a.md", "+++\ntitle = \"A\"\n+++\n"),
            (
                "content/articles/b.md",
                "---\ntitle: B\ndate: someday\n---\n",
            ),
            (
                "content/articles/c.md",
                "+++\ntitle = \"C\"\ndate = 2021-01-01\ntitel = \"x\"\n+++\n",
            ),
            ("content/authors/Bad Name.md", "+++\n+++\n"),
            ("templates/index.html", "{% if %}"),
        ],
    );
    let errors = stderr.lines().filter(|l| l.starts_with("error: ")).count();
    assert_eq!(errors, 6, "{stderr}");
    assert!(
        stderr
            .trim_end()
            .ends_with("build failed: 6 errors; the previous output is untouched")
    );
}

#[test]
fn unsafe_aliases_are_refused_and_nothing_is_written_outside() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[(
            "content/articles/a.md",
            &article("A", "2021-03-26", "aliases = [\"../../outside/\"]\n", "x"),
        )],
    );
    assert!(stderr.contains(&format!(
        "error: {}/content/articles/a.md:4:1: alias `../../outside/` must be a path inside the site, such as \"/2021/old-slug/\"\n",
        site.root().display()
    )), "{stderr}");
    assert!(!site.root().join("../outside").exists());
}

#[test]
fn output_folder_may_not_swallow_the_site() {
    let site = good_site();
    let root = site.root().to_str().unwrap().to_string();
    let run = site.run(&["build", "--output", &root]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("holds the site itself"),
        "{}",
        run.stderr
    );
    assert!(site.root().join("content/articles/good.md").is_file());
}

#[test]
fn wrong_usage_exits_with_2() {
    let site = good_site();
    let run = site.run(&["build", "--no-such-flag"]);
    assert_eq!(run.code, 2);
    let run = common::gazette(&["publish"], site.root());
    assert_eq!(run.code, 2);
}

#[test]
fn broken_content_links_name_the_file_and_line() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[(
            "content/articles/linker.md",
            &article(
                "L",
                "2021-03-27",
                "",
                "Intro.\n\nSee [this](@/articles/missing.md) and [that](@/articles/good.md#nope).",
            ),
        )],
    );
    let root = site.root().display();
    assert!(stderr.contains(&format!(
        "error: {root}/content/articles/linker.md:8:5: link to `@/articles/missing.md`: no published content file content/articles/missing.md\n"
    )), "{stderr}");
    assert!(stderr.contains(&format!(
        "error: {root}/content/articles/linker.md:8:39: link to `@/articles/good.md#nope`: that page has no heading with id `nope`\n"
    )), "{stderr}");
}

#[test]
fn a_static_file_may_not_overwrite_a_generated_page() {
    let site = good_site();
    let stderr = fails_keeping_output(&site, &[("static/feed.xml", "<rss/>")]);
    assert!(
        stderr.contains(&format!(
            "error: {}/static/feed.xml: two parts of the site write the same file feed.xml\n",
            site.root().display()
        )),
        "{stderr}"
    );
}

#[test]
fn an_alias_may_not_overwrite_another_page_and_both_collisions_are_named() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[
            (
                "content/articles/moved.md",
                &article(
                    "Moved",
                    "2021-03-27",
                    "aliases = [\"/2021/03/26/good/\"]\n",
                    "Here.",
                ),
            ),
            ("static/robots.txt", "User-agent: *\n"),
        ],
    );
    let root = site.root().display();
    assert!(
        stderr.contains(&format!(
            "error: {root}/content/articles/moved.md:4:1: two parts of the site write the same file 2021/03/26/good/index.html (also written by {root}/content/articles/good.md)\n"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "error: {root}/static/robots.txt: two parts of the site write the same file robots.txt\n"
        )),
        "{stderr}"
    );
}

#[test]
fn stray_files_are_warnings_not_errors() {
    let site = good_site();
    site.write("content/articles/photo.jpg", "JPEG");
    site.write("content/notes.md", "+++\n+++\n");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let root = site.root().display();
    assert!(run.stderr.contains(&format!("warning: {root}/content/articles/photo.jpg: ignored: not Markdown and not in an article bundle (a folder with an index.md); shared files go in static/\n")), "{}", run.stderr);
    assert!(run.stderr.contains(&format!("warning: {root}/content/notes.md: ignored: content files belong in content/articles, content/pages or content/authors\n")), "{}", run.stderr);
    assert!(!site.public().join("photo.jpg").exists());
}

#[test]
fn names_starting_with_dot_or_underscore_are_ignored() {
    let site = good_site();
    site.write("content/articles/_drafts/bad.md", "not front matter");
    site.write("content/articles/.hidden.md", "not front matter");
    site.write("static/.DS_Store", "junk");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert!(!site.public().join(".DS_Store").exists());
}

#[test]
fn templates_that_include_or_extend_themselves_are_refused_not_crashed_on() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[(
            "templates/partials/footer.html",
            "<p>{% include \"partials/footer.html\" %}</p>\n",
        )],
    );
    assert!(stderr.contains(&format!(
        "error: {}/templates/partials/footer.html: templates extend or include each other in a loop: partials/footer.html → partials/footer.html; ",
        site.root().display()
    )), "{stderr}");
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[("templates/base.html", "{% extends \"page.html\" %}")],
    );
    assert!(
        stderr.contains("base.html → page.html → base.html"),
        "{stderr}"
    );
}

/// Tera counts no depth: an include loop under a condition that stays true
/// overflowed the stack (exit 134, no file named). Every include loop is
/// refused before rendering, at the template.
#[test]
fn a_guarded_recursive_include_is_refused_at_the_template() {
    let site = good_site();
    let stderr = fails_keeping_output(
        &site,
        &[(
            "templates/partials/footer.html",
            "{% if true %}{% include \"partials/footer.html\" %}{% endif %}<footer>ok</footer>\n",
        )],
    );
    assert!(
        stderr.contains(&format!(
            "error: {}/templates/partials/footer.html: templates extend or include each other in a loop: partials/footer.html → partials/footer.html; Tera counts no depth",
            site.root().display()
        )),
        "{stderr}"
    );
}

#[test]
fn a_yaml_bomb_is_refused_quickly() {
    let site = good_site();
    let mut bomb = String::from(
        "---\ntitle: B\ndate: 2021-01-01\nextra:\n  a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n",
    );
    for (name, prev) in [
        ("b", "a"),
        ("c", "b"),
        ("d", "c"),
        ("e", "d"),
        ("f", "e"),
        ("g", "f"),
        ("h", "g"),
        ("i", "h"),
    ] {
        bomb.push_str(&format!(
            "  {name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    bomb.push_str("---\nbody\n");
    let stderr = fails_keeping_output(&site, &[("content/articles/bomb.md", &bomb)]);
    assert!(
        stderr.contains(&format!(
            "error: {}/content/articles/bomb.md:",
            site.root().display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("YAML aliases here expand past the limit of what front matter may hold"),
        "{stderr}"
    );
}
