//! The `orderBy` arguments of the connections.

use async_graphql::Enum;
use service::Sort;
use service::customer::CustomerSort;
use service::todo::TodoSort;

/// A sort for customers. Text sorts by character codes (so `Z` before `a`); `customerId`
/// breaks ties, in the direction of the last entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum CustomerOrderBy {
    /// Smallest `customerId` first (the default).
    CustomerIdAsc,
    /// Largest `customerId` first.
    CustomerIdDesc,
    /// `firstName` A to z.
    FirstNameAsc,
    /// `firstName` z to A.
    FirstNameDesc,
    /// `lastName` A to z.
    LastNameAsc,
    /// `lastName` z to A.
    LastNameDesc,
    /// `email` A to z.
    EmailAsc,
    /// `email` z to A.
    EmailDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Newest first.
    CreatedAtDesc,
}

impl From<CustomerOrderBy> for Sort<CustomerSort> {
    fn from(order: CustomerOrderBy) -> Self {
        use CustomerOrderBy as O;
        let (field, descending) = match order {
            O::CustomerIdAsc => (CustomerSort::CustomerId, false),
            O::CustomerIdDesc => (CustomerSort::CustomerId, true),
            O::FirstNameAsc => (CustomerSort::FirstName, false),
            O::FirstNameDesc => (CustomerSort::FirstName, true),
            O::LastNameAsc => (CustomerSort::LastName, false),
            O::LastNameDesc => (CustomerSort::LastName, true),
            O::EmailAsc => (CustomerSort::Email, false),
            O::EmailDesc => (CustomerSort::Email, true),
            O::CreatedAtAsc => (CustomerSort::CreatedAt, false),
            O::CreatedAtDesc => (CustomerSort::CreatedAt, true),
        };
        Self { field, descending }
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

/// The service's sort for an `orderBy` list (`None`: the default, by primary key).
pub fn sorts<O: Copy, S>(order_by: Option<&[O]>) -> Vec<Sort<S>>
where
    Sort<S>: From<O>,
{
    order_by
        .unwrap_or_default()
        .iter()
        .map(|order| Sort::from(*order))
        .collect()
}
