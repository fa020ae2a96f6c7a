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
