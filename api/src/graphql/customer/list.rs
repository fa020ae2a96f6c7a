//! How customers are listed: the filter and order arguments, the connection and its count.

use std::sync::Arc;

use async_graphql::{Context, Enum, InputObject, Result};
use service::Sort;
use service::customer::{CustomerFilter as ServiceFilter, CustomerSort};

use super::Customer;
use crate::graphql::connection::connection;
use crate::graphql::error::ServiceResultExt;
use crate::graphql::filter::{
    DateTimeFilter, IntFilter, NullableStringFilter, StringFilter, boxed, each,
};
use crate::graphql::ids::NodeType;
use crate::graphql::viewer::viewer;

/// Which customers to return: every field condition given must hold; `and`, `or` and `not`
/// combine whole filters. `{}` matches every customer.
#[derive(Clone, Debug, Default, InputObject)]
pub struct CustomerFilter {
    /// Conditions on `customerId`.
    pub customer_id: Option<IntFilter>,
    /// Conditions on `firstName`.
    pub first_name: Option<StringFilter>,
    /// Conditions on `middleName`.
    pub middle_name: Option<NullableStringFilter>,
    /// Conditions on `lastName`.
    pub last_name: Option<StringFilter>,
    /// Conditions on `suffix`.
    pub suffix: Option<NullableStringFilter>,
    /// Conditions on `email`.
    pub email: Option<StringFilter>,
    /// Conditions on `phone`.
    pub phone: Option<NullableStringFilter>,
    /// Conditions on `createdAt`.
    pub created_at: Option<DateTimeFilter>,
    /// Conditions on `updatedAt`.
    pub updated_at: Option<DateTimeFilter>,
    /// Every one of these filters must match too (`[]`: no further condition).
    pub and: Option<Vec<CustomerFilter>>,
    /// At least one of these filters must match too (`[]` matches nothing).
    pub or: Option<Vec<CustomerFilter>>,
    /// This filter must not match (SQL logic: a condition on a null field is never true,
    /// nor is its negation).
    pub not: Option<Box<CustomerFilter>>,
}

impl From<CustomerFilter> for ServiceFilter {
    fn from(filter: CustomerFilter) -> Self {
        Self {
            customer_id: filter.customer_id.map(Into::into),
            first_name: filter.first_name.map(Into::into),
            middle_name: filter.middle_name.map(Into::into),
            last_name: filter.last_name.map(Into::into),
            suffix: filter.suffix.map(Into::into),
            email: filter.email.map(Into::into),
            phone: filter.phone.map(Into::into),
            created_at: filter.created_at.map(Into::into),
            updated_at: filter.updated_at.map(Into::into),
            and: each(filter.and).unwrap_or_default(),
            or: each(filter.or),
            not: boxed(filter.not),
        }
    }
}

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

/// Where a customer connection's `totalCount` comes from: the customers matching its filter
/// (`None`: all of them).
#[derive(Clone, Debug)]
pub struct CustomerCount(pub Option<Arc<ServiceFilter>>);

impl CustomerCount {
    /// Counts the matching customers; run only when `totalCount` is selected.
    async fn count(&self, ctx: &Context<'_>) -> Result<u64> {
        let db = ctx.data::<crate::db::Db>()?;
        service::customer::count_matching(db, viewer(ctx)?, self.0.as_deref())
            .await
            .gql()
    }
}

connection!(
    CustomerConnection,
    CustomerEdge,
    Customer,
    service::customer::Customer,
    CustomerSort,
    NodeType::Customer,
    service::customer::cursor,
    CustomerCount,
    "A page of customers, with the cursors to fetch the pages around it.",
    "A customer in a page, with its cursor."
);
