//! The handle every request reads and writes through: the connection pool, and, behind a
//! transaction-mode pooler, each statement pinned to one server connection.
//!
//! # Why statements need pinning behind a pooler
//!
//! sqlx runs a statement with parameters in two round trips: `Parse`/`Describe`/`Sync`, then
//! `Bind`/`Execute`/`Sync`. Each `Sync` ends the implicit transaction, and a transaction-mode
//! pooler (PgBouncer, Supavisor, RDS Proxy) may hand the server connection to another client
//! in between. The `Bind` then meets that client's unnamed statement, or none: measured
//! through PgBouncer 1.18 with two server connections, half of a mixed read load failed, some
//! with another query's row decoded as a customer. Unnamed statements
//! (`DB_STATEMENT_CACHE_CAPACITY=0`) alone do not prevent it.
//!
//! Inside a transaction the pooler keeps the server connection, so in pooler mode a
//! statement that is not already in one runs in a transaction of its own (`BEGIN`, the
//! statement, `COMMIT`: two more round trips). Transactions the service opens itself are
//! left as they are. Connected directly, statements run on the pool as they are.

use sea_orm::prelude::async_trait;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, Statement, TransactionError, TransactionOptions,
    TransactionTrait,
};
use std::future::Future;
use std::pin::Pin;

/// The database as the request path sees it; cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct Db {
    connection: DatabaseConnection,
    pinned: bool,
}

impl Db {
    /// Statements on `connection`, each in a transaction of its own when `pinned` (behind a
    /// transaction-mode pooler) and it is PostgreSQL.
    pub fn new(connection: DatabaseConnection, pinned: bool) -> Self {
        let pinned = pinned && connection.get_database_backend() == DbBackend::Postgres;
        Self { connection, pinned }
    }

    /// Whether each statement runs in a transaction of its own (behind a pooler).
    pub fn pinned(&self) -> bool {
        self.pinned
    }

    /// The pool itself, for what needs it (its gauges, the event relay, `ping`).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }

    /// Runs `run` in a transaction of its own.
    async fn in_transaction<T, F>(&self, run: F) -> Result<T, DbErr>
    where
        F: AsyncFnOnce(&DatabaseTransaction) -> Result<T, DbErr>,
    {
        let transaction = self.connection.begin().await?;
        let result = run(&transaction).await;
        match result {
            Ok(value) => {
                transaction.commit().await?;
                Ok(value)
            }
            // Dropping it rolls back.
            Err(error) => Err(error),
        }
    }
}

impl From<Db> for DatabaseConnection {
    fn from(db: Db) -> Self {
        db.connection
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.connection.get_database_backend()
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        if self.pinned {
            self.in_transaction(async |transaction| transaction.execute_raw(statement).await)
                .await
        } else {
            self.connection.execute_raw(statement).await
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        // The simple query protocol: one round trip, nothing to pin.
        self.connection.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        if self.pinned {
            self.in_transaction(async |transaction| transaction.query_one_raw(statement).await)
                .await
        } else {
            self.connection.query_one_raw(statement).await
        }
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        if self.pinned {
            self.in_transaction(async |transaction| transaction.query_all_raw(statement).await)
                .await
        } else {
            self.connection.query_all_raw(statement).await
        }
    }
}

#[async_trait::async_trait]
impl TransactionTrait for Db {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.connection.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.connection
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.connection.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.connection.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.connection
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}
