#![no_main]
//! Arbitrary bytes read as `f.txt`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprint_fuzz::read_all("f.txt", data));
