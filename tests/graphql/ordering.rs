//! `orderBy` with keyset cursors: a walk over 1,000 rows forwards and backwards under
//! every order returns each row exactly once, in the order the rules say (bytes for text,
//! NULLs last ascending and first descending, the primary key breaking ties in the
//! direction of the last entry).

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use service::customer::NewCustomer;
use service::todo::{NewTodo, TodoStatus};
use tests::{TestApp, db_test, error_code};

const ROWS: usize = 1000;
const PAGE: usize = 97;

const FIRST_NAMES: &[&str] = &[
    "alice", "Alice", "bob", "Bob", "Zed", "ëve", "émile", "_x", "%y",
];
const LAST_NAMES: &[&str] = &[
    "Smith",
    "smith",
    "Jones",
    "O'Brien",
    "Ng",
    "Zhang",
    "Åberg",
    "de la Cruz",
    "Smith-Jones",
    "Z",
    "a",
    "Müller",
    "Mueller",
];
const TASKS: &[&str] = &[
    "call", "Call", "write", "write ", "read", "ändern", "zip", "Zip", "1st", "_", "%",
];

/// 1,000 customers and 1,000 todos with many ties and NULLs in the sort columns.
async fn seed(app: &TestApp) -> Vec<i32> {
    let customers: Vec<NewCustomer> = (0..ROWS)
        .map(|n| NewCustomer {
            first_name: FIRST_NAMES[n % FIRST_NAMES.len()].to_owned(),
            middle_name: None,
            last_name: LAST_NAMES[(n * 7) % LAST_NAMES.len()].to_owned(),
            suffix: None,
            // Emails in an order unrelated to ids.
            email: format!(
                "{}{n}@example.com",
                char::from(b'a' + ((n * 11) % 26) as u8)
            ),
            phone: None,
        })
        .collect();
    let created = service::customer::create_many(&app.db, customers)
        .await
        .expect("customers");
    let customer_ids: Vec<i32> = created.iter().map(|c| c.customer_id).collect();
    let statuses = [
        TodoStatus::Pending,
        TodoStatus::Completed,
        TodoStatus::InProcess,
    ];
    let todos: Vec<NewTodo> = (0..ROWS)
        .map(|n| NewTodo {
            task: TASKS[(n * 5) % TASKS.len()].to_owned(),
            status: statuses[(n / 3) % statuses.len()],
            customer_id: (n % 5 != 0).then(|| customer_ids[(n * 13) % 17]),
        })
        .collect();
    service::todo::create_many(&app.db, service::Principal::Admin, todos)
        .await
        .expect("todos");
    customer_ids
}

/// One row as the walk sees it: its id and its sort values in field order.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    id: i64,
    node: Value,
}

enum Kind {
    Customers,
    Todos,
}

impl Kind {
    fn query(&self) -> &'static str {
        match self {
            Self::Customers => {
                "query($first: Int, $after: String, $last: Int, $before: String,
                       $orderBy: [CustomerOrderBy!]) {
                    list: customers(first: $first, after: $after, last: $last, before: $before,
                                    orderBy: $orderBy) {
                        nodes { id: customerId firstName lastName email createdAt }
                        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
                    }
                }"
            }
            Self::Todos => {
                "query($first: Int, $after: String, $last: Int, $before: String,
                       $orderBy: [TodoOrderBy!]) {
                    list: todos(first: $first, after: $after, last: $last, before: $before,
                                orderBy: $orderBy) {
                        nodes { id: todoId task status customerId createdAt }
                        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
                    }
                }"
            }
        }
    }
}

fn rows(page: &Value) -> Vec<Row> {
    page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| Row {
            id: node["id"].as_i64().expect("id"),
            node: node.clone(),
        })
        .collect()
}

/// The stored string of a status, which is what `STATUS` sorts by.
fn stored_status(value: &Value) -> Value {
    let stored = match value.as_str().expect("status") {
        "PENDING" => "Pending",
        "COMPLETED" => "Completed",
        "IN_PROCESS" => "In Process",
        other => panic!("unknown status {other}"),
    };
    json!(stored)
}

/// Compares two values of one field the way the API promises: text by bytes, times as
/// instants, NULLs after everything (the caller flips for descending).
fn compare_field(field: &str, a: &Value, b: &Value) -> Ordering {
    let (a, b) = if field == "status" {
        (stored_status(a), stored_status(b))
    } else {
        (a.clone(), b.clone())
    };
    match (a.is_null(), b.is_null()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    if field == "createdAt" {
        let time = |value: &Value| {
            value
                .as_str()
                .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                .map(|time| time.with_timezone(&Utc))
                .expect("a timestamp")
        };
        return time(&a).cmp(&time(&b));
    }
    if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
        return a.cmp(&b);
    }
    let text = |value: &Value| value.as_str().expect("text").as_bytes().to_vec();
    text(&a).cmp(&text(&b))
}

