//! Fuzz target: see `tickline::testing::fuzz::recording`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tickline::testing::fuzz::recording(data));
