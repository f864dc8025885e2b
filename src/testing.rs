//! Ways into gazette's own cache files for the integration tests, which
//! damage and edit them to check that a build never trusts what it cannot
//! vouch for. Not part of gazette's interface.

/// The Markdown cache's index file (`markdown/index.bin`) as JSON, its
/// format as `format`; None when it is not one this gazette reads.
pub fn markdown_index_as_json(bytes: &[u8]) -> Option<serde_json::Value> {
    crate::markdown_cache::index_as_json(bytes)
}

/// The bytes of a Markdown cache index file saying what `value` says
/// ([`markdown_index_as_json`]), under the format its `format` gives.
pub fn markdown_index_from_json(value: &serde_json::Value) -> Option<Vec<u8>> {
    crate::markdown_cache::index_from_json(value)
}

/// What the Markdown cache keeps of an article file as loaded (a text of
/// `bodies-N.bin`, unpacked) as JSON; None when it is not one.
pub fn kept_load_as_json(bytes: &[u8]) -> Option<serde_json::Value> {
    crate::markdown_cache::kept_load_as_json(bytes)
}

/// The bytes (before packing) of a kept article file saying what `value`
/// says ([`kept_load_as_json`]).
pub fn kept_load_from_json(value: &serde_json::Value) -> Option<Vec<u8>> {
    crate::markdown_cache::kept_load_from_json(value)
}
