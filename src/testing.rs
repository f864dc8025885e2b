//! Ways into gazette's own cache files for the integration tests, which
//! damage and edit them to check that a build never trusts what it cannot
//! vouch for. Not part of gazette's interface.

pub use crate::markdown_cache::{
    index_as_json as markdown_index_as_json, index_from_json as markdown_index_from_json,
    kept_load_as_json, kept_load_from_json,
};

/// Makes every page's context whole (true) instead of only as deep as its
/// template reads it (false, as a build does), for a test that compares
/// the pages both make.
pub fn make_whole_contexts(whole: bool) {
    crate::render::make_whole_contexts(whole);
}
