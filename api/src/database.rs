//! Opening the connection pool, bringing the schema up to date, and telling operators once
//! (not once per request) when the database goes away and when it is back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::config::Config;

/// Whether the last thing heard from the database was a failure to reach it.
static OUTAGE: AtomicBool = AtomicBool::new(false);

/// Called where a request found the database unreachable (both protocols' error mapping):
/// logs the start of an outage once, and counts an acquire timeout in the metrics.
pub fn unavailable(cause: &DbErr) {
    crate::metrics::note_database_error(cause);
    if !OUTAGE.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            error = %cause,
            "the database is unavailable; requests that need it get 503 until it is back"
        );
    }
}

/// Called whenever the pool opens a connection: ends an outage, with one line.
fn reachable() {
    if OUTAGE.swap(false, Ordering::Relaxed) {
        tracing::info!("the database is reachable again");
    }
}

/// Opens the pool described by the configuration.
///
/// SQLite gets WAL journaling and a busy timeout so that concurrent requests wait for the
/// file lock instead of failing, and enforced foreign keys.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(config.database_url());
    options
        .max_connections(config.pool_size())
        .min_connections(1)
        .connect_timeout(Duration::from_secs(config.db_connect_timeout_secs))
        .acquire_timeout(Duration::from_secs(config.db_connect_timeout_secs))
        // A request past its deadline is answered 503 and its future dropped; the server
        // cancels its statement at the same bound, so it cannot hold a connection for ever.
        .statement_timeout(Duration::from_secs(config.request_timeout_secs))
        // Every new connection (sea-orm's own `after_connect` runs once per pool).
        .map_sqlx_postgres_pool_opts(|options| {
            options.after_connect(|_, _| {
                reachable();
                Box::pin(async { Ok(()) })
            })
        })
        .map_sqlx_sqlite_pool_opts(|options| {
            options.after_connect(|_, _| {
                reachable();
                Box::pin(async { Ok(()) })
            })
        })
        // Each statement's span carries its SQL, with placeholders for the values (SPEC 4.1);
        // nobody records such spans unless they are exported.
        .record_stmt_in_spans(true)
        .sqlx_logging(config.db_echo)
        .sqlx_logging_level(tracing::log::LevelFilter::Info)
        .map_sqlx_sqlite_opts(|options| {
            options
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// Applies pending migrations under the cross-replica lock.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::up_with_lock(db).await
}
