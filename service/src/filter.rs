//! Filters over single columns, turned into SQL conditions that behave the same on SQLite
//! and PostgreSQL.
//!
//! The two databases disagree on text matching: SQLite's `LIKE` folds ASCII case and
//! PostgreSQL's does not, and PostgreSQL's `ILIKE`/`lower()` fold by locale. So the
//! case-sensitive operators use `GLOB` on SQLite and `LIKE` on PostgreSQL, and the
//! case-insensitive one folds ASCII letters only on both (`LIKE` on SQLite, `translate` then
//! `LIKE` on PostgreSQL). User text is always escaped, so `%`, `_`, `*`, `?` and `[` match
//! themselves.

use chrono::{DateTime, Utc};
use sea_orm::DbBackend;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, IntoColumnRef, LikeExpr, Value};

/// Comparisons for a column of ordered values (numbers, timestamps). Every operator given
/// must hold (they are ANDed).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrderedFilter<T> {
    /// Equal to.
    pub eq: Option<T>,
    /// Not equal to (a NULL never matches).
    pub ne: Option<T>,
    /// One of (an empty list matches nothing).
    pub is_in: Option<Vec<T>>,
    /// None of (a NULL never matches, except that an empty list matches every row).
    pub not_in: Option<Vec<T>>,
    /// `true`: only NULL; `false`: only non-NULL.
    pub is_null: Option<bool>,
    /// Greater (later) than.
    pub gt: Option<T>,
    /// Greater (later) than or equal to.
    pub gte: Option<T>,
    /// Less (earlier) than.
    pub lt: Option<T>,
    /// Less (earlier) than or equal to.
    pub lte: Option<T>,
}

impl<T> Default for OrderedFilter<T> {
    fn default() -> Self {
        Self {
            eq: None,
            ne: None,
            is_in: None,
            not_in: None,
            is_null: None,
            gt: None,
            gte: None,
            lt: None,
            lte: None,
        }
    }
}

/// Comparisons for an integer column.
pub type IntFilter = OrderedFilter<i32>;

/// Comparisons for a timestamp column.
pub type TimeFilter = OrderedFilter<DateTime<Utc>>;

/// Comparisons for a text column. Every operator given must hold. Matching is by exact
/// characters except `contains_insensitive`, which ignores ASCII case only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TextFilter {
    /// Equal to.
    pub eq: Option<String>,
    /// Not equal to (a NULL never matches).
    pub ne: Option<String>,
    /// One of (an empty list matches nothing).
    pub is_in: Option<Vec<String>>,
    /// None of (a NULL never matches, except that an empty list matches every row).
    pub not_in: Option<Vec<String>>,
    /// `true`: only NULL; `false`: only non-NULL.
    pub is_null: Option<bool>,
    /// Holds this text, case-sensitively.
    pub contains: Option<String>,
    /// Begins with this text, case-sensitively.
    pub starts_with: Option<String>,
    /// Ends with this text, case-sensitively.
    pub ends_with: Option<String>,
    /// Holds this text, ignoring the case of ASCII letters.
    pub contains_insensitive: Option<String>,
}

/// Comparisons for a column holding one of a fixed set of strings (an enum).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChoiceFilter<T> {
    /// Equal to.
    pub eq: Option<T>,
    /// Not equal to.
    pub ne: Option<T>,
    /// One of (an empty list matches nothing).
    pub is_in: Option<Vec<T>>,
    /// None of.
    pub not_in: Option<Vec<T>>,
}

impl<T> Default for ChoiceFilter<T> {
    fn default() -> Self {
        Self {
            eq: None,
            ne: None,
            is_in: None,
            not_in: None,
        }
    }
}

/// Builds the condition of one column's filter.
struct ColumnCondition {
    column: Expr,
    backend: DbBackend,
    condition: Condition,
}

/// Always false, spelt the same way on every database.
pub(crate) fn never() -> Expr {
    Expr::cust("1 = 0")
}

impl ColumnCondition {
    pub(crate) fn new(column: Expr, backend: DbBackend) -> Self {
        Self {
            column,
            backend,
            condition: Condition::all(),
        }
    }

    pub(crate) fn finish(self) -> Condition {
        self.condition
    }

    fn push(&mut self, expr: Expr) {
        let condition = std::mem::replace(&mut self.condition, Condition::all());
        self.condition = condition.add(expr);
    }

