//! Fuzz target: see `tickline::testing::fuzz::host_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tickline::testing::fuzz::host_message(data));
