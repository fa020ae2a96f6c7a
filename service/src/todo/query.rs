//! How todos are listed: the fields they sort by, the filter over them, keyset pages and
//! counts.

use entity::todo::{Column, Entity};
use sea_orm::sea_query::Condition;
use sea_orm::{ConnectionTrait, DbBackend};

use super::{Todo, TodoStatus};
use crate::access::{self, Principal};
use crate::error::Result;
use crate::filter::{ChoiceFilter, EntityFilter, IntFilter, RowCondition, TextFilter, TimeFilter};
use crate::keyset;
use crate::paging::{self, Cursor, Page, PageQuery, Sort, SortField, SortValue, ValueKind};

/// The fields todos can be listed in order of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TodoSort {
    /// `id`, the primary key.
    TodoId,
    /// `task`, by bytes.
    Task,
    /// `status`, by its stored string (`Completed` < `In Process` < `Pending`).
    Status,
    /// `customer_id`; todos without a customer sort last ascending, first descending.
    CustomerId,
    /// `created_at`.
    CreatedAt,
}

impl SortField for TodoSort {
    const KEY: Self = Self::TodoId;

    fn column(self) -> &'static str {
        match self {
            Self::TodoId => "id",
            Self::Task => "task",
            Self::Status => "status",
            Self::CustomerId => "customer_id",
            Self::CreatedAt => "created_at",
        }
    }

    fn kind(self) -> ValueKind {
        match self {
            Self::TodoId | Self::CustomerId => ValueKind::Int,
            Self::Task | Self::Status => ValueKind::Text,
            Self::CreatedAt => ValueKind::Time,
        }
    }

    fn nullable(self) -> bool {
        self == Self::CustomerId
    }
}

impl TodoSort {
    /// This field's value in `todo`, as a cursor holds it.
    pub fn value_of(self, todo: &Todo) -> SortValue {
        match self {
            Self::TodoId => SortValue::Int(todo.id.into()),
            Self::Task => SortValue::Text(todo.task.clone()),
            Self::Status => SortValue::Text(todo.status.as_str().to_owned()),
            Self::CustomerId => todo
                .customer_id
                .map_or(SortValue::Null, |id| SortValue::Int(id.into())),
            Self::CreatedAt => SortValue::time(todo.created_at),
        }
    }
}

/// The cursor of `todo` in a list sorted by `effective`, an order as
/// [`effective_order`](crate::paging::effective_order) gives it.
pub fn cursor(effective: &[Sort<TodoSort>], todo: &Todo) -> Cursor {
    paging::cursor_of(effective, |field| field.value_of(todo), todo.id)
}

/// Which todos a list holds: every field filter given must match, and `and`, `or` and
/// `not` combine whole filters. The default matches every todo.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TodoFilter {
    /// On `id`.
    pub todo_id: Option<IntFilter>,
    /// On `task`.
    pub task: Option<TextFilter>,
    /// On `status`.
    pub status: Option<ChoiceFilter<TodoStatus>>,
    /// On `customer_id`.
    pub customer_id: Option<IntFilter>,
    /// On `created_at`.
    pub created_at: Option<TimeFilter>,
    /// On `updated_at`.
    pub updated_at: Option<TimeFilter>,
    /// Every one of these must match too.
    pub and: Vec<TodoFilter>,
    /// At least one of these must match too (none given: nothing matches).
    pub or: Option<Vec<TodoFilter>>,
    /// This must not match.
    pub not: Option<Box<TodoFilter>>,
}

impl EntityFilter for TodoFilter {
    fn condition(&self, backend: DbBackend) -> Condition {
        RowCondition::new(backend)
            .ordered(Column::Id, self.todo_id.as_ref())
            .ordered(Column::CustomerId, self.customer_id.as_ref())
            .text(Column::Task, self.task.as_ref())
            .choice(Column::Status, self.status.as_ref(), TodoStatus::as_str)
            .ordered(Column::CreatedAt, self.created_at.as_ref())
            .ordered(Column::UpdatedAt, self.updated_at.as_ref())
            .combined(&self.and, self.or.as_deref(), self.not.as_deref())
    }
}

/// A connection's request over todos.
pub type TodoPageQuery = PageQuery<TodoFilter, TodoSort>;

/// The todos `viewer` may see: all, or those linked to its own customer row.
pub(crate) fn visible(viewer: Principal) -> Condition {
    access::owned_rows(viewer, Column::CustomerId)
}

/// A keyset page of the todos `viewer` may see that match the filter, in the query's order.
pub async fn page(
    db: &impl ConnectionTrait,
    viewer: Principal,
    query: &TodoPageQuery,
) -> Result<Page<Todo>> {
    keyset::page::<Entity, _, _>(db, visible(viewer), query).await
}

/// How many of the todos `viewer` may see match the filter (`None`: all of them).
pub async fn count_matching(
    db: &impl ConnectionTrait,
    viewer: Principal,
    filter: Option<&TodoFilter>,
) -> Result<u64> {
    keyset::count::<Entity, _>(db, visible(viewer), filter).await
}
