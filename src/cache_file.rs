//! The encoding of the build cache's largest files, the output folders'
//! records and the build state: a header naming what the file is and its
//! format, a hash of the rest, then the value in postcard (a compact
//! binary serde format). At 100,000 articles these were 40 MB each as
//! JSON, read and written on every build; in postcard they are 24 MB, and
//! with foldhash for their maps they read several times faster.
//!
//! A file that is not one of these, is of another format, or whose bytes
//! do not hash as its header says reads as an error, never as a value: a
//! cache file is a fast path, and one it cannot vouch for costs a build
//! its shortcut, never its output.

use serde::Serialize;
use serde::de::DeserializeOwned;
use xxhash_rust::xxh3::xxh3_64;

/// The first bytes of every such file.
const MAGIC: &[u8; 8] = b"gazette\0";
/// Magic, kind, format and hash.
const HEADER_LEN: usize = 8 + 4 + 4 + 8;

/// What a file holds, in its header: a record read as a state is foreign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kind(pub [u8; 4]);

/// Why a file did not read as the value asked for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unreadable {
    /// Not a file of this kind (another program's, an older gazette's JSON).
    Foreign,
    /// A file of this kind in another format: another gazette's.
    OtherFormat(u32),
    /// Cut short or changed since it was written.
    Damaged,
}

/// `value` as a file of `kind` in `format`.
pub(crate) fn encode<T: Serialize>(kind: Kind, format: u32, value: &T) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(HEADER_LEN + 4096);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&kind.0);
    bytes.extend_from_slice(&format.to_le_bytes());
    bytes.extend_from_slice(&[0; 8]);
    let mut bytes = postcard::to_extend(value, bytes).map_err(std::io::Error::other)?;
    let hash = xxh3_64(&bytes[HEADER_LEN..]);
    bytes[HEADER_LEN - 8..HEADER_LEN].copy_from_slice(&hash.to_le_bytes());
    Ok(bytes)
}

/// The format number, the hash and the payload of a file of `kind`.
fn parts(bytes: &[u8], kind: Kind) -> Result<(u32, u64, &[u8]), Unreadable> {
    let header = bytes.get(..HEADER_LEN).ok_or(Unreadable::Foreign)?;
    if &header[..8] != MAGIC || header[8..12] != kind.0 {
        return Err(Unreadable::Foreign);
    }
    let format = u32::from_le_bytes(header[12..16].try_into().expect("four bytes"));
    let hash = u64::from_le_bytes(header[16..24].try_into().expect("eight bytes"));
    Ok((format, hash, &bytes[HEADER_LEN..]))
}

/// The value of `kind` in `format` that `bytes` hold.
pub(crate) fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    kind: Kind,
    format: u32,
) -> Result<T, Unreadable> {
    let (written, hash, payload) = parts(bytes, kind)?;
    if written != format {
        return Err(Unreadable::OtherFormat(written));
    }
    if xxh3_64(payload) != hash {
        return Err(Unreadable::Damaged);
    }
    whole_value(payload).ok_or(Unreadable::Damaged)
}

/// The postcard value `bytes` hold, when they hold it and nothing more:
/// postcard reads only as far as the value goes, and bytes after it mean
/// the bytes are not what was written.
pub(crate) fn whole_value<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    match postcard::take_from_bytes(bytes) {
        Ok((value, [])) => Some(value),
        _ => None,
    }
}

/// The first value of a file of `kind` in `format` (or of its start),
/// without checking the hash of the rest: a hint, for deciding whether
/// the file is still of use, never a value to build with.
pub(crate) fn peek<T: DeserializeOwned>(bytes: &[u8], kind: Kind, format: u32) -> Option<T> {
    let (written, _, payload) = parts(bytes, kind).ok()?;
    if written != format {
        return None;
    }
    postcard::take_from_bytes(payload)
        .ok()
        .map(|(value, _)| value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KIND: Kind = Kind(*b"test");

    #[test]
    fn a_value_reads_back_and_anything_else_is_refused_with_why() {
        let value: HashMap<String, (u64, i64)> = [
            ("a/index.html".into(), (u64::MAX, -1)),
            ("b".into(), (0, 7)),
        ]
        .into();
        let bytes = encode(KIND, 3, &value).unwrap();
        assert_eq!(
            decode::<HashMap<String, (u64, i64)>>(&bytes, KIND, 3),
            Ok(value)
        );

        let read = |bytes: &[u8]| decode::<HashMap<String, (u64, i64)>>(bytes, KIND, 3);
        assert_eq!(read(b"{\"files\": {}}"), Err(Unreadable::Foreign));
        assert_eq!(read(&bytes[..10]), Err(Unreadable::Foreign));
        assert_eq!(
            decode::<HashMap<String, (u64, i64)>>(&bytes, Kind(*b"tset"), 3),
            Err(Unreadable::Foreign)
        );
        assert_eq!(
            read(&encode(KIND, 4, &0u8).unwrap()),
            Err(Unreadable::OtherFormat(4))
        );
        for cut in [HEADER_LEN, bytes.len() - 1] {
            assert_eq!(
                read(&bytes[..cut]),
                Err(Unreadable::Damaged),
                "cut at {cut}"
            );
        }
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(read(&flipped), Err(Unreadable::Damaged));
        // A peek reads the first value of a file's start, unchecked.
        let first: Option<HashMap<String, (u64, i64)>> = peek(&bytes, KIND, 3);
        assert_eq!(first.as_ref(), decode(&bytes, KIND, 3).ok().as_ref());
        assert_eq!(peek::<u8>(b"{\"files\": {}}", KIND, 3), None);
        assert_eq!(peek::<u8>(&bytes, KIND, 4), None);
        // A value followed by more bytes, hashed as a whole, is not it.
        let mut longer = encode(KIND, 3, &(value_of_one(), 5u8)).unwrap();
        let hash = xxh3_64(&longer[HEADER_LEN..]);
        longer[HEADER_LEN - 8..HEADER_LEN].copy_from_slice(&hash.to_le_bytes());
        assert_eq!(
            decode::<HashMap<String, (u64, i64)>>(&longer, KIND, 3),
            Err(Unreadable::Damaged)
        );
    }

    fn value_of_one() -> HashMap<String, (u64, i64)> {
        [("c".into(), (1, 1))].into()
    }
}
