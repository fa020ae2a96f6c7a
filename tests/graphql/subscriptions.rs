//! Subscriptions deliver changes made through either interface, after they commit; on
//! PostgreSQL through the change log, read in one order that a late commit cannot upset, by
//! a reader that survives losing its connection without missing what was written meanwhile
//! and that prunes the log behind it.

use std::time::Duration;

use api::events::{APPLICATION_NAME, ChangeKind};
use futures::StreamExt;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use service::Principal;
use tests::{Backend, TestApp, db_test};
use tokio::sync::{broadcast, mpsc};

async fn next(events: &mut mpsc::UnboundedReceiver<serde_json::Value>) -> serde_json::Value {
    tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("an event within 5 s")
        .expect("subscription open")
}

db_test!(customer_and_todo_changes_reach_subscribers);
async fn customer_and_todo_changes_reach_subscribers(app: TestApp) {
    let mut customers =
        app.subscribe("subscription { customerChanged { kind customerId customer { email } } }");
    let mut todos =
        app.subscribe("subscription { todoChanged(customerId: 1) { kind todoId todo { task } } }");
    app.until_subscribed(1, 1).await;

    let customer = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    app.create_todo("not for customer 1", None).await;
    let todo = app
        .create_todo("for customer 1", customer["customer_id"].as_i64())
        .await;
    app.delete(&format!("/api/v1/todos/{}", todo["id"])).await;

    assert_eq!(
        next(&mut customers).await,
        json!({ "customerChanged": { "kind": "CREATED", "customerId": 1, "customer": { "email": "ada@example.com" } } })
    );
    assert_eq!(
        next(&mut todos).await,
        json!({ "todoChanged": { "kind": "CREATED", "todoId": todo["id"], "todo": { "task": "for customer 1" } } })
    );
    assert_eq!(
        next(&mut todos).await,
        json!({ "todoChanged": { "kind": "DELETED", "todoId": todo["id"], "todo": null } })
    );
}

/// The next event on a receiver of the events hub, waiting at most 10 s.
async fn received<T: Clone>(receiver: &mut broadcast::Receiver<T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), receiver.recv())
        .await
        .expect("an event within 10 s")
        .expect("an event, not a lag or a closed channel")
}

