fn main() {
    std::process::exit(sloforge::cli::run(std::env::args_os()));
}
