//! What every request goes through before its route's own work, in one middleware: timed
//! for the metrics, bounded by its deadline, and admitted (or refused) by the overload
//! bounds. Outermost first, so the deadline counts the wait for a turn and the metrics see
//! every answer, both kinds of 503 included.
//!
//! One middleware rather than three because axum clones the whole stack beneath a
//! `from_fn` middleware on every request: three of them cost a third of the CPU of a
//! `GET /v1/customers/{id}` (measured with callgrind, see README "Operating it").

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::admission::{self, Admission};
use crate::unavailable::Shape;
use crate::{deadline, metrics};

/// The bounds every request is held to.
#[derive(Clone, Debug)]
pub struct Envelope {
    /// `MAX_IN_FLIGHT_REQUESTS` and `MAX_QUEUED_REQUESTS`.
    pub admission: Admission,
    /// `REQUEST_TIMEOUT_SECS`.
    pub timeout: Duration,
}

/// Middleware: times `request`, and runs it within its deadline once admitted.
pub async fn enclose(State(envelope): State<Envelope>, request: Request, next: Next) -> Response {
    let timer = metrics::RequestTimer::start(&request);
    // Taken now: the request itself moves into the handler.
    let shape = Shape::of(&request);
    let exempt = admission::exempt(request.uri().path());
    let timeout = envelope.timeout;
    let work = async move {
        let _permit = if exempt {
            None
        } else {
            match envelope.admission.admit(shape).await {
                Ok(permit) => Some(permit),
                Err(refused) => return refused,
            }
        };
        next.run(request).await
    };
    timer.finish(deadline::within(timeout, shape, work).await)
}
