//! The `mdns` command: browse, resolve, register, look up hosts, list service types and
//! send one-shot queries on the local network, on the blocking adapter; with
//! `--domain`, browse, resolve, register (`--tsig-key`), look up, list types and
//! domains (`mdns domains`) through a DNS domain's servers (`--server`).
//!
//! Exit status: 0 on success (and after SIGINT / SIGTERM, or Ctrl-C / Ctrl-Break / a
//! console close on Windows, once goodbyes are out), 1 when the network part fails
//! (nothing resolved in time, a registration failed, a socket error, `resolve
//! --reconfirm` found the service gone), 2 for bad arguments.

mod args;
mod commands;
mod control;
mod live;
mod output;
mod signals;

use clap::Parser;

fn main() {
    let cli = args::Cli::parse();
    let printer = output::Printer::new(cli.command.common().json);
    let code = match commands::run(cli.command, &printer) {
        Ok(()) => 0,
        Err(message) => {
            printer.print(&output::Line::Error(message));
            1
        }
    };
    std::process::exit(code);
}
