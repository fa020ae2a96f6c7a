//! Headers every REST response carries: CORS for the configured origins, and `x-request-id`.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use tests::{Backend, TestApp, db_test};

fn preflight(path: &str, origin: &str, method: &str) -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri(path)
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "content-type")
        .body(Body::empty())
        .expect("request")
}

fn get_from(path: &str, origin: &str) -> Request<Body> {
    Request::builder()
        .uri(path)
        .header("origin", origin)
        .body(Body::empty())
        .expect("request")
}

db_test!(cors_preflight_from_a_listed_origin_is_allowed);
async fn cors_preflight_from_a_listed_origin_is_allowed(app: TestApp) {
    for origin in ["http://localhost:3000", "http://localhost"] {
        for (path, method) in [
            ("/v1/customers", "POST"),
            ("/v1/customers/1", "PUT"),
            ("/api/v1/todos/1", "DELETE"),
        ] {
            // Act
            let response = app.send(preflight(path, origin, method)).await;

            // Assert
            assert!(
                response.status.is_success(),
                "{origin} {method} {path}: {}",
                response.status
            );
            assert_eq!(
                response.header("access-control-allow-origin"),
                Some(origin),
                "{origin} {method} {path}"
            );
            let methods = response
                .header("access-control-allow-methods")
                .unwrap_or_default()
                .to_ascii_uppercase();
            assert!(
                methods.split(',').any(|allowed| allowed.trim() == method),
                "{methods}"
            );
            let headers = response
                .header("access-control-allow-headers")
                .unwrap_or_default()
                .to_ascii_lowercase();
            assert!(
                headers
                    .split(',')
                    .any(|allowed| allowed.trim() == "content-type"),
                "{headers}"
            );
            assert_eq!(
                response.header("access-control-allow-credentials"),
                Some("true")
            );
        }
    }
    // The actual request carries the header too.
    let response = app
        .send(get_from("/v1/customers", "http://localhost:3000"))
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
}

db_test!(cors_from_an_unlisted_origin_gets_no_allow_origin);
async fn cors_from_an_unlisted_origin_gets_no_allow_origin(app: TestApp) {
    for origin in [
        "http://evil.example",
        "http://localhost:3001",
        "https://localhost:3000",
        "null",
    ] {
        let response = app.send(preflight("/v1/customers", origin, "POST")).await;
        assert_eq!(
            response.header("access-control-allow-origin"),
            None,
            "{origin}: {:?}",
            response.headers
        );

        let response = app.send(get_from("/v1/customers", origin)).await;
        assert_eq!(
            response.header("access-control-allow-origin"),
            None,
            "{origin}: {:?}",
            response.headers
        );
    }
}

db_test!(cors_follows_the_configuration(backend));
async fn cors_follows_the_configuration(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.cors_allowed_origins = vec!["https://app.example".into()];
    })
    .await;

    let allowed = app
        .send(preflight("/api/v1/todos", "https://app.example", "POST"))
        .await;
    let default_origin = app
        .send(preflight("/api/v1/todos", "http://localhost:3000", "POST"))
        .await;

    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(default_origin.header("access-control-allow-origin"), None);
}

db_test!(every_response_has_an_x_request_id);
async fn every_response_has_an_x_request_id(app: TestApp) {
    // Arrange: a customer and a todo to answer about.
    let customer = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let todo = app.create_todo("Buy milk", None).await;
    let id = &customer["customer_id"];
    let body =
        json!({ "first_name": "Ada", "last_name": "L", "email": "ada@example.com" }).to_string();
    let requests = vec![
        (
            Method::GET,
            "/v1/customers".to_owned(),
            None,
            StatusCode::OK,
        ),
        (
            Method::GET,
            format!("/v1/customers/{id}"),
            None,
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/v1/customers/999".to_owned(),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/v1/customers/abc".to_owned(),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/v1/customers".to_owned(),
            Some(body.clone()),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/v1/customers".to_owned(),
            Some("{".to_owned()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::PUT,
            format!("/v1/customers/{id}"),
            Some(body),
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/api/v1/todos".to_owned(),
            None,
            StatusCode::OK,
        ),
        (
            Method::POST,
            "/api/v1/todos".to_owned(),
            Some(r#"{"task":"t"}"#.to_owned()),
            StatusCode::OK,
        ),
        (
            Method::DELETE,
            format!("/api/v1/todos/{}", todo["id"]),
            None,
            StatusCode::OK,
        ),
        (
            Method::DELETE,
            format!("/v1/customers/{id}"),
            None,
            StatusCode::NO_CONTENT,
        ),
        (
            Method::GET,
            "/openapi.json".to_owned(),
            None,
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/no/such/route".to_owned(),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PATCH,
            "/v1/customers".to_owned(),
            None,
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ];
    let mut seen = Vec::new();
    for (method, path, body, status) in requests {
        let mut builder = Request::builder().method(method.clone()).uri(&path);
        if body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        let request = builder
            .body(body.map_or_else(Body::empty, Body::from))
            .expect("request");

        // Act
        let response = app.send(request).await;

        // Assert
        assert_eq!(
            response.status,
            status,
            "{method} {path}: {}",
            response.text()
        );
        let request_id = response
            .header("x-request-id")
            .unwrap_or_else(|| panic!("{method} {path}: no x-request-id"));
        assert!(!request_id.is_empty());
        seen.push(request_id.to_owned());
    }
    let preflight = app
        .send(preflight("/v1/customers", "http://localhost:3000", "POST"))
        .await;
    assert!(
        preflight
            .header("x-request-id")
            .is_some_and(|id| !id.is_empty()),
        "{:?}",
        preflight.headers
    );

    // Each request gets its own id.
    let count = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), count);
}

db_test!(a_client_request_id_is_echoed);
async fn a_client_request_id_is_echoed(app: TestApp) {
    let request = Request::builder()
        .uri("/v1/customers/999")
        .header("x-request-id", "client-chosen-42")
        .body(Body::empty())
        .expect("request");

    let response = app.send(request).await;

    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.header("x-request-id"), Some("client-chosen-42"));
}
