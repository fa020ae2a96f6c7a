//! Expected bodies and checks shared by the REST tests: FastAPI's `{"detail": …}` shapes.

use axum::http::StatusCode;
use serde_json::{Value, json};
use tests::TestResponse;

/// The 422 entries a table case expects, built from the request body it sends.
pub type ExpectedIssues = fn(&Value) -> Vec<Value>;

/// A 400 or 404 body: `{"detail": message}`.
pub fn detail(message: &str) -> Value {
    json!({ "detail": message })
}

/// The customer routes' 404 body for `id` as the client wrote it.
pub fn customer_not_found(id: &str) -> Value {
    detail(&format!("Customer not found for customer_id[{id}]"))
}

/// The todo routes' 404 body.
pub fn todo_not_found() -> Value {
    detail("Todo not found")
}

/// One entry of a 422 `detail` list, without `ctx`.
pub fn issue(kind: &str, loc: Value, msg: &str, input: Value) -> Value {
    json!({ "type": kind, "loc": loc, "msg": msg, "input": input })
}

/// A 422 body with these entries.
pub fn invalid(issues: Vec<Value>) -> Value {
    json!({ "detail": issues })
}

/// pydantic's `int_parsing` for a path parameter.
pub fn path_not_integer(name: &str, raw: &str) -> Value {
    invalid(vec![issue(
        "int_parsing",
        json!(["path", name]),
        "Input should be a valid integer, unable to parse string as an integer",
        json!(raw),
    )])
}

/// pydantic's `missing` for a body field; `input` is the whole body object.
pub fn missing(field: &str, body: &Value) -> Value {
    issue(
        "missing",
        json!(["body", field]),
        "Field required",
        body.clone(),
    )
}

/// pydantic's `string_type` for a body field.
pub fn not_a_string(field: &str, input: Value) -> Value {
    issue(
        "string_type",
        json!(["body", field]),
        "Input should be a valid string",
        input,
    )
}

/// A rule broken inside the service, as pydantic reports a custom validator's `ValueError`.
pub fn value_error(field: &str, input: Value, problem: &str) -> Value {
    json!({
        "type": "value_error",
        "loc": ["body", field],
        "msg": format!("Value error, {problem}"),
        "input": input,
        "ctx": { "error": problem },
    })
}

/// Asserts the status and the whole JSON body.
#[track_caller]
pub fn assert_json(response: &TestResponse, status: StatusCode, body: &Value) {
    assert_eq!(response.status, status, "body: {}", response.text());
    assert_eq!(&response.json(), body);
}

/// Asserts a 422 in FastAPI's shape: `{"detail": [{type, loc, msg, input, ctx?}, …]}` with
/// at least one entry, `loc` starting at `body`, `path` or `query`. Returns the entries.
#[track_caller]
pub fn assert_fastapi_422(response: &TestResponse) -> Vec<Value> {
    assert_eq!(
        response.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "body: {}",
        response.text()
    );
    let body = response.json();
    let object = body.as_object().expect("a JSON object");
    assert_eq!(object.keys().collect::<Vec<_>>(), ["detail"], "{body}");
    let entries = body["detail"]
        .as_array()
        .expect("`detail` is a list")
        .clone();
    assert!(!entries.is_empty(), "{body}");
    for entry in &entries {
        let fields = entry.as_object().expect("each entry is an object");
        for key in ["type", "loc", "msg", "input"] {
            assert!(fields.contains_key(key), "no `{key}` in {entry}");
        }
        for key in fields.keys() {
            assert!(
                ["type", "loc", "msg", "input", "ctx"].contains(&key.as_str()),
                "unexpected `{key}` in {entry}"
            );
        }
        assert!(
            entry["type"].as_str().is_some_and(|kind| !kind.is_empty()),
            "{entry}"
        );
        assert!(
            entry["msg"].as_str().is_some_and(|msg| !msg.is_empty()),
            "{entry}"
        );
        let loc = entry["loc"].as_array().expect("`loc` is a list");
        assert!(
            loc.first()
                .and_then(Value::as_str)
                .is_some_and(|root| ["body", "path", "query"].contains(&root)),
            "{entry}"
        );
        assert!(
            loc.iter()
                .skip(1)
                .all(|part| part.is_string() || part.is_u64()),
            "{entry}"
        );
        if let Some(ctx) = entry.get("ctx") {
            assert!(ctx.is_object(), "{entry}");
        }
    }
    entries
}
