// glibc malloc was a tenth of the server's CPU under load (many small
// short-lived buffers across threads); mimalloc roughly halves that. Its
// `no_thp` feature (Cargo.toml) stops it asking for transparent huge pages:
// with them its heap stayed resident in 2 MiB pages, and fan-out to ten
// endpoints peaked at 105-136 MiB instead of 75-80 MiB, for the same CPU
// (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    hookrelay::cli::main()
}
