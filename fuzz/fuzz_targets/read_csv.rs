#![no_main]
//! Arbitrary bytes read as `f.csv`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprint_fuzz::read_all("f.csv", data));
