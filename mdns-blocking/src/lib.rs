//! mdns-blocking: placeholder, filled in by its own issue.
