//! Fault tests: PostgreSQL stops, crashes and comes back while the service runs. Each test
//! gets a private cluster of its own (see `cluster`), never the shared server.
//!
//! PostgreSQL only, so `#[ignore]`d like the other PostgreSQL tests: run with `--ignored`.
//! They need the PostgreSQL server binaries (`initdb`, `pg_ctl`), not `TEST_DATABASE_URL`.

mod cluster;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use cluster::PrivateCluster;
use serde_json::{Value, json};
use support::RunningBinary;
use tokio::sync::Mutex;

/// Whether something accepts TCP connections on 127.0.0.1 at `port` (within 2 s).
async fn answers(port: u16) -> bool {
    matches!(
        tokio::time::timeout(
            Duration::from_secs(2),
            TcpStream::connect(("127.0.0.1", port))
        )
        .await,
        Ok(Ok(_))
    )
}

/// A pool of one connection to `url` that gives up after 2 s instead of sqlx's default 30.
async fn connect(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(1)
        .connect_timeout(Duration::from_secs(2))
        .acquire_timeout(Duration::from_secs(2))
        .sqlx_logging(false);
    Database::connect(options).await
}

/// The sum of `n` over table `t`.
async fn sum(db: &DatabaseConnection) -> Result<i64, sea_orm::DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT sum(n)::bigint AS total FROM t",
        ))
        .await?
        .expect("one row");
    row.try_get("", "total")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL: run with --ignored (creates a private cluster)"]
async fn private_cluster_stops_crashes_restarts_and_cleans_up() {
    let clock = Instant::now();
    let cluster = PrivateCluster::create().await;
    eprintln!("create: {:?}", clock.elapsed());
    let port = cluster.port();
    let data_dir = cluster.data_dir().to_owned();
    assert_ne!(port, 5432, "never the shared server's port");
    assert!(data_dir.join("postmaster.pid").is_file());
    assert!(answers(port).await);

    let url = cluster.create_database("smoke").await;
    assert_eq!(url, format!("postgres://postgres@127.0.0.1:{port}/smoke"));
    let db = connect(&url).await.expect("connect to the private cluster");
    db.execute_unprepared("CREATE TABLE t (n int); INSERT INTO t VALUES (1)")
        .await
        .expect("create and fill a table");

    // A clean stop: the port refuses connections, new and pooled queries fail.
    let clock = Instant::now();
    cluster.stop().await;
    eprintln!("stop (fast): {:?}", clock.elapsed());
    assert!(!data_dir.join("postmaster.pid").exists());
    assert!(!answers(port).await, "port {port} still answers after stop");
    assert!(
        connect(&url).await.is_err(),
        "connected to a stopped cluster"
    );
    let clock = Instant::now();
    assert!(
        sum(&db).await.is_err(),
        "a query succeeded on a stopped cluster"
    );
    eprintln!("pooled query failed after {:?}", clock.elapsed());

    // Back on the same port with the same data; the old pool reconnects by itself.
    let clock = Instant::now();
    cluster.start().await;
    eprintln!("start: {:?}", clock.elapsed());
    assert!(answers(port).await);
    assert_eq!(sum(&db).await.expect("the pool reconnects"), 1);
    db.execute_unprepared("INSERT INTO t VALUES (2)")
        .await
        .expect("insert after the restart");

    // A crash: committed rows survive crash recovery (fsync = off loses nothing unless the
    // machine itself goes down).
    let clock = Instant::now();
    cluster.stop_immediate().await;
    eprintln!("stop (immediate): {:?}", clock.elapsed());
    assert!(
        !answers(port).await,
        "port {port} still answers after a crash"
    );
    let clock = Instant::now();
    cluster.start().await;
    eprintln!("start after a crash: {:?}", clock.elapsed());
    let fresh = connect(&url).await.expect("connect after crash recovery");
    assert_eq!(sum(&fresh).await.expect("query after crash recovery"), 3);
    fresh.close().await.ok();
    db.close().await.ok();

    // Dropping it, running, stops the server and deletes everything.
    let clock = Instant::now();
    drop(cluster);
    eprintln!("drop: {:?}", clock.elapsed());
    assert!(!data_dir.exists(), "{} is still there", data_dir.display());
    assert!(
        data_dir.parent().is_some_and(|root| !root.exists()),
        "the temporary directory is still there"
    );
    assert!(!answers(port).await, "port {port} still answers after drop");
}

