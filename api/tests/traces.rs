//! Span export (SPEC 4.1) from the real binary to an OTLP/HTTP receiver this test runs
//! itself, decoding what arrives: a server span per request (`METHOD route`) continuing the
//! client's `traceparent`, a child per GraphQL operation, children per SQL statement with
//! placeholders for values, the trace id in the log lines, and nothing lost at SIGTERM.

mod support;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;
use serde_json::json;
use support::RunningBinary;

/// Every span the receiver got, with its resource's `service.name`.
type Received = Arc<Mutex<Vec<(String, Span)>>>;

/// An OTLP/HTTP (protobuf) trace receiver on a port of its own.
struct Receiver {
    url: String,
    spans: Received,
}

async fn accept(State(spans): State<Received>, body: Bytes) -> Vec<u8> {
    let request = ExportTraceServiceRequest::decode(body).expect("an OTLP trace export");
    let mut spans = spans.lock().unwrap_or_else(PoisonError::into_inner);
    for resource in request.resource_spans {
        let service = resource
            .resource
            .iter()
            .flat_map(|resource| &resource.attributes)
            .find(|attribute| attribute.key == "service.name")
            .and_then(|attribute| attribute.value.as_ref()?.value.as_ref())
            .map(|value| match value {
                AnyValue::StringValue(name) => name.clone(),
                other => format!("{other:?}"),
            })
            .unwrap_or_default();
        for scope in resource.scope_spans {
            spans.extend(scope.spans.into_iter().map(|span| (service.clone(), span)));
        }
    }
    ExportTraceServiceResponse::default().encode_to_vec()
}

