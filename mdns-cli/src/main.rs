//! The `mdns` command: browse, resolve, register, look up hosts, list service types and
//! send one-shot queries on the local network.

mod args;
// Used by the command handlers, which land with the blocking adapter.
#[allow(dead_code)]
mod output;

use clap::Parser;

fn main() {
    let cli = args::Cli::parse();
    eprintln!(
        "mdns: {:?} is not wired to the network yet",
        cli.command.common()
    );
    std::process::exit(2);
}
