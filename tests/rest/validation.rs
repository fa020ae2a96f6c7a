//! Malformed requests never get a 500: bodies, content types, numbers, ids, query parameters
//! and unknown routes, each with FastAPI's answer.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tests::{TestApp, db_test};

use crate::support::{assert_fastapi_422, assert_json, invalid, issue, value_error};

/// The four routes that read a JSON body, with ids that exist.
async fn body_routes(app: &TestApp) -> Vec<(Method, String)> {
    let customer = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let todo = app.create_todo("Buy milk", None).await;
    vec![
        (Method::POST, "/v1/customers".to_owned()),
        (
            Method::PUT,
            format!("/v1/customers/{}", customer["customer_id"]),
        ),
        (Method::POST, "/api/v1/todos".to_owned()),
        (Method::PUT, format!("/api/v1/todos/{}", todo["id"])),
    ]
}

/// What the tables hold, to check that a refused request wrote nothing.
async fn snapshot(app: &TestApp) -> (Value, Value) {
    (
        app.get("/v1/customers").await.json(),
        app.get("/api/v1/todos").await.json(),
    )
}

/// FastAPI's `json_invalid` entry; `ctx.error` is the parser's own wording, so it is taken
/// from the response after checking that it is a non-empty string.
fn json_invalid(entries: &[Value], position: u64) -> Vec<Value> {
    let error = entries
        .first()
        .and_then(|entry| entry["ctx"]["error"].as_str())
        .filter(|error| !error.is_empty())
        .unwrap_or("<no ctx.error>");
    vec![json!({
        "type": "json_invalid",
        "loc": ["body", position],
        "msg": "JSON decode error",
        "input": {},
        "ctx": { "error": error },
    })]
}

db_test!(malformed_json_is_422_json_invalid_at_the_character);
async fn malformed_json_is_422_json_invalid_at_the_character(app: TestApp) {
    let routes = body_routes(&app).await;
    let before = snapshot(&app).await;
    // Positions as Python's `json` module (and so the peer) gives them.
    let cases: [(&[u8], u64); 10] = [
        (b"{bad json}", 1),
        (b"{\"first_name\": }", 15),
        (b"{\n  \"a\": 1,\n}", 12),
        (b"{\"task\":\"t\"} x", 13),
        ("{\"task\":\"é\" \"x\"}".as_bytes(), 12),
        ("{\"task\":\n\"日本\" 1}".as_bytes(), 14),
        // Cut short: Python points past the end.
        (b"{\"a\": 1", 7),
        (b"{\"a\": ", 6),
        (b"{", 1),
        (b"[", 1),
    ];
    for (method, path) in &routes {
        for (body, position) in cases {
            // Act
            let response = app
                .send_raw(
                    method.clone(),
                    path,
                    Some("application/json"),
                    body.to_vec(),
                )
                .await;

            // Assert
            let entries = assert_fastapi_422(&response);
            assert_eq!(
                entries,
                json_invalid(&entries, position),
                "{method} {path} {}",
                String::from_utf8_lossy(body)
            );
        }
    }
    assert_eq!(snapshot(&app).await, before);
}

db_test!(bodies_that_are_not_json_objects_are_422);
async fn bodies_that_are_not_json_objects_are_422(app: TestApp) {
    let routes = body_routes(&app).await;
    let before = snapshot(&app).await;
    let not_an_object = |input: Value| {
        invalid(vec![issue(
            "model_attributes_type",
            json!(["body"]),
            "Input should be a valid dictionary or object to extract fields from",
            input,
        )])
    };
    let cases = [
        ("[1,2]", not_an_object(json!([1, 2]))),
        ("[]", not_an_object(json!([]))),
        ("\"hello\"", not_an_object(json!("hello"))),
        ("42", not_an_object(json!(42))),
        ("true", not_an_object(json!(true))),
        ("null", not_an_object(Value::Null)),
        (
            "",
            invalid(vec![issue(
                "missing",
                json!(["body"]),
                "Field required",
                Value::Null,
            )]),
        ),
    ];
    for (method, path) in &routes {
        for (body, expected) in &cases {
            let response = app
                .send_raw(method.clone(), path, Some("application/json"), *body)
                .await;

            assert_json(&response, StatusCode::UNPROCESSABLE_ENTITY, expected);
        }
    }
    assert_eq!(snapshot(&app).await, before);
}

