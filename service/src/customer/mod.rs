//! Customers: the verbs over the `customer` table and the rules they enforce.

mod input;
mod query;

use entity::customer::{ActiveModel, Column, Entity};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select, SqlErr, TransactionTrait,
};

use crate::access::Principal;
use crate::error::{BatchError, Error, Field, Resource, Result};
use crate::paging::ListParams;
use crate::patch::Patch;
use crate::valid::{Valid, Validate};
use crate::{clock, table};

pub use entity::customer::Model as Customer;
pub use input::{CustomerPatch, NewCustomer, normalise_email};
use query::visible;
pub use query::{
    CustomerFilter, CustomerPageQuery, CustomerSort, count, count_matching, cursor, page,
};

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

/// The row for a checked new customer, stamped `now`.
fn new_row(new: NewCustomer, now: chrono::DateTime<chrono::Utc>) -> ActiveModel {
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
pub async fn create(db: &impl ConnectionTrait, new: Valid<NewCustomer>) -> Result<Customer> {
    let new = new.into_inner();
    let email = new.email.clone();
    Entity::insert(new_row(new, clock::now()))
        .exec_with_returning(db)
        .await
        .map_err(|error| Error::from_write(error, email_conflict(Some(&email))))
}

/// Creates every customer or none: one transaction (a savepoint inside `db`'s, if it is
/// one), in order. The first failure (a rule, a taken email, also within the batch) names
/// its item and rolls everything back.
pub async fn create_many(
    db: &impl TransactionTrait,
    news: Vec<NewCustomer>,
) -> Result<Vec<Customer>, BatchError> {
    table::create_many(db, news, async |txn, new| {
        create(txn, new.validate()?).await
    })
    .await
}

/// Creates the customer, or, if one has its (normalised) email, replaces that customer's
/// other fields: one `INSERT … ON CONFLICT (email) DO UPDATE` statement, so concurrent upserts
/// of one email cannot both insert. The flag says whether a row was created.
pub async fn upsert(
    db: &impl ConnectionTrait,
    new: Valid<NewCustomer>,
) -> Result<(Customer, bool)> {
    let now = clock::now();
    let row = new_row(new.into_inner(), now);
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

/// The customer with this id, if `viewer` may see it.
pub async fn find(
    db: &impl ConnectionTrait,
    viewer: Principal,
    customer_id: i32,
) -> Result<Option<Customer>> {
    Ok(Entity::find_by_id(customer_id)
        .filter(visible(viewer))
        .one(db)
        .await?)
}

/// The customer with this email (normalised first), if `viewer` may see it.
pub async fn find_by_email(
    db: &impl ConnectionTrait,
    viewer: Principal,
    email: &str,
) -> Result<Option<Customer>> {
    let Some(email) = normalise_email(email) else {
        return Ok(None);
    };
    Ok(Entity::find()
        .filter(visible(viewer))
        .filter(Column::Email.eq(email))
        .one(db)
        .await?)
}

/// The customers with these ids that `viewer` may see, in no particular order; the others
/// are left out.
pub async fn find_many(
    db: &impl ConnectionTrait,
    viewer: Principal,
    ids: &[i32],
) -> Result<Vec<Customer>> {
    table::find_many::<Entity>(db, Column::CustomerId, visible(viewer), ids).await
}

/// The customers `viewer` may see, by `customer_id`: the REST list, as a query,
/// for the caller to stream (the full lists have no size limit).
pub fn listing(viewer: Principal, params: ListParams) -> Select<Entity> {
    table::listing::<Entity>(Column::CustomerId, visible(viewer), params)
}

/// Applies a checked patch in one `UPDATE … RETURNING` statement; [`Error::NotFound`] if
/// the row is gone or `viewer` may not see it, [`Error::Conflict`] if the new email is taken. A patch that changes
/// nothing still checks that the customer exists.
pub async fn update(
    db: &impl ConnectionTrait,
    viewer: Principal,
    customer_id: i32,
    patch: Valid<CustomerPatch>,
) -> Result<Customer> {
    let patch = patch.into_inner();
    let mut statement = Entity::update_many()
        .filter(visible(viewer))
        .filter(Column::CustomerId.eq(customer_id))
        .col_expr(Column::UpdatedAt, Expr::value(clock::now()));
    let texts = [
        (Column::FirstName, patch.first_name.map(Some)),
        (Column::MiddleName, patch.middle_name),
        (Column::LastName, patch.last_name.map(Some)),
        (Column::Suffix, patch.suffix),
        (Column::Email, patch.email.clone().map(Some)),
        (Column::Phone, patch.phone),
    ];
    for (column, value) in texts {
        if let Patch::Set(value) = value {
            statement = statement.col_expr(column, Expr::value(value));
        }
    }
    let written_email = match &patch.email {
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

/// Deletes a customer `viewer` may see for good and returns the row as it was; its todos stay, with no
/// customer (`ON DELETE SET NULL`).
pub async fn delete(
    db: &impl ConnectionTrait,
    viewer: Principal,
    customer_id: i32,
) -> Result<Customer> {
    Entity::delete_many()
        .filter(visible(viewer))
        .filter(Column::CustomerId.eq(customer_id))
        .exec_with_returning(db)
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound(Resource::Customer))
}
