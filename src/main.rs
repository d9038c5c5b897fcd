//! The `baomi` command. Everything is in [`cli`]: one file per command.

mod cli;

/// mimalloc instead of glibc's malloc: the scan's per-document vectors
/// spent about 15 % of a 2,000-file run in malloc and free (Cargo.toml has
/// the figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
