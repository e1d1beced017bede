fn main() {
    std::process::exit(fastscore::cli::main(std::env::args_os().skip(1)));
}
