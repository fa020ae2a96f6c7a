//! Bulk creates are all or nothing; upsert is keyed by the stored email.

use serde_json::json;
use tests::{TestApp, db_test, error_code};

const CREATE_CUSTOMERS: &str = "mutation($inputs: [CreateCustomerInput!]!) {
    createCustomers(inputs: $inputs) { customerId email }
}";
const CREATE_TODOS: &str = "mutation($inputs: [CreateTodoInput!]!) {
    createTodos(inputs: $inputs) { todoId task customerId }
}";
const UPSERT: &str = "mutation($input: CreateCustomerInput!) {
    upsertCustomer(input: $input) { customerId firstName email phone }
}";

fn customer(first: &str, email: &str) -> serde_json::Value {
    json!({ "firstName": first, "lastName": "L", "email": email })
}

db_test!(create_customers_is_all_or_nothing);
async fn create_customers_is_all_or_nothing(app: TestApp) {
    let data = app
        .graphql_data(
            CREATE_CUSTOMERS,
            json!({ "inputs": [customer("A", "a@example.com"), customer("B", "b@EXAMPLE.com")] }),
        )
        .await;
    assert_eq!(
        data["createCustomers"],
        json!([{ "customerId": 1, "email": "a@example.com" }, { "customerId": 2, "email": "b@example.com" }])
    );

    for (inputs, code, index, field) in [
        // A duplicate within the batch (after normalisation).
        (
            json!([
                customer("C", "c@example.com"),
                customer("D", "c@Example.COM")
            ]),
            "CONFLICT",
            1,
            "email",
        ),
        // A duplicate of a stored customer.
        (
            json!([
                customer("E", "e@example.com"),
                customer("F", "a@example.com")
            ]),
            "CONFLICT",
            1,
            "email",
        ),
        // A rule broken by the third item.
        (
            json!([
                customer("G", "g@example.com"),
                customer("H", "h@example.com"),
                customer(" ", "i@example.com")
            ]),
            "BAD_USER_INPUT",
            2,
            "firstName",
        ),
    ] {
        let body = app
            .graphql(CREATE_CUSTOMERS, json!({ "inputs": inputs }))
            .await;
        assert_eq!(error_code(&body), Some(code), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["index"], index, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    // Nothing of the failed batches was written.
    let count = app
        .graphql_data("{ customers { totalCount } }", json!({}))
        .await;
    assert_eq!(count["customers"]["totalCount"], 2);
}

db_test!(create_todos_is_all_or_nothing);
async fn create_todos_is_all_or_nothing(app: TestApp) {
    let owner = app.create_customer("A", "B", "a@example.com").await;
    let data = app
        .graphql_data(
            CREATE_TODOS,
            json!({ "inputs": [
            { "task": "one", "customerId": owner["customer_id"] }, { "task": "two" }
        ] }),
        )
        .await;
    assert_eq!(
        data["createTodos"],
        json!([{ "todoId": 1, "task": "one", "customerId": owner["customer_id"] }, { "todoId": 2, "task": "two", "customerId": null }])
    );
    let body = app
        .graphql(
            CREATE_TODOS,
            json!({ "inputs": [{ "task": "three" }, { "task": "four", "customerId": 999 }] }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["index"], 1);
    assert_eq!(body["errors"][0]["extensions"]["field"], "customerId");
    assert_eq!(
        app.get("/api/v1/todos")
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

db_test!(upsert_creates_then_updates_by_email);
async fn upsert_creates_then_updates_by_email(app: TestApp) {
    let created = app
        .graphql_data(UPSERT, json!({ "input": { "firstName": "Ada", "lastName": "L", "email": "ada@Example.com", "phone": "1" } }))
        .await["upsertCustomer"]
        .clone();
    assert_eq!(
        created,
        json!({ "customerId": 1, "firstName": "Ada", "email": "ada@example.com", "phone": "1" })
    );

    let updated = app
        .graphql_data(UPSERT, json!({ "input": { "firstName": "Augusta", "lastName": "L", "email": "ADA@example.COM".replace("ADA", "ada") } }))
        .await["upsertCustomer"]
        .clone();
    // Same customer; every other field replaced (phone omitted, so cleared).
    assert_eq!(
        updated,
        json!({ "customerId": 1, "firstName": "Augusta", "email": "ada@example.com", "phone": null })
    );
    assert_eq!(
        app.get("/v1/customers")
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    let body = app
        .graphql(UPSERT, json!({ "input": customer("X", "not-an-email") }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
}

db_test!(upsert_reports_created_then_updated_to_subscribers);
async fn upsert_reports_created_then_updated_to_subscribers(app: TestApp) {
    let mut events = app.subscribe("subscription { customerChanged { kind customerId } }");
    app.until_subscribed(1, 0).await;
    for first in ["Ada", "Augusta"] {
        app.graphql_data(
            UPSERT,
            json!({ "input": customer(first, "ada@example.com") }),
        )
        .await;
    }
    for kind in ["CREATED", "UPDATED"] {
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), events.recv())
            .await
            .expect("an event")
            .expect("open");
        assert_eq!(
            event,
            json!({ "customerChanged": { "kind": kind, "customerId": 1 } })
        );
    }
}

#[tokio::test]
async fn oversized_batches_are_refused() {
    let app = TestApp::spawn_with(tests::Backend::Sqlite, |config| {
        config.graphql_default_page_size = 2;
        config.graphql_max_page_size = 2;
    })
    .await;
    let inputs: Vec<_> = (0..3)
        .map(|n| customer("A", &format!("{n}@example.com")))
        .collect();
    let body = app
        .graphql(CREATE_CUSTOMERS, json!({ "inputs": inputs }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "inputs");
}
