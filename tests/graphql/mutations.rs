//! The six mutations, patch semantics, and the errors they give.

use serde_json::json;
use tests::{TestApp, db_test, error_code};

const CREATE_CUSTOMER: &str = "mutation($input: CreateCustomerInput!) {
    createCustomer(input: $input) { customerId firstName middleName lastName suffix email phone }
}";
const UPDATE_CUSTOMER: &str = "mutation($id: Int!, $patch: CustomerPatch!) {
    updateCustomer(customerId: $id, patch: $patch) { customerId firstName middleName lastName suffix email phone }
}";

db_test!(create_update_delete_customer);
async fn create_update_delete_customer(app: TestApp) {
    let created = app
        .graphql_data(
            CREATE_CUSTOMER,
            json!({ "input": { "firstName": "Alan", "middleName": "Mathison", "lastName": "Turing",
                               "suffix": "OBE", "email": "alan@Example.COM", "phone": "555" } }),
        )
        .await["createCustomer"]
        .clone();
    let id = created["customerId"].as_i64().expect("id");
    assert_eq!(created["email"], "alan@example.com");

    // Omitted fields stay; explicit null clears an optional field.
    let updated = app
        .graphql_data(
            UPDATE_CUSTOMER,
            json!({ "id": id, "patch": { "firstName": "A.", "suffix": null } }),
        )
        .await["updateCustomer"]
        .clone();
    assert_eq!(
        updated,
        json!({ "customerId": id, "firstName": "A.", "middleName": "Mathison", "lastName": "Turing",
                "suffix": null, "email": "alan@example.com", "phone": "555" })
    );
    // The REST view agrees.
    assert_eq!(
        app.get(&format!("/v1/customers/{id}")).await.json()["suffix"],
        json!(null)
    );

    // An empty patch changes nothing but still needs the customer to exist.
    let same = app
        .graphql_data(UPDATE_CUSTOMER, json!({ "id": id, "patch": {} }))
        .await;
    assert_eq!(same["updateCustomer"], updated);

    let deleted = app
        .graphql_data(
            "mutation($id: Int!) { deleteCustomer(customerId: $id) { customerId email } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        deleted["deleteCustomer"],
        json!({ "customerId": id, "email": "alan@example.com" })
    );
    assert_eq!(app.get(&format!("/v1/customers/{id}")).await.status, 404);
}

db_test!(customer_mutation_errors_have_codes_and_fields);
async fn customer_mutation_errors_have_codes_and_fields(app: TestApp) {
    app.create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let other = app.create_customer("Bob", "B", "bob@example.com").await;
    let other_id = other["customer_id"].clone();
    let rows_before = app.get("/v1/customers").await.json();

    let cases = [
        (
            CREATE_CUSTOMER,
            json!({ "input": { "firstName": "X", "lastName": "Y", "email": "ADA@example.com".to_lowercase() } }),
            "CONFLICT",
            Some("email"),
        ),
        (
            CREATE_CUSTOMER,
            json!({ "input": { "firstName": "X", "lastName": "Y", "email": "ada@EXAMPLE.COM" } }),
            "CONFLICT",
            Some("email"),
        ),
        (
            CREATE_CUSTOMER,
            json!({ "input": { "firstName": " ", "lastName": "Y", "email": "x@example.com" } }),
            "BAD_USER_INPUT",
            Some("firstName"),
        ),
        (
            CREATE_CUSTOMER,
            json!({ "input": { "firstName": "X", "lastName": "", "email": "x@example.com" } }),
            "BAD_USER_INPUT",
            Some("lastName"),
        ),
        (
            CREATE_CUSTOMER,
            json!({ "input": { "firstName": "X", "lastName": "Y", "email": "not-an-email" } }),
            "BAD_USER_INPUT",
            Some("email"),
        ),
        (
            CREATE_CUSTOMER,
            json!({ "input": { "firstName": "X\u{0}", "lastName": "Y", "email": "x@example.com" } }),
            "BAD_USER_INPUT",
            Some("firstName"),
        ),
        (
            UPDATE_CUSTOMER,
            json!({ "id": other_id, "patch": { "email": "ada@example.com" } }),
            "CONFLICT",
            Some("email"),
        ),
        (
            UPDATE_CUSTOMER,
            json!({ "id": other_id, "patch": { "firstName": null } }),
            "BAD_USER_INPUT",
            Some("firstName"),
        ),
        (
            UPDATE_CUSTOMER,
            json!({ "id": other_id, "patch": { "email": null } }),
            "BAD_USER_INPUT",
            Some("email"),
        ),
        (
            UPDATE_CUSTOMER,
            json!({ "id": 999_999, "patch": { "firstName": "Z" } }),
            "NOT_FOUND",
            None,
        ),
        (
            "mutation { deleteCustomer(customerId: 999999) { customerId } }",
            json!({}),
            "NOT_FOUND",
            None,
        ),
    ];
    for (query, variables, code, field) in cases {
        let body = app.graphql(query, variables.clone()).await;
        assert_eq!(error_code(&body), Some(code), "{variables}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"].as_str(),
            field,
            "{variables}: {body}"
        );
        assert_eq!(body["data"], json!(null), "{variables}");
    }
    // Nothing was written by any of the failed mutations.
    assert_eq!(app.get("/v1/customers").await.json(), rows_before);
}

