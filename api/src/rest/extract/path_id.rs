//! The row id in a route's path.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde_json::Value;

use super::integer::{TextInteger, read_integer};
use crate::rest::error::{RestError, ValidationIssue};

/// A row id from the path. A non-integer is a 422; an integer no row can have (outside the
/// key's range) is left to the route, which answers its 404.
#[derive(Clone, Debug)]
pub enum PathId {
    /// Fits the key column.
    Key(i32),
    /// An integer, but no row can have it; its canonical decimal spelling, of any length.
    OutOfRange(String),
}

impl PathId {
    /// The id as pydantic reads it, for 404 messages.
    pub fn shown(&self) -> String {
        match self {
            Self::Key(key) => key.to_string(),
            Self::OutOfRange(value) => value.clone(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = RestError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| {
                RestError::invalid(ValidationIssue::new(
                    "value_error",
                    &["path"],
                    rejection.body_text(),
                    Value::Null,
                ))
            })?;
        let (name, raw) = params.into_iter().next().unwrap_or_default();
        match read_integer(&raw) {
            Some(TextInteger::Small(value)) => {
                let out_of_range = |_| Self::OutOfRange(value.to_string());
                Ok(i32::try_from(value).map_or_else(out_of_range, Self::Key))
            }
            // Integers too long for 64 bits are integers all the same: no row has them.
            Some(TextInteger::Big(text)) => Ok(Self::OutOfRange(text)),
            None => Err(RestError::invalid(ValidationIssue::new(
                "int_parsing",
                &["path", &name],
                "Input should be a valid integer, unable to parse string as an integer",
                Value::String(raw),
            ))),
        }
    }
}
