//! The one "service unavailable" answer (SPEC 4.2) of everything that turns a request away
//! for want of capacity or time: 503 with `Retry-After: 1`, as REST
//! (`{"detail": "Service unavailable"}`) or GraphQL (`SERVICE_UNAVAILABLE`) expects it.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::graphql::Code;

/// How long clients are told to wait before retrying, in seconds.
pub const RETRY_AFTER_SECS: u32 = 1;

/// What the 503 must look like for one request, taken before the request moves on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// FastAPI's `{"detail": ...}`.
    Rest,
    /// A GraphQL error with no `data`, in `application/json`.
    GraphqlJson,
    /// A GraphQL error with no `data`, in `application/graphql-response+json`.
    GraphqlResponseJson,
}

impl Shape {
    /// The shape `request`'s route and `Accept` header call for.
    pub fn of(request: &Request) -> Self {
        let path = request.uri().path();
        if !(path.starts_with("/graphql") || path == "/schema.graphql") {
            return Self::Rest;
        }
        let modern = request
            .headers()
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("application/graphql-response+json"));
        if modern {
            Self::GraphqlResponseJson
        } else {
            Self::GraphqlJson
        }
    }
}

/// The 503 in `shape`; `message` is the GraphQL error's message.
pub fn response(shape: Shape, message: &str) -> Response {
    let graphql = |content_type: &'static str| {
        crate::metrics::graphql_error(Code::ServiceUnavailable);
        let body = json!({ "errors": [{
            "message": message,
            "extensions": { "code": Code::ServiceUnavailable.as_str() },
        }] });
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, content_type)],
            body.to_string(),
        )
            .into_response()
    };
    let mut response = match shape {
        Shape::Rest => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "detail": "Service unavailable" })),
        )
            .into_response(),
        Shape::GraphqlJson => graphql("application/json; charset=utf-8"),
        Shape::GraphqlResponseJson => graphql("application/graphql-response+json; charset=utf-8"),
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    response
}
