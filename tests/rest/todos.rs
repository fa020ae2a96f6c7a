//! `/api/v1/todos`: list, read, create, full replace and delete, with the todo seed's exact
//! answers, plus the optional `customer_id` link.

use axum::http::StatusCode;
use serde_json::{Value, json};
use tests::{TestApp, db_test};

use crate::support::{
    ExpectedIssues, assert_json, invalid, issue, missing, not_a_string, path_not_integer,
    todo_not_found, value_error,
};

/// A todo as the routes answer it.
fn todo(id: &Value, task: &str, status: &str, customer_id: Value) -> Value {
    json!({ "id": id, "task": task, "status": status, "customer_id": customer_id })
}

/// pydantic's answer to a status that is not one of the seed's strings.
fn bad_status(input: Value) -> Value {
    json!({
        "type": "enum",
        "loc": ["body", "status"],
        "msg": "Input should be 'Pending', 'Completed' or 'In Process'",
        "input": input,
        "ctx": { "expected": "'Pending', 'Completed' or 'In Process'" },
    })
}

/// The 422 entry for a `customer_id` no customer has.
fn unknown_customer(input: Value, id: &str) -> Value {
    value_error(
        "customer_id",
        input,
        &format!("no customer has customer_id {id}"),
    )
}

async fn customer_id(app: &TestApp, email: &str) -> i64 {
    app.create_customer("Ada", "Lovelace", email).await["customer_id"]
        .as_i64()
        .expect("an integer customer_id")
}

db_test!(list_is_empty_at_first);
async fn list_is_empty_at_first(app: TestApp) {
    assert_json(&app.get("/api/v1/todos").await, StatusCode::OK, &json!([]));
}

