//! GraphQL over HTTP: GET for queries only, GraphiQL for browsers, the SDL endpoint, and the
//! GraphQL-over-HTTP spec's status codes and media types (what graphql-http's audit checks).

use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::json;
use tests::{Backend, TestApp, db_test};

#[tokio::test]
async fn get_runs_queries_and_refuses_mutations() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ok = app
        .get("/graphql?query=%7B%20customers%20%7B%20totalCount%20%7D%20%7D")
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(
        ok.json(),
        json!({ "data": { "customers": { "totalCount": 0 } } })
    );

    let mutation = "mutation%20%7B%20deleteTodo(todoId%3A%201)%20%7B%20todoId%20%7D%20%7D";
    let refused = app.get(&format!("/graphql?query={mutation}")).await;
    assert_eq!(refused.status, 405);
    assert_eq!(refused.header("allow"), Some("POST"));
}

#[tokio::test]
async fn browsers_get_graphiql_and_tools_get_the_sdl() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page = app
        .send(
            Request::builder()
                .method(Method::GET)
                .uri("/graphql")
                .header(header::ACCEPT, "text/html,application/xhtml+xml")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|value| value.starts_with("text/html"))
    );
    assert!(page.header("content-security-policy").is_some());

    let sdl = app.get("/schema.graphql").await;
    assert_eq!(sdl.status, 200);
    assert_eq!(sdl.text(), api::graphql::sdl());
}

#[tokio::test]
async fn batched_requests_are_answered_in_order() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app
        .post(
            "/graphql",
            &json!([{ "query": "{ customers { totalCount } }" }, { "query": "{ todos { totalCount } }" }]),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json(),
        json!([{ "data": { "customers": { "totalCount": 0 } } }, { "data": { "todos": { "totalCount": 0 } } }])
    );
}

async fn post_with_accept(app: &TestApp, accept: &str, body: &str) -> tests::TestResponse {
    app.send(
        Request::builder()
            .method(Method::POST)
            .uri("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, accept)
            .body(Body::from(body.to_owned()))
            .expect("request"),
    )
    .await
}

#[tokio::test]
async fn response_format_is_negotiated() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let broken = r#"{"query":"{ customers { "}"#;

    let modern = post_with_accept(&app, "application/graphql-response+json", broken).await;
    assert_eq!(modern.status, 400);
    assert!(
        modern
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/graphql-response+json"))
    );
    let body = modern.json();
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(tests::error_code(&body), Some("GRAPHQL_PARSE_FAILED"));

    let legacy = post_with_accept(&app, "application/json", broken).await;
    assert_eq!(legacy.status, 200);
    assert!(
        legacy
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json"))
    );
    assert_eq!(
        tests::error_code(&legacy.json()),
        Some("GRAPHQL_PARSE_FAILED")
    );

    let fine = post_with_accept(
        &app,
        "application/graphql-response+json",
        r#"{"query":"{ todos { totalCount } }"}"#,
    )
    .await;
    assert_eq!(fine.status, 200);
    assert_eq!(
        fine.json(),
        json!({ "data": { "todos": { "totalCount": 0 } } })
    );
}

