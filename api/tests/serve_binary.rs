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

#[tokio::test]
async fn the_token_command_mints_what_the_service_accepts() {
    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("auth.db").display());
    let token = support::mint_token(SECRET, &["--role", "reader", "--sub", "ci", "--ttl", "10m"]);
    let token = token.as_str();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");

    let server = RunningBinary::start_with(&url, &[("AUTH_JWT_SECRET", SECRET)]).await;
    let client = reqwest::Client::new();
    let anonymous = client
        .get(server.url("/v1/customers"))
        .send()
        .await
        .expect("GET");
    assert_eq!(anonymous.status(), 401);
    let reader = client
        .get(server.url("/v1/customers"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    assert_eq!(reader.status(), 200);
    let write = client
        .post(server.url("/v1/customers"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "first_name": "A", "last_name": "B", "email": "a@example.com" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(write.status(), 403);
    server.stop().await;

    // Without the secret there is nothing to sign with: one line, exit 2.
    let refused = Command::new(BINARY)
        .env_clear()
        .args(["token", "--role", "admin"])
        .output()
        .expect("run the token command");
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("AUTH_JWT_SECRET"), "{message}");
    assert_eq!(message.trim().lines().count(), 1, "{message}");
}
