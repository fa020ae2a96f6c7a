//! The integer grammar of pydantic's lax mode, shared by bodies, paths and queries.

/// 2^63: integral floats below it in magnitude convert to `i64` exactly.
pub(crate) const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;

/// An integer written as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TextInteger {
    /// It fits 64 bits.
    Small(i64),
    /// It does not; its canonical decimal spelling (sign, no leading zeros).
    Big(String),
}

/// Integers as pydantic reads them from text: surrounding whitespace, an optional sign,
/// digits with single underscores between them (as Python's `int()`), and an optional
/// `.0…` tail (`"2.00"` is 2).
pub(crate) fn read_integer(text: &str) -> Option<TextInteger> {
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
