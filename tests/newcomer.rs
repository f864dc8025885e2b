//! What a new user meets in the first hour: `init` in a fresh repository,
//! `new` in the wrong folder, and the common slips of a first site, each
//! answered with what to do rather than a parser's words.

mod common;

use common::*;
use std::fs;

#[test]
fn init_works_in_a_fresh_repository_and_keeps_the_output_out_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("desk");
    fs::create_dir_all(root.join(".git")).unwrap();
    fs::write(root.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let run = gazette(&["init", "desk"], dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(root.join(".gitignore")).unwrap(),
        "# Made by gazette build: the site, and gazette's staging, cache and lock.\n/public/\n/.public.gazette-*\n/.gazette-cache/\n"
    );
    assert_eq!(
        fs::read_to_string(root.join(".git/HEAD")).unwrap(),
        "ref: refs/heads/main\n"
    );
    // A .gitignore of the user's own is kept as it is.
    let other = dir.path().join("other");
    fs::create_dir_all(&other).unwrap();
    fs::write(other.join(".gitignore"), "*.log\n").unwrap();
    assert_eq!(gazette(&["init", "other"], dir.path()).code, 0);
    assert_eq!(
        fs::read_to_string(other.join(".gitignore")).unwrap(),
        "*.log\n"
    );
    // A folder with a visible file is still refused.
    let run = gazette(&["init", "desk"], dir.path());
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("desk is not empty"), "{}", run.stderr);
}

#[test]
fn commands_in_the_wrong_folder_say_so_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let run = gazette(&["new", "A headline"], dir.path());
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .starts_with("error: site.toml: no site.toml in ."),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("error: error:"), "{}", run.stderr);
    let run = gazette(&["build", "--root", "/no/such/site"], dir.path());
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("error: /no/such/site: no such folder: give --root the folder that holds the site's site.toml"),
        "{}",
        run.stderr
    );
    let help = gazette(&["new", "--help"], dir.path());
    assert!(help.stdout.contains("as a draft"), "{}", help.stdout);
}

#[test]
fn a_byline_that_nearly_names_a_profile_is_a_warning_at_its_line() {
    let site = Fixture::new(&[
        (
            "content/authors/editor.md",
            "+++\nname = \"The Editor\"\n+++\n",
        ),
        (
            "content/articles/a.md",
            &article("A", "2021-03-26", "author = \"edtor\"\n", "Text."),
        ),
        (
            "content/articles/b.md",
            &article("B", "2021-03-25", "author = \"Reuters\"\n", "Text."),
        ),
    ]);
    let run = site.build_ok();
    let root = site.root().display();
    assert!(
        run.stderr.contains(&format!(
            "warning: {root}/content/articles/a.md:4:1: the byline `edtor` names no author profile: did you mean `editor` (content/authors/editor.md)?"
        )),
        "{}",
        run.stderr
    );
    // A plain name is a byline of its own, not a typo.
    assert!(!run.stderr.contains("Reuters"), "{}", run.stderr);
}

#[test]
fn a_setting_written_after_extra_is_a_warning() {
    let site = Fixture::new(&[(
        "site.toml",
        &format!("{SITE_TOML}[extra]\nedition = \"Asia\"\nper_page = 3\n"),
    )]);
    let run = site.build_ok();
    assert!(
        run.stderr.contains(&format!(
            "warning: {}/site.toml:7:1: `extra.per_page` has the name of a site setting: every key after the `[extra]` line belongs to it; to set `per_page`, move it above `[extra]`",
            site.root().display()
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("extra.edition"));
}

#[test]
fn common_slips_get_the_fix_not_the_parsers_words() {
    let site = Fixture::new(&[(
        "site.toml",
        &SITE_TOML.replace("Asia/Hong_Kong", "asia/hongkong"),
    )]);
    let run = site.build();
    assert!(
        run.stderr
            .contains("unknown timezone `asia/hongkong` (did you mean \"Asia/Hong_Kong\"?)"),
        "{}",
        run.stderr
    );
    let site = Fixture::new(&[
        (
            "content/articles/colon.md",
            "---\ntitle: Breaking: Port strike ends\ndate: 2021-03-26\n---\nText.\n",
        ),
        (
            "content/articles/tags.md",
            "+++\ntitle = \"T\"\ndate = 2021-03-26\ntags = \"port\"\n+++\nText.\n",
        ),
    ]);
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "a value that holds `: ` must be quoted, such as title: \"Breaking: Port strike ends\""
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "expected a sequence: write a list in brackets, such as tags = [\"port\", \"strike\"]"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_preview_needs_no_base_url_in_site_toml() {
    let site = Fixture::new(&[
        ("site.toml", "title = \"Desk\"\n"),
        (
            "content/articles/a.md",
            &article("A", "2021-03-26", "", "Text."),
        ),
    ]);
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("`base_url` is required"),
        "{}",
        run.stderr
    );
    let run = site.run(&["build", "--base-url", "https://preview.example.com/pr-7/"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        site.read("index.html")
            .contains("https://preview.example.com/pr-7/2021/03/26/a/")
    );
    let run = site.run(&["build", "--base-url", "preview"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .starts_with("error: --base-url: --base-url must be an absolute http(s) URL"),
        "{}",
        run.stderr
    );
}

#[test]
fn new_bylines_the_sites_only_profile_and_names_files_without_apostrophe_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("desk");
    assert_eq!(gazette(&["init", "desk"], dir.path()).code, 0);
    let run = gazette(&["new", "What's next for the port"], &root);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = run.stdout.trim();
    assert!(
        written.ends_with("/whats-next-for-the-port.md"),
        "{written}"
    );
    let text = std::fs::read_to_string(root.join(written)).unwrap();
    assert!(text.contains("author = \"editor\"\n"), "{text}");

    // Two profiles: no guess; --author still wins.
    std::fs::write(
        root.join("content/authors/reporter.md"),
        "+++\nname = \"A Reporter\"\n+++\n",
    )
    .unwrap();
    let run = gazette(&["new", "Second story"], &root);
    let text = std::fs::read_to_string(root.join(run.stdout.trim())).unwrap();
    assert!(!text.contains("author"), "{text}");
    let run = gazette(&["new", "Third story", "--author", "reporter"], &root);
    let text = std::fs::read_to_string(root.join(run.stdout.trim())).unwrap();
    assert!(text.contains("author = \"reporter\"\n"), "{text}");
}
