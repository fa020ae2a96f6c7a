//! Keyset paging under any sort order: the "rows after this one" condition for a list of
//! sort columns ending with the primary key, NULL-safe on both databases.
//!
//! NULLs sort last ascending and first descending (PostgreSQL's default, asked for
//! explicitly so SQLite agrees), and every comparison is two-valued (a NULL column never
//! makes a term unknown), so the negation of "after" is exactly "at or before".

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, NullOrdering, Order, Query, SelectStatement, Value,
};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, Iterable, PaginatorTrait, QueryFilter,
};

use crate::error::{Error, Field, Invalid, Result};
use crate::filter::{EntityFilter, never};
use crate::paging::{
    Cursor, Page, PageQuery, PageRequest, Sort, SortField, SortValue, ValueKind, effective_order,
};

/// One column of an ORDER BY, as SQL.
#[derive(Clone, Debug)]
pub(crate) struct SortColumn {
    /// The expression to sort and compare on (with a byte-order collation for text).
    pub expr: Expr,
    /// Whether the column can be NULL.
    pub nullable: bool,
    /// Descending order.
    pub descending: bool,
}

impl SortColumn {
    /// The ORDER BY term: NULLs last ascending, first descending, on every database. A
    /// column that cannot be NULL gets no NULLS clause, so SQLite can still walk an index
    /// for it instead of sorting.
    pub(crate) fn order(&self, reverse: bool) -> (Expr, Order, Option<NullOrdering>) {
        let descending = self.descending != reverse;
        let (order, nulls) = if descending {
            (Order::Desc, NullOrdering::First)
        } else {
            (Order::Asc, NullOrdering::Last)
        };
        (self.expr.clone(), order, self.nullable.then_some(nulls))
    }

    /// Rows whose value comes strictly after `value` in this column's order (`reverse`: in
    /// the opposite order).
    fn beyond(&self, value: &Option<Value>, reverse: bool) -> Expr {
        let descending = self.descending != reverse;
        let column = self.expr.clone();
        match (value, descending) {
            // Ascending, NULLs last: greater values, then NULLs.
            (Some(value), false) => {
                let greater = self.guard(column.clone().gt(value.clone()));
                if self.nullable {
                    greater.or(column.is_null())
                } else {
                    greater
                }
            }
            (None, false) => never(),
            // Descending, NULLs first: smaller values only.
            (Some(value), true) => self.guard(column.lt(value.clone())),
            (None, true) => column.is_not_null(),
        }
    }

    /// Rows whose value equals `value` (NULL equals NULL here).
    fn same(&self, value: &Option<Value>) -> Expr {
        match value {
            Some(value) => self.guard(self.expr.clone().eq(value.clone())),
            None => self.expr.clone().is_null(),
        }
    }

    /// Makes a comparison false rather than unknown when the column is NULL.
    fn guard(&self, comparison: Expr) -> Expr {
        if self.nullable {
            self.expr.clone().is_not_null().and(comparison)
        } else {
            comparison
        }
    }
}

/// Rows strictly after the row with sort key `values` in the order `columns` (strictly
/// before it when `reverse`). `columns` and `values` end with the primary key.
pub(crate) fn beyond(columns: &[SortColumn], values: &[Option<Value>], reverse: bool) -> Condition {
    // The common case (no NULLs possible, one direction) as a row-value comparison, which
    // both databases turn into a range scan of a matching index.
    let direction = columns.first().map(|column| column.descending);
    let uniform = columns
        .iter()
        .all(|column| !column.nullable && Some(column.descending) == direction);
    if uniform
        && columns.len() > 1
        && columns.len() == values.len()
        && let Some(values) = values.iter().cloned().collect::<Option<Vec<Value>>>()
    {
        let left = Expr::tuple(columns.iter().map(|column| column.expr.clone()));
        let right = Expr::tuple(values.into_iter().map(Expr::val));
        let descending = direction.unwrap_or(false) != reverse;
        let comparison = if descending {
            left.lt(right)
        } else {
            left.gt(right)
        };
        return Condition::all().add(comparison);
    }
    let mut any = Condition::any();
    for index in 0..columns.len().min(values.len()) {
        let mut term = Condition::all();
        for (column, value) in columns[..index].iter().zip(values) {
            term = term.add(column.same(value));
        }
        term = term.add(columns[index].beyond(&values[index], reverse));
        any = any.add(term);
    }
    any
}

