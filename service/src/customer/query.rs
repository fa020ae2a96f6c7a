//! How customers are listed: the fields they sort by, the filter over them, keyset pages
//! and counts.

use entity::customer::{Column, Entity};
use sea_orm::sea_query::Condition;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait};

use super::Customer;
use crate::access::{self, Principal};
use crate::error::Result;
use crate::filter::{EntityFilter, IntFilter, RowCondition, TextFilter, TimeFilter};
use crate::keyset;
use crate::paging::{self, Cursor, Page, PageQuery, Sort, SortField, SortValue, ValueKind};

/// The fields customers can be listed in order of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CustomerSort {
    /// `customer_id`, the primary key.
    CustomerId,
    /// `first_name`, by bytes.
    FirstName,
    /// `last_name`, by bytes.
    LastName,
    /// `email`, by bytes.
    Email,
    /// `created_at`.
    CreatedAt,
}

impl SortField for CustomerSort {
    const KEY: Self = Self::CustomerId;

    fn column(self) -> &'static str {
        match self {
            Self::CustomerId => "customer_id",
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::Email => "email",
            Self::CreatedAt => "created_at",
        }
    }

    fn kind(self) -> ValueKind {
        match self {
            Self::CustomerId => ValueKind::Int,
            Self::FirstName | Self::LastName | Self::Email => ValueKind::Text,
            Self::CreatedAt => ValueKind::Time,
        }
    }

    fn nullable(self) -> bool {
        false
    }
}

impl CustomerSort {
    /// This field's value in `customer`, as a cursor holds it.
    pub fn value_of(self, customer: &Customer) -> SortValue {
        match self {
            Self::CustomerId => SortValue::Int(customer.customer_id.into()),
            Self::FirstName => SortValue::Text(customer.first_name.clone()),
            Self::LastName => SortValue::Text(customer.last_name.clone()),
            Self::Email => SortValue::Text(customer.email.clone()),
            Self::CreatedAt => SortValue::time(customer.created_at),
        }
    }
}

/// The cursor of `customer` in a list sorted by `effective`, an order as
/// [`effective_order`](crate::paging::effective_order) gives it.
pub fn cursor(effective: &[Sort<CustomerSort>], customer: &Customer) -> Cursor {
    paging::cursor_of(
        effective,
        |field| field.value_of(customer),
        customer.customer_id,
    )
}

/// Which customers a list holds: every field filter given must match, and `and`, `or` and
/// `not` combine whole filters. The default matches every customer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CustomerFilter {
    /// On `customer_id`.
    pub customer_id: Option<IntFilter>,
    /// On `first_name`.
    pub first_name: Option<TextFilter>,
    /// On `middle_name`.
    pub middle_name: Option<TextFilter>,
    /// On `last_name`.
    pub last_name: Option<TextFilter>,
    /// On `suffix`.
    pub suffix: Option<TextFilter>,
    /// On `email`.
    pub email: Option<TextFilter>,
    /// On `phone`.
    pub phone: Option<TextFilter>,
    /// On `created_at`.
    pub created_at: Option<TimeFilter>,
    /// On `updated_at`.
    pub updated_at: Option<TimeFilter>,
    /// Every one of these must match too.
    pub and: Vec<CustomerFilter>,
    /// At least one of these must match too (none given: nothing matches).
    pub or: Option<Vec<CustomerFilter>>,
    /// This must not match.
    pub not: Option<Box<CustomerFilter>>,
}

impl EntityFilter for CustomerFilter {
    fn condition(&self, backend: DbBackend) -> Condition {
        RowCondition::new(backend)
            .ordered(Column::CustomerId, self.customer_id.as_ref())
            .text(Column::FirstName, self.first_name.as_ref())
            .text(Column::MiddleName, self.middle_name.as_ref())
            .text(Column::LastName, self.last_name.as_ref())
            .text(Column::Suffix, self.suffix.as_ref())
            .text(Column::Email, self.email.as_ref())
            .text(Column::Phone, self.phone.as_ref())
            .ordered(Column::CreatedAt, self.created_at.as_ref())
            .ordered(Column::UpdatedAt, self.updated_at.as_ref())
            .combined(&self.and, self.or.as_deref(), self.not.as_deref())
    }
}

/// A connection's request over customers.
pub type CustomerPageQuery = PageQuery<CustomerFilter, CustomerSort>;

/// The customers `viewer` may see: all, or its own row.
pub(crate) fn visible(viewer: Principal) -> Condition {
    access::owned_rows(viewer, Column::CustomerId)
}

/// A keyset page of the customers `viewer` may see that match the filter, in the query's
/// order.
pub async fn page(
    db: &impl ConnectionTrait,
    viewer: Principal,
    query: &CustomerPageQuery,
) -> Result<Page<Customer>> {
    keyset::page::<Entity, _, _>(db, visible(viewer), query).await
}

/// How many of the customers `viewer` may see match the filter (`None`: all of them).
pub async fn count_matching(
    db: &impl ConnectionTrait,
    viewer: Principal,
    filter: Option<&CustomerFilter>,
) -> Result<u64> {
    keyset::count::<Entity, _>(db, visible(viewer), filter).await
}

/// How many customers there are.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64> {
    Ok(Entity::find().count(db).await?)
}
