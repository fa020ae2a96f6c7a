//! The JSON object body of the write routes, refused as FastAPI refuses it: wrong content
//! type, empty, not JSON (with Python's character offset), or not an object.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value, json};

use crate::rest::error::{LocItem, RestError, ValidationIssue};

/// A JSON object body, checked for content type, UTF-8, syntax and shape.
#[derive(Debug)]
pub struct JsonObject(pub Map<String, Value>);

fn is_json_content_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = RestError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                RestError::invalid(ValidationIssue::new(
                    "body_too_large",
                    &["body"],
                    rejection.body_text(),
                    Value::Null,
                ))
            })?;
        if bytes.is_empty() {
            return Err(RestError::invalid(ValidationIssue::new(
                "missing",
                &["body"],
                "Field required",
                Value::Null,
            )));
        }
        if !content_type.as_deref().is_some_and(is_json_content_type) {
            return Err(RestError::invalid(ValidationIssue::new(
                "model_attributes_type",
                &["body"],
                "Input should be a valid dictionary or object to extract fields from",
                Value::String(String::from_utf8_lossy(&bytes).into_owned()),
            )));
        }
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|error| json_invalid(&bytes, &error))?;
        match value {
            Value::Object(object) => Ok(Self(object)),
            other => Err(RestError::invalid(ValidationIssue::new(
                "model_attributes_type",
                &["body"],
                "Input should be a valid dictionary or object to extract fields from",
                other,
            ))),
        }
    }
}

/// FastAPI's answer to a body that is not JSON: `loc` is `["body", <character offset>]`,
/// counted as Python's `json` module does (serde_json's column counts bytes, and at the end
/// of the text it points at the last byte where Python points past it).
fn json_invalid(bytes: &[u8], error: &serde_json::Error) -> RestError {
    let line_start: usize = bytes
        .split_inclusive(|&byte| byte == b'\n')
        .take(error.line().saturating_sub(1))
        .map(<[u8]>::len)
        .sum();
    let index = match error.classify() {
        serde_json::error::Category::Eof => bytes.len(),
        _ => (line_start + error.column().saturating_sub(1)).min(bytes.len()),
    };
    let offset = String::from_utf8_lossy(&bytes[..index]).chars().count();
    RestError::invalid(ValidationIssue {
        kind: "json_invalid".into(),
        loc: vec!["body".into(), LocItem::Index(offset as u64)],
        msg: "JSON decode error".into(),
        input: json!({}),
        ctx: Some(json!({ "error": error.to_string() })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        for accepted in [
            "application/json",
            "application/json; charset=utf-8",
            "application/merge-patch+json",
            "Application/JSON",
        ] {
            assert!(is_json_content_type(accepted), "{accepted}");
        }
        for refused in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
            "json",
        ] {
            assert!(!is_json_content_type(refused), "{refused}");
        }
    }
}
