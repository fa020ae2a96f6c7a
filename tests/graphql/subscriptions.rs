//! Subscriptions deliver changes made through either interface, after they commit.

use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use tests::{Backend, TestApp};
use tokio::sync::mpsc;

/// Starts a subscription and polls it in the background, as the WebSocket handler does.
fn subscribe(app: &TestApp, query: &'static str) -> mpsc::UnboundedReceiver<serde_json::Value> {
    let (sender, receiver) = mpsc::unbounded_channel();
    let schema = app.state.schema.clone();
    tokio::spawn(async move {
        let mut stream = schema.execute_stream(query);
        while let Some(response) = stream.next().await {
            let data = response.data.into_json().expect("json");
            if sender.send(data).is_err() {
                break;
            }
        }
    });
    receiver
}

async fn next(events: &mut mpsc::UnboundedReceiver<serde_json::Value>) -> serde_json::Value {
    tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("an event within 5 s")
        .expect("subscription open")
}

#[tokio::test]
async fn customer_and_todo_changes_reach_subscribers() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut customers = subscribe(
        &app,
        "subscription { customerChanged { kind customerId customer { email } } }",
    );
    let mut todos = subscribe(
        &app,
        "subscription { todoChanged(customerId: 1) { kind todoId todo { task } } }",
    );
    // Let the subscriptions register before writing.
    tokio::time::sleep(Duration::from_millis(100)).await;

    let customer = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    app.create_todo("not for customer 1", None).await;
    let todo = app
        .create_todo("for customer 1", customer["customer_id"].as_i64())
        .await;
    app.delete(&format!("/api/v1/todos/{}", todo["id"])).await;

    assert_eq!(
        next(&mut customers).await,
        json!({ "customerChanged": { "kind": "CREATED", "customerId": 1, "customer": { "email": "ada@example.com" } } })
    );
    assert_eq!(
        next(&mut todos).await,
        json!({ "todoChanged": { "kind": "CREATED", "todoId": todo["id"], "todo": { "task": "for customer 1" } } })
    );
    assert_eq!(
        next(&mut todos).await,
        json!({ "todoChanged": { "kind": "DELETED", "todoId": todo["id"], "todo": null } })
    );
}
