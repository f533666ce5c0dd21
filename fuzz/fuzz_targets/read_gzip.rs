#![no_main]
//! Arbitrary bytes read as `f.jsonl.gz`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprint_fuzz::read_all("f.jsonl.gz", data));
