// Generation allocates and frees many small strings and maps on every core at once; jemalloc's
// per-thread caches do that about a fifth faster than the system allocator, at the same peak
// memory (bench/RESULTS.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    // promql-parser panics on some inputs; sloforge reports those as parse errors, without the
    // panic message.
    std::panic::set_hook(sloforge::quiet_parser_panics(std::panic::take_hook()));
    std::process::exit(sloforge::cli::run(std::env::args_os()));
}
