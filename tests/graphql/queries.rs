//! Look-ups by key, by email and by global id.

use serde_json::json;
use tests::{TestApp, db_test, error_code};

db_test!(customer_by_id_and_email_and_missing_ones_are_null);
async fn customer_by_id_and_email_and_missing_ones_are_null(app: TestApp) {
    let created = app
        .create_customer("Ada", "Lovelace", "ada@Example.COM")
        .await;
    let id = created["customer_id"].as_i64().expect("id");

    let data = app
        .graphql_data(
            "query($id: Int!, $email: String!) {
                byId: customer(customerId: $id) { customerId firstName middleName lastName suffix email phone createdAt updatedAt }
                byEmail: customerByEmail(email: $email) { customerId }
                missing: customer(customerId: 987654) { customerId }
                missingEmail: customerByEmail(email: \"nobody@example.com\") { customerId }
                notAnEmail: customerByEmail(email: \"not-an-email\") { customerId }
            }",
            json!({ "id": id, "email": "ada@EXAMPLE.com" }),
        )
        .await;

    assert_eq!(data["byId"]["customerId"], json!(id));
    assert_eq!(data["byId"]["firstName"], "Ada");
    assert_eq!(data["byId"]["middleName"], json!(null));
    assert_eq!(data["byId"]["email"], "ada@example.com");
    assert!(
        data["byId"]["createdAt"]
            .as_str()
            .expect("createdAt")
            .ends_with('Z')
            || data["byId"]["createdAt"]
                .as_str()
                .expect("createdAt")
                .contains("+00:00")
    );
    assert_eq!(data["byEmail"]["customerId"], json!(id));
    assert_eq!(data["missing"], json!(null));
    assert_eq!(data["missingEmail"], json!(null));
    assert_eq!(data["notAnEmail"], json!(null));
}

db_test!(todo_by_id_with_its_customer);
async fn todo_by_id_with_its_customer(app: TestApp) {
    let customer = app
        .create_customer("Grace", "Hopper", "grace@example.com")
        .await;
    let linked = app
        .create_todo("Write compiler", customer["customer_id"].as_i64())
        .await;
    let loose = app.create_todo("Unlinked", None).await;

    let data = app
        .graphql_data(
            "query($a: Int!, $b: Int!) {
                linked: todo(todoId: $a) { todoId task status customerId customer { email } }
                loose: todo(todoId: $b) { todoId customerId customer { email } }
                missing: todo(todoId: 424242) { todoId }
            }",
            json!({ "a": linked["id"], "b": loose["id"] }),
        )
        .await;

    assert_eq!(
        data["linked"],
        json!({
            "todoId": linked["id"], "task": "Write compiler", "status": "PENDING",
            "customerId": customer["customer_id"], "customer": { "email": "grace@example.com" }
        })
    );
    assert_eq!(data["loose"]["customer"], json!(null));
    assert_eq!(data["loose"]["customerId"], json!(null));
    assert_eq!(data["missing"], json!(null));
}

db_test!(stored_status_strings_map_to_enum_values);
async fn stored_status_strings_map_to_enum_values(app: TestApp) {
    for (rest, graphql) in [
        ("Pending", "PENDING"),
        ("Completed", "COMPLETED"),
        ("In Process", "IN_PROCESS"),
    ] {
        let todo = app
            .post("/api/v1/todos", &json!({ "task": "t", "status": rest }))
            .await
            .json();
        let data = app
            .graphql_data(
                "query($id: Int!) { todo(todoId: $id) { status } }",
                json!({ "id": todo["id"] }),
            )
            .await;
        assert_eq!(data["todo"]["status"], graphql, "{rest}");
    }
}

db_test!(node_and_nodes_fetch_by_global_id);
async fn node_and_nodes_fetch_by_global_id(app: TestApp) {
    let customer = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let todo = app
        .create_todo("Task", customer["customer_id"].as_i64())
        .await;
    let ids = app
        .graphql_data(
            "query($c: Int!, $t: Int!) { customer(customerId: $c) { id } todo(todoId: $t) { id } }",
            json!({ "c": customer["customer_id"], "t": todo["id"] }),
        )
        .await;
    let customer_gid = ids["customer"]["id"]
        .as_str()
        .expect("customer id")
        .to_owned();
    let todo_gid = ids["todo"]["id"].as_str().expect("todo id").to_owned();
    assert_ne!(customer_gid, todo_gid);

    // A deleted row's id still decodes but resolves to null.
    let gone = app
        .create_customer("Gone", "Soon", "gone@example.com")
        .await;
    let gone_gid = app
        .graphql_data(
            "query($c: Int!) { customer(customerId: $c) { id } }",
            json!({ "c": gone["customer_id"] }),
        )
        .await["customer"]["id"]
        .clone();
    assert_eq!(
        app.delete(&format!("/v1/customers/{}", gone["customer_id"]))
            .await
            .status,
        204
    );

    let data = app
        .graphql_data(
            "query($c: ID!, $ids: [ID!]!) {
                node(id: $c) { id ... on Customer { email } }
                nodes(ids: $ids) { __typename id ... on Todo { task } ... on Customer { email } }
            }",
            json!({ "c": customer_gid, "ids": [todo_gid, customer_gid, gone_gid] }),
        )
        .await;
    assert_eq!(
        data["node"],
        json!({ "id": customer_gid, "email": "ada@example.com" })
    );
    assert_eq!(
        data["nodes"],
        json!([
            { "__typename": "Todo", "id": todo_gid, "task": "Task" },
            { "__typename": "Customer", "id": customer_gid, "email": "ada@example.com" },
            null
        ])
    );

    for bad in ["not-an-id", "", "Q3VzdG9tZXI6eA"] {
        let body = app
            .graphql(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": bad }),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{bad}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "id");
    }
}
