//! Replays the saved fuzz inputs (tests/fuzz-corpus/TARGET/) through the
//! fuzz targets' own code, so every crash the fuzzers found stays fixed.
//! The inputs are the crashes found and a minimised corpus of each target.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-corpus")
        .join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no saved inputs in {}", dir.display());
    for input in inputs {
        let data = std::fs::read(&input).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(
            outcome.is_ok(),
            "{target} fails again on {}",
            input.display()
        );
    }
}

#[test]
fn front_matter_inputs() {
    replay("front_matter", gazette::fuzzing::front_matter);
}

#[test]
fn date_inputs() {
    replay("dates", gazette::fuzzing::dates);
}

#[test]
fn slug_and_permalink_inputs() {
    replay("slugs", gazette::fuzzing::slugs);
}

#[test]
fn markdown_page_inputs() {
    replay("markdown_page", gazette::fuzzing::markdown_page);
}
