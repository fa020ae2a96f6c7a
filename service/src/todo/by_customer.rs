//! The todos of many customers at once, for the GraphQL loaders: one statement for every
//! customer's page, one for every customer's count.

use std::collections::{HashMap, HashSet};

use entity::todo::{Column, Entity};
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, Order, Query, SelectStatement, WindowStatement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Iterable, QueryFilter, QuerySelect,
};

use super::{Todo, TodoFilter, TodoPageQuery, visible};
use crate::access::Principal;
use crate::error::Result;
use crate::filter::EntityFilter;
use crate::keyset::{self, Plan};
use crate::paging::Page;

/// One keyset page of the todos `viewer` may see for each of these customers, all read in one statement (a
/// window function numbers each customer's matching todos in the query's order), for the
/// GraphQL loaders.
pub async fn pages_for_customers(
    db: &impl ConnectionTrait,
    viewer: Principal,
    customer_ids: &[i32],
    query: &TodoPageQuery,
) -> Result<HashMap<i32, Page<Todo>>> {
    if customer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let plan = Plan::new(backend, &query.order, &query.page)?;
    let request = &query.page;
    let from_end = request.reads_from_end();
    let mut base = keyset::matching::<Entity>(backend, visible(viewer), query.filter.as_ref());
    base.and_where(Column::CustomerId.is_in(customer_ids.iter().copied()));

    let mut numbering = WindowStatement::partition_by(Column::CustomerId);
    for (expr, order, nulls) in plan.order_by(from_end) {
        match nulls {
            Some(nulls) => numbering.order_by_expr_with_nulls(expr, order, nulls),
            None => numbering.order_by_expr(expr, order),
        };
    }
    let mut window = base.clone();
    window.cond_where(plan.window()).expr_window_as(
        Expr::cust("ROW_NUMBER()"),
        numbering,
        Alias::new("page_row"),
    );
    let mut outer = Query::select();
    outer
        .columns(Column::iter())
        .from_subquery(window, Alias::new("numbered"))
        .order_by(Column::CustomerId, Order::Asc)
        .order_by(Alias::new("page_row"), Order::Asc);
    if let Some(size) = request.size() {
        outer.and_where(Expr::col(Alias::new("page_row")).lte(size.saturating_add(1)));
    }
    let rows = Todo::find_by_statement(backend.build(&outer))
        .all(db)
        .await?;

    let mut groups: HashMap<i32, Vec<Todo>> = HashMap::new();
    for row in rows {
        if let Some(customer_id) = row.customer_id {
            groups.entry(customer_id).or_default().push(row);
        }
    }
    let before_window = match plan.before_window() {
        Some(condition) => groups_with(db, &base, condition).await?,
        None => HashSet::new(),
    };
    let after_window = match plan.after_window() {
        Some(condition) => groups_with(db, &base, condition).await?,
        None => HashSet::new(),
    };
    Ok(customer_ids
        .iter()
        .map(|&customer_id| {
            let mut rows = groups.remove(&customer_id).unwrap_or_default();
            if from_end {
                rows.reverse();
            }
            let page = request.cut(
                rows,
                before_window.contains(&customer_id),
                after_window.contains(&customer_id),
            );
            (customer_id, page)
        })
        .collect())
}

/// How many todos `viewer` may see matching the filter each of these customers has (customers with none are
/// left out).
pub async fn count_for_customers(
    db: &impl ConnectionTrait,
    viewer: Principal,
    customer_ids: &[i32],
    filter: Option<&TodoFilter>,
) -> Result<HashMap<i32, u64>> {
    if customer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut select = Entity::find()
        .filter(visible(viewer))
        .select_only()
        .column(Column::CustomerId)
        .column_as(Column::Id.count(), "count")
        .filter(Column::CustomerId.is_in(customer_ids.iter().copied()));
    if let Some(filter) = filter {
        select = select.filter(filter.condition(db.get_database_backend()));
    }
    let counts: Vec<(i32, i64)> = select
        .group_by(Column::CustomerId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts
        .into_iter()
        .map(|(id, count)| (id, u64::try_from(count).unwrap_or_default()))
        .collect())
}

/// The customers (of `base`'s) that have at least one todo of `base` meeting `condition`.
async fn groups_with(
    db: &impl ConnectionTrait,
    base: &SelectStatement,
    condition: Condition,
) -> Result<HashSet<i32>> {
    let mut probe = base.clone();
    probe
        .clear_selects()
        .column(Column::CustomerId)
        .cond_where(condition)
        .group_by_col(Column::CustomerId);
    let mut found = HashSet::new();
    for row in db.query_all(&probe).await? {
        found.insert(row.try_get_by_index::<i32>(0)?);
    }
    Ok(found)
}
