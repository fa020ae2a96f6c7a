//! `?limit=&offset=` of the list routes.

use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;
use serde_json::{Value, json};

use super::integer::{TextInteger, read_integer};
use crate::rest::error::{RestError, ValidationIssue};

/// `?limit=&offset=` of the list routes: integers ≥ 0, both optional.
#[derive(Clone, Copy, Debug, Default)]
pub struct LimitOffset(pub service::ListParams);

impl<S: Send + Sync> FromRequestParts<S> for LimitOffset {
    type Rejection = RestError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RawQuery(raw) = RawQuery::from_request_parts(parts, state)
            .await
            .unwrap_or(RawQuery(None));
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
        let mut issues = Vec::new();
        let mut read = |name: &str| -> Option<u64> {
            // FastAPI takes the last of repeated parameters.
            let raw = pairs.iter().rev().find(|(key, _)| key == name)?.1.clone();
            let value = match read_integer(&raw) {
                Some(TextInteger::Small(value)) => Some(value),
                // More than any table holds: as good as the largest value the databases take.
                Some(TextInteger::Big(text)) if !text.starts_with('-') => Some(i64::MAX),
                Some(TextInteger::Big(_)) => Some(-1),
                None => None,
            };
            match value {
                Some(value) if value >= 0 => u64::try_from(value).ok(),
                Some(_) => {
                    issues.push(
                        ValidationIssue::new(
                            "greater_than_equal",
                            &["query", name],
                            "Input should be greater than or equal to 0",
                            Value::String(raw),
                        )
                        .with_ctx(json!({ "ge": 0 })),
                    );
                    None
                }
                None => {
                    issues.push(ValidationIssue::new(
                        "int_parsing",
                        &["query", name],
                        "Input should be a valid integer, unable to parse string as an integer",
                        Value::String(raw),
                    ));
                    None
                }
            }
        };
        let limit = read("limit");
        let offset = read("offset").unwrap_or(0);
        if issues.is_empty() {
            Ok(Self(service::ListParams { limit, offset }))
        } else {
            Err(RestError::Validation(issues))
        }
    }
}
