//! The data/ folder: TOML, YAML and JSON files given to templates as
//! `data.NAME`, the breaking-news banner of data/breaking.toml (shown on
//! every page until it expires), and every mistake in them an error at
//! its file and line, all in one run.

mod common;

use common::{Fixture, article};

fn site_with(files: &[(&str, &str)]) -> Fixture {
    let mut all = vec![(
        "content/articles/a.md",
        "+++\ntitle = \"A\"\ndate = 2021-03-26T10:00:00+08:00\ntemplate = \"with-data.html\"\n+++\n\nText.\n",
    )];
    all.extend_from_slice(files);
    Fixture::new(&all)
}

#[test]
fn data_files_of_every_format_and_folder_reach_templates() {
    let site = site_with(&[
        (
            "templates/with-data.html",
            "{% extends \"article.html\" %}{% block content %}<p id=\"hsi\">{{ data.markets.hsi.close }} on {{ data.markets.hsi.date }}</p><ul>{% for d in data.desk.staff %}<li>{{ d }}</li>{% endfor %}</ul><p id=\"seats\">{{ data.elections[\"2021\"].seats }}</p>{{ super() }}{% endblock content %}",
        ),
        (
            "data/markets.toml",
            "[hsi]\nclose = 28336.43\ndate = 2021-03-26\n",
        ),
        ("data/desk.yaml", "staff:\n  - Lena Cho\n  - David Okafor\n"),
        ("data/elections/2021.json", "{\"seats\": 90}"),
        ("data/.notes.txt", "hidden files are passed over"),
    ]);
    site.build_ok();
    let page = site.read("2021/03/26/a/index.html");
    assert!(
        page.contains("<p id=\"hsi\">28336.43 on 2021-03-26</p>"),
        "{page}"
    );
    assert!(page.contains("<li>Lena Cho</li><li>David Okafor</li>"));
    assert!(page.contains("<p id=\"seats\">90</p>"));
    assert!(
        !site.public().join("data").exists(),
        "data/ is not published"
    );
}

#[test]
fn every_mistake_in_data_is_an_error_at_its_file_and_line_in_one_run() {
    let site = site_with(&[
        ("templates/with-data.html", "{% extends \"article.html\" %}"),
        ("data/bad.toml", "ok = 1\nbroken = \n"),
        ("data/bad.json", "{\n  \"a\": 1,\n  \"b\": \n}\n"),
        ("data/bad-yaml.yaml", "list:\n  - a\n - b\n"),
        ("data/notes.md", "# not data"),
        ("data/twice.toml", "a = 1\n"),
        ("data/twice.json", "{\"a\": 2}"),
        (
            "data/breaking.toml",
            "text = \"Typhoon signal No. 8\"\nurl = \"javascript:alert(1)\"\nlabl = \"Alert\"\n",
        ),
    ]);
    site.build_fails_with(&[
        "data/bad.toml:2:",
        "data/bad.json:4:1: expected value",
        "data/bad-yaml.yaml:3:",
        "data/notes.md: data files are TOML, YAML or JSON (`.toml`, `.yaml`, `.yml`, `.json`): move other files out of data/ (to static/, to publish them)",
        "data/twice.toml: `data.twice` is given by another file or folder too",
        "data/breaking.toml:3:1: unknown key `labl` in the breaking-news banner (did you mean `label`?)",
    ]);
    // Once the key is right, the unsafe URL is named at its line.
    site.write(
        "data/breaking.toml",
        "text = \"Typhoon signal No. 8\"\nurl = \"javascript:alert(1)\"\n",
    );
    let run = site.build();
    assert!(
        run.stderr
            .contains("data/breaking.toml:2:1: `url`: `javascript:alert(1)` is a javascript: URL"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_link_out_of_the_site_in_data_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.json"),
        "{\"token\": \"s3cr3t\"}",
    )
    .unwrap();
    let site = site_with(&[(
        "templates/with-data.html",
        "{% extends \"article.html\" %}{% block content %}{{ data | json_encode }}{% endblock content %}",
    )]);
    std::fs::create_dir_all(site.root().join("data")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("secret.json"),
        site.root().join("data/secret.json"),
    )
    .unwrap();
    let run = site.build();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("data/secret.json: a symbolic link to"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("s3cr3t"));
}

fn banner_site(banner: &str) -> Fixture {
    Fixture::new(&[
        (
            "content/articles/typhoon-nears.md",
            &article("Typhoon nears", "2021-03-26T10:00:00+08:00", "", "Text."),
        ),
        ("data/breaking.toml", banner),
    ])
}

#[test]
fn the_breaking_banner_shows_on_every_page_until_it_expires() {
    let site = banner_site(
        "text = \"Typhoon signal No. 8 raised <now>\"\nurl = \"/2021/03/26/typhoon-nears/\"\nuntil = 2021-03-27T06:00:00+08:00\n",
    );
    let run = site.run(&["build", "--at", "2021-03-26T12:00:00+08:00"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("next change: data/breaking.toml takes the breaking-news banner down at 2021-03-26T22:00:00Z: build again then"),
        "{}",
        run.stdout
    );
    let banner = "<aside class=\"breaking\" aria-label=\"Breaking\">\n  <p><strong class=\"breaking-label\">Breaking</strong> <a href=\"https://news.example.com/2021/03/26/typhoon-nears/\">Typhoon signal No. 8 raised &lt;now&gt;</a></p>\n</aside>";
    for page in [
        "index.html",
        "2021/03/26/typhoon-nears/index.html",
        "404.html",
        "search/index.html",
        "tags/index.html",
    ] {
        assert!(
            site.read(page).contains(banner),
            "{page}: {}",
            site.read(page)
        );
    }
    // Past `until`, no banner and no next change.
    let run = site.run(&["build", "--at", "2021-03-27T06:00:00+08:00"]);
    assert!(!run.stdout.contains("next change"), "{}", run.stdout);
    assert!(!site.read("index.html").contains("class=\"breaking\""));
}

#[test]
fn an_empty_banner_file_shows_nothing_and_a_banner_needs_text() {
    let site = banner_site("# nothing breaking\n");
    site.build_ok();
    assert!(!site.read("index.html").contains("class=\"breaking\""));

    let site = banner_site("label = \"Alert\"\ntext = \"  \"\n");
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "data/breaking.toml:2:1: the banner has no `text`: write the news it announces"
        ),
        "{}",
        run.stderr
    );

    // Without a url, the banner is text; a custom label is used.
    let site = banner_site("label = \"Weather\"\ntext = \"Schools closed\"\n");
    site.build_ok();
    assert!(
        site.read("index.html")
            .contains("<strong class=\"breaking-label\">Weather</strong> Schools closed</p>")
    );
}