/// The SQL side of one connection request: its sort columns and its cursors as values.
pub(crate) struct Plan {
    columns: Vec<SortColumn>,
    after: Option<Vec<Option<Value>>>,
    before: Option<Vec<Option<Value>>>,
}

impl Plan {
    /// Checks the cursors against the order (a cursor of another order is
    /// [`Error::Invalid`] on `after`/`before`) and builds the sort columns for `backend`.
    pub(crate) fn new<S: SortField>(
        backend: DbBackend,
        order: &[Sort<S>],
        page: &PageRequest,
    ) -> Result<Self> {
        let order = effective_order(order);
        let columns = order
            .iter()
            .map(|sort| SortColumn {
                expr: sort_expr(backend, sort.field),
                nullable: sort.field.nullable(),
                descending: sort.descending,
            })
            .collect();
        let values = |cursor: &Option<Cursor>,
                      field: Field|
         -> Result<Option<Vec<Option<Value>>>> {
            let Some(cursor) = cursor else {
                return Ok(None);
            };
            let invalid = || Error::invalid(field, Invalid::Cursor);
            if cursor.values.len() != order.len() {
                return Err(invalid());
            }
            let values = order
                .iter()
                .zip(&cursor.values)
                .map(|(sort, value)| {
                    sql_value(sort.field.kind(), value, sort.field.nullable()).ok_or_else(invalid)
                })
                .collect::<Result<Vec<_>>>()?;
            // The key is the last sort entry; it must agree with the cursor's key.
            if values.last() != Some(&Some(Value::from(cursor.key))) {
                return Err(invalid());
            }
            Ok(Some(values))
        };
        Ok(Self {
            after: values(&page.after, Field::After)?,
            before: values(&page.before, Field::Before)?,
            columns,
        })
    }

    /// The ORDER BY terms, reversed when reading from the end.
    pub(crate) fn order_by(
        &self,
        reverse: bool,
    ) -> impl Iterator<Item = (Expr, Order, Option<NullOrdering>)> + '_ {
        self.columns.iter().map(move |column| column.order(reverse))
    }

    /// The rows between the cursors.
    pub(crate) fn window(&self) -> Condition {
        let mut window = Condition::all();
        if let Some(after) = &self.after {
            window = window.add(beyond(&self.columns, after, false));
        }
        if let Some(before) = &self.before {
            window = window.add(beyond(&self.columns, before, true));
        }
        window
    }

    /// Rows at or before `after` (outside the window at its start), if `after` was given.
    pub(crate) fn before_window(&self) -> Option<Condition> {
        self.after
            .as_ref()
            .map(|after| beyond(&self.columns, after, false).not())
    }

    /// Rows at or after `before` (outside the window at its end), if `before` was given.
    pub(crate) fn after_window(&self) -> Option<Condition> {
        self.before
            .as_ref()
            .map(|before| beyond(&self.columns, before, true).not())
    }
}

/// The SQL value for a cursor value (`Some(None)` for NULL), or `None` if the value
/// cannot be one of this kind: the cursor was not issued for this order.
fn sql_value(kind: ValueKind, value: &SortValue, nullable: bool) -> Option<Option<Value>> {
    match (kind, value) {
        (_, SortValue::Null) => nullable.then_some(None),
        (ValueKind::Int, SortValue::Int(number)) => {
            Some(Some(Value::from(i32::try_from(*number).ok()?)))
        }
        (ValueKind::Text, SortValue::Text(text)) => Some(Some(Value::from(text.clone()))),
        (ValueKind::Time, SortValue::Text(text)) => {
            let time = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
            Some(Some(Value::from(time)))
        }
        _ => None,
    }
}

