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

/// `SELECT <row> FROM <table> WHERE <visible> AND <filter>` for entity `E`: `visible` is
/// the rows the principal may see.
pub(crate) fn matching<E: EntityTrait>(
    backend: DbBackend,
    visible: Condition,
    filter: Option<&impl EntityFilter>,
) -> SelectStatement {
    let mut select = Query::select();
    select
        .columns(E::Column::iter())
        .from(E::default())
        .cond_where(visible);
    if let Some(filter) = filter {
        select.cond_where(filter.condition(backend));
    }
    select
}

/// A keyset page of the rows of `E` that are `visible` and match the query's filter, in its
/// order.
pub(crate) async fn page<E, F, S>(
    db: &impl ConnectionTrait,
    visible: Condition,
    query: &PageQuery<F, S>,
) -> Result<Page<E::Model>>
where
    E: EntityTrait,
    F: EntityFilter,
    S: SortField,
{
    let backend = db.get_database_backend();
    let plan = Plan::new(backend, &query.order, &query.page)?;
    let base = matching::<E>(backend, visible, query.filter.as_ref());
    read_page(db, &base, &plan, &query.page).await
}

/// How many `visible` rows of `E` match `filter` (`None`: all of them).
pub(crate) async fn count<E, F>(
    db: &impl ConnectionTrait,
    visible: Condition,
    filter: Option<&F>,
) -> Result<u64>
where
    E: EntityTrait,
    E::Model: Sync,
    F: EntityFilter,
{
    let mut select = E::find().filter(visible);
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

#[cfg(test)]
mod tests {
    //! The "rows beyond this one" condition, run on real rows (NULLs included) in SQLite and
    //! checked against the order written out in Rust, for every row as the cursor, in both
    //! directions, under each order of the table.

    use std::cmp::Ordering;

    use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

    use super::*;

    /// `(k, a, b)`: `k` the key, `a` a nullable integer, `b` text; ties on `a` and `b`.
    const ROWS: [(i32, Option<i32>, &str); 9] = [
        (1, Some(1), "x"),
        (2, None, "x"),
        (3, Some(1), "y"),
        (4, Some(2), "x"),
        (5, None, "y"),
        (6, Some(2), "y"),
        (7, Some(1), "x"),
        (8, None, "x"),
        (9, Some(3), "z"),
    ];

    /// A column of [`ROWS`] by name, as a cursor holds it.
    fn value(row: &(i32, Option<i32>, &str), column: &str) -> Option<Value> {
        match column {
            "k" => Some(Value::from(row.0)),
            "a" => row.1.map(Value::from),
            _ => Some(Value::from(row.2)),
        }
    }

    /// Compares two rows on one column in that column's direction: NULLs last ascending,
    /// first descending.
    fn compare(
        left: &(i32, Option<i32>, &str),
        right: &(i32, Option<i32>, &str),
        column: &str,
        descending: bool,
    ) -> Ordering {
        let ascending = match column {
            "k" => left.0.cmp(&right.0),
            "a" => match (left.1, right.1) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(l), Some(r)) => l.cmp(&r),
            },
            _ => left.2.cmp(right.2),
        };
        if descending {
            ascending.reverse()
        } else {
            ascending
        }
    }

    async fn database() -> DatabaseConnection {
        let db = Database::connect("sqlite::memory:").await.expect("SQLite");
        db.execute_unprepared("CREATE TABLE t (k INTEGER PRIMARY KEY, a INTEGER, b TEXT NOT NULL)")
            .await
            .expect("table");
        for (k, a, b) in ROWS {
            let a = a.map_or("NULL".to_owned(), |a| a.to_string());
            db.execute_unprepared(&format!("INSERT INTO t VALUES ({k}, {a}, '{b}')"))
                .await
                .expect("row");
        }
        db
    }

    #[tokio::test]
    async fn beyond_selects_exactly_the_rows_after_or_before_the_cursor() {
        let db = database().await;
        // Each order ends with the key; the ones without `a` and in one direction take the
        // row-value comparison, the others the expanded OR of terms.
        let orders: [&[(&str, bool)]; 8] = [
            &[("k", false)],
            &[("k", true)],
            &[("a", false), ("k", false)],
            &[("a", true), ("k", true)],
            &[("b", false), ("k", false)],
            &[("b", true), ("k", true)],
            &[("a", false), ("b", true), ("k", false)],
            &[("b", true), ("a", false), ("k", true)],
        ];
        for order in orders {
            let columns: Vec<SortColumn> = order
                .iter()
                .map(|&(name, descending)| SortColumn {
                    expr: Expr::col(Alias::new(name)),
                    nullable: name == "a",
                    descending,
                })
                .collect();
            for cursor in &ROWS {
                let values: Vec<Option<Value>> =
                    order.iter().map(|(name, _)| value(cursor, name)).collect();
                for reverse in [false, true] {
                    let mut select = Query::select();
                    select
                        .column(Alias::new("k"))
                        .from(Alias::new("t"))
                        .cond_where(beyond(&columns, &values, reverse))
                        .order_by(Alias::new("k"), Order::Asc);
                    let mut found = Vec::new();
                    for row in db.query_all(&select).await.expect("query") {
                        found.push(row.try_get_by_index::<i32>(0).expect("k"));
                    }
                    let wanted = if reverse {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    };
                    let expected: Vec<i32> = ROWS
                        .iter()
                        .filter(|row| {
                            order
                                .iter()
                                .map(|&(name, descending)| compare(row, cursor, name, descending))
                                .find(|ordering| ordering.is_ne())
                                == Some(wanted)
                        })
                        .map(|row| row.0)
                        .collect();
                    assert_eq!(
                        found, expected,
                        "order {order:?}, cursor {cursor:?}, reverse {reverse}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_cursor_of_another_order_is_refused() {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Field {
            Key,
            Name,
        }
        impl SortField for Field {
            const KEY: Self = Self::Key;
            fn column(self) -> &'static str {
                match self {
                    Self::Key => "k",
                    Self::Name => "b",
                }
            }
            fn kind(self) -> ValueKind {
                match self {
                    Self::Key => ValueKind::Int,
                    Self::Name => ValueKind::Text,
                }
            }
            fn nullable(self) -> bool {
                false
            }
        }
        let order = [Sort {
            field: Field::Name,
            descending: false,
        }];
        let cursor = |values: Vec<SortValue>, key| PageRequest {
            after: Some(Cursor { values, key }),
            ..PageRequest::default()
        };
        let good = cursor(vec![SortValue::Text("x".into()), SortValue::Int(3)], 3);
        assert!(Plan::new(DbBackend::Sqlite, &order, &good).is_ok());
        let refused = [
            // Too few values, a value of the wrong kind, NULL in a column that has none, and
            // a key that disagrees with the cursor's own.
            cursor(vec![SortValue::Int(3)], 3),
            cursor(vec![SortValue::Int(1), SortValue::Int(3)], 3),
            cursor(vec![SortValue::Null, SortValue::Int(3)], 3),
            cursor(vec![SortValue::Text("x".into()), SortValue::Int(4)], 3),
        ];
        for page in refused {
            assert!(
                matches!(
                    Plan::new(DbBackend::Sqlite, &order, &page),
                    Err(Error::Invalid(_))
                ),
                "{page:?}"
            );
        }
    }
}
