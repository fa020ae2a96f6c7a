//! How todos are listed: the filter and order arguments, the connection and its count.

use std::sync::Arc;

use async_graphql::{Context, Enum, InputObject, Result};
use service::Sort;
use service::filter::ChoiceFilter;
use service::todo::{TodoFilter as ServiceFilter, TodoSort};

use super::{Todo, TodoStatus};
use crate::graphql::connection::connection;
use crate::graphql::error::ServiceResultExt;
use crate::graphql::filter::{
    DateTimeFilter, IntFilter, NullableIntFilter, StringFilter, boxed, each,
};
use crate::graphql::ids::NodeType;
use crate::graphql::loader::{Loaders, TodoCountKey};
use crate::graphql::viewer::viewer;

/// Conditions on a todo's status (never null, so no `isNull`); every operator given must hold.
#[derive(Clone, Debug, Default, InputObject)]
pub struct TodoStatusFilter {
    /// Equal to this status.
    pub eq: Option<TodoStatus>,
    /// Not equal to this status.
    pub ne: Option<TodoStatus>,
    /// One of these statuses (`[]` matches nothing).
    #[graphql(name = "in")]
    pub is_in: Option<Vec<TodoStatus>>,
    /// None of these statuses (`[]` matches everything).
    pub not_in: Option<Vec<TodoStatus>>,
}

impl From<TodoStatusFilter> for ChoiceFilter<service::todo::TodoStatus> {
    fn from(filter: TodoStatusFilter) -> Self {
        let many = |values: Option<Vec<TodoStatus>>| {
            values.map(|values| values.into_iter().map(Into::into).collect())
        };
        Self {
            eq: filter.eq.map(Into::into),
            ne: filter.ne.map(Into::into),
            is_in: many(filter.is_in),
            not_in: many(filter.not_in),
        }
    }
}

/// Which todos to return: every field condition given must hold; `and`, `or` and `not`
/// combine whole filters. `{}` matches every todo.
#[derive(Clone, Debug, Default, InputObject)]
pub struct TodoFilter {
    /// Conditions on `todoId`.
    pub todo_id: Option<IntFilter>,
    /// Conditions on `task`.
    pub task: Option<StringFilter>,
    /// Conditions on `status`.
    pub status: Option<TodoStatusFilter>,
    /// Conditions on `customerId` (`isNull: true` for todos without a customer).
    pub customer_id: Option<NullableIntFilter>,
    /// Conditions on `createdAt`.
    pub created_at: Option<DateTimeFilter>,
    /// Conditions on `updatedAt`.
    pub updated_at: Option<DateTimeFilter>,
    /// Every one of these filters must match too (`[]`: no further condition).
    pub and: Option<Vec<TodoFilter>>,
    /// At least one of these filters must match too (`[]` matches nothing).
    pub or: Option<Vec<TodoFilter>>,
    /// This filter must not match (SQL logic: a condition on a null field is never true,
    /// nor is its negation).
    pub not: Option<Box<TodoFilter>>,
}

impl From<TodoFilter> for ServiceFilter {
    fn from(filter: TodoFilter) -> Self {
        Self {
            todo_id: filter.todo_id.map(Into::into),
            task: filter.task.map(Into::into),
            status: filter.status.map(Into::into),
            customer_id: filter.customer_id.map(Into::into),
            created_at: filter.created_at.map(Into::into),
            updated_at: filter.updated_at.map(Into::into),
            and: each(filter.and).unwrap_or_default(),
            or: each(filter.or),
            not: boxed(filter.not),
        }
    }
}

/// A sort for todos. Text sorts by character codes; `STATUS` sorts by the stored string
/// (`Completed`, `In Process`, `Pending`); todos without a customer come last under
/// `CUSTOMER_ID_ASC` and first under `CUSTOMER_ID_DESC`. `todoId` breaks ties, in the
/// direction of the last entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum TodoOrderBy {
    /// Smallest `todoId` first (the default).
    TodoIdAsc,
    /// Largest `todoId` first.
    TodoIdDesc,
    /// `task` A to z.
    TaskAsc,
    /// `task` z to A.
    TaskDesc,
    /// `COMPLETED`, `IN_PROCESS`, `PENDING`.
    StatusAsc,
    /// `PENDING`, `IN_PROCESS`, `COMPLETED`.
    StatusDesc,
    /// Smallest `customerId` first, todos without a customer last.
    CustomerIdAsc,
    /// Todos without a customer first, then largest `customerId` first.
    CustomerIdDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Newest first.
    CreatedAtDesc,
}

impl From<TodoOrderBy> for Sort<TodoSort> {
    fn from(order: TodoOrderBy) -> Self {
        use TodoOrderBy as O;
        let (field, descending) = match order {
            O::TodoIdAsc => (TodoSort::TodoId, false),
            O::TodoIdDesc => (TodoSort::TodoId, true),
            O::TaskAsc => (TodoSort::Task, false),
            O::TaskDesc => (TodoSort::Task, true),
            O::StatusAsc => (TodoSort::Status, false),
            O::StatusDesc => (TodoSort::Status, true),
            O::CustomerIdAsc => (TodoSort::CustomerId, false),
            O::CustomerIdDesc => (TodoSort::CustomerId, true),
            O::CreatedAtAsc => (TodoSort::CreatedAt, false),
            O::CreatedAtDesc => (TodoSort::CreatedAt, true),
        };
        Self { field, descending }
    }
}

/// Where a todo connection's `totalCount` comes from.
#[derive(Clone, Debug)]
pub enum TodoCount {
    /// The todos matching a filter (`None`: all).
    All(Option<Arc<ServiceFilter>>),
    /// The todos of one customer matching a filter, batched across the customers of a page.
    OfCustomer(i32, Option<Arc<ServiceFilter>>),
}

impl TodoCount {
    /// Counts the matching todos; run only when `totalCount` is selected.
    async fn count(&self, ctx: &Context<'_>) -> Result<u64> {
        match self {
            Self::All(filter) => {
                let db = ctx.data::<crate::db::Db>()?;
                service::todo::count_matching(db, viewer(ctx)?, filter.as_deref())
                    .await
                    .gql()
            }
            Self::OfCustomer(customer_id, filter) => Ok(ctx
                .data::<Loaders>()?
                .todo_counts
                .load_one(TodoCountKey {
                    viewer: viewer(ctx)?,
                    customer_id: *customer_id,
                    filter: filter.clone(),
                })
                .await
                .gql()?
                .unwrap_or_default()),
        }
    }
}

connection!(
    TodoConnection,
    TodoEdge,
    Todo,
    service::todo::Todo,
    TodoSort,
    NodeType::Todo,
    service::todo::cursor,
    TodoCount,
    "A page of todos, with the cursors to fetch the pages around it.",
    "A todo in a page, with its cursor."
);
