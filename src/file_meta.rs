//! What gazette compares of a file's metadata between runs: times in
//! nanoseconds and the file's identity. Unix gives all of them; elsewhere
//! each has a portable stand-in, named at its function, so gazette builds
//! and runs on every platform Rust does.

use std::fs;
use std::io;
use std::path::Path;
#[cfg(not(unix))]
use std::path::PathBuf;

/// Modification time in nanoseconds since the epoch (negative before it).
pub(crate) fn mtime_ns(meta: &fs::Metadata) -> i64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.mtime()
            .saturating_mul(1_000_000_000)
            .saturating_add(meta.mtime_nsec())
    }
    #[cfg(not(unix))]
    {
        system_time_ns(meta.modified().ok())
    }
}

/// Status-change time in nanoseconds since the epoch: no tool can set it,
/// so it tells a hand edit that put the length and modification time back
/// (`cp -p`, `rsync -t`). Off Unix, std has no such time and the
/// modification time stands in: such an edit then goes unseen there.
pub(crate) fn ctime_ns(meta: &fs::Metadata) -> i64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.ctime()
            .saturating_mul(1_000_000_000)
            .saturating_add(meta.ctime_nsec())
    }
    #[cfg(not(unix))]
    {
        mtime_ns(meta)
    }
}

/// The file's device and inode, which a rename keeps and a new file at the
/// same path does not. Off Unix, std gives no stable identity: `None`, and
/// callers fall back to what the path names.
pub(crate) fn identity(meta: &fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// How many names the file of `meta` has (hard links). Off Unix, std
/// cannot count them: 1.
fn links(meta: &fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::nlink(meta)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        1
    }
}

/// What gazette compares of one path between runs: its kind, length,
/// times and identity, as [`Folder::look`] finds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub kind: Kind,
    pub len: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    /// The inode, or 0 where the system gives none (see [`identity`]).
    pub inode: u64,
    /// How many names the file has (hard links); 1 where the system
    /// cannot count them.
    pub links: u64,
}

/// What a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    /// A link (when not followed), a FIFO, a device, a socket.
    Other,
}

impl Stamp {
    /// The stamp of metadata std gave.
    pub(crate) fn of(meta: &fs::Metadata) -> Stamp {
        let kind = if meta.is_file() {
            Kind::File
        } else if meta.is_dir() {
            Kind::Dir
        } else {
            Kind::Other
        };
        Stamp {
            kind,
            len: meta.len(),
            mtime_ns: mtime_ns(meta),
            ctime_ns: ctime_ns(meta),
            inode: identity(meta).map_or(0, |(_, inode)| inode),
            links: links(meta),
        }
    }
}

/// A folder held open, so that the many paths under it are looked at
/// relative to it: the system then resolves only each path's own part,
/// not the folder's again for every file. A build that finds nothing
/// changed looks at every input and output file (270,000 of them at
/// 100,000 articles), and resolving paths was most of its time.
pub(crate) struct Folder {
    #[cfg(not(unix))]
    path: PathBuf,
    #[cfg(unix)]
    handle: fs::File,
}

