//! The HTTP side of the metrics: timing every request, and the `/metrics` route itself.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};

use super::METRICS;
use crate::state::AppState;

/// The labels of `http_server_request_duration_seconds`; each has a bounded set of values.
#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct RequestLabels {
    http_request_method: MethodLabel,
    /// The route template (`/v1/customers/{customer_id}`), never the raw path; empty for a
    /// request no route matched.
    http_route: RouteLabel,
    http_response_status_code: u16,
}

impl RequestLabels {
    /// A successful `GET /metrics`.
    pub(super) fn scrape() -> Self {
        Self {
            http_request_method: MethodLabel("GET"),
            http_route: RouteLabel::Known("/metrics"),
            http_response_status_code: 200,
        }
    }
}

/// A standard method by name; any other is `_OTHER` (OpenTelemetry's convention), so that a
/// client cannot invent label values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct MethodLabel(&'static str);

impl MethodLabel {
    fn of(method: &Method) -> Self {
        Self(match *method {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::DELETE => "DELETE",
            Method::PATCH => "PATCH",
            Method::HEAD => "HEAD",
            Method::OPTIONS => "OPTIONS",
            Method::CONNECT => "CONNECT",
            Method::TRACE => "TRACE",
            _ => "_OTHER",
        })
    }
}

impl EncodeLabelValue for MethodLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.0, encoder)
    }
}

/// A route template as axum matched it, sharing the router's own string (no copy per
/// request), or one known in advance.
#[derive(Clone, Debug)]
enum RouteLabel {
    Matched(MatchedPath),
    Known(&'static str),
}

impl RouteLabel {
    /// The request's route template; empty when no route matched.
    fn of(request: &Request) -> Self {
        match request.extensions().get::<MatchedPath>() {
            Some(matched) => Self::Matched(matched.clone()),
            None => Self::Known(""),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Self::Matched(matched) => matched.as_str(),
            Self::Known(route) => route,
        }
    }
}

impl PartialEq for RouteLabel {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RouteLabel {}

impl std::hash::Hash for RouteLabel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl EncodeLabelValue for RouteLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

/// One request being timed: counted in `http_server_active_requests` from [`Self::start`]
/// until it is finished or dropped, and recorded in `http_server_request_duration_seconds`
/// by method, route template and status by [`Self::finish`].
pub struct RequestTimer {
    started: Instant,
    method: MethodLabel,
    route: RouteLabel,
    _active: ActiveRequest,
}

impl RequestTimer {
    /// Starts timing `request` (its route template is known: this runs inside the router).
    pub fn start(request: &Request) -> Self {
        Self {
            started: Instant::now(),
            method: MethodLabel::of(request.method()),
            route: RouteLabel::of(request),
            _active: ActiveRequest::start(),
        }
    }

    /// Records the answer, and gives it back.
    pub fn finish(self, response: Response) -> Response {
        let elapsed = self.started.elapsed().as_secs_f64();
        drop(self._active);
        METRICS
            .http_duration
            .get_or_create(&RequestLabels {
                http_request_method: self.method,
                http_route: self.route,
                http_response_status_code: response.status().as_u16(),
            })
            .observe(elapsed);
        response
    }
}

/// One request in `http_server_active_requests`, also when its future is dropped (the
/// client went away, or the deadline passed).
struct ActiveRequest;

impl ActiveRequest {
    fn start() -> Self {
        METRICS.http_active.inc();
        Self
    }
}

impl Drop for ActiveRequest {
    fn drop(&mut self) {
        METRICS.http_active.dec();
    }
}

/// `GET /metrics`, unless `METRICS_ENABLED=false`.
pub fn router(enabled: bool) -> Router<AppState> {
    if enabled {
        Router::new().route("/metrics", get(scrape))
    } else {
        Router::new()
    }
}

/// The OpenMetrics media type, sent when the scraper asks for it.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Whether the `Accept` header asks for OpenMetrics (as Prometheus itself does, listing it
/// first); anything else gets the Prometheus text format.
fn wants_openmetrics(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|parameter| {
                parameter
                    .split_once('=')
                    .is_some_and(|(name, value)| name.trim() == "q" && value.trim() == "0")
            });
            media.eq_ignore_ascii_case("application/openmetrics-text") && !refused
        })
}

/// Whether the scrape may see the metrics: with `METRICS_TOKEN` set, only with
/// `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time).
fn allowed(token: Option<&str>, headers: &HeaderMap) -> bool {
    let Some(expected) = token else {
        return true;
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, credentials) = value.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| credentials.trim())
        });
    sent.is_some_and(|sent| constant_time_eq(sent.as_bytes(), expected.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    // Comparing digests keeps the time independent of where the texts differ and of
    // their lengths.
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = state
        .config
        .metrics_token
        .as_ref()
        .map(|token| token.0.as_str());
    if !allowed(token, &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
            "Send Authorization: Bearer <METRICS_TOKEN> to read the metrics\n",
        )
            .into_response();
    }
    let sampled = super::sampled::registry(&state);
    let openmetrics = wants_openmetrics(&headers);
    let mut body = String::with_capacity(16 * 1024);
    let encoded = if openmetrics {
        use prometheus_client::encoding::text;
        text::encode_registry(&mut body, &METRICS.registry)
            .and_then(|()| text::encode_registry(&mut body, &sampled))
            .and_then(|()| text::encode_eof(&mut body))
    } else {
        use prometheus_client::encoding::prometheus_text;
        prometheus_text::encode(&mut body, &METRICS.registry)
            .and_then(|()| prometheus_text::encode(&mut body, &sampled))
    };
    if let Err(error) = encoded {
        tracing::error!(%error, "encoding the metrics");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let content_type = if openmetrics {
        OPENMETRICS
    } else {
        prometheus_client::encoding::prometheus_text::CONTENT_TYPE
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(value).expect("header"),
        );
        headers
    }

    #[test]
    fn openmetrics_only_when_asked_for() {
        // What Prometheus 2.x and 3.x send.
        assert!(wants_openmetrics(&accept(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        )));
        assert!(!wants_openmetrics(&accept("text/plain;version=0.0.4")));
        assert!(!wants_openmetrics(&accept("*/*")));
        assert!(!wants_openmetrics(&HeaderMap::new()));
        assert!(!wants_openmetrics(&accept(
            "application/openmetrics-text;q=0, text/plain"
        )));
    }

    #[test]
    fn the_token_is_checked_only_when_set() {
        let mut headers = HeaderMap::new();
        assert!(allowed(None, &headers));
        assert!(!allowed(Some("s3cret"), &headers));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer wrong"),
        );
        assert!(!allowed(Some("s3cret"), &headers));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer s3cret"),
        );
        assert!(allowed(Some("s3cret"), &headers));
    }

    #[test]
    fn unknown_methods_share_one_label() {
        let custom = Method::from_bytes(b"PROPFIND").expect("method");
        assert_eq!(MethodLabel::of(&custom).0, "_OTHER");
        assert_eq!(MethodLabel::of(&Method::GET).0, "GET");
    }
}
