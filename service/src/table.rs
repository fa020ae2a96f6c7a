//! The verbs that are the same for every table, written once over the entity: the REST
//! list, the loaders' look-up by ids, and all-or-nothing batches.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    TransactionSession, TransactionTrait,
};

use sea_orm::sea_query::Condition;

use crate::error::{BatchError, Result};
use crate::paging::ListParams;

/// The `visible` rows of `E` in the order of its primary key `key`, `limit`/`offset`
/// applied, as a query: the REST lists, which stream it.
pub(crate) fn listing<E>(key: E::Column, visible: Condition, params: ListParams) -> Select<E>
where
    E: EntityTrait,
{
    E::find()
        .filter(visible)
        .order_by_asc(key)
        .offset((params.offset > 0).then_some(params.offset))
        // SQLite accepts OFFSET only after a LIMIT; "no limit" is the largest one.
        .limit(
            params
                .limit
                .or((params.offset > 0).then_some(i64::MAX.unsigned_abs())),
        )
}

/// The `visible` rows of `E` whose primary key `key` is one of `keys`, in no particular
/// order; missing keys are left out.
pub(crate) async fn find_many<E>(
    db: &impl ConnectionTrait,
    key: E::Column,
    visible: Condition,
    keys: &[i32],
) -> Result<Vec<E::Model>>
where
    E: EntityTrait,
{
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    Ok(E::find()
        .filter(visible)
        .filter(key.is_in(keys.iter().copied()))
        .all(db)
        .await?)
}

/// Runs `create` for every item in order, inside one transaction (a savepoint when `db` is
/// already a transaction): all are written or none. The first failure names its item.
pub(crate) async fn create_many<C: TransactionTrait, N, T>(
    db: &C,
    items: Vec<N>,
    create: impl AsyncFn(&C::Transaction, N) -> Result<T>,
) -> Result<Vec<T>, BatchError> {
    let txn = db.begin().await.map_err(BatchError::whole)?;
    let mut created = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        created.push(create(&txn, item).await.map_err(BatchError::at(index))?);
    }
    txn.commit().await.map_err(BatchError::whole)?;
    Ok(created)
}
