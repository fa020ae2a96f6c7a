//! `GET /metrics` (SPEC 4.1): every family from the start, route templates as labels, the
//! GraphQL operation and error counts, this app's pool and events, the token and the switch.
//!
//! Counters and histograms are process-wide (as in any Prometheus client) and other tests
//! run in this process at the same time, so checks on them use labels only this test
//! produces, or ask for "at least one more"; what belongs to one app (pool, subscriptions,
//! change events) is exact.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use tests::{Backend, TestApp, TestResponse, db_test};

/// One sample of a scrape: its name and labels.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A scrape in the Prometheus text format, read line by line (labels as the format writes
/// them, with `\"`, `\\` and `\n` escapes).
struct Scrape {
    text: String,
    samples: Vec<Sample>,
}

impl Scrape {
    fn parse(text: String) -> Self {
        let samples = text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').expect("`series value`");
                let value = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
                let (name, labels) = match series.split_once('{') {
                    Some((name, rest)) => (name, parse_labels(rest.trim_end_matches('}'))),
                    None => (series, BTreeMap::new()),
                };
                Sample {
                    name: name.to_owned(),
                    labels,
                    value,
                }
            })
            .collect();
        Self { text, samples }
    }

    /// The metric type a `# TYPE` line gives `family`, if any.
    fn type_of(&self, family: &str) -> Option<&str> {
        self.text.lines().find_map(|line| {
            let rest = line.strip_prefix("# TYPE ")?;
            let (name, kind) = rest.split_once(' ')?;
            (name == family).then_some(kind)
        })
    }

    /// The value of the one sample named `name` whose labels include `labels`.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let matching: Vec<&Sample> = self
            .samples
            .iter()
            .filter(|sample| {
                sample.name == name
                    && labels.iter().all(|(key, value)| {
                        sample.labels.get(*key).map(String::as_str) == Some(value)
                    })
            })
            .collect();
        assert!(matching.len() <= 1, "{name} {labels:?}: {matching:?}");
        matching.first().map(|sample| sample.value)
    }
}

fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut chars = text.chars().peekable();
    loop {
        let name: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if name.is_empty() {
            break;
        }
        assert_eq!(chars.next(), Some('"'), "a quoted value in {text}");
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(other) => value.push(other),
                    None => break,
                },
                '"' => break,
                other => value.push(other),
            }
        }
        labels.insert(name.trim_start_matches(',').to_owned(), value);
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    labels
}

async fn scrape(app: &TestApp) -> Scrape {
    let response = app.get("/metrics").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    Scrape::parse(response.text())
}

/// Every family SPEC 4.1 names, with its type.
const FAMILIES: [(&str, &str); 13] = [
    ("http_server_request_duration_seconds", "histogram"),
    ("http_server_active_requests", "gauge"),
    ("graphql_operation_duration_seconds", "histogram"),
    ("graphql_errors_total", "counter"),
    ("db_pool_connections", "gauge"),
    ("db_pool_max_connections", "gauge"),
    ("db_pool_acquire_timeouts_total", "counter"),
    ("graphql_subscriptions_active", "gauge"),
    ("change_events_published_total", "counter"),
    ("change_events_dropped_total", "counter"),
    ("requests_rejected_total", "counter"),
    ("process_resident_memory_bytes", "gauge"),
    ("process_cpu_seconds_total", "counter"),
];