    fn compare<V: Into<Value> + Clone>(&mut self, value: Option<&V>, op: fn(Expr, Value) -> Expr) {
        if let Some(value) = value {
            let expr = op(self.column.clone(), value.clone().into());
            self.push(expr);
        }
    }

    fn membership<V: Into<Value> + Clone>(
        &mut self,
        is_in: Option<&Vec<V>>,
        not_in: Option<&Vec<V>>,
    ) {
        if let Some(values) = is_in {
            let expr = if values.is_empty() {
                never()
            } else {
                self.column
                    .clone()
                    .is_in(values.iter().cloned().map(Into::into))
            };
            self.push(expr);
        }
        // An empty `not_in` excludes nothing (as SQLite's `NOT IN ()` does, NULLs included);
        // otherwise SQL's rule holds and a NULL is never "not in" a list.
        if let Some(values) = not_in.filter(|values| !values.is_empty()) {
            let expr = self
                .column
                .clone()
                .is_not_in(values.iter().cloned().map(Into::into));
            self.push(expr);
        }
    }

    fn null_check(&mut self, is_null: Option<bool>) {
        match is_null {
            Some(true) => self.push(self.column.clone().is_null()),
            Some(false) => self.push(self.column.clone().is_not_null()),
            None => {}
        }
    }

    pub(crate) fn ordered<T: Into<Value> + Clone>(mut self, filter: &OrderedFilter<T>) -> Self {
        self.compare(filter.eq.as_ref(), |c, v| c.eq(v));
        self.compare(filter.ne.as_ref(), |c, v| c.ne(v));
        self.membership(filter.is_in.as_ref(), filter.not_in.as_ref());
        self.null_check(filter.is_null);
        self.compare(filter.gt.as_ref(), |c, v| c.gt(v));
        self.compare(filter.gte.as_ref(), |c, v| c.gte(v));
        self.compare(filter.lt.as_ref(), |c, v| c.lt(v));
        self.compare(filter.lte.as_ref(), |c, v| c.lte(v));
        self
    }

    pub(crate) fn choice<T: Copy>(
        mut self,
        filter: &ChoiceFilter<T>,
        stored: fn(T) -> &'static str,
    ) -> Self {
        let one = |value: Option<T>| value.map(|value| stored(value).to_owned());
        let many = |values: Option<&Vec<T>>| {
            values.map(|values| {
                values
                    .iter()
                    .map(|value| stored(*value).to_owned())
                    .collect::<Vec<_>>()
            })
        };
        self.compare(one(filter.eq).as_ref(), |c, v| c.eq(v));
        self.compare(one(filter.ne).as_ref(), |c, v| c.ne(v));
        let (is_in, not_in) = (many(filter.is_in.as_ref()), many(filter.not_in.as_ref()));
        self.membership(is_in.as_ref(), not_in.as_ref());
        self
    }

    pub(crate) fn text(mut self, filter: &TextFilter) -> Self {
        self.compare(filter.eq.as_ref(), |c, v| c.eq(v));
        self.compare(filter.ne.as_ref(), |c, v| c.ne(v));
        self.membership(filter.is_in.as_ref(), filter.not_in.as_ref());
        self.null_check(filter.is_null);
        let patterns = [
            (filter.contains.as_deref(), true, true),
            (filter.starts_with.as_deref(), false, true),
            (filter.ends_with.as_deref(), true, false),
        ];
        for (text, any_before, any_after) in patterns {
            if let Some(text) = text {
                let expr = self.matches(text, any_before, any_after);
                self.push(expr);
            }
        }
        if let Some(text) = filter.contains_insensitive.as_deref() {
            let expr = self.matches_ignoring_ascii_case(text);
            self.push(expr);
        }
        self
    }

    /// A case-sensitive match of literal `text`, with anything allowed before and/or after.
    fn matches(&self, text: &str, any_before: bool, any_after: bool) -> Expr {
        let column = self.column.clone();
        match self.backend {
            DbBackend::Sqlite => {
                let pattern = wrap(&escape_glob(text), "*", any_before, any_after);
                Expr::cust_with_exprs("? GLOB ?", [column, Expr::val(pattern)])
            }
            _ => {
                let pattern = wrap(&escape_like(text), "%", any_before, any_after);
                column.like(LikeExpr::new(pattern).escape('\\'))
            }
        }
    }

