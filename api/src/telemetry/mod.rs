//! Logs and traces: the global `tracing` subscriber (log lines filtered by `RUST_LOG`; spans
//! exported over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, whatever `RUST_LOG` says),
//! and the span and log line of every request.

mod otel;
mod request;
mod sql;

use tracing_subscriber::filter::{FilterExt, filter_fn};
use tracing_subscriber::layer::{Layered, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::{Config, LogFormat};

pub use otel::{OtelSettings, Tracing, exporting, operation_span};
pub use request::{NoFailureLine, RequestSpan, ResponseLine};
pub use sql::trace_statements;

/// The exporting layer (or none), directly on the registry.
type Export = Option<Box<dyn Layer<Registry> + Send + Sync>>;

/// The log-line layer, above it.
type Logs = Box<dyn Layer<Layered<Export, Registry>> + Send + Sync>;

/// Installs the global subscriber once: log lines as `RUST_LOG` and `LOG_FORMAT` say, and,
/// with an OTLP endpoint configured, span export. The returned [`Tracing`] flushes the
/// spans still buffered when the service stops.
///
/// A second call (as in tests that start several apps) installs nothing and exports
/// nothing.
pub fn init(config: &Config) -> Tracing {
    let filter = EnvFilter::try_new(&config.rust_log).unwrap_or_else(|_| EnvFilter::new("info"));
    // The database's spans are for traces only: a log line never needs them, and without an
    // exporter nobody wants them, so they cost nothing.
    let not_database_spans =
        filter_fn(|metadata| !(metadata.is_span() && metadata.target().starts_with("sea_orm")));
    // `And` has no level hint when either side has none, and without one every disabled
    // `trace!`/`debug!` in the libraries would reach the dispatcher instead of being skipped
    // by the global level check: the closure inherits `RUST_LOG`'s hint.
    let not_database_spans = match filter.max_level_hint() {
        Some(hint) => not_database_spans.with_max_level_hint(hint),
        None => not_database_spans,
    };
    let logs = filter.and(not_database_spans);
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let fmt: Logs = match config.log_format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_filter(logs)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_target(false)
            .with_ansi(ansi)
            .with_filter(logs)
            .boxed(),
    };
    let (tracing, export) = otel::start(&config.otel);
    let installed = tracing_subscriber::registry()
        .with(export)
        .with(fmt)
        .try_init()
        .is_ok();
    if installed {
        tracing
    } else {
        // Another subscriber is global already: its spans never reach this exporter.
        tracing.discard()
    }
}
