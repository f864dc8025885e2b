//! Builds that reuse the last build (its output folder and the build cache)
//! against clean builds of the same input: after random sequences of edits
//! (bodies, titles, dates, tags, sections, authors, new and deleted
//! articles, summaries, page, card, footer and shortcode templates, site.toml,
//! static files, and saves that keep a file's length and put its
//! modification time back), every file of the reused output is byte for
//! byte that of a build from nothing. Most single edits take the partial
//! path (only the files a change touches are rendered): the tests below
//! check that it is taken, and the property test that it is right.
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
    /// `partials/card.html`, which every list shows articles with.
    CardTemplate(u8),
    /// The site's own `article.html`, which reuses loop names (a related
    /// story looped as `article`, a part it lacks looked up in the page's
    /// own article), includes a template in a loop and gives a name by
    /// `set_global`; or none (the built-in one).
    ArticleTemplate(u8),
    /// The site's own shortcode, which every story calls.
    Shortcode(u8),
    /// The site's own footer: with an inline script (which drops the
    /// security policy from `_headers`), plain, or listing every section
    /// with its article count (which a new article changes on every page).
    Footer(u8),
    /// A story's body calls the site's shortcode, or does not (a page
    /// whose body calls none is kept by its digest).
    Note(usize, bool),
    /// An author's profile, with one of two bios.
    Bio(bool),
    /// A `readmore` card of one story in another's body, or in the page.
    ReadMore(usize, usize),
    /// A summary in front matter, or none (then it comes from the body).
    Summary(usize, Option<String>),
    /// A lead photo (one of two), or none.
    Photo(usize, Option<u8>),
    PerPage(u8, bool),
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
        (0..3u8).prop_map(Edit::CardTemplate),
        (0..3u8).prop_map(Edit::ArticleTemplate),
        (0..3u8).prop_map(Edit::Shortcode),
        (0..3u8).prop_map(Edit::Footer),
        (i.clone(), any::<bool>()).prop_map(|(i, n)| Edit::Note(i, n)),
        any::<bool>().prop_map(Edit::Bio),
        (0..9usize, i.clone()).prop_map(|(from, to)| Edit::ReadMore(from, to)),
        (i.clone(), prop::option::of(word())).prop_map(|(i, w)| Edit::Summary(i, w)),
        (i.clone(), prop::option::of(0..2u8)).prop_map(|(i, p)| Edit::Photo(i, p)),
        (2..5u8, any::<bool>()).prop_map(|(n, from_oldest)| Edit::PerPage(n, from_oldest)),
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
    summary: Option<String>,
    photo: Option<u8>,
    /// Whether the body calls the site's shortcode.
    note: bool,
    body: String,
}

impl Story {
    fn text(&self) -> String {
        let tags: Vec<String> = self.tags.iter().map(|t| format!("{t:?}")).collect();
        let summary =
            (self.summary.as_ref()).map_or(String::new(), |s| format!("summary = {s:?}\n"));
        let photo = self.photo.map_or(String::new(), |p| {
            format!("image = \"/images/photo{p}.png\"\nimage_alt = \"Test pattern {p}\"\n")
        });
        let note = if self.note { "{{< desknote >}}" } else { "" };
        format!(
            "+++\ntitle = {:?}\ndate = 2021-03-{:02}T10:00:00Z\ncategory = {:?}\ntags = [{}]\nauthor = {:?}\n{summary}{photo}+++\n\n{}\n\n{note}\n",
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
        Desk::with_settings(SITE_TOML)
    }

    /// The desk, with `site_toml` for its settings.
    fn with_settings(site_toml: &str) -> Desk {
        let site = Fixture::new(&[
            ("site.toml", site_toml),
            (
                "content/authors/ana.md",
                "+++\nname = \"Ana Lee\"\n+++\nAna covers autos.\n",
            ),
            (
                "content/authors/bo.md",
                "+++\nname = \"Bo Chan\"\n+++\nBo covers banks.\n",
            ),
            ("static/notes.txt", "first"),
            (
                "templates/shortcodes/desknote.html",
                "<aside>Note, first version.</aside>",
            ),
            (
                "content/pages/about.md",
                "+++\ntitle = \"About\"\n+++\nAbout the desk.\n",
            ),
        ]);
        // Two small photos: stories show them as lead photos, and one of
        // the 404 page's variants asks a template size of one.
        for n in 0..2u8 {
            site.write_bytes(
                &format!("static/images/photo{n}.png"),
                &test_photo(n, 640, 360),
            );
        }
        let mut desk = Desk {
            site,
            stories: Vec::new(),
            made: 0,
        };
        for n in 0..5 {
            desk.add(format!("Story {n}"));
        }
        desk.stories[0].photo = Some(0);
        desk.save(0);
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
            summary: None,
            photo: None,
            note: true,
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
                    fs::remove_file(self.site.root().join(&story.file)).unwrap();
                    // A card of it would be a broken link: it goes too.
                    let target = story.file.trim_start_matches("content/").to_string();
                    for other in 0..self.stories.len() {
                        if self.stories[other].body.contains(&target) {
                            self.stories[other].body = "Body without its card, marker a.".into();
                            self.save(other);
                        }
                    }
                    let page = self.site.root().join("content/pages/about.md");
                    if fs::read_to_string(&page).unwrap().contains(&target) {
                        self.site.write(
                            "content/pages/about.md",
                            "+++\ntitle = \"About\"\n+++\nAbout the desk.\n",
                        );
                    }
                }
            }
            Edit::Template(variant) => {
                // Variant 2 shows a template size of a photo, which only
                // this page asks for.
                let photo = if *variant == 2 {
                    "{% set small = resize_image(path=\"/images/photo1.png\", width=200) %}<img src=\"{{ small.url }}\" alt=\"\">"
                } else {
                    ""
                };
                self.site.write(
                    "templates/404.html",
                    &format!("{{% extends \"base.html\" %}}{{% block content %}}<p>Gone, variant {variant}.</p>{photo}{{% endblock content %}}"),
                )
            }
            Edit::CardTemplate(variant) => self.site.write(
                "templates/partials/card.html",
                &format!("<article class=\"card\"><h2><a href=\"{{{{ article.url }}}}\">{{{{ article.title }}}}</a></h2><p>Card {variant}: {{{{ article.summary_text }}}}</p></article>"),
            ),
            Edit::ArticleTemplate(variant) => {
                let related = match variant {
                    0 => "{% for article in related %}<a href=\"{{ article.url }}\">{{ article.title }}</a> [{{ article.image_caption }}{{ article.dateline }}]{% endfor %}",
                    1 => "{% for story in related %}{% include \"partials/related.html\" %}{% set_global last = story %}{% endfor %}{% if last %}Last: {{ last.date_short }}{% endif %}",
                    _ => {
                        let _ = fs::remove_file(self.site.root().join("templates/article.html"));
                        return;
                    }
                };
                self.site.write(
                    "templates/partials/related.html",
                    "<p>{{ story.title }}, {{ story.summary_text }}</p>",
                );
                self.site.write(
                    "templates/article.html",
                    &format!("{{% extends \"base.html\" %}}{{% block content %}}<h1>{{{{ article.title }}}}</h1>{{{{ article.content | safe }}}}{related}{{% endblock content %}}"),
                )
            }
            Edit::Shortcode(variant) => self.site.write(
                "templates/shortcodes/desknote.html",
                &format!("<aside>Note, variant {variant}.</aside>"),
            ),
            Edit::Footer(variant) => self.site.write(
                "templates/partials/footer.html",
                match variant {
                    0 => "<footer>{{ site.title }}</footer><script>console.log(1)</script>\n",
                    1 => "<footer class=\"site-footer\">{{ site.title }}</footer>\n",
                    _ => "<footer>{% for s in site.sections %}<a href=\"{{ s.url }}\">{{ s.name }}</a> {{ s.count }} {% endfor %}</footer>\n",
                },
            ),
            Edit::Note(i, note) => {
                if let Some(i) = pick(*i) {
                    self.stories[i].note = *note;
                    self.save(i);
                }
            }
            Edit::Bio(second) => self.site.write(
                "content/authors/bo.md",
                if *second {
                    "+++\nname = \"Bo Chan\"\n+++\nBo covers banks and bonds.\n"
                } else {
                    "+++\nname = \"Bo Chan\"\n+++\nBo covers banks.\n"
                },
            ),
            Edit::ReadMore(from, to) => {
                if let (Some(to), Some(_)) = (pick(*to), pick(0)) {
                    let card = format!(
                        "{{{{< readmore \"@/{}\" >}}}}",
                        self.stories[to].file.trim_start_matches("content/")
                    );
                    // 8 is the page, the rest are stories.
                    match pick(*from).filter(|&f| *from < 8 && f != to) {
                        Some(from) => {
                            self.stories[from].body = format!("See also. {card} marker a.");
                            self.save(from);
                        }
                        None => self.site.write(
                            "content/pages/about.md",
                            &format!("+++\ntitle = \"About\"\n+++\nAbout the desk.\n\n{card}\n"),
                        ),
                    }
                }
            }
            Edit::Summary(i, summary) => {
                if let Some(i) = pick(*i) {
                    self.stories[i].summary = summary.clone();
                    self.save(i);
                }
            }
            Edit::Photo(i, photo) => {
                if let Some(i) = pick(*i) {
                    self.stories[i].photo = *photo;
                    self.save(i);
                }
            }
            Edit::PerPage(n, from_oldest) => {
                let numbers = if *from_oldest { "from-oldest" } else { "from-newest" };
                let settings = format!("{SITE_TOML}per_page = {n}\npage_numbers = \"{numbers}\"\n");
                self.site.write("site.toml", &settings)
            }
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

/// A PNG test pattern, `n` giving its colours.
fn test_photo(n: u8, width: u32, height: u32) -> Vec<u8> {
    let mut photo = image::RgbImage::new(width, height);
    for (x, y, px) in photo.enumerate_pixels_mut() {
        *px = image::Rgb([(x % 256) as u8, (y % 256) as u8, 90 + n * 80]);
    }
    let mut png = Vec::new();
    photo
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

fn set_modified(path: &Path, time: SystemTime) {
    let file = fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_modified(time).unwrap();
}

/// A clean build of the desk's input: a fresh output folder and cache.
fn clean_tree(desk: &Desk) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    clean_tree_of(&desk.site)
}

/// A clean build of `site`: a fresh output folder and cache.
fn clean_tree_of(site: &Fixture) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let elsewhere = tempfile::tempdir().unwrap();
    let out = elsewhere.path().join("out");
    let cache = elsewhere.path().join("cache");
    let run = gazette(
        &[
            "build",
            "--root",
            site.root().to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "--cache-dir",
            cache.to_str().unwrap(),
        ],
        site.root(),
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
        edits_then_clean_build(Desk::new(), &edits)?;
    }

