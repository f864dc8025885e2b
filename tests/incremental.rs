//! Builds that reuse the last build (its output folder and the build cache)
//! against clean builds of the same input: after random sequences of edits
//! (bodies, titles, dates, tags, sections, authors, new and deleted
//! articles, templates, site.toml, static files, and saves that keep a
//! file's length and put its modification time back), every file of the
//! reused output is byte for byte that of a build from nothing.
//!
//! `cargo test` runs a few short sequences with a fixed seed;
//! `GAZETTE_INCREMENTAL_CASES=N` runs more (.ci/run runs 40).

mod common;

use common::{Fixture, gazette, tree};
use proptest::prelude::*;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

const SITE_TOML: &str = "title = \"Edit Desk\"\nbase_url = \"https://news.example.com\"\ntimezone = \"Asia/Hong_Kong\"\n";

#[derive(Debug, Clone)]
enum Edit {
    Body(usize, String),
    Title(usize, String),
    Date(usize, u32),
    Tags(usize, Vec<&'static str>),
    Section(usize, &'static str),
    Author(usize, &'static str),
    New(String),
    Delete(usize),
    Template(u8),
    PerPage(u8),
    Static(String),
    /// One letter of a body changed, the length and modification time kept.
    SameLengthSameTime(usize),
    /// The modification time changed, the bytes kept.
    Touch(usize),
    Nothing,
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Shares", "rally", "Xiaomi", "merger", "yuan", "bonds", "talks",
    ])
    .prop_map(str::to_string)
}

fn edit() -> impl Strategy<Value = Edit> {
    let i = 0..8usize;
    prop_oneof![
        (i.clone(), prop::collection::vec(word(), 1..6))
            .prop_map(|(i, w)| Edit::Body(i, w.join(" "))),
        (i.clone(), prop::collection::vec(word(), 1..4))
            .prop_map(|(i, w)| Edit::Title(i, w.join(" "))),
        (i.clone(), 1..28u32).prop_map(|(i, d)| Edit::Date(i, d)),
        (
            i.clone(),
            prop::sample::subsequence(vec!["EV", "Banks", "China"], 0..3)
        )
            .prop_map(|(i, t)| Edit::Tags(i, t)),
        (
            i.clone(),
            prop::sample::select(vec!["Markets", "Business", "Tech"])
        )
            .prop_map(|(i, s)| Edit::Section(i, s)),
        (i.clone(), prop::sample::select(vec!["ana", "bo"])).prop_map(|(i, a)| Edit::Author(i, a)),
        word().prop_map(Edit::New),
        i.clone().prop_map(Edit::Delete),
        (0..3u8).prop_map(Edit::Template),
        (2..5u8).prop_map(Edit::PerPage),
        word().prop_map(Edit::Static),
        i.clone().prop_map(Edit::SameLengthSameTime),
        i.prop_map(Edit::Touch),
        Just(Edit::Nothing),
    ]
}

/// One article's front matter and body, as the edits change them.
#[derive(Debug, Clone)]
struct Story {
    file: String,
    title: String,
    day: u32,
    tags: Vec<&'static str>,
    section: &'static str,
    author: &'static str,
    body: String,
}

impl Story {
    fn text(&self) -> String {
        let tags: Vec<String> = self.tags.iter().map(|t| format!("{t:?}")).collect();
        format!(
            "+++\ntitle = {:?}\ndate = 2021-03-{:02}T10:00:00Z\ncategory = {:?}\ntags = [{}]\nauthor = {:?}\n+++\n\n{}\n",
            self.title,
            self.day,
            self.section,
            tags.join(", "),
            self.author,
            self.body
        )
    }
}

struct Desk {
    site: Fixture,
    stories: Vec<Story>,
    made: usize,
}

impl Desk {
    fn new() -> Desk {
        let site = Fixture::new(&[
            ("site.toml", SITE_TOML),
            (
                "content/authors/ana.md",
                "+++\nname = \"Ana Lee\"\n+++\nAna covers autos.\n",
            ),
            (
                "content/authors/bo.md",
                "+++\nname = \"Bo Chan\"\n+++\nBo covers banks.\n",
            ),
            ("static/notes.txt", "first"),
        ]);
        let mut desk = Desk {
            site,
            stories: Vec::new(),
            made: 0,
        };
        for n in 0..5 {
            desk.add(format!("Story {n}"));
        }
        desk
    }

    fn add(&mut self, title: String) {
        let story = Story {
            file: format!("content/articles/s{}.md", self.made),
            title,
            day: 1 + (self.made as u32 * 5) % 27,
            tags: vec!["EV"],
            section: "Markets",
            author: "ana",
            body: format!("Body of story {}, with a marker a.", self.made),
        };
        self.made += 1;
        self.site.write(&story.file, &story.text());
        self.stories.push(story);
    }

