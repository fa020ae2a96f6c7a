//! Input coercion as the GraphQL spec has it, on every transport: a variable the request
//! leaves out (as Apollo and urql do with `undefined`) leaves its input field out, so a
//! patch keeps the field and a create gets the field's default; only an explicit `null`
//! clears. And the codes say whose mistake an input is: the document's
//! (`GRAPHQL_VALIDATION_FAILED`) or the variables' (`BAD_USER_INPUT`).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tests::{TestApp, db_test, error_code};

/// The edit form of the issue: every field a variable, only the touched ones sent.
const EDIT: &str = "mutation Edit($id: Int!, $firstName: String, $middleName: String, $phone: String) {
    updateCustomer(customerId: $id, patch: {firstName: $firstName, middleName: $middleName, phone: $phone}) {
        firstName middleName phone
    }
}";

/// A customer with every optional field set; returns its number.
async fn full_customer(app: &TestApp, email: &str) -> i64 {
    let data = app
        .graphql_data(
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customerId } }",
            json!({ "input": {
                "firstName": "Grace", "middleName": "Brewster", "lastName": "Hopper",
                "suffix": "RADM", "email": email, "phone": "555-0100"
            } }),
        )
        .await;
    data["createCustomer"]["customerId"].as_i64().expect("id")
}

/// The customer as stored, read back separately.
async fn stored(app: &TestApp, id: i64) -> Value {
    app.graphql_data(
        "query($id: Int!) { customer(customerId: $id) { firstName middleName lastName suffix phone } }",
        json!({ "id": id }),
    )
    .await["customer"]
        .clone()
}

db_test!(an_edit_form_that_sends_only_the_changed_fields_keeps_the_others);
async fn an_edit_form_that_sends_only_the_changed_fields_keeps_the_others(app: TestApp) {
    let id = full_customer(&app, "grace@example.com").await;
    let data = app
        .graphql_data(EDIT, json!({ "id": id, "firstName": "Edited" }))
        .await;
    assert_eq!(
        data["updateCustomer"],
        json!({ "firstName": "Edited", "middleName": "Brewster", "phone": "555-0100" })
    );
    assert_eq!(
        stored(&app, id).await,
        json!({ "firstName": "Edited", "middleName": "Brewster", "lastName": "Hopper",
                "suffix": "RADM", "phone": "555-0100" })
    );
    // An explicit null clears; the other left-out fields stay.
    let data = app
        .graphql_data(EDIT, json!({ "id": id, "middleName": null }))
        .await;
    assert_eq!(
        data["updateCustomer"],
        json!({ "firstName": "Edited", "middleName": null, "phone": "555-0100" })
    );
    // A required field left out is kept, not refused as null.
    let required = "mutation($id: Int!, $lastName: String, $phone: String) {
        updateCustomer(customerId: $id, patch: {lastName: $lastName, phone: $phone}) { lastName phone } }";
    let data = app
        .graphql_data(required, json!({ "id": id, "phone": "555-0199" }))
        .await;
    assert_eq!(
        data["updateCustomer"],
        json!({ "lastName": "Hopper", "phone": "555-0199" })
    );
    // An explicit null for a required field is still the client's error.
    let body = app
        .graphql(required, json!({ "id": id, "lastName": null }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "lastName",
        "{body}"
    );
}

db_test!(a_left_out_status_gets_the_fields_default);
async fn a_left_out_status_gets_the_fields_default(app: TestApp) {
    let create = "mutation($task: String!, $status: TodoStatus) {
        createTodo(input: {task: $task, status: $status}) { task status } }";
    let data = app.graphql_data(create, json!({ "task": "write" })).await;
    assert_eq!(
        data["createTodo"],
        json!({ "task": "write", "status": "PENDING" })
    );
    let data = app
        .graphql_data(create, json!({ "task": "ship", "status": "COMPLETED" }))
        .await;
    assert_eq!(data["createTodo"]["status"], "COMPLETED");
    // The variable's own default comes before the field's.
    let with_default = "mutation($task: String!, $status: TodoStatus = IN_PROCESS) {
        createTodo(input: {task: $task, status: $status}) { status } }";
    let data = app
        .graphql_data(with_default, json!({ "task": "review" }))
        .await;
    assert_eq!(data["createTodo"]["status"], "IN_PROCESS");
    // A patch that leaves status out keeps it.
    let todo_id = app.create_todo("keep status", None).await["id"]
        .as_i64()
        .expect("id");
    let patch = "mutation($id: Int!, $task: String, $status: TodoStatus, $customerId: Int) {
        updateTodo(todoId: $id, patch: {task: $task, status: $status, customerId: $customerId}) {
            task status customerId } }";
    app.graphql_data(patch, json!({ "id": todo_id, "status": "COMPLETED" }))
        .await;
    let customer = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let data = app
        .graphql_data(
            patch,
            json!({ "id": todo_id, "customerId": customer["customer_id"] }),
        )
        .await;
    assert_eq!(
        data["updateTodo"],
        json!({ "task": "keep status", "status": "COMPLETED", "customerId": customer["customer_id"] })
    );
}

