//! Errors async-graphql raises itself carry codes too; limits are enforced.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tests::{Backend, TestApp, db_test, error_code};

db_test!(parse_and_validation_errors_have_codes);
async fn parse_and_validation_errors_have_codes(app: TestApp) {
    let body = app.graphql("{ customers { ", json!({})).await;
    assert_eq!(error_code(&body), Some("GRAPHQL_PARSE_FAILED"), "{body}");

    let body = app.graphql("{ customers { nope } }", json!({})).await;
    assert_eq!(
        error_code(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );

    let body = app
        .graphql(
            "query($id: Int!) { customer(customerId: $id) { customerId } }",
            json!({ "id": "seven" }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

#[tokio::test]
async fn too_deep_and_too_costly_queries_are_refused() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.graphql_max_depth = 5;
        config.graphql_max_complexity = 500;
    })
    .await;
    let deep =
        "{ customers { nodes { todos { nodes { customer { todos { nodes { task } } } } } } } }";
    let body = app.graphql(deep, json!({})).await;
    assert_eq!(error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");

    let costly = "{ customers(first: 1000) { nodes { customerId email } } }";
    let body = app.graphql(costly, json!({})).await;
    assert_eq!(error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");

    let modest = "{ customers(first: 10) { nodes { customerId email } } }";
    let body = app.graphql(modest, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn introspection_can_be_switched_off() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.graphql_introspection = false
    })
    .await;
    // Refused like any field the schema lacks: a request error, nothing runs (a null
    // `__schema` would break its non-null type and read as an empty success).
    for query in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"Customer\") { name } }",
        "query { ...Types } fragment Types on Query { __schema { queryType { name } } }",
    ] {
        let body = app.graphql(query, json!({})).await;
        assert_eq!(
            error_code(&body),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "{body}"
        );
        assert_eq!(body.get("data"), Some(&Value::Null), "{body}");
    }
    // In the GraphQL-over-HTTP response format it is a request error: 400, no `data` at all.
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(Body::from(
            json!({ "query": "{ __schema { queryType { name } } }" }).to_string(),
        ))
        .expect("request");
    let response = app.send(request).await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.text()
    );
    let body = response.json();
    assert_eq!(
        error_code(&body),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");
    // `__typename` is not introspection.
    let body = app.graphql("{ __typename }", json!({})).await;
    assert_eq!(body, json!({ "data": { "__typename": "Query" } }));
    let on = TestApp::spawn(Backend::Sqlite).await;
    let body = on
        .graphql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
}

#[tokio::test]
async fn database_failures_are_masked_with_an_id() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // Break the database under the service: its table is gone.
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, "DROP TABLE todos")
        .await
        .expect("drop");
    let body = app.graphql("{ todos { nodes { task } } }", json!({})).await;
    assert_eq!(error_code(&body), Some("INTERNAL_SERVER_ERROR"), "{body}");
    let message = body["errors"][0]["message"].as_str().expect("message");
    assert!(
        !message.to_lowercase().contains("todos"),
        "database text leaked: {message}"
    );
    assert!(
        body["errors"][0]["extensions"]["errorId"].is_string(),
        "{body}"
    );
    // REST too: a 500 with an id, and no database text.
    let response = app.get("/api/v1/todos").await;
    assert_eq!(response.status, 500);
    assert!(
        !response.text().contains("no such table"),
        "{}",
        response.text()
    );
}

#[tokio::test]
async fn too_many_aliases_are_refused() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| config.graphql_max_aliases = 3).await;
    let fine = "{ a: todos { totalCount } b: todos { totalCount } c: customers { totalCount } }";
    let body = app.graphql(fine, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let many = "{ a: todos { totalCount } b: todos { totalCount } c: todos { totalCount } d: todos { totalCount } }";
    let body = app.graphql(many, json!({})).await;
    assert_eq!(error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("4 aliased fields")),
        "{body}"
    );
}
