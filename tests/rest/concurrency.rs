//! Concurrent writes: the unique email is decided by the database, so racing requests get
//! exactly one success and the seed's 400 for the rest, never a 500.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tests::{TestApp, db_test};
use tokio::sync::Barrier;
use tower::ServiceExt;

use crate::support::detail;

/// Sends every request at once (released together by a barrier) and returns each status
/// and JSON body, in the order given.
async fn send_together(
    router: &axum::Router,
    requests: Vec<(&'static str, String, Value)>,
) -> Vec<(StatusCode, Value)> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(method, path, body)| {
            let router = router.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let request = Request::builder()
                    .method(method)
                    .uri(path)
                    .header("content-type", "application/json")
                    .body(Body::from(body.to_string()))
                    .expect("request");
                barrier.wait().await;
                let response = router.oneshot(request).await.expect("infallible");
                let status = response.status();
                let bytes = response
                    .into_body()
                    .collect()
                    .await
                    .expect("body")
                    .to_bytes();
                let json = serde_json::from_slice(&bytes)
                    .unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)));
                (status, json)
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("request task"));
    }
    results
}

db_test!(fifty_creates_of_one_email_give_one_201_and_forty_nine_400s);
async fn fifty_creates_of_one_email_give_one_201_and_forty_nine_400s(app: TestApp) {
    // Arrange: fifty bodies with the same address, spelled with different domain cases.
    let requests = (0..50)
        .map(|n| {
            let domain = if n % 2 == 0 { "example.com" } else { "EXAMPLE.com" };
            let body = json!({ "first_name": format!("Racer{n}"), "last_name": "R", "email": format!("race@{domain}") });
            ("POST", "/v1/customers".to_owned(), body)
        })
        .collect();

    // Act
    let results = send_together(&app.router, requests).await;

    // Assert
    let created: Vec<&Value> = results
        .iter()
        .filter(|(status, _)| *status == StatusCode::CREATED)
        .map(|(_, body)| body)
        .collect();
    let refused = results
        .iter()
        .filter(|(status, _)| *status == StatusCode::BAD_REQUEST)
        .count();
    assert_eq!(created.len(), 1, "{results:?}");
    assert_eq!(refused, 49, "{results:?}");
    for (status, body) in &results {
        if *status == StatusCode::BAD_REQUEST {
            assert_eq!(
                body,
                &detail("Customer already exists for email[race@example.com]")
            );
        }
    }
    assert_eq!(created[0]["email"], "race@example.com");
    assert_eq!(service::customer::count(&app.db).await.expect("count"), 1);
    assert_eq!(app.get("/v1/customers").await.json(), json!([created[0]]));
}

db_test!(fifty_creates_of_different_emails_all_succeed);
async fn fifty_creates_of_different_emails_all_succeed(app: TestApp) {
    let requests = (0..50)
        .map(|n| {
            let body = json!({ "first_name": "F", "last_name": "L", "email": format!("c{n}@example.com") });
            ("POST", "/v1/customers".to_owned(), body)
        })
        .collect();

    let results = send_together(&app.router, requests).await;

    assert!(
        results
            .iter()
            .all(|(status, _)| *status == StatusCode::CREATED),
        "{results:?}"
    );
    let mut ids: Vec<i64> = results
        .iter()
        .map(|(_, body)| body["customer_id"].as_i64().expect("id"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 50);
    assert_eq!(service::customer::count(&app.db).await.expect("count"), 50);
}

db_test!(ten_replaces_to_one_email_give_one_200);
async fn ten_replaces_to_one_email_give_one_200(app: TestApp) {
    // Arrange: ten customers who all try to take the same address at once.
    let mut ids = Vec::new();
    for n in 0..10 {
        ids.push(
            app.create_customer("F", "L", &format!("own{n}@example.com"))
                .await["customer_id"]
                .clone(),
        );
    }
    let requests = ids
        .iter()
        .map(|id| {
            let body =
                json!({ "first_name": "F", "last_name": "L", "email": "wanted@example.com" });
            ("PUT", format!("/v1/customers/{id}"), body)
        })
        .collect();

    // Act
    let results = send_together(&app.router, requests).await;

    // Assert
    let winners = results
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .count();
    assert_eq!(winners, 1, "{results:?}");
    for (status, body) in &results {
        if *status != StatusCode::OK {
            assert_eq!(*status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(
                body,
                &detail("Customer already exists for email[wanted@example.com]")
            );
        }
    }
    let all = app.get("/v1/customers").await.json();
    let holders = all
        .as_array()
        .expect("list")
        .iter()
        .filter(|c| c["email"] == "wanted@example.com")
        .count();
    assert_eq!(holders, 1);
}

db_test!(concurrent_todos_for_a_customer_being_deleted_never_500);
async fn concurrent_todos_for_a_customer_being_deleted_never_500(app: TestApp) {
    // Arrange
    let id = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await["customer_id"]
        .clone();
    let mut requests: Vec<(&'static str, String, Value)> = (0..20)
        .map(|n| {
            (
                "POST",
                "/api/v1/todos".to_owned(),
                json!({ "task": format!("t{n}"), "customer_id": id }),
            )
        })
        .collect();
    requests.push(("DELETE", format!("/v1/customers/{id}"), json!({})));

    // Act
    let results = send_together(&app.router, requests).await;

    // Assert: each todo was either linked before the delete (then unlinked by it) or refused.
    for (status, body) in &results[..20] {
        assert!(
            *status == StatusCode::OK || *status == StatusCode::UNPROCESSABLE_ENTITY,
            "{status}: {body}"
        );
    }
    assert_eq!(results[20].0, StatusCode::NO_CONTENT, "{:?}", results[20]);
    let todos = app.get("/api/v1/todos").await.json();
    let ok = results[..20]
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .count();
    assert_eq!(todos.as_array().map(Vec::len), Some(ok));
    assert!(
        todos
            .as_array()
            .expect("list")
            .iter()
            .all(|todo| todo["customer_id"].is_null()),
        "{todos}"
    );
}
