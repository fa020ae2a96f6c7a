//! Overload protection (SPEC 4.2): at most `MAX_IN_FLIGHT_REQUESTS` requests are worked on
//! at once and at most `MAX_QUEUED_REQUESTS` wait for a turn; any more is answered at once
//! with 503 and `Retry-After: 1`, so that under a flood memory stays bounded, every
//! accepted connection gets an answer, and the requests already admitted still finish.
//!
//! The probes and `/metrics` skip the queue: an orchestrator must still see the process
//! alive, and an operator must still see why it is busy.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Semaphore;

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
fn exempt(path: &str) -> bool {
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

/// Middleware: runs the request when there is room, queues it when the queue has room,
/// else answers 503.
pub async fn admit(State(admission): State<Admission>, request: Request, next: Next) -> Response {
    if exempt(request.uri().path()) {
        return next.run(request).await;
    }
    let permit = match Arc::clone(&admission.in_flight).try_acquire_owned() {
        Ok(permit) => permit,
        Err(_) => {
            if admission.waiting.fetch_add(1, Ordering::AcqRel) >= admission.max_waiting {
                admission.waiting.fetch_sub(1, Ordering::AcqRel);
                metrics::rejected(Rejection::Overloaded);
                return unavailable::response(
                    Shape::of(&request),
                    "The service is overloaded; retry later",
                );
            }
            let waiting = Waiting(&admission.waiting);
            let Ok(permit) = Arc::clone(&admission.in_flight).acquire_owned().await else {
                // The semaphore is never closed.
                return unavailable::response(Shape::of(&request), "The service is stopping");
            };
            drop(waiting);
            permit
        }
    };
    let response = next.run(request).await;
    drop(permit);
    response
}
