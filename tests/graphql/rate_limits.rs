//! Rate limits (SPEC 5.4), with a limit of one a minute instead of any clock: per
//! token `sub`, else per client address, `X-Forwarded-For` believed only from trusted proxies.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use tests::{Backend, TestApp, TestResponse, db_test, error_code};

/// `GET path` as if from `peer`, with optional `Authorization` and `X-Forwarded-For`.
async fn get_from(
    app: &TestApp,
    path: &str,
    peer: &str,
    authorization: Option<&str>,
    forwarded_for: Option<&str>,
) -> TestResponse {
    let mut request = Request::get(path);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    if let Some(value) = forwarded_for {
        request = request.header("x-forwarded-for", value);
    }
    let mut request = request.body(Body::empty()).expect("request");
    let peer: SocketAddr = format!("{peer}:40000").parse().expect("address");
    request.extensions_mut().insert(ConnectInfo(peer));
    app.send(request).await
}

db_test!(requests_over_the_limit_are_429_per_principal(backend));
async fn requests_over_the_limit_are_429_per_principal(backend: Backend) {
    // One a minute: a burst of one, then nothing for a minute, far longer than the test.
    let app = TestApp::spawn_with_vars(
        backend,
        &[
            ("AUTH_JWT_SECRET", super::auth::SECRET),
            ("RATE_LIMIT_PER_MINUTE", "1"),
        ],
        |_| {},
    )
    .await;
    let ada = format!("Bearer {}", super::auth::token("reader", None));
    let first = get_from(&app, "/v1/customers", "10.0.0.1", Some(&ada), None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("ratelimit-limit"), Some("1"));
    assert_eq!(first.header("ratelimit-remaining"), Some("0"));

    let second = get_from(&app, "/v1/customers", "10.0.0.1", Some(&ada), None).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = second
        .header("retry-after")
        .and_then(|value| value.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        second.header("ratelimit-reset"),
        second.header("retry-after")
    );
    assert_eq!(second.header("ratelimit-remaining"), Some("0"));
    assert_eq!(second.json(), json!({ "detail": "Too Many Requests" }));
    let graphql = get_from(
        &app,
        "/graphql?query=%7B__typename%7D",
        "10.0.0.1",
        Some(&ada),
        None,
    )
    .await;
    assert_eq!(graphql.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&graphql.json()), Some("RATE_LIMITED"));

    // Another principal (another `sub`) has its own quota, from the same address.
    let other = super::auth::token_with(
        super::auth::SECRET,
        &json!({ "sub": "someone-else", "role": "reader", "exp": chrono::Utc::now().timestamp() + 600 }),
    );
    let response = get_from(
        &app,
        "/v1/customers",
        "10.0.0.1",
        Some(&format!("Bearer {other}")),
        None,
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    // The probes are never limited.
    for _ in 0..5 {
        assert_eq!(
            get_from(&app, "/health", "10.0.0.1", None, None)
                .await
                .status,
            StatusCode::OK
        );
    }
}

db_test!(without_a_token_the_client_address_counts_and_only_trusted_proxies_name_it(backend));
async fn without_a_token_the_client_address_counts_and_only_trusted_proxies_name_it(
    backend: Backend,
) {
    let app = TestApp::spawn_with_vars(
        backend,
        &[
            ("RATE_LIMIT_PER_MINUTE", "1"),
            ("TRUSTED_PROXIES", "10.0.0.9, 10.0.0.8"),
        ],
        |_| {},
    )
    .await;
    let status = |response: TestResponse| response.status;
    assert_eq!(
        status(get_from(&app, "/api/v1/todos", "10.0.0.1", None, None).await),
        StatusCode::OK
    );
    assert_eq!(
        status(get_from(&app, "/api/v1/todos", "10.0.0.1", None, None).await),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        status(get_from(&app, "/api/v1/todos", "10.0.0.2", None, None).await),
        StatusCode::OK
    );
    // Through the trusted proxies: the client they name, 10.0.0.1, is over its limit.
    assert_eq!(
        status(
            get_from(
                &app,
                "/api/v1/todos",
                "10.0.0.9",
                None,
                Some("10.0.0.1, 10.0.0.8")
            )
            .await
        ),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        status(get_from(&app, "/api/v1/todos", "10.0.0.9", None, Some("10.0.0.3")).await),
        StatusCode::OK
    );
    // An untrusted peer cannot claim to be someone else.
    assert_eq!(
        status(get_from(&app, "/api/v1/todos", "10.0.0.4", None, Some("10.0.0.5")).await),
        StatusCode::OK
    );
    assert_eq!(
        status(get_from(&app, "/api/v1/todos", "10.0.0.4", None, Some("10.0.0.6")).await),
        StatusCode::TOO_MANY_REQUESTS
    );
}