    /// The same with two articles a page and the numbered pages counted
    /// from the oldest, which a partial build keeps when articles come.
    #[test]
    fn a_build_after_any_edits_equals_a_clean_build_with_pages_numbered_from_the_oldest(
        edits in prop::collection::vec(edit(), 1..7)
    ) {
        let settings = format!("{SITE_TOML}per_page = 2\npage_numbers = \"from-oldest\"\n");
        edits_then_clean_build(Desk::with_settings(&settings), &edits)?;
    }
}

/// Builds `desk`, then applies each of `edits` and builds again, and
/// compares each output with a clean build of the same input.
fn edits_then_clean_build(mut desk: Desk, edits: &[Edit]) -> Result<(), TestCaseError> {
    desk.site.build_ok();
    for (step, edit) in edits.iter().enumerate() {
        desk.apply(edit);
        let run = desk.site.build();
        prop_assert_eq!(run.code, 0, "step {} ({:?}): {}", step, edit, run.stderr);
        let reused = tree(&desk.site.public());
        let clean = clean_tree(&desk);
        let paths = |t: &[(std::path::PathBuf, Vec<u8>)]| {
            t.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>()
        };
        prop_assert_eq!(
            paths(&reused),
            paths(&clean),
            "step {} ({:?}): the same files",
            step,
            edit
        );
        for ((path, a), (_, b)) in reused.iter().zip(&clean) {
            prop_assert!(
                a == b,
                "step {} ({:?}): {} differs from a clean build",
                step,
                edit,
                path.display()
            );
        }
    }
    Ok(())
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
    // A state file that does not read: not one at all, cut short, or
    // changed by one byte.
    let state = state_file(&desk);
    let good = fs::read(&state).unwrap();
    let mut flipped = good.clone();
    *flipped.last_mut().unwrap() ^= 1;
    for damaged in [&b"{ not json"[..], &good[..good.len() / 2], &flipped[..]] {
        fs::write(&state, damaged).unwrap();
        let run = desk.site.build_ok();
        assert!(
            run.stderr
                .contains("note: the build cache's state could not be read: building everything"),
            "{}",
            run.stderr
        );
        assert!(desk.site.build_ok().stdout.starts_with("Nothing changed"));
    }
    // A state an older gazette kept, in its own format: the header names
    // the kind of file (`stat`) and its format, here 1.
    let mut older = b"gazette\0stat".to_vec();
    older.extend_from_slice(&1u32.to_le_bytes());
    older.extend_from_slice(&good[16..]);
    fs::write(&state, older).unwrap();
    let run = desk.site.build_ok();
    assert!(
        run.stderr.contains("note: the build cache's state was kept by another version of gazette: building everything"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.starts_with("Built "), "{}", run.stdout);
    // The output folders' records, damaged: the output is not vouched for.
    assert!(desk.site.build_ok().stdout.starts_with("Nothing changed"));
    let records = desk.site.root().join(".public.gazette-cache");
    for entry in fs::read_dir(&records).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "record") {
            let mut bytes = fs::read(&path).unwrap();
            *bytes.last_mut().unwrap() ^= 1;
            fs::write(&path, bytes).unwrap();
        }
    }
    let run = desk.site.build_ok();
    assert!(
        run.stderr.contains(&format!(
            "note: {} has no record of the last build, or a folder of it changed: building everything",
            desk.site.public().display()
        )),
        "{}",
        run.stderr
    );
    assert!(run.stdout.starts_with("Built "), "{}", run.stdout);
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

