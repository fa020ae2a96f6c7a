//! `filter` on the connections: every operator, `and`/`or`/`not`, NULL rules, literal
//! wildcards and ASCII-only case folding, with the same answers on SQLite and PostgreSQL.

use axum::http::StatusCode;
use serde_json::{Value, json};
use tests::{TestApp, db_test, error_code};

/// `(firstName, middleName, lastName)` of the customers every test starts with, in
/// creation order; emails are made unique from the position.
const PEOPLE: &[(&str, Option<&str>, &str)] = &[
    ("Alice", None, "Smith"),
    ("ALICE", Some("Q"), "smith"),
    ("Bob", Some("50% off"), "Jones"),
    ("Élodie", Some("a_c"), "Dupont"),
    ("carol", Some("abc"), "St*r?[x]"),
    ("Dave", Some(""), "Black"),
];

/// Creates [`PEOPLE`] and returns their ids, in order.
async fn seed_people(app: &TestApp) -> Vec<i64> {
    let inputs: Vec<Value> = PEOPLE
        .iter()
        .enumerate()
        .map(|(n, (first, middle, last))| {
            json!({
                "firstName": first,
                "middleName": middle,
                "lastName": last,
                "email": format!("person{n}@example.com"),
            })
        })
        .collect();
    let data = app
        .graphql_data(
            "mutation($inputs: [CreateCustomerInput!]!) {
                createCustomers(inputs: $inputs) { customerId }
            }",
            json!({ "inputs": inputs }),
        )
        .await;
    data["createCustomers"]
        .as_array()
        .expect("created")
        .iter()
        .map(|customer| customer["customerId"].as_i64().expect("id"))
        .collect()
}

/// The positions in [`PEOPLE`] of the customers a filter returns, checked against
/// `totalCount`.
async fn matching(app: &TestApp, ids: &[i64], filter: Value) -> Vec<usize> {
    let body = app
        .graphql(
            "query($filter: CustomerFilter) {
                customers(filter: $filter) { totalCount nodes { customerId } }
            }",
            json!({ "filter": filter }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{filter}: {body}");
    let connection = &body["data"]["customers"];
    let positions: Vec<usize> = connection["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| {
            let id = node["customerId"].as_i64().expect("id");
            ids.iter()
                .position(|known| *known == id)
                .expect("a seeded customer")
        })
        .collect();
    assert_eq!(
        connection["totalCount"],
        json!(positions.len()),
        "totalCount for {filter}"
    );
    positions
}

db_test!(text_operators_match_exact_characters);
async fn text_operators_match_exact_characters(app: TestApp) {
    let ids = seed_people(&app).await;
    let cases = [
        (json!({ "firstName": { "contains": "li" } }), vec![0]),
        (json!({ "firstName": { "startsWith": "AL" } }), vec![1]),
        (json!({ "firstName": { "endsWith": "ce" } }), vec![0]),
        (json!({ "firstName": { "eq": "alice" } }), vec![]),
        (json!({ "lastName": { "eq": "smith" } }), vec![1]),
        (
            json!({ "firstName": { "contains": "" } }),
            vec![0, 1, 2, 3, 4, 5],
        ),
        (json!({ "firstName": { "startsWith": "É" } }), vec![3]),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            matching(&app, &ids, filter.clone()).await,
            expected,
            "{filter}"
        );
    }
}

db_test!(wildcards_in_user_text_are_literal);
async fn wildcards_in_user_text_are_literal(app: TestApp) {
    let ids = seed_people(&app).await;
    let cases = [
        (json!({ "middleName": { "contains": "%" } }), vec![2]),
        (json!({ "middleName": { "startsWith": "50%" } }), vec![2]),
        (json!({ "middleName": { "contains": "_" } }), vec![3]),
        (json!({ "middleName": { "eq": "a_c" } }), vec![3]),
        (json!({ "middleName": { "contains": "a_c" } }), vec![3]),
        (
            json!({ "middleName": { "containsInsensitive": "A_C" } }),
            vec![3],
        ),
        (
            json!({ "middleName": { "containsInsensitive": "%" } }),
            vec![2],
        ),
        (json!({ "lastName": { "contains": "*" } }), vec![4]),
        (json!({ "lastName": { "contains": "?[" } }), vec![4]),
        (json!({ "lastName": { "endsWith": "[x]" } }), vec![4]),
        (json!({ "lastName": { "startsWith": "St*" } }), vec![4]),
        (json!({ "lastName": { "contains": "\\" } }), vec![]),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            matching(&app, &ids, filter.clone()).await,
            expected,
            "{filter}"
        );
    }
}

db_test!(contains_insensitive_folds_ascii_letters_only);
async fn contains_insensitive_folds_ascii_letters_only(app: TestApp) {
    let ids = seed_people(&app).await;
    let cases = [
        (
            json!({ "firstName": { "containsInsensitive": "ALI" } }),
            vec![0, 1],
        ),
        (
            json!({ "firstName": { "containsInsensitive": "alice" } }),
            vec![0, 1],
        ),
        (
            json!({ "lastName": { "containsInsensitive": "SMITH" } }),
            vec![0, 1],
        ),
        // É and é are different letters to an ASCII fold, on both databases.
        (
            json!({ "firstName": { "containsInsensitive": "élo" } }),
            vec![],
        ),
        (
            json!({ "firstName": { "containsInsensitive": "ÉLO" } }),
            vec![3],
        ),
        (
            json!({ "firstName": { "containsInsensitive": "CAROL" } }),
            vec![4],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            matching(&app, &ids, filter.clone()).await,
            expected,
            "{filter}"
        );
    }
}

