//! Todos: the verbs over the `todos` table and the rules they enforce.

mod by_customer;
mod input;
mod query;

use entity::todo::{ActiveModel, Column, Entity};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select, SqlErr, TransactionTrait,
};

use crate::access::{self, Principal};
use crate::error::{BatchError, Error, Field, Invalid, Resource, Result};
use crate::paging::ListParams;
use crate::patch::Patch;
use crate::valid::{Valid, Validate};
use crate::{clock, table};

pub use by_customer::{count_for_customers, pages_for_customers};
pub use entity::todo::{Model as Todo, TodoStatus};
pub use input::{NewTodo, TodoPatch};
use query::visible;
pub use query::{TodoFilter, TodoPageQuery, TodoSort, count_matching, cursor, page};

/// Turns a foreign-key violation into "no such customer" for the id being written.
fn unknown_customer(customer_id: Option<i32>) -> impl FnOnce(&SqlErr) -> Option<Error> {
    move |error| match (error, customer_id) {
        (SqlErr::ForeignKeyConstraintViolation(_), Some(id)) => Some(Error::invalid(
            Field::CustomerId,
            Invalid::UnknownCustomer(id.into()),
        )),
        _ => None,
    }
}

/// Creates a todo. An unknown `customer_id` is refused by the foreign key, not by a
/// look-up first, so a customer deleted at the same moment cannot slip through. A customer
/// principal's todo is linked to it ([`access::todo_owner`]).
pub async fn create(
    db: &impl ConnectionTrait,
    viewer: Principal,
    new: Valid<NewTodo>,
) -> Result<Todo> {
    let mut new = new.into_inner();
    new.customer_id = access::todo_owner(viewer, new.customer_id)?;
    let now = clock::now();
    let row = ActiveModel {
        id: NotSet,
        task: Set(new.task),
        status: Set(new.status),
        customer_id: Set(new.customer_id),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Entity::insert(row)
        .exec_with_returning(db)
        .await
        .map_err(|error| Error::from_write(error, unknown_customer(new.customer_id)))
}

/// Creates every todo or none: one transaction (a savepoint inside `db`'s, if it is one),
/// in order. The first failure (a blank task, an unknown customer) names its item and rolls
/// everything back.
pub async fn create_many(
    db: &impl TransactionTrait,
    viewer: Principal,
    news: Vec<NewTodo>,
) -> Result<Vec<Todo>, BatchError> {
    table::create_many(db, news, async move |txn, new| {
        create(txn, viewer, new.validate()?).await
    })
    .await
}

/// The todo with this id, if `viewer` may see it.
pub async fn find(
    db: &impl ConnectionTrait,
    viewer: Principal,
    todo_id: i32,
) -> Result<Option<Todo>> {
    Ok(Entity::find_by_id(todo_id)
        .filter(visible(viewer))
        .one(db)
        .await?)
}

/// The todos with these ids that `viewer` may see, in no particular order; the others are
/// left out.
pub async fn find_many(
    db: &impl ConnectionTrait,
    viewer: Principal,
    ids: &[i32],
) -> Result<Vec<Todo>> {
    table::find_many::<Entity>(db, Column::Id, visible(viewer), ids).await
}

/// The todos `viewer` may see, by `id`: the REST list, as a query,
/// for the caller to stream (the full lists have no size limit).
pub fn listing(viewer: Principal, params: ListParams) -> Select<Entity> {
    table::listing::<Entity>(Column::Id, visible(viewer), params)
}

/// Applies a checked patch in one `UPDATE … RETURNING` statement; [`Error::NotFound`] if
/// the row is gone or `viewer` may not see it, [`Error::Invalid`] if the new customer does
/// not exist.
pub async fn update(
    db: &impl ConnectionTrait,
    viewer: Principal,
    todo_id: i32,
    patch: Valid<TodoPatch>,
) -> Result<Todo> {
    let patch = patch.into_inner();
    // A customer principal may not move its todo to another customer, nor unlink it.
    if let (Some(own), Patch::Set(customer_id)) = (viewer.own_customer(), &patch.customer_id)
        && *customer_id != Some(own)
    {
        return Err(Error::Forbidden);
    }
    let mut statement = Entity::update_many()
        .filter(visible(viewer))
        .filter(Column::Id.eq(todo_id))
        .col_expr(Column::UpdatedAt, Expr::value(clock::now()));
    if let Patch::Set(task) = patch.task {
        statement = statement.col_expr(Column::Task, Expr::value(task));
    }
    if let Patch::Set(status) = patch.status {
        statement = statement.col_expr(Column::Status, Expr::value(status.as_str()));
    }
    let written_customer = match patch.customer_id {
        Patch::Set(customer_id) => {
            statement = statement.col_expr(Column::CustomerId, Expr::value(customer_id));
            customer_id
        }
        Patch::Keep => None,
    };
    statement
        .exec_with_returning(db)
        .await
        .map_err(|error| Error::from_write(error, unknown_customer(written_customer)))?
        .into_iter()
        .next()
        .ok_or(Error::NotFound(Resource::Todo))
}

/// Deletes a todo `viewer` may see for good and returns the row as it was.
pub async fn delete(db: &impl ConnectionTrait, viewer: Principal, todo_id: i32) -> Result<Todo> {
    Entity::delete_many()
        .filter(visible(viewer))
        .filter(Column::Id.eq(todo_id))
        .exec_with_returning(db)
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound(Resource::Todo))
}
