//! The DNS message format as mDNS uses it (RFC 1035 §4, RFC 6762 §18): a zero-copy
//! reader over received datagrams and a writer into caller-provided buffers.