db_test!(rows_too_large_for_a_notification_still_reach_subscribers_whole);
async fn rows_too_large_for_a_notification_still_reach_subscribers_whole(app: TestApp) {
    assert_eq!(
        app.state.events.is_replicated(),
        app.backend == Backend::Postgres
    );
    // Subscribing to the hub directly: the receiver exists before the writes, no waiting.
    let mut customers = app
        .state
        .events
        .subscribe_customers()
        .await
        .expect("subscribed");
    let mut todos = app
        .state
        .events
        .subscribe_todos()
        .await
        .expect("subscribed");

    let customer = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let customer_id = customer["customer_id"].as_i64().expect("an id");
    // 12,000 bytes of text: over PostgreSQL's 8000-byte payload limit.
    let middle_name = "Ä".repeat(6000);
    let response = app
        .put(
            &format!("/v1/customers/{customer_id}"),
            &json!({ "first_name": "Ada", "middle_name": middle_name, "last_name": "Lovelace",
                     "email": "ada@example.com" }),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let task = "Compute the Bernoulli numbers. ".repeat(400);
    let todo = app.create_todo(&task, Some(customer_id)).await;

    let created = received(&mut customers).await;
    assert_eq!(created.kind, ChangeKind::Created);
    assert_eq!(created.customer.map(|row| row.middle_name), Some(None));
    let updated = received(&mut customers).await;
    assert_eq!(updated.kind, ChangeKind::Updated);
    assert_eq!(i64::from(updated.customer_id), customer_id);
    let row = updated.customer.expect("the whole row");
    assert_eq!(row.middle_name.as_deref(), Some(middle_name.as_str()));
    assert_eq!(row.email, "ada@example.com");

    let todo_event = received(&mut todos).await;
    assert_eq!(todo_event.kind, ChangeKind::Created);
    assert_eq!(Some(i64::from(todo_event.todo_id)), todo["id"].as_i64());
    assert_eq!(todo_event.customer_id.map(i64::from), Some(customer_id));
    let row = todo_event.todo.expect("the whole row");
    assert_eq!(row.task, task);
    assert_eq!(row.customer_id.map(i64::from), Some(customer_id));
}

db_test!(an_event_carries_the_row_exactly_as_it_is_stored);
/// On PostgreSQL the event is written by a trigger (`row_to_json`) and read by the relay:
/// what subscribers get must still be the row the service reads, to the microsecond and
/// the character.
async fn an_event_carries_the_row_exactly_as_it_is_stored(app: TestApp) {
    let mut customers = app
        .state
        .events
        .subscribe_customers()
        .await
        .expect("subscribed");
    let mut todos = app
        .state
        .events
        .subscribe_todos()
        .await
        .expect("subscribed");
    let customer = app
        .post(
            "/v1/customers",
            &json!({ "first_name": "Zoë", "middle_name": "\"Q\" \\ ☃", "last_name": "Ørsted",
                     "suffix": "Jr.", "email": "zoe@example.com", "phone": "+45 1234" }),
        )
        .await;
    assert_eq!(customer.status, 201, "{}", customer.text());
    let customer_id = customer.json()["customer_id"].as_i64().expect("an id");
    let customer_id = i32::try_from(customer_id).expect("an i32");
    let todo = app
        .create_todo(
            "Ünïcode, \"quotes\" and a\nnewline",
            Some(customer_id.into()),
        )
        .await;
    let todo_id = i32::try_from(todo["id"].as_i64().expect("an id")).expect("an i32");

    let stored_customer = service::customer::find(&app.db, Principal::Admin, customer_id)
        .await
        .expect("find")
        .expect("the customer");
    let stored_todo = service::todo::find(&app.db, Principal::Admin, todo_id)
        .await
        .expect("find")
        .expect("the todo");
    let event = received(&mut customers).await;
    assert_eq!(
        (event.kind, event.customer_id),
        (ChangeKind::Created, customer_id)
    );
    assert_eq!(event.customer, Some(stored_customer));
    let event = received(&mut todos).await;
    assert_eq!(event.kind, ChangeKind::Created);
    assert_eq!(event.customer_id, Some(customer_id));
    assert_eq!(event.todo, Some(stored_todo));
}

db_test!(deleting_a_customer_announces_it_and_not_the_todos_it_unlinks);
/// Deleting a customer sets its todos' `customer_id` to null (the seed's foreign key), which
/// PostgreSQL runs as an `UPDATE` of those rows: the service announces the customer's
/// deletion only, on both databases.
async fn deleting_a_customer_announces_it_and_not_the_todos_it_unlinks(app: TestApp) {
    let mut customers = app
        .state
        .events
        .subscribe_customers()
        .await
        .expect("subscribed");
    let mut todos = app
        .state
        .events
        .subscribe_todos()
        .await
        .expect("subscribed");
    let customer = app
        .create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let customer_id = customer["customer_id"].as_i64();
    let first = app.create_todo("first", customer_id).await;
    app.create_todo("second", customer_id).await;
    assert_eq!(received(&mut customers).await.kind, ChangeKind::Created);
    assert_eq!(received(&mut todos).await.kind, ChangeKind::Created);
    assert_eq!(received(&mut todos).await.kind, ChangeKind::Created);

    let deleted = app
        .delete(&format!("/v1/customers/{}", customer["customer_id"]))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    let unlinked = app.get(&format!("/api/v1/todos/{}", first["id"])).await;
    assert_eq!(unlinked.json()["customer_id"], json!(null), "unlinked");
    let marker = app.create_todo("after the deletion", None).await;

    let event = received(&mut customers).await;
    assert_eq!(event.kind, ChangeKind::Deleted);
    assert_eq!(Some(i64::from(event.customer_id)), customer_id);
    let event = received(&mut todos).await;
    assert_eq!(
        (event.kind, i64::from(event.todo_id)),
        (
            ChangeKind::Created,
            marker["id"].as_i64().unwrap_or_default()
        ),
        "the next todo event is the marker's creation, not an unlinked todo's update"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
/// The triggers send events for every write to the tables, so a row fixed by hand in SQL
/// reaches subscribers too (and on every replica).
async fn a_row_changed_with_plain_sql_reaches_subscribers() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let mut todos = app
        .state
        .events
        .subscribe_todos()
        .await
        .expect("subscribed");
    let todo = app.create_todo("typo", None).await;
    assert_eq!(received(&mut todos).await.kind, ChangeKind::Created);

    app.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE todos SET task = $1, updated_at = now() WHERE id = $2",
            ["fixed by hand".into(), todo["id"].as_i64().into()],
        ))
        .await
        .expect("update");
    let event = received(&mut todos).await;
    assert_eq!(event.kind, ChangeKind::Updated);
    assert_eq!(
        event.todo.map(|row| row.task).as_deref(),
        Some("fixed by hand")
    );
}

