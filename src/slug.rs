//! Slugs and permalinks: how a title or file name becomes a URL segment, and
//! how an article's URL is made from the `permalink` pattern.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

/// Lowercase ASCII letters, digits and single hyphens; other scripts are
/// transliterated (`Café Zürich` → `cafe-zurich`, `小米` → `xiao-mi`).
///
/// The result never contains `/`, `.` or `\`, so a slug can never climb out
/// of the output folder, whatever the front matter says.
pub(crate) fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut slug = String::with_capacity(ascii.len());
    let mut pending_hyphen = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_hyphen && !slug.is_empty() {
                slug.push('-');
            }
            pending_hyphen = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_hyphen = true;
        }
    }
    slug
}

/// The slug of a section or tag. Symbols that tell technical terms apart
/// are spelt out first, so `c`, `c++` and `c#`, or `net` and `.net`, get
/// pages of their own (`c`, `c-plus-plus`, `c-sharp`, `net`, `dot-net`)
/// instead of being merged into one.
pub(crate) fn term_slug(name: &str) -> String {
    if !name.contains(['+', '#', '.']) {
        return slugify(name);
    }
    let mut spelt = String::with_capacity(name.len() + 16);
    let mut previous: Option<char> = None;
    for c in name.chars() {
        match c {
            '+' => spelt.push_str(" plus "),
            '#' => spelt.push_str(" sharp "),
            // `.net`, `node .js`: a dot that starts a word.
            '.' if previous.is_none_or(char::is_whitespace) => spelt.push_str(" dot "),
            c => spelt.push(c),
        }
        previous = Some(c);
    }
    slugify(&spelt)
}

/// The file name `gazette new` gives an article of this title: its slug,
/// with apostrophes dropped rather than made word breaks (`What's next`
/// → `whats-next`, not `what-s-next`). Slugs of existing names keep
/// [`slugify`]'s rule, so no published URL moves.
pub(crate) fn file_slug_for_title(title: &str) -> String {
    let joined: String = title
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}' | '\u{02BC}'))
        .collect();
    slugify(&joined)
}

/// An explicit `slug` that is already made of ASCII letters, digits, `-`
/// and `_` is kept as written but for case (`old_story_1` stays: archives
/// moved from other tools keep their URLs); any other is made a slug.
pub(crate) fn slug_as_given(given: &str) -> String {
    let given = given.trim();
    let url_safe = given.starts_with(|c: char| c.is_ascii_alphanumeric())
        && given
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if url_safe {
        given.to_ascii_lowercase()
    } else {
        slugify(given)
    }
}

/// A file stem without a leading `YYYY-MM-DD-` date prefix.
pub(crate) fn strip_date_prefix(stem: &str) -> &str {
    let bytes = stem.as_bytes();
    let shaped = bytes.len() > 11
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit)
        && matches!(bytes[10], b'-' | b'_');
    if shaped { &stem[11..] } else { stem }
}

/// The site path of an article: the `permalink` pattern with its tokens
/// filled in. Dates are those of the site timezone, so an article published
/// at 01:00 in Shanghai is filed under that Shanghai day.
pub(crate) fn permalink(
    pattern: &str,
    date: DateTime<Utc>,
    timezone: Tz,
    slug: &str,
    category_slug: Option<&str>,
) -> String {
    let local = date.with_timezone(&timezone);
    // `:category` only where it stands as a token; longer tokens first.
    pattern
        .replace(":year", &format!("{:04}", local.year()))
        .replace(":month", &format!("{:02}", local.month()))
        .replace(":day", &format!("{:02}", local.day()))
        .replace(":category", category_slug.unwrap_or("uncategorized"))
        .replace(":slug", slug)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn technical_terms_keep_apart() {
        let slugs: Vec<String> = ["c", "C++", "c#", "net", ".NET", "Node.js", "S&P 500"]
            .iter()
            .map(|n| term_slug(n))
            .collect();
        assert_eq!(
            slugs,
            [
                "c",
                "c-plus-plus",
                "c-sharp",
                "net",
                "dot-net",
                "node-js",
                "s-p-500"
            ]
        );
    }

    #[test]
    fn new_articles_are_named_without_apostrophe_breaks() {
        assert_eq!(file_slug_for_title("What's next"), "whats-next");
        assert_eq!(
            file_slug_for_title("Xi\u{2019}s visit: day 2"),
            "xis-visit-day-2"
        );
        assert_eq!(file_slug_for_title("'Quoted' words"), "quoted-words");
        assert_eq!(
            slugify("what's next"),
            "what-s-next",
            "existing slugs keep their URL"
        );
    }

    #[test]
    fn slugs_are_ascii_with_single_hyphens() {
        assert_eq!(
            slugify("Xiaomi teams up with Great Wall"),
            "xiaomi-teams-up-with-great-wall"
        );
        assert_eq!(slugify("  Café -- Zürich!  "), "cafe-zurich");
        assert_eq!(slugify("¥70.46 billion"), "y-70-46-billion");
        assert_eq!(slugify("小米"), "xiao-mi");
        assert_eq!(slugify("../../etc/passwd"), "etc-passwd");
        assert_eq!(slugify("a/b\\c"), "a-b-c");
        assert_eq!(slugify("..."), "");
    }

    #[test]
    fn date_prefix_is_stripped() {
        assert_eq!(strip_date_prefix("2021-03-26-xiaomi-ev"), "xiaomi-ev");
        assert_eq!(strip_date_prefix("2021-03-26_xiaomi"), "xiaomi");
        assert_eq!(strip_date_prefix("2021-03-26"), "2021-03-26");
        assert_eq!(strip_date_prefix("xiaomi-2021"), "xiaomi-2021");
    }

    #[test]
    fn permalinks_use_the_site_timezone() {
        let date = Utc.with_ymd_and_hms(2021, 3, 25, 17, 0, 0).unwrap();
        let shanghai: Tz = "Asia/Shanghai".parse().unwrap();
        assert_eq!(
            permalink(
                "/:year/:month/:day/:slug/",
                date,
                shanghai,
                "xiaomi-ev",
                None
            ),
            "/2021/03/26/xiaomi-ev/"
        );
        assert_eq!(
            permalink(
                "/:category/:slug.html",
                date,
                Tz::UTC,
                "x",
                Some("business")
            ),
            "/business/x.html"
        );
    }
}
