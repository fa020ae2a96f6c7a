//! What every write does the same way: the rules it reports and the time it stamps.

use serde_json::{Value, json};
use tests::{TestApp, db_test, error_code};

/// How many digits follow the seconds in an RFC 3339 timestamp.
fn fraction_digits(timestamp: &Value) -> usize {
    let text = timestamp.as_str().expect("a timestamp");
    let seconds = text.split_once('.').map_or("", |(_, rest)| rest);
    seconds.chars().take_while(char::is_ascii_digit).count()
}

db_test!(an_update_reports_every_broken_rule_at_once);
async fn an_update_reports_every_broken_rule_at_once(app: TestApp) {
    let customer = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let id = customer["customer_id"].clone();
    let body = app
        .graphql(
            "mutation($id: Int!, $patch: CustomerPatch!) {
                updateCustomer(customerId: $id, patch: $patch) { customerId }
            }",
            json!({ "id": id, "patch": { "firstName": " ", "email": "not-an-email", "phone": "a\u{0}b" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let error = &body["errors"][0];
    // Like `createCustomer`: the first problem in field order names the field, the message
    // lists each one.
    assert_eq!(error["extensions"]["field"], "firstName", "{body}");
    let message = error["message"].as_str().expect("a message");
    assert_eq!(
        message,
        "firstName: must not be blank; \
         email: value is not a valid email address: An email address must have an @-sign.; \
         phone: must not contain a NUL character",
    );
    // Nothing was written.
    assert_eq!(
        app.get(&format!("/v1/customers/{id}")).await.json(),
        customer
    );
}

db_test!(every_write_stamps_the_time_as_the_database_keeps_it);
async fn every_write_stamps_the_time_as_the_database_keeps_it(app: TestApp) {
    let created = app
        .graphql_data(
            "mutation { createTodo(input: { task: \"Write\" }) { todoId createdAt updatedAt } }",
            json!({}),
        )
        .await["createTodo"]
        .clone();
    let updated = app
        .graphql_data(
            "mutation($id: Int!) { updateTodo(todoId: $id, patch: { task: \"Rewrite\" }) { updatedAt } }",
            json!({ "id": created["todoId"] }),
        )
        .await["updateTodo"]
        .clone();
    let customer = app
        .graphql_data(
            "mutation {
                createCustomer(input: { firstName: \"A\", lastName: \"B\", email: \"a@example.com\" }) { customerId }
            }",
            json!({}),
        )
        .await["createCustomer"]
        .clone();
    let customer_updated = app
        .graphql_data(
            "mutation($id: Int!) { updateCustomer(customerId: $id, patch: { firstName: \"C\" }) { updatedAt } }",
            json!({ "id": customer["customerId"] }),
        )
        .await["updateCustomer"]
        .clone();
    for stamp in [
        &created["createdAt"],
        &created["updatedAt"],
        &updated["updatedAt"],
        &customer_updated["updatedAt"],
    ] {
        assert!(
            fraction_digits(stamp) <= 6,
            "more precision than stored: {stamp}"
        );
    }
    // What a write returns is what a later read gives.
    let read = app
        .graphql_data(
            "query($id: Int!) { todo(todoId: $id) { createdAt updatedAt } }",
            json!({ "id": created["todoId"] }),
        )
        .await["todo"]
        .clone();
    assert_eq!(read["createdAt"], created["createdAt"]);
    assert_eq!(read["updatedAt"], updated["updatedAt"]);
}