impl Folder {
    /// Opens the folder at `path` (following a link to it).
    pub(crate) fn open(path: &Path) -> io::Result<Folder> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            let handle = fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
                .open(path)?;
            Ok(Folder { handle })
        }
        #[cfg(not(unix))]
        {
            if !fs::metadata(path)?.is_dir() {
                return Err(io::Error::other(format!(
                    "{} is not a folder",
                    path.display()
                )));
            }
            Ok(Folder {
                path: path.to_path_buf(),
            })
        }
    }

    /// The stamp of the path `relative` to the folder, a link at its end
    /// counting as itself (as [`fs::symlink_metadata`]); None when nothing
    /// is there or it cannot be looked at.
    pub(crate) fn look(&self, relative: &str) -> Option<Stamp> {
        self.stat(relative, false)
    }

    /// [`Folder::look`], following a link at the path's end to what it
    /// points to (as [`fs::metadata`]).
    pub(crate) fn look_through(&self, relative: &str) -> Option<Stamp> {
        self.stat(relative, true)
    }

    #[cfg(unix)]
    fn stat(&self, relative: &str, follow: bool) -> Option<Stamp> {
        use std::ffi::{CStr, CString};
        use std::os::fd::AsRawFd;
        // Most paths fit a buffer on the stack: a build with nothing
        // changed looks at 437,000 of them, and allocating each name was a
        // twentieth of its time.
        let mut buffer = [0u8; 256];
        let long;
        let name: &CStr = if relative.len() < buffer.len() {
            buffer[..relative.len()].copy_from_slice(relative.as_bytes());
            // Refused when the path holds a NUL of its own.
            CStr::from_bytes_with_nul(&buffer[..=relative.len()]).ok()?
        } else {
            long = CString::new(relative).ok()?;
            &long
        };
        let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
        // SAFETY: `stat` is plain data that fstatat fills in; the name is a
        // NUL-terminated string and the descriptor an open folder, both
        // alive for the call.
        let stat = unsafe {
            let mut stat: libc::stat = std::mem::zeroed();
            let result = libc::fstatat(self.handle.as_raw_fd(), name.as_ptr(), &mut stat, flags);
            (result == 0).then_some(stat)
        }?;
        let kind = match stat.st_mode & libc::S_IFMT {
            libc::S_IFREG => Kind::File,
            libc::S_IFDIR => Kind::Dir,
            _ => Kind::Other,
        };
        let ns = |secs: i64, nanos: i64| secs.saturating_mul(1_000_000_000).saturating_add(nanos);
        #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
        Some(Stamp {
            kind,
            len: stat.st_size as u64,
            mtime_ns: ns(stat.st_mtime as i64, stat.st_mtime_nsec as i64),
            ctime_ns: ns(stat.st_ctime as i64, stat.st_ctime_nsec as i64),
            inode: stat.st_ino as u64,
            links: stat.st_nlink as u64,
        })
    }

    #[cfg(not(unix))]
    fn stat(&self, relative: &str, follow: bool) -> Option<Stamp> {
        let path = self.path.join(relative);
        let meta = if follow {
            fs::metadata(path)
        } else {
            fs::symlink_metadata(path)
        };
        meta.ok().map(|m| Stamp::of(&m))
    }
}

#[cfg(not(unix))]
fn system_time_ns(time: Option<std::time::SystemTime>) -> i64 {
    use std::time::UNIX_EPOCH;
    match time {
        Some(t) => match t.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_nanos()).unwrap_or(i64::MAX),
        },
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_follow_the_file_and_identity_survives_a_rename() {
        let dir = std::env::temp_dir().join(format!("gazette-file-meta-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a");
        fs::write(&a, b"x").unwrap();
        let meta = fs::metadata(&a).unwrap();
        let from_std = meta
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i64;
        assert_eq!(mtime_ns(&meta), from_std);
        assert!(ctime_ns(&meta) > 0);
        let before = identity(&meta);
        let b = dir.join("b");
        fs::rename(&a, &b).unwrap();
        assert_eq!(identity(&fs::metadata(&b).unwrap()), before);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_folder_looks_at_paths_under_it_as_std_does() {
        let dir = std::env::temp_dir().join(format!("gazette-folder-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("a/b")).unwrap();
        fs::write(dir.join("a/b/page.html"), b"<p>hello</p>").unwrap();
        let folder = Folder::open(&dir).unwrap();
        let file = folder.look("a/b/page.html").unwrap();
        let meta = fs::symlink_metadata(dir.join("a/b/page.html")).unwrap();
        assert_eq!(file, Stamp::of(&meta));
        assert_eq!((file.kind, file.len), (Kind::File, 12));
        assert_eq!(folder.look("a/b").unwrap().kind, Kind::Dir);
        assert_eq!(folder.look("a/b/missing.html"), None);
        assert_eq!(folder.look("a/b/page.html\0x"), None);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("b/page.html", dir.join("a/link")).unwrap();
            assert_eq!(folder.look("a/link").unwrap().kind, Kind::Other);
            assert_eq!(folder.look_through("a/link"), Some(file));
        }
        assert!(Folder::open(&dir.join("a/b/page.html")).is_err());
        // Paths about the length of the name buffer on the stack, and
        // longer: each is looked at, and one with a NUL is refused.
        for len in [254, 255, 256, 257, 400] {
            let deep = format!("a/{}/{}", "d".repeat(200), "f".repeat(len - 203));
            assert_eq!(deep.len(), len);
            fs::create_dir_all(dir.join(&deep).parent().unwrap()).unwrap();
            fs::write(dir.join(&deep), b"deep").unwrap();
            assert_eq!(folder.look(&deep).map(|s| s.len), Some(4), "{len}");
            assert_eq!(folder.look(&format!("{deep}\0")), None, "{len}");
            fs::remove_file(dir.join(&deep)).unwrap();
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
