//! Roles and row visibility (SPEC 5.2) as the service applies them, with the principal given
//! directly to the schema: what a `customer` or `reader` principal may read and do.

use async_graphql::Request;
use serde_json::{Value, json};
use service::Principal;
use tests::{Backend, TestApp, db_test, error_code};

/// Runs `query` as `principal` and returns the whole response as JSON.
async fn run_as(app: &TestApp, principal: Principal, query: &str, variables: Value) -> Value {
    let request = Request::new(query)
        .variables(async_graphql::Variables::from_json(variables))
        .data(principal);
    let response = app.state.schema.execute(request).await;
    serde_json::to_value(&response).expect("JSON")
}

/// Two customers with todos: Ada (three todos), Bob (two), and one todo of nobody's.
async fn seed(app: &TestApp) -> (i64, i64, Vec<i64>, Vec<i64>) {
    let ada = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await["customer_id"]
        .as_i64()
        .expect("id");
    let bob = app
        .create_customer("Bob", "Babbage", "bob@example.com")
        .await["customer_id"]
        .as_i64()
        .expect("id");
    let mut ada_todos = Vec::new();
    let mut bob_todos = Vec::new();
    for (task, owner) in [
        ("a1", Some(ada)),
        ("b1", Some(bob)),
        ("a2", Some(ada)),
        ("none", None),
        ("b2", Some(bob)),
        ("a3", Some(ada)),
    ] {
        let id = app.create_todo(task, owner).await["id"]
            .as_i64()
            .expect("id");
        if owner == Some(ada) {
            ada_todos.push(id);
        } else if owner == Some(bob) {
            bob_todos.push(id);
        }
    }
    (ada, bob, ada_todos, bob_todos)
}