/// The order `order_by` must produce, computed here independently of the database.
fn expected(all: &[Row], order_by: &[&str]) -> Vec<i64> {
    let fields: Vec<(&str, bool)> = order_by
        .iter()
        .map(|value| {
            let (name, descending) = match value.strip_suffix("_DESC") {
                Some(name) => (name, true),
                None => (value.strip_suffix("_ASC").expect("a direction"), false),
            };
            let field = match name {
                "CUSTOMER_ID" if all[0].node.get("firstName").is_some() => "id",
                "TODO_ID" => "id",
                "CUSTOMER_ID" => "customerId",
                "FIRST_NAME" => "firstName",
                "LAST_NAME" => "lastName",
                "EMAIL" => "email",
                "CREATED_AT" => "createdAt",
                "TASK" => "task",
                "STATUS" => "status",
                other => panic!("unknown field {other}"),
            };
            (field, descending)
        })
        .collect();
    // The key breaks ties in the direction of the last entry.
    let key_descending = fields.last().is_some_and(|(_, descending)| *descending);
    let mut sorted = all.to_vec();
    sorted.sort_by(|a, b| {
        for (field, descending) in &fields {
            let ordering = compare_field(field, &a.node[*field], &b.node[*field]);
            // Descending flips everything, NULLs included (they come first).
            let ordering = if *descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        if key_descending {
            b.id.cmp(&a.id)
        } else {
            a.id.cmp(&b.id)
        }
    });
    sorted.iter().map(|row| row.id).collect()
}

/// Walks the whole list one way and returns the ids in list order.
async fn walk(app: &TestApp, kind: &Kind, order_by: &[&str], forward: bool) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for pages in 0.. {
        assert!(pages <= ROWS / PAGE + 1, "the walk did not end");
        let variables = if forward {
            json!({ "first": PAGE, "after": cursor, "orderBy": order_by })
        } else {
            json!({ "last": PAGE, "before": cursor, "orderBy": order_by })
        };
        let data = app.graphql_data(kind.query(), variables).await;
        let page = &data["list"];
        let ids: Vec<i64> = rows(page).iter().map(|row| row.id).collect();
        let info = &page["pageInfo"];
        if forward {
            assert_eq!(info["hasPreviousPage"], json!(pages > 0), "{order_by:?}");
            seen.extend(ids);
            if info["hasNextPage"] == json!(false) {
                break;
            }
            cursor = info["endCursor"].as_str().map(str::to_owned);
        } else {
            assert_eq!(info["hasNextPage"], json!(pages > 0), "{order_by:?}");
            seen.splice(0..0, ids);
            if info["hasPreviousPage"] == json!(false) {
                break;
            }
            cursor = info["startCursor"].as_str().map(str::to_owned);
        }
    }
    seen
}

async fn check_every_order(app: &TestApp, kind: Kind, orders: &[&[&str]]) {
    let data = app
        .graphql_data(kind.query(), json!({ "first": ROWS }))
        .await;
    let all = rows(&data["list"]);
    assert_eq!(all.len(), ROWS);
    for order_by in orders {
        let want = expected(&all, order_by);
        let forward = walk(app, &kind, order_by, true).await;
        assert_eq!(forward, want, "forward under {order_by:?}");
        let backward = walk(app, &kind, order_by, false).await;
        assert_eq!(backward, want, "backward under {order_by:?}");
    }
}

db_test!(customer_walks_return_every_row_once_under_every_order);
async fn customer_walks_return_every_row_once_under_every_order(app: TestApp) {
    seed(&app).await;
    check_every_order(
        &app,
        Kind::Customers,
        &[
            &["CUSTOMER_ID_ASC"],
            &["CUSTOMER_ID_DESC"],
            &["FIRST_NAME_ASC"],
            &["FIRST_NAME_DESC"],
            &["LAST_NAME_ASC"],
            &["LAST_NAME_DESC"],
            &["EMAIL_ASC"],
            &["EMAIL_DESC"],
            &["CREATED_AT_ASC"],
            &["CREATED_AT_DESC"],
            &["LAST_NAME_ASC", "FIRST_NAME_DESC"],
        ],
    )
    .await;
}

