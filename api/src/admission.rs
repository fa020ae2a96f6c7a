//! Overload protection (SPEC 4.2): at most `MAX_IN_FLIGHT_REQUESTS` requests are worked on
//! at once and at most `MAX_QUEUED_REQUESTS` wait for a turn; any more is answered at once
//! with 503 and `Retry-After: 1`, so that under a flood memory stays bounded, every
//! accepted connection gets an answer, and the requests already admitted still finish.
//!
//! The probes and `/metrics` skip the queue: an orchestrator must still see the process
//! alive, and an operator must still see why it is busy.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::response::Response;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::metrics::{self, Rejection};
use crate::unavailable::{self, Shape};

/// The bounds, shared by every request.
#[derive(Clone, Debug)]
pub struct Admission {
    capacity: usize,
    in_flight: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
}

impl Admission {
    /// `max_in_flight` requests at once, `max_waiting` more waiting.
    pub fn new(max_in_flight: usize, max_waiting: usize) -> Self {
        Self {
            capacity: max_in_flight,
            in_flight: Arc::new(Semaphore::new(max_in_flight)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting,
        }
    }

    /// How many requests are being worked on now (for tests and diagnostics).
    pub fn in_flight(&self) -> usize {
        self.capacity - self.in_flight.available_permits()
    }

    /// How many requests wait for a turn now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }
}

/// Paths that are always answered, however busy the service is.
pub fn exempt(path: &str) -> bool {
    matches!(path, "/health" | "/metrics")
}

/// One place in the queue, given back however the wait ends (a turn, or the request's
/// deadline dropping it).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Admission {
    /// Waits for a turn, and gives the permit to hold until the response is ready; or the
    /// immediate 503 in `shape` when the queue is full (or the service is stopping).
    pub async fn admit(&self, shape: Shape) -> Result<OwnedSemaphorePermit, Response> {
        if let Ok(permit) = Arc::clone(&self.in_flight).try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            metrics::rejected(Rejection::Overloaded);
            return Err(unavailable::response(
                shape,
                "The service is overloaded; retry later",
            ));
        }
        let waiting = Waiting(&self.waiting);
        let Ok(permit) = Arc::clone(&self.in_flight).acquire_owned().await else {
            return Err(unavailable::response(shape, "The service is stopping"));
        };
        drop(waiting);
        Ok(permit)
    }
}
