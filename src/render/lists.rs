//! Which articles each file of the site shows ([`shown`]), and how lists
//! are cut into pages and feeds: the one place read both by rendering and
//! by `gazette serve` (which files a save of one article may change), so
//! the two cannot disagree.

use super::Job;
use crate::site::Site;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::ops::Range;

/// The articles a file shows, as its page, a card, a headline or a feed
/// entry.
pub(crate) enum Shown<'s> {
    Nothing,
    /// Every article (the search index, the sitemaps).
    Every,
    /// These articles, in the order the file shows them.
    These(Cow<'s, [usize]>),
}

impl Shown<'_> {
    /// Whether the file shows article `i`.
    pub(crate) fn includes(&self, i: usize) -> bool {
        match self {
            Shown::Nothing => false,
            Shown::Every => true,
            Shown::These(list) => list.contains(&i),
        }
    }

    /// The articles listed; empty for [`Shown::Every`], which is never
    /// listed one by one.
    pub(crate) fn list(&self) -> &[usize] {
        match self {
            Shown::These(list) => list,
            Shown::Nothing | Shown::Every => &[],
        }
    }
}

/// Which articles the file of `job` shows. Rendering takes each list it
/// shows from here; an article page shows itself first, then its related
/// articles.
pub(crate) fn shown(site: &Site, job: Job) -> Shown<'_> {
    let feed_limit = site.config.feed_limit;
    let count = site.articles.len();
    let range = |r: Range<usize>| Shown::These(Cow::Owned(r.collect()));
    fn slice(list: &[usize]) -> Shown<'_> {
        Shown::These(Cow::Borrowed(list))
    }
    match job {
        Job::Article(a) => {
            let article = &site.articles[a];
            // Itself, its related articles, and those it links to with a
            // `readmore` card (their title and summary show).
            let cards = (article.shortcodes.iter())
                .filter_map(|call| super::shortcodes::readmore_article(site, call));
            let list = [a].into_iter().chain(article.related.iter().copied());
            let series = series_box(site, a);
            Shown::These(Cow::Owned(list.chain(series).chain(cards).collect()))
        }
        Job::Alias { article, .. } => Shown::These(Cow::Owned(vec![article])),
        // The front page lists every article, newest first.
        Job::Front(n) => range(Pages::of(site, count).bounds(n)),
        Job::Author { author, page } => slice(page_of(&site.authors[author].articles, page, site)),
        Job::AuthorFeed(a) => slice(feed_of(&site.authors[a].articles, feed_limit)),
        Job::Term { kind, term, page } => {
            slice(page_of(&site.terms(kind)[term].articles, page, site))
        }
        Job::TermFeed { kind, term } => {
            slice(feed_of(&site.terms(kind)[term].articles, feed_limit))
        }
        Job::Year(y) => Shown::These(Cow::Owned(
            (site.archives[y].months.iter())
                .flat_map(|m| m.articles.iter().copied())
                .collect(),
        )),
        Job::Month { year, month } => slice(&site.archives[year].months[month].articles),
        Job::NotFound => range(not_found_latest(count)),
        Job::Rss | Job::Atom | Job::JsonFeed => range(feed_bounds(count, feed_limit)),
        Job::SearchIndex
        | Job::SearchPart(_)
        | Job::Sitemap
        | Job::SitemapPart(_)
        | Job::NewsSitemap => Shown::Every,
        // Pages, the indexes of terms and authors (names and counts), the
        // search page, the stylesheet and robots.txt.
        Job::Page(_)
        | Job::PageAlias { .. }
        | Job::AuthorIndex
        | Job::TermIndex(_)
        | Job::Search
        | Job::Theme(_)
        | Job::FingerprintedTheme(_)
        | Job::Favicon
        | Job::Redirects
        | Job::NginxRedirects
        | Job::Headers
        | Job::Robots => Shown::Nothing,
    }
}

