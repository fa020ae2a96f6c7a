//! Every write the service makes, whichever interface asked for it: check access, run the
//! service verb and publish the change to subscribers. REST routes and GraphQL mutations
//! call only this module, so whatever every write must do is written here once.

mod customer;
mod todo;

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
    /// Runs `write` on the pool on a task of its own, then publishes the changes it reports
    /// ([`Events::publish`]).
    ///
    /// Each service verb is one statement or makes its own transaction, and on PostgreSQL
    /// the tables' triggers send the events inside it, so nothing here wraps the write in a
    /// transaction: a create is one `INSERT … RETURNING` round trip. The task runs the write
    /// to its end even when the request is cancelled (its client went away): a write the
    /// database committed is always published and counted.
    async fn run<T, E, W>(&self, write: impl FnOnce(Db) -> W) -> Result<T, E>
    where
        W: Future<Output = Result<(T, Vec<Change>), E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let events = self.events.clone();
        let written = write(self.db.clone());
        let task = tokio::spawn(async move {
            let (value, changes) = written.await?;
            events.publish(changes);
            Ok(value)
        });
        match task.await {
            Ok(result) => result,
            // A panic in the write is the request's panic, as if it had run in place; the
            // task is cancelled only when the runtime shuts down, which ends this too.
            Err(join) => std::panic::resume_unwind(
                join.try_into_panic()
                    .unwrap_or_else(|join| Box::new(join.to_string())),
            ),
        }
    }
}
