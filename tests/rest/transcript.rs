//! The original FastAPI services' answers to a smoke run, recorded from them once and written
//! out below, replayed step by step on a fresh database: the same statuses and the same
//! bodies, todos carrying the added `customer_id` field.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tests::{TestApp, db_test};

/// One step: the request, then the status and whole body the peer answered (`None`: no body).
struct Step {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    status: u16,
    answer: Option<Value>,
}

fn step(
    method: Method,
    path: &'static str,
    body: Option<Value>,
    status: u16,
    answer: Option<Value>,
) -> Step {
    Step {
        method,
        path,
        body,
        status,
        answer,
    }
}

/// A todo as the peer shows it, plus our `customer_id` (null: the peer has no customers link).
fn todo(id: i64, task: &str, status: &str) -> Value {
    json!({ "task": task, "status": status, "id": id, "customer_id": null })
}

fn steps() -> Vec<Step> {
    use Method as M;
    let ada = json!({ "customer_id": 1, "first_name": "Ada", "middle_name": null, "last_name": "Lovelace",
                      "suffix": null, "email": "ada@example.com", "phone": "555-0100" });
    let alan = json!({ "customer_id": 2, "first_name": "Alan", "middle_name": "Mathison", "last_name": "Turing",
                       "suffix": "OBE", "email": "alan@example.com", "phone": null });
    let not_found = json!({ "detail": "Todo not found" });
    vec![
        // ## customers
        step(
            M::POST,
            "/v1/customers",
            Some(
                json!({ "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone": "555-0100" }),
            ),
            201,
            Some(ada.clone()),
        ),
        step(
            M::POST,
            "/v1/customers",
            Some(
                json!({ "first_name": "Alan", "middle_name": "Mathison", "last_name": "Turing", "suffix": "OBE", "email": "alan@Example.COM" }),
            ),
            201,
            Some(alan.clone()),
        ),
        step(M::GET, "/v1/customers", None, 200, Some(json!([ada, alan]))),
        step(M::GET, "/v1/customers/1", None, 200, Some(ada)),
        step(
            M::GET,
            "/v1/customers/999",
            None,
            404,
            Some(json!({ "detail": "Customer not found for customer_id[999]" })),
        ),
        step(
            M::POST,
            "/v1/customers",
            Some(json!({ "first_name": "Ada", "last_name": "Again", "email": "ada@example.com" })),
            400,
            Some(json!({ "detail": "Customer already exists for email[ada@example.com]" })),
        ),
        step(
            M::POST,
            "/v1/customers",
            Some(
                json!({ "customer_id": 7, "first_name": "X", "last_name": "Y", "email": "xy@example.com" }),
            ),
            400,
            Some(json!({ "detail": "Customer object cannot contain customer_id[7]" })),
        ),
        step(
            M::POST,
            "/v1/customers",
            Some(json!({ "first_name": "Bad", "last_name": "Email", "email": "not-an-email" })),
            422,
            Some(
                json!({ "detail": [{ "type": "value_error", "loc": ["body", "email"],
                 "msg": "value is not a valid email address: An email address must have an @-sign.",
                 "input": "not-an-email", "ctx": { "reason": "An email address must have an @-sign." } }] }),
            ),
        ),
        step(
            M::POST,
            "/v1/customers",
            Some(json!({ "first_name": "No", "email": "nolast@example.com" })),
            422,
            Some(
                json!({ "detail": [{ "type": "missing", "loc": ["body", "last_name"], "msg": "Field required",
                 "input": { "first_name": "No", "email": "nolast@example.com" } }] }),
            ),
        ),
        step(
            M::GET,
            "/v1/customers/abc",
            None,
            422,
            Some(
                json!({ "detail": [{ "type": "int_parsing", "loc": ["path", "customer_id"],
                 "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "abc" }] }),
            ),
        ),
        // ## todos
        step(
            M::POST,
            "/api/v1/todos",
            Some(json!({ "task": "Buy milk" })),
            200,
            Some(todo(1, "Buy milk", "Pending")),
        ),
        step(
            M::POST,
            "/api/v1/todos",
            Some(json!({ "task": "Write report", "status": "In Process" })),
            200,
            Some(todo(2, "Write report", "In Process")),
        ),
        step(
            M::GET,
            "/api/v1/todos",
            None,
            200,
            Some(json!([
                todo(1, "Buy milk", "Pending"),
                todo(2, "Write report", "In Process")
            ])),
        ),
        step(
            M::GET,
            "/api/v1/todos/1",
            None,
            200,
            Some(todo(1, "Buy milk", "Pending")),
        ),
        step(
            M::PUT,
            "/api/v1/todos/1",
            Some(json!({ "task": "Buy oat milk", "status": "Completed" })),
            200,
            Some(todo(1, "Buy oat milk", "Completed")),
        ),
        step(
            M::GET,
            "/api/v1/todos/1",
            None,
            200,
            Some(todo(1, "Buy oat milk", "Completed")),
        ),
        step(
            M::DELETE,
            "/api/v1/todos/2",
            None,
            200,
            Some(todo(2, "Write report", "In Process")),
        ),
        step(
            M::GET,
            "/api/v1/todos/2",
            None,
            404,
            Some(not_found.clone()),
        ),
        step(
            M::PUT,
            "/api/v1/todos/2",
            Some(json!({ "task": "gone" })),
            404,
            Some(not_found.clone()),
        ),
        step(M::DELETE, "/api/v1/todos/2", None, 404, Some(not_found)),
        step(
            M::POST,
            "/api/v1/todos",
            Some(json!({ "task": "bad status", "status": "PENDING" })),
            422,
            Some(
                json!({ "detail": [{ "type": "enum", "loc": ["body", "status"],
                 "msg": "Input should be 'Pending', 'Completed' or 'In Process'", "input": "PENDING",
                 "ctx": { "expected": "'Pending', 'Completed' or 'In Process'" } }] }),
            ),
        ),
        step(
            M::POST,
            "/api/v1/todos",
            Some(json!({ "status": "Pending" })),
            422,
            Some(
                json!({ "detail": [{ "type": "missing", "loc": ["body", "task"], "msg": "Field required",
                 "input": { "status": "Pending" } }] }),
            ),
        ),
        step(M::GET, "/api/v1/todos/", None, 307, None),
        step(
            M::GET,
            "/api/v1/todos",
            None,
            200,
            Some(json!([todo(1, "Buy oat milk", "Completed")])),
        ),
    ]
}

db_test!(the_fastapi_smoke_transcript_replays_identically);
async fn the_fastapi_smoke_transcript_replays_identically(app: TestApp) {
    for (number, step) in steps().into_iter().enumerate() {
        // Act
        let response = match &step.body {
            Some(body) => {
                app.send_raw(
                    step.method.clone(),
                    step.path,
                    Some("application/json"),
                    body.to_string(),
                )
                .await
            }
            None => app.call(step.method.clone(), step.path).await,
        };

        // Assert
        let what = format!("step {} {} {}", number + 1, step.method, step.path);
        assert_eq!(
            response.status,
            StatusCode::from_u16(step.status).expect("status"),
            "{what}: {}",
            response.text()
        );
        match &step.answer {
            Some(answer) => assert_eq!(&response.json(), answer, "{what}"),
            None => assert!(response.body.is_empty(), "{what}: {}", response.text()),
        }
    }
}
