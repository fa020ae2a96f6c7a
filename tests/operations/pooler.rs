//! What pooler mode (`DB_STATEMENT_CACHE_CAPACITY=0`) changes, and that it holds up under
//! concurrent load. `.ci/run` also runs the PostgreSQL suites through a real PgBouncer in
//! transaction mode (tests/scripts/with-pgbouncer.sh), where the fixture connects every app
//! through it.

use std::sync::Arc;

use axum::http::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tests::{Backend, TestApp, serde_json::json};

/// Named statements the app's one connection holds (it is the session `pg_prepared_statements`
/// describes, so the pool has a single connection).
async fn prepared_statements(app: &TestApp) -> i64 {
    app.db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS named FROM pg_prepared_statements",
        ))
        .await
        .expect("pg_prepared_statements")
        .expect("a row")
        .try_get("", "named")
        .expect("a count")
}

#[tokio::test]
#[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
async fn with_the_statement_cache_off_no_statement_is_named() {
    if std::env::var_os("TEST_POOLER_URL").is_some() {
        // Through a pooler the session is not the app's own: the count would say nothing.
        return;
    }
    for (capacity, named) in [("100", true), ("0", false)] {
        let app = TestApp::spawn_with_vars(
            Backend::Postgres,
            &[
                ("DB_STATEMENT_CACHE_CAPACITY", capacity),
                ("DB_MAX_CONNECTIONS", "1"),
            ],
            |_| {},
        )
        .await;
        let created = app
            .create_customer("Ada", "Lovelace", "ada@example.com")
            .await;
        let id = created["customer_id"].as_i64().expect("an id");
        for _ in 0..3 {
            assert_eq!(
                app.get(&format!("/v1/customers/{id}")).await.status,
                StatusCode::OK
            );
        }
        let count = prepared_statements(&app).await;
        assert_eq!(
            count > 0,
            named,
            "DB_STATEMENT_CACHE_CAPACITY={capacity}: {count} named statements"
        );
    }
}

tests::db_test!(concurrent_reads_of_different_statements_each_get_their_own_rows(backend));
/// Two kinds of statement run side by side on many connections. Behind a transaction-mode
/// pooler, a statement whose two round trips reached different server connections would run
/// the other kind's unnamed statement (or none): 500s, or a todo decoded as a customer.
async fn concurrent_reads_of_different_statements_each_get_their_own_rows(backend: Backend) {
    let app =
        Arc::new(TestApp::spawn_with_vars(backend, &[("DB_MAX_CONNECTIONS", "16")], |_| {}).await);
    let customer = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let customer_id = customer["customer_id"].as_i64().expect("an id");
    let todo = app.create_todo("Write the notes", Some(customer_id)).await;
    let todo_id = todo["id"].as_i64().expect("an id");

    let tasks: Vec<_> = (0..32)
        .map(|worker| {
            let app = app.clone();
            tokio::spawn(async move {
                for round in 0..25 {
                    if (worker + round) % 2 == 0 {
                        let response = app.get(&format!("/v1/customers/{customer_id}")).await;
                        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
                        assert_eq!(response.json()["email"], json!("ada@example.com"));
                    } else {
                        let response = app.get(&format!("/api/v1/todos/{todo_id}")).await;
                        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
                        assert_eq!(response.json()["task"], json!("Write the notes"));
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a reader");
    }
}

/// The statement_timeout a request's statements run under: the service's own, set on each
/// connection from `REQUEST_TIMEOUT_SECS`, when connected directly; through the pooler the
/// service sets none and the server connections carry the pooler's (30 s, from
/// with-pgbouncer.sh's `connect_query`), which start-up reads to warn when it is missing.
#[tokio::test]
#[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
async fn statement_timeout_is_the_services_own_directly_and_the_poolers_behind_it() {
    let app =
        TestApp::spawn_with_vars(Backend::Postgres, &[("REQUEST_TIMEOUT_SECS", "7")], |_| {}).await;
    let expected = if std::env::var_os("TEST_POOLER_URL").is_some() {
        30_000.0
    } else {
        7_000.0
    };
    let found = api::database::statement_timeout_ms(&app.db)
        .await
        .expect("statement_timeout can be read");
    assert_eq!(found, expected);
}
