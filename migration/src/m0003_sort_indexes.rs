//! Indexes for the GraphQL `orderBy` values, each ending with the primary key so a keyset
//! page is an index range scan under any order.
//!
//! On PostgreSQL the text columns are indexed with the `"C"` collation, which is the byte
//! order the service sorts text by on both databases. `todos.task` is not indexed: tasks
//! have no length limit, and PostgreSQL refuses index entries over about 2.7 kB, so an index
//! would make long tasks unwritable; sorting by task sorts the matching rows instead.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A column of an index, and whether it is text (PostgreSQL then gets `COLLATE "C"`).
type IndexColumn = (&'static str, bool);

/// `(name, table, columns)`.
const INDEXES: &[(&str, &str, &[IndexColumn])] = &[
    (
        "idx_customer_first_name",
        "customer",
        &[("first_name", true), ("customer_id", false)],
    ),
    (
        "idx_customer_last_name",
        "customer",
        &[("last_name", true), ("customer_id", false)],
    ),
    (
        "idx_customer_email_sort",
        "customer",
        &[("email", true), ("customer_id", false)],
    ),
    (
        "idx_customer_created_at",
        "customer",
        &[("created_at", false), ("customer_id", false)],
    ),
    (
        "idx_todos_status",
        "todos",
        &[("status", true), ("id", false)],
    ),
    (
        "idx_todos_created_at",
        "todos",
        &[("created_at", false), ("id", false)],
    ),
    (
        "idx_todos_customer_id_id",
        "todos",
        &[("customer_id", false), ("id", false)],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        for (name, table, columns) in INDEXES {
            let columns = columns
                .iter()
                .map(|(column, text)| {
                    if *text && postgres {
                        format!("\"{column}\" COLLATE \"C\"")
                    } else {
                        format!("\"{column}\"")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            db.execute_unprepared(&format!(
                "CREATE INDEX \"{name}\" ON \"{table}\" ({columns})"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES.iter().rev() {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new(*table))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
