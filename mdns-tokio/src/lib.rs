//! mdns-tokio: placeholder, filled in by its own issue.