/// The build state the desk's builds keep in its cache folder.
fn state_file(desk: &Desk) -> std::path::PathBuf {
    let cache = desk.site.root().join(".gazette-cache");
    fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("build-state-")
        })
        .expect("a state file")
}

/// The files of the output folder and their modification times.
fn times(dir: &Path) -> Vec<(std::path::PathBuf, SystemTime)> {
    common::files_under(dir)
        .into_iter()
        .map(|p| {
            let time = fs::metadata(&p).unwrap().modified().unwrap();
            (p, time)
        })
        .collect()
}

/// The number of files a build's summary says it rendered again, and the
/// change it names: `Rebuilt 9 of 60 files (1 article changed) in …`.
fn rebuilt(stdout: &str) -> (usize, String) {
    let rest = stdout
        .strip_prefix("Rebuilt ")
        .unwrap_or_else(|| panic!("not a partial build: {stdout}"));
    let (count, rest) = rest.split_once(" of ").unwrap();
    let why = rest.split_once('(').unwrap().1.split_once(')').unwrap().0;
    (count.parse().unwrap(), why.to_string())
}

#[test]
fn an_edit_of_one_body_renders_only_the_files_that_show_it() {
    let mut desk = Desk::new();
    for i in 0..desk.stories.len() {
        desk.stories[i].summary = Some(format!("Summary {i}."));
        desk.save(i);
    }
    // An article in another section, with other tags: its page shows
    // none of the others.
    desk.site.write(
        "content/articles/apart.md",
        "+++\ntitle = \"Apart\"\ndate = 2021-02-01T10:00:00Z\ncategory = \"Tech\"\nauthor = \"bo\"\n+++\nAlone.\n",
    );
    desk.site.build_ok();
    let before = times(&desk.site.public());
    std::thread::sleep(Duration::from_millis(20));
    desk.stories[2].body = "A new first paragraph, edited at noon.".into();
    desk.save(2);
    let run = desk.site.build_ok();
    let (count, why) = rebuilt(&run.stdout);
    assert_eq!(why, "1 article changed");
    let files = before.len();
    assert!(
        run.stdout.contains(&format!(" of {files} files (")),
        "{}",
        run.stdout
    );
    // Its page, and the pages that show it: the front page, its section,
    // tag and author pages, their feeds, the site's feeds, the related
    // articles' pages. Not the search index (its summary is given), the
    // other section's pages, or the page of the article apart.
    assert!(count > 0 && count < files / 2, "{count} of {files}");
    let page = desk.site.read("2021/03/11/s2/index.html");
    assert!(page.contains("A new first paragraph, edited at noon."));
    let touched = touched(&desk, &before);
    assert_not_written(
        &touched,
        &[
            "2021/02/01/apart/index.html",
            "categories/tech/index.html",
            "search/index.html",
            "robots.txt",
        ],
    );
    assert!(
        touched.iter().any(|t| t == "2021/03/11/s2/index.html"),
        "{touched:?}"
    );
    assert!(
        !touched.iter().any(|t| t.starts_with("search-index/")),
        "{touched:?}"
    );
    // The same bytes as a build from nothing.
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));
    // A second edit, after the build that changed the first: the staging
    // folder holds older copies, which must not come back.
    desk.stories[0].body = "Story zero, rewritten.".into();
    desk.save(0);
    assert_eq!(rebuilt(&desk.site.build_ok().stdout).1, "1 article changed");
    assert!(
        desk.site
            .read("2021/03/11/s2/index.html")
            .contains("A new first paragraph, edited at noon.")
    );
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));
}

#[test]
fn a_template_edit_renders_the_pages_made_with_it_and_a_new_article_the_pages_it_changes() {
    let mut desk = Desk::new();
    desk.site.build_ok();
    desk.apply(&Edit::Template(1));
    let run = desk.site.build_ok();
    // The 404 page, and `_headers` (whose policy hangs on every template).
    assert_eq!(rebuilt(&run.stdout), (2, "1 template changed".to_string()));
    assert!(desk.site.read("404.html").contains("Gone, variant 1."));
    // A shortcode template shows inside every body that calls it.
    desk.apply(&Edit::Shortcode(2));
    let (count, why) = rebuilt(&desk.site.build_ok().stdout);
    assert_eq!(why, "1 template changed");
    assert!(count > 5, "{count}");
    assert!(
        desk.site
            .read("2021/03/01/s0/index.html")
            .contains("Note, variant 2.")
    );
    // A static file changed in place: no page renders again.
    desk.apply(&Edit::Static("second".into()));
    let run = desk.site.build_ok();
    assert_eq!(
        rebuilt(&run.stdout),
        (0, "static or bundle files changed".to_string())
    );
    assert_eq!(desk.site.read("notes.txt"), "second");
    // A new article, or a changed date, moves articles among the others:
    // each page is kept by its digest (every story here calls a shortcode,
    // so every story's page renders again).
    desk.apply(&Edit::New("Fresh".into()));
    let (_, why) = rebuilt(&desk.site.build_ok().stdout);
    assert_eq!(why, "1 content file added");
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));
    desk.apply(&Edit::Date(1, 20));
    let (_, why) = rebuilt(&desk.site.build_ok().stdout);
    assert_eq!(why, "1 content file changed");
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));
    // Anything but content files: everything again.
    desk.apply(&Edit::PerPage(3, false));
    assert!(desk.site.build_ok().stdout.starts_with("Built "));
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));
}

/// The files under the output whose modification time differs between
/// two [`times`] of it, from the output folder.
fn touched(desk: &Desk, before: &[(std::path::PathBuf, SystemTime)]) -> Vec<String> {
    let after = times(&desk.site.public());
    let before: std::collections::HashMap<_, _> = before.iter().cloned().collect();
    (after.iter())
        .filter(|(p, t)| before.get(p) != Some(t))
        .map(|(p, _)| {
            let relative = p.strip_prefix(desk.site.public()).unwrap();
            relative.display().to_string()
        })
        .collect()
}

/// Fails naming each of `kept` that is among the `touched` files.
fn assert_not_written(touched: &[String], kept: &[&str]) {
    for kept in kept {
        assert!(
            !touched.iter().any(|t| t == kept),
            "{kept} was rewritten: {touched:?}"
        );
    }
}

