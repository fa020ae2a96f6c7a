//! The span of every HTTP request (the server span of its trace), and its one log line.

use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::trace::{MakeSpan, OnFailure, OnResponse};
use tracing::Span;

/// Opens one span per request, carrying its method, path, route and request id; while
/// spans are exported, it is also the trace's server span (`METHOD route`), continuing the
/// client's W3C `traceparent`, and its trace id goes into every log line under it.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let request_id = request
            .headers()
            .get("x-request-id")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        // Logs show the path (operators asked for it) and the route template.
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str)
            .unwrap_or_default();
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            route,
            request_id,
            // Filled in by authentication: the token's `sub`, never the token.
            sub = tracing::field::Empty,
            // Filled in only while spans are exported.
            trace_id = tracing::field::Empty,
            otel.name = tracing::field::Empty,
            otel.kind = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            http.request.method = tracing::field::Empty,
            http.route = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
        );
        if super::exporting() {
            super::otel::server_span(&span, request.method(), route, request.headers());
        }
        span
    }
}

/// Writes the request's one log line when its response is ready.
#[derive(Clone, Copy, Debug, Default)]
pub struct ResponseLine;

impl<B> OnResponse<B> for ResponseLine {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &Span) {
        let status = response.status().as_u16();
        if super::exporting() {
            span.record("http.response.status_code", status);
            if status >= 500 {
                span.record("otel.status_code", "ERROR");
            }
        }
        let latency_ms = latency.as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::error!(status, latency_ms, "request failed");
        } else {
            tracing::info!(status, latency_ms, "request");
        }
    }
}

/// Failures are already logged by [`ResponseLine`]; this keeps them from being logged twice.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoFailureLine;

impl OnFailure<ServerErrorsFailureClass> for NoFailureLine {
    fn on_failure(&mut self, _: ServerErrorsFailureClass, _: Duration, _: &Span) {}
}
