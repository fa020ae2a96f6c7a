//! The service's one error type, classifying database failures once.

use sea_orm::{DbErr, RuntimeErr, SqlErr, sqlx};

/// Result of every service call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in a service call; each variant maps to one client-facing outcome.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The row the call names does not exist.
    #[error("{0} not found")]
    NotFound(Resource),
    /// A unique value is taken (the database's constraint decided).
    #[error("{field} already exists")]
    Conflict {
        /// The field whose value is taken.
        field: Field,
        /// The value, as it would have been stored.
        value: String,
    },
    /// The principal's role lacks the right for this operation; nothing was written.
    #[error("not enough permissions")]
    Forbidden,
    /// The input breaks one or more rules (never an empty list); nothing was written.
    #[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Violation>),
    /// The database cannot be reached or gave no connection in time; worth retrying.
    #[error("database unavailable")]
    Unavailable(#[source] DbErr),
    /// Any other database failure: a bug or an operator problem, never the client's.
    #[error("database error")]
    Database(#[source] DbErr),
}

/// One broken rule: which field, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct Violation {
    /// The offending field.
    pub field: Field,
    /// What is wrong with it.
    pub problem: Invalid,
}

/// A failed all-or-nothing batch: nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("item {index:?}: {error}")]
pub struct BatchError {
    /// The position of the item that failed; `None` when the batch as a whole failed (the
    /// transaction could not start or commit).
    pub index: Option<usize>,
    /// Why.
    #[source]
    pub error: Error,
}

impl BatchError {
    pub(crate) fn at(index: usize) -> impl FnOnce(Error) -> Self {
        move |error| Self {
            index: Some(index),
            error,
        }
    }

    /// A failure of the batch as a whole, before any item (e.g. [`Error::Forbidden`]).
    pub fn of_whole(error: Error) -> Self {
        Self { index: None, error }
    }

    pub(crate) fn whole(error: DbErr) -> Self {
        Self {
            index: None,
            error: error.into(),
        }
    }
}

/// The two kinds of rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// A `customer` row.
    Customer,
    /// A `todos` row.
    Todo,
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Customer => "customer",
            Self::Todo => "todo",
        })
    }
}

/// Input fields that rules are about; callers spell them in their own protocol's case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `first_name`.
    FirstName,
    /// `middle_name`.
    MiddleName,
    /// `last_name`.
    LastName,
    /// `suffix`.
    Suffix,
    /// `email`.
    Email,
    /// `phone`.
    Phone,
    /// `task`.
    Task,
    /// `status`.
    Status,
    /// A todo's `customer_id`.
    CustomerId,
    /// A page's `after` cursor.
    After,
    /// A page's `before` cursor.
    Before,
}

impl Field {
    /// The column (and REST JSON) name.
    pub fn snake_case(self) -> &'static str {
        match self {
            Self::FirstName => "first_name",
            Self::MiddleName => "middle_name",
            Self::LastName => "last_name",
            Self::Suffix => "suffix",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Task => "task",
            Self::Status => "status",
            Self::CustomerId => "customer_id",
            Self::After => "after",
            Self::Before => "before",
        }
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.snake_case())
    }
}

/// Why a field's value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// Empty or only whitespace where text is required.
    #[error("must not be blank")]
    Blank,
    /// Contains a NUL character, which PostgreSQL text cannot store.
    #[error("must not contain a NUL character")]
    NulCharacter,
    /// Longer than the column allows.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
    /// Not an email address; the text says why.
    #[error("value is not a valid email address: {0}")]
    Email(String),
    /// A cursor that was not issued for this list and order.
    #[error("is not a cursor of this list and order")]
    Cursor,
    /// Names a customer that does not exist.
    #[error("no customer has customer_id {0}")]
    UnknownCustomer(i64),
}

impl From<Violation> for Error {
    fn from(violation: Violation) -> Self {
        Self::Invalid(vec![violation])
    }
}

impl From<DbErr> for Error {
    fn from(error: DbErr) -> Self {
        if is_unavailable(&error) {
            Self::Unavailable(error)
        } else {
            Self::Database(error)
        }
    }
}

impl Error {
    /// A single broken rule.
    pub fn invalid(field: Field, problem: Invalid) -> Self {
        Self::Invalid(vec![Violation { field, problem }])
    }

    /// Classifies a failed write: unique and foreign-key violations become client errors
    /// through `on_violation`, the rest as [`From<DbErr>`] does.
    pub(crate) fn from_write(
        error: DbErr,
        on_violation: impl FnOnce(&SqlErr) -> Option<Self>,
    ) -> Self {
        match error.sql_err().as_ref().and_then(on_violation) {
            Some(mapped) => mapped,
            None => error.into(),
        }
    }
}

/// Whether a database error means "not now" rather than "never": no connection could be had
/// or kept, the server is shutting down or refusing connections, or SQLite's file is busy.
/// Decided by the error's variant and SQLSTATE / SQLite result code, never by its text.
fn is_unavailable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(inner)) | DbErr::Query(RuntimeErr::SqlxError(inner)) => {
            sqlx_is_unavailable(inner)
        }
        _ => false,
    }
}

fn sqlx_is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(database) => {
            let Some(code) = database.code() else {
                return false;
            };
            if database
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .is_some()
            {
                sqlite_busy(&code)
            } else {
                postgres_unavailable(&code)
            }
        }
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs of class 08 (connection exception), 53300 (too many connections),
/// 57014 (cancelled by `statement_timeout`, which is the request's deadline), 57P01–57P03
/// (the server is shutting down, crashed, or not accepting connections yet).
fn postgres_unavailable(sqlstate: &str) -> bool {
    sqlstate.starts_with("08")
        || matches!(sqlstate, "53300" | "57014" | "57P01" | "57P02" | "57P03")
}

/// SQLite's primary result codes 5 (`SQLITE_BUSY`) and 6 (`SQLITE_LOCKED`), under any
/// extended code (sqlx reports the extended one).
fn sqlite_busy(code: &str) -> bool {
    code.parse::<u32>()
        .is_ok_and(|code| matches!(code & 0xff, 5 | 6))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn query_error(error: sqlx::Error) -> Error {
        DbErr::Query(RuntimeErr::SqlxError(Arc::new(error))).into()
    }

    #[test]
    fn pool_and_transport_failures_are_unavailable() {
        let cases = [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::WorkerCrashed,
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::BrokenPipe)),
        ];
        for case in cases {
            let shown = case.to_string();
            assert!(
                matches!(query_error(case), Error::Unavailable(_)),
                "{shown}"
            );
        }
    }

    #[test]
    fn other_failures_are_database_errors() {
        for case in [
            sqlx::Error::RowNotFound,
            sqlx::Error::Protocol("pool timed out".into()),
            sqlx::Error::ColumnNotFound("error communicating with database".into()),
        ] {
            let shown = case.to_string();
            assert!(matches!(query_error(case), Error::Database(_)), "{shown}");
        }
    }

    #[test]
    fn codes_decide_for_server_errors() {
        for sqlstate in [
            "08006", "08001", "53300", "57014", "57P01", "57P02", "57P03",
        ] {
            assert!(postgres_unavailable(sqlstate), "{sqlstate}");
        }
        for sqlstate in ["23505", "42P01", "40001"] {
            assert!(!postgres_unavailable(sqlstate), "{sqlstate}");
        }
        for code in ["5", "261", "517", "6", "262"] {
            assert!(sqlite_busy(code), "{code}");
        }
        for code in ["1", "19", "2067", "787"] {
            assert!(!sqlite_busy(code), "{code}");
        }
    }
}
