//! Fault tests: PostgreSQL stops, crashes and comes back while the service runs. Each test
//! gets a private cluster of its own (see `cluster`), never the shared server.
//!
//! PostgreSQL only, so `#[ignore]`d like the other PostgreSQL tests: run with `--ignored`.
//! They need the PostgreSQL server binaries (`initdb`, `pg_ctl`), not `TEST_DATABASE_URL`.

mod cluster;

use std::time::{Duration, Instant};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};
use tokio::net::TcpStream;

use cluster::PrivateCluster;

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
