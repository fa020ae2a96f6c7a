//! Plain lists (the REST routes) and keyset pages (GraphQL connections).

use crate::keyset::{Cursor, Sort};

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
pub struct ListQuery<F, S> {
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
