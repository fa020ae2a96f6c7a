//! Relay connections: paging both ways, pageInfo at both ends, totalCount, bad arguments.

use serde_json::{Value, json};
use tests::{TestApp, db_test, error_code};

const CUSTOMERS_PAGE: &str = "query($first: Int, $after: String, $last: Int, $before: String) {
    customers(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { customerId } }
        nodes { customerId }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
}";

async fn seed_customers(app: &TestApp, count: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for n in 0..count {
        let customer = app
            .create_customer("First", "Last", &format!("c{n}@example.com"))
            .await;
        ids.push(customer["customer_id"].as_i64().expect("id"));
    }
    ids
}

fn ids_of(page: &Value) -> Vec<i64> {
    page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["customerId"].as_i64().expect("customerId"))
        .collect()
}

db_test!(forward_and_backward_walks_return_every_row_once);
async fn forward_and_backward_walks_return_every_row_once(app: TestApp) {
    let ids = seed_customers(&app, 23).await;

    // Forward with first/after.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let data = app
            .graphql_data(CUSTOMERS_PAGE, json!({ "first": 5, "after": after }))
            .await;
        let page = &data["customers"];
        let page_ids = ids_of(page);
        let edge_ids: Vec<i64> = page["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|edge| edge["node"]["customerId"].as_i64().expect("id"))
            .collect();
        assert_eq!(page_ids, edge_ids, "nodes and edges agree");
        assert_eq!(page["pageInfo"]["hasPreviousPage"], json!(pages > 0));
        assert_eq!(page["pageInfo"]["startCursor"], page["edges"][0]["cursor"]);
        seen.extend(page_ids);
        pages += 1;
        if page["pageInfo"]["hasNextPage"] == json!(false) {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, ids);
    assert_eq!(pages, 5);

    // Backward with last/before.
    let mut seen_backward = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let data = app
            .graphql_data(CUSTOMERS_PAGE, json!({ "last": 5, "before": before }))
            .await;
        let page = &data["customers"];
        let mut page_ids = ids_of(page);
        assert_eq!(page["pageInfo"]["hasNextPage"], json!(before.is_some()));
        page_ids.reverse();
        seen_backward.extend(page_ids);
        if page["pageInfo"]["hasPreviousPage"] == json!(false) {
            break;
        }
        before = page["pageInfo"]["startCursor"].as_str().map(str::to_owned);
    }
    seen_backward.reverse();
    assert_eq!(seen_backward, ids);
}

db_test!(rows_inserted_between_pages_are_neither_skipped_nor_repeated);
async fn rows_inserted_between_pages_are_neither_skipped_nor_repeated(app: TestApp) {
    seed_customers(&app, 6).await;
    let first = app
        .graphql_data(CUSTOMERS_PAGE, json!({ "first": 3 }))
        .await;
    let cursor = first["customers"]["pageInfo"]["endCursor"].clone();
    // A row deleted before the cursor and one added after it.
    let first_id = ids_of(&first["customers"])[0];
    assert_eq!(
        app.delete(&format!("/v1/customers/{first_id}"))
            .await
            .status,
        204
    );
    let added = app.create_customer("New", "Row", "new@example.com").await;

    let second = app
        .graphql_data(CUSTOMERS_PAGE, json!({ "first": 10, "after": cursor }))
        .await;
    let mut expected: Vec<i64> = (4..=6).collect();
    expected.push(added["customer_id"].as_i64().expect("id"));
    assert_eq!(ids_of(&second["customers"]), expected);
    assert_eq!(
        second["customers"]["pageInfo"]["hasPreviousPage"],
        json!(true)
    );
    assert_eq!(second["customers"]["pageInfo"]["hasNextPage"], json!(false));
}

