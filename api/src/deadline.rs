//! Every request's deadline (SPEC 4.2, `REQUEST_TIMEOUT_SECS`): past it the client gets 503
//! (GraphQL `SERVICE_UNAVAILABLE`) and the request's work is dropped. Dropping it gives
//! its pooled connection back; PostgreSQL's `statement_timeout`, set to the same bound on
//! every connection ([`crate::database::connect`]), cancels the statement on the server.

use std::time::Duration;

use axum::response::Response;

use crate::unavailable::{self, Shape};

/// Runs `work` (the rest of the request) for at most `timeout`; past it, the work is
/// dropped and the answer is the 503 in `shape`.
pub async fn within(
    timeout: Duration,
    shape: Shape,
    work: impl Future<Output = Response>,
) -> Response {
    match tokio::time::timeout(timeout, work).await {
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
