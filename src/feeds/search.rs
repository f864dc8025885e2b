//! The search index: split into small files so that a reader's browser
//! fetches only what a query needs (in the manner of Pagefind), and, when
//! the site asks for it, the whole index as one file (/search-index.json).
//!
//! The split index lives under /search-index/:
//! - `meta.json`: how many articles there are, the first word of each
//!   words file, the sections with their files, and where each month's
//!   articles start;
//! - `w/HASH.json`: a run of words in sorted order, each with the
//!   articles it is found in (its postings);
//! - `d/N.json`: the title, URL, date, section and summary of
//!   [`DOCS_PER_FILE`] articles, for showing results;
//! - `s/SLUG.json`: the articles of one section, for the section filter.
//!
//! Articles are numbered oldest first, so a new article takes the next
//! number and leaves every other file of the index as it was, except the
//! words files of its own words and the last articles file.
//!
//! Postings are a string: one number an article, `(gap << 1) | in_title`,
//! where the gap is from the article before (from -1 for the first), each
//! written as base-64 digits of 5 bits, low digits first, with 32 added to
//! every digit but the last (the scheme of source maps' VLQ). Articles
//! whose title has the word sort first in results; the script undoes it.
//!
//! The script's tokenizer (`search.js`) must cut words as [`words`] does.

use crate::site::Site;
use foldhash::HashMap;
use rayon::prelude::*;
use regex::Regex;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;
use xxhash_rust::xxh3::xxh3_64;

/// Articles in one file of `d/`: a page of results needs few files, and
/// the archive's files number its articles / 20.
pub const DOCS_PER_FILE: usize = 20;

/// The size a words file aims at, in bytes of postings: a one-word query
/// fetches one or two of them.
const WORDS_FILE_TARGET: usize = 24 * 1024;

/// Version of the split index's format, in meta.json: a script of another
/// version must not read it.
const FORMAT: u32 = 1;

/// One file of the split index: its site path and bytes.
pub struct IndexFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

#[derive(Serialize)]
struct Entry<'a> {
    title: &'a str,
    url: &'a str,
    date: String,
    section: Option<&'a str>,
    summary: &'a str,
}

fn entry(site: &Site, i: usize) -> Entry<'_> {
    let a = &site.articles[i];
    Entry {
        title: &a.doc.meta.title,
        url: &a.url,
        date: a
            .doc
            .meta
            .date
            .with_timezone(&site.config.timezone)
            .to_rfc3339(),
        section: a.category.map(|c| site.categories[c].label.as_str()),
        summary: &a.summary_text,
    }
}

/// /search-index.json: every published article, newest first, in one file.
pub fn render_whole(site: &Site) -> serde_json::Result<Vec<u8>> {
    let entries: Vec<Entry<'_>> = (0..site.articles.len()).map(|i| entry(site, i)).collect();
    let mut bytes = serde_json::to_vec(&entries)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Letters, digits and marks: what a word is made of, in the script too.
static WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{L}\p{N}\p{M}]+").expect("a valid pattern"));

/// Whether `c` is written without spaces between words (Chinese and
/// Japanese), so that words are cut as pairs of characters instead.
fn unspaced(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'   // Hiragana, Katakana
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
        | '\u{20000}'..='\u{2FA1F}')
}

/// The words of `text` as the index and the search script both cut them:
/// lower case, accents taken off (`Zürich` is `zurich`), split at anything
/// but letters, digits and marks. A run of Chinese or Japanese characters
/// gives each pair of neighbours (a lone character gives itself), since
/// those scripts put no spaces between words.
pub fn words(text: &str) -> Vec<String> {
    // No word runs across white space, so the text is cut there first, and
    // a part all in ASCII (most of an English archive's) is cut without the
    // Unicode folding and matching the others need: those took a second of
    // CPU for the titles and summaries of 100,000 articles. The lower case
    // of a part is the lower case it has in the whole text: the one letter
    // whose lower case hangs on its neighbours (a Greek final sigma) looks
    // no further than white space.
    let mut out = Vec::new();
    for part in text.split_ascii_whitespace() {
        if part.is_ascii() {
            let ascii_words = part.split(|c: char| !c.is_ascii_alphanumeric());
            out.extend((ascii_words.filter(|w| !w.is_empty())).map(str::to_ascii_lowercase));
        } else {
            out.extend(unicode_words(part));
        }
    }
    out
}

