//! The rules for text and email input, applied once, before anything is written.

use email_address::{EmailAddress, Options};

use crate::error::{Error, Field, Invalid};

/// The `email` column is `varchar(255)`.
const EMAIL_MAX_CHARS: usize = 255;

fn invalid(field: Field, problem: Invalid) -> Error {
    Error::Invalid { field, problem }
}

/// Text that must be present: not empty, not only whitespace, no NUL. Stored as sent.
pub(crate) fn required_text(field: Field, value: String) -> Result<String, Error> {
    if value.trim().is_empty() {
        return Err(invalid(field, Invalid::Blank));
    }
    optional_text(field, value)
}

/// Optional text: anything but a NUL character. Stored as sent.
pub(crate) fn optional_text(field: Field, value: String) -> Result<String, Error> {
    if value.contains('\0') {
        return Err(invalid(field, Invalid::NulCharacter));
    }
    Ok(value)
}

/// An optional text column's new value.
pub(crate) fn nullable_text(field: Field, value: Option<String>) -> Result<Option<String>, Error> {
    value.map(|value| optional_text(field, value)).transpose()
}

/// A valid email address, normalised as the customer seed's validator does: the domain part
/// lower-cased, the local part kept as sent.
pub(crate) fn email(value: &str) -> Result<String, Error> {
    let problem = |reason: &str| invalid(Field::Email, Invalid::Email(reason.to_owned()));
    if value.contains('\0') {
        return Err(invalid(Field::Email, Invalid::NulCharacter));
    }
    if !value.contains('@') {
        return Err(problem("An email address must have an @-sign."));
    }
    let options = Options::default()
        .with_required_tld()
        .without_display_text()
        .without_domain_literal();
    let parsed = EmailAddress::parse_with_options(value, options).map_err(|error| {
        problem(&match error {
            email_address::Error::DomainTooFew => {
                "The part after the @-sign is not valid. It should have a period.".to_owned()
            }
            other => other.to_string(),
        })
    })?;
    let normalised = format!(
        "{}@{}",
        parsed.local_part(),
        parsed.domain().to_lowercase()
    );
    if normalised.chars().count() > EMAIL_MAX_CHARS {
        return Err(invalid(Field::Email, Invalid::TooLong { max: EMAIL_MAX_CHARS }));
    }
    Ok(normalised)
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
                    Err(Error::Invalid { problem: Invalid::Blank, .. })
                ),
                "{value:?}"
            );
        }
    }

    #[test]
    fn text_is_kept_as_sent() {
        assert_eq!(required_text(Field::Task, "  a b ".into()).ok(), Some("  a b ".into()));
    }

    #[test]
    fn nul_is_refused_everywhere() {
        assert!(required_text(Field::Task, "a\0b".into()).is_err());
        assert!(nullable_text(Field::Phone, Some("\0".into())).is_err());
        assert!(email("a\0@b.co").is_err());
    }

    #[test]
    fn email_domain_is_lower_cased_and_local_part_kept() {
        assert_eq!(email("Alan@Example.COM").ok().as_deref(), Some("Alan@example.com"));
    }

    #[test]
    fn malformed_emails_are_refused_with_a_reason() {
        for value in ["not-an-email", "a@", "@b.co", "a@b", "a b@c.co", "a@@b.co", "Al <a@b.co>"] {
            match email(value) {
                Err(Error::Invalid { field: Field::Email, problem: Invalid::Email(reason) }) => {
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