db_test!(create_update_delete_todo_with_patch_semantics);
async fn create_update_delete_todo_with_patch_semantics(app: TestApp) {
    let customer = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let customer_id = customer["customer_id"].clone();
    let created = app
        .graphql_data(
            "mutation($input: CreateTodoInput!) { createTodo(input: $input) { todoId task status customerId } }",
            json!({ "input": { "task": "Write notes", "customerId": customer_id } }),
        )
        .await["createTodo"]
        .clone();
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["customerId"], customer_id);
    let id = created["todoId"].clone();

    let update = "mutation($id: Int!, $patch: TodoPatch!) { updateTodo(todoId: $id, patch: $patch) { todoId task status customerId } }";
    let moved = app
        .graphql_data(
            update,
            json!({ "id": id, "patch": { "status": "IN_PROCESS" } }),
        )
        .await["updateTodo"]
        .clone();
    assert_eq!(
        moved,
        json!({ "todoId": id, "task": "Write notes", "status": "IN_PROCESS", "customerId": customer_id })
    );
    // Stored as the seed's string: the REST view shows it.
    assert_eq!(
        app.get(&format!("/api/v1/todos/{id}")).await.json()["status"],
        "In Process"
    );

    let unlinked = app
        .graphql_data(
            update,
            json!({ "id": id, "patch": { "customerId": null, "task": "Notes" } }),
        )
        .await["updateTodo"]
        .clone();
    assert_eq!(
        unlinked,
        json!({ "todoId": id, "task": "Notes", "status": "IN_PROCESS", "customerId": null })
    );

    for (patch, code, field) in [
        (json!({ "task": null }), "BAD_USER_INPUT", Some("task")),
        (json!({ "status": null }), "BAD_USER_INPUT", Some("status")),
        (json!({ "task": "  " }), "BAD_USER_INPUT", Some("task")),
        (
            json!({ "customerId": 424_242 }),
            "BAD_USER_INPUT",
            Some("customerId"),
        ),
    ] {
        let body = app
            .graphql(update, json!({ "id": id, "patch": patch }))
            .await;
        assert_eq!(error_code(&body), Some(code), "{patch}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"].as_str(),
            field,
            "{patch}"
        );
    }
    let body = app
        .graphql(update, json!({ "id": 999_999, "patch": { "task": "x" } }))
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));

    let body = app
        .graphql(
            "mutation($input: CreateTodoInput!) { createTodo(input: $input) { todoId } }",
            json!({ "input": { "task": "x", "customerId": 424_242 } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(body["errors"][0]["extensions"]["field"], "customerId");

    let deleted = app
        .graphql_data(
            "mutation($id: Int!) { deleteTodo(todoId: $id) { todoId task } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        deleted["deleteTodo"],
        json!({ "todoId": id, "task": "Notes" })
    );
    let body = app
        .graphql(
            "mutation($id: Int!) { deleteTodo(todoId: $id) { todoId } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
    // Only the one todo existed, and it is gone.
    assert_eq!(app.get("/api/v1/todos").await.json(), json!([]));
}

db_test!(deleting_a_customer_keeps_its_todos_unlinked);
async fn deleting_a_customer_keeps_its_todos_unlinked(app: TestApp) {
    let customer = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let todo = app
        .create_todo("Keep me", customer["customer_id"].as_i64())
        .await;
    app.graphql_data(
        "mutation($id: Int!) { deleteCustomer(customerId: $id) { customerId } }",
        json!({ "id": customer["customer_id"] }),
    )
    .await;
    let data = app
        .graphql_data(
            "query($id: Int!) { todo(todoId: $id) { task customerId customer { customerId } } }",
            json!({ "id": todo["id"] }),
        )
        .await;
    assert_eq!(
        data["todo"],
        json!({ "task": "Keep me", "customerId": null, "customer": null })
    );
}
