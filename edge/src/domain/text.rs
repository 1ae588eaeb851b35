//! Names and free text typed by owners and agents.

use crate::error::ApiError;
use presenza_protocol::limits::MAX_DISPLAY_NAME_CHARS;
use presenza_rules::conversation::is_invisible_format;

/// 400 `invalid_field` naming the field.
pub fn invalid(field: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("invalid_field", format!("`{field}`: {why}"))
}

/// Checks a free text field: length in characters and no control characters
/// (a newline is allowed).
pub fn check_text(
    field: &str,
    value: &str,
    max_chars: usize,
    allow_empty: bool,
) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n > max_chars {
        return Err(ApiError::bad_request(
            "field_too_long",
            format!("`{field}` is longer than {max_chars} characters"),
        ));
    }
    if !allow_empty && value.trim().is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(())
}

/// A site, agent, group or widget title name: one line, not blank, at most
/// [`MAX_DISPLAY_NAME_CHARS`], without invisible format characters (bidi
/// overrides, zero-width characters: see `is_invisible_format`); trimmed.
pub fn display_name(field: &str, value: &str) -> Result<String, ApiError> {
    check_text(field, value, MAX_DISPLAY_NAME_CHARS, false)?;
    if value.contains('\n') {
        return Err(invalid(field, "must be a single line"));
    }
    if value.chars().any(is_invisible_format) {
        return Err(invalid(
            field,
            "must not contain invisible formatting characters (bidirectional controls, zero-width characters)",
        ));
    }
    Ok(value.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(display_name("name", "  Giulia ").unwrap(), "Giulia");
        assert!(display_name("name", "").is_err());
        assert!(display_name("name", &"é".repeat(80)).is_ok());
        assert_eq!(
            display_name("name", &"é".repeat(81)).unwrap_err().code(),
            "field_too_long"
        );
        assert!(display_name("name", "a\u{0}b").is_err());
        assert!(display_name("name", "a\nb").is_err());
        for spoof in [
            "admin\u{202E}nimda",
            "Gi\u{200B}ulia",
            "\u{2067}x",
            "a\u{FEFF}",
        ] {
            assert_eq!(
                display_name("name", spoof).unwrap_err().code(),
                "invalid_field",
                "{spoof:?}"
            );
        }
        assert_eq!(
            display_name("name", "Zoë 日本 مرحبا").unwrap(),
            "Zoë 日本 مرحبا"
        );
    }
}
