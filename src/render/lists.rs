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
    let per_page = site.config.per_page;
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
        Job::Front(n) => range(page_bounds(count, n, per_page)),
        Job::Author { author, page } => {
            slice(page_of(&site.authors[author].articles, page, per_page))
        }
        Job::AuthorFeed(a) => slice(feed_of(&site.authors[a].articles, feed_limit)),
        Job::Term { kind, term, page } => {
            slice(page_of(&site.terms(kind)[term].articles, page, per_page))
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

/// How many pages a list of `len` articles takes (at least one, so an
/// empty list still has its page).
pub(crate) fn page_count(len: usize, per_page: usize) -> usize {
    len.div_ceil(per_page).max(1)
}

/// The positions page `n` (from 1) of a list of `len` shows.
pub(crate) fn page_bounds(len: usize, n: usize, per_page: usize) -> Range<usize> {
    let start = (n.saturating_sub(1) * per_page).min(len);
    start..(start + per_page).min(len)
}

/// The articles page `n` (from 1) of `items` shows.
pub(crate) fn page_of(items: &[usize], n: usize, per_page: usize) -> &[usize] {
    &items[page_bounds(items.len(), n, per_page)]
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
        let items: Vec<usize> = (10..17).collect();
        assert_eq!(page_count(items.len(), 3), 3);
        assert_eq!(page_count(0, 3), 1);
        assert_eq!(page_of(&items, 1, 3), [10, 11, 12]);
        assert_eq!(page_of(&items, 3, 3), [16]);
        assert_eq!(page_of(&items, 4, 3), [] as [usize; 0]);
        assert_eq!(page_bounds(7, 2, 3), 3..6);
        assert_eq!(feed_of(&items, 2), [10, 11]);
        assert_eq!(feed_of(&items, 20).len(), 7);
        assert_eq!(not_found_latest(3), 0..3);
        assert_eq!(not_found_latest(30), 0..5);
    }
}
