//! The database schema as numbered migrations, shared by the `migration` CLI and the
//! service's start-up.
//!
//! Every migration has a working `down` and runs on SQLite and PostgreSQL alike, except
//! that the change-event triggers and their log exist on PostgreSQL only (SQLite has one process,
//! which delivers its change events itself).

pub use sea_orm_migration::prelude::*;

pub mod database_url;
mod locked;
mod m0001_create_customer;
mod m0002_create_todos;
mod m0003_sort_indexes;
mod m0004_change_notifications;
mod m0005_change_log;
mod m0006_change_listeners;

pub use locked::up_with_lock;
pub use m0005_change_log::{CHANGE_LOG, WAKE_CHANNEL};
pub use m0006_change_listeners::{CHANGE_LISTENERS, GRACE_ROW, LISTENER_APPLICATION_NAME};

/// The ordered list of migrations; append new ones at the end, never reorder.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_create_customer::Migration),
            Box::new(m0002_create_todos::Migration),
            Box::new(m0003_sort_indexes::Migration),
            Box::new(m0004_change_notifications::Migration),
            Box::new(m0005_change_log::Migration),
            Box::new(m0006_change_listeners::Migration),
        ]
    }
}
