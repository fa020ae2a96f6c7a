//! Opening the connection pool and bringing the schema up to date.

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::config::Config;

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