/// Process ids of the listener's connections to this test's database that are connected
/// and idle (past `LISTEN` and its first read of the log).
async fn listening_backends(app: &TestApp) -> Vec<i32> {
    let rows = app
        .db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 \
             AND datname = current_database() AND state = 'idle'",
            [APPLICATION_NAME.into()],
        ))
        .await
        .expect("pg_stat_activity");
    rows.iter()
        .map(|row| row.try_get::<i32>("", "pid").expect("pid"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
async fn the_listener_comes_back_after_its_connection_is_killed() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let mut customers = app
        .state
        .events
        .subscribe_customers()
        .await
        .expect("subscribed");
    app.create_customer("Before", "Kill", "before@example.com")
        .await;
    assert_eq!(received(&mut customers).await.kind, ChangeKind::Created);

    let killed = listening_backends(&app).await;
    assert_eq!(killed.len(), 1, "one listener connection: {killed:?}");
    app.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_terminate_backend($1)",
            [killed[0].into()],
        ))
        .await
        .expect("pg_terminate_backend");

    // Written while the listener is away (or before it notices): the log keeps it.
    let during = app
        .create_customer("During", "Kill", "during@example.com")
        .await;

    // Bounded wait for the listener to notice, reconnect and LISTEN again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let listening = listening_backends(&app).await;
        if !listening.is_empty() && !listening.contains(&killed[0]) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no new listener connection within 15 s: {listening:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let after = app
        .create_customer("After", "Kill", "after@example.com")
        .await;
    for expected in [&during, &after] {
        let event = received(&mut customers).await;
        assert_eq!(event.kind, ChangeKind::Created);
        assert_eq!(
            Some(i64::from(event.customer_id)),
            expected["customer_id"].as_i64()
        );
        assert_eq!(
            event.customer.map(|row| row.email),
            expected["email"].as_str().map(str::to_owned)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
/// A transaction that started writing first but commits last must not be skipped by a
/// reader that already took a younger transaction's row (which a read ordered by a sequence
/// alone would do), and every reader must deliver the two in the same order: the older
/// transaction's event waits for it, then both come, older first.
async fn an_older_transaction_that_commits_late_is_delivered_in_its_place_not_skipped() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let mut customers = app
        .state
        .events
        .subscribe_customers()
        .await
        .expect("subscribed");
    let other = sea_orm::Database::connect(app.database_url())
        .await
        .expect("a connection of the test's own");
    let late = sea_orm::TransactionTrait::begin(&other)
        .await
        .expect("begin");
    late.execute_raw(Statement::from_string(
        DbBackend::Postgres,
        "INSERT INTO customer (first_name, last_name, email) \
         VALUES ('Late', 'Committer', 'late@example.com')",
    ))
    .await
    .expect("insert in the open transaction");

    app.create_customer("Early", "Committer", "early@example.com")
        .await;
    let held = tokio::time::timeout(Duration::from_millis(1500), customers.recv()).await;
    assert!(
        held.is_err(),
        "an event was delivered past an older transaction still open: {held:?}"
    );

    late.commit().await.expect("commit");
    let emails: Vec<Option<String>> = [
        received(&mut customers).await,
        received(&mut customers).await,
    ]
    .into_iter()
    .map(|event| event.customer.map(|row| row.email))
    .collect();
    assert_eq!(
        emails,
        [
            Some("late@example.com".to_owned()),
            Some("early@example.com".to_owned())
        ]
    );
    other.close().await.ok();
}

/// The `count(*) AS n` that `sql` selects with `values`.
async fn count(app: &TestApp, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
    app.db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await
        .expect("count")
        .expect("a row")
        .try_get::<i64>("", "n")
        .expect("n")
}

/// Rows in the change log.
async fn logged(app: &TestApp) -> i64 {
    count(app, "SELECT count(*) AS n FROM change_log", vec![]).await
}

/// A second relay on the app's database (another replica's), paced by `options`.
async fn second_relay(
    app: &TestApp,
    options: api::events::RelayOptions,
) -> (api::events::Events, api::events::EventRelay) {
    api::events::start_with(&app.db, app.database_url(), options)
        .await
        .expect("a second relay")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
/// A second relay on the same database (a replica) that prunes every 200 ms: it still
/// delivers every event, and the log empties behind the readers instead of growing.
async fn the_change_log_is_pruned_behind_the_readers() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let (events, relay) = second_relay(
        &app,
        api::events::RelayOptions {
            prune_interval: Duration::from_millis(200),
            ..api::events::RelayOptions::default()
        },
    )
    .await;
    let mut here = app
        .state
        .events
        .subscribe_customers()
        .await
        .expect("subscribed");
    let mut there = events.subscribe_customers().await.expect("subscribed");
    for n in 0..3 {
        app.create_customer("Pruned", "Later", &format!("pruned{n}@example.com"))
            .await;
    }
    for n in 0..3 {
        let email = Some(format!("pruned{n}@example.com"));
        assert_eq!(
            received(&mut here).await.customer.map(|row| row.email),
            email
        );
        assert_eq!(
            received(&mut there).await.customer.map(|row| row.email),
            email
        );
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while logged(&app).await > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the log still holds {} rows after 15 s",
            logged(&app).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    relay.stop().await;
}

db_test!(a_slow_subscriber_blocks_neither_writers_nor_other_subscribers);
async fn a_slow_subscriber_blocks_neither_writers_nor_other_subscribers(app: TestApp) {
    let query = "subscription { customerChanged { customer { email } } }";
    // A subscriber that registers and then never reads again.
    let mut slow = app.state.schema.execute_stream(query);
    // Polled until it has registered (on PostgreSQL, once its replica listens); nothing has
    // been written, so there is no event yet.
    while app.state.events.customer_subscribers() < 1 {
        let polled = tokio::time::timeout(Duration::from_millis(10), slow.next()).await;
        assert!(polled.is_err(), "no event yet: {polled:?}");
    }
    let mut fast = app.subscribe(query);
    app.until_subscribed(2, 0).await;

    // More events than a subscriber may fall behind by: the writes must all go through.
    let inputs = |batch: usize| -> serde_json::Value {
        (0..1000)
            .map(|n| {
                json!({ "firstName": "F", "lastName": "L",
                        "email": format!("slow{batch}-{n}@example.com") })
            })
            .collect()
    };
    let writes = async {
        for batch in 0..2 {
            app.graphql_data(
                "mutation($inputs: [CreateCustomerInput!]!) { createCustomers(inputs: $inputs) { customerId } }",
                json!({ "inputs": inputs(batch) }),
            )
            .await;
        }
        app.create_customer("Last", "One", "marker@example.com")
            .await;
    };
    tokio::time::timeout(Duration::from_secs(120), writes)
        .await
        .expect("writers are not held up by a subscriber that does not read");

    // The reading subscriber gets to the last event (it may skip some if it fell behind).
    let marker = json!({ "customerChanged": { "customer": { "email": "marker@example.com" } } });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let event = tokio::time::timeout_at(deadline, fast.recv())
            .await
            .expect("the marker within 30 s")
            .expect("subscription open");
        if event == marker {
            break;
        }
    }
    // The slow one skips what it missed and carries on with what is still buffered.
    let next = tokio::time::timeout(Duration::from_secs(5), slow.next())
        .await
        .expect("the slow subscriber still gets events")
        .expect("its stream is still open");
    assert!(next.errors.is_empty(), "{:?}", next.errors);
}

/// Rows in the change log that mention `text`.
async fn logged_mentioning(app: &TestApp, text: &str) -> i64 {
    count(
        app,
        "SELECT count(*) AS n FROM change_log WHERE strpos(payload, $1) > 0",
        vec![text.into()],
    )
    .await
}

/// Live rows in `change_listeners`.
async fn listeners(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT count(*) AS n FROM change_listeners WHERE expires_at > now()",
        vec![],
    )
    .await
}

/// Waits (at most 15 s) until `change_listeners` holds `expected` live rows.
async fn until_listeners(app: &TestApp, expected: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while listeners(app).await != expected {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} live listener rows after 15 s, not {expected}",
            listeners(app).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
/// Writes log their events only while some replica has subscribers (migration m0006): none
/// before the first subscription, every one while it lasts (the subscription starts only
/// once its replica's row is committed), none again once its replica gave up the row.
async fn writes_log_their_events_only_while_a_replica_listens() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let (events, relay) = second_relay(
        &app,
        api::events::RelayOptions {
            listener_linger: Duration::from_millis(100),
            ..api::events::RelayOptions::default()
        },
    )
    .await;

    app.create_customer("Before", "Anyone", "before@example.com")
        .await;
    assert_eq!(listeners(&app).await, 0);
    assert_eq!(logged(&app).await, 0, "logged with nobody listening");

    let mut there = events.subscribe_customers().await.expect("subscribed");
    assert_eq!(
        listeners(&app).await,
        1,
        "the subscription started before its replica's row was committed"
    );
    app.create_customer("While", "Listening", "while@example.com")
        .await;
    assert_eq!(
        received(&mut there).await.customer.map(|row| row.email),
        Some("while@example.com".to_owned())
    );
    assert_eq!(logged_mentioning(&app, "while@example.com").await, 1);

    drop(there);
    until_listeners(&app, 0).await;
    app.create_customer("After", "Everyone", "after@example.com")
        .await;
    assert_eq!(
        logged_mentioning(&app, "after@example.com").await,
        0,
        "logged after the last listener left"
    );
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
/// A replica that cannot refresh its listener row before it expires (here another session
/// holds the row's lock) may have missed events: its subscriptions end with an error instead
/// of waiting for what never comes, and a new subscription works once the row can be written
/// again.
async fn a_replica_that_cannot_keep_its_listener_row_ends_its_subscriptions() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let (events, relay) = second_relay(
        &app,
        api::events::RelayOptions {
            listener_ttl: Duration::from_secs(1),
            ..api::events::RelayOptions::default()
        },
    )
    .await;
    let mut changes = Box::pin(events.customer_changes().await.expect("subscribed"));
    app.create_customer("Before", "Lapse", "before@example.com")
        .await;
    let first = tokio::time::timeout(Duration::from_secs(10), changes.next())
        .await
        .expect("an event within 10 s")
        .expect("open")
        .expect("an event");
    assert_eq!(first.kind, ChangeKind::Created);

    let blocker = sea_orm::Database::connect(app.database_url())
        .await
        .expect("a connection of the test's own");
    let locked = sea_orm::TransactionTrait::begin(&blocker)
        .await
        .expect("begin");
    locked
        .execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT replica FROM change_listeners FOR UPDATE",
        ))
        .await
        .expect("lock the listener rows");
    let ended = tokio::time::timeout(Duration::from_secs(10), changes.next())
        .await
        .expect("the subscription ends within 10 s");
    assert!(
        matches!(ended, Some(Err(api::events::EventsError::Lapsed))),
        "{ended:?}"
    );
    assert!(changes.next().await.is_none(), "ended after the error");
    locked.rollback().await.expect("rollback");

    let mut again = events
        .subscribe_customers()
        .await
        .expect("subscribed again");
    app.create_customer("After", "Lapse", "after@example.com")
        .await;
    assert_eq!(
        received(&mut again).await.customer.map(|row| row.email),
        Some("after@example.com".to_owned())
    );
    blocker.close().await.ok();
    relay.stop().await;
}