/// The expression a field sorts by: text compares by bytes (code points) on PostgreSQL too,
/// as it does on SQLite, whatever the database's collation.
fn sort_expr<S: SortField>(backend: DbBackend, field: S) -> Expr {
    match (backend, field.kind()) {
        (DbBackend::Postgres, ValueKind::Text) => {
            Expr::cust(format!("\"{}\" COLLATE \"C\"", field.column()))
        }
        _ => Expr::col(Alias::new(field.column())),
    }
}

/// `SELECT <row> FROM <table> WHERE <filter>` for entity `E`.
pub(crate) fn matching<E: EntityTrait>(
    backend: DbBackend,
    filter: Option<&impl EntityFilter>,
) -> SelectStatement {
    let mut select = Query::select();
    select.columns(E::Column::iter()).from(E::default());
    if let Some(filter) = filter {
        select.cond_where(filter.condition(backend));
    }
    select
}

/// A keyset page of the rows of `E` matching the query's filter, in its order.
pub(crate) async fn page<E, F, S>(
    db: &impl ConnectionTrait,
    query: &PageQuery<F, S>,
) -> Result<Page<E::Model>>
where
    E: EntityTrait,
    F: EntityFilter,
    S: SortField,
{
    let backend = db.get_database_backend();
    let plan = Plan::new(backend, &query.order, &query.page)?;
    let base = matching::<E>(backend, query.filter.as_ref());
    read_page(db, &base, &plan, &query.page).await
}

/// How many rows of `E` match `filter` (`None`: all of them).
pub(crate) async fn count<E, F>(db: &impl ConnectionTrait, filter: Option<&F>) -> Result<u64>
where
    E: EntityTrait,
    E::Model: Sync,
    F: EntityFilter,
{
    let mut select = E::find();
    if let Some(filter) = filter {
        select = select.filter(filter.condition(db.get_database_backend()));
    }
    Ok(select.count(db).await?)
}

/// Reads one page: `base` is `SELECT <row> FROM <table> WHERE <filter>`; the cursors, the
/// order and the size come from `plan` and `page`. One query for the rows, plus one
/// `LIMIT 1` probe per cursor given to tell whether rows lie beyond it.
async fn read_page<M: FromQueryResult>(
    db: &impl ConnectionTrait,
    base: &SelectStatement,
    plan: &Plan,
    page: &PageRequest,
) -> Result<Page<M>> {
    let from_end = page.reads_from_end();
    let mut select = base.clone();
    select.cond_where(plan.window());
    for (expr, order, nulls) in plan.order_by(from_end) {
        match nulls {
            Some(nulls) => select.order_by_expr_with_nulls(expr, order, nulls),
            None => select.order_by_expr(expr, order),
        };
    }
    if let Some(size) = page.size() {
        select.limit(size.saturating_add(1));
    }
    let backend = db.get_database_backend();
    let mut rows = M::find_by_statement(backend.build(&select)).all(db).await?;
    if from_end {
        rows.reverse();
    }
    let before_window = match plan.before_window() {
        Some(condition) => exists(db, base, condition).await?,
        None => false,
    };
    let after_window = match plan.after_window() {
        Some(condition) => exists(db, base, condition).await?,
        None => false,
    };
    Ok(page.cut(rows, before_window, after_window))
}

/// Whether `base` has a row meeting `condition`.
async fn exists(
    db: &impl ConnectionTrait,
    base: &SelectStatement,
    condition: Condition,
) -> Result<bool> {
    let mut probe = base.clone();
    probe
        .clear_selects()
        .expr(Expr::val(1))
        .cond_where(condition)
        .limit(1);
    Ok(db.query_one(&probe).await?.is_some())
}
