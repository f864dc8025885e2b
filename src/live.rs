//! Live coverage: a live article's body cut into its timestamped updates.
//!
//! A writer marks an article `live = true` and starts each update with a
//! `##` heading that opens with its time, the way a live page reads:
//!
//! ```markdown
//! ## 14:05 Shares close 6% higher
//! ## 2021-03-31 09:15 Trading resumes
//! ```
//!
//! A heading with a time alone is on the day of the last heading above it
//! that gives a date, else on the article's `date`. Whatever comes before
//! the first update (key points, a summary) stays on top; the updates are
//! then shown newest first, whatever order they were written in, each in
//! its own `<article>` with the heading's id as its anchor.
//!
//! The model does this once per live article, after its Markdown is
//! rendered: the renderer gets the arranged HTML and the list of updates
//! (for the JSON-LD, the "Live" badge and the refresh script).

use crate::content::{ArticleMeta, Markdown, SourceFile};
use crate::diagnostics::Diagnostic;
use crate::markdown::{Rendered, TopHeading};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// An article's live coverage.
#[derive(Debug, Clone, PartialEq)]
pub struct Live {
    /// When coverage ends (`live_until`); running until then, or for as
    /// long as it is unset.
    pub until: Option<DateTime<Utc>>,
    /// Newest first.
    pub updates: Vec<LiveUpdate>,
}

impl Live {
    /// Whether coverage is still running at `now`.
    pub fn is_running(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| until > now)
    }

    /// The time of the newest update.
    pub fn latest(&self) -> Option<DateTime<Utc>> {
        self.updates.first().map(|u| u.time)
    }
}

/// One update of a live article.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveUpdate {
    /// The id of its heading, and so its anchor (`#id`).
    pub id: String,
    pub time: DateTime<Utc>,
    /// The heading's text after the time; empty for a heading that is a
    /// time alone.
    pub headline: String,
}

/// The CSS class of each update's element.
pub const UPDATE_CLASS: &str = "live-update";

/// How the time at the start of an update heading was written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stamp {
    /// `14:05`: a time of the day it follows.
    Time(NaiveTime),
    /// `2021-03-31 09:15` or `2021-03-31T09:15`: a day and a time in the
    /// site's timezone.
    Local(NaiveDateTime),
    /// `2021-03-31T09:15:00+08:00`: a moment.
    Moment(DateTime<Utc>),
}

/// A heading's time, and the heading's text after it (and after a dash,
/// `·`, `|` or `:` that separates the two). None when the heading does not
/// start with a time.
fn read_stamp(text: &str) -> Option<(Stamp, &str, &str)> {
    let text = text.trim_start();
    let mut words = text.splitn(3, ' ');
    let first = words.next()?;
    let (stamp, written) = if let Ok(day) = NaiveDate::parse_from_str(first, "%Y-%m-%d") {
        let second = words.next()?;
        let time = parse_time(second)?;
        let end = first.len() + 1 + second.len();
        (Stamp::Local(day.and_time(time)), &text[..end])
    } else if let Ok(moment) = DateTime::parse_from_rfc3339(first) {
        (Stamp::Moment(moment.with_timezone(&Utc)), first)
    } else if let Some(local) = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(first, f).ok())
    {
        (Stamp::Local(local), first)
    } else {
        (Stamp::Time(parse_time(first)?), first)
    };
    let rest = text[written.len()..].trim_start();
    let rest = rest
        .strip_prefix(['—', '–', '-', '·', '|', ':'])
        .unwrap_or(rest)
        .trim_start();
    Some((stamp, written, rest))
}