#[tokio::test]
async fn malformed_bodies_get_a_coded_400() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for (content_type, body) in [
        (Some("application/json"), "{not json"),
        (Some("application/json"), r#"{"variables":{}}"#),
        (
            Some("text/plain"),
            r#"{"query":"{ todos { totalCount } }"}"#,
        ),
        (None, r#"{"query":"{ todos { totalCount } }"}"#),
    ] {
        let response = app
            .send_raw(Method::POST, "/graphql", content_type, body)
            .await;
        assert_eq!(response.status, 400, "{content_type:?} {body}");
        assert_eq!(
            tests::error_code(&response.json()),
            Some("GRAPHQL_PARSE_FAILED"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_sdl_is_hidden_with_introspection() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.graphql_introspection = false
    })
    .await;
    assert_eq!(app.get("/schema.graphql").await.status, 404);
}

#[tokio::test]
async fn fields_come_back_in_the_order_they_were_asked_for() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let query = r#"{"query":"{ todos { totalCount } customers { totalCount pageInfo { hasNextPage } nodes { email customerId } } }"}"#;
    let expected = r#"{"data":{"todos":{"totalCount":0},"customers":{"totalCount":1,"pageInfo":{"hasNextPage":false},"nodes":[{"email":"ada@example.com","customerId":1}]}}}"#;
    // Completion order varies from run to run; the query's order must not.
    for _ in 0..20 {
        let response = app
            .send_raw(Method::POST, "/graphql", Some("application/json"), query)
            .await;
        assert_eq!(response.text(), expected);
    }
}

/// `{ todos { totalCount } }` and its SHA-256, as Apollo clients compute it.
const PERSISTED_QUERY: &str = "{ todos { totalCount } }";
const PERSISTED_HASH: &str = "6768aeb9938eeceae25cbf042337e4ea5593a923bfae3477de3cfa5a531f6fd4";

#[tokio::test]
async fn automatic_persisted_queries_follow_apollos_protocol() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let hash_only = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": PERSISTED_HASH } } });

    // Unknown hash: a normal answer (200, also for the modern media type) with the code.
    for accept in ["application/json", "application/graphql-response+json"] {
        let response = post_with_accept(&app, accept, &hash_only.to_string()).await;
        assert_eq!(response.status, 200, "{accept}");
        assert_eq!(
            tests::error_code(&response.json()),
            Some("PERSISTED_QUERY_NOT_FOUND"),
            "{accept}"
        );
    }

    // The query with its hash runs and is remembered; then the hash alone is enough.
    let mut with_query = hash_only.clone();
    with_query["query"] = json!(PERSISTED_QUERY);
    let response = app.post("/graphql", &with_query).await;
    assert_eq!(
        response.json(),
        json!({ "data": { "todos": { "totalCount": 0 } } })
    );
    let response = app.post("/graphql", &hash_only).await;
    assert_eq!(
        response.json(),
        json!({ "data": { "todos": { "totalCount": 0 } } })
    );

    // Also over GET, as Apollo's GET mode sends it.
    let extensions = "%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22"
        .to_owned()
        + PERSISTED_HASH
        + "%22%7D%7D";
    let response = app.get(&format!("/graphql?extensions={extensions}")).await;
    assert_eq!(
        response.json(),
        json!({ "data": { "todos": { "totalCount": 0 } } })
    );

    // A hash that does not match its query is refused.
    let mut wrong = with_query.clone();
    wrong["query"] = json!("{ customers { totalCount } }");
    let body = app.post("/graphql", &wrong).await.json();
    assert_eq!(tests::error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

fn content_type_of(response: &tests::TestResponse) -> &str {
    response
        .header("content-type")
        .and_then(|value| value.split(';').next())
        .unwrap_or_default()
}

db_test!(malformed_parameters_are_400_and_nulls_are_accepted);
/// graphql-http's audits: a body that is not JSON, and a `query`, `operationName`,
/// `variables` or `extensions` of the wrong JSON type are 400 (with either media type);
/// `null` for the optional ones is accepted.
async fn malformed_parameters_are_400_and_nulls_are_accepted(app: TestApp) {
    for accept in ["application/json", "application/graphql-response+json"] {
        for body in [
            r#"{ "not a JSON"#.to_owned(),
            json!({ "notquery": "{ __typename }" }).to_string(),
            json!({ "query": { "obj": "ect" } }).to_string(),
            json!({ "query": 0 }).to_string(),
            json!({ "query": false }).to_string(),
            json!({ "query": ["array"] }).to_string(),
            json!({ "query": "{ __typename }", "operationName": 0 }).to_string(),
            json!({ "query": "{ __typename }", "variables": "string" }).to_string(),
            json!({ "query": "{ __typename }", "variables": ["array"] }).to_string(),
            json!({ "query": "{ __typename }", "extensions": "string" }).to_string(),
            json!({ "query": "{ __typename }", "extensions": false }).to_string(),
        ] {
            let response = post_with_accept(&app, accept, &body).await;
            assert_eq!(response.status, 400, "{accept} {body}");
            assert_eq!(
                tests::error_code(&response.json()),
                Some("GRAPHQL_PARSE_FAILED"),
                "{accept} {body}"
            );
        }
        for parameter in ["variables", "operationName", "extensions"] {
            let mut body = json!({ "query": "{ __typename }" });
            body[parameter] = serde_json::Value::Null;
            let response = post_with_accept(&app, accept, &body.to_string()).await;
            assert_eq!(response.status, 200, "{accept} {parameter}");
            assert_eq!(
                response.json(),
                json!({ "data": { "__typename": "Query" } })
            );
        }
    }
}

db_test!(accept_quality_values_choose_the_media_type);
/// `Accept` is negotiated by quality value, then by order; wildcards and types the
/// endpoint cannot send fall back to plain JSON.
async fn accept_quality_values_choose_the_media_type(app: TestApp) {
    let broken = r#"{"query":"{"}"#;
    for (accept, chosen) in [
        ("application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("text/html", "application/json"),
        (
            "application/graphql-response+json, application/json",
            GRAPHQL_RESPONSE,
        ),
        (
            "application/json, application/graphql-response+json",
            "application/json",
        ),
        (
            "application/json;q=0.5, application/graphql-response+json",
            GRAPHQL_RESPONSE,
        ),
        (
            "application/graphql-response+json;q=0.5, application/json",
            "application/json",
        ),
        (
            "application/json; q=0, application/graphql-response+json; q=0.1",
            GRAPHQL_RESPONSE,
        ),
        ("application/graphql-response+json;q=0", "application/json"),
        (
            "application/graphql-response+json;q=0.9, */*;q=0.1",
            GRAPHQL_RESPONSE,
        ),
        (
            "application/*;q=0.2, application/graphql-response+json;q=0.1",
            "application/json",
        ),
    ] {
        let response = post_with_accept(&app, accept, broken).await;
        assert_eq!(content_type_of(&response), chosen, "{accept}");
        let status = if chosen == GRAPHQL_RESPONSE { 400 } else { 200 };
        assert_eq!(response.status, status, "{accept}");
    }
}

db_test!(field_errors_keep_data_and_a_200_in_both_media_types);
/// Once execution has started, the result is a 200 with its `data` (here `null`, as the
/// failed field is non-null) in both media types; only request errors lose `data`.
async fn field_errors_keep_data_and_a_200_in_both_media_types(app: TestApp) {
    let body = json!({ "query": "mutation { deleteTodo(todoId: 99) { todoId } }" }).to_string();
    for accept in ["application/json", "application/graphql-response+json"] {
        let response = post_with_accept(&app, accept, &body).await;
        assert_eq!(response.status, 200, "{accept}");
        assert_eq!(content_type_of(&response), accept);
        let json = response.json();
        assert_eq!(json.get("data"), Some(&serde_json::Value::Null), "{json}");
        assert_eq!(tests::error_code(&json), Some("NOT_FOUND"), "{json}");
        assert_eq!(json["errors"][0]["path"], json!(["deleteTodo"]), "{json}");
    }

    let too_big = json!({ "query": "{ customers(first: 5000) { totalCount } }" }).to_string();
    let response = post_with_accept(&app, "application/graphql-response+json", &too_big).await;
    assert_eq!(response.status, 200);
    let json = response.json();
    assert_eq!(json.get("data"), Some(&serde_json::Value::Null), "{json}");
    assert_eq!(tests::error_code(&json), Some("BAD_USER_INPUT"), "{json}");
}

db_test!(missing_or_wrong_variables_are_request_errors);
/// Variable coercion failures are request errors: nothing runs (not even the fields that
/// do not use the variable), 400 with no `data` for the modern media type, 200 with
/// `"data": null` for plain JSON.
async fn missing_or_wrong_variables_are_request_errors(app: TestApp) {
    let query = "mutation ($id: Int!) { createTodo(input: { task: \"runs?\" }) { todoId } deleteTodo(todoId: $id) { todoId } }";
    for variables in [json!({}), json!({ "id": null }), json!({ "id": "one" })] {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let modern = post_with_accept(&app, "application/graphql-response+json", &body).await;
        assert_eq!(modern.status, 400, "{variables}");
        let json = modern.json();
        assert!(json.get("data").is_none(), "{json}");
        assert_eq!(tests::error_code(&json), Some("BAD_USER_INPUT"), "{json}");

        let legacy = post_with_accept(&app, "application/json", &body).await;
        assert_eq!(legacy.status, 200, "{variables}");
        let json = legacy.json();
        assert_eq!(json.get("data"), Some(&serde_json::Value::Null), "{json}");
        assert_eq!(tests::error_code(&json), Some("BAD_USER_INPUT"), "{json}");
    }
    let missing = post_with_accept(
        &app,
        "application/json",
        &json!({ "query": query }).to_string(),
    )
    .await
    .json();
    assert_eq!(
        missing["errors"][0]["message"],
        json!("Variable \"$id\" of required type \"Int!\" was not provided."),
        "{missing}"
    );
    // None of those requests ran the mutation.
    let todos = app
        .graphql_data("{ todos { totalCount } }", json!({}))
        .await;
    assert_eq!(todos, json!({ "todos": { "totalCount": 0 } }));

    // A default or a nullable type makes a variable optional.
    let optional = "query ($id: Int! = 1, $first: Int) { customer(customerId: $id) { customerId } customers(first: $first) { totalCount } }";
    let data = app.graphql_data(optional, json!({})).await;
    assert_eq!(
        data,
        json!({ "customer": null, "customers": { "totalCount": 0 } })
    );
}

db_test!(get_without_a_query_is_a_400);
/// A GET with no `query` (and no persisted query's hash) is malformed, as a POST is.
async fn get_without_a_query_is_a_400(app: TestApp) {
    for path in ["/graphql", "/graphql?variables=%7B%7D", "/graphql?query="] {
        let response = app.get(path).await;
        assert_eq!(response.status, 400, "{path}");
        assert_eq!(content_type_of(&response), "application/json", "{path}");
        assert_eq!(
            tests::error_code(&response.json()),
            Some("GRAPHQL_PARSE_FAILED"),
            "{path}"
        );
    }
    let modern = app
        .send(
            Request::builder()
                .method(Method::GET)
                .uri("/graphql")
                .header(header::ACCEPT, "application/graphql-response+json")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(modern.status, 400);
    assert_eq!(
        content_type_of(&modern),
        "application/graphql-response+json"
    );
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
