//! Old URLs kept working: which `permalink` pattern reproduces most of the
//! source's article URLs, and which old URLs need a redirect (an alias).

use crate::slug;
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use percent_encoding::percent_decode_str;
use std::collections::{HashMap, HashSet};
use url::Url;

/// gazette's own default, kept when no source pattern can be expressed.
pub(crate) const DEFAULT_PERMALINK: &str = "/:year/:month/:day/:slug/";

/// The site path (`/2021/03/26/x/`) of an old URL or path, decoded
/// (`%E5%B0%8F` → `小`, as static hosts look files up), relative to the
/// old site's base. Err says why it cannot be kept by a static file.
pub(crate) fn site_path(link: &str, base: Option<&Url>) -> Result<String, String> {
    let link = link.trim();
    let parsed = match base {
        Some(base) => base.join(link),
        None => Url::parse("http://site.invalid/").and_then(|b| b.join(link)),
    }
    .map_err(|e| format!("`{link}` is not a URL ({e})"))?;
    if let Some(base) = base
        && parsed.host_str() != base.host_str()
    {
        return Err(format!(
            "`{link}` is on another host than the site ({})",
            base.host_str().unwrap_or("")
        ));
    }
    if parsed.query().is_some() {
        return Err(format!(
            "`{link}` has a query string, which a static host cannot redirect from a file; add a redirect rule on the server"
        ));
    }
    let base_path = base.map_or("/", |b| b.path());
    let path = parsed.path();
    let relative = path
        .strip_prefix(base_path)
        .unwrap_or(path.trim_start_matches('/'));
    let decoded = percent_decode_str(relative).decode_utf8_lossy();
    Ok(format!("/{decoded}"))
}

/// The gazette pattern that gives `old_path` for an article with this
/// date (in the site timezone), slug and section: each path segment equal
/// to one of them becomes its token. None when the path has no slug
/// segment, or the pattern would not be a valid `permalink`.
pub(crate) fn pattern_of(
    old_path: &str,
    date: DateTime<Utc>,
    timezone: Tz,
    slug: &str,
    category_slug: Option<&str>,
) -> Option<String> {
    if !old_path.ends_with('/') {
        return None;
    }
    let local = date.with_timezone(&timezone);
    let (year, month, day) = (
        format!("{:04}", local.year()),
        format!("{:02}", local.month()),
        format!("{:02}", local.day()),
    );
    let mut pattern = String::from("/");
    let mut has_slug = false;
    for segment in old_path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
    {
        let token = if segment == slug && !has_slug {
            has_slug = true;
            ":slug"
        } else if segment == year {
            ":year"
        } else if segment == month {
            ":month"
        } else if segment == day {
            ":day"
        } else if category_slug == Some(segment) {
            ":category"
        } else {
            segment
        };
        pattern.push_str(token);
        pattern.push('/');
    }
    let valid = has_slug && crate::config::check_permalink(&pattern).is_ok();
    valid.then_some(pattern)
}

/// Counts the patterns the source's articles suggest; the most common one
/// becomes the site's `permalink`.
#[derive(Default)]
pub(crate) struct PatternVote {
    votes: HashMap<String, usize>,
}

impl PatternVote {
    pub(crate) fn add(&mut self, pattern: Option<String>) {
        if let Some(pattern) = pattern {
            *self.votes.entry(pattern).or_default() += 1;
        }
    }

    /// The winner. Ties go to a dated pattern (a news archive's URLs
    /// carry the date), then the shorter, then the first in order.
    pub(crate) fn winner(&self) -> String {
        let dated = |p: &str| p.contains(":year");
        self.votes
            .iter()
            .max_by(|a, b| {
                (a.1.cmp(b.1))
                    .then(dated(a.0).cmp(&dated(b.0)))
                    .then(b.0.len().cmp(&a.0.len()))
                    .then(b.0.cmp(a.0))
            })
            .map(|(p, _)| p.clone())
            .unwrap_or_else(|| DEFAULT_PERMALINK.to_string())
    }
}

/// The new site's URLs as they are handed out: every article, page and
/// alias path, so no two documents ask for the same one (which the build
/// would refuse).
pub(crate) struct Addresses {
    pub pattern: String,
    pub timezone: Tz,
    taken: HashSet<String>,
}

impl Addresses {
    pub(crate) fn new(pattern: String, timezone: Tz) -> Addresses {
        Addresses {
            pattern,
            timezone,
            taken: HashSet::new(),
        }
    }

    /// The URL an article gets from the pattern.
    pub(crate) fn article(
        &self,
        date: DateTime<Utc>,
        slug: &str,
        category: Option<&str>,
    ) -> String {
        let category = category.map(slug::term_slug);
        slug::permalink(
            &self.pattern,
            date,
            self.timezone,
            slug,
            category.as_deref(),
        )
    }

    /// Takes `path` if it is free.
    pub(crate) fn claim(&mut self, path: &str) -> bool {
        self.taken.insert(normal(path))
    }

    pub(crate) fn is_taken(&self, path: &str) -> bool {
        self.taken.contains(&normal(path))
    }
}

/// A path as the build files it: `/a` and `/a/` are the same page.
fn normal(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    let last = trimmed.rsplit('/').next().unwrap_or("");
    if last.contains('.') {
        trimmed.to_string()
    } else {
        format!("{trimmed}/")
    }
}

/// Whether two site paths name the same page.
pub(crate) fn same_path(a: &str, b: &str) -> bool {
    normal(a) == normal(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn old_links_become_decoded_site_paths() {
        let base = Url::parse("https://news.example/").unwrap();
        assert_eq!(
            site_path("https://news.example/2021/03/%e5%b0%8f/", Some(&base)).unwrap(),
            "/2021/03/\u{5c0f}/"
        );
        assert!(site_path("https://news.example/?p=12", Some(&base)).is_err());
        assert!(site_path("https://other.example/a/", Some(&base)).is_err());
        let sub = Url::parse("https://example.org/blog/").unwrap();
        assert_eq!(
            site_path("https://example.org/blog/a/", Some(&sub)).unwrap(),
            "/a/"
        );
        assert_eq!(site_path("/x/y.html", None).unwrap(), "/x/y.html");
    }

    #[test]
    fn patterns_are_read_off_old_urls() {
        let date = Utc.with_ymd_and_hms(2021, 3, 26, 1, 30, 0).unwrap();
        let hk: Tz = "Asia/Hong_Kong".parse().unwrap();
        let p = |path: &str, cat| pattern_of(path, date, hk, "xiaomi-ev", cat);
        assert_eq!(
            p("/2021/03/26/xiaomi-ev/", None).unwrap(),
            "/:year/:month/:day/:slug/"
        );
        assert_eq!(
            p("/news/2021/03/xiaomi-ev/", None).unwrap(),
            "/news/:year/:month/:slug/"
        );
        assert_eq!(
            p("/business/xiaomi-ev/", Some("business")).unwrap(),
            "/:category/:slug/"
        );
        assert_eq!(p("/2021/03/26/xiaomi-ev.html", None), None);
        assert_eq!(p("/archives/123/", None), None);
        let mut vote = PatternVote::default();
        vote.add(p("/2021/03/26/xiaomi-ev/", None));
        vote.add(p("/2021/03/26/xiaomi-ev/", None));
        vote.add(p("/xiaomi-ev/", None));
        assert_eq!(vote.winner(), "/:year/:month/:day/:slug/");
        assert_eq!(PatternVote::default().winner(), DEFAULT_PERMALINK);
    }
}