impl Receiver {
    async fn start() -> Self {
        let spans = Received::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let app = Router::new()
            .route("/v1/traces", post(accept))
            .with_state(Arc::clone(&spans));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("receiver") });
        Self { url, spans }
    }

    fn spans(&self) -> Vec<(String, Span)> {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|attribute| attribute.key == key)
        .and_then(|attribute| attribute.value.as_ref()?.value.as_ref())
        .map(|value| match value {
            AnyValue::StringValue(text) => text.clone(),
            AnyValue::IntValue(number) => number.to_string(),
            other => format!("{other:?}"),
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_go_to_the_otlp_endpoint_as_a_tree_that_continues_the_callers_trace() {
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("traces.db").display()
    );
    // Request log lines filtered out (only the start-up line the test reads the port from
    // is let through): exported spans are not filtered.
    let mut server = RunningBinary::start_with(
        &url,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.url),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("RUST_LOG", "warn,api::server=info"),
        ],
    )
    .await;
    let http = reqwest::Client::new();
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let secret_email = "traced.secret@example.com";
    let created = http
        .post(server.url("/v1/customers"))
        .json(&json!({ "first_name": "Traced", "last_name": "Row", "email": secret_email }))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 201);
    let customer_id = created.json::<serde_json::Value>().await.expect("JSON")["customer_id"]
        .as_i64()
        .expect("an id");
    let read = http
        .get(server.url(&format!("/v1/customers/{customer_id}")))
        .header("traceparent", &traceparent)
        .send()
        .await
        .expect("read");
    assert_eq!(read.status(), 200);
    let graphql = http
        .post(server.url("/graphql"))
        .header("traceparent", &traceparent)
        .json(&json!({
            "query": "query TracedProbe($id: Int!) { customer(customerId: $id) { email todos { totalCount } } }",
            "variables": { "id": customer_id },
        }))
        .send()
        .await
        .expect("graphql");
    assert_eq!(graphql.status(), 200);
    // What is still buffered goes out at SIGTERM.
    server.terminate();
    let (exit, _) = server.exit_within(Duration::from_secs(15)).await;
    assert!(exit.success());

    let spans = receiver.spans();
    let shown = || {
        spans
            .iter()
            .map(|(_, span)| {
                format!(
                    "{} [{}] {} parent {}",
                    span.name,
                    hex(&span.trace_id),
                    hex(&span.span_id),
                    hex(&span.parent_span_id)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        spans
            .iter()
            .all(|(service, _)| service == "customers-todos"),
        "service.name"
    );
    let in_trace: Vec<&Span> = spans
        .iter()
        .map(|(_, span)| span)
        .filter(|span| hex(&span.trace_id) == TRACE_ID)
        .collect();

    // The REST read: a server span continuing the caller's, named by the route template.
    let rest = in_trace
        .iter()
        .find(|span| span.name == "GET /v1/customers/{customer_id}")
        .unwrap_or_else(|| panic!("no REST server span in the caller's trace:\n{}", shown()));
    assert_eq!(hex(&rest.parent_span_id), PARENT_ID);
    assert_eq!(rest.kind, SpanKind::Server as i32);
    assert_eq!(
        attribute(rest, "http.route").as_deref(),
        Some("/v1/customers/{customer_id}")
    );
    assert_eq!(
        attribute(rest, "http.response.status_code").as_deref(),
        Some("200")
    );
    let rest_sql: Vec<&&Span> = in_trace
        .iter()
        .filter(|span| span.parent_span_id == rest.span_id)
        .filter(|span| attribute(span, "db.statement").is_some())
        .collect();
    assert!(
        !rest_sql.is_empty(),
        "a SQL span under the REST span:\n{}",
        shown()
    );
    for span in &rest_sql {
        assert_eq!(span.kind, SpanKind::Client as i32);
        assert_eq!(attribute(span, "db.system").as_deref(), Some("sqlite"));
        let statement = attribute(span, "db.statement").unwrap_or_default();
        assert!(
            statement.contains('?') || statement.contains("$1"),
            "{statement}"
        );
        assert!(
            !statement.contains(&customer_id.to_string()),
            "a value in the SQL: {statement}"
        );
    }

    // The GraphQL request: server span, then the operation, then its SQL (the DataLoader's
    // batches included).
    let server_span = in_trace
        .iter()
        .find(|span| span.name == "POST /graphql")
        .unwrap_or_else(|| panic!("no GraphQL server span:\n{}", shown()));
    assert_eq!(hex(&server_span.parent_span_id), PARENT_ID);
    let operation = in_trace
        .iter()
        .find(|span| span.name == "query TracedProbe")
        .unwrap_or_else(|| panic!("no operation span:\n{}", shown()));
    assert_eq!(operation.parent_span_id, server_span.span_id);
    assert_eq!(
        attribute(operation, "graphql.operation.type").as_deref(),
        Some("query")
    );
    assert_eq!(
        attribute(operation, "graphql.operation.name").as_deref(),
        Some("TracedProbe")
    );
    let operation_sql = in_trace
        .iter()
        .filter(|span| span.parent_span_id == operation.span_id)
        .filter(|span| attribute(span, "db.statement").is_some())
        .count();
    assert!(
        operation_sql >= 2,
        "the look-up and the count under the operation:\n{}",
        shown()
    );

    // The write carried no traceparent: a trace of its own, and its SQL never shows the
    // values it wrote.
    let all_statements: Vec<String> = spans
        .iter()
        .filter_map(|(_, span)| attribute(span, "db.statement"))
        .collect();
    assert!(
        all_statements
            .iter()
            .any(|statement| statement.to_ascii_uppercase().starts_with("INSERT"))
    );
    assert!(
        all_statements
            .iter()
            .all(|statement| !statement.contains(secret_email))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_lines_carry_the_trace_id_and_nothing_is_exported_without_an_endpoint() {
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("logs.db").display());
    let server = RunningBinary::start_with(
        &url,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.url),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("RUST_LOG", "info"),
        ],
    )
    .await;
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let response = reqwest::Client::new()
        .get(server.url("/v1/customers"))
        .header("traceparent", &traceparent)
        .send()
        .await
        .expect("list");
    assert_eq!(response.status(), 200);
    let mut server = server;
    server.terminate();
    let (exit, _) = server.exit_within(Duration::from_secs(15)).await;
    assert!(exit.success());
    let lines = server.log_lines("request");
    let line = lines
        .iter()
        .find(|line| line["span"]["route"] == "/v1/customers")
        .unwrap_or_else(|| panic!("no request line: {lines:?}"));
    assert_eq!(line["span"]["trace_id"], TRACE_ID, "{line}");
    // The exported server span has the same trace id.
    assert!(
        receiver
            .spans()
            .iter()
            .any(|(_, span)| span.name == "GET /v1/customers" && hex(&span.trace_id) == TRACE_ID)
    );

    // Without an endpoint: no exporter at all, so the receiver hears nothing.
    let quiet = Receiver::start().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("quiet.db").display()
    );
    let server = RunningBinary::start_with(&url, &[("OTEL_BSP_SCHEDULE_DELAY", "100")]).await;
    let response = reqwest::Client::new()
        .get(server.url("/v1/customers"))
        .header("traceparent", &traceparent)
        .send()
        .await
        .expect("list");
    assert_eq!(response.status(), 200);
    server.stop().await;
    assert!(quiet.spans().is_empty());
}
