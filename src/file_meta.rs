//! What gazette compares of a file's metadata between runs: times in
//! nanoseconds and the file's identity. Unix gives all of them; elsewhere
//! each has a portable stand-in, named at its function, so gazette builds
//! and runs on every platform Rust does.

use std::fs;

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
}
