//! Each article's body HTML (packed, see `crate::packed`) from the model
//! to its page and feed entries, and the one rule of when it is let go:
//! an article that no feed shows gives its body to its page and keeps
//! none, so a large archive never holds every body until its last page
//! is written. Feeds are written in any order, so a body a feed shows
//! stays until the renderer is dropped.

use crate::site::ArticleBody;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};

/// The bodies of every article, by index into `Site::articles`.
pub(crate) struct Bodies {
    /// None once the page took a body no feed shows.
    slots: Vec<Mutex<Option<Arc<ArticleBody>>>>,
    /// Whether the body must stay after its page took it.
    keep: Vec<bool>,
}

impl Bodies {
    /// `keep[i]` tells whether body `i` must stay once its page has it.
    pub(crate) fn new(bodies: Vec<ArticleBody>, keep: Vec<bool>) -> Bodies {
        Bodies {
            slots: bodies
                .into_iter()
                .map(|b| Mutex::new(Some(Arc::new(b))))
                .collect(),
            keep,
        }
    }

    /// Keeps every body for as long as this lives, so any page can be
    /// rendered again: for `gazette serve`, which renders pages when they
    /// are asked for.
    pub(crate) fn keep_all(&mut self) {
        self.keep.iter_mut().for_each(|k| *k = true);
    }

    /// The same bodies, shared (not copied), for the renderer made after a
    /// save; `replaced` gives one article a new body.
    pub(crate) fn shared(&self, replaced: Option<(usize, ArticleBody)>) -> Bodies {
        let mut slots: Vec<_> = (self.slots.iter())
            .map(|slot| Mutex::new(lock(slot).clone()))
            .collect();
        if let Some((i, body)) = replaced {
            slots[i] = Mutex::new(Some(Arc::new(body)));
        }
        Bodies {
            slots,
            keep: self.keep.clone(),
        }
    }

    /// Body `i` as a feed shows it: with absolute URLs. Every body a feed
    /// shows is kept (see [`Bodies::new`]). An error only when a spilled
    /// body cannot be read back (see `crate::packed`).
    pub(crate) fn for_feed(&self, i: usize) -> io::Result<String> {
        let body = lock(&self.slots[i]).clone();
        body.map_or(Ok(String::new()), |b| b.feed_html())
    }

    /// Body `i` for its page, unpacked; let go when nothing needs it any
    /// more.
    pub(crate) fn for_page(&self, i: usize) -> io::Result<String> {
        let body = if self.keep[i] {
            lock(&self.slots[i]).clone()
        } else {
            lock(&self.slots[i]).take()
        };
        body.map_or(Ok(String::new()), |b| b.html())
    }
}

/// A slot, even after a render thread panicked holding it (the body is
/// whole either way: it is only ever replaced, never edited).
fn lock<T>(slot: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(html: &str, feed: Option<&str>) -> ArticleBody {
        ArticleBody::new(html, feed)
    }

    #[test]
    fn a_body_no_feed_shows_goes_to_its_page_once_and_a_kept_one_stays() {
        let bodies = Bodies::new(
            vec![
                body("<p>a</p>", None),
                body("<a href=x>", Some("<a href=https://e/x>")),
            ],
            vec![false, true],
        );
        assert_eq!(bodies.for_page(0).unwrap(), "<p>a</p>");
        assert_eq!(bodies.for_page(0).unwrap(), "", "taken");
        assert_eq!(bodies.for_feed(1).unwrap(), "<a href=https://e/x>");
        assert_eq!(bodies.for_page(1).unwrap(), "<a href=x>");
        assert_eq!(bodies.for_page(1).unwrap(), "<a href=x>", "kept for feeds");
        assert_eq!(bodies.for_feed(1).unwrap(), "<a href=https://e/x>");
    }

    #[test]
    fn shared_bodies_are_the_same_strings_with_one_replaced() {
        let mut first = Bodies::new(vec![body("a", None), body("b", None)], vec![false, false]);
        first.keep_all();
        let second = first.shared(Some((1, body("new", None))));
        assert_eq!(second.for_page(0).unwrap(), "a");
        assert_eq!(second.for_page(1).unwrap(), "new");
        assert_eq!(first.for_page(1).unwrap(), "b");
        assert!(Arc::ptr_eq(
            lock(&first.slots[0]).as_ref().unwrap(),
            lock(&second.slots[0]).as_ref().unwrap()
        ));
    }
}
