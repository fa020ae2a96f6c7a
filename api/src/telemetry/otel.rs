//! Span export over OTLP (SPEC 4.1), set up only from the standard `OTEL_*` variables.
//! Without `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) nothing
//! is set up: no exporter, no layer, and the request path only reads one flag
//! ([`exporting`]) before it would add anything for traces.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_graphql::parser::types::OperationType;
use axum::http::{HeaderMap, Method};
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use serde::Deserialize;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::{Layer, Registry};

/// Whether spans are being exported (set once, at start-up).
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether spans are exported: the request path asks before doing any work for traces.
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// The standard OpenTelemetry variables the service reads itself (the exporter and the SDK
/// also read the rest of them: `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`,
/// `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, `OTEL_RESOURCE_ATTRIBUTES`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OtelSettings {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base URL (`/v1/traces` is added).
    pub otel_exporter_otlp_endpoint: Option<String>,
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: the full URL for traces, if not the above.
    pub otel_exporter_otlp_traces_endpoint: Option<String>,
    /// `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` (default) or `http/json`.
    pub otel_exporter_otlp_protocol: Option<String>,
    /// `OTEL_SERVICE_NAME`: the `service.name` of every span (default `customers-todos`).
    pub otel_service_name: Option<String>,
}

impl OtelSettings {
    /// Whether an endpoint is configured, i.e. spans are to be exported.
    pub fn enabled(&self) -> bool {
        self.endpoint().is_some()
    }

    fn endpoint(&self) -> Option<&str> {
        self.otel_exporter_otlp_traces_endpoint
            .as_deref()
            .or(self.otel_exporter_otlp_endpoint.as_deref())
            .map(str::trim)
            .filter(|endpoint| !endpoint.is_empty())
    }

    fn protocol(&self) -> Result<Protocol, String> {
        match self
            .otel_exporter_otlp_protocol
            .as_deref()
            .map(str::trim)
            .unwrap_or("http/protobuf")
        {
            "http/protobuf" | "" => Ok(Protocol::HttpBinary),
            "http/json" => Ok(Protocol::HttpJson),
            "grpc" => Err("OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported; use \
                           http/protobuf (a collector's port 4318) or http/json"
                .into()),
            other => Err(format!(
                "OTEL_EXPORTER_OTLP_PROTOCOL: {other:?} is not http/protobuf or http/json"
            )),
        }
    }

    /// The service's name in the spans.
    pub fn service_name(&self) -> &str {
        self.otel_service_name
            .as_deref()
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .unwrap_or("customers-todos")
    }

    /// Checks the settings at start-up; the message names the variable.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(endpoint) = self.endpoint() {
            let variable = if self.otel_exporter_otlp_traces_endpoint.is_some() {
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
            } else {
                "OTEL_EXPORTER_OTLP_ENDPOINT"
            };
            let scheme_ok = endpoint.starts_with("http://") || endpoint.starts_with("https://");
            if !scheme_ok || endpoint.parse::<axum::http::Uri>().is_err() {
                return Err(format!(
                    "{variable}: {endpoint:?} is not an http:// or https:// URL"
                ));
            }
        }
        self.protocol().map(drop)
    }
}

/// The span exporter while the service runs; [`Tracing::shutdown`] sends what is still
/// buffered.
#[derive(Debug, Default)]
pub struct Tracing {
    provider: Option<SdkTracerProvider>,
}

impl Tracing {
    /// Drops the exporter without using it (the subscriber could not be installed).
    pub(super) fn discard(self) -> Self {
        EXPORTING.store(false, Ordering::Relaxed);
        Self::default()
    }

    /// Sends the spans still buffered and stops the exporter, waiting at most `limit`.
    pub async fn shutdown(self, limit: Duration) {
        let Some(provider) = self.provider else {
            return;
        };
        EXPORTING.store(false, Ordering::Relaxed);
        // The exporter's HTTP client blocks: off the async workers.
        let flushed = tokio::task::spawn_blocking(move || provider.shutdown());
        match tokio::time::timeout(limit, flushed).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => tracing::warn!(%error, "flushing the last spans"),
            Ok(Err(error)) => tracing::warn!(%error, "flushing the last spans"),
            Err(_) => tracing::warn!("the last spans were not sent in time"),
        }
    }
}