#[test]
fn a_new_article_renders_only_the_pages_whose_readable_context_it_changes() {
    let mut desk = Desk::new();
    for i in 0..desk.stories.len() {
        desk.stories[i].note = false;
        desk.save(i);
    }
    // An article in another section, with no tags and another author:
    // nothing on its page shows a story of the Markets desk.
    desk.site.write(
        "content/articles/apart.md",
        "+++\ntitle = \"Apart\"\ndate = 2021-02-01T10:00:00Z\ncategory = \"Tech\"\nauthor = \"bo\"\n+++\nAlone.\n",
    );
    desk.site.build_ok();
    let files = times(&desk.site.public()).len();
    let before = times(&desk.site.public());
    std::thread::sleep(Duration::from_millis(20));
    desk.apply(&Edit::New("Fresh".into()));
    let run = desk.site.build_ok();
    let (count, why) = rebuilt(&run.stdout);
    assert_eq!(why, "1 content file added");
    // Files made without a template (feeds, sitemaps, the search index)
    // are made again, and written only if their bytes changed.
    assert!(count > 0 && count < files, "{count} of {files}");
    let touched_now = touched(&desk, &before);
    // Every page counts the sections' articles (`site.sections`), and the
    // author boxes their authors' (`article_count`): no template prints
    // either, so pages that do not show the new story are kept.
    assert_not_written(
        &touched_now,
        &[
            "2021/02/01/apart/index.html",
            "categories/tech/index.html",
            "categories/tech/feed.xml",
            "robots.txt",
            "search/index.html",
        ],
    );
    for shown in ["index.html", "categories/markets/index.html", "sitemap.xml"] {
        assert!(
            touched_now.iter().any(|t| t == shown),
            "{shown} was kept: {touched_now:?}"
        );
    }
    assert!(desk.site.read("index.html").contains("Fresh"));
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));

    // A footer that prints each section's count: now a new article changes
    // every page that has the footer.
    desk.apply(&Edit::Footer(2));
    desk.site.build_ok();
    let before = times(&desk.site.public());
    std::thread::sleep(Duration::from_millis(20));
    desk.apply(&Edit::New("Later".into()));
    let (_, why) = rebuilt(&desk.site.build_ok().stdout);
    assert_eq!(why, "1 content file added");
    let touched_now = touched(&desk, &before);
    assert!(
        touched_now
            .iter()
            .any(|t| t == "2021/02/01/apart/index.html"),
        "{touched_now:?}"
    );
    assert!(
        desk.site
            .read("2021/02/01/apart/index.html")
            .contains("Markets</a> 7")
    );
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));

    // A deleted article and an author's new bio, in one build.
    desk.apply(&Edit::Delete(0));
    desk.apply(&Edit::Bio(true));
    let (_, why) = rebuilt(&desk.site.build_ok().stdout);
    assert_eq!(why, "1 content file deleted, 1 changed");
    assert!(
        desk.site
            .read("2021/02/01/apart/index.html")
            .contains("banks and bonds")
    );
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));
}

/// A desk built twice, the second time after a body edit, so that the
/// staging folder holds a full earlier output.
fn desk_built_twice() -> Desk {
    let mut desk = Desk::new();
    desk.site.build_ok();
    desk.stories[1].body = "First change.".into();
    desk.save(1);
    desk.site.build_ok();
    desk
}

#[test]
fn a_partial_build_puts_right_a_kept_file_edited_by_hand() {
    let mut desk = desk_built_twice();
    let robots = desk.site.public().join("robots.txt");
    let original = fs::read(&robots).unwrap();
    fs::write(&robots, b"User-agent: *\nDisallow: /\n").unwrap();
    desk.stories[1].body = "Second change.".into();
    desk.save(1);
    let run = desk.site.build_ok();
    assert!(run.stdout.starts_with("Rebuilt "), "{}", run.stdout);
    assert_eq!(fs::read(&robots).unwrap(), original);
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));
}

/// The output's own record is read without a look at its folders (a file
/// is taken from the output only after a hash check), so a file planted
/// in the output does not stop partial builds, and it is never published:
/// the swap makes that folder the staging folder, whose record is checked
/// folder by folder before anything of it is kept.
#[test]
fn a_file_planted_in_the_output_is_never_published_by_the_partial_builds_after_it() {
    let mut desk = desk_built_twice();
    let planted = desk.site.public().join("tags/ev/planted.html");
    fs::write(&planted, "planted").unwrap();
    let staging = desk.site.root().join(".public.gazette-staging");
    for (round, body) in ["Second change.", "Third change.", "Fourth change."]
        .into_iter()
        .enumerate()
    {
        desk.stories[1].body = body.into();
        desk.save(1);
        let run = desk.site.build_ok();
        // Only what shows the story: the planted file does not make the
        // output's files unusable.
        let (count, _) = rebuilt(&run.stdout);
        let files = clean_tree(&desk).len();
        assert!(count < files / 2, "round {round}: {}", run.stdout);
        assert!(!planted.exists(), "round {round}");
        assert_eq!(
            tree(&desk.site.public()),
            clean_tree(&desk),
            "round {round}"
        );
    }
    let left: Vec<_> = (common::files_under(&staging).into_iter())
        .filter(|p| p.ends_with("planted.html"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(desk.site.build_ok().stdout.starts_with("Nothing changed"));
}

#[test]
fn a_card_in_a_page_or_a_feed_follows_the_article_it_shows() {
    let mut desk = Desk::new();
    // The page and story 0 each show story 1's card; the feeds carry
    // story 0 whole, card included.
    desk.apply(&Edit::ReadMore(8, 1));
    desk.apply(&Edit::ReadMore(0, 1));
    desk.site.build_ok();
    assert!(desk.site.read("about/index.html").contains("Story 1"));
    desk.apply(&Edit::Title(1, "Renamed headline".into()));
    let run = desk.site.build_ok();
    assert_eq!(rebuilt(&run.stdout).1, "1 article changed");
    assert!(
        desk.site
            .read("about/index.html")
            .contains("Renamed headline")
    );
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));
}

#[test]
fn a_variable_templates_read_is_a_setting_of_the_build() {
    let desk = Desk::new();
    desk.site.write(
        "templates/partials/footer.html",
        "<footer>{{ get_env(name=\"GAZETTE_EDITION\", default=\"none\") }} edition</footer>\n",
    );
    let with = |edition: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gazette"))
            .args(["build", "--root", desk.site.root().to_str().unwrap()])
            .env("GAZETTE_EDITION", edition)
            .env("GAZETTE_TIMINGS", "1")
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(with("Asia").starts_with("Built "));
    assert!(desk.site.read("index.html").contains("Asia edition"));
    // The same value (GAZETTE_TIMINGS aside): nothing to do.
    assert!(with("Asia").starts_with("Nothing changed"));
    let europe = with("Europe");
    assert!(europe.starts_with("Built "), "{europe}");
    assert!(desk.site.read("index.html").contains("Europe edition"));
}

