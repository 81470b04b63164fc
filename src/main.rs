fn main() -> std::process::ExitCode {
    hookrelay::cli::main()
}
