//! Text kept compressed until it is needed: the HTML of every article
//! body waits from the model until its page is written, and on a large
//! archive that is most of the build's memory. News prose packs to about
//! a third with LZ4, which unpacks at gigabytes a second. A build also
//! puts the packed bytes in a [`Spill`] file in its cache folder, so the
//! bodies wait on disk (in the system's file cache) rather than in the
//! process: memory then holds a few bytes an article.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A text, compressed; [`Packed::unpack`] gives it back.
#[derive(Clone, Default)]
pub(crate) struct Packed(Place);

/// Where a packed text's bytes are.
#[derive(Clone)]
enum Place {
    Here(Box<[u8]>),
    /// `len` bytes at `at` of the spill file.
    Spilled {
        spill: Arc<Spill>,
        at: u64,
        len: u32,
    },
}

impl Default for Place {
    fn default() -> Place {
        Place::Here(Box::default())
    }
}

impl Packed {
    pub(crate) fn pack(text: &str) -> Packed {
        Packed(Place::Here(compress(text).into_boxed_slice()))
    }

    /// [`Packed::pack`], with the bytes written to `spill` when there is
    /// one; kept in memory if writing them fails (a full disk costs
    /// memory, not the build).
    pub(crate) fn pack_into(text: &str, spill: Option<&Arc<Spill>>) -> Packed {
        let bytes = compress(text);
        if let Some(spill) = spill
            && let Ok(len) = u32::try_from(bytes.len())
            && let Ok(at) = spill.put(&bytes)
        {
            return Packed(Place::Spilled {
                spill: Arc::clone(spill),
                at,
                len,
            });
        }
        Packed(Place::Here(bytes.into_boxed_slice()))
    }

    /// The packed text that `spill` holds at `at` (`len` bytes): one an
    /// earlier build left in a file it keeps (see `crate::markdown_cache`).
    pub(crate) fn in_spill(spill: &Arc<Spill>, at: u64, len: u32) -> Packed {
        Packed(Place::Spilled {
            spill: Arc::clone(spill),
            at,
            len,
        })
    }

    /// The text packed. An error only when a spilled text cannot be read
    /// back from its file.
    pub(crate) fn unpack(&self) -> io::Result<String> {
        let bytes = match &self.0 {
            Place::Here(bytes) => decompress(bytes),
            Place::Spilled { spill, at, len } => decompress(&spill.get(*at, *len)?),
        };
        String::from_utf8(bytes?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

pub(crate) fn compress(bytes: impl AsRef<[u8]>) -> Vec<u8> {
    lz4_flex::compress_prepend_size(bytes.as_ref())
}

/// LZ4 packs no better than 255 to 1: a larger size at the head is a
/// damaged file's, which must not be taken as an amount of memory to
/// ask for.
const MOST_PACKED: usize = 255;

pub(crate) fn decompress(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let claimed =
        (bytes.get(..4)).map(|head| u32::from_le_bytes([head[0], head[1], head[2], head[3]]));
    if claimed.is_some_and(|size| size as usize > bytes.len().saturating_mul(MOST_PACKED)) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the packed text claims more than it can hold",
        ));
    }
    lz4_flex::decompress_size_prepended(bytes)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

impl fmt::Debug for Packed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Place::Here(bytes) => write!(f, "Packed({} bytes)", bytes.len()),
            Place::Spilled { len, .. } => write!(f, "Packed({len} bytes, spilled)"),
        }
    }
}

/// A file without a name that packed texts are appended to and read back
/// from, by any thread at once. It is made in a folder gazette made (the
/// cache folder) and unlinked as it is made (`O_TMPFILE` on Linux), so
/// it never shows among the user's files and goes with the process,
/// however the build ends.
pub(crate) struct Spill {
    file: std::fs::File,
    /// Where the next text goes: each writer takes its range first.
    end: AtomicU64,
}

impl Spill {
    /// A new spill file in `dir`. Only on Unix, whose files are written
    /// and read at an offset without a shared cursor.
    pub(crate) fn in_folder(dir: &std::path::Path) -> io::Result<Spill> {
        if cfg!(unix) {
            Ok(Spill {
                file: tempfile::tempfile_in(dir)?,
                end: AtomicU64::new(0),
            })
        } else {
            Err(io::ErrorKind::Unsupported.into())
        }
    }

    /// A spill over `file`, which holds `end` bytes worth keeping: texts
    /// are appended after them.
    pub(crate) fn over(file: std::fs::File, end: u64) -> Spill {
        Spill {
            file,
            end: AtomicU64::new(end),
        }
    }

    /// Where the next text goes: the file's length, as far as it counts.
    /// The file's metadata, as the system has it now.
    pub(crate) fn metadata(&self) -> io::Result<std::fs::Metadata> {
        self.file.metadata()
    }

    pub(crate) fn end(&self) -> u64 {
        self.end.load(Ordering::Relaxed)
    }

    /// Appends `bytes`; returns where they start.
    pub(crate) fn put(&self, bytes: &[u8]) -> io::Result<u64> {
        let at = self.end.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        write_at(&self.file, bytes, at)?;
        Ok(at)
    }

    pub(crate) fn get(&self, at: u64, len: u32) -> io::Result<Vec<u8>> {
        let mut bytes = vec![0; len as usize];
        read_at(&self.file, &mut bytes, at)?;
        Ok(bytes)
    }
}

#[cfg(unix)]
fn write_at(file: &std::fs::File, bytes: &[u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, at)
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, bytes: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, bytes, at)
}

#[cfg(not(unix))]
fn write_at(_: &std::fs::File, _: &[u8], _: u64) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(not(unix))]
fn read_at(_: &std::fs::File, _: &mut [u8], _: u64) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXTS: [&str; 3] = ["", "é", "<p>Xiaomi and Great Wall Motor</p>\n"];

    #[test]
    fn a_text_comes_back_as_it_was_packed() {
        for text in TEXTS {
            assert_eq!(Packed::pack(text).unpack().unwrap(), text);
        }
        let long = "<p>Shares rallied.</p>".repeat(1000);
        match Packed::pack(&long).0 {
            Place::Here(bytes) => assert!(bytes.len() < long.len() / 10),
            Place::Spilled { .. } => panic!("packed in memory"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn texts_spilled_from_many_threads_come_back_each_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Arc::new(Spill::in_folder(dir.path()).unwrap());
        let texts: Vec<String> = (0..200)
            .map(|i| format!("<p>Story {i}: {}</p>", TEXTS[i % 3].repeat(i)))
            .collect();
        let packed: Vec<Packed> = std::thread::scope(|scope| {
            let handles: Vec<_> = (texts.chunks(50))
                .map(|chunk| {
                    let spill = &spill;
                    scope.spawn(move || {
                        (chunk.iter())
                            .map(|t| Packed::pack_into(t, Some(spill)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        for (text, packed) in texts.iter().zip(&packed) {
            assert!(matches!(packed.0, Place::Spilled { .. }), "{packed:?}");
            assert_eq!(&packed.unpack().unwrap(), text);
        }
        // Nothing of it shows in the folder it was made in.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn without_a_spill_a_text_stays_in_memory() {
        let packed = Packed::pack_into("<p>a</p>", None);
        assert!(matches!(packed.0, Place::Here(_)));
        assert_eq!(packed.unpack().unwrap(), "<p>a</p>");
    }
}
