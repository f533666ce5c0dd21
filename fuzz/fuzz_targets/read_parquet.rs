#![no_main]
//! Arbitrary bytes read as `f.parquet`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| reprint_fuzz::read_all("f.parquet", data));
