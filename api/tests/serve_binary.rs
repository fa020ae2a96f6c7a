//! The real binary, started as an operator would: it serves HTTP on its port, answers REST
//! and GraphQL, refuses bad configuration with a one-line message, and stops cleanly on
//! SIGTERM.

mod support;

use std::process::Command;

use support::{BINARY, RunningBinary};

#[tokio::test]
async fn serves_rest_and_graphql_over_http_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("binary.db").display()
    );
    let server = RunningBinary::start(&url).await;
    let client = reqwest::Client::new();

    let created = client
        .post(server.url("/v1/customers"))
        .json(&serde_json::json!({ "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(created.status(), 201);
    assert!(created.headers().contains_key("x-request-id"));

    let graphql: serde_json::Value = client
        .post(server.url("/graphql"))
        .json(&serde_json::json!({ "query": "{ customers { totalCount nodes { email } } }" }))
        .send()
        .await
        .expect("POST /graphql")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        graphql,
        serde_json::json!({ "data": { "customers": { "totalCount": 1, "nodes": [{ "email": "ada@example.com" }] } } })
    );
    let ready = client
        .get(server.url("/ready"))
        .send()
        .await
        .expect("ready");
    assert_eq!(ready.status(), 200);

    server.stop().await;
}

#[test]
fn a_bad_setting_stops_start_up_with_a_message_naming_it() {
    for (name, value) in [
        ("PORT", "eighty"),
        ("RUN_MIGRATIONS", "perhaps"),
        ("LOG_FORMAT", "xml"),
    ] {
        let output = Command::new(BINARY)
            .env_clear()
            .env(name, value)
            .env("DATABASE_URL", "sqlite::memory:")
            .output()
            .expect("run the binary");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(name), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    }
}

#[test]
fn an_unreachable_database_stops_start_up_without_a_panic() {
    let output = Command::new(BINARY)
        .env_clear()
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("DB_CONNECT_TIMEOUT_SECS", "2")
        .env("RUST_LOG", "off")
        .output()
        .expect("run the binary");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot connect to the database"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
