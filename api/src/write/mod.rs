//! Every write the service makes, whichever interface asked for it: run the service verb,
//! then announce the change to subscribers. REST routes and GraphQL mutations call only
//! this module, so whatever every write must do (publish its event today; check access and
//! count itself next) is written here once.

mod customer;
mod todo;

use crate::db::Db;

use crate::events::Events;

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
