//! The migrations run up and down on both databases, and concurrently at start-up.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use tests::{Backend, TestDatabase};

async fn table_count(db: &DatabaseConnection) -> i64 {
    let sql = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name IN ('customer', 'todos')"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM sqlite_master \
             WHERE type = 'table' AND name IN ('customer', 'todos')"
        }
    };
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("count tables")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("n")
}

async fn up_down_up(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = Database::connect(&database.url).await.expect("connect");

    Migrator::up(&db, None).await.expect("up");
    assert_eq!(table_count(&db).await, 2);
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .expect("status")
            .is_empty()
    );

    // Applying again is a no-op, as for a second replica starting.
    migration::up_with_lock(&db).await.expect("up again");
    assert_eq!(table_count(&db).await, 2);

    Migrator::down(&db, None).await.expect("down");
    assert_eq!(table_count(&db).await, 0);

    Migrator::up(&db, None).await.expect("up after down");
    assert_eq!(table_count(&db).await, 2);
    db.close().await.ok();
}

#[tokio::test]
async fn up_down_up_on_sqlite() {
    up_down_up(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
async fn up_down_up_on_postgres() {
    up_down_up(Backend::Postgres).await;
}

#[tokio::test]
#[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
async fn replicas_starting_at_once_all_migrate_successfully_on_postgres() {
    let database = TestDatabase::create(Backend::Postgres).await;
    let mut replicas = Vec::new();
    for _ in 0..4 {
        let url = database.url.clone();
        replicas.push(tokio::spawn(async move {
            let db = Database::connect(&url).await.expect("connect");
            let result = migration::up_with_lock(&db).await;
            db.close().await.ok();
            result
        }));
    }
    for replica in replicas {
        replica
            .await
            .expect("join")
            .expect("every replica's migration succeeds");
    }
    let db = Database::connect(&database.url).await.expect("connect");
    assert_eq!(table_count(&db).await, 2);
    db.close().await.ok();
}

/// `change_listeners`' rows, as `(replica, seconds until it expires)`.
async fn listener_rows(db: &DatabaseConnection) -> Vec<(String, f64)> {
    db.query_all_raw(Statement::from_string(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT replica, extract(epoch FROM expires_at - now())::float8 AS left_s \
         FROM change_listeners ORDER BY replica",
    ))
    .await
    .expect("rows")
    .iter()
    .map(|row| {
        (
            row.try_get::<String>("", "replica").expect("replica"),
            row.try_get::<f64>("", "left_s").expect("left_s"),
        )
    })
    .collect()
}

#[tokio::test]
#[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
/// Migration m0006 makes the triggers log only while a replica is registered as a listener;
/// replicas of older versions never register, so when one is listening as the migration
/// runs (a rolling deploy), the migration leaves a row that keeps logging on for 15 minutes.
/// On a database nobody listens to, it leaves none.
async fn the_listener_gate_keeps_logging_for_older_replicas_still_listening() {
    let quiet = TestDatabase::create(Backend::Postgres).await;
    let db = Database::connect(&quiet.url).await.expect("connect");
    Migrator::up(&db, None).await.expect("up");
    assert_eq!(listener_rows(&db).await, []);
    db.close().await.ok();

    let rolling = TestDatabase::create(Backend::Postgres).await;
    let db = Database::connect(&rolling.url).await.expect("connect");
    Migrator::up(&db, Some(5)).await.expect("up to m0005");
    // An older replica's listener: its application_name is all the migration sees.
    let options = format!(
        "{}{}application_name={}",
        rolling.url,
        if rolling.url.contains('?') { '&' } else { '?' },
        api::events::APPLICATION_NAME.replace(' ', "%20"),
    );
    let older = Database::connect(&options)
        .await
        .expect("an older listener");
    older
        .execute_unprepared("LISTEN customers_todos_changes")
        .await
        .expect("listen");
    Migrator::up(&db, None).await.expect("up to m0006");
    let rows = listener_rows(&db).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, migration::GRACE_ROW);
    assert!(
        (14.0 * 60.0..=15.0 * 60.0).contains(&rows[0].1),
        "live for 15 minutes: {rows:?}"
    );
    older.close().await.ok();
    db.close().await.ok();
}
