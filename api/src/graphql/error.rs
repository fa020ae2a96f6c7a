//! GraphQL errors: every failure leaves with a stable `extensions.code`, mapped here once.

use async_graphql::{Error as GqlError, ErrorExtensions};
use service::{Error as ServiceError, Field};

/// The `extensions.code` values clients may rely on, as the README's "Errors" table lists
/// them; renaming one breaks clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// An argument or input field is wrong; `extensions.field` names it.
    BadUserInput,
    /// A mutation named a row that does not exist.
    NotFound,
    /// A unique value is taken; `extensions.field` names it.
    Conflict,
    /// The document does not parse.
    ParseFailed,
    /// The document does not validate against the schema.
    ValidationFailed,
    /// The document is too deep or too costly.
    QueryTooComplex,
    /// The database is down or saturated; retry later.
    ServiceUnavailable,
    /// An automatic persisted query's hash is unknown: send the query with it.
    PersistedQueryNotFound,
    /// No principal: a missing, bad or expired bearer token.
    Unauthenticated,
    /// The principal's role lacks the right for this operation.
    Forbidden,
    /// Over `RATE_LIMIT_PER_MINUTE`; retry after `Retry-After` seconds.
    RateLimited,
    /// A bug or an operator problem; details are in the log under the error's id.
    Internal,
}

impl Code {
    /// Every code, for metrics that list them all from the start.
    pub const ALL: [Self; 12] = [
        Self::BadUserInput,
        Self::NotFound,
        Self::Conflict,
        Self::ParseFailed,
        Self::ValidationFailed,
        Self::QueryTooComplex,
        Self::ServiceUnavailable,
        Self::PersistedQueryNotFound,
        Self::Unauthenticated,
        Self::Forbidden,
        Self::RateLimited,
        Self::Internal,
    ];

    /// The code spelled `text`, if it is one of ours.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == text)
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::ParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::ValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::RateLimited => "RATE_LIMITED",
            Self::Internal => "INTERNAL_SERVER_ERROR",
        }
    }
}

/// The GraphQL input field a service field is set through (camelCase).
pub fn graphql_field(field: Field) -> &'static str {
    match field {
        Field::FirstName => "firstName",
        Field::MiddleName => "middleName",
        Field::LastName => "lastName",
        Field::Suffix => "suffix",
        Field::Email => "email",
        Field::Phone => "phone",
        Field::Task => "task",
        Field::Status => "status",
        Field::CustomerId => "customerId",
        Field::After => "after",
        Field::Before => "before",
    }
}

/// A client error about one input field.
pub fn bad_input(field: &str, message: impl Into<String>) -> GqlError {
    let field = field.to_owned();
    GqlError::new(message).extend_with(move |_, extensions| {
        extensions.set("code", Code::BadUserInput.as_str());
        extensions.set("field", field.as_str());
    })
}

/// A masked server error: the client gets an id, the log gets the details under that id.
pub fn internal(error: &dyn std::error::Error) -> GqlError {
    let id = uuid::Uuid::new_v4().to_string();
    tracing::error!(error_id = %id, error = %error, source = ?error.source(), "internal error in a GraphQL resolver");
    GqlError::new(format!("Internal server error (error id {id})")).extend_with(
        move |_, extensions| {
            extensions.set("code", Code::Internal.as_str());
            extensions.set("errorId", id.as_str());
        },
    )
}

/// Maps a service failure to its GraphQL error, once, for every resolver.
pub fn from_service(error: &ServiceError) -> GqlError {
    match error {
        ServiceError::NotFound(resource) => {
            let code = Code::NotFound.as_str();
            GqlError::new(format!("No {resource} with that id"))
                .extend_with(move |_, extensions| extensions.set("code", code))
        }
        ServiceError::Conflict { field, value } => {
            let name = graphql_field(*field);
            GqlError::new(format!("A customer with {name} {value} already exists")).extend_with(
                move |_, extensions| {
                    extensions.set("code", Code::Conflict.as_str());
                    extensions.set("field", name);
                },
            )
        }
        ServiceError::Invalid(violations) => {
            // One error per resolver: the first problem names the field; the message lists
            // them all.
            let field = violations
                .first()
                .map_or("input", |first| graphql_field(first.field));
            let message = violations
                .iter()
                .map(|violation| {
                    format!("{}: {}", graphql_field(violation.field), violation.problem)
                })
                .collect::<Vec<_>>()
                .join("; ");
            bad_input(field, message)
        }
        ServiceError::Forbidden => {
            let code = Code::Forbidden.as_str();
            GqlError::new("Not enough permissions for this operation")
                .extend_with(move |_, extensions| extensions.set("code", code))
        }
        ServiceError::Unavailable(cause) => {
            crate::database::unavailable(cause);
            GqlError::new("The service is temporarily unavailable; retry later").extend_with(
                |_, extensions| extensions.set("code", Code::ServiceUnavailable.as_str()),
            )
        }
        ServiceError::Database(_) => internal(error),
    }
}

/// Maps a subscription that cannot start, or that had to end, because change events cannot
/// be relied on (this replica cannot tell the database it listens): `SERVICE_UNAVAILABLE`,
/// for the client to subscribe again later.
pub fn from_events(error: &crate::events::EventsError) -> GqlError {
    tracing::warn!(%error, "a subscription could not start or had to end");
    GqlError::new(error.to_string())
        .extend_with(|_, extensions| extensions.set("code", Code::ServiceUnavailable.as_str()))
}

/// Maps a failed batch: the item's error, with `extensions.index` naming the item.
pub fn from_batch(error: &service::BatchError) -> GqlError {
    let mapped = from_service(&error.error);
    match error.index {
        Some(index) => mapped.extend_with(move |_, extensions| extensions.set("index", index)),
        None => mapped,
    }
}

/// `?` on a service call inside a resolver maps through [`from_service`], never through
/// async-graphql's blanket `Display` conversion (which would leak database text).
pub trait ServiceResultExt<T> {
    /// Maps the error for GraphQL.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> ServiceResultExt<T> for Result<T, ServiceError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|error| from_service(&error))
    }
}

impl<T> ServiceResultExt<T> for Result<T, std::sync::Arc<ServiceError>> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|error| from_service(&error))
    }
}
