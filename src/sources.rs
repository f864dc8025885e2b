//! Reading the site's own files safely: only regular files of a bounded
//! size are read, and a walk of content/, static/ or templates/ never
//! leaves the site through a symbolic link.
//!
//! A site is untrusted input (a pull request can change any file of it), so
//! a link to `/etc/passwd` or `/proc/self/environ`, a FIFO or a link to
//! `/dev/zero` must end in an error naming the file, never in a published
//! secret, a hang or memory without bound.

use crate::diagnostics::{Diagnostic, display_path};
use std::cell::RefCell;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use walkdir::{DirEntry, WalkDir};

/// The largest source file gazette reads (site.toml, a template, a content
/// file): far above any real article, far below the machine's memory.
pub const MAX_SOURCE_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a source file whole, after checking that it is a regular file
/// (not a FIFO, socket or device, which can block or never end) of at most
/// [`MAX_SOURCE_BYTES`].
pub(crate) fn read_source(path: &Path) -> io::Result<Vec<u8>> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::other(format!(
            "{}: gazette reads only regular files",
            special_kind(&meta)
        )));
    }
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut options = fs::OpenOptions::new();
    options.read(true);
    // O_NONBLOCK: a FIFO put in the file's place since the check above
    // cannot make the open wait for a writer.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_SOURCE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

fn too_large(len: u64) -> io::Error {
    io::Error::other(format!(
        "the file is {} MiB; gazette reads source files of at most {} MiB",
        len.div_ceil(1024 * 1024),
        MAX_SOURCE_BYTES / 1024 / 1024
    ))
}

/// What a file that is neither a regular file nor a folder is.
fn special_kind(meta: &fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        } else if kind.is_socket() {
            return "a socket";
        } else if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    "not a regular file"
}

/// The order of two entries of one folder by name, as walkdir's
/// `sort_by_file_name`: siblings' paths are their folder's path and their
/// names, so comparing the whole paths compares the names. It is cheaper
/// since the name is not taken apart from the path again at every
/// comparison (a tenth or two of a second of a 100,000-article load, on one
/// core, with 9,000 files a folder).
fn by_name(a: &DirEntry, b: &DirEntry) -> std::cmp::Ordering {
    a.path().as_os_str().cmp(b.path().as_os_str())
}

/// Every regular file below `root/dir` (absolute paths, sorted by name),
/// descending only where `keep` allows, and the problems found:
/// - a symbolic link whose target is outside the site root, or inside one
///   of its hidden folders (`.git`, `.env`), is an error naming the link;
///   links that stay inside the site are followed;
/// - a special file (FIFO, socket, device) is an error naming it;
/// - a folder that cannot be read or that links back to one that holds it
///   is an error naming it.
pub(crate) fn walk_site_dir(
    root: &Path,
    dir: &Path,
    keep: impl Fn(&DirEntry) -> bool,
) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let site = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let shown = |path: &Path| display_path(root, path.strip_prefix(root).unwrap_or(path));
    let top = root.join(dir);
    if !top.is_dir() {
        return (Vec::new(), Vec::new());
    }
    // The folder itself may be a link too (`static -> /etc`).
    if let Ok(target) = fs::canonicalize(&top)
        && !target.starts_with(&site)
    {
        let why = format!(
            "a symbolic link to {}, outside the site: gazette publishes only files inside the site; copy the files in, or remove the link",
            target.display()
        );
        return (Vec::new(), vec![Diagnostic::error(shown(&top), why)]);
    }
    let errors = RefCell::new(Vec::new());
    let mut files = Vec::new();
    let walker = WalkDir::new(root.join(dir))
        .follow_links(true)
        .sort_by(by_name)
        .into_iter()
        .filter_entry(|e| {
            if e.depth() > 0 && !keep(e) {
                return false;
            }
            match refuse_entry(&site, e) {
                Some(why) => {
                    errors
                        .borrow_mut()
                        .push(Diagnostic::error(shown(e.path()), why));
                    false
                }
                None => true,
            }
        });
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
            Ok(_) => {}
            Err(e) => {
                let path = e.path().map_or_else(|| root.join(dir), Path::to_path_buf);
                let why = if e.loop_ancestor().is_some() {
                    "symbolic link loop: this folder links back to one that contains it".to_string()
                } else {
                    format!(
                        "cannot read: {}",
                        e.io_error()
                            .map_or_else(|| e.to_string(), |io| io.to_string())
                    )
                };
                errors
                    .borrow_mut()
                    .push(Diagnostic::error(shown(&path), why));
            }
        }
    }
    (files, errors.into_inner())
}

/// Why an entry of a walk may not be read or published, if it may not.
fn refuse_entry(site: &Path, entry: &DirEntry) -> Option<String> {
    let kind = entry.file_type();
    let special = || {
        let what = fs::metadata(entry.path()).map_or("not a regular file", |m| special_kind(&m));
        Some(format!(
            "{what}: gazette reads and publishes only regular files and folders; remove it"
        ))
    };
    if !entry.path_is_symlink() {
        return if kind.is_file() || kind.is_dir() {
            None
        } else {
            special()
        };
    }
    let target = match fs::canonicalize(entry.path()) {
        Ok(target) => target,
        Err(e) => return Some(format!("a symbolic link that cannot be followed: {e}")),
    };
    let Ok(inside) = target.strip_prefix(site) else {
        return Some(format!(
            "a symbolic link to {}, outside the site: gazette publishes only files inside the site; copy the file in, or remove the link",
            target.display()
        ));
    };
    let hidden = inside
        .components()
        .any(|c| matches!(c, Component::Normal(name) if name.to_string_lossy().starts_with('.')));
    if hidden {
        return Some(format!(
            "a symbolic link into the hidden {}: gazette never publishes hidden files (such as .git or .env); copy the file in, or remove the link",
            inside.display()
        ));
    }
    if kind.is_file() || kind.is_dir() {
        None
    } else {
        special()
    }
}

