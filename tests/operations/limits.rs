//! Overload and deadlines (SPEC 4.2), made to happen for real: a connection of the test's
//! own holds a lock on the customer table, so that the app's requests block in the
//! database, however fast the machine.
//!
//! - PostgreSQL: `LOCK TABLE customer IN ACCESS EXCLUSIVE MODE` blocks reads and writes.
//! - SQLite: `BEGIN IMMEDIATE` takes the write lock (readers are never blocked under WAL), so
//!   the blocked requests are writes, which wait on the busy timeout.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, TransactionTrait,
};
use serde_json::{Value, json};
use tests::{Backend, TestApp, TestResponse, db_test};

/// The app's customer table locked by another connection until [`TableLock::release`].
struct TableLock {
    transaction: DatabaseTransaction,
    _connection: DatabaseConnection,
}

impl TableLock {
    async fn take(app: &TestApp) -> Self {
        let connection = Database::connect(app.database_url())
            .await
            .expect("a connection of the test's own");
        let transaction = match app.backend {
            Backend::Postgres => {
                let transaction = connection.begin().await.expect("BEGIN");
                transaction
                    .execute_unprepared("LOCK TABLE customer IN ACCESS EXCLUSIVE MODE")
                    .await
                    .expect("LOCK TABLE");
                transaction
            }
            Backend::Sqlite => {
                let transaction = connection.begin().await.expect("BEGIN");
                // A write takes SQLite's write lock and keeps it until the transaction ends.
                transaction
                    .execute_unprepared(
                        "UPDATE customer SET first_name = first_name WHERE customer_id < 0",
                    )
                    .await
                    .expect("take the write lock");
                transaction
            }
        };
        Self {
            transaction,
            _connection: connection,
        }
    }

    async fn release(self) {
        self.transaction.rollback().await.expect("ROLLBACK");
    }
}

/// A request that the lock blocks: a write on SQLite, a read on PostgreSQL.
fn blocked_request(app: &TestApp, label: &str) -> Request<Body> {
    match app.backend {
        Backend::Postgres => Request::get("/v1/customers")
            .body(Body::empty())
            .expect("request"),
        Backend::Sqlite => Request::post("/v1/customers")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({ "first_name": label, "last_name": "Blocked",
                        "email": format!("{label}@limits.example.com") })
                .to_string(),
            ))
            .expect("request"),
    }
}

fn graphql_request(accept: &str) -> Request<Body> {
    Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, accept)
        .body(Body::from(
            json!({ "query": "{ customers(first: 1) { totalCount } }" }).to_string(),
        ))
        .expect("request")
}

/// Waits (bounded) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{what} did not happen within 10 s");
}

fn assert_unavailable_rest(response: &TestResponse) {
    assert_eq!(
        response.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        response.text()
    );
    assert_eq!(response.header("retry-after"), Some("1"));
    assert_eq!(response.json(), json!({ "detail": "Service unavailable" }));
}

fn assert_unavailable_graphql(response: &TestResponse, content_type: &str) {
    assert_eq!(
        response.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        response.text()
    );
    assert_eq!(response.header("retry-after"), Some("1"));
    assert!(
        response
            .header("content-type")
            .is_some_and(|value| value.starts_with(content_type)),
        "{:?}",
        response.header("content-type")
    );
    let body: Value = response.json();
    assert_eq!(
        tests::error_code(&body),
        Some("SERVICE_UNAVAILABLE"),
        "{body}"
    );
}

db_test!(beyond_the_requests_in_flight_and_waiting_the_answer_is_an_immediate_503(backend));
async fn beyond_the_requests_in_flight_and_waiting_the_answer_is_an_immediate_503(
    backend: Backend,
) {
    let app = std::sync::Arc::new(
        TestApp::spawn_with(backend, |config| {
            config.max_in_flight_requests = 1;
            config.max_queued_requests = 1;
        })
        .await,
    );
    let lock = TableLock::take(&app).await;

    // One request in flight (blocked in the database), one waiting for its turn.
    let first = tokio::spawn({
        let app = app.clone();
        async move { app.send(blocked_request(&app, "first")).await }
    });
    until("the first request in flight", || {
        app.state.admission.in_flight() == 1
    })
    .await;
    let second = tokio::spawn({
        let app = app.clone();
        async move { app.send(blocked_request(&app, "second")).await }
    });
    until("the second request waiting", || {
        app.state.admission.waiting() == 1
    })
    .await;

    // Full: the next ones are turned away at once, in each protocol's shape.
    assert_unavailable_rest(&app.get("/v1/customers").await);
    assert_unavailable_graphql(
        &app.send(graphql_request("application/json")).await,
        "application/json",
    );
    assert_unavailable_graphql(
        &app.send(graphql_request("application/graphql-response+json"))
            .await,
        "application/graphql-response+json",
    );
    // The liveness probe and the metrics skip the queue.
    assert_eq!(app.get("/health").await.status, StatusCode::OK);
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.text().lines().any(|line| line
            .starts_with("requests_rejected_total{reason=\"overloaded\"}")
            && !line.ends_with(" 0")),
        "{}",
        metrics.text()
    );

    // Once the database lets go, the admitted requests are answered normally.
    lock.release().await;
    let (first, second) = (
        first.await.expect("first request"),
        second.await.expect("second request"),
    );
    assert!(first.status.is_success(), "{}", first.text());
    assert!(second.status.is_success(), "{}", second.text());
    assert_eq!(app.state.admission.in_flight(), 0);
    assert_eq!(app.state.admission.waiting(), 0);
    assert_eq!(app.get("/v1/customers").await.status, StatusCode::OK);
}

db_test!(a_request_past_its_deadline_is_503_and_its_statement_is_cancelled(backend));
async fn a_request_past_its_deadline_is_503_and_its_statement_is_cancelled(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.request_timeout_secs = 1).await;
    let lock = TableLock::take(&app).await;

    assert_unavailable_rest(&app.send(blocked_request(&app, "late")).await);
    if backend == Backend::Postgres {
        // The lock is still held, so a statement still running would still be waiting for
        // it: `statement_timeout` (the same 1 s) must have cancelled it on the server.
        let db = &app.db;
        let mut waiting = i64::MAX;
        for _ in 0..100 {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT count(*) AS waiting FROM pg_stat_activity \
                     WHERE datname = current_database() AND wait_event_type = 'Lock' \
                     AND pid <> pg_backend_pid()",
                ))
                .await
                .expect("pg_stat_activity")
                .expect("a row");
            waiting = row.try_get("", "waiting").expect("count");
            if waiting == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            waiting, 0,
            "a statement of the app still waits for the lock"
        );
        assert_unavailable_graphql(
            &app.send(graphql_request("application/json")).await,
            "application/json",
        );
    }
    lock.release().await;
    assert!(
        app.send(blocked_request(&app, "later"))
            .await
            .status
            .is_success()
    );
}
