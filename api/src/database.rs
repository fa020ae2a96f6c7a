//! Opening the connection pool, bringing the schema up to date, and telling operators once
//! (not once per request) when the database goes away and when it is back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

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
    let cache_capacity = config.db_statement_cache_capacity;
    if !config.behind_pooler() {
        // A request past its deadline is answered 503 and its future dropped; the server
        // cancels its statement at the same bound, so it cannot hold a connection for ever.
        // sea-orm sends it as a start-up parameter, which is session state: behind a
        // pooler the pooler's own server connections must carry it (README, "Running
        // several replicas"), and [`check_statement_timeout`] says when they do not.
        options.statement_timeout(Duration::from_secs(config.request_timeout_secs));
    }
    options
        .max_connections(config.pool_size())
        .min_connections(1)
        .connect_timeout(Duration::from_secs(config.db_connect_timeout_secs))
        .acquire_timeout(Duration::from_secs(config.db_connect_timeout_secs))
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
        .sqlx_logging(config.db_echo)
        .sqlx_logging_level(tracing::log::LevelFilter::Info)
        // 0 (pooler mode) makes sqlx send every statement unnamed: it lives only until the
        // next one on the same server connection, which a transaction-mode pooler may hand
        // to another client in between.
        .map_sqlx_postgres_opts(move |options| options.statement_cache_capacity(cache_capacity))
        .map_sqlx_sqlite_opts(|options| {
            options
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    let mut db = Database::connect(options).await?;
    // A span per statement, with its SQL (SPEC 4.1), only while spans are exported.
    crate::telemetry::trace_statements(&mut db);
    Ok(db)
}

/// Behind a pooler, where the service sends no `statement_timeout` of its own: warns when
/// the server connections it is given have none, or a longer one than `REQUEST_TIMEOUT_SECS`
/// (a query past the request's deadline would then hold a server connection on).
pub async fn check_statement_timeout(db: &crate::db::Db, config: &Config) {
    if !config.behind_pooler() || db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    let wanted = config.request_timeout_secs.saturating_mul(1000);
    match statement_timeout_ms(db).await {
        Ok(ms) if ms > 0.0 && ms <= wanted as f64 => {}
        Ok(ms) => tracing::warn!(
            statement_timeout_ms = ms,
            request_timeout_ms = wanted,
            "DB_STATEMENT_CACHE_CAPACITY=0 (pooler mode): the service sends no \
             statement_timeout, and the server connections have none at most \
             REQUEST_TIMEOUT_SECS; set one on the role or database (ALTER ROLE … SET \
             statement_timeout) or in the pooler (PgBouncer connect_query)"
        ),
        Err(error) => tracing::warn!(%error, "cannot read the server's statement_timeout"),
    }
}

/// The `statement_timeout` of the server connection a statement on `db` gets, in
/// milliseconds (0: none), whatever unit the server was configured with.
pub async fn statement_timeout_ms(db: &crate::db::Db) -> Result<f64, DbErr> {
    // EXTRACT gives `numeric`; the cast makes it a float8 the driver decodes as f64.
    let statement = sea_orm::Statement::from_string(
        sea_orm::DbBackend::Postgres,
        "SELECT (EXTRACT(EPOCH FROM current_setting('statement_timeout')::interval) * 1000)\
         ::float8 AS ms",
    );
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("statement_timeout".into()))?;
    row.try_get::<f64>("", "ms")
}

/// Applies pending migrations under the cross-replica lock.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::up_with_lock(db).await
}