db_test!(a_missing_or_wrong_content_type_is_422);
async fn a_missing_or_wrong_content_type_is_422(app: TestApp) {
    let routes = body_routes(&app).await;
    let before = snapshot(&app).await;
    let valid =
        json!({ "first_name": "A", "last_name": "B", "email": "new@example.com", "task": "t" })
            .to_string();
    // The peer reads such a body as text, which is no object.
    let expected = invalid(vec![issue(
        "model_attributes_type",
        json!(["body"]),
        "Input should be a valid dictionary or object to extract fields from",
        json!(valid),
    )]);
    for (method, path) in &routes {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("application/xml"),
            Some("json"),
        ] {
            let response = app
                .send_raw(method.clone(), path, content_type, valid.clone())
                .await;

            assert_json(&response, StatusCode::UNPROCESSABLE_ENTITY, &expected);
        }
    }
    assert_eq!(snapshot(&app).await, before);
}

db_test!(json_content_types_with_parameters_or_suffixes_are_accepted);
async fn json_content_types_with_parameters_or_suffixes_are_accepted(app: TestApp) {
    for (index, content_type) in [
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
    ]
    .into_iter()
    .enumerate()
    {
        let customer = json!({ "first_name": "A", "last_name": "B", "email": format!("a{index}@example.com") });
        let response = app
            .send_raw(
                Method::POST,
                "/v1/customers",
                Some(content_type),
                customer.to_string(),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::CREATED,
            "{content_type}: {}",
            response.text()
        );

        let response = app
            .send_raw(
                Method::POST,
                "/api/v1/todos",
                Some(content_type),
                r#"{"task":"t"}"#,
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{content_type}: {}",
            response.text()
        );
    }
}

db_test!(invalid_utf8_is_422);
async fn invalid_utf8_is_422(app: TestApp) {
    let routes = body_routes(&app).await;
    let before = snapshot(&app).await;
    let cases: [&[u8]; 3] = [
        b"{\"task\":\"\xff\xfe\"}",
        b"\xff",
        b"{\"first_name\":\"\xc3\x28\"}",
    ];
    for (method, path) in &routes {
        for body in cases {
            let response = app
                .send_raw(
                    method.clone(),
                    path,
                    Some("application/json"),
                    body.to_vec(),
                )
                .await;

            let entries = assert_fastapi_422(&response);
            assert_eq!(entries.len(), 1, "{entries:?}");
            assert_eq!(entries[0]["type"], "json_invalid", "{entries:?}");
            assert_eq!(entries[0]["loc"][0], "body", "{entries:?}");
        }
    }
    assert_eq!(snapshot(&app).await, before);
}

db_test!(numbers_out_of_range_for_customer_id_are_422);
async fn numbers_out_of_range_for_customer_id_are_422(app: TestApp) {
    let routes = body_routes(&app).await;
    let before = snapshot(&app).await;
    let too_big = |input: Value| {
        invalid(vec![issue(
            "int_parsing_size",
            json!(["body", "customer_id"]),
            "Unable to parse input string as an integer, exceeded maximum size",
            input,
        )])
    };
    for (method, path) in &routes {
        let fields = if path.starts_with("/v1") {
            r#""first_name":"A","last_name":"B","email":"new@example.com""#
        } else {
            r#""task":"t""#
        };
        // 1e400 is no finite JSON number at all.
        for number in ["1e400", "-1e400"] {
            let body = format!("{{{fields},\"customer_id\":{number}}}");
            let response = app
                .send_raw(method.clone(), path, Some("application/json"), body.clone())
                .await;

            let entries = assert_fastapi_422(&response);
            assert_eq!(entries.len(), 1, "{body}: {entries:?}");
        }
        // Integers beyond 64 bits.
        for number in ["99999999999999999999", "-99999999999999999999"] {
            let body = format!("{{{fields},\"customer_id\":{number}}}");
            let response = app
                .send_raw(method.clone(), path, Some("application/json"), body.clone())
                .await;

            let input: Value = serde_json::from_str(number).expect("a JSON number");
            assert_json(&response, StatusCode::UNPROCESSABLE_ENTITY, &too_big(input));
        }
    }
    assert_eq!(snapshot(&app).await, before);
}