db_test!(empty_connections_have_null_cursors_and_zero_count);
async fn empty_connections_have_null_cursors_and_zero_count(app: TestApp) {
    let data = app
        .graphql_data(
            "{ customers { totalCount nodes { customerId } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
               todos { totalCount edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({
            "customers": { "totalCount": 0, "nodes": [], "pageInfo": {
                "hasNextPage": false, "hasPreviousPage": false, "startCursor": null, "endCursor": null } },
            "todos": { "totalCount": 0, "edges": [] }
        })
    );
}

db_test!(total_count_counts_all_pages_and_default_page_is_bounded);
async fn total_count_counts_all_pages_and_default_page_is_bounded(app: TestApp) {
    seed_customers(&app, 3).await;
    let data = app
        .graphql_data(
            "{ customers(first: 1) { totalCount nodes { customerId } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["customers"]["totalCount"], 3);
    assert_eq!(data["customers"]["nodes"].as_array().map(Vec::len), Some(1));
}

db_test!(nested_todos_page_per_customer);
async fn nested_todos_page_per_customer(app: TestApp) {
    let a = app.create_customer("A", "A", "a@example.com").await;
    let b = app.create_customer("B", "B", "b@example.com").await;
    for n in 0..5 {
        app.create_todo(&format!("a{n}"), a["customer_id"].as_i64())
            .await;
    }
    app.create_todo("b0", b["customer_id"].as_i64()).await;
    app.create_todo("nobody", None).await;

    let query = "query($after: String) { customers {
        nodes { customerId todos(first: 2, after: $after) {
            totalCount nodes { task } pageInfo { hasNextPage hasPreviousPage endCursor } } } } }";
    let data = app.graphql_data(query, json!({})).await;
    let nodes = &data["customers"]["nodes"];
    assert_eq!(nodes[0]["todos"]["totalCount"], 5);
    assert_eq!(
        nodes[0]["todos"]["nodes"],
        json!([{ "task": "a0" }, { "task": "a1" }])
    );
    assert_eq!(nodes[0]["todos"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(nodes[0]["todos"]["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(nodes[1]["todos"]["totalCount"], 1);
    assert_eq!(nodes[1]["todos"]["nodes"], json!([{ "task": "b0" }]));
    assert_eq!(nodes[1]["todos"]["pageInfo"]["hasNextPage"], false);

    let cursor = nodes[0]["todos"]["pageInfo"]["endCursor"].clone();
    let next = app.graphql_data(query, json!({ "after": cursor })).await;
    let nodes = &next["customers"]["nodes"];
    assert_eq!(
        nodes[0]["todos"]["nodes"],
        json!([{ "task": "a2" }, { "task": "a3" }])
    );
    assert_eq!(nodes[0]["todos"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(nodes[0]["todos"]["pageInfo"]["hasNextPage"], true);
}

db_test!(todos_connection_lists_all_todos);
async fn todos_connection_lists_all_todos(app: TestApp) {
    let customer = app.create_customer("A", "A", "a@example.com").await;
    app.create_todo("one", customer["customer_id"].as_i64())
        .await;
    app.create_todo("two", None).await;
    let data = app
        .graphql_data("{ todos(last: 1) { totalCount nodes { task customer { customerId } } pageInfo { hasPreviousPage hasNextPage } } }", json!({}))
        .await;
    assert_eq!(
        data["todos"],
        json!({ "totalCount": 2, "nodes": [{ "task": "two", "customer": null }],
                "pageInfo": { "hasPreviousPage": true, "hasNextPage": false } })
    );
}

db_test!(bad_page_arguments_are_bad_user_input);
async fn bad_page_arguments_are_bad_user_input(app: TestApp) {
    let todo_cursor = {
        app.create_todo("t", None).await;
        app.graphql_data("{ todos { edges { cursor } } }", json!({}))
            .await["todos"]["edges"][0]["cursor"]
            .clone()
    };
    let cases = [
        (json!({ "first": 1001 }), "first"),
        (json!({ "first": -1 }), "first"),
        (json!({ "last": 1001 }), "last"),
        (json!({ "after": "bm90IGEgY3Vyc29y" }), "after"),
        (json!({ "before": "%%%" }), "before"),
        (json!({ "after": todo_cursor }), "after"),
    ];
    for (variables, field) in cases {
        let body = app.graphql(CUSTOMERS_PAGE, variables.clone()).await;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "{variables}: {body}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{variables}"
        );
        assert_eq!(body["data"], json!(null), "{variables}");
    }
}