/// [`words`] of any text, by Unicode's classes.
fn unicode_words(text: &str) -> Vec<String> {
    let folded: String = text
        .to_lowercase()
        .nfd()
        .filter(|c| !('\u{0300}'..='\u{036F}').contains(c))
        .collect();
    let mut out = Vec::new();
    for word in WORD.find_iter(&folded) {
        let mut rest = word.as_str();
        while !rest.is_empty() {
            // Cut the word into runs of unspaced and other characters.
            let first_unspaced = rest.chars().next().is_some_and(unspaced);
            let end = rest
                .char_indices()
                .find(|&(_, c)| unspaced(c) != first_unspaced)
                .map_or(rest.len(), |(i, _)| i);
            let (run, after) = rest.split_at(end);
            if first_unspaced {
                let chars: Vec<char> = run.chars().collect();
                if chars.len() == 1 {
                    out.push(run.to_string());
                }
                out.extend(chars.windows(2).map(|pair| pair.iter().collect::<String>()));
            } else {
                out.push(run.to_string());
            }
            rest = after;
        }
    }
    out
}

/// Appends `value` to `out` as base-64 VLQ digits, low digits first.
fn push_vlq(out: &mut String, mut value: u64) {
    const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    loop {
        let digit = (value & 31) as usize;
        value >>= 5;
        if value == 0 {
            out.push(DIGITS[digit] as char);
            return;
        }
        out.push(DIGITS[digit | 32] as char);
    }
}

/// A word's postings as they are built: the last article added and the
/// encoded string.
struct Postings {
    last: i64,
    encoded: String,
}

impl Postings {
    fn new() -> Postings {
        Postings {
            last: -1,
            encoded: String::new(),
        }
    }

    /// Adds article `id`, which is past every article added before.
    fn push(&mut self, id: usize, in_title: bool) {
        debug_assert!(id as i64 > self.last, "postings out of order");
        let gap = id as i64 - self.last;
        self.last = id as i64;
        push_vlq(&mut self.encoded, ((gap as u64) << 1) | u64::from(in_title));
    }
}

/// Orders words as the script's `<` does (by UTF-16 code units), so that
/// it finds a word's file by comparing with each file's first word.
fn script_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// A words file: each word of the run with its postings, as one JSON
/// object, serialised from the sorted list without copying it.
struct WordsFile<'a>(&'a [(String, String)]);

impl Serialize for WordsFile<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(word, postings)| (word, postings)))
    }
}

#[derive(Serialize)]
struct Meta<'a> {
    format: u32,
    docs: usize,
    docs_per_file: usize,
    /// `[first word, file]` of each words file, in script order.
    words: Vec<(&'a str, String)>,
    sections: Vec<SectionMeta<'a>>,
    /// `["YYYY-MM", first article]` of each month, oldest first; a month
    /// ends where the next begins.
    months: Vec<(String, usize)>,
}

#[derive(Serialize)]
struct SectionMeta<'a> {
    name: &'a str,
    file: String,
    count: usize,
}

/// The words of article `i` (its title, section, tags and summary), each
/// once, sorted, with whether its title has it.
fn article_words(site: &Site, i: usize) -> Vec<(String, bool)> {
    let a = &site.articles[i];
    let section = a.category.map(|c| site.categories[c].label.as_str());
    let tags = a.tags.iter().map(|&t| site.tags[t].label.as_str());
    let title = words(&a.doc.meta.title).into_iter().map(|w| (w, true));
    let others = (section
        .into_iter()
        .chain(tags)
        .chain([a.summary_text.as_str()]))
    .flat_map(words)
    .map(|w| (w, false));
    let mut list: Vec<(String, bool)> = title.chain(others).collect();
    // A word of the title sorts before the same word found elsewhere, and
    // the first of each word is kept.
    list.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    list.dedup_by(|later, first| later.0 == first.0);
    list
}