/// A control character that no web page or feed may carry (HTML forbids
/// them in text, XML 1.0 in any document), as an error at its first place:
/// written out, one would make the page invalid and the feed unreadable.
pub(crate) fn forbidden_control(display: &Path, text: &str) -> Option<Diagnostic> {
    if !has_forbidden_control(text) {
        return None;
    }
    let (offset, c) = text
        .char_indices()
        .find(|(_, c)| is_forbidden_control(*c))?;
    let count = text.chars().filter(|c| is_forbidden_control(*c)).count();
    let more = match count {
        1 => String::new(),
        n => format!(" ({n} in this file)"),
    };
    Some(
        Diagnostic::error(
            display,
            format!(
                "the control character U+{:04X}{more} cannot appear in a web page or feed: remove it (word processors paste U+000B for a line break)",
                c as u32
            ),
        )
        .at_offset(text, offset),
    )
}

/// A control character other than tab and line breaks (C0, DEL and C1).
pub(crate) fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Whether `text` holds a character [`is_forbidden_control`] forbids,
/// found by its bytes: every article's body is looked through, and
/// decoding each character made this a twentieth of a large build's
/// load. In UTF-8 a C0 control or DEL is its own byte, and a C1 control
/// (U+0080 to U+009F) is 0xC2 followed by 0x80 to 0x9F, which nothing
/// else is.
pub(crate) fn has_forbidden_control(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\t' | b'\n' | b'\r' => false,
        0x00..=0x1F | 0x7F => true,
        0xC2 => matches!(bytes.get(i + 1), Some(0x80..=0x9F)),
        _ => false,
    })
}

// FIFOs and /dev/zero are Unix's.
#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn special_and_large_files_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
        let e = read_source(&fifo).unwrap_err().to_string();
        assert!(e.starts_with("a named pipe (FIFO)"), "{e}");
        let e = read_source(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(e.starts_with("a device"), "{e}");
        let big = dir.path().join("big");
        let file = fs::File::create(&big).unwrap();
        file.set_len(MAX_SOURCE_BYTES + 1).unwrap();
        let e = read_source(&big).unwrap_err().to_string();
        assert!(e.contains("at most 256 MiB"), "{e}");
        fs::write(&big, "ok").unwrap();
        assert_eq!(read_source(&big).unwrap(), b"ok");
    }

    #[test]
    fn the_walk_lists_files_in_walkdirs_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        // Names where a path's order and a name's order could part: a
        // folder and a file that share a start ("a" against "a.md", "/"
        // sorting after "."), capitals, spaces, accents, digits.
        for name in [
            "a.md", "a/z.md", "a/b/c.md", "a-b.md", "a b.md", "B.md", "é.md", "e.md", "10.md",
            "9.md", "a.b/x.md", "ab/y.md",
        ] {
            let path = content.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        let (files, problems) = walk_site_dir(dir.path(), Path::new("content"), |_| true);
        assert!(problems.is_empty(), "{problems:?}");
        let by_file_name: Vec<PathBuf> = WalkDir::new(&content)
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        assert_eq!(files.len(), 12);
        assert_eq!(files, by_file_name);
    }
}

#[cfg(test)]
mod control_tests {
    use super::*;
    use proptest::prelude::*;

    fn by_chars(text: &str) -> bool {
        text.chars().any(is_forbidden_control)
    }

    #[test]
    fn forbidden_controls_are_found_by_their_bytes() {
        for (text, forbidden) in [
            ("", false),
            ("Xiaomi\tand\r\nGreat Wall\n", false),
            ("a\u{0}b", true),
            ("line\u{b}break", true),
            ("del\u{7f}", true),
            ("c1 \u{85} next line", true),
            ("c1 \u{9f}", true),
            // 0xC2 before 0xA0 and above: no-break space, pound sign.
            ("\u{a0}£100 and ¥6.5 billion", false),
            ("é ü 小米 📈", false),
        ] {
            assert_eq!(has_forbidden_control(text), forbidden, "{text:?}");
            assert_eq!(by_chars(text), forbidden, "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn the_byte_check_agrees_with_the_characters(text in any::<String>()) {
            prop_assert_eq!(has_forbidden_control(&text), by_chars(&text));
        }

        #[test]
        fn the_byte_check_agrees_near_the_control_ranges(
            chars in proptest::collection::vec(
                prop_oneof![0u32..0xA0, 0xA0u32..0x800, Just(0x2028)],
                0..40,
            )
        ) {
            let text: String = chars.into_iter().filter_map(char::from_u32).collect();
            prop_assert_eq!(has_forbidden_control(&text), by_chars(&text));
        }
    }
}
