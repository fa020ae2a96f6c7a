//! Request parsing that answers like FastAPI: every malformed body, path or query gets a
//! 422 listing each problem, never a 500 and never axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, RawQuery, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde_json::{Map, Value, json};
use service::todo::TodoStatus;

use super::error::{LocItem, RestError, ValidationIssue};

/// A JSON object body, checked for content type, UTF-8, syntax and shape.
#[derive(Debug)]
pub struct JsonObject(pub Map<String, Value>);

fn is_json_content_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
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
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
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
                "Input should be a valid dictionary or object to extract fields from; send JSON with Content-Type: application/json",
                Value::String(String::from_utf8_lossy(&bytes).into_owned()),
            )));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|error| json_invalid(&bytes, &error))?;
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

/// FastAPI's answer to a body that is not JSON: `loc` is `["body", <character offset>]`.
fn json_invalid(bytes: &[u8], error: &serde_json::Error) -> RestError {
    let text = String::from_utf8_lossy(bytes);
    let offset: usize = text
        .split_inclusive('\n')
        .take(error.line().saturating_sub(1))
        .map(|line| line.chars().count())
        .sum::<usize>()
        + error.column().saturating_sub(1);
    RestError::invalid(ValidationIssue {
        kind: "json_invalid".into(),
        loc: vec!["body".into(), LocItem::Index(offset as u64)],
        msg: "JSON decode error".into(),
        input: json!({}),
        ctx: Some(json!({ "error": error.to_string() })),
    })
}

/// Reads typed fields out of a JSON object body, collecting every problem before failing.
pub struct BodyReader<'a> {
    object: &'a Map<String, Value>,
    issues: Vec<ValidationIssue>,
}

impl<'a> BodyReader<'a> {
    /// Starts reading `object`.
    pub fn new(object: &'a Map<String, Value>) -> Self {
        Self { object, issues: Vec::new() }
    }

    fn issue(&mut self, kind: &str, field: &str, msg: &str, input: Value) {
        self.issues.push(ValidationIssue::new(kind, &["body", field], msg, input));
    }

    /// A required string: absent is `missing`, anything but a string is `string_type`.
    pub fn required_string(&mut self, field: &str) -> String {
        match self.object.get(field) {
            None => {
                let whole = Value::Object(self.object.clone());
                self.issue("missing", field, "Field required", whole);
                String::new()
            }
            Some(value) => self.string_value(field, value).unwrap_or_default(),
        }
    }

    /// An optional string: absent or `null` is `None`.
    pub fn optional_string(&mut self, field: &str) -> Option<String> {
        match self.object.get(field) {
            None | Some(Value::Null) => None,
            Some(value) => self.string_value(field, value),
        }
    }

    fn string_value(&mut self, field: &str, value: &Value) -> Option<String> {
        match value {
            Value::String(text) => Some(text.clone()),
            other => {
                self.issue("string_type", field, "Input should be a valid string", other.clone());
                None
            }
        }
    }

    /// An optional integer: absent or `null` is `None`. Like pydantic, an integral number or
    /// a numeric string is accepted. Values outside 64 bits are refused here; the caller
    /// decides what fits its column.
    pub fn optional_integer(&mut self, field: &str) -> Option<i64> {
        let value = match self.object.get(field) {
            None | Some(Value::Null) => return None,
            Some(value) => value.clone(),
        };
        let parsed = match &value {
            Value::Number(number) => match number.as_i64() {
                Some(integer) => Ok(integer),
                None if number.as_f64().is_some_and(|float| float.fract() != 0.0) => Err((
                    "int_from_float",
                    "Input should be a valid integer, got a number with a fractional part",
                )),
                None => Err((
                    "int_parsing_size",
                    "Unable to parse input string as an integer, exceeded maximum size",
                )),
            },
            Value::String(text) => parse_integer(text).ok_or((
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
            )),
            _ => Err(("int_type", "Input should be a valid integer")),
        };
        match parsed {
            Ok(integer) => Some(integer),
            Err((kind, msg)) => {
                self.issue(kind, field, msg, value);
                None
            }
        }
    }