db_test!(bad_limit_and_offset_are_422_at_the_query_parameter);
async fn bad_limit_and_offset_are_422_at_the_query_parameter(app: TestApp) {
    let not_integer = |name: &str, raw: &str| {
        issue(
            "int_parsing",
            json!(["query", name]),
            "Input should be a valid integer, unable to parse string as an integer",
            json!(raw),
        )
    };
    let negative = |name: &str, raw: &str| {
        json!({
            "type": "greater_than_equal",
            "loc": ["query", name],
            "msg": "Input should be greater than or equal to 0",
            "input": raw,
            "ctx": { "ge": 0 },
        })
    };
    let cases = [
        ("limit=-1", vec![negative("limit", "-1")]),
        ("limit=abc", vec![not_integer("limit", "abc")]),
        ("limit=1.5", vec![not_integer("limit", "1.5")]),
        ("limit=", vec![not_integer("limit", "")]),
        ("offset=-1", vec![negative("offset", "-1")]),
        ("offset=abc", vec![not_integer("offset", "abc")]),
        ("offset=1e2", vec![not_integer("offset", "1e2")]),
        (
            "limit=-5&offset=x",
            vec![negative("limit", "-5"), not_integer("offset", "x")],
        ),
        (
            "limit=-99999999999999999999",
            vec![negative("limit", "-99999999999999999999")],
        ),
        ("offset=1__0", vec![not_integer("offset", "1__0")]),
    ];
    for route in ["/v1/customers", "/api/v1/todos"] {
        for (query, expected) in &cases {
            let response = app.get(&format!("{route}?{query}")).await;

            assert_json(
                &response,
                StatusCode::UNPROCESSABLE_ENTITY,
                &invalid(expected.clone()),
            );
        }
    }
}

db_test!(huge_ids_in_paths_are_the_routes_404);
async fn huge_ids_in_paths_are_the_routes_404(app: TestApp) {
    let customer_body = json!({ "first_name": "A", "last_name": "B", "email": "a@example.com" });
    let todo_body = json!({ "task": "t" });
    let todo_404 = json!({ "detail": "Todo not found" });
    for raw in [
        "2147483648",
        "-2147483649",
        "9223372036854775807",
        "9223372036854775808",
        "123456789012345678901234567890",
    ] {
        let customer_404 =
            json!({ "detail": format!("Customer not found for customer_id[{raw}]") });
        let customer_path = format!("/v1/customers/{raw}");
        let todo_path = format!("/api/v1/todos/{raw}");
        let responses = [
            (app.get(&customer_path).await, &customer_404),
            (app.put(&customer_path, &customer_body).await, &customer_404),
            (app.delete(&customer_path).await, &customer_404),
            (app.get(&todo_path).await, &todo_404),
            (app.put(&todo_path, &todo_body).await, &todo_404),
            (app.delete(&todo_path).await, &todo_404),
        ];
        for (response, expected) in responses {
            assert_json(&response, StatusCode::NOT_FOUND, expected);
        }
    }
}

