//! Every write the service makes, whichever interface asked for it: run the service verb
//! and announce the change to subscribers, in one transaction. REST routes and GraphQL
//! mutations call only this module, so whatever every write must do (publish its event today; check access and
//! count itself next) is written here once.

mod customer;
mod todo;

use sea_orm::{DatabaseTransaction, DbErr, TransactionTrait};

use crate::db::Db;
use crate::events::{Change, Events};

/// The write commands, per domain; cheap to clone (the pool and the event channels are
/// shared).
#[derive(Clone, Debug)]
pub struct Writer {
    db: Db,
    events: Events,
}

impl Writer {
    /// Writes to `db` and publishes through `events`.
    pub fn new(db: Db, events: Events) -> Self {
        Self { db, events }
    }
}

impl Writer {
    /// Runs `write` in a transaction of its own and announces the changes it reports inside
    /// that transaction ([`Events::announce`]), so that subscribers get them in commit order
    /// and only if it commits; local subscribers get them once it has. `lift` turns a
    /// database error of the transaction itself into the caller's error.
    async fn transact<T, E>(
        &self,
        lift: fn(DbErr) -> E,
        write: impl AsyncFnOnce(&DatabaseTransaction) -> Result<(T, Vec<Change>), E>,
    ) -> Result<T, E> {
        let transaction = self.db.begin().await.map_err(lift)?;
        let (value, changes) = write(&transaction).await?;
        let announced = self
            .events
            .announce(&transaction, changes)
            .await
            .map_err(lift)?;
        // The commit and the hand-over run on a task of their own: a client that goes away
        // cancels the request, and cancelled here the COMMIT could take effect while the
        // in-process delivery (and sqlx's bookkeeping, which then sends a stray ROLLBACK)
        // never happens.
        let committed = tokio::spawn(async move {
            transaction.commit().await?;
            announced.deliver();
            Ok(())
        });
        match committed.await {
            Ok(result) => result.map_err(lift)?,
            // The task panicked (it does not): the write's outcome is unknown.
            Err(join) => return Err(lift(DbErr::Custom(format!("commit task: {join}")))),
        }
        Ok(value)
    }
}
