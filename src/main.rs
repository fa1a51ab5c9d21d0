fn main() -> std::process::ExitCode {
    gilcheck::cli::main()
}