    fn save(&self, i: usize) {
        let story = &self.stories[i];
        self.site.write(&story.file, &story.text());
    }

    fn apply(&mut self, edit: &Edit) {
        let count = self.stories.len();
        let pick = |i: usize| (count > 0).then(|| i % count);
        match edit {
            Edit::Body(i, text) => {
                if let Some(i) = pick(*i) {
                    self.stories[i].body = format!("{text} marker a.");
                    self.save(i);
                }
            }
            Edit::Title(i, title) => {
                if let Some(i) = pick(*i) {
                    self.stories[i].title = title.clone();
                    self.save(i);
                }
            }
            Edit::Date(i, day) => {
                if let Some(i) = pick(*i) {
                    self.stories[i].day = *day;
                    self.save(i);
                }
            }
            Edit::Tags(i, tags) => {
                if let Some(i) = pick(*i) {
                    self.stories[i].tags = tags.clone();
                    self.save(i);
                }
            }
            Edit::Section(i, section) => {
                if let Some(i) = pick(*i) {
                    self.stories[i].section = section;
                    self.save(i);
                }
            }
            Edit::Author(i, author) => {
                if let Some(i) = pick(*i) {
                    self.stories[i].author = author;
                    self.save(i);
                }
            }
            Edit::New(title) => self.add(title.clone()),
            Edit::Delete(i) => {
                if let Some(i) = pick(*i) {
                    let story = self.stories.remove(i);
                    fs::remove_file(self.site.root().join(story.file)).unwrap();
                }
            }
            Edit::Template(variant) => self.site.write(
                "templates/404.html",
                &format!("{{% extends \"base.html\" %}}{{% block content %}}<p>Gone, variant {variant}.</p>{{% endblock content %}}"),
            ),
            Edit::PerPage(n) => self
                .site
                .write("site.toml", &format!("{SITE_TOML}per_page = {n}\n")),
            Edit::Static(text) => self.site.write("static/notes.txt", text),
            Edit::SameLengthSameTime(i) => {
                if let Some(i) = pick(*i) {
                    let path = self.site.root().join(&self.stories[i].file);
                    let modified = fs::metadata(&path).unwrap().modified().unwrap();
                    let story = &mut self.stories[i];
                    story.body = match story.body.strip_suffix("marker a.") {
                        Some(rest) => format!("{rest}marker b."),
                        None => story.body.replace("marker b.", "marker a."),
                    };
                    let text = story.text();
                    fs::write(&path, text).unwrap();
                    set_modified(&path, modified);
                }
            }
            Edit::Touch(i) => {
                if let Some(i) = pick(*i) {
                    let path = self.site.root().join(&self.stories[i].file);
                    set_modified(&path, SystemTime::now() + Duration::from_secs(5));
                }
            }
            Edit::Nothing => {}
        }
    }
}

fn set_modified(path: &Path, time: SystemTime) {
    let file = fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_modified(time).unwrap();
}

/// A clean build of the desk's input: a fresh output folder and cache.
fn clean_tree(desk: &Desk) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let elsewhere = tempfile::tempdir().unwrap();
    let out = elsewhere.path().join("out");
    let cache = elsewhere.path().join("cache");
    let run = gazette(
        &[
            "build",
            "--root",
            desk.site.root().to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "--cache-dir",
            cache.to_str().unwrap(),
        ],
        desk.site.root(),
    );
    assert_eq!(run.code, 0, "clean build: {}", run.stderr);
    tree(&out)
}

