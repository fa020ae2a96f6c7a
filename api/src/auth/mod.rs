//! Who a request comes from. Every HTTP request that reaches the REST or GraphQL routes
//! carries a [`Principal`] in its extensions, put there by [`principal`]; the handlers pass
//! it on to the service, whose rules decide what it may read and do.
//!
//! Access control is not configurable yet: with no key settings SPEC 5 makes every request
//! `admin`, which is what [`principal`] does today. Bearer tokens come next.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use service::Principal;

use crate::rest::error::RestError;

/// Middleware: attaches the request's principal (`admin` while access control is off).
pub async fn principal(mut request: Request, next: Next) -> Response {
    request.extensions_mut().insert(Principal::Admin);
    next.run(request).await
}

/// The principal of a REST request, as [`principal`] attached it.
#[derive(Clone, Copy, Debug)]
pub struct Viewer(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = RestError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // A route outside the middleware has no principal: never let it act as anyone.
        parts
            .extensions
            .get::<Principal>()
            .copied()
            .map(Self)
            .ok_or(RestError::Forbidden)
    }
}