/// One state is kept per output folder; a build lets go of the states of
/// folders that are gone, and of an earlier gazette's JSON states, but not
/// of a file it cannot read as a state.
#[test]
fn the_states_of_output_folders_that_are_gone_are_removed() {
    let mut desk = Desk::new();
    let cache = desk.site.root().join(".gazette-cache");
    let states = || {
        let mut names: Vec<String> = fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("build-state-"))
            .collect();
        names.sort();
        names
    };
    desk.site.build_ok();
    let own = states();
    assert_eq!(own.len(), 1, "{own:?}");
    let preview = desk.site.root().join("preview");
    let elsewhere = tempfile::tempdir().unwrap();
    for output in [&preview, &elsewhere.path().join("public")] {
        let run = desk
            .site
            .run(&["build", "--output", output.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    assert_eq!(states().len(), 3);
    fs::write(cache.join("build-state-00000000000000aa.json"), "{}").unwrap();
    fs::write(
        cache.join("build-state-00000000000000bb.bin"),
        "not a state",
    )
    .unwrap();
    fs::remove_dir_all(&preview).unwrap();
    desk.stories[1].body = "An edit.".into();
    desk.save(1);
    assert!(desk.site.build_ok().stdout.starts_with("Rebuilt "));
    let left = states();
    assert_eq!(left.len(), 3, "{left:?}");
    assert!(left.contains(&own[0]));
    assert!(left.contains(&"build-state-00000000000000bb.bin".to_string()));
    // The other output's state is still its own: nothing changed there
    // but the edit.
    let run = desk.site.run(&[
        "build",
        "--output",
        elsewhere.path().join("public").to_str().unwrap(),
    ]);
    assert!(run.stdout.starts_with("Rebuilt "), "{}", run.stdout);
}

#[test]
fn a_state_file_from_elsewhere_vouches_for_nothing() {
    let mut desk = Desk::new();
    desk.site.build_ok();
    let state = state_file(&desk);
    // A state kept with another output (another site's, one committed
    // into this one, or this output's before the last build) names the
    // record of that output: here, the state of the first build, put back
    // after a second one swapped the other output folder in.
    let forged = fs::read(&state).unwrap();
    desk.site.run(&["build", "--full"]);
    fs::write(&state, &forged).unwrap();
    let run = desk.site.build_ok();
    assert!(
        run.stderr.contains(
            "note: the build cache's state was not kept for this output folder: building everything"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.starts_with("Built "), "{}", run.stdout);
    // Nor for a partial build.
    fs::write(&state, &forged).unwrap();
    desk.stories[1].body = "An edit.".into();
    desk.save(1);
    let run = desk.site.build_ok();
    assert!(run.stdout.starts_with("Built "), "{}", run.stdout);
    // The state the build kept is its own again.
    desk.stories[1].body = "Another edit.".into();
    desk.save(1);
    assert!(desk.site.build_ok().stdout.starts_with("Rebuilt "));
}

#[test]
fn a_partial_build_makes_the_photo_files_of_the_pages_it_keeps() {
    let mut desk = Desk::new();
    // A story with a large lead photo, and a 404 page that asks a size of
    // another photo through its template: the files made of them are made
    // when those pages render, and must be made when the pages are kept.
    desk.site
        .write_bytes("static/images/lead.png", &test_photo(2, 1600, 900));
    desk.site.write(
        "content/articles/photo.md",
        "+++\ntitle = \"With a photo\"\ndate = 2021-02-01T10:00:00Z\nimage = \"/images/lead.png\"\nimage_alt = \"A test pattern\"\n+++\nShown with its photo.\n",
    );
    desk.apply(&Edit::Template(2));
    desk.site.build_ok();
    let photo_page = desk.site.public().join("2021/02/01/photo/index.html");
    let made = |desk: &Desk| -> Vec<String> {
        let dir = desk.site.public().join("images");
        let mut names: Vec<String> = (fs::read_dir(dir).unwrap())
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = made(&desk);
    assert!(
        before.contains(&"lead-1200x630.jpg".to_string()),
        "{before:?}"
    );
    assert!(
        before.contains(&"photo1-200w.png".to_string()),
        "{before:?}"
    );
    let page_time = fs::metadata(&photo_page).unwrap().modified().unwrap();

    desk.stories[2].body = "An edit elsewhere.".into();
    desk.save(2);
    let run = desk.site.build_ok();
    let (rendered, why) = rebuilt(&run.stdout);
    assert_eq!(why, "1 article changed");
    let total = times(&desk.site.public()).len();
    assert!(rendered * 2 < total, "{}", run.stdout);
    // The photo's page and the 404 page were kept, and their files made.
    assert_eq!(
        fs::metadata(&photo_page).unwrap().modified().unwrap(),
        page_time
    );
    assert_eq!(made(&desk), before);
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));

    // A second partial build keeps them again, from the asks the first kept.
    desk.stories[3].body = "Another edit elsewhere.".into();
    desk.save(3);
    assert!(desk.site.build_ok().stdout.starts_with("Rebuilt "));
    assert_eq!(made(&desk), before);
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));

    // The template no longer asks: its file goes, as in a clean build.
    desk.apply(&Edit::Template(0));
    assert!(desk.site.build_ok().stdout.starts_with("Rebuilt "));
    assert!(!made(&desk).contains(&"photo1-200w.png".to_string()));
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));
}

#[test]
fn a_summary_edit_that_changes_the_search_files_makes_the_index_again() {
    let mut desk = Desk::new();
    // A summary of 30,000 distinct words: the split index needs several
    // words files for it, and one once the summary is gone.
    let words: Vec<String> = (0..30_000).map(|n| format!("w{n}")).collect();
    desk.stories[1].summary = Some(words.join(" "));
    desk.save(1);
    // Its summary given, story 3's body can change without the index.
    desk.stories[3].summary = Some("A summary of its own.".into());
    desk.save(3);
    desk.site.build_ok();
    let words_files = |desk: &Desk| {
        fs::read_dir(desk.site.public().join("search-index/w"))
            .unwrap()
            .count()
    };
    let before = words_files(&desk);
    assert!(before > 2, "{before} words files");

    desk.stories[1].summary = None;
    desk.save(1);
    let run = desk.site.build_ok();
    assert_eq!(rebuilt(&run.stdout).1, "1 article changed");
    assert!(words_files(&desk) < before);
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));

    // A body edit elsewhere keeps the index, and its files, as they are.
    let kept = times(&desk.site.public().join("search-index"));
    desk.stories[3].body = "An edit that leaves titles and summaries alone.".into();
    desk.save(3);
    desk.site.build_ok();
    assert_eq!(times(&desk.site.public().join("search-index")), kept);
    assert_eq!(tree(&desk.site.public()), clean_tree(&desk));
}

