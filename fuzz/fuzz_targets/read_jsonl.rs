#![no_main]
//! Arbitrary bytes read as `f.jsonl`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprint_fuzz::read_all("f.jsonl", data));
