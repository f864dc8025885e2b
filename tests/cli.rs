//! Transcripts of the command line: each `tests/cmd/NAME.toml` runs
//! `gazette` in a copy of `NAME.in/` and compares its exact stdout and
//! stderr (and, where a `NAME.out/` exists, the folder it leaves) with the
//! snapshot beside it, so a change of wording is a reviewed diff.
//! `TRYCMD=overwrite cargo test --test cli` writes the new snapshots.

#[test]
fn cli_transcripts() {
    trycmd::TestCases::new()
        .register_bin(
            "gazette",
            std::path::Path::new(env!("CARGO_BIN_EXE_gazette")),
        )
        .case("tests/cmd/*.toml");
}
