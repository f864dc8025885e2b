//! Gives the gazette being compiled an identity made from its sources:
//! `GAZETTE_SOURCE_HASH`, a hash of every file under src/, Cargo.toml and
//! Cargo.lock. The build cache is never trusted by a gazette whose sources
//! differ from the one that wrote it (see src/build_state.rs).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::{env, fs};

fn add_dir(dir: &Path, hasher: &mut DefaultHasher) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            add_dir(&path, hasher);
        } else {
            path.hash(hasher);
            fs::read(&path).unwrap_or_default().hash(hasher);
        }
    }
}

fn main() {
    let mut hasher = DefaultHasher::new();
    add_dir(Path::new("src"), &mut hasher);
    for file in ["Cargo.toml", "Cargo.lock"] {
        fs::read(file).unwrap_or_default().hash(&mut hasher);
        println!("cargo:rerun-if-changed={file}");
    }
    for var in ["TARGET", "PROFILE", "OPT_LEVEL"] {
        env::var(var).unwrap_or_default().hash(&mut hasher);
    }
    println!("cargo:rerun-if-changed=src");
    println!(
        "cargo:rustc-env=GAZETTE_SOURCE_HASH={:016x}",
        hasher.finish()
    );
}
