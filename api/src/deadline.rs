//! Every request's deadline (SPEC 4.2, `REQUEST_TIMEOUT_SECS`): past it the client gets 503
//! (GraphQL `SERVICE_UNAVAILABLE`) and the request's work is dropped. Dropping it gives
//! its pooled connection back; PostgreSQL's `statement_timeout`, set to the same bound on
//! every connection ([`crate::database::connect`]), cancels the statement on the server.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::unavailable::{self, Shape};

/// Middleware: answers 503 when `timeout` passes before the response is ready.
pub async fn enforce(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    // Taken now: the request itself moves into the handler.
    let shape = Shape::of(&request);
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                timeout_secs = timeout.as_secs(),
                "a request passed its deadline; answered 503"
            );
            unavailable::response(shape, "The request took too long; retry later")
        }
    }
}
