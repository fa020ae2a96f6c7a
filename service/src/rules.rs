//! The rules for text and email input, each a function from raw value to stored value or a
//! [`Violation`]; the input types in `customer` and `todo` apply them (see [`crate::valid`]).

use email_address::{EmailAddress, Options};

use crate::error::{Field, Invalid, Violation};

/// The `email` column is `varchar(255)`.
const EMAIL_MAX_CHARS: usize = 255;

/// First and last names are indexed for sorting; PostgreSQL refuses index entries above
/// about 2.7 kB, so names are capped well below that (255 characters of up to 4 bytes).
const NAME_MAX_CHARS: usize = 255;

fn invalid(field: Field, problem: Invalid) -> Violation {
    Violation { field, problem }
}

/// Text that must be present: not empty, not only whitespace, no NUL. Stored as sent.
pub(crate) fn required_text(field: Field, value: String) -> Result<String, Violation> {
    if value.trim().is_empty() {
        return Err(invalid(field, Invalid::Blank));
    }
    optional_text(field, value)
}

/// A first or last name: required text of at most [`NAME_MAX_CHARS`] characters.
pub(crate) fn name(field: Field, value: String) -> Result<String, Violation> {
    let value = required_text(field, value)?;
    if value.chars().count() > NAME_MAX_CHARS {
        return Err(invalid(
            field,
            Invalid::TooLong {
                max: NAME_MAX_CHARS,
            },
        ));
    }
    Ok(value)
}

/// Optional text: anything but a NUL character. Stored as sent.
pub(crate) fn optional_text(field: Field, value: String) -> Result<String, Violation> {
    if value.contains('\0') {
        return Err(invalid(field, Invalid::NulCharacter));
    }
    Ok(value)
}

/// An optional text column's new value.
pub(crate) fn nullable_text(
    field: Field,
    value: Option<String>,
) -> Result<Option<String>, Violation> {
    value.map(|value| optional_text(field, value)).transpose()
}

/// A valid email address, normalised as the customer seed's validator (pydantic's
/// `EmailStr`) does: surrounding spaces and a display name (`Name <addr>`) dropped, the
/// domain lower-cased and in its Unicode form (so `bücher.de` and `xn--bcher-kva.de` are one
/// domain), the local part kept as sent.
pub(crate) fn email(value: &str) -> Result<String, Violation> {
    let problem = |reason: &str| invalid(Field::Email, Invalid::Email(reason.to_owned()));
    if value.contains('\0') {
        return Err(invalid(Field::Email, Invalid::NulCharacter));
    }
    let address = strip_display_name(value.trim());
    if !address.contains('@') {
        return Err(problem("An email address must have an @-sign."));
    }
    if address.starts_with('"') {
        return Err(problem("Quoted local parts are not allowed."));
    }
    let options = Options::default()
        .with_required_tld()
        .without_display_text()
        .without_domain_literal();
    let parsed = EmailAddress::parse_with_options(address, options).map_err(|error| {
        problem(&match error {
            email_address::Error::DomainTooFew => {
                "The part after the @-sign is not valid. It should have a period.".to_owned()
            }
            other => other.to_string(),
        })
    })?;
    let domain = normalise_domain(parsed.domain()).map_err(|reason| problem(&reason))?;
    let normalised = format!("{}@{domain}", parsed.local_part());
    if normalised.chars().count() > EMAIL_MAX_CHARS {
        return Err(invalid(
            Field::Email,
            Invalid::TooLong {
                max: EMAIL_MAX_CHARS,
            },
        ));
    }
    Ok(normalised)
}

/// `Name <addr>` → `addr`; anything else as it is.
fn strip_display_name(value: &str) -> &str {
    match (value.rfind('<'), value.ends_with('>')) {
        (Some(open), true) if open > 0 => value[open + 1..value.len() - 1].trim(),
        _ => value,
    }
}

/// Checks a domain as a host name (letters, digits and hyphens in each label, after IDNA;
/// not an all-numeric top-level label) and returns it lower-cased in Unicode form.
fn normalise_domain(domain: &str) -> Result<String, String> {
    let not_valid = |detail: &str| format!("The part after the @-sign is not valid. {detail}");
    let ascii = idna::domain_to_ascii(domain)
        .map_err(|_| not_valid("It is not a valid internationalized domain name."))?;
    let labels: Vec<&str> = ascii.split('.').collect();
    for label in &labels {
        let ldh = label
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-');
        if label.is_empty() || !ldh || label.starts_with('-') || label.ends_with('-') {
            return Err(not_valid(&format!(
                "The domain label {label:?} is not valid."
            )));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|byte| byte.is_ascii_digit()))
    {
        return Err(not_valid("It is not within a valid top-level domain."));
    }
    let (unicode, result) = idna::domain_to_unicode(&ascii);
    result.map_err(|_| not_valid("It is not a valid internationalized domain name."))?;
    Ok(unicode.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_text_is_refused() {
        for value in ["", " ", "\t\n", "\u{3000}"] {
            assert!(
                matches!(
                    required_text(Field::Task, value.into()),
                    Err(Violation {
                        problem: Invalid::Blank,
                        ..
                    })
                ),
                "{value:?}"
            );
        }
    }

    #[test]
    fn text_is_kept_as_sent() {
        assert_eq!(
            required_text(Field::Task, "  a b ".into()).ok(),
            Some("  a b ".into())
        );
    }

    #[test]
    fn nul_is_refused_everywhere() {
        assert!(required_text(Field::Task, "a\0b".into()).is_err());
        assert!(nullable_text(Field::Phone, Some("\0".into())).is_err());
        assert!(email("a\0@b.co").is_err());
    }

    #[test]
    fn email_domain_is_lower_cased_and_local_part_kept() {
        assert_eq!(
            email("Alan@Example.COM").ok().as_deref(),
            Some("Alan@example.com")
        );
    }

    #[test]
    fn emails_are_normalised_like_the_seed() {
        for (sent, stored) in [
            (" x@example.com ", "x@example.com"),
            ("Al <al@B.co>", "al@b.co"),
            ("a@xn--bcher-kva.de", "a@bücher.de"),
            ("a@BÜCHER.de", "a@bücher.de"),
        ] {
            assert_eq!(email(sent).ok().as_deref(), Some(stored), "{sent}");
        }
    }

    #[test]
    fn malformed_emails_are_refused_with_a_reason() {
        for value in [
            "not-an-email",
            "a@",
            "@b.co",
            "a@b",
            "a b@c.co",
            "a@@b.co",
            "\"a b\"@c.co",
            "a@b_c.co",
            "a@b.123",
            "a@-b.co",
        ] {
            match email(value) {
                Err(Violation {
                    field: Field::Email,
                    problem: Invalid::Email(reason),
                }) => {
                    assert!(!reason.is_empty(), "{value}")
                }
                other => panic!("{value}: {other:?}"),
            }
        }
    }

    #[test]
    fn overlong_email_is_refused() {
        let domain = format!("{}com", format!("{}.", "b".repeat(60)).repeat(4));
        let value = format!("{}@{domain}", "a".repeat(10));
        assert!(value.chars().count() > EMAIL_MAX_CHARS);
        assert!(email(&value).is_err());
    }
}
