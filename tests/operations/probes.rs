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
    app.db.clone().close().await.expect("close the pool");

    assert_eq!(
        app.get("/health").await.status,
        200,
        "liveness does not depend on the database"
    );
    assert_eq!(app.get("/ready").await.status, 503);
    let rest = app.get("/v1/customers").await;
    assert_eq!(rest.status, 503, "{}", rest.text());
    let graphql = app
        .graphql("{ customers { totalCount } }", serde_json::json!({}))
        .await;
    assert_eq!(
        tests::error_code(&graphql),
        Some("SERVICE_UNAVAILABLE"),
        "{graphql}"
    );
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
