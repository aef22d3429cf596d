//! Fuzz target: see `tickline::testing::fuzz::session`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tickline::testing::fuzz::session(data));