/// `14:05` or `9:05` (24-hour clock), with seconds or not.
fn parse_time(word: &str) -> Option<NaiveTime> {
    let (hours, _) = word.split_once(':')?;
    if hours.is_empty() || hours.len() > 2 || !hours.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ["%H:%M", "%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(word, f).ok())
}

/// A local time in `tz` as a moment; the earlier one when clocks go back.
fn in_zone(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    (tz.from_local_datetime(&local).earliest()).map(|t| t.with_timezone(&Utc))
}

/// Cuts a live article's rendered body into its updates (see the module
/// notes): None for an article that is not live, or whose updates have
/// errors. The problems name the update's line in the file; an update
/// timed after `now`, the build's moment, is a warning (readers see it at
/// once, under a time still to come: most often a typo).
pub(crate) fn arrange(
    meta: &ArticleMeta,
    source: &SourceFile,
    body: &Markdown,
    rendered: &mut Rendered,
    tz: Tz,
    now: DateTime<Utc>,
) -> (Option<Live>, Vec<Diagnostic>) {
    let headings = std::mem::take(&mut rendered.top_headings);
    if !meta.live {
        return (None, Vec::new());
    }
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut day = meta.date.with_timezone(&tz).date_naive();
    let mut updates: Vec<(LiveUpdate, String)> = Vec::new();
    for TopHeading { id, text } in headings {
        let Some((stamp, written, rest)) = read_stamp(&text) else {
            continue;
        };
        // The line is found only for the first few errors: each search
        // reads the body, and a page may have thousands of updates.
        let named = errors.len() < crate::strict::MAX_UNKNOWN_KEYS_SHOWN;
        let error = |message: String| {
            let d = Diagnostic::error(&source.display, message);
            match named {
                true => d.at(&source.text, heading_line(source, body, written), 1),
                false => d,
            }
        };
        let time = match stamp {
            Stamp::Moment(moment) => {
                day = moment.with_timezone(&tz).date_naive();
                Some(moment)
            }
            Stamp::Local(local) => {
                day = local.date();
                in_zone(local, tz)
            }
            Stamp::Time(time) => in_zone(day.and_time(time), tz),
        };
        let Some(time) = time else {
            errors.push(error(format!(
                "live update `{written}` names a time that does not exist in {tz} (the clocks went forward then): write the time as the clock showed it"
            )));
            continue;
        };
        if time < meta.date {
            errors.push(error(format!(
                "live update `{written}` is at {}, before the article's `date` ({}): coverage starts at `date`, so give the update its day (`## YYYY-MM-DD HH:MM ...`) or move `date` back",
                time.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
                meta.date.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
            )));
        }
        if time > now && warnings.len() < crate::strict::MAX_UNKNOWN_KEYS_SHOWN {
            let line = heading_line(source, body, written);
            warnings.push(
                Diagnostic::warning(
                    &source.display,
                    format!(
                        "live update `{written}` is at {}, after the time of this build ({}): readers see it now, under a time still to come; correct the time if it is a typo",
                        time.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
                        now.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
                    ),
                )
                .at(&source.text, line, 1),
            );
        }
        if let Some(until) = meta.live_until.filter(|&until| time > until) {
            errors.push(error(format!(
                "live update `{written}` is at {}, after `live_until` ({}): move `live_until` later, or correct the update's time",
                time.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
                until.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
            )));
        }
        let update = LiveUpdate {
            id,
            time,
            headline: rest.to_string(),
        };
        updates.push((update, written.to_string()));
    }
    if !errors.is_empty() {
        // Each error reads the file for its line: name the first few of a
        // page of thousands, and count the rest.
        let shown = crate::strict::MAX_UNKNOWN_KEYS_SHOWN;
        if errors.len() > shown {
            let more = errors.len() - shown;
            errors.truncate(shown);
            errors.push(Diagnostic::error(
                &source.display,
                format!("and {more} more live updates outside the coverage"),
            ));
        }
        errors.extend(warnings);
        return (None, errors);
    }
    rendered.html = arranged(&rendered.html, &updates, tz);
    if let Some(feed_html) = &mut rendered.feed_html {
        *feed_html = arranged(feed_html, &updates, tz);
    }
    let mut updates: Vec<LiveUpdate> = updates.into_iter().map(|(u, _)| u).collect();
    // Newest first; updates of the same minute keep their written order.
    updates.sort_by_key(|u| std::cmp::Reverse(u.time));
    let live = Live {
        until: meta.live_until,
        updates,
    };
    (Some(live), warnings)
}

/// The line of the file where the `##` heading starting with `written`
/// is: the first heading line of the body that holds it.
fn heading_line(source: &SourceFile, body: &Markdown, written: &str) -> usize {
    let found = (body.text.lines().enumerate())
        .find(|(_, line)| line.trim_start().starts_with("##") && line.contains(written))
        .map_or(0, |(n, _)| n);
    source.body_line_offset + found + 1
}

/// `html` with each update wrapped in its own element, newest first after
/// whatever comes before the first. `updates` are in written order, each
/// with its time as written; the time in each heading becomes a `<time>`.
fn arranged(html: &str, updates: &[(LiveUpdate, String)], tz: Tz) -> String {
    // The headings are in the HTML in written order: each is looked for
    // after the one before, so a page of thousands of updates is read once.
    let mut positions: Vec<usize> = Vec::with_capacity(updates.len());
    let mut from = 0;
    for (update, _) in updates {
        let attribute = html_escape::encode_double_quoted_attribute(&update.id);
        match html[from..].find(&format!("<h2 id=\"{attribute}\"")) {
            Some(at) => {
                positions.push(from + at);
                from += at + 1;
            }
            // A sanitiser that dropped an id: the body stays as it was.
            None => return html.to_string(),
        }
    }
    let Some(&first) = positions.first() else {
        return html.to_string();
    };
    let mut parts: Vec<(DateTime<Utc>, usize, String)> = Vec::with_capacity(updates.len());
    for (n, ((update, written), &start)) in updates.iter().zip(&positions).enumerate() {
        let end = positions.get(n + 1).copied().unwrap_or(html.len());
        let part = with_time_element(&html[start..end], update, written, tz);
        parts.push((update.time, n, part));
    }
    parts.sort_by_key(|(time, n, _)| (std::cmp::Reverse(*time), *n));
    let mut out = String::with_capacity(html.len() + parts.len() * 160);
    out.push_str(&html[..first]);
    out.push_str("<div class=\"live-updates\">\n");
    for (_, _, part) in parts {
        out.push_str(&part);
    }
    out.push_str("</div>\n");
    out
}

/// One update's HTML (its heading first) in its `<article>`, the time at
/// the start of the heading marked up as a `<time>`.
fn with_time_element(part: &str, update: &LiveUpdate, written: &str, tz: Tz) -> String {
    let datetime = update
        .time
        .with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let id = html_escape::encode_double_quoted_attribute(&update.id);
    let mut out = format!("<article class=\"{UPDATE_CLASS}\" aria-labelledby=\"{id}\">\n");
    let heading_end = part.find('>').map_or(0, |i| i + 1);
    let inner = &part[heading_end..];
    match inner.strip_prefix(written) {
        Some(after) => {
            out.push_str(&part[..heading_end]);
            out.push_str(&format!(
                "<time class=\"live-update-time\" datetime=\"{datetime}\">{written}</time>"
            ));
            let after_separator = after.trim_start();
            let after_separator = after_separator
                .strip_prefix(['—', '–', '-', '·', '|', ':'])
                .unwrap_or(after_separator)
                .trim_start();
            if !after_separator.starts_with("</h2>") {
                out.push(' ');
            }
            out.push_str(after_separator);
        }
        // The time is inside other markup (`**14:05**`): the heading stays
        // as written.
        None => out.push_str(part),
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("</article>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_read_from_the_start_of_a_heading() {
        let time = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let (stamp, written, rest) = read_stamp("14:05 Shares close up").unwrap();
        assert_eq!(
            (stamp, written, rest),
            (Stamp::Time(time(14, 5)), "14:05", "Shares close up")
        );
        let (_, written, rest) = read_stamp("9:15 — Trading resumes").unwrap();
        assert_eq!((written, rest), ("9:15", "Trading resumes"));
        let (stamp, written, rest) = read_stamp("2021-03-31 09:15 · Trading resumes").unwrap();
        let day = NaiveDate::from_ymd_opt(2021, 3, 31).unwrap();
        assert_eq!(stamp, Stamp::Local(day.and_time(time(9, 15))));
        assert_eq!((written, rest), ("2021-03-31 09:15", "Trading resumes"));
        let (stamp, _, rest) = read_stamp("2021-03-31T01:15:00Z").unwrap();
        assert!(matches!(stamp, Stamp::Moment(_)));
        assert_eq!(rest, "");
        for not_a_time in [
            "Analysts react",
            "2021 in review",
            "24:00 Midnight",
            "1:2:3:4 Steps",
            "123:45 Count",
            "2021-03-31 Results",
        ] {
            assert_eq!(read_stamp(not_a_time), None, "{not_a_time}");
        }
    }

    #[test]
    fn updates_are_wrapped_and_put_newest_first() {
        let tz: Tz = "Asia/Hong_Kong".parse().unwrap();
        let at = |h| Utc.with_ymd_and_hms(2021, 3, 30, h, 0, 0).unwrap();
        let html = "<p>Key points</p>\n<h2 id=\"0100-first\">09:00 First</h2>\n<p>a</p>\n<h2 id=\"1000-second\">10:00 Second</h2>\n<p>b</p>\n";
        let updates = vec![
            (
                LiveUpdate {
                    id: "0100-first".into(),
                    time: at(1),
                    headline: "First".into(),
                },
                "09:00".to_string(),
            ),
            (
                LiveUpdate {
                    id: "1000-second".into(),
                    time: at(2),
                    headline: "Second".into(),
                },
                "10:00".to_string(),
            ),
        ];
        let out = arranged(html, &updates, tz);
        let second = out.find("Second").unwrap();
        let first = out.find("First").unwrap();
        assert!(out.starts_with("<p>Key points</p>\n<div class=\"live-updates\">"));
        assert!(second < first, "newest first: {out}");
        assert!(out.contains("<h2 id=\"1000-second\"><time class=\"live-update-time\" datetime=\"2021-03-30T10:00:00+08:00\">10:00</time> Second</h2>"), "{out}");
        assert_eq!(out.matches("<article class=\"live-update\"").count(), 2);
        assert_eq!(out.matches("</article>").count(), 2);
    }
}
