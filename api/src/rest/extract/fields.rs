//! Reading typed fields out of a body as pydantic does, and FastAPI's arithmetic of 422s:
//! every problem collected, the service's rules merged in field order, path and body
//! problems reported together.

use serde_json::{Map, Value, json};
use service::todo::TodoStatus;

use super::integer::{I64_LIMIT, TextInteger, read_integer};
use crate::rest::error::{LocItem, RestError, ValidationIssue};

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

    /// The 422 of every problem found; for a caller that already knows there is one.
    pub fn into_error(self) -> RestError {
        RestError::Validation(self.issues)
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