/// One answer of the load, or the transport failure in its place.
#[derive(Clone, Debug)]
struct Outcome {
    /// When the request was sent, from the start of the test.
    sent: Duration,
    /// How long the answer took.
    took: Duration,
    /// What was asked: `read`, `graphql` or `write`.
    kind: &'static str,
    /// The status, or `None` for a reset, a refused connection or a client time-out.
    status: Option<u16>,
    retry_after: Option<String>,
    body: String,
}

/// A bounded load of reads, GraphQL queries and writes from `clients` tasks until `stop`.
struct Load {
    outcomes: Arc<Mutex<Vec<Outcome>>>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(base: String, clients: usize, start: Instant, customer_id: i64) -> Self {
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let counter = Arc::new(AtomicUsize::new(0));
        let tasks = (0..clients)
            .map(|client| {
                let (base, outcomes, stop, counter) = (
                    base.clone(),
                    Arc::clone(&outcomes),
                    Arc::clone(&stop),
                    Arc::clone(&counter),
                );
                tokio::spawn(async move {
                    // Far above any bound the service should keep: a hang shows as `None`.
                    let http = reqwest::Client::builder()
                        .timeout(Duration::from_secs(15))
                        .build()
                        .expect("client");
                    let mut turn = client;
                    while !stop.load(Ordering::Relaxed) {
                        turn += 1;
                        let (kind, request) = match turn % 3 {
                            0 => ("read", http.get(format!("{base}/v1/customers/{customer_id}"))),
                            1 => (
                                "graphql",
                                http.post(format!("{base}/graphql")).json(&json!({
                                    "query": "query Probe($id: Int!) { customer(customerId: $id) { email } }",
                                    "variables": { "id": customer_id },
                                })),
                            ),
                            _ => {
                                let n = counter.fetch_add(1, Ordering::Relaxed);
                                (
                                    "write",
                                    http.post(format!("{base}/v1/customers")).json(&json!({
                                        "first_name": "Load", "last_name": format!("N{n}"),
                                        "email": format!("load-{n}@faults.example.com"),
                                    })),
                                )
                            }
                        };
                        let sent = start.elapsed();
                        let outcome = match request.send().await {
                            Ok(response) => {
                                let status = response.status().as_u16();
                                let retry_after = response
                                    .headers()
                                    .get("retry-after")
                                    .and_then(|value| value.to_str().ok())
                                    .map(str::to_owned);
                                let body = response.text().await.unwrap_or_default();
                                Outcome { sent, took: start.elapsed() - sent, kind, status: Some(status), retry_after, body }
                            }
                            Err(error) => Outcome {
                                sent,
                                took: start.elapsed() - sent,
                                kind,
                                status: None,
                                retry_after: None,
                                body: error.to_string(),
                            },
                        };
                        outcomes.lock().await.push(outcome);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                })
            })
            .collect();
        Self {
            outcomes,
            stop,
            tasks,
        }
    }

    async fn finish(self) -> Vec<Outcome> {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.expect("a load task");
        }
        self.outcomes.lock().await.clone()
    }
}

/// The emails of every write the service acknowledged (201).
fn acknowledged_emails(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter(|outcome| outcome.kind == "write" && outcome.status == Some(201))
        .map(|outcome| {
            let body: Value = serde_json::from_str(&outcome.body).expect("a created customer");
            body["email"].as_str().expect("an email").to_owned()
        })
        .collect()
}

