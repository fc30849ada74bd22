//! Bytes → load → validate → compile → render: diagnostics or output, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: std::panic::set_hook(sloforge::quiet_parser_panics(std::panic::take_hook())),
    |data: &[u8]| {
        sloforge::fuzzing::spec_bytes(data);
    }
);