/// The Markdown cache's index (`.gazette-cache/markdown/index.bin`), read
/// as JSON.
fn markdown_index(site: &Fixture) -> serde_json::Value {
    let path = site.root().join(".gazette-cache/markdown/index.bin");
    gazette::testing::markdown_index_as_json(&fs::read(path).unwrap()).unwrap()
}

fn write_markdown_index(site: &Fixture, index: &serde_json::Value) {
    let path = site.root().join(".gazette-cache/markdown/index.bin");
    fs::write(
        path,
        gazette::testing::markdown_index_from_json(index).unwrap(),
    )
    .unwrap();
}

/// Damages the packed text at `span` (`[at, len, hash]` of the Markdown
/// cache's index) in the bodies file: its words, past its size, in
/// capitals.
fn uppercase_span(bodies: &Path, span: &serde_json::Value) {
    let (at, len) = (
        span[0].as_u64().unwrap() as usize,
        span[1].as_u64().unwrap() as usize,
    );
    let mut bytes = fs::read(bodies).unwrap();
    for b in &mut bytes[at + 8..at + len] {
        *b = b.to_ascii_uppercase();
    }
    fs::write(bodies, bytes).unwrap();
}

/// Rewrites what the cache keeps of the article file `path` as loaded
/// (packed in the bodies file) with `edit` (of it as JSON), as a later build
/// would find it: appended, with its span, hash and the file's end in
/// the index.
fn edit_kept_load(site: &Fixture, path: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut index = markdown_index(site);
    let bodies = site.root().join(".gazette-cache/markdown/bodies-0.bin");
    let mut bytes = fs::read(&bodies).unwrap();
    let span = &index["loads"][path]["doc"];
    let (at, len) = (
        span[0].as_u64().unwrap() as usize,
        span[1].as_u64().unwrap() as usize,
    );
    let text = lz4_flex::decompress_size_prepended(&bytes[at..at + len]).unwrap();
    let mut kept = gazette::testing::kept_load_as_json(&text).unwrap();
    edit(&mut kept);
    let bytes_again = gazette::testing::kept_load_from_json(&kept).unwrap();
    let packed = lz4_flex::compress_prepend_size(&bytes_again);
    let hash = xxhash_rust::xxh3::xxh3_64(&packed);
    index["loads"][path]["doc"] = serde_json::json!([bytes.len(), packed.len(), hash]);
    bytes.extend_from_slice(&packed);
    index["end"] = bytes.len().into();
    fs::write(&bodies, bytes).unwrap();
    write_markdown_index(site, &index);
}