/// The articles whose cards show inside the bodies a file carries, by a
/// `readmore` call, beyond those [`shown`] lists: a page's own calls, and
/// the calls in each article a feed carries. Rendering finds these cards
/// itself; what a change touches (`crate::changes`) needs them too.
pub(crate) fn cards_in_bodies(site: &Site, job: Job) -> Vec<usize> {
    let readmore = |call| super::shortcodes::readmore_article(site, call);
    match job {
        Job::Page(p) => (site.pages[p].rendered.shortcodes.iter())
            .filter_map(readmore)
            .collect(),
        Job::Rss | Job::Atom | Job::JsonFeed | Job::AuthorFeed(_) | Job::TermFeed { .. } => {
            (shown(site, job).list().iter())
                .flat_map(|&i| site.articles[i].shortcodes.iter())
                .filter_map(readmore)
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The articles whose cards the files of `jobs` show, listed or inside
/// the bodies they carry ([`shown`] and [`cards_in_bodies`]). The files
/// that show every article (the search index, the sitemaps) show no
/// card: they are data, made without templates.
pub(crate) fn cards_needed(site: &Site, jobs: impl Iterator<Item = Job>) -> BTreeSet<usize> {
    let mut needed = BTreeSet::new();
    for job in jobs {
        needed.extend(shown(site, job).list());
        needed.extend(cards_in_bodies(site, job));
    }
    needed
}

/// How many parts of its series an article's "more in this series" box
/// lists, itself included.
pub const SERIES_BOX_LENGTH: usize = 7;

/// The parts of article `a`'s series its box lists, oldest first: the
/// whole series when short, else the parts around `a`. Empty when `a` is
/// in no series.
pub(crate) fn series_box(site: &Site, a: usize) -> Vec<usize> {
    let Some(place) = site.articles[a].series else {
        return Vec::new();
    };
    let newest_first = &site.series[place.series].articles;
    let at = place.part - 1;
    let start = (at.saturating_sub(SERIES_BOX_LENGTH / 2))
        .min(newest_first.len().saturating_sub(SERIES_BOX_LENGTH));
    // The box reads in the order of events, oldest first.
    let end = (start + SERIES_BOX_LENGTH).min(newest_first.len());
    (start..end)
        .map(|n| newest_first[newest_first.len() - 1 - n])
        .collect()
}

/// How many of the newest articles the 404 page lists.
pub const LATEST_ON_NOT_FOUND: usize = 5;

/// How a list of articles (newest first) is cut into pages. Its page 1 is
/// the list's own page (`/`, `/tags/ev/`): the newest `per_page`. The
/// others are numbered pages (`page/N/`), counted from the newest
/// (`page/2/` holds the next newest, the default) or, with
/// `page_numbers = "from-oldest"`, from the oldest: `page/1/` holds the
/// oldest `per_page`, and a numbered page keeps its articles when a new
/// one comes, so a story added to a list of 100,000 changes its own page
/// and the newest numbered page or two, not all 10,000. There, the newest
/// articles not yet a full page show on the list's own page only, which
/// can show some of the newest numbered page's articles again.
///
/// Pages are named here by their place from the list's own page (1, 2,
/// …, [`Pages::count`]), in both numberings, and [`Pages::number`] gives
/// the number their URL carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pages {
    len: usize,
    per_page: usize,
    from_oldest: bool,
}

impl Pages {
    /// The pages of `site`'s list of `len` articles.
    pub(crate) fn of(site: &Site, len: usize) -> Pages {
        Pages::new(len, site.config.per_page, site.config.pages_from_oldest)
    }

    pub(crate) fn new(len: usize, per_page: usize, from_oldest: bool) -> Pages {
        Pages {
            len,
            per_page: per_page.max(1),
            from_oldest,
        }
    }

    /// How many pages the list takes (at least one, so an empty list
    /// still has its page).
    pub(crate) fn count(&self) -> usize {
        self.len.div_ceil(self.per_page).max(1)
    }

    /// Whether the numbered pages count from the oldest.
    pub(crate) fn count_from_oldest(&self) -> bool {
        self.from_oldest
    }

    /// Whether page `n` holds the same articles for good (a numbered page
    /// counted from the oldest): its context then carries nothing that
    /// changes when a story is added (no page or article counts), so that
    /// a new story leaves it as it is.
    pub(crate) fn holds_for_good(&self, n: usize) -> bool {
        self.from_oldest && n > 1
    }

    /// The positions (newest first) page `n` shows.
    pub(crate) fn bounds(&self, n: usize) -> Range<usize> {
        let (len, per_page) = (self.len, self.per_page);
        if self.from_oldest && n > 1 {
            // Numbered page `b` holds the oldest articles from the
            // (b-1)-th per_page on; b < count, so it is always full.
            let b = self.number(n);
            if b == 0 {
                return len..len;
            }
            let start = len.saturating_sub(b.saturating_mul(per_page));
            return start..start.saturating_add(per_page).min(len);
        }
        let start = (n.saturating_sub(1).saturating_mul(per_page)).min(len);
        start..start.saturating_add(per_page).min(len)
    }

    /// The number page `n`'s URL carries: `n` itself counting from the
    /// newest; counting from the oldest, 1 for the oldest page and, for
    /// the list's own page (which carries none), the count of pages.
    pub(crate) fn number(&self, n: usize) -> usize {
        match self.from_oldest {
            true if n > 1 => (self.count() + 1).saturating_sub(n),
            true => self.count(),
            false => n,
        }
    }

    /// The site path of page `n` of the list whose own page is `list`.
    pub(crate) fn path(&self, list: &str, n: usize) -> String {
        match n {
            0 | 1 => list.to_string(),
            n => crate::paths::numbered_page(list, self.number(n)),
        }
    }
}

/// The articles page `n` of `items` shows ([`Pages::bounds`]).
pub(crate) fn page_of<'a>(items: &'a [usize], n: usize, site: &Site) -> &'a [usize] {
    &items[Pages::of(site, items.len()).bounds(n)]
}

