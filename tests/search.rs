//! The split search index under /search-index/, read back as the search
//! page's script reads it: meta.json, the words file that holds a word,
//! the articles files of the results, and the section and month filters.
//! The decoding here is written from the format's description, not shared
//! with gazette, so a change of either side shows.

mod common;

use common::{Fixture, article};
use serde_json::Value;
use std::collections::BTreeMap;

const SITE: &str = "title = \"Search Desk\"\nbase_url = \"https://news.example.com\"\ntimezone = \"Asia/Hong_Kong\"\n";

/// The 27-article search site (see `common::search_archive`).
fn archive() -> Fixture {
    Fixture::from_owned(&common::search_archive(SITE))
}

/// Base-64 VLQ postings: id → whether the word is in the title.
fn decode(text: &str) -> BTreeMap<usize, bool> {
    const DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut found = BTreeMap::new();
    let (mut id, mut value, mut shift) = (-1i64, 0u64, 0);
    for c in text.chars() {
        let digit = DIGITS.find(c).unwrap_or_else(|| panic!("{c:?} in {text}")) as u64;
        value |= (digit & 31) << shift;
        if digit & 32 != 0 {
            shift += 5;
            continue;
        }
        id += (value >> 1) as i64;
        let title = value & 1 == 1;
        *found.entry(id as usize).or_insert(false) |= title;
        (value, shift) = (0, 0);
    }
    found
}

struct Index<'f> {
    site: &'f Fixture,
    meta: Value,
}