db_test!(unknown_routes_and_methods_are_client_errors);
async fn unknown_routes_and_methods_are_client_errors(app: TestApp) {
    let cases = [
        (Method::GET, "/nope", StatusCode::NOT_FOUND),
        (Method::GET, "/v1/customer", StatusCode::NOT_FOUND),
        (Method::GET, "/v1/customers/1/todos", StatusCode::NOT_FOUND),
        (Method::GET, "/api/v1/todo", StatusCode::NOT_FOUND),
        (Method::GET, "/api/v2/todos", StatusCode::NOT_FOUND),
        (
            Method::POST,
            "/v1/customers/1",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::PATCH,
            "/v1/customers/1",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::DELETE,
            "/v1/customers",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (Method::PUT, "/api/v1/todos", StatusCode::METHOD_NOT_ALLOWED),
        (
            Method::POST,
            "/api/v1/todos/1",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ];
    for (method, path, status) in cases {
        let response = app.call(method.clone(), path).await;

        assert_eq!(
            response.status,
            status,
            "{method} {path}: {}",
            response.text()
        );
    }
}

db_test!(a_trailing_slash_redirects_like_fastapi);
async fn a_trailing_slash_redirects_like_fastapi(app: TestApp) {
    // FastAPI answers 307 to the path without the slash, keeping the method and query.
    let cases = [
        (Method::GET, "/api/v1/todos/", "/api/v1/todos"),
        (Method::POST, "/api/v1/todos/", "/api/v1/todos"),
        (
            Method::GET,
            "/api/v1/todos/?limit=1",
            "/api/v1/todos?limit=1",
        ),
        (Method::GET, "/v1/customers/", "/v1/customers"),
        (Method::GET, "/v1/customers/1/", "/v1/customers/1"),
        (Method::DELETE, "/api/v1/todos/1/", "/api/v1/todos/1"),
    ];
    for (method, path, location) in cases {
        let request = Request::builder()
            .method(method.clone())
            .uri(path)
            .body(Body::empty())
            .expect("request");

        let response = app.send(request).await;

        assert_eq!(
            response.status,
            StatusCode::TEMPORARY_REDIRECT,
            "{method} {path}: {}",
            response.text()
        );
        assert_eq!(
            response.header("location"),
            Some(location),
            "{method} {path}"
        );
    }
}

db_test!(a_non_integer_id_and_a_bad_body_are_both_reported);
async fn a_non_integer_id_and_a_bad_body_are_both_reported(app: TestApp) {
    // The peer validates path and body together: one entry per problem, the path's first.
    let not_integer = |name: &str| {
        issue(
            "int_parsing",
            json!(["path", name]),
            "Input should be a valid integer, unable to parse string as an integer",
            json!("abc"),
        )
    };
    let customer = json!({ "first_name": "A", "email": "a@example.com" });
    let cases = [
        (
            "/api/v1/todos/abc",
            "application/json",
            json!({}).to_string(),
            vec![
                not_integer("todo_id"),
                issue(
                    "missing",
                    json!(["body", "task"]),
                    "Field required",
                    json!({}),
                ),
            ],
        ),
        (
            "/v1/customers/abc",
            "application/json",
            customer.to_string(),
            vec![
                not_integer("customer_id"),
                issue(
                    "missing",
                    json!(["body", "last_name"]),
                    "Field required",
                    customer.clone(),
                ),
            ],
        ),
        (
            "/api/v1/todos/abc",
            "text/plain",
            "x".to_owned(),
            vec![
                not_integer("todo_id"),
                issue(
                    "model_attributes_type",
                    json!(["body"]),
                    "Input should be a valid dictionary or object to extract fields from",
                    json!("x"),
                ),
            ],
        ),
    ];
    for (path, content_type, body, expected) in cases {
        let response = app
            .send_raw(Method::PUT, path, Some(content_type), body)
            .await;

        assert_json(
            &response,
            StatusCode::UNPROCESSABLE_ENTITY,
            &invalid(expected),
        );
    }
}

db_test!(every_problem_in_a_body_is_reported_at_once);
async fn every_problem_in_a_body_is_reported_at_once(app: TestApp) {
    // FastAPI validates the whole body before answering, so a 422 lists each problem, the
    // email's and the blank text's included, in the model's field order.
    let bad_email = json!({
        "type": "value_error",
        "loc": ["body", "email"],
        "msg": "value is not a valid email address: An email address must have an @-sign.",
        "input": "not-an-email",
        "ctx": { "reason": "An email address must have an @-sign." },
    });
    let blank = |field: &str, input: &str| value_error(field, json!(input), "must not be blank");
    let missing_last = json!({ "first_name": "No", "email": "not-an-email" });
    let cases = [
        // The peer's exact answer.
        (
            "/v1/customers",
            missing_last.clone(),
            vec![
                issue(
                    "missing",
                    json!(["body", "last_name"]),
                    "Field required",
                    missing_last,
                ),
                bad_email.clone(),
            ],
        ),
        (
            "/v1/customers",
            json!({ "first_name": " ", "last_name": "", "email": "not-an-email" }),
            vec![blank("first_name", " "), blank("last_name", ""), bad_email],
        ),
        (
            "/api/v1/todos",
            json!({ "task": " ", "status": "Done" }),
            vec![
                blank("task", " "),
                json!({
                    "type": "enum",
                    "loc": ["body", "status"],
                    "msg": "Input should be 'Pending', 'Completed' or 'In Process'",
                    "input": "Done",
                    "ctx": { "expected": "'Pending', 'Completed' or 'In Process'" },
                }),
            ],
        ),
    ];
    for (path, body, expected) in cases {
        let response = app.post(path, &body).await;

        assert_json(
            &response,
            StatusCode::UNPROCESSABLE_ENTITY,
            &invalid(expected),
        );
    }
}

db_test!(names_longer_than_255_characters_are_422);
async fn names_longer_than_255_characters_are_422(app: TestApp) {
    // Names are indexed for sorting; PostgreSQL cannot index very long text, so the limit is
    // checked up front instead of failing inside the database.
    let long = "é".repeat(256);
    let response = app
        .post(
            "/v1/customers",
            &json!({ "first_name": long, "last_name": "L", "email": "long@example.com" }),
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        response.text()
    );
    let body = response.json();
    assert_eq!(body["detail"][0]["loc"], json!(["body", "first_name"]));
    assert_eq!(
        body["detail"][0]["msg"],
        json!("Value error, must be at most 255 characters")
    );

    let fits = "é".repeat(255);
    let response = app
        .post(
            "/v1/customers",
            &json!({ "first_name": "F", "last_name": fits, "email": "fits@example.com" }),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
}
