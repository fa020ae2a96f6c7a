//! The `filter` arguments of the connections: per-field operators and `and`/`or`/`not`,
//! converted to the service's filters (which make SQLite and PostgreSQL agree).

use async_graphql::InputObject;
use chrono::{DateTime, Utc};
use service::customer::CustomerFilter as ServiceCustomerFilter;
use service::filter::{ChoiceFilter, IntFilter as ServiceInt, TextFilter, TimeFilter};
use service::todo::TodoFilter as ServiceTodoFilter;

use super::todo::TodoStatus;

/// Conditions on an integer field that is never null; every operator given must hold.
#[derive(Clone, Debug, Default, InputObject)]
pub struct IntFilter {
    /// Equal to this value.
    pub eq: Option<i32>,
    /// Not equal to this value (a null field never matches).
    pub ne: Option<i32>,
    /// Equal to one of these values (`[]` matches nothing).
    #[graphql(name = "in")]
    pub is_in: Option<Vec<i32>>,
    /// Equal to none of these values (a null field never matches; `[]` matches everything).
    pub not_in: Option<Vec<i32>>,
    /// Greater than this value.
    pub gt: Option<i32>,
    /// Greater than or equal to this value.
    pub gte: Option<i32>,
    /// Less than this value.
    pub lt: Option<i32>,
    /// Less than or equal to this value.
    pub lte: Option<i32>,
}

impl From<IntFilter> for ServiceInt {
    fn from(filter: IntFilter) -> Self {
        Self {
            eq: filter.eq,
            ne: filter.ne,
            is_in: filter.is_in,
            not_in: filter.not_in,
            is_null: None,
            gt: filter.gt,
            gte: filter.gte,
            lt: filter.lt,
            lte: filter.lte,
        }
    }
}

/// Conditions on a text field that is never null; every operator given must hold. `%` and
/// `_` are ordinary characters; matching is exact except for `containsInsensitive`.
#[derive(Clone, Debug, Default, InputObject)]
pub struct StringFilter {
    /// Equal to this text.
    pub eq: Option<String>,
    /// Not equal to this text (a null field never matches).
    pub ne: Option<String>,
    /// Equal to one of these texts (`[]` matches nothing).
    #[graphql(name = "in")]
    pub is_in: Option<Vec<String>>,
    /// Equal to none of these texts (a null field never matches; `[]` matches everything).
    pub not_in: Option<Vec<String>>,
    /// Contains this text (case-sensitive).
    pub contains: Option<String>,
    /// Starts with this text (case-sensitive).
    pub starts_with: Option<String>,
    /// Ends with this text (case-sensitive).
    pub ends_with: Option<String>,
    /// Contains this text, ignoring the case of the letters A to Z (other letters must
    /// match exactly).
    pub contains_insensitive: Option<String>,
}

impl From<StringFilter> for TextFilter {
    fn from(filter: StringFilter) -> Self {
        Self {
            eq: filter.eq,
            ne: filter.ne,
            is_in: filter.is_in,
            not_in: filter.not_in,
            is_null: None,
            contains: filter.contains,
            starts_with: filter.starts_with,
            ends_with: filter.ends_with,
            contains_insensitive: filter.contains_insensitive,
        }
    }
}

/// Conditions on a timestamp field (these are never null); every operator given must hold.
#[derive(Clone, Debug, Default, InputObject)]
pub struct DateTimeFilter {
    /// At exactly this time.
    pub eq: Option<DateTime<Utc>>,
    /// Not at this time.
    pub ne: Option<DateTime<Utc>>,
    /// At one of these times (`[]` matches nothing).
    #[graphql(name = "in")]
    pub is_in: Option<Vec<DateTime<Utc>>>,
    /// At none of these times (`[]` matches everything).
    pub not_in: Option<Vec<DateTime<Utc>>>,
    /// Later than this time.
    pub gt: Option<DateTime<Utc>>,
    /// At or later than this time.
    pub gte: Option<DateTime<Utc>>,
    /// Earlier than this time.
    pub lt: Option<DateTime<Utc>>,
    /// At or earlier than this time.
    pub lte: Option<DateTime<Utc>>,
}

impl From<DateTimeFilter> for TimeFilter {
    fn from(filter: DateTimeFilter) -> Self {
        Self {
            eq: filter.eq,
            ne: filter.ne,
            is_in: filter.is_in,
            not_in: filter.not_in,
            is_null: None,
            gt: filter.gt,
            gte: filter.gte,
            lt: filter.lt,
            lte: filter.lte,
        }
    }
}

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

/// Conditions on an integer field that can be null: the operators of `IntFilter`,
/// and `isNull`.
#[derive(Clone, Debug, Default, InputObject)]
pub struct NullableIntFilter {
    #[graphql(flatten)]
    value: IntFilter,
    /// `true`: the field is null; `false`: it is not.
    pub is_null: Option<bool>,
}

impl From<NullableIntFilter> for ServiceInt {
    fn from(filter: NullableIntFilter) -> Self {
        Self {
            is_null: filter.is_null,
            ..filter.value.into()
        }
    }
}

/// Conditions on a text field that can be null: the operators of
/// `StringFilter`, and `isNull`.
#[derive(Clone, Debug, Default, InputObject)]
pub struct NullableStringFilter {
    #[graphql(flatten)]
    value: StringFilter,
    /// `true`: the field is null; `false`: it is not.
    pub is_null: Option<bool>,
}

impl From<NullableStringFilter> for TextFilter {
    fn from(filter: NullableStringFilter) -> Self {
        Self {
            is_null: filter.is_null,
            ..filter.value.into()
        }
    }
}

fn boxed<A, B: From<A>>(filter: Option<Box<A>>) -> Option<Box<B>> {
    filter.map(|filter| Box::new(B::from(*filter)))
}

fn each<A, B: From<A>>(filters: Option<Vec<A>>) -> Option<Vec<B>> {
    filters.map(|filters| filters.into_iter().map(B::from).collect())
}

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

impl From<CustomerFilter> for ServiceCustomerFilter {
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

impl From<TodoFilter> for ServiceTodoFilter {
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
