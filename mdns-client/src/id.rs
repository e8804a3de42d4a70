//! [`SubscriptionId`]: the name of one subscription, carried by every event. Nothing
//! else lives here (it is shared by the requests, the events, the errors and routing).

use core::fmt;

/// Names one subscription of a [`Client`](crate::Client) (a browse, a resolve, a
/// registration, …). Every event the client hands back carries the id of the
/// subscription it belongs to. Ids are given out in increasing order and never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubscriptionId(pub(crate) u64);

impl SubscriptionId {
    /// The id as a number (for logs and maps).
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for SubscriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sub#{}", self.0)
    }
}