/// The positions a feed of a list of `len` shows: the newest `limit`.
pub(crate) fn feed_bounds(len: usize, limit: usize) -> Range<usize> {
    0..len.min(limit)
}

/// The articles a feed of `items` (newest first) shows.
pub(crate) fn feed_of(items: &[usize], limit: usize) -> &[usize] {
    &items[feed_bounds(items.len(), limit)]
}

/// The articles (of `count`, newest first) the 404 page lists.
pub(crate) fn not_found_latest(count: usize) -> Range<usize> {
    0..count.min(LATEST_ON_NOT_FOUND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_feeds_cut_lists_the_same_way_everywhere() {
        let pages = Pages::new(7, 3, false);
        assert_eq!(pages.count(), 3);
        assert_eq!(Pages::new(0, 3, false).count(), 1);
        assert_eq!(Pages::new(0, 3, true).count(), 1);
        assert_eq!(pages.bounds(1), 0..3);
        assert_eq!(pages.bounds(2), 3..6);
        assert_eq!(pages.bounds(3), 6..7);
        assert_eq!(pages.bounds(4), 7..7);
        assert_eq!(pages.path("/tags/ev/", 1), "/tags/ev/");
        assert_eq!(pages.path("/tags/ev/", 3), "/tags/ev/page/3/");
        let items: Vec<usize> = (10..17).collect();
        assert_eq!(feed_of(&items, 2), [10, 11]);
        assert_eq!(feed_of(&items, 20).len(), 7);
        assert_eq!(not_found_latest(3), 0..3);
        assert_eq!(not_found_latest(30), 0..5);
    }

    #[test]
    fn pages_numbered_from_the_oldest_keep_their_articles_as_new_ones_come() {
        // 25 articles, 10 a page: the list's own page the newest 10,
        // page/2/ positions 5..15 and page/1/ the oldest 10.
        let pages = Pages::new(25, 10, true);
        assert_eq!(pages.count(), 3);
        assert_eq!(pages.bounds(1), 0..10);
        assert_eq!((pages.number(2), pages.bounds(2)), (2, 5..15));
        assert_eq!((pages.number(3), pages.bounds(3)), (1, 15..25));
        assert_eq!(pages.path("/", 1), "/");
        assert_eq!(pages.path("/", 2), "/page/2/");
        assert_eq!(pages.path("/", 3), "/page/1/");
        // Past the last page, and a per_page as large as site.toml takes.
        assert_eq!(pages.bounds(4), 25..25);
        let huge = Pages::new(25, i64::MAX as usize, true);
        assert_eq!(
            (huge.count(), huge.bounds(1), huge.bounds(2)),
            (1, 0..25, 25..25)
        );
        let huge = Pages::new(25, usize::MAX, false);
        assert_eq!((huge.bounds(1), huge.bounds(3)), (0..25, 25..25));
        for per_page in 1..5 {
            for len in 0..40 {
                let before = Pages::new(len, per_page, true);
                let after = Pages::new(len + 1, per_page, true);
                // Every article is on the list's own page or on exactly
                // one numbered page, and every numbered page is full.
                let mut on_numbered = vec![0; len];
                for n in 2..=before.count() {
                    assert_eq!(before.bounds(n).len(), per_page, "{len} {per_page} {n}");
                    for at in before.bounds(n) {
                        on_numbered[at] += 1;
                    }
                }
                for (at, times) in on_numbered.iter().enumerate() {
                    let on_own = before.bounds(1).contains(&at);
                    assert!(
                        *times == 1 || (*times == 0 && on_own),
                        "{len} {per_page} {at}"
                    );
                }
                // A new newest article (position 0) moves every other one
                // down by one: each numbered page of the shorter list
                // shows the same articles under the same number.
                for n in 2..=before.count() {
                    let number = before.number(n);
                    let m = (2..=after.count())
                        .find(|&m| after.number(m) == number)
                        .unwrap();
                    let moved = after.bounds(m);
                    assert_eq!(before.bounds(n), moved.start - 1..moved.end - 1);
                    assert_eq!(before.path("/", n), after.path("/", m));
                }
            }
        }
    }
}