db_test!(lists_of_input_objects_and_filters_leave_fields_out_too);
async fn lists_of_input_objects_and_filters_leave_fields_out_too(app: TestApp) {
    let create = "mutation($first: String!, $status: TodoStatus, $second: String!) {
        createTodos(inputs: [{task: $first, status: $status}, {task: $second, status: $status}]) {
            task status } }";
    let data = app
        .graphql_data(create, json!({ "first": "a", "second": "b" }))
        .await;
    assert_eq!(
        data["createTodos"],
        json!([{ "task": "a", "status": "PENDING" }, { "task": "b", "status": "PENDING" }])
    );
    let customers = "mutation($one: String!, $two: String!, $middle: String) {
        createCustomers(inputs: [
            {firstName: \"A\", lastName: \"Same\", email: $one, middleName: $middle},
            {firstName: \"B\", lastName: \"Same\", email: $two}
        ]) { firstName middleName } }";
    let data = app
        .graphql_data(
            customers,
            json!({ "one": "a@example.com", "two": "b@example.com" }),
        )
        .await;
    assert_eq!(
        data["createCustomers"][0],
        json!({ "firstName": "A", "middleName": null })
    );
    // A filter and an order built from variables, some left out: those conditions are absent.
    let query = "query($last: String, $first: String, $order: [CustomerOrderBy!]) {
        customers(filter: {and: [{lastName: {eq: $last}}, {firstName: {eq: $first}}]}, orderBy: $order) {
            nodes { firstName } } }";
    let data = app.graphql_data(query, json!({ "last": "Same" })).await;
    assert_eq!(
        data["customers"]["nodes"],
        json!([{ "firstName": "A" }, { "firstName": "B" }])
    );
    let data = app
        .graphql_data(
            query,
            json!({ "last": "Same", "order": ["FIRST_NAME_DESC"] }),
        )
        .await;
    assert_eq!(
        data["customers"]["nodes"],
        json!([{ "firstName": "B" }, { "firstName": "A" }])
    );
    // A nullable variable as a non-null list item is the document's mistake, sent or not.
    let misplaced =
        "query($o: CustomerOrderBy) { customers(orderBy: [$o, CUSTOMER_ID_ASC]) { totalCount } }";
    for variables in [json!({}), json!({ "o": "EMAIL_ASC" })] {
        let body = app.graphql(misplaced, variables).await;
        assert_eq!(
            error_code(&body),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "{body}"
        );
    }
}

db_test!(batches_and_persisted_queries_leave_fields_out_too);
async fn batches_and_persisted_queries_leave_fields_out_too(app: TestApp) {
    let id = full_customer(&app, "batch@example.com").await;
    let batch = json!([
        { "query": EDIT, "variables": { "id": id, "phone": "555-0123" } },
        { "query": "mutation($t: String!, $s: TodoStatus) { createTodo(input: {task: $t, status: $s}) { status } }",
          "variables": { "t": "batched" } },
    ]);
    let response = app.post("/graphql", &batch).await;
    assert_eq!(response.status, StatusCode::OK);
    let body = response.json();
    assert_eq!(
        body[0]["data"]["updateCustomer"],
        json!({ "firstName": "Grace", "middleName": "Brewster", "phone": "555-0123" }),
        "{body}"
    );
    assert_eq!(body[1]["data"]["createTodo"]["status"], "PENDING", "{body}");

    // Automatic persisted query: register it, then send the hash alone.
    let hash = format!("{:x}", Sha256::digest(EDIT.as_bytes()));
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let register = json!({ "query": EDIT, "variables": { "id": id, "firstName": "Once" }, "extensions": extensions });
    let response = app.post("/graphql", &register).await;
    assert!(
        response.json().get("errors").is_none(),
        "{}",
        response.text()
    );
    let by_hash =
        json!({ "variables": { "id": id, "firstName": "Twice" }, "extensions": extensions });
    let body = app.post("/graphql", &by_hash).await.json();
    assert_eq!(
        body["data"]["updateCustomer"],
        json!({ "firstName": "Twice", "middleName": "Brewster", "phone": "555-0123" }),
        "{body}"
    );
}

