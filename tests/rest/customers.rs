//! `/v1/customers`: list, read, create, full replace and delete, with the customer seed's
//! exact answers.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tests::{TestApp, db_test};

use crate::support::{
    ExpectedIssues, assert_fastapi_422, assert_json, customer_not_found, detail, invalid, issue,
    missing, not_a_string, path_not_integer, value_error,
};

/// Creates `count` customers with emails `y@example.com`, `x@example.com`, … (the opposite
/// order of their ids), and returns their JSON in id order.
async fn seed_customers(app: &TestApp, count: usize) -> Vec<Value> {
    let mut created = Vec::new();
    for n in 1..=count {
        let email = format!(
            "{}@example.com",
            char::from(b'z' - u8::try_from(n).expect("small"))
        );
        created.push(
            app.create_customer(&format!("First{n}"), &format!("Last{n}"), &email)
                .await,
        );
    }
    created
}

fn ada() -> Value {
    json!({ "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone": "555-0100" })
}

db_test!(list_is_empty_at_first);
async fn list_is_empty_at_first(app: TestApp) {
    let response = app.get("/v1/customers").await;

    assert_json(&response, StatusCode::OK, &json!([]));
}

db_test!(list_is_ordered_by_customer_id_and_pages_with_limit_and_offset);
async fn list_is_ordered_by_customer_id_and_pages_with_limit_and_offset(app: TestApp) {
    // Arrange: five customers, then the first one rewritten, so that neither insertion order
    // (PostgreSQL moves an updated row to the end of the heap) nor email order is id order.
    let mut customers = seed_customers(&app, 5).await;
    let first_id = customers[0]["customer_id"].clone();
    let rewritten =
        json!({ "first_name": "Zed", "last_name": "Last1", "email": "zzz@example.com" });
    let response = app
        .put(&format!("/v1/customers/{first_id}"), &rewritten)
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    customers[0] = response.json();
    let ids = |range: std::ops::Range<usize>| Value::Array(customers[range].to_vec());

    let cases = [
        ("", ids(0..5)),
        ("?limit=2", ids(0..2)),
        ("?offset=3", ids(3..5)),
        ("?limit=2&offset=1", ids(1..3)),
        ("?offset=1&limit=10", ids(1..5)),
        ("?limit=0", json!([])),
        ("?offset=5", json!([])),
        ("?limit=5&offset=4", ids(4..5)),
        ("?limit=%2B2", ids(0..2)),
        ("?limit=9223372036854775807", ids(0..5)),
        ("?offset=9223372036854775807", json!([])),
        ("?limit=99999999999999999999", ids(0..5)),
        ("?offset=99999999999999999999", json!([])),
        // pydantic's spellings of integers.
        ("?limit=2.0&offset=%201%20", ids(1..3)),
        ("?limit=1_0", ids(0..5)),
        ("?unknown=1", ids(0..5)),
        // FastAPI keeps the last of repeated parameters.
        ("?limit=1&limit=3", ids(0..3)),
    ];
    for (query, expected) in cases {
        // Act
        let response = app.get(&format!("/v1/customers{query}")).await;
        // Assert
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{query}: {}",
            response.text()
        );
        assert_eq!(response.json(), expected, "{query}");
    }
}

db_test!(get_returns_the_customer);
async fn get_returns_the_customer(app: TestApp) {
    let created = app.post("/v1/customers", &ada()).await;
    let id = created.json()["customer_id"].clone();

    let response = app.get(&format!("/v1/customers/{id}")).await;

    assert_json(
        &response,
        StatusCode::OK,
        &json!({ "customer_id": id, "first_name": "Ada", "middle_name": null, "last_name": "Lovelace",
                 "suffix": null, "email": "ada@example.com", "phone": "555-0100" }),
    );
}