    /// A todo status: absent is `Pending`; anything but one of the seed's strings is `enum`.
    pub fn status(&mut self, field: &str) -> TodoStatus {
        let value = match self.object.get(field) {
            None => return TodoStatus::Pending,
            Some(value) => value,
        };
        let parsed = match value.as_str() {
            Some("Pending") => Some(TodoStatus::Pending),
            Some("Completed") => Some(TodoStatus::Completed),
            Some("In Process") => Some(TodoStatus::InProcess),
            _ => None,
        };
        parsed.unwrap_or_else(|| {
            const EXPECTED: &str = "'Pending', 'Completed' or 'In Process'";
            self.issues.push(
                ValidationIssue::new(
                    "enum",
                    &["body", field],
                    format!("Input should be {EXPECTED}"),
                    value.clone(),
                )
                .with_ctx(json!({ "expected": EXPECTED })),
            );
            TodoStatus::Pending
        })
    }

    /// The raw value of a field, for error messages.
    pub fn raw(&self, field: &str) -> Value {
        self.object.get(field).cloned().unwrap_or(Value::Null)
    }

    /// Succeeds with `value` only if no problem was found.
    pub fn finish<T>(self, value: T) -> Result<T, RestError> {
        if self.issues.is_empty() {
            Ok(value)
        } else {
            Err(RestError::Validation(self.issues))
        }
    }
}

/// Integers as pydantic reads them from text: optional sign, digits, surrounding spaces.
fn parse_integer(text: &str) -> Option<i64> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
    digits.parse().ok()
}

/// A row id from the path. A non-integer is a 422; an integer no row can have (outside the
/// key's range) is left to the route, which answers its 404.
#[derive(Clone, Copy, Debug)]
pub enum PathId {
    /// Fits the key column.
    Key(i32),
    /// An integer, but no row can have it.
    OutOfRange(i64),
}

impl PathId {
    /// The id as the client wrote it, for 404 messages.
    pub fn shown(self) -> String {
        match self {
            Self::Key(key) => key.to_string(),
            Self::OutOfRange(value) => value.to_string(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = RestError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| {
                RestError::invalid(ValidationIssue::new("value_error", &["path"], rejection.body_text(), Value::Null))
            })?;
        let (name, raw) = params.into_iter().next().unwrap_or_default();
        match parse_integer(&raw) {
            Some(value) => Ok(i32::try_from(value).map_or(Self::OutOfRange(value), Self::Key)),
            // Integers too long for 64 bits are integers all the same: no row has them.
            None if is_integer_text(&raw) => Ok(Self::OutOfRange(i64::MAX)),
            None => Err(RestError::invalid(ValidationIssue::new(
                "int_parsing",
                &["path", &name],
                "Input should be a valid integer, unable to parse string as an integer",
                Value::String(raw),
            ))),
        }
    }
}

fn is_integer_text(text: &str) -> bool {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
}

/// `?limit=&offset=` of the list routes: integers ≥ 0, both optional.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListQuery(pub service::ListParams);

impl<S: Send + Sync> FromRequestParts<S> for ListQuery {
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
            match parse_integer(&raw) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        for accepted in ["application/json", "application/json; charset=utf-8", "application/merge-patch+json", "Application/JSON"] {
            assert!(is_json_content_type(accepted), "{accepted}");
        }
        for refused in ["text/plain", "application/x-www-form-urlencoded", "", "json"] {
            assert!(!is_json_content_type(refused), "{refused}");
        }
    }

    #[test]
    fn integers_are_read_as_pydantic_reads_them() {
        assert_eq!(parse_integer(" 42 "), Some(42));
        assert_eq!(parse_integer("+7"), Some(7));
        assert_eq!(parse_integer("-3"), Some(-3));
        assert_eq!(parse_integer("4.0"), None);
        assert_eq!(parse_integer("abc"), None);
        assert!(is_integer_text("99999999999999999999999"));
        assert!(!is_integer_text("9e9"));
    }
}