db_test!(every_family_is_exposed_from_the_start);
async fn every_family_is_exposed_from_the_start(app: TestApp) {
    let scrape = scrape(&app).await;
    for (family, kind) in FAMILIES {
        assert_eq!(
            scrape.type_of(family),
            Some(kind),
            "{family}\n{}",
            scrape.text
        );
    }
    for reason in ["rate_limited", "overloaded", "unauthenticated", "forbidden"] {
        assert!(
            scrape
                .value("requests_rejected_total", &[("reason", reason)])
                .is_some(),
            "requests_rejected_total{{reason={reason:?}}} from the start"
        );
    }
    for code in [
        "NOT_FOUND",
        "SERVICE_UNAVAILABLE",
        "UNAUTHENTICATED",
        "FORBIDDEN",
    ] {
        assert!(
            scrape
                .value("graphql_errors_total", &[("code", code)])
                .is_some(),
            "graphql_errors_total{{code={code:?}}} from the start"
        );
    }
    // This app's own values are exact.
    let pool_size = f64::from(app.state.config.pool_size());
    assert_eq!(
        scrape.value("db_pool_max_connections", &[]),
        Some(pool_size)
    );
    let idle = scrape.value("db_pool_connections", &[("state", "idle")]);
    let used = scrape.value("db_pool_connections", &[("state", "used")]);
    assert!(
        matches!((idle, used), (Some(idle), Some(used)) if idle + used <= pool_size && idle >= 0.0 && used >= 0.0)
    );
    assert_eq!(scrape.value("graphql_subscriptions_active", &[]), Some(0.0));
    assert_eq!(
        scrape.value("change_events_published_total", &[]),
        Some(0.0)
    );
    assert_eq!(scrape.value("change_events_dropped_total", &[]), Some(0.0));
    assert!(
        scrape
            .value("process_resident_memory_bytes", &[])
            .unwrap_or(0.0)
            > 1_000_000.0
    );
    assert!(
        scrape
            .value("process_cpu_seconds_total", &[])
            .unwrap_or(0.0)
            > 0.0
    );
}

db_test!(requests_are_labelled_by_route_template_never_by_path);
async fn requests_are_labelled_by_route_template_never_by_path(app: TestApp) {
    // An id no other test uses, so that it would stand out in a label.
    let missing = 987_654_321;
    let before = scrape(&app).await;
    let labels = [
        ("http_request_method", "GET"),
        ("http_route", "/v1/customers/{customer_id}"),
        ("http_response_status_code", "404"),
    ];
    let count_before = before
        .value("http_server_request_duration_seconds_count", &labels)
        .unwrap_or(0.0);
    let response = app.get(&format!("/v1/customers/{missing}")).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    let after = scrape(&app).await;
    let count_after = after
        .value("http_server_request_duration_seconds_count", &labels)
        .expect("a series for the route template");
    assert!(count_after >= count_before + 1.0);
    assert!(
        !after.text.contains(&missing.to_string()),
        "a raw path leaked into a label:\n{}",
        after.text
    );
    // The buckets are cumulative and end at +Inf with the count.
    let inf = after
        .value(
            "http_server_request_duration_seconds_bucket",
            &[labels[0], labels[1], labels[2], ("le", "+Inf")],
        )
        .expect("+Inf bucket");
    assert_eq!(inf, count_after);
}

db_test!(graphql_operations_are_timed_by_type_and_name_and_errors_counted_by_code);
async fn graphql_operations_are_timed_by_type_and_name_and_errors_counted_by_code(app: TestApp) {
    // A name only this test sends.
    let name = format!("MetricsProbe{}", uuid::Uuid::new_v4().simple());
    let query = format!("query {name} {{ customers(first: 1) {{ totalCount }} }}");
    for _ in 0..2 {
        app.graphql_data(&query, json!({})).await;
    }
    let errors_before = scrape(&app)
        .await
        .value("graphql_errors_total", &[("code", "NOT_FOUND")])
        .expect("listed from the start");
    let body = app
        .graphql(
            "mutation { deleteTodo(todoId: 2000000000) { todoId } }",
            json!({}),
        )
        .await;
    assert_eq!(tests::error_code(&body), Some("NOT_FOUND"), "{body}");

    let scrape = scrape(&app).await;
    let labels = [
        ("graphql_operation_type", "query"),
        ("graphql_operation_name", name.as_str()),
    ];
    assert_eq!(
        scrape.value("graphql_operation_duration_seconds_count", &labels),
        Some(2.0),
        "two runs of {name}"
    );
    assert!(
        scrape
            .value(
                "graphql_operation_duration_seconds_count",
                &[
                    ("graphql_operation_type", "mutation"),
                    ("graphql_operation_name", "")
                ]
            )
            .is_some_and(|count| count >= 1.0),
        "an anonymous mutation is named \"\""
    );
    let errors_after = scrape
        .value("graphql_errors_total", &[("code", "NOT_FOUND")])
        .expect("listed");
    assert!(errors_after >= errors_before + 1.0);
}

