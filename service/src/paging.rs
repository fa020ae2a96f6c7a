//! Plain lists (the REST routes) and keyset pages (GraphQL connections): what is asked for
//! (sizes, sort orders, cursors) and what comes back, without any SQL (that is `keyset`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `limit`/`offset` of the REST lists; no limit means the whole table, as in the seeds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListParams {
    /// At most this many rows.
    pub limit: Option<u64>,
    /// Skip this many rows first.
    pub offset: u64,
}

/// A keyset page request: `first` rows after `after`, or `last` rows before `before`, in
/// the order of the query it belongs to.
///
/// Sort keys rather than offsets keep a walk through the list stable while rows are inserted
/// or deleted between pages. The caller has already checked the sizes against its limits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// Rows from the start of the window.
    pub first: Option<u64>,
    /// Only rows that sort after this one.
    pub after: Option<Cursor>,
    /// Rows from the end of the window.
    pub last: Option<u64>,
    /// Only rows that sort before this one.
    pub before: Option<Cursor>,
}

/// What a connection asks for: which rows (`filter`), in which order, and which page.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageQuery<F, S> {
    /// Only rows that match; `None` for every row.
    pub filter: Option<F>,
    /// The sort, most significant first; the primary key breaks ties.
    pub order: Vec<Sort<S>>,
    /// The page.
    pub page: PageRequest,
}

/// One page of rows in key order, and whether rows exist beyond each end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows, in ascending key order.
    pub items: Vec<T>,
    /// Rows exist before the first item (within `before`, if any).
    pub has_previous_page: bool,
    /// Rows exist after the last item (within `after`, if any).
    pub has_next_page: bool,
}

impl PageRequest {
    /// Whether the page is taken from the end of the window (`last` without `first`).
    pub(crate) fn reads_from_end(&self) -> bool {
        self.first.is_none() && self.last.is_some()
    }

    /// How many rows the page holds at most.
    pub(crate) fn size(&self) -> Option<u64> {
        self.first.or(self.last)
    }

    /// Cuts a window of rows (read in ascending key order, one more than asked for at the
    /// end being read from) down to the page, and works out `has_next`/`has_previous` from
    /// the extra row.
    ///
    /// `rows` must hold the rows of the window `(after, before)` taken from the end that
    /// `last` points at when `last` is given, else from the start, with at most one row more
    /// than the size asked for; `beyond_window_*` say whether rows exist outside the window.
    pub(crate) fn cut<T>(
        &self,
        mut rows: Vec<T>,
        beyond_window_before: bool,
        beyond_window_after: bool,
    ) -> Page<T> {
        let mut has_previous_page = beyond_window_before;
        let mut has_next_page = beyond_window_after;
        if let Some(first) = self.first {
            let first = usize::try_from(first).unwrap_or(usize::MAX);
            if rows.len() > first {
                rows.truncate(first);
                has_next_page = true;
            }
        }
        if let Some(last) = self.last {
            let last = usize::try_from(last).unwrap_or(usize::MAX);
            if rows.len() > last {
                rows.drain(..rows.len() - last);
                has_previous_page = true;
            }
        }
        Page {
            items: rows,
            has_previous_page,
            has_next_page,
        }
    }
}

/// One value of a row's sort key, as carried inside a cursor (timestamps as RFC 3339 text).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    /// SQL NULL.
    Null,
    /// An integer column.
    Int(i64),
    /// A text or timestamp column.
    Text(String),
}

impl SortValue {
    /// A timestamp as cursors carry it: RFC 3339 in UTC, with only the fraction digits it
    /// needs.
    pub(crate) fn time(time: DateTime<Utc>) -> Self {
        Self::Text(time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

/// The kind of value a sort column holds, to read a cursor's values as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A 32-bit integer.
    Int,
    /// Text, compared by bytes.
    Text,
    /// A UTC timestamp.
    Time,
}

/// Where a page starts or ends: the sort values of a row and its primary key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    /// The row's values of the sort columns, in `orderBy` order (primary key excluded).
    pub values: Vec<SortValue>,
    /// The row's primary key, the last tie-breaker.
    pub key: i32,
}

/// A sortable field of one entity: how it is stored, so sorts and cursors can be built
/// generically.
pub trait SortField: Copy + Eq + std::fmt::Debug {
    /// The primary key, the tie-breaker that makes every order total.
    const KEY: Self;
    /// The column's name.
    fn column(self) -> &'static str;
    /// What its values are.
    fn kind(self) -> ValueKind;
    /// Whether it can be NULL.
    fn nullable(self) -> bool;
}

/// One entry of an `orderBy`: a field and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sort<S> {
    /// The field.
    pub field: S,
    /// Largest first (NULLs first) instead of smallest first (NULLs last).
    pub descending: bool,
}

