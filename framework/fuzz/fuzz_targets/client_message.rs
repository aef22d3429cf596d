//! Fuzz target: see `tickline::testing::fuzz::client_message`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tickline::testing::fuzz::client_message(data));
