//! Which articles each list page, feed and the 404 page shows: the one
//! place lists are cut into pages and feeds, read both by rendering and by
//! [`super::Renderer::may_show`] (which pages a save of one article may
//! change), so the two cannot disagree.

use std::ops::Range;

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
