//! Any expression that parses is rewritten (rate added, window set) into PromQL that parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: std::panic::set_hook(sloforge::quiet_parser_panics(std::panic::take_hook())),
    |data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data) {
            sloforge::fuzzing::promql_rewrite(text);
        }
    }
);
