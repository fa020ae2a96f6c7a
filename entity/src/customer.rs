//! The `customer` table, exactly as the customer seed's SQL defines it, plus timestamps.

use sea_orm::entity::prelude::*;

/// One customer row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer")]
pub struct Model {
    /// Serial key; never chosen by clients.
    #[sea_orm(primary_key)]
    pub customer_id: i32,
    /// Required, not blank.
    #[sea_orm(column_type = "Text")]
    pub first_name: String,
    /// Optional.
    #[sea_orm(column_type = "Text", nullable)]
    pub middle_name: Option<String>,
    /// Required, not blank.
    #[sea_orm(column_type = "Text")]
    pub last_name: String,
    /// Optional, e.g. "Jr.".
    #[sea_orm(column_type = "Text", nullable)]
    pub suffix: Option<String>,
    /// Unique; stored with its domain part lower-cased.
    #[sea_orm(column_type = "String(StringLen::N(255))", unique)]
    pub email: String,
    /// Optional, free text.
    #[sea_orm(column_type = "Text", nullable)]
    pub phone: Option<String>,
    /// When the row was inserted (UTC).
    pub created_at: DateTimeUtc,
    /// When the row was last written (UTC).
    pub updated_at: DateTimeUtc,
}

/// A customer has many todos.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The todos whose `customer_id` is this customer.
    #[sea_orm(has_many = "super::todo::Entity")]
    Todos,
}

impl Related<super::todo::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Todos.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
