//! `xtask` owns the project's commands: `cargo xtask <command>` (or `./x <command>`, its
//! shim). `test` installs what it needs, idempotently, and runs every check CI runs; the
//! others run one part of it, serve the demo, or measure (benchmarks, sizes, mutants).
//! Commands run as child processes; the pod emulator runs in this process, through its
//! library. Nothing here is shipped.

mod examples;
mod flags;
mod process;
mod tasks;
mod tools;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let flags = flags::Xtask::parse();
    match tasks::run(flags) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nerror: {error}");
            ExitCode::FAILURE
        }
    }
}
