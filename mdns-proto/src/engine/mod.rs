//! The mDNS state machine (filled in by the engine issue).
