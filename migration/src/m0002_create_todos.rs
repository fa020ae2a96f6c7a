//! The `todos` table of the todo seed, plus the optional `customer_id` link (`ON DELETE SET
//! NULL`, indexed) and `created_at`/`updated_at`.

use sea_orm_migration::prelude::*;

use crate::m0001_create_customer::Customer;

const FK_TODOS_CUSTOMER: &str = "fk_todos_customer_id";
const IDX_TODOS_CUSTOMER: &str = "idx_todos_customer_id";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Todos::Table)
                    .col(
                        ColumnDef::new(Todos::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Todos::Task).text().not_null())
                    .col(
                        ColumnDef::new(Todos::Status)
                            .string_len(16)
                            .not_null()
                            .default("Pending")
                            // The seed's three values are the only ones the column accepts.
                            .check(Expr::col(Todos::Status).is_in([
                                "Pending",
                                "Completed",
                                "In Process",
                            ])),
                    )
                    .col(ColumnDef::new(Todos::CustomerId).integer().null())
                    .col(
                        ColumnDef::new(Todos::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null()
                            .default(Expr::current_timestamp()),
                    )
                    .col(
                        ColumnDef::new(Todos::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null()
                            .default(Expr::current_timestamp()),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name(FK_TODOS_CUSTOMER)
                            .from(Todos::Table, Todos::CustomerId)
                            .to(Customer::Table, Customer::CustomerId)
                            .on_delete(ForeignKeyAction::SetNull)
                            .on_update(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(IDX_TODOS_CUSTOMER)
                    .table(Todos::Table)
                    .col(Todos::CustomerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dropping the table drops its index and foreign key with it, on both databases.
        manager
            .drop_table(Table::drop().table(Todos::Table).to_owned())
            .await
    }
}

/// Names of the `todos` table and its columns.
#[derive(DeriveIden)]
enum Todos {
    Table,
    Id,
    Task,
    Status,
    CustomerId,
    CreatedAt,
    UpdatedAt,
}