impl<'f> Index<'f> {
    fn of(site: &'f Fixture) -> Index<'f> {
        let meta = serde_json::from_str(&site.read("search-index/meta.json")).unwrap();
        Index { site, meta }
    }

    fn file(&self, name: &str) -> Value {
        serde_json::from_str(&self.site.read(&format!("search-index/{name}"))).unwrap()
    }

    /// Every article with a word starting with `prefix`, as the script
    /// finds them: the last file whose first word is at most the prefix,
    /// and the files after it whose first word starts with it.
    fn prefix(&self, prefix: &str) -> BTreeMap<usize, bool> {
        let words = self.meta["words"].as_array().unwrap();
        let utf16 = |s: &str| s.encode_utf16().collect::<Vec<u16>>();
        let first = |k: usize| words[k][0].as_str().unwrap().to_string();
        let mut k = (0..words.len())
            .rev()
            .find(|&k| utf16(&first(k)) <= utf16(prefix))
            .unwrap_or(0);
        let mut found = BTreeMap::new();
        let mut looked = false;
        while k < words.len() && (!looked || first(k).starts_with(prefix)) {
            let file = self.file(words[k][1].as_str().unwrap());
            for (word, postings) in file.as_object().unwrap() {
                if word.starts_with(prefix) {
                    for (id, title) in decode(postings.as_str().unwrap()) {
                        *found.entry(id).or_insert(false) |= title;
                    }
                }
            }
            looked = true;
            k += 1;
        }
        found
    }

    fn doc(&self, id: usize) -> Value {
        let per = self.meta["docs_per_file"].as_u64().unwrap() as usize;
        self.file(&format!("d/{}.json", id / per))[id % per].clone()
    }

    fn titles(&self, ids: impl IntoIterator<Item = usize>) -> Vec<String> {
        ids.into_iter()
            .map(|id| self.doc(id)["title"].as_str().unwrap().to_string())
            .collect()
    }
}

#[test]
fn words_are_found_by_prefix_with_title_matches_marked() {
    let site = archive();
    site.build_ok();
    let index = Index::of(&site);
    assert_eq!(index.meta["format"], 1);
    assert_eq!(index.meta["docs"], 27);
    // Accents are folded: the reader types "zur" or "zür" alike.
    let zurich = index.prefix("zur");
    assert_eq!(
        index.titles(zurich.keys().copied()),
        ["Zürich bank rallies"]
    );
    assert_eq!(zurich.values().collect::<Vec<_>>(), [&true]);
    // A summary word is found, outside the title.
    let rose = index.prefix("rose");
    assert_eq!(index.titles(rose.keys().copied()), ["Zürich bank rallies"]);
    assert_eq!(rose.values().collect::<Vec<_>>(), [&false]);
    // "market" is in 25 titles and one summary.
    let market = index.prefix("market");
    assert_eq!(market.len(), 26);
    assert_eq!(market.values().filter(|&&t| t).count(), 25);
    // Tags and sections are searched; body text is not.
    assert_eq!(
        index.titles(index.prefix("franc").into_keys()),
        ["Zürich bank rallies"]
    );
    assert_eq!(
        index.titles(index.prefix("banking").into_keys()),
        ["Zürich bank rallies"]
    );
    assert!(index.prefix("body").is_empty());
    // Chinese is cut into pairs of characters.
    assert_eq!(index.titles(index.prefix("造车").into_keys()), ["小米造车"]);
    assert_eq!(index.titles(index.prefix("小米").into_keys()), ["小米造车"]);
    assert!(index.prefix("nothing").is_empty());
}

#[test]
fn articles_are_numbered_oldest_first_in_files_of_twenty() {
    let site = archive();
    site.build_ok();
    let index = Index::of(&site);
    assert_eq!(index.meta["docs_per_file"], 20);
    assert_eq!(
        index.titles([0, 19, 20, 25, 26]),
        [
            "Market note 1",
            "Market note 20",
            "Market note 21",
            "Zürich bank rallies",
            "小米造车"
        ]
    );
    let zurich = index.doc(25);
    assert_eq!(zurich["url"], "https://news.example.com/2021/03/01/zurich/");
    assert_eq!(zurich["date"], "2021-03-01T18:00:00+08:00");
    assert_eq!(zurich["section"], "Banking");
    assert_eq!(zurich["summary"], "Shares rose after the market note.");
    // Exactly two files of articles, the second holding the last seven.
    assert_eq!(index.file("d/1.json").as_array().unwrap().len(), 7);
    assert!(!site.public().join("search-index/d/2.json").exists());
}

#[test]
fn sections_and_months_filter_the_results() {
    let site = archive();
    site.build_ok();
    let index = Index::of(&site);
    let sections: Vec<(String, u64)> = (index.meta["sections"].as_array().unwrap().iter())
        .map(|s| {
            (
                s["name"].as_str().unwrap().into(),
                s["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sections,
        [
            ("Banking".into(), 1),
            ("Markets".into(), 25),
            ("Technology".into(), 1)
        ]
    );
    let markets = &index.meta["sections"][1];
    let ids = decode(
        index
            .file(markets["file"].as_str().unwrap())
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        ids.keys().copied().collect::<Vec<_>>(),
        (0..25).collect::<Vec<_>>()
    );
    // Months in the site's timezone, each the id its articles start at.
    assert_eq!(
        index.meta["months"],
        serde_json::json!([["2020-06", 0], ["2021-03", 25], ["2021-04", 26]])
    );
}

#[test]
fn the_whole_index_is_written_unless_the_site_turns_it_off() {
    let site = archive();
    site.build_ok();
    let whole: Value = serde_json::from_str(&site.read("search-index.json")).unwrap();
    assert_eq!(whole[0]["title"], "小米造车");
    assert_eq!(whole.as_array().unwrap().len(), 27);
    site.write(
        "site.toml",
        &format!("{SITE}[search]\nwhole_index = false\n"),
    );
    site.build_ok();
    assert!(!site.public().join("search-index.json").exists());
    assert!(site.public().join("search-index/meta.json").exists());
    site.write("site.toml", &format!("{SITE}[search]\nwhole = false\n"));
    site.build_fails_with(&["site.toml:5:1: unknown key `search.whole`"]);
}

#[test]
fn a_new_article_changes_only_the_files_of_its_words_and_the_last_articles_file() {
    // Enough distinct words (and postings) for many words files.
    let mut files: Vec<(String, String)> = vec![("site.toml".into(), SITE.into())];
    for n in 0..400u64 {
        // 400 of 8,000 words an article, picked by a fixed scramble.
        let words: Vec<String> = (0..400u64)
            .map(|k| format!("w{}", (n * 7919 + k * 104_729) % 8000))
            .collect();
        files.push((
            format!("content/articles/a{n:03}.md"),
            article(
                &format!("Article {n}"),
                &format!("2020-01-01T00:{:02}:{:02}Z", n / 60, n % 60),
                &format!("summary = \"{}\"\n", words.join(" ")),
                "x",
            ),
        ));
    }
    let site = Fixture::from_owned(&files);
    site.build_ok();
    let index = Index::of(&site);
    let words_files = index.meta["words"].as_array().unwrap().len();
    assert!(words_files >= 8, "{words_files} words files");
    let before = common::tree(&site.public().join("search-index"));
    site.write(
        "content/articles/late.md",
        &article("Quokka sighted", "2021-05-01T10:00:00Z", "", "x"),
    );
    site.build_ok();
    let after = common::tree(&site.public().join("search-index"));
    let before: BTreeMap<_, _> = before.into_iter().collect();
    let changed: Vec<String> = after
        .iter()
        .filter(|(path, bytes)| before.get(path) != Some(bytes))
        .map(|(path, _)| path.display().to_string())
        .collect();
    // meta.json (the count), the last articles file, and the words files
    // of "quokka" and "sighted" (one file if both fall in it).
    assert!(changed.contains(&"meta.json".to_string()), "{changed:?}");
    assert!(changed.contains(&"d/20.json".to_string()), "{changed:?}");
    let words_files = changed.iter().filter(|p| p.starts_with("w/")).count();
    assert!((1..=2).contains(&words_files), "{changed:?}");
    assert_eq!(changed.len(), 2 + words_files, "{changed:?}");
}
