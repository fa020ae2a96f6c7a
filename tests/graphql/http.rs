//! GraphQL over HTTP: GET for queries only, GraphiQL for browsers, the SDL endpoint.

use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::json;
use tests::{Backend, TestApp};

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