/// An article file whose bytes are as when the last build loaded it is
/// taken as that build loaded it, not read or parsed again: shown by
/// changing the title the cache keeps, which its page then shows; an
/// edit of the file loads it again.
#[test]
fn an_unchanged_article_file_is_taken_from_the_cache_as_loaded_and_an_edited_one_is_read() {
    let site = cars_and_phones(&[]);
    site.build_ok();
    let title = |site: &Fixture| {
        let page = site.read("2021/03/01/cars/index.html");
        let start = page.find("<title>").unwrap() + "<title>".len();
        page[start..start + page[start..].find('<').unwrap()].to_string()
    };
    assert!(title(&site).starts_with("Cars"), "{}", title(&site));
    edit_kept_load(&site, "content/articles/cars.md", |kept| {
        kept["meta"]["title"] = "Kept by the cache".into();
    });
    // A new article, so the build loads the site and renders every page.
    let add = |n: u32| {
        site.write(
            &format!("content/articles/extra-{n}.md"),
            &story(&format!("Extra {n}"), 20 + n, "More."),
        )
    };
    add(1);
    site.build_ok();
    assert!(
        title(&site).starts_with("Kept by the cache"),
        "{}",
        title(&site)
    );
    // Under other settings the file is loaded again.
    site.write(
        "site.toml",
        &SITE_TOML.replace("timezone = \"Asia/Hong_Kong\"", "timezone = \"UTC\""),
    );
    site.build_ok();
    assert!(title(&site).starts_with("Cars"), "{}", title(&site));
    edit_kept_load(&site, "content/articles/cars.md", |kept| {
        kept["meta"]["title"] = "Kept by the cache".into();
    });
    add(2);
    site.build_ok();
    assert!(
        title(&site).starts_with("Kept by the cache"),
        "{}",
        title(&site)
    );
    // An edit of the file is read.
    site.write(
        "content/articles/cars.md",
        &story("Cars again", 1, "Xiaomi **builds** cars."),
    );
    site.build_ok();
    assert!(title(&site).starts_with("Cars again"), "{}", title(&site));
    // As is a --full build's.
    edit_kept_load(&site, "content/articles/cars.md", |kept| {
        kept["meta"]["title"] = "Kept by the cache".into();
    });
    add(3);
    let run = site.run(&["build", "--full"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(title(&site).starts_with("Cars again"), "{}", title(&site));
}

/// A partial build renders only the cards of the files it renders, yet
/// the photo files a card template asks for (`resize_image`) stay
/// published for the lists it keeps: each page that shows a card asks for
/// them too.
#[test]
fn photos_a_card_template_asks_for_stay_when_the_lists_showing_them_are_kept() {
    // An old photo story, alone in its year and section, and newer ones
    // without photos: an edit of the newest renders no list that shows
    // the old story's card.
    let old = "+++\ntitle = \"Old story\"\ndate = 2015-06-01T10:00:00Z\ncategory = \"Archive\"\nimage = \"/images/photo0.png\"\nimage_alt = \"Pattern\"\n+++\nOld body.\n";
    let filler = |n: u32, body: &str| {
        format!(
            "+++\ntitle = \"Filler {n}\"\ndate = 2021-0{n}-01T10:00:00Z\ncategory = \"News\"\n+++\n{body}\n"
        )
    };
    let card = "{% if article.image %}{% set small = resize_image(path=article.image, width=120) %}<img src=\"{{ small.url }}\" alt=\"\">{% endif %}<h2>{{ article.title }}</h2>";
    let mut files = vec![
        (
            "site.toml".to_string(),
            format!("{SITE_TOML}per_page = 1\n[feed]\nlimit = 1\n"),
        ),
        ("content/articles/old.md".to_string(), old.to_string()),
        ("templates/partials/card.html".to_string(), card.to_string()),
    ];
    for n in 1..=6 {
        files.push((format!("content/articles/f{n}.md"), filler(n, "Body.")));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let site = Fixture::new(&files);
    site.write_bytes("static/images/photo0.png", &test_photo(0, 320, 180));
    site.build_ok();
    let thumbnail = site.public().join("images/photo0-120w.png");
    assert!(thumbnail.is_file());
    for round in 0..2 {
        site.write(
            "content/articles/f6.md",
            &filler(6, &format!("Body, edit {round}.")),
        );
        let run = site.run(&["build"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.contains("Rebuilt "),
            "a partial build: {}",
            run.stdout
        );
        assert!(thumbnail.is_file(), "round {round}: {}", run.stdout);
    }
    assert!(
        tree(&site.public()) == clean_tree_of(&site),
        "the output is a clean build's"
    );
}

/// A summary written apart is rendered with the body and kept with it:
/// an edit of the summary alone is shown, and one taken back finds the
/// earlier rendering, never the other's.
#[test]
fn a_written_summary_is_kept_with_its_body_and_an_edit_of_it_alone_is_shown() {
    let with_summary = |summary: &str| {
        format!(
            "+++\ntitle = \"Cars\"\ndate = 2021-03-01T10:00:00Z\nsummary = \"{summary}\"\n+++\nXiaomi **builds** cars.\n"
        )
    };
    let site = Fixture::new(&[
        ("site.toml", SITE_TOML),
        (
            "content/articles/cars.md",
            &with_summary("Xiaomi *joins* Great Wall"),
        ),
    ]);
    let description = |site: &Fixture| {
        let page = site.read("2021/03/01/cars/index.html");
        let at = page.find("<meta name=\"description\" content=\"").unwrap() + 34;
        page[at..at + page[at..].find('"').unwrap()].to_string()
    };
    site.build_ok();
    assert_eq!(description(&site), "Xiaomi joins Great Wall");
    assert!(
        site.read("feed.xml")
            .contains("Xiaomi &lt;em&gt;joins&lt;/em&gt; Great Wall")
    );
    for summary in ["A deal *for* electric cars", "Xiaomi *joins* Great Wall"] {
        site.write("content/articles/cars.md", &with_summary(summary));
        site.build_ok();
        assert_eq!(description(&site), summary.replace('*', ""));
        let feed = site.read("feed.xml");
        let html = summary
            .replacen('*', "&lt;em&gt;", 1)
            .replacen('*', "&lt;/em&gt;", 1);
        assert!(feed.contains(&html), "{feed}");
    }
}

/// What the load checks under the site's settings is checked again when
/// they change: a date written without a time zone is read in the new
/// one, never taken as the cache kept it.
#[test]
fn a_kept_article_is_loaded_again_when_the_settings_it_was_checked_under_change() {
    let article = "+++\ntitle = \"Cars\"\ndate = 2021-03-26T09:30:00\ncategory = \"Business\"\n+++\nXiaomi builds cars.\n";
    let site = Fixture::new(&[
        ("site.toml", SITE_TOML),
        ("content/articles/cars.md", article),
    ]);
    site.build_ok();
    let page = site.read("2021/03/26/cars/index.html");
    assert!(page.contains("2021-03-26T09:30:00+08:00"), "{page}");
    site.write(
        "site.toml",
        &SITE_TOML.replace(
            "timezone = \"Asia/Hong_Kong\"",
            "timezone = \"Europe/London\"",
        ),
    );
    site.build_ok();
    let page = site.read("2021/03/26/cars/index.html");
    assert!(page.contains("2021-03-26T09:30:00+00:00"), "{page}");
    assert!(!page.contains("+08:00"), "{page}");
}

/// A bundle's article file kept as loaded still gets the bundle's files
/// as they are now: one added beside an unchanged index.md is published.
#[test]
fn a_kept_bundle_article_gets_the_files_added_to_its_folder() {
    let site = Fixture::new(&[
        ("site.toml", SITE_TOML),
        (
            "content/articles/cars/index.md",
            &story(
                "Cars",
                1,
                "The [filing](filing.txt) and the [chart](chart.csv).",
            ),
        ),
        ("content/articles/cars/filing.txt", "Filing."),
    ]);
    site.build_ok();
    assert_eq!(site.read("2021/03/01/cars/filing.txt"), "Filing.");
    assert!(!site.public().join("2021/03/01/cars/chart.csv").exists());
    site.write("content/articles/cars/chart.csv", "year,cars\n2021,0\n");
    site.build_ok();
    assert_eq!(
        site.read("2021/03/01/cars/chart.csv"),
        "year,cars\n2021,0\n"
    );
    assert_eq!(site.read("2021/03/01/cars/filing.txt"), "Filing.");
}

/// A desk of two stories, `cars.md` (1 March) and `phones.md` (2 March),
/// and `more` files.
fn cars_and_phones(more: &[(&str, &str)]) -> Fixture {
    let cars = story("Cars", 1, "Xiaomi **builds** cars.");
    let phones = story("Phones", 2, "Phone sales *rebound*.");
    let mut files = vec![
        ("site.toml", SITE_TOML),
        ("content/articles/cars.md", cars.as_str()),
        ("content/articles/phones.md", phones.as_str()),
    ];
    files.extend_from_slice(more);
    Fixture::new(&files)
}

fn story(title: &str, day: u32, body: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\ndate = 2021-03-{day:02}T10:00:00Z\ncategory = \"Business\"\n+++\n{body}\n"
    )
}

/// A body whose text, URL and mode are as in the last build is taken from
/// the Markdown cache, not rendered again: shown here by pointing one
/// story's entry at another's HTML, which its page then shows; an edit of
/// the story renders it again.
#[test]
fn an_unchanged_body_comes_from_the_markdown_cache_and_an_edited_one_is_rendered() {
    let site = cars_and_phones(&[(
        "content/articles/chips.md",
        &story("Chips", 3, "A chip plant opens."),
    )]);
    site.build_ok();
    let mut index = markdown_index(&site);
    let entries = index["entries"].as_object_mut().unwrap();
    assert_eq!(entries.len(), 3, "{entries:?}");
    let phones_html = entries["articles/phones.md"]["html"].clone();
    entries.get_mut("articles/cars.md").unwrap()["html"] = phones_html;
    write_markdown_index(&site, &index);
    // A new site title: every page is rendered again, and the cars body
    // comes from the cache.
    site.write("site.toml", &SITE_TOML.replace("Edit Desk", "The Desk"));
    site.build_ok();
    let cars = site.read("2021/03/01/cars/index.html");
    assert!(
        cars.contains("<p>Phone sales <em>rebound</em>.</p>"),
        "{cars}"
    );
    assert!(!cars.contains("<p>Xiaomi"), "{cars}");
    // Its own edit is rendered, and kept for the next build.
    site.write(
        "content/articles/cars.md",
        &story("Cars", 1, "Xiaomi **builds** EVs."),
    );
    site.build_ok();
    let cars = site.read("2021/03/01/cars/index.html");
    assert!(
        cars.contains("Xiaomi <strong>builds</strong> EVs."),
        "{cars}"
    );
    let index = markdown_index(&site);
    assert_ne!(
        index["entries"]["articles/cars.md"]["html"],
        index["entries"]["articles/phones.md"]["html"]
    );
}

/// Damaged cache files cost the build its shortcut, never its output: a
/// bodies file whose bytes changed, one cut short, an index that does not
/// read, and one of another format each give the bytes of a clean build.
#[test]
fn a_damaged_markdown_cache_is_rendered_again_never_published() {
    let site = Fixture::new(&[
        ("site.toml", SITE_TOML),
        (
            "content/articles/cars.md",
            &story("Cars", 1, "Xiaomi **builds** cars.\n\n## Figures\n\nUp 6%."),
        ),
        (
            "content/articles/phones.md",
            &story("Phones", 2, "Phone sales *rebound*."),
        ),
    ]);
    let bodies = site.root().join(".gazette-cache/markdown/bodies-0.bin");
    let damages: [(&str, &dyn Fn()); 6] = [
        ("one body's HTML changed", &|| {
            let span = &markdown_index(&site)["entries"]["articles/cars.md"]["html"];
            uppercase_span(&bodies, span);
        }),
        ("one article's load changed", &|| {
            let span = &markdown_index(&site)["loads"]["content/articles/cars.md"]["doc"];
            uppercase_span(&bodies, span);
        }),
        ("bytes changed", &|| {
            let bytes = fs::read(&bodies).unwrap();
            fs::write(&bodies, bytes.iter().map(|b| b ^ 0x5a).collect::<Vec<u8>>()).unwrap();
        }),
        ("cut short", &|| {
            let len = fs::metadata(&bodies).unwrap().len();
            let file = fs::OpenOptions::new().write(true).open(&bodies).unwrap();
            file.set_len(len / 2).unwrap();
        }),
        ("index unreadable", &|| {
            let path = site.root().join(".gazette-cache/markdown/index.bin");
            let bytes = fs::read(&path).unwrap();
            fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        }),
        ("another format", &|| {
            let mut index = markdown_index(&site);
            index["format"] = 999.into();
            write_markdown_index(&site, &index);
        }),
    ];
    for (n, (what, damage)) in damages.iter().enumerate() {
        site.build_ok();
        damage();
        // A change elsewhere, so the build models the site again.
        site.write(
            "content/articles/extra.md",
            &story(&format!("Extra {n}"), 20, "More."),
        );
        site.build_ok();
        let (ours, clean) = (tree(&site.public()), clean_tree_of(&site));
        let differ: Vec<_> = (ours.iter().zip(&clean))
            .filter(|(a, b)| a != b)
            .map(|(a, _)| a.0.display().to_string())
            .collect();
        assert!(
            ours.len() == clean.len() && differ.is_empty(),
            "{what}: {differ:?}"
        );
        let cars = site.read("2021/03/01/cars/index.html");
        assert!(
            cars.contains("Xiaomi <strong>builds</strong> cars."),
            "{what}: {cars}"
        );
    }
}

/// A site whose Markdown is sanitized keeps none of it rendered (the
/// cache's HTML would be published without the sanitizer seeing it
/// again), only its articles as loaded.
#[test]
fn a_safe_site_keeps_no_rendered_markdown() {
    let site = Fixture::new(&[
        (
            "site.toml",
            &format!("{SITE_TOML}[markdown]\nsafe = true\n"),
        ),
        (
            "content/articles/cars.md",
            &story("Cars", 1, "Xiaomi <script>alert(1)</script> cars."),
        ),
    ]);
    for _ in 0..2 {
        site.build_ok();
        let index = markdown_index(&site);
        assert_eq!(index["entries"], serde_json::json!({}), "{index}");
        assert_eq!(index["earlier"], serde_json::json!({}), "{index}");
        let loads = index["loads"].as_object().unwrap();
        assert_eq!(
            loads.keys().collect::<Vec<_>>(),
            ["content/articles/cars.md"]
        );
        assert!(
            !site
                .read("2021/03/01/cars/index.html")
                .contains("<script>alert")
        );
        // A change, so that the next build does not find nothing to do.
        site.write("static/note.txt", "again");
    }
}

/// The Markdown cache's files are never followed through a link out of
/// the cache folder: a link in place of its folder or of any of its
/// files leaves the file it points to as it was.
#[cfg(unix)]
#[test]
fn the_markdown_cache_never_writes_through_a_link() {
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    for link in [
        "markdown",
        "markdown/lock",
        "markdown/bodies-0.bin",
        "markdown/index.bin",
    ] {
        fs::write(&victim, "the user's file").unwrap();
        let site = Fixture::new(&[
            ("site.toml", SITE_TOML),
            (
                "content/articles/cars.md",
                &story("Cars", 1, "Xiaomi cars."),
            ),
        ]);
        site.build_ok();
        let at = site.root().join(".gazette-cache").join(link);
        match at.is_dir() {
            true => fs::remove_dir_all(&at).unwrap(),
            false => fs::remove_file(&at).unwrap(),
        }
        let target = match link {
            "markdown" => outside.path().to_path_buf(),
            _ => victim.clone(),
        };
        std::os::unix::fs::symlink(&target, &at).unwrap();
        site.write("content/articles/cars.md", &story("Cars", 1, "Xiaomi EVs."));
        let run = site.build_ok();
        assert!(
            site.read("2021/03/01/cars/index.html")
                .contains("Xiaomi EVs."),
            "{link}: {}",
            run.stderr
        );
        assert_eq!(
            fs::read_to_string(&victim).unwrap(),
            "the user's file",
            "{link}"
        );
        let names: Vec<_> = fs::read_dir(outside.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["victim.txt"], "{link}");
    }
}

/// Production builds and preview builds (another `--base-url`) of one
/// site take turns without rendering each other's bodies again: once each
/// has been built, neither adds to the kept bodies.
#[test]
fn preview_and_production_builds_take_turns_without_rendering_again() {
    let site = Fixture::new(&[
        ("site.toml", SITE_TOML),
        (
            "content/articles/cars.md",
            &story("Cars", 1, "Xiaomi [builds](/cars/) cars."),
        ),
        (
            "content/articles/phones.md",
            &story("Phones", 2, "Phone sales *rebound*."),
        ),
    ]);
    let bodies = || {
        let dir = site.root().join(".gazette-cache/markdown");
        let files: Vec<_> = (fs::read_dir(&dir).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| (p.file_name()).is_some_and(|n| n.to_string_lossy().starts_with("bodies-")))
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        fs::metadata(&files[0]).unwrap().len()
    };
    let preview = site.root().join("preview");
    let build_preview = || {
        let run = site.run(&[
            "build",
            "--base-url",
            "https://preview.example.net/",
            "--output",
            preview.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    };
    site.build_ok();
    build_preview();
    let both = bodies();
    for _ in 0..2 {
        // A change, so that neither build finds nothing to do.
        site.write("static/note.txt", &format!("{}", both));
        site.build_ok();
        build_preview();
        assert_eq!(bodies(), both);
    }
    // Each output has its own URLs in its feeds.
    let feed = |dir: &Path| fs::read_to_string(dir.join("feed.xml")).unwrap();
    assert!(feed(&site.public()).contains("https://news.example.com/cars/"));
    assert!(feed(&preview).contains("https://preview.example.net/cars/"));
}
