//! DNS-SD names and data (RFC 6763): service types, instance names, TXT records.