fn ids(connection: &Value, field: &str) -> Vec<i64> {
    connection["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node[field].as_i64().expect("id"))
        .collect()
}

db_test!(a_customer_principal_sees_only_its_own_rows_everywhere);
async fn a_customer_principal_sees_only_its_own_rows_everywhere(app: TestApp) {
    let (ada, bob, ada_todos, bob_todos) = seed(&app).await;
    let me = Principal::Customer(i32::try_from(ada).expect("small id"));

    let body = run_as(
        &app,
        me,
        "query($bob: Int!, $bobTodo: Int!) {
            customers { totalCount nodes { customerId } }
            bob: customer(customerId: $bob) { customerId }
            bobByEmail: customerByEmail(email: \"bob@example.com\") { customerId }
            todos { totalCount nodes { todoId } }
            bobTodo: todo(todoId: $bobTodo) { todoId }
            filtered: todos(filter: { customerId: { eq: $bob } }) { totalCount nodes { todoId } }
            mine: customer(customerId: 1) { todos { totalCount nodes { todoId customer { customerId } } } }
        }",
        json!({ "bob": bob, "bobTodo": bob_todos[0] }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let data = &body["data"];
    assert_eq!(data["customers"]["totalCount"], 1);
    assert_eq!(ids(&data["customers"], "customerId"), vec![ada]);
    assert_eq!(data["bob"], Value::Null);
    assert_eq!(data["bobByEmail"], Value::Null);
    assert_eq!(data["todos"]["totalCount"], 3);
    assert_eq!(ids(&data["todos"], "todoId"), ada_todos);
    assert_eq!(data["bobTodo"], Value::Null);
    assert_eq!(data["filtered"]["totalCount"], 0);
    assert_eq!(ids(&data["filtered"], "todoId"), Vec::<i64>::new());
    assert_eq!(data["mine"]["todos"]["totalCount"], 3);
    assert_eq!(ids(&data["mine"]["todos"], "todoId"), ada_todos);
    for todo in data["mine"]["todos"]["nodes"].as_array().expect("nodes") {
        assert_eq!(todo["customer"]["customerId"], ada);
    }

    // Global ids: another customer's row is not there.
    let admin = run_as(
        &app,
        Principal::Admin,
        "{ customers { nodes { id } } todos { nodes { id todoId } } }",
        json!({}),
    )
    .await;
    let customer_ids: Vec<Value> = admin["data"]["customers"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["id"].clone())
        .collect();
    let body = run_as(
        &app,
        me,
        "query($ids: [ID!]!, $bob: ID!) {
            nodes(ids: $ids) { ... on Customer { customerId } }
            bob: node(id: $bob) { id }
        }",
        json!({ "ids": customer_ids, "bob": customer_ids[1] }),
    )
    .await;
    assert_eq!(
        body["data"]["nodes"],
        json!([{ "customerId": ada }, null]),
        "{body}"
    );
    assert_eq!(body["data"]["bob"], Value::Null);
}

db_test!(a_customer_principal_pages_through_exactly_its_todos);
async fn a_customer_principal_pages_through_exactly_its_todos(app: TestApp) {
    let (ada, _, ada_todos, _) = seed(&app).await;
    let me = Principal::Customer(i32::try_from(ada).expect("small id"));
    let page = "query($after: String, $before: String, $first: Int, $last: Int, $order: [TodoOrderBy!]) {
        todos(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
            totalCount nodes { todoId } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        }
    }";
    for (order, expected) in [
        ("TODO_ID_ASC", ada_todos.clone()),
        ("TODO_ID_DESC", ada_todos.iter().rev().copied().collect()),
        ("TASK_DESC", ada_todos.iter().rev().copied().collect()),
    ] {
        // Forwards, two at a time.
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let body = run_as(
                &app,
                me,
                page,
                json!({ "first": 2, "after": after, "order": [order] }),
            )
            .await;
            let todos = &body["data"]["todos"];
            assert_eq!(todos["totalCount"], 3, "{body}");
            seen.extend(ids(todos, "todoId"));
            if todos["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = todos["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, expected, "forwards under {order}");
        // Backwards, two at a time.
        let mut seen = Vec::new();
        let mut before = Value::Null;
        loop {
            let body = run_as(
                &app,
                me,
                page,
                json!({ "last": 2, "before": before, "order": [order] }),
            )
            .await;
            let todos = &body["data"]["todos"];
            let mut chunk = ids(todos, "todoId");
            chunk.extend(seen);
            seen = chunk;
            if todos["pageInfo"]["hasPreviousPage"] != true {
                break;
            }
            before = todos["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(seen, expected, "backwards under {order}");
    }
}

db_test!(nested_reads_as_a_customer_take_as_many_statements_as_for_an_admin(backend));
async fn nested_reads_as_a_customer_take_as_many_statements_as_for_an_admin(backend: Backend) {
    // A wide batching window: on a busy machine the default 1 ms can split a batch in two,
    // which would count as a statement more for one role without being one per row.
    let app = TestApp::spawn_with(backend, |config| config.graphql_batch_delay_ms = 50).await;
    let (ada, _, _, _) = seed(&app).await;
    let query =
        "{ customers { nodes { todos { totalCount nodes { customer { customerId } } } } } }";
    let before = app.statement_count();
    run_as(&app, Principal::Admin, query, json!({})).await;
    let admin = app.statement_count() - before;
    let before = app.statement_count();
    let body = run_as(
        &app,
        Principal::Customer(i32::try_from(ada).expect("id")),
        query,
        json!({}),
    )
    .await;
    let customer = app.statement_count() - before;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        customer, admin,
        "no statement per row for the customer role"
    );
}

db_test!(each_role_writes_only_what_the_table_allows);
async fn each_role_writes_only_what_the_table_allows(app: TestApp) {
    let (ada, bob, ada_todos, bob_todos) = seed(&app).await;
    let me = Principal::Customer(i32::try_from(ada).expect("small id"));
    let before = app.get("/api/v1/todos").await.json();
    let customers_before = app.get("/v1/customers").await.json();

    let cases: Vec<(Principal, &str, Value, &str)> = vec![
        (
            Principal::Reader,
            "mutation { createCustomer(input: { firstName: \"X\", lastName: \"Y\", email: \"x@example.com\" }) { customerId } }",
            json!({}),
            "FORBIDDEN",
        ),
        (
            Principal::Reader,
            "mutation($id: Int!) { updateTodo(todoId: $id, patch: { task: \"t\" }) { todoId } }",
            json!({ "id": ada_todos[0] }),
            "FORBIDDEN",
        ),
        (
            Principal::Reader,
            "mutation { createTodos(inputs: [{ task: \"t\" }]) { todoId } }",
            json!({}),
            "FORBIDDEN",
        ),
        (
            me,
            "mutation { createCustomer(input: { firstName: \"X\", lastName: \"Y\", email: \"x@example.com\" }) { customerId } }",
            json!({}),
            "FORBIDDEN",
        ),
        (
            me,
            "mutation { upsertCustomer(input: { firstName: \"X\", lastName: \"Y\", email: \"ada@example.com\" }) { customerId } }",
            json!({}),
            "FORBIDDEN",
        ),
        (
            me,
            "mutation($id: Int!) { updateCustomer(customerId: $id, patch: { email: \"new@example.com\" }) { customerId } }",
            json!({ "id": ada }),
            "FORBIDDEN",
        ),
        (
            me,
            "mutation($id: Int!) { updateCustomer(customerId: $id, patch: { firstName: \"Robert\" }) { customerId } }",
            json!({ "id": bob }),
            "NOT_FOUND",
        ),
        (
            me,
            "mutation($id: Int!) { deleteCustomer(customerId: $id) { customerId } }",
            json!({ "id": ada }),
            "FORBIDDEN",
        ),
        (
            me,
            "mutation($bob: Int!) { createTodo(input: { task: \"t\", customerId: $bob }) { todoId } }",
            json!({ "bob": bob }),
            "FORBIDDEN",
        ),
        (
            me,
            "mutation($id: Int!) { updateTodo(todoId: $id, patch: { task: \"t\" }) { todoId } }",
            json!({ "id": bob_todos[0] }),
            "NOT_FOUND",
        ),
        (
            me,
            "mutation($id: Int!, $bob: Int!) { updateTodo(todoId: $id, patch: { customerId: $bob }) { todoId } }",
            json!({ "id": ada_todos[0], "bob": bob }),
            "FORBIDDEN",
        ),
        (
            me,
            "mutation($id: Int!) { updateTodo(todoId: $id, patch: { customerId: null }) { todoId } }",
            json!({ "id": ada_todos[0] }),
            "FORBIDDEN",
        ),
        (
            me,
            "mutation($id: Int!) { deleteTodo(todoId: $id) { todoId } }",
            json!({ "id": bob_todos[0] }),
            "NOT_FOUND",
        ),
    ];
    for (principal, query, variables, code) in cases {
        let body = run_as(&app, principal, query, variables).await;
        assert_eq!(
            error_code(&body),
            Some(code),
            "{principal:?} {query}: {body}"
        );
        assert!(
            body["errors"][0].get("path").is_some(),
            "a field error: {body}"
        );
    }
    // Nothing was written by any of them.
    assert_eq!(app.get("/api/v1/todos").await.json(), before);
    assert_eq!(app.get("/v1/customers").await.json(), customers_before);

    // What the customer role may do.
    let body = run_as(&app, me, "mutation($id: Int!) { updateCustomer(customerId: $id, patch: { firstName: \"Augusta\" }) { firstName email } }", json!({ "id": ada })).await;
    assert_eq!(
        body["data"]["updateCustomer"],
        json!({ "firstName": "Augusta", "email": "ada@example.com" }),
        "{body}"
    );
    let body = run_as(
        &app,
        me,
        "mutation { createTodo(input: { task: \"mine\" }) { customerId } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body["data"]["createTodo"]["customerId"], ada,
        "linked to itself: {body}"
    );
    let body = run_as(
        &app,
        me,
        "mutation($id: Int!) { updateTodo(todoId: $id, patch: { status: COMPLETED }) { status } }",
        json!({ "id": ada_todos[0] }),
    )
    .await;
    assert_eq!(body["data"]["updateTodo"]["status"], "COMPLETED", "{body}");
    let body = run_as(
        &app,
        me,
        "mutation($id: Int!) { deleteTodo(todoId: $id) { todoId } }",
        json!({ "id": ada_todos[1] }),
    )
    .await;
    assert_eq!(body["data"]["deleteTodo"]["todoId"], ada_todos[1], "{body}");
    // Reads stay open to the reader.
    let body = run_as(
        &app,
        Principal::Reader,
        "{ customers { totalCount } todos { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body["data"],
        json!({ "customers": { "totalCount": 2 }, "todos": { "totalCount": 6 } }),
        "{body}"
    );
}