fn cases() -> u32 {
    std::env::var("GAZETTE_INCREMENTAL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_210_326),
        // A failing sequence is shown as it failed: shrinking rebuilds
        // the site hundreds of times.
        max_shrink_iters: 0,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_build_after_any_edits_equals_a_clean_build(edits in prop::collection::vec(edit(), 1..7)) {
        let mut desk = Desk::new();
        desk.site.build_ok();
        for (step, edit) in edits.iter().enumerate() {
            desk.apply(edit);
            let run = desk.site.build();
            prop_assert_eq!(run.code, 0, "step {} ({:?}): {}", step, edit, run.stderr);
            let reused = tree(&desk.site.public());
            let clean = clean_tree(&desk);
            let paths = |t: &[(std::path::PathBuf, Vec<u8>)]| t.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
            prop_assert_eq!(paths(&reused), paths(&clean), "step {} ({:?}): the same files", step, edit);
            for ((path, a), (_, b)) in reused.iter().zip(&clean) {
                prop_assert!(a == b, "step {} ({:?}): {} differs from a clean build", step, edit, path.display());
            }
        }
    }
}

#[test]
fn nothing_changed_keeps_the_output_and_says_the_last_warnings_again() {
    let desk = Desk::new();
    // A warning the build gives each time: an unknown tag spelling pair.
    desk.site.write(
        "content/articles/w.md",
        "+++\ntitle = \"W\"\ndate = 2021-03-02T10:00:00Z\ntags = [\"ev\"]\n+++\nx\n",
    );
    let first = desk.site.build_ok();
    let second = desk.site.build_ok();
    assert!(
        second
            .stdout
            .starts_with("Nothing changed since the last build: kept "),
        "{}",
        second.stdout
    );
    assert_eq!(first.stderr, second.stderr, "the same warnings");
    assert!(!first.stderr.is_empty(), "a warning to say again");
    // A save that changes nothing but the time: still nothing to do.
    set_modified(
        &desk.site.root().join("content/articles/w.md"),
        SystemTime::now() + Duration::from_secs(10),
    );
    assert!(desk.site.build_ok().stdout.starts_with("Nothing changed"));
    // --full builds anyway.
    let full = desk.site.run(&["build", "--full"]);
    assert!(full.stdout.starts_with("Built "), "{}", full.stdout);
}

#[test]
fn the_cache_is_not_trusted_across_settings_hand_edits_or_a_bad_state_file() {
    let desk = Desk::new();
    desk.site.build_ok();
    // Other settings: a base URL for a preview.
    let preview = desk
        .site
        .run(&["build", "--base-url", "https://preview.example.com"]);
    assert!(
        preview.stderr.contains(
            "note: the build's settings changed since the last build: building everything"
        ),
        "{}",
        preview.stderr
    );
    assert!(
        desk.site
            .read("index.html")
            .contains("https://preview.example.com/")
    );
    desk.site.build_ok();
    assert!(desk.site.build_ok().stdout.starts_with("Nothing changed"));
    // A file of the output edited by hand is put right.
    let page = desk.site.public().join("index.html");
    let original = fs::read(&page).unwrap();
    fs::write(&page, b"defaced").unwrap();
    let run = desk.site.build_ok();
    assert!(
        run.stderr.contains(&format!(
            "note: {} changed since the last build: building everything",
            page.display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read(&page).unwrap(), original);
    // A file added by hand is removed.
    fs::write(desk.site.public().join("planted.html"), "x").unwrap();
    desk.site.build_ok();
    assert!(!desk.site.public().join("planted.html").exists());
    // The same length and modification time, other bytes, deep down.
    let deep = desk.site.public().join("tags/ev/index.html");
    let original = fs::read(&deep).unwrap();
    let modified = fs::metadata(&deep).unwrap().modified().unwrap();
    let mut edited = original.clone();
    edited[0] = b'X';
    fs::write(&deep, &edited).unwrap();
    set_modified(&deep, modified);
    assert!(
        desk.site
            .build_ok()
            .stderr
            .contains("tags/ev/index.html changed since the last build")
    );
    assert_eq!(fs::read(&deep).unwrap(), original);
    // A file deleted, and a folder added, deep down.
    fs::remove_file(&deep).unwrap();
    assert!(desk.site.build_ok().stdout.starts_with("Built "));
    assert_eq!(fs::read(&deep).unwrap(), original);
    fs::create_dir(desk.site.public().join("tags/ev/extra")).unwrap();
    assert!(desk.site.build_ok().stdout.starts_with("Built "));
    assert!(!desk.site.public().join("tags/ev/extra").exists());
    assert!(desk.site.build_ok().stdout.starts_with("Nothing changed"));
    // A state file that does not read.
    let cache = desk.site.root().join(".gazette-cache");
    let state = fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("build-state-")
        })
        .expect("a state file");
    fs::write(&state, "{ not json").unwrap();
    let run = desk.site.build_ok();
    assert!(
        run.stderr
            .contains("note: the build cache's state could not be read: building everything"),
        "{}",
        run.stderr
    );
    assert!(desk.site.build_ok().stdout.starts_with("Nothing changed"));
}

#[test]
fn a_scheduled_article_is_published_by_the_first_build_after_its_time() {
    let desk = Desk::new();
    desk.site.write(
        "content/articles/later.md",
        "+++\ntitle = \"Later\"\ndate = 2030-01-01T00:00:00Z\n+++\nx\n",
    );
    desk.site.run(&["build", "--at", "2029-12-31T00:00:00Z"]);
    let same = desk.site.run(&["build", "--at", "2029-12-31T12:00:00Z"]);
    assert!(
        same.stdout.starts_with("Nothing changed"),
        "{}",
        same.stdout
    );
    let due = desk.site.run(&["build", "--at", "2030-01-01T00:00:01Z"]);
    assert!(
        due.stderr
            .contains("note: a scheduled change is due since the last build: building everything"),
        "{}",
        due.stderr
    );
    assert!(desk.site.read("index.html").contains("Later"));
    let earlier = desk.site.run(&["build", "--at", "2029-12-31T00:00:00Z"]);
    assert!(
        earlier
            .stderr
            .contains("note: this build is for an earlier moment"),
        "{}",
        earlier.stderr
    );
    assert!(!desk.site.read("index.html").contains("Later"));
}
