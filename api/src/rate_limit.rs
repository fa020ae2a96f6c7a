//! Request rate limits per principal (SPEC 5.4): `RATE_LIMIT_PER_MINUTE` requests a minute,
//! with a burst of a tenth of it, per token `sub`, else per client address (behind a proxy
//! listed in `TRUSTED_PROXIES`, the address its `X-Forwarded-For` names). Over the limit: 429
//! with `Retry-After` and the `RateLimit-*` headers, in the shape of the route. Only the API
//! routes are limited; the probes never are.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use serde_json::json;

use crate::auth::Identity;

type Limiter =
    RateLimiter<String, DashMapStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// The configured limit, shared by every request.
#[derive(Clone)]
pub struct RateLimits {
    limiter: Option<Arc<Limiter>>,
    per_minute: u32,
    trusted_proxies: Arc<Vec<IpAddr>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("per_minute", &self.per_minute)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish_non_exhaustive()
    }
}

impl RateLimits {
    /// `per_minute` requests a minute per principal (0: no limit), believing
    /// `X-Forwarded-For` only from `trusted_proxies`.
    pub fn new(per_minute: u32, trusted_proxies: Vec<IpAddr>) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new(per_minute / 10).unwrap_or(NonZeroU32::MIN);
            Arc::new(
                RateLimiter::dashmap(Quota::per_minute(rate).allow_burst(burst))
                    .with_middleware::<StateInformationMiddleware>(),
            )
        });
        Self {
            limiter,
            per_minute,
            trusted_proxies: Arc::new(trusted_proxies),
        }
    }

    /// Whom a request counts against: its token's `sub`, else its client address.
    fn key(&self, request: &Request) -> String {
        if let Some(subject) = request
            .extensions()
            .get::<Identity>()
            .and_then(|identity| identity.subject.as_deref())
        {
            return format!("sub:{subject}");
        }
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        match peer {
            Some(peer) => format!("ip:{}", self.client_address(peer, request.headers())),
            None => "ip:unknown".to_owned(),
        }
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the last
    /// address in `X-Forwarded-For` that is not one of the trusted proxies.
    fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|address| address.trim().parse::<IpAddr>().ok())
            .collect::<Vec<_>>();
        forwarded
            .iter()
            .rev()
            .find(|address| !self.trusted_proxies.contains(address))
            .copied()
            .unwrap_or(peer)
    }
}

/// Middleware of the API routes: counts the request against its principal's quota.
pub async fn limit(State(limits): State<RateLimits>, request: Request, next: Next) -> Response {
    let Some(limiter) = &limits.limiter else {
        return next.run(request).await;
    };
    let key = limits.key(&request);
    let limit = HeaderValue::from(limits.per_minute);
    match limiter.check_key(&key) {
        Ok(snapshot) => {
            let mut response = next.run(request).await;
            let headers = response.headers_mut();
            headers.insert("ratelimit-limit", limit);
            headers.insert(
                "ratelimit-remaining",
                HeaderValue::from(snapshot.remaining_burst_capacity()),
            );
            response
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            too_many(&request, limit, wait)
        }
    }
}

/// The 429: `Retry-After` and `RateLimit-Reset` in whole seconds (rounded up).
fn too_many(request: &Request, limit: HeaderValue, wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let path = request.uri().path();
    crate::metrics::rejected(crate::metrics::Rejection::RateLimited);
    let mut response = if path.starts_with("/graphql") || path == "/schema.graphql" {
        let code = crate::graphql::Code::RateLimited;
        crate::metrics::graphql_error(code);
        let body = json!({ "errors": [{ "message": "Too many requests; retry later", "extensions": { "code": code.as_str() } }] });
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    } else {
        (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({ "detail": "Too Many Requests" })),
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    headers.insert("ratelimit-limit", limit);
    headers.insert("ratelimit-remaining", HeaderValue::from(0));
    headers.insert("ratelimit-reset", HeaderValue::from(seconds));
    response
}
