//! Fuzz target: see `gazette::fuzzing::slugs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gazette::fuzzing::slugs(data));