/// The order actually used for `order`: each field once (the first mention wins), nothing
/// after the primary key (it already decides), and the key last, in the direction of the
/// entry before it (so `LAST_NAME_DESC` is one backward walk of a `(last_name, key)` index),
/// ascending when there is none. Cursors hold one value per entry of this list.
pub fn effective_order<S: SortField>(order: &[Sort<S>]) -> Vec<Sort<S>> {
    let mut effective: Vec<Sort<S>> = Vec::with_capacity(order.len() + 1);
    for sort in order {
        if effective.iter().any(|seen| seen.field == sort.field) {
            continue;
        }
        effective.push(*sort);
        if sort.field == S::KEY {
            break;
        }
    }
    match effective.last() {
        Some(last) if last.field == S::KEY => {}
        last => {
            let descending = last.is_some_and(|sort| sort.descending);
            effective.push(Sort {
                field: S::KEY,
                descending,
            });
        }
    }
    effective
}

/// The sort key of a row, as a cursor holds it; `effective` is the order as
/// [`effective_order`] gives it (worked out once per page, not per row).
pub(crate) fn cursor_of<S: SortField>(
    effective: &[Sort<S>],
    value_of: impl Fn(S) -> SortValue,
    key: i32,
) -> Cursor {
    Cursor {
        values: effective.iter().map(|sort| value_of(sort.field)).collect(),
        key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page request of these sizes.
    fn sizes(first: Option<u64>, last: Option<u64>) -> PageRequest {
        PageRequest {
            first,
            last,
            ..PageRequest::default()
        }
    }

    #[test]
    fn cut_keeps_the_page_and_reads_the_extra_row_as_more_beyond() {
        // (first, last, rows read, rows exist before / after the window)
        //   => (page, has_previous_page, has_next_page)
        type Case = (
            Option<u64>,
            Option<u64>,
            &'static [i32],
            (bool, bool),
            (&'static [i32], bool, bool),
        );
        let cases: [Case; 11] = [
            // Forwards: the extra row at the end means a next page.
            (
                Some(2),
                None,
                &[1, 2, 3],
                (false, false),
                (&[1, 2], false, true),
            ),
            (
                Some(2),
                None,
                &[1, 2],
                (false, false),
                (&[1, 2], false, false),
            ),
            (Some(2), None, &[1, 2], (true, true), (&[1, 2], true, true)),
            (Some(0), None, &[1], (false, false), (&[], false, true)),
            (Some(5), None, &[], (true, false), (&[], true, false)),
            // Backwards: the rows come in key order with the extra one at the start.
            (
                None,
                Some(2),
                &[1, 2, 3],
                (false, false),
                (&[2, 3], true, false),
            ),
            (
                None,
                Some(2),
                &[2, 3],
                (false, true),
                (&[2, 3], false, true),
            ),
            (None, Some(0), &[3], (false, false), (&[], true, false)),
            // Both: `first` cuts from the start, then `last` from what is left.
            (
                Some(3),
                Some(2),
                &[1, 2, 3, 4],
                (false, false),
                (&[2, 3], true, true),
            ),
            (
                Some(3),
                Some(5),
                &[1, 2],
                (false, false),
                (&[1, 2], false, false),
            ),
            // No size: the whole window.
            (
                None,
                None,
                &[1, 2, 3],
                (true, false),
                (&[1, 2, 3], true, false),
            ),
        ];
        for (first, last, rows, (before, after), (items, previous, next)) in cases {
            let page = sizes(first, last).cut(rows.to_vec(), before, after);
            assert_eq!(
                page,
                Page {
                    items: items.to_vec(),
                    has_previous_page: previous,
                    has_next_page: next,
                },
                "first {first:?}, last {last:?}, rows {rows:?}, beyond ({before}, {after})"
            );
        }
    }

    #[test]
    fn the_effective_order_ends_with_the_key_once() {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Field {
            Key,
            Name,
            Age,
        }
        impl SortField for Field {
            const KEY: Self = Self::Key;
            fn column(self) -> &'static str {
                "unused"
            }
            fn kind(self) -> ValueKind {
                ValueKind::Int
            }
            fn nullable(self) -> bool {
                false
            }
        }
        let asc = |field| Sort {
            field,
            descending: false,
        };
        let desc = |field| Sort {
            field,
            descending: true,
        };
        let cases = [
            (vec![], vec![asc(Field::Key)]),
            (
                vec![desc(Field::Name)],
                vec![desc(Field::Name), desc(Field::Key)],
            ),
            (
                vec![asc(Field::Name), desc(Field::Name), desc(Field::Age)],
                vec![asc(Field::Name), desc(Field::Age), desc(Field::Key)],
            ),
            (
                vec![desc(Field::Key), asc(Field::Name)],
                vec![desc(Field::Key)],
            ),
        ];
        for (order, effective) in cases {
            assert_eq!(effective_order(&order), effective, "{order:?}");
        }
    }
}