    /// A match of literal `text` anywhere, folding ASCII letters only, on both databases.
    fn matches_ignoring_ascii_case(&self, text: &str) -> Expr {
        let pattern = wrap(&escape_like(text), "%", true, true);
        match self.backend {
            // SQLite's LIKE folds exactly the ASCII letters.
            DbBackend::Sqlite => self
                .column
                .clone()
                .like(LikeExpr::new(pattern).escape('\\')),
            _ => Expr::cust_with_exprs(
                "translate($1, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') \
                 LIKE $2 ESCAPE '\\'",
                [self.column.clone(), Expr::val(pattern.to_ascii_lowercase())],
            ),
        }
    }
}

fn wrap(escaped: &str, any: &str, before: bool, after: bool) -> String {
    let mut pattern = String::with_capacity(escaped.len() + 2);
    if before {
        pattern.push_str(any);
    }
    pattern.push_str(escaped);
    if after {
        pattern.push_str(any);
    }
    pattern
}

/// Makes `%`, `_` and the escape character itself literal in a `LIKE … ESCAPE '\'` pattern.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Makes `*`, `?` and `[` literal in an SQLite `GLOB` pattern (which has no escape
/// character: a one-character class matches the character itself).
fn escape_glob(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '*' => escaped.push_str("[*]"),
            '?' => escaped.push_str("[?]"),
            '[' => escaped.push_str("[[]"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// A whole-row filter of one entity (`CustomerFilter`, `TodoFilter`), so listing, paging
/// and counting can be written once for both.
pub trait EntityFilter {
    /// The filter as an SQL condition for `backend`.
    fn condition(&self, backend: DbBackend) -> Condition;
}

/// Builds a whole-row filter's condition: one field filter after the other (each one given
/// must hold), then the logical combinators. Every entity's filter is this sequence of
/// calls, one per field.
pub(crate) struct RowCondition {
    backend: DbBackend,
    condition: Condition,
}

impl RowCondition {
    /// No field condition yet: matches every row.
    pub(crate) fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            condition: Condition::all(),
        }
    }

    fn field(
        mut self,
        column: impl IntoColumnRef,
        build: impl FnOnce(ColumnCondition) -> ColumnCondition,
    ) -> Self {
        let field = build(ColumnCondition::new(Expr::col(column), self.backend));
        self.condition = self.condition.add(field.finish());
        self
    }

    /// An integer or timestamp column's filter, if given.
    pub(crate) fn ordered<T: Into<Value> + Clone>(
        self,
        column: impl IntoColumnRef,
        filter: Option<&OrderedFilter<T>>,
    ) -> Self {
        match filter {
            Some(filter) => self.field(column, |field| field.ordered(filter)),
            None => self,
        }
    }

    /// A text column's filter, if given.
    pub(crate) fn text(self, column: impl IntoColumnRef, filter: Option<&TextFilter>) -> Self {
        match filter {
            Some(filter) => self.field(column, |field| field.text(filter)),
            None => self,
        }
    }

    /// A column of fixed choices, stored as `stored` spells them, if given.
    pub(crate) fn choice<T: Copy>(
        self,
        column: impl IntoColumnRef,
        filter: Option<&ChoiceFilter<T>>,
        stored: fn(T) -> &'static str,
    ) -> Self {
        match filter {
            Some(filter) => self.field(column, |field| field.choice(filter, stored)),
            None => self,
        }
    }

    /// The field conditions, and with them every filter of `and`, at least one of `or` (an
    /// empty `or` is false, as in logic: no alternative holds) and not `not`.
    pub(crate) fn combined<F: EntityFilter>(
        self,
        and: &[F],
        or: Option<&[F]>,
        not: Option<&F>,
    ) -> Condition {
        let each = |filter: &F| filter.condition(self.backend);
        let mut condition = self.condition;
        for filter in and {
            condition = condition.add(each(filter));
        }
        if let Some(filters) = or {
            let any = if filters.is_empty() {
                Condition::all().add(never())
            } else {
                filters
                    .iter()
                    .fold(Condition::any(), |any, filter| any.add(each(filter)))
            };
            condition = condition.add(any);
        }
        if let Some(filter) = not {
            condition = condition.add(each(filter).not());
        }
        condition
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_and_glob_patterns_take_user_text_literally() {
        assert_eq!(escape_like(r"50%_off\"), r"50\%\_off\\");
        assert_eq!(escape_glob("a*b?c[d]"), "a[*]b[?]c[[]d]");
        assert_eq!(wrap("x", "%", true, false), "%x");
    }
}
