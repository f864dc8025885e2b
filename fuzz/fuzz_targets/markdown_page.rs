//! Fuzz target: see `gazette::fuzzing::markdown_page`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gazette::fuzzing::markdown_page(data));
