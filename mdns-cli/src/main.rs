//! The `mdns` command (browse / resolve / register): filled in by its own issue.
fn main() {
    eprintln!("mdns: the command-line tool is not built yet");
    std::process::exit(2);
}
