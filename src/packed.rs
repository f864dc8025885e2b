//! Text kept compressed in memory: the HTML of every article body waits
//! from the model until its page is written, and on a large archive that
//! is most of the build's memory. News prose packs to about a third with
//! LZ4, which unpacks at gigabytes a second.

use std::fmt;

/// A text, compressed; [`Packed::unpack`] gives it back.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Packed(Box<[u8]>);

impl Packed {
    pub(crate) fn pack(text: &str) -> Packed {
        Packed(lz4_flex::compress_prepend_size(text.as_bytes()).into_boxed_slice())
    }

    /// The text packed. Only gazette packs, so the bytes are always a
    /// packed text; were they not, the text would come back empty rather
    /// than stop the build.
    pub(crate) fn unpack(&self) -> String {
        let bytes = lz4_flex::decompress_size_prepended(&self.0).unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

impl fmt::Debug for Packed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Packed({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_comes_back_as_it_was_packed() {
        for text in [
            "",
            "é",
            "<p>Xiaomi and Great Wall Motor</p>\n".repeat(200).as_str(),
        ] {
            assert_eq!(Packed::pack(text).unpack(), text);
        }
        let long = "<p>Shares rallied.</p>".repeat(1000);
        assert!(Packed::pack(&long).0.len() < long.len() / 10);
    }
}
