//! Liveness and readiness probes, and what clients get while the database is gone.

use tests::{Backend, TestApp};

async fn probes_follow_the_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let health = app.get("/health").await;
    assert_eq!(
        (health.status.as_u16(), health.json()),
        (200, serde_json::json!({ "status": "ok" }))
    );
    assert_eq!(app.get("/ready").await.status, 200);

    // Closing the shared pool is the database going away, as far as the service can tell.
    app.db
        .connection()
        .clone()
        .close()
        .await
        .expect("close the pool");

    assert_eq!(
        app.get("/health").await.status,
        200,
        "liveness does not depend on the database"
    );
    assert_eq!(app.get("/ready").await.status, 503);
    // SPEC 4.2: 503 with `Retry-After: 1`, FastAPI's shape on REST.
    let rest = app.get("/v1/customers").await;
    assert_eq!(rest.status, 503, "{}", rest.text());
    assert_eq!(rest.header("retry-after"), Some("1"));
    assert_eq!(
        rest.json(),
        serde_json::json!({ "detail": "Service unavailable" })
    );
    // GraphQL: the code on the field, and, since that leaves `data` null, a 503 with
    // `Retry-After: 1` for either media type.
    for accept in ["application/json", "application/graphql-response+json"] {
        let request = axum::http::Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", accept)
            .body(axum::body::Body::from(
                serde_json::json!({ "query": "{ customers { totalCount } }" }).to_string(),
            ))
            .expect("request");
        let graphql = app.send(request).await;
        assert_eq!(graphql.status, 503, "{accept}: {}", graphql.text());
        assert_eq!(graphql.header("retry-after"), Some("1"), "{accept}");
        let body = graphql.json();
        assert_eq!(body["data"], serde_json::Value::Null, "{body}");
        assert_eq!(
            tests::error_code(&body),
            Some("SERVICE_UNAVAILABLE"),
            "{body}"
        );
        assert_eq!(body["errors"][0]["path"], serde_json::json!(["customers"]));
    }
}

#[tokio::test]
async fn probes_follow_the_database_on_sqlite() {
    probes_follow_the_database(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
async fn probes_follow_the_database_on_postgres() {
    probes_follow_the_database(Backend::Postgres).await;
}