db_test!(get_unknown_or_out_of_range_id_is_the_routes_404);
async fn get_unknown_or_out_of_range_id_is_the_routes_404(app: TestApp) {
    app.post("/v1/customers", &ada()).await;
    let cases = [
        ("999", "999"),
        ("0", "0"),
        ("-1", "-1"),
        ("2147483648", "2147483648"),
        ("-2147483649", "-2147483649"),
        ("99999999999", "99999999999"),
        ("9223372036854775808", "9223372036854775808"),
        ("99999999999999999999999", "99999999999999999999999"),
        ("-99999999999999999999999", "-99999999999999999999999"),
        // pydantic reads the integer, so the message shows it as an integer.
        ("007", "7"),
        ("%2B7", "7"),
        ("%207", "7"),
        ("1_0", "10"),
        ("2.00", "2"),
        ("-0", "0"),
    ];
    for (raw, shown) in cases {
        let response = app.get(&format!("/v1/customers/{raw}")).await;

        assert_json(&response, StatusCode::NOT_FOUND, &customer_not_found(shown));
    }
}

db_test!(non_integer_ids_are_422_on_every_id_route);
async fn non_integer_ids_are_422_on_every_id_route(app: TestApp) {
    let body = json!({ "first_name": "A", "last_name": "B", "email": "a@example.com" });
    for raw in ["abc", "1.5", "1.", "1e3", "0x10", "1__0", "%20"] {
        for (method, response) in [
            ("GET", app.get(&format!("/v1/customers/{raw}")).await),
            ("PUT", app.put(&format!("/v1/customers/{raw}"), &body).await),
            ("DELETE", app.delete(&format!("/v1/customers/{raw}")).await),
        ] {
            let decoded = raw.replace("%20", " ");
            assert_eq!(
                response.json(),
                path_not_integer("customer_id", &decoded),
                "{method} {raw}"
            );
            assert_eq!(
                response.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} {raw}"
            );
        }
    }
}

db_test!(create_returns_201_with_the_normalised_email);
async fn create_returns_201_with_the_normalised_email(app: TestApp) {
    let response = app
        .post(
            "/v1/customers",
            &json!({ "first_name": "Alan", "middle_name": "Mathison", "last_name": "Turing",
                     "suffix": "OBE", "email": "alan@Example.COM" }),
        )
        .await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let body = response.json();
    let id = body["customer_id"]
        .as_i64()
        .expect("an integer customer_id");
    assert_eq!(
        body,
        json!({ "customer_id": id, "first_name": "Alan", "middle_name": "Mathison", "last_name": "Turing",
                "suffix": "OBE", "email": "alan@example.com", "phone": null })
    );
    assert_json(
        &app.get(&format!("/v1/customers/{id}")).await,
        StatusCode::OK,
        &body,
    );
}

db_test!(create_stores_text_as_sent_and_ignores_unknown_fields);
async fn create_stores_text_as_sent_and_ignores_unknown_fields(app: TestApp) {
    let response = app
        .post(
            "/v1/customers",
            &json!({ "first_name": "  Ada ", "last_name": "Love\tlace", "email": "ada@example.com",
                     "middle_name": "", "phone": null, "nickname": "Countess" }),
        )
        .await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let body = response.json();
    assert_eq!(
        body,
        json!({ "customer_id": body["customer_id"], "first_name": "  Ada ", "middle_name": "",
                "last_name": "Love\tlace", "suffix": null, "email": "ada@example.com", "phone": null })
    );
}

