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

/// Reads typed fields out of a JSON object body, collecting every problem before failing.
pub struct BodyReader<'a> {
    object: &'a Map<String, Value>,
    issues: Vec<ValidationIssue>,
}

impl<'a> BodyReader<'a> {
    /// Starts reading `object`.
    pub fn new(object: &'a Map<String, Value>) -> Self {
        Self {
            object,
            issues: Vec::new(),
        }
    }

    fn issue(&mut self, kind: &str, field: &str, msg: &str, input: Value) {
        self.issues
            .push(ValidationIssue::new(kind, &["body", field], msg, input));
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
                self.issue(
                    "string_type",
                    field,
                    "Input should be a valid string",
                    other.clone(),
                );
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
        const TOO_BIG: (&str, &str) = (
            "int_parsing_size",
            "Unable to parse input string as an integer, exceeded maximum size",
        );
        let parsed = match &value {
            Value::Number(number) => match (number.as_i64(), number.as_f64()) {
                (Some(integer), _) => Ok(integer),
                (None, Some(float)) if float.fract() != 0.0 => Err((
                    "int_from_float",
                    "Input should be a valid integer, got a number with a fractional part",
                )),
                // An integral float such as `1.0` is an integer to pydantic.
                (None, Some(float)) if float.abs() < I64_LIMIT => Ok(float as i64),
                _ => Err(TOO_BIG),
            },
            Value::String(text) => match read_integer(text) {
                Some(TextInteger::Small(integer)) => Ok(integer),
                Some(TextInteger::Big(_)) => Err(TOO_BIG),
                None => Err((
                    "int_parsing",
                    "Input should be a valid integer, unable to parse string as an integer",
                )),
            },
            // pydantic's lax mode reads `true` and `false` as 1 and 0.
            Value::Bool(flag) => Ok(i64::from(*flag)),
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

    /// Whether a problem was already found in `field`.
    pub fn has_issue(&self, field: &str) -> bool {
        self.issues
            .iter()
            .any(|issue| issue.loc.get(1) == Some(&LocItem::Name(field.to_owned())))
    }

    /// Adds the problems the service's rules found, for the fields that had the right type
    /// (a field of the wrong type is reported once, for its type), keeping every problem in
    /// `field_order`, as pydantic lists them. A failure other than invalid input is returned.
    pub fn add_service_problems(
        &mut self,
        error: RestError,
        field_order: &[&str],
    ) -> Result<(), RestError> {
        let RestError::Validation(more) = error else {
            return Err(error);
        };
        let more: Vec<ValidationIssue> = more
            .into_iter()
            .filter(|issue| match issue.loc.get(1) {
                Some(LocItem::Name(field)) => !self.has_issue(field),
                _ => true,
            })
            .collect();
        self.issues.extend(more);
        let position = |issue: &ValidationIssue| match issue.loc.get(1) {
            Some(LocItem::Name(name)) => field_order.iter().position(|field| field == name),
            _ => None,
        };
        self.issues
            .sort_by_key(|issue| position(issue).unwrap_or(usize::MAX));
        Ok(())
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

/// 2^63: integral floats below it in magnitude convert to `i64` exactly.
const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;

/// An integer written as text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum TextInteger {
    /// It fits 64 bits.
    Small(i64),
    /// It does not; its canonical decimal spelling (sign, no leading zeros).
    Big(String),
}

/// Integers as pydantic reads them from text: surrounding whitespace, an optional sign,
/// digits with single underscores between them (as Python's `int()`), and an optional
/// `.0…` tail (`"2.00"` is 2).
fn read_integer(text: &str) -> Option<TextInteger> {
    let trimmed = text.trim();
    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let whole = match unsigned.split_once('.') {
        Some((whole, zeros)) if !zeros.is_empty() && zeros.bytes().all(|byte| byte == b'0') => {
            whole
        }
        Some(_) => return None,
        None => unsigned,
    };
    if whole.is_empty() || whole.starts_with('_') || whole.ends_with('_') || whole.contains("__") {
        return None;
    }
    let digits: String = whole
        .chars()
        .filter(|&character| character != '_')
        .collect();
    if !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Some(TextInteger::Small(0));
    }
    let canonical = if negative {
        format!("-{significant}")
    } else {
        significant.to_owned()
    };
    Some(
        canonical
            .parse()
            .map_or(TextInteger::Big(canonical), TextInteger::Small),
    )
}

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

/// Both a path id and a body, or one 422 listing the problems of each, path first (FastAPI
/// validates them together).
pub fn both<A, B>(
    first: Result<A, RestError>,
    second: Result<B, RestError>,
) -> Result<(A, B), RestError> {
    match (first, second) {
        (Ok(first), Ok(second)) => Ok((first, second)),
        (Err(RestError::Validation(mut issues)), Err(RestError::Validation(more))) => {
            issues.extend(more);
            Err(RestError::Validation(issues))
        }
        (Err(error), _) | (_, Err(error)) => Err(error),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The integer in `text` if it fits 64 bits.
    fn parse_integer(text: &str) -> Option<i64> {
        match read_integer(text)? {
            TextInteger::Small(value) => Some(value),
            TextInteger::Big(_) => None,
        }
    }

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

    #[test]
    fn integers_are_read_as_pydantic_reads_them() {
        assert_eq!(parse_integer(" 42 "), Some(42));
        assert_eq!(parse_integer("+7"), Some(7));
        assert_eq!(parse_integer("-3"), Some(-3));
        assert_eq!(parse_integer("abc"), None);
        assert_eq!(parse_integer("9e9"), None);
        // pydantic's extras, checked against pydantic 2.14.
        let integers = [
            ("4.0", 4),
            ("2.00", 2),
            ("-0.0", 0),
            ("+1.0", 1),
            ("1_0", 10),
            ("1_0.0", 10),
            ("007", 7),
            ("\t3\n", 3),
        ];
        for (text, value) in integers {
            assert_eq!(parse_integer(text), Some(value), "{text:?}");
        }
        let refused = [
            "1.", ".0", "1.5", "1.0_0", "1__0", "_1", "1_", "+_1", "0x10", "1e3", "", " ", "- 1",
            "١",
        ];
        for text in refused {
            assert_eq!(parse_integer(text), None, "{text:?}");
        }
        assert_eq!(
            read_integer("-000123456789012345678901234567890"),
            Some(TextInteger::Big("-123456789012345678901234567890".into()))
        );
        assert_eq!(
            read_integer("9223372036854775807"),
            Some(TextInteger::Small(i64::MAX))
        );
        assert_eq!(
            read_integer("9223372036854775808"),
            Some(TextInteger::Big("9223372036854775808".into()))
        );
    }
}