db_test!(equality_lists_and_nulls_follow_sql);
async fn equality_lists_and_nulls_follow_sql(app: TestApp) {
    let ids = seed_people(&app).await;
    let cases = [
        (json!({ "middleName": { "isNull": true } }), vec![0]),
        (
            json!({ "middleName": { "isNull": false } }),
            vec![1, 2, 3, 4, 5],
        ),
        // A NULL never matches `ne` or `notIn`; the empty string is a value.
        (json!({ "middleName": { "ne": "abc" } }), vec![1, 2, 3, 5]),
        (
            json!({ "middleName": { "notIn": ["Q"] } }),
            vec![2, 3, 4, 5],
        ),
        (json!({ "middleName": { "eq": "" } }), vec![5]),
        (
            json!({ "middleName": { "in": ["Q", "abc", "zzz"] } }),
            vec![1, 4],
        ),
        (json!({ "middleName": { "in": [] } }), vec![]),
        (
            json!({ "middleName": { "notIn": [] } }),
            vec![0, 1, 2, 3, 4, 5],
        ),
        (json!({}), vec![0, 1, 2, 3, 4, 5]),
        (json!({ "middleName": {} }), vec![0, 1, 2, 3, 4, 5]),
        // Several operators on one field must all hold.
        (
            json!({ "middleName": { "isNull": false, "ne": "" } }),
            vec![1, 2, 3, 4],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            matching(&app, &ids, filter.clone()).await,
            expected,
            "{filter}"
        );
    }
}

db_test!(and_or_not_combine_filters);
async fn and_or_not_combine_filters(app: TestApp) {
    let ids = seed_people(&app).await;
    let cases = [
        (
            json!({ "or": [
                { "firstName": { "eq": "Bob" } },
                { "lastName": { "eq": "Black" } },
            ] }),
            vec![2, 5],
        ),
        (
            json!({ "and": [
                { "firstName": { "containsInsensitive": "a" } },
                { "middleName": { "isNull": false } },
            ] }),
            vec![1, 4, 5],
        ),
        // SQL logic: NOT (NULL = 'Q') is not true, so the customer without one is left out.
        (
            json!({ "not": { "middleName": { "eq": "Q" } } }),
            vec![2, 3, 4, 5],
        ),
        (
            json!({ "not": { "or": [
                { "firstName": { "startsWith": "A" } },
                { "firstName": { "startsWith": "D" } },
            ] } }),
            vec![2, 3, 4],
        ),
        (json!({ "or": [] }), vec![]),
        (json!({ "and": [] }), vec![0, 1, 2, 3, 4, 5]),
        (
            json!({ "lastName": { "containsInsensitive": "smith" },
                    "or": [{ "firstName": { "eq": "Alice" } }, { "middleName": { "eq": "Q" } }],
                    "not": { "firstName": { "eq": "ALICE" } } }),
            vec![0],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            matching(&app, &ids, filter.clone()).await,
            expected,
            "{filter}"
        );
    }
}

db_test!(numbers_and_times_compare);
async fn numbers_and_times_compare(app: TestApp) {
    let ids = seed_people(&app).await;
    let data = app
        .graphql_data(
            "query($id: Int!) { customer(customerId: $id) { createdAt } }",
            json!({ "id": ids[2] }),
        )
        .await;
    let third_created = data["customer"]["createdAt"].clone();
    let cases = [
        (json!({ "customerId": { "gt": ids[3] } }), vec![4, 5]),
        (
            json!({ "customerId": { "gte": ids[3], "lt": ids[5] } }),
            vec![3, 4],
        ),
        (json!({ "customerId": { "lte": ids[0] } }), vec![0]),
        (
            json!({ "customerId": { "in": [ids[1], ids[4], 0] } }),
            vec![1, 4],
        ),
        (
            json!({ "customerId": { "notIn": [ids[1]], "ne": ids[2] } }),
            vec![0, 3, 4, 5],
        ),
        (
            json!({ "createdAt": { "gt": "2000-01-01T00:00:00Z" } }),
            vec![0, 1, 2, 3, 4, 5],
        ),
        (
            json!({ "createdAt": { "lt": "2000-01-01T00:00:00Z" } }),
            vec![],
        ),
        (
            json!({ "createdAt": { "lte": third_created } }),
            vec![0, 1, 2],
        ),
    ];
    for (filter, expected) in cases {
        let mut got = matching(&app, &ids, filter.clone()).await;
        got.sort_unstable();
        assert_eq!(got, expected, "{filter}");
    }
    // A timestamp read back from the API finds its own row.
    let exact = matching(&app, &ids, json!({ "createdAt": { "eq": third_created } })).await;
    assert!(exact.contains(&2), "{exact:?}");
}