db_test!(subscriptions_and_change_events_are_counted_by_the_events_module);
async fn subscriptions_and_change_events_are_counted_by_the_events_module(app: TestApp) {
    let _events = app.subscribe("subscription { customerChanged { customerId } }");
    app.until_subscribed(1, 0).await;
    assert_eq!(
        scrape(&app)
            .await
            .value("graphql_subscriptions_active", &[]),
        Some(1.0)
    );
    app.create_customer("Ada", "Lovelace", "ada.metrics@example.com")
        .await;
    app.create_customer("Bob", "Builder", "bob.metrics@example.com")
        .await;
    // An event is counted once its write's task has published it, just after the write's
    // answer: wait for it (bounded).
    let mut published = None;
    for _ in 0..100 {
        published = scrape(&app)
            .await
            .value("change_events_published_total", &[]);
        if published == Some(2.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(published, Some(2.0));
    assert_eq!(
        scrape(&app).await.value("change_events_dropped_total", &[]),
        Some(0.0)
    );
}

db_test!(openmetrics_is_served_when_the_scraper_asks_for_it(backend));
async fn openmetrics_is_served_when_the_scraper_asks_for_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let request = Request::get("/metrics")
        .header(
            header::ACCEPT,
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
        )
        .body(Body::empty())
        .expect("request");
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let text = response.text();
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert_eq!(text.matches("# EOF").count(), 1);
    // OpenMetrics names the counter family without `_total` and its samples with it.
    assert!(
        text.contains("# TYPE requests_rejected counter\n"),
        "{text}"
    );
    assert!(text.contains("requests_rejected_total{reason=\"overloaded\"}"));
}

db_test!(a_metrics_token_guards_the_scrape_and_the_route_can_be_switched_off(backend));
async fn a_metrics_token_guards_the_scrape_and_the_route_can_be_switched_off(backend: Backend) {
    let app =
        TestApp::spawn_with_vars(backend, &[("METRICS_TOKEN", "scrape-s3cret")], |_| {}).await;
    let scrape_with = |authorization: Option<&'static str>| {
        let mut request = Request::get("/metrics");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        app.send(request.body(Body::empty()).expect("request"))
    };
    let refused: TestResponse = scrape_with(None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
    assert!(!refused.text().contains("scrape-s3cret"));
    assert_eq!(
        scrape_with(Some("Bearer wrong")).await.status,
        StatusCode::UNAUTHORIZED
    );
    let allowed = scrape_with(Some("Bearer scrape-s3cret")).await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert!(allowed.text().contains("http_server_active_requests"));

    let off = TestApp::spawn_with_vars(backend, &[("METRICS_ENABLED", "false")], |_| {}).await;
    assert_eq!(off.get("/metrics").await.status, StatusCode::NOT_FOUND);
}

db_test!(refused_requests_are_counted_by_reason(backend));
async fn refused_requests_are_counted_by_reason(backend: Backend) {
    let app = TestApp::spawn_with_vars(
        backend,
        &[(
            "AUTH_JWT_SECRET",
            "metrics-test-secret-of-at-least-32-bytes",
        )],
        |_| {},
    )
    .await;
    let count = |scrape: &Scrape, reason: &str| {
        scrape
            .value("requests_rejected_total", &[("reason", reason)])
            .expect("listed from the start")
    };
    let before = scrape(&app).await;
    assert_eq!(
        app.get("/v1/customers").await.status,
        StatusCode::UNAUTHORIZED
    );
    let reader = api::auth::TokenRequest::from_args(&["--role".into(), "reader".into()])
        .expect("arguments")
        .mint(
            &app.state.config.auth,
            jsonwebtoken::get_current_timestamp(),
        )
        .expect("a token");
    let write = Request::post("/v1/customers")
        .header(header::AUTHORIZATION, format!("Bearer {reader}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({ "first_name": "A", "last_name": "B", "email": "a.metrics@example.com" })
                .to_string(),
        ))
        .expect("request");
    assert_eq!(app.send(write).await.status, StatusCode::FORBIDDEN);
    // The scrape itself needs no bearer token (METRICS_TOKEN guards it, when set).
    let after = scrape(&app).await;
    assert!(count(&after, "unauthenticated") >= count(&before, "unauthenticated") + 1.0);
    assert!(count(&after, "forbidden") >= count(&before, "forbidden") + 1.0);
}
