//! Customers: the verbs over the `customer` table and the rules they enforce.

use chrono::{SubsecRound, Utc};
use entity::customer::{ActiveModel, Column, Entity};
use sea_orm::sea_query::{Condition, Expr, OnConflict};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};

use crate::error::{BatchError, Error, Field, Resource, Result, Violation};
use crate::filter::{self, ColumnCondition, EntityFilter, IntFilter, TextFilter, TimeFilter};
use crate::keyset::{self, Cursor, Sort, SortField, SortValue, ValueKind};
use crate::paging::{ListParams, ListQuery, Page};
use crate::patch::Patch;
use crate::validate;

pub use entity::customer::Model as Customer;

/// A customer to create; every rule is checked by [`create`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewCustomer {
    /// Required, not blank.
    pub first_name: String,
    /// Optional.
    pub middle_name: Option<String>,
    /// Required, not blank.
    pub last_name: String,
    /// Optional.
    pub suffix: Option<String>,
    /// Required, a valid address; must not be taken.
    pub email: String,
    /// Optional.
    pub phone: Option<String>,
}

/// A partial update: fields left as [`Patch::Keep`] are not touched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomerPatch {
    /// New first name (not blank).
    pub first_name: Patch<String>,
    /// New middle name, or `None` to clear it.
    pub middle_name: Patch<Option<String>>,
    /// New last name (not blank).
    pub last_name: Patch<String>,
    /// New suffix, or `None` to clear it.
    pub suffix: Patch<Option<String>>,
    /// New email (valid, not taken).
    pub email: Patch<String>,
    /// New phone, or `None` to clear it.
    pub phone: Patch<Option<String>>,
}

impl From<NewCustomer> for CustomerPatch {
    /// A full replace, as the REST `PUT` does.
    fn from(new: NewCustomer) -> Self {
        Self {
            first_name: Patch::Set(new.first_name),
            middle_name: Patch::Set(new.middle_name),
            last_name: Patch::Set(new.last_name),
            suffix: Patch::Set(new.suffix),
            email: Patch::Set(new.email),
            phone: Patch::Set(new.phone),
        }
    }
}

/// Turns a unique violation on `customer` into a conflict on the email being written.
fn email_conflict(email: Option<&str>) -> impl FnOnce(&SqlErr) -> Option<Error> + '_ {
    move |error| match (error, email) {
        (SqlErr::UniqueConstraintViolation(_), Some(email)) => Some(Error::Conflict {
            field: Field::Email,
            value: email.to_owned(),
        }),
        _ => None,
    }
}

/// Normalises an email the way it is stored, for look-ups; `None` if it is no valid address
/// (so no customer can have it).
pub fn normalise_email(email: &str) -> Option<String> {
    validate::email(email).ok()
}

/// Checks every rule a new customer must meet and returns it as it would be stored (email
/// normalised). [`create`] does this itself; callers that must report validation problems
/// before their own checks (as the REST route does, like the seed) may call it first.
pub fn validate(new: NewCustomer) -> Result<NewCustomer> {
    // Every field is checked and every problem reported, in the seed model's field order,
    // as pydantic does.
    let mut problems = Vec::new();
    let mut check = |result: Result<String, Violation>| {
        result.unwrap_or_else(|violation| {
            problems.push(violation);
            String::new()
        })
    };
    let first_name = check(validate::name(Field::FirstName, new.first_name));
    let middle_name = new
        .middle_name
        .map(|text| check(validate::optional_text(Field::MiddleName, text)));
    let last_name = check(validate::name(Field::LastName, new.last_name));
    let suffix = new
        .suffix
        .map(|text| check(validate::optional_text(Field::Suffix, text)));
    let email = check(validate::email(&new.email));
    let phone = new
        .phone
        .map(|text| check(validate::optional_text(Field::Phone, text)));
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(NewCustomer {
        first_name,
        middle_name,
        last_name,
        suffix,
        email,
        phone,
    })
}

