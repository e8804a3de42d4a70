//! mdns-sim: placeholder, filled in by its own issue.
