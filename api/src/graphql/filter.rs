//! The per-field operators of the connections' `filter` arguments, for any entity, converted
//! to the service's filters (which make SQLite and PostgreSQL agree). Each entity's own
//! filter, with `and`/`or`/`not`, lives with the entity.

use async_graphql::InputObject;
use chrono::{DateTime, Utc};
use service::filter::{IntFilter as ServiceInt, TextFilter, TimeFilter};

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

/// Converts the `not` of an entity filter.
pub(crate) fn boxed<A, B: From<A>>(filter: Option<Box<A>>) -> Option<Box<B>> {
    filter.map(|filter| Box::new(B::from(*filter)))
}

/// Converts the `and` or `or` of an entity filter.
pub(crate) fn each<A, B: From<A>>(filters: Option<Vec<A>>) -> Option<Vec<B>> {
    filters.map(|filters| filters.into_iter().map(B::from).collect())
}