/// The emails the load wrote that are in the database.
async fn stored_load_emails(db: &DatabaseConnection) -> Vec<String> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT email FROM customer WHERE email LIKE 'load-%'",
        ))
        .await
        .expect("read back the load's rows");
    rows.iter()
        .map(|row| row.try_get::<String>("", "email").expect("email"))
        .collect()
}

fn summary(outcomes: &[Outcome]) -> String {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for outcome in outcomes {
        let status = outcome
            .status
            .map_or("reset".to_owned(), |status| status.to_string());
        *counts
            .entry(format!("{} {status}", outcome.kind))
            .or_default() += 1;
    }
    format!("{counts:?}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "PostgreSQL: run with --ignored (creates a private cluster)"]
async fn a_database_outage_is_answered_503_and_the_service_recovers_when_it_returns() {
    const CONNECT_TIMEOUT_SECS: u64 = 2;
    let cluster = PrivateCluster::create().await;
    let url = cluster.create_database("outage").await;
    let mut server = RunningBinary::start_with(
        &url,
        &[
            ("DB_CONNECT_TIMEOUT_SECS", &CONNECT_TIMEOUT_SECS.to_string()),
            ("DB_MAX_CONNECTIONS", "4"),
        ],
    )
    .await;
    let base = server.url("");
    let http = reqwest::Client::new();
    let seed: Value = http
        .post(format!("{base}/v1/customers"))
        .json(&json!({ "first_name": "Seed", "last_name": "Row", "email": "seed@faults.example.com" }))
        .send()
        .await
        .expect("seed")
        .json()
        .await
        .expect("seed JSON");
    let customer_id = seed["customer_id"].as_i64().expect("an id");

    let start = Instant::now();
    let load = Load::start(base.clone(), 6, start, customer_id);
    tokio::time::sleep(Duration::from_secs(1)).await;

    cluster.stop().await;
    let down = start.elapsed();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The probes while it is down.
    let ready = http
        .get(format!("{base}/ready"))
        .send()
        .await
        .expect("/ready");
    assert_eq!(ready.status(), 503);
    let health = http
        .get(format!("{base}/health"))
        .send()
        .await
        .expect("/health");
    assert_eq!(health.status(), 200);
    tokio::time::sleep(Duration::from_secs(3)).await;

    let restarting = start.elapsed();
    cluster.start().await;
    let up = start.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let outcomes = load.finish().await;
    let summary = summary(&outcomes);

    // Never a reset, a hang or a 500: every answer is a success or a 503.
    for outcome in &outcomes {
        match outcome.status {
            Some(200 | 201) => {}
            Some(503) => assert_eq!(outcome.retry_after.as_deref(), Some("1"), "{outcome:?}"),
            _ => panic!("{outcome:?}\n{summary}"),
        }
    }
    // While it was down (sent after the stop, answered before the restart began), every
    // request that needed it got 503 in its protocol's shape, within the connect timeout
    // (plus slack for a loaded machine).
    let during: Vec<&Outcome> = outcomes
        .iter()
        .filter(|outcome| outcome.sent > down && outcome.sent + outcome.took < restarting)
        .collect();
    assert!(during.len() >= 6, "{summary}");
    let worst = during
        .iter()
        .map(|outcome| outcome.took)
        .max()
        .unwrap_or_default();
    for outcome in &during {
        assert_eq!(outcome.status, Some(503), "{outcome:?}");
        let body: Value = serde_json::from_str(&outcome.body).expect("a JSON body");
        if outcome.kind == "graphql" {
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
                "{body}"
            );
            assert_eq!(body["data"], Value::Null);
        } else {
            assert_eq!(body, json!({ "detail": "Service unavailable" }));
        }
    }
    assert!(
        worst <= Duration::from_secs(CONNECT_TIMEOUT_SECS + 3),
        "an answer took {worst:?} during the outage"
    );
    // Back: the first success soon after, and from then on nothing fails (no request on a
    // connection the restart broke).
    let first_success = outcomes
        .iter()
        .filter(|outcome| outcome.sent >= up && outcome.status.is_some_and(|status| status < 300))
        .map(|outcome| outcome.sent + outcome.took)
        .min()
        .expect("a success after the restart");
    let recovery = first_success.saturating_sub(up);
    assert!(
        recovery <= Duration::from_secs(5),
        "first success {recovery:?} after the restart"
    );
    let failed_after: Vec<&Outcome> = outcomes
        .iter()
        .filter(|outcome| {
            outcome.sent >= first_success
                && outcome.status != Some(200)
                && outcome.status != Some(201)
        })
        .collect();
    assert!(failed_after.is_empty(), "{failed_after:?}");
    eprintln!(
        "outage: {summary}; {} answers while down, worst {worst:?}; first success {recovery:?} after the restart",
        during.len()
    );

    // Every acknowledged write is there, and the outage was logged once, not per request.
    let db = connect(&url).await.expect("connect");
    let mut stored = stored_load_emails(&db).await;
    stored.sort();
    let mut acknowledged = acknowledged_emails(&outcomes);
    acknowledged.sort();
    assert!(
        acknowledged
            .iter()
            .all(|email| stored.binary_search(email).is_ok())
    );
    db.close().await.ok();
    assert_eq!(
        server
            .log_lines(
                "the database is unavailable; requests that need it get 503 until it is back"
            )
            .len(),
        1
    );
    assert_eq!(server.log_lines("the database is reachable again").len(), 1);
    assert_eq!(
        http.get(format!("{base}/ready"))
            .send()
            .await
            .expect("/ready")
            .status(),
        200
    );
    server.terminate();
    let (exit, _) = server.exit_within(Duration::from_secs(15)).await;
    assert!(exit.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "PostgreSQL: run with --ignored (creates a private cluster)"]
async fn sigterm_under_load_answers_what_is_in_flight_and_loses_no_acknowledged_write() {
    let cluster = PrivateCluster::create().await;
    let url = cluster.create_database("shutdown").await;
    let mut server = RunningBinary::start_with(&url, &[("SHUTDOWN_TIMEOUT_SECS", "10")]).await;
    let base = server.url("");

    // A subscriber, to be told the server is going away.
    let mut request = format!("ws://127.0.0.1:{}/graphql/ws", server.port)
        .into_client_request()
        .expect("WebSocket request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header value"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket handshake");
    socket
        .send(Message::text(
            json!({ "type": "connection_init" }).to_string(),
        ))
        .await
        .expect("init");
    socket
        .send(Message::text(
            json!({ "id": "1", "type": "subscribe",
                    "payload": { "query": "subscription { customerChanged { customerId } }" } })
            .to_string(),
        ))
        .await
        .expect("subscribe");

    let start = Instant::now();
    let load = Load::start(base.clone(), 8, start, 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sigterm_at = start.elapsed();
    server.terminate();
    let (exit, took) = server.exit_within(Duration::from_secs(15)).await;
    let outcomes = load.finish().await;
    let summary = summary(&outcomes);
    assert!(exit.success(), "exit status {exit}");
    assert!(
        took <= Duration::from_secs(10),
        "exit {took:?} after SIGTERM"
    );

    // The socket heard "going away" before the process ended.
    let mut close = None;
    while let Ok(Some(message)) = tokio::time::timeout(Duration::from_secs(5), socket.next()).await
    {
        match message {
            Ok(Message::Close(frame)) => {
                close = frame.map(|frame| u16::from(frame.code));
                break;
            }
            Ok(_) => {}
            Err(error) => panic!("the socket failed instead of closing: {error}"),
        }
    }
    assert_eq!(close, Some(1001), "close code");

    // Every answer was a success; the only failures are connections refused (or closed
    // while idle) once the stop had begun.
    for outcome in &outcomes {
        match outcome.status {
            Some(200 | 201 | 404) => {}
            None => assert!(outcome.sent + outcome.took >= sigterm_at, "{outcome:?}"),
            Some(other) => panic!("status {other}: {outcome:?}\n{summary}"),
        }
    }
    let db = connect(&url).await.expect("connect");
    let mut stored = stored_load_emails(&db).await;
    stored.sort();
    let mut acknowledged = acknowledged_emails(&outcomes);
    acknowledged.sort();
    assert!(!acknowledged.is_empty(), "{summary}");
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|email| stored.binary_search(email).is_err())
        .collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    // Nothing was stored that a client was not told about, beyond requests that were cut
    // off by the client itself (none here: the server answers what it accepted).
    let unacknowledged = stored.len() - acknowledged.len();
    eprintln!(
        "shutdown: exit 0 after {took:?}; {summary}; {} writes acknowledged, {} rows stored, {unacknowledged} stored without an answer",
        acknowledged.len(),
        stored.len()
    );
    assert_eq!(unacknowledged, 0, "rows stored whose write got no answer");
    db.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "PostgreSQL: run with --ignored (creates a private cluster)"]
async fn a_flood_of_connections_gets_immediate_503s_beyond_the_bounds_and_every_one_an_answer() {
    const IN_FLIGHT: usize = 4;
    const QUEUED: usize = 4;
    const CONNECTIONS: usize = 200;
    let cluster = PrivateCluster::create().await;
    let url = cluster.create_database("flood").await;
    let server = RunningBinary::start_with(
        &url,
        &[
            ("MAX_IN_FLIGHT_REQUESTS", &IN_FLIGHT.to_string()),
            ("MAX_QUEUED_REQUESTS", &QUEUED.to_string()),
            ("DB_MAX_CONNECTIONS", "8"),
        ],
    )
    .await;
    let base = server.url("");

    // Reads of the customer table block on a lock the test holds, so the admitted requests
    // stay in flight for as long as the test wants.
    let db = connect(&url).await.expect("connect");
    use sea_orm::TransactionTrait;
    let lock = db.begin().await.expect("BEGIN");
    lock.execute_unprepared("LOCK TABLE customer IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("LOCK TABLE");

    // Each request on a connection of its own.
    let answered = Arc::new(AtomicUsize::new(0));
    let requests: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (base, answered) = (base.clone(), Arc::clone(&answered));
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(0)
                    .timeout(Duration::from_secs(30))
                    .build()
                    .expect("client");
                let result = client.get(format!("{base}/v1/customers")).send().await;
                answered.fetch_add(1, Ordering::Relaxed);
                match result {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let retry_after = response
                            .headers()
                            .get("retry-after")
                            .map(|value| value.to_str().unwrap_or_default().to_owned());
                        Ok((status, retry_after))
                    }
                    Err(error) => Err(error.to_string()),
                }
            })
        })
        .collect();

    // Everything beyond the bounds is answered while the admitted ones still wait.
    let turned_away = CONNECTIONS - IN_FLIGHT - QUEUED;
    for _ in 0..600 {
        if answered.load(Ordering::Relaxed) >= turned_away {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        answered.load(Ordering::Relaxed),
        turned_away,
        "only the requests beyond the bounds are answered while the lock is held"
    );
    let health = reqwest::get(format!("{base}/health"))
        .await
        .expect("/health");
    assert_eq!(
        health.status(),
        200,
        "the liveness probe answers under overload"
    );
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("/metrics")
        .text()
        .await
        .expect("metrics text");
    assert!(
        metrics.contains(&format!(
            "requests_rejected_total{{reason=\"overloaded\"}} {turned_away}"
        )),
        "{metrics}"
    );

    lock.rollback().await.expect("ROLLBACK");
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for request in requests {
        let (status, retry_after) = request
            .await
            .expect("a request task")
            .expect("every connection gets an answer");
        if status == 503 {
            assert_eq!(retry_after.as_deref(), Some("1"));
        }
        *statuses.entry(status).or_default() += 1;
    }
    assert_eq!(
        statuses,
        [(200, IN_FLIGHT + QUEUED), (503, turned_away)]
            .into_iter()
            .collect(),
    );
    db.close().await.ok();
    server.stop().await;
}
