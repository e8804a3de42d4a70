//! mdns-smol: placeholder, filled in by its own issue.