db_test!(todo_filters_cover_status_customer_and_nesting);
async fn todo_filters_cover_status_customer_and_nesting(app: TestApp) {
    let ids = seed_people(&app).await;
    let todos = [
        ("write 100% tests", "PENDING", Some(ids[0])),
        ("ship it", "IN_PROCESS", Some(ids[0])),
        ("celebrate", "COMPLETED", Some(ids[0])),
        ("orphan task", "PENDING", None),
        ("Bob's task", "IN_PROCESS", Some(ids[2])),
    ];
    let mut todo_ids = Vec::new();
    for (task, status, customer) in todos {
        let data = app
            .graphql_data(
                "mutation($input: CreateTodoInput!) { createTodo(input: $input) { todoId } }",
                json!({ "input": { "task": task, "status": status, "customerId": customer } }),
            )
            .await;
        todo_ids.push(data["createTodo"]["todoId"].as_i64().expect("id"));
    }
    let todo_positions = |data: &Value| -> Vec<usize> {
        data["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|node| {
                let id = node["todoId"].as_i64().expect("id");
                todo_ids
                    .iter()
                    .position(|known| *known == id)
                    .expect("seeded")
            })
            .collect()
    };
    let cases = [
        (json!({ "status": { "eq": "IN_PROCESS" } }), vec![1, 4]),
        (
            json!({ "status": { "in": ["PENDING", "COMPLETED"] } }),
            vec![0, 2, 3],
        ),
        (json!({ "status": { "notIn": ["PENDING"] } }), vec![1, 2, 4]),
        (json!({ "status": { "ne": "PENDING", "in": [] } }), vec![]),
        (json!({ "customerId": { "isNull": true } }), vec![3]),
        (json!({ "customerId": { "ne": ids[0] } }), vec![4]),
        (json!({ "task": { "contains": "100%" } }), vec![0]),
        (
            json!({ "task": { "containsInsensitive": "TASK" } }),
            vec![3, 4],
        ),
        (json!({ "todoId": { "gte": todo_ids[3] } }), vec![3, 4]),
    ];
    for (filter, expected) in cases {
        let data = app
            .graphql_data(
                "query($filter: TodoFilter) { todos(filter: $filter) { totalCount nodes { todoId } } }",
                json!({ "filter": filter }),
            )
            .await;
        assert_eq!(todo_positions(&data["todos"]), expected, "{filter}");
        assert_eq!(
            data["todos"]["totalCount"],
            json!(expected.len()),
            "{filter}"
        );
    }

    // Customer.todos takes the same filter; its totalCount counts what the filter keeps.
    let data = app
        .graphql_data(
            "query($ids: [Int!]) {
                customers(filter: { customerId: { in: $ids } }) {
                    nodes {
                        customerId
                        open: todos(filter: { status: { ne: COMPLETED } }) {
                            totalCount nodes { todoId }
                        }
                        all: todos { totalCount }
                    }
                }
            }",
            json!({ "ids": [ids[0], ids[2], ids[5]] }),
        )
        .await;
    let nodes = data["customers"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 3);
    assert_eq!(todo_positions(&nodes[0]["open"]), vec![0, 1]);
    assert_eq!(nodes[0]["open"]["totalCount"], json!(2));
    assert_eq!(nodes[0]["all"]["totalCount"], json!(3));
    assert_eq!(todo_positions(&nodes[1]["open"]), vec![4]);
    assert_eq!(nodes[2]["open"]["totalCount"], json!(0));
}

db_test!(deeply_nested_filters_are_refused_not_fatal);
async fn deeply_nested_filters_are_refused_not_fatal(app: TestApp) {
    let ids = seed_people(&app).await;
    // Twenty levels of `not` is an odd but valid filter: an even count cancels out.
    let mut filter = json!({ "firstName": { "eq": "Bob" } });
    for _ in 0..20 {
        filter = json!({ "not": filter });
    }
    assert_eq!(matching(&app, &ids, filter).await, vec![2]);

    // Thousands of levels, inline or as a variable, are an error, never a crash.
    let depth = 5000;
    let inline = format!(
        "{{ customers(filter: {}{}) {{ totalCount }} }}",
        "{ not: ".repeat(depth),
        "}".repeat(depth)
    );
    let body = app.graphql(&inline, json!({})).await;
    assert_eq!(error_code(&body), Some("GRAPHQL_PARSE_FAILED"), "{body}");
    let mut nested = String::from("{}");
    for _ in 0..depth {
        nested = format!("{{\"not\":{nested}}}");
    }
    let request = format!(
        "{{\"query\":\"query($f: CustomerFilter) {{ customers(filter: $f) {{ totalCount }} }}\",\"variables\":{{\"f\":{nested}}}}}"
    );
    let response = app
        .send_raw(
            axum::http::Method::POST,
            "/graphql",
            Some("application/json"),
            request.into_bytes(),
        )
        .await;
    // The request body itself is refused as unreadable, as any JSON nested too deep.
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.text()
    );
    assert_eq!(error_code(&response.json()), Some("GRAPHQL_PARSE_FAILED"));
}
