//! Prometheus metrics (SPEC 4.1): the families every dashboard and alert reads, exposed at
//! `/metrics` in the Prometheus text format or OpenMetrics.
//!
//! Counters and histograms are process-wide, as in every Prometheus client: they are bumped
//! from wherever the event happens (the HTTP layer, the GraphQL pipeline, authentication,
//! the limits) without threading a handle through each of them. What is a property of one
//! running application (its pool, its subscriptions and change events) is read from that
//! application's state at scrape time ([`sampled`]). Every family is registered at start-up
//! and the labelled counters with a known label set are created at zero, so dashboards see
//! them before the first event.

mod http;
mod operations;
mod sampled;

use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

pub use http::{RequestTimer, router};
pub use operations::{OperationTimer, type_label};

/// Why a request was turned away, the `reason` of `requests_rejected_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// Over `RATE_LIMIT_PER_MINUTE` (429).
    RateLimited,
    /// Over `MAX_IN_FLIGHT_REQUESTS` + `MAX_QUEUED_REQUESTS` (503).
    Overloaded,
    /// No token, or a bad one (401, or WebSocket close 4403).
    Unauthenticated,
    /// The role lacks the right (REST 403, GraphQL `FORBIDDEN`).
    Forbidden,
}

impl Rejection {
    const ALL: [Self; 4] = [
        Self::RateLimited,
        Self::Overloaded,
        Self::Unauthenticated,
        Self::Forbidden,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::RateLimited => "rate_limited",
            Self::Overloaded => "overloaded",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CodeLabel {
    code: &'static str,
}

/// The upper bounds of the duration histograms, in seconds: OpenTelemetry's advice for
/// `http.server.request.duration`, from 5 ms to 10 s.
const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

/// The process-wide families (see the module's documentation for why process-wide).
struct Metrics {
    registry: Registry,
    http_duration: Family<http::RequestLabels, Histogram>,
    http_active: Gauge,
    operation_duration: Family<operations::OperationLabels, Histogram>,
    graphql_errors: Family<CodeLabel, Counter>,
    acquire_timeouts: Counter,
    rejected: Family<ReasonLabel, Counter>,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::register);

impl Metrics {
    fn register() -> Self {
        let mut registry = Registry::default();
        let http_duration = Family::new_with_constructor(duration_histogram as fn() -> Histogram);
        registry.register(
            "http_server_request_duration_seconds",
            "Time from a request's arrival to its response, by method, route template and status",
            http_duration.clone(),
        );
        let http_active = Gauge::default();
        registry.register(
            "http_server_active_requests",
            "HTTP requests being worked on now",
            http_active.clone(),
        );
        let operation_duration =
            Family::new_with_constructor(duration_histogram as fn() -> Histogram);
        registry.register(
            "graphql_operation_duration_seconds",
            "Time to run one GraphQL operation (checks and execution), by type and name",
            operation_duration.clone(),
        );
        let graphql_errors = Family::<CodeLabel, Counter>::default();
        registry.register(
            "graphql_errors",
            "Errors in GraphQL responses, by extensions.code",
            graphql_errors.clone(),
        );
        for code in crate::graphql::Code::ALL {
            drop(graphql_errors.get_or_create(&CodeLabel {
                code: code.as_str(),
            }));
        }
        let acquire_timeouts = Counter::default();
        registry.register(
            "db_pool_acquire_timeouts",
            "Requests that waited DB_CONNECT_TIMEOUT_SECS for a pooled connection and got none",
            acquire_timeouts.clone(),
        );
        let rejected = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "requests_rejected",
            "Requests turned away before their work was done, by reason",
            rejected.clone(),
        );
        for reason in Rejection::ALL {
            drop(rejected.get_or_create(&ReasonLabel {
                reason: reason.label(),
            }));
        }
        // The library leaves a family with no series out of the exposition; one zero-valued
        // series each (the scrape's own route; anonymous queries) keeps both histograms
        // visible from the first scrape.
        drop(http_duration.get_or_create(&http::RequestLabels::scrape()));
        drop(operation_duration.get_or_create(&operations::OperationLabels::anonymous_query()));
        Self {
            registry,
            http_duration,
            http_active,
            operation_duration,
            graphql_errors,
            acquire_timeouts,
            rejected,
        }
    }
}

/// Registers every family now, so that the first scrape (and a dashboard) sees them all,
/// zero-valued, before anything has happened.
pub fn init() {
    LazyLock::force(&METRICS);
}

/// Counts a request turned away.
pub fn rejected(reason: Rejection) {
    METRICS
        .rejected
        .get_or_create(&ReasonLabel {
            reason: reason.label(),
        })
        .inc();
}

/// Counts one error of a GraphQL response, by its `extensions.code`.
pub fn graphql_error(code: crate::graphql::Code) {
    METRICS
        .graphql_errors
        .get_or_create(&CodeLabel {
            code: code.as_str(),
        })
        .inc();
}

/// Counts a request that got no pooled connection within `DB_CONNECT_TIMEOUT_SECS`, when
/// `error` says that is what happened.
pub fn note_database_error(error: &sea_orm::DbErr) {
    if matches!(
        error,
        sea_orm::DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)
    ) {
        METRICS.acquire_timeouts.inc();
    }
}
