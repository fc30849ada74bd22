//! The driver: runs the stages for each command and reports to the terminal.

/// A process-wide panic hook, as [`std::panic::take_hook`] gives it and
/// [`std::panic::set_hook`] takes it.
pub type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// `previous`, except that it stays silent for the panics of the PromQL parser that become parse
/// errors. The library never installs a hook itself; a binary does, once:
/// `std::panic::set_hook(sloforge::quiet_parser_panics(std::panic::take_hook()))`.
pub fn quiet_parser_panics(previous: PanicHook) -> PanicHook {
    Box::new(move |info| {
        if !crate::syntax::promql::parser_panic_expected() {
            previous(info);
        }
    })
}
