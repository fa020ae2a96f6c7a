//! The `todos` table of the todo seed, plus the optional link to a customer and timestamps.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The three states of a todo, stored as the todo seed's strings.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum TodoStatus {
    /// Not started; the default.
    #[sea_orm(string_value = "Pending")]
    #[serde(rename = "Pending")]
    Pending,
    /// Done.
    #[sea_orm(string_value = "Completed")]
    #[serde(rename = "Completed")]
    Completed,
    /// Started, not done.
    #[sea_orm(string_value = "In Process")]
    #[serde(rename = "In Process")]
    InProcess,
}

impl TodoStatus {
    /// The stored (and REST) spelling of the status.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Completed => "Completed",
            Self::InProcess => "In Process",
        }
    }
}

/// One todo row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "todos")]
pub struct Model {
    /// Serial key.
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Required, not blank; any length.
    #[sea_orm(column_type = "Text")]
    pub task: String,
    /// Defaults to `Pending`.
    pub status: TodoStatus,
    /// The customer the todo is for; set to NULL when that customer is deleted.
    #[sea_orm(nullable)]
    pub customer_id: Option<i32>,
    /// When the row was inserted (UTC).
    pub created_at: DateTimeUtc,
    /// When the row was last written (UTC).
    pub updated_at: DateTimeUtc,
}

/// A todo belongs to at most one customer.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The customer named by `customer_id`.
    #[sea_orm(
        belongs_to = "super::customer::Entity",
        from = "Column::CustomerId",
        to = "super::customer::Column::CustomerId",
        on_delete = "SetNull"
    )]
    Customer,
}

impl Related<super::customer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Customer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
