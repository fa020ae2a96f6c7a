//! The service's one error type, classifying database failures once.

use sea_orm::{DbErr, RuntimeErr, SqlErr};

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
    UnknownCustomer(i32),
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

fn is_unavailable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(inner)) | DbErr::Query(RuntimeErr::SqlxError(inner)) => {
            let text = inner.to_string();
            text.contains("pool timed out")
                || text.contains("connection refused")
                || text.contains("error communicating with database")
                || text.contains("database is locked")
        }
        _ => false,
    }
}
