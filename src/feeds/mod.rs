//! Feeds for readers and aggregators. Every date in them comes from the
//! content, never from the clock, so two builds give the same bytes.

pub mod rss;

/// Text without the control characters XML 1.0 cannot carry at all, even
/// escaped (a stray U+000B pasted from a word processor would otherwise make
/// the whole feed unreadable).
pub fn xml_text(text: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    };
    if text.chars().all(allowed) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}
