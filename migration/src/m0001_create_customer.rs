//! The `customer` table as the customer seed's SQL has it, plus `created_at`/`updated_at`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Customer::Table)
                    .col(
                        ColumnDef::new(Customer::CustomerId)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Customer::FirstName).text().not_null())
                    .col(ColumnDef::new(Customer::MiddleName).text().null())
                    .col(ColumnDef::new(Customer::LastName).text().not_null())
                    .col(ColumnDef::new(Customer::Suffix).text().null())
                    .col(
                        ColumnDef::new(Customer::Email)
                            .string_len(255)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Customer::Phone).text().null())
                    .col(
                        ColumnDef::new(Customer::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null()
                            .default(Expr::current_timestamp()),
                    )
                    .col(
                        ColumnDef::new(Customer::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null()
                            .default(Expr::current_timestamp()),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Customer::Table).to_owned())
            .await
    }
}

/// Names of the `customer` table and its columns.
#[derive(DeriveIden)]
#[expect(
    clippy::enum_variant_names,
    reason = "the variants are the seed's column names"
)]
pub(crate) enum Customer {
    Table,
    CustomerId,
    FirstName,
    MiddleName,
    LastName,
    Suffix,
    Email,
    Phone,
    CreatedAt,
    UpdatedAt,
}