db_test!(create_with_a_customer_id_is_400);
async fn create_with_a_customer_id_is_400(app: TestApp) {
    let cases = [
        (json!(7), "7"),
        (json!(0), "0"),
        (json!(-3), "-3"),
        (json!(99999999999_i64), "99999999999"),
        // pydantic's lax mode reads these as integers.
        (json!("7"), "7"),
        (json!(1.0), "1"),
        (json!(true), "1"),
    ];
    for (customer_id, shown) in cases {
        let response = app
            .post(
                "/v1/customers",
                &json!({ "customer_id": customer_id, "first_name": "X", "last_name": "Y", "email": "xy@example.com" }),
            )
            .await;

        assert_json(
            &response,
            StatusCode::BAD_REQUEST,
            &detail(&format!(
                "Customer object cannot contain customer_id[{shown}]"
            )),
        );
    }
    assert_json(&app.get("/v1/customers").await, StatusCode::OK, &json!([]));

    // `"customer_id": null` is the same as leaving it out.
    let response = app
        .post(
            "/v1/customers",
            &json!({ "customer_id": null, "first_name": "X", "last_name": "Y", "email": "xy@example.com" }),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
}

db_test!(the_body_is_validated_before_ids_are_looked_at);
async fn the_body_is_validated_before_ids_are_looked_at(app: TestApp) {
    // The seed's model validates the whole body before the route checks `customer_id` (and
    // FastAPI before the route runs at all), so an invalid body is a 422 whatever the ids.
    let id = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await["customer_id"]
        .as_i64()
        .expect("id");
    let bad_email = |customer_id: i64| json!({ "customer_id": customer_id, "first_name": "X", "last_name": "Y", "email": "bad" });
    let email_issue = invalid(vec![json!({
        "type": "value_error",
        "loc": ["body", "email"],
        "msg": "value is not a valid email address: An email address must have an @-sign.",
        "input": "bad",
        "ctx": { "reason": "An email address must have an @-sign." },
    })]);
    let cases = [
        // The peer's answer.
        (
            Method::POST,
            "/v1/customers".to_owned(),
            bad_email(7),
            email_issue.clone(),
        ),
        (
            Method::POST,
            "/v1/customers".to_owned(),
            json!({ "customer_id": 7, "first_name": " ", "last_name": "Y", "email": "x@example.com" }),
            invalid(vec![value_error(
                "first_name",
                json!(" "),
                "must not be blank",
            )]),
        ),
        (
            Method::PUT,
            format!("/v1/customers/{id}"),
            bad_email(id + 1),
            email_issue.clone(),
        ),
        (
            Method::PUT,
            "/v1/customers/999".to_owned(),
            bad_email(999),
            email_issue.clone(),
        ),
        (
            Method::PUT,
            "/v1/customers/99999999999".to_owned(),
            bad_email(1),
            email_issue,
        ),
    ];
    for (method, path, body, expected) in cases {
        let response = app
            .send_raw(
                method.clone(),
                &path,
                Some("application/json"),
                body.to_string(),
            )
            .await;

        assert_json(&response, StatusCode::UNPROCESSABLE_ENTITY, &expected);
    }
    assert_eq!(
        app.get("/v1/customers")
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

db_test!(create_with_a_taken_email_is_400);
async fn create_with_a_taken_email_is_400(app: TestApp) {
    app.post("/v1/customers", &ada()).await;
    let cases = ["ada@example.com", "ada@EXAMPLE.com", "ada@Example.Com"];
    for email in cases {
        let response = app
            .post(
                "/v1/customers",
                &json!({ "first_name": "Ada", "last_name": "Again", "email": email }),
            )
            .await;

        assert_json(
            &response,
            StatusCode::BAD_REQUEST,
            &detail("Customer already exists for email[ada@example.com]"),
        );
    }
    assert_eq!(
        app.get("/v1/customers")
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // The local part keeps its case: another address, another customer (as the seed).
    let response = app
        .post(
            "/v1/customers",
            &json!({ "first_name": "Ada", "last_name": "Upper", "email": "ADA@example.com" }),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    assert_eq!(response.json()["email"], "ADA@example.com");
}

db_test!(create_with_an_invalid_email_is_422);
async fn create_with_an_invalid_email_is_422(app: TestApp) {
    // The peer's exact answers (email-validator 2.4.0).
    let cases = [
        ("not-an-email", "An email address must have an @-sign."),
        ("", "An email address must have an @-sign."),
        (
            "a@b",
            "The part after the @-sign is not valid. It should have a period.",
        ),
    ];
    for (email, reason) in cases {
        let response = app
            .post(
                "/v1/customers",
                &json!({ "first_name": "Bad", "last_name": "Email", "email": email }),
            )
            .await;

        assert_json(
            &response,
            StatusCode::UNPROCESSABLE_ENTITY,
            &invalid(vec![json!({
                "type": "value_error",
                "loc": ["body", "email"],
                "msg": format!("value is not a valid email address: {reason}"),
                "input": email,
                "ctx": { "reason": reason },
            })]),
        );
    }

    // Other malformed addresses: the same shape, with the validator's reason.
    for email in ["a@@b.co", "@b.co", "a@", "a b@c.co", "a@[127.0.0.1]"] {
        let response = app
            .post(
                "/v1/customers",
                &json!({ "first_name": "Bad", "last_name": "Email", "email": email }),
            )
            .await;

        let entries = assert_fastapi_422(&response);
        let reason = entries[0]["ctx"]["reason"]
            .as_str()
            .expect("a reason")
            .to_owned();
        assert_eq!(
            entries,
            vec![json!({
                "type": "value_error",
                "loc": ["body", "email"],
                "msg": format!("value is not a valid email address: {reason}"),
                "input": email,
                "ctx": { "reason": reason },
            })],
            "{email}"
        );
    }
    assert_json(&app.get("/v1/customers").await, StatusCode::OK, &json!([]));
}

db_test!(emails_are_checked_and_normalised_as_the_seeds_validator_does);
async fn emails_are_checked_and_normalised_as_the_seeds_validator_does(app: TestApp) {
    // The peer's answers (pydantic's EmailStr over email-validator 2.4.0), checked live:
    // `Some(stored)` is a 201 storing that address, `None` a 422 at `["body", "email"]`.
    let cases = [
        ("a+tag@b.co", Some("a+tag@b.co")),
        ("ÄDA@Example.com", Some("ÄDA@example.com")),
        ("a@Bücher.DE", Some("a@bücher.de")),
        ("a@b.c", Some("a@b.c")),
        (" x@example.com ", Some("x@example.com")),
        ("Al <al@b.co>", Some("al@b.co")),
        ("\"a b\"@c.co", None),
        ("a@b_c.co", None),
        ("a@b.123", None),
        ("a@localhost", None),
        ("a@b.co.", None),
        ("a..b@c.co", None),
        (".a@b.co", None),
        ("a@-b.co", None),
    ];
    let mut departures = Vec::new();
    for (email, stored) in cases {
        // Act
        let response = app
            .post(
                "/v1/customers",
                &json!({ "first_name": "E", "last_name": "M", "email": email }),
            )
            .await;

        // Assert (every case, then all departures together)
        let body = response.json();
        let outcome = match response.status {
            StatusCode::CREATED => Some(body["email"].as_str().unwrap_or_default().to_owned()),
            StatusCode::UNPROCESSABLE_ENTITY => {
                let entries = assert_fastapi_422(&response);
                assert_eq!(entries.len(), 1, "{email}: {body}");
                assert_eq!(
                    (
                        &entries[0]["type"],
                        &entries[0]["loc"],
                        &entries[0]["input"]
                    ),
                    (
                        &json!("value_error"),
                        &json!(["body", "email"]),
                        &json!(email)
                    ),
                    "{email}"
                );
                None
            }
            other => panic!("{email}: {other} {body}"),
        };
        if outcome.as_deref() != stored {
            departures.push(format!("{email:?}: expected {stored:?}, got {outcome:?}"));
        }
    }
    // An IDNA (punycode) domain is the same address as its Unicode spelling.
    let response = app
        .post(
            "/v1/customers",
            &json!({ "first_name": "E", "last_name": "M", "email": "a@xn--bcher-kva.de" }),
        )
        .await;
    if response.status != StatusCode::BAD_REQUEST
        || response.json() != detail("Customer already exists for email[a@bücher.de]")
    {
        departures.push(format!(
            "\"a@xn--bcher-kva.de\": expected the duplicate 400, got {} {}",
            response.status,
            response.text()
        ));
    }
    assert!(departures.is_empty(), "{}", departures.join("\n"));
}

db_test!(create_with_missing_or_mistyped_fields_is_422);
async fn create_with_missing_or_mistyped_fields_is_422(app: TestApp) {
    let cases: [(Value, ExpectedIssues); 9] = [
        // The transcript's case.
        (
            json!({ "first_name": "No", "email": "nolast@example.com" }),
            |body: &Value| vec![missing("last_name", body)],
        ),
        (json!({}), |body: &Value| {
            vec![
                missing("first_name", body),
                missing("last_name", body),
                missing("email", body),
            ]
        }),
        (
            json!({ "first_name": null, "last_name": "L", "email": "n@example.com" }),
            |_: &Value| vec![not_a_string("first_name", Value::Null)],
        ),
        (
            json!({ "first_name": 5, "last_name": "L", "email": "n@example.com" }),
            |_: &Value| vec![not_a_string("first_name", json!(5))],
        ),
        (
            json!({ "first_name": "F", "last_name": "L", "email": ["n@example.com"] }),
            |_: &Value| vec![not_a_string("email", json!(["n@example.com"]))],
        ),
        // Every problem at once, in the model's field order (the peer's answer).
        (
            json!({ "first_name": null, "last_name": 5, "email": "x@y.co", "middle_name": 3 }),
            |_: &Value| {
                vec![
                    not_a_string("first_name", Value::Null),
                    not_a_string("middle_name", json!(3)),
                    not_a_string("last_name", json!(5)),
                ]
            },
        ),
        (
            json!({ "first_name": "F", "last_name": "L", "email": "n@example.com", "phone": false }),
            |_: &Value| vec![not_a_string("phone", json!(false))],
        ),
        (
            json!({ "customer_id": "abc", "first_name": "F", "last_name": "L", "email": "n@example.com" }),
            |_: &Value| {
                vec![issue(
                    "int_parsing",
                    json!(["body", "customer_id"]),
                    "Input should be a valid integer, unable to parse string as an integer",
                    json!("abc"),
                )]
            },
        ),
        (
            json!({ "customer_id": 1.5, "first_name": "F", "last_name": "L", "email": "n@example.com" }),
            |_: &Value| {
                vec![issue(
                    "int_from_float",
                    json!(["body", "customer_id"]),
                    "Input should be a valid integer, got a number with a fractional part",
                    json!(1.5),
                )]
            },
        ),
    ];
    for (body, expected) in cases {
        let response = app.post("/v1/customers", &body).await;

        assert_json(
            &response,
            StatusCode::UNPROCESSABLE_ENTITY,
            &invalid(expected(&body)),
        );
    }
    assert_json(&app.get("/v1/customers").await, StatusCode::OK, &json!([]));
}

db_test!(create_with_blank_required_text_is_422_at_that_field);
async fn create_with_blank_required_text_is_422_at_that_field(app: TestApp) {
    let cases = [
        (
            "first_name",
            json!({ "first_name": "", "last_name": "L", "email": "b@example.com" }),
        ),
        (
            "first_name",
            json!({ "first_name": "   ", "last_name": "L", "email": "b@example.com" }),
        ),
        (
            "first_name",
            json!({ "first_name": "\t\n", "last_name": "L", "email": "b@example.com" }),
        ),
        (
            "last_name",
            json!({ "first_name": "F", "last_name": " ", "email": "b@example.com" }),
        ),
    ];
    for (field, body) in cases {
        let response = app.post("/v1/customers", &body).await;

        assert_json(
            &response,
            StatusCode::UNPROCESSABLE_ENTITY,
            &invalid(vec![value_error(
                field,
                body[field].clone(),
                "must not be blank",
            )]),
        );
    }
    assert_json(&app.get("/v1/customers").await, StatusCode::OK, &json!([]));
}

db_test!(create_with_a_nul_character_is_422);
async fn create_with_a_nul_character_is_422(app: TestApp) {
    let cases = [
        (
            "first_name",
            json!({ "first_name": "A\u{0}", "last_name": "L", "email": "n@example.com" }),
        ),
        (
            "phone",
            json!({ "first_name": "A", "last_name": "L", "email": "n@example.com", "phone": "\u{0}" }),
        ),
    ];
    for (field, body) in cases {
        let response = app.post("/v1/customers", &body).await;

        assert_json(
            &response,
            StatusCode::UNPROCESSABLE_ENTITY,
            &invalid(vec![value_error(
                field,
                body[field].clone(),
                "must not contain a NUL character",
            )]),
        );
    }
}

db_test!(put_replaces_every_field);
async fn put_replaces_every_field(app: TestApp) {
    // Arrange: a customer with every optional field set.
    let created = app
        .post(
            "/v1/customers",
            &json!({ "first_name": "Alan", "middle_name": "Mathison", "last_name": "Turing",
                     "suffix": "OBE", "email": "alan@example.com", "phone": "555" }),
        )
        .await
        .json();
    let id = created["customer_id"].as_i64().expect("id");

    // Act: a body with only the required fields.
    let response = app
        .put(
            &format!("/v1/customers/{id}"),
            &json!({ "first_name": "A.", "last_name": "T.", "email": "turing@Example.ORG" }),
        )
        .await;

    // Assert: omitted optionals are now null, and the change is stored.
    let expected = json!({ "customer_id": id, "first_name": "A.", "middle_name": null, "last_name": "T.",
                           "suffix": null, "email": "turing@example.org", "phone": null });
    assert_json(&response, StatusCode::OK, &expected);
    assert_json(
        &app.get(&format!("/v1/customers/{id}")).await,
        StatusCode::OK,
        &expected,
    );

    // Setting them again works too.
    let full = json!({ "first_name": "Alan", "middle_name": "M.", "last_name": "Turing", "suffix": "Jr.",
                       "email": "alan@example.com", "phone": "556" });
    let response = app.put(&format!("/v1/customers/{id}"), &full).await;
    let mut expected = full.clone();
    expected["customer_id"] = json!(id);
    assert_json(&response, StatusCode::OK, &expected);
}

db_test!(put_on_a_missing_customer_is_404);
async fn put_on_a_missing_customer_is_404(app: TestApp) {
    let body = json!({ "first_name": "A", "last_name": "B", "email": "a@example.com" });
    for raw in ["999", "-1", "99999999999", "99999999999999999999999"] {
        let response = app.put(&format!("/v1/customers/{raw}"), &body).await;

        assert_json(&response, StatusCode::NOT_FOUND, &customer_not_found(raw));
    }
    assert_json(&app.get("/v1/customers").await, StatusCode::OK, &json!([]));
}

db_test!(put_with_an_invalid_body_is_422);
async fn put_with_an_invalid_body_is_422(app: TestApp) {
    let id = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await["customer_id"]
        .clone();
    let body = json!({ "first_name": "Ada", "email": "ada@example.com" });

    let response = app.put(&format!("/v1/customers/{id}"), &body).await;

    assert_json(
        &response,
        StatusCode::UNPROCESSABLE_ENTITY,
        &invalid(vec![missing("last_name", &body)]),
    );
}

db_test!(put_with_an_email_another_customer_has_is_400);
async fn put_with_an_email_another_customer_has_is_400(app: TestApp) {
    app.create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let bob = app.create_customer("Bob", "B", "bob@example.com").await;
    let id = bob["customer_id"].clone();

    for email in ["ada@example.com", "ada@EXAMPLE.COM"] {
        let response = app
            .put(
                &format!("/v1/customers/{id}"),
                &json!({ "first_name": "Bob", "last_name": "B", "email": email }),
            )
            .await;

        assert_json(
            &response,
            StatusCode::BAD_REQUEST,
            &detail("Customer already exists for email[ada@example.com]"),
        );
    }
    assert_json(
        &app.get(&format!("/v1/customers/{id}")).await,
        StatusCode::OK,
        &bob,
    );
}

db_test!(put_keeping_its_own_email_is_fine);
async fn put_keeping_its_own_email_is_fine(app: TestApp) {
    let ada = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let id = ada["customer_id"].clone();

    for email in ["ada@example.com", "ada@Example.COM"] {
        let response = app
            .put(
                &format!("/v1/customers/{id}"),
                &json!({ "first_name": "Ada", "last_name": "King", "email": email }),
            )
            .await;

        assert_json(
            &response,
            StatusCode::OK,
            &json!({ "customer_id": id, "first_name": "Ada", "middle_name": null, "last_name": "King",
                     "suffix": null, "email": "ada@example.com", "phone": null }),
        );
    }
}

db_test!(put_with_a_customer_id_in_the_body);
async fn put_with_a_customer_id_in_the_body(app: TestApp) {
    let id = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await["customer_id"]
        .as_i64()
        .expect("id");
    let body = |customer_id: Value| json!({ "customer_id": customer_id, "first_name": "Ada", "last_name": "King", "email": "ada@example.com" });
    let stored = json!({ "customer_id": id, "first_name": "Ada", "middle_name": null, "last_name": "King",
                         "suffix": null, "email": "ada@example.com", "phone": null });
    let cases = [
        (json!(id), StatusCode::OK, stored.clone()),
        (json!(id.to_string()), StatusCode::OK, stored.clone()),
        (Value::Null, StatusCode::OK, stored.clone()),
        (
            json!(id + 1),
            StatusCode::BAD_REQUEST,
            detail(&format!(
                "Customer object cannot contain customer_id[{}]",
                id + 1
            )),
        ),
        (
            json!(0),
            StatusCode::BAD_REQUEST,
            detail("Customer object cannot contain customer_id[0]"),
        ),
        (
            json!(99999999999_i64),
            StatusCode::BAD_REQUEST,
            detail("Customer object cannot contain customer_id[99999999999]"),
        ),
    ];
    for (customer_id, status, expected) in cases {
        let response = app
            .put(&format!("/v1/customers/{id}"), &body(customer_id.clone()))
            .await;

        assert_eq!(
            response.status,
            status,
            "customer_id {customer_id}: {}",
            response.text()
        );
        assert_eq!(response.json(), expected, "customer_id {customer_id}");
    }
}

db_test!(delete_is_204_then_404);
async fn delete_is_204_then_404(app: TestApp) {
    let id = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await["customer_id"]
        .clone();

    let response = app.delete(&format!("/v1/customers/{id}")).await;

    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert!(response.body.is_empty(), "{}", response.text());
    let shown = id.to_string();
    assert_json(
        &app.get(&format!("/v1/customers/{id}")).await,
        StatusCode::NOT_FOUND,
        &customer_not_found(&shown),
    );
    assert_json(
        &app.delete(&format!("/v1/customers/{id}")).await,
        StatusCode::NOT_FOUND,
        &customer_not_found(&shown),
    );
    assert_json(&app.get("/v1/customers").await, StatusCode::OK, &json!([]));
}

db_test!(delete_of_a_missing_customer_is_404);
async fn delete_of_a_missing_customer_is_404(app: TestApp) {
    app.create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    for raw in ["999", "0", "-1", "99999999999", "99999999999999999999999"] {
        let response = app.delete(&format!("/v1/customers/{raw}")).await;

        assert_json(&response, StatusCode::NOT_FOUND, &customer_not_found(raw));
    }
    assert_eq!(
        app.get("/v1/customers")
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

db_test!(a_deleted_customers_email_can_be_used_again);
async fn a_deleted_customers_email_can_be_used_again(app: TestApp) {
    let first = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let response = app
        .delete(&format!("/v1/customers/{}", first["customer_id"]))
        .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);

    let response = app
        .post(
            "/v1/customers",
            &json!({ "first_name": "Ada", "last_name": "Again", "email": "ada@EXAMPLE.com" }),
        )
        .await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let again = response.json();
    assert_eq!(again["email"], "ada@example.com");
    assert_eq!(app.get("/v1/customers").await.json(), json!([again]));
}

db_test!(deleting_a_customer_keeps_its_todos_without_a_customer);
async fn deleting_a_customer_keeps_its_todos_without_a_customer(app: TestApp) {
    // Arrange: a todo for the customer and one for somebody else.
    let ada = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let bob = app.create_customer("Bob", "B", "bob@example.com").await;
    let ada_id = ada["customer_id"].as_i64().expect("id");
    let bob_id = bob["customer_id"].as_i64().expect("id");
    let hers = app.create_todo("Write notes", Some(ada_id)).await;
    let his = app.create_todo("Build engine", Some(bob_id)).await;

    // Act
    let response = app.delete(&format!("/v1/customers/{ada_id}")).await;

    // Assert
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    let mut orphaned = hers.clone();
    orphaned["customer_id"] = Value::Null;
    assert_json(
        &app.get(&format!("/api/v1/todos/{}", hers["id"])).await,
        StatusCode::OK,
        &orphaned,
    );
    assert_json(
        &app.get("/api/v1/todos").await,
        StatusCode::OK,
        &json!([orphaned, his]),
    );
}