/// The split index of every published article.
pub fn render_split(site: &Site) -> serde_json::Result<Vec<IndexFile>> {
    let count = site.articles.len();
    // Article number `id` is `site.articles[count - 1 - id]`: oldest first.
    let article_of = |id: usize| count - 1 - id;
    let dir = crate::paths::SEARCH_SPLIT;
    let mut files = Vec::new();

    // Each run of articles gathers its words' articles on its own core;
    // the runs are then joined in order, so that every word's articles stay
    // in number order. A word seen by an article is one entry, `(id << 1) |
    // in_title`. (One map for the whole archive, filled on one core, was
    // 0.4 s of a new article's build at 100,000 articles.)
    let postings: HashMap<String, Vec<u64>> = (0..count)
        .into_par_iter()
        .fold(
            HashMap::default,
            |mut postings: HashMap<String, Vec<u64>>, id| {
                for (word, in_title) in article_words(site, article_of(id)) {
                    let id = id as u64;
                    postings
                        .entry(word)
                        .or_default()
                        .push((id << 1) | u64::from(in_title));
                }
                postings
            },
        )
        .reduce(HashMap::default, |mut earlier, later| {
            for (word, ids) in later {
                earlier.entry(word).or_default().extend(ids);
            }
            earlier
        });
    let mut sorted: Vec<(String, String)> = (postings.into_par_iter())
        .map(|(word, ids)| {
            let mut p = Postings::new();
            for entry in ids {
                p.push((entry >> 1) as usize, entry & 1 == 1);
            }
            (word, p.encoded)
        })
        .collect();
    sorted.par_sort_unstable_by(|a, b| script_order(&a.0, &b.0));

    // Words files are cut after words whose hash says so, not by size: a
    // new word then changes only the file it falls in, not every file
    // after it. The cut rate is a power of two, so it holds while the
    // archive grows within a factor of two.
    let total: usize = sorted.iter().map(|(w, p)| w.len() + p.len() + 6).sum();
    let per_file = (sorted.len() * WORDS_FILE_TARGET / total.max(1)).max(1);
    let modulus = per_file.next_power_of_two() as u64;
    let mut word_files: Vec<(&str, String)> = Vec::new();
    let mut names: HashSet<String> = HashSet::new();
    let mut start = 0;
    let mut bytes = 0;
    for end in 1..=sorted.len() {
        let (word, postings) = &sorted[end - 1];
        bytes += word.len() + postings.len();
        // A file is also cut once it is twice the target: the next cut by
        // hash puts the boundaries back where they were.
        let cut = end == sorted.len()
            || xxh3_64(word.as_bytes()).is_multiple_of(modulus)
            || bytes >= 2 * WORDS_FILE_TARGET;
        if !cut {
            continue;
        }
        bytes = 0;
        let run = &sorted[start..end];
        let first = run[0].0.as_str();
        let mut name = format!("{:016x}", xxh3_64(first.as_bytes()));
        while !names.insert(name.clone()) {
            name.push('x');
        }
        files.push(IndexFile {
            path: format!("{dir}w/{name}.json"),
            bytes: serde_json::to_vec(&WordsFile(run))?,
        });
        word_files.push((first, name));
        start = end;
    }

    for (n, first) in (0..count).step_by(DOCS_PER_FILE).enumerate() {
        let end = (first + DOCS_PER_FILE).min(count);
        let entries: Vec<Entry<'_>> = (first..end).map(|id| entry(site, article_of(id))).collect();
        files.push(IndexFile {
            path: format!("{dir}d/{n}.json"),
            bytes: serde_json::to_vec(&entries)?,
        });
    }

    let mut sections = Vec::new();
    for term in &site.categories {
        let mut ids: Vec<usize> = term.articles.iter().map(|&i| count - 1 - i).collect();
        ids.sort_unstable();
        let mut p = Postings::new();
        for id in ids {
            p.push(id, false);
        }
        let file = format!("s/{}.json", term.slug);
        files.push(IndexFile {
            path: format!("{dir}{file}"),
            bytes: serde_json::to_vec(&p.encoded)?,
        });
        sections.push(SectionMeta {
            name: &term.label,
            file,
            count: term.articles.len(),
        });
    }

    let tz = site.config.timezone;
    let mut months: BTreeMap<String, usize> = BTreeMap::new();
    for id in 0..count {
        let date = site.articles[article_of(id)]
            .doc
            .meta
            .date
            .with_timezone(&tz);
        months.entry(date.format("%Y-%m").to_string()).or_insert(id);
    }
    let meta = Meta {
        format: FORMAT,
        docs: count,
        docs_per_file: DOCS_PER_FILE,
        words: word_files
            .into_iter()
            .map(|(first, name)| (first, format!("w/{name}.json")))
            .collect(),
        sections,
        months: months.into_iter().collect(),
    };
    files.push(IndexFile {
        path: crate::paths::SEARCH_META.to_string(),
        bytes: serde_json::to_vec(&meta)?,
    });
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_case_and_accents_and_cut_at_punctuation() {
        assert_eq!(
            words("Zürich's CAFÉ: 5G-ready, naïve"),
            ["zurich", "s", "cafe", "5g", "ready", "naive"]
        );
        // Marks other than Latin accents stay in the word they belong to.
        assert_eq!(words("हिन्दी समाचार"), ["हिन्दी", "समाचार"]);
    }

    proptest::proptest! {
        /// Cutting the text at white space first, and ASCII parts by
        /// ASCII's classes, gives the words Unicode's classes give the
        /// whole text.
        #[test]
        fn words_are_those_of_the_whole_text(
            text in "([a-zA-Z0-9 .,'\\-\t\n]|[ΣσςΑαΟο]|[éÉüİı]|\u{0301}|\u{0307}|[小米车]|[\u{00A0}\u{3000}\u{2019}\u{2014}]|\\PC){0,40}"
        ) {
            proptest::prop_assert_eq!(words(&text), unicode_words(&text));
        }
    }

    #[test]
    fn a_greek_final_sigma_is_folded_as_in_the_whole_text() {
        for text in [
            "ΟΔΟΣ ΟΔΟΣ",
            "ΟΔΟΣ.ΟΔΟΣ",
            "ΑΣ\tb",
            "Σ a",
            "aΣ’ b",
            "Xiaomi’s İstanbul",
        ] {
            assert_eq!(words(text), unicode_words(text), "{text}");
        }
    }

    #[test]
    fn chinese_and_japanese_are_cut_into_pairs() {
        assert_eq!(words("小米造车"), ["小米", "米造", "造车"]);
        assert_eq!(words("车"), ["车"]);
        assert_eq!(words("Xiaomi小米EV"), ["xiaomi", "小米", "ev"]);
    }

    #[test]
    fn vlq_digits() {
        let mut s = String::new();
        for v in [0, 1, 31, 32, 1000] {
            push_vlq(&mut s, v);
        }
        // 32 = [0 + continuation, 1]; 1000 = 8 + 31*32 → [8|32, 31].
        assert_eq!(s, "ABfgBof");
    }

    #[test]
    fn script_order_is_utf16_order() {
        // U+FF21 sorts before U+1F600 by code point, after it in UTF-16.
        assert_eq!(
            script_order("\u{FF21}", "\u{1F600}"),
            std::cmp::Ordering::Greater
        );
        assert_eq!("\u{FF21}".cmp("\u{1F600}"), std::cmp::Ordering::Less);
    }
}
