//! Who a request comes from (SPEC 5). Every HTTP request that reaches the REST or GraphQL
//! routes carries a [`Principal`] in its extensions, put there by [`authenticate`] from its
//! bearer token; the handlers pass it on to the service, whose rules decide what it may read
//! and do. WebSocket connections authenticate in `connection_init` instead
//! (`graphql::ws`).
//!
//! With no key settings access control is off: every request is `admin`.

mod jwks;
mod mint;
mod settings;
mod verifier;

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use service::Principal;

pub use mint::TokenRequest;
pub use settings::{AuthSettings, MIN_SECRET_BYTES, Secret};
pub use verifier::{Identity, TokenError, Verifier};

use crate::rest::error::RestError;

/// How requests are authenticated, built once at start-up.
#[derive(Clone, Debug)]
pub struct Auth {
    /// `None`: access control is off.
    verifier: Option<Arc<Verifier>>,
    /// The principal of requests without a token (`AUTH_ANONYMOUS_ROLE`), if any.
    anonymous: Option<Principal>,
}

/// Why a request is not authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No token where one is needed.
    Missing,
    /// A token that does not check out.
    Invalid,
}

impl Auth {
    /// Access control as configured; the error is one line naming the variable.
    pub fn from_settings(settings: &AuthSettings) -> Result<Self, String> {
        let anonymous = match settings.auth_anonymous_role.as_deref() {
            Some("admin") => Some(Principal::Admin),
            Some("reader") => Some(Principal::Reader),
            _ => None,
        };
        Ok(Self {
            verifier: Verifier::from_settings(settings)?.map(Arc::new),
            anonymous,
        })
    }

    /// Access control off: every request is `admin`.
    pub fn off() -> Self {
        Self {
            verifier: None,
            anonymous: None,
        }
    }

    /// What checks tokens, for the start-up log (`None`: access control off).
    pub fn describe(&self) -> Option<String> {
        self.verifier.as_ref().map(|verifier| {
            let anonymous = match self.anonymous {
                Some(principal) => format!("; requests without a token are {principal:?}"),
                None => "; requests without a token get 401".to_owned(),
            };
            format!("bearer tokens ({}){anonymous}", verifier.algorithms())
        })
    }

    /// Whether tokens are checked.
    pub fn is_enabled(&self) -> bool {
        self.verifier.is_some()
    }

    /// Fetches what must be there before the first request (an identity provider's key
    /// set); the error is one line naming the variable.
    pub async fn prepare(&self) -> Result<(), String> {
        match &self.verifier {
            Some(verifier) => verifier.prepare().await,
            None => Ok(()),
        }
    }

    /// The principal of a request carrying `token` (the bare JWT), or of one without.
    pub async fn principal(&self, token: Option<&str>) -> Result<Identity, Refusal> {
        let Some(verifier) = &self.verifier else {
            return Ok(Identity {
                principal: Principal::Admin,
                subject: None,
                expires_at: u64::MAX,
            });
        };
        match token {
            Some(token) => verifier.verify(token).await.map_err(|error| {
                tracing::debug!(%error, "bearer token refused");
                Refusal::Invalid
            }),
            None => self
                .anonymous
                .map(|principal| Identity {
                    principal,
                    subject: None,
                    expires_at: u64::MAX,
                })
                .ok_or(Refusal::Missing),
        }
    }
}

/// The token of an `Authorization: Bearer <jwt>` header: `Ok(None)` without the header,
/// `Err` for a header that is not a bearer token.
fn bearer(headers: &HeaderMap) -> Result<Option<&str>, Refusal> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| Refusal::Invalid)?.trim();
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(Refusal::Invalid),
    }
}

/// Requests of the API routes that need no principal: the OpenAPI document (the docs
/// pages load it), FastAPI's trailing-slash redirects (the request they lead to is
/// checked), the GraphiQL page (a browser's `GET /graphql` without a query) and the
/// WebSocket endpoint, which authenticates in its `connection_init` message.
fn exempt(request: &Request) -> bool {
    let path = request.uri().path();
    if path == "/graphql/ws" || path == "/openapi.json" || (path.len() > 1 && path.ends_with('/')) {
        return true;
    }
    path == "/graphql"
        && request.method() == Method::GET
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
        && !request
            .uri()
            .query()
            .unwrap_or_default()
            .split('&')
            .any(|pair| pair.starts_with("query="))
}

/// Middleware of the API routes: attaches the request's [`Principal`], or answers 401 in the
/// shape of the route (FastAPI's for REST, a GraphQL request error for GraphQL).
pub async fn authenticate(State(auth): State<Auth>, mut request: Request, next: Next) -> Response {
    if auth.is_enabled() && exempt(&request) {
        return next.run(request).await;
    }
    // With access control off, whatever `Authorization` a client sends is not looked at.
    let identity = match (auth.is_enabled(), bearer(request.headers())) {
        (false, _) => auth.principal(None).await,
        (true, Ok(token)) => auth.principal(token).await,
        (true, Err(refusal)) => Err(refusal),
    };
    match identity {
        Ok(identity) => {
            if let Some(subject) = &identity.subject {
                tracing::Span::current().record("sub", subject.as_str());
            }
            request.extensions_mut().insert(identity.principal);
            request.extensions_mut().insert(identity);
            next.run(request).await
        }
        Err(refusal) => unauthorized(&request, refusal),
    }
}

/// The 401 of SPEC 5.3: `WWW-Authenticate: Bearer` (with `error="invalid_token"` for a bad
/// token), never a word about the token itself.
fn unauthorized(request: &Request, refusal: Refusal) -> Response {
    let challenge = match refusal {
        Refusal::Missing => HeaderValue::from_static("Bearer"),
        Refusal::Invalid => HeaderValue::from_static("Bearer error=\"invalid_token\""),
    };
    let path = request.uri().path();
    let mut response = if path.starts_with("/graphql") || path == "/schema.graphql" {
        // (A REST 401 is counted where it is written, in `RestError`.)
        crate::metrics::rejected(crate::metrics::Rejection::Unauthenticated);
        crate::metrics::graphql_error(crate::graphql::Code::Unauthenticated);
        let message = match refusal {
            Refusal::Missing => "Authentication required: send Authorization: Bearer <token>",
            Refusal::Invalid => "The bearer token is not valid",
        };
        let accepts_graphql_response = request
            .headers()
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("application/graphql-response+json"));
        let content_type = if accepts_graphql_response {
            "application/graphql-response+json"
        } else {
            "application/json"
        };
        let code = crate::graphql::Code::Unauthenticated.as_str();
        let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
        (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, content_type)],
            body.to_string(),
        )
            .into_response()
    } else {
        RestError::Unauthenticated(refusal).into_response()
    };
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, challenge);
    response
}

/// The principal of a REST request, as [`authenticate`] attached it.
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
            .ok_or(RestError::Unauthenticated(Refusal::Missing))
    }
}
