// glibc malloc was a tenth of the server's CPU under load (many small
// short-lived buffers across threads); mimalloc roughly halves that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    hookrelay::cli::main()
}