/// The current time as the databases store it (microseconds), so a value written can be
/// compared with the value read back.
fn now() -> chrono::DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The row for a validated new customer, stamped `now`.
fn new_row(new: NewCustomer, now: chrono::DateTime<Utc>) -> ActiveModel {
    ActiveModel {
        customer_id: NotSet,
        first_name: Set(new.first_name),
        middle_name: Set(new.middle_name),
        last_name: Set(new.last_name),
        suffix: Set(new.suffix),
        email: Set(new.email),
        phone: Set(new.phone),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Creates a customer. A taken email is a [`Error::Conflict`] decided by the unique
/// constraint, so concurrent creates with one email give exactly one success.
pub async fn create(db: &impl ConnectionTrait, new: NewCustomer) -> Result<Customer> {
    let new = validate(new)?;
    let email = new.email.clone();
    Entity::insert(new_row(new, now()))
        .exec_with_returning(db)
        .await
        .map_err(|error| Error::from_write(error, email_conflict(Some(&email))))
}

/// Creates every customer or none: one transaction, in order. The first failure (a rule,
/// a taken email, also within the batch) names its item and rolls everything back.
pub async fn create_many(
    db: &DatabaseConnection,
    news: Vec<NewCustomer>,
) -> Result<Vec<Customer>, BatchError> {
    // `create` checks each item's rules; the transaction undoes what came before a failure.
    let txn = db.begin().await.map_err(BatchError::whole)?;
    let mut created = Vec::with_capacity(news.len());
    for (index, new) in news.into_iter().enumerate() {
        created.push(create(&txn, new).await.map_err(BatchError::at(index))?);
    }
    txn.commit().await.map_err(BatchError::whole)?;
    Ok(created)
}

/// Creates the customer, or, if one has its (normalised) email, replaces that customer's
/// other fields: one `INSERT … ON CONFLICT (email) DO UPDATE` statement, so concurrent upserts
/// of one email cannot both insert. The flag says whether a row was created.
pub async fn upsert(db: &impl ConnectionTrait, new: NewCustomer) -> Result<(Customer, bool)> {
    let new = validate(new)?;
    let now = now();
    let row = new_row(new, now);
    let on_conflict = OnConflict::column(Column::Email)
        .update_columns([
            Column::FirstName,
            Column::MiddleName,
            Column::LastName,
            Column::Suffix,
            Column::Phone,
            Column::UpdatedAt,
        ])
        .to_owned();
    let customer = Entity::insert(row)
        .on_conflict(on_conflict)
        .exec_with_returning(db)
        .await?;
    // A row created by this statement still has the `created_at` it was given.
    let created = customer.created_at == now;
    Ok((customer, created))
}

/// The customer with this id, if any.
pub async fn find(db: &impl ConnectionTrait, customer_id: i32) -> Result<Option<Customer>> {
    Ok(Entity::find_by_id(customer_id).one(db).await?)
}

/// The customer with this email (normalised first), if any.
pub async fn find_by_email(db: &impl ConnectionTrait, email: &str) -> Result<Option<Customer>> {
    let Some(email) = normalise_email(email) else {
        return Ok(None);
    };
    Ok(Entity::find()
        .filter(Column::Email.eq(email))
        .one(db)
        .await?)
}

/// The customers with these ids, in no particular order; missing ids are left out.
pub async fn find_many(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<Customer>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Entity::find()
        .filter(Column::CustomerId.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// Customers by `customer_id`, the REST list.
pub async fn list(db: &impl ConnectionTrait, params: ListParams) -> Result<Vec<Customer>> {
    Ok(Entity::find()
        .order_by_asc(Column::CustomerId)
        .offset((params.offset > 0).then_some(params.offset))
        // SQLite accepts OFFSET only after a LIMIT; "no limit" is the largest one.
        .limit(
            params
                .limit
                .or((params.offset > 0).then_some(i64::MAX.unsigned_abs())),
        )
        .all(db)
        .await?)
}

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
/// [`keyset::effective_order`] gives it.
pub fn cursor(effective: &[Sort<CustomerSort>], customer: &Customer) -> Cursor {
    keyset::cursor_of(
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
        let column = |column: Column| ColumnCondition::new(Expr::col(column), backend);
        let mut fields = Condition::all();
        if let Some(filter) = &self.customer_id {
            fields = fields.add(column(Column::CustomerId).ordered(filter).finish());
        }
        let texts = [
            (Column::FirstName, &self.first_name),
            (Column::MiddleName, &self.middle_name),
            (Column::LastName, &self.last_name),
            (Column::Suffix, &self.suffix),
            (Column::Email, &self.email),
            (Column::Phone, &self.phone),
        ];
        for (name, filter) in texts {
            if let Some(filter) = filter {
                fields = fields.add(column(name).text(filter).finish());
            }
        }
        for (name, filter) in [
            (Column::CreatedAt, &self.created_at),
            (Column::UpdatedAt, &self.updated_at),
        ] {
            if let Some(filter) = filter {
                fields = fields.add(column(name).ordered(filter).finish());
            }
        }
        filter::combine(
            fields,
            &self.and,
            self.or.as_deref(),
            self.not.as_deref(),
            |filter| filter.condition(backend),
        )
    }
}

/// A connection's request over customers.
pub type CustomerQuery = ListQuery<CustomerFilter, CustomerSort>;

/// A keyset page of the customers matching the filter, in the query's order.
pub async fn page(db: &impl ConnectionTrait, query: &CustomerQuery) -> Result<Page<Customer>> {
    keyset::page::<Entity, _, _>(db, query).await
}

/// How many customers match the filter (`None`: all of them).
pub async fn count_matching(
    db: &impl ConnectionTrait,
    filter: Option<&CustomerFilter>,
) -> Result<u64> {
    keyset::count::<Entity, _>(db, filter).await
}

/// How many customers there are.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64> {
    Ok(Entity::find().count(db).await?)
}

/// Applies a patch in one `UPDATE … RETURNING` statement; [`Error::NotFound`] if the row is
/// gone, [`Error::Conflict`] if the new email is taken. A patch that changes nothing still
/// checks that the customer exists.
pub async fn update(
    db: &impl ConnectionTrait,
    customer_id: i32,
    patch: CustomerPatch,
) -> Result<Customer> {
    let email = patch.email.try_map(|email| validate::email(&email))?;
    let first_name = patch
        .first_name
        .try_map(|value| validate::name(Field::FirstName, value))?;
    let middle_name = patch
        .middle_name
        .try_map(|value| validate::nullable_text(Field::MiddleName, value))?;
    let last_name = patch
        .last_name
        .try_map(|value| validate::name(Field::LastName, value))?;
    let suffix = patch
        .suffix
        .try_map(|value| validate::nullable_text(Field::Suffix, value))?;
    let phone = patch
        .phone
        .try_map(|value| validate::nullable_text(Field::Phone, value))?;

    let mut statement = Entity::update_many()
        .filter(Column::CustomerId.eq(customer_id))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()));
    if let Patch::Set(value) = first_name {
        statement = statement.col_expr(Column::FirstName, Expr::value(value));
    }
    if let Patch::Set(value) = middle_name {
        statement = statement.col_expr(Column::MiddleName, Expr::value(value));
    }
    if let Patch::Set(value) = last_name {
        statement = statement.col_expr(Column::LastName, Expr::value(value));
    }
    if let Patch::Set(value) = suffix {
        statement = statement.col_expr(Column::Suffix, Expr::value(value));
    }
    if let Patch::Set(value) = &email {
        statement = statement.col_expr(Column::Email, Expr::value(value.clone()));
    }
    if let Patch::Set(value) = phone {
        statement = statement.col_expr(Column::Phone, Expr::value(value));
    }
    let written_email = match &email {
        Patch::Set(value) => Some(value.as_str()),
        Patch::Keep => None,
    };
    statement
        .exec_with_returning(db)
        .await
        .map_err(|error| Error::from_write(error, email_conflict(written_email)))?
        .into_iter()
        .next()
        .ok_or(Error::NotFound(Resource::Customer))
}

/// Deletes a customer for good and returns the row as it was; its todos stay, with no
/// customer (`ON DELETE SET NULL`).
pub async fn delete(db: &impl ConnectionTrait, customer_id: i32) -> Result<Customer> {
    Entity::delete_many()
        .filter(Column::CustomerId.eq(customer_id))
        .exec_with_returning(db)
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound(Resource::Customer))
}