db_test!(todo_walks_return_every_row_once_under_every_order);
async fn todo_walks_return_every_row_once_under_every_order(app: TestApp) {
    seed(&app).await;
    check_every_order(
        &app,
        Kind::Todos,
        &[
            &["TODO_ID_ASC"],
            &["TODO_ID_DESC"],
            &["TASK_ASC"],
            &["TASK_DESC"],
            &["STATUS_ASC"],
            &["STATUS_DESC"],
            &["CUSTOMER_ID_ASC"],
            &["CUSTOMER_ID_DESC"],
            &["CREATED_AT_ASC"],
            &["CREATED_AT_DESC"],
            &["STATUS_DESC", "CUSTOMER_ID_ASC", "TASK_DESC"],
            &["CUSTOMER_ID_DESC", "TASK_ASC"],
        ],
    )
    .await;
}

db_test!(nested_todos_follow_their_order_and_filter);
async fn nested_todos_follow_their_order_and_filter(app: TestApp) {
    let customer_ids = seed(&app).await;
    let query = "query($ids: [Int!], $after: String) {
        customers(filter: { customerId: { in: $ids } }) {
            nodes {
                customerId
                todos(first: 5, after: $after, orderBy: [TASK_DESC],
                      filter: { status: { ne: COMPLETED } }) {
                    nodes { todoId task status }
                    pageInfo { hasNextPage endCursor }
                }
            }
        }
    }";
    let ids = &customer_ids[..3];
    let data = app.graphql_data(query, json!({ "ids": ids })).await;
    for customer in data["customers"]["nodes"].as_array().expect("nodes") {
        let id = customer["customerId"].as_i64().expect("id");
        let all = app
            .graphql_data(
                "query($id: Int!) {
                    todos(first: 1000, filter: { customerId: { eq: $id }, status: { ne: COMPLETED } }) {
                        nodes { id: todoId task status }
                    }
                }",
                json!({ "id": id }),
            )
            .await;
        let all = rows(&all["todos"]);
        let want: Vec<i64> = expected(&all, &["TASK_DESC"]).into_iter().take(5).collect();
        let got: Vec<i64> = customer["todos"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|node| node["todoId"].as_i64().expect("id"))
            .collect();
        assert_eq!(got, want, "customer {id}");
        assert_eq!(
            customer["todos"]["pageInfo"]["hasNextPage"],
            json!(all.len() > 5)
        );
    }
}

db_test!(a_cursor_only_works_under_its_own_order);
async fn a_cursor_only_works_under_its_own_order(app: TestApp) {
    seed(&app).await;
    let query = "query($after: String, $orderBy: [CustomerOrderBy!]) {
        customers(first: 2, after: $after, orderBy: $orderBy) { pageInfo { endCursor } }
    }";
    let data = app
        .graphql_data(query, json!({ "orderBy": ["LAST_NAME_ASC"] }))
        .await;
    let cursor = data["customers"]["pageInfo"]["endCursor"].clone();
    for other in [
        json!(["LAST_NAME_DESC"]),
        json!(["FIRST_NAME_ASC"]),
        json!(null),
    ] {
        let body = app
            .graphql(query, json!({ "after": cursor, "orderBy": other }))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{other}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], json!("after"));
    }
    // The same order spelt with redundant entries is the same order.
    let body = app
        .graphql(
            query,
            json!({ "after": cursor, "orderBy": ["LAST_NAME_ASC", "LAST_NAME_DESC"] }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
}

db_test!(rows_inserted_between_pages_keep_a_sorted_walk_exact);
async fn rows_inserted_between_pages_keep_a_sorted_walk_exact(app: TestApp) {
    for (n, last) in ["b", "d", "f", "h"].iter().enumerate() {
        app.create_customer("X", last, &format!("walk{n}@example.com"))
            .await;
    }
    let query = "query($after: String) {
        customers(first: 2, after: $after, orderBy: [LAST_NAME_ASC]) {
            nodes { lastName } pageInfo { endCursor hasNextPage }
        }
    }";
    let first = app.graphql_data(query, json!({})).await;
    let names = |data: &Value| -> Vec<String> {
        data["customers"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|node| node["lastName"].as_str().expect("name").to_owned())
            .collect()
    };
    assert_eq!(names(&first), ["b", "d"]);
    // One row before the cursor, one after it, one equal to the last row seen.
    app.create_customer("X", "a", "walk-a@example.com").await;
    app.create_customer("X", "e", "walk-e@example.com").await;
    app.create_customer("X", "d", "walk-d@example.com").await;
    let cursor = first["customers"]["pageInfo"]["endCursor"].clone();
    let second = app.graphql_data(query, json!({ "after": cursor })).await;
    // The new "d" has a larger id than the "d" seen, so it comes right after it.
    assert_eq!(names(&second), ["d", "e"]);
    let cursor = second["customers"]["pageInfo"]["endCursor"].clone();
    let third = app.graphql_data(query, json!({ "after": cursor })).await;
    assert_eq!(names(&third), ["f", "h"]);
    assert_eq!(third["customers"]["pageInfo"]["hasNextPage"], json!(false));
}
