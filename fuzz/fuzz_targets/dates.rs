//! Fuzz target: see `gazette::fuzzing::dates`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gazette::fuzzing::dates(data));