db_test!(list_is_ordered_by_id_and_pages_with_limit_and_offset);
async fn list_is_ordered_by_id_and_pages_with_limit_and_offset(app: TestApp) {
    // Arrange: tasks in reverse alphabetical order, the first one rewritten afterwards.
    let mut todos = Vec::new();
    for task in ["e", "d", "c", "b", "a"] {
        todos.push(app.create_todo(task, None).await);
    }
    let first = todos[0]["id"].clone();
    let response = app
        .put(
            &format!("/api/v1/todos/{first}"),
            &json!({ "task": "z", "status": "Completed" }),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    todos[0] = response.json();
    let slice = |range: std::ops::Range<usize>| Value::Array(todos[range].to_vec());

    let cases = [
        ("", slice(0..5)),
        ("?limit=3", slice(0..3)),
        ("?offset=2", slice(2..5)),
        ("?limit=1&offset=4", slice(4..5)),
        ("?limit=0", json!([])),
        ("?offset=99", json!([])),
    ];
    for (query, expected) in cases {
        let response = app.get(&format!("/api/v1/todos{query}")).await;

        assert_eq!(
            response.status,
            StatusCode::OK,
            "{query}: {}",
            response.text()
        );
        assert_eq!(response.json(), expected, "{query}");
    }
}

db_test!(get_returns_the_todo_or_404);
async fn get_returns_the_todo_or_404(app: TestApp) {
    let created = app.create_todo("Buy milk", None).await;
    let id = created["id"].clone();

    assert_json(
        &app.get(&format!("/api/v1/todos/{id}")).await,
        StatusCode::OK,
        &todo(&id, "Buy milk", "Pending", Value::Null),
    );
    for raw in [
        "999",
        "0",
        "-1",
        "2147483648",
        "99999999999",
        "99999999999999999999999",
    ] {
        assert_json(
            &app.get(&format!("/api/v1/todos/{raw}")).await,
            StatusCode::NOT_FOUND,
            &todo_not_found(),
        );
    }
    for raw in ["abc", "1.5", "1e3"] {
        assert_json(
            &app.get(&format!("/api/v1/todos/{raw}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            &path_not_integer("todo_id", raw),
        );
    }
}

db_test!(create_is_200_with_status_pending_by_default);
async fn create_is_200_with_status_pending_by_default(app: TestApp) {
    let ada = customer_id(&app, "ada@example.com").await;
    let cases = [
        (
            json!({ "task": "Buy milk" }),
            "Buy milk",
            "Pending",
            Value::Null,
        ),
        (
            json!({ "task": "Write report", "status": "In Process" }),
            "Write report",
            "In Process",
            Value::Null,
        ),
        (
            json!({ "task": "Done", "status": "Completed", "customer_id": null }),
            "Done",
            "Completed",
            Value::Null,
        ),
        (
            json!({ "task": "Call Ada", "customer_id": ada }),
            "Call Ada",
            "Pending",
            json!(ada),
        ),
        (
            json!({ "task": "Call Ada again", "status": "Pending", "customer_id": ada.to_string() }),
            "Call Ada again",
            "Pending",
            json!(ada),
        ),
        // pydantic reads an integral float as an integer.
        (
            json!({ "task": "Call Ada once more", "customer_id": 1.0 * ada as f64 }),
            "Call Ada once more",
            "Pending",
            json!(ada),
        ),
        (
            json!({ "task": "  spaced  ", "extra": 1 }),
            "  spaced  ",
            "Pending",
            Value::Null,
        ),
    ];
    let mut created = Vec::new();
    for (body, task, status, customer) in cases {
        // Act
        let response = app.post("/api/v1/todos", &body).await;

        // Assert
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{body}: {}",
            response.text()
        );
        let json = response.json();
        assert_eq!(json, todo(&json["id"], task, status, customer), "{body}");
        assert_json(
            &app.get(&format!("/api/v1/todos/{}", json["id"])).await,
            StatusCode::OK,
            &json,
        );
        created.push(json);
    }
    assert_json(
        &app.get("/api/v1/todos").await,
        StatusCode::OK,
        &Value::Array(created),
    );
}

db_test!(create_for_an_unknown_customer_is_422_at_customer_id);
async fn create_for_an_unknown_customer_is_422_at_customer_id(app: TestApp) {
    customer_id(&app, "ada@example.com").await;
    let cases = [
        (json!(999), "999"),
        (json!(0), "0"),
        (json!(-1), "-1"),
        (json!("999"), "999"),
        (json!(2147483648_i64), "2147483648"),
        (json!(99999999999_i64), "99999999999"),
    ];
    for (input, shown) in cases {
        let response = app
            .post(
                "/api/v1/todos",
                &json!({ "task": "t", "customer_id": input }),
            )
            .await;

        assert_json(
            &response,
            StatusCode::UNPROCESSABLE_ENTITY,
            &invalid(vec![unknown_customer(input, shown)]),
        );
    }
    assert_json(&app.get("/api/v1/todos").await, StatusCode::OK, &json!([]));
}

db_test!(create_with_a_bad_body_is_422);
async fn create_with_a_bad_body_is_422(app: TestApp) {
    let cases: [(Value, ExpectedIssues); 12] = [
        // The transcript's two cases.
        (json!({ "task": "bad status", "status": "PENDING" }), |_| {
            vec![bad_status(json!("PENDING"))]
        }),
        (json!({ "status": "Pending" }), |body| {
            vec![missing("task", body)]
        }),
        (json!({}), |body| vec![missing("task", body)]),
        (json!({ "task": "t", "status": "pending" }), |_| {
            vec![bad_status(json!("pending"))]
        }),
        (json!({ "task": "t", "status": "IN_PROCESS" }), |_| {
            vec![bad_status(json!("IN_PROCESS"))]
        }),
        (json!({ "task": "t", "status": "" }), |_| {
            vec![bad_status(json!(""))]
        }),
        (json!({ "task": "t", "status": null }), |_| {
            vec![bad_status(Value::Null)]
        }),
        (json!({ "task": "t", "status": 1 }), |_| {
            vec![bad_status(json!(1))]
        }),
        (json!({ "task": null }), |_| {
            vec![not_a_string("task", Value::Null)]
        }),
        (json!({ "task": 5 }), |_| {
            vec![not_a_string("task", json!(5))]
        }),
        (json!({ "task": "t", "customer_id": "x" }), |_| {
            vec![issue(
                "int_parsing",
                json!(["body", "customer_id"]),
                "Input should be a valid integer, unable to parse string as an integer",
                json!("x"),
            )]
        }),
        // Every problem at once.
        (json!({ "status": "Done", "customer_id": 1.5 }), |body| {
            vec![
                missing("task", body),
                bad_status(json!("Done")),
                issue(
                    "int_from_float",
                    json!(["body", "customer_id"]),
                    "Input should be a valid integer, got a number with a fractional part",
                    json!(1.5),
                ),
            ]
        }),
    ];
    for (body, expected) in cases {
        let response = app.post("/api/v1/todos", &body).await;

        assert_json(
            &response,
            StatusCode::UNPROCESSABLE_ENTITY,
            &invalid(expected(&body)),
        );
    }
    assert_json(&app.get("/api/v1/todos").await, StatusCode::OK, &json!([]));
}

db_test!(blank_or_nul_task_is_422);
async fn blank_or_nul_task_is_422(app: TestApp) {
    let cases = [
        ("", "must not be blank"),
        ("   ", "must not be blank"),
        ("\n\t", "must not be blank"),
        ("a\u{0}b", "must not contain a NUL character"),
        ("\u{0}", "must not contain a NUL character"),
    ];
    let existing = app.create_todo("keep me", None).await;
    for (task, problem) in cases {
        let expected = invalid(vec![value_error("task", json!(task), problem)]);

        let created = app.post("/api/v1/todos", &json!({ "task": task })).await;
        let replaced = app
            .put(
                &format!("/api/v1/todos/{}", existing["id"]),
                &json!({ "task": task }),
            )
            .await;

        assert_json(&created, StatusCode::UNPROCESSABLE_ENTITY, &expected);
        assert_json(&replaced, StatusCode::UNPROCESSABLE_ENTITY, &expected);
    }
    assert_json(
        &app.get("/api/v1/todos").await,
        StatusCode::OK,
        &json!([existing]),
    );
}

db_test!(a_long_unicode_task_round_trips);
async fn a_long_unicode_task_round_trips(app: TestApp) {
    // Arrange: 10,000 characters of 1- to 4-byte UTF-8, combining marks, right-to-left text,
    // a zero-width joiner, control characters other than NUL, and quotes.
    let alphabet: Vec<char> = "aé中😀\u{301}ש\u{200d}\u{1}\"\\\n\u{ffff}🏳️‍🌈"
        .chars()
        .collect();
    let task: String = alphabet.iter().cycle().take(10_000).collect();
    assert_eq!(task.chars().count(), 10_000);

    // Act
    let created = app.post("/api/v1/todos", &json!({ "task": task })).await;

    // Assert
    assert_eq!(created.status, StatusCode::OK, "{}", created.text());
    let body = created.json();
    assert_eq!(body["task"], json!(task));
    let id = body["id"].clone();
    assert_json(
        &app.get(&format!("/api/v1/todos/{id}")).await,
        StatusCode::OK,
        &todo(&id, &task, "Pending", Value::Null),
    );
    assert_json(
        &app.get("/api/v1/todos").await,
        StatusCode::OK,
        &json!([todo(&id, &task, "Pending", Value::Null)]),
    );

    // And through a replace.
    let reversed: String = task.chars().rev().collect();
    let replaced = app
        .put(&format!("/api/v1/todos/{id}"), &json!({ "task": reversed }))
        .await;
    assert_json(
        &replaced,
        StatusCode::OK,
        &todo(&id, &reversed, "Pending", Value::Null),
    );
    assert_json(
        &app.get(&format!("/api/v1/todos/{id}")).await,
        StatusCode::OK,
        &todo(&id, &reversed, "Pending", Value::Null),
    );
}

db_test!(put_replaces_task_status_and_customer);
async fn put_replaces_task_status_and_customer(app: TestApp) {
    // Arrange: a linked, completed todo.
    let ada = customer_id(&app, "ada@example.com").await;
    let bob = customer_id(&app, "bob@example.com").await;
    let created = app
        .post(
            "/api/v1/todos",
            &json!({ "task": "Call", "status": "Completed", "customer_id": ada }),
        )
        .await
        .json();
    let id = created["id"].clone();
    let path = format!("/api/v1/todos/{id}");

    let cases = [
        // Omitted status goes back to Pending; omitted customer_id is cleared.
        (
            json!({ "task": "Call back" }),
            todo(&id, "Call back", "Pending", Value::Null),
        ),
        (
            json!({ "task": "Call Bob", "status": "In Process", "customer_id": bob }),
            todo(&id, "Call Bob", "In Process", json!(bob)),
        ),
        (
            json!({ "task": "Call Bob", "status": "Completed", "customer_id": bob }),
            todo(&id, "Call Bob", "Completed", json!(bob)),
        ),
        (
            json!({ "task": "Call Ada", "customer_id": ada }),
            todo(&id, "Call Ada", "Pending", json!(ada)),
        ),
        (
            json!({ "task": "Nobody", "status": "Completed", "customer_id": null }),
            todo(&id, "Nobody", "Completed", Value::Null),
        ),
    ];
    for (body, expected) in cases {
        // Act
        let response = app.put(&path, &body).await;

        // Assert
        assert_json(&response, StatusCode::OK, &expected);
        assert_json(&app.get(&path).await, StatusCode::OK, &expected);
    }
}

db_test!(put_errors);
async fn put_errors(app: TestApp) {
    let ada = customer_id(&app, "ada@example.com").await;
    let created = app.create_todo("Call", Some(ada)).await;
    let path = format!("/api/v1/todos/{}", created["id"]);

    // Unknown customer: 422, nothing changes.
    let response = app
        .put(&path, &json!({ "task": "Call", "customer_id": 999 }))
        .await;
    assert_json(
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        &invalid(vec![unknown_customer(json!(999), "999")]),
    );
    let response = app
        .put(
            &path,
            &json!({ "task": "Call", "customer_id": 99999999999_i64 }),
        )
        .await;
    assert_json(
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        &invalid(vec![unknown_customer(
            json!(99999999999_i64),
            "99999999999",
        )]),
    );

    // Bad bodies: 422.
    let response = app.put(&path, &json!({ "status": "Completed" })).await;
    assert_json(
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        &invalid(vec![missing("task", &json!({ "status": "Completed" }))]),
    );
    let response = app
        .put(&path, &json!({ "task": "Call", "status": "Done" }))
        .await;
    assert_json(
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        &invalid(vec![bad_status(json!("Done"))]),
    );
    assert_json(&app.get(&path).await, StatusCode::OK, &created);

    // Missing todo: the route's 404.
    for raw in ["999", "-1", "99999999999", "99999999999999999999999"] {
        let response = app
            .put(&format!("/api/v1/todos/{raw}"), &json!({ "task": "gone" }))
            .await;
        assert_json(&response, StatusCode::NOT_FOUND, &todo_not_found());
    }
    let response = app
        .put("/api/v1/todos/abc", &json!({ "task": "gone" }))
        .await;
    assert_json(
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        &path_not_integer("todo_id", "abc"),
    );
}

db_test!(delete_returns_the_deleted_todo_then_404);
async fn delete_returns_the_deleted_todo_then_404(app: TestApp) {
    let ada = customer_id(&app, "ada@example.com").await;
    let kept = app.create_todo("Keep", None).await;
    let gone = app
        .post(
            "/api/v1/todos",
            &json!({ "task": "Write report", "status": "In Process", "customer_id": ada }),
        )
        .await
        .json();
    let path = format!("/api/v1/todos/{}", gone["id"]);

    let response = app.delete(&path).await;

    assert_json(
        &response,
        StatusCode::OK,
        &todo(&gone["id"], "Write report", "In Process", json!(ada)),
    );
    assert_json(
        &app.get(&path).await,
        StatusCode::NOT_FOUND,
        &todo_not_found(),
    );
    assert_json(
        &app.put(&path, &json!({ "task": "gone" })).await,
        StatusCode::NOT_FOUND,
        &todo_not_found(),
    );
    assert_json(
        &app.delete(&path).await,
        StatusCode::NOT_FOUND,
        &todo_not_found(),
    );
    assert_json(
        &app.get("/api/v1/todos").await,
        StatusCode::OK,
        &json!([kept]),
    );
    for raw in ["0", "99999999999", "99999999999999999999999"] {
        assert_json(
            &app.delete(&format!("/api/v1/todos/{raw}")).await,
            StatusCode::NOT_FOUND,
            &todo_not_found(),
        );
    }
    assert_json(
        &app.delete("/api/v1/todos/x").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        &path_not_integer("todo_id", "x"),
    );
    // The customer is untouched.
    assert_eq!(
        app.get(&format!("/v1/customers/{ada}")).await.status,
        StatusCode::OK
    );
}

db_test!(a_list_longer_than_many_chunks_comes_back_whole_and_in_order);
/// The full list is streamed in chunks of about 32 KiB: 3,000 todos (about 250 KiB, with
/// quotes, backslashes and non-ASCII text that JSON must escape) come back as one valid
/// array, every row once, in id order, each as `GET /api/v1/todos/{id}` gives it.
async fn a_list_longer_than_many_chunks_comes_back_whole_and_in_order(app: TestApp) {
    let news = (0..3000)
        .map(|n| service::todo::NewTodo {
            task: format!(
                "task {n}: \"quoted\", back\\slash, déjà vu ✓ {}",
                "x".repeat(n % 40)
            ),
            status: service::todo::TodoStatus::InProcess,
            customer_id: None,
        })
        .collect();
    service::todo::create_many(&app.db, service::Principal::Admin, news)
        .await
        .expect("3,000 todos");

    let response = app.get("/api/v1/todos").await;

    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.headers.get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    assert!(
        response.body.len() > 200 * 1024,
        "{} bytes",
        response.body.len()
    );
    let list = response.json();
    let list = list.as_array().expect("an array");
    assert_eq!(list.len(), 3000);
    let ids: Vec<i64> = list
        .iter()
        .map(|todo| todo["id"].as_i64().expect("an id"))
        .collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "in id order");
    for (n, todo) in list.iter().enumerate() {
        let task = format!(
            "task {n}: \"quoted\", back\\slash, déjà vu ✓ {}",
            "x".repeat(n % 40)
        );
        assert_eq!(todo["task"], json!(task));
        assert_eq!(todo["status"], json!("In Process"));
    }
    for index in [0, 1499, 2999] {
        let one = app.get(&format!("/api/v1/todos/{}", ids[index])).await;
        assert_eq!(one.json(), list[index]);
    }
    let page = app.get("/api/v1/todos?limit=2&offset=2998").await;
    assert_eq!(page.json(), json!([list[2998], list[2999]]));
}