db_test!(get_requests_go_through_the_same_coercion);
async fn get_requests_go_through_the_same_coercion(app: TestApp) {
    app.create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let query =
        "query($first: String) { customers(filter: {firstName: {eq: $first}}) { totalCount } }";
    let url = format!("/graphql?query={}", percent(query));
    let response = app.get(&url).await;
    assert_eq!(
        response.json(),
        json!({ "data": { "customers": { "totalCount": 1 } } })
    );
    // A literal the schema does not know is a validation error: 400 with the new media type.
    let literal = "{ customers(filter: {firstName: {like: \"a\"}}) { totalCount } }";
    let request = axum::http::Request::builder()
        .method(Method::GET)
        .uri(format!("/graphql?query={}", percent(literal)))
        .header("accept", "application/graphql-response+json")
        .body(axum::body::Body::empty())
        .expect("request");
    let response = app.send(request).await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.text()
    );
    assert_eq!(
        error_code(&response.json()),
        Some("GRAPHQL_VALIDATION_FAILED")
    );
    assert!(response.json().get("data").is_none());
}

fn percent(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

db_test!(the_document_and_the_variables_get_their_own_codes);
async fn the_document_and_the_variables_get_their_own_codes(app: TestApp) {
    // Written in the document: validation errors, whatever the value.
    let literals = [
        "{ customers(filter: {firstName: {like: \"a\"}}) { totalCount } }",
        "{ customers(orderBy: [NOPE_ASC]) { totalCount } }",
        "{ todos(filter: {status: {eq: \"PENDING\"}}) { totalCount } }",
        "{ todos(filter: {status: {isNull: true}}) { totalCount } }",
        "{ customers(first: \"ten\") { totalCount } }",
        "{ customers(filter: {createdAt: {gt: \"yesterday\"}}) { totalCount } }",
        "mutation { createTodo(input: {status: PENDING}) { id } }",
    ];
    for query in literals {
        let response = app
            .send_raw(
                Method::POST,
                "/graphql",
                Some("application/json"),
                json!({ "query": query }).to_string().into_bytes(),
            )
            .await;
        let body = response.json();
        assert_eq!(
            error_code(&body),
            Some("GRAPHQL_VALIDATION_FAILED"),
            "{query}: {body}"
        );
        assert!(body["errors"][0]["locations"].is_array(), "{query}: {body}");
    }
    // Sent as variables: the client's input, naming the field.
    let filter = "query($f: CustomerFilter) { customers(filter: $f) { totalCount } }";
    let todos = "query($f: TodoFilter) { todos(filter: $f) { totalCount } }";
    let cases = [
        (
            filter,
            json!({ "f": { "firstName": { "like": "a" } } }),
            "firstName",
        ),
        (todos, json!({ "f": { "status": { "eq": "DONE" } } }), "eq"),
        (
            todos,
            json!({ "f": { "status": { "eq": "PENDING" }, "task": { "in": ["a", 1] } } }),
            "in",
        ),
        (
            filter,
            json!({ "f": { "createdAt": { "gt": "yesterday" } } }),
            "gt",
        ),
        (
            "query($id: Int!) { customer(customerId: $id) { customerId } }",
            json!({ "id": "seven" }),
            "id",
        ),
        (
            "query($id: Int!) { customer(customerId: $id) { customerId } }",
            json!({ "id": 4_294_967_296_i64 }),
            "id",
        ),
        (
            "query($id: Int!) { customer(customerId: $id) { customerId } }",
            json!({}),
            "id",
        ),
        (
            "mutation($i: CreateTodoInput!) { createTodo(input: $i) { id } }",
            json!({ "i": { "status": "PENDING" } }),
            "task",
        ),
        // Allowed where the field has a default, but an explicit null does not fit it.
        (
            "mutation($t: String!, $s: TodoStatus) { createTodo(input: {task: $t, status: $s}) { id } }",
            json!({ "t": "x", "s": null }),
            "status",
        ),
    ];
    for (query, variables, field) in cases {
        let body = app.graphql(query, variables.clone()).await;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "{variables}: {body}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{variables}: {body}"
        );
        assert!(
            body.get("data").is_none() || body["data"].is_null(),
            "nothing ran: {body}"
        );
    }
}

db_test!(a_nested_count_on_a_broken_database_is_an_internal_error);
async fn a_nested_count_on_a_broken_database_is_an_internal_error(app: TestApp) {
    app.create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, "DROP TABLE todos")
        .await
        .expect("drop");
    let body = app
        .graphql(
            "{ customers { nodes { email todos { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("INTERNAL_SERVER_ERROR"), "{body}");
    let error = &body["errors"][0];
    assert!(error["extensions"]["errorId"].is_string(), "{body}");
    let message = error["message"].as_str().expect("message").to_lowercase();
    assert!(
        !message.contains("todos") && !message.contains("relation"),
        "leaked: {message}"
    );
}
