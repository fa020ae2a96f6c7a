//! Applying migrations at start-up when several replicas may start at once.

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, TransactionTrait,
};

use crate::Migrator;

/// Arbitrary but fixed key of the PostgreSQL advisory lock that serialises migrations.
const MIGRATION_LOCK_KEY: i64 = 0x0C05_7D05;

/// Applies every pending migration, safe to call from several processes at once.
///
/// On PostgreSQL the whole run happens in one transaction that first takes a
/// transaction-scoped advisory lock: a second replica waits for the first to commit and then
/// finds nothing pending, and a failed migration rolls back entirely (PostgreSQL DDL is
/// transactional). SQLite serialises writers on its file lock by itself.
pub async fn up_with_lock(db: &DatabaseConnection) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_unprepared(&format!(
                "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
            ))
            .await?;
            Migrator::up(&txn, None).await?;
            txn.commit().await
        }
        _ => Migrator::up(db, None).await,
    }
}