/// Sets up the exporter when an endpoint is configured: the layer that turns this crate's
/// spans into OpenTelemetry spans (the database's come from [`super::sql`]) (at INFO, whatever `RUST_LOG` says),
/// and the handle that flushes them at the end.
pub(super) fn start(
    settings: &OtelSettings,
) -> (Tracing, Option<Box<dyn Layer<Registry> + Send + Sync>>) {
    let Some(endpoint) = settings.endpoint() else {
        return (Tracing::default(), None);
    };
    let Ok(protocol) = settings.protocol() else {
        // Refused at start-up already (`OtelSettings::validate`).
        return (Tracing::default(), None);
    };
    let mut exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(protocol);
    if let Some(traces) = settings.otel_exporter_otlp_traces_endpoint.as_deref() {
        exporter = exporter.with_endpoint(traces.trim());
    } else {
        exporter = exporter.with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')));
    }
    let exporter = match exporter.build() {
        Ok(exporter) => exporter,
        Err(error) => {
            eprintln!("customers-todos: cannot set up span export: {error}");
            return (Tracing::default(), None);
        }
    };
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(settings.service_name().to_owned())
                .build(),
        )
        .build();
    let tracer = provider.tracer("customers-todos");
    super::sql::set_tracer(tracer.clone());
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_location(false)
        .with_threads(false)
        .with_filter(Targets::new().with_target("api", tracing::Level::INFO))
        .boxed();
    EXPORTING.store(true, Ordering::Relaxed);
    (
        Tracing {
            provider: Some(provider),
        },
        Some(layer),
    )
}

/// Headers as the propagator reads them.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(axum::http::HeaderName::as_str).collect()
    }
}

/// Makes the request's span the trace's server span: named `METHOD route`, continuing the
/// client's `traceparent` if it sent one, and its trace id recorded for the log lines.
pub(super) fn server_span(span: &Span, method: &Method, route: &str, headers: &HeaderMap) {
    let name = if route.is_empty() {
        method.to_string()
    } else {
        format!("{method} {route}")
    };
    span.record("otel.name", name.as_str());
    span.record("otel.kind", "server");
    span.record("http.request.method", method.as_str());
    if !route.is_empty() {
        span.record("http.route", route);
    }
    let parent = TraceContextPropagator::new().extract(&Headers(headers));
    if parent.span().span_context().is_valid() {
        // A span that is not yet closed always takes a parent.
        let _ = span.set_parent(parent);
    }
    let trace_id = span.context().span().span_context().trace_id();
    span.record("trace_id", tracing::field::display(trace_id));
}

/// The span of one GraphQL operation's execution, a child of its request's, named
/// `query Name` (or just the type when anonymous); `Span::none()` (nothing at all) while
/// spans are not exported.
pub fn operation_span(ty: OperationType, name: Option<&str>) -> Span {
    if !exporting() {
        return Span::none();
    }
    let ty = crate::metrics::type_label(ty);
    let title = match name {
        Some(name) => format!("{ty} {name}"),
        None => ty.to_owned(),
    };
    let span = tracing::info_span!(
        target: "api::graphql",
        "graphql.operation",
        otel.name = title.as_str(),
        graphql.operation.type = ty,
        graphql.operation.name = tracing::field::Empty,
    );
    // Before the span is entered, so that the exported span has it (an anonymous
    // operation has no name attribute).
    if let Some(name) = name {
        span.record("graphql.operation.name", name);
    }
    span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_an_endpoint_nothing_is_set_up() {
        let settings = OtelSettings::default();
        assert!(!settings.enabled());
        let (tracing, layer) = start(&settings);
        assert!(tracing.provider.is_none());
        assert!(layer.is_none());
        assert!(!exporting());
        let config = crate::Config::defaults();
        assert!(!config.otel.enabled(), "{:?}", config.otel);
    }
}
