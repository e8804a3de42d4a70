//! [`BackendError`]: what a [`Backend`](crate::Backend) reports about a request it
//! could not serve, carried through the client layer's events and errors unchanged.
//!
//! The layer does not know the backend's error types (a unicast DNS backend has its
//! own: a server that does not answer, a signature the server rejects, a zone whose
//! policy refuses an update), and must not depend on the crate that defines them. So
//! the error travels as the backend's own typed value behind a shared pointer: its
//! `Display` is the backend's message, and [`BackendError::downcast_ref`] gives the
//! typed value back to an application that wants to match on it.

use alloc::format;
use alloc::sync::Arc;
use core::error::Error as CoreError;
use core::fmt;

/// A backend's typed error, shared (cloning an event does not copy it).
///
/// Two `BackendError`s are equal when they are the same report, or when their
/// values print the same under `Debug` (for derived `Debug`, the same type and fields).
#[derive(Clone)]
pub struct BackendError(Arc<dyn CoreError + Send + Sync + 'static>);

impl BackendError {
    /// Wraps a backend's error.
    pub fn new<E: CoreError + Send + Sync + 'static>(error: E) -> Self {
        BackendError(Arc::new(error))
    }

    /// The backend's error as its own type, if it is a `T`.
    pub fn downcast_ref<T: CoreError + 'static>(&self) -> Option<&T> {
        let e: &(dyn CoreError + 'static) = &*self.0;
        e.downcast_ref::<T>()
    }

    /// The backend's error.
    pub fn get_ref(&self) -> &(dyn CoreError + Send + Sync + 'static) {
        &*self.0
    }
}

impl fmt::Debug for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl PartialEq for BackendError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || format!("{:?}", self.0) == format!("{:?}", other.0)
    }
}

impl Eq for BackendError {}

impl CoreError for BackendError {
    fn source(&self) -> Option<&(dyn CoreError + 'static)> {
        self.0.source()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Oops {
        NoAnswer(u32),
    }

    impl fmt::Display for Oops {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Oops::NoAnswer(n) => write!(f, "no answer after {n} attempts"),
            }
        }
    }

    impl CoreError for Oops {}

    #[test]
    fn keeps_the_type_and_the_message() {
        let e = BackendError::new(Oops::NoAnswer(3));
        assert_eq!(
            alloc::string::ToString::to_string(&e),
            "no answer after 3 attempts"
        );
        assert_eq!(e.downcast_ref::<Oops>(), Some(&Oops::NoAnswer(3)));
        assert_eq!(e.clone(), e);
        assert_eq!(e, BackendError::new(Oops::NoAnswer(3)));
        assert_ne!(e, BackendError::new(Oops::NoAnswer(4)));
    }
}
