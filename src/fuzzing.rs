//! The bodies of the fuzz targets (`fuzz/`), kept in the library so that
//! `cargo test` replays the saved corpus through exactly the same code
//! (`tests/fuzz_corpus.rs`). Each takes arbitrary bytes and panics only
//! when gazette breaks a promise: a panic inside gazette, or an output
//! that contradicts what it checked.

use crate::build::BuildOptions;
use crate::config::Config;
use crate::content::dates::parse_date;
use crate::content::parse_article_text;
use crate::paths::file_for_site_path;
use crate::slug::{permalink, slugify, strip_date_prefix};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::path::Path;
use std::sync::OnceLock;

const SITE_TOML: &str = "title = \"Fuzz Desk\"\nbase_url = \"https://news.example.com/\"\ntimezone = \"Asia/Hong_Kong\"\n";

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        Config::parse(SITE_TOML, Path::new("site.toml")).expect("the fuzz site.toml is valid")
    })
}

/// Timezones with and without daylight saving, and far from UTC.
const ZONES: [Tz; 4] = [
    Tz::UTC,
    Tz::Asia__Hong_Kong,
    Tz::America__New_York,
    Tz::Pacific__Kiritimati,
];

/// Front matter splitting, parsing and checking of an article file.
pub fn front_matter(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let relative = Path::new("content/articles/2021/fuzz.md");
    match parse_article_text(relative, text, config()) {
        Ok(doc) => {
            let slug = &doc.doc.meta.slug;
            assert!(is_slug(slug), "article slug {slug:?}");
            assert!(
                !doc.doc.meta.title.trim().is_empty(),
                "empty title accepted"
            );
        }
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty(), "an error without a diagnostic");
            for d in diagnostics {
                // Formatting draws the excerpt and caret from positions.
                let _ = d.to_string();
            }
        }
    }
}

/// Date parsing in several timezones: what parses comes back unchanged
/// through RFC 3339.
pub fn dates(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for zone in ZONES {
        if let Ok(date) = parse_date(&text, zone) {
            let again = parse_date(&date.to_rfc3339(), zone);
            assert_eq!(again, Ok(date), "{text:?} in {zone}");
        }
    }
}

/// Slugs and permalinks: a slug holds only `a-z`, `0-9` and single inner
/// hyphens and is stable; a permalink pattern that site.toml accepts always
/// makes a path that stays inside the output folder.
pub fn slugs(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (pattern, rest) = text.split_once('\n').unwrap_or((&text, "x"));
    let slug = slugify(rest);
    assert!(
        slug.is_empty() || is_slug(&slug),
        "slug {slug:?} of {rest:?}"
    );
    assert_eq!(slugify(&slug), slug, "slugify is not stable on {rest:?}");
    let _ = strip_date_prefix(rest);

    let toml = format!(
        "{SITE_TOML}permalink = {}\n",
        toml::Value::String(pattern.to_string())
    );
    let Ok(config) = Config::parse(&toml, Path::new("site.toml")) else {
        return;
    };
    let slug = if slug.is_empty() { "x".into() } else { slug };
    let seconds = data
        .iter()
        .fold(0i64, |a, &b| a.wrapping_mul(31).wrapping_add(b as i64));
    let date: DateTime<Utc> = Utc
        .timestamp_opt(seconds.rem_euclid(4_102_444_800), 0)
        .single()
        .unwrap_or_default();
    for zone in ZONES {
        let path = permalink(&config.permalink, date, zone, &slug, Some(&slug));
        assert!(
            file_for_site_path(&path).is_ok(),
            "permalink {:?} made the unsafe path {path:?}",
            config.permalink
        );
    }
}

/// An article through the whole build (load, model, Markdown, templates,
/// feeds) into memory, then `gazette check` over the result; and its body
/// through `[markdown] safe`, which must leave no script behind.
pub fn markdown_page(data: &[u8]) {
    let body = String::from_utf8_lossy(data);
    let text = if body.starts_with("+++") || body.starts_with("---") {
        body.to_string()
    } else {
        format!(
            "+++\ntitle = \"Fuzzed\"\ndate = 2021-03-26T10:00:00Z\ntags = [\"ev\"]\n+++\n{body}"
        )
    };
    let Some(site) = fuzz_site() else {
        return;
    };
    if std::fs::write(site.path().join("content/articles/fuzz.md"), &text).is_err() {
        return;
    }
    let mut options = BuildOptions::new(site.path());
    options.now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let _ = crate::check::check(&options);

    let safe = crate::markdown::render(&body, &|_| None, None, true);
    for html in [&safe.html, &safe.summary_html] {
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "a script survived: {html}");
        assert!(!lower.contains(" onerror="), "a handler survived: {html}");
    }
}

/// A site folder for [`markdown_page`], removed when dropped: one for each
/// input (a folder and a file, little beside a build), so that no run
/// leaves one behind in the system's temporary folder.
fn fuzz_site() -> Option<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("gazette-fuzz-")
        .tempdir()
        .ok()?;
    std::fs::create_dir_all(dir.path().join("content/articles")).ok()?;
    std::fs::write(dir.path().join("site.toml"), SITE_TOML).ok()?;
    Some(dir)
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}
